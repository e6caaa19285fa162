"""The power grid as a network: graph build, topology audit and interconnections.

Lines drawn on a map are not yet a grid. :func:`build_grid` turns the ``grid_line``,
``substation`` and ``power_plant`` frames of a plan (all in the plan's metric analysis CRS) into
a :mod:`networkx` multigraph:

* a **line end** within ``tolerance_m`` of a substation (or plant) is snapped to it; among the
  stations in reach, one that carries the line's voltage is preferred, then the nearest;
* a line **passing through** a substation that carries its voltage (within
  ``through_tolerance_m`` of the line) is split there, so the station sits on the path;
* a line end within ``join_tolerance_m`` of another line of the same voltage (its end or its
  interior: a tap) joins it; the tapped line is split at that point;
* a **substation** has one node per voltage level; the levels of a multi-voltage station
  (500/220, 220/110 kV) are joined by transformer edges;
* a substation **without a voltage** (as in OpenStreetMap data) gets the levels of the lines that
  end at it (``voltage_inferred``);
* a line carrying several voltages (``"500;220"``, shared towers) becomes one edge per level;
* **plants** are sources; line ends outside the province boundary lead into the neighbouring
  grid and count as supply unless ``external_supply = false``.

:func:`audit_grid` returns findings in the common schema (:mod:`geoplan.findings`):

``grid-dangling`` (error)
    a line end that reaches no substation, no plant and no other line, inside the province;
``grid-unfed`` (error)
    a substation below the source voltage (110 kV) without a path to a 220/500 kV substation,
    a plant or the neighbouring grid -- as existing today, and as planned by the end of each
    period of the plan;
``grid-voltage-mismatch`` (error)
    a line that ends at a substation without that voltage level (or on a line of another
    voltage);
``grid-island`` (warning)
    a connected part with lines and load but no source;
``grid-single-supply`` (info)
    a 110 kV substation that depends on one line (N-1 not met); a line of two circuits counts
    as two;
``grid-interconnection`` (info)
    a line crossing the province boundary, with the neighbouring province's name.

Settings come from the plan's ``[grid]`` table (see :data:`SETTINGS`); every distance is in
metres in the analysis CRS.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import CRSError, PlanError, check_keys
from geoplan.findings import empty_findings, make_findings
from geoplan.kinds import period_end
from geoplan.names import place_key
from geoplan.results import findings_summary, plain_table

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pyproj

    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = [
    "SETTINGS",
    "Grid",
    "GridResult",
    "GridSettings",
    "Scenario",
    "analyse_plan",
    "audit_grid",
    "build_grid",
    "components_table",
    "grid_findings",
    "grid_geojson",
    "grid_settings",
    "interconnections",
    "province_and_neighbours",
    "scenarios",
    "snap_lines",
    "split_lines",
    "validate_settings",
    "write_grid_geojson",
]

REFERENCE = ("Phân tích cấu trúc lưới điện của geoplan; tiêu chí N-1 là thông lệ quy hoạch, không "
             "phải ngưỡng pháp lý / geoplan grid topology audit; N-1 as planning practice, not a "
             "legal threshold")

# ------------------------------------------------------------------------------ settings

#: The keys of the plan's ``[grid]`` table, with their meaning.
SETTINGS: Mapping[str, str] = {
    "tolerance_m": "a line end this close (m) to a substation or plant connects to it "
                   "(default 50)",
    "through_tolerance_m": "a line passing this close (m) to a substation of its voltage is "
                           "split there (default 10)",
    "join_tolerance_m": "a line end this close (m) to another line of its voltage joins it "
                        "(default 1)",
    "source_kv": "substations of this voltage (kV) or more, and plants, are sources "
                 "(default 220)",
    "external_supply": "line ends outside the province boundary count as supply from the "
                       "neighbouring grid (default true)",
    "infer_voltage": "give substations without a voltage the levels of the lines ending at "
                     "them (default true)",
    "neighbours": "path (relative to the plan file) of a polygon layer of the neighbouring "
                  "provinces, used to name interconnections",
    "neighbours_field": "the column of that layer holding the province name (default: name)",
}


@dataclass(frozen=True)
class GridSettings:
    """Settings of the grid build and audit; see :data:`SETTINGS`."""

    tolerance_m: float = 50.0
    through_tolerance_m: float = 10.0
    join_tolerance_m: float = 1.0
    source_kv: int = 220
    external_supply: bool = True
    infer_voltage: bool = True
    neighbours: Path | None = None
    neighbours_field: str = "name"


_NUMBER_KEYS = {"tolerance_m": (0.0, 5000.0), "through_tolerance_m": (0.0, 5000.0),
                "join_tolerance_m": (0.0, 100.0), "source_kv": (1.0, 1000.0)}
_BOOL_KEYS = ("external_supply", "infer_voltage")
_TEXT_KEYS = ("neighbours", "neighbours_field")


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check the keys and values of the plan's ``[grid]`` table.

    Raises
    ------
    PlanError
        For an unknown key (the message lists the valid keys) or a value of the wrong type or
        range.

    >>> validate_settings({"tolerance_m": 300})
    >>> validate_settings({"tolerence_m": 300})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'tolerence_m' (did you mean 'tolerance_m'?) in ...
    """
    check_keys(mapping, SETTINGS, where=" in [grid]")
    for key, (low, high) in _NUMBER_KEYS.items():
        if key not in mapping:
            continue
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                low <= value <= high):
            what = (f"a number of metres between {low:g} and {high:g}" if key.endswith("_m")
                    else "a voltage in kV, e.g. 220")
            raise PlanError(f"[grid] {key} = {value!r}: write {what}")
    for key in _BOOL_KEYS:
        if key in mapping and not isinstance(mapping[key], bool):
            raise PlanError(f"[grid] {key} = {mapping[key]!r}: write true or false")
    for key in _TEXT_KEYS:
        if key in mapping and (not isinstance(mapping[key], str) or not mapping[key].strip()):
            raise PlanError(f"[grid] {key} = {mapping[key]!r}: write a text such as "
                            + ("\"neighbours.geojson\"" if key == "neighbours" else "\"name\""))


