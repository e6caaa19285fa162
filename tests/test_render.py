"""The interactive map: folium object state, compact encoding, normalised HTML fragments.

Browser-level checks (console errors, drawn features, popups) are in test_map_browser.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from builders.plans import PlanBuilder, ha_square, province_polygon, square
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon

import geoplan
from geoplan.errors import OutputExistsError, PlanError
from geoplan.maps import codec
from geoplan.maps import interactive as render
from geoplan.maps.codec import decode

folium = pytest.importorskip("folium")


# --------------------------------------------------------------------------------- helpers


def column(data: dict[str, Any], name: str) -> list[Any]:
    return codec.decode_column(data, name)


def normalise(html: str) -> str:
    """Replace folium's random element ids so fragments can be compared."""
    return re.sub(r"_[0-9a-f]{32}", "_ID", html)


def layer_elements(m: Any) -> list[Any]:
    return [c for c in m._children.values() if type(c).__name__ == "DataLayer"]


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory: pytest.TempPathFactory) -> geoplan.Plan:
    """Three clusters, two lines, a substation and a mixed point/polygon trade layer."""
    folder = tmp_path_factory.mktemp("small_plan")
    b = PlanBuilder(folder, name="Bản đồ thử <test>")
    b.add_boundary()
    x0, y0 = province_polygon().bounds[:2]
    clusters = gpd.GeoDataFrame(
        {"id": ["C1", "C2", "C3"], "name": ["CCN Đông Thọ", "CCN Tây Sơn", "CCN Nam Hà"],
         "status": ["existing", "planned", "expansion"], "area_ha": [20.0, 35.5, 12.25],
         "occupancy_pct": [80.0, None, 10.0]},
        geometry=[ha_square(x0 + 3000, y0 + 3000, 20), ha_square(x0 + 9000, y0 + 5000, 35.5),
                  ha_square(x0 + 15000, y0 + 12000, 12.25)], crs="EPSG:9209")
    b.add("clusters", "industrial_cluster", clusters)
    lines = gpd.GeoDataFrame(
        {"id": ["L1", "L2"], "name": ["ĐZ 220 kV A", "ĐZ 110 kV B"], "voltage_kv": [220, 110],
         "status": ["existing", "planned"]},
        geometry=[LineString([(x0 + 500, y0 + 500), (x0 + 19000, y0 + 19000)]),
                  MultiLineString([[(x0 + 500, y0 + 10000), (x0 + 8000, y0 + 10000)],
                                   [(x0 + 9000, y0 + 10000), (x0 + 19000, y0 + 10500)]])],
        crs="EPSG:9209")
    b.add("lines", "grid_line", lines)
    subs = gpd.GeoDataFrame(
        {"id": ["S1"], "name": ["TBA 220 kV Đông Thọ"], "voltage_kv": [220],
         "capacity_mva": [250.0], "status": ["existing"]},
        geometry=[Point(x0 + 10000, y0 + 10000)], crs="EPSG:9209")
    b.add("substations", "substation", subs)
    trade = gpd.GeoDataFrame(
        {"id": ["T1", "T2"], "name": ["Chợ Đông", "Siêu thị Tây"],
         "type": ["market", "supermarket"], "status": ["existing", "planned"]},
        geometry=[Point(x0 + 4000, y0 + 15000), square(x0 + 6000, y0 + 15000, 80)],
        crs="EPSG:9209")
    b.add("trade", "trade_facility", trade)
    return geoplan.load_plan(b.write())


# ------------------------------------------------------------------------ folium object


def test_one_toggleable_layer_per_plan_layer(sample_plan: geoplan.Plan) -> None:
    m = render.plan_map(sample_plan, offline=True)
    assert isinstance(m, folium.Map)
    layers = layer_elements(m)
    assert [x.plan_layer for x in layers if x.kind != "findings"] != []
    assert {x.plan_layer for x in layers} == set(sample_plan.layers)
    for x in layers:
        assert x.overlay and x.control and x.show
        assert x.count == len(sample_plan.layers[x.plan_layer].frame)
        assert sample_plan.layers[x.plan_layer].title in x.layer_name
    # drawn bottom-up: context first, power and points on top
    kinds = [x.kind for x in layers]
    assert kinds.index("boundary") < kinds.index("industrial_cluster") < kinds.index("grid_line")
    assert kinds.index("grid_line") < kinds.index("substation") < kinds.index("trade_facility")
    assert sum(isinstance(c, folium.LayerControl) for c in m._children.values()) == 1
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    assert m.default_js == [] and m.default_css == []  # nothing from a CDN
    assert m.options["prefer_canvas"] is True


