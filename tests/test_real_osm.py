"""The real OpenStreetMap grid of Vietnam loads through a plan's fields mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

import geoplan

pytestmark = pytest.mark.shared


def _plan(folder: Path, shared: Path, *, accept: bool) -> Path:
    osm = shared / "vn-power-osm"
    accept_line = "accept_voltages_kv = [115, 230, 50, 33, 25]\n" if accept else ""
    text = f"""
[plan]
name = "OpenStreetMap grid of Vietnam"

[layers.osm_lines]
kind = "grid_line"
path = "{osm / 'power_line.gpkg'}"
layer = "power_line"
fields = {{ voltage_kv = "max_voltage", circuits = "circuits", location = "location" }}
defaults = {{ status = "existing" }}
{accept_line}
[layers.osm_substations]
kind = "substation"
path = "{osm / 'power_substation_points_coords_only.geojson'}"
defaults = {{ status = "existing" }}
"""
    path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_osm_grid_loads_with_unknown_voltages_reported(tmp_path: Path, shared_data: Path) -> None:
    plan = geoplan.load_plan(_plan(tmp_path, shared_data, accept=True))
    lines = plan.layers["osm_lines"].frame
    assert len(lines) == 10_023  # nothing dropped
    assert plan.crs.to_epsg() == 32648  # no province: UTM 48N from the data's centre
    counts = lines["voltage_kv"].value_counts(dropna=False)
    assert counts[500] == 4326 and counts[220] == 990 and counts[110] == 2222
    assert int(lines["voltage_kv"].isna().sum()) == 2465
    (unknown,) = [p for p in plan.report.problems if p.code == "unknown-voltage"
                  and p.layer == "osm_lines"]
    assert unknown.severity == "warning" and unknown.count == 2465
    assert unknown.message_en.startswith("2465 features: voltage unknown")
    assert unknown.message.startswith("2465 đối tượng: chưa rõ cấp điện áp")
    (foreign,) = [p for p in plan.report.problems if p.code == "accepted-voltage"]
    assert foreign.count == 19 and "115 kV" in foreign.message and "230 kV" in foreign.message
    subs = plan.layers["osm_substations"].frame
    assert len(subs) == 687 and subs["voltage_kv"].isna().all()
    assert {p.code for p in plan.report.problems if p.layer == "osm_substations"} >= {
        "no-id-field", "unknown-voltage"}


def test_osm_foreign_levels_are_errors_unless_accepted(tmp_path: Path, shared_data: Path) -> None:
    report = geoplan.validate_plan(_plan(tmp_path, shared_data, accept=False))
    bad = [p for p in report.errors if p.code == "bad-value"]
    assert sum(p.count for p in bad) == 19
    assert any("115 kV is not a voltage level used in Vietnam" in p.message_en for p in bad)
