"""The options, arguments, exit codes and error handling every command shares (defined once).

As ``rasterio/rio/options.py`` does for ``rio``: a command module takes its decorators from here,
so ``--format``, ``-o/--output`` and ``--overwrite`` read and behave the same in every command.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from geoplan.errors import GeoplanError, PlanValidationError
from geoplan.progress import Listener

__all__ = [
    "EPILOG",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_USAGE",
    "as_of_option",
    "deliver_to_postgis",
    "engine_options",
    "file_lang",
    "format_option",
    "handle_errors",
    "judged",
    "lang_option",
    "open_engine",
    "output_option",
    "overwrite_option",
    "plan_argument",
    "postgis_options",
    "preflight_postgis",
    "progress_bars",
    "progress_option",
    "said",
    "say",
    "shown_lang",
]

#: Exit codes of every command.
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3

EPILOG = ("Exit codes: 0 ok; 1 input error (plan, layer, CRS, file); 2 usage error; "
          "3 checks found errors.")

F = TypeVar("F", bound=Callable[..., Any])

plan_argument = click.argument(
    "plan", type=click.Path(exists=True, path_type=Path), metavar="PLAN"
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="How to print the result on stdout.",
)
output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None,
    help="Write the result to this file.",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, default=False, help="Replace existing outputs."
)


def postgis_options(func: F) -> F:
    """``--to-postgis URL`` and ``--schema NAME``: append the run to a PostGIS database."""
    func = click.option(
        "--schema", "pg_schema", default="geoplan", show_default=True, metavar="NAME",
        help="Schema of the --to-postgis tables (created when missing).")(func)
    func = click.option(
        "--to-postgis", "to_postgis", default=None, metavar="URL",
        help="Also append this run to PostGIS: postgresql://user@host:port/db (password from "
             "PGPASSWORD, ~/.pgpass or PGSERVICE). One transaction: a failed run leaves no "
             "rows.")(func)
    return func


def engine_options(func: F) -> F:
    """``--engine memory|dask`` and ``--scheduler ADDRESS``: where the checks and coverage run."""
    func = click.option(
        "--scheduler", default=None, metavar="ADDRESS",
        help="With --engine dask: the dask.distributed scheduler (tcp://host:8786); default a "
             "local cluster of 2 worker processes on 127.0.0.1.")(func)
    func = click.option(
        "--engine", type=click.Choice(["memory", "dask"]), default="memory", show_default=True,
        help="Run the checks and the coverage in memory, or on dask-geopandas (spatial "
             "partitions; the same findings).")(func)
    return func


def _parse_as_of(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    if value is None:
        return None
    from geoplan.errors import PlanError
    from geoplan.rules import parse_as_of

    try:
        return parse_as_of(value, where="--as-of")
    except PlanError as exc:
        raise click.BadParameter(str(exc)) from None


as_of_option = click.option(
    "--as-of", "as_of", default=None, metavar="YYYY-MM-DD", callback=_parse_as_of,
    help="Judge the plan on the rules in force on this day (default: [plan] as_of, else "
         "today).",
)


def _log_lang(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """``--lang`` also chooses the language of the library's log messages on stderr
    (Vietnamese unless given), for the command only."""
    from geoplan.problems import log_lang, set_log_lang

    before = log_lang()
    set_log_lang(value)
    ctx.call_on_close(lambda: set_log_lang(before))
    return value


lang_option = click.option(
    "--lang", type=click.Choice(["vi", "en"]), default=None, callback=_log_lang,
    help="Language of the findings and messages (default: [report] lang, else vi).",
)


def shown_lang(lang: str | None, plan: Any = None) -> str:
    """The language a command talks in: ``--lang``, else the plan's ``[report] lang`` (when
    a loaded plan is given), else Vietnamese."""
    from geoplan.messages import plan_lang

    return plan_lang(plan, lang) if plan is not None else (lang or "vi")


def file_lang(plan: Any, lang: str | None) -> str:
    """``--lang``, else the ``[report] lang`` of ``plan`` (a loaded plan, or a plan file read
    but not loaded), else Vietnamese; a plan file that cannot be read leaves its error to the
    command."""
    if lang is not None or plan is None:
        return lang or "vi"
    from geoplan.messages import plan_lang
    from geoplan.plan import read_plan_file

    if hasattr(plan, "settings"):  # a plan already loaded
        return plan_lang(plan)
    try:
        return plan_lang(read_plan_file(plan))
    except (GeoplanError, OSError, ValueError):
        return "vi"


def say(key: str, lang: str, *, err: bool = False, **fields: Any) -> None:
    """Echo the message ``key`` of the ``[cli]`` table, filled with ``fields``, in ``lang``."""
    from geoplan.messages import message

    click.echo(message(key, capital=False, **fields).get(lang), err=err)


def said(key: str, lang: str, **fields: Any) -> str:
    """The message ``key`` filled with ``fields``, in ``lang`` (to build a line of parts)."""
    from geoplan.messages import message

    return message(key, capital=False, **fields).get(lang)


def judged(plan: Any, as_of: Any) -> Any:
    """PLAN as given, or loaded and judged on ``as_of`` when the option is set."""
    if as_of is None:
        return plan
    from geoplan.load import load_plan

    return load_plan(plan).with_as_of(as_of)


def handle_errors(func: F) -> F:
    """Turn library errors into one message on stderr and exit code 1, never a traceback.

    A :class:`~geoplan.errors.PlanValidationError` prints its whole report (every problem of
    every layer) before the one-line summary; any other :class:`~geoplan.errors.GeoplanError`
    prints ``Lỗi: <message>`` (``Error: <message>`` with ``--lang en``); so do a bare
    :class:`OSError` (the path and the cause in words) and a :class:`MemoryError`.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        lang = kwargs.get("lang") or "vi"
        try:
            return func(*args, **kwargs)
        except PlanValidationError as exc:
            click.echo(exc.report.to_text(lang), err=True)
            say("cli.error", lang, err=True, text=exc.report.summary(lang))
            sys.exit(EXIT_INPUT)
        except GeoplanError as exc:
            say("cli.error", lang, err=True, text=exc.message_in(lang))
            sys.exit(EXIT_INPUT)
        except OSError as exc:
            # a fault of the file system that no writer turned into a message of its own
            from geoplan.io.atomic import os_error_message

            where = exc.filename or exc.filename2
            text = os_error_message(exc, where) if where else (exc.strerror or str(exc))
            say("cli.error", lang, err=True, text=f"{where + ': ' if where else ''}{text}")
            sys.exit(EXIT_INPUT)
        except MemoryError:
            say("cli.error", lang, err=True, text=said("cli.out_of_memory", lang))
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------------------ progress

