"""Units are read, not assumed: population rasters and MW/MVA capacities.

The population totals on WorldPop's 2020 density raster are checked against an independent
sum written here: rasterio reads the cells, each cell's area is the geodesic area of its
longitude/latitude rectangle on the WGS 84 ellipsoid (pyproj ``Geod``), and a cell counts when
its centre lies in the province (shapely), as rasterstats counts them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
from builders.osm import province_frame
from click.testing import CliRunner
from rasterio.transform import from_origin
from rasterio.windows import Window, from_bounds

import geoplan
from geoplan.cli import cli
from geoplan.coverage import compute_coverage
from geoplan.coverage.areas import population_unit, unit_from_file
from geoplan.errors import PlanError
from geoplan.problems import set_log_lang
from geoplan.report import build_report

WORLDPOP = Path("worldpop-vnm-2020") / "vnm_pd_2020_1km.tif"


# ------------------------------------------------------------------------------ population


def independent_population(raster: Path, province: shapely.Geometry) -> float:
    """Σ density × geodesic cell area over the cells whose centre is in ``province`` (WGS 84)."""
    geod = pyproj.Geod(ellps="WGS84")
    with rasterio.open(raster) as src:
        w = from_bounds(*province.bounds, transform=src.transform)
        col0, row0 = max(int(np.floor(w.col_off)) - 1, 0), max(int(np.floor(w.row_off)) - 1, 0)
        col1 = min(int(np.ceil(w.col_off + w.width)) + 1, src.width)
        row1 = min(int(np.ceil(w.row_off + w.height)) + 1, src.height)
        window = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(1, window=window, masked=True)
        t = src.window_transform(window)
    rows, cols = data.shape
    lon = t.c + (np.arange(cols) + 0.5) * t.a
    lat = t.f + (np.arange(rows) + 0.5) * t.e
    lons, lats = np.meshgrid(lon, lat)
    inside = shapely.contains_xy(province, lons, lats) & ~np.ma.getmaskarray(data)
    total = 0.0
    for r in range(rows):
        top, bottom = t.f + r * t.e, t.f + (r + 1) * t.e
        left, right = t.c, t.c + t.a
        area_m2, _ = geod.polygon_area_perimeter([left, right, right, left],
                                                 [top, top, bottom, bottom])
        total += float(np.asarray(data[r])[inside[r]].sum()) * abs(area_m2) / 1e6
    return total


def _population_plan(folder: Path, shared: Path, province: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(province_frame(shared, province)[["name", "geometry"]],
                            folder / "boundary.geojson")
    (folder / "plan.toml").write_text(f"""[plan]
name = "Dân số {province}"
province = "{province}"

[layers.boundary]
kind = "boundary"
path = "boundary.geojson"
defaults = {{ level = "province" }}

