"""The style table shared by the interactive map, the static map and the report."""

from __future__ import annotations

import pandas as pd
import pytest

from geoplan.errors import PlanError
from geoplan.kinds import KINDS, STATUSES, TRADE_TYPES
from geoplan.maps import styles


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _distance(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5


@pytest.mark.parametrize("palette", sorted(styles.PALETTES))
def test_transmission_voltages_are_clearly_distinct(palette: str) -> None:
    table = styles.style_table({"palette": palette})
    colors = [table.voltage_color(kv) for kv in (500, 220, 110)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert _distance(colors[i], colors[j]) > 80, (palette, colors)
    weights = [table.line_style(kv, "existing")["weight"] for kv in (500, 220, 110)]
    assert weights == sorted(weights, reverse=True) and len(set(weights)) == 3


def test_openinframap_is_the_default() -> None:
    table = styles.style_table()
    assert table.voltage_color(500) == "#B54EB2"
    assert table.voltage_color(220) == "#C73030"
    assert table.voltage_color(110) == "#B59F10"
    assert table.voltage_color(None) == table.unknown_voltage_color
    assert table.voltage_color(pd.NA) == table.unknown_voltage_color


def test_status_solid_and_dashed() -> None:
    table = styles.style_table()
    assert table.line_style(220, "existing")["dash"] is None
    planned = table.line_style(220, "planned")["dash"]
    building = table.line_style(220, "under_construction")["dash"]
    assert planned and building and planned != building
    assert table.dash_css("planned") == "10 7"
    assert styles.mpl_dashes(None) == "-"
    assert styles.mpl_dashes((10.0, 7.0)) == (0, (5.0, 3.5))


def test_voltage_colours_can_be_overridden() -> None:
    table = styles.style_table({"voltage_colors": {"220": "#010203", "66 kV": "#0a0b0c"}})
    assert table.voltage_color(220) == "#010203"
    assert table.voltage_color(66) == "#0a0b0c"  # a band of its own
    assert table.voltage_color(110) == "#B59F10"  # untouched


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"palette": "rainbow"}, r"palette = 'rainbow' is unknown; use one of: openinframap, pdp8"),
        ({"voltage_colors": {"500": "red"}}, r"voltage_colors.500 = 'red' is not a colour"),
        ({"voltage_colors": {"high": "#ffffff"}}, r"key 'high' is not a voltage in kV"),
        ({"voltage_colors": "red"}, r"voltage_colors must be a table"),
    ],
)
def test_bad_style_settings_are_refused(settings: dict, match: str) -> None:
    with pytest.raises(PlanError, match=match):
        styles.style_table(settings)


def test_every_trade_type_has_a_distinct_symbol() -> None:
    table = styles.style_table()
    symbols = [table.trade_symbol(t) for t in TRADE_TYPES]
    assert len({(s.shape, s.color) for s in symbols}) == len(TRADE_TYPES)
    assert len({s.glyph for s in symbols}) == len(TRADE_TYPES)
    assert all(s.mpl_marker for s in symbols)
    assert all(s.label_vi and s.label_en and s.label_vi != s.label_en for s in symbols)


def test_cluster_and_park_fill_by_status_and_occupancy() -> None:
    table = styles.style_table()
    fills = {table.area_fill("industrial_cluster", s) for s in STATUSES}
    assert len(fills) == len(STATUSES)
    empty = table.area_style("industrial_cluster", "existing", 0.0)["fill_opacity"]
    full = table.area_style("industrial_cluster", "existing", 100.0)["fill_opacity"]
    assert empty < full
    assert table.area_fill("industrial_park", "existing") != table.area_fill(
        "industrial_cluster", "existing")


def test_substations_grow_with_capacity() -> None:
    sizes = [styles.substation_radius(v) for v in (40, 63, 250, 900, 2700)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert styles.substation_radius(None) == styles.substation_radius(float("nan")) == 5.0


def test_labels_are_bilingual_for_every_canonical_field() -> None:
    for kind in KINDS.values():
        for f in kind.fields:
            vi = styles.field_label(kind.name, f.name, "vi")
            en = styles.field_label(kind.name, f.name, "en")
            assert vi == f.label_vi and en == f.label_en and vi and en
    for s in STATUSES:
        assert styles.value_label("status", s, "vi") != styles.value_label("status", s, "en")
    assert styles.value_label("status", "unknown-value") == "unknown-value"


def test_legend_lists_only_what_is_present() -> None:
    table = styles.style_table()
    sections = styles.legend_sections(
        table, {"grid_line", "trade_facility"}, voltages={220, 110},
        statuses={"existing", "planned"}, trade_types={"market"},
    )
    titles = [s.title_en for s in sections]
    assert titles == ["Power grid", "Trade facilities"]
    grid = [e.label_en for e in sections[0].entries]
    assert grid == ["220 kV", "110 kV", "Existing", "Planned"]
    assert [e.label_en for e in sections[1].entries] == ["Market"]
    full = styles.legend_sections(table, {"boundary", "restricted_zone"}, findings={"error"},
                                  coverage={"gap", "proposed"})
    assert [s.title_en for s in full] == ["Context", "Power supply coverage", "Check findings"]


def test_style_table_to_json_is_plain_data() -> None:
    import json

    data = styles.style_table().to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["dash"]["existing"] is None and data["dash"]["planned"] == "10 7"
