"""The grid build against a straightforward reference, and pinned on real OpenStreetMap data.

The build works on integer node ids, vectorised snapping and components from
:func:`scipy.sparse.csgraph.connected_components`; here the same rules are written the plain
way (a loop over every line end and every station, a :mod:`networkx` graph of the joins) on
random small grids, and the two must agree on which station each end snaps to, which ends
dangle, and how the grid falls into connected parts.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from builders.osm import osm_province_plan
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

import geoplan
from geoplan.grid import GridSettings, analyse_plan, build_grid

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0
STEP = 25.0                       # lattice of the random grids, metres
TOL, JOIN, THROUGH = 20.0, 1.0, 3.0
SETTINGS = GridSettings(tolerance_m=TOL, join_tolerance_m=JOIN, through_tolerance_m=THROUGH)

cell = st.tuples(st.integers(0, 8), st.integers(0, 8))
jitter = st.sampled_from([0.0, 0.0, 0.4, 0.9, 1.5, 6.0, 15.0, 19.5])
vertex = st.tuples(cell, jitter, jitter)
line = st.tuples(st.lists(vertex, min_size=2, max_size=4),
                 st.sampled_from([110, 110, 220, None]))
station = st.tuples(cell, st.sampled_from(["110", "220", "220;110"]))


def _xy(v: tuple) -> tuple[float, float]:
    (i, j), dx, dy = v
    return (X0 + i * STEP + dx, Y0 + j * STEP + dy)


def _frames(raw_lines: list, raw_stations: list) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    geoms = [LineString([_xy(v) for v in pts]) for pts, _kv in raw_lines]
    lines = gpd.GeoDataFrame({
        "id": [f"L{k:03d}" for k in range(len(raw_lines))],
        "voltage_kv": pd.array([kv for _pts, kv in raw_lines], dtype="Int64"),
    }, geometry=geoms, crs=CRS)
    subs = gpd.GeoDataFrame({
        "id": [f"S{k:03d}" for k in range(len(raw_stations))],
        "voltage_kv": pd.array([int(lv.split(";")[0]) for _c, lv in raw_stations],
                               dtype="Int64"),
        "voltage_levels": [lv for _c, lv in raw_stations],
    }, geometry=[Point(X0 + i * STEP, Y0 + j * STEP) for (i, j), _lv in raw_stations],
        crs=CRS)
    return lines, subs


def _same(a: float | None, b: float | None) -> bool:
    return a is None or b is None or a == b


def reference(lines: gpd.GeoDataFrame, subs: gpd.GeoDataFrame
              ) -> tuple[list[int], set[int], list[frozenset[tuple[str, int]]]]:
    """Per line end (starts, then finishing ends): the station it snaps to (-1 none); the ends
    that dangle; the connected parts as sets of ``("S", station)`` / ``("E", end)``."""
    geoms = list(lines.geometry)
    kv = [None if pd.isna(k) else int(k) for k in lines["voltage_kv"]]
    levels = [tuple(int(x) for x in lv.split(";")) for lv in subs["voltage_levels"]]
    n = len(geoms)
    ends = [Point(g.coords[0]) for g in geoms] + [Point(g.coords[-1]) for g in geoms]
    part = list(range(n)) * 2
    # snapping: among the stations in reach, one carrying the line's voltage, then the nearest
    target = []
    for e, pt in enumerate(ends):
        reach = [(kv[part[e]] is not None and kv[part[e]] not in levels[j], pt.distance(s), j)
                 for j, s in enumerate(subs.geometry) if pt.distance(s) <= TOL]
        target.append(min(reach)[2] if reach else -1)
    # ends move onto their stations; taps and lines through stations see the moved lines,
    # joins between ends the ends as drawn
    snapped = []
    for p, geom in enumerate(geoms):
        coords = list(geom.coords)
        for k, e in ((0, p), (-1, p + n)):
            if target[e] >= 0:
                coords[k] = subs.geometry.iloc[target[e]].coords[0]
        snapped.append(LineString(coords))
    geoms = snapped
    g = nx.Graph()
    g.add_nodes_from(("S", j) for j in range(len(subs)))
    node = [("S", target[e]) if target[e] >= 0 else ("E", e) for e in range(2 * n)]
    g.add_nodes_from(node)
    for p in range(n):
        g.add_edge(node[p], node[p + n])  # the line itself
    dangling = set()
    for e in range(2 * n):
        if target[e] >= 0:
            continue
        near_ends = [b for b in range(2 * n) if b != e and ends[e].distance(ends[b]) <= JOIN]
        joins = [b for b in near_ends if _same(kv[part[e]], kv[part[b]])]
        other = [b for b in near_ends if part[b] != part[e] and b not in joins]
        for b in joins:
            g.add_edge(node[e], node[b])
        near_lines = [p for p in range(n) if p != part[e]
                      and ends[e].distance(geoms[p]) <= JOIN]
        if not joins:  # taps the line of its voltage it touches
            for p in near_lines:
                if _same(kv[part[e]], kv[p]):
                    g.add_edge(node[e], node[p])
        if not joins and not other and not near_lines:
            dangling.add(e)
    # a line passing through a substation of its voltage
    for j, s in enumerate(subs.geometry):
        for p in range(n):
            if kv[p] is None or kv[p] not in levels[j] or j in (target[p], target[p + n]):
                continue
            at = geoms[p].project(s)
            if geoms[p].distance(s) <= THROUGH and THROUGH < at < geoms[p].length - THROUGH:
                g.add_edge(("S", j), node[p])
    return target, dangling, [frozenset(c) for c in nx.connected_components(g)]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(line, min_size=1, max_size=7), st.lists(station, min_size=0, max_size=4,
                                                         unique_by=lambda s: s[0]))
def test_snapping_dangling_and_components_match_a_networkx_reference(raw_lines: list,
                                                                      raw_stations: list
                                                                      ) -> None:
    cells = [np.array(c, dtype=float) * STEP for c, _lv in raw_stations]
    # stations far enough apart that no free end reaches the ends of two of them (the one
    # case where the order of the joins decides: see the test below)
    assume(all(math.dist(a, b) > 2 * (TOL + JOIN) for a, b in itertools.combinations(cells, 2)))
    lines, subs = _frames(raw_lines, raw_stations)
    assume(all(g.length > 0 for g in lines.geometry))
    grid = build_grid(lines, subs, settings=SETTINGS)
    target, dangling, parts = reference(lines, subs)

    assert grid.ends["station"].tolist() == target
    assert set(np.flatnonzero(grid.ends["reaches"].to_numpy() == "dangling")) == dangling
    comp = grid.nodes["component"]
    built: dict[tuple[str, int], int] = {}
    for e, nid in enumerate(grid.ends["node"]):
        built[("E", e)] = int(comp[nid])
    for nid, j in zip(grid.nodes.index, grid.nodes["station"], strict=True):
        if j >= 0:
            assert built.setdefault(("S", int(j)), int(comp[nid])) == int(comp[nid])
    # the same partition: each reference part is one built component, and no two share one
    labels = []
    for members in parts:
        got = {built[m] for m in members if m in built}
        assert len(got) == 1, (members, got)
        labels.append(got.pop())
    assert len(set(labels)) == len(labels)


def test_a_free_end_between_the_ends_of_two_substations_joins_one_of_them() -> None:
    """Two stations' nodes never merge: a free end in reach of both joins just one."""
    lines = gpd.GeoDataFrame({"id": ["A", "B", "C"], "voltage_kv": [110, 110, 110]}, geometry=[
        LineString([(X0 - 500, Y0), (X0 + 49.5, Y0)]),      # ends 49.5 m from substation SA
        LineString([(X0 + 50.5, Y0), (X0 + 600, Y0)]),      # ends 49.5 m from substation SB
        LineString([(X0 + 50, Y0 + 0.2), (X0 + 50, Y0 + 900)]),  # free, within 1 m of both
    ], crs=CRS)
    subs = gpd.GeoDataFrame({"id": ["SA", "SB"], "voltage_kv": [110, 110]},
                            geometry=[Point(X0, Y0), Point(X0 + 100, Y0)], crs=CRS)
    grid = build_grid(lines, subs, settings=GridSettings(tolerance_m=49.6))
    ends = grid.ends.set_index(["feature_id", "end"])
    assert ends.loc[("A", "end"), "node"] == "S0@110"
    assert ends.loc[("B", "start"), "node"] == "S1@110"
    assert ends.loc[("C", "start"), "reaches"] == "junction"
    assert ends.loc[("C", "start"), "node"] in {"S0@110", "S1@110"}
    assert ends.loc[("C", "end"), "reaches"] == "dangling"
    nodes = grid.nodes
    assert nodes.loc["S0@110", "component"] != nodes.loc["S1@110", "component"]


