"""Legal rules: cluster-size, cluster-expansion, cluster-new, park-phasing, trade-class."""

from __future__ import annotations

import pytest
from builders.checks import clusters, frame, ha_square, parks, point, rect, trade

from geoplan.checks import (
    check_cluster_expansion,
    check_cluster_new,
    check_cluster_size,
    check_park_phasing,
    check_trade_class,
)

# ------------------------------------------------------------------------------ cluster-size


def test_cluster_size_uses_the_measured_area() -> None:
    found = check_cluster_size(clusters(
        {"id": "SMALL", "status": "planned", "area_ha": 12.0, "geometry": ha_square(0, 0, 9)},
        {"id": "MOUNT", "status": "planned", "mountainous": True, "area_ha": 9.0,
         "geometry": ha_square(1000, 0, 9)},
        {"id": "CRAFT", "status": "planned", "craft_village": True,
         "geometry": ha_square(2000, 0, 4)},
        {"id": "BIG", "status": "existing", "geometry": ha_square(3000, 0, 80)},
        {"id": "OK", "status": "planned", "area_ha": 30.0, "geometry": ha_square(5000, 0, 30)},
    ))
    rows = {(r.feature_id, r.unit): r for r in found.itertuples()}
    assert set(rows) == {("SMALL", "ha"), ("SMALL", "%"), ("CRAFT", "ha"), ("BIG", "ha")}
    small = rows[("SMALL", "ha")]
    assert (small.severity, small.threshold) == ("error", 10.0)
    assert small.value == pytest.approx(9.0)
    assert "below the minimum of 10 ha" in small.message
    assert "set mountainous or craft_village" in small.message
    craft = rows[("CRAFT", "ha")]
    assert craft.threshold == 5.0 and "mountainous / craft-village minimum" in craft.message
    big = rows[("BIG", "ha")]
    assert (big.severity, big.threshold) == ("warning", 75.0)
    assert "existing (established under earlier rules)" in big.message
    mismatch = rows[("SMALL", "%")]
    assert mismatch.severity == "warning"
    assert mismatch.value == pytest.approx((12 - 9) / 9 * 100)
    assert "declares 12.00 ha but measures 9.00 ha" in mismatch.message


def test_declared_area_within_5_percent_is_fine() -> None:
    assert check_cluster_size(clusters(
        {"id": "C", "status": "planned", "area_ha": 31.4, "geometry": ha_square(0, 0, 30)},
    )).empty


# -------------------------------------------------------------------------- cluster-expansion


def test_expansion_conditions() -> None:
    found = check_cluster_expansion(clusters(
        {"id": "LOW", "status": "expansion", "occupancy_pct": 45.0, "wastewater_ready": True,
         "geometry": ha_square(0, 0, 30)},
        {"id": "NOWW", "status": "expansion", "occupancy_pct": 80.0, "wastewater_ready": False,
         "geometry": ha_square(1000, 0, 30)},
        {"id": "UNKNOWN", "status": "expansion", "geometry": ha_square(2000, 0, 30)},
        {"id": "HUGE", "status": "expansion", "occupancy_pct": 90.0, "wastewater_ready": True,
         "geometry": ha_square(3000, 0, 80)},
        {"id": "FINE", "status": "expansion", "occupancy_pct": 70.0, "wastewater_ready": True,
         "geometry": ha_square(5000, 0, 40)},
        {"id": "NOTEXP", "status": "existing", "occupancy_pct": 10.0,
         "wastewater_ready": False, "geometry": ha_square(6000, 0, 40)},
    ))
    got = sorted(zip(found["feature_id"], found["severity"], strict=True))
    assert got == [("HUGE", "error"), ("LOW", "warning"), ("NOWW", "error"),
                   ("UNKNOWN", "info"), ("UNKNOWN", "info")]
    low = found[found["feature_id"] == "LOW"].iloc[0]
    assert (low.value, low.threshold) == (45.0, 60.0)
    assert low.reference == "Decree 32/2024/ND-CP art. 8 cl. 2 [C]"
    assert "evidence that demand exceeds" in low.message
    assert "no wastewater collection and treatment" in found[
        found["feature_id"] == "NOWW"]["message"].iloc[0]


# -------------------------------------------------------------------------------- cluster-new


def _commune_frame() -> list[dict]:
    return [
        # commune A: 2 x 75 ha at 30 % -> average 30 %, unleased 105 ha
        {"id": "A1", "status": "existing", "occupancy_pct": 30.0, "commune": "Xã Đông Thọ",
         "geometry": ha_square(0, 0, 75)},
        {"id": "A2", "status": "expansion", "occupancy_pct": 30.0, "commune": "xa dong tho",
         "geometry": ha_square(1000, 0, 75)},
        {"id": "A-NEW", "status": "planned", "commune": "Xã Đông Thọ",
         "geometry": ha_square(2000, 0, 30)},
        # commune B: 70 % occupied -> a new cluster is allowed
        {"id": "B1", "status": "existing", "occupancy_pct": 70.0, "commune": "Xã Tây",
         "geometry": ha_square(0, 2000, 60)},
        {"id": "B-NEW", "status": "planned", "commune": "Xã Tây",
         "geometry": ha_square(1000, 2000, 30)},
        # commune C: no established cluster -> the condition does not apply
        {"id": "C-NEW", "status": "planned", "commune": "Xã Nam",
         "geometry": ha_square(0, 4000, 30)},
    ]


