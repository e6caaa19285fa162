"""Rules outside-boundary and duplicate."""

from __future__ import annotations

import pandas as pd
import pytest
from builders.checks import clusters, frame, ha_square, line, lines, point, rect, trade

from geoplan.checks import check_duplicates, check_outside_boundary


def _province() -> pd.DataFrame:
    return frame([{"name": "Tỉnh Thử", "level": "province",
                   "geometry": rect(0, 0, 10_000, 10_000)}], ("name", "level"))


def test_planned_features_outside_the_province() -> None:
    frames = {
        "industrial_cluster": clusters(
            {"id": "OUT", "status": "planned", "geometry": rect(20_000, 0, 300, 300)},
            {"id": "PART", "status": "planned", "geometry": rect(9_900, 0, 300, 300)},
            {"id": "EDGE", "status": "planned", "geometry": rect(9_705, 0, 300, 300)},  # 5 m
            {"id": "OLD", "status": "existing", "geometry": rect(20_000, 0, 300, 300)},
        ),
        "trade_facility": trade(
            {"id": "T-OUT", "type": "market", "status": "planned",
             "geometry": point(10_500, 100)}),
        "grid_line": lines(
            {"id": "CROSS", "voltage_kv": 220, "status": "planned",
             "geometry": line((5_000, 5_000), (15_000, 5_000))},
            {"id": "AWAY", "voltage_kv": 220, "status": "planned",
             "geometry": line((12_000, 0), (15_000, 0))}),
    }
    found = check_outside_boundary(frames, _province())
    rows = {r.feature_id: r for r in found.itertuples()}
    assert set(rows) == {"OUT", "PART", "T-OUT", "AWAY"}
    assert (rows["OUT"].severity, rows["OUT"].unit) == ("error", "ha")
    assert rows["OUT"].value == pytest.approx(9.0)
    assert "wholly outside the province" in rows["OUT"].message_en
    assert rows["PART"].severity == "warning"
    assert rows["PART"].value == pytest.approx(200 * 300 / 10_000)
    assert rows["PART"].geometry.area == pytest.approx(200 * 300)
    assert (rows["T-OUT"].unit, rows["T-OUT"].value) == ("m", pytest.approx(500))
    assert (rows["AWAY"].severity, rows["AWAY"].unit, rows["AWAY"].value) == (
        "error", "%", pytest.approx(100))
    assert rows["OUT"].reference_en == "geoplan default (digitising tolerance) [N]"


def test_without_a_boundary_one_info() -> None:
    frames = {"industrial_cluster": clusters(
        {"id": "C", "status": "planned", "geometry": rect(0, 0, 10, 10)})}
    found = check_outside_boundary(frames, None)
    assert found["severity"].tolist() == ["info"]
    assert "no province boundary layer" in found["message_en"].iloc[0]
    assert check_outside_boundary({}, None).empty


def test_identical_and_near_identical_geometry() -> None:
    found = check_duplicates({"industrial_cluster": clusters(
        {"id": "C1", "name": "A", "status": "planned", "geometry": ha_square(0, 0, 20)},
        {"id": "C2", "name": "B", "status": "planned", "geometry": ha_square(0, 0, 20)},
        {"id": "C3", "name": "C", "status": "planned", "geometry": ha_square(1000, 0, 20)},
        {"id": "C4", "name": "D", "status": "planned", "geometry": ha_square(1000.5, 0, 20)},
        {"id": "C5", "name": "E", "status": "planned", "geometry": ha_square(1100, 0, 20)},
    ), "grid_line": lines(
        {"id": "L1", "name": "tuyến 1", "voltage_kv": 110, "geometry": line((0, 0), (500, 0))},
        {"id": "L2", "name": "tuyến 1", "voltage_kv": 110,
         "geometry": line((500, 0), (1000, 0))},  # next segment of the route: not a duplicate
        {"id": "L3", "name": "other", "voltage_kv": 110,
         "geometry": line((0, 1), (250, 2), (500, 1))},  # within 5 m of L1
    )})
    rows = {(r.feature_id, r.other_id): r for r in found.itertuples()}
    assert set(rows) == {("C1", "C2"), ("C3", "C4"), ("L1", "L3")}
    assert "have identical geometry" in rows[("C1", "C2")].message_en
    assert rows[("C1", "C2")].value == 0
    near = rows[("C3", "C4")]
    assert near.unit == "%" and near.value == pytest.approx(2 * 0.5 * 447.2136 / 200_000 * 100,
                                                            rel=1e-3)
    assert rows[("L1", "L3")].value == pytest.approx(2.0)
    assert set(found["severity"]) == {"warning"}


def test_same_name_at_the_same_place() -> None:
    found = check_duplicates({"trade_facility": trade(
        {"id": "T1", "name": "Chợ Đông Ba", "type": "market", "geometry": point(0, 0)},
        {"id": "T2", "name": "cho  dong_ba", "type": "market", "geometry": point(60, 0)},
        {"id": "T3", "name": "Chợ Đông Ba", "type": "market", "geometry": point(5000, 0)},
        {"id": "T4", "name": "Chợ Tây", "type": "market", "geometry": point(2, 0)},
    )})
    assert found[["feature_id", "other_id"]].values.tolist() == [["T1", "T2"], ["T1", "T4"]]
    by_name, by_place = found.iloc[0], found.iloc[1]
    assert "have the same name 60 m apart" in by_name.message_en
    assert by_name.reference_en == "geoplan default (same-name distance) [N]"
    assert "nearly identical geometry (at most 2.0 m apart)" in by_place.message_en


def test_layers_are_compared_separately() -> None:
    a = clusters({"id": "C1", "status": "planned", "geometry": ha_square(0, 0, 20)}, layer="a")
    b = clusters({"id": "C1", "status": "planned", "geometry": ha_square(0, 0, 20)}, layer="b")
    assert check_duplicates({"industrial_cluster": pd.concat([a, b], ignore_index=True)}).empty