PROVINCE = "Lào Cai"


def test_osm_province_counts_are_pinned(shared_data: Path, tmp_path: Path) -> None:
    """The OpenStreetMap grid of one province gives the same graph and findings as before the
    build moved to integer node ids and column-wise findings (counts from that version)."""
    result = analyse_plan(geoplan.load_plan(osm_province_plan(
        shared_data, tmp_path / "osm", PROVINCE)))
    summary = result.summary()
    assert {k: summary[k] for k in ("nodes", "edges", "components", "components_with_lines",
                                    "isolated_substations", "dangling_ends", "external_ends",
                                    "inferred_substations", "interconnections")} == {
        "nodes": 124, "edges": 73, "components": 57, "components_with_lines": 38,
        "isolated_substations": 1, "dangling_ends": 66, "external_ends": 8,
        "inferred_substations": 13, "interconnections": 8}
    assert result.findings["rule"].value_counts().sort_index().to_dict() == {
        "grid-dangling": 66, "grid-interconnection": 8, "grid-island": 1,
        "grid-single-supply": 4, "grid-unfed": 1}
    assert result.grid.ends["reaches"].value_counts().sort_index().to_dict() == {
        "dangling": 66, "external": 8, "junction": 14, "station": 56}
    assert len(result.grid.edges) == 74  # 73 line pieces and one transformer
    assert result.scenarios[["unfed", "islands", "single_supply"]].to_dict("records") == [
        {"unfed": 1, "islands": 1, "single_supply": 4}]