def test_online_map_offers_base_maps_with_attribution(small_plan: geoplan.Plan) -> None:
    m = render.plan_map(small_plan, offline=False, basemaps=["osm", "satellite"])
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert [t.layer_name for t in tiles] == ["OpenStreetMap", "Ảnh vệ tinh / Satellite (Esri)"]
    assert [t.show for t in tiles] == [True, False]
    assert all(not t.overlay for t in tiles)
    assert "OpenStreetMap" in tiles[0].options["attribution"]


def test_payload_columns_labels_and_styles(small_plan: geoplan.Plan) -> None:
    m = render.plan_map(small_plan, offline=True)
    by_name = {x.plan_layer: codec.unpack(x.payload) for x in layer_elements(m)}
    clusters = by_name["clusters"]
    assert clusters["cols"][:5] == ["id", "name", "status", "area_ha", "occupancy_pct"]
    assert clusters["f"]["area_ha"] == ["Diện tích khai báo", "Declared area", "ha"]
    assert clusters["f"]["status"] == ["Trạng thái", "Status", ""]
    assert column(clusters, "name") == ["CCN Đông Thọ", "CCN Tây Sơn", "CCN Nam Hà"]
    assert column(clusters, "occupancy_pct") == [80, None, 10]
    assert column(clusters, "area_ha") == [20, 35.5, 12.25]
    assert clusters["tt"] == ["status", "area_ha", "occupancy_pct"]
    assert clusters["search"] is True
    # one style per status, with the table's colours and dashes
    styles = [clusters["st"][i] for i in clusters["si"]]
    table = geoplan.maps.styles.style_table()
    assert [s["fillColor"] for s in styles] == [
        table.area_fill("industrial_cluster", s) for s in ("existing", "planned", "expansion")]
    assert "dashArray" not in styles[0] and styles[1]["dashArray"] == "10 7"
    lines = by_name["lines"]
    line_styles = [lines["st"][i] for i in lines["si"]]
    assert [s["color"] for s in line_styles] == [table.voltage_color(220),
                                                table.voltage_color(110)]
    assert lines["type"] == 1 and lines["g"] == [1, 2]  # the second line has two parts
    trade = by_name["trade"]
    assert trade["t"] == [0, 2]  # a point and a polygon in one layer
    assert [trade["st"][i]["shape"] for i in trade["si"]] == ["circle", "square"]
    assert trade["cluster"] is False


def test_findings_and_coverage_become_layers(sample_plan: geoplan.Plan) -> None:
    from geoplan.findings import make_findings

    x, y = sample_plan.layers["clusters"].frame.geometry.iloc[0].centroid.coords[0]
    findings = make_findings([
        {"rule": "cluster-size", "severity": "error", "layer": "clusters", "feature_id": "X",
         "message": "quá nhỏ", "geometry": Point(x, y).buffer(50)},
        {"rule": "overlap", "severity": "warning", "layer": "clusters", "feature_id": "Y",
         "message": "chồng lấn", "geometry": Point(x + 100, y)},
        {"rule": "missing", "severity": "info", "layer": "clusters", "feature_id": "Z",
         "message": "no geometry", "geometry": None},
    ], crs=sample_plan.crs)
    gaps = gpd.GeoDataFrame({"area_ha": [12.0]}, geometry=[Point(x, y).buffer(800)],
                            crs=sample_plan.crs)
    sites = gpd.GeoDataFrame({"site_id": ["P1"]}, geometry=[Point(x, y)], crs=sample_plan.crs)
    empty = gpd.GeoDataFrame({"voltage_kv": []}, geometry=[], crs=sample_plan.crs)
    coverage = {"service_areas": empty, "gaps": gaps, "sites": sites}
    m = render.plan_map(sample_plan, findings=findings, coverage=coverage, offline=True)
    extra = {x.kind: x for x in layer_elements(m) if x.kind not in geoplan.KINDS}
    assert set(extra) == {"findings", "coverage_gap", "coverage_proposed"}
    f = codec.unpack(extra["findings"].payload)
    # sorted by rule: cluster-size (polygon), missing (no geometry: not drawn), overlap (point)
    assert f["n"] == 3 and f["t"] == [2, -1, 0]
    colours = [f["st"][i]["color"] for i in f["si"]]
    table = geoplan.maps.styles.style_table()
    assert set(colours) == {table.severity_colors[s] for s in ("error", "warning", "info")}
    assert decode(f)[1] == []
    assert extra["findings"].layer_name.startswith("Kết quả kiểm tra <span class=\"gp-en\">")
    legend = next(c for c in m._children.values() if type(c).__name__ == "Control").html
    for text in ("Kết quả kiểm tra", "Lỗi", "Cảnh báo", "Thông tin", "Vùng thiếu nguồn cấp",
                 "Vị trí trạm đề xuất"):
        assert text in legend


