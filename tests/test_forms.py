"""The forms a Department files: the reporting fields, the attribute table joined by id,
Biểu số 04 recomputed from the layers, blank cells that name their field, the Ministry outline
in a real Chromium on A4, and a new form written as a template only."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

import geoplan
from geoplan.cli import cli
from geoplan.errors import PlanError, PlanValidationError
from geoplan.kinds import (
    KINDS,
    REPORTING_FIELDS,
    alias_table,
    normalise_status,
    normalise_vocabulary,
)
from geoplan.report.forms import available_forms, fill_form, load_form, parse_period

SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "sample"


# --------------------------------------------------------------------------- the schema


def test_reporting_fields_are_optional_with_vietnamese_aliases_and_labels() -> None:
    cluster = KINDS["industrial_cluster"]
    for f in REPORTING_FIELDS:
        assert f.name in cluster.field_names and not f.required
        assert f.label_vi and f.label_en and f.aliases
    assert {"industrial_land_ha", "leased_land_ha"} <= set(KINDS["industrial_park"].field_names)
    table = alias_table("industrial_cluster.wwtp")
    assert normalise_vocabulary("Đạt quy chuẩn", table, ("none", "built", "compliant")) == \
        "compliant"
    assert normalise_vocabulary("Chưa có", table, ("none", "built", "compliant")) == "none"
    # the cluster type belongs to the rules of the 2026 decree: not defined here
    assert "type" not in cluster.field_names


# --------------------------------------------------------------------- attribute tables


def _sheet() -> pd.DataFrame:
    return pd.read_excel(SAMPLE / "clusters.xlsx", sheet_name="Biểu CCN", dtype=object)


def _plan_with_table(tmp_path: Path, table: pd.DataFrame, key: str | None = "Mã CCN") -> Path:
    """A copy of the sample whose clusters take their figures from ``table`` (a CSV)."""
    folder = tmp_path / "plan"
    shutil.copytree(SAMPLE, folder)
    table.to_csv(folder / "figures.csv", index=False)
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[layers.clusters.attributes]\n")
    rest = rest.split("\n\n", 1)[1]
    spec = 'path = "figures.csv"' + (f'\nkey = "{key}"' if key else "")
    (folder / "plan.toml").write_text(f"{head}[layers.clusters.attributes]\n{spec}\n\n{rest}",
                                      encoding="utf-8")
    return folder


def test_the_sample_joins_its_sheet_by_cluster_id(sample_plan) -> None:
    clusters = sample_plan.frame("industrial_cluster").set_index("id")
    sheet = pd.read_excel(SAMPLE / "clusters.xlsx", sheet_name="Biểu CCN", dtype=object)
    sheet = sheet.set_index("Mã CCN")
    assert set(sheet.index) == set(clusters.index)
    for cid in ("CCN-02", "CCN-04", "CCN-12"):
        assert clusters.at[cid, "labour"] == int(sheet.at[cid, "Lao động (người)"])
        assert clusters.at[cid, "industrial_land_ha"] == pytest.approx(
            float(sheet.at[cid, "Đất công nghiệp (ha)"]))
    assert set(clusters["wwtp"].dropna()) <= {"none", "built", "compliant"}
    codes = sample_plan.report.codes()
    assert not codes & {"attributes-unmatched", "attributes-missing", "attributes-duplicate-id"}


def test_unmatched_ids_are_reported_and_features_without_a_row_noted(tmp_path: Path) -> None:
    sheet = _sheet()
    part = sheet[sheet["Mã CCN"].isin(["CCN-01", "CCN-02"])].copy()
    part.loc[part["Mã CCN"] == "CCN-02", "Mã CCN"] = " ccn-02 "  # trimmed, case-folded: matches
    extra = sheet.head(2).assign(**{"Mã CCN": ["CCN-99", "CCN-X7"]})  # not in the layer
    folder = _plan_with_table(tmp_path, pd.concat([part, extra]))
    plan = geoplan.load_plan(folder)
    (unmatched,) = [p for p in plan.report.problems if p.code == "attributes-unmatched"]
    assert unmatched.severity == "warning" and unmatched.layer == "clusters"
    assert "CCN-99" in unmatched.message and "CCN-X7" in unmatched.message
    assert unmatched.file.endswith("figures.csv") and unmatched.count == 2
    (missing,) = [p for p in plan.report.problems if p.code == "attributes-missing"]
    assert missing.severity == "info" and "45 feature(s)" in missing.message_en
    assert missing.message.startswith("45 đối tượng không có dòng nào trong bảng: CCN-03, ")
    assert missing.message.endswith(" và 37 mục khác")
    assert missing.message_en.endswith(" and 37 more")
    assert unmatched.message == ("2 dòng của bảng có mã không có trong lớp: CCN-99, CCN-X7; số "
                                 "liệu của các dòng này không được dùng")
    assert unmatched.fix == "sửa mã (phải trùng với cột 'ma' của lớp) hoặc xóa các dòng đó"
    labour = plan.frame("industrial_cluster").set_index("id")["labour"]
    want = sheet.set_index("Mã CCN")["Lao động (người)"]
    assert labour["CCN-01"] == int(want["CCN-01"]) and labour["CCN-02"] == int(want["CCN-02"])
    assert pd.isna(labour["CCN-03"])


def test_the_same_id_twice_in_the_table_is_an_error(tmp_path: Path) -> None:
    sheet = _sheet()
    folder = _plan_with_table(tmp_path, pd.concat([sheet, sheet.head(1)]))
    with pytest.raises(PlanValidationError) as err:
        geoplan.load_plan(folder)
    (dup,) = [p for p in err.value.report.problems if p.code == "attributes-duplicate-id"]
    assert "CCN-01" in dup.message and dup.fix
    assert dup.message.startswith("cùng một mã xuất hiện ở nhiều dòng của bảng: ")
    assert dup.message_en.startswith("the same id is on several rows of the table: ")
    assert (dup.fix, dup.fix_en) == ("giữ mỗi đối tượng một dòng", "keep one row per feature")


def test_an_attribute_table_without_the_id_column_says_how_to_name_it(tmp_path: Path) -> None:
    folder = _plan_with_table(tmp_path, _sheet().rename(columns={"Mã CCN": "cum"}), key=None)
    report = geoplan.validate_plan(folder)
    (bad,) = [p for p in report.problems if p.code == "unreadable"]
    assert "key = " in bad.message and "cum" in bad.message
    assert bad.message.startswith("không đọc được tệp: ") and "key = " in bad.message_en
    assert "không có cột mã để nối bảng vào [layers.clusters]" in bad.message
    assert "no id column to join [layers.clusters] by" in bad.message_en


def test_attributes_key_in_the_plan_is_checked() -> None:
    from geoplan.plan import _attribute_spec

    with pytest.raises(PlanError, match="unknown key 'sheeet'"):
        _attribute_spec({"path": "x.xlsx", "sheeet": "A"}, "[layers.c]", Path("plan.toml"))
    with pytest.raises(PlanError, match="attributes must name a table"):
        _attribute_spec(3, "[layers.c]", Path("plan.toml"))


# ------------------------------------------------------------------------ Biểu số 04


@pytest.fixture(scope="module")
def bieu04(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forms") / "bieu04.xlsx"
    result = CliRunner().invoke(cli, ["report", str(SAMPLE), "--form", "bieu-04", "--period",
                                      "2026-H2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "bieu-04 2026-H2" in result.output
    return out


def _figures(path: Path) -> dict[str, tuple[object, str | None]]:
    """STT -> (figure, comment) of the workbook's table (rows whose STT is a number)."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    out = {}
    for row in ws.iter_rows(min_row=11):
        no = row[0].value
        if isinstance(no, str) and no.isdigit():
            out[no] = (row[3].value, row[3].comment.text if row[3].comment else None)
    return out