#: Seconds a stage runs before its bar shows when progress is on by itself (a terminal):
#: quick stages leave no trace. ``--progress`` shows every stage at once.
AUTO_PROGRESS_DELAY = 1.0


@dataclass
class _Running:
    """One stage being run: its bar once shown."""

    name: str
    total: int | None
    started: float
    done: int = 0
    item: str | None = None
    bar: Any = None


class _Bars(Listener):
    """A :class:`geoplan.progress.Listener` drawing one tqdm bar per stage on ``stream``.

    A stage's bar shows once the stage has run ``delay`` seconds (at once with 0), nested
    stages on the lines below (cleared when done); a ticker thread refreshes the bars twice a
    second, so the elapsed time of a stage without steps keeps moving.
    """

    TICK = 0.5

    def __init__(self, stream: Any, *, delay: float, lang: str) -> None:
        self.stream = stream
        self.delay = delay
        self.lang = lang
        self.running: list[_Running] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="geoplan-progress",
                                        daemon=True)
        self._ticker.start()

    def _show(self, run: _Running, position: int) -> None:
        from tqdm import tqdm

        from geoplan.progress import stage_label

        fmt = ("{desc}: {n_fmt}/{total_fmt} {bar:20} [{elapsed}{postfix}]" if run.total
               else "{desc}: [{elapsed}{postfix}]")
        # a terminal that reports no size (a bare pty) would hide tqdm's bars
        size = shutil.get_terminal_size((100, 20))
        run.bar = tqdm(total=run.total or None, initial=run.done,
                       desc=stage_label(run.name, self.lang), file=self.stream,
                       position=position, leave=position == 0, bar_format=fmt,
                       ncols=min(size.columns, 120), nrows=max(size.lines, 5), mininterval=0.2)
        run.bar.start_t -= time.monotonic() - run.started  # the stage's time, not the bar's
        if run.item is not None:
            run.bar.set_postfix_str(run.item)
        else:
            run.bar.refresh()

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK):
            with self._lock:
                now = time.monotonic()
                for position, run in enumerate(self.running):
                    if run.bar is None:
                        if now - run.started >= self.delay:
                            self._show(run, position)
                    else:
                        run.bar.refresh()

    def on_stage(self, name: str, total: int | None) -> None:
        with self._lock:
            run = _Running(name, total, time.monotonic())
            self.running.append(run)
            if self.delay <= 0:
                self._show(run, len(self.running) - 1)

    def advance(self, n: int = 1, item: str | None = None) -> None:
        with self._lock:
            if not self.running:
                return
            run = self.running[-1]
            run.done += n
            run.item = item if item is not None else run.item
            if run.bar is not None:
                if item is not None:
                    run.bar.set_postfix_str(item, refresh=False)
                run.bar.update(n)

    def on_end(self, name: str) -> None:
        with self._lock:
            if not self.running:
                return
            run = self.running.pop()
            if run.bar is not None:
                run.bar.set_postfix_str("", refresh=False)
                run.bar.close()

    def close(self) -> None:
        """Stop the ticker; close the bars of stages left running (an error)."""
        self._stop.set()
        self._ticker.join()
        with self._lock:
            while self.running:
                run = self.running.pop()
                if run.bar is not None:
                    run.bar.close()


