"""Property tests of the grid build: snapping is idempotent, splitting keeps the length."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geoplan.grid import GridSettings, audit_grid, build_grid, snap_lines, split_lines

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0

coord = st.floats(min_value=0, max_value=5_000, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord)
polyline = st.lists(point, min_size=2, max_size=6).filter(
    lambda pts: LineString(pts).length > 1.0)

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def frame(geoms: list, **columns: list) -> gpd.GeoDataFrame:
    moved = [shapely.transform(g, lambda xy: xy + np.array([X0, Y0])) for g in geoms]
    return gpd.GeoDataFrame(columns, geometry=moved, crs=CRS)


@FAST
@given(st.lists(polyline, min_size=1, max_size=5), st.lists(point, min_size=1, max_size=6),
       st.floats(min_value=0, max_value=800))
def test_snapping_is_idempotent(paths: list, stations: list, tolerance: float) -> None:
    lines = frame([LineString(p) for p in paths], voltage_kv=[110] * len(paths))
    subs = frame([Point(p) for p in stations], voltage_kv=[110] * len(stations))
    once = snap_lines(lines, subs, tolerance_m=tolerance)
    twice = snap_lines(once, subs, tolerance_m=tolerance)
    assert np.array_equal(shapely.get_coordinates(once.geometry.values),
                          shapely.get_coordinates(twice.geometry.values))
    # every moved end now lies on a station
    ends = shapely.get_point(once.geometry.values, 0)
    moved = ~shapely.equals(ends, shapely.get_point(lines.geometry.values, 0))
    if moved.any():
        stations_xy = np.asarray(subs.geometry.values, dtype=object)
        d = shapely.distance(ends[moved][:, None], stations_xy[None, :]).min(axis=1)
        assert (d == 0).all()


@FAST
@given(st.lists(polyline, min_size=1, max_size=4), st.lists(point, min_size=0, max_size=8),
       st.floats(min_value=0, max_value=500))
def test_splitting_preserves_total_length(paths: list, stations: list, tolerance: float) -> None:
    lines = frame([LineString(p) for p in paths], id=[f"L{i}" for i in range(len(paths))])
    points = frame([Point(p) for p in stations])
    pieces = split_lines(lines, points.geometry, tolerance_m=tolerance)
    assert abs(pieces.geometry.length.sum() - lines.geometry.length.sum()) < 1e-3
    per_line = pieces.groupby("id").geometry.apply(lambda g: g.length.sum())
    for lid, length in zip(lines["id"], lines.geometry.length, strict=True):
        assert abs(per_line[lid] - length) < 1e-3


@FAST
@given(st.lists(polyline, min_size=1, max_size=4), st.lists(point, min_size=1, max_size=6))
def test_graph_edges_cover_every_snapped_line_exactly(paths: list, stations: list) -> None:
    """The line pieces of the graph add up to the snapped lines, whatever splits occurred."""
    lines = frame([LineString(p) for p in paths], id=[f"L{i}" for i in range(len(paths))],
                  voltage_kv=[110] * len(paths), status=["existing"] * len(paths))
    subs = frame([Point(p) for p in stations], id=[f"S{i}" for i in range(len(stations))],
                 voltage_kv=[110] * len(stations), status=["existing"] * len(stations))
    grid = build_grid(lines, subs, settings=GridSettings(tolerance_m=200,
                                                         through_tolerance_m=50))
    edges = grid.edges[grid.edges["kind"] == "line"]
    assert abs(edges["length_m"].sum() - grid.lines["length_m"].sum()) < 1e-3
    assert abs(edges.geometry.length.sum() - grid.lines.geometry.length.sum()) < 1e-3
    assert set(edges["u"]) | set(edges["v"]) <= set(grid.nodes.index)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=3, max_value=9),
       st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 2)),
                min_size=1, max_size=14),
       st.sets(st.integers(0, 8), min_size=1, max_size=3))
def test_single_supply_agrees_with_brute_force(n: int, links: list, source_ids: set) -> None:
    """N-1 from one depth-first tree equals removing each single-circuit line in networkx."""
    import math

    import networkx as nx

    angle = [2 * math.pi * k / n for k in range(n)]  # on a circle: no line passes a station
    at = [Point(10_000 * math.cos(a), 10_000 * math.sin(a)) for a in angle]
    sources = {k % n for k in source_ids}
    subs = frame(at, id=[f"S{k}" for k in range(n)],
                 voltage_levels=["220;110" if k in sources else "110" for k in range(n)],
                 voltage_kv=[220 if k in sources else 110 for k in range(n)],
                 status=["existing"] * n)
    pairs = [(a % n, b % n, c) for a, b, c in links if a % n != b % n]
    if not pairs:
        return
    lines = frame([LineString([at[a], at[b]]) for a, b, _ in pairs],
                  id=[f"L{i}" for i in range(len(pairs))], voltage_kv=[110] * len(pairs),
                  circuits=[c for _, _, c in pairs], status=["existing"] * len(pairs))
    grid = build_grid(lines, subs)
    findings = audit_grid(grid)
    got = set(findings.loc[findings["rule"] == "grid-single-supply", "feature_id"])

    g = grid.graph
    src_nodes = [f"S{k}@220" for k in sources]
    loads = {f"S{k}": f"S{k}@110" for k in range(n) if k not in sources}

    def fed(graph: nx.MultiGraph, node: str) -> bool:
        reach = nx.node_connected_component(graph, node)
        return any(s in reach for s in src_nodes)

    expected = set()
    circuits = grid.edges["circuits"]
    for a, b, key in list(g.edges(keys=True)):
        if grid.edges.at[key, "kind"] != "line" or circuits[key] >= 2:
            continue
        h = g.copy()
        h.remove_edge(a, b, key)
        expected |= {sid for sid, node in loads.items() if fed(g, node) and not fed(h, node)}
    assert got == expected
