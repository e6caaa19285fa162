"""``geoplan coverage``: is every cluster, park and trade hub served by a substation?"""

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
    open_engine,
    output_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
)
from geoplan.cli.output import echo_findings, echo_result, echo_section, pct, records


@click.command("coverage", epilog=EPILOG)
@plan_argument
@click.option("--site", "site", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="N", help="Propose up to N new 110 kV substation sites for the uncovered "
                                "demand (exact maximal coverage).")
@click.option("--capacitated", is_flag=True,
              help="Assign demand to substations with the capacitated model (least overload, "
                   "then least demand-weighted distance) instead of the nearest within radius.")
@format_option
@output_option
@overwrite_option
@as_of_option
@postgis_options
@engine_options
@handle_errors
@progress_option
def coverage_command(plan: Path, site: int, capacitated: bool, fmt: str, output: Path | None,
                     overwrite: bool, as_of: Any, to_postgis: str | None, pg_schema: str,
                     engine: str, scheduler: str | None) -> None:
    """Is every cluster, park and trade hub served by a substation with room to spare?

    For each feature: the nearest substation of each voltage level (from its edge), whether it
    is within the service radius, its estimated demand and the 110 kV substation it is assigned
    to; for each substation: firm capacity, load and headroom; service areas, gaps and the
    population inside them; with --site N, proposed new sites. Substations without a voltage
    take the levels the grid infers from their lines. Radii, load densities and capacity
    factors are planning assumptions (geoplan/data/coverage.toml), overridable in the plan's
    [coverage] table. -o writes every output to one GeoJSON file (RFC 7946); --to-postgis
    appends the run to a PostGIS database; --engine dask runs it on dask-geopandas.

    Exit 3 when there are error findings (coverage-gap, substation-overload).
    """
    from geoplan.analysis import analyse
    from geoplan.findings import has_errors, severity_counts
    from geoplan.io import check_output
    from geoplan.pipeline import run_coverage

    if output is not None:
        check_output(output, overwrite=overwrite)
    preflight_postgis(to_postgis)
    with open_engine(engine, scheduler) as running:
        analysis = analyse(plan, checks=False, grid=False, site=site, capacitated=capacitated,
                           as_of=as_of, engine=running)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "coverage")
    result = run_coverage(analysis, output=output, overwrite=overwrite)
    if fmt == "json":
        echo_result(result)
    else:
        s = result.summary()
        level = s["supply_level_kv"]
        lines = [
            f"Grid coverage ({level} kV service radius {s['radius_km'][str(level)]:g} km, "
            f"{s['assignment']})",
            f"  features covered     {s['features_covered']} / {s['features']} "
            f"({pct(s['share_features_covered'])})",
            f"  clusters covered     {s['clusters_covered']} / {s['clusters']} "
            f"({pct(s['share_clusters_covered'])}; "
            f"{pct(s['share_cluster_area_covered'])} of cluster area)",
            f"  demand               {s['demand_mw']:,.1f} MW, unserved "
            f"{s['demand_unserved_mw']:,.1f} MW",
            f"  substations          {s['supply_substations']} at {level} kV, "
            f"{s['substations_overloaded']} overloaded ({s['overload_mw']:,.1f} MW over)",
        ]
        if s.get("population_raster"):
            lines.append(f"  population           {s['population_total']:,.0f}; within "
                         + ", ".join(f"{kv} kV {pct(s.get(f'share_population_within_{kv}kv'))}"
                                     for kv in result.settings.levels))
            if s.get("population_unit_basis"):
                lines.append(f"  population unit      {s['population_unit']} "
                             f"({s['population_unit_basis']})"
                             + ("; ASSUMED: set [coverage] population_unit"
                                if s.get("population_unit_assumed") else ""))
        if site:
            lines.append(f"  new sites            {s['sites_proposed']} of {site} asked, pick up "
                         f"{s['demand_picked_up_mw']:,.1f} MW ({s['siting_status']})")
        click.echo("\n".join(lines))
        click.echo(f"\nFindings ({len(result.findings)})")
        echo_findings(result.findings, rule_width=None)
        echo_section("Substations", records(result.substations), [
            "substation_id", "voltage_kv", "firm_capacity_mw", "load_mw", "headroom_mw"])
        echo_section("Features", records(result.features), [
            "layer", "feature_id", "substation_id", "substation_voltage_kv", "distance_m",
            "covered", "demand_mw"])
        echo_section("Service areas", records(result.service_areas), [
            "voltage_kv", "radius_km", "n_substations", "area_ha", "population",
            "population_share"])
        if site:
            echo_section("Proposed sites", records(result.sites), [
                "site_id", "demand_mw", "n_features", "connect_id", "connect_distance_m",
                "feature_ids"])
    counts = severity_counts(result.findings)
    click.echo(f"coverage: {counts['error']} error(s), {counts['warning']} warning(s)"
               + (f"; written to {output}" if output else ""), err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)