def _recompute() -> dict[str, float]:
    """Biểu số 04 from the sample's files, read with pyogrio and pandas, not with geoplan."""
    gpkg = pyogrio.read_dataframe(SAMPLE / "industry.gpkg", layer="cum_cong_nghiep")
    sheet = pd.read_excel(SAMPLE / "clusters.xlsx", sheet_name="Biểu CCN", dtype=object)
    df = gpkg.merge(sheet, left_on="ma", right_on="Mã CCN", how="left")
    status = df["trang_thai"].map(normalise_status)
    decision = df["Quyết định thành lập"]
    established = decision.notna()
    operating = df["Đã hoạt động"].eq("Có")
    area = df["dien_tich"].astype(float)
    land = pd.to_numeric(df["Đất công nghiệp (ha)"], errors="coerce")
    leased = pd.to_numeric(df["Đã cho thuê (ha)"], errors="coerce")

    def dated(text: object) -> dt.date | None:
        if not isinstance(text, str):
            return None
        d, m, y = text.rsplit(" ", 1)[-1].split("/")
        return dt.date(int(y), int(m), int(d))

    in_period = decision.map(dated).map(
        lambda d: d is not None and dt.date(2026, 6, 15) <= d <= dt.date(2026, 12, 14))
    live = status.isin(["existing", "expansion", "under_construction"])
    both = live & land.notna() & leased.notna() & (land > 0)
    wwtp = df["Trạm XLNT tập trung"]
    num = {c: pd.to_numeric(df[c], errors="coerce") for c in (
        "Vốn hạ tầng được duyệt (tỷ đồng)", "Dự án trong nước", "Dự án FDI", "Lao động (người)",
        "Doanh thu (tỷ đồng)")}
    return {
        "1": len(df), "2": area.sum(), "3": established.sum(), "4": area[established].sum(),
        "5": in_period.sum(), "6": operating.sum(), "7": area[operating].sum(),
        "8": df["lang_nghe"].eq("Có").sum(), "10": land.sum(), "11": leased.sum(),
        "12": land.sum() - leased.sum(), "13": 100 * leased[both].sum() / land[both].sum(),
        "14": df["Chủ đầu tư hạ tầng"].notna().sum(),
        "15": num["Vốn hạ tầng được duyệt (tỷ đồng)"].sum(),
        "16": df["qhct"].eq("Có").sum(),
        "17": num["Dự án trong nước"].sum() + num["Dự án FDI"].sum(),
        "18": num["Dự án trong nước"].sum(), "19": num["Dự án FDI"].sum(),
        "20": num["Lao động (người)"].sum(), "21": num["Doanh thu (tỷ đồng)"].sum(),
        "22": wwtp.isin(["Đã xây dựng", "Đạt quy chuẩn"]).sum(),
        "23": wwtp.eq("Đạt quy chuẩn").sum(),
        "24": (operating & wwtp.eq("Chưa có")).sum(),
    }


