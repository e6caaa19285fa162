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
    lang_option,
    open_engine,
    output_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
    said,
)
from geoplan.cli.output import echo_findings, echo_result, echo_section, pct, records


def _status(text: str, lang: str) -> str:
    """A status of the coverage summary (the assignment, the siting) in ``lang``; a status
    this table does not know is shown as the library wrote it."""
    if text == "nearest substation within the radius":
        return said("cli.assign_nearest", lang)
    if text.startswith("capacitated (") and text.endswith(")"):
        inner = text[text.rindex("; ") + 2:-1] if "; " in text else "optimal"
        return said("cli.assign_capacitated", lang, proof=_status(inner, lang))
    if text == "optimal":
        return said("cli.optimal", lang)
    if text.startswith("NOT proven optimal: "):
        return said("cli.not_proven", lang, why=text.removeprefix("NOT proven optimal: "))
    if text == "no uncovered demand":
        return said("cli.no_uncovered_demand", lang)
    return text


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
@lang_option
@postgis_options
@engine_options
@handle_errors
@progress_option
def coverage_command(plan: Path, site: int, capacitated: bool, fmt: str, output: Path | None,
                     overwrite: bool, as_of: Any, lang: str | None, to_postgis: str | None,
                     pg_schema: str, engine: str, scheduler: str | None) -> None:
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
    from geoplan.findings import has_errors, localise, severity_counts
    from geoplan.io import check_output
    from geoplan.messages import plan_lang
    from geoplan.pipeline import run_coverage

    if output is not None:
        check_output(output, overwrite=overwrite)
    preflight_postgis(to_postgis)
    with open_engine(engine, scheduler) as running:
        analysis = analyse(plan, checks=False, grid=False, site=site, capacitated=capacitated,
                           as_of=as_of, engine=running)
    lg = plan_lang(analysis.plan, lang)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "coverage", lg)
    result = run_coverage(analysis, output=output, overwrite=overwrite)
    if fmt == "json":
        echo_result(result)
    else:
        s = result.summary()
        level = s["supply_level_kv"]
        lines = [
            said("cli.coverage_title", lg, level=level,
                 radius=float(s["radius_km"][str(level)]),
                 assignment=_status(str(s["assignment"]), lg)),
            said("cli.coverage_features", lg, covered=s["features_covered"],
                 total=s["features"], share=pct(s["share_features_covered"], lg)),
            said("cli.coverage_clusters", lg, covered=s["clusters_covered"],
                 total=s["clusters"], share=pct(s["share_clusters_covered"], lg),
                 area_share=pct(s["share_cluster_area_covered"], lg)),
            said("cli.coverage_demand", lg, demand=float(s["demand_mw"]),
                 unserved=float(s["demand_unserved_mw"])),
            said("cli.coverage_substations", lg, n=s["supply_substations"], level=level,
                 overloaded=s["substations_overloaded"], over=float(s["overload_mw"])),
        ]
        if s.get("population_raster"):
            within = ", ".join(f"{kv} kV {pct(s.get(f'share_population_within_{kv}kv'), lg)}"
                               for kv in result.settings.levels)
            lines.append(said("cli.coverage_population", lg,
                              total=float(s["population_total"]), within=within))
            if s.get("population_unit_basis"):
                lines.append(said("cli.coverage_population_unit", lg,
                                  unit=str(s["population_unit"]),
                                  basis=str(s["population_unit_basis"]))
                             + (said("cli.coverage_population_assumed", lg)
                                if s.get("population_unit_assumed") else ""))
        if site:
            lines.append(said("cli.coverage_sites", lg, proposed=s["sites_proposed"],
                              asked=site, picked=float(s["demand_picked_up_mw"]),
                              status=_status(str(s["siting_status"]), lg)))
        click.echo("\n".join(lines))
        click.echo("\n" + said("cli.findings_heading", lg, n=len(result.findings)))
        echo_findings(localise(result.findings, lg), rule_width=None, lang=lg)
        echo_section(said("cli.section_substations", lg), records(result.substations), [
            "substation_id", "voltage_kv", "firm_capacity_mw", "load_mw", "headroom_mw"],
            lang=lg)
        echo_section(said("cli.section_features", lg), records(result.features), [
            "layer", "feature_id", "substation_id", "substation_voltage_kv", "distance_m",
            "covered", "demand_mw"], lang=lg)
        echo_section(said("cli.section_service_areas", lg), records(result.service_areas), [
            "voltage_kv", "radius_km", "n_substations", "area_ha", "population",
            "population_share"], lang=lg)
        if site:
            echo_section(said("cli.section_sites", lg), records(result.sites), [
                "site_id", "demand_mw", "n_features", "connect_id", "connect_distance_m",
                "feature_ids"], lang=lg)
    counts = severity_counts(result.findings)
    click.echo(said("cli.severity_counts_short", lg, command="coverage",
                    errors=counts["error"], warnings=counts["warning"])
               + (said("cli.written_to", lg, path=str(output)) if output else ""), err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)
