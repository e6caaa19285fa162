"""Row order never changes a result: every tie is broken by a stable key (ids).

Property tests shuffle the rows of every layer of a plan (every layer kind at once) and compare
the whole set of findings -- the plan rules, the grid audit and the coverage -- and the grid's
graph as written, with those of the plan as loaded. On the real OpenStreetMap grid of Hà Nội,
``grid-voltage-mismatch`` named a different ``other_id`` for several lines when the rows were
shuffled; it no longer does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from builders.osm import osm_province_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

import geoplan
from geoplan.analysis import analyse
from geoplan.grid import analyse_plan, audit_grid, build_grid
from geoplan.grid.output import grid_geojson

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0


def shuffled(plan: geoplan.Plan, orders: dict[str, np.ndarray]) -> geoplan.Plan:
    layers = {name: dataclasses.replace(layer, frame=layer.frame.iloc[orders[name]]
                                        .reset_index(drop=True))
              for name, layer in plan.layers.items()}
    return dataclasses.replace(plan, layers=layers)


def comparable(findings: gpd.GeoDataFrame) -> pd.DataFrame:
    """Findings as plain values, in the order the frame has them (it is sorted)."""
    out = pd.DataFrame(findings.drop(columns="geometry")).astype(object)
    out = out.where(out.notna(), None)
    out["value"] = [None if v is None else round(float(v), 6) for v in out["value"]]
    out["geometry"] = [None if g is None else shapely.normalize(
        shapely.set_precision(g, 0.001)).wkt for g in findings.geometry]
    return out.reset_index(drop=True)


def permutations(plan: geoplan.Plan) -> st.SearchStrategy[dict[str, np.ndarray]]:
    return st.fixed_dictionaries({
        name: st.permutations(range(len(layer.frame))).map(np.array)
        for name, layer in plan.layers.items()})


@pytest.fixture(scope="module")
def sample_baseline(sample_plan: geoplan.Plan) -> tuple[pd.DataFrame, dict[str, Any]]:
    analysis = analyse(sample_plan, site=2)
    assert analysis.grid is not None
    return comparable(analysis.findings), grid_geojson(analysis.grid.grid)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_sample_results_do_not_depend_on_row_order(sample_plan: geoplan.Plan,
                                                   sample_baseline: tuple[pd.DataFrame,
                                                                          dict[str, Any]],
                                                   data: st.DataObject) -> None:
    orders = data.draw(permutations(sample_plan))
    analysis = analyse(shuffled(sample_plan, orders), site=2)
    findings, graph = sample_baseline
    pd.testing.assert_frame_equal(comparable(analysis.findings), findings)
    assert analysis.grid is not None and grid_geojson(analysis.grid.grid) == graph


def test_every_layer_kind_of_the_sample_is_shuffled(sample_plan: geoplan.Plan) -> None:
    kinds = {layer.kind for layer in sample_plan.layers.values() if len(layer.frame) > 1}
    assert kinds >= {"industrial_cluster", "industrial_park", "trade_facility", "grid_line",
                     "substation", "restricted_zone", "boundary"}


@pytest.fixture(scope="module")
def hanoi(shared_data: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[geoplan.Plan, pd.DataFrame]:
    path = osm_province_plan(shared_data, tmp_path_factory.mktemp("hanoi"), "Hà Nội",
                             voltage_field="max_voltage", plants=False)
    plan = geoplan.load_plan(path)
    return plan, comparable(analyse_plan(plan).findings)


@pytest.mark.shared
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_real_grid_findings_do_not_depend_on_row_order(hanoi: tuple[geoplan.Plan,
                                                                    pd.DataFrame],
                                                       data: st.DataObject) -> None:
    plan, baseline = hanoi
    assert (baseline["rule"] == "grid-voltage-mismatch").sum() >= 5
    orders = data.draw(permutations(plan))
    got = comparable(analyse_plan(shuffled(plan, orders)).findings)
    pd.testing.assert_frame_equal(got, baseline)


# ------------------------------------------------------------------- the ties, one by one


def _lines(*rows: tuple[str, int, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"id": i, "name": i, "voltage_kv": kv, "status": "existing", "circuits": 1,
          "geometry": LineString([(X0 + x * 1000, Y0 + y * 1000) for x, y in pts])}
         for i, kv, pts in rows], geometry="geometry", crs=CRS)


@settings(max_examples=20, deadline=None)
@given(order=st.permutations(range(3)))
def test_a_line_end_on_two_lines_of_another_voltage_names_the_smaller_id(
        order: list[int]) -> None:
    # the 110 kV line ends where two 220 kV lines end, at one point: other_id is "A220"
    rows = [("Z220", 220, [(5, 0), (10, 0)]), ("A220", 220, [(5, 0), (5, 5)]),
            ("L110", 110, [(0, 0), (5, 0)])]
    grid = build_grid(_lines(*[rows[i] for i in order]))
    found = audit_grid(grid)
    mismatch = found[(found["rule"] == "grid-voltage-mismatch")
                     & (found["feature_id"] == "L110")]
    assert mismatch["other_id"].tolist() == ["A220"]


@settings(max_examples=20, deadline=None)
@given(order=st.permutations(range(4)))
def test_node_ids_and_components_follow_the_ids(order: list[int]) -> None:
    subs = gpd.GeoDataFrame(
        [{"id": i, "name": i, "voltage_kv": 110, "status": "existing",
          "geometry": Point(X0 + x * 1000, Y0)} for i, x in (("A", 0), ("B", 10), ("C", 20),
                                                              ("D", 30))],
        geometry="geometry", crs=CRS)
    lines = _lines(("L1", 110, [(0, 0), (10, 0)]), ("L2", 110, [(20, 0), (30, 0)]))
    grid = build_grid(lines, subs.iloc[order].reset_index(drop=True))
    nodes = grid.nodes.sort_values("feature_id")
    assert nodes["node"].tolist() == ["S0@110", "S1@110", "S2@110", "S3@110"]
    # two parts of one size: component 1 is the one holding the smallest node id (A-B)
    assert nodes["component"].tolist() == [1, 1, 2, 2]


def _reference_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The findings order as documented, by one pandas sort over every key (the WKB of every
    row, not only of the tied ones): the reference the fast sort must match."""
    keys = pd.DataFrame({c: frame[c].fillna("") for c in
                         ["rule", "layer", "feature_id", "other_layer", "other_id", "message",
                          "severity"]})
    keys["value"] = frame["value"].fillna(-np.inf)
    keys["threshold"] = frame["threshold"].fillna(-np.inf)
    keys["wkb"] = [shapely.to_wkb(g, hex=True, output_dimension=2) if g is not None else ""
                   for g in frame["geometry"]]
    return frame.loc[keys.sort_values(list(keys.columns), kind="stable").index]


