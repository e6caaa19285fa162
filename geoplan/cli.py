"""The ``geoplan`` command line: a click group of thin commands.

Each command parses its options, calls :mod:`geoplan.pipeline`, and formats the result. Data goes
to stdout, logs and progress to stderr. Library errors become one clean message, never a
traceback.

Exit codes: 0 ok · 1 input error (bad plan, layer, CRS...) · 2 usage error · 3 checks found errors.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from geoplan import __version__
from geoplan.errors import GeoplanError, PlanValidationError

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = ("Exit codes: 0 ok; 1 input error (plan, layer, CRS, file); 2 usage error; "
          "3 checks found errors.")


def _versions() -> str:
    import pyogrio
    import pyproj
    import shapely

    return (f"geoplan {__version__} (GDAL {pyogrio.__gdal_version_string__}, "
            f"GEOS {shapely.geos_version_string}, PROJ {pyproj.proj_version_str}; "
            f"Python {sys.version.split()[0]})")


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(_versions())
    ctx.exit()


# ---------------------------------------------------------------- shared options (defined once)

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
progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)


def handle_errors(func: F) -> F:
    """Turn library errors into one message on stderr and exit code 1."""

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


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Print rows as an aligned plain-text table."""
    if not rows:
        click.echo("(none)")
        return
    columns = columns or list(rows[0])
    text = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    widths = [min(w, 80) for w in widths]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=False)))
    click.echo("  ".join("-" * w for w in widths))
    for t in text:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(t, widths, strict=False)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:,.2f}"
    return str(value)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, callback=_print_version, expose_value=False,
              is_eager=True, help="Print geoplan, GDAL, GEOS and PROJ versions and exit.")
@click.option("-v", "--verbose", count=True, help="More log messages on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Plan industry, trade and power for a Vietnamese province.

    PLAN is a plan.toml file or the folder holding it.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[
        min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("geoplan")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)


# ---------------------------------------------------------------------------- validate (core)


@cli.command(epilog=EPILOG)
@plan_argument
@format_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@handle_errors
def validate(plan: Path, fmt: str, strict: bool) -> None:
    """Load every layer of PLAN and report every problem found.

    Exit 0 when the plan loads (warnings allowed unless --strict), 1 when it has errors.
    """
    from geoplan.pipeline import validate_plan

    report = validate_plan(plan)
    if fmt == "json":
        echo_json(report.to_records())
    else:
        click.echo(report.to_text())
    failed = report.has_errors or (strict and report.has_warnings)
    click.echo(report.summary(), err=True)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


# -------------------------------------------------------- later commands: one section each below


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="geoplan")