def grid_settings(mapping: Mapping[str, Any] | None = None, *,
                  base: Path | None = None) -> GridSettings:
    """:class:`GridSettings` from a ``[grid]`` table; ``neighbours`` is resolved against
    ``base`` (the plan file's folder)."""
    mapping = dict(mapping or {})
    validate_settings(mapping)
    kwargs: dict[str, Any] = {}
    for key in ("tolerance_m", "through_tolerance_m", "join_tolerance_m"):
        if key in mapping:
            kwargs[key] = float(mapping[key])
    if "source_kv" in mapping:
        kwargs["source_kv"] = int(mapping["source_kv"])
    for key in _BOOL_KEYS:
        if key in mapping:
            kwargs[key] = bool(mapping[key])
    if "neighbours" in mapping:
        path = Path(mapping["neighbours"])
        kwargs["neighbours"] = path if path.is_absolute() or base is None else base / path
    if "neighbours_field" in mapping:
        kwargs["neighbours_field"] = mapping["neighbours_field"]
    return GridSettings(**kwargs)


# --------------------------------------------------------------------------- input frames

_KV_UNKNOWN = "?"


def _levels_of(frame: pd.DataFrame) -> list[tuple[int, ...]]:
    """All voltage levels of each feature (highest first); ``()`` when unknown."""
    if "voltage_levels" in frame:
        raw = frame["voltage_levels"].to_numpy(dtype=object)
    else:
        raw = np.full(len(frame), None, dtype=object)
    kv = frame["voltage_kv"] if "voltage_kv" in frame else pd.Series(pd.NA, index=frame.index)
    kv_arr = kv.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    out: list[tuple[int, ...]] = []
    for text, value in zip(raw, kv_arr, strict=True):
        if isinstance(text, str) and text.strip():
            out.append(tuple(sorted({int(float(p)) for p in text.split(";") if p.strip()},
                                    reverse=True)))
        elif not math.isnan(value):
            out.append((int(value),))
        else:
            out.append(())
    return out


def _column(frame: pd.DataFrame, name: str, default: Any = None) -> np.ndarray:
    if name in frame:
        return _none_for_na(frame[name].to_numpy(dtype=object))
    return np.full(len(frame), default, dtype=object)


def _none_for_na(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=object, copy=True)
    out[pd.isna(out)] = None
    return out


