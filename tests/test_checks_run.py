"""run_checks on loaded plans (the sample province, the workload) and the `geoplan check` CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from builders.plans import X0, Y0, PlanBuilder, ha_square
from click.testing import CliRunner

from geoplan.checks import run_checks
from geoplan.cli import cli
from geoplan.errors import PlanError
from geoplan.findings import FINDING_COLUMNS
from geoplan.pipeline import load_plan

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

# The sample's planted problems (layers/sample/README.md) for the rules of issue 3.
PLANTED = {
    ("overlap", "CCN-08", "CCN-09"): ("error", 4.72, "ha"),
    ("overlap", "CCN-18", "VHC-01"): ("error", 3.87, "ha"),
    ("corridor", "CCN-28", "DZ-220-03"): ("warning", 678 * 2 * 13 / 10_000, "ha"),
    ("corridor", "TM-089", "DZ-220-01"): ("warning", 4.0, "m"),
    # planned 9 ha: its dossier was filed on 10/09/2026, so the old 10 ha minimum applies
    ("cluster-size", "CCN-25", None): ("error", 9.0, "ha"),
    # the buried 110 kV cable: no corridor distance from a text that was read (N)
    ("corridor", "DZ-110-06", None): ("info", 110.0, "kV"),
    ("cluster-size", "CCN-17", None): ("warning", (48.0 - 41.0) / 41.0 * 100, "%"),
    ("park-phasing", "KCN-03", None): ("error", 505.0, "ha"),
    ("trade-class", "TM-007", None): ("error", 140.0, "business points"),
}


def test_the_sample_gives_exactly_its_planted_problems(sample_plan: Any) -> None:
    found = run_checks(sample_plan)
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert found.crs.equals(sample_plan.crs)
    got = {(r.rule, r.feature_id, r.other_id): r for r in found.itertuples()}
    assert set(got) == set(PLANTED)
    for key, (severity, value, unit) in PLANTED.items():
        r = got[key]
        assert (r.severity, r.unit) == (severity, unit), key
        assert r.value == pytest.approx(value, rel=0.01), key
        assert r.message_en and r.reference_en, key
        assert r.geometry is not None and not r.geometry.is_empty, key


def test_only_runs_the_rules_asked(sample_plan: Any) -> None:
    found = run_checks(sample_plan, only=["overlap", "trade-class"])
    assert set(found["rule"]) == {"overlap", "trade-class"}
    with pytest.raises(PlanError, match="unknown rule 'overlaps'; valid rules: overlap, corridor"):
        run_checks(sample_plan, only=["overlaps"])


def test_small_workload_runs_every_rule(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        from workload import make_workload
    finally:
        sys.path.remove(str(SCRIPTS))
    plan = load_plan(make_workload(tmp_path / "wl", scale=0.05))
    found = run_checks(plan)
    rules = set(found["rule"])
    assert {"overlap", "corridor", "cluster-size", "cluster-expansion", "trade-class"} <= rules
    # no boundary in the workload: said once, not silently skipped
    assert found[found["rule"] == "outside-boundary"]["severity"].tolist() == ["info"]
    # lines of unknown voltage and buried cables without a corridor distance are reported,
    # never dropped
    lines = plan.frame("grid_line")
    unknown = set(lines.loc[lines["voltage_kv"].isna()
                            | (lines["location"] == "underground"), "id"])
    infos = found[(found["rule"] == "corridor") & (found["severity"] == "info")]
    assert set(infos["feature_id"]) == unknown


def _plan_with_rules(tmp_path: Path, rules: str) -> Path:
    import geopandas as gpd

    b = PlanBuilder(tmp_path / "plan")
    b.add_boundary()
    frame = gpd.GeoDataFrame(
        {"id": ["C1", "C2"], "name": ["Cụm A", "Cụm B"], "status": ["planned", "planned"],
         "area_ha": [9.0, 30.0]},
        geometry=[ha_square(X0 + 3000, Y0 + 3000, 9.0), ha_square(X0 + 8000, Y0 + 3000, 30.0)],
        crs="EPSG:9209")
    b.add("clusters", "industrial_cluster", frame)
    b.extra = rules
    return b.write()


def test_plan_rules_table_is_applied_and_cited(tmp_path: Path) -> None:
    path = _plan_with_rules(tmp_path, "\n[rules]\ncluster_min_ha = 8.5\n")
    plan = load_plan(path)
    assert run_checks(plan, only="cluster-size", as_of="2026-09-01").empty
    path = _plan_with_rules(tmp_path, "\n[rules]\ncluster_min_ha = 9.5\n")
    found = run_checks(load_plan(path), only="cluster-size", as_of="2026-09-01")
    assert found["reference_en"].tolist() == [
        "plan override (was 10 ha: Decree 32/2024/ND-CP art. 2 cl. 1, in force from 1 May 2024 "
        "to 14 Sep 2026 [C])"]
    # the override stands whatever the day
    found = run_checks(load_plan(path), only="cluster-size", as_of="2026-12-02")
    assert found["reference_vi"].tolist() == [
        "giá trị do phương án đặt (thay cho 5 ha: Nghị định số 32/2024/NĐ-CP, khoản 1 Điều 2 "
        "(sửa đổi bởi khoản … Điều 1 Nghị định số 303/2026/NĐ-CP), áp dụng từ 15/09/2026 [S])"]


def test_unknown_rules_key_fails_at_load(tmp_path: Path) -> None:
    path = _plan_with_rules(tmp_path, "\n[rules]\ncluster_minimum = 8\n")
    with pytest.raises(PlanError, match=r"\[rules\].*unknown key 'cluster_minimum' \(did you "
                                        r"mean 'cluster_min_ha'\?\); valid keys:"):
        load_plan(path)


# ------------------------------------------------------------------------------------- CLI


def test_cli_table_exit_3_and_geojson(tmp_path: Path, sample_plan_path: Path) -> None:
    out = tmp_path / "findings.geojson"
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "-o", str(out),
                                   "--as-of", "2026-12-02"])
    assert res.exit_code == 3, res.output
    assert "ERROR   overlap           clusters:CCN-08 ↔ clusters:CCN-09  4.72 ha" in res.stdout
    assert "[Nghị định số 35/2022/NĐ-CP, Điều 9, áp dụng từ 15/07/2022 [C]]" in res.stdout
    # 5 errors + 3 warnings + 1 note of the plan rules, plus the grid audit: the planted
    # dangling line and unfed substation (errors) and 11 notes (N-1 single supply,
    # interconnections)
    assert ("kiểm tra: 7 lỗi, 3 cảnh báo, 12 ghi chú; đã ghi vào" in res.stderr)
    assert "xét theo quy định áp dụng ngày 02/12/2026 (bảng quy tắc" in res.stderr
    en = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--lang", "en"])
    assert "[Decree 35/2022/ND-CP art. 9, in force from 15 Jul 2022 [C]]" in en.stdout
    assert "check: 7 error(s), 3 warning(s), 12 note(s); judged on the rules in force on" \
        in en.stderr
    assert "ERROR   grid-dangling     lines:DZ-110-17" in res.stdout
    assert "ERROR   grid-unfed        substations:TBA-110-13" in res.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert len(data["features"]) == 22
    props = data["features"][0]["properties"]
    assert set(props) == set(FINDING_COLUMNS) - {"geometry"}
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 105.7 < lon < 106.5 and 20.9 < lat < 21.5  # WGS 84, lon/lat order


def test_cli_json_only_and_exit_0(sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--format", "json",
                                   "--only", "corridor", "--only", "cluster-expansion"])
    assert res.exit_code == 0, res.output  # corridor findings here are warnings only
    data = json.loads(res.stdout)
    assert set(data) == {"summary", "findings", "tables"}
    counts = data["summary"]["findings"]
    assert {k: counts[k] for k in ("error", "warning", "info")} == {"error": 0, "warning": 2,
                                                                    "info": 1}
    assert {f["rule"] for f in data["findings"]} == {"corridor"}
    assert {f["other_id"] for f in data["findings"]} == {"DZ-220-03", "DZ-220-01", None}
    cable = next(f for f in data["findings"] if f["other_id"] is None)
    assert cable["message"] == cable["message_vi"] and cable["message_en"].startswith(
        "Line DZ-110-06")


def test_cli_usage_and_input_errors(tmp_path: Path, sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--only", "overlaps"])
    assert res.exit_code == 2 and "'overlaps' is not one of" in res.output
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "-o",
                                   str(tmp_path / "f.shp")])
    assert res.exit_code == 1 and "name the file *.geojson" in res.stderr
    out = tmp_path / "f.geojson"
    out.write_text("{}")
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "-o", str(out)])
    assert res.exit_code == 1 and "--overwrite" in res.stderr and out.read_text() == "{}"
    path = _plan_with_rules(tmp_path, "\n[rules]\ncluster_min_ha = 'ten'\n")
    res = CliRunner().invoke(cli, ["check", str(path)])
    assert res.exit_code == 1
    assert "cluster_min_ha must be a number (ha), got 'ten'" in res.stderr
    assert "Traceback" not in res.output


def test_cli_only_grid_rule(sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--only", "grid-dangling",
                                   "--format", "json"])
    assert res.exit_code == 3, res.output
    rows = json.loads(res.stdout)["findings"]
    assert [(r["rule"], r["feature_id"]) for r in rows] == [("grid-dangling", "DZ-110-17")]
