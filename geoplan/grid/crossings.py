"""Interconnections: the lines that cross the province boundary, and where they lead."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.grid._common import (
    column,
    ids,
    join_words,
    layer_names,
    stable_order,
    voltage_levels,
)

__all__ = ["interconnections"]


def interconnections(lines: gpd.GeoDataFrame, province: Any,
                     neighbours: gpd.GeoDataFrame | None = None, *,
                     name_field: str = "name", snap_m: float = 0.0,
                     ends: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The lines that cross the province boundary, with the neighbouring province's name.

    A line crosses when more than ``snap_m`` of it lies outside the province, or when one of
    its ends lies on the boundary (within ``snap_m``): a line cut at the boundary, as
    :func:`geopandas.clip` leaves it, whose outside part is missing from the data
    (``cut_at_boundary``; its ``outside_km`` is then unknown, NaN).

    Parameters
    ----------
    lines
        ``grid_line`` frame (metric CRS).
    province
        The province polygon in the same CRS.
    neighbours
        Polygons of the neighbouring provinces with a ``name_field`` column; a line whose part
        outside the province touches none of them (for a cut line: whose boundary end lies
        within ``snap_m`` of none) is listed with "unknown neighbour".
    snap_m
        The boundary snapping tolerance (m), ``[grid] boundary_snap_m``.
    ends
        The grid's line ends (:attr:`geoplan.grid.Grid.ends`); when given, only the ends it
        marks ``on_boundary`` (free ends, connected to nothing else) make a line cut at the
        boundary. Without it every line end within ``snap_m`` of the boundary does.

    Returns
    -------
    GeoDataFrame
        ``layer, feature_id, name, voltage_kv, status, neighbour, outside_km,
        cut_at_boundary`` with the crossing points (or the boundary ends) as geometry, in
        the order of the lines (layer, id).
    """
    columns = ["layer", "feature_id", "name", "voltage_kv", "status", "neighbour",
               "outside_km", "cut_at_boundary", "geometry"]
    if province is None or not len(lines):
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=lines.crs)
    lines = stable_order(lines, "grid_line")
    geoms = np.asarray(lines.geometry.values, dtype=object)
    shapely.prepare(province)
    edge = shapely.boundary(province)
    layer, fid = layer_names(lines, "grid_line"), ids(lines)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    outside_all = np.zeros(len(geoms))
    touching = present & shapely.intersects(geoms, province)
    outside_all[touching] = shapely.length(shapely.difference(geoms[touching], province))
    crossing = touching & (outside_all > snap_m)
    # lines with a free end on the boundary: cut there
    if ends is not None:
        cut_ends = ends[ends["on_boundary"].to_numpy(dtype=bool)] if "on_boundary" in ends \
            else ends.iloc[:0]
        keys = set(zip(cut_ends["layer"].astype(str), cut_ends["feature_id"].astype(str),
                       strict=True))
        cut = np.array([(str(a), str(b)) in keys for a, b in zip(layer, fid, strict=True)],
                       dtype=bool)
        end_points: dict[tuple[str, str], list[Any]] = {k: [] for k in keys}
        for k, g in zip(zip(cut_ends["layer"].astype(str), cut_ends["feature_id"].astype(str),
                            strict=True), cut_ends.geometry.values, strict=True):
            end_points[k].append(g)
        cut_points = [shapely.multipoints(end_points[(str(a), str(b))]) if c else None
                      for a, b, c in zip(layer, fid, cut, strict=True)]
    else:
        parts, owner = shapely.get_parts(geoms[present], return_index=True)
        owner = np.flatnonzero(present)[owner]
        tips = np.r_[shapely.get_point(parts, 0), shapely.get_point(parts, -1)]
        tip_owner = np.r_[owner, owner]
        near = shapely.distance(tips, edge) <= snap_m
        cut = np.zeros(len(geoms), dtype=bool)
        cut[tip_owner[near]] = True
        cut_points = [shapely.multipoints(tips[near & (tip_owner == i)]) if cut[i] else None
                      for i in range(len(geoms))]
    cut &= ~crossing & present
    idx = np.flatnonzero(crossing | cut)
    outside = shapely.difference(geoms[idx], province)
    points = np.array([shapely.intersection(geoms[i], edge) if crossing[i] else cut_points[i]
                       for i in idx], dtype=object)
    names: list[str] = ["unknown neighbour"] * len(idx)
    if neighbours is not None and len(neighbours) and len(idx):
        ngeoms = np.asarray(neighbours.geometry.values, dtype=object)
        nnames = neighbours[name_field].astype(object).to_numpy()
        tree = shapely.STRtree(ngeoms)
        found: dict[int, dict[str, float]] = defaultdict(dict)
        # a crossing line: the neighbours its outside part runs through, longest first
        cross_at = np.flatnonzero(crossing[idx])
        if len(cross_at):
            i, j = tree.query(outside[cross_at], predicate="intersects")
            share = shapely.length(shapely.intersection(outside[cross_at][i], ngeoms[j]))
            for a, b, s_ in zip(cross_at[i], j, share, strict=True):
                found[int(a)][str(nnames[b])] = found[int(a)].get(str(nnames[b]), 0.0) + s_
        # a cut line: the neighbours its boundary end touches, nearest first
        cut_at = np.flatnonzero(cut[idx])
        if len(cut_at):
            i, j = tree.query(points[cut_at], predicate="dwithin", distance=max(snap_m, 1e-6))
            gap = shapely.distance(points[cut_at][i], ngeoms[j])
            for a, b, g in zip(cut_at[i], j, gap, strict=True):
                prev = found[int(a)].get(str(nnames[b]))
                found[int(a)][str(nnames[b])] = max(prev, -g) if prev is not None else -g
        for a, by_name in found.items():
            names[a] = join_words([n for n, _ in sorted(by_name.items(),
                                                        key=lambda t: (-t[1], t[0]))])
    levels = voltage_levels(lines)
    return gpd.GeoDataFrame({
        "layer": layer[idx],
        "feature_id": fid[idx],
        "name": column(lines, "name")[idx],
        "voltage_kv": pd.array([levels[i][0] if levels[i] else None for i in idx],
                               dtype="Int64"),
        "status": column(lines, "status", "existing")[idx],
        "neighbour": names,
        "outside_km": np.where(cut[idx], np.nan, shapely.length(outside) / 1e3),
        "cut_at_boundary": cut[idx],
    }, geometry=gpd.GeoSeries(points, crs=lines.crs), crs=lines.crs)
