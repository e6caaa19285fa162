"""Coordinate columns of a table are found like GDAL, QGIS and pandas users expect -- for WGS 84
degrees only, with a note saying which columns were used; VN-2000 metres are never guessed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import geoplan
from geoplan.cli import cli
from geoplan.load.columns import coordinate_candidates

ROWS = {"id": ["TBA-1", "TBA-2"], "name": ["Quế Võ", "Yên Phong"], "voltage_kv": [110, 110],
        "status": ["existing", "planned"]}
LON, LAT = [106.15, 105.95], [21.15, 21.20]


def _plan(folder: Path, filename: str, extra: str = "") -> Path:
    (folder / "plan.toml").write_text(f"""[plan]
name = "Trạm biến áp"

[layers.subs]
kind = "substation"
path = "{filename}"
{extra}""", encoding="utf-8")
    return folder / "plan.toml"


@pytest.mark.parametrize(("x", "y"), [("lon", "lat"), ("lng", "lat"), ("Longitude", "Latitude"),
                                      ("LON", "LAT"), ("Kinh độ", "Vĩ độ"),
                                      ("kinh_do", "vi_do"), ("x", "y"), ("X", "Y")])
def test_wgs84_columns_are_found_with_a_note(tmp_path: Path, x: str, y: str) -> None:
    pd.DataFrame({**ROWS, x: LON, y: LAT}).to_csv(tmp_path / "subs.csv", index=False)
    plan = geoplan.load_plan(_plan(tmp_path, "subs.csv"))
    frame = plan.layers["subs"].frame
    assert plan.layers["subs"].source_crs.to_epsg() == 4326
    back = geoplan.crs.to_wgs84(frame)
    assert back.geometry.x.round(6).tolist() == LON and back.geometry.y.round(6).tolist() == LAT
    (note,) = [p for p in plan.report.problems if p.code == "coordinate-columns"]
    assert note.severity == "info" and note.layer == "subs"
    assert f"column {x!r} (longitude) and {y!r} (latitude) as WGS 84 degrees" in note.message_en
    assert "set x_field and y_field in [layers.subs]" in note.fix_en


def test_excel_tables_too(tmp_path: Path) -> None:
    pd.DataFrame({**ROWS, "Kinh độ": LON, "Vĩ độ": LAT}).to_excel(tmp_path / "subs.xlsx",
                                                                   index=False)
    plan = geoplan.load_plan(_plan(tmp_path, "subs.xlsx"))
    assert len(plan.layers["subs"].frame) == 2
    assert "coordinate-columns" in plan.report.codes()


def test_vn2000_metre_columns_are_never_guessed(tmp_path: Path) -> None:
    # X is the northing in Vietnamese documents: a guess would swap the axes
    pd.DataFrame({**ROWS, "X": [2_340_000.0, 2_345_000.0], "Y": [560_000.0, 565_000.0]}).to_csv(
        tmp_path / "subs.csv", index=False)
    report = geoplan.validate_plan(_plan(tmp_path, "subs.csv"))
    (p,) = report.errors
    assert p.code == "unreadable" and "geoplan does not guess" in p.message_en
    assert "do not hold WGS 84 degrees inside Vietnam" in p.message_en
    assert 'x_field = "Y", y_field = "X"' in p.message_en
    assert "không chứa độ WGS 84 trong lãnh thổ Việt Nam" in p.message
    assert "geoplan không đoán. Sửa: khai báo các cột tọa độ trong [layers.subs]" in p.message
    assert 'x_field = "Y", y_field = "X", vì văn bản Việt Nam gọi tọa độ hướng bắc là X' \
        in p.message


def test_swapped_degrees_are_not_guessed_either(tmp_path: Path) -> None:
    pd.DataFrame({**ROWS, "lon": LAT, "lat": LON}).to_csv(tmp_path / "subs.csv", index=False)
    (p,) = geoplan.validate_plan(_plan(tmp_path, "subs.csv")).errors
    assert ("columns 'lon' and 'lat' look like longitude and latitude but do not hold"
            in p.message_en)


def test_a_projected_crs_in_the_plan_stops_the_search(tmp_path: Path) -> None:
    pd.DataFrame({**ROWS, "x": LON, "y": LAT}).to_csv(tmp_path / "subs.csv", index=False)
    (p,) = geoplan.validate_plan(_plan(tmp_path, "subs.csv", 'crs = "EPSG:9209"\n')).errors
    assert "the plan declares a projected CRS, and metre columns are never guessed" in p.message_en
    assert "phương án khai báo hệ tọa độ phẳng (mét)" in p.message


def test_a_table_without_coordinate_columns_says_what_to_do(tmp_path: Path) -> None:
    pd.DataFrame({**ROWS, "dong": LON, "bac": LAT}).to_csv(tmp_path / "subs.csv", index=False)
    res = CliRunner().invoke(cli, ["validate", "--lang", "en", str(_plan(tmp_path, "subs.csv"))])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "no longitude/latitude columns" in res.output and "x_field" in res.output
    res = CliRunner().invoke(cli, ["validate", str(_plan(tmp_path, "subs.csv"))])
    assert res.exit_code == 1
    assert "không đọc được tệp: " in res.output and "không tìm thấy cột kinh độ/vĩ độ" in res.output


def test_named_columns_still_win(tmp_path: Path) -> None:
    pd.DataFrame({**ROWS, "lon": [0.0, 0.0], "lat": [0.0, 0.0], "kd": LON, "vd": LAT}).to_csv(
        tmp_path / "subs.csv", index=False)
    plan = geoplan.load_plan(_plan(tmp_path, "subs.csv",
                                   'x_field = "kd"\ny_field = "vd"\ncrs = "EPSG:4326"\n'))
    assert "coordinate-columns" not in plan.report.codes()
    assert geoplan.crs.to_wgs84(plan.layers["subs"].frame).geometry.x.round(6).tolist() == LON


def test_candidates_pair_names_of_one_family() -> None:
    mixed = coordinate_candidates(["x", "lat", "y"])
    assert mixed is not None and (mixed.x_field, mixed.y_field) == ("x", "y")
    found = coordinate_candidates(["lon", "lat", "x", "y"])
    assert found is not None and (found.x_field, found.y_field) == ("lon", "lat")
    assert coordinate_candidates(["easting", "northing"]) is None