[layers.population]
kind = "population"
path = "{(shared / WORLDPOP).as_posix()}"
{extra}""", encoding="utf-8")
    return folder / "plan.toml"


@pytest.mark.shared
@pytest.mark.parametrize("province", ["Bắc Ninh", "Cần Thơ"])
def test_worldpop_density_totals_match_an_area_weighted_sum(shared_data: Path, tmp_path: Path,
                                                            province: str) -> None:
    plan = geoplan.load_plan(_population_plan(tmp_path, shared_data, province))
    summary = compute_coverage(plan).summary()
    expected = independent_population(shared_data / WORLDPOP,
                                      province_frame(shared_data, province).geometry.iloc[0])
    assert summary["population_total"] == pytest.approx(expected, rel=0.01)
    assert summary["population_unit"] == "per_km2" and not summary["population_unit_assumed"]
    assert "_pd_" in summary["population_unit_basis"]
    # read as people per cell, the total would be about a quarter too high at 10-21° N
    with rasterio.open(shared_data / WORLDPOP) as src:
        assert src.units == (None,) and "units" not in src.tags(1)  # the file name tells


@pytest.mark.shared
def test_report_and_json_state_the_unit(shared_data: Path, tmp_path: Path) -> None:
    path = _population_plan(tmp_path, shared_data, "Bắc Ninh")
    res = CliRunner().invoke(cli, ["coverage", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)["summary"]
    assert summary["population_unit"] == "per_km2"
    assert "WorldPop file name vnm_pd_2020_1km.tif" in summary["population_unit_basis"]
    text = CliRunner().invoke(cli, ["coverage", str(path), "--lang", "en"]).stdout
    assert "population unit      per_km2 (" in text
    text = CliRunner().invoke(cli, ["coverage", str(path)]).stdout
    assert "đơn vị dân số             per_km2 (" in text
    plan = geoplan.load_plan(path)
    report = build_report(plan, coverage=compute_coverage(plan), maps=False)
    assert _figure(report, "population_unit").startswith("người/km²")
    assert "_pd_" in _figure(report, "population_unit")
    assert _figure(report, "population") == pytest.approx(summary["population_total"])
    en = build_report(plan, coverage=compute_coverage(plan), maps=False, lang="en")
    assert _figure(en, "population_unit").startswith("people per km²")


def _figure(report: object, key: str) -> object:
    found = [f.value for s in report.sections for f in s.figures  # type: ignore[attr-defined]
             if f.key == key]
    assert len(found) == 1, key
    return found[0]


@pytest.mark.shared
def test_a_plan_unit_the_file_contradicts_is_used_with_a_warning(
        shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    plan = geoplan.load_plan(_population_plan(tmp_path, shared_data, "Bắc Ninh",
                                              '\n[coverage]\npopulation_unit = "count"\n'))
    with caplog.at_level(logging.WARNING, logger="geoplan.coverage"):
        summary = compute_coverage(plan).summary()
    assert summary["population_unit"] == "count"
    assert "the file says per_km2" in summary["population_unit_basis"]
    assert any("phương án ghi population_unit = 'count' nhưng tệp ghi người/km²"
               in r.getMessage() for r in caplog.records)
    set_log_lang("en")
    try:
        assert any("the plan says population_unit = 'count' but the file says people per km²"
                   in r.getMessage() for r in caplog.records)
    finally:
        set_log_lang(None)


# a synthetic province near 21° N: 100 m cells (about 0.0104 km² each) or 1 km cells
ORIGIN = (105.90, 21.20)


def _raster(path: Path, values: np.ndarray, cell_deg: float, *, units: str | None = None,
            tags: dict[str, str] | None = None, description: str | None = None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0],
                       count=1, dtype="float32", crs="EPSG:4326", nodata=-1.0,
                       transform=from_origin(*ORIGIN, cell_deg, cell_deg)) as dst:
        dst.write(values.astype("float32"), 1)
        if units is not None:
            dst.set_band_unit(1, units)
        if tags:
            dst.update_tags(1, **tags)
        if description is not None:
            dst.set_band_description(1, description)
    return path


def _raster_layer(path: Path) -> geoplan.RasterLayer:
    from geoplan.plan import LayerSpec, RasterLayer

    return RasterLayer("pop", "population", LayerSpec("pop", "population", path),
                       pyproj.CRS("EPSG:4326"), -1.0)


def _region(cells: int, cell_deg: float) -> tuple[shapely.Geometry, pyproj.CRS]:
    crs = pyproj.CRS("EPSG:9209")
    box = shapely.box(ORIGIN[0] + cell_deg, ORIGIN[1] - (cells - 1) * cell_deg,
                      ORIGIN[0] + (cells - 1) * cell_deg, ORIGIN[1] - cell_deg)
    region = gpd.GeoSeries([box], crs="EPSG:4326").to_crs(crs).iloc[0]
    return region, crs


@pytest.mark.parametrize(("kwargs", "unit", "where"), [
    ({"units": "people/km2"}, "per_km2", "GDAL unit type"),
    ({"units": "persons per pixel"}, "count", "GDAL unit type"),
    ({"tags": {"units": "inhabitants per km²"}}, "per_km2", "metadata units="),
    ({"tags": {"SOURCE": "population density (people per square kilometre)"}}, "per_km2",
     "metadata SOURCE="),
    ({"description": "people per cell"}, "count", "band description"),
])
def test_the_file_says_its_unit(tmp_path: Path, kwargs: dict, unit: str, where: str) -> None:
    path = _raster(tmp_path / "pop.tif", np.full((4, 4), 50.0), 0.01, **kwargs)
    found = unit_from_file(path)
    assert found is not None and found[0] == unit and where in found[1]


@pytest.mark.parametrize(("name", "unit"), [("vnm_pd_2020_1km.tif", "per_km2"),
                                            ("vnm_ppp_2020.tif", "count"),
                                            ("VNM_PPP_2020_UNadj.tif", "count"),
                                            ("people.tif", None)])
def test_worldpop_file_naming(tmp_path: Path, name: str, unit: str | None) -> None:
    path = _raster(tmp_path / name, np.full((4, 4), 50.0), 0.01)
    found = unit_from_file(path)
    assert (found[0] if found else None) == unit


def test_counts_on_small_cells_are_recognised_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 100 m cells holding 2-20 people each: as densities the province would hold about 11
    # people per km² (implausible); as counts about 950 per km² (plausible)
    rng = np.random.default_rng(1)
    values = rng.uniform(2, 20, (60, 60))
    path = _raster(tmp_path / "pop.tif", values, 0.001)
    region, crs = _region(60, 0.001)
    with caplog.at_level(logging.WARNING, logger="geoplan.coverage"):
        found = population_unit(_raster_layer(path), region, crs)
    assert (found.unit, found.assumed) == ("count", True)
    assert "only people per cell gives a plausible density" in found.basis
    (record,) = [r for r in caplog.records if "population_unit" in r.getMessage()]
    # Vietnamese by default, English once the session asks for it (the CLI's --lang en)
    assert 'Đặt [coverage] population_unit = "count"' in record.getMessage()
    assert "tệp không ghi giá trị của mỗi ô là gì;" in record.getMessage()
    set_log_lang("en")
    try:
        assert 'Set [coverage] population_unit = "count"' in record.getMessage()
        assert "does not say what its cells hold;" in record.getMessage()
    finally:
        set_log_lang(None)


def test_densities_on_small_cells_are_recognised_with_a_warning(tmp_path: Path) -> None:
    # 100 m cells holding 800-30,000 people per km²: as counts the densest cell would hold
    # millions per km²
    rng = np.random.default_rng(2)
    values = rng.uniform(800, 30_000, (60, 60))
    path = _raster(tmp_path / "pop.tif", values, 0.001)
    region, crs = _region(60, 0.001)
    found = population_unit(_raster_layer(path), region, crs)
    assert (found.unit, found.assumed) == ("per_km2", True)


def test_one_km_cells_that_say_nothing_are_assumed_counts_and_said_so(tmp_path: Path) -> None:
    # at ~0.8 km² a cell's count and its density differ by 20 %: both readings are plausible
    path = _raster(tmp_path / "pop.tif", np.full((30, 30), 900.0), 1 / 120)
    region, crs = _region(30, 1 / 120)
    found = population_unit(_raster_layer(path), region, crs)
    assert (found.unit, found.assumed) == ("count", True)
    assert "both readings are plausible at this cell size" in found.basis


def test_population_unit_setting_is_checked() -> None:
    from geoplan.coverage import coverage_settings

    assert coverage_settings().population_unit == "auto"
    with pytest.raises(PlanError, match=r'must be "auto" \(read from the raster'):
        coverage_settings({"population_unit": "people"})


# ------------------------------------------------------------------------------ capacities


def _plants_plan(folder: Path, shared: Path, capacity: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.toml").write_text(f"""[plan]
name = "Nhà máy điện"

