"""Plans built in code for the coverage tests (``tests/test_coverage*.py``).

:func:`make_plan` builds a loaded :class:`geoplan.plan.Plan` straight from GeoDataFrames with a
few columns each, filling the other canonical columns with missing values, so that a test can
state only what it is about. :func:`write_plan` writes the same frames to GeoPackages with a
``plan.toml`` for tests that go through ``load_plan`` and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from builders.common import corner_box
from geoplan.kinds import KINDS
from geoplan.plan import Layer, LayerSpec, Plan, PlanSpec, RasterLayer
from geoplan.problems import ValidationReport

CRS = "EPSG:9209"  # VN-2000 / TM-3 105°45' (Hà Nội, Bắc Ninh)
X0, Y0 = 560_000.0, 2_330_000.0  # somewhere in Bắc Ninh, metres


def square(x: float, y: float, side: float = 500.0) -> shapely.Polygon:
    """A square of ``side`` metres with its lower-left corner at (X0 + x, Y0 + y)."""
    return corner_box(X0 + x, Y0 + y, side, side)


def point(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def frame(rows: Sequence[Mapping[str, Any]], crs: str = CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs=crs)


def canonical(kind: str, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame with every canonical column of ``kind`` (missing ones empty), RangeIndex."""
    out = gdf.reset_index(drop=True).copy()
    spec = KINDS[kind]
    for name in spec.columns:
        if name not in out:
            out[name] = None
    if kind in ("substation", "grid_line"):
        levels = []
        for given, kv in zip(out["voltage_levels"], out["voltage_kv"], strict=True):
            levels.append(given if isinstance(given, str) else
                          (None if kv is None or pd.isna(kv) else str(int(kv))))
        out["voltage_levels"] = levels
        out["voltage_kv"] = pd.array(
            [None if v is None or pd.isna(v) else int(v) for v in out["voltage_kv"]],
            dtype="Int64")
    if "id" in out:
        out["id"] = out["id"].astype(str)
    for name in ("area_ha", "occupancy_pct", "demand_mw", "capacity_mva", "floor_area_m2"):
        if name in out:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
    return gpd.GeoDataFrame(out[[*spec.columns, "geometry"]], geometry="geometry", crs=gdf.crs)


def make_plan(
    layers: Mapping[str, tuple[str, gpd.GeoDataFrame]],
    *,
    crs: str = CRS,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    rasters: Mapping[str, tuple[Path, str, float | None]] | None = None,
    folder: Path | None = None,
) -> Plan:
    """A loaded plan from ``{layer name: (kind, frame)}``; rasters as ``{name: (path, crs,
    nodata)}``."""
    folder = folder or Path("/nonexistent")
    specs = []
    built: dict[str, Layer] = {}
    for name, (kind, gdf) in layers.items():
        ls = LayerSpec(name=name, kind=kind, path=folder / f"{name}.gpkg")
        specs.append(ls)
        built[name] = Layer(name, kind, ls, canonical(kind, gdf), pyproj.CRS(crs))
    raster_layers: dict[str, RasterLayer] = {}
    for name, (path, rcrs, nodata) in (rasters or {}).items():
        ls = LayerSpec(name=name, kind="population", path=Path(path))
        specs.append(ls)
        raster_layers[name] = RasterLayer(name, "population", ls, pyproj.CRS(rcrs), nodata)
    spec = PlanSpec(path=folder / "plan.toml", name="test plan", analysis_crs=crs,
                    layers=tuple(specs), settings=dict(settings or {}))
    return Plan(spec=spec, crs=pyproj.CRS(crs), layers=built, rasters=raster_layers,
                report=ValidationReport())