def _quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return bool(isinstance(obj, dict) and obj.get("quiet"))


@contextlib.contextmanager
def progress_bars(mode: bool | None, *, lang: str | None = None) -> Iterator[Any]:
    """Progress bars of the library's stages on stderr for the ``with`` block.

    ``mode`` ``True`` (``--progress``): always, every stage; ``False`` (``--no-progress``):
    never; ``None``: when stderr is a terminal and ``geoplan -q`` was not given, for the
    stages that run longer than :data:`AUTO_PROGRESS_DELAY`. Log messages of the block are
    written above the bars. Yields the listener, or ``None`` when nothing is shown.
    """
    stream = sys.stderr
    show = mode if mode is not None else (not _quiet() and _isatty(stream))
    if not show:
        yield None
        return
    import logging

    from tqdm.contrib.logging import logging_redirect_tqdm

    from geoplan.progress import listening

    bars = _Bars(stream, delay=0.0 if mode else AUTO_PROGRESS_DELAY,
                 lang="en" if lang == "en" else "vi")
    with logging_redirect_tqdm(loggers=[logging.getLogger("geoplan")]), listening(bars):
        try:
            yield bars
        finally:
            bars.close()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


def progress_option(func: F) -> F:
    """``--progress/--no-progress``: progress bars of the stages on stderr (default: on a
    terminal, unless ``geoplan -q``). Put it below ``@handle_errors``, so the bars are closed
    before an error is printed."""

    @functools.wraps(func)
    def wrapper(*args: Any, progress: bool | None = None, **kwargs: Any) -> Any:
        with progress_bars(progress, lang=kwargs.get("lang")):
            return func(*args, **kwargs)

    return click.option(
        "--progress/--no-progress", "progress", default=None,
        help="Show progress bars of the stages on stderr (default: when stderr is a "
             "terminal and -q is not given). stdout is untouched.",
    )(wrapper)  # type: ignore[return-value]


# ------------------------------------------------- what --to-postgis and --engine do


def preflight_postgis(url: str | None) -> None:
    """Refuse a bad ``--to-postgis`` URL or an unreachable database before any work, so that
    nothing is computed or written for a run that cannot be kept."""
    if url is None:
        return
    from geoplan.db import DatabaseWriteError, check_url
    from geoplan.io.postgis import connect

    check_url(url)
    with connect(url, error=DatabaseWriteError):
        pass


def deliver_to_postgis(analysis: Any, url: str | None, schema: str, command: str,
                       lang: str = "vi") -> None:
    """Append ``analysis`` to the database at ``url`` in one transaction (nothing when
    ``url`` is None) and say so on stderr, in ``lang``."""
    if url is None:
        return
    from geoplan.db import write_analysis
    from geoplan.io.postgis import redact

    run = write_analysis(analysis, url, schema=schema, command=command)
    say("cli.postgis_appended", lang, err=True, command=command, run=str(run.run_id),
        url=redact(url), schema=schema, rows=run.total, tables=len(run.rows))


@contextlib.contextmanager
def open_engine(engine: str, scheduler: str | None) -> Iterator[Any]:
    """``None`` for ``--engine memory``; for ``dask`` a running
    :class:`~geoplan.engine.DaskEngine` on ``--scheduler`` or on a local cluster of two
    worker processes on 127.0.0.1, closed after the command."""
    if engine == "memory":
        if scheduler is not None:
            raise click.UsageError("--scheduler needs --engine dask")
        yield None
        return
    from geoplan.engine import DaskEngine

    with DaskEngine.connect(scheduler) as running:
        yield running
