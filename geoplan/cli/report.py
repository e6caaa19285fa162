"""``geoplan report``: the Department's report on a plan, as HTML or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    as_of_option,
    handle_errors,
    judged,
    overwrite_option,
    plan_argument,
)


@click.command("report", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="report.html (one self-contained, printable file) or report.xlsx.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the labels (default: [report] lang, else vi).")
@click.option("--no-maps", is_flag=True, help="Leave out the small static maps.")
@overwrite_option
@as_of_option
@handle_errors
def report_command(plan: Path, output: Path, lang: str | None, no_maps: bool,
                   overwrite: bool, as_of: Any) -> None:
    """Write the Department's report on PLAN as HTML or Excel.

    Industrial clusters and parks (number, areas, detailed plans, occupancy, by commune and by
    status, those breaking a rule), trade infrastructure (by type, class and commune), the power
    grid (km of line and substations by voltage and status, coverage, unserved demand,
    overloaded substations) and every finding by rule with its legal reference. Areas and
    lengths are measured in the plan's CRS; the plan is analysed once.
    """
    from geoplan.pipeline import report_plan

    report = report_plan(judged(plan, as_of), output, lang=lang, maps=False if no_maps else None,
                         overwrite=overwrite)
    click.echo(str(output))
    click.echo(f"report: {len(report.tables())} table(s) written to {output}", err=True)