[layers.plants]
kind = "power_plant"
path = "{(shared / 'vn-power-osm' / 'power_plant.gpkg').as_posix()}"
fields = {{ id = "id", capacity_mw = {capacity} }}
defaults = {{ status = "existing" }}
""", encoding="utf-8")
    return folder / "plan.toml"


def _load_plants(plan_file: Path) -> tuple[gpd.GeoDataFrame, list[geoplan.Problem]]:
    """The plants layer through the load stage's validation (the OSM layer has other
    problems, e.g. a source 'gas;oil', that would stop load_plan)."""
    from geoplan import io
    from geoplan.load import validate_layer
    from geoplan.plan import read_plan_file

    (spec,) = read_plan_file(plan_file).layers
    return validate_layer(io.read_vector(spec.path), spec)


def _nghi_son_2(frame: gpd.GeoDataFrame) -> float:
    (row,) = frame[frame["name"] == "Nhà máy Nhiệt điện Nghi Sơn 2"].itertuples()
    return float(row.capacity_mw)


@pytest.mark.shared
def test_plant_output_in_kw_read_as_mw_is_a_located_warning(shared_data: Path,
                                                            tmp_path: Path) -> None:
    frame, problems = _load_plants(_plants_plan(tmp_path, shared_data, '"output"'))
    assert _nghi_son_2(frame) == 1_330_000  # as the column holds it
    (warning,) = [p for p in problems if p.code == "implausible-unit"]
    assert warning.severity == "warning" and warning.field == "capacity_mw"
    assert warning.layer == "plants" and warning.file.endswith("power_plant.gpkg")
    assert "column 'output' probably holds kW, not MW" in warning.message_en
    assert "cột 'output' nhiều khả năng ghi theo kW, không phải MW" in warning.message
    assert "nhà máy điện có thể có (10.000 MW)" in warning.message
    assert 'fields = { capacity_mw = { column = "output", unit = "kW" } }' in warning.fix_en
    high = frame[frame["capacity_mw"] > 10_000]
    assert warning.count == len(high) >= 100  # every plant above the limit, none below
    assert warning.feature is not None and warning.feature.startswith(str(high["id"].iloc[0]))
    nghi_son = frame.loc[frame["name"] == "Nhà máy Nhiệt điện Nghi Sơn 2", "id"].iloc[0]
    assert nghi_son in set(high["id"])
    res = CliRunner().invoke(cli, ["validate", "--lang", "en", str(tmp_path / "plan.toml")])
    assert "WARNING implausible-unit" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["validate", str(tmp_path / "plan.toml")])
    assert "CẢNH BÁO implausible-unit" in res.output


@pytest.mark.shared
def test_a_declared_unit_is_applied_at_load(shared_data: Path, tmp_path: Path) -> None:
    frame, problems = _load_plants(_plants_plan(tmp_path, shared_data,
                                                '{ column = "output", unit = "kW" }'))
    assert _nghi_son_2(frame) == pytest.approx(1_330.0)
    assert not [p for p in problems if p.code == "implausible-unit"]
    (note,) = [p for p in problems if p.code == "unit-converted"]
    assert "column 'output' declared in kW and converted to MW (× 0.001)" in note.message_en
    assert frame["capacity_mw"].max() < 10_000


def test_substation_capacity_in_kva_is_a_warning_by_voltage(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["T110", "T220", "OK110"], "name": ["a", "b", "c"],
         "voltage_kv": [110, 220, 110], "status": ["existing"] * 3,
         "capacity_mva": [126_000.0, 2_500.0, 126.0]},
        geometry=[shapely.Point(106.0 + i / 100, 21.0) for i in range(3)], crs="EPSG:4326")
    frame.to_file(tmp_path / "subs.gpkg")
    (tmp_path / "plan.toml").write_text("""[plan]
