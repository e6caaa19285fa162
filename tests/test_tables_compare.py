"""The provincial plan's tables (totals equal the report's, changes against a previous plan),
the tt04-2023 symbology of the map and the sheet, and plan variants compared side by side."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely import affinity

import geoplan
from geoplan.cli import cli
from geoplan.errors import PlanError
from geoplan.maps.styles import PALETTES, style_table
from geoplan.report.tables import pdp8_phase, tables_report

SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "sample"
MOVED = "CCN-47"  # the far cluster, 24.8 km from the nearest 110 kV substation
NEW_STATION = "TBA-110-14"


def _variant(folder: Path) -> Path:
    """The sample with the far cluster moved 17 km south-west and a 110 kV station added."""
    shutil.copytree(SAMPLE, folder)
    gpkg = folder / "industry.gpkg"
    clusters = pyogrio.read_dataframe(gpkg, layer="cum_cong_nghiep")
    parks = pyogrio.read_dataframe(gpkg, layer="khu_cong_nghiep")
    i = clusters.index[clusters["ma"] == MOVED][0]
    clusters.loc[i, "geometry"] = affinity.translate(clusters.geometry[i], -15_000, -9_000)
    pyogrio.write_dataframe(clusters, gpkg, layer="cum_cong_nghiep")
    pyogrio.write_dataframe(parks, gpkg, layer="khu_cong_nghiep", append=False)
    grid = folder / "grid.gpkg"
    subs = pyogrio.read_dataframe(grid, layer="tram_bien_ap")
    lines = pyogrio.read_dataframe(grid, layer="duong_day")
    new = subs.iloc[[0]].copy()
    centre = clusters.geometry[i].centroid
    new = new.assign(ma=NEW_STATION, ten="TBA 110kV Đông Bắc", cap_dien_ap="110kV",
                     cong_suat=63.0, trang_thai="Quy hoạch", giai_doan="2026-2030",
                     ghi_chu="1×63 MVA", geometry=[shapely.Point(centre.x + 1500, centre.y)])
    subs = gpd.GeoDataFrame(pd.concat([subs, new], ignore_index=True), crs=subs.crs)
    pyogrio.write_dataframe(subs, grid, layer="tram_bien_ap")
    pyogrio.write_dataframe(lines, grid, layer="duong_day", append=False)
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    (folder / "plan.toml").write_text(text.replace('name = "Minh Hà 2021-2030 (sample)"',
                                                   'name = "Minh Hà, phương án B"'),
                                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _variant(tmp_path_factory.mktemp("variant") / "b")


@pytest.fixture(scope="module")
def analysis() -> geoplan.Analysis:
    return geoplan.analyse(SAMPLE)


# --------------------------------------------------------------------------- the tables


def test_the_tables_totals_equal_the_reports(analysis: geoplan.Analysis) -> None:
    from geoplan.pipeline import report_plan

    report = report_plan(analysis, maps=False)
    tables = tables_report(analysis.plan, coverage=analysis.coverage)
    for ours, theirs, keys in (
        ("plan_clusters_by_status_period", "clusters_by_status",
         ("number", "area", "occupancy")),
        ("plan_parks_by_status_period", "parks_by_status", ("number", "area", "occupancy")),
    ):
        total, expected = tables.table(ours).total, report.table(theirs).total
        for k in keys:
            assert total[k] == pytest.approx(expected[k]), (ours, k)
    lines, report_lines = tables.table("plan_lines_by_voltage_period"), \
        report.table("grid_lines")
    assert lines.total["count"] == report_lines.total["count"]
    assert lines.total["km"] == pytest.approx(report_lines.total["km"])
    subs, report_subs = tables.table("plan_substations_by_voltage_period"), \
        report.table("grid_substations")
    assert subs.total["count"] == report_subs.total["count"]
    assert subs.total["mva"] == pytest.approx(report_subs.total["mva"])
    trade = tables.table("plan_trade_by_commune")
    assert trade.total["total"] == report.table("trade_by_type_class").total["total"]
    for c in ("class_1", "class_2", "class_3", "class_none"):
        assert trade.total[c] == report.table("trade_by_type_class").total[c]
    # every row adds up to its table's total
    for t in tables.tables():
        if t.total is None or not len(t.rows):
            continue
        for col in t.columns:
            if col.kind in ("int", "ha", "km", "mva") and col.key in t.total:
                got = pd.to_numeric(t.rows[col.key], errors="coerce").sum(min_count=1)
                assert got == pytest.approx(t.total[col.key], nan_ok=True), (t.key, col.key)


def test_land_by_commune_is_the_area_of_each_polygon_inside_each_commune(
        analysis: geoplan.Analysis) -> None:
    table = tables_report(analysis.plan).table("plan_land_by_commune")
    plan = analysis.plan
    clusters = plan.frame("industrial_cluster")
    assert table.total["clusters"] == pytest.approx(clusters.geometry.area.sum() / 1e4,
                                                    rel=1e-6)
    communes = plan.communes.set_index("name")
    name = table.rows.sort_values("clusters").iloc[-1]["commune"]
    inside = clusters.geometry.intersection(communes.geometry[name]).area.sum() / 1e4
    assert table.rows.set_index("commune").at[name, "clusters"] == pytest.approx(inside)
    kinds = set(table.rows["commune_type"])
    assert kinds == {"Xã", "Phường"}


def test_unserved_population_by_kind_of_commune(analysis: geoplan.Analysis) -> None:
    tables = tables_report(analysis.plan, coverage=analysis.coverage)
    by_type = tables.table("plan_unserved_by_commune_type").rows.set_index("commune_type")
    gaps = analysis.coverage.summary()["population_in_gaps"]
    assert by_type["unserved"].sum() == pytest.approx(gaps, rel=1e-6)
    assert by_type.at["Phường", "unserved"] == 0  # the town is served
    assert by_type["population"].sum() == pytest.approx(
        analysis.coverage.summary()["population_total"], rel=1e-6)
    islands = tables.table("plan_islands")
    assert not len(islands.rows) and "Đặc khu" in islands.note


def test_grid_projects_by_period_with_the_pdp8_phase(analysis: geoplan.Analysis) -> None:
    rows = tables_report(analysis.plan).table("plan_lines_by_voltage_period").rows
    planned_220 = rows[(rows["voltage"] == "220 kV") & (rows["period"] == "2026-2030")]
    assert planned_220["phase"].tolist() == ["I"]
    assert pdp8_phase("2031-2035") == "II" and pdp8_phase(None) is None


def test_changes_against_the_previous_plan(variant: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(variant), "--tables", "--against",
                                      str(SAMPLE), "-o", str(variant.parent / "tables.xlsx")])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(variant.parent / "tables.xlsx")
    detail = next(wb[n] for n in wb.sheetnames if "Danh mục thay đổi" in n)
    rows = {r[1]: r for r in detail.iter_rows(min_row=2, values_only=True) if r[1]}
    assert rows[MOVED][3] == "Điều chỉnh" and "dịch chuyển" in rows[MOVED][7]
    assert rows["CCN-01"][3] == "Giữ nguyên"
    summary = next(wb[n] for n in wb.sheetnames if "Thay đổi so với" in n)
    kinds = [(r[0], r[1], r[3]) for r in summary.iter_rows(min_row=2, values_only=True)
             if r[0] and r[1]]
    assert ("Cụm công nghiệp", "Điều chỉnh", 1) in kinds
    without = CliRunner().invoke(cli, ["report", str(SAMPLE), "--against", str(variant),
                                       "-o", str(variant.parent / "x.xlsx")])
    assert without.exit_code == 2 and "--against compares the plan's tables" in without.output


# ---------------------------------------------------------------------------- symbology


def _with_map(plan: geoplan.Plan, **map_settings: object) -> geoplan.Plan:
    settings = {**plan.spec.settings, "map": {**plan.settings.get("map", {}), **map_settings}}
    return dataclasses.replace(plan, spec=dataclasses.replace(plan.spec, settings=settings))


def test_the_tt04_symbology_is_a_style_table_of_its_own() -> None:
    default, official = style_table(), style_table({"symbology": "tt04-2023"})
    assert official.symbology == "tt04-2023" and default.symbology == "geoplan"
    assert official.voltage_color(500) == PALETTES["pdp8"][500] != default.voltage_color(500)
    assert official.province_dash and not default.province_dash
    assert official.area_fill("industrial_park", "existing") != \
        default.area_fill("industrial_park", "existing")
    # an explicit palette or voltage colour still wins over the symbology's
    assert style_table({"symbology": "tt04-2023", "voltage_colors": {"110": "#123456"}}
                       ).voltage_color(110) == "#123456"
    with pytest.raises(PlanError, match=r"symbology = 'tt04'.*geoplan, tt04-2023"):
        style_table({"symbology": "tt04"})


def test_the_symbology_changes_the_interactive_map(sample_plan) -> None:
    from geoplan.maps import map_html, plan_map

    base = map_html(plan_map(sample_plan, offline=True))
    official = map_html(plan_map(_with_map(sample_plan, symbology="tt04-2023"), offline=True))
    default_500 = PALETTES["openinframap"][500]
    assert default_500 in base and default_500 not in official
    assert '"color": "#E31A1C", "en": "500 kV"' in official
    assert '"symbology": "tt04-2023"' in official or '"symbology":"tt04-2023"' in official


def test_the_symbology_changes_the_sheet(sample_plan) -> None:
    from geoplan.maps import static_map

    base = static_map(sample_plan, paper="A3")
    official = static_map(_with_map(sample_plan, symbology="tt04-2023"), paper="A3")
    texts = [t.get_text() for t in official.texts]
    assert any(t.startswith("Tỷ lệ / Scale 1:") for t in texts)
    assert not any(t.startswith("Tỷ lệ") for t in (t.get_text() for t in base.texts))
    assert any("Thông tư 04/2023/TT-BKHĐT" in t for t in texts)          # the source block
    assert any("clusters (industry.gpkg)" in t for t in texts)
    assert len(official.axes) == len(base.axes) + 1                      # the location inset
    inset = official.axes[-1]
    assert inset.get_title() == "Sơ đồ vị trí / Location"
    x0, x1 = inset.get_xlim()
    assert x0 < 106.1 < x1                                               # a lon/lat frame
    ax = official.axes[0]
    ticks = ax.get_xticks()
    assert len(ticks) >= 3 and ticks[1] - ticks[0] in (5_000, 10_000, 20_000)
    assert ax.get_xticklabels()[0].get_text().replace(" ", "").isdigit()
    assert "VN-2000" in ax.get_xlabel()
    # the stated scale is the drawn one: axes width on paper × scale = ground width
    scale = int(next(t for t in texts if t.startswith("Tỷ lệ")).split("1:")[1]
                .replace(".", ""))
    width_m = official.get_figwidth() * ax.get_position().width * 0.0254
    assert (ax.get_xlim()[1] - ax.get_xlim()[0]) == pytest.approx(scale * width_m, rel=1e-6)
    assert not base.axes[0].get_xticks().size


def test_the_symbology_reaches_the_reports_small_maps(sample_plan) -> None:
    from geoplan.maps import report_map_png

    base = report_map_png(sample_plan, kinds=["grid_line"], dpi=60)
    official = report_map_png(_with_map(sample_plan, symbology="tt04-2023"),
                              kinds=["grid_line"], dpi=60)
    assert base != official


def test_the_symbology_is_documented_symbol_by_symbol() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "symbology-tt04-2023.md").read_text(
        encoding="utf-8")
    table = style_table({"symbology": "tt04-2023"})
    for vc in table.voltage_classes:
        if vc.min_kv in (500, 220, 110):
            assert vc.color.upper() in doc.upper(), vc
    for color in (*table.cluster_fill.values(), *table.park_fill.values()):
        assert color.upper() in doc.upper(), color
    assert "geoplan's own" in doc and "[N]" in doc


# -------------------------------------------------------------------------- variants


@pytest.fixture(scope="module")
def compared(variant: Path) -> tuple[Path, Path]:
    html, xlsx = variant.parent / "compare.html", variant.parent / "compare.xlsx"
    runner = CliRunner()
    for out, extra in ((html, []), (xlsx, ["--no-maps"])):
        result = runner.invoke(cli, ["compare", str(SAMPLE), str(variant), "-o", str(out),
                                     *extra])
        assert result.exit_code == 0, result.output
        assert "chỉ tiêu khác nhau" in result.output and "đã ghi vào" in result.output
    return html, xlsx


def test_compare_shows_the_changed_figures(compared: tuple[Path, Path], variant: Path) -> None:
    from geoplan.pipeline import compare_plans

    c = compare_plans([SAMPLE, variant], maps=False)
    changed = set(c.changed()["key"])
    assert {"new_substations_110", "new_mva_110", "share_clusters_covered"} <= changed
    assert c.value("new_substations_110", 1) == c.value("new_substations_110", 0) + 1
    assert c.value("new_mva_110", 1) == c.value("new_mva_110", 0) + 63.0
    assert c.value("share_clusters_covered", 1) > c.value("share_clusters_covered", 0)
    assert c.value("population_in_gaps", 1) < c.value("population_in_gaps", 0)
    assert "clusters" not in changed and "cluster_area" not in changed  # moved, same land
    diffs = c.diffs.set_index("layer")
    assert diffs.at["clusters", "moved"] == 1 and diffs.at["substations", "added"] == 1
    # inputs: the two grid and industry files differ, the others are the same bytes
    a, b = (dict(p.files) for p in c.inputs)
    assert a["grid.gpkg"] != b["grid.gpkg"] and a["industry.gpkg"] != b["industry.gpkg"]
    assert a["clusters.xlsx"] == b["clusters.xlsx"] and a["plan.toml"] != b["plan.toml"]
    assert c.rules["version"]

    html = compared[0].read_text(encoding="utf-8")
    assert '<tr data-key="new_substations_110" class="changed">' in html
    assert '<tr data-key="clusters">' in html
    assert html.count("data:image/png;base64,") == 2
    assert a["grid.gpkg"] in html and b["grid.gpkg"] in html
    wb = openpyxl.load_workbook(compared[1])
    ws = wb.worksheets[0]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    new_110 = rows["Trạm biến áp 110 kV mới"]
    assert new_110[4].value == 1 and new_110[0].fill.fgColor.rgb.endswith("FFF2CC")
    assert len(wb.sheetnames) == 4


def test_compare_refuses_one_plan_and_plans_of_two_provinces(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", str(SAMPLE), "-o", str(tmp_path / "c.html")])
    assert result.exit_code == 2 and "two or more plans" in result.output
    other = tmp_path / "other"
    shutil.copytree(SAMPLE, other)
    text = (other / "plan.toml").read_text(encoding="utf-8")
    (other / "plan.toml").write_text(text.replace('province = "Tỉnh Minh Hà (sample)"',
                                                  'province = "Tỉnh Khác (sample)"'),
                                     encoding="utf-8")
    from geoplan.report.compare import compare_analyses

    a = geoplan.analyse(SAMPLE, checks=False, grid=False, coverage=False)
    b = geoplan.analyse(other, checks=False, grid=False, coverage=False)
    with pytest.raises(PlanError, match="different provinces"):
        compare_analyses([a, b], maps=False)


def test_compare_escapes_text_from_the_plans(tmp_path: Path) -> None:
    from geoplan.report.compare import compare_analyses, write_comparison

    other = tmp_path / "x"
    shutil.copytree(SAMPLE, other)
    text = (other / "plan.toml").read_text(encoding="utf-8")
    (other / "plan.toml").write_text(text.replace('name = "Minh Hà 2021-2030 (sample)"',
                                                  'name = "<script>alert(1)</script>"'),
                                     encoding="utf-8")
    plans = [geoplan.analyse(p, checks=False, grid=False, coverage=False)
             for p in (SAMPLE, other)]
    out = write_comparison(compare_analyses(plans, maps=False), tmp_path / "c.html")
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
