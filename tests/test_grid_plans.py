"""Grid audit on whole plans: the bundled sample province and the real OSM grid of Bắc Ninh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest

import geoplan
from geoplan.errors import PlanError
from geoplan.pipeline import run_grid

# ----------------------------------------------------------------------------- the sample

PLANTED = [("grid-dangling", "DZ-110-17"), ("grid-unfed", "TBA-110-13")]
LEAVING = {"DZ-500-01", "DZ-500-02", "DZ-220-04", "DZ-220-05"}  # layers/sample/README.md


@pytest.fixture(scope="module")
def sample_grid(sample_plan: Any) -> Any:
    return run_grid(sample_plan)


def test_sample_flags_the_planted_problems_and_nothing_else(sample_grid: Any) -> None:
    f = sample_grid.findings
    flagged = f[f["severity"] != "info"]
    assert sorted(zip(flagged["rule"], flagged["feature_id"], strict=True)) == PLANTED
    # the rest is information: lines to the neighbours and substations without N-1
    assert set(f.loc[f["severity"] == "info", "rule"]) == {"grid-interconnection",
                                                           "grid-single-supply"}


def test_sample_dangling_end_is_where_the_readme_says(sample_grid: Any) -> None:
    f = sample_grid.findings
    row = f[f["rule"] == "grid-dangling"].iloc[0]
    assert row["geometry"].x == pytest.approx(544856.72, abs=0.01)
    assert row["geometry"].y == pytest.approx(2349014.52, abs=0.01)
    assert row["value"] == pytest.approx(6100, abs=50)  # "nearest 6.1 km away"
    assert row["layer"] == "lines" and row["severity"] == "error"


def test_sample_unfed_station_is_planned_for_2030(sample_grid: Any) -> None:
    f = sample_grid.findings
    row = f[f["rule"] == "grid-unfed"].iloc[0]
    assert row["layer"] == "substations"
    assert "TBA 110kV Văn Miếu" in row["message"]
    assert row["message_en"].endswith(
        "as planned by the end of 2030. Plan a line to a 220 kV substation, or correct the "
        "status/period of the lines feeding it.")
    assert row["message"].startswith("Trạm biến áp 110 kV")
    assert "theo quy hoạch đến hết năm 2030" in row["message"]
    assert sample_grid.scenarios[["scenario", "unfed"]].values.tolist() == [
        ["existing", 0], ["2030", 1]]


def test_sample_interconnections_and_components(sample_grid: Any) -> None:
    assert set(sample_grid.interconnections["feature_id"]) == LEAVING
    assert set(sample_grid.interconnections["neighbour"]) == {"unknown neighbour"}
    comps = sample_grid.components
    assert comps[["substations", "plants", "lines", "sources"]].values.tolist() == [
        [16, 1, 24, True], [1, 0, 0, False]]
    ends = sample_grid.grid.ends
    assert set(ends.loc[ends["reaches"] == "external", "feature_id"]) == LEAVING
    assert (sample_grid.grid.stations["voltage_inferred"] == False).all()  # noqa: E712


def test_run_grid_writes_the_graph(sample_plan: Any, tmp_path: Path) -> None:
    out = tmp_path / "graph.geojson"
    result = run_grid(sample_plan, output=out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    kinds = pd.Series([f["properties"]["element"] for f in doc["features"]]).value_counts()
    assert kinds["node"] == len(result.grid.nodes)
    assert kinds["edge"] == (result.grid.edges["kind"] == "line").sum()
    with pytest.raises(geoplan.OutputExistsError, match="--overwrite"):
        run_grid(sample_plan, output=out)
    with pytest.raises(PlanError, match=r"name the file \*\.geojson"):
        run_grid(sample_plan, output=tmp_path / "graph.shp")


def test_grid_settings_are_checked_at_load(tmp_path: Path, sample_plan_path: Path) -> None:
    text = (sample_plan_path / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{sample_plan_path.as_posix()}/')
    (tmp_path / "plan.toml").write_text(text + "\n[grid]\ntolerence_m = 100\n",
                                        encoding="utf-8")
    with pytest.raises(PlanError, match=r"\[grid\] unknown key 'tolerence_m' \(did you mean "
                                        r"'tolerance_m'\?\)"):
        geoplan.load_plan(tmp_path)


def test_neighbour_named_from_the_boundary_layer(tmp_path: Path,
                                                 sample_plan_path: Path) -> None:
    """A province-level boundary row that is not the plan's province names the neighbour."""
    import geopandas as gpd
    from shapely.geometry import box

    src = pyogrio.read_dataframe(sample_plan_path / "boundary.geojson")
    prov = src[src["cap"] == "Tỉnh"]
    minx, miny, _maxx, maxy = prov.total_bounds
    west = gpd.GeoDataFrame({"ten": ["Tỉnh Láng Giềng"], "cap": ["Tỉnh"], "ma_dvhc": ["98"]},
                            geometry=[box(minx - 1.0, miny - 1.0, minx + 0.2, maxy + 1.0)
                                      .difference(prov.geometry.iloc[0])], crs=src.crs)
    pyogrio.write_dataframe(pd.concat([src, west], ignore_index=True),
                            tmp_path / "boundary.geojson")
    text = (sample_plan_path / "plan.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{sample_plan_path.as_posix()}/').replace(
        f'path = "{sample_plan_path.as_posix()}/boundary.geojson"', 'path = "boundary.geojson"')
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    result = run_grid(tmp_path)
    named = dict(zip(result.interconnections["feature_id"],
                     result.interconnections["neighbour"], strict=True))
    assert "Tỉnh Láng Giềng" in named.values()
    assert set(named) == LEAVING


