"""Interconnections: the lines that cross the province boundary, and where they lead."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.grid._common import column, ids, join_words, layer_names, voltage_levels

__all__ = ["interconnections"]


def interconnections(lines: gpd.GeoDataFrame, province: Any,
                     neighbours: gpd.GeoDataFrame | None = None, *,
                     name_field: str = "name") -> gpd.GeoDataFrame:
    """The lines that cross the province boundary, with the neighbouring province's name.

    Parameters
    ----------
    lines
        ``grid_line`` frame (metric CRS).
    province
        The province polygon in the same CRS.
    neighbours
        Polygons of the neighbouring provinces with a ``name_field`` column; a line whose part
        outside the province touches none of them is listed with "unknown neighbour".

    Returns
    -------
    GeoDataFrame
        ``layer, feature_id, name, voltage_kv, status, neighbour, outside_km`` with the
        crossing points as geometry.
    """
    columns = ["layer", "feature_id", "name", "voltage_kv", "status", "neighbour",
               "outside_km", "geometry"]
    if province is None or not len(lines):
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=lines.crs)
    geoms = np.asarray(lines.geometry.values, dtype=object)
    shapely.prepare(province)
    crossing = shapely.intersects(geoms, province) & ~shapely.covered_by(geoms, province)
    idx = np.flatnonzero(crossing)
    outside = shapely.difference(geoms[idx], province)
    points = shapely.intersection(geoms[idx], shapely.boundary(province))
    names: list[str] = ["unknown neighbour"] * len(idx)
    if neighbours is not None and len(neighbours) and len(idx):
        ngeoms = np.asarray(neighbours.geometry.values, dtype=object)
        nnames = neighbours[name_field].astype(object).to_numpy()
        tree = shapely.STRtree(ngeoms)
        i, j = tree.query(outside, predicate="intersects")
        share = shapely.length(shapely.intersection(outside[i], ngeoms[j]))
        found: dict[int, dict[str, float]] = defaultdict(dict)
        for a, b, s in zip(i, j, share, strict=True):
            if s > 0 or shapely.intersects(outside[a], ngeoms[b]):
                found[int(a)][str(nnames[b])] = found[int(a)].get(str(nnames[b]), 0.0) + s
        for a, by_name in found.items():
            names[a] = join_words([n for n, _ in sorted(by_name.items(), key=lambda t: -t[1])])
    levels = voltage_levels(lines)
    return gpd.GeoDataFrame({
        "layer": layer_names(lines, "grid_line")[idx],
        "feature_id": ids(lines)[idx],
        "name": column(lines, "name")[idx],
        "voltage_kv": pd.array([levels[i][0] if levels[i] else None for i in idx],
                               dtype="Int64"),
        "status": column(lines, "status", "existing")[idx],
        "neighbour": names,
        "outside_km": shapely.length(outside) / 1e3,
    }, geometry=gpd.GeoSeries(points, crs=lines.crs), crs=lines.crs)
