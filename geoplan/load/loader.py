"""The load stage for a whole plan: the plan file, every layer, the analysis CRS.

:func:`load_plan` returns a :class:`~geoplan.plan.Plan` whose layers are in canonical fields
and in the analysis CRS; :func:`validate_plan` returns every problem without raising. Each
vector layer goes through :func:`geoplan.load.layer.validate_layer`; the optional settings
sections are checked by the functions their stages registered with
:func:`geoplan.plan.register_settings`, so this module imports no later stage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geoplan import crs as gcrs
from geoplan import io
from geoplan.attributes import join_attributes
from geoplan.attribution import detect_credit
from geoplan.errors import CRSError, LayerReadError, PlanError, PlanValidationError
from geoplan.load.columns import coordinate_candidates, degrees_in_vietnam
from geoplan.load.layer import resolve_source_crs, validate_layer
from geoplan.names import own_province_mask
from geoplan.plan import (
    Layer,
    LayerSpec,
    Plan,
    PlanSpec,
    RasterLayer,
    read_plan_file,
    settings_check,
)
from geoplan.problems import Problem, ValidationReport
from geoplan.progress import stage

log = logging.getLogger(__name__)

__all__ = ["load_plan", "validate_plan"]


def _validate_settings(spec: PlanSpec) -> None:
    for section, values in spec.settings.items():
        check = settings_check(section)
        try:
            check(values)
        except PlanError as exc:
            raise PlanError(f"{spec.path}: [{section}] {exc}") from exc


def _problem(spec: LayerSpec, code: str, message: str, fix: str = "",
             severity: str = "error") -> Problem:
    return Problem(severity, code, message, fix, spec.name, str(spec.path))  # type: ignore[arg-type]


def _read_raw(spec: LayerSpec, max_bytes: int | None = None
              ) -> tuple[gpd.GeoDataFrame, pyproj.CRS | None, list[Problem]]:
    """The layer as read, the CRS the load stage knows for it (``None``: the file's or the
    plan's), and notes about how it was read."""
    if spec.database is not None:  # a PostGIS table or query (geoplan.io.postgis)
        from geoplan.io.postgis import read_postgis

        return (read_postgis(spec.database, table=spec.table, sql=spec.sql,
                             geometry=spec.layer), None, [])
    if spec.x_field and spec.y_field:
        return (io.read_table(spec.path, x_field=spec.x_field, y_field=spec.y_field,
                              sheet=spec.sheet, encoding=spec.encoding, max_bytes=max_bytes),
                None, [])
    if spec.path.suffix.lower() in io.TABLE_SUFFIXES:
        return _read_table_with_degrees(spec, max_bytes)
    raw = io.read_vector(spec.path, layer=spec.layer, encoding=spec.encoding,
                         max_bytes=max_bytes)
    # a GeoJSON FeatureCollection without features has no fields: an empty layer, not one
    # whose mapped columns are missing
    return io.with_columns(raw, list(spec.fields.values())), None, []


def _read_table_with_degrees(spec: LayerSpec, max_bytes: int | None = None
                             ) -> tuple[gpd.GeoDataFrame, pyproj.CRS | None, list[Problem]]:
    """A table whose plan names no coordinate columns: WGS 84 longitude/latitude columns found
    by name and checked to hold degrees inside Vietnam (:mod:`geoplan.load.columns`)."""
    declared = gcrs.parse_crs(spec.crs, where=f"[layers.{spec.name}] crs") if spec.crs else None
    columns = io.table_columns(spec.path, sheet=spec.sheet, encoding=spec.encoding)
    found = coordinate_candidates(columns)
    fix = (f"name the coordinate columns in [layers.{spec.name}]: x_field = \"<easting or "
           "longitude>\", y_field = \"<northing or latitude>\" (a VN-2000 table: x_field = "
           "\"Y\", y_field = \"X\", since Vietnamese documents call the northing X), and its "
           "crs")
    if found is None or (declared is not None and not declared.is_geographic):
        why = ("the plan declares a projected CRS, and metre columns are never guessed"
               if found is not None else
               "no longitude/latitude columns (lon, lng, longitude, kinh_do, x / lat, latitude, "
               "vi_do, y) were found")
        raise LayerReadError(f"{spec.path}: a table without x_field and y_field in the plan; "
                             f"{why} (columns: {', '.join(columns[:20])}). Fix: {fix}")
    raw = io.read_table(spec.path, x_field=found.x_field, y_field=found.y_field,
                        sheet=spec.sheet, encoding=spec.encoding, max_bytes=max_bytes)
    geoms = np.asarray(raw.geometry.values, dtype=object)
    xs = np.array([g.x if g is not None and not g.is_empty else np.nan for g in geoms])
    ys = np.array([g.y if g is not None and not g.is_empty else np.nan for g in geoms])
    if not degrees_in_vietnam(xs, ys):
        raise LayerReadError(
            f"{spec.path}: columns {found.x_field!r} and {found.y_field!r} look like longitude "
            "and latitude but do not hold WGS 84 degrees inside Vietnam (longitude 101.5-118, "
            "latitude 6-24; swapped, or metres?); geoplan does not guess. Fix: " + fix)
    note = Problem("info", "coordinate-columns",
                   f"no x_field/y_field in the plan: coordinates read from column "
                   f"{found.x_field!r} (longitude) and {found.y_field!r} (latitude) as WGS 84 "
                   "degrees (EPSG:4326)",
                   f"to use other columns, set x_field and y_field in [layers.{spec.name}]",
                   spec.name, str(spec.path))
    return raw, declared or pyproj.CRS.from_epsg(4326), [note]


def _each_layer(specs: list[LayerSpec]) -> Iterator[LayerSpec]:
    """``specs`` one by one inside the ``read`` stage of :mod:`geoplan.progress`: one step per
    layer, named while it is read."""
    with stage("read", total=len(specs)) as reading:
        for ls in specs:
            reading.advance(0, item=ls.name)
            yield ls
            reading.advance(item=ls.name)


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
    credits: dict[str, str | None] = {}
    boundary_frames: list[gpd.GeoDataFrame] = []
    ordered = sorted(spec.layers, key=lambda s: s.kind != "boundary")
    province_wgs84 = None
    for i, ls in enumerate(_each_layer(ordered)):
        if ls.kind == "boundary" or i == 0:
            pass
        elif province_wgs84 is None and boundary_frames:
            province_wgs84 = _province_polygon(boundary_frames, spec.province)
        if ls.is_raster:
            raster = _load_raster(ls, report)
            if raster is not None:
                rasters[ls.name] = replace(raster, attribution=ls.attribution or (
                    detect_credit(None, ls.path, within=spec.folder)))
            continue
        try:
            raw, read_crs, notes = _read_raw(ls, spec.max_layer_bytes)
            raw, joined = join_attributes(raw, ls)  # the layer's attribute table, by id
            report.extend(joined)
        except LayerReadError as exc:
            report.add(_problem(ls, "unreadable", str(exc),
                                "fix path/layer in the plan or the file itself"))
            continue
        except CRSError as exc:
            report.add(_problem(ls, "bad-crs", str(exc), "use an EPSG code such as EPSG:4326"))
            continue
        report.extend(notes)
        credits[ls.name] = ls.attribution or detect_credit(
            raw, None if ls.is_database else ls.path, layer=ls.layer, within=spec.folder)
        frame, problems = validate_layer(raw, ls, source_crs=read_crs,
                                         province_wgs84=province_wgs84,
                                         province_name=spec.province)
        report.extend(problems)
        if frame.crs is None:
            continue
        canonical[ls.name] = (ls, frame, pyproj.CRS.from_user_input(frame.crs))
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
        layers[ls.name] = Layer(ls.name, ls.kind, ls, gcrs.to_crs(frame, analysis), source_crs,
                                credits.get(ls.name))
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
