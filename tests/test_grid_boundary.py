"""Boundary-aware grid ends: a line cut at the province boundary leads into the neighbour.

A planner who follows geopandas habits ``gpd.clip``s the lines to the province. Every cut end
then lies on the boundary; it is a boundary crossing (``[grid] boundary_snap_m``), not a
dangling end, and the line is an interconnection that says it was cut -- never one "at
0.00 km". On the real OSM grid of Bắc Ninh, the clipped lines give the same dangling ends and
the same interconnections as the lines selected by ``intersects``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from builders.osm import osm_province_plan
from shapely.geometry import LineString, Point, box

import geoplan
from geoplan.grid import GridSettings, analyse_plan, audit_grid, build_grid, interconnections

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0
PROVINCE = box(X0, Y0, X0 + 20_000, Y0 + 20_000)


def _lines(*rows: tuple[str, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"id": i, "name": i, "voltage_kv": 110, "status": "existing",
          "geometry": LineString([(X0 + x, Y0 + y) for x, y in pts])} for i, pts in rows],
        geometry="geometry", crs=CRS)


def _subs() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([{"id": "T", "name": "T", "voltage_kv": 220, "status": "existing",
                              "geometry": Point(X0 + 10_000, Y0 + 10_000)}],
                            geometry="geometry", crs=CRS)


def test_an_end_on_the_boundary_is_a_crossing_not_dangling() -> None:
    lines = _lines(("CUT", [(10_000, 10_000), (0.004, 10_000)]),     # 4 mm inside the edge
                   ("SHORT", [(10_000, 10_000), (20, 5_000)]),       # 20 m inside: dangling
                   ("OUT", [(10_000, 10_000), (10_000, -3_000)]))    # really crosses
    grid = build_grid(lines, _subs(), province=PROVINCE)
    ends = grid.ends.set_index(["feature_id", "end"])
    assert ends.loc[("CUT", "end"), "reaches"] == "external"
    assert bool(ends.loc[("CUT", "end"), "on_boundary"])
    assert ends.loc[("SHORT", "end"), "reaches"] == "dangling"
    assert ends.loc[("OUT", "end"), "reaches"] == "external"
    assert not bool(ends.loc[("OUT", "end"), "on_boundary"])
    dangling = audit_grid(grid).query("rule == 'grid-dangling'")
    assert dangling["feature_id"].tolist() == ["SHORT"]
    wider = build_grid(lines, _subs(), province=PROVINCE,
                       settings=GridSettings(boundary_snap_m=25))
    assert "dangling" not in set(wider.ends["reaches"])


def test_a_cut_line_is_an_interconnection_that_says_so() -> None:
    lines = _lines(("CUT", [(10_000, 10_000), (0.004, 10_000)]),
                   ("OUT", [(10_000, 10_000), (10_000, -3_000)]))
    neighbours = gpd.GeoDataFrame({"name": ["Hà Nội", "Hưng Yên"]},
                                  geometry=[box(X0 - 9_000, Y0, X0, Y0 + 20_000),
                                            box(X0, Y0 - 9_000, X0 + 20_000, Y0)], crs=CRS)
    grid = build_grid(lines, _subs(), province=PROVINCE)
    table = interconnections(lines, PROVINCE, neighbours, snap_m=10, ends=grid.ends)
    rows = table.set_index("feature_id")
    assert rows.loc["CUT", "neighbour"] == "Hà Nội" and bool(rows.loc["CUT", "cut_at_boundary"])
    assert rows.loc["OUT", "neighbour"] == "Hưng Yên"
    assert rows.loc["OUT", "outside_km"] == pytest.approx(3.0)
    assert rows["outside_km"].isna().tolist() == [True, False]  # CUT: unknown, not 0.00 km
    # without the grid's ends, the line ends near the boundary are found by distance
    alone = interconnections(lines, PROVINCE, neighbours, snap_m=10)
    assert alone["feature_id"].tolist() == ["CUT", "OUT"]
    found = audit_grid(grid, interconnection_table=table)
    findings = found[found["rule"] == "grid-interconnection"]
    message = findings.set_index("feature_id").loc["CUT", "message_en"]
    assert "ends on the province boundary, towards Hà Nội" in message
    assert "was cut at the boundary" in message and "intersect" in message
    assert "0.00 km" not in " ".join(findings["message_en"])
    assert "3.00 km outside the province" in findings.set_index("feature_id").loc["OUT",
                                                                                   "message_en"]
    assert "vượt ranh giới tỉnh sang Hưng Yên, 3,00 km nằm ngoài tỉnh" in findings.set_index(
        "feature_id").loc["OUT", "message"]


@pytest.mark.shared
def test_lines_clipped_by_geopandas_audit_like_lines_selected_by_intersects(
        shared_data: Path, tmp_path: Path) -> None:
    whole = analyse_plan(geoplan.load_plan(osm_province_plan(
        shared_data, tmp_path / "intersects", "Bắc Ninh", plants=False)))
    clipped = analyse_plan(geoplan.load_plan(osm_province_plan(
        shared_data, tmp_path / "clipped", "Bắc Ninh", plants=False, clip=True)))
    assert clipped.summary()["dangling_ends"] == whole.summary()["dangling_ends"] == 45
    dangling = {r: set(f.loc[f["rule"] == "grid-dangling", "feature_id"])
                for r, f in (("whole", whole.findings), ("clipped", clipped.findings))}
    assert dangling["clipped"] == dangling["whole"]
    assert set(clipped.interconnections["feature_id"]) == set(
        whole.interconnections["feature_id"])
    assert len(clipped.interconnections) == 37
    assert clipped.interconnections["cut_at_boundary"].all()
    assert not whole.interconnections["cut_at_boundary"].any()
    names = set(clipped.interconnections["neighbour"])
    assert "unknown neighbour" not in names and not any("Bắc Ninh" in n for n in names)
    assert {"Hà Nội", "Hải Phòng", "Hưng Yên", "Thái Nguyên"} <= names
    inter = clipped.findings[clipped.findings["rule"] == "grid-interconnection"]
    assert inter["value"].isna().all() and not inter["message_en"].str.contains("0.00 km").any()
