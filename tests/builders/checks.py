"""Frames for the check tests, built in code, in canonical columns (as load_plan returns them)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from builders.common import corner_box, side_of

CRS = "EPSG:9209"  # VN-2000 / TM-3 105-30, metres
X0, Y0 = 560_000.0, 2_340_000.0

INFRASTRUCTURE = ("roads_ready", "water_ready", "wastewater_ready", "solid_waste_ready",
                  "fire_ready")
CLUSTER_COLUMNS = ("id", "name", "status", "area_ha", "occupancy_pct", "mountainous",
                   "craft_village", *INFRASTRUCTURE, "detailed_plan", "site_cleared",
                   "formed_before_2009", "cluster_type", "target_share_pct", "dossier_filed",
                   "commune_group", "period", "commune", "position")
PARK_COLUMNS = ("id", "name", "status", "area_ha", "occupancy_pct", "phased", "rice_land_ha",
                "position")
TRADE_COLUMNS = ("id", "name", "type", "class", "status", "business_points", "floor_area_m2",
                 "ground_area_m2", "items", "position")
LINE_COLUMNS = ("id", "name", "voltage_kv", "status", "circuits", "location",
                "conductor_offset_m", "position")
BOOLS = ("mountainous", "craft_village", *INFRASTRUCTURE, "detailed_plan", "site_cleared",
         "formed_before_2009", "phased")


def rect(x: float, y: float, w: float, h: float) -> Any:
    """Rectangle with lower-left corner (X0 + x, Y0 + y), width w and height h (metres)."""
    return corner_box(X0 + x, Y0 + y, w, h)


def ha_square(x: float, y: float, ha: float) -> Any:
    """A square of ``ha`` hectares with its lower-left corner at (X0 + x, Y0 + y)."""
    return rect(x, y, side_of(ha), side_of(ha))


def line(*xy: tuple[float, float]) -> Any:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def point(x: float, y: float) -> Any:
    return shapely.Point(X0 + x, Y0 + y)


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...], *, layer: str | None = None,
          crs: str = CRS) -> gpd.GeoDataFrame:
    """A canonical frame: every column present (missing values NA), dtypes as the loader's."""
    data: dict[str, list[Any]] = {c: [r.get(c) for r in rows] for c in columns}
    df = pd.DataFrame(data)
    for col in BOOLS:
        if col in df:
            df[col] = df[col].astype("boolean")
    for col in ("voltage_kv", "class", "business_points", "items", "circuits"):
        if col in df:
            df[col] = pd.array(df[col], dtype="Int64")
    for col in ("area_ha", "occupancy_pct", "floor_area_m2", "conductor_offset_m",
                "ground_area_m2", "rice_land_ha", "target_share_pct"):
        if col in df:
            df[col] = pd.to_numeric(df[col]).astype("float64")
    for col in ("id", "name", "status", "type", "period", "commune", "location", "position",
                "cluster_type", "dossier_filed", "commune_group"):
        if col in df:
            df[col] = df[col].astype("string")
    gdf = gpd.GeoDataFrame(df, geometry=[r["geometry"] for r in rows], crs=crs)
    if layer is not None:
        gdf.insert(0, "layer", layer)
    return gdf


def clusters(*rows: dict[str, Any], layer: str | None = None) -> gpd.GeoDataFrame:
    return frame(list(rows), CLUSTER_COLUMNS, layer=layer)


def parks(*rows: dict[str, Any], layer: str | None = None) -> gpd.GeoDataFrame:
    return frame(list(rows), PARK_COLUMNS, layer=layer)


def trade(*rows: dict[str, Any], layer: str | None = None) -> gpd.GeoDataFrame:
    return frame(list(rows), TRADE_COLUMNS, layer=layer)


def lines(*rows: dict[str, Any], layer: str | None = None) -> gpd.GeoDataFrame:
    return frame(list(rows), LINE_COLUMNS, layer=layer)


def zones(*rows: dict[str, Any], layer: str | None = None) -> gpd.GeoDataFrame:
    return frame(list(rows), ("id", "name", "type"), layer=layer)


def all_ready(**extra: Any) -> dict[str, Any]:
    """Every infrastructure field of a cluster true (plus ``extra``)."""
    return {**dict.fromkeys(INFRASTRUCTURE, True), **extra}


def by_pair(findings: gpd.GeoDataFrame) -> dict[tuple[str, str], Any]:
    return {(r.feature_id, r.other_id): r for r in findings.itertuples()}
