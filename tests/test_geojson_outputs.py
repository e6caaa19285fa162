"""Every GeoJSON every command writes is RFC 7946 and GEOS-valid, on the sample and on the real
OpenStreetMap grid of a province.

Each file is checked independently of the writer: against the JSON Schema of a GeoJSON
FeatureCollection published by geojson.org (``tests/data/geojson-schema/``, with the
``jsonschema`` package), and here for what a schema cannot say: every geometry valid for GEOS
(``shapely.is_valid``), outer rings counter-clockwise and holes clockwise, at most 7 decimals,
no ``crs`` member, ids unique. Then the writer's own rules, one by one, on the geometries that
broke them before: zero-length line parts, self-intersecting polygons, wrong winding, long
decimals, findings without a drawable geometry.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import jsonschema
import numpy as np
import pyogrio
import pytest
import shapely
from builders.osm import osm_province_plan
from click.testing import CliRunner
from shapely.geometry import shape

from geoplan.cli import cli
from geoplan.errors import GeoplanError
from geoplan.findings import make_findings
from geoplan.io import geojson_text, write_geojson_layers
from geoplan.io.geojson import feature_ids, rfc7946_geometries

SCHEMA = json.loads((Path(__file__).parent / "data" / "geojson-schema" / "FeatureCollection.json")
                    .read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "sample"
COMMANDS = ("check", "coverage", "grid", "export", "diff", "demo")


# ---------------------------------------------------------------------- independent checks


def _rings(geometry: dict[str, Any]) -> list[tuple[str, list[list[float]]]]:
    t = geometry["type"]
    polys = [geometry["coordinates"]] if t == "Polygon" else (
        geometry["coordinates"] if t == "MultiPolygon" else [])
    if t == "GeometryCollection":
        return [r for g in geometry["geometries"] for r in _rings(g)]
    return [(("outer" if k == 0 else "hole"), ring) for poly in polys
            for k, ring in enumerate(poly)]


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring, dtype=float)
    return float(0.5 * np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def _numbers(geometry: dict[str, Any]) -> list[float]:
    if geometry["type"] == "GeometryCollection":
        return [v for g in geometry["geometries"] for v in _numbers(g)]
    out: list[float] = []

    def walk(a: Any) -> None:
        if isinstance(a, (int, float)):
            out.append(a)
        else:
            for b in a:
                walk(b)

    walk(geometry["coordinates"])
    return out


def problems_of(path: Path) -> list[str]:
    """Everything wrong with one GeoJSON file (empty when it is RFC 7946 and GEOS-valid)."""
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    out = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message[:120]}"
           for e in VALIDATOR.iter_errors(doc)]
    if "crs" in doc or any("crs" in f for f in doc.get("features", [])):
        out.append("a crs member")
    long = [v for f in doc["features"] if f["geometry"] is not None
            for v in _numbers(f["geometry"]) if re.search(r"\.\d{8,}", repr(v))]
    if long:
        out.append(f"{len(long)} coordinates with more than 7 decimals, e.g. {long[0]!r}")
    ids = [f["id"] for f in doc["features"] if "id" in f]
    if len(ids) != len(set(ids)):
        out.append(f"{len(ids) - len(set(ids))} repeated ids")
    for k, feature in enumerate(doc["features"]):
        geometry = feature["geometry"]
        if geometry is None:
            continue
        g = shape(geometry)
        if g.is_empty:
            out.append(f"feature {k}: an empty geometry (RFC 7946 writes null)")
        elif not shapely.is_valid(g):
            props = feature["properties"]
            who = props.get("rule") or props.get("output") or feature.get("id")
            out.append(f"feature {k} ({who}): {shapely.is_valid_reason(g)}")
        for role, ring in _rings(geometry):
            if ring[0] != ring[-1]:
                out.append(f"feature {k}: a ring that is not closed")
            elif (_signed_area(ring) > 0) != (role == "outer"):
                out.append(f"feature {k}: {role} ring wound the wrong way")
    return out


# ------------------------------------------------------------------ every command, two plans


def _changed_copy(plan_file: Path, folder: Path, layer_file: str) -> Path:
    """A copy of the plan whose ``layer_file`` lost its first feature and moved its second."""
    shutil.copytree(plan_file.parent, folder)
    path = folder / layer_file
    frame = pyogrio.read_dataframe(path)
    moved = frame.iloc[1:].copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[0], 0.002, 0.001)
    path.unlink()
    pyogrio.write_dataframe(moved, path)
    return folder / plan_file.name


def run_every_command(plan_file: Path, out: Path, changed: Path) -> dict[str, list[Path]]:
    """The GeoJSON files each command writes, by command."""
    runner = CliRunner()
    folders = {c: out / c for c in COMMANDS}
    for folder in folders.values():
        folder.mkdir(parents=True)
    calls = {
        "check": ["check", plan_file, "-o", folders["check"] / "findings.geojson"],
        "coverage": ["coverage", plan_file, "--site", "2", "-o",
                     folders["coverage"] / "coverage.geojson"],
        "grid": ["grid", plan_file, "-o", folders["grid"] / "graph.geojson"],
        "export": ["export", plan_file, "-o", folders["export"] / "x", "--findings",
                   "--coverage"],
        "diff": ["diff", plan_file, changed, "-o", folders["diff"] / "diff.geojson"],
        "demo": ["demo", plan_file, "-o", folders["demo"]],
    }
    for command, args in calls.items():
        res = runner.invoke(cli, [str(a) for a in args])
        assert res.exit_code in (0, 3), (command, res.output[-2000:])
        assert "Traceback" not in res.output
    return {c: sorted(folders[c].rglob("*.geojson")) for c in COMMANDS}


@pytest.fixture(scope="module")
def sample_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("sample-outputs")
    changed = _changed_copy(SAMPLE / "plan.toml", root / "changed", "restricted_zones.geojson")
    return run_every_command(SAMPLE / "plan.toml", root / "out", changed)


@pytest.fixture(scope="module")
def osm_outputs(shared_data: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("osm-outputs")
    plan_file = osm_province_plan(shared_data, root / "bac-ninh", "Bắc Ninh", population=True)
    changed = _changed_copy(plan_file, root / "changed", "substations.geojson")
    return run_every_command(plan_file, root / "out", changed)


@pytest.mark.parametrize("command", COMMANDS)
def test_sample_outputs_are_rfc7946_and_valid(sample_outputs: dict[str, list[Path]],
                                              command: str) -> None:
    files = sample_outputs[command]
    assert files, f"{command} wrote no GeoJSON"
    found = {f.name: problems_of(f) for f in files}
    assert found == {f.name: [] for f in files}


@pytest.mark.shared
@pytest.mark.parametrize("command", COMMANDS)
def test_real_osm_outputs_are_rfc7946_and_valid(osm_outputs: dict[str, list[Path]],
                                                command: str) -> None:
    files = osm_outputs[command]
    assert files, f"{command} wrote no GeoJSON"
    found = {f.name: problems_of(f) for f in files}
    assert found == {f.name: [] for f in files}


@pytest.mark.shared
def test_real_osm_grid_graph_had_zero_length_edges(osm_outputs: dict[str, list[Path]]) -> None:
    """The Bắc Ninh graph holds edges of no length (two nodes at one place); they are written
    as their point, not as an invalid [[x, y], [x, y]] line."""
    (graph,) = osm_outputs["grid"]
    doc = json.loads(graph.read_text(encoding="utf-8"))
    edges = [f for f in doc["features"] if f["properties"]["element"] == "edge"]
    points = [f for f in edges if f["geometry"]["type"] == "Point"]
    assert points and all(f["properties"]["length_m"] < 0.01 for f in points)
    assert all(f["id"] for f in doc["features"])


def test_outputs_are_the_same_bytes_every_time(sample_outputs: dict[str, list[Path]],
                                               tmp_path: Path) -> None:
    for command, name in (("check", "findings.geojson"), ("coverage", "coverage.geojson"),
                          ("grid", "graph.geojson")):
        again = tmp_path / name
        extra = ["--site", "2"] if command == "coverage" else []
        res = CliRunner().invoke(cli, [command, str(SAMPLE), *extra, "-o", str(again)])
        assert res.exit_code in (0, 3)
        (first,) = [p for p in sample_outputs[command] if p.name == name]
        assert again.read_bytes() == first.read_bytes(), command


# ---------------------------------------------------------------------- the writer's rules


def _frame(geoms: list[Any], **columns: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:4326")


def _written(frame: gpd.GeoDataFrame, **kwargs: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(geojson_text(frame, **kwargs))
    return doc


def test_zero_length_lines_and_parts() -> None:
    zero = shapely.LineString([(105.5, 21.5), (105.5, 21.5)])
    multi = shapely.MultiLineString([[(105.0, 21.0), (105.1, 21.0)], [(105.2, 21.2),
                                                                        (105.2, 21.2)]])
    doc = _written(_frame([zero, multi], id=["a", "b"]))
    geoms = [f["geometry"] for f in doc["features"]]
    assert geoms[0] == {"type": "Point", "coordinates": [105.5, 21.5]}  # its point
    assert geoms[1] == {"type": "LineString", "coordinates": [[105.0, 21.0], [105.1, 21.0]]}
    # a real line shorter than the rounding would vanish: refused by name, not written wrong
    almost = shapely.LineString([(105.3, 21.3), (105.300000001, 21.3)])
    with pytest.raises(GeoplanError, match=r"lines, feature 'c': its geometry collapses"):
        geojson_text(_frame([almost], id=["c"]), name="lines")


def test_self_intersecting_polygons_are_made_valid() -> None:
    bow = shapely.Polygon([(105.0, 21.0), (105.1, 21.1), (105.1, 21.0), (105.0, 21.1)])
    assert not bow.is_valid
    (out,) = rfc7946_geometries([bow])
    assert out.is_valid and out.geom_type == "MultiPolygon" and len(out.geoms) == 2
    assert out.area == pytest.approx(0.005, rel=1e-6)


def test_polygons_wound_clockwise_are_turned() -> None:
    cw = shapely.Polygon([(105.0, 21.0), (105.0, 21.1), (105.1, 21.1), (105.1, 21.0)],
                         [[(105.02, 21.02), (105.08, 21.02), (105.08, 21.08), (105.02, 21.08)]])
    doc = _written(_frame([cw]), id_field=None)
    rings = _rings(doc["features"][0]["geometry"])
    assert [role for role, _ in rings] == ["outer", "hole"]
    outer, hole = (ring for _, ring in rings)
    assert _signed_area(outer) > 0 > _signed_area(hole)


def test_fifteen_decimals_become_seven() -> None:
    pt = shapely.Point(105.123456789012345, 21.987654321098765)
    text = geojson_text(_frame([pt]))
    assert '"coordinates":[105.1234568,21.9876543]' in text


def test_a_polygon_of_no_area_is_its_point_and_a_missing_geometry_null() -> None:
    flat = shapely.Polygon([(105.0, 21.0), (105.1, 21.0), (105.2, 21.0), (105.0, 21.0)])
    findings = make_findings([
        {"rule": "overlap", "severity": "error", "layer": "a", "feature_id": "X",
         "message": "m", "geometry": flat},
        {"rule": "overlap", "severity": "error", "layer": "a", "feature_id": "Y",
         "message": "m", "geometry": None}], crs="EPSG:4326")
    doc = _written(findings, id_field=("rule", "layer", "feature_id"))
    by_id = {f["id"]: f["geometry"] for f in doc["features"]}
    assert by_id["overlap/a/X"]["type"] == "Point"
    assert by_id["overlap/a/Y"] is None


def test_feature_ids_are_unique_and_layered(tmp_path: Path) -> None:
    frame = _frame([shapely.Point(105, 21)] * 3, layer=["a", "a", "b"], feature_id=["1"] * 3)
    assert feature_ids(frame, ("layer", "feature_id")) == ["a/1", "a/1#2", "b/1"]
    path = write_geojson_layers({"features": frame, "gaps": frame.iloc[:1]},
                                tmp_path / "x.geojson",
                                id_fields={"features": ("layer", "feature_id")})
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [f.get("id") for f in doc["features"]] == ["features/a/1", "features/a/1#2",
                                                     "features/b/1", None]
    assert problems_of(path) == []


def test_a_finding_with_nothing_to_draw_gets_its_features_point(sample_plan: Any) -> None:
    from geoplan.findings import locate_findings

    cluster = sample_plan.layers["clusters"].frame.iloc[0]
    findings = make_findings([
        {"rule": "overlap", "severity": "error", "layer": "clusters",
         "feature_id": cluster["id"], "message": "m", "geometry": shapely.Polygon()},
        {"rule": "outside-boundary", "severity": "info", "message": "no boundary",
         "geometry": None}], crs=sample_plan.crs)
    located = locate_findings(findings, {n: layer.frame
                                         for n, layer in sample_plan.layers.items()})
    by_rule = dict(zip(located["rule"], located.geometry, strict=True))
    assert by_rule["overlap"].geom_type == "Point"
    assert cluster.geometry.contains(by_rule["overlap"])
    assert by_rule["outside-boundary"] is None  # a note about the whole plan: no place
    doc = json.loads(geojson_text(located, id_field=("rule", "layer", "feature_id")))
    assert [f["geometry"] and f["geometry"]["type"] for f in doc["features"]] == [None, "Point"]