name = "t"
[layers.subs]
kind = "substation"
path = "subs.gpkg"
""", encoding="utf-8")
    plan = geoplan.load_plan(tmp_path)
    (warning,) = [p for p in plan.report.problems if p.code == "implausible-unit"]
    assert warning.feature == "T110" and warning.count == 1  # 2,500 MVA at 220 kV is possible
    assert "capacity_mva = 126,000 MVA" in warning.message_en
    assert "(1,000 MVA)" in warning.message_en
    assert "capacity_mva = 126.000 MVA" in warning.message and "(1.000 MVA)" in warning.message
    assert 'unit = "kVA"' in warning.fix_en


@pytest.mark.parametrize(("capacity", "match"), [
    ('{ column = "output", unit = "kV" }',
     r"fields.capacity_mw: unit 'kV' cannot be converted to MW; use one of W, kW, MW, GW"),
    ('{ column = "output" }', r"fields.capacity_mw needs column = \"...\" and unit"),
    ('{ column = "output", unit = "kW", scale = 2 }', r"unknown key 'scale'"),
    ('3', r"fields.capacity_mw must name a source column"),
])
def test_unit_declarations_are_checked_in_the_plan_file(tmp_path: Path, capacity: str,
                                                        match: str) -> None:
    (tmp_path / "plan.toml").write_text(f"""[plan]
name = "t"
[layers.plants]
kind = "power_plant"
path = "plants.gpkg"
fields = {{ capacity_mw = {capacity} }}
""", encoding="utf-8")
    with pytest.raises(PlanError, match=match):
        geoplan.load_plan(tmp_path)


def test_a_text_field_takes_no_unit(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text("""[plan]
name = "t"
[layers.plants]
kind = "power_plant"
path = "plants.gpkg"
fields = { name = { column = "ten", unit = "kW" } }
""", encoding="utf-8")
    with pytest.raises(PlanError, match=r"fields\.name: a field in no unit takes no unit"):
        geoplan.load_plan(tmp_path)
