"""The grid graph: line parts and stations, snapping, splitting, nodes and edges.

:func:`build_grid` turns the ``grid_line``, ``substation`` and ``power_plant`` frames of a plan
(all in the plan's metric analysis CRS) into a :class:`Grid`; see :mod:`geoplan.grid` for the
rules it follows.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.grid._common import (
    KV_UNKNOWN,
    check_crs,
    column,
    ids,
    layer_names,
    none_for_na,
    sort_codes,
    stable_order,
    voltage_levels,
)
from geoplan.grid.settings import GridSettings

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

log = logging.getLogger(__name__)

__all__ = ["Grid", "build_grid", "snap_lines", "split_lines"]

# --------------------------------------------------------------------------- input frames


def _explode_lines(lines: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """One row per single line part and voltage level, as columns (plain arrays: the build
    reads them many times, the frame of :attr:`Grid.lines` is made once at the end)."""
    geoms = np.asarray(lines.geometry.values, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 1  # LineString
    keep &= ~shapely.is_empty(parts)
    keep &= shapely.get_num_points(parts) >= 2
    parts, owner = parts[keep], owner[keep]
    part_no = np.zeros(len(owner), dtype=np.int64)
    if len(owner):
        starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
        counts = np.diff(np.r_[starts, len(owner)])
        part_no = np.arange(len(owner)) - np.repeat(starts, counts)
    table = _level_matrix(voltage_levels(lines))
    count = (table >= 0).sum(axis=1)[owner] if len(owner) else np.zeros(0, dtype=np.int64)
    rep = np.maximum(count, 1)
    idx = np.repeat(np.arange(len(owner)), rep)
    level_no = np.arange(len(idx)) - np.repeat(np.cumsum(rep) - rep, rep)
    kv = table[owner[idx], level_no].astype("float64") if len(idx) else np.zeros(0)
    kv[kv < 0] = np.nan
    feat = owner[idx]
    circuits = pd.to_numeric(pd.Series(column(lines, "circuits")), errors="coerce")
    circ = circuits.to_numpy(dtype="float64")
    return {
        "feat": feat,
        "part": part_no[idx],
        "layer": layer_names(lines, "grid_line")[feat],
        "feature_id": ids(lines)[feat],
        "name": column(lines, "name")[feat],
        "kv": kv,
        "status": column(lines, "status", "existing")[feat],
        "period": column(lines, "period")[feat],
        "circuits": circ[feat] if len(circ) else np.array([], dtype="float64"),
        "geometry": parts[idx],
    }


@dataclass
class _Stations:
    """Substations then plants, as parallel arrays."""

    kind: np.ndarray       # "substation" | "plant"
    layer: np.ndarray
    feature_id: np.ndarray
    name: np.ndarray
    status: np.ndarray
    period: np.ndarray
    geometry: np.ndarray
    anchor: np.ndarray     # a point on the station (the point itself, or inside the polygon)
    levels: list[tuple[int, ...]]
    declared: np.ndarray   # levels come from the data (not inferred)
    capacity: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)


def _stations(substations: gpd.GeoDataFrame | None,
              plants: gpd.GeoDataFrame | None) -> _Stations:
    frames = []
    for kind, frame, default in (("substation", substations, "substation"),
                                 ("plant", plants, "power_plant")):
        if frame is None or not len(frame):
            continue
        geom = np.asarray(frame.geometry.values, dtype=object)
        ok = np.array([g is not None for g in geom]) & ~shapely.is_empty(geom)
        sub = frame[ok]
        geom = geom[ok]
        levels = voltage_levels(sub) if kind == "substation" else [() for _ in range(len(sub))]
        cap = pd.to_numeric(pd.Series(column(sub, "capacity_mva" if kind == "substation"
                                              else "capacity_mw")), errors="coerce")
        frames.append(dict(
            kind=np.full(len(sub), kind, dtype=object),
            layer=layer_names(sub, default), feature_id=ids(sub), name=column(sub, "name"),
            status=column(sub, "status", "existing"), period=column(sub, "period"),
            geometry=geom, levels=levels,
            declared=np.array([bool(lv) for lv in levels], dtype=bool),
            capacity=cap.to_numpy(dtype="float64"),
        ))
    if not frames:
        empty = np.array([], dtype=object)
        return _Stations(empty, empty, empty, empty, empty, empty, empty, empty, [],
                         np.array([], dtype=bool), np.array([], dtype="float64"))
    cat: dict[str, Any] = {}
    for key in frames[0]:
        if key == "levels":
            cat[key] = [lv for f in frames for lv in f[key]]
        else:
            cat[key] = np.concatenate([f[key] for f in frames])
    geom = cat["geometry"]
    anchor = np.where(shapely.get_type_id(geom) == 0, geom, shapely.point_on_surface(geom))
    return _Stations(anchor=anchor, **cat)


# ------------------------------------------------------------------------------- snapping


def _level_matrix(levels: list[tuple[int, ...]]) -> np.ndarray:
    """Levels as a matrix: one row per feature, its levels in order, ``-1`` after them."""
    count = np.fromiter(map(len, levels), dtype=np.int64, count=len(levels))
    out = np.full((len(levels), max(int(count.max(initial=0)), 1)), -1, dtype=np.int64)
    if count.any():
        flat = np.fromiter(itertools.chain.from_iterable(levels), dtype=np.int64,
                           count=int(count.sum()))
        row = np.repeat(np.arange(len(levels)), count)
        out[row, np.arange(len(flat)) - np.repeat(np.cumsum(count) - count, count)] = flat
    return out


def _level_tuples(table: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(x for x in row if x >= 0) for row in table.tolist()]


def _with_levels(table: np.ndarray, row: np.ndarray, kv: np.ndarray, *,
                 keep: bool) -> np.ndarray:
    """``table`` with the distinct levels ``kv`` of each ``row``, highest first: added to the
    row's own levels (``keep``) or in their place."""
    if not len(row):
        return table
    n, width = table.shape
    row = row.astype(np.int64)
    kv = kv.astype(np.int64)
    touched = np.unique(row)
    if keep:
        own_r, own_c = np.nonzero(table[touched] >= 0)
        row = np.r_[row, touched[own_r]]
        kv = np.r_[kv, table[touched[own_r], own_c]]
    pairs = np.unique(np.c_[row, -kv], axis=0)  # by row, then highest level first
    r, k = pairs[:, 0], -pairs[:, 1]
    first = np.r_[True, r[1:] != r[:-1]]
    start = np.flatnonzero(first)
    count = np.diff(np.r_[start, len(r)])
    col = np.arange(len(r)) - np.repeat(start, count)
    out = np.full((n, max(width, int(count.max()))), -1, dtype=np.int64)
    out[:, :width] = table
    out[touched] = -1
    out[r, col] = k
    return out


