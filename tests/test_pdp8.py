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
    t = reconcile(n, plan).table.set_index("national_name")
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
    t = reconcile(n, plan).table.set_index("plan_id")
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
    assert t.loc["Minh Hà", "remarks"] == "capacity: PDP8 2700 MVA, plan 1800 MVA"
    assert t.loc["Minh Hà – Hòa Tiến", "circuits_km"] == "differs"
    assert t.loc["Hòa Tiến – Kim Động", "remarks"] == "phase: PDP8 2031-2035, plan 2026-2030"
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
