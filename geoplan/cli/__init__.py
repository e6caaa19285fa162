"""The ``geoplan`` command line: a click group of thin commands, in the manner of ``rio``.

:func:`cli` is the group (``--version``, ``-v``/``-q`` logging on stderr); each command lives in
its own module (:mod:`geoplan.cli.check`, :mod:`geoplan.cli.coverage` ...) and is registered
below, so a new command is one new module and one ``cli.add_command`` line. Shared options,
exit codes and error handling are in :mod:`geoplan.cli.options`; everything printed goes
through :mod:`geoplan.cli.output`.

A command parses its options, computes at most one :class:`~geoplan.analysis.Analysis` and
prints. ``check``, ``coverage`` and ``grid`` build it with :func:`geoplan.analyse` and hand it
to their :mod:`geoplan.pipeline` function; ``map``, ``export``, ``report`` and ``demo`` call
their one pipeline function, which checks the outputs first and then builds the one analysis
it delivers. Data goes to stdout, logs to stderr. Library errors become one clean message,
never a traceback.

Exit codes: 0 ok · 1 input error (bad plan, layer, CRS...) · 2 usage error · 3 checks found errors.
"""

from __future__ import annotations

import logging
import sys

import click

from geoplan._version import __version__
from geoplan.cli.check import check_command
from geoplan.cli.compare import compare_command
from geoplan.cli.coverage import coverage_command
from geoplan.cli.datain import import_dxf_command, import_osm_command, merge_plans_command
from geoplan.cli.demo import demo_command
from geoplan.cli.diff import diff_command
from geoplan.cli.export import export_command
from geoplan.cli.grid import grid_command
from geoplan.cli.map import map_command
from geoplan.cli.options import EPILOG
from geoplan.cli.pdp8 import pdp8_command
from geoplan.cli.report import report_command
from geoplan.cli.rules import rules_command
from geoplan.cli.serve import serve_command
from geoplan.cli.validate import validate_command

__all__ = ["cli", "main"]


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


def configure_logging(verbose: int, quiet: bool) -> None:
    """One stderr handler on the ``geoplan`` logger: warnings by default, ``-v`` info,
    ``-vv`` debug, ``-q`` errors only."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[
        min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("geoplan")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, callback=_print_version, expose_value=False,
              is_eager=True, help="Print geoplan, GDAL, GEOS and PROJ versions and exit.")
@click.option("-v", "--verbose", count=True, help="More log messages on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True,
              help="Only errors on stderr (no progress bars unless a command's --progress).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Plan industry, trade and power for a Vietnamese province.

    PLAN is a plan.toml file or the folder holding it. The long commands show progress bars
    on stderr when it is a terminal (--progress / --no-progress to choose).
    """
    configure_logging(verbose, quiet)
    ctx.ensure_object(dict)["quiet"] = quiet


# ------------------------------------------------------------- the commands, in help order

cli.add_command(validate_command)
cli.add_command(check_command)
cli.add_command(coverage_command)
cli.add_command(grid_command)
cli.add_command(pdp8_command)
cli.add_command(map_command)
cli.add_command(export_command)
cli.add_command(report_command)
cli.add_command(diff_command)
cli.add_command(compare_command)
cli.add_command(demo_command)
cli.add_command(rules_command)
cli.add_command(import_osm_command)
cli.add_command(import_dxf_command)
cli.add_command(merge_plans_command)
cli.add_command(serve_command)


def main() -> None:
    """Console-script entry point (``[project.scripts]``) and ``python -m geoplan``."""
    cli(prog_name="geoplan")