def _has_level(table: np.ndarray, row: np.ndarray, kv: np.ndarray) -> np.ndarray:
    """Whether level ``kv`` is one of the levels of ``row`` (``False`` for an unknown kv)."""
    return (table[row] == np.where(np.isnan(kv), -2, kv).astype(np.int64)[:, None]).any(axis=1)


def _first_of_each(key: np.ndarray) -> np.ndarray:
    """Positions of the first row of each run of equal ``key`` (sorted) values."""
    return np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.array(
        [], dtype=np.int64)


def _nearest_pairs(points: np.ndarray, geoms: np.ndarray, distance: float, *,
                   tree: shapely.STRtree | None = None) -> pd.DataFrame:
    """Every (point, geometry) pair within ``distance``, with the distance; ``tree``: the
    tree of ``geoms`` when already built."""
    if not len(points) or not len(geoms):
        return pd.DataFrame({"i": np.array([], dtype=np.int64),
                             "j": np.array([], dtype=np.int64), "d": np.array([], dtype=float)})
    tree = tree if tree is not None else shapely.STRtree(geoms)
    i, j = tree.query(points, predicate="dwithin", distance=distance)
    return pd.DataFrame({"i": i, "j": j, "d": shapely.distance(points[i], geoms[j])})


def _attach(end_pts: np.ndarray, end_kv: np.ndarray, st: _Stations, tolerance: float,
            infer: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The station each end connects to (-1 for none), the station levels after inference
    (:func:`_level_matrix`), and whether each station's levels were inferred."""
    levels = _level_matrix(st.levels)
    inferred = np.zeros(len(st), dtype=bool)
    pairs = _nearest_pairs(end_pts, st.geometry, tolerance)
    target = np.full(len(end_pts), -1, dtype=np.int64)
    if not len(pairs):
        return target, levels, inferred
    i, j, d = (pairs[c].to_numpy() for c in ("i", "j", "d"))
    order = np.lexsort((j, d, i))
    i, j, d = i[order], j[order], d[order]
    if infer:  # a substation without levels takes those of the ends nearest to it
        first = _first_of_each(i)
        ni, nj = i[first], j[first]
        unknown = (st.kind[nj] == "substation") & (levels[nj, 0] < 0) & ~np.isnan(end_kv[ni])
        levels = _with_levels(levels, nj[unknown], end_kv[ni[unknown]], keep=False)
        inferred[nj[unknown]] = True
    kv = end_kv[i]
    bad = ~(np.isnan(kv) | (levels[j, 0] < 0) | _has_level(levels, j, kv))
    order = np.lexsort((j, d, bad, i))
    i, j = i[order], j[order]
    first = _first_of_each(i)
    target[i[first]] = j[first]
    return target, levels, inferred


def _end_points(geoms: np.ndarray) -> np.ndarray:
    """First points of single-part lines, then their last points."""
    if not len(geoms):
        return np.array([], dtype=object)
    coords = shapely.get_coordinates(geoms)
    last = np.cumsum(shapely.get_num_coordinates(geoms)) - 1
    first = np.r_[0, last[:-1] + 1]
    return np.asarray(shapely.points(coords[np.r_[first, last]]), dtype=object)


def _snap_ends(geoms: np.ndarray, target: np.ndarray, st_geom: np.ndarray,
               ends: np.ndarray | None = None) -> np.ndarray:
    """Move the ends of single-part lines onto the station each one connects to.

    ``target`` has two entries per line (start ends first, then finishing ends); an end moves
    to the nearest point of its station (a point station: the point itself).
    """
    n = len(geoms)
    if not n:
        return geoms
    moved = target >= 0
    if not moved.any():
        return geoms
    coords = shapely.get_coordinates(geoms)
    counts = shapely.get_num_coordinates(geoms)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    last = first + counts - 1
    if ends is None:
        ends = np.r_[shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)]
    to = st_geom[target[moved]]
    # onto a point station: the point itself; onto a polygon: its nearest point
    xy = np.empty((len(to), 2))
    point = shapely.get_type_id(to) == 0
    xy[point] = shapely.get_coordinates(to[point])
    if not point.all():
        xy[~point] = shapely.get_coordinates(shapely.get_point(
            shapely.shortest_line(ends[moved][~point], to[~point]), 1))
    coords[np.r_[first, last][moved]] = xy
    # new geometries for the lines with a moved end only (set_coordinates fills the array
    # it is given with new geometries)
    touched = np.zeros(n, dtype=bool)
    touched[np.r_[np.arange(n), np.arange(n)][moved]] = True
    if shapely.has_z(geoms).any():
        touched[:] = True  # all rewritten in 2D, as the coordinates read
    out = np.array(geoms, dtype=object, copy=True)
    out[touched] = shapely.set_coordinates(out[touched], coords[np.repeat(touched, counts)])
    return np.asarray(out, dtype=object)


