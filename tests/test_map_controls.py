"""The map's search index and its legend counts (no browser; tests/test_map_browser.py runs
the controls themselves in Chromium)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import geoplan
from geoplan.maps import interactive as render
from geoplan.maps.model import CountedEntry, MapLayer, legend_for, map_layers
from geoplan.maps.search import SEARCH_KINDS, search_index
from geoplan.maps.styles import style_table
from geoplan.names import fold


def frame(**columns: list) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(i, i) for i in range(n)],
                            crs="EPSG:9209")


# ------------------------------------------------------------------------------ search


def test_search_index_names_the_layers_with_something_to_find() -> None:
    f = frame(id=["CCN-24", "CCN-25", None], name=["Cụm công nghiệp Hòa Tiến", None, "Đồng Kỵ"],
              commune=["Xã Hòa Tiến", "Xã Hòa Tiến", None])
    doc = search_index([MapLayer("clusters", "clusters", "industrial_cluster", f)])
    assert doc == {"v": 2, "layers": [{"name": "clusters"}]}


def test_search_index_leaves_out_what_cannot_be_found_or_shown() -> None:
    nothing = frame(id=[None, " "], name=[None, ""])  # neither a name nor an id
    hidden = frame(id=["A-3"], name=["Chợ Tây"])
    hidden.loc[0, "geometry"] = None  # no geometry: nothing to zoom to
    findings = frame(id=["F1"], name=["not searched"])
    assert search_index([MapLayer("trade", "trade", "trade_facility", nothing),
                         MapLayer("markets", "markets", "trade_facility", hidden),
                         MapLayer("findings", "findings", "findings", findings)]) is None


def test_search_index_of_the_sample_plan(sample_plan: geoplan.Plan) -> None:
    layers = map_layers(sample_plan)
    doc = search_index(layers)
    assert doc is not None
    indexed = [spec["name"] for spec in doc["layers"]]
    # every plan layer with names is searchable, trade facilities and communes included,
    # in drawing order, and the document carries nothing the layers already have
    assert indexed == [m.name for m in layers if m.kind in SEARCH_KINDS]
    assert {"trade", "boundary", "clusters", "substations"} <= set(indexed)
    assert len(json.dumps(doc)) < 40 * len(indexed)


def test_the_map_embeds_the_search_index_once(sample_plan: geoplan.Plan) -> None:
    html = render.map_html(render.plan_map(sample_plan, offline=True))
    found = re.findall(r'<script type="application/json" id="(map_[0-9a-f]+_search)">(.*?)'
                       r"</script>", html, flags=re.S)
    assert len(found) == 1
    element_id, text = found[0]
    assert json.loads(text) == search_index(map_layers(sample_plan))
    assert f'"search": "{element_id}"' in html  # what geoplan.finish hands the search box


@pytest.mark.parametrize("text", ["Hòa Tiến", "HÒA  TIẾN", "hoa-tien", "Hoà Tiến"])
def test_query_and_index_fold_alike(text: str) -> None:
    # "Hoà" (the old accent placement) and "Hòa" fold the same: the browser's twin of fold is
    # compared with it in tests/test_map_browser.py
    assert fold(text) == "hoa tien"


# ------------------------------------------------------------------------------ legend


def _rows(sections: list) -> dict[tuple[str, str], int | None]:
    return {(s.title_en, e.label_en): getattr(e, "count", None) for s in sections
            for e in s.entries}


def test_legend_counts_of_the_sample_plan(sample_plan: geoplan.Plan) -> None:
    table = style_table()
    rows = _rows(legend_for(map_layers(sample_plan), table, counts=True))
    lines = sample_plan.layers["lines"].frame
    subs = sample_plan.layers["substations"].frame
    volts = pd.concat([lines["voltage_kv"], subs["voltage_kv"]]).value_counts()
    for kv in (500, 220, 110):
        assert rows["Power grid", f"{kv} kV"] == volts[kv]
    statuses = pd.concat([lines["status"], subs["status"]]).value_counts()
    assert rows["Power grid", "Existing"] == statuses["existing"]
    assert rows["Power grid", "Substation (size by capacity)"] == len(subs)
    clusters = sample_plan.layers["clusters"].frame["status"].value_counts()
    assert rows["Industrial clusters", "Existing"] == clusters["existing"]
    assert rows["Industrial clusters", "Stronger fill = higher occupancy"] is None
    trade = sample_plan.layers["trade"].frame["type"].value_counts()
    assert rows["Trade facilities", "Market"] == trade["market"]
    assert rows["Trade facilities", "Petrol station"] == trade["petrol_station"]
    level = sample_plan.layers["boundary"].frame["level"].value_counts()
    assert rows["Context", "Commune boundary"] == level["commune"]
    # the counted rows of a section add up to its features
    assert sum(n for (s, _), n in rows.items() if s == "Trade facilities") == len(
        sample_plan.layers["trade"].frame)
    assert all(isinstance(e, CountedEntry) for s in legend_for(map_layers(sample_plan), table,
                                                               counts=True) for e in s.entries)


def test_legend_drops_classes_absent_from_their_section() -> None:
    table = style_table()
    layers = [
        MapLayer("clusters", "clusters", "industrial_cluster",
                 frame(status=["existing", "existing"], name=["A", "B"])),
        MapLayer("trade", "trade", "trade_facility",
                 frame(status=["planned"], type=["market"], name=["C"])),
    ]
    plain = _rows(legend_for(layers, table))
    assert ("Industrial clusters", "Planned") in plain  # the status is on the map, elsewhere
    counted = _rows(legend_for(layers, table, counts=True))
    assert ("Industrial clusters", "Planned") not in counted
    assert counted["Industrial clusters", "Existing"] == 2
    assert counted["Trade facilities", "Market"] == 1


def test_legend_html_shows_counts_in_the_chosen_language() -> None:
    table = style_table()
    layers = [MapLayer("lines", "lines", "grid_line",
                       frame(voltage_kv=[110] * 1234 + [220], status=["existing"] * 1235))]
    sections = legend_for(layers, table, counts=True)
    vi = render.legend_html(sections)
    assert "110 kV <span class=\"gp-count\">(1.234)</span>" in vi
    assert 'Hiện trạng <span class="gp-en">/ Existing</span> <span class="gp-count">(1.235)' in vi
    en = render.legend_html(sections, lang="en")
    assert "Existing <span class=\"gp-count\">(1,235)</span>" in en
    assert "Hiện trạng" not in en and "Lưới điện" not in en and "Power grid" in en
    # without counts, no number
    assert "gp-count" not in render.legend_html(legend_for(layers, table))


def test_title_block_is_one_line_and_a_small_one(sample_plan: geoplan.Plan) -> None:
    html = render._title_html(sample_plan, None, None, "2025-07-01", True)
    assert html.count("<h1") == 1 and html.count('class="gp-title-more"') == 1
    more = html.split('class="gp-title-more">')[1]
    assert "Bản đồ quy hoạch" in more and "2025-07-01" in more and "offline" in more
    assert sample_plan.province is not None and sample_plan.province in more
    en = render._title_html(sample_plan, "A <b>", "Sub", "2025-07-01", False, lang="en")
    assert "A &lt;b&gt;" in en and "Date: 2025-07-01" in en and "Ngày" not in en