def _isna(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _ids(frame: pd.DataFrame) -> np.ndarray:
    if "id" in frame:
        return np.array([str(i) if not _isna(i) else str(k) for k, i in
                         zip(frame.index, frame["id"].astype(object), strict=True)], dtype=object)
    return np.array([str(k) for k in frame.index], dtype=object)


def _layer_names(frame: pd.DataFrame, default: str) -> np.ndarray:
    if "layer" in frame:
        return np.array([str(v) for v in frame["layer"].astype(object)], dtype=object)
    return np.full(len(frame), default, dtype=object)


def _check_crs(frames: Sequence[gpd.GeoDataFrame | None]) -> pyproj.CRS:
    import pyproj

    crs = None
    for frame in frames:
        if frame is None:
            continue
        if frame.crs is None:
            raise CRSError("a grid frame has no CRS; build the grid from a loaded plan "
                           "(geoplan.load_plan) or set the analysis CRS with gdf.set_crs(...)")
        this = pyproj.CRS.from_user_input(frame.crs)
        if crs is None:
            crs = this
        elif not crs.equals(this):
            raise CRSError(f"grid frames are in different CRSs ({crs.name} and {this.name}); "
                           "reproject them with geoplan.crs.to_crs to the plan's analysis CRS")
    if crs is None:
        raise CRSError("no grid frames given")
    if not crs.is_projected:
        raise CRSError(f"the grid is built in metres, but the frames are in {crs.name}; "
                       "reproject them with geoplan.crs.to_crs to the plan's analysis CRS")
    return crs


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
    levels = _levels_of(lines)
    rep = np.array([max(1, len(levels[i])) for i in owner], dtype=np.int64)
    idx = np.repeat(np.arange(len(owner)), rep)
    kv = np.array([lv for i in owner for lv in (levels[i] or (np.nan,))], dtype="float64")
    feat = owner[idx]
    circuits = pd.to_numeric(pd.Series(_column(lines, "circuits")), errors="coerce")
    circ = circuits.to_numpy(dtype="float64")
    return pd.DataFrame({
        "feat": feat,
        "part": part_no[idx],
        "layer": _layer_names(lines, "grid_line")[feat],
        "feature_id": _ids(lines)[feat],
        "name": _column(lines, "name")[feat],
        "kv": kv,
        "status": _column(lines, "status", "existing")[feat],
        "period": _column(lines, "period")[feat],
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
        levels = _levels_of(sub) if kind == "substation" else [() for _ in range(len(sub))]
        cap = pd.to_numeric(pd.Series(_column(sub, "capacity_mva" if kind == "substation"
                                              else "capacity_mw")), errors="coerce")
        frames.append(dict(
            kind=np.full(len(sub), kind, dtype=object),
            layer=_layer_names(sub, default), feature_id=_ids(sub), name=_column(sub, "name"),
            status=_column(sub, "status", "existing"), period=_column(sub, "period"),
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
    _check_crs([lines, stations])
    geoms = np.asarray(lines.geometry.values, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    line_levels = _levels_of(lines) if "voltage_kv" in lines else [() for _ in range(len(lines))]
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
    _check_crs([lines, gpd.GeoDataFrame(geometry=gpd.GeoSeries(points.geometry))])
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
    return f"S{j}@{kv if kv is not None else _KV_UNKNOWN}"


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
    """Build the grid graph from line, substation and plant frames (see the module docstring).

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
    crs = _check_crs([lines, substations, plants])
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
            ids: list[tuple[str, int | None]] = [(f"P{j}", None)]
        else:
            ids = [(_station_node(j, lv), lv) for lv in station_levels[j]] or [
                (_station_node(j, None), None)]
        for nid, level in ids:
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
    return _KV_UNKNOWN if math.isnan(kv) else str(int(kv))


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


def _component_numbers(ids: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component number of each node: 1 is the largest, ties by smallest node id."""
    labels = _components(len(ids), u, v)
    if not len(ids):
        return labels
    frame = pd.DataFrame({"label": labels, "id": ids.astype(str)})
    stats = frame.groupby("label")["id"].agg(["size", "min"])
    ranked = stats.sort_values(["size", "min"], ascending=[False, True]).index.to_numpy()
    number = np.empty(len(ranked), dtype=np.int64)
    number[ranked] = np.arange(1, len(ranked) + 1)
    return number[labels]


# ------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class Scenario:
    """A state of the grid: ``existing`` today, ``by YEAR`` (the end of a plan period), or
    ``plan`` (everything in the plan, periods or not)."""

    key: str
    year: int | None
    label: str


def _present(status: np.ndarray, period: np.ndarray, scenario: Scenario) -> np.ndarray:
    status = np.array([s if isinstance(s, str) else "existing" for s in status], dtype=object)
    existing = status == "existing"
    if scenario.key == "existing":
        return existing
    if scenario.key == "plan":
        return np.ones(len(status), dtype=bool)
    ends = np.array([period_end(p) if isinstance(p, str) else None for p in period],
                    dtype=object)
    assert scenario.year is not None
    due = np.array([e is not None and e <= scenario.year for e in ends], dtype=bool)
    building = (status == "under_construction") & np.array([e is None for e in ends], bool)
    return existing | due | building


def scenarios(grid: Grid) -> list[Scenario]:
    """The states the audit looks at: existing today, the end of each period of the plan, and
    the full plan when it holds more than the last period."""
    status = np.r_[grid.edges["status"].to_numpy(dtype=object),
                   grid.stations["status"].to_numpy(dtype=object)]
    period = np.r_[grid.edges["period"].to_numpy(dtype=object),
                   grid.stations["period"].to_numpy(dtype=object)]
    out = [Scenario("existing", None, "as existing today")]
    years = sorted({y for y, s in zip((period_end(p) if isinstance(p, str) else None
                                       for p in period), status, strict=True)
                    if y is not None and s != "existing"})
    out += [Scenario(str(y), y, f"as planned by the end of {y}") for y in years]
    if not _present(status, period, out[-1]).all():
        out.append(Scenario("plan", None, "with everything in the plan"))
    return out


def _presence(grid: Grid, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Which stations and which edges are there in the scenario (a transformer is there when
    its station is)."""
    stations, edges = grid.stations, grid.edges
    st_present = _present(stations["status"].to_numpy(dtype=object),
                          stations["period"].to_numpy(dtype=object), sc)
    is_line = (edges["kind"] == "line").to_numpy()
    line_present = _present(edges["status"].to_numpy(dtype=object),
                            edges["period"].to_numpy(dtype=object), sc)
    station = edges["station"].to_numpy()
    tx_present = st_present[np.maximum(station, 0)] if len(st_present) else np.zeros(
        len(edges), dtype=bool)
    return st_present, np.where(is_line, line_present, tx_present)


@dataclass(frozen=True)
class _State:
    scenario: Scenario
    unfed: dict[int, int]                       # load station -> component label
    islands: dict[frozenset[int], np.ndarray]   # load stations -> positions of their edges
    single: dict[int, int]                      # load station -> position of the edge it needs


def _sources_and_loads(grid: Grid, st_present: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Source node positions, and the node position of each present load station (a substation
    below the source voltage)."""
    nodes = grid.nodes
    kind = nodes["kind"].to_numpy(dtype=object)
    station = nodes["station"].to_numpy()
    kv = nodes["voltage_kv"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    present = np.zeros(len(nodes), dtype=bool)
    at_station = station >= 0
    present[at_station] = st_present[station[at_station]]
    src_kv = grid.settings.source_kv
    source = ((kind == "plant") & present) | ((kind == "substation") & present & (kv >= src_kv))
    if grid.settings.external_supply:
        source |= kind == "external"
    levels = grid.stations["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                                    na_value=np.nan)
    skind = grid.stations["kind"].to_numpy(dtype=object)
    position = {nid: k for k, nid in enumerate(nodes.index)}
    loads = {int(j): position[_station_node(int(j), int(levels[j]))]
             for j in np.flatnonzero(st_present & (skind == "substation") & (levels < src_kv))}
    return np.flatnonzero(source), loads


def _state(grid: Grid, sc: Scenario) -> _State:
    st_present, present = _presence(grid, sc)
    u, v = grid._uv
    n = len(grid.nodes)
    labels = _components(n, u[present], v[present])
    sources, loads = _sources_and_loads(grid, st_present)
    fed = np.zeros(n, dtype=bool)
    if len(sources):
        fed[np.isin(labels, labels[sources])] = True
    unfed = {j: int(labels[k]) for j, k in loads.items() if not fed[k]}

    is_line = (grid.edges["kind"] == "line").to_numpy()
    live = np.flatnonzero(present & is_line)
    by_label: dict[int, set[int]] = defaultdict(set)
    for j, lab in unfed.items():
        by_label[lab].add(j)
    islands: dict[frozenset[int], np.ndarray] = {}
    if by_label:
        edge_label = labels[u[live]]
        for lab, js in by_label.items():
            mine = live[edge_label == lab]
            if len(mine):
                islands[frozenset(js)] = mine
    single = _single_supply(grid, present, sources, {j: k for j, k in loads.items() if fed[k]})
    return _State(sc, unfed, islands, single)


def _single_supply(grid: Grid, present: np.ndarray, sources: np.ndarray,
                   fed: dict[int, int]) -> dict[int, int]:
    """The fed loads that one line outage cuts off from every source, with the edge (position)
    they depend on: the first such line on their way to the sources.

    A super-source joins every source. A line of two circuits or more, parallel lines,
    transformers and the super-source links cannot be lost at once; a single-circuit line that
    is a bridge can. Bridges come from one depth-first tree of the super-source's part
    (:func:`scipy.sparse.csgraph.depth_first_order`): every other edge joins a node to one of
    its ancestors, and a tree edge is a bridge when no such edge spans it. (networkx's
    ``bridges`` gives the same set, about 50 times slower on a national grid; a test compares
    them.)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import depth_first_order

    if not fed or not len(sources):
        return {}
    u, v = grid._uv
    n = len(grid.nodes)
    star = n
    size = n + 1
    edges = grid.edges
    kind = edges["kind"].to_numpy(dtype=object)
    circuits = edges["circuits"].astype("Float64").to_numpy(dtype="float64", na_value=1.0)
    keep = present & (u != v)
    e_idx = np.flatnonzero(keep)
    weight = np.where((kind[keep] == "transformer") | (circuits[keep] >= 2), 2, 1)
    a = np.r_[np.minimum(u[keep], v[keep]), sources]
    b = np.r_[np.maximum(u[keep], v[keep]), np.full(len(sources), star)]
    w = np.r_[weight, np.full(len(sources), 2)]
    code = a.astype(np.int64) * size + b
    pairs, inverse = np.unique(code, return_inverse=True)
    pair_weight = np.bincount(inverse, weights=w)
    pair_edge = np.full(len(pairs), -1, dtype=np.int64)
    pair_edge[inverse[: len(e_idx)]] = e_idx  # some line edge of each pair
    pa, pb = pairs // size, pairs % size
    adj = coo_matrix((np.ones(2 * len(pairs), dtype=np.int8), (np.r_[pa, pb], np.r_[pb, pa])),
                     shape=(size, size)).tocsr()
    order, pred = depth_first_order(adj, star, directed=True, return_predecessors=True)
    pos = np.full(size, -1, dtype=np.int64)
    pos[order] = np.arange(len(order))
    child = order[1:]
    parent = pred[child]
    tree = np.minimum(child, parent).astype(np.int64) * size + np.maximum(child, parent)
    reached = (pos[pa] >= 0) & (pos[pb] >= 0)
    back = reached & ~np.isin(pairs, tree)
    lower = np.where(pos[pa[back]] > pos[pb[back]], pa[back], pb[back])
    upper = np.where(pos[pa[back]] > pos[pb[back]], pb[back], pa[back])
    span = np.zeros(size, dtype=np.int64)
    np.add.at(span, lower, 1)
    np.add.at(span, upper, -1)
    for node in order[:0:-1].tolist():  # children before parents: sum each subtree
        span[pred[node]] += span[node]
    tree_pair = np.searchsorted(pairs, tree)
    breakable = (span[child] == 0) & (pair_weight[tree_pair] == 1)
    needs = np.full(size, -1, dtype=np.int64)
    edge_of_child = np.where(breakable, pair_edge[tree_pair], -1)
    for node, par, edge in zip(child.tolist(), parent.tolist(), edge_of_child.tolist(),
                               strict=True):  # parents before children
        needs[node] = edge if edge >= 0 else needs[par]
    return {j: int(needs[k]) for j, k in fed.items() if needs[k] >= 0}


# ---------------------------------------------------------------------------------- audit


def _label(kind: str, layer: Any, fid: Any, name: Any) -> str:
    text = f"{kind} {fid}"
    if isinstance(name, str) and name and name != fid:
        text += f" ({name})"
    return text


def _kv_label(k: Any) -> str:
    return "unknown-voltage" if pd.isna(k) else f"{int(k)} kV"


def _join(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def audit_grid(grid: Grid, *, interconnection_table: gpd.GeoDataFrame | None = None
               ) -> gpd.GeoDataFrame:
    """The topology findings of a built grid (see the module docstring for the rules).

    ``interconnection_table`` (from :func:`interconnections`) adds ``grid-interconnection``
    findings.
    """
    return _audit(grid, interconnection_table)[0]


def _audit(grid: Grid, table: gpd.GeoDataFrame | None
           ) -> tuple[gpd.GeoDataFrame, list[_State]]:
    states = [_state(grid, sc) for sc in scenarios(grid)]
    records = [*_dangling_findings(grid), *_mismatch_findings(grid),
               *_unfed_findings(grid, states), *_island_findings(grid, states),
               *_single_supply_findings(grid, states)]
    if table is not None:
        records += _interconnection_findings(table)
    return make_findings(records, crs=grid.crs), states


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows as dicts of plain values (missing: None); fast on Arrow-backed text columns."""
    part = pd.DataFrame({c: frame[c].to_numpy(dtype=object) for c in columns})
    return [{str(k): v for k, v in r.items()}
            for r in part.where(part.notna(), None).to_dict("records")]


def _text(values: pd.Series) -> np.ndarray:
    return _none_for_na(values.to_numpy(dtype=object))


def _dangling_findings(grid: Grid) -> list[dict[str, Any]]:
    ends = grid.ends[grid.ends["reaches"] == "dangling"].drop_duplicates(
        ["layer", "feature_id", "part", "end"])
    if not len(ends):
        return []
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    tol = grid.settings.tolerance_m
    pts = np.asarray(ends.geometry.values, dtype=object)
    nearest = np.full(len(ends), -1, dtype=np.int64)
    dist = np.full(len(ends), np.nan)
    if len(grid.stations):
        tree = shapely.STRtree(np.asarray(grid.stations.geometry.values, dtype=object))
        (i, j), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        nearest[i], dist[i] = j, d
    records = []
    for row, pt, j, d in zip(_records(ends, ["layer", "feature_id", "end", "voltage_kv"]), pts,
                             nearest.tolist(), dist.tolist(), strict=True):
        near = (f"the nearest station, {st_id[j]}, is {d:,.0f} m away" if j >= 0
                else "the plan has no substation")
        records.append({
            "rule": "grid-dangling", "severity": "error", "layer": row["layer"],
            "feature_id": row["feature_id"], "other_layer": st_layer[j] if j >= 0 else None,
            "other_id": st_id[j] if j >= 0 else None, "value": d, "unit": "m",
            "threshold": tol,
            "message": (f"{_kv_label(row['voltage_kv'])} line {row['feature_id']}: its "
                        f"{row['end']} reaches no substation, plant or other line ({near}; "
                        f"ends within {tol:g} m connect). Connect it to a substation, or fix "
                        "its geometry; for coarse drawings raise [grid] tolerance_m."),
            "reference": REFERENCE, "geometry": pt,
        })
    return records


def _mismatch_findings(grid: Grid) -> list[dict[str, Any]]:
    ends = grid.ends[grid.ends["mismatch"].to_numpy(dtype=bool)]
    if not len(ends):
        return []
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    st_levels = _text(grid.stations["voltage_levels"])
    ln_layer, ln_id = _text(grid.lines["layer"]), _text(grid.lines["feature_id"])
    ln_kv = grid.lines["kv"].to_numpy(dtype="float64")
    records = []
    rows = _records(ends, ["layer", "feature_id", "voltage_kv", "reaches", "station",
                           "other_part"])
    for row, pt in zip(rows, np.asarray(ends.geometry.values, dtype=object), strict=True):
        kv = _kv_label(row["voltage_kv"])
        if row["reaches"] == "station":
            j = int(row["station"])
            levels = st_levels[j]
            other_layer, other_id = st_layer[j], st_id[j]
            msg = (f"{kv} line {row['feature_id']} ends at substation {other_id} "
                   f"({str(levels).replace(';', '/')} kV), which has no {kv} level; treated as "
                   f"connected. Add the level to the substation (voltage_kv = "
                   f"\"{levels};{row['voltage_kv']}\") or correct the line's voltage.")
        else:
            p = int(row["other_part"])
            other_layer, other_id = ln_layer[p], ln_id[p]
            msg = (f"{kv} line {row['feature_id']} ends on {_kv_label(ln_kv[p])} line "
                   f"{other_id}: lines of different voltages join only in a substation; not "
                   "connected. Add the substation, or correct a voltage.")
        records.append({
            "rule": "grid-voltage-mismatch", "severity": "error", "layer": row["layer"],
            "feature_id": row["feature_id"], "other_layer": other_layer, "other_id": other_id,
            "value": row["voltage_kv"], "unit": "kV", "message": msg, "reference": REFERENCE,
            "geometry": pt,
        })
    return records


class _StationText:
    """Station attributes as plain arrays, for messages."""

    def __init__(self, grid: Grid) -> None:
        st = grid.stations
        self.layer, self.id, self.name = _text(st["layer"]), _text(st["feature_id"]), _text(
            st["name"])
        self.kv = st["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                              na_value=np.nan)
        self.geometry = np.asarray(st.geometry.values, dtype=object)

    def label(self, j: int) -> str:
        fid, name = self.id[j], self.name[j]
        return f"{fid} ({name})" if isinstance(name, str) and name and name != fid else str(fid)


def _unfed_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[int, list[str]] = defaultdict(list)
    for state in states:
        for j in state.unfed:
            when[j].append(state.scenario.label)
    st = _StationText(grid)
    src = grid.settings.source_kv
    return [{
        "rule": "grid-unfed", "severity": "error", "layer": st.layer[j], "feature_id": st.id[j],
        "value": len(labels), "unit": "scenarios",
        "message": (f"{_kv_label(st.kv[j])} substation {st.label(j)} has no path to a source "
                    f"(a substation of {src} kV or more, a plant, or the neighbouring grid) "
                    f"{_join(labels)}. Plan a line to a {src} kV substation, or correct the "
                    "status/period of the lines feeding it."),
        "reference": REFERENCE, "geometry": st.geometry[j],
    } for j, labels in when.items()]


def _island_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[frozenset[int], list[str]] = defaultdict(list)
    edges_of: dict[frozenset[int], np.ndarray] = {}
    for state in states:
        for key, positions in state.islands.items():
            when[key].append(state.scenario.label)
            edges_of[key] = positions
    if not when:
        return []
    st = _StationText(grid)
    e_id = _text(grid.edges["feature_id"])
    e_len = grid.edges["length_m"].to_numpy(dtype="float64")
    e_geom = np.asarray(grid.edges.geometry.values, dtype=object)
    records = []
    for key, labels in when.items():
        js = sorted(key, key=lambda j: (str(st.layer[j]), str(st.id[j])))
        pos = edges_of[key]
        line_ids = sorted(set(e_id[pos]))
        names = [st.label(j) for j in js]
        records.append({
            "rule": "grid-island", "severity": "warning", "layer": st.layer[js[0]],
            "feature_id": st.id[js[0]], "value": float(e_len[pos].sum()) / 1e3, "unit": "km",
            "message": (f"{len(js)} substation(s) ({_join(names[:8])}"
                        f"{' …' if len(names) > 8 else ''}) and {len(line_ids)} line(s) "
                        f"({_join(line_ids[:8])}{' …' if len(line_ids) > 8 else ''}) form a "
                        f"connected part with load but no source {_join(labels)}. Connect it "
                        f"to a {grid.settings.source_kv} kV substation or a plant."),
            "reference": REFERENCE,
            "geometry": shapely.multilinestrings(list(e_geom[pos])),
        })
    return records


def _single_supply_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[int, list[str]] = defaultdict(list)
    via: dict[int, int] = {}
    for state in states:
        for j, pos in state.single.items():
            when[j].append(state.scenario.label)
            via[j] = pos
    if not when:
        return []
    st = _StationText(grid)
    e_layer, e_id = _text(grid.edges["layer"]), _text(grid.edges["feature_id"])
    e_kv = grid.edges["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                               na_value=np.nan)
    return [{
        "rule": "grid-single-supply", "severity": "info", "layer": st.layer[j],
        "feature_id": st.id[j], "other_layer": e_layer[via[j]], "other_id": e_id[via[j]],
        "value": 1.0, "unit": "lines",
        "message": (f"{_kv_label(st.kv[j])} substation {st.label(j)} depends on a single line "
                    f"{_join(labels)}: losing {_kv_label(e_kv[via[j]])} line {e_id[via[j]]} "
                    "cuts it off (N-1 not met; a line of two circuits counts as two)."),
        "reference": REFERENCE, "geometry": st.geometry[j],
    } for j, labels in when.items()]


# ------------------------------------------------------------------------ interconnections


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
            names[a] = _join([n for n, _ in sorted(by_name.items(), key=lambda t: -t[1])])
    levels = _levels_of(lines)
    return gpd.GeoDataFrame({
        "layer": _layer_names(lines, "grid_line")[idx],
        "feature_id": _ids(lines)[idx],
        "name": _column(lines, "name")[idx],
        "voltage_kv": pd.array([levels[i][0] if levels[i] else None for i in idx],
                               dtype="Int64"),
        "status": _column(lines, "status", "existing")[idx],
        "neighbour": names,
        "outside_km": shapely.length(outside) / 1e3,
    }, geometry=gpd.GeoSeries(points, crs=lines.crs), crs=lines.crs)


def _interconnection_findings(table: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    records = []
    for _, row in table.iterrows():
        where = ("a neighbouring province not named in the plan (unknown neighbour; add "
                 "province polygons to the boundary layer or [grid] neighbours)"
                 if row["neighbour"] == "unknown neighbour" else row["neighbour"])
        records.append({
            "rule": "grid-interconnection", "severity": "info", "layer": row["layer"],
            "feature_id": row["feature_id"], "value": row["outside_km"], "unit": "km",
            "message": (f"{_kv_label(row['voltage_kv'])} line {row['feature_id']} crosses the "
                        f"province boundary into {where}: an interconnection with the "
                        "neighbouring province."),
            "reference": REFERENCE, "geometry": row.geometry,
        })
    return records


# ------------------------------------------------------------------------- tables, export


def components_table(grid: Grid) -> pd.DataFrame:
    """One row per connected part of the whole plan's graph (every status).

    Columns: ``component, substations, plants, lines, length_km, voltages, sources,
    external_ends, dangling_ends``; biggest first. A substation without lines is a part of its
    own.
    """
    columns = ["component", "substations", "plants", "lines", "length_km", "voltages",
               "sources", "external_ends", "dangling_ends"]
    nodes, edges, ends = grid.nodes, grid.edges, grid.ends
    if not len(nodes):
        return pd.DataFrame(columns=columns)
    comp = nodes["component"].to_numpy()
    out = pd.DataFrame(index=pd.Index(np.unique(comp), name="component"))
    station = nodes["station"].to_numpy()
    at = station >= 0
    st_kind = grid.stations["kind"].to_numpy(dtype=object)
    st_kv = grid.stations["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                                   na_value=np.nan)
    per = pd.DataFrame({"component": comp[at], "station": station[at]}).drop_duplicates()
    kinds = st_kind[per["station"].to_numpy()]
    is_source = (kinds == "plant") | (st_kv[per["station"].to_numpy()] >= grid.settings.source_kv)
    out["substations"] = pd.Series(kinds == "substation").groupby(
        per["component"].to_numpy()).sum()
    out["plants"] = pd.Series(kinds == "plant").groupby(per["component"].to_numpy()).sum()
    line = edges[(edges["kind"] == "line").to_numpy()]
    lcomp = line["component"].to_numpy()
    keys = pd.DataFrame({"component": lcomp,
                         "key": line["layer"].astype(str).to_numpy(dtype=object) + "\x00"
                         + line["feature_id"].astype(str).to_numpy(dtype=object)})
    out["lines"] = keys.drop_duplicates().groupby("component").size()
    route = pd.DataFrame({"component": lcomp, "km": line["length_m"].to_numpy(
        dtype="float64") / 1e3, "piece": [e.rsplit("@", 1)[0] for e in line.index]})
    # a line of two voltages is one edge per level but one route
    out["length_km"] = route.drop_duplicates(["component", "piece"]).groupby("component")[
        "km"].sum()
    kv = line["voltage_kv"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(kv)
    levels = pd.DataFrame({"component": lcomp[ok], "kv": kv[ok].astype(int)}).drop_duplicates()
    out["voltages"] = levels.sort_values("kv", ascending=False).groupby("component")["kv"].agg(
        lambda x: ";".join(map(str, x)))
    position = pd.Index(nodes.index)
    end_comp = comp[position.get_indexer(ends["node"].to_numpy(dtype=object))] if len(
        ends) else np.array([], dtype=np.int64)
    reach = ends["reaches"].to_numpy(dtype=object)
    out["external_ends"] = pd.Series(reach == "external").groupby(end_comp).sum()
    out["dangling_ends"] = pd.Series(reach == "dangling").groupby(end_comp).sum()
    src = pd.Series(is_source).groupby(per["component"].to_numpy()).any()
    out["sources"] = src.reindex(out.index, fill_value=False).astype(bool)
    for col in ("substations", "plants", "lines", "external_ends", "dangling_ends"):
        out[col] = out[col].fillna(0).astype(int)
    out["length_km"] = out["length_km"].fillna(0.0).astype(float)
    if grid.settings.external_supply:
        out["sources"] = out["sources"] | (out["external_ends"] > 0)
    out["voltages"] = out["voltages"].astype(object).where(out["voltages"].notna(), None)
    return out.reset_index()[columns]


def grid_geojson(grid: Grid) -> dict[str, Any]:
    """The graph as a GeoJSON FeatureCollection in WGS 84: nodes (points, with ``degree`` and
    ``component``) and line edges (with ``voltage_kv``); ``element`` says which."""
    from geoplan.crs import to_wgs84

    nodes = grid.nodes.drop(columns=["station", "declared"]).assign(element="node")
    edges = grid.edges[grid.edges["kind"] == "line"].drop(columns=["station"]).assign(
        element="edge")
    nodes = nodes.rename(columns={"node": "id"}).reset_index(drop=True)
    edges = edges.rename(columns={"edge": "id"}).reset_index(drop=True)
    features = []
    for frame in (nodes, edges):
        if not len(frame):
            continue
        wgs = to_wgs84(frame)
        features.extend(json.loads(wgs.to_json(drop_id=True, na="null"))["features"])
    return {"type": "FeatureCollection", "features": features}


def write_grid_geojson(grid: Grid, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write :func:`grid_geojson` atomically; returns the path written."""
    from geoplan.io import atomic_path

    target = Path(path)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(grid_geojson(grid), ensure_ascii=False), encoding="utf-8")
    return target


# ----------------------------------------------------------------------------- from a plan


@dataclass(frozen=True)
class GridResult:
    """What :func:`geoplan.pipeline.run_grid` returns."""

    grid: Grid
    findings: gpd.GeoDataFrame
    components: pd.DataFrame
    interconnections: gpd.GeoDataFrame
    scenarios: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """``stage``, ``findings`` (counts), then the headline figures: nodes, edges,
        components, dangling and external ends, inferred substation voltages."""
        comps = self.components
        with_lines = comps[comps["lines"] > 0]
        return {
            "stage": "grid",
            "findings": findings_summary(self.findings),
            "nodes": len(self.grid.nodes),
            "edges": int((self.grid.edges["kind"] == "line").sum()),
            "components": len(comps),
            "components_with_lines": len(with_lines),
            "isolated_substations": int(((comps["lines"] == 0)
                                         & (comps["substations"] > 0)).sum()),
            "dangling_ends": int(self.grid.ends.drop_duplicates(
                ["layer", "feature_id", "part", "end"])["reaches"].eq("dangling").sum()),
            "external_ends": int(self.grid.ends.drop_duplicates(
                ["layer", "feature_id", "part", "end"])["reaches"].eq("external").sum()),
            "inferred_substations": int(self.grid.stations["voltage_inferred"].sum()),
            "interconnections": len(self.interconnections),
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """``nodes``, ``edges`` (lines and transformers), ``stations`` (with their levels,
        ``voltage_inferred``), ``interconnections`` and ``findings``."""
        return {"nodes": self.grid.nodes.reset_index(drop=True),
                "edges": self.grid.edges.reset_index(drop=True),
                "stations": self.grid.stations, "interconnections": self.interconnections,
                "findings": self.findings}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``components``, ``scenarios``, ``interconnections``, ``substations`` (the
        substations and plants with their levels, inferred or declared), ``nodes`` and
        ``edges`` of the graph."""
        st = self.grid.stations
        substations = plain_table(st.assign(id=st["feature_id"]))[
            ["layer", "id", "name", "kind", "voltage_levels", "voltage_inferred", "status",
             "period"]]
        return {"components": self.components, "scenarios": self.scenarios,
                "interconnections": plain_table(self.interconnections),
                "substations": substations.reset_index(drop=True),
                "nodes": plain_table(self.grid.nodes).reset_index(drop=True),
                "edges": plain_table(self.grid.edges).reset_index(drop=True)}


def province_and_neighbours(plan: Plan, settings: GridSettings
                            ) -> tuple[Any, gpd.GeoDataFrame | None]:
    """The plan's province polygon and the polygons of its neighbours (``name`` column).

    The province: the boundary layers' province rows named like ``[plan] province`` (all of
    them when the plan names none, or only one row is there), else the union of the communes.
    Neighbours: the other province rows, plus the ``[grid] neighbours`` layer (rows that are
    the province itself are left out).
    """
    from geoplan.crs import to_crs
    from geoplan.io import read_vector

    rows = plan.boundary  # the plan's own province (see Plan.boundary / Plan.neighbours)
    own_key = place_key(plan.province) if plan.province else None
    province = None
    parts: list[gpd.GeoDataFrame] = []
    if rows is not None and len(rows):
        province = shapely.union_all(np.asarray(rows.geometry.values, dtype=object))
    others = plan.neighbours
    if others is not None and len(others):
        parts.append(gpd.GeoDataFrame({"name": others["name"].astype(object)},
                                      geometry=others.geometry, crs=plan.crs))
    if province is None and plan.communes is not None:
        province = shapely.union_all(np.asarray(plan.communes.geometry.values, dtype=object))
    if settings.neighbours is not None:
        raw = read_vector(settings.neighbours)
        if settings.neighbours_field not in raw:
            raise PlanError(f"{settings.neighbours}: no column {settings.neighbours_field!r} "
                            f"for the province names (columns: {', '.join(map(str, raw.columns))}"
                            "); set [grid] neighbours_field")
        if raw.crs is None:
            raise CRSError(f"{settings.neighbours}: the neighbours layer has no CRS; save it "
                           "with one (GeoJSON is WGS 84)")
        other = to_crs(raw[[settings.neighbours_field, raw.geometry.name]], plan.crs,
                       name=str(settings.neighbours))
        other = gpd.GeoDataFrame({"name": other[settings.neighbours_field].astype(object)},
                                 geometry=other.geometry.values, crs=plan.crs)
        keep = np.ones(len(other), dtype=bool)
        if own_key is not None:
            keep &= other["name"].map(place_key).to_numpy() != own_key
        if province is not None and len(other):
            area = shapely.area(np.asarray(other.geometry.values, dtype=object))
            inside = shapely.area(shapely.intersection(
                np.asarray(other.geometry.values, dtype=object), province))
            keep &= ~(inside > 0.5 * np.maximum(area, 1e-9))
        parts.append(other[keep])
    neighbours = None
    if parts:
        neighbours = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                      crs=plan.crs)
    return province, neighbours


def analyse_plan(plan: Plan, *, settings: GridSettings | None = None) -> GridResult:
    """Build and audit the grid of a loaded plan (what ``geoplan grid`` runs)."""
    settings = settings or grid_settings(plan.settings.get("grid"), base=plan.path.parent)
    province, neighbours = province_and_neighbours(plan, settings)
    lines = plan.frame("grid_line")
    grid = build_grid(lines, plan.frame("substation"), plan.frame("power_plant"),
                      province=province, settings=settings)
    table = interconnections(lines, province, neighbours)
    findings, states = _audit(grid, table)
    scen = pd.DataFrame([{
        "scenario": sc.key, "label": sc.label, "unfed": len(s.unfed), "islands": len(s.islands),
        "single_supply": len(s.single),
    } for sc, s in ((s.scenario, s) for s in states)])
    return GridResult(grid=grid, findings=findings, components=components_table(grid),
                      interconnections=table, scenarios=scen)


def grid_findings(plan: Plan) -> gpd.GeoDataFrame:
    """The grid audit findings of a plan, for ``geoplan check``; empty without grid lines."""
    if not plan.of_kind("grid_line") and not plan.of_kind("substation"):
        return empty_findings(plan.crs)
    return analyse_plan(plan).findings
