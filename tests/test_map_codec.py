"""The browser data format (geoplan.maps.codec): encode -> decode round trips."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from geoplan.maps import codec

# WGS 84 longitude, latitude over Vietnam
lonlat = st.tuples(st.floats(102.0, 110.0), st.floats(8.0, 23.5))


@st.composite
def rings(draw: Any, *, centre: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    """A star-shaped ring around ``centre`` with vertices between 0.5 and 1 ``radius`` away."""
    n = draw(st.integers(3, 10))
    angles = sorted(draw(st.lists(st.floats(0.0, 2 * math.pi, exclude_max=True), min_size=n,
                                  max_size=n, unique=True)))
    factors = draw(st.lists(st.floats(0.5, 1.0), min_size=n, max_size=n))
    x, y = centre
    return [(x + radius * f * math.cos(a), y + radius * f * math.sin(a))
            for a, f in zip(angles, factors, strict=True)]


@st.composite
def polygons(draw: Any) -> Polygon:
    """A polygon, with a hole inside it half of the time."""
    centre = draw(lonlat)
    radius = draw(st.floats(0.001, 0.3))
    shell = draw(rings(centre=centre, radius=radius))
    holes = [draw(rings(centre=centre, radius=radius * 0.4))] if draw(st.booleans()) else []
    return Polygon(shell, holes)


points = lonlat.map(Point)
lines = st.lists(lonlat, min_size=2, max_size=12).map(LineString)
geometries = st.one_of(
    points,
    st.lists(lonlat, min_size=2, max_size=5).map(MultiPoint),
    lines,
    st.lists(lines, min_size=2, max_size=4).map(MultiLineString),
    polygons(),
    st.lists(polygons(), min_size=2, max_size=3).map(MultiPolygon),
    st.sampled_from([None, Polygon(), LineString()]),
)


def expected_rings(geom: Any) -> list[list[list[tuple[float, float]]]]:
    """Parts -> rings -> (lat, lon), polygon rings without their closing vertex."""
    if geom is None or geom.is_empty:
        return []
    out = []
    for part in shapely.get_parts(geom):
        polygon = part.geom_type == "Polygon"
        part_rings = list(shapely.get_rings(part)) if polygon else [part]
        out.append([[(y, x) for x, y in shapely.get_coordinates(r)[:-1 if polygon else None]]
                    for r in part_rings])
    return out


FAMILY = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2,
          "MultiPolygon": 2}


@settings(max_examples=150, deadline=None)
@given(st.lists(geometries, min_size=1, max_size=8), st.integers(4, 8))
def test_geometries_round_trip_within_the_precision(geoms: list[Any], precision: int) -> None:
    # vertices that round onto their neighbour are dropped by design (not a round-trip loss)
    for geom in geoms:
        for part in expected_rings(geom):
            for ring in part:
                r = np.round(np.asarray(ring), precision)
                assume(len(r) < 2 or not (np.diff(r, axis=0) == 0).all(axis=1).any())
                assume(len(r) < 2 or not (r[0] == r[-1]).all() or len(r) == 1)
    data = codec.encode_geometry(np.array(geoms, dtype=object), precision)
    assert data["n"] == len(geoms) and data["s"] == 10**precision
    plain = codec.unpack(data)
    assert all(isinstance(v, int) for v in plain["c"])
    assert isinstance(data["c"], str) == (len(plain["c"]) >= codec.PACK_MIN)  # packed if long
    half_unit = 0.5 / 10**precision + 1e-9
    families = plain.get("t") or [data["type"]] * len(geoms)
    for geom, family, parts in zip(geoms, families, codec.decode(data), strict=True):
        want = expected_rings(geom)
        if not want:
            assert parts == [] and (family == -1 or "t" not in data)
            continue
        assert family == FAMILY[geom.geom_type]
        assert [len(p) for p in parts] == [len(p) for p in want]  # rings per part: holes kept
        for got_part, want_part in zip(parts, want, strict=True):
            for got_ring, want_ring in zip(got_part, want_part, strict=True):
                assert len(got_ring) == len(want_ring)
                assert np.abs(np.array(got_ring) - np.array(want_ring)).max() <= half_unit
    # and back to shapely, polygons closed again, in (lon, lat) order
    for geom, shape in zip(geoms, codec.decode_shapes(data), strict=True):
        if geom is None or geom.is_empty:
            assert shape is None
            continue
        assert FAMILY[shape.geom_type] == FAMILY[geom.geom_type]
        assert shapely.get_num_geometries(shape) == shapely.get_num_geometries(geom)
        assert shapely.get_num_interior_rings(shapely.get_parts(shape)).tolist() == (
            shapely.get_num_interior_rings(shapely.get_parts(geom)).tolist())
        got, want = shapely.get_coordinates(shape), shapely.get_coordinates(geom)
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= half_unit


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["existing", "planned", "Chợ Đông"]),
                          st.text(max_size=6)), min_size=1, max_size=40))
def test_text_columns_round_trip(values: list[str | None]) -> None:
    data = {"n": len(values), "p": {"v": codec.encode_column(pd.Series(values, dtype=object))}}
    assert codec.decode_column(data, "v") == values
    assert codec.decode_column(data, "missing") == [None] * len(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6)), min_size=1, max_size=40))
def test_whole_number_columns_round_trip(values: list[int | None]) -> None:
    series = pd.array(values, dtype="Int64")
    data = {"n": len(values), "p": {"v": codec.encode_column(pd.Series(series))}}
    assert codec.decode_column(data, "v") == values


def test_a_layer_document_has_the_specified_keys() -> None:
    geoms = [Point(105.8, 21.0), Point(105.9, 21.1), Point(106.0, 21.2)]
    doc = codec.encode_layer(
        geoms, {"name": pd.Series(["A", "B", None])}, precision=6, name="subs", title="Trạm",
        kind="substation", kind_labels=("Trạm biến áp", "Substation"),
        fields={"name": ("Tên", "Name", "")}, tooltip=("name", "status"),
        styles=[{"color": "#000"}, {"color": "#fff"}], style_index=[0, 1, 0], search=True,
        cluster_points=2, cluster_style={"shape": "circle"}, label="name",
        label_points=[(105.8, 21.0), None, None], label_precision=5)
    assert doc["type"] == 0 and "t" not in doc and "g" not in doc
    assert doc["cols"] == ["name"] and doc["tt"] == ["name"]  # tooltip columns that exist
    assert doc["f"] == {"name": ["Tên", "Name", ""]}
    assert doc["v"] == codec.VERSION and doc["si"] == [0, 1, 0]  # short arrays stay plain
    assert doc["search"] is True and doc["label"] == "name"
    assert doc["cluster"] is True and doc["clusterStyle"] == {"shape": "circle"}
    assert doc["lbl"] == [[21.0, 105.8], None, None]  # latitude first
    assert codec.decode_column(doc, "name") == ["A", "B", None]
    assert "mv" not in doc
    # a missing geometry is a feature of no part, in a layer of one family
    gap = codec.encode_geometry([Point(105.8, 21.0), None], 6)
    assert gap["g"] == [1, 0] and gap["type"] == 0 and "t" not in gap
    text = codec.json_text({"x": "</script>"})
    assert "</" not in text


def test_inconsistent_counts_are_refused() -> None:
    data = codec.encode_geometry([LineString([(105.0, 21.0), (105.1, 21.1)])], 6)
    data["k"] = [1]  # one vertex of two
    with pytest.raises(ValueError, match="1 vertices belong to no ring"):
        codec.decode(data)


# ------------------------------------------------------------------------------ findings


texts = st.lists(st.one_of(st.none(), st.builds(
    lambda name, a, b, tail: f'Cụm "{name}" rộng {a:.1f} ha, vượt {b} ha; {tail}',
    st.text(st.characters(blacklist_characters='"\n\x01', blacklist_categories=("Cs",)),
            max_size=12),
    st.floats(0, 1e4, allow_nan=False), st.integers(0, 10**6),
    st.sampled_from(["giảm quy mô cụm hoặc tách thành hai cụm theo quy định hiện hành.",
                     "bổ sung hồ sơ chứng minh nhu cầu thuê đất trước khi trình phê duyệt."]))),
    min_size=16, max_size=60)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_long_texts_round_trip_through_their_templates(values: list[str | None]) -> None:
    encoded = codec.encode_column(pd.Series(values, dtype=object))
    got = codec.decode_column({"n": len(values), "p": {"message": encoded}}, "message")
    assert got == values


def test_messages_that_differ_in_figures_and_names_share_a_template() -> None:
    values = [f'Cụm công nghiệp CCN-{i:05d} "Cụm {i}" rộng {i * 1.5:.1f} ha, dưới mức tối thiểu '
              f'5 ha theo Nghị định 32/2024/NĐ-CP; tăng quy mô hoặc gộp cụm.' for i in range(40)]
    encoded = codec.encode_column(pd.Series(values))
    assert isinstance(encoded, dict) and len(encoded["tp"]) == 1
    assert encoded["a"][3] == ["00003", '"Cụm 3"', "4.5", "5", "32", "2024"]
    assert len(codec.json_text(encoded)) < 0.67 * len(codec.json_text(values))


def test_short_texts_are_not_templated() -> None:
    names = [f"Chợ {i} Đông" for i in range(40)]  # figures, but not at the end: plain
    assert codec.encode_column(pd.Series(names)) == names


def test_refs_point_to_features_by_index_or_not_at_all() -> None:
    assert codec.encode_refs(["a", "b"], [1, -1, 0], [7, 3, -1]) == {
        "l": ["a", "b"], "k": [1, -1, -1], "i": [7, -1, -1]}
    assert codec.encode_refs(["a"], [-1, -1], [-1, -1]) is None


# ------------------------------------------------------------------------ packed integers

#: What a browser counts exactly, and so the widest integer a packed array holds.
WIDEST = 2**52 - 1
int_arrays = st.lists(st.one_of(st.integers(-30, 30), st.integers(-10**6, 10**6),
                                st.integers(-WIDEST, WIDEST)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(int_arrays, st.sampled_from([False, True, None]))
def test_packed_integers_round_trip(values: list[int], delta: bool | None) -> None:
    if delta is True:
        assume(len(values) < 2 or np.abs(np.diff(np.asarray(values, dtype=np.int64))).max()
               <= WIDEST)
    text = codec.encode_ints(values, delta=delta)
    assert codec.decode_ints(text).tolist() == values
    assert not set(text) & set('"\\<>&')  # nothing JSON or HTML would escape
    assert codec.json_text(text) == f'"{text}"'
    packed = codec.pack_ints(values, delta=delta)
    assert isinstance(packed, str) == (len(values) >= codec.PACK_MIN)
    assert codec.decode_ints(packed).tolist() == values


def test_packed_integers_are_short_and_specified() -> None:
    assert len(codec.DIGITS) == 88 and codec.DIGITS[0] == "!" and codec.DIGITS[-1] == "}"
    # one character from -24 to 23, two from -960 to 959, three from -38,400 to 38,399
    for v, width in ((0, 1), (-24, 1), (23, 1), (24, 2), (-960, 2), (959, 2), (960, 3),
                     (-38_400, 3), (38_399, 3), (38_400, 4)):
        assert len(codec.encode_ints([v])) == width, v
    assert codec.encode_ints([5, 6, 7, 8], delta=True) == "~W" + "O" * 3  # 5, then +1s
    coords = np.cumsum(np.full(1000, 137))
    assert len(codec.encode_ints(coords, delta=True)) < len(codec.json_text(coords.tolist())) / 2


def test_packed_integers_out_of_range_or_damaged_are_refused() -> None:
    with pytest.raises(ValueError, match="too large to pack"):
        codec.encode_ints([2**52])
    with pytest.raises(ValueError, match="ends inside an integer"):
        codec.decode_ints(codec.encode_ints([10**6])[:-1])
    with pytest.raises(ValueError, match="is not a digit"):
        codec.decode_ints("MM<")


# ------------------------------------------------------------------- prefix + number texts

ids = st.one_of(
    st.builds(lambda p, n, w: f"{p}{n:0{w}d}", st.sampled_from(["DZ-", "TM-", "way/", "CCN-", ""]),
              st.integers(0, 10**7), st.integers(1, 8)),
    st.builds(lambda p, digits: p + digits, st.sampled_from(["DZ-", "x"]),
              st.text("0123456789", min_size=1, max_size=22)),  # leading zeros, too long
    st.text(max_size=6),
    st.none())


@settings(max_examples=150, deadline=None)
@given(st.lists(ids, min_size=1, max_size=60))
def test_numbered_texts_round_trip_exactly(values: list[str | None]) -> None:
    encoded = codec.encode_column(pd.Series(values, dtype=object))
    data = {"n": len(values), "p": {"id": encoded}}
    assert codec.decode_column(data, "id") == values
    if isinstance(encoded, dict) and "pn" in encoded:
        assert codec.unpack(data)["p"]["id"] == values  # the page reads it as its texts


def test_ids_are_written_as_prefixes_and_numbers() -> None:
    values = [f"DZ-{i:05d}" for i in range(400)] + ["00012", "12", None, "way/123456", "x"]
    encoded = codec.encode_column(pd.Series(values))
    assert isinstance(encoded, dict) and encoded["pn"] == [["DZ-", 5], ["", 5], ["", 2],
                                                           ["way/", 6], ["x", 0]]
    assert codec.decode_ints(encoded["x"]).tolist()[-4:] == [399, 12, 12, 123456]
    assert len(codec.json_text(encoded)) < 0.2 * len(codec.json_text(values))
    assert codec.decode_column({"n": len(values), "p": {"id": encoded}}, "id") == values


def test_unpack_gives_the_plain_document() -> None:
    geoms = [LineString([(105.0 + i / 100, 21.0), (105.0 + i / 100, 21.1)]) for i in range(10)]
    doc = codec.encode_layer(
        geoms, {"id": pd.Series([f"DZ-{i:03d}" for i in range(10)] * 1)}, precision=5,
        name="grid", title="Lưới", kind="grid_line", kind_labels=("Đường dây", "Line"),
        fields={"id": ("Mã", "Id", "")}, tooltip=(), styles=[{}, {}],
        style_index=[0, 1] * 5,
        refs=codec.encode_refs(["grid"], [0] * 10, list(range(10))))
    assert isinstance(doc["c"], str) and isinstance(doc["si"], str)
    plain = codec.unpack(doc)
    assert plain["si"] == [0, 1] * 5 and plain["k"] == [2] * 10
    assert plain["ref"] == {"l": ["grid"], "k": [0] * 10, "i": list(range(10))}
    assert plain["c"][:4] == [2100000, 10500000, 10000, 0]
    assert codec.unpack(plain) == plain
    assert codec.decode(plain) == codec.decode(doc)


# --------------------------------------------------------------------------- in the browser

#: Per layer of the page: its integer arrays, every column's values and every geometry, as
#: geoplan.js reads them (after its unpack()).
READ_IN_PAGE = """() => {
  const G = window.geoplan, out = {};
  const arr = (a) => (a === undefined || a === null) ? null : Array.from(a);
  for (const name of G.order) {
    const d = G.layers[name].data, cols = {}, geoms = [];
    for (const c of Object.keys(d.p)) {
      const v = [];
      for (let i = 0; i < d.n; i++) {
        const x = G.value(d, c, i);
        v.push(x === undefined ? null : x);
      }
      cols[c] = v;
    }
    for (let i = 0; i < d.n; i++) {
      geoms.push(G.layers[name].geometry(i).map(
        (part) => part.map((ring) => ring.map((ll) => [ll.lat, ll.lng]))));
    }
    const refs = {};
    for (const r of ['ref', 'ref2']) { if (d[r]) { refs[r] = {k: arr(d[r].k), i: arr(d[r].i)}; } }
    out[name] = {c: arr(d.c), g: arr(d.g), r: arr(d.r), k: arr(d.k), t: arr(d.t), si: arr(d.si),
                 refs: refs, cols: cols, geoms: geoms};
  }
  return out;
}"""


@pytest.mark.browser
def test_the_page_decodes_the_sample_map_as_python_does(page: Any, sample_map: Path) -> None:
    text = sample_map.read_text(encoding="utf-8")
    docs = {d["name"]: d for d in (
        json.loads(t) for i, t in re.findall(
            r'<script type="application/json" id="([^"]+)">(.*?)</script>', text, re.S)
        if not i.endswith("_search"))}
    # the sample really uses the packed forms, or this test would prove nothing
    assert any(isinstance(d["c"], str) for d in docs.values())
    assert any(isinstance(d.get("si"), str) for d in docs.values())
    assert any(isinstance(c, dict) and "pn" in c
               for d in docs.values() for c in d["p"].values())
    assert any(isinstance(d.get("ref", {}).get("i"), str) for d in docs.values())
    page.page.set_viewport_size({"width": 1200, "height": 800})
    page.open_html(sample_map)
    page.page.wait_for_function(
        "document.documentElement.getAttribute('data-geoplan-drawn') === '1'")
    got = page.page.evaluate(READ_IN_PAGE)
    page.assert_no_console_errors()
    assert set(got) == set(docs)
    for name, doc in docs.items():
        plain, js = codec.unpack(doc), got[name]
        for key in ("c", "g", "r", "k", "t", "si"):
            assert js[key] == plain.get(key), (name, key)
        for key in ("ref", "ref2"):
            if key in plain:
                assert js["refs"][key] == {"k": plain[key]["k"], "i": plain[key]["i"]}, name
        for col in doc["p"]:  # findings: their ids and placeholders from the features
            want_col = (codec.decode_findings_column(doc, col, docs)
                        if doc["kind"] == "findings" else codec.decode_column(doc, col))
            assert js["cols"][col] == want_col, (name, col)
        want = [[[[list(v) for v in ring] for ring in part] for part in feature]
                for feature in codec.decode(doc)]
        assert js["geoms"] == want, name  # the same doubles: the same integers over s


@pytest.mark.browser
def test_the_page_reads_the_widest_packed_integers(page: Any, sample_map: Path) -> None:
    values = [0, -1, 1, 23, -24, 24, 959, -961, 38_400, 2**31, -(2**31) - 1, 2**52 - 1,
              -(2**52 - 1), 10**15, 7]
    page.open_html(sample_map)
    for delta in (False, True, None):
        packed = codec.encode_ints(values if delta is not True else values[:9], delta=delta)
        got = page.page.evaluate("(t) => Array.from(window.geoplan.ints(t))", packed)
        assert got == (values if delta is not True else values[:9])
    with pytest.raises(Exception, match="ends inside an integer"):
        page.page.evaluate("(t) => window.geoplan.ints(t)", codec.encode_ints([10**6])[:-1])
