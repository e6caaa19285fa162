"""The browser data format (geoplan.maps.codec): encode -> decode round trips."""

from __future__ import annotations

import math
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
    assert doc["v"] == codec.VERSION and doc["si"] == [0, 1, 0] and doc["search"] is True and doc["label"] == "name"
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