def test_only_selected_layers(sample_plan: geoplan.Plan) -> None:
    m = render.plan_map(sample_plan, layers=["clusters", "lines"], offline=True)
    assert {x.plan_layer for x in layer_elements(m)} == {"clusters", "lines"}
    with pytest.raises(PlanError, match=r"no layer 'nope' in the plan; layers: boundary"):
        render.plan_map(sample_plan, layers=["nope"])


# ------------------------------------------------------------------------------ encoding

ZOO = [
    Point(105.5, 21.0),
    MultiPoint([(105.5, 21.0), (105.6, 21.1)]),
    LineString([(105.5, 21.0), (105.51, 21.02), (105.53, 21.01)]),
    MultiLineString([[(105.5, 21.0), (105.6, 21.1)], [(105.7, 21.2), (105.8, 21.3)]]),
    Polygon([(105.5, 21.0), (105.6, 21.0), (105.6, 21.1), (105.5, 21.1)],
            [[(105.52, 21.02), (105.54, 21.02), (105.54, 21.04)]]),
    shapely.MultiPolygon([square(105.0, 20.0, 0.1), square(105.5, 20.5, 0.1)]),
    shapely.GeometryCollection([Point(105.0, 20.0), square(105.0, 20.0, 0.01)]),
    Polygon(),
    None,
]


