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
from collections import defaultdict
from dataclasses import dataclass
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
    voltage_levels,
)
from geoplan.grid.settings import GridSettings

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

log = logging.getLogger(__name__)

__all__ = ["Grid", "build_grid", "snap_lines", "split_lines"]

# --------------------------------------------------------------------------- input frames


def _explode_lines(lines: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per single line part and voltage level."""
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
    levels = voltage_levels(lines)
    rep = np.array([max(1, len(levels[i])) for i in owner], dtype=np.int64)
    idx = np.repeat(np.arange(len(owner)), rep)
    kv = np.array([lv for i in owner for lv in (levels[i] or (np.nan,))], dtype="float64")
    feat = owner[idx]
    circuits = pd.to_numeric(pd.Series(column(lines, "circuits")), errors="coerce")
    circ = circuits.to_numpy(dtype="float64")
    return pd.DataFrame({
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
    })


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


def _compatible(kv: float, levels: tuple[int, ...]) -> bool:
    return math.isnan(kv) or not levels or int(kv) in levels


def _nearest_pairs(points: np.ndarray, geoms: np.ndarray, distance: float) -> pd.DataFrame:
    """Every (point, geometry) pair within ``distance``, with the distance."""
    if not len(points) or not len(geoms):
        return pd.DataFrame({"i": np.array([], dtype=np.int64),
                             "j": np.array([], dtype=np.int64), "d": np.array([], dtype=float)})
    tree = shapely.STRtree(geoms)
    i, j = tree.query(points, predicate="dwithin", distance=distance)
    return pd.DataFrame({"i": i, "j": j, "d": shapely.distance(points[i], geoms[j])})


def _attach(end_pts: np.ndarray, end_kv: np.ndarray, st: _Stations, tolerance: float,
            infer: bool) -> tuple[np.ndarray, list[tuple[int, ...]], np.ndarray]:
    """The station each end connects to (-1 for none), the station levels after inference,
    and whether each station's levels were inferred."""
    levels = list(st.levels)
    inferred = np.zeros(len(st), dtype=bool)
    pairs = _nearest_pairs(end_pts, st.geometry, tolerance)
    if not len(pairs):
        return np.full(len(end_pts), -1, dtype=np.int64), levels, inferred
    pairs = pairs.sort_values(["i", "d", "j"], kind="stable")
    if infer:
        nearest = pairs.drop_duplicates("i")
        unknown = np.array([st.kind[j] == "substation" and not levels[j] for j in nearest["j"]],
                           dtype=bool)
        found: dict[int, set[int]] = defaultdict(set)
        near_i = nearest["i"].to_numpy()[unknown]
        near_j = nearest["j"].to_numpy()[unknown]
        for i, j in zip(near_i, near_j, strict=True):
            if not math.isnan(end_kv[i]):
                found[int(j)].add(int(end_kv[i]))
        for j, kvs in found.items():
            levels[j] = tuple(sorted(kvs, reverse=True))
            inferred[j] = True
    bad = np.array([not _compatible(end_kv[i], levels[j]) for i, j in
                    zip(pairs["i"].to_numpy(), pairs["j"].to_numpy(), strict=True)], dtype=bool)
    pairs = pairs.assign(bad=bad).sort_values(["i", "bad", "d", "j"], kind="stable")
    first = pairs.drop_duplicates("i")
    target = np.full(len(end_pts), -1, dtype=np.int64)
    target[first["i"].to_numpy()] = first["j"].to_numpy()
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
    nearest = shapely.get_point(shapely.shortest_line(ends[moved], st_geom[target[moved]]), 1)
    coords[np.r_[first, last][moved]] = shapely.get_coordinates(nearest)
    out = shapely.set_coordinates(np.array(geoms, dtype=object, copy=True), coords)
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
    and its geometry. Lines without cuts give one piece, unchanged.
    """
    from shapely.ops import substring

    lengths = shapely.length(geoms)
    by_part: dict[int, list[float]] = defaultdict(list)
    for p, d in zip(cut_part, cut_pos, strict=True):
        by_part[int(p)].append(float(d))
    src, start, end = [], [], []
    pieces: list[Any] = []
    for p in range(len(geoms)):
        cuts = by_part.get(p)
        if not cuts:
            src.append(p)
            start.append(0.0)
            end.append(float(lengths[p]))
            pieces.append(geoms[p])
            continue
        marks = [0.0, *sorted(min(max(c, 0.0), lengths[p]) for c in cuts), float(lengths[p])]
        for a, b in itertools.pairwise(marks):
            piece: Any = substring(geoms[p], a, b)
            if piece.geom_type != "LineString":  # a zero-length piece
                piece = shapely.linestrings(np.repeat(shapely.get_coordinates(piece), 2, axis=0))
            src.append(p)
            start.append(a)
            end.append(b)
            pieces.append(piece)
    return (np.array(src, dtype=np.int64), np.array(start), np.array(end),
            np.array(pieces, dtype=object))


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


class _Nodes:
    """Union-find over node ids; a station node never merges with another station's."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def add(self, node: str) -> str:
        if node not in self.parent:
            self.parent[node] = node
            self.size[node] = 1
        return node

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = ra[0] in "SP", rb[0] in "SP"
        if sa and sb:
            return False
        if sb or (not sa and rb < ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def _station_node(j: int, kv: int | None) -> str:
    return f"S{j}@{kv if kv is not None else KV_UNKNOWN}"


@dataclass(frozen=True)
class Grid:
    """A built grid.

    ``nodes`` has one row per node (kind ``substation``, ``plant``, ``junction``, ``external``
    or ``end``) with its degree and connected component; ``edges`` one row per line piece and
    level (kind ``line``) and per transformer between the levels of a station (kind
    ``transformer``), from node ``u`` to node ``v``. ``ends`` has one row per line end and level
    with what it reaches (``station``, ``junction``, ``external``, ``dangling`` or
    ``mismatch``). ``stations`` are the substations and plants with their levels
    (``voltage_inferred`` when they came from the lines). :attr:`graph` is the same as a
    :class:`networkx.MultiGraph`.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    ends: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    province: Any
    settings: GridSettings
    crs: Any

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

    @functools.cached_property
    def _uv(self) -> tuple[np.ndarray, np.ndarray]:
        """Edge ends as positions in ``nodes``."""
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
    tol, through, join = (settings.tolerance_m, settings.through_tolerance_m,
                          settings.join_tolerance_m)
    lp = _explode_lines(lines)
    st = _stations(substations, plants)
    n_parts = len(lp)
    geoms = lp["geometry"].to_numpy(dtype=object)
    kv = lp["kv"].to_numpy(dtype="float64")
    feat = lp["feat"].to_numpy()
    lp_layer = lp["layer"].to_numpy(dtype=object)
    lp_fid = lp["feature_id"].to_numpy(dtype=object)
    ends = _end_points(geoms)
    end_part = np.r_[np.arange(n_parts), np.arange(n_parts)]
    end_kv = np.r_[kv, kv]

    # 1. ends to stations, snapped there; a station without voltage takes its lines' levels
    target, levels, _ = _attach(ends, end_kv, st, tol, settings.infer_voltage)
    inferred = np.zeros(len(st), dtype=bool)
    if settings.infer_voltage:
        found: dict[int, set[int]] = defaultdict(set)
        for e in np.flatnonzero(target >= 0).tolist():
            j = int(target[e])
            if st.kind[j] == "substation" and not st.declared[j] and not math.isnan(end_kv[e]):
                found[j].add(int(end_kv[e]))
        levels = [tuple(sorted(found[j], reverse=True)) if j in found else st.levels[j]
                  for j in range(len(st))]
        inferred[list(found)] = True
    geoms = _snap_ends(geoms, target, st.geometry, ends)
    lengths = shapely.length(geoms)

    nodes = _Nodes()
    end_node = np.empty(len(ends), dtype=object)
    extra_levels: dict[int, set[int]] = defaultdict(set)
    other_part = np.full(len(ends), -1, dtype=np.int64)
    mismatch = np.zeros(len(ends), dtype=bool)
    for e in range(len(ends)):
        j = int(target[e])
        if j < 0:
            end_node[e] = nodes.add(f"E{e}")
        elif st.kind[j] == "plant":
            end_node[e] = nodes.add(f"P{j}")
        elif math.isnan(end_kv[e]):
            end_node[e] = nodes.add(_station_node(j, levels[j][0] if levels[j] else None))
        else:
            k = int(end_kv[e])
            if levels[j] and k not in levels[j]:
                extra_levels[j].add(k)
                mismatch[e] = True
            end_node[e] = nodes.add(_station_node(j, k))

    # 2. a free end joins the other ends of its voltage in reach ...
    free = np.flatnonzero(target < 0)
    cuts: list[tuple[int, float, str]] = []
    if len(free):
        pairs = _nearest_pairs(ends[free], ends, join)
        for a, b in zip(free[pairs["i"].to_numpy()], pairs["j"].to_numpy(), strict=True):
            if a == b:
                continue
            if _same_voltage(end_kv[a], end_kv[b]):
                nodes.union(end_node[a], end_node[b])
            elif other_part[a] < 0 and feat[end_part[a]] != feat[end_part[b]]:
                other_part[a] = end_part[b]  # the other voltages of its own line do not count
        # 3. ... or taps the interior of another line of its voltage, which is split there
        alone = np.array([e for e in free if nodes.size[nodes.find(end_node[e])] == 1],
                         dtype=np.int64)
        if len(alone):
            tp = _nearest_pairs(ends[alone], geoms, join)
            te = alone[tp["i"].to_numpy()]
            tpart = tp["j"].to_numpy()
            keep = feat[tpart] != feat[end_part[te]]
            te, tpart = te[keep], tpart[keep]
            pos = shapely.line_locate_point(geoms[tpart], ends[te]) if len(te) else []
            for e, p, d in zip(te, tpart, pos, strict=True):
                if not _same_voltage(end_kv[e], kv[p]):
                    if other_part[e] < 0:
                        other_part[e] = p
                elif d <= 1e-9:
                    nodes.union(end_node[e], end_node[p])
                elif d >= lengths[p] - 1e-9:
                    nodes.union(end_node[e], end_node[p + n_parts])
                else:
                    cuts.append((int(p), float(d), end_node[e]))

    # 4. a line passing through a substation of its voltage is split there
    subs = np.flatnonzero(st.kind == "substation")
    if len(subs) and n_parts:
        pp = _nearest_pairs(st.geometry[subs], geoms, through)
        sj = subs[pp["i"].to_numpy()]
        pj = pp["j"].to_numpy()
        ok = np.array([not math.isnan(kv[p]) and int(kv[p]) in levels[j]
                       for j, p in zip(sj, pj, strict=True)], dtype=bool)
        ok &= (target[pj] != sj) & (target[pj + n_parts] != sj)
        sj, pj = sj[ok], pj[ok]
        if len(sj):
            at = shapely.line_locate_point(geoms[pj], st.anchor[sj])
            inner = (at > through) & (at < lengths[pj] - through)
            for j, p, d in zip(sj[inner], pj[inner], at[inner], strict=True):
                cuts.append((int(p), float(d), nodes.add(_station_node(int(j), int(kv[p])))))

    # 5. pieces between the cuts, each an edge from the node at its start to the one at its end
    cuts.sort()
    cpart = np.array([c[0] for c in cuts], dtype=np.int64)
    cpos = np.array([c[1] for c in cuts], dtype=float)
    src, a_pos, b_pos, pieces = _cut_pieces(geoms, cpart, cpos)
    chain: dict[int, list[str]] = defaultdict(list)
    for p, _d, nd in cuts:
        chain[p].append(nd)
    piece_no = pd.Series(src).groupby(src).cumcount().to_numpy() if len(src) else src
    u = np.empty(len(src), dtype=object)
    v = np.empty(len(src), dtype=object)
    for i, (p, k) in enumerate(zip(src, piece_no, strict=True)):
        marks = chain.get(int(p))
        u[i] = nodes.find(end_node[p] if k == 0 else marks[k - 1])  # type: ignore[index]
        v[i] = nodes.find(end_node[p + n_parts] if not marks or k == len(marks) else marks[k])
    cut_roots = {nodes.find(c[2]) for c in cuts}

    # 6. what each end reaches
    inside = shapely.intersects(ends, province) if province is not None and len(ends) else \
        np.ones(len(ends), dtype=bool)
    reaches = np.empty(len(ends), dtype=object)
    for e in range(len(ends)):
        root = nodes.find(end_node[e])
        if target[e] >= 0:
            reaches[e] = "station"
        elif nodes.size[root] > 1 or root in cut_roots:
            reaches[e] = "junction"
        elif other_part[e] >= 0:
            reaches[e] = "mismatch"
            mismatch[e] = True
        elif not inside[e]:
            reaches[e] = "external"
        else:
            reaches[e] = "dangling"

    # 7. nodes: every level of every station, then the junctions and free ends
    node_rows: dict[str, dict[str, Any]] = {}
    station_levels = [sorted(set(levels[j]) | extra_levels.get(j, set()), reverse=True)
                      for j in range(len(st))]
    for j in range(len(st)):
        if st.kind[j] == "plant":
            node_ids: list[tuple[str, int | None]] = [(f"P{j}", None)]
        else:
            node_ids = [(_station_node(j, lv), lv) for lv in station_levels[j]] or [
                (_station_node(j, None), None)]
        for nid, level in node_ids:
            node_rows[nid] = {
                "node": nid, "kind": st.kind[j], "layer": st.layer[j],
                "feature_id": st.feature_id[j], "name": st.name[j], "voltage_kv": level,
                "declared": level is None or level in levels[j], "status": st.status[j],
                "period": st.period[j], "station": j, "geometry": st.anchor[j],
            }
    for e in range(len(ends)):
        root = nodes.find(end_node[e])
        if root in node_rows:
            continue
        kind = {"junction": "junction", "external": "external"}.get(reaches[e], "end")
        p = int(end_part[e])
        node_rows[root] = {
            "node": root, "kind": kind, "layer": lp_layer[p] if kind != "junction" else None,
            "feature_id": lp_fid[p] if kind != "junction" else None,
            "name": None, "voltage_kv": None if math.isnan(end_kv[e]) else int(end_kv[e]),
            "declared": True, "status": None, "period": None, "station": -1,
            "geometry": ends[e],
        }

    # 8. edges: line pieces, then the transformers between the levels of each station
    circuits = lp["circuits"].to_numpy(dtype="float64")[src]
    kv_src = kv[src]
    edge_frame = pd.DataFrame({
        "edge": [f"{lay}/{fid}#{part}.{k}@{_kv_text(x)}" for lay, fid, part, k, x in
                 zip(lp["layer"].to_numpy()[src], lp["feature_id"].to_numpy()[src],
                     lp["part"].to_numpy()[src], piece_no, kv_src, strict=True)],
        "kind": "line", "u": u, "v": v,
        "layer": lp["layer"].to_numpy()[src], "feature_id": lp["feature_id"].to_numpy()[src],
        "name": lp["name"].to_numpy()[src],
        "voltage_kv": pd.array([None if math.isnan(x) else int(x) for x in kv_src],
                               dtype="Int64"),
        "status": lp["status"].to_numpy()[src], "period": lp["period"].to_numpy()[src],
        "circuits": pd.array([None if math.isnan(x) else int(x) for x in circuits],
                             dtype="Int64"),
        "length_m": b_pos - a_pos, "station": -1, "geometry": pieces,
    })
    tx = []
    for j in range(len(st)):
        lv = station_levels[j]
        for hi, lo in itertools.pairwise(lv):
            tx.append({
                "edge": f"{st.layer[j]}/{st.feature_id[j]}:{hi}/{lo}kV", "kind": "transformer",
                "u": _station_node(j, hi), "v": _station_node(j, lo), "layer": st.layer[j],
                "feature_id": st.feature_id[j], "name": st.name[j], "status": st.status[j],
                "period": st.period[j], "length_m": 0.0, "station": j, "geometry": None,
            })
    if tx:
        edge_frame = pd.concat([edge_frame, pd.DataFrame(tx)], ignore_index=True)
        edge_frame["voltage_kv"] = edge_frame["voltage_kv"].astype("Int64")
        edge_frame["circuits"] = edge_frame["circuits"].astype("Int64")

    node_frame = pd.DataFrame(list(node_rows.values()),
                              columns=["node", "kind", "layer", "feature_id", "name",
                                       "voltage_kv", "declared", "status", "period", "station",
                                       "geometry"])
    node_frame["voltage_kv"] = node_frame["voltage_kv"].astype("Int64")
    node_frame["station"] = node_frame["station"].astype("int64")
    edge_frame["station"] = edge_frame["station"].astype("int64")
    edge_frame["length_m"] = edge_frame["length_m"].astype("float64")
    index = pd.Index(node_frame["node"].to_numpy(dtype=object))
    ui = index.get_indexer(edge_frame["u"].to_numpy(dtype=object))
    vi = index.get_indexer(edge_frame["v"].to_numpy(dtype=object))
    n_nodes = len(node_frame)
    node_frame["degree"] = np.bincount(ui, minlength=n_nodes) + np.bincount(vi,
                                                                            minlength=n_nodes)
    comp = _component_numbers(node_frame["node"].to_numpy(dtype=object), ui, vi)
    node_frame["component"] = comp
    edge_frame["component"] = comp[ui] if len(ui) else np.array([], dtype=np.int64)

    end_frame = gpd.GeoDataFrame({
        "layer": lp["layer"].to_numpy()[end_part], "feature_id":
        lp["feature_id"].to_numpy()[end_part], "part": lp["part"].to_numpy()[end_part],
        "end": np.r_[np.full(n_parts, "start", dtype=object),
                     np.full(n_parts, "end", dtype=object)],
        "voltage_kv": pd.array([None if math.isnan(k) else int(k) for k in end_kv],
                               dtype="Int64"),
        "reaches": reaches, "mismatch": mismatch, "node": [nodes.find(n) for n in end_node],
        "station": target, "other_part": other_part,
    }, geometry=gpd.GeoSeries(ends, crs=crs), crs=crs)
    station_frame = gpd.GeoDataFrame({
        "kind": st.kind, "layer": st.layer, "feature_id": st.feature_id, "name": st.name,
        "voltage_levels": [";".join(map(str, lv)) or None for lv in levels],
        "voltage_kv": pd.array([lv[0] if lv else None for lv in levels], dtype="Int64"),
        "voltage_inferred": inferred, "declared": st.declared, "status": st.status,
        "period": st.period, "capacity": st.capacity,
    }, geometry=gpd.GeoSeries(st.geometry, crs=crs), crs=crs)
    line_frame = gpd.GeoDataFrame(lp.drop(columns="geometry").assign(length_m=lengths),
                                  geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    grid = Grid(
        nodes=gpd.GeoDataFrame(node_frame.set_index("node", drop=False), geometry="geometry",
                               crs=crs),
        edges=gpd.GeoDataFrame(edge_frame.set_index("edge", drop=False), geometry="geometry",
                               crs=crs),
        ends=end_frame, stations=station_frame, lines=line_frame, province=province,
        settings=settings, crs=crs,
    )
    log.info("grid: %d nodes, %d edges, %d components, %d dangling ends", len(grid.nodes),
             len(grid.edges), grid.n_components, int((reaches == "dangling").sum()))
    return grid


def _kv_text(kv: float) -> str:
    return KV_UNKNOWN if math.isnan(kv) else str(int(kv))


def _same_voltage(a: float, b: float) -> bool:
    return math.isnan(a) or math.isnan(b) or a == b


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes joined by edges ``u``-``v``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.array([], dtype=np.int64)
    adj = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
    return connected_components(adj, directed=False)[1]


def _component_numbers(node_ids: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component number of each node: 1 is the largest, ties by smallest node id."""
    labels = _components(len(node_ids), u, v)
    if not len(node_ids):
        return labels
    frame = pd.DataFrame({"label": labels, "id": node_ids.astype(str)})
    stats = frame.groupby("label")["id"].agg(["size", "min"])
    ranked = stats.sort_values(["size", "min"], ascending=[False, True]).index.to_numpy()
    number = np.empty(len(ranked), dtype=np.int64)
    number[ranked] = np.arange(1, len(ranked) + 1)
    return number[labels]

