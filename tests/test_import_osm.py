"""``geoplan import-osm``: a province's OpenStreetMap grid as a plan folder that validates, checks,
covers and maps with no further editing; counts pinned on the shared data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from builders.progress import assert_progress_rules
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

import geoplan
from geoplan.cli import cli
from geoplan.errors import LayerReadError, OutputExistsError
from geoplan.importers.osm import (
    ATTRIBUTION,
    find_source,
    import_osm,
    parse_capacity_mw,
    parse_circuits,
    parse_voltages,
)
from geoplan.progress import Recorder, listening


def test_parsers() -> None:
    assert parse_voltages("500000;220000") == ((500, 220), ())
    assert parse_voltages("22000;400") == ((22,), ("400",))
    assert parse_voltages(None) == ((), ())
    assert parse_voltages("6600") == ((), ("6600",))  # 6.6 kV is not a whole kV level
    assert parse_circuits(None, "12") == 4 and parse_circuits(None, "1") is None
    assert parse_circuits(9.0, "3") is None or parse_circuits(9.0, "3") == 1
    assert parse_capacity_mw(2400000.0) == 2400.0  # the OIM export's output is kW
    assert parse_capacity_mw("2400 MW") == 2400.0
    assert parse_capacity_mw(50_000_000, unit="W") == 50.0


# ------------------------------------------------------------------ a small made-up export


def _admin(folder: Path) -> Path:
    """Two made-up provinces side by side (real names so the zone is known)."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"name": ["Bắc Ninh", "Hà Nội"], "code": ["24", "01"], "codeName": ["bac_ninh", "ha_noi"]},
        geometry=[box(106.0, 21.0, 106.2, 21.2), box(105.8, 21.0, 106.0, 21.2)], crs="EPSG:4326")
    frame.to_file(folder / "vn_provinces_34_2025.geojson", driver="GeoJSON")
    wards = gpd.GeoDataFrame({"name": ["Phường Kinh Bắc", "Xã Tiên Du"], "code": ["1", "2"]},
                             geometry=[box(106.0, 21.0, 106.1, 21.2),
                                       box(106.1, 21.0, 106.2, 21.2)], crs="EPSG:4326")
    wards.to_file(folder / "vn_wards_bac_ninh_2025.geojson", driver="GeoJSON")
    return folder


