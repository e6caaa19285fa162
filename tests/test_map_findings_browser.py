"""Findings on the written map, in a real headless Chromium with every request blocked.

A finding that concerns a feature highlights it without taking its click: clicking a flagged
cluster opens the cluster's own popup, which lists its findings; a finding's popup is titled by
its rule and links back to its feature(s). The ``page`` fixture is tests/realparts.py's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geoplan
from geoplan.crs import to_wgs84
from geoplan.maps import interactive as render
from geoplan.maps.styles import rule_titles

pytestmark = pytest.mark.browser

DRAWN = "document.documentElement.getAttribute('data-geoplan-drawn') === '1'"


def _open(page: Any, path: Path) -> Any:
    page.page.set_viewport_size({"width": 1400, "height": 900})
    page.open_html(path)
    page.page.wait_for_function(DRAWN)
    return page.page


def _point_in(plan: geoplan.Plan, area: Any) -> tuple[float, float]:
    """``(lat, lon)`` of a point of ``area`` (analysis CRS) away from the points and lines
    drawn above clusters, so the click can only land on a cluster or a finding."""
    above = [plan.frame(k) for k in ("grid_line", "substation", "power_plant", "trade_facility")]
    others = shapely.union_all(np.concatenate([np.asarray(f.geometry.values) for f in above]))
    free = area.difference(others.buffer(120))
    assert not free.is_empty
    centre = shapely.get_point(shapely.maximum_inscribed_circle(free), 0)
    wgs = to_wgs84(gpd.GeoDataFrame(geometry=[centre], crs=plan.crs))
    lon, lat = wgs.geometry.iloc[0].coords[0]
    return lat, lon


def _click(p: Any, lat: float, lon: float) -> str:
    xy = p.evaluate(f"""() => {{
        geoplan.map.closePopup();
        geoplan.map.setView([{lat}, {lon}], 15, {{animate: false}});
        const pt = geoplan.map.latLngToContainerPoint([{lat}, {lon}]);
        const box = geoplan.map.getContainer().getBoundingClientRect();
        return [box.left + pt.x, box.top + pt.y]; }}""")
    p.wait_for_timeout(100)  # one frame for the canvas
    p.mouse.click(xy[0], xy[1])
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for()
    return str(popup.inner_text())


def _cluster(plan: geoplan.Plan, cluster_id: str) -> Any:
    frame = plan.layers["clusters"].frame
    return frame[frame["id"] == cluster_id].iloc[0]


def test_clicking_a_flagged_cluster_opens_its_popup_with_its_findings(
        page: Any, sample_map: Path, sample_plan: geoplan.Plan,
        sample_results: dict[str, Any]) -> None:
    findings = sample_results["findings"]
    flagged = findings[(findings["layer"] == "clusters") & (findings["rule"] == "cluster-size")]
    row = _cluster(sample_plan, str(flagged["feature_id"].iloc[0]))
    own = findings[(findings["layer"] == "clusters") & (findings["feature_id"] == row["id"])]
    p = _open(page, sample_map)
    text = _click(p, *_point_in(sample_plan, row.geometry))
    # the cluster's own popup, not the finding highlighted on top of it
    assert row["name"] in text
    assert "Cụm công nghiệp" in text and "Industrial cluster" in text
    assert f"Kết quả kiểm tra / Findings ({len(own)})" in text
    titles = rule_titles()
    for rule, message in zip(own["rule"], own["message"], strict=True):
        assert titles[rule][0] in text  # rule title, Vietnamese first
        assert message in text  # the message as the pipeline wrote it (Vietnamese)
    assert "Lỗi" in text or "Cảnh báo" in text  # severity in Vietnamese
    page.assert_no_console_errors()


def test_a_finding_popup_has_its_rule_title_and_links_to_its_feature(
        page: Any, sample_map: Path, sample_plan: geoplan.Plan,
        sample_results: dict[str, Any]) -> None:
    findings = sample_results["findings"]
    flagged = findings[(findings["layer"] == "clusters") & (findings["rule"] == "cluster-size")]
    row = _cluster(sample_plan, str(flagged["feature_id"].iloc[0]))
    p = _open(page, sample_map)
    _click(p, *_point_in(sample_plan, row.geometry))
    p.locator(".leaflet-popup-content a.gp-link-finding").first.click()
    popup = p.locator(".leaflet-popup-content .gp-finding-popup")
    popup.wait_for()
    title = p.locator(".gp-finding-popup h4").inner_text()
    vi, en = rule_titles()["cluster-size"]
    assert title == f"{vi} / {en}"  # a title, not "—"
    link = p.locator(".gp-finding-popup a.gp-link-feature")
    assert link.inner_text() == row["name"]
    link.click()
    p.wait_for_function("!document.querySelector('.leaflet-popup-content .gp-finding-popup')")
    text = p.locator(".leaflet-popup-content").inner_text()
    assert row["name"] in text and "Diện tích khai báo" in text  # the cluster's popup again
    page.assert_no_console_errors()


def test_an_overlap_does_not_take_the_click_from_the_clusters_beneath(
        page: Any, sample_map: Path, sample_plan: geoplan.Plan,
        sample_results: dict[str, Any]) -> None:
    findings = sample_results["findings"]
    overlap = findings[(findings["rule"] == "overlap") & (findings["other_layer"] == "clusters")]
    assert len(overlap), "the sample plan has two overlapping clusters"
    one = overlap.iloc[0]
    a, b = _cluster(sample_plan, one["feature_id"]), _cluster(sample_plan, one["other_id"])
    p = _open(page, sample_map)
    text = _click(p, *_point_in(sample_plan, a.geometry.intersection(b.geometry)))
    assert a["name"] in text or b["name"] in text
    assert rule_titles()["overlap"][0] in text  # listed among the cluster's findings
    assert "gp-finding-popup" not in p.locator(".leaflet-popup-content").inner_html()
    page.assert_no_console_errors()


def test_findings_of_a_rule_over_the_threshold_are_clusters_with_counts(
        page: Any, sample_plan: geoplan.Plan, sample_results: dict[str, Any],
        tmp_path: Path) -> None:
    findings = sample_results["findings"]
    counts = findings["rule"].value_counts()
    rule = str(counts.index[0])
    path = render.write_map(sample_plan, tmp_path / "agg.html", offline=True,
                            findings_cluster=int(counts.iloc[0]) - 1, **sample_results)
    p = _open(page, path)
    p.evaluate("() => { geoplan.map.setZoom(7, {animate: false}); }")
    p.wait_for_timeout(100)
    shown = p.evaluate("""() => { let n = 0;
        geoplan.layers.findings.group.eachLayer(l => { if (l._refresh) {
            l.eachLayer(m => { n += m._gpCluster ? m._gpCluster.n : 1; }); } });
        return n; }""")
    assert shown == counts.iloc[0]  # every finding of the rule is counted in the clusters
    assert p.evaluate("geoplan.layers.findings.data.ag") == [rule]
    page.assert_no_console_errors()


def test_the_page_takes_from_the_features_what_the_findings_leave_out(
        page: Any, sample_plan: geoplan.Plan, sample_results: dict[str, Any],
        tmp_path: Path) -> None:
    """Layer, feature id and the names in messages come from the referenced features; the
    values the page shows are exactly the findings the map was given."""
    from test_map_findings import _documents, many_findings

    from geoplan.maps import codec, model

    given = {**sample_results, "findings": many_findings(sample_plan, sample_results["findings"])}
    path = render.write_map(sample_plan, tmp_path / "many.html", offline=True,
                            findings_cluster=40, **given)
    docs = _documents(path.read_text(encoding="utf-8"))
    doc = docs["findings"]
    assert "tp" in doc["p"]["message"] and doc["rc"] and doc["ag"]
    frame = next(m.frame for m in model.map_layers(sample_plan, **given) if m.name == "findings")
    p = _open(page, path)
    shown = p.evaluate("""() => { const d = geoplan.layers.findings.data, out = {};
        for (const c of d.cols) { out[c] = [];
            for (let j = 0; j < d.n; j++) { const v = geoplan.value(d, c, j);
                out[c].push(v === undefined ? null : v); } }
        return out; }""")
    for column in doc["cols"]:
        assert shown[column] == [codec.json_value(v) for v in frame[column].astype(object)], column
    # a finding's popup shows its message as written
    j = int(np.flatnonzero((frame["rule"] == "corridor").to_numpy()
                           & frame["other_id"].notna().to_numpy())[-1])
    p.evaluate(f"() => geoplan.openRef('findings', {j})")
    text = p.locator(".leaflet-popup-content .gp-finding-popup").inner_text()
    assert frame["message"].iloc[j] in text
    assert str(frame["feature_id"].iloc[j]) in text or str(frame["other_id"].iloc[j]) in text
    # the clusters of the aggregated rules stand where the Python decoder puts the findings
    points = p.evaluate("""() => { const out = [];
        geoplan.layers.findings.group.eachLayer(l => {
            if (l._points) { out.push(...l._points); } });
        return out; }""")
    rules = codec.decode_column(doc, "rule")
    rows = [j for j, r in enumerate(rules) if r in doc["ag"]]
    want = dict(zip(rows, codec.decode_aggregate_points(doc, docs), strict=True))
    assert len(points) == sum(q is not None for q in want.values())
    for lat, lon, j in points:
        assert (lat, lon) == pytest.approx(want[j], abs=1e-9)
    page.assert_no_console_errors()
