"""Grid graph and topology audit on small grids built in code (geoplan.grid)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geoplan.crs import to_wgs84
from geoplan.errors import CRSError, OutputExistsError, PlanError
from geoplan.grid import (
    SETTINGS,
    GridSettings,
    audit_grid,
    build_grid,
    components_table,
    default_parameters,
    grid_geojson,
    grid_settings,
    interconnections,
    scenarios,
    snap_lines,
    split_lines,
    validate_settings,
    voltage_levels,
    write_grid_geojson,
)
from geoplan.parameters import CERTAINTIES

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0
PROVINCE = box(X0 - 1_000, Y0 - 1_000, X0 + 60_000, Y0 + 60_000)


def xy(x_km: float, y_km: float) -> tuple[float, float]:
    return (X0 + x_km * 1000, Y0 + y_km * 1000)


def subs(*rows: tuple) -> gpd.GeoDataFrame:
    """rows: (id, (x_km, y_km), levels "220;110" or None, status, period)."""
    data = []
    for row in rows:
        sid, at, levels, *rest = row
        status = rest[0] if rest else "existing"
        period = rest[1] if len(rest) > 1 else None
        data.append({"id": sid, "name": f"TBA {sid}",
                     "voltage_kv": int(levels.split(";")[0]) if levels else None,
                     "voltage_levels": levels, "status": status, "period": period,
                     "geometry": Point(xy(*at))})
    frame = gpd.GeoDataFrame(data, geometry="geometry", crs=CRS)
    frame["voltage_kv"] = frame["voltage_kv"].astype("Int64")
    return frame


def lines(*rows: tuple) -> gpd.GeoDataFrame:
    """rows: (id, kv or "220;110" or None, [(x_km, y_km), ...], status, period, circuits)."""
    data = []
    for row in rows:
        lid, kv, pts, *rest = row
        levels = str(kv) if kv is not None else None
        data.append({"id": lid, "name": f"ĐZ {lid}",
                     "voltage_kv": int(str(kv).split(";")[0]) if kv is not None else None,
                     "voltage_levels": levels,
                     "status": rest[0] if rest else "existing",
                     "period": rest[1] if len(rest) > 1 else None,
                     "circuits": rest[2] if len(rest) > 2 else 1,
                     "geometry": LineString([xy(*p) for p in pts])})
    frame = gpd.GeoDataFrame(data, geometry="geometry", crs=CRS)
    frame["voltage_kv"] = frame["voltage_kv"].astype("Int64")
    frame["circuits"] = frame["circuits"].astype("Int64")
    return frame


def plants(*rows: tuple) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame([{"id": pid, "name": pid, "status": "existing",
                              "geometry": Point(xy(*at))} for pid, at in rows],
                            geometry="geometry", crs=CRS)


def rules(findings: pd.DataFrame, severity: str | None = None) -> list[tuple[str, str]]:
    f = findings if severity is None else findings[findings["severity"] == severity]
    return sorted(zip(f["rule"], f["feature_id"], strict=True))


def audit(ln: gpd.GeoDataFrame, st: gpd.GeoDataFrame | None = None,
          pl: gpd.GeoDataFrame | None = None, **settings: object) -> pd.DataFrame:
    grid = build_grid(ln, st, pl, province=PROVINCE, settings=GridSettings(**settings))
    return audit_grid(grid)


# A healthy core: 220/110 kV station T feeding 110 kV stations A and B on a loop.
CORE_SUBS = (("T", (0, 0), "220;110"), ("A", (10, 0), "110"), ("B", (10, 10), "110"))
CORE_LINES = (("L1", 110, [(0, 0), (5, 0.2), (10, 0)]), ("L2", 110, [(10, 0), (10, 10)]),
              ("L3", 110, [(10, 10), (0, 0)]))


def test_healthy_loop_has_no_findings() -> None:
    grid = build_grid(lines(*CORE_LINES), subs(*CORE_SUBS), province=PROVINCE)
    assert audit_grid(grid).empty
    assert grid.n_components == 1
    tx = grid.edges[grid.edges["kind"] == "transformer"]
    # stations are numbered in the order of their ids (A, B, T), not of the rows
    assert list(zip(tx["u"], tx["v"], strict=True)) == [("S2@220", "S2@110")]
    assert set(grid.edges.loc[grid.edges["kind"] == "line", "voltage_kv"]) == {110}


def test_line_end_snaps_within_tolerance_only() -> None:
    st = subs(*CORE_SUBS)
    ln = lines(("L1", 110, [(0, 0.03), (10, 0.04)]))  # 30 m and 40 m off T and A
    grid = build_grid(ln, st, province=PROVINCE, settings=GridSettings(tolerance_m=50))
    assert list(grid.ends["reaches"]) == ["station", "station"]
    assert grid.lines.geometry.iat[0].coords[0] == xy(0, 0)
    assert grid.lines.geometry.iat[0].coords[-1] == xy(10, 0)
    grid = build_grid(ln, st, province=PROVINCE, settings=GridSettings(tolerance_m=35))
    assert list(grid.ends["reaches"]) == ["station", "dangling"]


def test_snap_prefers_a_station_of_the_line_voltage() -> None:
    # a 220 kV-only station 5 m from the end, the 110 kV station 30 m away: take the 110 one
    st = subs(("X", (10, 0.005), "220"), ("A", (10, 0.03), "110"), ("T", (0, 0), "220;110"))
    grid = build_grid(lines(("L1", 110, [(0, 0), (10, 0)])), st, province=PROVINCE)
    assert grid.ends["node"].tolist() == ["S1@110", "S0@110"]  # T, A (stations by id)
    assert rules(audit_grid(grid)) == [("grid-single-supply", "A")]  # no mismatch


def test_snap_lines_is_a_new_frame_and_keeps_multilines() -> None:
    st = subs(("T", (0, 0), "110"), ("A", (10, 0), "110"))
    ln = lines(("L1", 110, [(0, 0.01), (5, 0)]))
    multi = ln.copy()
    multi.loc[0, "geometry"] = multi.geometry.iat[0].union(
        LineString([xy(6, 0), xy(10, 0.02)]))
    before = multi.geometry.iat[0].wkt
    out = snap_lines(multi, st, tolerance_m=50)
    assert multi.geometry.iat[0].wkt == before  # input untouched
    assert out.geometry.iat[0].geom_type == "MultiLineString"
    parts = list(out.geometry.iat[0].geoms)
    assert parts[0].coords[0] == xy(0, 0) and parts[1].coords[-1] == xy(10, 0)


def test_line_through_a_substation_of_its_voltage_is_split_there() -> None:
    st = subs(("T", (0, 0), "220;110"), ("A", (10, 0.004), "110"), ("B", (20, 0), "110"))
    grid = build_grid(lines(("L1", 110, [(0, 0), (20, 0)])), st, province=PROVINCE)
    e = grid.edges[grid.edges["kind"] == "line"]
    assert list(zip(e["u"], e["v"], strict=True)) == [("S2@110", "S0@110"),   # T - A
                                                      ("S0@110", "S1@110")]   # A - B
    assert e["length_m"].sum() == pytest.approx(20_000, abs=1e-3)
    assert audit_grid(grid)["rule"].tolist() == ["grid-single-supply"] * 2


def test_line_passing_a_station_of_another_voltage_is_not_split() -> None:
    st = subs(("T", (0, 0), "220;110"), ("X", (10, 0), "220"), ("B", (20, 0), "110"))
    grid = build_grid(lines(("L1", 110, [(0, 0), (20, 0)])), st, province=PROVINCE)
    assert (grid.edges["kind"] == "line").sum() == 1


def test_tap_on_the_interior_of_a_line_joins_and_splits_it() -> None:
    st = subs(*CORE_SUBS, ("C", (5, 8), "110"))
    ln = lines(*CORE_LINES, ("L4", 110, [(5, 8), (5, 0.2)]))  # ends on L1's middle vertex
    grid = build_grid(ln, st, province=PROVINCE)
    assert grid.ends.set_index(["feature_id", "end"]).loc[("L4", "end"), "reaches"] == "junction"
    assert (grid.edges["feature_id"] == "L1").sum() == 2
    f = audit_grid(grid)
    assert rules(f) == [("grid-single-supply", "C")]
    assert "losing 110 kV line L4" in f["message_en"].iat[0]


def test_tap_on_a_line_of_another_voltage_is_a_mismatch_not_a_connection() -> None:
    st = subs(*CORE_SUBS, ("S5", (30, 0), "500;220"))
    ln = lines(*CORE_LINES, ("K1", 220, [(30, 0), (5, 0.2)]))
    f = audit(ln, st)
    assert rules(f) == [("grid-voltage-mismatch", "K1")]
    assert f["other_id"].iat[0] == "L1"
    assert f["message_en"].str.contains("ends on 110 kV line L1").all()
    assert f["message"].str.contains("kết thúc trên đường dây 110 kV L1").all()


def test_line_ending_at_a_substation_without_its_level() -> None:
    st = subs(*CORE_SUBS, ("D", (20, 0), "110"), ("S5", (30, 0), "500;220"))
    ln = lines(*CORE_LINES, ("K1", 220, [(30, 0), (20, 0)]))
    f = audit(ln, st)
    assert rules(f) == [("grid-voltage-mismatch", "K1")]
    row = f.iloc[0]
    assert row["other_id"] == "D" and row["value"] == 220 and row["severity"] == "error"
    assert "has no 220 kV level" in row["message_en"]


def test_dangling_end_inside_versus_line_leaving_the_province() -> None:
    st = subs(*CORE_SUBS)
    ln = lines(*CORE_LINES, ("L4", 110, [(10, 10), (20, 25)]),  # stops in the fields
               ("L5", 110, [(0, 0), (-8, -3)]))                  # leaves the province
    grid = build_grid(ln, st, province=PROVINCE)
    f = audit_grid(grid, interconnection_table=interconnections(ln, PROVINCE))
    assert rules(f, "error") == [("grid-dangling", "L4")]
    dangling = f[f["rule"] == "grid-dangling"].iloc[0]
    assert dangling["geometry"].equals(Point(xy(20, 25)))
    assert dangling["other_id"] == "B" and dangling["threshold"] == 50.0
    assert dangling["value"] == pytest.approx(Point(xy(20, 25)).distance(Point(xy(10, 10))))
    assert "its end reaches no substation" in dangling["message_en"]
    assert "điểm cuối không nối tới trạm biến áp" in dangling["message"]
    assert rules(f, "info") == [("grid-interconnection", "L5")]
    assert grid.ends.set_index(["feature_id", "end"]).loc[("L5", "end"), "reaches"] == \
        "external"


def test_consecutive_segments_join_at_their_shared_end() -> None:
    st = subs(*CORE_SUBS)
    ln = lines(("L1a", 110, [(0, 0), (5, 0.2)]), ("L1b", 110, [(5, 0.2), (10, 0)]),
               *CORE_LINES[1:])
    grid = build_grid(ln, st, province=PROVINCE)
    assert audit_grid(grid).empty
    assert (grid.nodes["kind"] == "junction").sum() == 1
    assert grid.nodes.loc[grid.nodes["kind"] == "junction", "degree"].tolist() == [2]


def test_segments_of_different_voltages_do_not_join() -> None:
    st = subs(*CORE_SUBS, ("S5", (20, 0), "220"))
    ln = lines(*CORE_LINES, ("K1", 220, [(20, 0), (15, 5)]), ("K2", 110, [(15, 5), (10, 10)]))
    f = audit(ln, st)
    assert rules(f) == [("grid-voltage-mismatch", "K1"), ("grid-voltage-mismatch", "K2")]


def test_unfed_substation_per_period() -> None:
    st = subs(*CORE_SUBS, ("N", (20, 0), "110", "planned", "2026-2030"),
              ("M", (30, 0), "110", "planned", "2026-2030"))
    ln = lines(*CORE_LINES,
               ("L4", 110, [(10, 0), (20, 0)], "planned", "2026-2030"),
               ("L5", 110, [(20, 0), (30, 0)], "planned", "2031-2035"))
    grid = build_grid(ln, st, province=PROVINCE)
    assert [s.key for s in scenarios(grid)] == ["existing", "2030", "2035"]
    f = audit_grid(grid)
    assert rules(f, "error") == [("grid-unfed", "M")]
    unfed = f[f["rule"] == "grid-unfed"].iloc[0]
    assert "as planned by the end of 2030" in unfed["message_en"]
    assert "theo quy hoạch đến hết năm 2030" in unfed["message"]
    assert "2035" not in unfed["message_en"]
    assert unfed["geometry"].equals(Point(xy(30, 0)))


def test_existing_substation_fed_only_by_a_planned_line_is_unfed_today() -> None:
    st = subs(*CORE_SUBS, ("N", (20, 0), "110"))
    ln = lines(*CORE_LINES, ("L4", 110, [(10, 0), (20, 0)], "planned"))
    f = audit(ln, st)
    unfed = f[f["rule"] == "grid-unfed"]
    assert unfed["feature_id"].tolist() == ["N"]
    assert "as existing today." in unfed["message_en"].iat[0]
    assert [s.key for s in scenarios(build_grid(ln, st))] == ["existing", "plan"]


def test_under_construction_without_period_counts_from_the_first_period() -> None:
    st = subs(*CORE_SUBS, ("N", (20, 0), "110", "planned", "2026-2030"))
    ln = lines(*CORE_LINES, ("L4", 110, [(10, 0), (20, 0)], "under_construction"))
    f = audit(ln, st)
    assert "grid-unfed" not in set(f["rule"])


def test_island_is_reported_once_with_its_unfed_substations() -> None:
    st = subs(*CORE_SUBS, ("P", (30, 30), "110"), ("Q", (40, 30), "110"))
    ln = lines(*CORE_LINES, ("L9", 110, [(30, 30), (40, 30)]))
    f = audit(ln, st)
    assert rules(f, "error") == [("grid-unfed", "P"), ("grid-unfed", "Q")]
    island = f[f["rule"] == "grid-island"]
    assert len(island) == 1 and island["severity"].iat[0] == "warning"
    assert island["value"].iat[0] == pytest.approx(10.0)
    assert "TBA P" in island["message"].iat[0] and "L9" in island["message"].iat[0]


def test_plant_is_a_source() -> None:
    st = subs(("P", (30, 30), "110"))
    ln = lines(("L9", 110, [(30, 30), (40, 30)]))
    assert rules(audit(ln, st), "error") == [("grid-dangling", "L9"), ("grid-unfed", "P")]
    f = audit(ln, st, plants(("NM1", (40, 30))))
    assert rules(f) == [("grid-single-supply", "P")]


def test_neighbouring_grid_feeds_unless_told_otherwise() -> None:
    st = subs(("P", (0, 0), "110"))
    ln = lines(("L9", 110, [(0, 0), (-10, 0)]))  # into the next province
    assert rules(audit(ln, st)) == [("grid-single-supply", "P")]
    assert rules(audit(ln, st, external_supply=False), "error") == [("grid-unfed", "P")]


def test_single_supply_radial_loop_and_double_circuit() -> None:
    st = subs(*CORE_SUBS, ("R", (0, 20), "110"), ("D", (-10, 0), "110"))
    ln = lines(*CORE_LINES, ("L4", 110, [(10, 10), (0, 20)]),
               ("L5", 110, [(0, 0), (-10, 0)], "existing", None, 2))
    f = audit(ln, st)
    assert rules(f) == [("grid-single-supply", "R")]
    row = f.iloc[0]
    assert row["severity"] == "info" and row["other_id"] == "L4"


def test_substation_behind_a_radial_station_depends_on_the_first_line() -> None:
    st = subs(("T", (0, 0), "220;110"), ("A", (10, 0), "110"), ("B", (20, 0), "110"))
    ln = lines(("L1", 110, [(0, 0), (10, 0)]), ("L2", 110, [(10, 0), (20, 0)]),
               ("L3", 110, [(10, 0), (15, 0.5), (20, 0)]))  # A-B doubled, T-A single
    f = audit(ln, st)
    assert rules(f) == [("grid-single-supply", "A"), ("grid-single-supply", "B")]
    assert set(f["other_id"]) == {"L1"}


def test_voltage_inferred_from_touching_lines() -> None:
    st = subs(("T", (0, 0), None), ("A", (10, 0), None), ("Z", (30, 30), None))
    ln = lines(("K1", 220, [(0, 0.1), (-10, 0)]), ("L1", 110, [(0, 0.1), (10, 0.05)]))
    grid = build_grid(ln, st, province=PROVINCE, settings=GridSettings(tolerance_m=150))
    got = grid.stations.set_index("feature_id")
    assert got.loc["T", "voltage_levels"] == "220;110" and got.loc["T", "voltage_inferred"]
    assert got.loc["A", "voltage_levels"] == "110"
    assert pd.isna(got.loc["Z", "voltage_levels"]) and not got.loc["Z", "voltage_inferred"]
    f = audit_grid(grid)
    assert "grid-voltage-mismatch" not in set(f["rule"])
    assert rules(f) == [("grid-single-supply", "A")]
    off = build_grid(ln, st, province=PROVINCE,
                     settings=GridSettings(tolerance_m=150, infer_voltage=False))
    assert off.stations["voltage_levels"].isna().all()


def test_line_with_two_voltages_is_one_edge_per_level() -> None:
    st = subs(("S", (0, 0), "500;220;110"), ("T", (10, 0), "220;110"))
    grid = build_grid(lines(("LL", "220;110", [(0, 0), (10, 0)])), st, province=PROVINCE)
    e = grid.edges[grid.edges["kind"] == "line"]
    assert sorted(zip(e["u"], e["v"], e["voltage_kv"], strict=True)) == [
        ("S0@110", "S1@110", 110), ("S0@220", "S1@220", 220)]
    assert components_table(grid)["length_km"].tolist() == [pytest.approx(10.0)]  # one route


def test_polygon_substations_and_points_mix() -> None:
    st = subs(*CORE_SUBS)
    st.loc[1, "geometry"] = Point(xy(10, 0)).buffer(100)
    ln = lines(("L1", 110, [(0, 0), (9.95, 0)]), *CORE_LINES[1:])  # ends inside the polygon
    grid = build_grid(ln, st, province=PROVINCE, settings=GridSettings(tolerance_m=1))
    assert audit_grid(grid).empty


def test_results_do_not_depend_on_row_order() -> None:
    st = subs(*CORE_SUBS, ("P", (30, 30), "110"), ("Q", (40, 30), "110"))
    ln = lines(*CORE_LINES, ("L9", 110, [(30, 30), (40, 30)]),
               ("L4", 110, [(10, 10), (20, 25)]))
    a = audit(ln, st)
    b = audit(ln.iloc[::-1].reset_index(drop=True), st.iloc[::-1].reset_index(drop=True))
    cols = ["rule", "severity", "feature_id", "other_id", "message"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_inputs_are_not_mutated() -> None:
    st = subs(("T", (0, 0), None), ("A", (10, 0), "110"))
    ln = lines(("L1", 110, [(0, 0.02), (10, 0.03)]))
    st0, ln0 = st.copy(), ln.copy()
    audit_grid(build_grid(ln, st, province=PROVINCE))
    pd.testing.assert_frame_equal(st, st0)
    pd.testing.assert_frame_equal(ln, ln0)


def test_degrees_crs_is_refused() -> None:
    ln = to_wgs84(lines(*CORE_LINES))
    with pytest.raises(CRSError, match=r"reproject them with geoplan\.crs\.to_crs"):
        build_grid(ln)
    with pytest.raises(CRSError, match="different CRSs"):
        build_grid(lines(*CORE_LINES), subs(*CORE_SUBS).set_crs("EPSG:32648",
                                                                 allow_override=True))


def test_split_lines_keeps_attributes_and_length() -> None:
    ln = lines(("L1", 110, [(0, 0), (10, 0), (10, 10)]))
    pts = gpd.GeoSeries([Point(xy(5, 0.002)), Point(xy(10, 5)), Point(xy(0, 0))], crs=CRS)
    out = split_lines(ln, pts, tolerance_m=5)
    assert out["piece"].tolist() == [0, 1, 2]
    assert set(out["id"]) == {"L1"}
    assert [round(g.length) for g in out.geometry] == [5000, 10000, 5000]


def test_components_table_and_geojson() -> None:
    st = subs(*CORE_SUBS, ("P", (30, 30), "110"), ("Z", (50, 50), "110"))
    ln = lines(*CORE_LINES, ("L9", 110, [(30, 30), (40, 30)]))
    grid = build_grid(ln, st, province=PROVINCE)
    comps = components_table(grid)
    assert comps[["substations", "lines", "sources", "dangling_ends"]].values.tolist() == [
        [3, 3, True, 0], [1, 1, False, 1], [1, 0, False, 0]]
    doc = json.loads(json.dumps(grid_geojson(grid)))
    nodes = [f for f in doc["features"] if f["properties"]["element"] == "node"]
    edges = [f for f in doc["features"] if f["properties"]["element"] == "edge"]
    assert len(edges) == 4 and {e["properties"]["voltage_kv"] for e in edges} == {110}
    t110 = next(n for n in nodes if n["id"] == "S3@110")  # T: fourth of A, B, P, T, Z
    assert t110["properties"]["degree"] == 3 and t110["properties"]["component"] == 1
    lon, lat = t110["geometry"]["coordinates"]
    assert 105 < lon < 107 and 20 < lat < 22


def test_graph_geojson_file_is_rfc7946_with_seven_decimals(tmp_path) -> None:
    grid = build_grid(lines(*CORE_LINES), subs(*CORE_SUBS), province=PROVINCE)
    path = write_grid_geojson(grid, tmp_path / "graph.geojson")
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc == grid_geojson(grid) and "crs" not in doc
    coords = [c for f in doc["features"] for c in (
        [f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Point"
        else f["geometry"]["coordinates"])]
    assert coords and all(round(v, 7) == v for c in coords for v in c)
    assert not any(re.search(r"\.\d{8,}", json.dumps(f["geometry"])) for f in doc["features"])
    with pytest.raises(OutputExistsError, match="exists already"):
        write_grid_geojson(grid, path)


def test_grid_defaults_come_from_the_documented_table() -> None:
    params = default_parameters()
    assert set(params) == {"tolerance_m", "through_tolerance_m", "join_tolerance_m",
                           "boundary_snap_m", "source_kv", "external_supply", "infer_voltage",
                           "neighbours_field"}
    for p in params.values():
        assert p.certainty in CERTAINTIES and len(p.source) > 40, p.name
        assert "geoplan/data/grid.toml" in p.cite()
    defaults = GridSettings()
    for name, p in params.items():
        assert getattr(defaults, name) == p.value, name
    assert (defaults.tolerance_m, defaults.through_tolerance_m, defaults.join_tolerance_m,
            defaults.source_kv, defaults.neighbours) == (50.0, 10.0, 1.0, 220, None)
    assert SETTINGS["tolerance_m"].endswith("(default 50)")
    assert SETTINGS["neighbours_field"].endswith("(default: name)")
    s = grid_settings({"tolerance_m": 300})
    assert s.tolerance_m == 300.0 and s.through_tolerance_m == 10.0 and s.infer_voltage


def test_voltage_levels_one_reader_for_lines_and_substations() -> None:
    import geoplan.coverage

    frame = pd.DataFrame({"voltage_levels": ["110;220", "220/110", "500, 220", "110.0", "?", None],
                          "voltage_kv": pd.array([220, 220, 500, 110, 35, None], dtype="Int64")})
    assert voltage_levels(frame) == [(220, 110), (220, 110), (500, 220), (110,), (35,), ()]
    assert geoplan.coverage.substation_levels is voltage_levels


def test_interconnections_name_the_neighbour() -> None:
    neighbours = gpd.GeoDataFrame({"name": ["Hà Nội", "Hưng Yên"]},
                                  geometry=[box(X0 - 40_000, Y0 - 1_000, X0 - 1_000, Y0 + 60_000),
                                            box(X0 - 1_000, Y0 - 40_000, X0 + 60_000,
                                                Y0 - 1_000)], crs=CRS)
    ln = lines(("W", 220, [(0, 0), (-10, 0)]), ("S", 110, [(5, 0), (5, -10)]),
               ("X", 110, [(5, 5), (70, 5)]), ("IN", 110, [(0, 0), (5, 5)]))
    table = interconnections(ln, PROVINCE, neighbours)
    assert dict(zip(table["feature_id"], table["neighbour"], strict=True)) == {
        "W": "Hà Nội", "S": "Hưng Yên", "X": "unknown neighbour"}
    assert table.set_index("feature_id").loc["W", "outside_km"] == pytest.approx(9.0)
    assert table["feature_id"].tolist() == ["S", "W", "X"]  # in the order of the line ids
    assert table.geometry.iat[1].equals(Point(X0 - 1_000, Y0))


def test_validate_settings() -> None:
    validate_settings({"tolerance_m": 300, "external_supply": False, "neighbours": "n.geojson"})
    with pytest.raises(PlanError, match=r"unknown key 'tolerence_m' \(did you mean "
                                        r"'tolerance_m'\?\) in \[grid\]; valid keys: "
                                        r"tolerance_m, through_tolerance_m"):
        validate_settings({"tolerence_m": 300})
    with pytest.raises(PlanError, match=r"tolerance_m = -5: write a number of metres between "
                                        r"0 and 5000"):
        validate_settings({"tolerance_m": -5})
    with pytest.raises(PlanError, match="external_supply = 'yes': write true or false"):
        validate_settings({"external_supply": "yes"})
    with pytest.raises(PlanError, match="source_kv = '220kV': write a voltage in kV"):
        validate_settings({"source_kv": "220kV"})
    s = grid_settings({"tolerance_m": 300, "neighbours": "n.geojson"}, base=None)
    assert s.tolerance_m == 300.0 and str(s.neighbours) == "n.geojson"


def test_missing_geometries_are_skipped_and_empty_grids_work() -> None:
    ln = lines(*CORE_LINES)
    ln.loc[len(ln)] = {"id": "NULL", "voltage_kv": 110, "status": "existing", "geometry": None}
    ln.loc[len(ln)] = {"id": "EMPTY", "voltage_kv": 110, "status": "existing",
                       "geometry": LineString()}
    st = subs(*CORE_SUBS)
    st.loc[len(st)] = {"id": "NS", "voltage_kv": 110, "status": "existing", "geometry": None}
    grid = build_grid(ln, st, province=PROVINCE)
    assert (grid.edges["kind"] == "line").sum() == 3 and audit_grid(grid).empty
    empty = build_grid(lines(*CORE_LINES).iloc[:0], subs(*CORE_SUBS).iloc[:0])
    assert len(empty.nodes) == 0 and audit_grid(empty).empty
    assert components_table(empty).empty