def test_bieu04_figures_equal_a_recomputation_from_the_layers(bieu04: Path) -> None:
    cells = _figures(bieu04)
    expected = _recompute()
    assert set(expected) <= set(cells)
    for no, value in expected.items():
        figure, _ = cells[no]
        assert figure == pytest.approx(float(value), rel=1e-9, abs=1e-9), f"row {no}"
    # the sample plants two establishments in the second half of 2026
    assert cells["5"][0] == 2
    assert 0 < cells["13"][0] < 100


def test_every_blank_cell_names_its_missing_field(bieu04: Path, sample_plan) -> None:
    cells = _figures(bieu04)
    blanks = {no: comment for no, (value, comment) in cells.items() if value is None}
    assert blanks, "the sample leaves the cluster type out on purpose"
    template = load_form("bieu-04")
    frame = sample_plan.frame("industrial_cluster")
    known = set(KINDS["industrial_cluster"].field_names) | set(
        template.head["optional_fields"])
    for no, comment in blanks.items():
        assert comment, f"row {no} is blank without a comment"
        named = [f for f in known if f in comment]
        assert named, f"row {no}: {comment!r} names no field"
        assert any(f not in frame.columns or frame[f].isna().all() for f in named), comment
    assert "cluster_type" in blanks["9"]
    # the cells that have figures carry no comment
    assert all(c is None for v, c in cells.values() if v is not None)


