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
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
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
@postgis_options
@handle_errors
@progress_option
def grid_command(plan: Path, fmt: str, output: Path | None, overwrite: bool,
                 show_graph: bool, as_of: Any, to_postgis: str | None, pg_schema: str) -> None:
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
    from geoplan.findings import has_errors, severity_counts
    from geoplan.io import check_output
    from geoplan.pipeline import run_grid

    if output is not None:
        check_output(output, overwrite=overwrite)
    preflight_postgis(to_postgis)
    analysis = analyse(plan, checks=False, coverage=False, as_of=as_of)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "grid")
    result = run_grid(analysis, output=output, overwrite=overwrite)
    if fmt == "json":
        echo_result(result)
    else:
        s = result.summary()
        click.echo(f"Grid: {s['nodes']} nodes, {s['edges']} line edges, {s['components']} "
                   f"connected part(s) ({s['components_with_lines']} with lines, "
                   f"{s['isolated_substations']} substation(s) without any line); "
                   f"{s['dangling_ends']} dangling end(s), {s['external_ends']} end(s) "
                   f"outside the province; {s['inferred_substations']} substation voltage(s) "
                   "inferred from their lines.")
        echo_section("Connected parts", records(result.components))
        echo_section("Scenarios", records(result.scenarios))
        echo_section("Interconnections", records(result.interconnections, [
            "layer", "feature_id", "voltage_kv", "status", "neighbour", "outside_km"]))
        if show_graph:
            echo_section("Nodes", records(result.grid.nodes, _NODE_COLUMNS))
            echo_section("Edges", records(result.grid.edges, _EDGE_COLUMNS))
        click.echo(f"\nFindings ({len(result.findings)})")
        echo_findings(result.findings, rule_width=max(map(len, GRID_RULE_IDS)))
    counts = severity_counts(result.findings)
    click.echo(f"grid: {counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} note(s)" + (f"; graph written to {output}" if output else ""),
               err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)
