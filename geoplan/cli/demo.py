"""``geoplan demo``: the main job on the bundled sample province (or a plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    as_of_option,
    handle_errors,
    judged,
    progress_option,
)


@click.command("demo", epilog=EPILOG)
@click.argument("plan", type=click.Path(exists=True, path_type=Path), required=False,
                metavar="[PLAN]")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("maps"),
              show_default=True, help="Folder for the map, exports and report.")
@click.option("--sites", type=click.IntRange(0, 50), default=3, show_default=True,
              help="How many new 110 kV substation sites to propose.")
@as_of_option
@handle_errors
@progress_option
def demo_command(plan: Path | None, output: Path, sites: int, as_of: Any) -> None:
    """The main job on the bundled sample province (or PLAN).

    Analyses the plan once (overlaps, corridors, legal rules, grid topology, coverage), then
    writes under OUTPUT: NAME.html (offline interactive map), NAME-export/ (GeoJSON per layer,
    GeoPackage, manifest) and NAME-report.html. Exit 0 when written, even with findings.
    """
    from geoplan.findings import severity_counts
    from geoplan.pipeline import default_sample_path, run_demo

    if as_of is not None:
        plan = judged(plan if plan is not None else default_sample_path(), as_of)
    result = run_demo(plan, output, sites=sites)
    counts = severity_counts(result.findings)
    click.echo(f"plan: {result.plan.name} ({len(result.plan.layers)} layers, analysis CRS "
               f"{result.plan.crs.name})")
    click.echo(f"findings: {counts['error']} errors, {counts['warning']} warnings, "
               f"{counts['info']} notes")
    by_rule = result.findings[result.findings["severity"] != "info"].groupby("rule").size()
    for rule, n in by_rule.items():
        click.echo(f"  {rule}: {n}")
    click.echo(f"map:     {result.map_html}")
    click.echo(f"exports: {result.export_folder}/ ({len(result.files) - 2} files)")
    click.echo(f"report:  {result.report_html}")
