"""Rule corridor: power-line safety corridors."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from builders.checks import by_pair, clusters, line, lines, parks, point, rect, trade

from geoplan.checks import check_corridors, corridor_half_widths
from geoplan.checks.corridors import corridor_parts
from geoplan.rules import resolve_rules

NEW = resolve_rules(as_of="2026-12-02")
CABLE_SET = resolve_rules({"underground_distance_m": 0.5}, as_of="2026-12-02")


def test_half_widths_per_voltage_location_and_line_offset() -> None:
    frame = lines(
        {"id": "L110", "voltage_kv": 110, "geometry": line((0, 0), (1, 0))},
        {"id": "L220", "voltage_kv": 220, "geometry": line((0, 0), (1, 0))},
        {"id": "L500", "voltage_kv": 500, "geometry": line((0, 0), (1, 0))},
        {"id": "OWN", "voltage_kv": 220, "conductor_offset_m": 3.5,
         "geometry": line((0, 0), (1, 0))},
        {"id": "CABLE", "voltage_kv": 110, "location": "underground",
         "geometry": line((0, 0), (1, 0))},
        {"id": "L66", "voltage_kv": 66, "geometry": line((0, 0), (1, 0))},
        {"id": "L22", "voltage_kv": 22, "geometry": line((0, 0), (1, 0))},
        {"id": "NA", "voltage_kv": None, "geometry": line((0, 0), (1, 0))},
        {"id": "L765", "voltage_kv": 765, "geometry": line((0, 0), (1, 0))},
    )
    p = corridor_half_widths(frame, settings=CABLE_SET)
    assert p["half_width_m"].iloc[:7].tolist() == [7.0, 11.0, 19.0, 9.5, 1.0, 7.0, 3.0]
    assert p["band"].tolist() == [110, 220, 500, 220, 110, 110, 22, 0, 0]
    # without a buried-cable distance from a text that was read, the cable is not checked
    unset = corridor_half_widths(frame, settings=NEW)
    assert unset["band"].iloc[4] == -1 and np.isnan(unset["half_width_m"].iloc[4])
    assert p["offset_source"].tolist()[3] == "line"
    assert np.isnan(p["half_width_m"].iloc[7]) and np.isnan(p["half_width_m"].iloc[8])
    assert corridor_half_widths(frame, settings={"conductor_offset_220kv_m": 4.0})[
        "half_width_m"].iloc[1] == 10.0


def test_cluster_partly_inside_a_220kv_corridor() -> None:
    # axis y = 0; half-width 5 + 6 = 11 m; cluster from y = 5 up: 200 m x 6 m inside
    found = check_corridors(
        lines({"id": "DZ1", "name": "Bắc Ninh - Phả Lại", "voltage_kv": 220,
               "status": "existing", "geometry": line((0, 0), (1000, 0))}, layer="grid"),
        {"industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(100, 5, 200, 200)}, layer="ccn")},
        settings=NEW,
    )
    assert len(found) == 1
    f = found.iloc[0]
    assert (f.rule, f.severity, f.unit) == ("corridor", "warning", "ha")
    assert (f.layer, f.feature_id, f.other_layer, f.other_id) == ("ccn", "C1", "grid", "DZ1")
    assert f.value == pytest.approx(200 * 6 / 10_000)
    assert f.threshold == 11.0
    assert f.geometry.area == pytest.approx(1200)
    assert "220 kV line DZ1" in f.message_en
    assert "5 m conductor offset assumed + 6 m" in f.message_en
    assert "Works may stay in this corridor only under conditions" in f.message_en
    assert "đường dây 220 kV DZ1" in f.message_vi and f.message == f.message_vi
    assert f.reference_en == (
        "Decree 62/2025/ND-CP (article not read), in force from 4 Mar 2025 [S]; geoplan default "
        "(engineering assumption: typical 220 kV towers 4-5 m) [N]; Decree 62/2025/ND-CP art. 16,"
        " in force from 4 Mar 2025 [C]")


def test_500kv_corridor_is_an_error() -> None:
    found = check_corridors(
        lines({"id": "DZ5", "voltage_kv": 500, "geometry": line((0, 0), (1000, 0))}),
        {"industrial_park": parks(
            {"id": "K1", "status": "existing", "geometry": rect(0, -50, 1000, 100)})},
        settings=NEW,
    )
    f = found.iloc[0]
    assert f.severity == "error"
    assert f.value == pytest.approx(1000 * 2 * 19 / 10_000)
    assert "No building may stand" in f.message_en
    assert "Không được tồn tại nhà ở, công trình" in f.message_vi
    assert "Decree 62/2025/ND-CP art. 16; Electricity Law 61/2024/QH15 (article not read)" \
        in f.reference_en
    assert "Electricity Law 2004" not in f.reference_en


@pytest.mark.parametrize(("day", "law", "distance"), [
    ("2025-01-15", "Electricity Law 2004 (consolidated text 06/VBHN-VPQH) art. 51 cl. 3, in "
                   "force until 31 Jan 2025 [C]",
     "Decree 14/2014/ND-CP art. 11 cl. 1 (as amended by Decree 51/2020/ND-CP art. 1 cl. 7), "
     "in force until 3 Mar 2025 [C]"),
    ("2025-02-20", "Electricity Law 61/2024/QH15 (article not read), in force from 1 Feb 2025 "
                   "to 3 Mar 2025 [S]",
     "Decree 14/2014/ND-CP art. 11 cl. 1 (as amended by Decree 51/2020/ND-CP art. 1 cl. 7), "
     "in force until 3 Mar 2025 [C]"),
    ("2026-12-02", "Decree 62/2025/ND-CP art. 16; Electricity Law 61/2024/QH15 (article not "
                   "read), in force from 4 Mar 2025 [S]",
     "Decree 62/2025/ND-CP (article not read), in force from 4 Mar 2025 [S]"),
])
def test_corridor_findings_cite_the_acts_in_force_on_the_day(day: str, law: str,
                                                             distance: str) -> None:
    found = check_corridors(
        lines({"id": "DZ5", "voltage_kv": 500, "geometry": line((0, 0), (1000, 0))}),
        {"industrial_park": parks(
            {"id": "K1", "status": "planned", "geometry": rect(0, -50, 1000, 100)})},
        settings=resolve_rules(as_of=day),
    )
    ref = found["reference_en"].iloc[0]
    assert ref.startswith(distance) and ref.endswith(law)


def test_indicative_positions_are_warnings_that_need_an_exact_position() -> None:
    axis = line((0, 0), (1000, 0))
    found = check_corridors(
        lines({"id": "DZ5", "voltage_kv": 500, "geometry": axis},
              {"id": "DZ9", "voltage_kv": 500, "position": "indicative",
               "geometry": line((0, 3000), (1000, 3000))}),
        {"industrial_park": parks(
            {"id": "EXACT", "status": "planned", "geometry": rect(0, -50, 300, 100)},
            {"id": "ROUGH", "status": "planned", "position": "indicative",
             "geometry": rect(500, -50, 300, 100)},
            {"id": "UNDER9", "status": "planned", "geometry": rect(0, 2950, 300, 100)})},
        settings=NEW,
    )
    got = dict(zip(found["feature_id"], found["severity"], strict=True))
    assert got == {"EXACT": "error", "ROUGH": "warning", "UNDER9": "warning"}
    rough = found[found["feature_id"] == "ROUGH"].iloc[0]
    assert "cần xác định vị trí chính xác" in rough.message_vi
    assert "it needs an exact position" in rough.message_en
    assert "industrial park ROUGH" in rough.message_en.split("The position of ")[1]
    under9 = found[found["feature_id"] == "UNDER9"].iloc[0]
    assert "The position of line DZ9 is indicative" in under9.message_en


def test_points_use_the_flat_capped_corridor_and_report_the_distance() -> None:
    found = check_corridors(
        lines({"id": "DZ2", "voltage_kv": 220, "geometry": line((0, 0), (1000, 0))}),
        {"trade_facility": trade(
            {"id": "XD1", "type": "petrol_station", "status": "planned",
             "geometry": point(500, 8.0)},
            {"id": "XD2", "type": "petrol_station", "status": "planned",
             "geometry": point(1005, 0.0)},  # 5 m beyond the line's end: outside (flat cap)
            {"id": "XD3", "type": "petrol_station", "status": "planned",
             "geometry": point(500, 12.0)},
        )},
        settings=NEW,
    )
    assert found["feature_id"].tolist() == ["XD1"]
    f = found.iloc[0]
    assert (f.unit, f.value) == ("m", pytest.approx(8.0))
    assert f.message_en.startswith("Petrol station XD1 (planned) is inside the safety corridor")
    assert f.message_vi.startswith("Cửa hàng xăng dầu XD1 (quy hoạch mới) nằm trong hành lang")
    assert f.geometry.equals(point(500, 8.0))


def test_unknown_voltage_is_one_info_per_line_never_dropped() -> None:
    found = check_corridors(
        lines(
            {"id": "U1", "voltage_kv": None, "geometry": line((0, 0), (1000, 0))},
            {"id": "U2", "voltage_kv": None, "geometry": line((0, 500), (1000, 500))},
        ),
        {"industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(0, -10, 100, 20)})},
    )
    assert found["severity"].tolist() == ["info", "info"]
    assert found["feature_id"].tolist() == ["U1", "U2"]
    assert found["message_en"].str.contains("voltage unknown, so its safety corridor could not "
                                            "be checked").all()
    assert found["message_vi"].str.contains("chưa có cấp điện áp").all()


def test_underground_cable_has_its_own_narrow_corridor() -> None:
    cable = {"id": "CAP", "voltage_kv": 110, "location": "underground",
             "geometry": line((0, 0), (1000, 0))}
    near = {"id": "NEAR", "type": "market", "status": "planned", "geometry": point(10, 0.8)}
    far = {"id": "FAR", "type": "market", "status": "planned", "geometry": point(20, 2.0)}
    found = check_corridors(lines(cable), {"trade_facility": trade(near, far)},
                            settings=CABLE_SET)
    assert found["feature_id"].tolist() == ["NEAR"]
    assert found["threshold"].tolist() == [1.0]
    assert "underground cable" in found["message_en"].iloc[0]
    assert "giá trị do phương án đặt (thay cho chưa đặt" in found["reference_vi"].iloc[0]
    overhead = check_corridors(lines({**cable, "location": "overhead"}),
                               {"trade_facility": trade(near, far)}, settings=NEW)
    assert overhead["feature_id"].tolist() == ["FAR", "NEAR"]


def test_buried_cables_without_a_read_distance_are_not_checked_and_say_so() -> None:
    cable = {"id": "CAP", "voltage_kv": 110, "location": "underground",
             "geometry": line((0, 0), (1000, 0))}
    near = {"id": "NEAR", "type": "market", "status": "planned", "geometry": point(10, 0.8)}
    found = check_corridors(lines(cable), {"trade_facility": trade(near)}, settings=NEW)
    assert list(zip(found["feature_id"], found["severity"], strict=True)) == [("CAP", "info")]
    f = found.iloc[0]
    assert "is a buried cable: no corridor distance from a text that was read (mark N)" \
        in f.message_en
    assert "Set underground_distance_m in [rules]" in f.message_en
    assert f.reference_en == "Decree 62/2025/ND-CP (article not read), in force from 4 Mar " \
                             "2025 [N]"


def test_plan_override_of_the_offset_is_cited() -> None:
    found = check_corridors(
        lines({"id": "DZ", "voltage_kv": 220, "geometry": line((0, 0), (1000, 0))}),
        {"industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(100, 5, 200, 200)})},
        settings={"conductor_offset_220kv_m": 4.0},
    )
    f = found.iloc[0]
    assert f.threshold == 10.0 and f.value == pytest.approx(0.1)
    assert "plan override (was 5 m: geoplan default (engineering assumption" in f.reference_en


def test_line_offset_field_wins() -> None:
    found = check_corridors(
        lines({"id": "DZ", "voltage_kv": 220, "conductor_offset_m": 2.0,
               "geometry": line((0, 0), (1000, 0))}),
        {"industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(100, 5, 200, 200)})},
    )
    assert found["threshold"].tolist() == [8.0]
    assert "the line's conductor_offset_m" in found["reference_en"].iloc[0]
    assert "trường conductor_offset_m của tuyến" in found["reference_vi"].iloc[0]


def test_one_finding_per_feature_and_line() -> None:
    found = check_corridors(
        lines({"id": "A", "voltage_kv": 110, "geometry": line((0, 0), (500, 0))},
              {"id": "B", "voltage_kv": 110, "geometry": line((500, 0), (1000, 0))}),
        {"industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(400, -3, 200, 6)})},
    )
    assert set(by_pair(found)) == {("C1", "A"), ("C1", "B")}
    assert found["value"].sum() == pytest.approx(200 * 6 / 10_000)


def test_clipped_corridor_equals_the_whole_corridor_near_the_feature() -> None:
    rng = np.random.default_rng(7)
    t = np.linspace(0, 1, 60)
    xy = np.column_stack([t * 3000, 200 * np.sin(t * 9) + rng.normal(0, 5, len(t))])
    axis = line(*map(tuple, xy))
    feats = np.array([rect(x, y, w, h) for x, y, w, h in rng.uniform(
        [0, -250, 20, 20], [3000, 250, 400, 400], (40, 4))], dtype=object)
    hw = np.full(len(feats), 19.0)
    clipped = corridor_parts(feats, np.full(len(feats), axis, dtype=object), hw)
    whole = shapely.buffer(axis, 19.0, cap_style="flat", join_style="round")
    a = shapely.area(shapely.intersection(feats, clipped))
    b = shapely.area(shapely.intersection(feats, whole))
    assert (b > 0).sum() > 5
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6)
