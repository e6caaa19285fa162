"""The plan diff on the interactive map: folium state, CLI ``--map``, and a real browser.

Plan A is the bundled sample province; plan B is a copy of it with a cluster moved 500 m east,
one removed, one added, a status changed and a substation moved 300 m north.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import geoplan
from geoplan.crs import to_crs, to_wgs84
from geoplan.diff import PlanDiff, diff_plans
from geoplan.errors import GeoplanError
from geoplan.maps import codec
from geoplan.maps import interactive as render
from geoplan.maps.codec import decode
from geoplan.maps.styles import DIFF_LABELS, legend_sections, style_table, value_label

folium = pytest.importorskip("folium")

DRAWN = "document.documentElement.getAttribute('data-geoplan-drawn') === '1'"
EXPECTED = {("clusters", "CCN-48", "added"), ("clusters", "CCN-06", "removed"),
            ("clusters", "CCN-03", "moved"), ("clusters", "CCN-09", "changed"),
            ("substations", "TBA-110-02", "moved")}


def _plan_b(sample_plan_path: Path, folder: Path) -> Path:
    """A copy of the sample with five edits to its clusters and substations."""
    shutil.copytree(sample_plan_path, folder)
    gpkg = folder / "industry.gpkg"
    c = pyogrio.read_dataframe(gpkg, layer="cum_cong_nghiep")
    c.loc[c["ma"] == "CCN-03", "geometry"] = c.loc[c["ma"] == "CCN-03", "geometry"].translate(
        500.0, 0.0)
    c.loc[c["ma"] == "CCN-09", "trang_thai"] = "Hiện trạng"
    new = c[c["ma"] == "CCN-08"].copy()
    new["ma"], new["ten"] = "CCN-48", "Cụm công nghiệp Nam Sơn 5"
    new["geometry"] = new.geometry.translate(0.0, -3000.0)
    c = gpd.GeoDataFrame(pd.concat([c[c["ma"] != "CCN-06"], new], ignore_index=True),
                         crs=c.crs)
    pyogrio.write_dataframe(c, gpkg, layer="cum_cong_nghiep")
    grid = folder / "grid.gpkg"
    s = pyogrio.read_dataframe(grid, layer="tram_bien_ap")
    s.loc[s["ma"] == "TBA-110-02", "geometry"] = s.loc[s["ma"] == "TBA-110-02",
                                                       "geometry"].translate(0.0, 300.0)
    pyogrio.write_dataframe(s, grid, layer="tram_bien_ap")
    return folder


@pytest.fixture(scope="module")
def plans(sample_plan: geoplan.Plan, sample_plan_path: Path,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[geoplan.Plan, geoplan.Plan]:
    b = _plan_b(sample_plan_path, tmp_path_factory.mktemp("diffmap") / "plan-b")
    return sample_plan, geoplan.load_plan(b)


@pytest.fixture(scope="module")
def diff(plans: tuple[geoplan.Plan, geoplan.Plan]) -> PlanDiff:
    return diff_plans(*plans)


def diff_element(m: Any) -> Any:
    layers = [c for c in m._children.values() if type(c).__name__ == "DataLayer"]
    found: list[Any] = [x for x in layers if x.kind == "diff"]
    assert len(found) == 1
    return found[0]


def child(m: Any, kind: str) -> Any:
    """The first child element of the map of this class name (Control, TitleBlock ...)."""
    return next(c for c in m._children.values() if type(c).__name__ == kind)


def column(data: dict[str, Any], name: str) -> list[Any]:
    return codec.decode_column(data, name)


def first_rings(data: dict[str, Any]) -> list[list[list[tuple[float, float]]]]:
    """Features -> parts -> (lat, lon) vertices of their first ring."""
    return [[rings[0] for rings in parts] for parts in decode(data)]


def centroid_latlon(plan: geoplan.Plan, layer: str, fid: str) -> tuple[float, float]:
    frame = plan.layers[layer].frame
    point = frame.loc[frame["id"] == fid, "geometry"].centroid
    lon, lat = to_wgs84(gpd.GeoDataFrame(geometry=point, crs=plan.crs)).geometry.iloc[0].coords[0]
    return lat, lon


# ---------------------------------------------------------------------------- the diff data


def test_the_edits_are_the_diff_and_moves_join_old_to_new_centroids(
        plans: tuple[geoplan.Plan, geoplan.Plan], diff: PlanDiff) -> None:
    a, _ = plans
    assert {(r["layer"], r["id"], r["change"]) for r in diff.to_records()} == EXPECTED
    assert diff.moves is not None
    moves = diff.moves.set_index("id")
    assert sorted(moves.index) == ["CCN-03", "TBA-110-02"]
    assert moves.loc["CCN-03", "distance_m"] == pytest.approx(500.0, abs=1e-6)
    assert moves.loc["TBA-110-02", "geometry"].length == pytest.approx(300.0, abs=1e-6)
    start, end = shapely.get_coordinates(moves.loc["CCN-03", "geometry"])
    old = a.layers["clusters"].frame.set_index("id").loc["CCN-03", "geometry"].centroid
    assert shapely.Point(start).distance(old) < 1e-6
    assert end[0] - start[0] == pytest.approx(500.0) and end[1] == pytest.approx(start[1])


# ---------------------------------------------------------------------------- folium state


def test_diff_is_its_own_layer_with_a_feature_per_record(plans: tuple[geoplan.Plan, geoplan.Plan],
                                                         diff: PlanDiff) -> None:
    _, b = plans
    m = render.plan_map(b, diff=diff, offline=True)
    el = diff_element(m)
    assert el.overlay and el.control and el.show
    assert el.count == len(diff.frame) == 5
    assert el.layer_name.startswith('So sánh phương án <span class="gp-en">/ Plan changes</span>')
    assert "(5)" in el.layer_name
    data = codec.unpack(el.payload)
    layers = [c for c in m._children.values() if type(c).__name__ == "DataLayer"]
    assert layers[-1] is el  # drawn on top of the plan
    changes = column(data, "change")
    assert pd.Series(changes).value_counts().to_dict() == {"moved": 2, "added": 1,
                                                           "removed": 1, "changed": 1}
    # drawn bottom-up: changed, added, moved, removed
    assert changes == ["changed", "added", "moved", "moved", "removed"]
    table = style_table()
    styles = [data["st"][i] for i in data["si"]]
    assert [s["color"] for s in styles] == [table.diff_colors[c] for c in changes]
    removed = styles[changes.index("removed")]
    assert removed["dashArray"] == "6 4" and removed["fill"] is False  # hollow, dashed
    ids = column(data, "id")
    point = styles[ids.index("TBA-110-02")]
    assert point["shape"] == "circle" and point["radius"] > 7  # a ring around the substation
    assert ids == ["CCN-09", "CCN-48", "CCN-03", "TBA-110-02", "CCN-06"]
    assert data["t"] == [2, 2, 2, 0, 2]  # polygons and the substation's point in one layer
    # tooltip: id, then change, layer, name, distance, before -> after
    assert data["label"] == "id"
    assert data["tt"] == ["change", "layer", "name", "distance_m", "details"]
    assert data["f"]["distance_m"] == ["Khoảng dịch chuyển (tâm)", "Distance moved (centroid)",
                                       "m"]
    assert data["f"]["details"][:2] == ["Trước → sau", "Before → after"]
    details = column(data, "details")
    assert details[changes.index("changed")] == "status: planned → existing"
    assert column(data, "distance_m")[ids.index("TBA-110-02")] == pytest.approx(300.0)


def test_moved_features_get_an_arrow_from_the_old_centroid(
        plans: tuple[geoplan.Plan, geoplan.Plan], diff: PlanDiff) -> None:
    a, b = plans
    data = codec.unpack(diff_element(render.plan_map(b, diff=diff, offline=True)).payload)
    mv = data["mv"]
    assert diff.moves is not None
    assert mv["n"] == 2 and mv["g"] == [2, 2]  # shaft and head per arrow
    assert data["mvStyle"]["color"] == style_table().diff_colors["moved"]
    arrows = first_rings(mv)
    by_id = dict(zip(diff.moves["id"], arrows, strict=True))
    for layer, fid in (("clusters", "CCN-03"), ("substations", "TBA-110-02")):
        shaft, head = by_id[fid]
        assert shaft[0] == pytest.approx(centroid_latlon(a, layer, fid), abs=2e-6)
        assert shaft[1] == pytest.approx(centroid_latlon(b, layer, fid), abs=2e-6)
        assert head[1] == shaft[1]  # the head's barbs meet at the tip


def test_legend_has_a_plan_changes_section(plans: tuple[geoplan.Plan, geoplan.Plan],
                                           diff: PlanDiff) -> None:
    _, b = plans
    m = render.plan_map(b, diff=diff, offline=True)
    legend = child(m, "Control").html
    first = legend.index("<h4>")
    assert legend[first:].startswith('<h4>So sánh phương án <span class="gp-en">/ Plan changes')
    rows = re.findall(r'<div class="gp-row">(<svg.*?</svg>)<span>(.*?) <span class="gp-en">/ '
                      r'(.*?)</span>(?: <span class="gp-count">\(\d+\)</span>)?</span></div>',
                      legend)
    got = [(vi, en) for _svg, vi, en in rows][:5]
    assert got == [*DIFF_LABELS.values(), ("Mũi tên: từ vị trí cũ đến vị trí mới",
                                           "Arrow: from the old position to the new one")]
    assert 'stroke-dasharray="6 4"' in rows[1][0] and 'fill="none"' in rows[1][0]
    title = child(m, "TitleBlock").html
    assert f"Plan changes: {diff.before} → {diff.after}" in title


def test_a_frame_in_another_crs_is_drawn_in_the_same_place(
        plans: tuple[geoplan.Plan, geoplan.Plan], diff: PlanDiff) -> None:
    _, b = plans
    reference = diff_element(render.plan_map(b, diff=diff.frame, offline=True)).payload
    utm = to_crs(diff.frame, "EPSG:32648")
    other = diff_element(render.plan_map(b, diff=utm, offline=True)).payload
    assert "mv" not in reference and "mv" not in other  # a bare frame has no arrows
    for f1, f2 in zip(first_rings(reference), first_rings(other), strict=True):
        for p1, p2 in zip(f1, f2, strict=True):
            assert np.allclose(p1, p2, atol=2e-6)  # two units of the 6th decimal


def test_nothing_changed_still_gives_an_empty_layer(plans: tuple[geoplan.Plan, geoplan.Plan]
                                                    ) -> None:
    a, _ = plans
    m = render.plan_map(a, diff=diff_plans(a, a), offline=True)
    el = diff_element(m)
    assert el.count == 0 and "(0)" in el.layer_name
    legend = child(m, "Control").html
    assert "Plan changes" not in legend


def test_something_else_than_a_diff_is_refused(plans: tuple[geoplan.Plan, geoplan.Plan]) -> None:
    _, b = plans
    with pytest.raises(GeoplanError, match=r"diff: expected the result of "
                                           r"geoplan.diff.diff_plans .* got DataFrame"):
        render.plan_map(b, diff=pd.DataFrame({"x": [1]}))


def test_diff_styles_and_labels() -> None:
    table = style_table()
    colours = {c: table.diff_style(c)["color"] for c in DIFF_LABELS}
    assert colours == {"added": "#1A9850", "removed": "#D7191C", "moved": "#F28E00",
                       "changed": "#2C7BB6"}
    assert table.diff_style("removed")["fill"] is None
    assert all(table.diff_style(c)["fill"] == colours[c] for c in ("added", "moved", "changed"))
    assert value_label("change", "removed", "en") == "Removed"
    assert value_label("kind", "grid_line", "vi") == geoplan.KINDS["grid_line"].label_vi
    sections = legend_sections(table, set(), diff={"moved"})
    assert [(s.title_en, [e.label_en for e in s.entries]) for s in sections] == [
        ("Plan changes", ["Moved"])]
    assert table.to_json()["diff"] == colours


# ------------------------------------------------------------------------------------- CLI


def test_cli_writes_the_diff_map(plans: tuple[geoplan.Plan, geoplan.Plan], tmp_path: Path
                                 ) -> None:
    from geoplan.cli import cli

    a, b = plans
    out = tmp_path / "maps" / "diff.html"
    geojson = tmp_path / "diff.geojson"
    runner = CliRunner()
    args = ["diff", str(a.path), str(b.path), "--map", str(out), "--offline"]
    result = runner.invoke(cli, [*args, "-o", str(geojson)])
    assert result.exit_code == 0, result.output
    assert f"bản đồ {out}" in result.stderr
    html = out.read_text(encoding="utf-8")
    blobs = [json.loads(x.replace("<\\/", "</")) for x in re.findall(
        r'<script type="application/json" id="[^"]+(?<!_search)">(.*?)</script>', html,
        flags=re.S)]  # the layers, not the search index
    by_name = {d["name"]: d for d in blobs}
    assert set(by_name) == {*b.layers, "plan-diff"}
    assert by_name["plan-diff"]["n"] == 5 == len(json.loads(geojson.read_text())["features"])
    assert "L.tileLayer(" not in html
    assert [p.name for p in out.parent.iterdir()] == ["diff.html"]  # no temporary file left
    # an existing map stops the diff before the GeoJSON is written
    geojson.unlink()
    again = runner.invoke(cli, [*args, "-o", str(geojson)])
    assert again.exit_code == 1 and "đã tồn tại; thêm --overwrite" in again.stderr
    assert not geojson.exists()
    assert runner.invoke(cli, [*args, "--overwrite"]).exit_code == 0


@pytest.mark.parametrize(("extra", "code", "message"), [
    (["--offline"], 2, "--offline applies to the map: add --map"),
    (["--map", "diff.png"], 1, r"diff.png: the map of a diff is written as .html"),
])
def test_cli_bad_map_options(plans: tuple[geoplan.Plan, geoplan.Plan], extra: list[str],
                             code: int, message: str) -> None:
    from geoplan.cli import cli

    a, b = plans
    result = CliRunner().invoke(cli, ["diff", str(a.path), str(b.path), *extra])
    assert result.exit_code == code
    assert re.search(message, result.stderr), result.stderr


def test_pipeline_map_uses_the_plans_offline_setting(plans: tuple[geoplan.Plan, geoplan.Plan],
                                                     tmp_path: Path) -> None:
    from geoplan import pipeline

    a, b = plans
    online = tmp_path / "online.html"
    pipeline.diff_plans(a, b, map_output=online, offline=False)
    assert "L.tileLayer(" in online.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_diff_map_in_a_browser(page: Any, plans: tuple[geoplan.Plan, geoplan.Plan],
                               diff: PlanDiff, tmp_path: Path) -> None:
    _, b = plans
    path = render.write_map(b, tmp_path / "diff.html", diff=diff, offline=True)
    page.page.set_viewport_size({"width": 1400, "height": 900})
    page.open_html(path)
    p = page.page
    p.wait_for_function(DRAWN)
    page.assert_no_console_errors()
    assert page.blocked_requests == [] and page.failed_requests == []
    labels = p.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("So sánh phương án / Plan changes (5)" in t for t in labels), labels
    assert diff.moves is not None
    state = p.evaluate("""() => { const d = geoplan.layers['plan-diff'];
        return {drawn: d.drawn, inGroup: d.group.getLayers().length,
                arrows: d.arrows.getLayers().length,
                shown: geoplan.map.hasLayer(d.group) && geoplan.map.hasLayer(d.arrows)}; }""")
    assert state == {"drawn": len(diff.frame), "inGroup": len(diff.frame),
                     "arrows": 2 * len(diff.moves), "shown": True}
    # hovering the moved substation shows the diff's tooltip (the diff is drawn on top)
    lat, lon = centroid_latlon(b, "substations", "TBA-110-02")
    xy = p.evaluate(f"""() => {{
        geoplan.map.setView([{lat}, {lon}], 15, {{animate: false}});
        const pt = geoplan.map.latLngToContainerPoint([{lat}, {lon}]);
        const box = geoplan.map.getContainer().getBoundingClientRect();
        return [box.left + pt.x, box.top + pt.y]; }}""")
    p.wait_for_timeout(100)
    p.mouse.move(xy[0] + 9, xy[1])  # on the ring, beside the substation's own square
    tooltip = p.locator(".gp-tooltip")
    tooltip.wait_for()
    text = tooltip.inner_text()
    assert "TBA-110-02" in text and "Dịch chuyển" in text and "substations" in text
    assert "300 m" in text
    # unticking the layer takes its arrows away too (the list starts folded at 1400 px)
    p.locator(".gp-layers .gp-toggle").click()
    label = p.locator(".leaflet-control-layers-overlays label", has_text="Plan changes")
    label.locator("input").uncheck()
    assert p.evaluate("""() => [geoplan.map.hasLayer(geoplan.layers['plan-diff'].group),
                                geoplan.map.hasLayer(geoplan.layers['plan-diff'].arrows)]"""
                      ) == [False, False]
    p.locator(".gp-legend .gp-toggle").click()
    legend = p.locator(".gp-legend").inner_text()
    for words in ("So sánh phương án", "Thêm mới", "Bị xóa", "Dịch chuyển", "Thay đổi"):
        assert words in legend
    page.assert_no_console_errors()
