"""The options, arguments, exit codes and error handling every command shares (defined once).

As ``rasterio/rio/options.py`` does for ``rio``: a command module takes its decorators from here,
so ``--format``, ``-o/--output`` and ``--overwrite`` read and behave the same in every command.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from geoplan.errors import GeoplanError, PlanValidationError

__all__ = [
    "EPILOG",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_USAGE",
    "as_of_option",
    "format_option",
    "handle_errors",
    "judged",
    "lang_option",
    "output_option",
    "overwrite_option",
    "plan_argument",
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
lang_option = click.option(
    "--lang", type=click.Choice(["vi", "en"]), default=None,
    help="Language of the findings and messages (default: [report] lang, else vi).",
)


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
    prints ``Error: <message>``; so do a bare :class:`OSError` (the path and the cause in
    words) and a :class:`MemoryError`.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlanValidationError as exc:
            click.echo(exc.report.to_text(), err=True)
            click.echo(f"Error: {exc.report.summary()}", err=True)
            sys.exit(EXIT_INPUT)
        except GeoplanError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except OSError as exc:
            # a fault of the file system that no writer turned into a message of its own
            from geoplan.io.atomic import os_error_message

            where = exc.filename or exc.filename2
            text = os_error_message(exc, where) if where else (exc.strerror or str(exc))
            click.echo(f"Error: {where + ': ' if where else ''}{text}", err=True)
            sys.exit(EXIT_INPUT)
        except MemoryError:
            click.echo("Error: out of memory; a layer is too large for this machine: lower "
                       "[plan] max_layer_mb to refuse such layers before reading them, or clip "
                       "the layer to the province", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]
