"""Property tests of the grid build: snapping is idempotent, splitting keeps the length."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geoplan.grid import GridSettings, build_grid, snap_lines, split_lines

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
