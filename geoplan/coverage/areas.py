"""Service areas per voltage level, the gaps between them, and the population of each."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from geoplan import crs as gcrs
from geoplan.coverage.settings import CoverageSettings
from geoplan.errors import MissingDependencyError
from geoplan.messages import Text
from geoplan.problems import log_text

if TYPE_CHECKING:  # pragma: no cover
    import pyproj

    from geoplan.plan import Plan, RasterLayer

log = logging.getLogger(__name__)

__all__ = ["UNIT_WORDS", "PopulationUnit", "population_sums", "population_unit",
           "unit_from_file"]


# ============================================================================ service areas


def _service_areas(subs: gpd.GeoDataFrame, settings: CoverageSettings, region: Any,
                   crs: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rows = []
    for level in settings.levels:
        mask = np.array([level in lv for lv in subs["_levels"]], dtype=bool)
        g = np.asarray(subs.geometry.array, dtype=object)[mask]
        if len(g):
            area = shapely.union_all(shapely.buffer(g, settings.radius_m(level), quad_segs=16))
            if region is not None:
                area = shapely.intersection(area, region)
        else:
            area = shapely.Polygon()
        rows.append({"voltage_kv": level, "radius_km": settings.radius_km[level],
                     "n_substations": int(mask.sum()), "area_ha": float(area.area) / 10_000.0,
                     "geometry": area})
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else \
        gpd.GeoDataFrame({"voltage_kv": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    gap_rows: list[dict[str, Any]] = []
    if region is not None:
        served = areas.loc[areas["voltage_kv"] == settings.supply_level_kv, "geometry"]
        rest = shapely.difference(region, served.iloc[0]) if len(served) else region
        parts = shapely.get_parts(rest)
        parts = parts[shapely.area(parts) > 1.0]
        # deterministic order: largest first, then west to east
        cx = shapely.get_x(shapely.centroid(parts)) if len(parts) else np.zeros(0)
        for k, i in enumerate(np.lexsort((cx, -shapely.area(parts)))):
            gap_rows.append({"gap_id": f"GAP-{k + 1}", "area_ha": float(parts[i].area) / 1e4,
                             "geometry": parts[i]})
    gaps = gpd.GeoDataFrame(gap_rows, geometry="geometry", crs=crs) if gap_rows else \
        gpd.GeoDataFrame({"gap_id": [], "area_ha": []}, geometry=gpd.GeoSeries([], crs=crs),
                         crs=crs)
    return areas, gaps


# ============================================================================ population

#: What each population unit means, for messages (Vietnamese / English).
UNIT_WORDS: dict[str, str] = {"count": "người/ô / people per cell",
                              "per_km2": "người/km² / people per km²"}

_DENSITY_WORDS = re.compile(r"(km\s*(2|²|\^2|sq)|sq\.?\s*km|square\s*kilomet|per\s+km|/\s*km|"
                            r"density|mật độ|mat do)", re.IGNORECASE)
_COUNT_WORDS = re.compile(r"(per\s+(pixel|cell|grid\s*cell)|people\s+per\s+(pixel|cell)|"
                          r"persons?\s*/\s*(pixel|cell)|\bppp\b|\bcount\b|người\s*/\s*ô)",
                          re.IGNORECASE)


@dataclass(frozen=True)
class PopulationUnit:
    """The unit the population raster's cells are read in, and how it was decided.

    ``unit`` is ``"count"`` (people per cell) or ``"per_km2"`` (people per km², multiplied by
    each cell's area); ``basis`` says where it comes from; ``assumed`` is true when neither the
    plan nor the file says it and a plausibility test decided (a warning is logged).
    """

    unit: str
    basis: str
    assumed: bool = False


def _unit_in_text(text: str) -> str | None:
    if _DENSITY_WORDS.search(text):
        return "per_km2"
    if _COUNT_WORDS.search(text):
        return "count"
    return None


def unit_from_file(path: Path | str, band: int = 1) -> tuple[str, str] | None:
    """The unit a raster states for itself, with where it says so; ``None`` when it does not.

    In this order: the band's GDAL unit type (``rasterio``'s ``units``), the band's and the
    dataset's metadata (``units``, ``unit``, ``SOURCE``, ``DESCRIPTION`` ... mentioning km²,
    density, people per pixel/cell), the band description, then WorldPop's file naming:
    ``_pd_`` population density (people per km²), ``_ppp_`` people per pixel.
    """
    import rasterio

    p = Path(path)
    with rasterio.open(p) as src:
        unit_type = (src.units[band - 1] or "") if band <= src.count else ""
        band_tags = src.tags(band) if band <= src.count else {}
        tags = src.tags()
        description = (src.descriptions[band - 1] or "") if band <= src.count else ""
    if unit_type.strip():
        found = _unit_in_text(unit_type)
        if found:
            return found, f"đơn vị của band (GDAL unit type) {unit_type!r} / the band's GDAL " \
                          f"unit type {unit_type!r}"
    for where, table in (("band", band_tags), ("dataset", tags)):
        for key, value in sorted(table.items()):
            if key.upper().startswith("STATISTICS_") or key.upper() == "AREA_OR_POINT":
                continue
            found = _unit_in_text(f"{value}")
            if found:
                return found, f"siêu dữ liệu {key}={value!r} / {where} metadata " \
                              f"{key}={value!r}"
    if description.strip():
        found = _unit_in_text(description)
        if found:
            return found, f"mô tả band {description!r} / band description {description!r}"
    tokens = re.split(r"[_\-.\s]+", p.stem.lower())
    if "pd" in tokens:
        return "per_km2", f"tên tệp WorldPop {p.name} (_pd_: mật độ dân số, người/km²) / " \
                          f"WorldPop file name {p.name} (_pd_: population density, people per " \
                          "km²)"
    if "ppp" in tokens:
        return "count", f"tên tệp WorldPop {p.name} (_ppp_: người/ô) / WorldPop file name " \
                        f"{p.name} (_ppp_: people per pixel)"
    return None


def _plausible_unit(values: np.ndarray, areas_km2: np.ndarray, inside: np.ndarray
                    ) -> PopulationUnit:
    """Decide the unit from the numbers: which reading keeps the province's mean density and
    the densest cell within the limits of ``geoplan/data/units.toml``."""
    from geoplan.parameters import read_parameters

    limits = read_parameters("units")
    lo, hi = (float(v) for v in limits["population_mean_per_km2"].value)
    cell_max = float(limits["population_cell_max_per_km2"].value)
    v, a = values[inside], areas_km2[inside]
    ok = (a > 0) & np.isfinite(v)
    v, a = v[ok], a[ok]
    mean_cell = float(a.mean()) if len(a) else float("nan")
    readings = {}
    for unit in ("count", "per_km2"):
        if not len(v):
            readings[unit] = False
            continue
        density = v / a if unit == "count" else v
        mean = float((v.sum() / a.sum()) if unit == "count" else (v * a).sum() / a.sum())
        readings[unit] = lo <= mean <= hi and float(density.max()) <= cell_max
    plausible = [u for u, good in readings.items() if good]
    cell = f"{mean_cell:.3g} km²" if np.isfinite(mean_cell) else "unknown"
    if len(plausible) == 1:
        unit = plausible[0]
        return PopulationUnit(unit, f"giả định theo độ hợp lý (ô {cell}): chỉ cách đọc "
                                    f"{UNIT_WORDS[unit].split(' / ')[0]} cho mật độ hợp lý / "
                                    f"assumed by plausibility (cells of {cell}): only "
                                    f"{UNIT_WORDS[unit].split(' / ')[1]} gives a plausible "
                                    "density", assumed=True)
    why = ("cả hai cách đọc đều hợp lý với ô cỡ này / both readings are plausible at this "
           "cell size" if plausible else
           "không cách đọc nào hợp lý / neither reading is plausible")
    return PopulationUnit("count", f"giả định người/ô (ô {cell}; {why}) / assumed people per "
                                   f"cell (cells of {cell}; {why.split(' / ')[1]})",
                          assumed=True)


def _window(raster: RasterLayer, zones: Sequence[Any], zone_crs: pyproj.CRS
            ) -> tuple[np.ndarray, Any, list[Any], np.ndarray] | None:
    """The raster window covering the zones: values (nodata as 0), its transform, the zones
    in the raster's CRS and each cell's area (km², in ``zone_crs``); ``None`` off the raster."""
    import rasterio
    from rasterio.windows import Window, from_bounds

    zone_frame = gpd.GeoDataFrame(geometry=list(zones), crs=zone_crs)
    in_raster = gcrs.to_crs(zone_frame, raster.crs, name=raster.name)
    envelope = shapely.box(*zone_frame.total_bounds)
    env = gcrs.to_crs(gpd.GeoDataFrame(geometry=[shapely.segmentize(
        envelope, max(envelope.length / 400.0, 1e-9))], crs=zone_crs), raster.crs,
        name=raster.name)
    minx, miny, maxx, maxy = env.total_bounds
    with rasterio.open(raster.path) as src:
        win = from_bounds(minx, miny, maxx, maxy, transform=src.transform)
        col0, row0 = math.floor(win.col_off), math.floor(win.row_off)
        col1 = math.ceil(win.col_off + win.width)
        row1 = math.ceil(win.row_off + win.height)
        col0, row0 = max(col0, 0), max(row0, 0)
        col1, row1 = min(col1, src.width), min(row1, src.height)
        if col1 <= col0 or row1 <= row0:
            log.warning("%s", log_text("log.population_off_province", path=str(raster.path)))
            return None
        window = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(raster.band, window=window, masked=True)
        transform = src.window_transform(window)
    values = np.ma.filled(data.astype("float64"), 0.0)
    values[~np.isfinite(values)] = 0.0
    log.debug("population: read a %d × %d window of %s", window.height, window.width,
              raster.path)
    areas = _cell_areas_km2(transform, values.shape, raster.crs, zone_crs)
    return values, transform, list(in_raster.geometry), areas


def population_sums(
    raster: RasterLayer,
    zones: Sequence[Any],
    zone_crs: pyproj.CRS,
    *,
    unit: str = "count",
) -> np.ndarray:
    """Population inside each zone (shapely geometries in ``zone_crs``), from a raster.

    Only the window covering the zones' bounds (transformed to the raster's CRS through
    :mod:`geoplan.crs`) is read; a cell counts when its centre lies inside the zone (the rule of
    ``rasterio.features.geometry_mask`` and of rasterstats). Nodata cells count as 0. With
    ``unit="per_km2"`` each cell's density is multiplied by its area measured in ``zone_crs``.
    ``unit="auto"`` takes the unit the file states (:func:`unit_from_file`), else decides by
    plausibility with a warning (:func:`population_unit`).
    """
    return _population_sums(raster, zones, zone_crs, unit=unit)[0]


def _population_sums(raster: RasterLayer, zones: Sequence[Any], zone_crs: pyproj.CRS, *,
                     unit: str) -> tuple[np.ndarray, PopulationUnit]:
    try:
        from rasterio.features import geometry_mask
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise MissingDependencyError("population needs rasterio: pip install rasterio") from exc
    zones = list(zones)
    sums = np.zeros(len(zones))
    live = [i for i, z in enumerate(zones) if z is not None and not shapely.is_empty(z)]
    chosen = _declared_unit(raster, unit)
    if not live:
        return sums, chosen or PopulationUnit("count", "không có vùng / no zone", True)
    found = _window(raster, [zones[i] for i in live], zone_crs)
    if found is None:
        return sums, chosen or PopulationUnit("count", "ngoài raster / off the raster", True)
    values, transform, in_raster, areas = found
    masks = [geometry_mask([geom], out_shape=values.shape, transform=transform, invert=True)
             for geom in in_raster]
    if chosen is None:
        chosen = _plausible_unit(values, areas, masks[0])
        log.warning("%s", log_text("log.population_unit_unknown", path=str(raster.path),
                                   basis=_both(chosen.basis)))
    if chosen.unit == "per_km2":
        values = values * areas
    for k, inside in zip(live, masks, strict=True):
        sums[k] = float(values[inside].sum())
    return sums, chosen


def _both(text: str) -> Text:
    """A ``"Vietnamese / English"`` text of this module as a :class:`Text`."""
    vi, sep, en = text.partition(" / ")
    return Text(vi, en) if sep else Text.same(text)


def _declared_unit(raster: RasterLayer, unit: str) -> PopulationUnit | None:
    """The unit from the plan (``unit`` other than ``"auto"``) or the file; ``None`` when
    neither says it. A plan unit the file contradicts is used, with a warning."""
    stated = unit_from_file(raster.path, raster.band)
    if unit != "auto":
        basis = f"kế hoạch: [coverage] population_unit = {unit!r} / the plan's [coverage] " \
                f"population_unit = {unit!r}"
        if stated is not None and stated[0] != unit:
            log.warning("%s", log_text("log.population_unit_contradicted",
                                       path=str(raster.path), unit=repr(unit),
                                       stated=_both(UNIT_WORDS[stated[0]]),
                                       basis=_both(stated[1])))
            basis += f"; tệp ghi {stated[0]} / the file says {stated[0]}"
        return PopulationUnit(unit, basis)
    if stated is not None:
        return PopulationUnit(stated[0], stated[1])
    return None


def population_unit(raster: RasterLayer, region: Any, zone_crs: pyproj.CRS, *,
                    unit: str = "auto") -> PopulationUnit:
    """The unit the cells of ``raster`` are read in over ``region`` (see
    :class:`PopulationUnit`): the plan's ``unit`` when not ``"auto"``, else the file's
    statement (:func:`unit_from_file`), else the reading whose mean density over the region
    and densest cell are plausible (``geoplan/data/units.toml``); when both or neither are,
    people per cell, marked ``assumed``."""
    return _population_sums(raster, [region], zone_crs, unit=unit)[1]


def _cell_areas_km2(transform: Any, shape: tuple[int, int], raster_crs: Any,
                    metric_crs: Any) -> np.ndarray:
    """Area of each cell in km², measured in ``metric_crs`` (corners transformed, shoelace)."""
    rows, cols = shape
    cc, rr = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1))
    xs = transform.c + cc * transform.a + rr * transform.b
    ys = transform.f + cc * transform.d + rr * transform.e
    x, y = gcrs.transform_points(xs, ys, raster_crs, metric_crs)
    # corners of each cell in ring order: (r,c) (r,c+1) (r+1,c+1) (r+1,c)
    x0, y0 = x[:-1, :-1], y[:-1, :-1]
    x1, y1 = x[:-1, 1:], y[:-1, 1:]
    x2, y2 = x[1:, 1:], y[1:, 1:]
    x3, y3 = x[1:, :-1], y[1:, :-1]
    area = 0.5 * np.abs((x0 * y1 - x1 * y0) + (x1 * y2 - x2 * y1) + (x2 * y3 - x3 * y2)
                        + (x3 * y0 - x0 * y3))
    return area / 1e6


def _population(plan: Plan, settings: CoverageSettings, region: Any,
                service_areas: gpd.GeoDataFrame, gaps: gpd.GeoDataFrame) -> dict[str, Any]:
    rasters = [r for r in plan.rasters.values() if r.kind == "population"]
    service_areas["population"] = np.nan
    service_areas["population_share"] = np.nan
    gaps["population"] = np.nan
    if not rasters or region is None:
        return {"raster": None}
    raster = rasters[0]
    if len(rasters) > 1:
        log.warning("%s", log_text("log.population_several", name=raster.name))
    zones = [region, *service_areas.geometry, *gaps.geometry]
    sums, unit = _population_sums(raster, zones, plan.crs, unit=settings.population_unit)
    total = float(sums[0])
    out: dict[str, Any] = {"raster": raster.name, "total": total}
    if not total > 0:
        # every cell inside the province nodata or zero: "0 people" would be read as a count
        empty = log_text("log.population_empty", name=str(raster.name),
                         file=raster.path.name)
        out["warning"] = empty.text.en  # the summary keeps its English text
        log.warning("%s", empty)
    n_areas = len(service_areas)
    service_areas["population"] = sums[1:1 + n_areas]
    service_areas["population_share"] = (sums[1:1 + n_areas] / total) if total > 0 else np.nan
    gaps["population"] = sums[1 + n_areas:]
    out["unit"] = unit
    return out
