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
    "engine_options",
    "format_option",
    "handle_errors",
    "output_option",
    "overwrite_option",
    "plan_argument",
    "postgis_options",
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


def handle_errors(func: F) -> F:
    """Turn library errors into one message on stderr and exit code 1, never a traceback.

    A :class:`~geoplan.errors.PlanValidationError` prints its whole report (every problem of
    every layer) before the one-line summary; any other :class:`~geoplan.errors.GeoplanError`
    prints ``Error: <message>``.
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

    return wrapper  # type: ignore[return-value]
