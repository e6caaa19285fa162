"""Invariants of the checks (hypothesis, bounded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from builders.checks import clusters, line, lines, parks, rect, trade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoplan.checks import check_corridors, check_overlap

COORD = st.floats(0, 2000, allow_nan=False, allow_infinity=False)
SIZE = st.floats(30, 600, allow_nan=False, allow_infinity=False)
RECTS = st.lists(st.tuples(COORD, COORD, SIZE, SIZE), min_size=2, max_size=12)
STATUS = st.sampled_from(["existing", "planned", "expansion"])
CHECK = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _clusters(rects: list[tuple[float, float, float, float]], statuses: list[str]
              ) -> pd.DataFrame:
    return clusters(*({"id": f"C{i:02d}", "status": statuses[i % len(statuses)],
                       "geometry": rect(*r)} for i, r in enumerate(rects)))


def _key(f: pd.DataFrame) -> list[tuple]:
    return sorted((r.rule, r.layer, r.feature_id, r.other_id, round(r.value, 6), r.severity,
                   r.message_en) for r in f.itertuples())


@CHECK
@given(RECTS, st.lists(STATUS, min_size=1, max_size=3))
def test_overlap_is_symmetric_and_complete(rects: list, statuses: list[str]) -> None:
    frame = _clusters(rects, statuses)
    found = check_overlap({"industrial_cluster": frame})
    pairs = [frozenset((a, b)) for a, b in zip(found["feature_id"], found["other_id"],
                                               strict=True)]
    assert len(pairs) == len(set(pairs))  # each unordered pair once
    g = dict(zip(frame["id"], frame.geometry, strict=True))
    expected = {frozenset((a, b)) for a in g for b in g
                if a < b and shapely.intersection(g[a], g[b]).area / 1e4 > 0.01}
    assert set(pairs) == expected
    for r in found.itertuples():  # area(a ∩ b) == area(b ∩ a)
        reverse = shapely.intersection(g[r.other_id], g[r.feature_id]).area / 1e4
        assert abs(r.value - reverse) <= 1e-9 * max(1.0, reverse)


@CHECK
@given(RECTS, st.lists(STATUS, min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_row_order(rects: list, statuses: list[str], rnd) -> None:
    frame = _clusters(rects, statuses)
    park_frame = parks(*({"id": f"K{i}", "status": "planned", "geometry": rect(x + 50, y, w, h)}
                         for i, (x, y, w, h) in enumerate(rects[:3])))
    grid = lines({"id": "L1", "voltage_kv": 220, "geometry": line((0, 500), (2500, 700))},
                 {"id": "L2", "voltage_kv": 500, "geometry": line((800, 0), (900, 2500))})
    order = list(range(len(frame)))
    rnd.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)

    def run(cl: pd.DataFrame) -> list[tuple]:
        feats = {"industrial_cluster": cl, "industrial_park": park_frame}
        return _key(check_overlap(feats)) + _key(check_corridors(grid, feats))

    assert run(frame) == run(shuffled)


@CHECK
@given(
    st.lists(st.tuples(COORD, COORD), min_size=2, max_size=6, unique=True),
    st.sampled_from([110, 220, 500]),
    RECTS,
)
def test_area_inside_a_corridor_never_exceeds_the_feature(vertices: list, kv: int,
                                                          rects: list) -> None:
    axis = line(*vertices)
    if axis.length == 0:
        return
    polys = [shapely.buffer(rect(*r), 20, quad_segs=2) for r in rects]  # rounded corners too
    found = check_corridors(
        lines({"id": "L", "voltage_kv": kv, "geometry": axis}),
        {"industrial_cluster": clusters(*({"id": f"C{i}", "status": "planned",
                                           "geometry": p} for i, p in enumerate(polys))),
         "trade_facility": trade({"id": "T", "type": "market", "geometry":
                                  shapely.centroid(axis)})},
    )
    area = {f"C{i}": p.area / 1e4 for i, p in enumerate(polys)}
    for r in found.itertuples():
        if r.unit == "ha":
            assert 0 < r.value <= area[r.feature_id] + 1e-9
            assert r.geometry.area / 1e4 <= area[r.feature_id] + 1e-9
        else:
            assert r.value <= r.threshold + 1e-9


NEAR = st.floats(0, 200, allow_nan=False, allow_infinity=False)  # corridors are 2-40 m wide
SMALL = st.lists(st.tuples(NEAR, NEAR, st.floats(4, 60, allow_nan=False)), min_size=1,
                 max_size=10)
LINES = st.lists(
    st.tuples(st.lists(st.tuples(NEAR, NEAR), min_size=2, max_size=5, unique=True),
              st.sampled_from([22, 35, 110, 220, 500, None]),
              st.sampled_from(["overhead", "overhead", "underground"])),
    min_size=1, max_size=5)
OFFSET = st.floats(-45, 45, allow_nan=False, allow_infinity=False)
#: points placed along a line (share of its length, line index) and off it by (dx, dy) metres,
#: so that many fall near a corridor's edge
POINTS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 4), OFFSET, OFFSET), min_size=0,
                  max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES, SMALL, POINTS)
def test_corridor_hits_match_a_whole_line_buffer_reference(specs: list, rects: list,
                                                           points: list) -> None:
    """The tree query and the clipped corridors find what buffering each whole line and
    intersecting it with every feature finds (pairs, areas, distances)."""
    from geoplan.checks import corridor_half_widths
    from geoplan.rules import resolve_rules

    rules = resolve_rules({"underground_distance_m": 1.5})
    grid = lines(*({"id": f"L{i}", "voltage_kv": kv, "location": where,
                    "geometry": line(*vertices)}
                   for i, (vertices, kv, where) in enumerate(specs)))
    polys = clusters(*({"id": f"C{i}", "status": "planned",
                        "geometry": shapely.buffer(rect(x, y, w, w / 2), 3, quad_segs=2)}
                       for i, (x, y, w) in enumerate(rects)))
    axes = list(grid.geometry)
    at = [shapely.line_interpolate_point(axes[k % len(axes)], t, normalized=True)
          for t, k, _, _ in points]
    pts = trade(*({"id": f"T{i}", "type": "market",
                   "geometry": shapely.Point(p.x + dx, p.y + dy)}
                  for i, (p, (_, _, dx, dy)) in enumerate(zip(at, points, strict=True))))
    found = check_corridors(grid, {"industrial_cluster": polys, "trade_facility": pts},
                            settings=rules)
    hits = found[found["severity"] != "info"]
    got = {(r.feature_id, r.other_id): r.value for r in hits.itertuples()}

    half = corridor_half_widths(grid, settings=rules)["half_width_m"].to_numpy()
    tolerance = float(rules.value("corridor_tolerance_ha"))
    expected, unsure = {}, set()
    for (lid, axis), hw in zip(zip(grid["id"], grid.geometry, strict=True), half, strict=True):
        if np.isnan(hw) or axis.length == 0:  # voltage unknown: not checkable
            continue
        corridor = shapely.buffer(axis, hw, cap_style="flat", join_style="round")
        for fid, geom in zip(polys["id"], polys.geometry, strict=True):
            ha = shapely.intersection(geom, corridor).area / 1e4
            if abs(ha - tolerance) < 1e-6:
                unsure.add((fid, lid))
            elif ha > tolerance:
                expected[(fid, lid)] = ha
        for fid, geom in zip(pts["id"], pts.geometry, strict=True):
            if shapely.distance(geom, corridor.boundary) < 1e-6:
                unsure.add((fid, lid))  # on the corridor's edge
            elif shapely.intersects(geom, corridor):
                expected[(fid, lid)] = shapely.distance(geom, axis)
    assert set(got) - unsure == set(expected), (set(got) ^ set(expected)) - unsure
    for key, value in expected.items():
        assert abs(got[key] - value) <= 1e-6 * max(1.0, value), (key, got[key], value)