def _export(folder: Path) -> Path:
    """An Open Infrastructure Map-shaped export with one feature of each case."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = gpd.GeoDataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "name": ["ĐZ 220kV Bắc Ninh – Đông Anh", None, None, None, None, None],
        "location": ["overhead", "underground", "overhead", "overhead", "overhead", "overhead"],
        "max_voltage": [220000.0, 110000.0, None, 115000.0, 500000.0, 110000.0],
        "voltages": ["220000;110000", "110000", None, "115000", "500000", "110000;400"],
        "circuits": [2.0, None, None, None, 1.0, None],
        "cables": ["6", "3", None, "3", "3", "4"],
        "construction": ["", "", "", "", "", "line"],
    }, geometry=[
        LineString([(105.9, 21.1), (106.1, 21.1)]),    # crosses from Hà Nội: taken whole
        LineString([(106.05, 21.05), (106.1, 21.05)]),  # underground cable inside
        LineString([(106.1, 21.15), (106.15, 21.15)]),  # unknown voltage inside
        LineString([(106.12, 21.12), (106.3, 21.12)]),  # a foreign level, leaving east
        LineString([(105.85, 21.1), (105.95, 21.1)]),   # wholly in Hà Nội: dropped
        LineString([(106.05, 21.18), (106.15, 21.18)]),  # under construction, a 400 V part
    ], crs="EPSG:4326")
    pyogrio.write_dataframe(lines, folder / "power_line.gpkg", layer="power_line")
    plants = gpd.GeoDataFrame({
        "id": [10, 11], "name": ["Nhà máy điện mặt trời Tiên Du", "Thủy điện xa"],
        "source": ["solar", "hydro"], "output": [49500.0, 1000.0], "construction": ["", ""],
    }, geometry=[box(106.11, 21.01, 106.12, 21.02), box(105.5, 21.5, 105.51, 21.51)],
        crs="EPSG:4326")
    pyogrio.write_dataframe(plants, folder / "power_plant.gpkg", layer="power_plant")
    subs = gpd.GeoDataFrame({"seq": [1, 2, 3]}, geometry=[
        Point(106.1, 21.1), Point(106.21, 21.1),  # inside; 1 km outside (within the buffer)
        Point(105.9, 21.1)], crs="EPSG:4326")  # 10 km into Hà Nội: dropped
    subs.to_file(folder / "power_substation_points.geojson", driver="GeoJSON")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("osm")
    return _export(base / "oim"), _admin(base / "vn-admin"), base


def test_small_export_is_imported_with_every_case_counted(small: tuple[Path, Path, Path]) -> None:
    source, admin, base = small
    result = import_osm("bac ninh", base / "plan", source=source, admin=admin)
    counts = result.counts
    assert result.province == "Bắc Ninh" and result.crs_epsg == 9214
    assert counts["lines"]["source"] == 6 and counts["lines"]["taken"] == 5
    assert counts["lines"]["dropped"] == {"outside the province": 1}
    assert counts["lines"]["notes"] == {
        "unknown voltage": 1, "underground": 1, "under construction": 1,
        "several voltage levels": 1, "circuits unknown": 2,
        "levels not used in Vietnam (115 kV)": 1,
        "sub-kV or unreadable voltage parts dropped from the level list": 1}
    assert result.accept_voltages_kv == (115,)
    assert counts["substations"]["taken"] == 2 and counts["plants"]["taken"] == 1
    assert counts["boundary"] == {"province": 1, "neighbours": 1, "communes": 2}
    lines = gpd.read_file(base / "plan" / "lines.gpkg")
    crossing = lines.set_index("id").loc["way/1"]
    assert crossing.geometry.equals(LineString([(105.9, 21.1), (106.1, 21.1)]))  # not cut
    assert crossing["voltage_kv"] == "220;110" and crossing["circuits"] == 2
    assert set(lines["attribution"]) == {ATTRIBUTION}
    plants = gpd.read_file(base / "plan" / "plants.gpkg")
    assert plants["capacity_mw"].tolist() == [49.5]
    with sqlite3.connect(base / "plan" / "lines.gpkg") as db:
        (description,) = db.execute("select description from gpkg_contents").fetchone()
    assert ATTRIBUTION in description
    readme = (base / "plan" / "README.md").read_text(encoding="utf-8")
    assert "- dropped, outside the province: 1" in readme and ATTRIBUTION in readme
    plan = geoplan.load_plan(base / "plan")
    assert len(plan.layers["lines"].frame) == 5 and plan.crs.to_epsg() == 9214
    assert plan.report.errors == []
    with pytest.raises(OutputExistsError, match="--overwrite"):
        import_osm("Bắc Ninh", base / "plan", source=source, admin=admin)


def test_overwrite_replaces_the_folder_whole(small: tuple[Path, Path, Path]) -> None:
    source, admin, base = small
    out = base / "again"
    import_osm("Bắc Ninh", out, source=source, admin=admin)
    (out / "stray.txt").write_text("x")
    import_osm("Bắc Ninh", out, source=source, admin=admin, overwrite=True, buffer_m=0)
    assert not (out / "stray.txt").exists()
    assert json.loads(json.dumps(sorted(p.name for p in out.iterdir()))) == [
        "README.md", "boundary.gpkg", "lines.gpkg", "plan.toml", "plants.gpkg",
        "substations.gpkg"]
    assert not [p for p in base.iterdir() if p.name.startswith(".again")]


def test_bad_sources_are_clean_errors(tmp_path: Path) -> None:
    with pytest.raises(LayerReadError, match="no such file"):
        find_source(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LayerReadError, match="no power line layer"):
        find_source(empty)
    res = CliRunner().invoke(cli, ["import-osm", "--province", "Hải Dương", "-o",
                                   str(tmp_path / "p"), "--source", str(empty)])
    assert res.exit_code == 1 and "part of 'Hải Phòng' since 1 July 2025" in res.output


def test_osm_xml_with_entities_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.osm"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                    '<osm version="0.6"><node id="1" lat="21.1" lon="106.1">'
                    '<tag k="name" v="&b;"/></node></osm>\n', encoding="utf-8")
    with pytest.raises(LayerReadError, match="does not expand XML entities"):
        find_source(bomb)


def test_osm_xml_extract_through_gdal(tmp_path: Path) -> None:
    """A plain .osm extract: a line, a substation drawn as a closed way, a plant node."""
    nodes = [(1, 21.1, 105.9), (2, 21.1, 106.1), (3, 21.10, 106.10), (4, 21.10, 106.101),
             (5, 21.101, 106.101), (6, 21.101, 106.10), (7, 21.05, 106.05)]
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>' for i, lat, lon in nodes[:-1]]
    xml += ['<node id="7" version="1" lat="21.05" lon="106.05"><tag k="power" v="plant"/>'
            '<tag k="plant:source" v="solar"/><tag k="plant:output:electricity" v="35 MW"/>'
            '<tag k="name" v="Điện mặt trời Thử"/></node>',
            '<way id="100" version="1"><nd ref="1"/><nd ref="2"/><tag k="power" v="line"/>'
            '<tag k="voltage" v="220000;110000"/><tag k="cables" v="6"/></way>',
            '<way id="200" version="1"><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/>'
            '<nd ref="3"/><tag k="power" v="substation"/><tag k="voltage" v="110000;22000"/>'
            '<tag k="name" v="TBA 110kV Thử"/></way>', "</osm>"]
    src = tmp_path / "extract.osm"
    src.write_text("\n".join(xml), encoding="utf-8")
    admin = _admin(tmp_path / "vn-admin")
    result = import_osm("Bắc Ninh", tmp_path / "plan", source=src, admin=admin)
    assert result.layers["lines"] == 1 and result.layers["substation_areas"] == 1
    assert result.layers["plants"] == 1
    lines = gpd.read_file(tmp_path / "plan" / "lines.gpkg")
    assert lines.loc[0, "id"] == "way/100" and lines.loc[0, "voltage_kv"] == "220;110"
    assert lines.loc[0, "circuits"] == 2
    areas = gpd.read_file(tmp_path / "plan" / "substation_areas.gpkg")
    assert areas.loc[0, "id"] == "way/200" and areas.loc[0, "voltage_kv"] == "110;22"
    assert areas.geom_type.iloc[0] in ("Polygon", "MultiPolygon")
    plants = gpd.read_file(tmp_path / "plan" / "plants.gpkg")
    assert plants.loc[0, "capacity_mw"] == 35.0 and plants.loc[0, "source"] == "solar"
    assert geoplan.validate_plan(tmp_path / "plan").errors == []


# ------------------------------------------------------------------ the shared real data

#: per-province counts printed by the command, pinned on the June 2025 export
PINNED = {
    "Thanh Hóa": {"lines": (163, 9_860), "substations": 16, "plants": 10,
                  "voltages": {"500": 40, "220": 21, "110": 82, "unknown": 20}},
    "Bắc Ninh": {"lines": (278, 9_745), "substations": 25, "plants": 3,
                 "voltages": {"500": 135, "220": 40, "110": 100, "unknown": 3}},
    "Hồ Chí Minh": {"lines": (1103, None), "substations": 78, "plants": 22,
                    "voltages": {"500": 211, "220": 105, "110": 247, "unknown": 540}},
}


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("province", list(PINNED))
def test_real_province_imports_and_runs_everything(tmp_path: Path, shared_data: Path,
                                                   province: str) -> None:
    out = tmp_path / "plan"
    runner = CliRunner()
    res = runner.invoke(cli, ["import-osm", "--province", province, "-o", str(out), "--source",
                              str(shared_data / "vn-power-osm"), "--admin",
                              str(shared_data / "vn-admin"), "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    pin = PINNED[province]
    taken, outside = pin["lines"]
    assert summary["counts"]["lines"]["source"] == 10_023
    assert summary["counts"]["lines"]["taken"] == taken
    if outside is not None:
        assert summary["counts"]["lines"]["dropped"]["outside the province"] == outside
    assert summary["counts"]["substations"]["taken"] == pin["substations"]
    assert summary["counts"]["plants"]["taken"] == pin["plants"]
    assert summary["voltages_kv"] == pin["voltages"]
    assert summary["counts"]["boundary"]["communes"] == (99 if province == "Bắc Ninh" else 0)
    # no further editing: validate, check, coverage, grid and map run on the folder as written
    res = runner.invoke(cli, ["validate", str(out)])
    assert res.exit_code == 0, res.output
    for command in (["check", str(out)], ["coverage", str(out)], ["grid", str(out)]):
        res = runner.invoke(cli, command)
        assert res.exit_code in (0, 3), (command, res.output)
        assert "Traceback" not in res.output
    html = tmp_path / "map.html"
    res = runner.invoke(cli, ["map", str(out), "-o", str(html), "--offline"])
    assert res.exit_code == 0, res.output
    text = html.read_text(encoding="utf-8")
    assert "OpenStreetMap contributors (ODbL)" in text


def test_the_import_reports_its_stages(small: tuple[Path, Path, Path]) -> None:
    source, admin, base = small
    with listening(Recorder()) as heard:
        import_osm("Bắc Ninh", base / "staged", source=source, admin=admin)
    assert heard.names() == ["boundaries", "filter", "write"]
    assert ("start", "filter", 3) in heard.events
    steps = {name: [item for event, n, item in heard.events if event == "advance" and n == name]
             for name in heard.names()}
    assert steps == {"boundaries": ["Bắc Ninh", "communes"],
                     "filter": ["lines", "substations", "plants"],
                     "write": ["boundary", "lines", "substations", "plants",
                               "plan.toml, README.md"]}
    assert [name for event, name, _ in heard.events if event == "end"] == heard.names()


def test_import_osm_draws_bars_only_on_a_terminal_without_q(
        small: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    source, admin, base = small
    args = ["import-osm", "--province", "Bắc Ninh", "--source", str(source), "--admin",
            str(admin), "-o", str(base / "cli-staged"), "--overwrite", "--format", "json"]
    forced = assert_progress_rules(monkeypatch, args, (
        "Ranh giới hành chính", "Đọc và lọc theo tỉnh", "Ghi thư mục phương án"))
    assert json.loads(forced.stdout)["province"] == "Bắc Ninh"
    assert "3/3" in forced.stderr