def snap_lines(lines: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, *,
               tolerance_m: float) -> gpd.GeoDataFrame:
    """Move line ends onto the substation (or plant) within ``tolerance_m`` metres.

    Of the stations in reach, one carrying the line's voltage (``voltage_kv`` /
    ``voltage_levels`` when the frames have them) is preferred, then the nearest. An end moves
    to the nearest point of the station's geometry (a point station: onto the point). The
    result is a new frame; snapping it again changes nothing.

    >>> from shapely import LineString, Point
    >>> lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 3)])], crs="EPSG:32648")
    >>> subs = gpd.GeoDataFrame(geometry=[Point(101, 0)], crs="EPSG:32648")
    >>> snap_lines(lines, subs, tolerance_m=10).geometry[0].wkt
    'LINESTRING (0 0, 101 0)'
    """
    check_crs([lines, stations])
    geoms = np.asarray(lines.geometry.values, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    line_levels = (voltage_levels(lines) if "voltage_kv" in lines
                   else [() for _ in range(len(lines))])
    kv = np.array([line_levels[i][0] if line_levels[i] else np.nan for i in owner])
    st = _stations(stations, None)
    ends = np.r_[shapely.get_point(parts, 0), shapely.get_point(parts, -1)]
    target, _levels, _inf = _attach(ends, np.r_[kv, kv], st, tolerance_m, infer=False)
    snapped = _snap_ends(parts, target, st.geometry)
    result = np.array(geoms, dtype=object, copy=True)
    multi = (shapely.get_type_id(geoms) == 5)[owner] if len(owner) else np.array([], bool)
    result[owner[~multi]] = snapped[~multi]
    if multi.any():
        present, compact = np.unique(owner[multi], return_inverse=True)
        result[present] = shapely.multilinestrings(snapped[multi], indices=compact)
    return lines.set_geometry(gpd.GeoSeries(result, index=lines.index, crs=lines.crs))


# ------------------------------------------------------------------------------ splitting


def _cut_pieces(geoms: np.ndarray, cut_part: np.ndarray, cut_pos: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split lines at positions along them.

    Returns, per piece: the line it comes from, its start and end position along that line,
    and its geometry. Lines without cuts give one piece, unchanged. Cuts at the same position
    of a line keep their given order.
    """
    from shapely.ops import substring

    n = len(geoms)
    lengths = shapely.length(geoms) if n else np.zeros(0)
    cut_part = np.asarray(cut_part, dtype=np.int64)
    pos = np.minimum(np.maximum(np.asarray(cut_pos, dtype=float), 0.0), lengths[cut_part])
    order = np.lexsort((pos, cut_part))
    cut_part, pos = cut_part[order], pos[order]
    n_cuts = np.bincount(cut_part, minlength=n)
    src = np.repeat(np.arange(n), n_cuts + 1)
    first_piece = np.cumsum(n_cuts + 1) - (n_cuts + 1)
    k = np.arange(len(src)) - first_piece[src]
    first_cut = np.cumsum(n_cuts) - n_cuts
    at = first_cut[src] + k  # the cut that ends the piece (when k < its line's cuts)
    start = np.where(k > 0, pos[np.maximum(at - 1, 0)] if len(pos) else 0.0, 0.0)
    end = np.where(k < n_cuts[src], pos[np.minimum(at, len(pos) - 1)] if len(pos) else 0.0,
                   lengths[src])
    pieces = np.asarray(geoms, dtype=object)[src]
    cut = np.flatnonzero(n_cuts[src] > 0)
    if len(cut) and not shapely.has_z(pieces[cut]).any():
        pieces[cut] = _substrings(np.asarray(geoms, dtype=object), src[cut], start[cut],
                                  end[cut])
    else:
        for i in cut.tolist():
            piece: Any = substring(pieces[i], start[i], end[i])
            if piece.geom_type != "LineString":  # a zero-length piece
                piece = shapely.linestrings(np.repeat(shapely.get_coordinates(piece), 2,
                                                      axis=0))
            pieces[i] = piece
    return src, start.astype(float), end.astype(float), pieces


def _substrings(geoms: np.ndarray, part: np.ndarray, start: np.ndarray, end: np.ndarray
                ) -> np.ndarray:
    """:func:`shapely.ops.substring` of 2D lines ``geoms[part]`` from ``start`` to ``end``
    (``0 <= start <= end <= length``) in one pass: the points at both positions and the
    vertices strictly between them; a zero-length piece is its point twice.

    The distance along the line of each vertex is summed as ``substring`` sums it (Python
    float arithmetic, which ``numpy`` does not reproduce to the last bit), so that a cut on a
    vertex keeps or drops that vertex as ``substring`` does.
    """
    lines, line_of = np.unique(part, return_inverse=True)
    line_of = line_of.ravel()
    coords = shapely.get_coordinates(geoms[lines])
    count = shapely.get_num_coordinates(geoms[lines])
    first = np.cumsum(count) - count
    dx, dy = np.diff(coords[:, 0]).tolist(), np.diff(coords[:, 1]).tolist()
    dist = np.zeros(len(coords))
    for a, c in zip(first.tolist(), count.tolist(), strict=True):
        dist[a + 1: a + c] = list(itertools.accumulate(
            ((x ** 2 + y ** 2) ** 0.5 for x, y in zip(dx[a: a + c - 1], dy[a: a + c - 1],
                                                        strict=True))))
    walk = np.ones(len(coords), dtype=bool)
    walk[first + count - 1] = False  # substring never looks at the last vertex
    # each piece against the vertices of its line
    n = len(part)
    piece_count = count[line_of]
    piece = np.repeat(np.arange(n), piece_count)
    vertex = np.repeat(first[line_of], piece_count) + (
        np.arange(len(piece)) - np.repeat(np.cumsum(piece_count) - piece_count, piece_count))
    inner = walk[vertex] & (start[piece] < dist[vertex]) & (dist[vertex] < end[piece])
    piece, vertex = piece[inner], vertex[inner]
    line_geoms = geoms[part]
    a_pt = shapely.get_coordinates(shapely.line_interpolate_point(line_geoms, start))
    b_pt = shapely.get_coordinates(shapely.line_interpolate_point(line_geoms, end))
    ids = np.r_[np.arange(n), piece, np.arange(n)]
    key = np.r_[np.full(n, -1), vertex, np.full(n, len(coords))]
    xy = np.r_[a_pt, coords[vertex], b_pt]
    order = np.lexsort((key, ids))
    return np.asarray(shapely.linestrings(xy[order], indices=ids[order]), dtype=object)


def split_lines(lines: gpd.GeoDataFrame, points: gpd.GeoDataFrame | gpd.GeoSeries, *,
                tolerance_m: float) -> gpd.GeoDataFrame:
    """Split lines where they pass within ``tolerance_m`` of a point (e.g. a substation).

    Each line is cut at the position nearest to each point in reach, except at its ends. The
    result has one row per piece, the attributes of its line, and ``piece`` numbering the
    pieces along it; the pieces add up to the line's length.

    >>> from shapely import LineString, Point
    >>> lines = gpd.GeoDataFrame({"id": ["L1"]}, geometry=[LineString([(0, 0), (100, 0)])],
    ...                          crs="EPSG:32648")
    >>> pts = gpd.GeoSeries([Point(40, 5)], crs="EPSG:32648")
    >>> [round(g.length) for g in split_lines(lines, pts, tolerance_m=10).geometry]
    [40, 60]
    """
    check_crs([lines, gpd.GeoDataFrame(geometry=gpd.GeoSeries(points.geometry))])
    geoms = np.asarray(lines.geometry.values, dtype=object)
    pts = np.asarray(points.geometry.values, dtype=object)
    pairs = _nearest_pairs(pts, geoms, tolerance_m)
    pos = shapely.line_locate_point(geoms[pairs["j"].to_numpy()], pts[pairs["i"].to_numpy()]) \
        if len(pairs) else np.array([])
    lengths = shapely.length(geoms)
    inner = (pos > 0) & (pos < lengths[pairs["j"].to_numpy()]) if len(pairs) else np.array(
        [], dtype=bool)
    src, _start, _end, pieces = _cut_pieces(geoms, pairs["j"].to_numpy()[inner], pos[inner])
    out = lines.iloc[src].copy()
    out["piece"] = pd.Series(src).groupby(src).cumcount().to_numpy()
    out = out.set_geometry(gpd.GeoSeries(pieces, index=out.index, crs=lines.crs))
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------ the graph


class _StationNodes:
    """The station nodes, as rows ``(station, level)`` (level ``-1``: unknown, or a plant).

    The first :attr:`n_listed` rows are every level of every station in station order, highest
    first (one row for a station without levels, and for a plant); then the levels ends arrive
    at that are not among them.
    """

    def __init__(self, st: _Stations, station_levels: np.ndarray, end_station: np.ndarray,
                 end_code: np.ndarray) -> None:
        n = len(st)
        plant = st.kind == "plant"
        table = station_levels if n else np.full((0, 1), -1, dtype=np.int64)
        table = np.where(plant[:, None], -1, table)
        has = table >= 0
        none = ~has.any(axis=1)
        keep = has.copy()
        keep[:, 0] |= none  # one row for a station without levels
        rows, cols = np.nonzero(keep)
        station = rows.astype(np.int64)
        code = np.where(has[rows, cols], table[rows, cols], -1).astype(np.int64)
        self.n_listed = len(station)
        self._width = int(max(code.max(initial=0), end_code.max(initial=0))) + 2
        listed = station * self._width + code + 1
        more = np.setdiff1d(end_station * self._width + end_code + 1, listed)
        self.station = np.r_[station, more // self._width]
        self.code = np.r_[code, more % self._width - 1]
        keys = self.station * self._width + self.code + 1
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        is_plant = plant[self.station] if n else np.zeros(0, dtype=bool)
        self.text = np.array([f"P{j}" if p else f"S{j}@{c if c >= 0 else KV_UNKNOWN}"
                              for j, c, p in zip(self.station.tolist(), self.code.tolist(),
                                                 is_plant.tolist(), strict=True)], dtype=object)

    def __len__(self) -> int:
        return len(self.station)

    def lookup(self, station: np.ndarray, code: np.ndarray) -> np.ndarray:
        """Row of each ``(station, level)``."""
        keys = np.asarray(station, dtype=np.int64) * self._width + np.asarray(
            code, dtype=np.int64) + 1
        return self._order[np.searchsorted(self._sorted, keys)]

    def transformers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Station, higher and lower level of each pair of consecutive levels of a station."""
        j, c = self.station[: self.n_listed], self.code[: self.n_listed]
        pair = np.flatnonzero((j[1:] == j[:-1]) & (c[1:] >= 0) & (c[:-1] >= 0))
        return j[pair], c[pair], c[pair + 1]


class _NodeText:
    """The text id of each integer node: ``E{end}`` for a free end, else its station node's."""

    def __init__(self, n_ends: int, table: _StationNodes) -> None:
        ends = np.char.add("E", np.arange(n_ends).astype(str)).astype(object) if n_ends else \
            np.array([], dtype=object)
        self.all = np.r_[ends, table.text].astype(object)

    def of(self, nodes: np.ndarray) -> np.ndarray:
        return self.all[np.asarray(nodes, dtype=np.int64)]


def _text_rank(n: int) -> np.ndarray:
    """Rank of ``E0`` ... ``E{n-1}`` in text order (``E10`` before ``E2``)."""
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(np.arange(n).astype(str), kind="stable")] = np.arange(n)
    return rank


def _rank_of(texts: np.ndarray) -> np.ndarray:
    if not len(texts):
        return np.zeros(0, dtype=np.int64)
    return np.unique(texts.astype(str), return_inverse=True)[1].ravel()


def _merge(n: int, station: np.ndarray, rank: np.ndarray, a: np.ndarray, b: np.ndarray
           ) -> np.ndarray:
    """The group of each of ``n`` nodes after joining ``a[k]`` with ``b[k]``, in that order,
    where the groups of two stations never merge; each group is named by its station, else by
    its node of lowest ``rank``.

    Connected components (:func:`scipy.sparse.csgraph.connected_components`) give the groups
    wherever a component holds at most one station; a component holding several is rare (a
    free end in reach of the ends of two stations), and there the joins are replayed in order
    so that the same station wins as when joining one pair at a time.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    labels = _components(n, a, b)
    n_labels = int(labels.max()) + 1
    order = np.lexsort((rank, ~station))  # stations first, then the lowest rank
    lab = labels[order]
    first = np.unique(lab, return_index=True)[1]
    name = np.empty(n_labels, dtype=np.int64)
    name[lab[first]] = order[first]
    root = name[labels]
    conflict = np.bincount(labels[station], minlength=n_labels) >= 2
    replay = conflict[labels[a]] if len(a) else np.zeros(0, dtype=bool)
    if replay.any():
        members = np.flatnonzero(conflict[labels])
        parent = {int(m): int(m) for m in members}

        def find(x: int) -> int:
            top = x
            while parent[top] != top:
                top = parent[top]
            while parent[x] != top:
                parent[x], x = top, parent[x]
            return top

        for x, y in zip(a[replay].tolist(), b[replay].tolist(), strict=True):
            rx, ry = find(x), find(y)
            if rx == ry or (station[rx] and station[ry]):
                continue
            if station[ry] or (not station[rx] and rank[ry] < rank[rx]):
                rx, ry = ry, rx
            parent[ry] = rx
        root[members] = [find(int(m)) for m in members]
    return root


def _same_voltages(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.isnan(a) | np.isnan(b) | (a == b)


def _set_nearest(out: np.ndarray, end: np.ndarray, dist: np.ndarray, part: np.ndarray,
                 line_rank: np.ndarray) -> None:
    """``out[end]`` = the part nearest to each end, ties by the parts' rank."""
    if not len(end):
        return
    order = np.lexsort((part, line_rank[part], dist, end))
    end, part = end[order], part[order]
    first = _first_of_each(end)
    out[end[first]] = part[first]


@dataclass(frozen=True)
class Grid:
    """A built grid.

    ``nodes`` has one row per node (kind ``substation``, ``plant``, ``junction``, ``external``
    or ``end``) with its degree and connected component; ``edges`` one row per line piece and
    level (kind ``line``) and per transformer between the levels of a station (kind
    ``transformer``), from node ``u`` to node ``v``. ``ends`` has one row per line end and level
    with what it reaches (``station``, ``junction``, ``external``, ``dangling`` or
    ``mismatch``); ``on_boundary`` marks the external ends that lie on the province boundary
    (within ``boundary_snap_m``: a line cut there, e.g. by :func:`geopandas.clip`).
    ``stations`` are the substations and plants with their levels (``voltage_inferred`` when
    they came from the lines). :attr:`graph` is the same as a :class:`networkx.MultiGraph`.

    Every frame is in the order of layer, id and geometry (not the input's row order), and
    node ids, component numbers and every tie follow that order, so that shuffling the rows of
    the input changes nothing.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    ends: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    province: Any
    settings: GridSettings
    crs: Any
    #: edge ends as positions in ``nodes``, when the build knows them (:attr:`_uv`)
    _node_uv: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False,
                                                          compare=False)
    _arrays: dict[tuple[str, str, str], np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_components(self) -> int:
        return int(self.nodes["component"].nunique()) if len(self.nodes) else 0

    @functools.cached_property
    def graph(self) -> nx.MultiGraph:
        """The grid as a :class:`networkx.MultiGraph`: node ids are the index of ``nodes``, edge
        keys the index of ``edges``; attributes ``kind``, ``voltage_kv`` (and ``length_m`` on
        edges)."""
        import networkx as nx

        g = nx.MultiGraph()
        kv = self.nodes["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                                  na_value=np.nan)
        g.add_nodes_from((n, {"kind": k, "voltage_kv": None if math.isnan(x) else int(x)})
                         for n, k, x in zip(self.nodes.index, self.nodes["kind"], kv,
                                            strict=True))
        ekv = self.edges["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                                  na_value=np.nan)
        g.add_edges_from(
            (a, b, key, {"kind": kd, "voltage_kv": None if math.isnan(x) else int(x),
                         "length_m": float(ln)})
            for a, b, key, kd, x, ln in zip(self.edges["u"], self.edges["v"], self.edges.index,
                                            self.edges["kind"], ekv, self.edges["length_m"],
                                            strict=True))
        return g

    def _values(self, frame: str, name: str, na: str | float = "object") -> np.ndarray:
        """Column ``name`` of frame ``frame`` (``"nodes"``, ``"edges"``, ``"stations"``...) as a
        plain array, converted once per grid (the audit's stages read the same columns):
        ``na="object"`` as objects, ``"none"`` as objects with ``None`` for a missing value,
        a number: as floats with that number for a missing value. The array is shared: do not
        modify it."""
        key = (frame, name, repr(na))
        found = self._arrays.get(key)
        if found is None:
            series = getattr(self, frame)[name]
            if na == "object":
                found = series.to_numpy(dtype=object)
            elif na == "none":
                found = none_for_na(series.to_numpy(dtype=object))
            else:
                found = series.astype("Float64").to_numpy(dtype="float64", na_value=na)
            self._arrays[key] = found
        return found

    @functools.cached_property
    def _uv(self) -> tuple[np.ndarray, np.ndarray]:
        """Edge ends as positions in ``nodes``."""
        if self._node_uv is not None:
            return self._node_uv
        index = pd.Index(self.nodes.index)
        return (index.get_indexer(self.edges["u"].to_numpy(dtype=object)),
                index.get_indexer(self.edges["v"].to_numpy(dtype=object)))


def build_grid(
    lines: gpd.GeoDataFrame,
    substations: gpd.GeoDataFrame | None = None,
    plants: gpd.GeoDataFrame | None = None,
    *,
    province: Any = None,
    settings: GridSettings | None = None,
) -> Grid:
    """Build the grid graph from line, substation and plant frames (see :mod:`geoplan.grid`).

    Parameters
    ----------
    lines, substations, plants
        Frames with the canonical columns of ``grid_line``, ``substation`` and ``power_plant``
        (a ``layer`` column is used when present), all in one metric CRS.
    province
        The province polygon (shapely, same CRS): line ends outside it lead into the
        neighbouring grid rather than dangle. ``None``: every free end dangles.
    settings
        :class:`GridSettings`; the defaults when ``None``.
    """
    settings = settings or GridSettings()
    crs = check_crs([lines, substations, plants])
    lines = stable_order(lines, "grid_line")
    substations = stable_order(substations, "substation")
    plants = stable_order(plants, "power_plant")
    tol, through, join = (settings.tolerance_m, settings.through_tolerance_m,
                          settings.join_tolerance_m)
    lp = _explode_lines(lines)
    st = _stations(substations, plants)
    n_parts = len(lp["feat"])
    geoms = lp["geometry"]
    kv = lp["kv"]
    feat = lp["feat"]
    lp_layer = lp["layer"]
    lp_fid = lp["feature_id"]
    lp_part = lp["part"]
    ends = _end_points(geoms)
    end_part = np.r_[np.arange(n_parts), np.arange(n_parts)]
    end_kv = np.r_[kv, kv]

    # 1. ends to stations, snapped there; a station without voltage takes its lines' levels
    target, levels, _ = _attach(ends, end_kv, st, tol, settings.infer_voltage)
    n_ends, n_st = len(ends), len(st)
    attached = np.flatnonzero(target >= 0)
    at_j = target[attached]
    inferred = np.zeros(n_st, dtype=bool)
    if settings.infer_voltage:
        levels = _level_matrix(st.levels)
        take = ((st.kind[at_j] == "substation") & ~st.declared[at_j]
                & ~np.isnan(end_kv[attached])) if len(attached) else np.zeros(0, dtype=bool)
        levels = _with_levels(levels, at_j[take], end_kv[attached[take]], keep=False)
        inferred[at_j[take]] = True
    geoms = _snap_ends(geoms, target, st.geometry, ends)
    lengths = shapely.length(geoms)

    # the node of each end: itself when free, else the level of its station it arrives at
    # (a plant has one node); integer ids, text ids ("E12", "S3@110", "P4") only for output
    plant = st.kind == "plant"
    code = np.full(n_ends, -1, dtype=np.int64)  # the level of the station node, -1 unknown
    kv_at = end_kv[attached]
    known = ~np.isnan(kv_at)
    code[attached] = np.where(known, np.nan_to_num(kv_at, nan=-1).astype(np.int64),
                              levels[at_j, 0] if len(attached) else -1)
    code[attached[plant[at_j]]] = -1
    sub_known = known & ~plant[at_j]
    mismatch = np.zeros(n_ends, dtype=bool)
    mismatch[attached[sub_known]] = (levels[at_j[sub_known], 0] >= 0) & ~_has_level(
        levels, at_j[sub_known], kv_at[sub_known])
    extra = attached[mismatch[attached]]
    station_levels = _with_levels(levels, target[extra], end_kv[extra], keep=True)
    table = _StationNodes(st, station_levels, target[attached], code[attached])
    end_node = np.arange(n_ends, dtype=np.int64)
    end_node[attached] = n_ends + table.lookup(target[attached], code[attached])
    n_nodes = n_ends + len(table)
    is_station = np.r_[np.zeros(n_ends, dtype=bool), np.ones(len(table), dtype=bool)]
    rank = np.r_[_text_rank(n_ends), np.zeros(len(table), dtype=np.int64)]
    other_part = np.full(n_ends, -1, dtype=np.int64)
    line_rank = _line_rank(lp_layer, lp_fid, lp_part, kv)

    # the tree of the (snapped) line parts, built once for the taps and the through-lines
    line_tree = functools.cache(lambda: shapely.STRtree(geoms))

    # 2. a free end joins the other ends of its voltage in reach ...
    free = np.flatnonzero(target < 0)
    join_u = join_v = np.zeros(0, dtype=np.int64)
    cut_part = np.zeros(0, dtype=np.int64)
    cut_pos = np.zeros(0)
    cut_node = np.zeros(0, dtype=np.int64)
    if len(free):
        pairs = _nearest_pairs(ends[free], ends, join)
        a = free[pairs["i"].to_numpy()]
        b = pairs["j"].to_numpy()
        d = pairs["d"].to_numpy()
        keep = a != b
        a, b, d = a[keep], b[keep], d[keep]
        same = _same_voltages(end_kv[a], end_kv[b])
        join_u, join_v = end_node[a[same]], end_node[b[same]]
        # the line of another voltage each free end meets: the nearest, then by layer and id
        met = ~same & (feat[end_part[a]] != feat[end_part[b]])
        _set_nearest(other_part, a[met], d[met], end_part[b[met]], line_rank)
        # 3. ... or taps the interior of another line of its voltage, which is split there
        # (a free end joined to nothing: every pair is found from both of its ends, so the
        # ends that start no pair of their voltage are the ones alone)
        paired = np.zeros(n_ends, dtype=bool)
        paired[a[same]] = True
        alone = free[~paired[free]]
        if len(alone):
            tp = _nearest_pairs(ends[alone], geoms, join, tree=line_tree())
            te = alone[tp["i"].to_numpy()]
            tpart = tp["j"].to_numpy()
            keep = feat[tpart] != feat[end_part[te]]
            te, tpart = te[keep], tpart[keep]
            pos = shapely.line_locate_point(geoms[tpart], ends[te]) if len(te) else np.zeros(0)
            gap = shapely.distance(ends[te], geoms[tpart]) if len(te) else np.zeros(0)
            same = _same_voltages(end_kv[te], kv[tpart])
            other = ~same & (other_part[te] < 0)
            at_start = same & (pos <= 1e-9)
            at_end = same & ~at_start & (pos >= lengths[tpart] - 1e-9)
            inner = same & ~at_start & ~at_end
            tap = at_start | at_end
            join_u = np.r_[join_u, end_node[te[tap]]]
            join_v = np.r_[join_v, np.where(at_start, end_node[tpart],
                                            end_node[tpart + n_parts])[tap]]
            cut_part, cut_pos, cut_node = tpart[inner], pos[inner], end_node[te[inner]]
            _set_nearest(other_part, te[other], gap[other], tpart[other], line_rank)

    # 4. a line passing through a substation of its voltage is split there
    subs = np.flatnonzero(st.kind == "substation")
    if len(subs) and n_parts:
        pp = _nearest_pairs(st.geometry[subs], geoms, through, tree=line_tree())
        sj = subs[pp["i"].to_numpy()]
        pj = pp["j"].to_numpy()
        ok = _has_level(levels, sj, kv[pj])
        ok &= (target[pj] != sj) & (target[pj + n_parts] != sj)
        sj, pj = sj[ok], pj[ok]
        if len(sj):
            at = shapely.line_locate_point(geoms[pj], st.anchor[sj])
            inner = (at > through) & (at < lengths[pj] - through)
            sj, pj, at = sj[inner], pj[inner], at[inner]
            cut_part = np.r_[cut_part, pj]
            cut_pos = np.r_[cut_pos, at]
            cut_node = np.r_[cut_node, n_ends + table.lookup(sj, kv[pj].astype(np.int64))]
    root = _merge(n_nodes, is_station, rank, join_u, join_v)
    node_text = _NodeText(n_ends, table)

    # 5. pieces between the cuts, each an edge from the node at its start to the one at its end
    order = np.lexsort((_rank_of(node_text.of(cut_node)), cut_pos, cut_part))
    cut_part, cut_pos, cut_node = cut_part[order], cut_pos[order], cut_node[order]
    src, a_pos, b_pos, pieces = _cut_pieces(geoms, cut_part, cut_pos)
    n_cuts = np.bincount(cut_part, minlength=n_parts)
    first_piece = np.cumsum(n_cuts + 1) - (n_cuts + 1)
    piece_no = np.arange(len(src)) - first_piece[src]
    at = (np.cumsum(n_cuts) - n_cuts)[src] + piece_no
    if len(cut_node):
        u = np.where(piece_no == 0, root[end_node[src]],
                     root[cut_node[np.clip(at - 1, 0, len(cut_node) - 1)]])
        v = np.where(piece_no == n_cuts[src], root[end_node[src + n_parts]],
                     root[cut_node[np.clip(at, 0, len(cut_node) - 1)]])
    else:
        u, v = root[end_node[src]], root[end_node[src + n_parts]]
    is_cut_root = np.zeros(n_nodes, dtype=bool)
    is_cut_root[root[cut_node]] = True

    # 6. what each end reaches; a free end on the boundary is where a clipped line was cut
    inside = shapely.intersects(ends, province) if province is not None and len(ends) else \
        np.ones(len(ends), dtype=bool)
    on_boundary = np.zeros(len(ends), dtype=bool)
    if province is not None and len(ends):
        on_boundary = (shapely.distance(ends, shapely.boundary(province))
                       <= settings.boundary_snap_m)
    size = np.bincount(root[np.unique(np.r_[end_node, cut_node])], minlength=n_nodes)
    end_root = root[end_node]
    reaches = np.full(n_ends, "dangling", dtype=object)
    reaches[~inside | on_boundary] = "external"
    lost = other_part >= 0
    reaches[lost] = "mismatch"
    joined = (size[end_root] > 1) | is_cut_root[end_root]
    reaches[joined] = "junction"
    reaches[attached] = "station"
    mismatch |= (target < 0) & ~joined & lost

    # 7. nodes: every level of every station, then the junctions and free ends
    n_rows = table.n_listed
    seen, first_e = np.unique(end_root, return_index=True)
    new = seen < n_ends
    new |= seen >= n_ends + n_rows
    e_new = np.sort(first_e[new])
    kind_new = np.where(reaches[e_new] == "junction", "junction",
                        np.where(reaches[e_new] == "external", "external", "end"))
    p_new = end_part[e_new]
    not_junction = kind_new != "junction"
    tj = table.station[:n_rows]
    tcode = table.code[:n_rows]
    listed_node = np.arange(n_ends, n_ends + n_rows)
    node_ids = node_text.of(np.r_[listed_node, end_root[e_new]])
    none_new = np.full(len(e_new), None, dtype=object)
    node_frame = pd.DataFrame({
        "node": node_ids,
        "kind": np.r_[st.kind[tj], kind_new.astype(object)],
        "layer": np.r_[st.layer[tj], np.where(not_junction, lp_layer[p_new], None)],
        "feature_id": np.r_[st.feature_id[tj], np.where(not_junction, lp_fid[p_new], None)],
        "name": np.r_[st.name[tj], none_new],
        "voltage_kv": pd.array(np.r_[np.where(tcode >= 0, tcode, np.nan), end_kv[e_new]],
                               dtype="Float64").astype("Int64"),
        "declared": np.r_[(tcode < 0) | _has_level(levels, tj, tcode.astype(float)),
                          np.ones(len(e_new), dtype=bool)],
        "status": np.r_[st.status[tj], none_new], "period": np.r_[st.period[tj], none_new],
        "station": np.r_[tj, np.full(len(e_new), -1, dtype=np.int64)].astype("int64"),
        "geometry": np.r_[st.anchor[tj], ends[e_new]],
    })
    row_of = np.full(n_nodes, -1, dtype=np.int64)
    row_of[np.r_[listed_node, end_root[e_new]]] = np.arange(len(node_frame))

    # 8. edges: line pieces, then the transformers between the levels of each station
    circuits = lp["circuits"][src]
    kv_src = kv[src]
    src_layer, src_fid = lp_layer[src], lp_fid[src]
    tx_j, tx_hi, tx_lo = table.transformers()
    n_tx = len(tx_j)
    # "{layer}/{id}#{part}.{piece}@{kv}", joined column-wise (layer and id are texts)
    line_ids = (src_layer + "/" + src_fid + "#" + _int_texts(lp_part[src]) + "."
                + _int_texts(piece_no) + "@" + _kv_texts(kv_src)) if len(src) else \
        np.array([], dtype=object)
    tx_ids = [f"{lay}/{fid}:{hi}/{lo}kV" for lay, fid, hi, lo in
              zip(st.layer[tx_j].tolist(), st.feature_id[tx_j].tolist(), tx_hi.tolist(),
                  tx_lo.tolist(), strict=True)]
    tx_u = n_ends + table.lookup(tx_j, tx_hi)
    tx_v = n_ends + table.lookup(tx_j, tx_lo)
    edge_u, edge_v = np.r_[u, tx_u], np.r_[v, tx_v]
    edge_frame = pd.DataFrame({
        "edge": line_ids, "kind": "line",
        "u": node_text.of(u), "v": node_text.of(v), "layer": src_layer,
        "feature_id": src_fid, "name": lp["name"][src],
        "voltage_kv": pd.array(kv_src, dtype="Float64").astype("Int64"),
        "status": lp["status"][src],
        "period": lp["period"][src],
        "circuits": pd.array(circuits, dtype="Float64").astype("Int64"),
        "length_m": b_pos - a_pos, "station": -1, "geometry": pieces,
    })
    if n_tx:
        tx = pd.DataFrame({
            "edge": np.array(tx_ids, dtype=object), "kind": "transformer",
            "u": node_text.of(tx_u), "v": node_text.of(tx_v), "layer": st.layer[tx_j],
            "feature_id": st.feature_id[tx_j], "name": st.name[tx_j],
            "status": st.status[tx_j], "period": st.period[tx_j], "length_m": 0.0,
            "station": tx_j, "geometry": np.full(n_tx, None, dtype=object),
        })
        edge_frame = pd.concat([edge_frame, tx], ignore_index=True)
        edge_frame["voltage_kv"] = edge_frame["voltage_kv"].astype("Int64")
        edge_frame["circuits"] = edge_frame["circuits"].astype("Int64")
    edge_frame["station"] = edge_frame["station"].astype("int64")
    edge_frame["length_m"] = edge_frame["length_m"].astype("float64")
    ui, vi = row_of[edge_u], row_of[edge_v]
    n_rows_all = len(node_frame)
    node_frame["degree"] = np.bincount(ui, minlength=n_rows_all) + np.bincount(
        vi, minlength=n_rows_all)
    comp = _component_numbers(node_frame["node"].to_numpy(dtype=object), ui, vi)
    node_frame["component"] = comp
    edge_frame["component"] = comp[ui] if len(ui) else np.array([], dtype=np.int64)

    level_list = _level_tuples(levels)
    end_frame = gpd.GeoDataFrame({
        "layer": lp_layer[end_part], "feature_id": lp_fid[end_part],
        "part": lp_part[end_part],
        "end": np.r_[np.full(n_parts, "start", dtype=object),
                     np.full(n_parts, "end", dtype=object)],
        "voltage_kv": pd.array(end_kv, dtype="Float64").astype("Int64"),
        "reaches": reaches, "on_boundary": on_boundary & (reaches == "external"),
        "mismatch": mismatch, "node": node_text.of(end_root),
        "station": target, "other_part": other_part,
    }, geometry=gpd.GeoSeries(ends, crs=crs), crs=crs)
    station_frame = gpd.GeoDataFrame({
        "kind": st.kind, "layer": st.layer, "feature_id": st.feature_id, "name": st.name,
        "voltage_levels": [";".join(map(str, lv)) or None for lv in level_list],
        "voltage_kv": pd.array([lv[0] if lv else None for lv in level_list], dtype="Int64"),
        "voltage_inferred": inferred, "declared": st.declared, "status": st.status,
        "period": st.period, "capacity": st.capacity,
    }, geometry=gpd.GeoSeries(st.geometry, crs=crs), crs=crs)
    line_frame = gpd.GeoDataFrame(pd.DataFrame(lp).drop(columns="geometry").assign(
                                      length_m=lengths),
                                  geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    grid = Grid(
        nodes=gpd.GeoDataFrame(node_frame.set_index("node", drop=False), geometry="geometry",
                               crs=crs),
        edges=gpd.GeoDataFrame(edge_frame.set_index("edge", drop=False), geometry="geometry",
                               crs=crs),
        ends=end_frame, stations=station_frame, lines=line_frame, province=province,
        settings=settings, crs=crs, _node_uv=(ui, vi),
    )
    log.info("grid: %d nodes, %d edges, %d components, %d dangling ends", len(grid.nodes),
             len(grid.edges), grid.n_components, int((reaches == "dangling").sum()))
    return grid


def _line_rank(layer: np.ndarray, fid: np.ndarray, part: np.ndarray, kv: np.ndarray
               ) -> np.ndarray:
    """Rank of each line part by layer, id, part number and level: the tie-break between
    lines."""
    order = np.lexsort((kv, part, sort_codes(fid), sort_codes(layer)))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _kv_text(kv: float) -> str:
    return KV_UNKNOWN if math.isnan(kv) else str(int(kv))


def _kv_texts(kv: np.ndarray) -> np.ndarray:
    """:func:`_kv_text` of each value, as objects (each distinct value written once)."""
    codes, values = pd.factorize(kv, use_na_sentinel=True)
    return np.array([_kv_text(k) for k in values.tolist()] + [KV_UNKNOWN], dtype=object)[codes]


def _int_texts(values: np.ndarray) -> np.ndarray:
    """Integers as decimal texts, as objects."""
    return np.asarray(values, dtype=np.int64).astype(str).astype(object)


def _same_voltage(a: float, b: float) -> bool:
    return math.isnan(a) or math.isnan(b) or a == b


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes joined by edges ``u``-``v``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.array([], dtype=np.int64)
    adj = coo_matrix((np.ones(len(u), dtype=np.int32), (u, v)), shape=(n, n)).tocsr()
    return connected_components(adj, directed=False)[1]


def _component_numbers(node_ids: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component number of each node: 1 is the largest, ties by smallest node id."""
    labels = _components(len(node_ids), u, v)
    if not len(node_ids):
        return labels
    text_rank = np.empty(len(node_ids), dtype=np.int64)
    text_rank[np.argsort(node_ids.astype(str), kind="stable")] = np.arange(len(node_ids))
    n_labels = int(labels.max()) + 1
    size = np.bincount(labels, minlength=n_labels)
    smallest = np.full(n_labels, len(node_ids), dtype=np.int64)
    np.minimum.at(smallest, labels, text_rank)
    ranked = np.lexsort((smallest, -size))
    number = np.empty(n_labels, dtype=np.int64)
    number[ranked] = np.arange(1, n_labels + 1)
    return number[labels]
