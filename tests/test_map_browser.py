"""The written maps in a real headless Chromium with every network request blocked.

The ``page`` fixture (tests/realparts.py) blocks and records any request that would leave the
machine and records console errors and uncaught exceptions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geoplan
from geoplan.crs import to_wgs84
from geoplan.maps import interactive as render

pytestmark = pytest.mark.browser

DRAWN = "document.documentElement.getAttribute('data-geoplan-drawn') === '1'"
VIEWPORT = {"width": 1400, "height": 900}


def open_map(page: Any, path: Path) -> Any:
    page.page.set_viewport_size(VIEWPORT)
    page.open_html(path)
    page.page.wait_for_function(DRAWN)
    return page.page


def test_sample_map_has_no_console_error_and_makes_no_request(page: Any,
                                                              sample_map: Path) -> None:
    open_map(page, sample_map)
    page.assert_no_console_errors()
    assert page.blocked_requests == []  # nothing even tried to leave the machine
    assert page.failed_requests == []


def test_every_plan_layer_is_in_the_layer_control(page: Any, sample_map: Path,
                                                  sample_plan: geoplan.Plan) -> None:
    p = open_map(page, sample_map)
    labels = p.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    for layer in sample_plan.layers.values():
        n = len(layer.frame)
        assert any(f": {layer.title} ({n:,})" in text for text in labels), (layer.name, labels)
    assert any("Kết quả kiểm tra / Check findings" in text for text in labels)
    assert any("Vùng thiếu nguồn cấp / Coverage gaps" in text for text in labels)
    # open the list (folded at 1400 px), untick the clusters: their group leaves the map
    p.locator(".gp-layers .gp-toggle").click()
    label = p.locator(".leaflet-control-layers-overlays label", has_text=": clusters (")
    label.locator("input").uncheck()
    assert p.evaluate("geoplan.map.hasLayer(geoplan.layers.clusters.group)") is False
    label.locator("input").check()
    assert p.evaluate("geoplan.map.hasLayer(geoplan.layers.clusters.group)") is True
    page.assert_no_console_errors()


def test_drawn_features_per_layer_equal_the_plan(page: Any, sample_map: Path,
                                                 sample_plan: geoplan.Plan,
                                                 sample_results: dict[str, Any]) -> None:
    p = open_map(page, sample_map)
    drawn = p.evaluate("""() => Object.fromEntries(Object.entries(geoplan.layers).map(
        ([k, v]) => [k, {drawn: v.drawn, inGroup: v.group.markerCount ? v.group.markerCount()
                                                     : v.group.getLayers().length}]))""")
    for name, layer in sample_plan.layers.items():
        expected = int((~layer.frame.geometry.is_empty & layer.frame.geometry.notna()).sum())
        assert expected == len(layer.frame)
        assert drawn[name] == {"drawn": expected, "inGroup": expected}, name
    findings = pd_concat_count(sample_results)
    assert drawn["findings"]["drawn"] == findings
    # every visible layer's features are on the one canvas renderer
    on_canvas = p.evaluate("""() => {
        const r = Object.values(geoplan.map._layers).find(l => l._ctx);
        return Object.keys(r._layers).length; }""")
    visible = sum(v["inGroup"] for k, v in drawn.items() if k != "coverage-service_area")
    assert on_canvas >= visible


def pd_concat_count(results: dict[str, Any]) -> int:
    """The findings of ``geoplan check`` (plan rules and grid audit) that have a geometry."""
    f = results["findings"]
    return int((f.geometry.notna() & ~f.geometry.is_empty).sum())


def _click_point(plan: geoplan.Plan) -> tuple[str, float, float]:
    """A cluster and a point inside it, away from anything drawn above clusters."""
    above = [plan.frame(k) for k in ("grid_line", "substation", "power_plant", "trade_facility")]
    others = shapely.union_all(np.concatenate([np.asarray(f.geometry.values) for f in above]))
    clusters = plan.layers["clusters"].frame
    free = shapely.difference(np.asarray(clusters.geometry.values), others.buffer(250))
    best = int(np.argmax(shapely.area(free)))
    inner = shapely.maximum_inscribed_circle(free[best])  # line from the centre to the edge
    centre = shapely.get_point(inner, 0)
    wgs = to_wgs84(gpd.GeoDataFrame(geometry=[centre], crs=plan.crs))
    lon, lat = wgs.geometry.iloc[0].coords[0]
    return str(clusters["name"].iloc[best]), lat, lon


def test_clicking_a_cluster_opens_a_popup_with_its_name(page: Any, sample_plan: geoplan.Plan,
                                                        tmp_path: Path) -> None:
    # without findings or coverage on top, so the click lands on the cluster itself
    path = render.write_map(sample_plan, tmp_path / "plain.html", offline=True)
    p = open_map(page, path)
    name, lat, lon = _click_point(sample_plan)
    xy = p.evaluate(f"""() => {{
        geoplan.map.setView([{lat}, {lon}], 15, {{animate: false}});
        const pt = geoplan.map.latLngToContainerPoint([{lat}, {lon}]);
        const box = geoplan.map.getContainer().getBoundingClientRect();
        return [box.left + pt.x, box.top + pt.y]; }}""")
    p.wait_for_timeout(100)  # one frame for the canvas
    p.mouse.move(xy[0], xy[1])
    tooltip = p.locator(".gp-tooltip")
    tooltip.wait_for()
    assert name in tooltip.inner_text() and "ha" in tooltip.inner_text()
    p.mouse.click(xy[0], xy[1])
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert name in text
    for label in ("Diện tích khai báo", "Declared area", "Tỷ lệ lấp đầy", "Occupancy",
                  "Trạng thái", "Status", "Cụm công nghiệp", "Industrial cluster"):
        assert label in text
    page.assert_no_console_errors()


def test_search_by_name_finds_a_substation(page: Any, sample_map: Path,
                                           sample_plan: geoplan.Plan) -> None:
    p = open_map(page, sample_map)
    name = str(sample_plan.layers["substations"].frame["name"].iloc[0])
    labels = p.evaluate("Object.keys(geoplan.searchIndex)")
    clusters = sample_plan.layers["clusters"].frame["name"].dropna()
    assert all(any(o.startswith(f"{c} — ") for o in labels) for c in clusters)
    box = p.locator(".gp-search-input")
    box.fill(name)
    first = p.locator(".gp-search-list li[role=option]").first
    assert first.locator(".gp-hit-name").inner_text() == name
    box.press("Enter")
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    assert name in popup.inner_text() and "Công suất" in popup.inner_text()
    page.assert_no_console_errors()


def test_search_ignores_accents_and_case_and_opens_the_popup(page: Any, sample_map: Path,
                                                             sample_plan: geoplan.Plan) -> None:
    p = open_map(page, sample_map)
    box = p.locator(".gp-search-input")
    box.press_sequentially("hoa tien", delay=20)  # suggestions as one types
    options = p.locator(".gp-search-list li[role=option]")
    options.first.wait_for()
    names = [n.strip() for n in p.locator(".gp-search-list .gp-hit-name").all_inner_texts()]
    assert "Cụm công nghiệp Hòa Tiến" in names and "Xã Hòa Tiến" in names, names
    assert box.get_attribute("aria-expanded") == "true"
    # arrow keys then Enter pick the suggestion
    target = names.index("Cụm công nghiệp Hòa Tiến")
    for _ in range(target + 1):
        box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == f"gp-search-opt-{target}"
    box.press("Enter")
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Cụm công nghiệp Hòa Tiến" in popup.inner_text() and "CCN-24" in popup.inner_text()
    assert p.locator(".gp-search-list").is_hidden()
    # an id, typed in lower case, is found and a click on its suggestion opens it
    p.evaluate("() => { geoplan.map.closePopup(); }")
    box.fill("tba-110-02")
    hit = p.locator(".gp-search-list li[role=option]").first
    subs = sample_plan.layers["substations"].frame.set_index("id")
    assert hit.locator(".gp-hit-name").inner_text() == subs.loc["TBA-110-02", "name"]
    hit.click()
    p.locator(".leaflet-popup-content", has_text=subs.loc["TBA-110-02", "name"]).wait_for()
    # a commune finds what lies in it, say so in the suggestion
    found = p.evaluate("geoplan.searchFind('xa hoa tien').map(h => h.name)")
    in_commune = sample_plan.layers["clusters"].frame.query("commune == 'Xã Hòa Tiến'")
    assert set(in_commune["name"]) <= set(found)
    page.assert_no_console_errors()


def test_search_ranks_whole_words_and_important_layers_first(
        page: Any, sample_plan: geoplan.Plan, tmp_path: Path) -> None:
    import dataclasses

    layers = dict(sample_plan.layers)
    clusters = layers["clusters"].frame.copy()
    trade = layers["trade"].frame.copy()
    clusters.loc[clusters.index[0], "name"] = "Cụm công nghiệp Hải Phòng 8"
    markets = ["Chợ Hải Phòng 8029", "Chợ Hải Phòng 80", "Chợ Hải Phòng 8"]
    trade.loc[trade.index[:3], "name"] = markets
    layers["clusters"] = dataclasses.replace(layers["clusters"], frame=clusters)
    layers["trade"] = dataclasses.replace(layers["trade"], frame=trade)
    plan = dataclasses.replace(sample_plan, layers=layers)
    p = open_map(page, render.write_map(plan, tmp_path / "search.html", offline=True))
    found = p.evaluate("geoplan.searchFind('hai phong 8').map(h => h.name)")
    # a whole word "8" before a begun "8029"; among whole words the cluster before the market
    assert found[:2] == ["Cụm công nghiệp Hải Phòng 8", "Chợ Hải Phòng 8"], found
    assert set(found[2:4]) == {"Chợ Hải Phòng 80", "Chợ Hải Phòng 8029"}, found
    assert p.evaluate("geoplan.searchFind('cho hai phong 8')[0].name") == "Chợ Hải Phòng 8"
    # what worked still does: accents folded, an id typed without its hyphen
    names = p.evaluate("geoplan.searchFind('hoa tien').map(h => h.name)")
    assert names[0] == "Cụm công nghiệp Hòa Tiến", names
    # names ending in the words before names with them inside
    assert names.index("Xã Hòa Tiến") < names.index("Cụm công nghiệp Hòa Tiến 2"), names
    hit = p.evaluate("geoplan.searchFind('ccn24')[0]")
    assert hit["name"] == "Cụm công nghiệp Hòa Tiến"
    page.assert_no_console_errors()


def test_search_says_when_nothing_matches(page: Any, sample_map: Path) -> None:
    p = open_map(page, sample_map)
    box = p.locator(".gp-search-input")
    box.fill("qzxv khong co")
    empty = p.locator(".gp-search-empty")
    assert empty.is_visible() and empty.inner_text() == "Không tìm thấy / No match"
    assert empty.get_attribute("role") == "status"
    assert p.locator(".gp-search-list").is_hidden()
    box.press("Enter")  # nothing to pick: nothing happens
    assert p.locator(".leaflet-popup-content").count() == 0
    box.fill("ccn24")  # typing on hides the message
    assert empty.is_hidden()
    page.assert_no_console_errors()


def test_the_browser_folds_as_python_folds(page: Any, sample_map: Path,
                                           sample_plan: geoplan.Plan) -> None:
    from geoplan.names import fold

    p = open_map(page, sample_map)
    samples = ["Hòa Tiến", "ĐZ 220kV Minh Hà – Đông Sơn", "CCN-24", "  Quế   Tân ",
               "Khu di tích lịch sử – văn hóa Đền Hạ", "Nhà máy điện mặt trời", "TM_001/A",
               "Ứng Hòa", "ỷ lại Ẵ", "Cụm CN Đắk Nông — mở rộng", "Hoà\u0300 A\tB\u00a0C",
               "ß İstanbul", "x\u2003y"]
    assert p.evaluate("s => s.map(geoplan.fold)", samples) == [fold(s) for s in samples]
    # and on every name, id and commune of the sample plan, which the search folds in the page
    labels = sorted({str(v) for layer in sample_plan.layers.values()
                     for c in ("name", "id", "commune") if c in layer.frame.columns
                     for v in layer.frame[c].dropna()})
    assert len(labels) > 100
    assert p.evaluate("s => s.map(geoplan.fold)", labels) == [fold(s) for s in labels]


# ------------------------------------------------------------------------- control layout

CONTROL_BOXES = """() => [...document.querySelectorAll(
    '.leaflet-top > .leaflet-control, .leaflet-bottom > .leaflet-control, .gp-title')]
    .filter(e => e.getClientRects().length)
    .map(e => { const r = e.getBoundingClientRect();
                return [e.className, r.x, r.y, r.width, r.height]; })"""


def control_layout(p: Any, width: int, height: int) -> tuple[float, list[str]]:
    """Share of the window the controls cover, and the pairs of controls that overlap."""
    boxes = p.evaluate(CONTROL_BOXES)
    polys = [shapely.box(x, y, x + w, y + h) for _, x, y, w, h in boxes]
    window = shapely.box(0, 0, width, height)
    share = shapely.union_all(polys).intersection(window).area / window.area
    overlaps = [f"{boxes[i][0]} × {boxes[j][0]}" for i in range(len(polys))
                for j in range(i + 1, len(polys)) if polys[i].intersection(polys[j]).area > 0]
    return share, overlaps


@pytest.mark.parametrize("size", [(1400, 900), (980, 500)], ids=["laptop", "notebook"])
def test_controls_start_collapsed_on_a_laptop_and_in_a_notebook(
        page: Any, sample_map: Path, size: tuple[int, int]) -> None:
    width, height = size
    page.page.set_viewport_size({"width": width, "height": height})
    page.open_html(sample_map)
    p = page.page
    p.wait_for_function(DRAWN)
    for selector in (".gp-layers", ".gp-legend"):
        control = p.locator(selector)
        assert "gp-collapsed" in (control.get_attribute("class") or ""), selector
        assert control.locator(".gp-toggle").get_attribute("aria-expanded") == "false"
    assert p.locator(".leaflet-control-layers-list").is_hidden()
    assert p.locator(".gp-legend-body").is_hidden()
    assert p.locator(".gp-title h1").is_visible()
    share, overlaps = control_layout(p, width, height)
    assert overlaps == []
    assert share < 0.10, f"the collapsed controls cover {share:.1%} of {width}×{height}"
    # opening both leaves them side by side, never on each other or on the title
    p.locator(".gp-layers .gp-toggle").click()
    p.locator(".gp-legend .gp-toggle").click()
    assert p.locator(".gp-legend-body").is_visible()
    assert control_layout(p, width, height)[1] == []
    page.assert_no_console_errors()


def test_controls_start_open_on_a_wide_screen(page: Any, sample_map: Path) -> None:
    page.page.set_viewport_size({"width": 1700, "height": 1000})
    page.open_html(sample_map)
    p = page.page
    p.wait_for_function(DRAWN)
    assert p.locator(".leaflet-control-layers-list").is_visible()
    assert p.locator(".gp-legend-body").is_visible()
    assert p.locator(".gp-title-more").is_visible()
    assert p.locator(".gp-layers .gp-toggle").get_attribute("aria-expanded") == "true"
    assert control_layout(p, 1700, 1000)[1] == []
    page.assert_no_console_errors()


def test_controls_fold_from_the_keyboard(page: Any, sample_map: Path) -> None:
    p = open_map(page, sample_map)
    toggle = p.locator(".gp-layers .gp-toggle")
    toggle.focus()
    p.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert p.locator(".leaflet-control-layers-list").is_visible()
    p.keyboard.press("Tab")  # into the list
    p.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert p.evaluate("document.activeElement.classList.contains('gp-toggle')")
    legend = p.locator(".gp-legend .gp-toggle")
    legend.focus()
    p.keyboard.press("Space")
    assert p.locator(".gp-legend-body").is_visible()
    title = p.locator(".gp-title .gp-toggle")
    assert title.get_attribute("aria-expanded") == "true"
    title.focus()
    p.keyboard.press("Enter")
    assert p.locator(".gp-title-more").is_hidden() and p.locator(".gp-title h1").is_visible()
    page.assert_no_console_errors()


def test_english_controls(page: Any, sample_plan: geoplan.Plan, tmp_path: Path) -> None:
    path = render.write_map(sample_plan, tmp_path / "en.html", offline=True, lang="en")
    p = open_map(page, path)
    assert p.locator(".gp-legend .gp-toggle").inner_text().strip() == "Legend"
    assert p.locator(".gp-layers .gp-toggle").inner_text().strip() == "Layers"
    assert p.locator(".gp-search-input").get_attribute("placeholder") == "Search…"
    p.locator(".gp-legend .gp-toggle").click()
    legend = p.locator(".gp-legend-body").inner_text()
    assert "Power grid" in legend and "Lưới điện" not in legend
    p.locator(".gp-search-input").fill("qzxv")
    assert p.locator(".gp-search-empty").inner_text() == "No match"
    page.assert_no_console_errors()


def test_legend_title_and_controls_are_visible(page: Any, sample_map: Path,
                                               sample_plan: geoplan.Plan) -> None:
    p = open_map(page, sample_map)
    legend = p.locator(".gp-legend")
    assert legend.is_visible()
    legend.locator(".gp-toggle").click()
    text = legend.inner_text()
    for words in ("Chú giải", "Legend", "500 kV", "220 kV", "110 kV", "Cụm công nghiệp",
                  "Hạ tầng thương mại", "Chợ", "Kết quả kiểm tra", "Lỗi"):
        assert words in text, words
    lines = sample_plan.layers["lines"].frame
    subs = sample_plan.layers["substations"].frame
    n110 = int((lines["voltage_kv"] == 110).sum() + (subs["voltage_kv"] == 110).sum())
    assert f"110 kV ({n110})" in text
    title = p.locator(".gp-title")
    assert title.is_visible()
    assert sample_plan.name in title.inner_text() and "2025-07-01" in title.inner_text()
    for selector in (".leaflet-control-scale-line", ".leaflet-control-zoom-fullscreen",
                     ".leaflet-control-measure-toggle", ".gp-search-input",
                     ".leaflet-control-layers"):
        assert p.locator(selector).first.is_visible(), selector


def test_screenshot_of_the_sample_map(page: Any, sample_map: Path) -> None:
    open_map(page, sample_map)
    shot = page.screenshot("sample-province-map")
    assert shot.exists() and shot.stat().st_size > 50_000  # a drawn map, not a blank page
    page.assert_no_console_errors()


def test_online_map_only_asks_for_tiles(page: Any, sample_plan: geoplan.Plan,
                                        tmp_path: Path) -> None:
    path = render.write_map(sample_plan, tmp_path / "online.html", offline=False,
                            basemaps=["osm"])
    p = open_map(page, path)
    p.wait_for_timeout(300)
    assert page.blocked_requests, "the online map asks for its base map"
    assert all(url.startswith("https://tile.openstreetmap.org/")
               for url in page.blocked_requests), page.blocked_requests[:3]
    assert page.page_errors == []
    attribution = p.locator(".leaflet-control-attribution").inner_text()
    assert "OpenStreetMap" in attribution


@pytest.mark.shared
def test_real_osm_grid_of_vietnam_draws_offline(page: Any, shared_data: Path,
                                                tmp_path: Path) -> None:
    osm = shared_data / "vn-power-osm"
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(f"""
[plan]
name = "Lưới điện OpenStreetMap Việt Nam"
[layers.osm_lines]
kind = "grid_line"
path = {json.dumps(str(osm / 'power_line.gpkg'))}
layer = "power_line"
fields = {{ voltage_kv = "max_voltage", circuits = "circuits", location = "location" }}
defaults = {{ status = "existing" }}
accept_voltages_kv = [115, 230, 50, 33, 25]
[layers.osm_substations]
kind = "substation"
path = {json.dumps(str(osm / 'power_substation_points_coords_only.geojson'))}
defaults = {{ status = "existing" }}
""", encoding="utf-8")
    plan = geoplan.load_plan(plan_file)
    path = render.write_map(plan, tmp_path / "osm.html", offline=True)
    assert path.stat().st_size < 8_000_000
    p = open_map(page, path)
    page.assert_no_console_errors()
    assert page.blocked_requests == []
    drawn = p.evaluate("[geoplan.layers.osm_lines.drawn, geoplan.layers.osm_substations.drawn]")
    assert drawn == [10_023, 687]
    assert "© OpenStreetMap contributors" in p.locator(
        ".leaflet-control-attribution").inner_text()
    page.screenshot("osm-grid-of-vietnam")


def test_dense_points_are_clustered_and_all_counted(page: Any, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from workload import make_workload

    plan = geoplan.load_plan(make_workload(tmp_path / "wl", scale=0.02))
    n_trade = len(plan.layers["trade"].frame)
    path = render.write_map(plan, tmp_path / "wl.html", offline=True, cluster_points=100)
    p = open_map(page, path)
    page.assert_no_console_errors()
    state = p.evaluate("""() => {
        const t = geoplan.layers.trade;
        const shown = t.group.getLayers();
        return {count: t.group.markerCount(), drawn: t.drawn,
                clusters: shown.filter(l => l._gpCluster).length,
                inClusters: shown.reduce((s, l) => s + (l._gpCluster ? l._gpCluster.n : 1), 0),
                zoom: geoplan.map.getZoom()}; }""")
    assert state["count"] == state["drawn"] == n_trade
    assert state["clusters"] > 0
    assert state["inClusters"] == n_trade  # every point is in view, in a cluster or alone
    # a click on a cluster zooms in
    xy = p.evaluate("""() => {
        const c = geoplan.layers.trade.group.getLayers().find(l => l._gpCluster);
        const pt = geoplan.map.latLngToContainerPoint(c.getLatLng());
        const box = geoplan.map.getContainer().getBoundingClientRect();
        return [box.left + pt.x, box.top + pt.y]; }""")
    p.mouse.click(xy[0], xy[1])
    p.wait_for_function(f"geoplan.map.getZoom() > {state['zoom']}")
    page.assert_no_console_errors()


def test_measure_an_area_and_go_full_screen(page: Any, sample_map: Path) -> None:
    p = open_map(page, sample_map)
    box = p.locator(".leaflet-control-measure-toggle").bounding_box()
    assert box is not None
    p.mouse.move(box["x"] + 5, box["y"] + 5)  # the control opens on hover
    p.locator(".leaflet-control-measure a.start").click()
    for x, y in ((500, 400), (700, 420), (650, 600)):
        p.mouse.click(x, y)
        p.wait_for_timeout(100)
    p.locator(".leaflet-control-measure a.finish").click()
    result = p.locator(".leaflet-popup-content", has_text="Area measurement")
    result.wait_for()
    assert "Hectares" in result.inner_text() and "Perimeter" in result.inner_text()
    p.locator(".leaflet-control-zoom-fullscreen").click()
    p.wait_for_function("!!document.fullscreenElement")
    assert p.locator(".gp-title").is_visible()  # the title block stays in full screen
    page.assert_no_console_errors()
    assert page.failed_requests == []  # no picture asked for by a relative path either
