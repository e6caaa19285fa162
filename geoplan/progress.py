"""Progress of the long stages, told to whoever listens: the library reports, it never prints.

The stages of a run (reading the layers, the grid, the checks, the coverage, the siting, the
map, the export, the report ...) announce themselves with :func:`stage`; a listener installed
with :func:`listening` hears them. With no listener (the default: a notebook, a script, a test)
:func:`stage` hands back one shared object that does nothing, so the hooks cost a context
variable look-up each. The command line installs a listener that draws tqdm bars on stderr
(:mod:`geoplan.cli.options`); the same hooks serve any other front end::

    import geoplan
    from geoplan.progress import Recorder, listening

    with listening(Recorder()) as heard:
        geoplan.analyse("layers/sample")
    heard.names()          # ['read', 'grid', 'checks', 'coverage']

The importers report theirs too: ``import_osm`` the boundaries, then reading and selecting each
source layer (lines, substations, plants), then writing; ``import_dxf`` reading the drawing,
sorting its entities, labelling per layer, writing; ``merge_plans`` reading each old plan, merging
per layer, the duplicates, the boundaries, writing.

A listener subclasses :class:`Listener` and overrides what it needs: :meth:`~Listener.on_stage`
when a stage starts (with the number of steps when it is known, e.g. one per layer),
:meth:`~Listener.advance` after each step (with the item just done, e.g. the layer's name) and
:meth:`~Listener.on_end` when the stage ends, failed or not. Stages nest (the siting runs
inside the coverage, the map may run the analysis); ``advance`` belongs to the innermost stage.
A listener that raises stops the run: listen, do not compute.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import TypeVar

__all__ = [
    "STAGES",
    "Listener",
    "Recorder",
    "Stage",
    "current_listener",
    "listening",
    "stage",
    "stage_label",
]

#: The stages geoplan reports, with their labels (Vietnamese, English).
STAGES: dict[str, tuple[str, str]] = {
    "read": ("Đọc các lớp", "Reading layers"),
    "grid": ("Lưới điện", "Grid"),
    "checks": ("Kiểm tra quy định", "Checks"),
    "coverage": ("Phạm vi cấp điện", "Coverage"),
    "siting": ("Đề xuất vị trí trạm", "Siting"),
    "map": ("Bản đồ", "Map"),
    "export": ("Xuất dữ liệu", "Export"),
    "report": ("Báo cáo", "Report"),
    "diff": ("So sánh phương án", "Diff"),
    "compare": ("Đối chiếu phương án", "Compare"),
    "pdp8": ("Đối chiếu QHĐ VIII", "PDP8"),
    # the importers and merge-plans
    "boundaries": ("Ranh giới hành chính", "Boundaries"),
    "source": ("Đọc dữ liệu nguồn", "Reading the source"),
    "filter": ("Đọc và lọc theo tỉnh", "Reading and selecting by province"),
    "classify": ("Phân loại đối tượng CAD", "Sorting CAD entities"),
    "label": ("Gán nhãn theo lớp", "Labelling per layer"),
    "merge": ("Gộp các lớp", "Merging layers"),
    "duplicates": ("Tìm đối tượng trùng", "Finding duplicates"),
    "write": ("Ghi thư mục phương án", "Writing the plan folder"),
}


def stage_label(name: str, lang: str = "vi") -> str:
    """The label of stage ``name`` in ``lang`` (``"vi"`` or ``"en"``); the name itself when
    the stage is not one of :data:`STAGES`.

    >>> stage_label("coverage", "en")
    'Coverage'
    """
    labels = STAGES.get(name)
    if labels is None:
        return name
    return labels[1] if lang == "en" else labels[0]


class Listener:
    """What hears the stages; every method does nothing here (override what you need)."""

    def on_stage(self, name: str, total: int | None) -> None:
        """Stage ``name`` starts; ``total`` steps when known, else ``None``."""

    def advance(self, n: int = 1, item: str | None = None) -> None:
        """``n`` more steps of the innermost stage are done; ``item`` names the last one."""

    def on_end(self, name: str) -> None:
        """Stage ``name`` ends (also when it failed)."""


_LISTENER: ContextVar[Listener | None] = ContextVar("geoplan_progress_listener", default=None)

L = TypeVar("L", bound=Listener)


def current_listener() -> Listener | None:
    """The listener installed by :func:`listening`, or ``None``."""
    return _LISTENER.get()


@contextlib.contextmanager
def listening(listener: L) -> Iterator[L]:
    """Install ``listener`` for the stages run inside the ``with`` block (this thread or task;
    the previous listener, if any, is back afterwards). Yields the listener."""
    token = _LISTENER.set(listener)
    try:
        yield listener
    finally:
        _LISTENER.reset(token)


class Stage:
    """A running stage (what ``with stage(...)`` gives): call :meth:`advance` after each step."""

    __slots__ = ("_listener", "name", "total")

    def __init__(self, name: str, total: int | None, listener: Listener | None) -> None:
        self.name = name
        self.total = total
        self._listener = listener

    def advance(self, n: int = 1, item: str | None = None) -> None:
        """``n`` more steps done; ``item`` names the last one (a layer's name ...)."""
        if self._listener is not None:
            self._listener.advance(n, item)

    def __enter__(self) -> Stage:
        if self._listener is not None:
            self._listener.on_stage(self.name, self.total)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._listener is not None:
            self._listener.on_end(self.name)


#: The one stage handed out when nobody listens.
_SILENT = Stage("", None, None)


def stage(name: str, total: int | None = None) -> Stage:
    """The context of one stage: ``with stage("read", total=len(layers)) as s: ... s.advance()``.

    With no listener installed this is one shared object whose methods do nothing.
    """
    listener = _LISTENER.get()
    if listener is None:
        return _SILENT
    return Stage(name, total, listener)


@dataclass
class Recorder(Listener):
    """A listener that keeps what it heard: ``events`` as ``(event, stage, value)`` tuples,
    ``("start", name, total)``, ``("advance", name, item)`` and ``("end", name, None)``."""

    events: list[tuple[str, str, object]] = field(default_factory=list)
    _open: list[str] = field(default_factory=list, repr=False)

    def on_stage(self, name: str, total: int | None) -> None:
        self._open.append(name)
        self.events.append(("start", name, total))

    def advance(self, n: int = 1, item: str | None = None) -> None:
        where = self._open[-1] if self._open else ""
        self.events.extend([("advance", where, item)] * n)

    def on_end(self, name: str) -> None:
        if self._open and self._open[-1] == name:
            self._open.pop()
        self.events.append(("end", name, None))

    def names(self) -> list[str]:
        """The stages started, in order."""
        return [name for event, name, _ in self.events if event == "start"]
