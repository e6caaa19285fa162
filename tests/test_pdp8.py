"""Reconciliation with the national power development plan (geoplan.pdp8)."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geoplan.errors import LayerReadError, PlanError
from geoplan.pdp8 import (
    REFERENCE,
    line_ends,
    normalise_name,
    parse_capacity,
    parse_circuits_km,
    plan_items,
    read_national_list,
    reconcile,
)
from geoplan.pipeline import run_pdp8

DATA = Path(__file__).parent / "data" / "pdp8"
SAMPLE_LIST = DATA / "sample_national.csv"
ENGLISH_LIST = DATA / "national_north_en.csv"


# ------------------------------------------------------------------------------- names


@pytest.mark.parametrize(("raw", "expected"), [
    ("TBA 500kV Minh Hà", "minh ha"),
    ("Trạm biến áp 220 kV Hoà Tiến (*)", "hoa tien"),
    ("TBA 220/110kV Yên Phong 2 - xây dựng mới", "yen phong 2"),
    ("Phố Nối 500kV nối cấp", "pho noi"),
    ("Trạm cắt 500kV Lạc Sơn", "lac son"),
    ("  ĐỒNG  XUÂN ", "dong xuan"),
])
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(("raw", "ends", "into", "uprate"), [
    ("ĐZ 220kV Minh Hà – Bắc Minh", ("bac minh", "minh ha"), None, False),
    ("Đường dây 500 kV Hiệp Hòa - Phố Nối", ("hiep hoa", "pho noi"), None, False),
    ("Minh Hà – Rẽ Hiệp Hòa – Phố Nối", ("hiep hoa", "pho noi"), "minh ha", False),
    ("Đồng Xuân–Rẽ Tây Hà Nam–Lạc Sơn", ("lac son", "tay ha nam"), "dong xuan", False),
    ("Nâng khả năng tải ĐZ 220kV Minh Hà – Bắc Minh mạch 2", ("bac minh", "minh ha"), None,
     True),
])
def test_line_ends(raw: str, ends: tuple, into: str | None, uprate: bool) -> None:
    assert line_ends(raw) == (ends, into, uprate)


def test_parse_values() -> None:
    assert parse_capacity("1.800") == (1800.0, False)
    assert parse_capacity("2x900") == (1800.0, False)
    assert parse_capacity("2×250 + 1×125") == (625.0, False)
    assert parse_capacity("900 (*)") == (900.0, False)
    assert parse_capacity("Trạm cắt") == (None, True)
    assert parse_capacity(None) == (None, False)
    assert parse_circuits_km("1x75,5") == (1, 75.5)
    assert parse_circuits_km("4 × 5") == (4, 5.0)
    assert parse_circuits_km("35 km") == (None, 35.0)


# ------------------------------------------------------------------------------ reading


def test_read_english_layout() -> None:
    n = read_national_list(ENGLISH_LIST)
    assert n["name"].tolist() == [
        "Đồng Xuân", "Tây Hà Nam", "Lạc Sơn", "Vân Phong 2",
        "Đồng Xuân – Rẽ Tây Hà Nam – Lạc Sơn", "Nâng khả năng tải Tây Hà Nam - Vân Phong",
        "Đồng Xuân 500kV nối cấp", "TBA 220kV Yên Hòa", "Yên Hòa – Đồng Xuân"]
    assert n["kind"].tolist() == ["substation"] * 4 + ["line"] * 2 + ["substation"] * 2 + [
        "line"]
    assert n["voltage_kv"].tolist() == [500] * 6 + [220] * 3
    assert n["phase"].tolist() == ["2025-2030"] * 3 + ["2031-2035"] + ["2025-2030"] * 4 + [
        "2031-2035"]
    assert n["capacity_mva"].tolist()[:2] == [1800.0, 1800.0]
    assert n["switching"].tolist()[2] and pd.isna(n["capacity_mva"].iat[2])
    assert (n["circuits"].iat[4], n["km"].iat[4]) == (4, 5.0)
    assert n["row"].iat[0] == "national_north_en.csv:4"
    assert not n["name"].str.contains("Provision|Total").any()


def test_read_xlsx_one_sheet_per_table(tmp_path: Path) -> None:
    import openpyxl

    rows = list(csv.reader(ENGLISH_LIST.open(encoding="utf-8")))
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = None
    for row in rows:
        if row[0].startswith("Table"):
            sheet = book.create_sheet(row[0].split(":")[0])
        assert sheet is not None
        sheet.append(row)
    path = tmp_path / "national.xlsx"
    book.save(path)
    from_xlsx = read_national_list(path)
    from_csv = read_national_list(ENGLISH_LIST)
    cols = ["kind", "voltage_kv", "name", "capacity_mva", "circuits", "km", "phase"]
    pd.testing.assert_frame_equal(from_xlsx[cols], from_csv[cols])
    assert from_xlsx["row"].iat[0] == "Table 3:4"
    only = read_national_list(path, sheet="Table 6")
    assert only["name"].tolist() == ["Yên Hòa – Đồng Xuân"]


def test_read_flat_table_with_kind_voltage_phase_columns(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text("Tên công trình;Loại;Cấp điện áp;Giai đoạn;Quy mô (MVA);Số mạch x km\n"
                    "Yên Hòa;TBA;220kV;2026-2030;250;\n"
                    "Yên Hòa – Đồng Xuân;Đường dây;220 kV;2031 - 2035;;2x12\n",
                    encoding="utf-8")
    n = read_national_list(path)
    assert n[["kind", "voltage_kv", "phase", "capacity_mva", "circuits"]].astype(
        object).where(n.notna(), None).values.tolist() == [
        ["substation", 220, "2026-2030", 250.0, None],
        ["line", 220, "2031-2035", None, 2]]


@pytest.mark.parametrize(("text", "suffix", "match"), [
    ("just,some,cells\n1,2,3\n", ".csv", r"no header row found; the list needs a row of "
                                         r"column titles with a name column"),
    ("TT,Tên công trình,Ghi chú\n1,Yên Hòa,mới\n", ".csv",
     r"row flat\.csv:2 \('Yên Hòa'\): cannot tell whether it is a substation or a line"),
    ("x", ".ods", r"must be \.csv or \.xlsx, not '\.ods'"),
])
def test_read_errors(tmp_path: Path, text: str, suffix: str, match: str) -> None:
    path = tmp_path / f"flat{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayerReadError, match=match):
        read_national_list(path)


def test_missing_list(tmp_path: Path) -> None:
    with pytest.raises(LayerReadError, match="no such national list; pass --list"):
        read_national_list(tmp_path / "nope.csv")


def test_cp1258_list_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes(cp1258("Trạm biến áp 220 kV\nTT,Tên trạm biến áp,Công suất (MVA)\n"
                            "1,Yên Hòa,250\n"))
    assert read_national_list(path)["name"].tolist() == ["Yên Hòa"]  # NFC again


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese files have it: base letters precomposed, tones combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


# ----------------------------------------------------------------------------- matching

CRS = "EPSG:9209"


def side(*rows: tuple) -> gpd.GeoDataFrame:
    """rows: ("s", id, name, "500;220", mva, status, period) or
    ("l", id, name, kv, circuits, km, status, period)."""
    subs, lines = [], []
    for r in rows:
        if r[0] == "s":
            _, fid, name, levels, mva, status, period = r
            subs.append({"id": fid, "name": name, "voltage_kv": int(levels.split(";")[0]),
                         "voltage_levels": levels, "capacity_mva": mva, "status": status,
                         "period": period, "geometry": Point(0, 0)})
        else:
            _, fid, name, kv, circuits, km, status, period = r
            lines.append({"id": fid, "name": name, "voltage_kv": kv, "circuits": circuits,
                          "status": status, "period": period,
                          "geometry": LineString([(0, 0), (km * 1000, 0)])})
    s = gpd.GeoDataFrame(subs, geometry="geometry", crs=CRS) if subs else gpd.GeoDataFrame(
        {"voltage_kv": []}, geometry=[], crs=CRS)
    ln = gpd.GeoDataFrame(lines, geometry="geometry", crs=CRS) if lines else \
        gpd.GeoDataFrame({"voltage_kv": []}, geometry=[], crs=CRS)
    return plan_items(ln, s)


def national(*rows: tuple) -> pd.DataFrame:
    """rows: (kind, kv, name, mva, circuits, km, phase, note)."""
    out = []
    for i, (kind, kv, name, mva, circuits, km, phase, note) in enumerate(rows, start=1):
        out.append({"row": f"t:{i}", "table": "", "kind": kind, "voltage_kv": kv,
                    "name": name, "capacity_mva": mva, "capacity_text": None,
                    "switching": False, "circuits": circuits, "km": km, "note": note,
                    "phase": phase, "province": None})
    return pd.DataFrame(out)


def by_result(result: Any) -> dict[str, list[str]]:
    t = result.table
    return {k: sorted(t.loc[t["result"] == k, "plan_id" if k == "plan only" else
                            "national_name"].tolist())
            for k in ("both", "national only", "plan only")}


def test_noi_cap_matches_the_220kv_side_of_a_500kv_station() -> None:
    plan = side(("s", "S5", "TBA 500kV Đồng Xuân", "500;220", 1800.0, "existing", None))
    n = national(("substation", 220, "Đồng Xuân 500kV nối cấp", 250.0, None, None,
                  "2026-2030", "Cải tạo"),
                 ("substation", 500, "Đồng Xuân", 1800.0, None, None, "2026-2030", "Cải tạo"))
    t = reconcile(n, plan, lang="en").table.set_index("national_name")
    # one plan station answers both rows: the station itself and its 220 kV side
    assert t.loc["Đồng Xuân", ["result", "plan_id", "mva"]].tolist() == ["both", "S5", "same"]
    row = t.loc["Đồng Xuân 500kV nối cấp"]
    assert (row["result"], row["plan_id"], row["mva"]) == ("both", "S5", "not compared")
    assert "the 220 kV side of a 500 kV station" in row["remarks"]


def test_numbered_names_never_fuzzy_match() -> None:
    plan = side(("s", "A", "TBA 220kV Yên Hòa", "220;110", 250.0, "existing", None))
    n = national(("substation", 220, "Yên Hòa 2", 250.0, None, None, "2026-2030",
                  "Xây dựng mới"))
    r = reconcile(n, plan, province="Tỉnh Yên Hòa")
    assert by_result(r) == {"both": [], "national only": ["Yên Hòa 2"], "plan only": ["A"]}


def test_fuzzy_score_is_shown_and_bounded() -> None:
    plan = side(("s", "A", "TBA 220kV Hòa Tiến", "220;110", 250.0, "existing", None))
    n = national(("substation", 220, "Hòa Tiếng", 250.0, None, None, "2026-2030", "Cải tạo"))
    row = reconcile(n, plan).table.iloc[0]
    assert (row["result"], row["score"]) == ("both", 94.1)
    r = reconcile(n, plan, min_score=95)
    assert by_result(r)["both"] == [] and len(r.elsewhere) == 1


def test_voltage_classes_are_kept_apart() -> None:
    plan = side(("l", "L5", "ĐZ 500kV Yên Hòa – Đồng Xuân", 500, 2, 12.0, "existing", None))
    n = national(("line", 220, "Yên Hòa – Đồng Xuân", None, 2, 12.0, "2026-2030",
                  "Xây dựng mới"))
    r = reconcile(n, plan, places=["Xã Yên Hòa"])
    assert by_result(r) == {"both": [], "national only": ["Yên Hòa – Đồng Xuân"],
                            "plan only": ["L5"]}


def test_line_comparison_and_existing_versus_new_construction() -> None:
    plan = side(("l", "L1", "ĐZ 220kV Đồng Xuân – Yên Hòa", 220, 2, 13.0, "existing", None),
                ("l", "L2", "ĐZ 220kV Yên Hòa – Lạc Sơn", 220, 1, 30.0, "planned",
                 "2026-2030"))
    n = national(("line", 220, "Yên Hòa – Đồng Xuân", None, 2, 12.0, "2026-2030",
                  "Xây dựng mới"),
                 ("line", 220, "Lạc Sơn – Yên Hòa", None, 2, 20.0, "2026-2030", "Xây dựng mới"))
    t = reconcile(n, plan, lang="en").table.set_index("plan_id")
    assert t.loc["L1", "phase"] == "differs"
    assert "existing in the plan, new construction in PDP8" in t.loc["L1", "remarks"]
    assert t.loc["L1", "circuits_km"] == "same"  # 13 km drawn, 12 in PDP8: within 20 %
    assert t.loc["L2", "circuits_km"] == "differs"
    assert "circuits: PDP8 2, plan 1" in t.loc["L2", "remarks"]
    assert "length: PDP8 20 km, drawn 30.0 km" in t.loc["L2", "remarks"]
    assert t.loc["L2", "phase"] == "same"


def test_province_column_decides_relevance() -> None:
    n = national(("substation", 220, "Yên Hòa", 250.0, None, None, "2026-2030", None),
                 ("substation", 220, "Lạc Sơn", 250.0, None, None, "2026-2030", None))
    n["province"] = ["Bắc Ninh", "Hà Nội"]
    plan = side(("s", "X", "TBA 220kV Khác", "220", 250.0, "existing", None))
    r = reconcile(n, plan, province="Tỉnh Bắc Ninh")
    assert by_result(r)["national only"] == ["Yên Hòa"]
    assert r.elsewhere["name"].tolist() == ["Lạc Sơn"]


# ----------------------------------------------------------------------- the sample plan


@pytest.fixture(scope="module")
def sample_pdp8(sample_plan: Any) -> Any:
    return run_pdp8(sample_plan, SAMPLE_LIST)


def test_sample_reconciliation_matches_the_readme(sample_pdp8: Any) -> None:
    assert by_result(sample_pdp8) == {
        "both": ["Hòa Tiến – Kim Động", "Hòa Tiếng", "Minh Hà", "Minh Hà – Hòa Tiến",
                 "Minh Hà – Rẽ Hiệp Hòa – Phố Nối",
                 "Nâng khả năng tải đường dây 220 kV Minh Hà – Bắc Minh"],
        "national only": ["Minh Hà 2", "Minh Hà 2 – Rẽ Minh Hà – Đông Sơn", "Văn Miếu"],
        "plan only": ["DZ-220-02", "DZ-220-04", "TBA-220-01", "TBA-220-02"],
    }
    assert sorted(sample_pdp8.elsewhere["name"]) == [
        "Hiệp Hòa", "Kim Động", "Phả Lại – Hải Dương 2", "Phố Nối", "Phố Nối – Thường Tín"]


def test_sample_differences_are_the_planted_ones(sample_pdp8: Any) -> None:
    t = sample_pdp8.table.set_index("national_name")
    assert t.loc["Minh Hà", ["plan_id", "mva"]].tolist() == ["TBA-500-01", "differs"]
    assert t.loc["Minh Hà", "remarks"] == "công suất: QHĐ VIII 2700 MVA, phương án 1800 MVA"
    assert t.loc["Minh Hà – Hòa Tiến", "circuits_km"] == "differs"
    assert t.loc["Hòa Tiến – Kim Động", "remarks"] == (
        "giai đoạn: QHĐ VIII 2031-2035, phương án 2026-2030")
    loop = t.loc["Minh Hà – Rẽ Hiệp Hòa – Phố Nối"]
    assert (loop["plan_id"], loop["plan_circuits"], loop["circuits_km"]) == (
        "DZ-500-01, DZ-500-02", 4, "same")
    assert t.loc["Hòa Tiếng", ["plan_id", "score", "mva"]].tolist() == [
        "TBA-220-03", 94.1, "same"]
    f = sample_pdp8.findings
    assert sorted(f.loc[f["rule"] == "pdp8-differs", "feature_id"]) == [
        "DZ-220-03", "DZ-220-05", "TBA-500-01"]
    assert set(f.loc[f["rule"] == "pdp8-plan-only", "severity"]) == {"info"}


def test_run_pdp8_writes_the_table(sample_plan: Any, tmp_path: Path) -> None:
    for name in ("out.csv", "out.xlsx", "out.json"):
        run_pdp8(sample_plan, SAMPLE_LIST, output=tmp_path / name)
    csv_rows = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")
    assert len(csv_rows) == 13 and csv_rows["result"].iat[0] == "both"
    assert len(pd.read_excel(tmp_path / "out.xlsx")) == 13
    assert len(json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))) == 13
    with pytest.raises(PlanError, match=r"written as \.csv, \.xlsx or \.json"):
        run_pdp8(sample_plan, SAMPLE_LIST, output=tmp_path / "out.txt")


# ------------------------------------------------------------------- the two languages


def test_findings_and_remarks_are_vietnamese_first_english_on_request() -> None:
    plan = side(("s", "S1", "TBA 220kV Yên Hòa", "220", 125.0, "planned", "2026-2030"),
                ("s", "S2", "TBA 220kV Lạc Sơn", "220", 250.0, "existing", None),
                ("l", "L9", "ĐZ 220kV Khác – Xa", 220, 2, 10.0, "planned", "2026-2030"))
    n = national(("substation", 220, "Yên Hòa", 250.0, None, None, "2026-2030", None),
                 ("substation", 220, "Văn Miếu", 250.0, None, None, None, None))
    vi = reconcile(n, plan, places=["Xã Văn Miếu"])
    en = reconcile(n, plan, places=["Xã Văn Miếu"], lang="en")
    assert vi.table["result"].tolist() == en.table["result"].tolist()
    t_vi, t_en = (r.table.set_index(r.table["plan_id"].fillna("-")) for r in (vi, en))
    assert t_vi.loc["S1", "remarks"] == "công suất: QHĐ VIII 250 MVA, phương án 125 MVA"
    assert t_en.loc["S1", "remarks"] == "capacity: PDP8 250 MVA, plan 125 MVA"
    existing_vi = "hiện trạng: QHĐ VIII chỉ liệt kê các công trình xây dựng mới và cải tạo"
    assert t_vi.loc["S2", "remarks"] == existing_vi
    assert t_en.loc["S2", "remarks"] == "existing: PDP8 lists only new and renovated works"
    f_vi, f_en = (r.findings.set_index(["rule", r.findings["feature_id"].fillna("-")])
                  for r in (vi, en))
    expected = {
        ("pdp8-differs", "S1"): (
            "Trạm biến áp 220 kV 'Yên Hòa' (QHĐ VIII, dòng t:1) có trong phương án là S1 nhưng "
            "khác: công suất: QHĐ VIII 250 MVA, phương án 125 MVA.",
            "220 kV substation 'Yên Hòa' (PDP8, row t:1) is in the plan as S1, but differs: "
            "capacity: PDP8 250 MVA, plan 125 MVA."),
        ("pdp8-national-only", "-"): (
            "Trạm biến áp 220 kV 'Văn Miếu' (QHĐ VIII, chưa ghi giai đoạn, dòng t:2) thuộc địa "
            "bàn tỉnh nhưng không có trong phương án; bổ sung vào phương án hoặc kiểm tra lại "
            "tên.",
            "220 kV substation 'Văn Miếu' (PDP8 no phase, row t:2) concerns the province but is "
            "not in the plan; add it, or check its name."),
        ("pdp8-plan-only", "S2"): (
            "Trạm biến áp 220 kV S2 (TBA 220kV Lạc Sơn), hiện trạng, không có trong danh mục "
            "quốc gia (QHĐ VIII chỉ liệt kê các công trình xây dựng mới và cải tạo).",
            "220 kV substation S2 (TBA 220kV Lạc Sơn), existing, is not in the national list "
            "(PDP8 lists only new and renovated works)."),
        ("pdp8-plan-only", "L9"): (
            "Đường dây 220 kV L9 (ĐZ 220kV Khác – Xa), quy hoạch mới, không có trong danh mục "
            "quốc gia: công trình 220 kV phải có trong QHĐ VIII thì tỉnh mới được đưa vào quy "
            "hoạch.",
            "220 kV line L9 (ĐZ 220kV Khác – Xa), planned, is not in the national list: a 220 "
            "kV work must be in PDP8 before the province can plan it."),
    }
    assert sorted(f_vi.index) == sorted(expected)
    for key, (text_vi, text_en) in expected.items():
        assert f_vi.loc[key, "message"] == f_en.loc[key, "message_vi"] == text_vi, key
        assert f_en.loc[key, "message"] == f_vi.loc[key, "message_en"] == text_en, key
        assert f_vi.loc[key, "reference"] == (
            "Quyết định 768/QĐ-TTg (Quy hoạch điện VIII điều chỉnh), phụ lục III.2, các bảng "
            "lưới điện")
        assert f_en.loc[key, "reference"] == REFERENCE == f_vi.loc[key, "reference_en"]
    with pytest.raises(ValueError, match='use "vi" or "en"'):
        reconcile(n, plan, lang="fr")


def test_loop_in_and_length_remarks_in_vietnamese() -> None:
    plan = side(("l", "L2", "ĐZ 220kV Yên Hòa – Lạc Sơn", 220, 1, 30.0, "planned",
                 "2026-2030"))
    n = national(("line", 220, "Lạc Sơn – Yên Hòa", None, 2, 20.0, "2026-2030", None))
    remarks = reconcile(n, plan).table["remarks"].iat[0]
    assert remarks == ("số mạch: QHĐ VIII 2, phương án 1; chiều dài: QHĐ VIII 20 km, trên bản "
                       "vẽ 30,0 km (chiều dài trong QHĐ VIII chỉ mang tính định hướng; chấp nhận "
                       "sai lệch ±20%)")


def test_sample_reconciliation_in_english_through_the_plan(sample_plan: Any) -> None:
    t = run_pdp8(sample_plan, SAMPLE_LIST, lang="en").table.set_index("national_name")
    assert t.loc["Minh Hà", "remarks"] == "capacity: PDP8 2700 MVA, plan 1800 MVA"
    loop = t.loc["Minh Hà 2 – Rẽ Minh Hà – Đông Sơn", "remarks"]
    assert loop == "a loop-in: add the two lines into the station"
    t_vi = run_pdp8(sample_plan, SAMPLE_LIST).table.set_index("national_name")
    assert t_vi.loc["Minh Hà 2 – Rẽ Minh Hà – Đông Sơn", "remarks"] == (
        "đấu nối chuyển tiếp: bổ sung hai đường dây đấu nối vào trạm")


@pytest.mark.parametrize(("args", "remark"), [
    ((), "công suất: QHĐ VIII 2700 MVA, phương án 1800 MVA"),
    (("--lang", "en"), "capacity: PDP8 2700 MVA, plan 1800 MVA")])
def test_cli_remarks_follow_lang(sample_plan_path: Path, tmp_path: Path,
                                 args: tuple[str, ...], remark: str) -> None:
    from click.testing import CliRunner

    from geoplan.cli import cli

    out = tmp_path / "pdp8.csv"
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(SAMPLE_LIST),
                                   "--format", "json", "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    rows = {r["national_name"]: r for r in json.loads(res.stdout)["results"]}
    assert rows["Minh Hà"]["remarks"] == remark
    sheet = pd.read_csv(out, encoding="utf-8-sig").set_index("national_name")
    assert sheet.loc["Minh Hà", "remarks"] == remark