# -------------------------------------------------------------- the real OSM grid, Bắc Ninh

#: Figures found on ../shared/data (OSM via Open Infrastructure Map, June 2025) for Bắc Ninh
#: (34-province boundary of 2025), tolerance 300 m: substation points are the centres of
#: station yards a few hundred metres across; 250-400 m give the same components.
BAC_NINH = {
    "lines": 278, "substations": 19, "inferred_substations": 17,
    "components": 24, "components_with_lines": 22, "isolated_substations": 2,
    "dangling_ends": 45, "external_ends": 28, "interconnections": 37,
    "findings": {"grid-dangling": 45, "grid-interconnection": 37, "grid-island": 5,
                 "grid-single-supply": 1, "grid-unfed": 5},
}


def bac_ninh_plan(shared: Path, folder: Path, *, tolerance_m: float = 300) -> Path:
    """A plan over the OSM lines that touch Bắc Ninh and the substation points inside it."""
    provinces = shared / "vn-admin" / "vn_provinces_34_2025.geojson"
    osm = shared / "vn-power-osm"
    p = pyogrio.read_dataframe(provinces)
    bn = p[p["name"] == "Bắc Ninh"]
    poly = bn.geometry.iloc[0]
    lines = pyogrio.read_dataframe(osm / "power_line.gpkg", bbox=tuple(bn.total_bounds))
    lines = lines[lines.intersects(poly)]  # selection only; no distance in degrees
    subs = pyogrio.read_dataframe(osm / "power_substation_points_coords_only.geojson")
    subs = subs[subs.within(poly)]
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(lines, folder / "power_line.gpkg", layer="power_line")
    pyogrio.write_dataframe(subs, folder / "substations.geojson")
    pyogrio.write_dataframe(bn[["name", "code", "geometry"]], folder / "boundary.geojson")
    (folder / "plan.toml").write_text(f"""[plan]
name = "Bắc Ninh, OpenStreetMap grid"
province = "Bắc Ninh"

[layers.boundary]
kind = "boundary"
path = "boundary.geojson"
defaults = {{ level = "province" }}

[layers.lines]
kind = "grid_line"
path = "power_line.gpkg"
fields = {{ id = "id", voltage_kv = "voltages", circuits = "circuits" }}
defaults = {{ status = "existing" }}

[layers.substations]
kind = "substation"
path = "substations.geojson"
fields = {{ id = "seq" }}
defaults = {{ status = "existing" }}

[grid]
tolerance_m = {tolerance_m}
neighbours = "{provinces.as_posix()}"
""", encoding="utf-8")
    return folder / "plan.toml"


@pytest.mark.shared
def test_bac_ninh_osm_grid_figures(shared_data: Path, tmp_path: Path) -> None:
    plan = geoplan.load_plan(bac_ninh_plan(shared_data, tmp_path / "bn"))
    assert "unknown-voltage" in plan.report.codes()  # substations carry no voltage: reported
    result = run_grid(plan)
    summary = result.summary()
    assert len(plan.layers["lines"].frame) == BAC_NINH["lines"]
    assert len(plan.layers["substations"].frame) == BAC_NINH["substations"]
    for key, value in BAC_NINH.items():
        if key in summary:
            actual = summary[key]["by_rule"] if key == "findings" else summary[key]
            assert actual == value, key
    # voltages inferred from the touching lines
    levels = result.grid.stations["voltage_levels"].fillna("unknown").value_counts().to_dict()
    assert levels == {"110": 12, "220;110": 3, "500;220;110": 1, "220": 1, "unknown": 2}
    # the largest part carries every level and feeds 11 substations
    top = result.components.iloc[0]
    assert (top["voltages"], top["substations"], top["sources"]) == ("500;220;110", 11, True)
    # interconnections name Bắc Ninh's neighbours, never Bắc Ninh itself
    names = set(result.interconnections["neighbour"])
    assert "unknown neighbour" not in names and not any("Bắc Ninh" in n for n in names)
    assert {"Hà Nội", "Hải Phòng", "Hưng Yên", "Thái Nguyên"} <= names


def test_plan_without_grid_layers(tmp_path: Path) -> None:
    from builders.plans import PlanBuilder, clusters

    b = PlanBuilder(tmp_path / "plan")
    b.add_boundary()
    b.add("clusters", "industrial_cluster", clusters())
    result = run_grid(b.write())
    assert result.findings.empty and result.summary()["components"] == 0
