"""Invariants of grid coverage (issue 4), with bounded Hypothesis strategies.

- covered shares lie in [0, 1];
- adding a substation never lowers coverage nor lengthens a nearest distance;
- results do not depend on the row order of the layers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from builders.coverage import frame, make_plan, point, square
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoplan.coverage import compute_coverage

coord = st.floats(min_value=0.0, max_value=40_000.0, allow_nan=False).map(lambda v: round(v, 1))
substation = st.fixed_dictionaries({
    "x": coord, "y": coord,
    "kv": st.sampled_from([110, 110, 220, 500]),
    "mva": st.sampled_from([25.0, 40.0, 63.0, 126.0, 250.0]),
    "status": st.sampled_from(["existing", "planned"]),
})
cluster = st.fixed_dictionaries({
    "x": coord, "y": coord,
    "side": st.floats(min_value=100.0, max_value=1_500.0).map(lambda v: round(v, 1)),
    "status": st.sampled_from(["existing", "planned", "expansion"]),
    "occupancy": st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    "demand": st.one_of(st.none(), st.floats(min_value=0, max_value=60)),
})
trade = st.fixed_dictionaries({
    "x": coord, "y": coord,
    "type": st.sampled_from(["logistics_center", "warehouse", "shopping_mall"]),
})

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _layers(subs, clusters, trades):
    sub_rows = [{"id": f"S{i}", "voltage_kv": s["kv"],
                 "voltage_levels": "220;110" if s["kv"] == 220 and i % 2 else None,
                 "capacity_mva": s["mva"], "status": s["status"],
                 "geometry": point(s["x"], s["y"])} for i, s in enumerate(subs)]
    cl_rows = [{"id": f"C{i}", "status": c["status"], "occupancy_pct": c["occupancy"],
                "demand_mw": c["demand"], "geometry": square(c["x"], c["y"], c["side"])}
               for i, c in enumerate(clusters)]
    tr_rows = [{"id": f"T{i}", "type": t["type"], "status": "planned",
                "geometry": point(t["x"], t["y"])} for i, t in enumerate(trades)]
    layers: dict[str, tuple[str, gpd.GeoDataFrame]] = {
        "ccn": ("industrial_cluster", frame(cl_rows))}
    if sub_rows:
        layers["subs"] = ("substation", frame(sub_rows))
    if tr_rows:
        layers["trade"] = ("trade_facility", frame(tr_rows))
    return layers


def _shuffled(layers, seed):
    rng = np.random.default_rng(seed)
    out = {}
    for name, (kind, gdf) in layers.items():
        out[name] = (kind, gdf.iloc[rng.permutation(len(gdf))].reset_index(drop=True))
    return out


def _check_shares(summary):
    for key in ("share_features_covered", "share_clusters_covered",
                "share_cluster_area_covered"):
        assert 0.0 <= summary[key] <= 1.0, key
    total = summary["demand_served_mw"] + summary["demand_unserved_mw"]
    assert abs(total - summary["demand_mw"]) < 1e-9


@SETTINGS
@given(st.lists(substation, max_size=5), st.lists(cluster, min_size=1, max_size=8),
       st.lists(trade, max_size=3), substation)
def test_shares_stay_in_0_1_and_adding_a_substation_never_lowers_coverage(
        subs, clusters, trades, extra):
    before = compute_coverage(make_plan(_layers(subs, clusters, trades)))
    after = compute_coverage(make_plan(_layers([*subs, extra], clusters, trades)))
    _check_shares(before.summary())
    _check_shares(after.summary())
    b = before.features.set_index(["layer", "feature_id"])
    a = after.features.set_index(["layer", "feature_id"])
    assert (a["covered"] | ~b["covered"]).all()  # covered before -> covered after
    for level in (110, 220, 500):
        was, now = b[f"distance_{level}kv_m"].to_numpy(), a[f"distance_{level}kv_m"].to_numpy()
        assert np.all(np.isnan(was) | (now <= was + 1e-9))
        assert (a[f"within_{level}kv"] | ~b[f"within_{level}kv"]).all()
    for key in ("share_features_covered", "share_cluster_area_covered"):
        assert after.summary()[key] >= before.summary()[key]
    unserved = after.summary()["demand_unserved_mw"]
    assert unserved <= before.summary()["demand_unserved_mw"] + 1e-9


def _comparable(result):
    feats = pd.DataFrame(result.features.drop(columns="geometry"))
    feats = feats.sort_values(["layer", "feature_id"]).reset_index(drop=True)
    subs = pd.DataFrame(result.substations.drop(columns="geometry"))
    subs = subs.sort_values(["layer", "substation_id"]).reset_index(drop=True)
    findings = pd.DataFrame(result.findings.drop(columns="geometry"))
    summary = {k: v for k, v in result.summary().items() if k != "seconds"}
    return feats, subs, findings, summary


@SETTINGS
@given(st.lists(substation, min_size=1, max_size=6), st.lists(cluster, min_size=1, max_size=8),
       st.lists(trade, max_size=4), st.integers(0, 2**32 - 1), st.booleans())
def test_results_do_not_depend_on_row_order(subs, clusters, trades, seed, capacitated):
    layers = _layers(subs, clusters, trades)
    one = _comparable(compute_coverage(make_plan(layers), capacitated=capacitated))
    two = _comparable(compute_coverage(make_plan(_shuffled(layers, seed)),
                                       capacitated=capacitated))
    if capacitated:
        # equally good assignments may differ; the optimum (total overload) may not
        assert abs(one[3]["overload_mw"] - two[3]["overload_mw"]) < 1e-6
        pd.testing.assert_frame_equal(one[0].drop(columns=["substation_id",
                                      "substation_voltage_kv", "substation_layer",
                                      "distance_m", "headroom_mw", "weak"]),
                                      two[0].drop(columns=["substation_id",
                                      "substation_voltage_kv", "substation_layer",
                                      "distance_m", "headroom_mw", "weak"]))
        return
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])
    pd.testing.assert_frame_equal(one[2], two[2])
    assert one[3] == two[3]