def write_plan(folder: Path, layers: Mapping[str, tuple[str, gpd.GeoDataFrame]], *,
               crs: str = CRS, coverage: str = "") -> Path:
    """Write each frame to ``<name>.gpkg`` and a ``plan.toml``; return the plan file."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[plan]", 'name = "test plan"', f'analysis_crs = "{crs}"', ""]
    for name, (kind, gdf) in layers.items():
        if "voltage_levels" in gdf:  # derived at load: several levels go in voltage_kv
            gdf = gdf.assign(voltage_kv=[lv if isinstance(lv, str) else kv for lv, kv in
                                         zip(gdf["voltage_levels"], gdf["voltage_kv"],
                                             strict=True)]).drop(columns="voltage_levels")
        gdf.to_file(folder / f"{name}.gpkg", driver="GPKG")
        lines += [f"[layers.{name}]", f'kind = "{kind}"', f'path = "{name}.gpkg"', ""]
    if coverage:
        lines += ["[coverage]", coverage, ""]
    plan_file = folder / "plan.toml"
    plan_file.write_text("\n".join(lines), encoding="utf-8")
    return plan_file


def small_province() -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    """A 40 × 30 km province: three 110 kV stations, one 220/110 kV station, clusters near and
    far, a park, trade facilities, a restricted zone and a 110 kV line."""
    boundary = frame([{"name": "Test province", "level": "province",
                       "geometry": shapely.box(X0 - 5_000, Y0 - 5_000, X0 + 35_000,
                                               Y0 + 25_000)}])
    subs = frame([
        {"id": "T1", "name": "Trạm 1", "voltage_kv": 110, "capacity_mva": 80.0,
         "status": "existing", "geometry": point(0, 0)},
        {"id": "T2", "name": "Trạm 2", "voltage_kv": 110, "capacity_mva": 40.0,
         "status": "existing", "geometry": point(8_000, 0)},
        {"id": "T3", "name": "Trạm 3", "voltage_kv": 110, "capacity_mva": 126.0,
         "status": "planned", "geometry": point(0, 12_000)},
        {"id": "E1", "name": "Trạm 220", "voltage_kv": 220, "voltage_levels": "220;110",
         "capacity_mva": 250.0, "status": "existing", "geometry": point(4_000, 18_000)},
    ])
    clusters = frame([
        {"id": "C1", "name": "CCN Một", "status": "existing", "area_ha": 50.0,
         "occupancy_pct": 80.0, "sector": "Dệt may", "geometry": square(1_000, 1_000, 700)},
        {"id": "C2", "name": "CCN Hai", "status": "planned", "area_ha": 60.0,
         "sector": "Cơ khí, chế tạo máy", "geometry": square(7_000, 1_500, 780)},
        {"id": "C3", "name": "CCN Xa", "status": "planned", "area_ha": 40.0,
         "geometry": square(28_000, 3_000, 630)},
        {"id": "C4", "name": "CCN Xa 2", "status": "planned", "area_ha": 30.0,
         "geometry": square(29_500, 4_000, 550)},
        {"id": "C5", "name": "CCN Bắc", "status": "expansion", "area_ha": 45.0,
         "occupancy_pct": 65.0, "geometry": square(1_000, 13_000, 670)},
    ])
    parks = frame([
        {"id": "K1", "name": "KCN Một", "status": "planned", "area_ha": 200.0,
         "geometry": square(9_000, 500, 1_400)},
    ])
    trade = frame([
        {"id": "L1", "name": "Logistics", "type": "logistics_center", "status": "planned",
         "geometry": point(3_000, 16_000)},
        {"id": "M1", "name": "TTTM", "type": "shopping_mall", "status": "existing",
         "floor_area_m2": 20_000.0, "geometry": point(2_000, 2_000)},
        {"id": "P1", "name": "Cây xăng", "type": "petrol_station", "status": "existing",
         "geometry": point(2_500, 2_500)},
    ])
    zones = frame([{"id": "Z1", "name": "Rừng", "type": "forest",
                    "geometry": shapely.box(X0 + 24_000, Y0 + 10_000, X0 + 34_000,
                                            Y0 + 24_000)}])
    lines = frame([{"id": "D1", "name": "110 kV T1-T2", "voltage_kv": 110, "status": "existing",
                    "geometry": shapely.LineString([(X0, Y0), (X0 + 8_000, Y0)])}])
    return {
        "boundary": ("boundary", boundary),
        "substations": ("substation", subs),
        "clusters": ("industrial_cluster", clusters),
        "parks": ("industrial_park", parks),
        "trade": ("trade_facility", trade),
        "zones": ("restricted_zone", zones),
        "lines": ("grid_line", lines),
    }


def write_population(path: Path, bounds: tuple[float, float, float, float], *, cell: float,
                     crs: str, seed: int = 1, big: int = 0) -> Path:
    """A GeoTIFF of random people-per-cell counts over ``bounds`` (``big`` extra cells of zeros
    on every side, to make whole-raster reads visible), nodata -1 on a few cells."""
    import rasterio
    from rasterio.transform import from_origin

    minx, miny, maxx, maxy = bounds
    width = int(np.ceil((maxx - minx) / cell)) + 2 * big
    height = int(np.ceil((maxy - miny) / cell)) + 2 * big
    rng = np.random.default_rng(seed)
    data = np.zeros((height, width), dtype="float32")
    inner = rng.gamma(2.0, 400.0, size=(height - 2 * big, width - 2 * big)).astype("float32")
    data[big:height - big, big:width - big] = inner
    data[big + 1, big + 1] = -1.0
    transform = from_origin(minx - big * cell, maxy + big * cell, cell, cell)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=-1.0) as dst:
        dst.write(data, 1)
    return path
