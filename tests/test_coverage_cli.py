"""``geoplan coverage`` (issue 4): exit codes, table and JSON output, RFC 7946 GeoJSON."""

from __future__ import annotations

import json

import pytest
from builders.coverage import frame, point, small_province, square, write_plan
from click.testing import CliRunner

from geoplan.cli import cli


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    return write_plan(tmp_path_factory.mktemp("cov") / "plan", small_province())


def run(*args: str):
    return CliRunner().invoke(cli, ["coverage", *map(str, args)])


def test_table_output_and_exit_3_on_gaps_and_overload(plan_file):
    res = run(plan_file, "--site", "1", "--lang", "en")
    assert res.exit_code == 3, res.output
    out = res.stdout
    assert "clusters covered     3 / 5 (60.0 %" in out
    assert "Findings (3)" in out and "coverage-gap" in out and "substation-overload" in out
    assert "Proposed sites (1)" in out and "NEW-1" in out
    assert "coverage: 3 error(s), 0 warning(s)" in res.stderr
    assert "Traceback" not in res.output


def test_table_output_is_vietnamese_by_default(plan_file):
    res = run(plan_file, "--site", "1")
    assert res.exit_code == 3, res.output
    out = res.stdout
    assert out.startswith("Phạm vi cấp điện (bán kính phục vụ cấp 110 kV 10 km, "
                          "trạm gần nhất trong bán kính)")
    assert "cụm công nghiệp được cấp  3 / 5 (60,0 %" in out
    assert "Phát hiện (3)" in out and "Vị trí đề xuất (1)" in out
    assert "Không có trạm 110 kV" in out or "không có trạm 110 kV" in out  # the finding, in vi
    assert "coverage: 3 lỗi, 0 cảnh báo" in res.stderr
    assert "clusters covered" not in out and "error(s)" not in res.stderr


def test_json_output_is_parseable_with_every_table(plan_file):
    res = run(plan_file, "--format", "json", "--capacitated")
    assert res.exit_code == 3
    data = json.loads(res.stdout)
    assert set(data) == {"summary", "findings", "tables"}
    assert set(data["tables"]) == {"features", "substations", "service_areas", "gaps", "sites"}
    assert "settings" in data["summary"]
    assert data["summary"]["substations_overloaded"] == 0  # the capacitated model moved load
    assert data["summary"]["settings"]["radius_km"] == {"500": 100.0, "220": 35.0, "110": 10.0}
    feats = {f["feature_id"]: f for f in data["tables"]["features"]}
    assert feats["C3"]["covered"] is False and feats["C3"]["substation_id"] == "T2"
    assert [f["rule"] for f in data["findings"]] == ["coverage-gap", "coverage-gap"]
    # NaN is written as null, never as a bare NaN
    assert "NaN" not in res.stdout


def test_geojson_output_is_rfc7946(plan_file, tmp_path):
    out = tmp_path / "coverage.geojson"
    res = run(plan_file, "--site", "1", "-o", out)
    assert res.exit_code == 3
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    outputs = {f["properties"]["output"] for f in data["features"]}
    assert outputs == {"features", "substations", "service_areas", "gaps", "sites", "findings"}
    site = next(f for f in data["features"] if f["properties"]["output"] == "sites")
    lon, lat = site["geometry"]["coordinates"]
    assert 105.5 < lon < 106.8 and 20.5 < lat < 21.5  # Bắc Ninh area, lon/lat order
    assert "feature_id" not in site["properties"]  # each output keeps only its own columns
    again = run(plan_file, "-o", out)
    assert again.exit_code == 1 and "đã tồn tại; thêm --overwrite" in again.stderr
    assert run(plan_file, "-o", out, "--overwrite").exit_code == 3


def test_exit_0_when_everything_is_served(tmp_path):
    layers = {
        "subs": ("substation", frame([{"id": "S", "voltage_kv": 110, "capacity_mva": 63.0,
                                       "status": "existing", "geometry": point(0, 0)}])),
        "ccn": ("industrial_cluster", frame([{"id": "C", "status": "planned", "area_ha": 20.0,
                                              "geometry": square(1_000, 0)}])),
    }
    res = run(write_plan(tmp_path / "ok", layers))
    assert res.exit_code == 0, res.output
    assert "Phát hiện (0)\nKhông có phát hiện nào." in res.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--site", "-1"], 2, "Invalid value for '--site'"),
        (["-o", "out.txt"], 1, "coverage outputs are written as GeoJSON"),
    ],
)
def test_usage_and_input_errors(plan_file, tmp_path, args, code, message):
    args = [str(tmp_path / a) if a.endswith(".txt") else a for a in args]
    res = run(plan_file, *args)
    assert res.exit_code == code
    assert message in res.stderr and "Traceback" not in res.output


def test_a_bad_coverage_setting_is_an_input_error(tmp_path):
    plan = write_plan(tmp_path / "bad", small_province(), coverage="power_factor = 1.5")
    res = run(plan)
    assert res.exit_code == 1
    assert "[coverage] power_factor = 1.5: must be a number in (0, 1]" in res.stderr