_WORDS = st.sampled_from([None, "", "a", "b", "Đông", "dong", "a b"])
_FIGURES = st.sampled_from([np.nan, -np.inf, 0.0, -0.0, 1.5, 10.0])
_SHAPES = st.sampled_from([None, Point(0, 0), Point(1, 0), Point(0, 1),
                           LineString([(0, 0), (1, 1)]), shapely.Polygon()])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["overlap", "corridor"]), _WORDS, _WORDS, _WORDS,
                          st.sampled_from(["error", "warning", "info"]), _FIGURES, _FIGURES,
                          _SHAPES), min_size=0, max_size=40))
def test_findings_order_is_the_documented_sort(rows: list[tuple[Any, ...]]) -> None:
    """Many ties on the text keys, missing values, equal and missing geometries: the order of
    make_findings is that of one stable sort on every key, whatever the rows' order."""
    from geoplan.findings import make_findings

    records = [{"rule": r, "layer": layer, "feature_id": fid, "message": msg, "severity": sev,
                "value": v, "threshold": t, "geometry": g}
               for r, layer, fid, msg, sev, v, t, g in rows]
    got = make_findings(records, crs=CRS)
    assert list(_reference_order(got).index) == list(range(len(got)))
    backwards = gpd.GeoDataFrame(got.iloc[::-1].reset_index(drop=True), crs=CRS)
    want = _reference_order(backwards).reset_index(drop=True)
    again = make_findings(backwards, crs=CRS)
    def plain(frame: pd.DataFrame) -> list[list[Any]]:
        table = pd.DataFrame(frame).drop(columns="geometry").astype(object)
        return [[None if pd.isna(v) else v for v in row] for row in table.itertuples(index=False)]

    assert plain(again) == plain(want)
    assert again.geometry.to_wkb().tolist() == want.geometry.to_wkb().tolist()
