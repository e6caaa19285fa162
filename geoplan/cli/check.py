"""``geoplan check``: the plan rules and the grid audit, every finding located and cited."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geoplan.cli.options import (
    EPILOG,
    EXIT_FINDINGS,
    EXIT_OK,
    deliver_to_postgis,
    engine_options,
    format_option,
    handle_errors,
    open_engine,
    output_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
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
@postgis_options
@engine_options
@handle_errors
def check_command(plan: Path, only: tuple[str, ...], fmt: str, output: Path | None,
                  overwrite: bool, to_postgis: str | None, pg_schema: str, engine: str,
                  scheduler: str | None) -> None:
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
    preflight_postgis(to_postgis)
    with open_engine(engine, scheduler) as running:
        analysis = analyse(plan, coverage=False, only=list(only) or None, engine=running)
    assert analysis.checks is not None  # asked for
    deliver_to_postgis(analysis, to_postgis, pg_schema, "check")
    findings = run_checks(analysis, output=output, overwrite=overwrite)
    if fmt == "json":
        echo_result(analysis.checks)
    else:
        echo_findings(findings)
    counts = severity_counts(findings)
    click.echo(f"check: {counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} note(s)" + (f"; written to {output}" if output else ""),
               err=True)
    sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)
