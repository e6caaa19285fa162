"""The Department's report: figures checked against values computed here, independently.

Expected values are computed in the tests straight from the source frames (``builders.province``)
or from the sample's files read with pyogrio (not through the loader), with plain shapely and
pandas, never through :mod:`geoplan.report`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from builders import province as mp
from click.testing import CliRunner

import geoplan
from geoplan.errors import OutputExistsError, PlanError
from geoplan.findings import make_findings
from geoplan.report import (
    Report,
    build_report,
    format_number,
    validate_settings,
    write_html,
    write_xlsx,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "sample"

STATUS = {"Hiện trạng": "Hiện trạng", "Quy hoạch": "Quy hoạch", "Mở rộng": "Mở rộng",
          "Đang xây dựng": "Đang xây dựng"}  # the Vietnamese labels are the source words


def _quadrant(geom: Any) -> str:
    """The commune of a geometry of the mini province, by arithmetic on its centroid."""
    c = geom.centroid
    dx = 10_000.0 if c.x - mp.X0 >= 10_000.0 else 0.0
    dy = 10_000.0 if c.y - mp.Y0 >= 10_000.0 else 0.0
    return next(name for name, off in mp.COMMUNES.items() if off == (dx, dy))


def _rows(report: Report, key: str, by: str) -> dict[str, dict[str, Any]]:
    table = report.table(key)
    return {str(r[by]): r for r in table.rows.to_dict("records")}


@pytest.fixture(scope="module")
def mini_plan(tmp_path_factory: pytest.TempPathFactory) -> geoplan.Plan:
    return geoplan.load_plan(mp.write_plan(tmp_path_factory.mktemp("mini")))


@pytest.fixture(scope="module")
def mini_findings(mini_plan: geoplan.Plan) -> Any:
    g = mini_plan.layers["clusters"].frame.geometry
    return make_findings([
        {"rule": "cluster-size", "severity": "error", "layer": "clusters",
         "feature_id": "CCN-04", "value": 9.0, "unit": "ha", "threshold": 10.0,
         "message": "9 ha < 10 ha", "reference": "Decree 32/2024/ND-CP art. 2 cl. 1 [C]",
         "geometry": g[3]},
        {"rule": "overlap", "severity": "error", "layer": "clusters", "feature_id": "CCN-01",
         "other_layer": "clusters", "other_id": "CCN-02", "value": 1.0, "unit": "ha",
         "message": "overlap", "reference": "geoplan default (sliver tolerance) [N]",
         "geometry": g[0]},
        {"rule": "overlap", "severity": "warning", "layer": "parks", "feature_id": "KCN-01",
         "other_layer": "trade", "other_id": "TM-01", "message": "x",
         "reference": "geoplan default (sliver tolerance) [N]", "geometry": g[0]},
    ], crs=mini_plan.crs)


@pytest.fixture(scope="module")
def mini_report(mini_plan: geoplan.Plan, mini_findings: Any) -> Report:
    return build_report(mini_plan, findings=mini_findings, lang="vi", maps=False)


# ------------------------------------------------------------------- clusters and parks


def test_cluster_figures_match_the_source_frames(mini_report: Report) -> None:
    src = mp.clusters()
    area = src.geometry.area / 10_000.0
    commune = [x if isinstance(x, str) else _quadrant(g)
               for x, g in zip(src["xa"], src.geometry, strict=True)]
    known = src["lap_day"].notna()
    occupied = float((area[known] * src["lap_day"][known] / 100).sum())
    section = mini_report.section("clusters")
    assert section.figure("number") == 6
    assert section.figure("total_area") == pytest.approx(area.sum())
    assert section.figure("avg_area") == pytest.approx(area.mean())
    assert section.figure("declared_area") == pytest.approx(src["dien_tich"].sum())
    assert section.figure("detailed_area") == pytest.approx(area[src["qhct"] == "Có"].sum())
    assert section.figure("occupied_area") == pytest.approx(occupied)
    assert section.figure("occupancy") == pytest.approx(100 * occupied / area[known].sum())
    assert section.figure("breaking") == 3  # CCN-04, and both sides of the overlap

    expected: dict[str, float] = defaultdict(float)
    for name, a in zip(commune, area, strict=True):
        expected[name] += a
    rows = _rows(mini_report, "clusters_by_commune", "commune")
    assert set(rows) == set(expected)
    for name, a in expected.items():
        assert rows[name]["area"] == pytest.approx(a), name
        assert rows[name]["number"] == commune.count(name)
    table = mini_report.table("clusters_by_commune")
    assert table.total is not None
    assert table.total["area"] == pytest.approx(sum(expected.values()))
    assert table.total["number"] == sum(r["number"] for r in rows.values())


def test_clusters_by_status_and_the_holes_and_parts_count(mini_report: Report) -> None:
    src = mp.clusters()
    area = src.geometry.area / 10_000.0
    rows = _rows(mini_report, "clusters_by_status", "status")
    expected = Counter()
    for status, a in zip(src["trang_thai"], area, strict=True):
        expected[STATUS[status]] += a
    assert {k: pytest.approx(v) for k, v in expected.items()} == {
        k: r["area"] for k, r in rows.items()}
    assert list(rows) == ["Hiện trạng", "Đang xây dựng", "Quy hoạch", "Mở rộng"]
    listing = _rows(mini_report, "clusters_list", "id")
    assert listing["CCN-01"]["area"] == pytest.approx(36.0)     # 40 ha less the 4 ha hole
    assert listing["CCN-03"]["area"] == pytest.approx(30.0)     # two parts, 20 + 10 ha
    assert listing["CCN-02"]["name"] == "Cụm công nghiệp Đồng Nguyên"  # NFC in the report
    assert listing["CCN-04"]["rules"] == "cluster-size"


def test_rule_breakers_include_both_sides_of_an_overlap(mini_report: Report) -> None:
    rows = mini_report.table("clusters_breaking").rows
    assert sorted(zip(rows["id"], rows["rule"], strict=True)) == [
        ("CCN-01", "overlap"), ("CCN-02", "overlap"), ("CCN-04", "cluster-size")]
    assert set(mini_report.table("parks_breaking").rows["id"]) == {"KCN-01"}


def test_parks_figures(mini_report: Report) -> None:
    src = mp.parks()
    area = src.geometry.area / 10_000.0
    section = mini_report.section("parks")
    assert section.figure("number") == 2
    assert section.figure("total_area") == pytest.approx(area.sum())
    assert section.figure("occupancy") == pytest.approx(90.0)  # only KCN-01 is known
    rows = _rows(mini_report, "parks_by_commune", "commune")
    expected = Counter()
    for g, a in zip(src.geometry, area, strict=True):
        expected[_quadrant(g)] += a
    assert {k: r["area"] for k, r in rows.items()} == {
        k: pytest.approx(v) for k, v in expected.items()}


# --------------------------------------------------------------------------------- trade


def test_trade_counts_by_type_class_and_commune(mini_report: Report) -> None:
    src = mp.trade()
    rows = _rows(mini_report, "trade_by_type_class", "type")
    assert rows["Chợ"] == {"type": "Chợ", "class_1": 0, "class_2": 1, "class_3": 1,
                           "class_none": 0, "total": 2}
    assert rows["Chợ đầu mối"]["class_1"] == 1
    assert rows["Cửa hàng xăng dầu"]["class_none"] == 2
    assert sum(r["total"] for r in rows.values()) == len(src)
    by_commune = _rows(mini_report, "trade_by_commune", "commune")
    expected = Counter(_quadrant(g) for g in src.geometry)
    assert {k: r["total"] for k, r in by_commune.items()} == dict(expected)
    table = mini_report.table("trade_by_commune")
    assert table.total is not None and table.total["total"] == len(src)


def test_commune_field_wins_over_geometry(tmp_path: Path) -> None:
    layers = mp.frames()
    layers["clusters"].loc[0, "xa"] = "Xã Tây Hồ"  # CCN-01 lies in Đông Tiến
    plan = geoplan.load_plan(mp.write_plan(tmp_path, layers=layers))
    report = build_report(plan, maps=False)
    assert _rows(report, "clusters_list", "id")["CCN-01"]["commune"] == "Xã Tây Hồ"


# ---------------------------------------------------------------------------------- grid


def test_grid_lengths_and_substations(mini_report: Report) -> None:
    lines = mp.lines()
    rows = {(r["voltage"], r["status"]): r for r in
            mini_report.table("grid_lines").rows.to_dict("records")}
    assert rows[("220 kV", "Hiện trạng")]["km"] == pytest.approx(10.0)
    expected_110 = shapely.length(lines.geometry[2]) / 1000
    assert rows[("110 kV", "Quy hoạch")]["km"] == pytest.approx(expected_110)
    assert rows[("110 kV", "Hiện trạng")]["km"] == pytest.approx(
        shapely.length(lines.geometry[1]) / 1000)
    subs = {(r["voltage"], r["status"]): r for r in
            mini_report.table("grid_substations").rows.to_dict("records")}
    assert subs[("220 kV", "Hiện trạng")] == {"voltage": "220 kV", "status": "Hiện trạng",
                                              "count": 1, "mva": 250.0}
    total = mini_report.table("grid_substations").total
    assert total == {"count": 3, "mva": 353.0}
    assert "coverage" not in [t.key for t in mini_report.tables()]


# ------------------------------------------------------------------------------ findings


def test_findings_grouped_by_rule_with_references(mini_report: Report) -> None:
    rows = _rows(mini_report, "findings_by_rule", "rule")
    assert rows["overlap"]["errors"] == 1 and rows["overlap"]["warnings"] == 1
    assert rows["overlap"]["references"] == "geoplan default (sliver tolerance) [N]"
    assert rows["cluster-size"]["references"] == "Decree 32/2024/ND-CP art. 2 cl. 1 [C]"
    assert rows["cluster-size"]["title"] == "Quy mô diện tích cụm công nghiệp"  # lang="vi"
    assert len(mini_report.table("findings_all").rows) == 3


def test_without_checks_the_report_says_so(mini_plan: geoplan.Plan) -> None:
    report = build_report(mini_plan, lang="en", maps=False)
    assert report.section("findings").note == "The checks were not run."
    assert report.section("grid").note == "The coverage analysis was not run."


# ------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_report() -> Report:
    from geoplan.pipeline import report_plan

    return report_plan(SAMPLE, lang="en", maps=False)


def test_sample_cluster_area_per_commune_from_the_files(sample_report: Report) -> None:
    src = pyogrio.read_dataframe(SAMPLE / "industry.gpkg", layer="cum_cong_nghiep")
    assert src.crs.to_epsg() == 9209
    expected = (src.geometry.area / 10_000.0).groupby(src["xa"]).sum()
    rows = _rows(sample_report, "clusters_by_commune", "commune")
    assert {k: r["area"] for k, r in rows.items()} == {
        k: pytest.approx(v) for k, v in expected.items()}
    section = sample_report.section("clusters")
    assert section.figure("number") == 47
    assert section.figure("total_area") == pytest.approx(2379.9, abs=0.05)  # README figure


def test_sample_planted_problems_are_in_the_report(sample_report: Report) -> None:
    breaking = sample_report.table("clusters_breaking").rows
    pairs = set(zip(breaking["id"], breaking["rule"], strict=True))
    assert {("CCN-08", "overlap"), ("CCN-09", "overlap"), ("CCN-18", "overlap"),
            ("CCN-28", "corridor"), ("CCN-25", "cluster-size"), ("CCN-17", "cluster-size"),
            ("CCN-47", "coverage-gap")} <= pairs
    assert set(sample_report.table("parks_breaking").rows["id"]) == {"KCN-03"}
    over = sample_report.table("grid_overloaded").rows
    assert list(over["substation_id"]) == ["TBA-110-08"]
    assert list(sample_report.table("grid_unserved").rows["feature_id"]) == ["CCN-47"]
    rules = set(sample_report.table("findings_by_rule").rows["rule"])
    assert {"overlap", "corridor", "cluster-size", "coverage-gap", "substation-overload",
            "park-phasing", "trade-class"} <= rules


def test_sample_line_lengths_inside_the_province(sample_report: Report) -> None:
    lines = pyogrio.read_dataframe(SAMPLE / "grid.gpkg", layer="duong_day")
    boundary = pyogrio.read_dataframe(SAMPLE / "boundary.geojson")
    from geoplan.crs import to_crs

    province = to_crs(boundary[boundary["cap"] == "Tỉnh"], "EPSG:9209").geometry.union_all()
    kv = lines["cap_dien_ap"].astype(str).str.extract(r"(\d{3})")[0].astype(int)
    inside = shapely.length(shapely.intersection(lines.geometry.values, province)) / 1000
    expected = pd.Series(inside).groupby(kv.to_numpy()).sum()
    got = sample_report.table("grid_lines").rows.groupby("voltage")["km"].sum()
    for level, km in expected.items():
        assert got[f"{level} kV"] == pytest.approx(km, rel=1e-9)
    assert expected[500] == pytest.approx(6.2, abs=0.05)  # README: 6.2, 67.3, 134.3 km
    assert expected[220] == pytest.approx(67.3, abs=0.05)
    assert expected[110] == pytest.approx(134.3, abs=0.05)


def test_sample_trade_counts_by_type(sample_report: Report) -> None:
    rows = _rows(sample_report, "trade_by_type_class", "type")
    assert rows["Market"]["total"] == 27 and rows["Petrol station"]["total"] == 22
    assert sum(r["total"] for r in rows.values()) == 99


# ------------------------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def html_file(mini_plan: geoplan.Plan, mini_findings: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = build_report(mini_plan, findings=mini_findings, lang="vi", maps=True)
    return write_html(report, tmp_path_factory.mktemp("html") / "report.html")


def test_html_embeds_one_small_map_per_section(html_file: Path) -> None:
    import base64

    text = html_file.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 4  # clusters, parks, trade, grid; the findings section has none
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained_and_labelled(html_file: Path) -> None:
    text = html_file.read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert all(r.startswith(("#", "data:")) for r in refs), refs
    assert "<link" not in text and "<script" not in text
    assert "Cụm công nghiệp theo xã/phường" in text
    assert "@media print" in text and "@page" in text
    assert "Cụm công nghiệp Tây Hồ &#34;mới&#34;" in text  # escaped


@pytest.mark.browser
def test_html_renders_and_prints_in_chromium(page: Any, html_file: Path, mini_report: Report,
                                             tmp_path: Path) -> None:
    p = page.open_html(html_file)
    page.assert_no_console_errors()
    assert p.locator("section.report-section").count() == 5
    widths = p.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 4 and min(widths) > 300
    cell = p.locator("table[data-key=clusters_by_commune] tfoot td").nth(2)
    total = mini_report.table("clusters_by_commune").total
    assert total is not None
    assert cell.inner_text() == format_number(total["area"], "ha", "vi")
    p.emulate_media(media="print")
    assert p.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
    pdf = p.pdf(path=str(tmp_path / "report.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and pdf.count(b"/Type /Page") > 5
    page.assert_no_console_errors()


# ------------------------------------------------------------------------------- Excel


def test_workbook_has_typed_cells_frozen_headers_and_matching_totals(
        mini_report: Report, tmp_path: Path) -> None:
    path = write_xlsx(mini_report, tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Thông tin"
    assert len(wb.sheetnames) == 1 + len(mini_report.tables())
    additive = {"int", "ha", "km", "mva", "mw"}
    for table, name in zip(mini_report.tables(), wb.sheetnames[1:], strict=True):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]] == [c.heading for c in table.columns]
        n = len(table.rows)
        for j, col in enumerate(table.columns, start=1):
            cells = [ws.cell(row=i, column=j) for i in range(2, n + 2)]
            if col.kind in additive | {"pct", "float"}:
                assert all(c.data_type == "n" for c in cells), (name, col.key)
            if table.total is not None and col.key in table.total and col.kind in additive:
                total = ws.cell(row=n + 2, column=j).value
                assert ws.cell(row=n + 2, column=1).value == "Tổng cộng"
                column_sum = sum(c.value or 0 for c in cells)
                assert total == pytest.approx(column_sum), (name, col.key)
    ws = wb[wb.sheetnames[1]]
    assert ws.cell(row=2, column=2).number_format == "#,##0"


def test_write_refuses_to_overwrite(mini_report: Report, tmp_path: Path) -> None:
    path = write_xlsx(mini_report, tmp_path / "r.xlsx")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_xlsx(mini_report, path)


def test_html_write_refuses_before_rendering_and_keeps_the_file(
        mini_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    path = tmp_path / "r.html"
    path.write_text("kept", encoding="utf-8")

    def no_render(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered before the output was checked")

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Environment, "get_template", no_render)
        with pytest.raises(OutputExistsError,
                           match=r"r\.html: exists already; pass --overwrite"):
            write_html(mini_report, path)
    assert path.read_text(encoding="utf-8") == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    write_html(mini_report, path, overwrite=True)
    assert path.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


# --------------------------------------------------------------------------- languages


def test_english_labels(mini_plan: geoplan.Plan, mini_findings: Any) -> None:
    report = build_report(mini_plan, findings=mini_findings, lang="en", maps=False)
    assert [s.title for s in report.sections] == [
        "Industrial clusters", "Industrial parks", "Trade infrastructure", "Power grid",
        "Findings by rule"]
    assert set(_rows(report, "clusters_by_status", "status")) == {
        "Existing", "Under construction", "Planned", "Expansion"}
    assert report.table("clusters_by_commune").columns[2].heading == "Area (measured) (ha)"
    with pytest.raises(PlanError, match=r'use "vi" or "en"'):
        build_report(mini_plan, lang="fr", maps=False)


def test_numbers_are_written_the_local_way() -> None:
    assert format_number(2379.898, "ha", "vi") == "2.379,90"
    assert format_number(2379.898, "ha", "en") == "2,379.90"
    assert format_number(61.28, "pct", "vi") == "61,3"
    assert format_number(np.nan, "km") == "–"
    assert format_number(False, "bool", "vi") == "Không"


def test_settings_are_checked() -> None:
    validate_settings({"lang": "en", "title": "Báo cáo 6 tháng", "maps": False, "sites": 2})
    with pytest.raises(PlanError, match=r"unknown key 'language'.*valid keys: lang"):
        validate_settings({"language": "en"})
    with pytest.raises(PlanError, match="true or false"):
        validate_settings({"maps": "yes"})


# ---------------------------------------------------------------------------------- CLI


def test_cli_report_html_and_xlsx(mini_plan: geoplan.Plan, tmp_path: Path) -> None:
    from geoplan.cli import cli

    runner = CliRunner()
    for name in ("r.html", "r.xlsx"):
        result = runner.invoke(cli, ["report", str(mini_plan.path), "-o", str(tmp_path / name),
                                     "--lang", "en", "--no-maps"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 1000
    again = runner.invoke(cli, ["report", str(mini_plan.path), "-o", str(tmp_path / "r.html")])
    assert again.exit_code == 1 and "--overwrite" in again.stderr
    bad = runner.invoke(cli, ["report", str(mini_plan.path), "-o", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 1 and "report.html or report.xlsx" in bad.stderr
