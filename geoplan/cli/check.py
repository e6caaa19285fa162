"""``geoplan check``: the plan rules and the grid audit, every finding located and cited."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    EXIT_FINDINGS,
    EXIT_OK,
    as_of_option,
    deliver_to_postgis,
    engine_options,
    format_option,
    handle_errors,
    lang_option,
    open_engine,
    output_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
)
from geoplan.cli.output import echo_findings, echo_result
from geoplan.rules import ALL_RULE_IDS, GRID_RULE_IDS, RULE_IDS


@click.command("check", epilog=EPILOG)
@plan_argument
@click.option("--only", "only", multiple=True, metavar="RULE",
              type=click.Choice(ALL_RULE_IDS),
              help="Run only this rule (repeatable): " + ", ".join(RULE_IDS)
                   + ", and the grid audit's " + ", ".join(GRID_RULE_IDS) + ".")
@format_option
@output_option
@overwrite_option
@as_of_option
@lang_option
@postgis_options
@engine_options
@handle_errors
@progress_option
def check_command(plan: Path, only: tuple[str, ...], fmt: str, output: Path | None,
                  overwrite: bool, as_of: Any, lang: str | None, to_postgis: str | None,
                  pg_schema: str, engine: str, scheduler: str | None) -> None:
    """Check PLAN against the planning rules and print every finding.

    Overlapping clusters and parks, features inside power-line safety corridors, cluster size,
    expansion and establishment conditions, park phasing, trade classes, features outside the
    province and duplicates; each finding is located, measured and cites its legal source
    (thresholds: geoplan/data/rules.toml, overridable in the plan's [rules] table).
    -o writes the findings as GeoJSON (RFC 7946, WGS 84); --to-postgis appends the run to a
    PostGIS database; --engine dask runs the rules on dask-geopandas.

    Exit 3 when any finding is an error, 0 otherwise.
    """
    from geoplan.analysis import analyse
    from geoplan.findings import has_errors, severity_counts
    from geoplan.io import check_output
    from geoplan.pipeline import run_checks

    if output is not None:
        check_output(output, overwrite=overwrite)
    from geoplan.findings import localise
    from geoplan.messages import Text, message, plan_lang
    from geoplan.rules import table_version

    preflight_postgis(to_postgis)
    with open_engine(engine, scheduler) as running:
        analysis = analyse(plan, coverage=False, only=list(only) or None, as_of=as_of,
                           engine=running)
    assert analysis.checks is not None  # asked for
    lg = plan_lang(analysis.plan, lang)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "check", lg)
    findings = run_checks(analysis, output=output, overwrite=overwrite)
    shown = localise(findings, lg)
    if fmt == "json":
        echo_result(analysis.checks, findings=shown)
    elif len(shown):
        echo_findings(shown)
    else:
        click.echo(message("cli.no_findings").get(lg))
    counts = severity_counts(findings)
    summary = message("cli.check_summary", errors=counts["error"], warnings=counts["warning"],
                      infos=counts["info"], capital=False)
    if output:
        summary = Text.join("", [summary, message("cli.written_to", path=str(output),
                                                  capital=False)])
    day = message("cli.as_of", day=analysis.plan.as_of, version=table_version(), capital=False)
    click.echo(f"{summary.get(lg)}; {day.get(lg)}", err=True)
    sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)
