"""Every bad input of the foundation issue gets a located message with the fix."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from builders.plans import X0, Y0, ZONE, PlanBuilder, clusters, ha_square, points, province_polygon
from click.testing import CliRunner
from shapely.geometry import LineString, Polygon

import geoplan
from geoplan import crs as gcrs
from geoplan.cli import cli
from geoplan.errors import PlanError, PlanValidationError
from geoplan.io.encodings import encode


def _problems(plan_path: Path, code: str) -> list[geoplan.problems.Problem]:
    report = geoplan.validate_plan(plan_path)
    return [p for p in report.problems if p.code == code]


def _cli_validate(plan_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", str(plan_path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_good_plan_loads(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add_boundary()
    b.add("ccn", "industrial_cluster", clusters())
    plan = geoplan.load_plan(b.write())
    frame = plan.layers["ccn"].frame
    assert list(frame.columns) == [*geoplan.KINDS["industrial_cluster"].columns, "geometry"]
    assert list(frame["status"]) == ["existing", "planned", "expansion"]
    assert frame.crs.equals(plan.crs)
    assert plan.crs.to_epsg() == 9209
    assert frame.loc[0, "name"] == "Cụm công nghiệp Số 1"
    np.testing.assert_allclose(frame.geometry.area / 1e4, [20, 25, 30])
    code, out = _cli_validate(tmp_path)
    assert code == 0, out


def test_input_frames_are_not_modified(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    src = clusters()
    path = b.add("ccn", "industrial_cluster", src)
    before = path.read_bytes()
    geoplan.load_plan(b.write())
    assert path.read_bytes() == before


def test_missing_crs_is_an_error_with_a_guess(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame.set_crs(None, allow_override=True).to_file(tmp_path / "ccn.shp")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp"}
    plan_path = b.write()
    (problem,) = _problems(plan_path, "missing-crs")
    assert re.search(r"look like VN-2000 metres", problem.message_en)
    assert "crs = " in problem.fix_en and "[layers.ccn]" in problem.fix_en
    assert problem.message.startswith("lớp không có hệ tọa độ và phương án cũng không khai báo.")
    assert "Tọa độ có dạng mét VN-2000" in problem.message
    assert problem.fix.startswith('thêm crs = "EPSG:…" vào [layers.ccn]')
    assert problem.file and problem.file.endswith("ccn.shp")
    with pytest.raises(PlanValidationError, match=r"phương án có lỗi: 1 lỗi") as info:
        geoplan.load_plan(plan_path)
    assert info.value.report.summary("en") == "the plan has errors: 1 error, 0 warnings, 0 notes"
    code, out = _cli_validate(plan_path)
    assert code == 1 and "missing-crs" in out


def test_plan_crs_used_when_file_has_none(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    clusters().set_crs(None, allow_override=True).to_file(tmp_path / "ccn.shp")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp", "crs": ZONE}
    plan = geoplan.load_plan(b.write())
    assert "crs-from-plan" in plan.report.codes()


def test_unknown_crs(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    clusters().set_crs(None, allow_override=True).to_file(tmp_path / "ccn.shp")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp", "crs": "EPSG:999999"}
    report = geoplan.validate_plan(b.write())
    assert report.has_errors
    assert any("EPSG:999999" in p.message_en for p in report.errors)


def test_file_crs_contradicting_plan(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters(), crs="EPSG:5897")
    (problem,) = _problems(b.write(), "crs-conflict")
    assert re.search(r"EPSG:9209.*EPSG:5897", problem.message_en)


def test_wrong_geometry_type(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = gpd.GeoDataFrame({"id": ["L1"], "name": ["x"], "status": ["planned"]},
                             geometry=[LineString([(X0, Y0), (X0 + 10, Y0 + 10)])], crs=ZONE)
    b.add("ccn", "industrial_cluster", frame)
    (problem,) = _problems(b.write(), "geometry-type")
    assert problem.feature == "L1"
    assert re.search(r"LineString is not allowed in a industrial_cluster layer", problem.message_en)
    assert problem.message == ("lớp cụm công nghiệp (industrial_cluster) không nhận hình học "
                               "LineString (chỉ nhận: vùng)")
    assert problem.fix == "chuyển các đối tượng này sang một lớp đúng loại"


def test_invalid_geometry_repaired_or_refused(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    cx, cy = X0 + 5000, Y0 + 5000
    # a square with a zero-width spike: invalid, repair keeps the area
    spike = Polygon([(cx, cy), (cx + 400, cy), (cx + 400, cy + 200), (cx + 600, cy + 200),
                     (cx + 400, cy + 200), (cx + 400, cy + 400), (cx, cy + 400)])
    # a bow-tie: make_valid keeps both lobes, but that is not what was drawn as one outline
    bow = Polygon([(cx + 2000, cy), (cx + 2400, cy + 400), (cx + 2400, cy),
                   (cx + 2000, cy + 400)])
    assert not spike.is_valid and not bow.is_valid
    frame = gpd.GeoDataFrame({"id": ["S", "B"], "status": ["planned", "planned"]},
                             geometry=[spike, bow], crs=ZONE)
    b.add("ccn", "industrial_cluster", frame)
    report = geoplan.validate_plan(b.write())
    repaired = [p for p in report.problems if p.code == "repaired-geometry"]
    assert [p.feature for p in repaired] == ["S"]
    assert re.search(r"repaired with make_valid \(area change 0\.00%\)", repaired[0].message_en)
    assert re.search(r"đã được sửa bằng make_valid \(diện tích thay đổi 0,00%\)",
                     repaired[0].message)
    # the bow-tie's lobes cancel out (area 0 as drawn): the repair would invent 8 ha
    (bow_problem,) = [p for p in report.problems if p.feature == "B"]
    assert bow_problem.code == "invalid-geometry" and bow_problem.severity == "error"
    assert re.search(r"Self-intersection.*changes the area from 0\.00 to 8\.00",
                     bow_problem.message_en)


def test_self_overlapping_polygon_refused(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    cx, cy = X0 + 5000, Y0 + 5000
    # outline that loops back over itself: make_valid drops the doubled part (area changes a lot)
    ring = [(cx, cy), (cx + 1000, cy), (cx + 1000, cy + 1000), (cx, cy + 1000), (cx, cy + 500),
            (cx + 1500, cy + 500), (cx + 1500, cy + 700), (cx, cy + 700)]
    poly = Polygon(ring)
    assert not poly.is_valid
    frame = gpd.GeoDataFrame({"id": ["Z"], "status": ["planned"]}, geometry=[poly], crs=ZONE)
    b.add("ccn", "industrial_cluster", frame)
    (problem,) = _problems(b.write(), "invalid-geometry")
    assert re.search(r"changes the area (by \d+\.\d%|from [\d.]+ to [\d.]+).*, more than 1%",
                     problem.message_en)
    assert "redraw" in problem.fix_en
    assert re.search(r"nếu sửa tự động thì diện tích thay đổi .*, vượt ngưỡng 1%", problem.message)
    assert problem.fix.startswith("vẽ lại vùng")


def test_null_and_empty_geometry(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = gpd.GeoDataFrame({"id": ["A", "B", "C"], "status": ["planned"] * 3},
                             geometry=[ha_square(X0 + 5000, Y0 + 5000, 20), None,
                                       shapely.Polygon()], crs=ZONE)
    b.add("ccn", "industrial_cluster", frame)
    report = geoplan.validate_plan(b.write())
    codes = {p.code: p for p in report.errors}
    assert "null-geometry" in codes or "empty-geometry" in codes
    located = {p.feature for p in report.errors}
    assert {"B", "C"} <= {f for f in located if f}


def test_missing_required_field(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters().drop(columns=["trang_thai"])
    b.add("ccn", "industrial_cluster", frame)
    (problem,) = _problems(b.write(), "missing-field")
    assert problem.field == "status"
    assert re.search(r"fields = \{ status = ", problem.fix_en)


def test_defaults_fill_missing_field(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters().drop(columns=["trang_thai"]),
          defaults={"status": "quy hoạch"})
    plan = geoplan.load_plan(b.write())
    assert set(plan.layers["ccn"].frame["status"]) == {"planned"}


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("380 kV", r"= '380 kV': 380 kV is not a voltage level used in Vietnam"),
        (380000, r"380 kV is not a voltage level used in Vietnam"),
        ("cao thế", r"is not a voltage"),
    ],
)
def test_voltage_outside_vocabulary(tmp_path: Path, value: object, pattern: str) -> None:
    b = PlanBuilder(tmp_path)
    line = LineString([(X0 + 100, Y0 + 100), (X0 + 5000, Y0 + 5000)])
    frame = gpd.GeoDataFrame({"id": ["L1"], "cap_dien_ap": [value], "status": ["existing"]},
                             geometry=[line], crs=ZONE)
    b.add("grid", "grid_line", frame)
    (problem,) = _problems(b.write(), "bad-value")
    assert problem.feature == "L1" and problem.field == "voltage_kv"
    assert re.search(pattern, problem.message_en)
    assert re.search(r"accepted levels \(kV\): 1000, 765, 500, 220, 110", problem.message_en, re.I)


def test_voltage_spellings_normalised(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 5000)]) for i in range(6)]
    frame = gpd.GeoDataFrame(
        {"id": [f"L{i}" for i in range(6)],
         "kv": ["500kV", "500 kV", "500000", "220;110", 110, None],
         "status": ["hiện trạng", "Quy hoạch", "Đang xây dựng", "existing", "planned",
                    "planned"]},
        geometry=lines, crs=ZONE)
    b.add("grid", "grid_line", frame)
    plan = geoplan.load_plan(b.write())
    f = plan.layers["grid"].frame
    assert f["voltage_kv"].tolist()[:5] == [500, 500, 500, 220, 110]
    assert pd.isna(f["voltage_kv"].iloc[5])
    assert f["voltage_levels"].iloc[3] == "220;110"
    assert f["status"].tolist()[:3] == ["existing", "planned", "under_construction"]
    assert f["location"].eq("overhead").all()
    unknown = [p for p in plan.report.problems if p.code == "unknown-voltage"]
    assert unknown and unknown[0].severity == "warning" and unknown[0].feature == "L5"


def test_bad_status_lists_accepted_values(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame.loc[1, "trang_thai"] = "bỏ hoang"
    b.add("ccn", "industrial_cluster", frame)
    (problem,) = _problems(b.write(), "bad-value")
    assert problem.feature == "C2"
    assert re.search(r"'bỏ hoang' is not one of: existing, under_construction, planned, "
                     r"expansion", problem.message_en)


def test_duplicate_ids(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame.loc[2, "id"] = "C1"
    b.add("ccn", "industrial_cluster", frame)
    (problem,) = _problems(b.write(), "duplicate-id")
    assert problem.feature == "C1" and problem.field == "id"
    assert "unique" in problem.fix_en
    assert problem.message == "nhiều đối tượng dùng cùng một mã"
    assert problem.to_text().startswith("LỖI      duplicate-id: ")
    assert "[lớp ccn] đối tượng C1 trường 'id': nhiều đối tượng dùng cùng một mã. Sửa: " \
        "đặt mã không trùng nhau trong lớp" in problem.to_text()
    assert "[layer ccn] feature C1 field 'id': the same id is used by more than one feature. " \
        "Fix: make ids unique within the layer" in problem.to_text("en")


def test_outside_vietnam_xy_swapped(tmp_path: Path) -> None:
    """A VN-2000 table whose X (northing) and Y (easting) columns were mapped the wrong way."""
    b = PlanBuilder(tmp_path)
    b.add_boundary()
    xs = [X0 + 2000, X0 + 5000, X0 + 9000]
    ys = [Y0 + 3000, Y0 + 8000, Y0 + 12000]
    table = pd.DataFrame({"id": ["T1", "T2", "T3"], "type": ["chợ"] * 3,
                          "status": ["hiện trạng"] * 3, "X": ys, "Y": xs})
    table.to_csv(tmp_path / "trade.csv", index=False)
    # wrong: x_field = X (the northing)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "X",
                         "y_field": "Y", "crs": ZONE}
    report = geoplan.validate_plan(b.write())
    assert report.has_errors
    problem = next(p for p in report.errors if p.layer == "trade")
    assert problem.code == "xy-swapped"
    assert re.search(r"swap", problem.fix_en, re.I)
    assert problem.message.startswith("3 đối tượng: nằm ngoài lãnh thổ Việt Nam: tọa độ X và Y "
                                      "bị đổi chỗ")
    assert problem.message_en.startswith("3 features: outside Vietnam: the layer: 3 of 3 "
                                         "sampled")
    assert problem.fix == ("đổi chỗ tọa độ X và Y của lớp (x = tọa độ hướng đông, y = tọa độ "
                           "hướng bắc)")


def test_outside_vietnam_latlon_order(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    lon, lat = gcrs.transform_points(np.array([X0 + 5000, X0 + 9000]),
                                     np.array([Y0 + 5000, Y0 + 9000]), ZONE, "EPSG:4326")
    frame = points(list(lat), list(lon), "EPSG:4326", id=["P1", "P2"],
                   type=["siêu thị", "chợ"], status=["existing", "existing"])
    b.add("trade", "trade_facility", frame, filename="trade.geojson")
    report = geoplan.validate_plan(b.write())
    problem = next(p for p in report.errors if p.layer == "trade")
    assert problem.code == "latlon-order"


def test_metres_declared_as_degrees(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add_boundary()
    table = pd.DataFrame({"id": ["T1", "T2"], "type": ["chợ", "kho"], "status": ["planned"] * 2,
                          "E": [X0 + 5000, X0 + 9000], "N": [Y0 + 5000, Y0 + 9000]})
    table.to_csv(tmp_path / "trade.csv", index=False)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "E",
                         "y_field": "N", "crs": "EPSG:4326"}
    report = geoplan.validate_plan(b.write())
    problem = next(p for p in report.errors if p.layer == "trade")
    assert problem.code == "metres-as-degrees"
    assert re.search(r"EPSG:9209", problem.message_en + problem.fix_en)


def test_wrong_tm3_zone(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add_boundary()
    # coordinates computed in 105°30′ but declared as 107°00′ (EPSG:9214)
    frame = clusters().set_crs("EPSG:9214", allow_override=True)
    b.add("ccn", "industrial_cluster", frame)
    report = geoplan.validate_plan(b.write())
    problem = next(p for p in report.errors if p.layer == "ccn")
    assert problem.code == "wrong-zone", problem
    assert "EPSG:9209" in problem.message_en + problem.fix_en


def test_missing_datum_shift(tmp_path: Path) -> None:
    """VN-2000 geographic coordinates written as if they were WGS 84 (~220 m off)."""
    b = PlanBuilder(tmp_path)
    xs = np.array([X0 + 2000, X0 + 7000, X0 + 12000, X0 + 15000])
    ys = np.array([Y0 + 3000, Y0 + 9000, Y0 + 4000, Y0 + 16000])
    true = points(list(xs), list(ys), ZONE)
    # the "province" hugs the true positions (50 m), so a 220 m shift leaves it entirely
    boundary = gpd.GeoDataFrame({"name": ["Tỉnh Thử"], "level": ["province"]},
                                geometry=[true.buffer(50).union_all()], crs=ZONE)
    b.add("boundary", "boundary", boundary)
    # the same numbers as VN-2000 geographic, but labelled WGS 84: no datum shift applied
    vn = gcrs.to_crs(true, "EPSG:4756")
    frame = gpd.GeoDataFrame({"id": ["P1", "P2", "P3", "P4"], "type": ["chợ"] * 4,
                              "status": ["existing"] * 4},
                             geometry=shapely.points(shapely.get_coordinates(vn.geometry)),
                             crs="EPSG:4326")
    b.add("trade", "trade_facility", frame, filename="trade.geojson")
    report = geoplan.validate_plan(b.write())
    problem = next(p for p in report.errors if p.layer == "trade")
    assert problem.code == "missing-datum-shift", problem
    assert re.search(r"2\d\d m", problem.message_en)


def test_text_not_utf8(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    table = pd.DataFrame({"id": ["T1"], "ten": ["Crème brûlée"], "type": ["market"],
                          "status": ["existing"], "lon": [106.05], "lat": [21.18]})
    (tmp_path / "trade.csv").write_bytes(table.to_csv(index=False).encode("latin-1"))
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326"}
    (problem,) = _problems(b.write(), "unreadable")
    assert re.search(r"trade\.csv: text is not valid UTF-8", problem.message_en)
    assert "cp1258" in problem.message_en and "tcvn3" in problem.message_en


def test_undeclared_cp1258_csv_is_detected(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    table = pd.DataFrame({"id": ["T1"], "ten": ["Chợ Hà Đông"], "type": ["market"],
                          "status": ["existing"], "lon": [106.05], "lat": [21.18]})
    text = encode(table.to_csv(index=False), "cp1258")  # Windows-1258 bytes, as Latin-1 text
    (tmp_path / "trade.csv").write_bytes(text.encode("latin-1"))
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["trade"].frame.loc[0, "name"] == "Chợ Hà Đông"
    (note,) = [p for p in plan.report.problems if p.code == "legacy-encoding"]
    assert "converted from Windows-1258 to Unicode (detected)" in note.message_en


def test_declared_encoding_reads_legacy_csv(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    table = pd.DataFrame({"id": ["T1"], "ten": ["Hà Đông"], "type": ["market"],
                          "status": ["existing"], "lon": [106.05], "lat": [21.18]})
    (tmp_path / "trade.csv").write_bytes(table.to_csv(index=False).encode("cp1258"))
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326", "encoding": "cp1258"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["trade"].frame.loc[0, "name"] == "Hà Đông"


def test_wrong_file(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    (tmp_path / "ccn.geojson").write_bytes(b"\x89PNG\r\n\x1a\n not a geojson")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.geojson"}
    b.layers["gone"] = {"kind": "substation", "path": "nowhere.gpkg"}
    report = geoplan.validate_plan(b.write())
    messages = {p.layer: p.message_en for p in report.errors}
    assert re.search(r"ccn\.geojson: not a readable vector file", messages["ccn"])
    assert re.search(r"nowhere\.gpkg: file not found", messages["gone"])
    code, _out = _cli_validate(tmp_path)
    assert code == 1


def test_multilayer_source_needs_a_layer(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    path = tmp_path / "all.gpkg"
    clusters().to_file(path, layer="ccn")
    clusters().to_file(path, layer="ccn_old")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "all.gpkg"}
    (problem,) = _problems(b.write(), "unreadable")
    assert re.search(r"holds 2 layers \(ccn, ccn_old\); name one with layer", problem.message_en)


def test_unknown_plan_keys_list_valid_ones(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters(), colour="red")
    with pytest.raises(PlanError, match=r"unknown key 'colour' in \[layers\.ccn\]; valid keys: "
                                         r"kind, path, layer, crs, fields"):
        geoplan.load_plan(b.write())
    code, out = _cli_validate(tmp_path)
    assert code == 1 and "Lỗi:" in out and "các khóa hợp lệ: kind, path" in out


def test_unknown_kind_and_field(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_clusters", clusters())
    with pytest.raises(PlanError, match=r"did you mean 'industrial_cluster'"):
        geoplan.load_plan(b.write())
    b.layers["ccn"]["kind"] = "industrial_cluster"
    b.layers["ccn"]["fields"] = {"nam": "ten"}
    with pytest.raises(PlanError, match=r"unknown key 'nam' \(did you mean 'name'\?\)"):
        geoplan.load_plan(b.write())


def test_many_problems_reported_together(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame.loc[0, "trang_thai"] = "??"
    frame.loc[2, "id"] = "C2"
    b.add("ccn", "industrial_cluster", frame)
    b.layers["gone"] = {"kind": "substation", "path": "nowhere.gpkg"}
    with pytest.raises(PlanValidationError) as info:
        geoplan.load_plan(b.write())
    codes = info.value.report.codes()
    assert {"bad-value", "duplicate-id", "unreadable"} <= codes
    assert re.search(r"3 lỗi", str(info.value))
    assert re.search(r"3 errors", info.value.report.summary("en"))


def test_grouped_problem_counts(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    n = 30
    lines = [LineString([(X0 + 10 * i, Y0), (X0 + 10 * i, Y0 + 500)]) for i in range(n)]
    frame = gpd.GeoDataFrame({"id": [f"L{i}" for i in range(n)], "status": ["existing"] * n,
                              "voltage_kv": [None] * n}, geometry=lines, crs=ZONE)
    b.add("grid", "grid_line", frame)
    plan = geoplan.load_plan(b.write())
    (problem,) = [p for p in plan.report.problems if p.code == "unknown-voltage"]
    assert problem.count == n
    assert re.search(r"^30 features: voltage unknown", problem.message_en)
    assert re.search(r"^30 đối tượng: chưa rõ cấp điện áp", problem.message)
    assert problem.feature and problem.feature.endswith("and 22 more")
    assert "đối tượng L0, L1, L2, L3, L4, L5, L6, L7 và 22 đối tượng khác" in problem.to_text()
    assert "feature L0, L1, L2, L3, L4, L5, L6, L7 and 22 more" in problem.to_text("en")


def test_province_polygon_helper_is_in_zone() -> None:
    assert province_polygon().area == pytest.approx(400e6)


def test_tcvn3_text_is_converted_with_a_note_and_unicode_is_not(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame["ten"] = ["CCN H\u00b5 N\u00e9i", "CCN \u00a7\u00abng Anh \u00b8",
                    "CCN Ph\u00b6 L\u00b9i"]
    frame["loai"] = ["Trên không", "Ngầm", "Cụm công nghiệp"]
    b.add("ccn", "industrial_cluster", frame)
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame["name"].tolist() == ["CCN Hà Nội", "CCN Đông Anh á",
                                                         "CCN Phả Lại"]
    (problem,) = [p for p in plan.report.problems if p.code == "legacy-encoding"]
    assert problem.field == "ten" and problem.severity == "info"
    assert problem.message_en == ("text in 'ten' converted from TCVN3 (ABC) to Unicode (detected): "
                                  "3 values, e.g. 'CCN H\u00b5 N\u00e9i' -> 'CCN Hà Nội'")
    assert problem.message == ("văn bản trong 'ten' đã được chuyển từ TCVN3 (ABC) sang Unicode "
                               "(tự nhận biết): 3 giá trị, ví dụ 'CCN H\u00b5 N\u00e9i' -> "
                               "'CCN Hà Nội'")


def test_font_text_that_reads_as_nothing_is_still_flagged(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame["ten"] = ["CCN \u00b8\u00b8\u00b5\u00b5 \u00a7\u00a7\u00a7"] * 3
    b.add("ccn", "industrial_cluster", frame)
    report = geoplan.validate_plan(b.write())
    (problem,) = [p for p in report.problems if p.code == "legacy-encoding"]
    assert problem.field == "ten" and problem.severity == "warning"
    assert "looks like a TCVN3/VNI font encoding" in problem.message_en
    assert "có vẻ dùng bảng mã phông TCVN3/VNI" in problem.message
    assert problem.fix.startswith("chuyển văn bản sang Unicode")