def _expected(geom: Any, precision: int) -> list[list[list[tuple[float, float]]]]:
    """(lat, lon) rings, rounded, polygon rings without their closing vertex."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "GeometryCollection":
        parts = shapely.get_parts(geom)
        dims = shapely.get_dimensions(parts)
        keep = parts[dims == dims.max()]
        geom = keep[0] if len(keep) == 1 else shapely.union_all(keep)
    out = []
    for part in shapely.get_parts(geom):
        polygon = part.geom_type == "Polygon"
        rings = list(shapely.get_rings(part)) if polygon else [part]
        out.append([
            [(round(y, precision), round(x, precision))
             for x, y in shapely.get_coordinates(ring)[:-1 if polygon else None]]
            for ring in rings
        ])
    return out


@pytest.mark.parametrize("precision", [5, 6])
def test_geometry_zoo_round_trips_latitude_first(precision: int) -> None:
    data = codec.unpack(codec.encode_geometry(np.array(ZOO, dtype=object), precision))
    assert data["n"] == len(ZOO) and data["s"] == 10**precision
    assert all(isinstance(v, int) for v in data["c"])
    assert data["t"] == [0, 0, 1, 1, 2, 2, 2, -1, -1]
    got = decode(data)
    for geom, parts in zip(ZOO, got, strict=True):
        want = _expected(geom, precision)
        assert len(parts) == len(want)
        for p, w in zip(parts, want, strict=True):
            for ring, wring in zip(p, w, strict=True):
                assert np.allclose(ring, wring, atol=0.6 / 10**precision, rtol=0)


coords = st.tuples(st.floats(102.0, 110.0), st.floats(8.0, 23.5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(coords, min_size=2, max_size=12), min_size=1, max_size=8),
       st.integers(4, 8))
def test_lines_round_trip_within_half_a_unit(lines: list[list[tuple[float, float]]],
                                              precision: int) -> None:
    geoms = np.array([LineString(c) for c in lines], dtype=object)
    data = codec.encode_geometry(geoms, precision)
    for parts, line in zip(decode(data), lines, strict=True):
        (ring,) = parts[0]
        got = np.array(ring)
        want = np.array([(lat, lon) for lon, lat in line])
        assert np.abs(got - want).max() <= 0.5 / 10**precision + 1e-9


def test_commune_tiling_keeps_shared_edges(sample_plan: geoplan.Plan) -> None:
    """coverage_simplify keeps the communes a tiling; simplifying one by one would not."""
    communes = sample_plan.communes
    assert communes is not None and shapely.coverage_is_valid(communes.geometry.values)
    layer = render.MapLayer("communes", "communes", "boundary", communes)
    tolerance = 150.0
    simplified = render._simplify(layer, tolerance)
    before = shapely.get_num_coordinates(communes.geometry.values).sum()
    assert shapely.get_num_coordinates(simplified).sum() < before
    # gap_width: also report slivers between neighbours, not only overlaps
    assert shapely.coverage_is_valid(simplified, gap_width=2 * tolerance)
    naive = shapely.simplify(communes.geometry.values, tolerance, preserve_topology=True)
    assert not shapely.coverage_is_valid(naive, gap_width=2 * tolerance)  # the test can fail
    # the shared edges stay shared after rounding to the map's precision, too
    wgs = geoplan.crs.to_wgs84(gpd.GeoDataFrame(geometry=simplified, crs=communes.crs))
    data = codec.encode_geometry(np.asarray(wgs.geometry.values), 6)
    rebuilt = [Polygon(parts[0][0][:] + parts[0][0][:1]) for parts in decode(data)]
    assert shapely.coverage_is_valid(np.array(rebuilt, dtype=object), gap_width=0.003)


def test_precision_and_simplification_shrink_the_output(sample_plan: geoplan.Plan) -> None:
    fine = render.map_html(render.plan_map(sample_plan, offline=True, precision=7,
                                           simplify_m=0))
    coarse = render.map_html(render.plan_map(sample_plan, offline=True, precision=5,
                                             simplify_m=10))
    assert len(coarse) < len(fine)


def test_auto_tolerance_follows_plan_extent() -> None:
    assert render.auto_tolerance(0) == 0.1
    assert render.auto_tolerance(60_000) < render.auto_tolerance(600_000) < 5.0
    assert render.auto_tolerance(10_000_000) == 5.0


def test_columns_encode_repeated_values_as_codes() -> None:
    series = pd.Series(["existing"] * 30 + [None] * 2 + ["planned"] * 8)
    enc = codec.encode_column(series)
    assert isinstance(enc, dict) and enc["v"] == ["existing", "planned"]
    assert codec.decode_ints(enc["k"])[30] == -1
    assert codec.encode_column(pd.Series([np.nan] * 5)) is None
    assert codec.encode_column(pd.array([1, None, 3], dtype="Int64")) == [1, None, 3]
    assert codec.encode_column(pd.Series([True, None, False], dtype="boolean")) == [
        True, None, False]
    assert codec.encode_column(pd.Series([1.23456789, 2.0])) == [1.2346, 2]


# ---------------------------------------------------------------------------------- HTML


def test_html_is_self_contained_offline(small_plan: geoplan.Plan, tmp_path: Path) -> None:
    path = render.write_map(small_plan, tmp_path / "maps" / "small.html", offline=True,
                            date="2025-07-01")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "L.tileLayer(" not in text and "cdn.jsdelivr" not in text
    assert "<title>Bản đồ thử &lt;test&gt;</title>" in text  # the plan name is escaped
    assert json.dumps("Ngày / Date: 2025-07-01")[1:-1] in text
    assert "Leaflet 1.9.4" in text
    # each layer's data is one JSON document with no closing tag inside
    blobs = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', text,
                       flags=re.S)
    docs = {i: json.loads(b.replace("<\\/", "</")) for i, b in blobs}
    search = [d for i, d in docs.items() if i.endswith("_search")]
    assert len(docs) == len(small_plan.layers) + 1 and len(search) == 1  # and the search index
    names = {d["name"] for i, d in docs.items() if not i.endswith("_search")}
    assert names == set(small_plan.layers)
    assert {s["name"] for s in search[0]["layers"]} <= names


def test_normalised_layer_control_fragment(small_plan: geoplan.Plan) -> None:
    html = normalise(render.map_html(render.plan_map(small_plan, offline=True)))
    start = html.index("var layer_control_ID_layers = {")
    fragment = html[start:html.index("};", start) + 2]
    fragment = re.sub(r"\s+", " ", fragment)
    fragment = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), fragment)
    n = '<span class=\\"gp-layer-n\\">'
    assert fragment == (
        'var layer_control_ID_layers = { base_layers : { }, overlays : { '
        f'"Ranh giới hành chính: boundary {n}(1)</span>" : geoplan_layer_ID, '
        f'"Cụm công nghiệp: clusters {n}(3)</span>" : geoplan_layer_ID, '
        f'"Đường dây: lines {n}(2)</span>" : geoplan_layer_ID, '
        f'"Trạm biến áp: substations {n}(1)</span>" : geoplan_layer_ID, '
        f'"Hạ tầng thương mại: trade {n}(2)</span>" : geoplan_layer_ID, }}, }};'
    )


def test_normalised_legend_fragment(small_plan: geoplan.Plan) -> None:
    m = render.plan_map(small_plan, offline=True)
    legend = next(c for c in m._children.values() if type(c).__name__ == "Control").html
    rows = re.findall(r'<div class="gp-row">(<svg.*?</svg>)<span>(.*?)</span></div>', legend)
    grid = [re.sub(r"<[^>]+>", "", text) for _svg, text in rows][:6]
    # a label said once when both languages agree, then how many features the row stands for
    # (220 kV: line L1 and substation S1; existing grid: L1, S1; the clusters: C1 only)
    assert grid == ["220 kV (2)", "110 kV (1)", "Hiện trạng / Existing (2)",
                    "Quy hoạch / Planned (1)",
                    "Trạm biến áp (cỡ theo công suất) / Substation (size by capacity) (1)",
                    "Hiện trạng / Existing (1)"]
    svg_220 = rows[0][0]
    assert 'stroke="#C73030"' in svg_220 and "stroke-dasharray" not in svg_220
    assert 'stroke-dasharray="10 7"' in rows[3][0]  # planned: dashed, as on the map


def test_write_map_is_atomic_and_checks_the_suffix(small_plan: geoplan.Plan,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "m.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="exists already; pass --overwrite"):
        render.write_map(small_plan, target, overwrite=False, offline=True)
    assert target.read_text(encoding="utf-8") == "old"
    with pytest.raises(geoplan.GeoplanError,
                       match=r"written as \.html; use geoplan.maps.write_static_map"):
        render.write_map(small_plan, tmp_path / "m.png")
    render.write_map(small_plan, target, overwrite=True, offline=True)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]  # no temporary file left


def test_osm_attribution_from_source_file_names(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, name="OSM")
    x0, y0 = province_polygon().bounds[:2]
    lines = gpd.GeoDataFrame({"id": ["a"], "voltage_kv": [110], "status": ["existing"]},
                             geometry=[LineString([(x0, y0), (x0 + 1000, y0)])], crs="EPSG:9209")
    b.add("lines", "grid_line", lines, filename="osm_power_line.gpkg")
    plan = geoplan.load_plan(b.write())
    html = render.map_html(render.plan_map(plan, offline=True))
    assert '"attribution": "\\u00a9 OpenStreetMap contributors"' in html or (
        "© OpenStreetMap contributors" in html)


# ------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("settings_", "match"),
    [
        ({"colour": "red"}, r"unknown key 'colour'; valid keys: title, subtitle, palette"),
        ({"basemaps": ["osm", "google"]}, r"unknown base map 'google'; valid: osm, light"),
        ({"basemaps": "osm"}, r"basemaps must be a list"),
        ({"precision": 12}, r"precision must be the number of decimals of a degree, 4 to 8"),
        ({"simplify_m": -1}, r"simplify_m must be a tolerance in metres"),
        ({"cluster_points": "many"}, r"cluster_points must be a whole number"),
        ({"findings_cluster": -5}, r"findings_cluster must be a whole number of findings ≥ 0"),
        ({"findings_cluster": True}, r"findings_cluster must be a whole number of findings"),
        ({"precision": "fine"}, r"or \"auto\", got 'fine'"),
        ({"offline": "yes"}, r"offline must be true or false"),
        ({"paper": "A0"}, r"paper = 'A0'; use \"A3\" or \"A4\""),
        ({"palette": "neon"}, r"palette = 'neon' is unknown"),
        ({"title": 3}, r"title must be text"),
    ],
)
def test_map_settings_are_checked(settings_: dict[str, Any], match: str) -> None:
    with pytest.raises(PlanError, match=match):
        render.validate_settings(settings_)


def test_plan_map_settings_are_read_from_the_plan(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, name="Settings")
    b.add_boundary()
    b.extra = '[map]\ntitle = "Tiêu đề riêng"\noffline = true\npalette = "pdp8"\n'
    plan = geoplan.load_plan(b.write())
    m = render.plan_map(plan)
    assert not any(isinstance(c, folium.TileLayer) for c in m._children.values())
    title = next(c for c in m._children.values() if type(c).__name__ == "TitleBlock").html
    assert '<h1 title="Tiêu đề riêng">Tiêu đề riêng</h1>' in title


def test_render_module_imports_folium_lazily() -> None:
    code = ("import sys, geoplan.maps, geoplan.maps.interactive, geoplan.maps.styles; "
            "print('folium' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_lines_keep_their_ends_and_do_not_cross_themselves() -> None:
    # a hook that Douglas-Peucker alone would make cross itself, and a plain wiggly line
    zigzag = LineString([(110, 20), (80, 140), (170, 100), (190, 150), (160, 30), (100, 10)])
    wiggly = LineString([(x, (x % 7) * 0.3) for x in range(0, 500, 5)])
    frame = gpd.GeoDataFrame({"id": ["z", "w"]}, geometry=[zigzag, wiggly], crs="EPSG:9209")
    layer = render.MapLayer("lines", "lines", "grid_line", frame)
    out = render._simplify(layer, 40.0)
    assert not shapely.is_simple(shapely.simplify(zigzag, 40.0, preserve_topology=False))
    assert shapely.is_simple(out).all()
    for before, after in zip(frame.geometry, out, strict=True):
        assert after.coords[0] == before.coords[0] and after.coords[-1] == before.coords[-1]
    assert len(out[1].coords) < len(wiggly.coords)


def test_coverage_columns_are_labelled_and_infinities_are_missing() -> None:
    assert geoplan.maps.styles.field_label(None, "radius_km", "en") == "Supply radius"
    assert geoplan.maps.styles.field_unit(None, "radius_km") == "km"
    assert codec.encode_column(pd.Series([1.0, np.inf, -np.inf, np.nan])) == [1, None, None,
                                                                                  None]
    assert codec.json_value(float("inf")) is None


def test_import_geoplan_imports_neither_folium_nor_matplotlib() -> None:
    code = ("import sys, geoplan, geoplan.maps; "
            "print('folium' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False False"


def test_results_of_the_wrong_type_are_refused(small_plan: geoplan.Plan) -> None:
    """The map takes the real result types, not whatever has attributes of the right name."""
    with pytest.raises(geoplan.GeoplanError, match=r"coverage: expected a "
                       r"geoplan.coverage.CoverageResult or a mapping .* got list"):
        render.plan_map(small_plan, coverage=[])
    with pytest.raises(geoplan.GeoplanError,
                       match=r"grid: expected a geoplan.grid.GridResult, got dict"):
        render.plan_map(small_plan, grid={"findings": None})
    with pytest.raises(geoplan.GeoplanError, match=r"findings: expected a findings "
                       r"GeoDataFrame .* got list"):
        render.plan_map(small_plan, findings=[])