def test_bieu04_keeps_the_forms_own_layout(bieu04: Path) -> None:
    wb = openpyxl.load_workbook(bieu04)
    ws = wb.worksheets[0]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert ws["A1"].value == "Biểu số 04"
    assert "Thông tư số 14/2024/TT-BCT" in ws["A2"].value
    assert "TÌNH HÌNH CỤM CÔNG NGHIỆP TRÊN ĐỊA BÀN TỈNH" in text
    assert "Số liệu từ ngày 15/06/2026 đến ngày 14/12/2026" in text
    assert "Thời hạn gửi báo cáo: trước ngày 31/12/2026" in text
    assert [ws.cell(9, j).value for j in range(1, 6)] == ["STT", "Chỉ tiêu", "Đơn vị tính",
                                                         "Số liệu", "Ghi chú"]
    assert "GIÁM ĐỐC" in text and "NGƯỜI LẬP BIỂU" in text
    assert any("Sở Công Thương Tỉnh Minh Hà (sample)" in t for t in text)
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert wb.sheetnames[1] == "Cách tính"


def test_periods_and_their_errors() -> None:
    form = load_form("bieu-04")
    h1 = parse_period("2026-H1", form)
    assert (h1.start, h1.end, h1.due) == (dt.date(2025, 12, 15), dt.date(2026, 6, 14),
                                          dt.date(2026, 6, 30))
    year = parse_period("2026", form)
    assert (year.key, year.start, year.end) == ("Y", dt.date(2025, 12, 15),
                                                dt.date(2026, 12, 14))
    with pytest.raises(PlanError, match="no period 'Q3'; use YYYY-H1, YYYY-H2, YYYY-Y"):
        parse_period("2026-Q3", form)
    with pytest.raises(PlanError, match="write the year"):
        parse_period("H2", form)
    outline = load_form("moit-outline")
    assert parse_period("2026", outline).due == dt.date(2027, 1, 15)


def test_unknown_forms_and_bad_templates_are_refused(tmp_path: Path) -> None:
    assert {"bieu-04", "moit-outline"} <= set(available_forms())
    with pytest.raises(PlanError, match="no form 'bieu-05'; forms: bieu-04"):
        load_form("bieu-05")
    bad = tmp_path / "bad.toml"
    bad.write_text('[form]\nid = "x"\n[periods.Y]\nstart = "01-01"\nend = "12-31"\n'
                   'due = "01-15"\n[[rows]]\nno = "1"\nkey = "a"\nmeasure = "sum"\n'
                   'field = "workers"\n', encoding="utf-8")
    with pytest.raises(PlanError, match="'workers' is not a field of industrial_cluster"):
        load_form(bad)
    bad.write_text('[form]\nid = "x"\n[periods.Y]\nstart = "01-01"\nend = "12-31"\n'
                   'due = "01-15"\n[[rows]]\nno = "1"\nkey = "a"\nmeasure = "median"\n',
                   encoding="utf-8")
    with pytest.raises(PlanError, match="measure = 'median'; measures: count, sum"):
        load_form(bad)


