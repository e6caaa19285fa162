"""One analysis, computed once: the grid is built once, the coverage uses its inferred voltages,
and every delivery (map, exports, report, demo) shows the same findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from builders.osm import osm_province_plan

import geoplan
from geoplan import analysis as analysis_module
from geoplan import pipeline
from geoplan.crs import to_wgs84
from geoplan.results import Result

SAMPLE_CHECK = (7, 3, 12)      # errors, warnings, notes of `geoplan check` on the sample
SAMPLE_ALL = (9, 3, 12)        # with the coverage findings (what `geoplan demo` reports)


def _counts(findings: Any) -> tuple[int, int, int]:
    s = findings["severity"]
    return int((s == "error").sum()), int((s == "warning").sum()), int((s == "info").sum())


@pytest.fixture(scope="module")
def sample_analysis(sample_plan: geoplan.Plan) -> geoplan.Analysis:
    return geoplan.analyse(sample_plan, site=1)


def test_analysis_holds_each_part_once(sample_analysis: geoplan.Analysis) -> None:
    a = sample_analysis
    assert a.checks is not None and a.grid is not None and a.coverage is not None
    assert _counts(a.check_findings) == SAMPLE_CHECK
    assert _counts(a.findings) == SAMPLE_ALL
    key = a.findings[["rule", "layer", "feature_id", "other_id", "message"]].astype(str)
    assert not key.duplicated().any()
    # the grid audit's findings are part of the checks, once
    grid_rules = set(a.grid.findings["rule"])
    assert grid_rules and grid_rules <= set(a.check_findings["rule"])
    assert a.notes == ()


@pytest.mark.parametrize("part", ["checks", "grid", "coverage"])
def test_every_result_follows_one_protocol(sample_analysis: geoplan.Analysis, part: str) -> None:
    result = getattr(sample_analysis, part)
    assert isinstance(result, Result)
    summary = result.summary()
    assert summary["stage"] == {"checks": "check"}.get(part, part)
    assert set(summary["findings"]) == {"total", "error", "warning", "info", "by_rule"}
    assert summary["findings"]["total"] == len(result.findings)
    assert sum(summary["findings"]["by_rule"].values()) == len(result.findings)
    for frame in result.layers().values():
        assert isinstance(frame, gpd.GeoDataFrame) and frame.crs == sample_analysis.plan.crs
    for table in result.tables().values():
        assert not isinstance(table, gpd.GeoDataFrame)


def test_demo_builds_the_grid_and_the_coverage_once(
        sample_plan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"grid": 0, "coverage": 0, "checks": 0}
    grid_build, coverage_run = geoplan.grid.analyse_plan, geoplan.coverage.compute_coverage
    checks_run = analysis_module._run_plan_rules

    def counted(name: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return func(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(geoplan.grid, "analyse_plan", counted("grid", grid_build))
    monkeypatch.setattr(geoplan.coverage, "compute_coverage", counted("coverage", coverage_run))
    monkeypatch.setattr(analysis_module, "_run_plan_rules", counted("checks", checks_run))
    result = pipeline.run_demo(sample_plan_path, tmp_path, sites=1)
    assert calls == {"grid": 1, "coverage": 1, "checks": 1}
    assert _counts(result.findings) == SAMPLE_ALL
    assert result.map_html.exists() and result.report_html.exists()


def _layer_counts(m: Any) -> dict[str, int]:
    """Features per map layer, from the payloads the map carries (``n``)."""
    return {c.payload["name"]: c.payload["n"] for c in m._children.values()
            if type(c).__name__ == "DataLayer"}


def test_the_maps_check_findings_are_those_of_check(sample_plan: geoplan.Plan,
                                                    tmp_path: Path) -> None:
    check = pipeline.run_checks(sample_plan)
    counts = _layer_counts(pipeline.build_map(sample_plan, offline=True, sites=1))
    assert counts["findings"] == len(check) == sum(SAMPLE_CHECK)
    coverage = pipeline.run_coverage(sample_plan, site=1)
    assert counts["coverage-findings"] == len(coverage.findings) == 2
    # and the HTML's layer list says so (the label is JSON-escaped inside the page's script)
    path = pipeline.write_map(sample_plan, tmp_path / "m.html", offline=True, sites=1)
    label = 'Check findings</span> <span class="gp-layer-n">(22)</span>'
    escaped = json.dumps(label)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
    assert escaped in path.read_text(encoding="utf-8")


def test_export_of_an_analysis_writes_its_findings_once(sample_analysis: geoplan.Analysis,
                                                        tmp_path: Path) -> None:
    result = pipeline.export_plan(sample_analysis, tmp_path / "out", findings=True,
                                  coverage=True)
    findings = pyogrio.read_dataframe(result.folder / "findings.geojson")
    assert len(findings) == len(sample_analysis.findings) == sum(SAMPLE_ALL)


def test_unknown_rule_is_refused_with_the_valid_ones(sample_plan: geoplan.Plan) -> None:
    with pytest.raises(geoplan.PlanError, match=r"unknown rule 'nope'; valid rules: overlap, "
                                                r".*grid-interconnection"):
        geoplan.analyse(sample_plan, only=["nope"])


def test_only_grid_rules_runs_no_plan_rule(sample_plan: geoplan.Plan) -> None:
    a = geoplan.analyse(sample_plan, coverage=False, only=["grid-dangling"])
    assert a.checks is not None and a.checks.rules == ("grid-dangling",)
    assert set(a.check_findings["rule"]) == {"grid-dangling"}


def test_a_failing_stage_is_left_out_when_tolerated(sample_plan: geoplan.Plan,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: Any, **_k: Any) -> None:
        raise geoplan.PlanError("no substation has a capacity")

    monkeypatch.setattr(geoplan.coverage, "compute_coverage", broken)
    with pytest.raises(geoplan.PlanError, match="no substation has a capacity"):
        geoplan.analyse(sample_plan)
    a = geoplan.analyse(sample_plan, tolerate=True)
    assert a.coverage is None and a.notes == ("coverage: no substation has a capacity",)
    assert _counts(a.findings) == SAMPLE_CHECK


# ------------------------------------------------------- an OSM-only plan (real shared data)

PROVINCE = "Hưng Yên"


@pytest.mark.shared
def test_coverage_of_an_osm_plan_uses_the_voltages_the_grid_infers(
        shared_data: Path, tmp_path: Path) -> None:
    folder = osm_province_plan(shared_data, tmp_path / "hy", PROVINCE, plants=False).parent
    plan = geoplan.load_plan(folder)
    assert plan.frame("substation")["voltage_kv"].isna().all()  # bare OSM points
    grid = geoplan.run_grid(plan).grid
    # a substation at the end of a 110 kV line whose voltage came from that line
    ends = grid.ends[(grid.ends["reaches"] == "station") & (grid.ends["voltage_kv"] == 110)]
    stations = grid.stations
    j = next(int(s) for s in ends["station"]
             if stations["kind"].iat[s] == "substation" and stations["voltage_inferred"].iat[s])
    sub_id = str(stations["feature_id"].iat[j])
    centre = stations.geometry.iat[j]
    # a 100 m x 100 m cluster whose nearest edge is 500 m east of the substation
    square = shapely.box(centre.x + 500, centre.y - 50, centre.x + 600, centre.y + 50)
    others = np.asarray(stations.geometry.values, dtype=object)
    assert (shapely.distance(others, square) >= 499.9).all()
    cluster = gpd.GeoDataFrame({"ma": ["CCN-X"], "ten": ["Cụm công nghiệp thử"],
                                "dien_tich_ha": [1.0], "trang_thai": ["planned"]},
                               geometry=[square], crs=plan.crs)
    to_wgs84(cluster).to_file(folder / "clusters.geojson", driver="GeoJSON")
    with open(folder / "plan.toml", "a", encoding="utf-8") as f:
        f.write('\n[layers.clusters]\nkind = "industrial_cluster"\npath = "clusters.geojson"\n')

    result = geoplan.analyse(folder, checks=False, grid=False).coverage
    assert result is not None
    row = result.features.set_index("feature_id").loc["CCN-X"]
    assert bool(row["covered"]) is True
    assert row["substation_id"] == sub_id
    assert row["substation_voltage_kv"] == 110
    assert row["distance_m"] == pytest.approx(500.0, abs=0.5)
    assert "coverage-gap" not in set(result.findings["rule"])
    subs = result.substations.set_index("substation_id")
    assert bool(subs.loc[sub_id, "voltage_inferred"]) is True
    # the CLI says the same
    from click.testing import CliRunner

    from geoplan.cli import cli

    res = CliRunner().invoke(cli, ["coverage", str(folder)])
    assert "cụm công nghiệp được cấp  1 / 1" in res.stdout, res.output
