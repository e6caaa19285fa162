"""Indicative positions: features a plan places only approximately.

Circular 04/2023/TT-BKHĐT lets planning maps show a feature's position as *indicative*
("vị trí mang tính định hướng"). A feature says so with ``position = "indicative"``; the checks
then report overlaps and corridors on it as warnings that it needs an exact position, and the
maps draw a symbol with a dashed halo on it, one per feature, above the plan's own layers.
Nothing here draws: :mod:`geoplan.render` and :mod:`geoplan.staticmap` do, with these styles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geoplan.kinds import KINDS

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from geoplan.maps.styles import LegendSection, StyleTable
    from geoplan.plan import Plan

__all__ = [
    "INDICATIVE_KIND",
    "INDICATIVE_LABELS",
    "indicative_features",
    "indicative_legend",
    "indicative_style",
]

#: The map-layer kind of the indicative-position symbols.
INDICATIVE_KIND = "indicative"
INDICATIVE_LABELS = ("Vị trí mang tính định hướng", "Indicative positions")
_HALO_COLOR = "#6a3d9a"
_HALO_DASH = (4.0, 3.0)


def indicative_features(plan: Plan) -> gpd.GeoDataFrame | None:
    """One point per feature of the plan whose position is indicative (its geometry's point on
    surface, in the plan's CRS) with ``kind``, ``layer``, ``id``, ``name``; ``None`` when there
    is none."""
    import geopandas as gpd
    import pandas as pd

    parts = []
    for kind, spec in KINDS.items():
        if "position" not in spec.field_names:
            continue
        for layer in plan.of_kind(kind):
            frame = layer.frame
            if "position" not in frame.columns:
                continue
            sel = (frame["position"] == "indicative").fillna(False).to_numpy(dtype=bool).copy()
            geoms = np.asarray(frame.geometry.array, dtype=object)
            sel &= ~shapely.is_empty(geoms) & ~pd.isna(geoms)
            if not sel.any():
                continue
            sub = frame[sel]
            parts.append(pd.DataFrame({
                "kind": kind, "layer": layer.name,
                "id": sub["id"].astype(object) if "id" in sub else None,
                "name": sub["name"].astype(object) if "name" in sub else None,
                "geometry": shapely.point_on_surface(geoms[sel]),
            }))
    if not parts:
        return None
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                            crs=plan.crs)


def indicative_style(table: StyleTable | None = None) -> dict[str, Any]:
    """Leaflet options of the symbol: a hollow circle with a dashed halo."""
    return {"shape": "circle", "radius": 12, "color": _HALO_COLOR, "weight": 2.5, "opacity": 1,
            "fill": True, "fillColor": "#ffffff", "fillOpacity": 0.15,
            "dashArray": " ".join(f"{v:g}" for v in _HALO_DASH)}


def indicative_legend(table: StyleTable) -> LegendSection:
    """The legend section of the indicative-position symbols."""
    from geoplan.maps.styles import LegendEntry, LegendSection

    return LegendSection(*INDICATIVE_LABELS, (LegendEntry(
        "Vị trí chỉ mang tính định hướng: cần xác định vị trí chính xác",
        "Indicative position: needs an exact position", "symbol", _HALO_COLOR,
        fill="#ffffff", shape="circle", dash=_HALO_DASH),))
