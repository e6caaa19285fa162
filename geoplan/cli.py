"""The ``geoplan`` command line: a click group of thin commands.

Each command parses its options, calls :mod:`geoplan.pipeline`, and formats the result. Data goes
to stdout, logs and progress to stderr. Library errors become one clean message, never a
traceback.

Exit codes: 0 ok · 1 input error (bad plan, layer, CRS...) · 2 usage error · 3 checks found errors.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from geoplan._version import __version__
from geoplan.errors import GeoplanError, PlanValidationError
from geoplan.rules import ALL_RULE_IDS, GRID_RULE_IDS, RULE_IDS

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = ("Exit codes: 0 ok; 1 input error (plan, layer, CRS, file); 2 usage error; "
          "3 checks found errors.")


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


# ---------------------------------------------------------------- shared options (defined once)

plan_argument = click.argument(
    "plan", type=click.Path(exists=True, path_type=Path), metavar="PLAN"
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="How to print the result on stdout.",
)
output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None,
    help="Write the result to this file.",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, default=False, help="Replace existing outputs."
)
def _parse_as_of(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    if value is None:
        return None
    from geoplan.errors import PlanError
    from geoplan.rules import parse_as_of

    try:
        return parse_as_of(value, where="--as-of")
    except PlanError as exc:
        raise click.BadParameter(str(exc)) from None


as_of_option = click.option(
    "--as-of", "as_of", default=None, metavar="YYYY-MM-DD", callback=_parse_as_of,
    help="Judge the plan on the rules in force on this day (default: [plan] as_of, else "
         "today).",
)
lang_option = click.option(
    "--lang", type=click.Choice(["vi", "en"]), default=None,
    help="Language of the findings and messages (default: [report] lang, else vi).",
)


def _judged(plan: Path, as_of: Any) -> Any:
    """PLAN as given, or loaded and judged on ``as_of`` when the option is set."""
    if as_of is None:
        return plan
    from geoplan.pipeline import load_plan

    return load_plan(plan).with_as_of(as_of)


progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).",
)


def handle_errors(func: F) -> F:
    """Turn library errors into one message on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlanValidationError as exc:
            click.echo(exc.report.to_text(), err=True)
            click.echo(f"Error: {exc.report.summary()}", err=True)
            sys.exit(EXIT_INPUT)
        except GeoplanError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Print rows as an aligned plain-text table."""
    if not rows:
        click.echo("(none)")
        return
    columns = columns or list(rows[0])
    text = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(columns)]
    widths = [min(w, 80) for w in widths]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=False)))
    click.echo("  ".join("-" * w for w in widths))
    for t in text:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(t, widths, strict=False)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:,.2f}"
    return str(value)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, callback=_print_version, expose_value=False,
              is_eager=True, help="Print geoplan, GDAL, GEOS and PROJ versions and exit.")
@click.option("-v", "--verbose", count=True, help="More log messages on stderr (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Plan industry, trade and power for a Vietnamese province.

    PLAN is a plan.toml file or the folder holding it.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[
        min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("geoplan")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)


# ---------------------------------------------------------------------------- validate (core)


@cli.command(epilog=EPILOG)
@plan_argument
@format_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@handle_errors
def validate(plan: Path, fmt: str, strict: bool) -> None:
    """Load every layer of PLAN and report every problem found.

    Exit 0 when the plan loads (warnings allowed unless --strict), 1 when it has errors.
    """
    from geoplan.pipeline import validate_plan

    report = validate_plan(plan)
    if fmt == "json":
        echo_json(report.to_records())
    else:
        click.echo(report.to_text())
    failed = report.has_errors or (strict and report.has_warnings)
    click.echo(report.summary(), err=True)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)


# -------------------------------------------------------- later commands: one section each below


# ------------------------------------------------------------------------- coverage


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA -> None, numpy scalars -> Python."""
    import math

    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _coverage_records(frame: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows without geometry, missing values as None (vectorised: tables can be large)."""
    import pandas as pd

    cols = [c for c in (columns or list(frame.columns)) if c != "geometry" and c in frame]
    part = pd.DataFrame(frame[cols]).astype(object)
    return [{str(k): v for k, v in row.items()}
            for row in part.where(part.notna(), None).to_dict("records")]


def echo_result(result: Any, findings: Any = None) -> None:
    """The one ``--format json`` shape of check, coverage and grid: ``summary`` (the result's
    :meth:`summary`), ``findings`` (records of the common findings schema) and ``tables``
    (each of the result's :meth:`tables`, as records)."""
    frame = result.findings if findings is None else findings
    _echo_compact_json({
        "summary": result.summary(),
        "findings": _finding_records(frame),
        "tables": {name: _coverage_records(table) for name, table in result.tables().items()},
    })


def _echo_compact_json(data: Any) -> None:
    """One line of JSON through the C encoder (the indented shared form is several times
    slower on national tables)."""
    click.echo(json.dumps(data, ensure_ascii=False, allow_nan=False, default=_plain))


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


@cli.command(epilog=EPILOG)
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
@handle_errors
def coverage(plan: Path, site: int, capacitated: bool, fmt: str, output: Path | None,
             overwrite: bool, as_of: Any) -> None:
    """Is every cluster, park and trade hub served by a substation with room to spare?

    For each feature: the nearest substation of each voltage level (from its edge), whether it
    is within the service radius, its estimated demand and the 110 kV substation it is assigned
    to; for each substation: firm capacity, load and headroom; service areas, gaps and the
    population inside them; with --site N, proposed new sites. Radii, load densities and
    capacity factors are planning assumptions (geoplan/data/coverage.toml), overridable in the
    plan's [coverage] table. -o writes every output to one GeoJSON file (RFC 7946).

    Exit 3 when there are error findings (coverage-gap, substation-overload).
    """
    from geoplan.analysis import analyse
    from geoplan.findings import has_errors, severity_counts
    from geoplan.io import check_output
    from geoplan.pipeline import run_coverage

    if output is not None:
        check_output(output, overwrite=overwrite)
    analysis = analyse(plan, checks=False, grid=False, site=site, capacitated=capacitated,
                       as_of=as_of)
    result = run_coverage(analysis, output=output, overwrite=overwrite)
    s = result.summary()
    finding_cols = ["severity", "rule", "layer", "feature_id", "value", "unit", "message"]
    if fmt == "json":
        echo_result(result)
    else:
        level = s["supply_level_kv"]
        lines = [
            f"Grid coverage ({level} kV service radius {s['radius_km'][str(level)]:g} km, "
            f"{s['assignment']})",
            f"  features covered     {s['features_covered']} / {s['features']} "
            f"({_pct(s['share_features_covered'])})",
            f"  clusters covered     {s['clusters_covered']} / {s['clusters']} "
            f"({_pct(s['share_clusters_covered'])}; "
            f"{_pct(s['share_cluster_area_covered'])} of cluster area)",
            f"  demand               {s['demand_mw']:,.1f} MW, unserved "
            f"{s['demand_unserved_mw']:,.1f} MW",
            f"  substations          {s['supply_substations']} at {level} kV, "
            f"{s['substations_overloaded']} overloaded ({s['overload_mw']:,.1f} MW over)",
        ]
        if s.get("population_raster"):
            lines.append(f"  population           {s['population_total']:,.0f}; within "
                         + ", ".join(f"{kv} kV {_pct(s.get(f'share_population_within_{kv}kv'))}"
                                     for kv in result.settings.levels))
        if site:
            lines.append(f"  new sites            {s['sites_proposed']} of {site} asked, pick up "
                         f"{s['demand_picked_up_mw']:,.1f} MW ({s['siting_status']})")
        click.echo("\n".join(lines))
        for title, rows, columns in (
            ("Findings", _coverage_records(result.findings, finding_cols), finding_cols),
            ("Substations", _coverage_records(result.substations), [
                "substation_id", "voltage_kv", "firm_capacity_mw", "load_mw", "headroom_mw"]),
            ("Features", _coverage_records(result.features), [
                "layer", "feature_id", "substation_id", "substation_voltage_kv", "distance_m",
                "covered", "demand_mw"]),
            ("Service areas", _coverage_records(result.service_areas), [
                "voltage_kv", "radius_km", "n_substations", "area_ha", "population",
                "population_share"]),
            ("Proposed sites", _coverage_records(result.sites), [
                "site_id", "demand_mw", "n_features", "connect_id", "connect_distance_m",
                "feature_ids"]),
        ):
            if title == "Proposed sites" and not site:
                continue
            click.echo(f"\n{title} ({len(rows)})")
            echo_table(rows, columns)
    counts = severity_counts(result.findings)
    click.echo(f"coverage: {counts['error']} error(s), {counts['warning']} warning(s)"
               + (f"; written to {output}" if output else ""), err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)


# ---------------------------------------------------------------------------- check

_FINDING_FIELDS = ["rule", "severity", "layer", "feature_id", "other_layer", "other_id",
                   "value", "unit", "threshold", "message", "reference", "message_vi",
                   "message_en", "reference_vi", "reference_en"]


def _finding_records(findings: Any) -> list[dict[str, Any]]:
    cols = [c for c in _FINDING_FIELDS if c in findings.columns]
    rows = findings[cols].itertuples(index=False, name=None)
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in rows]


def _finding_text(rec: dict[str, Any]) -> str:
    who = f"{rec['layer']}:{rec['feature_id']}" if rec["feature_id"] is not None else "(plan)"
    if rec["other_id"] is not None:
        who += f" ↔ {rec['other_layer']}:{rec['other_id']}"
    value = rec["value"]
    amount = "" if value is None else f"  {value:,.2f} {rec['unit'] or ''}".rstrip()
    return (f"{rec['severity'].upper():<7} {rec['rule']:<17} {who}{amount}\n"
            f"        {rec['message']}\n        [{rec['reference']}]")


@cli.command(epilog=EPILOG)
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
@handle_errors
def check(plan: Path, only: tuple[str, ...], fmt: str, output: Path | None,
          overwrite: bool, as_of: Any, lang: str | None) -> None:
    """Check PLAN against the planning rules and print every finding.

    Overlapping clusters and parks, features inside power-line safety corridors, cluster size,
    expansion and establishment conditions, park phasing, trade classes, features outside the
    province and duplicates; each finding is located, measured and cites its legal source
    (thresholds: geoplan/data/rules.toml, overridable in the plan's [rules] table).
    -o writes the findings as GeoJSON (RFC 7946, WGS 84).

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

    analysis = analyse(plan, coverage=False, only=list(only) or None, as_of=as_of)
    findings = run_checks(analysis, output=output, overwrite=overwrite)
    lg = plan_lang(analysis.plan, lang)
    shown = localise(findings, lg)
    records = _finding_records(shown)
    counts = severity_counts(findings)
    if fmt == "json":
        assert analysis.checks is not None
        echo_result(analysis.checks, findings=shown)
    elif records:
        click.echo("\n".join(_finding_text(r) for r in records))
    else:
        click.echo(message("cli.no_findings").get(lg))
    summary = message("cli.check_summary", errors=counts["error"], warnings=counts["warning"],
                      infos=counts["info"], capital=False)
    if output:
        summary = Text.join("", [summary, message("cli.written_to", path=str(output),
                                                  capital=False)])
    judged = message("cli.as_of", day=analysis.plan.as_of, version=table_version(),
                     capital=False)
    click.echo(f"{summary.get(lg)}; {judged.get(lg)}", err=True)
    sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_OK)


# ------------------------------------------------------------- export / report / diff


@cli.command("export", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (created when missing).")
@overwrite_option
@click.option("--shapefile", is_flag=True, default=None,
              help="Also write one zipped Shapefile (UTF-8 .cpg) per plan layer.")
@click.option("--precision", type=click.IntRange(0, 15), default=None, metavar="N",
              help="Decimals of GeoJSON coordinates (default 7, about 1 cm).")
@click.option("--findings", is_flag=True, help="Run the checks and export their findings.")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Run the coverage analysis and export its layers and findings.")
@as_of_option
@handle_errors
def export_command(plan: Path, output: Path, overwrite: bool, shapefile: bool | None,
                   precision: int | None, findings: bool, with_coverage: bool,
                   as_of: Any) -> None:
    """Export every layer of PLAN: GeoJSON (RFC 7946), one GeoPackage, a manifest.

    GeoJSON, one file per layer: WGS 84 longitude/latitude through the official VN-2000
    transformation (EPSG:6960), counter-clockwise outer rings, coordinates rounded to 7 decimals.
    The GeoPackage holds every layer in the plan's VN-2000 CRS with QGIS layer styles.
    manifest.json records the input files' SHA-256, the rule table, the CRSs and the counts.
    Existing outputs are kept unless --overwrite.
    """
    from geoplan.pipeline import export_plan

    result = export_plan(_judged(plan, as_of), output, findings=findings, coverage=with_coverage,
                         shapefile=shapefile or None, precision=precision, overwrite=overwrite)
    for path in result.files:
        click.echo(str(path))
    counts = result.manifest.get("counts", {})
    click.echo(f"export: {len(counts)} layer(s), {sum(counts.values())} feature(s), "
               f"{len(result.files)} file(s) in {result.folder}", err=True)


@cli.command("report", epilog=EPILOG)
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
    lengths are measured in the plan's CRS.
    """
    from geoplan.pipeline import report_plan

    report = report_plan(_judged(plan, as_of), output, lang=lang,
                         maps=False if no_maps else None,
                         overwrite=overwrite)
    click.echo(str(output))
    click.echo(f"report: {len(report.tables())} table(s) written to {output}", err=True)


@cli.command("diff", epilog=EPILOG)
@click.argument("plan_a", type=click.Path(exists=True, path_type=Path), metavar="PLAN_A")
@click.argument("plan_b", type=click.Path(exists=True, path_type=Path), metavar="PLAN_B")
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the differences as GeoJSON (one feature per difference).")
@click.option("--tolerance", type=click.FloatRange(min=0), default=None, metavar="M",
              help="Geometries closer than M metres count as unmoved (default 0.01).")
@click.option("--map", "map_output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="NAME.html",
              help="Also write the interactive map of PLAN_B with the changes as a layer.")
@click.option("--offline", is_flag=True, default=None,
              help="With --map: no base-map tiles, the HTML makes no network request at all.")
@overwrite_option
@handle_errors
def diff_command(plan_a: Path, plan_b: Path, fmt: str, output: Path | None,
                 tolerance: float | None, map_output: Path | None, offline: bool | None,
                 overwrite: bool) -> None:
    """What changed from PLAN_A to PLAN_B, layer by layer, feature by feature (by id).

    added / removed features, moved ones (distance of the centroid and largest displacement, in
    metres, in PLAN_A's CRS) and changed ones (which fields, before → after). --map draws them
    on the map of PLAN_B: added green, removed red (dashed), moved orange with an arrow from
    the old position, changed blue.
    """
    from geoplan.pipeline import diff_plans

    if offline and map_output is None:
        raise click.UsageError("--offline applies to the map: add --map NAME.html")
    result = diff_plans(plan_a, plan_b, output=output, map_output=map_output, offline=offline,
                        tolerance_m=tolerance, overwrite=overwrite)
    records = result.to_records()
    if fmt == "json":
        echo_json(records)
    else:
        echo_table(records, ["layer", "id", "change", "distance_m", "area_change_ha", "fields",
                             "details"])
    summary = result.summary()
    text = ", ".join(f"{c} {int(summary[c].sum())}" for c in ("added", "removed", "moved",
                                                                "changed"))
    click.echo(f"diff {result.before} → {result.after}: {text}"
               + (f"; written to {output}" if output else "")
               + (f"; map {map_output}" if map_output else ""), err=True)


# ------------------------------------------------------------------------- grid, pdp8


def _grid_rows(frame: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows without geometry; missing values as None, numpy scalars as Python ones."""
    import pandas as pd

    cols = [c for c in (columns or list(frame.columns)) if c != "geometry" and c in frame]
    part = pd.DataFrame(frame[cols]).astype(object)
    rows = part.where(part.notna(), None).to_dict("records")
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in rows]


_GRID_FINDING_COLUMNS = ["severity", "rule", "layer", "feature_id", "other_id", "value", "unit",
                         "message"]


@cli.command(epilog=EPILOG)
@plan_argument
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the graph as GeoJSON (WGS 84): nodes with degree and component, line "
                   "edges with voltage.")
@overwrite_option
@click.option("--graph", "show_graph", is_flag=True,
              help="Also print the node and edge tables (always in --format json).")
@as_of_option
@handle_errors
def grid(plan: Path, fmt: str, output: Path | None, overwrite: bool, show_graph: bool,
         as_of: Any) -> None:
    """Build PLAN's power grid as a graph and audit its topology.

    Line ends are snapped to substations within [grid] tolerance_m (metres, default 50), lines
    passing through a substation of their voltage are split there, multi-voltage substations
    join their levels; substations without a voltage take the levels of their lines. Findings:
    grid-dangling, grid-unfed (today and by the end of each plan period),
    grid-voltage-mismatch, grid-island, grid-single-supply (N-1) and grid-interconnection
    (lines into the neighbouring provinces).

    Exit 3 when any finding is an error, 0 otherwise.
    """
    from geoplan.findings import has_errors, severity_counts
    from geoplan.io import check_output
    from geoplan.pipeline import run_grid

    if output is not None:
        check_output(output, overwrite=overwrite)
    result = run_grid(_judged(plan, as_of), output=output, overwrite=overwrite)
    g = result.grid
    node_cols = ["node", "kind", "layer", "feature_id", "name", "voltage_kv", "status",
                 "degree", "component"]
    edge_cols = ["edge", "kind", "u", "v", "layer", "feature_id", "voltage_kv", "status",
                 "period", "circuits", "length_m", "component"]
    findings = _grid_rows(result.findings, _GRID_FINDING_COLUMNS)
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
        click.echo("\nConnected parts")
        echo_table(_grid_rows(result.components))
        click.echo("\nScenarios")
        echo_table(_grid_rows(result.scenarios))
        click.echo("\nInterconnections")
        echo_table(_grid_rows(result.interconnections, ["layer", "feature_id", "voltage_kv",
                                                        "status", "neighbour", "outside_km"]))
        if show_graph:
            click.echo("\nNodes")
            echo_table(_grid_rows(g.nodes, node_cols))
            click.echo("\nEdges")
            echo_table(_grid_rows(g.edges, edge_cols))
        click.echo("\nFindings")
        for rec in findings:
            who = f"{rec['layer']}:{rec['feature_id']}"
            click.echo(f"{rec['severity'].upper():<7} {rec['rule']:<21} {who}\n"
                       f"        {rec['message']}")
        if not findings:
            click.echo("(none)")
    counts = severity_counts(result.findings)
    click.echo(f"grid: {counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} note(s)" + (f"; graph written to {output}" if output else ""),
               err=True)
    sys.exit(EXIT_FINDINGS if has_errors(result.findings) else EXIT_OK)


@cli.command(epilog=EPILOG)
@plan_argument
@click.option("--list", "national", type=click.Path(exists=True, dir_okay=False,
                                                    path_type=Path), required=True,
              help="The national project list (.csv or .xlsx) in the layout of the PDP8 grid "
                   "appendix: name, capacity MVA or circuits × km, note, under phase headers.")
@click.option("--sheet", default=None, help="Read only this sheet of an .xlsx list.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None, metavar="0-100",
              help="Lowest fuzzy name-match score accepted (default 85).")
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the comparison table (.csv, .xlsx or .json).")
@overwrite_option
@handle_errors
def pdp8(plan: Path, national: Path, sheet: str | None, min_score: float | None, fmt: str,
         output: Path | None, overwrite: bool) -> None:
    """Compare PLAN's 220 and 500 kV substations and lines with the national plan (PDP8).

    Names are matched after normalisation (diacritics, "TBA", "500kV", "Rẽ" loop-ins,
    "nối cấp"...) with a fuzzy score; results: in both (capacity MVA, circuits × km and phase
    compared), in the national list only (when it concerns the province), in the provincial
    plan only.
    """
    from geoplan.pipeline import run_pdp8

    result = run_pdp8(plan, national, min_score=min_score, sheet=sheet, output=output,
                      overwrite=overwrite)
    counts = result.counts()
    if fmt == "json":
        echo_json({"counts": counts, "results": _grid_rows(result.table),
                   "elsewhere": _grid_rows(result.elsewhere, ["row", "kind", "voltage_kv",
                                                               "name", "phase"])})
    else:
        echo_table(_grid_rows(result.table),
                   ["result", "kind", "voltage_kv", "national_name", "plan_id", "score",
                    "phase", "mva", "circuits_km", "remarks"])
    click.echo(f"pdp8: {counts['both']} in both, {counts['national only']} in the national "
               f"list only, {counts['plan only']} in the plan only; {counts['elsewhere']} "
               "national project(s) concern other provinces"
               + (f"; written to {output}" if output else ""), err=True)


# ------------------------------------------------------------------------------ demo (lead)


@cli.command(epilog=EPILOG)
@click.argument("plan", type=click.Path(exists=True, path_type=Path), required=False,
                metavar="[PLAN]")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("maps"),
              show_default=True, help="Folder for the map, exports and report.")
@click.option("--sites", type=click.IntRange(0, 50), default=3, show_default=True,
              help="How many new 110 kV substation sites to propose.")
@as_of_option
@handle_errors
def demo(plan: Path | None, output: Path, sites: int, as_of: Any) -> None:
    """The main job on the bundled sample province (or PLAN).

    Checks the plan (overlaps, corridors, legal rules, grid topology, coverage), then writes
    under OUTPUT: NAME.html (offline interactive map), NAME-export/ (GeoJSON per layer,
    GeoPackage, manifest) and NAME-report.html. Exit 0 when written, even with findings.
    """
    from geoplan.findings import severity_counts
    from geoplan.pipeline import default_sample_path, run_demo

    judged = _judged(plan if plan is not None else default_sample_path(), as_of) \
        if as_of is not None else plan
    result = run_demo(judged, output, sites=sites)
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


# ------------------------------------------------------------------------------- map


@cli.command("map", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="NAME.html (interactive map), NAME.png or NAME.pdf (printable sheet). "
                   "Default: maps/<plan folder>.html")
@click.option("--offline", is_flag=True, default=None,
              help="No base-map tiles: the HTML makes no network request at all.")
@click.option("--no-findings", is_flag=True, help="Do not run the checks for the map.")
@click.option("--no-coverage", is_flag=True, help="Do not run the coverage analysis.")
@click.option("--no-grid", is_flag=True, help="Do not run the grid topology audit.")
@click.option("--sites", type=click.IntRange(0, 50), default=0, show_default=True,
              help="Propose this many new substation sites (coverage).")
@click.option("--paper", type=click.Choice(["A3", "A4"]), default=None,
              help="Paper of a .png/.pdf sheet (default: [map] paper, else A3).")
@click.option("--layer", "layers", multiple=True, metavar="NAME",
              help="Only this plan layer (repeat for several).")
@click.option("--title", default=None, help="Title of the map (default: the plan name).")
@overwrite_option
@as_of_option
@lang_option
@handle_errors
def map_command(plan: Path, output: Path | None, offline: bool | None, no_findings: bool,
                no_coverage: bool, no_grid: bool, sites: int, paper: str | None,
                layers: tuple[str, ...], title: str | None, overwrite: bool, as_of: Any,
                lang: str | None) -> None:
    """Write the map of PLAN: an interactive HTML map or a printable PNG/PDF sheet.

    The HTML map has one toggleable layer per plan layer, styled by meaning (voltage, status,
    type), with the findings of the checks, the coverage gaps and proposed sites and the grid
    audit when they can be computed; a legend, popups in Vietnamese and English, search by
    name, measure, full screen and scale bar. Leaflet and its plugins are inlined, so with
    --offline the file opens on a machine with no internet. A .png or .pdf is an A3/A4 sheet
    with legend, scale bar, north arrow and title.
    """
    from geoplan.pipeline import write_map
    from geoplan.plan import find_plan_file

    if output is None:
        output = Path("maps") / f"{find_plan_file(plan).resolve().parent.name or 'plan'}.html"
    suffix = output.suffix.lower()
    if paper is not None and suffix not in (".png", ".pdf"):
        raise click.UsageError("--paper applies to a .png or .pdf sheet, not to "
                               f"{output.name}")
    if offline and suffix in (".png", ".pdf"):
        raise click.UsageError("--offline applies to an .html map (a sheet has no tiles)")
    options: dict[str, Any] = {"layers": list(layers) or None, "title": title}
    if suffix in (".html", ".htm"):
        options["offline"] = offline
    path = write_map(_judged(plan, as_of), output, findings=not no_findings,
                     coverage=not no_coverage, grid=not no_grid, sites=sites, paper=paper,
                     overwrite=overwrite, lang=lang, **options)
    click.echo(str(path))
    click.echo(f"map: {path} ({path.stat().st_size / 1e6:.1f} MB)", err=True)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="geoplan")


from geoplan._cmd_rules import rules  # noqa: E402  (the command module imports nothing here)

cli.add_command(rules)
