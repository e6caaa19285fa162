"""Grid coverage (issue 4): settings, nearest supply, demand, capacity, findings, siting.

Plans are built in code (tests/builders/coverage.py). Expected values are worked out by hand in the
test or come from an independent route (brute force over every assignment or site set, pyproj
geodesic areas, rasterstats); PostGIS comparisons live in test_coverage_postgis.py.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from builders.coverage import (
    CRS,
    X0,
    Y0,
    frame,
    make_plan,
    point,
    small_province,
    square,
    write_plan,
)

from geoplan.coverage import (
    FEATURE_COLUMNS,
    SUBSTATION_COLUMNS,
    compute_coverage,
    coverage_settings,
    default_parameters,
    estimate_demand,
    nearest_substations,
    validate_settings,
)
from geoplan.errors import PlanError
from geoplan.findings import FINDING_COLUMNS


def sub(id_: str, x: float, y: float, kv: int = 110, mva: float | None = 63.0,
        status: str = "existing", levels: str | None = None) -> dict:
    return {"id": id_, "voltage_kv": kv, "voltage_levels": levels, "capacity_mva": mva,
            "status": status, "geometry": point(x, y)}


def cluster(id_: str, geom: shapely.Geometry, *, status: str = "planned",
            area_ha: float | None = None, **extra: object) -> dict:
    return {"id": id_, "status": status, "area_ha": area_ha, "geometry": geom, **extra}


def plan_of(subs: list[dict], clusters: list[dict], **kw: object):
    layers = {"subs": ("substation", frame(subs)),
              "ccn": ("industrial_cluster", frame(clusters))}
    return make_plan(layers, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ settings


def test_every_default_has_unit_certainty_and_source():
    params = default_parameters()
    assert {"radius_km", "density_kw_ha", "power_factor", "loading_limit",
            "weak_headroom_pct", "trade_demand_mw"} <= set(params)
    for p in params.values():
        assert p.certainty in ("C", "S", "N", "setting"), p.name
        assert len(p.source) > 40, p.name
    # no law sets radii or densities (domain-facts §4): they must say so
    assert params["radius_km"].certainty == "N"
    assert params["density_kw_ha"].certainty == "N"
    s = coverage_settings()
    assert s.radius_km == {500: 100.0, 220: 35.0, 110: 10.0}
    assert s.power_factor == 0.9 and s.loading_limit == 0.75


def test_plan_values_merge_into_the_defaults_and_are_cited():
    s = coverage_settings({"radius_km": {"110": 8}, "loading_limit": 0.9})
    assert s.radius_km == {500: 100.0, 220: 35.0, 110: 8.0}
    assert s.loading_limit == 0.9
    assert s.parameters["radius_km"].from_plan
    assert "plan.toml [coverage]" in s.cite("radius_km")
    assert "coverage.toml" in coverage_settings().cite("radius_km")


@pytest.mark.parametrize(
    ("mapping", "match"),
    [
        ({"radius": 10}, r"unknown key 'radius' \(did you mean 'radius_km'\?\); valid keys: "
                         r"radius_km, supply_level_kv"),
        ({"power_factor": 1.2}, r"power_factor = 1.2: must be a number in \(0, 1\]"),
        ({"power_factor": "0.9"}, r"power_factor = '0.9': must be a number"),
        ({"radius_km": {"380": 5}}, r"radius_km: '380' is not a voltage level in kV \(valid: 1000"),
        ({"radius_km": {"110": -1}}, r"radius_km.110 = -1: must be a number in \[0, 1000\]"),
        ({"supply_level_kv": 35}, r"radius_km has no radius for 35 kV"),
        ({"trade_types": ["mall"]}, r"trade_types: 'mall' not allowed; valid values: market"),
        ({"density_kw_ha": {"park": 300}}, r"density_kw_ha: unknown key 'park'"),
        ({"sector_aliases": {"steelworks": ["thép"]}}, r"sector 'steelworks' has no load density"),
        ({"substation_status": ["operating"]}, r"substation_status: 'operating' not allowed"),
        ({"population_unit": "people"}, r'population_unit = \'people\': must be "auto" .*"count"'),
    ],
)
def test_bad_settings_name_the_key_and_the_fix(mapping, match):
    with pytest.raises(PlanError, match=match):
        validate_settings(mapping)


def test_load_plan_checks_the_coverage_section(tmp_path):
    import geoplan

    layers = small_province()
    plan_file = write_plan(tmp_path / "p", layers, coverage="radius_kms = { 110 = 5 }")
    with pytest.raises(PlanError, match=r"\[coverage\] unknown key 'radius_kms' \(did you mean "
                                        r"'radius_km'\?\)"):
        geoplan.load_plan(plan_file)


# ------------------------------------------------------------------------------ nearest


def test_distance_is_measured_from_the_edge_not_the_centroid():
    # a 1 km square; the substation is 500 m east of its edge, 1 000 m from its centre
    plan = plan_of([sub("S", 1_500, 500)], [cluster("C", square(0, 0, 1_000))])
    row = compute_coverage(plan).features.iloc[0]
    assert row["distance_m"] == pytest.approx(500.0)
    assert row["distance_110kv_m"] == pytest.approx(500.0)


def test_a_substation_inside_the_cluster_is_at_distance_zero():
    plan = plan_of([sub("S", 500, 500)], [cluster("C", square(0, 0, 1_000))])
    row = compute_coverage(plan).features.iloc[0]
    assert row["distance_m"] == 0.0 and row["covered"]


def test_the_radius_is_inclusive_and_exclusive_just_beyond():
    plan = plan_of([sub("S", 11_000, 0)], [cluster("A", square(0, 0, 1_000)),
                                          cluster("B", square(0, 2_000, 1_000))])
    feats = compute_coverage(plan).features.set_index("feature_id")
    assert feats.loc["A", "distance_m"] == pytest.approx(10_000.0)
    assert bool(feats.loc["A", "covered"])  # exactly 10 km: within
    assert feats.loc["B", "distance_m"] > 10_000.0
    assert not bool(feats.loc["B", "covered"])


def test_each_level_has_its_nearest_and_a_220_110_station_serves_at_110():
    subs = [sub("A110", 15_000, 0), sub("B220", 6_000, 0, kv=220, levels="220;110", mva=250),
            sub("C500", 90_000, 0, kv=500, mva=900)]
    plan = plan_of(subs, [cluster("C", square(0, 0, 1_000))])
    row = compute_coverage(plan).features.iloc[0]
    assert row["nearest_110kv_id"] == "B220" and row["distance_110kv_m"] == pytest.approx(5_000)
    assert row["nearest_220kv_id"] == "B220" and row["within_220kv"]
    assert row["nearest_500kv_id"] == "C500"
    assert row["distance_500kv_m"] == pytest.approx(89_000) and row["within_500kv"]
    assert row["substation_id"] == "B220" and row["substation_voltage_kv"] == 220


def test_ties_go_to_the_smallest_id_whatever_the_row_order():
    geoms = [square(0, 0, 1_000)]
    subs = frame([sub("Z", 2_000, 500), sub("A", -1_000, 500), sub("M", 500, 2_000)])
    for order in itertools.permutations(range(3)):
        near = nearest_substations(geoms, subs.iloc[list(order)].reset_index(drop=True))
        pos = int(near["position"].iloc[0])
        assert subs.iloc[list(order)]["id"].iloc[pos] == "A"
        assert near["distance_m"].iloc[0] == pytest.approx(1_000.0)


def test_substation_status_filter_and_missing_voltage():
    subs = [sub("OLD", 3_000, 0), sub("NEW", 1_500, 0, status="planned"),
            {**sub("NOV", 1_100, 0), "voltage_kv": None}]
    clusters = [cluster("C", square(0, 0, 1_000))]
    assert compute_coverage(plan_of(subs, clusters)).features.iloc[0]["substation_id"] == "NEW"
    only_built = plan_of(subs, clusters, settings={"coverage": {"substation_status":
                                                                ["existing"]}})
    assert compute_coverage(only_built).features.iloc[0]["substation_id"] == "OLD"


# ------------------------------------------------------------------------------ demand


def _demand(kind: str, rows: list[dict], **settings: object) -> pd.DataFrame:
    from builders.coverage import canonical

    return estimate_demand(canonical(kind, frame(rows)), kind, coverage_settings(settings))


def test_declared_demand_wins_over_every_estimate():
    d = _demand("industrial_cluster", [cluster("C", square(0, 0), area_ha=50, demand_mw=3.5,
                                               sector="thép")])
    assert d["demand_mw"].iloc[0] == 3.5
    assert d["demand_basis"].iloc[0] == "declared demand_mw"


def test_cluster_demand_from_area_density_and_occupancy():
    rows = [
        cluster("E", square(0, 0), status="existing", area_ha=50, occupancy_pct=80),
        cluster("P", square(0, 0), status="planned", area_ha=50),
        cluster("X", square(0, 0), status="existing", area_ha=50),  # no occupancy
        cluster("M", square(0, 0, 1_000), status="planned"),  # no declared area: measured 100 ha
    ]
    d = _demand("industrial_cluster", rows)["demand_mw"].to_numpy()
    assert d == pytest.approx([50 * 250 * 0.8 / 1000, 50 * 250 * 0.7 / 1000,
                               50 * 250 * 0.6 / 1000, 100 * 250 * 0.7 / 1000])
    park = _demand("industrial_park", [cluster("K", square(0, 0), area_ha=100)])
    assert park["demand_mw"].iloc[0] == pytest.approx(100 * 300 * 0.7 / 1000)


@pytest.mark.parametrize(
    ("sector", "density"),
    [
        ("Dệt may, da giày", 200.0),
        ("DET MAY", 200.0),
        ("Cơ khí, chế tạo máy", 300.0),  # "máy" must not read as "may" (garments)
        ("Luyện kim – thép", 400.0),
        ("chế biến nông sản, thực phẩm", 250.0),
        ("Kinh doanh tổng hợp", 250.0),  # no sector word: the kind's density
        ("electronics assembly", 350.0),
        (None, 250.0),
    ],
)
def test_sector_words_pick_the_density(sector, density):
    d = _demand("industrial_cluster", [cluster("C", square(0, 0), area_ha=10, sector=sector,
                                               status="planned")])
    assert d["demand_mw"].iloc[0] == pytest.approx(10 * density * 0.7 / 1000)


def test_craft_village_without_sector_uses_the_craft_density():
    d = _demand("industrial_cluster", [cluster("C", square(0, 0), area_ha=10,
                                               craft_village=True)])
    assert d["demand_mw"].iloc[0] == pytest.approx(10 * 150 * 0.7 / 1000)


def test_trade_demand_from_floor_area_then_type_default():
    rows = [
        {"id": "A", "type": "shopping_mall", "status": "planned", "floor_area_m2": 30_000,
         "geometry": point(0, 0)},
        {"id": "B", "type": "logistics_center", "status": "planned", "geometry": point(0, 0)},
        {"id": "C", "type": "warehouse", "status": "planned", "demand_mw": 4.0,
         "geometry": point(0, 0)},
    ]
    d = _demand("trade_facility", rows, trade_demand_mw={"logistics_center": 2.5})
    assert d["demand_mw"].tolist() == pytest.approx([3.0, 2.5, 4.0])


def test_only_power_drawing_trade_types_are_served():
    trade = frame([
        {"id": "W", "type": "warehouse", "status": "planned", "geometry": point(0, 0)},
        {"id": "P", "type": "petrol_station", "status": "planned", "geometry": point(0, 0)},
    ])
    layers = {"subs": ("substation", frame([sub("S", 1_000, 0)])),
              "trade": ("trade_facility", trade)}
    assert compute_coverage(make_plan(layers)).features["feature_id"].tolist() == ["W"]
    more = make_plan(layers, settings={"coverage": {"trade_types": ["warehouse",
                                                                     "petrol_station"]}})
    assert sorted(compute_coverage(more).features["feature_id"]) == ["P", "W"]


# ------------------------------------------------------------------------------ capacity


def test_overload_is_load_above_firm_capacity_in_mw():
    # 40 MVA -> firm 40 × 0.9 × 0.75 = 27 MW; two clusters of 20 MW declared -> 13 MW over
    clusters = [cluster("A", square(1_000, 0), demand_mw=20.0),
                cluster("B", square(0, 1_000), demand_mw=20.0)]
    result = compute_coverage(plan_of([sub("S", 0, 0, mva=40.0)], clusters))
    st = result.substations.iloc[0]
    assert st["firm_capacity_mw"] == pytest.approx(27.0)
    assert st["load_mw"] == pytest.approx(40.0)
    assert st["headroom_mw"] == pytest.approx(-13.0) and st["overloaded"]
    over = result.findings[result.findings["rule"] == "substation-overload"]
    assert len(over) == 1
    f = over.iloc[0]
    assert f["severity"] == "error" and f["feature_id"] == "S" and f["unit"] == "MW"
    assert f["value"] == pytest.approx(13.0) and f["threshold"] == pytest.approx(27.0)
    assert "overloaded by 13.0 MW" in f["message_en"] and "40 MVA × 0.9 × 0.75" in f["message_en"]
    # Vietnamese first, numbers the Vietnamese way
    assert f["message"] == f["message_vi"]
    assert "quá tải 13,0 MW" in f["message"] and "40 MVA × 0,9 × 0,75" in f["message"]
    assert "giả định quy hoạch" in f["reference"] or "đã xác nhận" in f["reference"]
    assert "loading_limit = 0.75" in f["reference"]
    # the weak rule fires on both features: no substation within reach has room
    weak = result.findings[result.findings["rule"] == "coverage-weak"]
    assert sorted(weak["feature_id"]) == ["A", "B"]
    assert (weak["severity"] == "warning").all()


def test_background_load_and_loading_limit_come_from_the_plan():
    clusters = [cluster("A", square(1_000, 0), demand_mw=20.0)]
    settings = {"coverage": {"loading_limit": 0.5, "background_load_pct": 50}}
    st = compute_coverage(plan_of([sub("S", 0, 0, mva=80.0)], clusters,
                                  settings=settings)).substations.iloc[0]
    assert st["firm_capacity_mw"] == pytest.approx(36.0)
    assert st["background_mw"] == pytest.approx(18.0)
    assert st["headroom_mw"] == pytest.approx(-2.0)


def test_unknown_capacity_is_never_overloaded_nor_weak():
    clusters = [cluster("A", square(1_000, 0), demand_mw=500.0)]
    result = compute_coverage(plan_of([sub("S", 0, 0, mva=None)], clusters))
    assert result.findings.empty
    assert result.summary()["substations_capacity_unknown"] == 1


def test_weak_only_when_every_substation_within_reach_is_short():
    # S1 (nearest) ends with 1 MW headroom (< 10 % of 27), S2 within reach has room: not weak.
    clusters = [cluster("A", square(500, 0), demand_mw=26.0)]
    near_full = [sub("S1", 0, 0, mva=40.0), sub("S2", 5_000, 0, mva=126.0)]
    assert not compute_coverage(plan_of(near_full, clusters)).features["weak"].any()
    alone = [sub("S1", 0, 0, mva=40.0), sub("S2", 25_000, 0, mva=126.0)]
    result = compute_coverage(plan_of(alone, clusters))
    assert result.features["weak"].tolist() == [True]
    f = result.findings.iloc[0]
    assert f["rule"] == "coverage-weak" and f["value"] == pytest.approx(1.0)
    assert f["threshold"] == pytest.approx(2.7)


def test_capacitated_assignment_moves_load_to_a_neighbour():
    # A is nearest to S1 (27 MW firm) but S2 is in reach with room: no overload left.
    clusters = [cluster("A", square(1_000, 0), demand_mw=20.0),
                cluster("B", square(0, 1_000), demand_mw=20.0)]
    subs = [sub("S1", 0, 0, mva=40.0), sub("S2", 6_000, 0, mva=40.0)]
    nearest = compute_coverage(plan_of(subs, clusters))
    assert nearest.summary()["substations_overloaded"] == 1
    cap = compute_coverage(plan_of(subs, clusters), capacitated=True)
    assert cap.summary()["substations_overloaded"] == 0
    assert "capacitated" in cap.summary()["assignment"]
    assert "optimal" in cap.summary()["assignment"]
    by_id = cap.features.set_index("feature_id")
    assert by_id.loc["A", "substation_id"] == "S2"  # the one nearer S2 moves
    assert by_id.loc["B", "substation_id"] == "S1"
    assert by_id.loc["A", "distance_m"] == pytest.approx(4_500.0)


def _brute_force_overload(dem, firm, reach):
    """Minimum total overload over every assignment (reach[i] = substations in reach of i)."""
    best = np.inf
    for choice in itertools.product(*reach):
        load = np.zeros(len(firm))
        for i, j in enumerate(choice):
            load[j] += dem[i]
        best = min(best, float(np.clip(load - firm, 0, None).sum()))
    return best


def test_capacitated_overload_is_the_brute_force_minimum():
    rng = np.random.default_rng(7)
    for _ in range(12):
        n_sub, n_feat = int(rng.integers(2, 4)), int(rng.integers(3, 7))
        sx = rng.uniform(0, 12_000, n_sub)
        mva = rng.choice([25.0, 40.0, 63.0], n_sub)
        subs = [sub(f"S{j}", sx[j], 0, mva=mva[j]) for j in range(n_sub)]
        fx = rng.uniform(0, 12_000, n_feat)
        dem = rng.uniform(5, 40, n_feat).round(2)
        clusters = [cluster(f"C{i}", square(fx[i], 2_000, 300), demand_mw=dem[i])
                    for i in range(n_feat)]
        result = compute_coverage(plan_of(subs, clusters), capacitated=True)
        feats = result.features.set_index("feature_id")
        reach, dem_c = [], []
        for i in range(n_feat):
            if not feats.loc[f"C{i}", "covered"]:
                continue
            g = square(fx[i], 2_000, 300)
            reach.append([j for j in range(n_sub) if g.distance(point(sx[j], 0)) <= 10_000])
            dem_c.append(dem[i])
        firm = mva * 0.9 * 0.75
        expected = _brute_force_overload(dem_c, firm, reach) if reach else 0.0
        assert result.summary()["overload_mw"] == pytest.approx(expected, abs=1e-6)


# ------------------------------------------------------------------------------ findings


def test_gap_finding_names_the_nearest_substation_and_the_distance():
    plan = plan_of([sub("S", 0, 0)], [cluster("FAR", square(25_000, 0, 600), name="CCN Xa")])
    result = compute_coverage(plan)
    assert list(result.findings.columns) == list(FINDING_COLUMNS)
    f = result.findings.iloc[0]
    assert f["rule"] == "coverage-gap" and f["severity"] == "error"
    assert f["layer"] == "ccn" and f["feature_id"] == "FAR" and f["other_id"] == "S"
    assert f["value"] == pytest.approx(25_000.0) and f["threshold"] == 10_000.0
    assert "no 110 kV substation within the 10 km service radius" in f["message_en"]
    assert "25.0 km" in f["message_en"] and "--site" in f["message_en"]
    assert "không có trạm 110 kV nào trong bán kính cấp điện 10 km" in f["message"]
    assert "25,0 km" in f["message"]
    assert f["geometry"].equals(square(25_000, 0, 600))


def test_a_plan_without_any_110kv_substation_reports_every_feature():
    result = compute_coverage(plan_of([sub("H", 0, 0, kv=220, mva=250)],
                                      [cluster("C", square(500, 0))]))
    f = result.findings.iloc[0]
    assert f["rule"] == "coverage-gap" and "no 110 kV substation at all" in f["message_en"]
    assert "phương án không có trạm 110 kV nào" in f["message"]
    assert np.isnan(f["value"])


def test_result_tables_have_the_issue_columns():
    result = compute_coverage(make_plan(small_province()))
    assert tuple(result.features.columns[:len(FEATURE_COLUMNS)]) == FEATURE_COLUMNS
    assert tuple(result.substations.columns[:len(SUBSTATION_COLUMNS)]) == SUBSTATION_COLUMNS
    assert result.features.crs.equals(CRS) and result.substations.crs.equals(CRS)
    assert result.service_areas["voltage_kv"].tolist() == [500, 220, 110]
    s = result.summary()
    assert s["clusters"] == 5 and s["clusters_covered"] == 3
    assert s["share_clusters_covered"] == pytest.approx(0.6)
    assert 0 < s["share_cluster_area_covered"] < 1
    assert s["demand_unserved_mw"] == pytest.approx(7.0 + 5.25)
    json.dumps(s)  # plain values only


def test_service_area_is_the_union_of_buffers_clipped_to_the_province():
    result = compute_coverage(make_plan(small_province()))
    areas = result.service_areas.set_index("voltage_kv")
    province = shapely.box(X0 - 5_000, Y0 - 5_000, X0 + 35_000, Y0 + 25_000)
    stations = [point(0, 0), point(8_000, 0), point(0, 12_000), point(4_000, 18_000)]
    expected = shapely.union_all([s.buffer(10_000, quad_segs=64) for s in stations])
    got = areas.loc[110, "geometry"]
    assert got.within(province.buffer(1e-6))
    assert got.area == pytest.approx(expected.intersection(province).area, rel=1e-3)
    # the gaps are the rest of the province
    assert result.gaps.area.sum() + got.area == pytest.approx(province.area, rel=1e-9)


# ------------------------------------------------------------------------------ siting


def _sited(plan, n):
    return compute_coverage(plan, site=n)


def test_siting_picks_the_most_uncovered_demand_and_reports_it():
    result = _sited(make_plan(small_province()), 1)
    sites = result.sites
    assert len(sites) == 1
    site = sites.iloc[0]
    assert site["site_id"] == "NEW-1"
    assert site["demand_mw"] == pytest.approx(7.0 + 5.25)
    assert site["feature_ids"] == "clusters/C3;clusters/C4"
    assert site["firm_capacity_mw"] == pytest.approx(126 * 0.9 * 0.75)
    for cid in ("C3", "C4"):
        geom = result.features.set_index("feature_id").loc[cid, "geometry"]
        assert geom.distance(site["geometry"]) <= 10_000.0
    assert result.summary()["demand_unserved_after_sites_mw"] == pytest.approx(0.0)
    # among the sites that reach both, the one nearest the existing 110 kV line D1 wins
    assert site["connect_id"] == "D1"
    assert site["geometry"].x == pytest.approx(X0 + 20_000.0)


def test_sites_avoid_restricted_zones_and_line_corridors():
    layers = small_province()
    # restricted zone over everything within reach of C3/C4 except a thin strip
    zone = frame([{"id": "Z2", "name": "Khu bảo tồn", "type": "reserve",
                   "geometry": shapely.box(X0 + 17_000, Y0 - 5_000, X0 + 35_000,
                                           Y0 + 2_950)}])
    line = frame([{"id": "D9", "voltage_kv": 220, "status": "existing",
                   "geometry": shapely.LineString([(X0 + 17_000, Y0 + 3_010),
                                                   (X0 + 35_000, Y0 + 3_010)])}])
    layers["zones"] = ("restricted_zone", zone)
    layers["lines"] = ("grid_line", line)
    result = _sited(make_plan(layers), 1)
    site = result.sites.iloc[0]["geometry"]
    assert not site.intersects(zone.geometry.iloc[0])
    assert site.distance(line.geometry.iloc[0]) > 50.0


def test_siting_is_the_exact_maximum_over_every_pair_of_candidates():
    # five uncovered groups of different demand; compare with exhaustive search over pairs
    rng = np.random.default_rng(3)
    clusters = [cluster(f"C{i}", square(x, y, 400), demand_mw=float(d))
                for i, (x, y, d) in enumerate(zip(rng.uniform(15_000, 60_000, 8),
                                                  rng.uniform(0, 40_000, 8),
                                                  rng.uniform(1, 30, 8), strict=True))]
    boundary = frame([{"name": "P", "level": "province",
                       "geometry": shapely.box(X0 - 2_000, Y0 - 2_000, X0 + 62_000,
                                               Y0 + 42_000)}])
    layers = {"b": ("boundary", boundary), "subs": ("substation", frame([sub("S", 0, 0)])),
              "ccn": ("industrial_cluster", frame(clusters))}
    settings = {"coverage": {"site_grid_km": 2.0}}
    result = _sited(make_plan(layers, settings=settings), 2)
    feats = result.features
    want = feats[~feats["covered"]]
    g = 2_000.0
    xs = np.arange(np.ceil((X0 - 2_000) / g) * g, X0 + 62_000 + 1e-9, g)
    ys = np.arange(np.ceil((Y0 - 2_000) / g) * g, Y0 + 42_000 + 1e-9, g)
    cands = [shapely.Point(x, y) for x in xs for y in ys]
    reach = [frozenset(i for i, geom in enumerate(want.geometry) if geom.distance(c) <= 10_000)
             for c in cands]
    dem = want["demand_mw"].to_numpy()
    distinct = {r for r in reach if r}
    best = max(dem[list(a | b)].sum() for a, b in itertools.combinations_with_replacement(
        distinct, 2))
    assert result.sites["demand_mw"].sum() == pytest.approx(best)


def test_no_site_when_everything_is_covered():
    result = _sited(plan_of([sub("S", 0, 0)], [cluster("C", square(500, 0))]), 3)
    assert result.sites.empty and result.summary()["siting_status"] == "no uncovered demand"


def test_negative_site_count_is_an_error():
    with pytest.raises(PlanError, match="site = -1"):
        compute_coverage(make_plan(small_province()), site=-1)
