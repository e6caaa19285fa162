"""The `geoplan grid` and `geoplan pdp8` commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from geoplan.cli import cli

SAMPLE_LIST = Path(__file__).parent / "data" / "pdp8" / "sample_national.csv"


def test_grid_table_exit_3_and_graph(tmp_path: Path, sample_plan_path: Path) -> None:
    out = tmp_path / "graph.geojson"
    vi = CliRunner().invoke(cli, ["grid", str(sample_plan_path)])
    assert vi.exit_code == 3, vi.output
    assert vi.stdout.startswith("Lưới điện: 27 nút, 24 cạnh đường dây, 2 phần liên thông")
    assert "\nCác phần liên thông (2)\n" in vi.stdout and "\nPhát hiện (13)\n" in vi.stdout
    assert "theo quy hoạch đến hết năm 2030" in vi.stdout
    assert vi.stderr.startswith("grid: 2 lỗi, 0 cảnh báo, 11 ghi chú")
    res = CliRunner().invoke(cli, ["grid", str(sample_plan_path), "-o", str(out),
                                   "--lang", "en"])
    assert res.exit_code == 3, res.output  # the planted dangling line and unfed substation
    assert res.stdout.startswith("Grid: 27 nodes, 24 line edges, 2 connected part(s)")
    assert "ERROR   grid-dangling         lines:DZ-110-17" in res.stdout
    assert "ERROR   grid-unfed            substations:TBA-110-13" in res.stdout
    assert "as planned by the end of 2030" in res.stdout
    assert "grid: 2 error(s), 0 warning(s), 11 note(s); graph written to" in res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    nodes = [f for f in data["features"] if f["properties"]["element"] == "node"]
    assert {"degree", "component", "voltage_kv"} <= set(nodes[0]["properties"])
    res = CliRunner().invoke(cli, ["grid", str(sample_plan_path), "-o", str(out)])
    assert res.exit_code == 1 and "--overwrite" in res.stderr


def test_grid_json(sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["grid", str(sample_plan_path), "--format", "json"])
    assert res.exit_code == 3
    data = json.loads(res.stdout)
    assert data["summary"]["dangling_ends"] == 1
    tables = data["tables"]
    assert len(tables["nodes"]) == 27 and len(tables["edges"]) == 24 + 4  # + 4 transformers
    assert {e["voltage_kv"] for e in tables["edges"] if e["kind"] == "line"} == {500, 220, 110}
    assert sorted((f["rule"], f["feature_id"]) for f in data["findings"]
                  if f["severity"] == "error") == [("grid-dangling", "DZ-110-17"),
                                                   ("grid-unfed", "TBA-110-13")]


def test_grid_bad_settings_are_an_input_error(tmp_path: Path, sample_plan_path: Path) -> None:
    text = (sample_plan_path / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{sample_plan_path.as_posix()}/')
    (tmp_path / "plan.toml").write_text(text + "\n[grid]\ntolerance_m = \"fifty\"\n",
                                        encoding="utf-8")
    res = CliRunner().invoke(cli, ["grid", str(tmp_path)])
    assert res.exit_code == 1
    assert "tolerance_m = 'fifty': write a number of metres" in res.stderr
    assert "Traceback" not in res.output


def test_pdp8_table_json_and_output(tmp_path: Path, sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(SAMPLE_LIST)])
    assert res.exit_code == 0, res.output
    assert "pdp8: 6 có ở cả hai, 3 chỉ có trong danh mục quốc gia, 4 chỉ có trong phương án; " \
           "5 dự án quốc gia thuộc tỉnh khác" in res.stderr
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(SAMPLE_LIST),
                                   "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "pdp8: 6 in both, 3 in the national list only, 4 in the plan only; 5 national " \
           "project(s) concern other provinces" in res.stderr
    assert "Hòa Tiếng" in res.stdout and "94.10" in res.stdout
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(SAMPLE_LIST),
                                   "--format", "json", "--min-score", "95",
                                   "-o", str(tmp_path / "pdp8.xlsx")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["counts"] == {"both": 5, "national only": 3, "plan only": 5, "elsewhere": 6}
    assert (tmp_path / "pdp8.xlsx").stat().st_size > 0


def test_pdp8_usage_and_input_errors(tmp_path: Path, sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path)])
    assert res.exit_code == 2 and "Missing option '--list'" in res.output
    bad = tmp_path / "list.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(bad)])
    assert res.exit_code == 1 and "no header row found" in res.stderr
    assert "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["pdp8", str(sample_plan_path), "--list", str(SAMPLE_LIST),
                                   "-o", str(tmp_path / "x.txt")])
    assert res.exit_code == 1 and "written as .csv, .xlsx or .json" in res.stderr
