"""Plan diff: added, removed, moved (distance in metres) and changed (which fields)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from builders import province as mp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity

import geoplan
from geoplan.crs import to_wgs84
from geoplan.diff import CHANGES, DIFF_COLUMNS, diff_frames, diff_plans, feature_key
from geoplan.errors import PlanError


def _version_b() -> dict[str, gpd.GeoDataFrame]:
    layers = mp.frames()
    c = layers["clusters"]
    c.loc[c["ma"] == "CCN-02", ["trang_thai", "lap_day"]] = ["Hiện trạng", 35.0]
    grown = mp.ha_square(15000, 15000, 36.0)  # CCN-05: 25 ha -> 36 ha, same centre
    c.loc[c["ma"] == "CCN-05", ["dien_tich", "geometry"]] = [36.0, grown]
    new = c[c["ma"] == "CCN-04"].copy()
    new["ma"] = "CCN-07"
    new["ten"] = "Cụm công nghiệp Phú Lâm"
    new["geometry"] = [mp.ha_square(8000, 17000, 12.0)]
    layers["clusters"] = gpd.GeoDataFrame(
        gpd.pd.concat([c[c["ma"] != "CCN-06"], new], ignore_index=True), crs=mp.CRS)
    s = layers["substations"]
    s.loc[s["ma"] == "TBA-110-02", "geometry"] = [
        affinity.translate(s.loc[s["ma"] == "TBA-110-02", "geometry"].iloc[0], xoff=300.0)]
    return layers


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[geoplan.Plan, geoplan.Plan]:
    a = geoplan.load_plan(mp.write_plan(tmp_path_factory.mktemp("a"), name="Tỉnh Thử 2021–2025"))
    b = geoplan.load_plan(mp.write_plan(tmp_path_factory.mktemp("b"), layers=_version_b(),
                                        name="Tỉnh Thử 2026–2030"))
    return a, b


def test_diff_reports_each_change_with_its_measure(plans: tuple[geoplan.Plan, geoplan.Plan]
                                                   ) -> None:
    a, b = plans
    diff = diff_plans(a, b)
    got = {(r["layer"], r["id"], r["change"]): r for r in diff.to_records()}
    assert set(got) == {
        ("clusters", "CCN-07", "added"),
        ("clusters", "CCN-06", "removed"),
        ("clusters", "CCN-02", "changed"),
        ("clusters", "CCN-05", "moved"),
        ("clusters", "CCN-05", "changed"),
        ("substations", "TBA-110-02", "moved"),
    }
    assert got[("clusters", "CCN-02", "changed")]["fields"] == "status, occupancy_pct"
    assert got[("clusters", "CCN-02", "changed")]["details"] == (
        "status: planned → existing; occupancy_pct: – → 35")
    moved = got[("substations", "TBA-110-02", "moved")]
    assert moved["distance_m"] == pytest.approx(300.0, abs=1e-6)
    assert moved["hausdorff_m"] == pytest.approx(300.0, abs=1e-6)
    assert moved["area_change_ha"] is None
    grown = got[("clusters", "CCN-05", "moved")]
    assert grown["distance_m"] == pytest.approx(0.0, abs=1e-6)   # same centre ...
    half = (36e4 ** 0.5 - 25e4 ** 0.5) / 2
    assert grown["hausdorff_m"] == pytest.approx(half * 2 ** 0.5, rel=1e-9)  # ... corners moved
    assert grown["area_change_ha"] == pytest.approx(11.0, rel=1e-9)
    assert got[("clusters", "CCN-05", "changed")]["details"] == "area_ha: 25 → 36"
    assert got[("clusters", "CCN-07", "added")]["name"] == "Cụm công nghiệp Phú Lâm"
    assert list(diff.table.columns) == list(DIFF_COLUMNS)
    summary = diff.summary().set_index("layer")
    assert summary.loc["clusters"].to_dict() == {"added": 1, "removed": 1, "moved": 1,
                                                 "changed": 2}
    assert summary.loc["substations", "moved"] == 1


def test_a_plan_compared_with_itself_has_no_differences(
        plans: tuple[geoplan.Plan, geoplan.Plan]) -> None:
    a, _ = plans
    diff = diff_plans(a, a)
    assert len(diff.frame) == 0
    assert list(diff.summary().columns) == ["layer", *CHANGES]


def test_diff_in_another_crs_measures_in_the_first_plans_crs(
        plans: tuple[geoplan.Plan, geoplan.Plan], tmp_path: Path) -> None:
    a, _ = plans
    layers = {k: to_wgs84(v) if k == "substations" else v for k, v in _version_b().items()}
    path = mp.write_plan(tmp_path, layers=layers, name="UTM")
    text = path.read_text(encoding="utf-8").replace('analysis_crs = "EPSG:9209"',
                                                     'analysis_crs = "EPSG:32648"')
    path.write_text(text, encoding="utf-8")
    b = geoplan.load_plan(path)
    assert b.crs.to_epsg() == 32648
    diff = diff_plans(a, b)
    assert diff.frame.crs.equals(a.crs)
    moved = diff.table[diff.table["change"] == "moved"].set_index("id")
    # unchanged features survive two reprojections without counting as moved (1 cm tolerance)
    assert sorted(moved.index) == ["CCN-05", "TBA-110-02"]
    assert moved.loc["TBA-110-02", "distance_m"] == pytest.approx(300.0, abs=0.01)


def test_layers_in_one_plan_only_are_all_added_or_removed(
        plans: tuple[geoplan.Plan, geoplan.Plan], tmp_path: Path) -> None:
    a, _ = plans
    layers = mp.frames()
    del layers["trade"]
    b = geoplan.load_plan(mp.write_plan(tmp_path, layers=layers))
    forward = diff_plans(a, b).table
    assert set(forward["change"]) == {"removed"}
    assert sorted(forward["id"]) == sorted(a.layers["trade"].frame["id"])
    backward = diff_plans(b, a).table
    assert set(backward["change"]) == {"added"} and len(backward) == len(forward)


def test_boundary_features_are_matched_by_code() -> None:
    before = mp.boundary().rename(columns={"ten": "name", "ma_dvhc": "code"})
    after = before.copy()
    after.loc[1, "name"] = "Xã Đông Tiến Mới"
    assert feature_key(before) == "code"
    d = diff_frames(before, after, layer="boundary", kind="boundary")
    assert d[["id", "change", "details"]].values.tolist() == [
        ["990", "changed", "name: Xã Đông Tiến → Xã Đông Tiến Mới"]]


def test_duplicate_ids_and_kind_clashes_are_refused(plans: tuple[geoplan.Plan, geoplan.Plan],
                                                    tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"id": ["A", "A"]}, geometry=[shapely.Point(0, 0)] * 2,
                             crs=mp.CRS)
    with pytest.raises(PlanError, match=r"id 'A' appears more than once"):
        diff_frames(frame, frame, layer="x")
    a, _ = plans
    layers = mp.frames()
    text_plan = mp.write_plan(tmp_path, layers=layers)
    text = text_plan.read_text(encoding="utf-8").replace(
        'kind = "industrial_park"', 'kind = "industrial_cluster"')
    text_plan.write_text(text, encoding="utf-8")
    b = geoplan.load_plan(text_plan)
    with pytest.raises(PlanError, match=r"layer 'parks' is a industrial_park .* rename"):
        diff_plans(a, b)


def test_diff_geojson_and_cli(plans: tuple[geoplan.Plan, geoplan.Plan], tmp_path: Path) -> None:
    from geoplan.cli import cli

    a, b = plans
    out = tmp_path / "diff.geojson"
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", str(a.path), str(b.path), "--format", "json",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert {(r["id"], r["change"]) for r in records} >= {("CCN-07", "added"),
                                                         ("TBA-110-02", "moved")}
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == len(records) == 6
    lon, lat = next(f for f in doc["features"]
                    if f["properties"]["id"] == "TBA-110-02")["geometry"]["coordinates"]
    assert 105 < lon < 107 and 20 < lat < 22
    table = runner.invoke(cli, ["diff", str(a.path), str(b.path)])
    assert table.exit_code == 0
    assert "TBA-110-02" in table.stdout and "moved" in table.stdout
    again = runner.invoke(cli, ["diff", str(a.path), str(b.path), "-o", str(out)])
    assert again.exit_code == 1 and "--overwrite" in again.stderr


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), data=st.data())
def test_added_removed_and_moved_match_the_edits(n: int, data: st.DataObject) -> None:
    ids = [f"P{i}" for i in range(n)]
    xy = np.arange(n, dtype=float) * 1000.0
    before = gpd.GeoDataFrame({"id": ids, "v": [1.0] * n},
                              geometry=shapely.points(xy, xy), crs=mp.CRS)
    keep = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    shift = data.draw(st.lists(st.sampled_from([0.0, 0.005, 25.0, 400.0]), min_size=n,
                               max_size=n))
    after = before.copy()
    after["geometry"] = shapely.points(xy + np.asarray(shift), xy)
    after = after[keep]
    extra = gpd.GeoDataFrame({"id": ["NEW"], "v": [2.0]}, geometry=[shapely.Point(-5, -5)],
                             crs=mp.CRS)
    after = gpd.GeoDataFrame(gpd.pd.concat([after, extra], ignore_index=True), crs=mp.CRS)
    d = diff_frames(before, after, layer="pts")
    by = {c: set(d.loc[d["change"] == c, "id"]) for c in CHANGES}
    assert by["added"] == {"NEW"}
    assert by["removed"] == {i for i, k in zip(ids, keep, strict=True) if not k}
    assert by["moved"] == {i for i, k, s in zip(ids, keep, shift, strict=True) if k and s > 0.01}
    assert by["changed"] == set()
    moved = d[d["change"] == "moved"].set_index("id")["distance_m"]
    for i, k, s in zip(ids, keep, shift, strict=True):
        if k and s > 0.01:
            assert moved[i] == pytest.approx(s)
    reverse = diff_frames(after, before, layer="pts")
    assert set(reverse.loc[reverse["change"] == "added", "id"]) == by["removed"]
