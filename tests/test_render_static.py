"""Static map sheets (matplotlib): paper sizes, styles shared with the web map, scale, north."""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from builders.plans import X0, Y0, PlanBuilder
from shapely.geometry import Point

import geoplan
from geoplan.errors import GeoplanError, OutputExistsError
from geoplan.maps import sheet as staticmap
from geoplan.maps.styles import style_table

matplotlib = pytest.importorskip("matplotlib")


def test_a3_png_has_the_paper_size(sample_plan: geoplan.Plan, tmp_path: Path) -> None:
    from PIL import Image

    path = staticmap.write_static_map(sample_plan, tmp_path / "map.png", paper="A3", dpi=50,
                                      orientation="landscape", date="2025-07-01")
    with Image.open(path) as img:
        width, height = img.size
    assert (width, height) == (int(420 / 25.4 * 50), int(297 / 25.4 * 50))  # 420 x 297 mm


def test_a4_pdf_page_is_a4(sample_plan: geoplan.Plan, tmp_path: Path) -> None:
    path = staticmap.write_static_map(sample_plan, tmp_path / "map.pdf", paper="A4",
                                      orientation="landscape")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None
    assert (round(float(box.group(1))), round(float(box.group(2)))) == (842, 595)


def test_sheet_has_title_legend_scale_and_north(sample_plan: geoplan.Plan) -> None:
    fig = staticmap.static_map(sample_plan, paper="A4", date="2025-07-01")
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == sample_plan.name
    assert "Ngày / Date: 2025-07-01" in texts[1]
    assert "Hệ tọa độ / CRS:" in texts[2] and "EPSG:9209" in texts[2]
    map_ax, legend_ax = fig.axes
    legend = [t.get_text() for t in legend_ax.texts]
    assert legend[0] == "Chú giải / Legend"
    assert "220 kV / 220 kV" in legend and "Chợ / Market" in legend
    labels = [t.get_text() for t in map_ax.texts]
    assert "N" in labels and any(t.endswith(" km") for t in labels)  # north arrow, scale bar
    communes = sample_plan.communes
    assert communes is not None
    assert set(communes["name"]) <= set(labels)  # commune names written on the map


def test_draw_layers_into_a_given_axes_uses_the_web_styles(sample_plan: geoplan.Plan) -> None:
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.colors import to_hex
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 4))
    ax = fig.add_subplot()
    sections = staticmap.draw_layers(ax, sample_plan, ["lines", "substations", "trade"],
                                     labels=False)
    assert [s.title_en for s in sections] == ["Power grid", "Trade facilities"]
    table = style_table()
    line_colours = {to_hex(c[0]).upper() for c in
                    (coll.get_colors() for coll in ax.collections
                     if isinstance(coll, LineCollection))}
    assert {table.voltage_color(v) for v in (500, 220, 110)} <= line_colours
    points = sum(len(c.get_offsets()) for c in ax.collections
                 if isinstance(c, PathCollection) and len(c.get_offsets()))
    assert points == len(sample_plan.layers["substations"].frame) + len(
        sample_plan.layers["trade"].frame)
    assert ax.get_aspect() == 1.0


def test_scale_bar_is_a_round_length(sample_plan: geoplan.Plan) -> None:
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    ax.set_xlim(0, 47_000)
    ax.set_ylim(0, 30_000)
    assert staticmap.add_scale_bar(ax) == 10_000  # 22 % of 47 km, rounded down to 1-2-5
    ax.set_xlim(0, 3_000)
    assert staticmap.add_scale_bar(ax) == 500


def test_north_arrow_follows_meridian_convergence() -> None:
    import pyproj

    crs = pyproj.CRS("EPSG:9209")  # VN-2000 TM-3, central meridian 105°30′
    assert abs(staticmap.convergence_deg(crs, 500_000, 2_330_000)) < 0.01  # on the meridian
    east = staticmap.convergence_deg(crs, 600_000, 2_330_000)
    lon, lat = geoplan.crs.transform_points([600_000], [2_330_000], crs, "EPSG:4326")
    gamma = (float(lon[0]) - 105.5) * math.sin(math.radians(float(lat[0])))
    assert east < 0 and east == pytest.approx(-gamma, rel=0.02)


def test_point_only_plan_and_bad_suffix(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, name="Một điểm")
    subs = gpd.GeoDataFrame({"id": ["S1"], "name": ["TBA"], "voltage_kv": [110],
                             "status": ["existing"]}, geometry=[Point(X0, Y0)], crs="EPSG:9209")
    b.add("subs", "substation", subs)
    plan = geoplan.load_plan(b.write())
    path = staticmap.write_static_map(plan, tmp_path / "one.png", dpi=30)
    assert path.stat().st_size > 0
    with pytest.raises(OutputExistsError, match="exists already"):
        staticmap.write_static_map(plan, path, overwrite=False, dpi=30)
    with pytest.raises(GeoplanError, match=r"written as \.png or \.pdf"):
        staticmap.write_static_map(plan, tmp_path / "one.svg")
    with pytest.raises(GeoplanError, match=r"paper = 'A0'; use \"A3\" or \"A4\""):
        staticmap.static_map(plan, paper="A0")  # type: ignore[arg-type]


def test_findings_drawn_in_severity_colours(sample_plan: geoplan.Plan) -> None:
    from matplotlib.colors import to_hex
    from matplotlib.figure import Figure

    from geoplan.findings import make_findings

    x, y = np.asarray(sample_plan.layers["clusters"].frame.geometry.iloc[0].centroid.coords)[0]
    findings = make_findings([{"rule": "r", "severity": "error", "layer": "clusters",
                               "feature_id": "X", "message": "m",
                               "geometry": Point(x, y).buffer(300)}], crs=sample_plan.crs)
    ax = Figure().add_subplot()
    sections = staticmap.draw_layers(ax, sample_plan, ["clusters"], findings=findings)
    assert sections[-1].title_en == "Check findings"
    faces = {to_hex(fc, keep_alpha=False).upper() for c in ax.collections
             for fc in c.get_facecolors()}
    assert style_table().severity_colors["error"].upper() in faces


def test_report_map_png(sample_plan: geoplan.Plan) -> None:
    import io

    from PIL import Image

    png = staticmap.report_map_png(sample_plan, kinds=["industrial_cluster"],
                                   highlight=["CCN-08"], lang="en", dpi=60)
    with Image.open(io.BytesIO(png)) as img:
        assert img.format == "PNG" and img.size == (int(7.0 * 60), int(4.6 * 60))
        pixels = np.asarray(img.convert("RGB")).reshape(-1, 3)
    red = np.array([0xD7, 0x19, 0x1C])
    assert (np.abs(pixels.astype(int) - red).sum(axis=1) < 30).sum() > 20  # the highlight
