"""Compose the stages: what the CLI, notebooks and scripts call.

``load_plan`` reads the plan file, reads and validates every layer, picks the analysis CRS and
reprojects every layer into it. Later stages (checks, coverage, grid, map, export, report) take
the loaded :class:`~geoplan.plan.Plan`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geoplan import crs as gcrs
from geoplan import io
from geoplan.errors import CRSError, LayerReadError, PlanError, PlanValidationError
from geoplan.plan import (
    Layer,
    LayerSpec,
    Plan,
    PlanSpec,
    RasterLayer,
    own_province_mask,
    read_plan_file,
)
from geoplan.validate import Problem, ValidationReport, canonicalise_layer, resolve_source_crs

log = logging.getLogger(__name__)

__all__ = [
    "GRID_RULE_IDS",
    "DemoResult",
    "build_map",
    "default_sample_path",
    "diff_plans",
    "export_plan",
    "load_plan",
    "map_results",
    "report_plan",
    "run_checks",
    "run_coverage",
    "run_demo",
    "run_grid",
    "run_pdp8",
    "validate_plan",
    "write_map",
]

#: Which module checks the keys of each optional plan section.
SETTINGS_OWNERS: Mapping[str, str] = {
    "rules": "geoplan.rules",
    "coverage": "geoplan.coverage",
    "grid": "geoplan.grid",
    "map": "geoplan.render",
    "export": "geoplan.export",
    "report": "geoplan.report",
}


def _validate_settings(spec: PlanSpec) -> None:
    for section, values in spec.settings.items():
        module = importlib.import_module(SETTINGS_OWNERS[section])
        try:
            module.validate_settings(values)
        except PlanError as exc:
            raise PlanError(f"{spec.path}: [{section}] {exc}") from exc


def _problem(spec: LayerSpec, code: str, message: str, fix: str = "",
             severity: str = "error") -> Problem:
    return Problem(severity, code, message, fix, spec.name, str(spec.path))  # type: ignore[arg-type]


def _read_raw(spec: LayerSpec) -> gpd.GeoDataFrame:
    if spec.x_field and spec.y_field:
        return io.read_table(spec.path, x_field=spec.x_field, y_field=spec.y_field,
                             sheet=spec.sheet, encoding=spec.encoding)
    return io.read_vector(spec.path, layer=spec.layer, encoding=spec.encoding)


def _province_polygon(frames: list[gpd.GeoDataFrame], province: str | None) -> Any | None:
    """The province outline in WGS 84 from canonical boundary frames (province level, else the
    union of the communes)."""
    parts = []
    for frame in frames:
        if frame.crs is None or not len(frame):
            continue
        level = frame[frame["level"] == "province"]
        level = level[own_province_mask(level["name"], province)]
        use = level if len(level) else frame[frame["level"] == "commune"]
        use = use[~use.geometry.isna() & ~use.geometry.is_empty]
        if len(use):
            parts.append(gcrs.to_wgs84(use[["geometry"]]).geometry.union_all())
    if not parts:
        return None
    poly = shapely.union_all(parts)
    return poly if not poly.is_empty else None


def _load(path: str | Path, *, strict: bool) -> tuple[Plan | None, ValidationReport]:
    spec = read_plan_file(path)
    _validate_settings(spec)
    report = ValidationReport()

    known_province = False
    if spec.province:
        try:
            gcrs.province_meridian(spec.province, scheme=spec.province_scheme,
                                   choice=spec.meridian_choice)
            known_province = True
        except CRSError as exc:
            if not spec.analysis_crs:
                raise PlanError(f"{spec.path}: [plan] province: {exc}; or give analysis_crs"
                                ) from exc
            report.add(Problem("info", "unknown-province",
                               f"{spec.province!r} is not one of the provinces of the "
                               f"{spec.province_scheme} scheme; the analysis CRS comes from "
                               f"analysis_crs = {spec.analysis_crs!r}",
                               "spell the province as in the official list to get its zone",
                               file=str(spec.path)))
        conflict = gcrs.meridian_conflict(spec.province, scheme=spec.province_scheme) \
            if known_province and spec.meridian_choice is None else None
        if conflict:
            report.add(Problem("warning", "meridian-conflict", conflict,
                               "choose with meridian_choice = <degrees> in [plan]",
                               file=str(spec.path)))

    canonical: dict[str, tuple[LayerSpec, gpd.GeoDataFrame, pyproj.CRS]] = {}
    rasters: dict[str, RasterLayer] = {}
    boundary_frames: list[gpd.GeoDataFrame] = []
    ordered = sorted(spec.layers, key=lambda s: s.kind != "boundary")
    province_wgs84 = None
    for i, ls in enumerate(ordered):
        if ls.kind == "boundary" or i == 0:
            pass
        elif province_wgs84 is None and boundary_frames:
            province_wgs84 = _province_polygon(boundary_frames, spec.province)
        if ls.is_raster:
            raster = _load_raster(ls, report)
            if raster is not None:
                rasters[ls.name] = raster
            continue
        try:
            raw = _read_raw(ls)
        except LayerReadError as exc:
            report.add(_problem(ls, "unreadable", str(exc),
                                "fix path/layer in the plan or the file itself"))
            continue
        from geoplan.validate import _Collector  # the collector is private to validation

        col = _Collector(ls)
        try:
            source_crs = resolve_source_crs(raw.crs, ls, col)
        except CRSError as exc:
            report.add(_problem(ls, "bad-crs", str(exc), "use an EPSG code such as EPSG:9209"))
            continue
        report.extend(col.finish())
        if source_crs is not None:
            for warning in gcrs.crs_warnings(source_crs):
                report.add(_problem(ls, "crs-warning", warning, severity="warning"))
        frame, problems = canonicalise_layer(
            raw, ls, source_crs=source_crs, province_wgs84=province_wgs84,
            province_name=spec.province,
        )
        report.extend(problems)
        if source_crs is None:
            continue
        canonical[ls.name] = (ls, frame, source_crs)
        if ls.kind == "boundary":
            boundary_frames.append(frame)

    if strict:
        report = ValidationReport([
            Problem("error", p.code, p.message, p.fix, p.layer, p.file, p.feature, p.field,
                    p.count) if p.severity == "warning" else p for p in report.problems
        ])
    if report.has_errors:
        return None, report

    analysis = _analysis_crs(spec, canonical)
    layers: dict[str, Layer] = {}
    for ls in spec.layers:  # plan-file order
        if ls.name not in canonical:
            continue
        _, frame, source_crs = canonical[ls.name]
        layers[ls.name] = Layer(ls.name, ls.kind, ls, gcrs.to_crs(frame, analysis), source_crs)
    plan = Plan(spec=spec, crs=analysis, layers=layers, rasters=rasters, report=report)
    return plan, report


def _analysis_crs(spec: PlanSpec, canonical: Mapping[str, tuple[LayerSpec, gpd.GeoDataFrame,
                                                                 pyproj.CRS]]) -> pyproj.CRS:
    bounds = None
    boxes = []
    for _, frame, _src in canonical.values():
        present = frame[~frame.geometry.isna() & ~frame.geometry.is_empty]
        if len(present):
            b = present.total_bounds
            lon, lat = gcrs.transform_points(np.array([b[0], b[2]]), np.array([b[1], b[3]]),
                                             frame.crs, "EPSG:4326")
            boxes.append((lon.min(), lat.min(), lon.max(), lat.max()))
    if boxes:
        arr = np.array(boxes)
        bounds = (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
    try:
        province = spec.province if not spec.analysis_crs else None
        return gcrs.analysis_crs(province=province, override=spec.analysis_crs,
                                 bounds_wgs84=bounds, scheme=spec.province_scheme,
                                 choice=spec.meridian_choice)
    except CRSError as exc:
        raise PlanError(f"{spec.path}: [plan] analysis_crs: {exc}") from exc


def _load_raster(ls: LayerSpec, report: ValidationReport) -> RasterLayer | None:
    try:
        info = io.raster_info(ls.path)
    except LayerReadError as exc:
        report.add(_problem(ls, "unreadable", str(exc), "fix path in the plan"))
        return None
    if ls.band > info.count:
        report.add(_problem(ls, "bad-band", f"band {ls.band} asked, the raster has {info.count}",
                            f"use band = 1 … {info.count}"))
        return None
    file_crs = pyproj.CRS(info.crs.to_wkt()) if info.crs else None
    try:
        source_crs = resolve_source_crs(file_crs, ls)
    except CRSError as exc:
        report.add(_problem(ls, "bad-crs", str(exc), "use an EPSG code such as EPSG:4326"))
        return None
    if source_crs is None:
        report.add(_problem(ls, "missing-crs", "the raster has no CRS and the plan declares none",
                            f"add crs = \"EPSG:4326\" (or the right one) to [layers.{ls.name}]"))
        return None
    return RasterLayer(ls.name, ls.kind, ls, source_crs, info.nodata)


def load_plan(path: str | Path, *, strict: bool = False) -> Plan:
    """Load a plan: every layer read, validated, in canonical fields and in the analysis CRS.

    Parameters
    ----------
    path
        A ``plan.toml`` or the folder that holds it.
    strict
        Treat warnings as errors.

    Returns
    -------
    Plan
        With ``plan.report`` holding the warnings and notes found.

    Raises
    ------
    PlanError
        The plan file itself is wrong (unknown keys, missing name...).
    PlanValidationError
        Layers have errors; ``exc.report`` lists every problem of the plan.
    """
    plan, report = _load(path, strict=strict)
    if plan is None:
        raise PlanValidationError(report)
    return plan


def validate_plan(path: str | Path, *, strict: bool = False) -> ValidationReport:
    """Every problem of a plan, without raising for layer errors."""
    _, report = _load(path, strict=strict)
    return report


def _loaded(plan: Plan | str | Path) -> Plan:
    return plan if isinstance(plan, Plan) else load_plan(plan)


# --------------------------------------------------------------------------------- checks

#: Rule ids of the grid topology audit, which `geoplan check` runs beside the plan rules.
GRID_RULE_IDS: tuple[str, ...] = ("grid-dangling", "grid-unfed", "grid-voltage-mismatch",
                                  "grid-island", "grid-single-supply", "grid-interconnection")


def run_checks(
    plan: Plan | str | Path,
    *,
    only: str | Sequence[str] | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> gpd.GeoDataFrame:
    """Run the plan checks (:func:`geoplan.checks.run_checks`), optionally writing the findings.

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    only
        Rule ids to run (all when None); see :data:`geoplan.rules.RULE_IDS`.
    output
        Write the findings as RFC 7946 GeoJSON (WGS 84 through the pinned transformation,
        written atomically by :func:`geoplan.export.write_geojson`).
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    GeoDataFrame
        The findings, in the plan's analysis CRS.
    """
    from geoplan.checks import run_checks as _run_checks

    if output is not None and Path(output).suffix.lower() not in (".geojson", ".json"):
        raise PlanError(f"{output}: findings are written as GeoJSON; name the file *.geojson")
    loaded = _loaded(plan)
    wanted = None if only is None else ([only] if isinstance(only, str) else list(only))
    grid_wanted = None if wanted is None else [r for r in wanted if r in GRID_RULE_IDS]
    plan_rules = None if wanted is None else [r for r in wanted if r not in GRID_RULE_IDS]
    parts = []
    if plan_rules is None or plan_rules:
        parts.append(_run_checks(loaded, only=plan_rules))
    if grid_wanted is None or grid_wanted:  # the grid topology audit (issue 7)
        from geoplan.grid import grid_findings

        grid = grid_findings(loaded)
        if grid_wanted is not None:
            grid = grid[grid["rule"].isin(grid_wanted)]
        parts.append(grid)
    from geoplan.findings import concat_findings

    findings = concat_findings(parts, crs=loaded.crs)
    if output is not None:
        from geoplan.export import write_geojson

        write_geojson(findings, output, id_field=None, overwrite=overwrite)
    return findings


# ------------------------------------------------------------------------------- coverage


def run_coverage(
    plan: Plan | str | Path,
    *,
    site: int = 0,
    capacitated: bool = False,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> Any:
    """Grid coverage of a plan (:func:`geoplan.coverage.compute_coverage`), optionally written.

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    site
        Propose up to this many new 110 kV substation sites.
    capacitated
        Capacitated assignment (HiGHS ``milp``) instead of nearest-within-radius.
    output
        Write every output layer (features, substations, service areas, gaps, sites, findings)
        into one RFC 7946 GeoJSON FeatureCollection (through :func:`geoplan.export.geojson_text`:
        WGS 84 by the pinned transformation), each feature tagged with an ``output`` property
        and carrying only its own layer's columns.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    geoplan.coverage.CoverageResult
    """
    from geoplan.coverage import compute_coverage

    if output is not None and Path(output).suffix.lower() not in (".geojson", ".json"):
        raise PlanError(f"{output}: coverage outputs are written as GeoJSON; name the file "
                        "*.geojson")
    loaded = _loaded(plan)
    result = compute_coverage(loaded, site=site, capacitated=capacitated)
    if output is not None:
        import json

        from geoplan.export import geojson_text

        features: list[Any] = []
        for name, frame in result.layers().items():  # each output with its own columns
            if len(frame):
                tagged = frame.assign(output=name)[["output", *frame.columns]]
                features += json.loads(geojson_text(tagged, id_field=None, name=name))["features"]
        text = json.dumps({"type": "FeatureCollection", "features": features},
                          ensure_ascii=False, separators=(",", ":"))
        with io.atomic_path(output, overwrite=overwrite) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    return result

# ----------------------------------------------------------------------------------- grid


def run_grid(
    plan: Plan | str | Path,
    *,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> Any:
    """The grid of a plan as a graph, with its topology audit (:mod:`geoplan.grid`).

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    output
        Write the graph (nodes with degree and component, line edges with voltage) as a
        GeoJSON FeatureCollection in WGS 84.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    geoplan.grid.GridResult
        ``grid`` (graph, node and edge tables), ``findings``, ``components``,
        ``interconnections`` and ``scenarios``.
    """
    from geoplan.grid import analyse_plan, write_grid_geojson

    if output is not None and Path(output).suffix.lower() not in (".geojson", ".json"):
        raise PlanError(f"{output}: the grid graph is written as GeoJSON; name the file "
                        "*.geojson")
    loaded = _loaded(plan)
    result = analyse_plan(loaded)
    if output is not None:
        write_grid_geojson(result.grid, output, overwrite=overwrite)
    return result


def run_pdp8(
    plan: Plan | str | Path,
    national: str | Path,
    *,
    min_score: float | None = None,
    sheet: str | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> Any:
    """Reconcile a plan's 220/500 kV layers with a national PDP8 project list
    (:mod:`geoplan.pdp8`).

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    national
        The national list (``.csv`` or ``.xlsx``) in the layout of the PDP8 grid appendix.
    min_score
        Lowest name-match score, 0-100 (default :data:`geoplan.pdp8.MIN_SCORE`).
    sheet
        Read only this sheet of an ``.xlsx`` list.
    output
        Write the comparison table: ``.csv`` (UTF-8 with BOM, for Excel), ``.xlsx`` or
        ``.json``.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    geoplan.pdp8.Pdp8Result
    """
    from geoplan.pdp8 import MIN_SCORE, reconcile_plan

    suffix = Path(output).suffix.lower() if output is not None else None
    if suffix is not None and suffix not in (".csv", ".xlsx", ".json"):
        raise PlanError(f"{output}: the comparison is written as .csv, .xlsx or .json")
    loaded = _loaded(plan)
    result = reconcile_plan(loaded, national, sheet=sheet,
                            min_score=MIN_SCORE if min_score is None else min_score)
    if output is not None:
        with io.atomic_path(output, overwrite=overwrite) as tmp:
            if suffix == ".csv":
                result.table.to_csv(tmp, index=False, encoding="utf-8-sig")
            elif suffix == ".xlsx":
                result.table.to_excel(tmp, index=False, sheet_name="PDP8", engine="openpyxl")
            else:
                tmp.write_text(result.table.to_json(orient="records", force_ascii=False,
                                                    indent=2), encoding="utf-8")
    return result


# ------------------------------------------------------------------------------------ map


def map_results(
    plan: Plan,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
) -> dict[str, Any]:
    """The results a map shows: findings of the checks (with coverage findings), the coverage
    result and the grid audit. A part that cannot be computed for this plan (a
    :class:`~geoplan.errors.GeoplanError`) is left out with a warning: the map is still drawn.
    """
    from geoplan.errors import GeoplanError
    from geoplan.findings import concat_findings

    out: dict[str, Any] = {"findings": None, "coverage": None, "grid": None}
    parts = []
    if findings:
        try:
            parts.append(run_checks(plan))
        except GeoplanError as exc:
            log.warning("map without check findings: %s", exc)
    if coverage:
        try:
            out["coverage"] = run_coverage(plan, site=sites)
            parts.append(out["coverage"].findings)
        except GeoplanError as exc:
            log.warning("map without coverage: %s", exc)
    if grid:
        try:
            out["grid"] = run_grid(plan)
        except GeoplanError as exc:
            log.warning("map without the grid audit: %s", exc)
    if parts:
        out["findings"] = concat_findings(parts, crs=plan.crs)
    return out


def build_map(
    plan: Plan | str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
    **kwargs: Any,
) -> Any:
    """The interactive map of a plan (a :class:`folium.Map`, shown inline in a notebook).

    Runs the checks, coverage and grid audit (switch each off with ``False``) to draw their
    layers; ``sites`` proposes that many new substation sites. ``**kwargs`` go to
    :func:`geoplan.render.plan_map` (``offline``, ``title``, ``layers``, ``basemaps`` ...).
    """
    from geoplan.render import plan_map

    loaded = _loaded(plan)
    results = map_results(loaded, findings=findings, coverage=coverage, grid=grid, sites=sites)
    return plan_map(loaded, **results, **kwargs)


def write_map(
    plan: Plan | str | Path,
    output: str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
    paper: str | None = None,
    overwrite: bool = False,
    **kwargs: Any,
) -> Path:
    """Write the map of a plan: ``.html`` interactive (folium), ``.png`` / ``.pdf`` a printable
    sheet (matplotlib, ``paper`` ``"A3"`` or ``"A4"``, default the plan's ``[map] paper`` or A3).

    The analyses are those of :func:`build_map`; the file is written atomically. ``**kwargs``
    go to :func:`geoplan.render.plan_map` or :func:`geoplan.staticmap.static_map`.
    """
    target = Path(output)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".png", ".pdf"):
        raise PlanError(f"{target}: a map is written as .html (interactive), .png or .pdf "
                        "(printable sheet); change the file name")
    if target.exists() and not overwrite:
        from geoplan.errors import OutputExistsError

        raise OutputExistsError(f"{target}: exists already; pass --overwrite (overwrite=True) "
                                "to replace it, or choose another output")
    loaded = _loaded(plan)
    results = map_results(loaded, findings=findings, coverage=coverage, grid=grid, sites=sites)
    if suffix in (".html", ".htm"):
        if paper is not None:
            raise PlanError(f"{target}: --paper applies to .png and .pdf maps only")
        from geoplan.render import write_map as _write_html

        return _write_html(loaded, target, overwrite=overwrite, **results, **kwargs)
    from geoplan.staticmap import write_static_map

    kwargs.pop("offline", None)  # a sheet has no tiles anyway
    sheet = paper or loaded.settings.get("map", {}).get("paper", "A3")
    return write_static_map(loaded, target, overwrite=overwrite, paper=sheet, **results,
                            **kwargs)


# ------------------------------------------------------------------------- export / report


def _coverage_extra(result: Any) -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    """Coverage output layers for the export, named ``coverage_<output>``."""
    extra: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    for name, frame in result.layers().items():
        if name != "findings":
            extra[f"coverage_{name}"] = (f"coverage_{name}", frame)
    return extra


def export_plan(
    plan: Plan | str | Path,
    output: str | Path,
    *,
    findings: bool = False,
    coverage: bool = False,
    shapefile: bool | None = None,
    precision: int | None = None,
    overwrite: bool = False,
) -> Any:
    """Export a plan into the folder ``output`` (:func:`geoplan.export.export_plan`).

    Every layer goes to RFC 7946 GeoJSON (one file per layer) and to one GeoPackage in the
    plan's CRS, with a ``manifest.json``; ``shapefile`` adds zipped Shapefiles.
    ``findings`` runs the checks and exports their findings as the layer ``findings``;
    ``coverage`` runs the coverage analysis and exports its layers (``coverage_features``,
    ``coverage_substations``, ``coverage_service_areas``, ``coverage_gaps``,
    ``coverage_sites``), its findings joining ``findings``.

    Returns
    -------
    geoplan.export.ExportResult
    """
    from geoplan.export import export_plan as _export
    from geoplan.findings import concat_findings

    loaded = _loaded(plan)
    extra: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    parts = []
    if findings:
        parts.append(run_checks(loaded))
    if coverage:
        result = run_coverage(loaded)
        extra.update(_coverage_extra(result))
        parts.append(result.findings)
    if parts:
        extra = {"findings": ("findings", concat_findings(parts, crs=loaded.crs)), **extra}
    return _export(loaded, output, extra=extra, precision=precision, shapefile=shapefile,
                   overwrite=overwrite)


def report_plan(
    plan: Plan | str | Path,
    output: str | Path | None = None,
    *,
    lang: str | None = None,
    checks: bool = True,
    coverage: bool = True,
    maps: bool | None = None,
    overwrite: bool = False,
) -> Any:
    """The Department's report on a plan (:mod:`geoplan.report`), optionally written.

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    output
        ``*.html`` (one self-contained file that prints well) or ``*.xlsx`` (one sheet per
        table); nothing is written when ``None``.
    lang
        ``"vi"`` or ``"en"`` (default: ``[report] lang``, else Vietnamese).
    checks, coverage
        Run the checks (every finding, by rule) and the coverage analysis (coverage of
        clusters and parks, unserved demand, overloaded substations, proposed sites).
    maps
        Draw the small static maps (default: ``[report] maps``, else true).

    Returns
    -------
    geoplan.report.Report
    """
    from geoplan.findings import concat_findings
    from geoplan.report import build_report, write_report

    if output is not None and Path(output).suffix.lower() not in (".html", ".htm", ".xlsx"):
        raise PlanError(f"{output}: a report is written as .html or .xlsx; name the file "
                        "report.html or report.xlsx")
    if output is not None and Path(output).exists() and not overwrite:
        from geoplan.errors import OutputExistsError

        raise OutputExistsError(f"{output}: exists already; pass --overwrite (overwrite=True) "
                                "to replace it, or choose another output")
    loaded = _loaded(plan)
    found = []
    cov = None
    if checks:
        found.append(run_checks(loaded))
    if coverage:
        cov = run_coverage(loaded, site=int(loaded.settings.get("report", {}).get("sites", 0)))
        found.append(cov.findings)
    findings = concat_findings(found, crs=loaded.crs) if (checks or coverage) else None
    report = build_report(loaded, findings=findings, coverage=cov, lang=lang, maps=maps)
    if output is not None:
        write_report(report, output, overwrite=overwrite)
    return report


def diff_plans(
    before: Plan | str | Path,
    after: Plan | str | Path,
    *,
    output: str | Path | None = None,
    map_output: str | Path | None = None,
    offline: bool | None = None,
    tolerance_m: float | None = None,
    overwrite: bool = False,
) -> Any:
    """What changed from ``before`` to ``after`` (:func:`geoplan.diff.diff_plans`).

    ``output`` writes the differences as RFC 7946 GeoJSON (one feature per difference, the
    feature's geometry in ``after``, in ``before`` for removed features). ``map_output``
    (``*.html``) writes the interactive map of ``after`` with the differences as the layer
    "So sánh phương án / Plan changes" (:func:`geoplan.render.plan_map` ``diff=``); ``offline``
    leaves out the base-map tiles (default: ``after``'s ``[map] offline``). An existing output
    stops the diff before anything is written unless ``overwrite``.

    Returns
    -------
    geoplan.diff.PlanDiff
    """
    from geoplan.diff import DEFAULT_TOLERANCE_M
    from geoplan.diff import diff_plans as _diff

    if output is not None and Path(output).suffix.lower() not in (".geojson", ".json"):
        raise PlanError(f"{output}: a diff is written as GeoJSON; name the file *.geojson")
    if map_output is not None and Path(map_output).suffix.lower() not in (".html", ".htm"):
        raise PlanError(f"{map_output}: the map of a diff is written as .html; name the file "
                        "*.html")
    for target in (output, map_output):
        if target is not None and Path(target).exists() and not overwrite:
            from geoplan.errors import OutputExistsError

            raise OutputExistsError(f"{target}: exists already; pass --overwrite "
                                    "(overwrite=True) to replace it, or choose another output")
    loaded = _loaded(after)
    result = _diff(_loaded(before), loaded,
                   tolerance_m=DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m)
    if output is not None:
        from geoplan.export import write_geojson

        write_geojson(result.frame, output, id_field=None, overwrite=overwrite)
    if map_output is not None:
        from geoplan.render import write_map as _write_html

        _write_html(loaded, map_output, overwrite=overwrite, diff=result, offline=offline)
    return result


# ------------------------------------------------------------------------------------ demo


def default_sample_path() -> Path:
    """The bundled sample province: ``layers/sample`` of the working folder or the checkout."""
    here = Path.cwd() / "layers" / "sample"
    if (here / "plan.toml").exists():
        return here
    checkout = Path(__file__).resolve().parents[1] / "layers" / "sample"
    if (checkout / "plan.toml").exists():
        return checkout
    raise PlanError("the bundled sample province (layers/sample/plan.toml) was not found; run "
                    "geoplan demo from the project folder or pass the plan to use")


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` wrote and found."""

    plan: Plan
    map_html: Path
    export_folder: Path
    report_html: Path
    findings: gpd.GeoDataFrame
    coverage_summary: Mapping[str, Any]
    files: tuple[Path, ...] = field(default_factory=tuple)


def run_demo(
    plan: Plan | str | Path | None = None,
    output: str | Path = "maps",
    *,
    sites: int = 3,
) -> DemoResult:
    """The main job: check a plan, then write its offline map, exports and report.

    Everything goes under ``output`` (default ``maps/``), named after the plan's folder:
    ``NAME.html`` (the offline interactive map with the findings, coverage and grid layers),
    ``NAME-export/`` (RFC 7946 GeoJSON per layer, one GeoPackage, manifest) and
    ``NAME-report.html``. Earlier outputs of the demo are replaced.
    """
    from geoplan.export import export_plan as _export
    from geoplan.findings import concat_findings
    from geoplan.render import write_map

    loaded = _loaded(plan if plan is not None else default_sample_path())
    stem = loaded.path.parent.name or "plan"
    out = Path(output)
    from geoplan.rules import RULE_IDS

    grid = run_grid(loaded)  # its findings are those `run_checks` adds: computed once here
    findings = run_checks(loaded, only=list(RULE_IDS))
    coverage = run_coverage(loaded, site=sites)
    all_findings = concat_findings([findings, grid.findings, coverage.findings], crs=loaded.crs)
    map_path = write_map(loaded, out / f"{stem}.html", findings=all_findings,
                         coverage=coverage, grid=grid, offline=True, overwrite=True)
    extra = {"findings": ("findings", all_findings), **_coverage_extra(coverage)}
    exported = _export(loaded, out / f"{stem}-export", extra=extra, overwrite=True)
    report_path = out / f"{stem}-report.html"
    report_plan(loaded, report_path, overwrite=True)
    return DemoResult(loaded, map_path, exported.folder, report_path, all_findings,
                      coverage.summary, (map_path, *exported.files, report_path))
