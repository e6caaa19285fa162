"""Load and validation problems in Vietnamese first with English beside them (geoplan.problems,
the ``[problem.*]`` templates of geoplan/data/messages.toml)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from builders.plans import X0, Y0, ZONE, PlanBuilder, clusters

import geoplan
from geoplan.io.encodings import Conversion
from geoplan.load.layer import _conversion_text, _diagnosis_texts
from geoplan.messages import Text, message_keys
from geoplan.problems import Problem, ValidationReport, problem_text

ROOT = Path(__file__).resolve().parents[1]


def test_every_problem_text_the_code_asks_for_is_in_the_table() -> None:
    keys = set(message_keys())
    used = set()
    for path in [*(ROOT / "geoplan" / "load").glob("*.py"), ROOT / "geoplan" / "attributes.py",
                 ROOT / "geoplan" / "problems.py"]:
        text = path.read_text("utf-8")
        used |= {f"problem.{k}" for k in re.findall(r'\b_t\(\s*"([a-z_0-9]+)"', text)}
        used |= {f"problem.{k}" for k in re.findall(r'problem_text\(\s*"([a-z_0-9]+)"', text)}
        used |= {f"problem.{k}" for k in re.findall(r'"([a-z_]+_fix)"', text)}
    assert len(used) > 70
    assert used <= keys, used - keys
    with pytest.raises(KeyError, match=r"no message 'problem\.nope'"):
        problem_text("nope")


def test_a_problem_with_one_text_shows_it_in_both_languages() -> None:
    p = Problem("warning", "my-check", "something odd", "look at it", layer="x")
    assert (p.message_en, p.fix_en) == ("something odd", "look at it")
    assert p.text == Text.same("something odd") and p.fix_text == Text.same("look at it")
    assert p.with_severity("error").to_text("en").startswith("ERROR   my-check: ")
    assert p.to_text() == "CẢNH BÁO my-check: [lớp x]: something odd. Sửa: look at it"
    assert p.to_text("en") == "WARNING my-check: [layer x]: something odd. Fix: look at it"
    with pytest.raises(ValueError, match="use \"vi\" or \"en\""):
        p.to_text("fr")


def test_the_report_speaks_both_languages_and_records_both_texts() -> None:
    report = ValidationReport()
    assert report.to_text() == "Không tìm thấy vấn đề nào."
    assert report.to_text("en") == "No problems found."
    assert report.summary() == "phương án tải thành công: 0 lỗi, 0 cảnh báo, 0 ghi chú"
    report.add(Problem.of("error", "missing-value", problem_text("missing_value", field="name"),
                          problem_text("missing_value_fix", field="name"), layer="ccn",
                          file="ccn.gpkg", feature="C1, C2", field="name", count=2))
    report.add(Problem.of("info", "empty-layer", problem_text("empty_layer"), layer="b"))
    assert report.summary() == "phương án có lỗi: 1 lỗi, 0 cảnh báo, 1 ghi chú"
    assert report.summary("en") == "the plan has errors: 1 error, 0 warnings, 1 note"
    lines = report.to_text().splitlines()
    assert lines[0] == ("LỖI      missing-value: ccn.gpkg [lớp ccn] đối tượng C1, C2 trường "
                        "'name': name chưa có giá trị. Sửa: điền name trong dữ liệu nguồn hoặc đặt "
                        "defaults = { name = ... } trong phương án")
    assert lines[1] == "GHI CHÚ  empty-layer: [lớp b]: lớp không có đối tượng nào."
    assert report.to_text("en").splitlines()[0] == (
        "ERROR   missing-value: ccn.gpkg [layer ccn] feature C1, C2 field 'name': name is empty. "
        "Fix: fill name in the source or give defaults = { name = ... } in the plan")
    (record, _) = report.to_records()
    assert record["message"] == "name chưa có giá trị" and record["message_en"] == "name is empty"
    assert record["fix_en"].startswith("fill name") and record["fix"].startswith("điền name")
    assert json.loads(report.to_json())[0]["message"] == "name chưa có giá trị"  # not escaped
    assert {"message", "message_en", "fix", "fix_en"} <= set(report.to_frame().columns)


def test_strict_turns_warnings_into_errors_and_keeps_both_texts(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame = frame.drop(columns=["id"]) if "id" in frame.columns else frame
    b.add("ccn", "industrial_cluster", frame)
    report = geoplan.validate_plan(b.write(), strict=True)
    (p,) = [p for p in report.problems if p.code == "no-id-field"]
    assert p.severity == "error"
    assert p.message == "không tìm thấy cột mã (id); đã tự sinh mã ccn-1 … ccn-3"
    assert p.message_en == "no id column found; ids generated as ccn-1 … ccn-3"


def test_numbers_in_problems_are_written_the_vietnamese_way(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame["lap_day"] = [50.5, 180.25, 20.0]
    b.add("ccn", "industrial_cluster", frame, fields={"occupancy_pct": "lap_day"})
    (p,) = [p for p in geoplan.validate_plan(b.write()).problems if p.code == "out-of-range"]
    assert p.feature == "C2" and p.field == "occupancy_pct"
    assert re.fullmatch(r"occupancy_pct ngoài khoảng cho phép 0(,0)?–100(,0)? %", p.message), p
    assert re.fullmatch(r"occupancy_pct outside 0(\.0)?–100(\.0)? %", p.message_en), p
    assert p.fix == "sửa giá trị (tỷ lệ lấp đầy là phần trăm, từ 0 đến 100)"
    area = problem_text("invalid_geometry", reason="Self-intersection[1 1]",
                        how=problem_text("area_change_by", change=0.125), tolerance=0.01)
    assert area.vi == ("hình học không hợp lệ (Self-intersection[1 1]); nếu sửa tự động thì diện "
                       "tích thay đổi 12,5%, vượt ngưỡng 1%")
    assert area.en == ("invalid geometry (Self-intersection[1 1]); repairing it changes the area "
                       "by 12.5%, more than 1%")


@pytest.mark.parametrize("forced", [True, False])
@pytest.mark.parametrize("count", [1, 3])
def test_the_conversion_note_says_in_english_what_the_reader_says(forced: bool,
                                                                   count: int) -> None:
    conv = Conversion("ten", "tcvn3", count, "Hµ Néi", "Hà Nội", forced)
    text = _conversion_text(conv)
    assert text.en == conv.message()
    how = "theo khai báo của phương án" if forced else "tự nhận biết"
    assert text.vi == (f"văn bản trong 'ten' đã được chuyển từ TCVN3 (ABC) sang Unicode ({how}): "
                       f"{count} giá trị, ví dụ 'Hµ Néi' -> 'Hà Nội'")


@pytest.mark.parametrize("swap", [False, True])
def test_extent_diagnoses_get_a_vietnamese_reason_and_fix(swap: bool) -> None:
    import geopandas as gpd

    from geoplan import crs as gcrs

    hanoi = shapely.box(105.30, 20.60, 106.00, 21.35)
    lon, lat = np.meshgrid(np.linspace(105.31, 105.99, 5), np.linspace(20.61, 21.34, 5))
    e, n = gcrs.transform_points(lon.ravel(), lat.ravel(), "EPSG:4326", "EPSG:5897")
    xs, ys = (n, e) if swap else (e, n)
    layer = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")
    d = gcrs.diagnose_extent(layer, "EPSG:4326", province_wgs84=hanoi)
    assert d is not None and d.code == "metres-as-degrees" and d.swap_xy is swap
    why, fix = _diagnosis_texts(d)
    assert why.en == d.message and fix.en == d.fix
    # the template says what the diagnosis says
    assert problem_text("fix_declare", crs="EPSG:5897",
                        swap=problem_text("fix_and_swap") if swap else Text("", "")).en == d.fix
    after = " sau khi đổi chỗ X và Y" if swap else ""
    assert why.vi == ("giá trị tọa độ là mét VN-2000, không phải độ: đọc theo EPSG:5897"
                      f"{after} thì các đối tượng nằm đúng vị trí")
    assert fix.vi == ('khai báo hệ tọa độ của lớp là EPSG:5897 (crs = "EPSG:5897")'
                      + (" và đổi chỗ X, Y" if swap else ""))


def test_a_diagnosis_without_a_vietnamese_text_keeps_its_own_words() -> None:
    from geoplan.crs import Diagnosis

    d = Diagnosis("outside-province", "3 of 3 features fall outside", "check it", "EPSG:9209")
    why, fix = _diagnosis_texts(d)
    assert why == Text.same(d.message)
    assert fix.en == "check it" and fix.vi.startswith("khai báo hệ tọa độ của lớp là EPSG:9209")


#: Problems whose Vietnamese sentence carries the words of GDAL, PROJ or a reader verbatim.
DETAIL = {"unreadable", "bad-crs", "crs-warning", "crs-transform", "meridian-conflict",
          "mapinfo-coordsys"}


def test_the_layer_problems_of_a_bad_plan_are_all_in_vietnamese(tmp_path: Path) -> None:
    """Every problem the load stage builds has a Vietnamese text of its own, not the English."""
    b = PlanBuilder(tmp_path)
    b.add_boundary()
    frame = clusters()
    frame.loc[0, "trang_thai"] = "bỏ hoang"
    frame.loc[2, "id"] = "C2"
    frame.loc[1, "geometry"] = None
    b.add("ccn", "industrial_cluster", frame)
    b.add("ccn2", "industrial_cluster", clusters(), crs="EPSG:5897")
    lines = gpd_lines()
    b.add("grid", "grid_line", lines)
    pd.DataFrame({"id": ["T1"], "type": ["chợ"], "status": ["existing"], "lon": [106.05],
                  "lat": [21.18]}).to_csv(tmp_path / "trade.csv", index=False)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv"}
    b.layers["gone"] = {"kind": "substation", "path": "nowhere.gpkg"}
    report = geoplan.validate_plan(b.write())
    codes = report.codes()
    assert {"bad-value", "duplicate-id", "null-geometry", "crs-conflict", "unknown-voltage",
            "coordinate-columns", "unreadable"} <= codes, codes
    for p in report.problems:
        assert p.message and p.message != p.message_en, p
        assert not p.fix or p.fix != p.fix_en, p
        if p.code not in DETAIL:
            assert not re.search(r"\b(the|is|Fix)\b", p.message), p


def gpd_lines() -> object:
    import geopandas as gpd
    from shapely.geometry import LineString

    return gpd.GeoDataFrame({"id": ["L1", "L2"], "status": ["existing", "existing"],
                             "voltage_kv": [None, 110]},
                            geometry=[LineString([(X0 + 100, Y0 + 100), (X0 + 900, Y0 + 900)]),
                                      LineString([(X0 + 200, Y0 + 100), (X0 + 800, Y0 + 900)])],
                            crs=ZONE)


@pytest.mark.parametrize(("column", "value", "vi", "en"), [
    ("trang_thai", "bỏ hoang",
     "'trang_thai' = 'bỏ hoang': giá trị không thuộc danh mục cho phép: existing (hiện trạng), "
     "under_construction (đang xây dựng), planned (quy hoạch mới), expansion (mở rộng)",
     "'trang_thai' = 'bỏ hoang': 'bỏ hoang' is not one of: existing, under_construction, "
     "planned, expansion"),
    ("dien_tich", "nhiều", "'dien_tich' = 'nhiều': không phải là số",
     "'dien_tich' = 'nhiều': 'nhiều' is not a number"),
    ("ngay_nop_ho_so", "hôm qua", "'ngay_nop_ho_so' = 'hôm qua': không phải ngày; ghi ví dụ "
     "2026-09-10 hoặc 10/09/2026 (ngày/tháng/năm)",
     "'ngay_nop_ho_so' = 'hôm qua': 'hôm qua' is not a date"),
    ("gpmb", "chắc vậy", "'gpmb' = 'chắc vậy': không phải giá trị có/không; ghi true/false, "
     "có/không hoặc 1/0", "'gpmb' = 'chắc vậy': 'chắc vậy' is not a yes/no value"),
])
def test_a_refused_value_says_why_in_vietnamese(tmp_path: Path, column: str, value: str,
                                                vi: str, en: str) -> None:
    b = PlanBuilder(tmp_path)
    frame = clusters()
    frame[column] = (frame[column] if column in frame else pd.Series([None] * len(frame))
                     ).astype(object)
    frame.loc[0, column] = value  # found by its Vietnamese alias
    b.add("ccn", "industrial_cluster", frame)
    (p,) = [p for p in geoplan.validate_plan(b.write()).problems if p.code == "bad-value"]
    assert p.feature == "C1"
    assert p.message == vi
    assert p.message_en.startswith(en)


def test_a_read_error_carries_both_languages_into_its_problem() -> None:
    from geoplan.errors import LayerReadError
    from geoplan.problems import error_text, read_error

    err = read_error(problem_text("table_no_lonlat"))
    assert isinstance(err, LayerReadError) and str(err).startswith("no longitude/latitude")
    assert error_text(err).vi.startswith("không tìm thấy cột kinh độ/vĩ độ")
    gdal = OSError("ccn.gpkg: not recognized as a supported file format")
    assert error_text(gdal) == Text.same(str(gdal))  # GDAL's words, verbatim in both
    text = problem_text("unreadable", detail=error_text(gdal))
    assert text.vi == "không đọc được tệp: ccn.gpkg: not recognized as a supported file format"
