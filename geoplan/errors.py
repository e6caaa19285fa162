"""Exceptions raised by geoplan.

One root, :class:`GeoplanError`; each specific error also inherits the built-in it refines, so
callers can catch ``ValueError`` or ``OSError`` as they would for any library (the habit of
``rasterio.errors``). Messages say what is wrong, with which value, and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.problems import ValidationReport

__all__ = [
    "CRSError",
    "GeoplanError",
    "LayerReadError",
    "MissingDependencyError",
    "OutputBusyError",
    "OutputExistsError",
    "OutputWriteError",
    "PlanError",
    "PlanValidationError",
    "check_keys",
]


class GeoplanError(Exception):
    """Root of every error geoplan raises on purpose.

    The message may be given in both languages, as a :class:`geoplan.messages.Text`: ``str(exc)``
    is then the English text, the one a Python caller greps and logs, :attr:`text` keeps both,
    and :meth:`message_in` gives either language, which the command line and the workbench show
    to the planner (Vietnamese unless asked otherwise).

    >>> from geoplan.messages import Text
    >>> exc = PlanError(Text("không tìm thấy tệp plan.toml", "no plan.toml"))
    >>> str(exc), exc.message_in("vi")
    ('no plan.toml', 'không tìm thấy tệp plan.toml')
    """

    #: The message in both languages (a :class:`geoplan.messages.Text`), when given so.
    text: Any = None

    def __init__(self, *args: Any) -> None:
        first = args[0] if args else None
        if isinstance(getattr(first, "vi", None), str) and \
                isinstance(getattr(first, "en", None), str):
            self.text = first
            args = (first.en, *args[1:])  # type: ignore[union-attr]
        super().__init__(*args)

    def message_in(self, lang: str = "vi") -> str:
        """The message in ``lang`` (``"vi"`` or ``"en"``); the one text there is when the
        error was raised in one language only."""
        if self.text is None:
            return str(self)
        return str(self.text.vi if lang == "vi" else self.text.en)


class PlanError(GeoplanError, ValueError):
    """The plan file (``plan.toml``) or one of its settings is wrong."""


class LayerReadError(GeoplanError, OSError):
    """A layer's source file cannot be read (missing, wrong format, wrong layer name...)."""


class CRSError(GeoplanError, ValueError):
    """A coordinate reference system is missing, unknown, or unsuitable for the job."""


class OutputExistsError(GeoplanError, FileExistsError):
    """An output exists and ``overwrite`` was not given."""


class OutputWriteError(GeoplanError, OSError):
    """An output could not be written (permission denied, disk full, read-only file system,
    path too long...); the message names the path and what was left untouched."""


class OutputBusyError(GeoplanError, OSError):
    """Another process is writing the same output folder (its advisory lock is held)."""


class MissingDependencyError(GeoplanError, ImportError):
    """An optional dependency is needed for this feature; the message has the install line."""


class PlanValidationError(GeoplanError, ValueError):
    """Validation found errors; ``.report`` lists every problem of the plan."""

    def __init__(self, report: ValidationReport, *args: Any) -> None:
        self.report = report
        super().__init__(report.summary(), *args)


def check_keys(keys: Iterable[Any], valid: Iterable[str], *, where: Any = "") -> None:
    """Raise :class:`PlanError` naming every key not in ``valid``, with the closest valid one.

    The one way every settings table of a plan reports unknown keys (xarray's set_options habit):

    >>> check_keys(["precison"], ["precision", "shapefile"], where=" in [export]")
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'precison' (did you mean 'precision'?) in [export]; \
valid keys: precision, shapefile
    """
    from geoplan.messages import Text, message

    valid = tuple(valid)
    bad = [str(k) for k in keys if k not in valid]
    if not bad:
        return
    hints = []
    for key in bad:
        close = difflib.get_close_matches(key, valid, n=1)
        hints.append(message("plan_file.did_you_mean", capital=False, name=repr(key),
                             close=repr(close[0])) if close else Text.same(repr(key)))
    if isinstance(getattr(where, "vi", None), str):
        place = where  # said in both languages by the caller
    else:
        table = where.removeprefix(" in ")
        place = (message("plan_file.in_table", capital=False, table=table)
                 if table != where else Text.same(where))
    noun = Text("khóa", "keys" if len(bad) > 1 else "key")
    raise PlanError(message("plan_file.unknown_keys", capital=False, noun=noun,
                            keys=Text.join(", ", hints), where=place, valid=", ".join(valid)))
