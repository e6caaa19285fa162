"""Invariants of the checks (hypothesis, bounded)."""

from __future__ import annotations

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
