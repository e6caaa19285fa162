"""Every bad input of the foundation issue, through `geoplan validate`: a message, never a
traceback, exit code 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from builders.plans import X0, Y0, ZONE, PlanBuilder, clusters, points
from click.testing import CliRunner
from shapely.geometry import LineString, Polygon

from geoplan import crs as gcrs
from geoplan.cli import cli


def _missing_crs(b: PlanBuilder) -> None:
    clusters().set_crs(None, allow_override=True).to_file(b.folder / "ccn.shp")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp"}


def _unknown_crs(b: PlanBuilder) -> None:
    _missing_crs(b)
    b.layers["ccn"]["crs"] = "EPSG:999999"


def _crs_conflict(b: PlanBuilder) -> None:
    b.add("ccn", "industrial_cluster", clusters(), crs="EPSG:5897")


def _geometry_type(b: PlanBuilder) -> None:
    frame = gpd.GeoDataFrame({"id": ["L1"], "status": ["planned"]},
                             geometry=[LineString([(X0, Y0), (X0 + 9, Y0 + 9)])], crs=ZONE)
    b.add("ccn", "industrial_cluster", frame)


def _bow_tie(b: PlanBuilder) -> None:
    bow = Polygon([(X0, Y0), (X0 + 400, Y0 + 400), (X0 + 400, Y0), (X0, Y0 + 400)])
    b.add("ccn", "industrial_cluster",
          gpd.GeoDataFrame({"id": ["B"], "status": ["planned"]}, geometry=[bow], crs=ZONE))


def _empty_geometry(b: PlanBuilder) -> None:
    b.add("ccn", "industrial_cluster",
          gpd.GeoDataFrame({"id": ["E", "N"], "status": ["planned"] * 2},
                           geometry=[shapely.Polygon(), None], crs=ZONE))


def _missing_field(b: PlanBuilder) -> None:
    b.add("ccn", "industrial_cluster", clusters().drop(columns=["trang_thai"]))


def _unknown_voltage(b: PlanBuilder) -> None:
    line = LineString([(X0 + 100, Y0 + 100), (X0 + 5000, Y0 + 5000)])
    b.add("grid", "grid_line", gpd.GeoDataFrame(
        {"id": ["L1"], "voltage_kv": ["380 kV"], "status": ["existing"]}, geometry=[line],
        crs=ZONE))


def _duplicate_ids(b: PlanBuilder) -> None:
    frame = clusters()
    frame.loc[2, "id"] = "C1"
    b.add("ccn", "industrial_cluster", frame)


def _xy_swapped(b: PlanBuilder) -> None:
    b.add_boundary()
    pd.DataFrame({"id": ["T1", "T2"], "type": ["chợ"] * 2, "status": ["existing"] * 2,
                  "X": [Y0 + 3000, Y0 + 8000], "Y": [X0 + 2000, X0 + 5000]}
                 ).to_csv(b.folder / "trade.csv", index=False)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "X",
                         "y_field": "Y", "crs": ZONE}


def _latlon_order(b: PlanBuilder) -> None:
    lon, lat = gcrs.transform_points(np.array([X0 + 5000]), np.array([Y0 + 5000]), ZONE,
                                     "EPSG:4326")
    b.add("trade", "trade_facility", points(list(lat), list(lon), "EPSG:4326", id=["P1"],
                                            type=["chợ"], status=["existing"]),
          filename="trade.geojson")


def _metres_as_degrees(b: PlanBuilder) -> None:
    _xy_swapped(b)
    b.layers["trade"].update({"x_field": "Y", "y_field": "X", "crs": "EPSG:4326"})


def _wrong_zone(b: PlanBuilder) -> None:
    b.add_boundary()
    b.add("ccn", "industrial_cluster", clusters().set_crs("EPSG:9214", allow_override=True))


def _not_utf8(b: PlanBuilder) -> None:
    # Latin-1 text that is no legacy Vietnamese (which would be detected and converted)
    table = pd.DataFrame({"id": ["T1"], "ten": ["Crème brûlée"], "type": ["market"],
                          "status": ["existing"], "lon": [106.05], "lat": [21.18]})
    (b.folder / "trade.csv").write_bytes(table.to_csv(index=False).encode("latin-1"))
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326"}


def _wrong_file(b: PlanBuilder) -> None:
    (b.folder / "ccn.geojson").write_bytes(b"\x89PNG\r\n\x1a\n not a geojson")
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.geojson"}


def _missing_file(b: PlanBuilder) -> None:
    b.layers["gone"] = {"kind": "substation", "path": "nowhere.gpkg"}


def _unknown_key(b: PlanBuilder) -> None:
    b.add("ccn", "industrial_cluster", clusters(), colour="red")


SCENARIOS: dict[str, tuple[Callable[[PlanBuilder], None], str]] = {
    "missing CRS": (_missing_crs, r"missing-crs.*ccn\.shp.*Fix: add crs = "),
    "unknown CRS": (_unknown_crs, r"EPSG:999999"),
    "CRS conflict": (_crs_conflict, r"crs-conflict.*declares EPSG:9209.*plan says EPSG:5897"),
    "geometry type": (_geometry_type, r"geometry-type.*feature L1.*LineString is not allowed"),
    "invalid geometry": (_bow_tie, r"invalid-geometry.*feature B.*Self-intersection"),
    "empty geometry": (_empty_geometry, r"(empty|null)-geometry"),
    "missing field": (_missing_field, r"missing-field.*field 'status'"),
    "unknown voltage": (_unknown_voltage, r"bad-value.*feature L1.*380 kV is not a voltage"),
    "duplicate ids": (_duplicate_ids, r"duplicate-id.*feature C1"),
    "X/Y swapped": (_xy_swapped, r"xy-swapped"),
    "lat/lon order": (_latlon_order, r"latlon-order"),
    "metres as degrees": (_metres_as_degrees, r"metres-as-degrees.*EPSG:9209"),
    "wrong TM-3 zone": (_wrong_zone, r"wrong-zone.*EPSG:9209"),
    "not UTF-8": (_not_utf8, r"trade\.csv: text is not valid UTF-8"),
    "wrong file": (_wrong_file, r"ccn\.geojson: not a readable vector file"),
    "missing file": (_missing_file, r"nowhere\.gpkg: file not found"),
    "unknown plan key": (_unknown_key, r"unknown key 'colour' in \[layers\.ccn\]"),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_bad_input_is_a_message_not_a_traceback(tmp_path: Path, name: str) -> None:
    build, pattern = SCENARIOS[name]
    b = PlanBuilder(tmp_path)
    build(b)
    b.write()
    result = CliRunner().invoke(cli, ["validate", "--lang", "en", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    import re

    assert re.search(pattern, result.output, re.S), result.output


#: The same problems as a planner reads them by default: in Vietnamese, the codes unchanged.
SCENARIOS_VI: dict[str, tuple[Callable[[PlanBuilder], None], str]] = {
    "missing CRS": (_missing_crs, r"LỖI +missing-crs: .*ccn\.shp \[lớp ccn\]: lớp không có hệ "
                    r"tọa độ và phương án cũng không khai báo\..*Sửa: thêm crs = "),
    "CRS conflict": (_crs_conflict, r"crs-conflict.*tệp khai báo hệ tọa độ EPSG:9209.*phương án "
                     r"ghi EPSG:5897"),
    "geometry type": (_geometry_type, r"geometry-type.*đối tượng L1: lớp cụm công nghiệp "
                      r"\(industrial_cluster\) không nhận hình học LineString \(chỉ nhận: vùng\)"),
    "invalid geometry": (_bow_tie, r"invalid-geometry.*đối tượng B: hình học không hợp lệ "
                         r"\(Self-intersection"),
    "missing field": (_missing_field, r"missing-field.*trường 'status': không tìm thấy trường "
                      r"bắt buộc 'status'"),
    "unknown voltage": (_unknown_voltage, r"bad-value.*đối tượng L1.*'380 kV': không phải cấp "
                        r"điện áp dùng ở Việt Nam; .*các cấp được chấp nhận \(kV\): 1000, 765, "
                        r"500, 220, 110"),
    "duplicate ids": (_duplicate_ids, r"duplicate-id.*đối tượng C1.*nhiều đối tượng dùng cùng "
                      r"một mã\. Sửa: đặt mã không trùng nhau trong lớp"),
    "wrong TM-3 zone": (_wrong_zone, r"wrong-zone.*múi chiếu TM-3 khác: đọc theo EPSG:9209.*"
                        r"Sửa: khai báo hệ tọa độ của lớp là EPSG:9209"),
}


@pytest.mark.parametrize("name", list(SCENARIOS_VI))
def test_problems_are_printed_in_vietnamese_by_default(tmp_path: Path, name: str) -> None:
    import re

    build, pattern = SCENARIOS_VI[name]
    b = PlanBuilder(tmp_path)
    build(b)
    b.write()
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert re.search(pattern, result.output, re.S), result.output
    assert re.search(r"phương án có lỗi: \d+ lỗi, \d+ cảnh báo, \d+ ghi chú", result.output)
    assert "Fix:" not in result.output and "ERROR" not in result.output


def test_json_records_carry_both_languages(tmp_path: Path) -> None:
    import json

    b = PlanBuilder(tmp_path)
    _duplicate_ids(b)
    b.write()
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    (dup,) = [r for r in records if r["code"] == "duplicate-id"]
    assert dup["message"] == "nhiều đối tượng dùng cùng một mã"
    assert dup["message_en"] == "the same id is used by more than one feature"
    assert (dup["fix"], dup["fix_en"]) == ("đặt mã không trùng nhau trong lớp",
                                           "make ids unique within the layer")
    assert "phương án có lỗi: 1 lỗi" in result.stderr


@pytest.mark.parametrize(("lang", "line", "verdict"), [
    (None, "đối tượng C1 trường 'id': nhiều đối tượng dùng cùng một mã", "Lỗi: phương án có lỗi"),
    ("en", "feature C1 field 'id': the same id is used by more than one feature",
     "Error: the plan has errors"),
])
def test_a_command_on_a_plan_that_does_not_load_prints_its_problems_in_its_language(
        tmp_path: Path, lang: str | None, line: str, verdict: str) -> None:
    b = PlanBuilder(tmp_path)
    _duplicate_ids(b)
    b.write()
    result = CliRunner().invoke(cli, ["check", *(["--lang", lang] if lang else []),
                                      str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert line in result.stderr and verdict in result.stderr