def test_a_new_form_is_a_template_not_code(tmp_path: Path) -> None:
    form = tmp_path / "bieu-ccn-xa.toml"
    form.write_text("""
[form]
id = "bieu-ccn-xa"
layout = "table"
code = "Biểu CCN theo xã"
title_vi = "CỤM CÔNG NGHIỆP CÓ TRẠM XỬ LÝ NƯỚC THẢI"
source = "a Department's own form"
certainty = "N"
[periods.Y]
label_vi = "Năm {year}"
start = "01-01"
end = "12-31"
due = "12-31"
[[rows]]
no = "1"
key = "compliant_land"
label_vi = "Đất công nghiệp của các cụm có trạm đạt quy chuẩn"
unit_vi = "ha"
measure = "sum"
field = "industrial_land_ha"
where = { wwtp = ["compliant"] }
[[rows]]
no = "2"
key = "markets"
label_vi = "Chợ hạng I"
unit_vi = "Chợ"
measure = "count"
layer_kind = "trade_facility"
where = { type = ["market"], class = [1] }
""", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["report", str(SAMPLE), "--form", str(form), "--period",
                                      "2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    cells = _figures(out)
    plan = geoplan.load_plan(SAMPLE)
    clusters = plan.frame("industrial_cluster")
    expected = clusters.loc[clusters["wwtp"] == "compliant", "industrial_land_ha"].sum()
    assert cells["1"][0] == pytest.approx(expected)
    trade = plan.frame("trade_facility")
    assert cells["2"][0] == int(((trade["type"] == "market") & (trade["class"] == 1)).sum())


def test_the_cli_says_what_a_form_needs() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["report", str(SAMPLE), "--form", "bieu-04", "-o", "x.xlsx"])
    assert result.exit_code == 2 and "--form needs --period" in result.output
    result = runner.invoke(cli, ["report", str(SAMPLE), "--period", "2026-H2", "-o", "x.xlsx"])
    assert result.exit_code == 2 and "--period belongs to --form" in result.output
    result = runner.invoke(cli, ["report", str(SAMPLE), "--form", "moit-outline", "--period",
                                 "2026-H1", "-o", "x.xlsx"])
    assert result.exit_code == 1 and "moit-outline is written as .html" in result.output


def test_english_labels_on_request(sample_plan) -> None:
    filled = fill_form("bieu-04", sample_plan, "2026-H1", lang="en")
    assert filled.value("planned").label == "Clusters in the provincial plan's cluster " \
        "development plan"
    assert filled.period.label == "Six-month report 2026"
    assert "missing for all 47 clusters" in filled.value("specialised").note


def test_figures_on_partial_data_say_how_many_features_they_used(sample_plan) -> None:
    filled = fill_form("bieu-04", sample_plan, "2026-H2")
    revenue = filled.value("revenue")
    assert revenue.value is not None and "31/47 cụm" in revenue.note
    assert "CCN-03" in revenue.note  # an operating cluster whose revenue the sheet leaves blank
    occupancy = filled.value("occupancy")
    assert "đất công nghiệp đã cho thuê" in occupancy.note


# ------------------------------------------------------------------- the Ministry outline


@pytest.fixture(scope="module")
def outline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("outline") / "bao-cao.html"
    result = CliRunner().invoke(cli, ["report", str(SAMPLE), "--form", "moit-outline",
                                      "--period", "2026-H1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_outline_fills_sections_2_2_and_2_5(outline: Path, sample_plan) -> None:
    html = outline.read_text(encoding="utf-8")
    assert "2.2. Thu hút đầu tư vào ngành công nghiệp" in html
    assert "2.5. Hạ tầng; khu vực nông thôn, miền núi, hải đảo" in html
    assert html.count("Phần do Sở biên soạn.") >= 5  # the headings geoplan cannot fill
    trade = sample_plan.frame("trade_facility")
    markets = int((trade["type"] == "market").sum())
    row = re.search(r'<tr data-key="markets">(.*?)</tr>', html, re.S)
    assert row and f'<td class="num">{markets}</td>' in row.group(1)
    assert 'data-key="plan_lines_by_voltage_period"' in html
    assert html.count("data:image/png;base64,") == 2
    assert "@page { size: A4" in html


@pytest.mark.browser
def test_the_outline_renders_in_chromium_and_prints_on_a4(outline: Path, page) -> None:
    p = page.open_html(outline)
    page.assert_no_console_errors()
    assert p.locator("h4").filter(has_text="2.5.").count() == 1
    assert p.locator("img").count() == 2
    widths = p.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert all(w > 100 for w in widths)
    pdf = p.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.92) < 1.5 and abs(float(h) - 842.88) < 1.5
                         for w, h in boxes)
    assert len(boxes) >= 3  # several A4 pages


def test_outline_text_from_the_plan_is_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    shutil.copytree(SAMPLE, folder)
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    (folder / "plan.toml").write_text(text.replace('province = "Tỉnh Minh Hà (sample)"',
                                                   'province = "Tỉnh <b>Minh</b> Hà"'),
                                      encoding="utf-8")
    out = tmp_path / "o.html"
    from geoplan.pipeline import report_form

    report_form(folder, "moit-outline", "2026-H1", out, maps=False)
    html = out.read_text(encoding="utf-8")
    assert "&lt;b&gt;Minh&lt;/b&gt;" in html and "<b>Minh</b>" not in html

