"""Exports: RFC 7946 GeoJSON, the GeoPackage, zipped Shapefiles, the manifest.

GeoJSON is checked independently of the code that writes it: against a JSON Schema of RFC 7946
(``tests/fixtures/geojson-rfc7946.schema.json``, validated with the ``jsonschema`` package) and
by explicit checks written here for what a schema cannot say (ring closure, ring orientation by
the shoelace formula in numpy, number of decimals in the text); then it is read back through
GDAL (pyogrio) and compared with the plan's frames.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import jsonschema
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import tomllib
from builders import province as mp
from hypothesis import given, settings
from hypothesis import strategies as st

import geoplan
from geoplan.crs import to_wgs84
from geoplan.errors import CRSError, GeoplanError, OutputExistsError, PlanError
from geoplan.export import (
    MANIFEST_NAME,
    SHAPEFILE_NAMES,
    ExportLayer,
    export_plan,
    geojson_text,
    layer_style,
    rfc7946_geometries,
    shapefile_field_names,
    validate_settings,
    write_geojson,
    write_geopackage,
    write_shapefile_zip,
)
from geoplan.findings import make_findings
from geoplan.maps.styles import style_table

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "sample"
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "geojson-rfc7946.schema.json")
                    .read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(doc)]


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mini_plan(tmp_path_factory: pytest.TempPathFactory) -> geoplan.Plan:
    return geoplan.load_plan(mp.write_plan(tmp_path_factory.mktemp("mini")))


@pytest.fixture(scope="module")
def mini_export(mini_plan: geoplan.Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    findings = make_findings([{
        "rule": "cluster-size", "severity": "error", "layer": "clusters", "feature_id": "CCN-04",
        "value": 9.0, "unit": "ha", "threshold": 10.0,
        "message": "Cụm công nghiệp Nam Hà: 9 ha, dưới 10 ha", "reference": "NĐ 32/2024/NĐ-CP",
        "geometry": mini_plan.layers["clusters"].frame.geometry[3]}], crs=mini_plan.crs)
    export_plan(mini_plan, out, extra={"findings": ("findings", findings)})
    return out


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[geoplan.Plan, Path]:
    plan = geoplan.load_plan(SAMPLE)
    out = tmp_path_factory.mktemp("sample-export")
    export_plan(plan, out)
    return plan, out


def _plans(request: pytest.FixtureRequest, which: str) -> tuple[geoplan.Plan, Path]:
    if which == "mini":
        return request.getfixturevalue("mini_plan"), request.getfixturevalue("mini_export")
    return request.getfixturevalue("sample_export")


BOTH = pytest.mark.parametrize("which", ["mini", "sample"])


# ------------------------------------------------------------------------- independent checks


def _rings(geometry: dict[str, Any]) -> list[tuple[str, list[list[float]]]]:
    """(role, ring) of every polygon ring of a GeoJSON geometry: role 'outer' or 'hole'."""
    if geometry is None:
        return []
    t = geometry["type"]
    polys: list[Any] = []
    if t == "Polygon":
        polys = [geometry["coordinates"]]
    elif t == "MultiPolygon":
        polys = geometry["coordinates"]
    elif t == "GeometryCollection":
        return [r for g in geometry["geometries"] for r in _rings(g)]
    out = []
    for poly in polys:
        out.append(("outer", poly[0]))
        out += [("hole", ring) for ring in poly[1:]]
    return out


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return float(0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def _positions(geometry: dict[str, Any] | None) -> list[list[float]]:
    if geometry is None:
        return []
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in _positions(g)]
    arr = geometry["coordinates"]

    def walk(a: Any) -> list[list[float]]:
        if a and isinstance(a[0], (int, float)):
            return [a]
        return [p for x in a for p in walk(x)]

    return walk(arr)


_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(?:[eE][-+]?\d+)?")


def _max_decimals(text: str) -> int:
    """Most decimals of any number inside a ``"coordinates"`` array of GeoJSON text."""
    most = 0
    for m in re.finditer(r'"coordinates":\s*(\[[\[\]\d.,eE+\s-]*\])', text):
        for n in _NUMBER.finditer(m.group(1)):
            most = max(most, len(n.group(1) or ""))
    return most


def _assert_rfc7946(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc, "RFC 7946 removed the crs member"
    assert schema_errors(doc) == [], path.name
    for feature in doc["features"]:
        for role, ring in _rings(feature["geometry"]):
            assert ring[0] == ring[-1], (path.name, feature.get("id"), "ring not closed")
            area = _signed_area(ring)
            assert (area > 0) if role == "outer" else (area < 0), (path.name, feature.get("id"))
        for lon, lat, *rest in _positions(feature["geometry"]):
            assert not rest, "two-dimensional positions"
            assert 100 < lon < 112 and 5 < lat < 25, "longitude first, in Vietnam"
    assert _max_decimals(text) <= 7
    assert unicodedata.is_normalized("NFC", text)
    return doc


# --------------------------------------------------------------------------------- GeoJSON


@BOTH
def test_geojson_passes_the_independent_validator_and_rfc7946_rules(
        which: str, request: pytest.FixtureRequest) -> None:
    plan, out = _plans(request, which)
    files = sorted(out.glob("*.geojson"))
    assert {f.stem for f in files} >= set(plan.layers)
    for path in files:
        _assert_rfc7946(path)


def test_the_schema_and_the_checks_are_not_vacuous(tmp_path: Path) -> None:
    """What the schema must refuse, and what the explicit checks must catch."""
    good = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": "a", "properties": {"name": "Chợ"},
        "geometry": {"type": "Polygon", "coordinates": [[[105, 21], [105.1, 21], [105.1, 21.1],
                                                          [105, 21]]]}}]}
    assert schema_errors(good) == []
    bad_docs = [
        {**good, "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]},
        {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {}, "id": {"x": 1},
            "geometry": {"type": "Point", "coordinates": [105.0, 21.0]}}]},
        {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {},
            "geometry": {"type": "Point", "coordinates": [21.0]}}]},
        {"type": "FeatureCollection", "features": [{   # northing/easting in metres
            "type": "Feature", "properties": {},
            "geometry": {"type": "Point", "coordinates": [2340000.0, 560000.0]}}]},
        {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[105, 21], [105.1, 21],
                                                              [105, 21]]]}}]},
    ]
    for doc in bad_docs:
        assert schema_errors(doc), doc
    cw = json.loads(json.dumps(good))
    cw["features"][0]["geometry"]["coordinates"][0].reverse()
    (tmp_path / "cw.geojson").write_text(json.dumps(cw), encoding="utf-8")
    with pytest.raises(AssertionError):
        _assert_rfc7946(tmp_path / "cw.geojson")
    fine = json.loads(json.dumps(good))
    fine["features"][0]["geometry"]["coordinates"][0][1] = [105.12345678, 21.0]
    (tmp_path / "long.geojson").write_text(json.dumps(fine), encoding="utf-8")
    with pytest.raises(AssertionError):
        _assert_rfc7946(tmp_path / "long.geojson")


@BOTH
def test_geojson_round_trips_through_gdal(which: str, request: pytest.FixtureRequest) -> None:
    plan, out = _plans(request, which)
    for name, layer in plan.layers.items():
        back = pyogrio.read_dataframe(out / f"{name}.geojson")
        assert back.crs.equals("EPSG:4326")
        expected = to_wgs84(layer.frame)
        if "id" in layer.frame.columns:
            back = back.set_index("id").loc[list(layer.frame["id"])].reset_index()
        assert len(back) == len(expected)
        # geometries within the rounding (0.5e-7 degree per coordinate)
        dist = shapely.hausdorff_distance(back.geometry.values, expected.geometry.values)
        assert np.nanmax(dist) < 1e-7, name
        _assert_same_attributes(layer.frame, back, name)


def _assert_same_attributes(frame: pd.DataFrame, back: pd.DataFrame, name: str) -> None:
    for col in frame.columns:
        if col == "geometry":
            continue
        assert col in back.columns, (name, col)
        for a, b in zip(frame[col].tolist(), back[col].tolist(), strict=True):
            if a is None or a is pd.NA or (isinstance(a, float) and np.isnan(a)):
                assert b is None or b is pd.NA or b is pd.NaT or (
                    isinstance(b, float) and np.isnan(b)), (name, col, a, b)
            elif isinstance(a, (bool, np.bool_)):
                assert bool(b) == bool(a), (name, col)
            elif isinstance(a, (int, float, np.integer, np.floating)):
                assert float(b) == pytest.approx(float(a), rel=1e-12), (name, col)
            elif isinstance(b, pd.Timestamp):  # GDAL reads ISO date strings back as dates
                assert b.date().isoformat() == str(a), (name, col)
            else:
                assert str(b) == str(a), (name, col)


def test_geojson_features_carry_the_id_member_and_nfc_text(mini_export: Path) -> None:
    doc = _assert_rfc7946(mini_export / "clusters.geojson")
    ids = [f["id"] for f in doc["features"]]
    assert ids == ["CCN-01", "CCN-02", "CCN-03", "CCN-04", "CCN-05", "CCN-06"]
    assert all("id" not in f["properties"] for f in doc["features"])
    names = [f["properties"]["name"] for f in doc["features"]]
    assert names[1] == unicodedata.normalize("NFC", mp.NFD_NAME) == "Cụm công nghiệp Đồng Nguyên"
    assert names[4] == 'Cụm công nghiệp Tây Hồ "mới"'
    # the hole of CCN-01 and both parts of CCN-03 survive, wound the RFC 7946 way
    roles = [r for r, _ in _rings(doc["features"][0]["geometry"])]
    assert roles == ["outer", "hole"]
    assert doc["features"][2]["geometry"]["type"] == "MultiPolygon"
    # canonical field names, in canonical order, missing values as null
    props = doc["features"][1]["properties"]
    assert list(props)[:4] == ["name", "status", "area_ha", "occupancy_pct"]
    assert props["occupancy_pct"] is None and props["detailed_plan"] is False


def test_geojson_findings_layer_is_exported(mini_export: Path) -> None:
    doc = _assert_rfc7946(mini_export / "findings.geojson")
    (feature,) = doc["features"]
    assert "id" not in feature  # findings have no id column
    assert feature["properties"]["rule"] == "cluster-size"
    assert feature["properties"]["message"] == "Cụm công nghiệp Nam Hà: 9 ha, dưới 10 ha"


def test_nfd_text_of_any_frame_is_written_as_nfc() -> None:
    frame = gpd.GeoDataFrame({"id": ["a"], "name": [mp.NFD_NAME]},
                             geometry=[shapely.Point(mp.X0, mp.Y0)], crs=mp.CRS)
    text = geojson_text(frame)
    assert unicodedata.normalize("NFC", mp.NFD_NAME) in text
    assert mp.NFD_NAME not in text


def test_precision_is_configurable_and_rounds_half_a_unit_at_most() -> None:
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, crs=mp.CRS, geometry=[
        shapely.Point(mp.X0 + 123.456, mp.Y0 + 789.012),
        shapely.LineString([(mp.X0, mp.Y0), (mp.X0 + 1234.5678, mp.Y0 + 10.01)])])
    exact = to_wgs84(frame)
    for precision in (3, 5, 7):
        doc = json.loads(geojson_text(frame, precision=precision))
        assert _max_decimals(geojson_text(frame, precision=precision)) <= precision
        for feature, geom in zip(doc["features"], exact.geometry, strict=True):
            got = np.asarray(_positions(feature["geometry"]))
            want = shapely.get_coordinates(geom)
            assert np.abs(got - want).max() <= 0.5 * 10.0 ** -precision + 1e-12
    assert _max_decimals(geojson_text(frame, precision=None)) > 7


def test_empty_and_missing_geometries_are_null() -> None:
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, crs=mp.CRS,
                             geometry=[shapely.Polygon(), None])
    doc = json.loads(geojson_text(frame))
    assert [f["geometry"] for f in doc["features"]] == [None, None]
    assert schema_errors(doc) == []


def test_missing_values_never_become_nan_in_json() -> None:
    frame = gpd.GeoDataFrame({
        "id": ["a", "b"], "f": [1.5, np.nan], "i": pd.array([3, None], dtype="Int64"),
        "b": pd.array([True, None], dtype="boolean"), "s": ["x", None],
        "when": pd.to_datetime(["2025-07-01", None])},
        geometry=[shapely.Point(mp.X0, mp.Y0)] * 2, crs=mp.CRS)
    text = geojson_text(frame)
    assert "NaN" not in text
    props = [f["properties"] for f in json.loads(text)["features"]]
    assert props[0] == {"f": 1.5, "i": 3, "b": True, "s": "x", "when": "2025-07-01T00:00:00"}
    assert props[1] == {"f": None, "i": None, "b": None, "s": None, "when": None}


def test_frame_without_crs_is_refused() -> None:
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(CRSError, match="set_crs"):
        geojson_text(frame, name="ccn")


def test_a_polygon_smaller_than_the_rounding_is_refused_by_name() -> None:
    tiny = shapely.box(105.0, 21.0, 105.0 + 1e-9, 21.0 + 1e-9)
    with pytest.raises(GeoplanError, match=r"ccn, feature 'X1'.*--precision"):
        rfc7946_geometries([tiny], ids=["X1"], layer="ccn")


ring_sizes = st.integers(min_value=3, max_value=12)


@settings(max_examples=60, deadline=None)
@given(n=ring_sizes, hole=st.booleans(), clockwise=st.booleans(),
       cx=st.floats(102.5, 109.0), cy=st.floats(9.0, 23.0),
       radius=st.floats(1e-3, 0.05), precision=st.integers(5, 9))
def test_rfc7946_winding_holds_for_any_star_polygon(n: int, hole: bool, clockwise: bool,
                                                    cx: float, cy: float, radius: float,
                                                    precision: int) -> None:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    outer = np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)]
    inner = np.c_[cx + 0.3 * radius * np.cos(angles), cy + 0.3 * radius * np.sin(angles)]
    if clockwise:
        outer = outer[::-1]
    else:
        inner = inner[::-1]
    poly = shapely.Polygon(outer, [inner] if hole else None)
    (out,) = rfc7946_geometries([poly], precision=precision)
    geo = json.loads(shapely.to_geojson(out))
    for role, ring in _rings(geo):
        assert (_signed_area(ring) > 0) if role == "outer" else (_signed_area(ring) < 0)
    coords = shapely.get_coordinates(out)
    assert np.allclose(coords, np.round(coords, precision), atol=0, rtol=0)
    assert abs(out.area - poly.area) <= poly.length * 10.0 ** -precision


# ------------------------------------------------------------------------------ GeoPackage


def _gpkg(out: Path) -> Path:
    (path,) = out.glob("*.gpkg")
    return path


@BOTH
def test_geopackage_round_trips_in_the_analysis_crs(which: str,
                                                    request: pytest.FixtureRequest) -> None:
    plan, out = _plans(request, which)
    path = _gpkg(out)
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    assert names[:len(plan.layers)] == list(plan.layers)
    for name, layer in plan.layers.items():
        back = pyogrio.read_dataframe(path, layer=name)
        assert back.crs.equals(plan.crs)
        assert len(back) == len(layer.frame)
        assert list(back.columns) == list(layer.frame.columns)
        assert shapely.equals_exact(back.geometry.values, layer.frame.geometry.values,
                                    tolerance=1e-6).all(), name
        _assert_same_attributes(layer.frame, back, name)


def test_geopackage_has_qgis_layer_styles_from_the_shared_palette(mini_plan: geoplan.Plan,
                                                                   mini_export: Path) -> None:
    path = _gpkg(mini_export)
    assert path.name == "tinh-thu-nghiem-2021-2030.gpkg"
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT f_table_name, f_geometry_column, styleQML, styleSLD, "
                           "useAsDefault FROM layer_styles").fetchall()
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        described = dict(con.execute("SELECT table_name, description FROM gpkg_contents"))
    assert contents["layer_styles"] == "attributes"
    assert described["clusters"] == "Cụm công nghiệp / Industrial cluster"
    styles = {r[0]: r for r in rows}
    assert set(styles) == {*mini_plan.layers, "findings"}
    table = style_table()
    qml = ET.fromstring(styles["lines"][2].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "voltage_kv"
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == ["220", "110", ""]
    colour = table.voltage_color(220).lstrip("#")
    rgb = ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4))
    line_colours = [o.get("value") for o in qml.iter("Option") if o.get("name") == "line_color"]
    assert line_colours[0] == f"{rgb},255"
    sld = ET.fromstring(styles["clusters"][3])
    literals = [e.text for e in sld.iter("{http://www.opengis.net/ogc}Literal")]
    assert literals == ["existing", "expansion", "planned", "under_construction"]
    fills = [e.text for e in sld.iter("{http://www.opengis.net/se}SvgParameter")
             if e.get("name") == "fill"]
    assert fills[0] == table.area_fill("industrial_cluster", "existing")
    assert all(r[4] for r in rows)


def test_layer_style_covers_every_kind(mini_plan: geoplan.Plan) -> None:
    for layer in mini_plan.layers.values():
        qml, sld = layer_style(ExportLayer(layer.name, layer.kind, layer.frame))
        ET.fromstring(qml.split("\n", 1)[1])
        ET.fromstring(sld)


def test_geopackage_layer_metadata_names_the_kind(mini_export: Path) -> None:
    info = pyogrio.read_info(_gpkg(mini_export), layer="trade")
    assert info["layer_metadata"]["geoplan_kind"] == "trade_facility"
    assert info["layer_metadata"]["geoplan_label_vi"] == "Hạ tầng thương mại"


# ------------------------------------------------------------------------ overwrite, atomic


def test_existing_outputs_are_kept_without_overwrite(mini_plan: geoplan.Plan,
                                                      tmp_path: Path) -> None:
    export_plan(mini_plan, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(OutputExistsError, match=r"exist already.*--overwrite"):
        export_plan(mini_plan, tmp_path, precision=3)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    result = export_plan(mini_plan, tmp_path, precision=3, overwrite=True)
    assert (tmp_path / "clusters.geojson").read_bytes() != before["clusters.geojson"]
    assert result.manifest["geojson_precision"] == 3


def test_a_dangling_link_at_an_output_counts_as_an_existing_output(mini_plan: geoplan.Plan,
                                                                   tmp_path: Path) -> None:
    link = tmp_path / "clusters.geojson"
    link.symlink_to(tmp_path / "nowhere.geojson")
    with pytest.raises(OutputExistsError,
                       match=r"1 output\(s\) exist already \(clusters\.geojson\); pass "
                             r"--overwrite"):
        export_plan(mini_plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clusters.geojson"]
    export_plan(mini_plan, tmp_path, overwrite=True)
    assert not link.is_symlink() and link.is_file()


def test_single_file_writers_refuse_an_existing_file_and_keep_it(mini_plan: geoplan.Plan,
                                                                 tmp_path: Path) -> None:
    layer = mini_plan.layers["clusters"]
    export = ExportLayer("clusters", layer.kind, layer.frame)
    for name, write in (
            ("a.gpkg", lambda p, **kw: write_geopackage([export], p, crs=mini_plan.crs, **kw)),
            ("a.shp.zip", lambda p, **kw: write_shapefile_zip(export, p, **kw))):
        path = tmp_path / name
        path.write_bytes(b"kept")
        with pytest.raises(OutputExistsError, match=rf"{name}: exists already; pass --overwrite"):
            write(path)
        assert path.read_bytes() == b"kept"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        write(path, overwrite=True)
        assert path.read_bytes() != b"kept"


def test_a_failed_write_leaves_no_partial_file(mini_plan: geoplan.Plan, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = pyogrio.write_dataframe
    calls = {"n": 0}

    def flaky(df: Any, path: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        real(df, path, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", flaky)
    with pytest.raises(OSError, match="simulated"):
        export_plan(mini_plan, tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in left if n.endswith(".gpkg") or n.startswith(".")], left
    assert MANIFEST_NAME not in left


# ------------------------------------------------------------------------------- Shapefile


def test_shapefile_zip_is_utf8_and_round_trips(mini_plan: geoplan.Plan, tmp_path: Path) -> None:
    layer = mini_plan.layers["clusters"]
    path = write_shapefile_zip(ExportLayer("clusters", layer.kind, layer.frame),
                               tmp_path / "clusters.shp.zip")
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"clusters.{s}" for s in ("shp", "shx", "dbf", "prj", "cpg"))
        assert zf.read("clusters.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    back = pyogrio.read_dataframe(f"/vsizip/{path}/clusters.shp")
    assert "occup_pct" in back.columns and "detail_pln" in back.columns
    assert list(back["name"]) == list(layer.frame["name"])
    assert back["name"][1] == "Cụm công nghiệp Đồng Nguyên"
    assert back.crs.equals(mini_plan.crs)
    assert np.allclose(back["occup_pct"].astype(float), layer.frame["occupancy_pct"],
                       equal_nan=True)


def test_shapefile_refuses_a_long_field_name() -> None:
    with pytest.raises(GeoplanError, match=r"ccn: field 'occupancy_pct' → 'occupancy_percent'.*"
                                           r"shapefile_fields"):
        shapefile_field_names(["occupancy_pct"], layer="ccn",
                              overrides={"occupancy_pct": "occupancy_percent"})
    with pytest.raises(GeoplanError, match="would both be 'name'"):
        shapefile_field_names(["name", "title"], layer="ccn", overrides={"title": "name"})
    assert all(len(v) <= 10 for v in SHAPEFILE_NAMES.values())


def test_shapefile_refuses_a_value_over_254_bytes(mini_plan: geoplan.Plan,
                                                  tmp_path: Path) -> None:
    frame = mini_plan.layers["clusters"].frame.copy()
    long_name = "Cụm công nghiệp " + "Đồng Nguyên " * 15  # < 254 characters, > 254 bytes
    assert len(long_name) < 254 < len(long_name.encode("utf-8"))
    frame.loc[2, "name"] = long_name
    with pytest.raises(GeoplanError, match=r"clusters: feature 'CCN-03', field 'name'.*254"):
        write_shapefile_zip(ExportLayer("clusters", "industrial_cluster", frame),
                            tmp_path / "clusters.shp.zip")
    assert not list(tmp_path.iterdir())


def test_shapefile_export_refuses_mixed_geometries_before_writing(mini_plan: geoplan.Plan,
                                                                  tmp_path: Path) -> None:
    with pytest.raises(GeoplanError, match=r"trade: mixes Point, Polygon.*GeoPackage"):
        export_plan(mini_plan, tmp_path, shapefile=True)
    assert not list(tmp_path.iterdir())


def test_shapefile_export_of_a_plan(tmp_path: Path) -> None:
    layers = mp.frames(polygon_trade=False)
    plan = geoplan.load_plan(mp.write_plan(tmp_path / "plan", layers=layers,
                                           extra="[export]\nshapefile = true\n"
                                                 "shapefile_fields = { capacity_mva = \"mva\" }"))
    result = export_plan(plan, tmp_path / "out")
    zips = sorted(p.name for p in (tmp_path / "out").glob("*.shp.zip"))
    assert zips == sorted(f"{n}.shp.zip" for n in plan.layers)
    back = pyogrio.read_dataframe(f"/vsizip/{tmp_path / 'out' / 'substations.shp.zip'}"
                                  "/substations.shp")
    assert "mva" in back.columns
    assert result.manifest["shapefile_fields"]["capacity_mva"] == "mva"


# -------------------------------------------------------------------------------- manifest


def test_manifest_traces_inputs_outputs_crs_and_counts(mini_plan: geoplan.Plan,
                                                       mini_export: Path) -> None:
    manifest = json.loads((mini_export / MANIFEST_NAME).read_text(encoding="utf-8"))
    folder = mini_plan.path.parent
    for record in manifest["inputs"]:
        data = (folder / record["file"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert {r["layer"] for r in manifest["inputs"]} == set(mini_plan.layers)
    assert manifest["plan"]["sha256"] == hashlib.sha256(mini_plan.path.read_bytes()).hexdigest()
    for record in manifest["outputs"]:
        data = (mini_export / record["file"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert sorted(r["file"] for r in manifest["outputs"]) == sorted(
        p.name for p in mini_export.iterdir() if p.name != MANIFEST_NAME)
    assert manifest["crs"]["analysis"]["id"] == "EPSG:9209"
    assert manifest["crs"]["transformation"]["id"] == "EPSG:6960"
    assert manifest["counts"] == {**{n: len(x.frame) for n, x in mini_plan.layers.items()},
                                  "findings": 1}
    assert manifest["rules"]["version"] == tomllib.loads(
        (Path(geoplan.__file__).parent / "data" / "rules.toml").read_text(encoding="utf-8")
    )["meta"]["version"]
    assert manifest["rules"]["plan_overrides"] == {}
    rules_file = Path(geoplan.__file__).parent / "data" / "rules.toml"
    assert manifest["rules"]["sha256"] == hashlib.sha256(rules_file.read_bytes()).hexdigest()
    assert manifest["geojson_precision"] == 7


# -------------------------------------------------------------------------------- settings


def test_settings_are_checked() -> None:
    validate_settings({"precision": 6, "shapefile": True, "geopackage": "tinh.gpkg",
                       "shapefile_fields": {"occupancy_pct": "occ"}})
    with pytest.raises(PlanError, match=r"'precison'.*did you mean 'precision'"):
        validate_settings({"precison": 6})
    with pytest.raises(PlanError, match="integer from 0 to 15"):
        validate_settings({"precision": 7.5})
    with pytest.raises(PlanError, match=r"ending in \.gpkg"):
        validate_settings({"geopackage": "../x.gpkg"})


def test_an_extra_layer_may_not_take_a_plan_layer_name(mini_plan: geoplan.Plan,
                                                       tmp_path: Path) -> None:
    frame = mini_plan.layers["clusters"].frame
    with pytest.raises(PlanError, match=r"rename \[layers.clusters\]"):
        export_plan(mini_plan, tmp_path, extra={"clusters": ("findings", frame)})


def test_an_extra_layer_in_another_crs_is_refused(mini_plan: geoplan.Plan,
                                                  tmp_path: Path) -> None:
    frame = to_wgs84(mini_plan.layers["clusters"].frame)
    with pytest.raises(CRSError, match=r"geoplan\.crs\.to_crs"):
        export_plan(mini_plan, tmp_path, extra={"other": ("findings", frame)})


def test_write_geojson_is_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(mp.X0, mp.Y0)], crs=mp.CRS)
    path = write_geojson(frame, tmp_path / "a.geojson")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_geojson(frame, path)
    write_geojson(frame, path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["a.geojson"]


# ------------------------------------------------------------------------------------ CLI


def test_cli_export_of_the_sample_with_findings_and_coverage(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from geoplan.cli import cli

    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["export", str(SAMPLE), "-o", str(out), "--findings",
                                 "--coverage", "--precision", "6"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"findings.geojson", "coverage_features.geojson", "coverage_substations.geojson",
            "coverage_service_areas.geojson", "clusters.geojson", MANIFEST_NAME} <= names
    for name in ("findings.geojson", "coverage_features.geojson", "coverage_gaps.geojson"):
        _assert_rfc7946(out / name)
    assert _max_decimals((out / "clusters.geojson").read_text(encoding="utf-8")) <= 6
    findings = json.loads((out / "findings.geojson").read_text(encoding="utf-8"))
    rules = {(f["properties"]["rule"], f["properties"]["feature_id"])
             for f in findings["features"]}
    assert {("cluster-size", "CCN-25"), ("coverage-gap", "CCN-47"),
            ("substation-overload", "TBA-110-08")} <= rules
    gpkg_layers = [str(n) for n, _ in pyogrio.list_layers(_gpkg(out))]
    assert "findings" in gpkg_layers and "coverage_sites" in gpkg_layers
    assert str(out / MANIFEST_NAME) in result.stdout.splitlines()
    again = runner.invoke(cli, ["export", str(SAMPLE), "-o", str(out)])
    assert again.exit_code == 1
    assert "--overwrite" in again.stderr and "Traceback" not in again.output


def test_an_empty_layer_is_an_empty_feature_collection() -> None:
    frame = gpd.GeoDataFrame({"id": [], "name": []}, geometry=gpd.GeoSeries([], crs=mp.CRS),
                             crs=mp.CRS)
    doc = json.loads(geojson_text(frame))
    assert doc == {"type": "FeatureCollection", "features": []}
    assert schema_errors(doc) == []


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(st.tuples(
    st.one_of(st.none(), st.text(max_size=12)),
    st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)),
    st.one_of(st.none(), st.integers(-10**12, 10**12)),
    st.one_of(st.none(), st.booleans())), min_size=1, max_size=8))
def test_properties_round_trip_through_json(rows: list[tuple[Any, ...]]) -> None:
    text = pd.Series([r[0] for r in rows], dtype=object)
    frame = gpd.GeoDataFrame({
        "id": [f"F{i}" for i in range(len(rows))], "text": text,
        "number": pd.Series([r[1] for r in rows], dtype=object),
        "count": pd.array([r[2] for r in rows], dtype="Int64"),
        "flag": pd.array([r[3] for r in rows], dtype="boolean")},
        geometry=[shapely.Point(mp.X0, mp.Y0)] * len(rows), crs=mp.CRS)
    doc = json.loads(geojson_text(frame))
    for feature, (t, x, n, b) in zip(doc["features"], rows, strict=True):
        assert feature["properties"] == {
            "text": None if t is None else unicodedata.normalize("NFC", t),
            "number": x, "count": n, "flag": b}


def test_a_layer_name_that_is_no_file_name_is_refused(mini_plan: geoplan.Plan,
                                                      tmp_path: Path) -> None:
    frame = mini_plan.layers["clusters"].frame
    with pytest.raises(PlanError, match=r"'\.\./x' cannot be a file name"):
        export_plan(mini_plan, tmp_path, extra={"../x": ("findings", frame)})
    assert not list(tmp_path.iterdir())
