"""The bundled sample province loads cleanly, with every value normalised."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from geoplan.cli import cli
from geoplan.kinds import TRADE_TYPES


def test_sample_loads_without_errors_or_warnings(sample_plan) -> None:
    report = sample_plan.report
    assert not report.has_errors and not report.has_warnings, report.to_text()
    # the planted loader case: a CSV in VN-2000 metres whose CRS comes from the plan
    (note,) = [p for p in report.problems if p.code == "crs-from-plan"]
    assert note.layer == "trade" and "EPSG:9209" in note.message
    assert sample_plan.crs.to_epsg() == 9209


def test_sample_layer_counts(sample_plan) -> None:
    counts = {name: len(layer.frame) for name, layer in sample_plan.layers.items()}
    assert counts == {"boundary": 28, "clusters": 47, "parks": 4, "trade": 99, "lines": 24,
                      "substations": 17, "plants": 1, "restricted": 3}
    assert set(sample_plan.rasters) == {"population"}


def test_sample_values_normalised(sample_plan) -> None:
    clusters = sample_plan.frame("industrial_cluster")
    assert set(clusters["status"]) <= {"existing", "expansion", "planned", "under_construction"}
    assert clusters.geometry.area.sum() / 1e4 == pytest.approx(2379.9, abs=0.5)
    trade = sample_plan.frame("trade_facility")
    assert set(trade["type"]) == set(TRADE_TYPES)
    subs = sample_plan.frame("substation").set_index("id")
    assert subs.loc["TBA-220-02", "voltage_levels"] == "220;110"
    assert subs.loc["TBA-500-01", "voltage_levels"] == "500;220"
    assert subs.loc["TBA-110-08", "voltage_kv"] == 110
    lines = sample_plan.frame("grid_line").set_index("id")
    assert lines.loc["DZ-110-06", "location"] == "underground"
    assert (lines.drop(index="DZ-110-06")["location"] == "overhead").all()
    assert sample_plan.boundary is not None and len(sample_plan.boundary) == 1
    assert sample_plan.boundary.area.sum() / 1e6 == pytest.approx(1500, rel=0.001)
    assert sample_plan.communes is not None and len(sample_plan.communes) == 27


def test_sample_validates_from_the_cli(sample_plan_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(sample_plan_path / "plan.toml"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"code": "crs-from-plan"' in result.output


def test_boundary_keeps_the_own_province_and_lists_neighbours(tmp_path: Path) -> None:
    import geopandas as gpd
    from builders.plans import ZONE, PlanBuilder, province_polygon
    from shapely.affinity import translate

    import geoplan

    b = PlanBuilder(tmp_path, province="Bắc Ninh")
    own = province_polygon()
    frame = gpd.GeoDataFrame({"name": ["Tỉnh Bắc Ninh", "Thành phố Hà Nội"],
                              "level": ["province", "province"]},
                             geometry=[own, translate(own, -20_000)], crs=ZONE)
    b.add("boundary", "boundary", frame)
    plan = geoplan.load_plan(b.write())
    assert plan.boundary["name"].tolist() == ["Tỉnh Bắc Ninh"]
    assert plan.neighbours["name"].tolist() == ["Thành phố Hà Nội"]
