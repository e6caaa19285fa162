"""Credits of the plan's data: the plan's attribution key, the data's own marks, the path; shown
on the interactive map, the printable sheet and the reports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from builders.plans import PlanBuilder, province_polygon
from shapely.geometry import LineString

import geoplan
from geoplan.attribution import (
    OSM_CREDIT,
    WORLDPOP_CREDIT,
    detect_credit,
    merge_credits,
    path_credit,
)
from geoplan.errors import PlanError
from geoplan.maps import interactive, model

SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "sample"
ODBL = "© OpenStreetMap contributors (ODbL)"


def _lines(**columns: list[object]) -> gpd.GeoDataFrame:
    x0, y0 = province_polygon().bounds[:2]
    return gpd.GeoDataFrame(
        {"id": ["a", "b"], "voltage_kv": [110, 220], "status": ["existing", "existing"],
         **columns},
        geometry=[LineString([(x0 + 500, y0 + 500), (x0 + 1500, y0 + 500)]),
                  LineString([(x0 + 500, y0 + 900), (x0 + 1500, y0 + 900)])], crs="EPSG:9209")


def _plan(tmp_path: Path, frame: gpd.GeoDataFrame, *, filename: str = "lines.gpkg",
          **keys: object) -> geoplan.Plan:
    b = PlanBuilder(tmp_path, name="Credits")
    b.add_boundary()
    b.add("lines", "grid_line", frame, filename=filename, **keys)
    return geoplan.load_plan(b.write())


# ---------------------------------------------------------------------- told from the data


def test_an_osm_id_column_earns_the_openstreetmap_credit_whatever_the_file_is_called(
        tmp_path: Path) -> None:
    plan = _plan(tmp_path, _lines(osm_id=[101, 102]))
    assert plan.layers["lines"].attribution == OSM_CREDIT
    assert plan.layer_attributions == {"lines": OSM_CREDIT}
    assert plan.attributions == (OSM_CREDIT,)
    html = interactive.map_html(interactive.plan_map(plan, offline=True))
    assert "OpenStreetMap contributors" in html


def test_a_plain_file_gets_no_credit(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _lines(name=["ĐZ 1", "ĐZ 2"]))
    assert plan.attributions == ()
    assert model.attribution(plan, None) is None
    html = interactive.map_html(interactive.plan_map(plan, offline=True))
    assert "OpenStreetMap contributors" not in html  # offline: no tiles, no data credit


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"osm_type": ["way", "way"]}, OSM_CREDIT),
        ({"@id": ["way/1", "way/2"]}, OSM_CREDIT),
        ({"osm_way_id": ["1", "2"]}, OSM_CREDIT),
        ({"source": ["OpenStreetMap", None]}, OSM_CREDIT),
        ({"SOURCE": ["survey", "osm"]}, OSM_CREDIT),
        ({"wd_operator": ["Q1", None]}, OSM_CREDIT),  # Open Infrastructure Map's schema
        ({"max_voltage": [1.0, 2.0], "voltages": ["110000", "220000"]}, OSM_CREDIT),
        ({"attribution": [ODBL, ODBL]}, ODBL),
        ({"Attribution": ["Sở Công Thương", "EVNNPT"]}, "Sở Công Thương; EVNNPT"),
        ({"source": ["survey 2024", "Bing"]}, None),
        ({"max_voltage": [1.0, 2.0]}, None),
        ({"attribution": ["x" * 400, None]}, None),  # a note, not a credit
    ],
    ids=["osm_type", "@id", "osm_way_id", "source", "source-case", "oim-operator",
         "oim-voltages", "attribution-column", "attribution-values", "other-source",
         "max-voltage-alone", "too-long"],
)
def test_marks_in_the_data(columns: dict[str, list[object]], expected: str | None) -> None:
    assert detect_credit(_lines(**columns), None) == expected


def test_openstreetmap_ids_in_the_id_column_are_a_mark() -> None:
    assert detect_credit(_lines().assign(id=["way/1", "node/2"]), None) == OSM_CREDIT
    assert detect_credit(_lines().assign(id=["way/1", "CCN-2"]), None) is None


def test_the_metadata_of_a_geopackage_names_its_credit(tmp_path: Path) -> None:
    path = tmp_path / "lines.gpkg"
    pyogrio.write_dataframe(_lines(), path, layer="lines",
                            layer_metadata={"attribution": "Sở Công Thương Bắc Ninh"})
    assert detect_credit(gpd.read_file(path), path, layer="lines") == "Sở Công Thương Bắc Ninh"
    other = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(_lines(), other, layer="other", layer_metadata={
        "licence": "OpenStreetMap data, ODbL 1.0"})
    assert detect_credit(gpd.read_file(other), other) == OSM_CREDIT
    plain = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(_lines(), plain, layer="plain", layer_metadata={"note": "x"})
    assert detect_credit(gpd.read_file(plain), plain) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [("data/vn-power-osm/power_line.gpkg", OSM_CREDIT), ("osm_lines.gpkg", OSM_CREDIT),
     ("exports/OpenInfraMap/lines.gpkg", OSM_CREDIT), ("layers/cosmos/lines.gpkg", None),
     ("layers/hosmer.gpkg", None), ("worldpop/vnm_ppp_2020.tif", WORLDPOP_CREDIT),
     ("layers/lines.gpkg", None)],
)
def test_the_path_is_the_last_resort(path: str, expected: str | None) -> None:
    assert path_credit(path) == expected


def test_the_importers_plan_is_credited_from_its_own_column(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _lines(attribution=[ODBL, ODBL], osm_id=[1, 2]))
    assert plan.attributions == (ODBL,)


def test_credits_are_merged_each_once() -> None:
    assert merge_credits([OSM_CREDIT, None, "Sở Công Thương", ODBL, "sở công thương", " "]) \
        == ("Sở Công Thương", ODBL)


# ------------------------------------------------------------------------ the plan's key


def test_the_plans_key_wins_over_the_data(tmp_path: Path) -> None:
    plan = _plan(tmp_path, _lines(osm_id=[1, 2]), attribution="  EVNNPT   2025  ")
    assert plan.layers["lines"].attribution == "EVNNPT 2025"
    assert plan.attributions == ("EVNNPT 2025",)


@pytest.mark.parametrize(
    ("value", "match"),
    [("5", r"\[layers.lines\] attribution must be a string, got 5"),
     ('"  "', r"\[layers.lines\] attribution is empty; name who to credit")],
)
def test_the_key_is_validated(tmp_path: Path, value: str, match: str) -> None:
    b = PlanBuilder(tmp_path, name="Credits")
    b.add("lines", "grid_line", _lines())
    path = b.write()
    text = path.read_text(encoding="utf-8").replace('kind = "grid_line"',
                                                   f'kind = "grid_line"\nattribution = {value}')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=match):
        geoplan.load_plan(path)


def test_a_misspelt_key_is_still_refused_with_the_valid_ones(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, name="Credits")
    b.add("lines", "grid_line", _lines(), atribution="x")
    with pytest.raises(PlanError, match=r"atribution.*attribution"):
        geoplan.load_plan(b.write())


# -------------------------------------------------- shown on the map, the sheet, the report

CREDIT = 'Sở Công Thương <Bắc Ninh> & "DOIT-survey-2025"'


@pytest.fixture(scope="module")
def credited(tmp_path_factory: pytest.TempPathFactory) -> geoplan.Plan:
    folder = tmp_path_factory.mktemp("credited") / "sample"
    shutil.copytree(SAMPLE, folder)
    toml = folder / "plan.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[layers.clusters]\n" in text
    text = text.replace("[layers.clusters]\n",
                        "[layers.clusters]\nattribution = 'Sở Công Thương <Bắc Ninh> & "
                        "\"DOIT-survey-2025\"'\n")
    toml.write_text(text, encoding="utf-8")
    return geoplan.load_plan(folder)


def test_the_layers_credit_is_on_the_interactive_map_as_text(credited: geoplan.Plan) -> None:
    assert credited.attributions == (CREDIT,)
    assert model.attribution(credited, None) == (
        "Sở Công Thương &lt;Bắc Ninh&gt; &amp; &quot;DOIT-survey-2025&quot;")
    html = interactive.map_html(interactive.plan_map(credited, offline=True))
    assert "DOIT-survey-2025" in html
    assert "<Bắc Ninh>" not in html and "\\u003cB" not in html  # never markup


def test_the_maps_own_attribution_comes_first_and_is_not_repeated(credited: geoplan.Plan
                                                                  ) -> None:
    given = ('© <a href="https://example.org">Sở Công Thương</a> &lt;Bắc Ninh&gt; &amp; '
             '"DOIT-survey-2025"')
    assert model.attribution(credited, given) == given  # already said: not twice
    both = model.attribution(credited, "© EVNNPT")
    assert both is not None and both.startswith("© EVNNPT · Sở Công Thương &lt;")


def test_the_layers_credit_is_in_the_sheets_footer(credited: geoplan.Plan) -> None:
    from geoplan.maps import sheet

    texts = [t.get_text() for t in sheet.static_map(credited).texts]
    footer = next(t for t in texts if "Hệ tọa độ / CRS" in t)
    assert CREDIT in footer


def test_the_layers_credit_is_in_the_html_and_excel_reports(credited: geoplan.Plan,
                                                             tmp_path: Path) -> None:
    import openpyxl

    from geoplan import pipeline

    html_path = tmp_path / "r.html"
    report = pipeline.report_plan(credited, html_path, maps=False, coverage=False)
    assert report.sources == (CREDIT,)
    text = html_path.read_text(encoding="utf-8")
    escaped = "Sở Công Thương &lt;Bắc Ninh&gt; &amp; &#34;DOIT-survey-2025&#34;"
    assert text.count(escaped) == 2  # the header and the footer
    assert "<Bắc Ninh>" not in text
    assert re.search(r"<dt>Nguồn dữ liệu</dt><dd class=\"sources\">", text)
    xlsx = tmp_path / "r.xlsx"
    pipeline.report_plan(credited, xlsx, maps=False, coverage=False)
    about = openpyxl.load_workbook(xlsx).worksheets[0]
    rows = {r[0]: r[1] for r in about.iter_rows(values_only=True)}
    assert rows["Nguồn dữ liệu"] == CREDIT


def test_a_worldpop_raster_is_credited_by_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    shutil.copytree(SAMPLE, folder)
    (folder / "worldpop").mkdir()
    (folder / "population.tif").rename(folder / "worldpop" / "vnm_ppp_2020.tif")
    toml = folder / "plan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        '"population.tif"', '"worldpop/vnm_ppp_2020.tif"'), encoding="utf-8")
    plan = geoplan.load_plan(folder)
    assert [(n, r.attribution) for n, r in plan.rasters.items()] == [
        ("population", WORLDPOP_CREDIT)]
    assert plan.attributions == (WORLDPOP_CREDIT,)


def test_the_real_open_infrastructure_map_export_is_told_by_its_columns(shared_data: Path
                                                                        ) -> None:
    folder = shared_data / "vn-power-osm"
    for name in ("power_line.gpkg", "power_plant.gpkg"):
        frame = pyogrio.read_dataframe(folder / name, max_features=50)
        # judged by its columns alone: named lines.gpkg it is still OpenStreetMap's
        assert detect_credit(frame, "lines.gpkg") == OSM_CREDIT, name
    points = pyogrio.read_dataframe(folder / "power_substation_points_coords_only.geojson",
                                    max_features=50)
    assert detect_credit(points, "points.geojson") is None  # coordinates only: no mark
    assert detect_credit(points, folder / "power_substation_points_coords_only.geojson") \
        == OSM_CREDIT  # the folder's name tells
