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
    lang_option,
    progress_option,
    say,
)


@click.command("demo", epilog=EPILOG)
@click.argument("plan", type=click.Path(exists=True, path_type=Path), required=False,
                metavar="[PLAN]")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("maps"),
              show_default=True, help="Folder for the map, exports and report.")
@click.option("--sites", type=click.IntRange(0, 50), default=3, show_default=True,
              help="How many new 110 kV substation sites to propose.")
@as_of_option
@lang_option
@handle_errors
@progress_option
def demo_command(plan: Path | None, output: Path, sites: int, as_of: Any,
                 lang: str | None) -> None:
    """The main job on the bundled sample province (or PLAN).

    Analyses the plan once (overlaps, corridors, legal rules, grid topology, coverage), then
    writes under OUTPUT: NAME.html (offline interactive map), NAME-export/ (GeoJSON per layer,
    GeoPackage, manifest) and NAME-report.html. Exit 0 when written, even with findings.
    """
    from geoplan.findings import severity_counts
    from geoplan.messages import plan_lang
    from geoplan.pipeline import default_sample_path, run_demo

    if as_of is not None:
        plan = judged(plan if plan is not None else default_sample_path(), as_of)
    result = run_demo(plan, output, sites=sites, lang=lang)
    lg = plan_lang(result.plan, lang)
    counts = severity_counts(result.findings)
    say("cli.demo_plan", lg, name=result.plan.name, layers=len(result.plan.layers),
        crs=result.plan.crs.name)
    say("cli.demo_findings", lg, errors=counts["error"], warnings=counts["warning"],
        infos=counts["info"])
    by_rule = result.findings[result.findings["severity"] != "info"].groupby("rule").size()
    for rule, n in by_rule.items():
        click.echo(f"  {rule}: {n}")
    say("cli.demo_map", lg, path=str(result.map_html))
    say("cli.demo_exports", lg, folder=str(result.export_folder), files=len(result.files) - 2)
    say("cli.demo_report", lg, path=str(result.report_html))
