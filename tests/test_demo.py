"""README command (a): `geoplan demo` writes the offline map, the exports and the report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from geoplan.cli import cli


def test_demo_writes_map_exports_and_report(tmp_path: Path, sample_plan_path: Path) -> None:
    out = tmp_path / "maps"
    result = CliRunner().invoke(cli, ["demo", str(sample_plan_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    html = (out / "sample.html").read_text(encoding="utf-8")
    assert "Minh Hà 2021-2030 (sample)" in html
    assert "https://" not in html.split("</head>")[0].split("<head>")[0]  # offline: no CDN
    exports = out / "sample-export"
    clusters = json.loads((exports / "clusters.geojson").read_text(encoding="utf-8"))
    assert clusters["type"] == "FeatureCollection" and len(clusters["features"]) == 47
    assert "crs" not in clusters
    findings = json.loads((exports / "findings.geojson").read_text(encoding="utf-8"))
    rules = {f["properties"]["rule"] for f in findings["features"]}
    assert {"overlap", "corridor", "cluster-size", "coverage-gap", "substation-overload",
            "park-phasing", "trade-class"} <= rules
    assert (exports / "manifest.json").exists()
    assert (out / "sample-report.html").stat().st_size > 10_000
    for line in ("phát hiện:", "bản đồ:", "dữ liệu:", "báo cáo:"):
        assert line in result.output
    # a second run replaces the outputs
    again = CliRunner().invoke(cli, ["demo", str(sample_plan_path), "-o", str(out)])
    assert again.exit_code == 0, again.output