def test_new_cluster_needs_the_communes_clusters_full_enough() -> None:
    found = check_cluster_new(clusters(*_commune_frame()))
    assert found["feature_id"].tolist() == ["A-NEW"]
    f = found.iloc[0]
    assert f.severity == "error"
    assert (f.value, f.threshold) == (pytest.approx(30.0), 50.0)
    assert "about 105.0 ha unleased" in f.message and "commune Xã Đông Thọ" in f.message


def test_unleased_land_under_100_ha_is_enough() -> None:
    small = _commune_frame()
    small[0]["geometry"] = ha_square(0, 0, 50)
    small[1]["geometry"] = ha_square(1000, 0, 50)  # 100 ha at 30 % -> 70 ha unleased
    assert check_cluster_new(clusters(*small)).empty


def test_province_unit_pools_every_cluster() -> None:
    found = check_cluster_new(clusters(*_commune_frame()),
                              settings={"cluster_aggregation_unit": "province"})
    # 150 ha at 30 % and 60 ha at 70 %: average 41 %, unleased 123 ha -> every new one fails
    assert found["feature_id"].tolist() == ["A-NEW", "B-NEW", "C-NEW"]
    assert found["value"].iloc[0] == pytest.approx((150 * 30 + 60 * 70) / 210)
    assert "the province" in found["message"].iloc[0]
    assert "plan override (was commune" in found["reference"].iloc[0]


def test_commune_from_boundaries_when_the_field_is_empty() -> None:
    rows = _commune_frame()
    for r in rows:
        r["commune"] = None
    communes = frame([
        {"name": "Xã Đông Thọ", "level": "commune", "geometry": rect(-100, -100, 4000, 1500)},
        {"name": "Xã Tây", "level": "commune", "geometry": rect(-100, 1500, 4000, 1500)},
    ], ("name", "level"))
    found = check_cluster_new(clusters(*rows), communes=communes)
    assert found["feature_id"].tolist() == ["A-NEW", "C-NEW"]
    assert found["severity"].tolist() == ["error", "info"]
    assert "its commune is unknown" in found["message"].iloc[1]


# ------------------------------------------------------------------------------- park-phasing


def test_big_planned_parks_must_be_phased() -> None:
    found = check_park_phasing(parks(
        {"id": "P1", "status": "planned", "phased": False, "geometry": ha_square(0, 0, 600)},
        {"id": "P2", "status": "planned", "geometry": ha_square(5000, 0, 600)},
        {"id": "P3", "status": "planned", "phased": True, "geometry": ha_square(10000, 0, 600)},
        {"id": "P4", "status": "existing", "phased": False,
         "geometry": ha_square(15000, 0, 600)},
        {"id": "P5", "status": "planned", "phased": False, "geometry": ha_square(20000, 0, 400)},
    ))
    assert list(zip(found["feature_id"], found["severity"], strict=True)) == [
        ("P1", "error"), ("P2", "warning")]
    assert found["value"].iloc[0] == pytest.approx(600)
    assert found["reference"].iloc[0] == "Decree 35/2022/ND-CP art. 9 [S]"


# -------------------------------------------------------------------------------- trade-class


def test_trade_classes_against_their_attributes() -> None:
    found = check_trade_class(trade(
        {"id": "M1", "type": "market", "class": 1, "business_points": 300,
         "geometry": point(0, 0)},
        {"id": "M3", "type": "market", "class": 3, "business_points": 450,
         "geometry": point(10, 0)},
        {"id": "M2", "type": "market", "class": 2, "business_points": 250,
         "geometry": point(20, 0)},
        {"id": "MX", "type": "market", "class": 2, "geometry": point(30, 0)},  # no points
        {"id": "W1", "type": "wholesale_market", "status": "planned", "floor_area_m2": 6000.0,
         "geometry": point(40, 0)},
        {"id": "S1", "type": "supermarket", "class": 1, "floor_area_m2": 4000.0,
         "geometry": point(50, 0)},
        {"id": "S2", "type": "supermarket", "class": 1, "floor_area_m2": 800.0,
         "items": 30000, "geometry": point(60, 0)},
        {"id": "S3", "type": "supermarket", "class": 3, "items": 1000, "geometry": point(70, 0)},
        {"id": "TT1", "type": "shopping_mall", "class": 1, "floor_area_m2": 40000.0,
         "geometry": point(80, 0)},
        {"id": "TT2", "type": "shopping_mall", "class": 2, "floor_area_m2": 20000.0,
         "geometry": point(90, 0)},
        {"id": "XD", "type": "petrol_station", "class": 1, "geometry": point(100, 0)},
    ))
    got = {(r.feature_id, r.severity) for r in found.itertuples()}
    assert got == {("M1", "error"), ("M3", "warning"), ("W1", "error"), ("S1", "warning"),
                   ("S2", "error"), ("S3", "warning"), ("TT1", "error")}
    m1 = found[found["feature_id"] == "M1"].iloc[0]
    assert "class 1 needs > 400 points" in m1.message and m1.value == 300
    assert m1.reference == "Decree 60/2024/ND-CP art. 4 [C]"
    s1 = found[found["feature_id"] == "S1"].iloc[0]
    assert "general supermarket of class I needs ≥ 5,000 m²" in s1.message
    assert s1.reference == "Decision 1371/2004/QĐ-BTM art. 3 [C]"
    # classes II-III of shopping centres are not confirmed: checked only when the plan sets them
    strict = check_trade_class(trade(
        {"id": "TT2", "type": "shopping_mall", "class": 2, "floor_area_m2": 20000.0,
         "geometry": point(90, 0)}), settings={"mall_class2_min_m2": 30000})
    assert strict["feature_id"].tolist() == ["TT2"]
    assert strict["reference"].iloc[0].startswith("plan override (was not set")
