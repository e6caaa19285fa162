"""``geoplan grid``: the plan's power grid as a graph, with its topology audit."""

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
    format_option,
    handle_errors,
    lang_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
    said,
    say,
)
from geoplan.cli.output import echo_findings, echo_result, echo_section, records
from geoplan.rules import GRID_RULE_IDS

_NODE_COLUMNS = ["node", "kind", "layer", "feature_id", "name", "voltage_kv", "status",
                 "degree", "component"]
_EDGE_COLUMNS = ["edge", "kind", "u", "v", "layer", "feature_id", "voltage_kv", "status",
                 "period", "circuits", "length_m", "component"]


@click.command("grid", epilog=EPILOG)
@plan_argument
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the graph as GeoJSON (WGS 84): nodes with degree and component, line "
                   "edges with voltage.")
@overwrite_option
@click.option("--graph", "show_graph", is_flag=True,
              help="Also print the node and edge tables (always in --format json).")
@as_of_option
@lang_option
@postgis_options
@handle_errors
@progress_option
def grid_command(plan: Path, fmt: str, output: Path | None, overwrite: bool,
                 show_graph: bool, as_of: Any, lang: str | None, to_postgis: str | None,
                 pg_schema: str) -> None:
    """Build PLAN's power grid as a graph and audit its topology.

    Line ends are snapped to substations within [grid] tolerance_m (metres, default 50), lines
    passing through a substation of their voltage are split there, multi-voltage substations
    join their levels; substations without a voltage take the levels of their lines. Findings:
    grid-dangling, grid-unfed (today and by the end of each plan period),
    grid-voltage-mismatch, grid-island, grid-single-supply (N-1) and grid-interconnection
    (lines into the neighbouring provinces).

    Exit 3 when any finding is an error, 0 otherwise.
    """
    from geoplan.analysis import analyse
    from geoplan.findings import has_errors, localise, severity_counts
    from geoplan.io import check_output
    from geoplan.messages import plan_lang
    from geoplan.pipeline import run_grid

    if output is not None:
        check_output(output, overwrite=overwrite)
    preflight_postgis(to_postgis)
    analysis = analyse(plan, checks=False, coverage=False, as_of=as_of)
    lg = plan_lang(analysis.plan, lang)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "grid", lg)
    result = run_grid(analysis, output=output, overwrite=overwrite)
    if fmt == "json":
        echo_result(result)
    else:
        s = result.summary()
        say("cli.grid_summary", lg, nodes=s["nodes"], edges=s["edges"],
            components=s["components"], with_lines=s["components_with_lines"],
            isolated=s["isolated_substations"], dangling=s["dangling_ends"],
            external=s["external_ends"], inferred=s["inferred_substations"])
        echo_section(said("cli.section_components", lg), records(result.components), lang=lg)
        echo_section(said("cli.section_scenarios", lg), records(result.scenarios), lang=lg)
        echo_section(said("cli.section_interconnections", lg), records(
            result.interconnections, ["layer", "feature_id", "voltage_kv", "status",
                                      "neighbour", "outside_km"]), lang=lg)
        if show_graph:
            echo_section(said("cli.section_nodes", lg), records(result.grid.nodes,
                                                                _NODE_COLUMNS), lang=lg)
            echo_section(said("cli.section_edges", lg), records(result.grid.edges,
                                                                _EDGE_COLUMNS), lang=lg)
        click.echo("\n" + said("cli.findings_heading", lg, n=len(result.findings)))
        echo_findings(localise(result.findings, lg), rule_width=max(map(len, GRID_RULE_IDS)),
                      lang=lg)
    counts = severity_counts(result.findings)
    click.echo(said("cli.severity_counts", lg, command="grid", errors=counts["error"],
                    warnings=counts["warning"], infos=counts["info"])
               + (said("cli.graph_written_to", lg, path=str(output)) if output else ""),
               err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)
