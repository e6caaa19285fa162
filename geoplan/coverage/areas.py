"""Service areas per voltage level, the gaps between them, and the population of each."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from geoplan import crs as gcrs
from geoplan.coverage.settings import CoverageSettings
from geoplan.errors import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    import pyproj

    from geoplan.plan import Plan, RasterLayer

log = logging.getLogger(__name__)

__all__ = ["population_sums"]


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
    """
    try:
        import rasterio
        from rasterio.features import geometry_mask
        from rasterio.windows import Window, from_bounds
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise MissingDependencyError("population needs rasterio: pip install rasterio") from exc
    zones = list(zones)
    sums = np.zeros(len(zones))
    live = [i for i, z in enumerate(zones) if z is not None and not shapely.is_empty(z)]
    if not live:
        return sums
    zone_frame = gpd.GeoDataFrame(geometry=[zones[i] for i in live], crs=zone_crs)
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
            log.warning("population raster %s does not overlap the province", raster.path)
            return sums
        window = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(raster.band, window=window, masked=True)
        transform = src.window_transform(window)
    values = np.ma.filled(data.astype("float64"), 0.0)
    values[~np.isfinite(values)] = 0.0
    if unit == "per_km2":
        values = values * _cell_areas_km2(transform, values.shape, raster.crs, zone_crs)
    for k, geom in zip(live, in_raster.geometry, strict=False):
        inside = geometry_mask([geom], out_shape=values.shape, transform=transform, invert=True)
        sums[k] = float(values[inside].sum())
    log.debug("population: read a %d × %d window of %s", window.height, window.width,
              raster.path)
    return sums


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
        log.warning("several population rasters; using %s", raster.name)
    zones = [region, *service_areas.geometry, *gaps.geometry]
    sums = population_sums(raster, zones, plan.crs, unit=settings.population_unit)
    total = float(sums[0])
    out: dict[str, Any] = {"raster": raster.name, "total": total}
    if not total > 0:
        # every cell inside the province nodata or zero: "0 people" would be read as a count
        out["warning"] = (f"population raster {raster.name} ({raster.path.name}): every cell "
                          "inside the province is nodata or 0, so the population figures are "
                          "not counts; check the raster's nodata value, band and extent")
        log.warning("%s", out["warning"])
    n_areas = len(service_areas)
    service_areas["population"] = sums[1:1 + n_areas]
    service_areas["population_share"] = (sums[1:1 + n_areas] / total) if total > 0 else np.nan
    gaps["population"] = sums[1 + n_areas:]
    return out
