"""Printable planning maps with matplotlib: PNG or PDF sheets for plan documents.

The sheet (A3 or A4) holds the map, a legend, a scale bar, a north arrow, a title block and a
footer with the CRS and the data attribution. The layers, the style of every feature
(:func:`geoplan.maps.model.layer_styles` — the very styles of the interactive map, converted
here for matplotlib) and the legend come from the map model shared with the interactive map.
Only this module imports matplotlib, and only when a sheet is drawn.

The map is drawn in the plan's analysis CRS (metric, VN-2000 TM-3 or UTM), so the scale bar is
exact and no reprojection is needed; the north arrow shows true north, turned from grid north by
the meridian convergence computed through :func:`geoplan.crs.transform_points`.

The report reuses :func:`draw_layers` to draw a small map of a few layers into its own Axes.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from geoplan.errors import GeoplanError, MissingDependencyError
from geoplan.maps import model
from geoplan.maps.model import (
    DEFAULT_SUBTITLE,
    DRAW_ORDER,
    MapLayer,
    layer_styles,
    layers_extent,
    legend_for,
    map_day,
    map_layers,
    name_label_points,
)
from geoplan.maps.styles import MPL_MARKERS, LegendEntry, LegendSection, StyleTable, style_table
from geoplan.markup import plain_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geoplan.plan import Plan

__all__ = [
    "PAPER_MM",
    "STANDARD_SCALES",
    "add_coordinate_grid",
    "add_location_inset",
    "add_north_arrow",
    "add_scale_bar",
    "draw_layers",
    "draw_legend",
    "fit_scale",
    "report_map_png",
    "scale_text",
    "source_lines",
    "static_map",
    "write_static_map",
]

log = logging.getLogger(__name__)

Paper = Literal["A3", "A4"]

#: Paper sizes in millimetres (landscape: width, height).
PAPER_MM: dict[str, tuple[float, float]] = {"A3": (420.0, 297.0), "A4": (297.0, 210.0)}

#: Points per screen pixel of the interactive map's styles (line widths, symbol sizes, dashes).
PT_PER_PX = 0.5

_SUFFIXES = {".png": "png", ".pdf": "pdf"}


def _mpl() -> Any:
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - matplotlib is a dependency
        raise MissingDependencyError("static maps need matplotlib: pip install matplotlib") from exc
    return matplotlib


def _literal_text(func: Any) -> Any:
    """Draw every text of the figure as written: a ``$`` in a plan name or a label is no
    mathtext (an unbalanced ``$\\frac{`` would make matplotlib raise while saving)."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        matplotlib = _mpl()
        with matplotlib.rc_context({"text.parse_math": False}):
            return func(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------------------ style conversion


def _rgba(color: Any, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(color if isinstance(color, str) else "#777777", alpha)


def _linestyle(style: dict[str, Any], lw: float) -> Any:
    dash = style.get("dashArray")
    if not dash:
        return "-"
    # matplotlib scales dash lengths by the line width (lines.scale_dashes): undo it
    parts = tuple(float(v) * PT_PER_PX / max(lw, 0.1) for v in str(dash).split())
    return (0, parts)


def path_kwargs(style: dict[str, Any], *, polygon: bool) -> dict[str, Any]:
    """matplotlib keyword arguments for a Leaflet path style (line or polygon)."""
    lw = float(style.get("weight", 1.0)) * PT_PER_PX
    edge = _rgba(style.get("color"), float(style.get("opacity", 1.0)))
    kw: dict[str, Any] = {"linewidth": lw, "linestyle": _linestyle(style, lw)}
    if polygon:
        fill = style.get("fill", False)
        kw["facecolor"] = (_rgba(style.get("fillColor", style.get("color")),
                                 float(style.get("fillOpacity", 0.2))) if fill else "none")
        kw["edgecolor"] = edge
        if style.get("hatch"):
            kw["hatch"] = "////"
    else:
        kw["color"] = edge
        kw["capstyle"] = "round" if not style.get("dashArray") else "butt"
    return kw


def symbol_kwargs(style: dict[str, Any], *, scale: float = 1.0) -> dict[str, Any]:
    """matplotlib ``scatter`` keyword arguments for a canvas symbol style."""
    shape = style.get("shape", "circle")
    radius = float(style.get("radius", 6.0))
    fill = style.get("fill", True)
    return {
        "marker": MPL_MARKERS.get(shape, "o"),
        "s": (2 * radius * PT_PER_PX * scale
              * (1.3 if shape in ("square", "diamond") else 1.0)) ** 2,
        "facecolors": [_rgba(style.get("fillColor", "#777777"),
                             float(style.get("fillOpacity", 1.0)) if fill else 0.0)],
        "edgecolors": [_rgba(style.get("color", "#333333"), float(style.get("opacity", 1.0)))],
        "linewidths": float(style.get("weight", 1.0)) * PT_PER_PX,
    }


# ------------------------------------------------------------------------------- drawing


def draw_layers(
    ax: Axes,
    plan: Plan,
    layers: Iterable[str] | None = None,
    *,
    findings: Any = None,
    coverage: Any = None,
    grid: Any = None,
    styles: StyleTable | None = None,
    extent: tuple[float, float, float, float] | None = None,
    labels: bool = True,
    offline_fill: bool = True,
    service_areas: bool = False,
    symbol_scale: float = 1.0,
) -> list[LegendSection]:
    """Draw plan layers into a matplotlib Axes, in the plan's analysis CRS.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw; its aspect is set to equal and its ticks are hidden.
    plan : Plan
        A loaded plan.
    layers : names, optional
        Plan layers to draw (default: all), bottom to top in the interactive map's order.
    findings, coverage, grid
        As for :func:`geoplan.maps.map_layers`.
    styles : StyleTable, optional
        Default: the style table of the plan's ``[map]`` settings.
    extent : (xmin, ymin, xmax, ymax), optional
        Map extent in the analysis CRS; default: everything drawn, with a 3 % margin.
    labels : bool
        Write commune names.
    offline_fill : bool
        Fill the province with the land colour (the sheet has no base map).
    service_areas : bool
        Draw the coverage service areas too (off by default: on paper they veil the rest).
    symbol_scale : float
        Size factor of point symbols (small maps want smaller symbols).

    Returns
    -------
    list of LegendSection
        The legend of what was drawn (for :func:`draw_legend`).
    """
    table = styles or style_table(plan.settings.get("map"))
    mls = [m for m in map_layers(plan, findings=findings, coverage=coverage, grid=grid,
                                 layers=layers)
           if service_areas or m.kind != "coverage_service_area"]
    for ml in mls:
        _draw_layer(ax, ml, table, offline_fill=offline_fill, symbol_scale=symbol_scale)
        if labels and ml.kind == "boundary":
            _label_communes(ax, ml)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if extent is None:
        extent = _extent(mls)
    if extent is not None:
        x0, y0, x1, y1 = extent
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    return legend_for(mls, table)


def _extent(mls: Sequence[MapLayer]) -> tuple[float, float, float, float] | None:
    """The extent of everything drawn with a 3 % margin (at least 30 m)."""
    bounds = layers_extent(mls)
    if bounds is None:
        return None
    x0, y0, x1, y1 = bounds
    pad = 0.03 * max(x1 - x0, y1 - y0, 1000.0)
    return float(x0 - pad), float(y0 - pad), float(x1 + pad), float(y1 + pad)


def _draw_layer(ax: Axes, ml: MapLayer, table: StyleTable, *, offline_fill: bool,
                symbol_scale: float = 1.0) -> None:
    import shapely

    frame = ml.frame
    if not len(frame):
        return
    styles, codes = layer_styles(ml, table, offline=offline_fill)
    idx = np.zeros(len(frame), dtype=int) if codes is None else np.asarray(codes)
    geoms = np.asarray(frame.geometry.values)
    types = shapely.get_type_id(geoms)
    z = 2 + (DRAW_ORDER.index(ml.kind) if ml.kind in DRAW_ORDER else len(DRAW_ORDER))
    for k, style in enumerate(styles):
        mine = idx == k
        polys = geoms[mine & np.isin(types, (3, 6))]
        lines = geoms[mine & np.isin(types, (1, 2, 5))]
        points = geoms[mine & np.isin(types, (0, 4))]
        if len(polys):
            _draw_polygons(ax, polys, style, z)
        if len(lines):
            _draw_lines(ax, lines, style, z)
        if len(points):
            xy = shapely.get_coordinates(points)
            ax.scatter(xy[:, 0], xy[:, 1], zorder=z + 0.5,
                       **symbol_kwargs(style, scale=symbol_scale))


def _draw_polygons(ax: Axes, polys: np.ndarray, style: dict[str, Any], z: float) -> None:
    import shapely
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for part in shapely.get_parts(polys):
        rings = [shapely.get_coordinates(r) for r in shapely.get_rings(part)]
        verts = np.concatenate(rings)
        codes = np.concatenate([
            [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
            for r in rings
        ])
        paths.append(MplPath(verts, codes))
    kw = path_kwargs(style, polygon=True)
    ax.add_collection(PathCollection(paths, zorder=z, **{
        "facecolors": [kw["facecolor"]] if kw["facecolor"] != "none" else "none",
        "edgecolors": [kw["edgecolor"]], "linewidths": kw["linewidth"],
        "linestyles": [kw["linestyle"]], **({"hatch": kw["hatch"]} if "hatch" in kw else {}),
    }), autolim=True)


def _draw_lines(ax: Axes, lines: np.ndarray, style: dict[str, Any], z: float) -> None:
    import shapely
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(lines)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    splits = np.flatnonzero(np.diff(index)) + 1
    segs = np.split(coords, splits)
    kw = path_kwargs(style, polygon=False)
    ax.add_collection(LineCollection(segs, zorder=z, colors=[kw["color"]],
                                     linewidths=kw["linewidth"], linestyles=[kw["linestyle"]],
                                     capstyle=kw["capstyle"]), autolim=True)


def _label_communes(ax: Axes, ml: MapLayer) -> None:
    points = name_label_points(ml)
    if points is None:
        return
    frame = ml.frame
    communes = (frame["level"] == "commune").to_numpy() if "level" in frame.columns else (
        np.ones(len(frame), dtype=bool))
    if communes.sum() > 400:  # a national plan: names would only make a grey smudge
        return
    for pt, name in zip(points[communes], frame["name"][communes], strict=True):
        if pt is None or pt.is_empty or name is None or name != name:
            continue
        ax.annotate(str(name), (pt.x, pt.y), ha="center", va="center", fontsize=5.5,
                    color="#444444", zorder=30, annotation_clip=True,
                    path_effects=_halo())


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=1.8, foreground="white")]


# ------------------------------------------------------------------- legend, scale, north


def draw_legend(ax: Axes, sections: Sequence[LegendSection], *, title: bool = True,
                fontsize: float = 6.5, lang: Literal["both", "vi", "en"] = "both") -> None:
    """Draw legend sections into an Axes of their own (axis off), top to bottom.

    ``lang`` picks the labels: Vietnamese and English (``"both"``), or one of them.
    """

    def label(vi: str, en: str) -> str:
        return {"vi": vi, "en": en}.get(lang, f"{vi} / {en}")

    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    rows = sum(len(s.entries) + 1.4 for s in sections) + (1.6 if title else 0)
    step = 0.98 / max(rows, 1)
    fig = ax.get_figure(root=True)
    height_in = fig.get_figheight() if fig is not None else 8.0
    height_pt = ax.get_position().height * height_in * 72.0
    size = min(fontsize, step * height_pt * 0.62)  # a row is ~1.6 times the font size
    step = min(step, fontsize * 1.7 / height_pt)  # do not spread a short legend out
    y = 0.99
    if title:
        ax.text(0, y, label("Chú giải", "Legend"), fontsize=size * 1.3, fontweight="bold",
                va="top")
        y -= step * 1.6
    for s in sections:
        ax.text(0, y, label(s.title_vi, s.title_en), fontsize=size * 1.05, fontweight="bold",
                va="top")
        y -= step * 1.2
        for e in s.entries:
            cy = y - step * 0.45
            if e.geom == "line":
                lw = e.weight * PT_PER_PX
                ls = _linestyle({"dashArray": " ".join(f"{v:g}" for v in e.dash)}
                                if e.dash else {}, lw)
                ax.add_line(Line2D([0.0, 0.12], [cy, cy], color=e.color, linewidth=lw,
                                   linestyle=ls))
            elif e.geom == "fill":
                lw = 1.0
                ax.add_patch(Rectangle(
                    (0.0, cy - step * 0.3), 0.12, step * 0.6,
                    facecolor=_rgba(e.fill or e.color, e.fill_opacity),
                    edgecolor=e.color, linewidth=lw,
                    linestyle=_linestyle({"dashArray": " ".join(f"{v:g}" for v in e.dash)}
                                         if e.dash else {}, lw),
                    hatch="////" if e.hatch else None))
            else:
                ax.scatter([0.06], [cy], marker=MPL_MARKERS.get(e.shape or "circle", "o"),
                           s=(size * 1.1) ** 2, c=[_rgba(e.fill or e.color, 1.0)],
                           edgecolors="#333333", linewidths=0.4)
            ax.text(0.16, cy, label(e.label_vi, e.label_en), fontsize=size, va="center")
            y -= step
        y -= step * 0.2


def _nice(length: float) -> float:
    exp = 10 ** math.floor(math.log10(length))
    for m in (5, 2, 1):
        if m * exp <= length:
            return m * exp
    return exp


def add_scale_bar(ax: Axes, *, fraction: float = 0.22, fontsize: float = 7) -> float:
    """A two-tone scale bar at the lower left (axes in metres); returns its length in m."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice((x1 - x0) * fraction)
    left = x0 + (x1 - x0) * 0.04
    base = y0 + (y1 - y0) * 0.04
    height = (y1 - y0) * 0.008
    ax.add_patch(Rectangle((left - (x1 - x0) * 0.01, base - height * 2.5),
                           length + (x1 - x0) * 0.02, height * 7.5, facecolor="white",
                           edgecolor="none", alpha=0.85, zorder=40))
    for i in range(4):
        ax.add_patch(Rectangle((left + i * length / 4, base), length / 4, height,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                               linewidth=0.6, zorder=41))
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for frac in (0, 0.5, 1):
        text = f"{length * frac / div:g}" + (f" {unit}" if frac == 1 else "")
        ax.text(left + frac * length, base + height * 1.6, text,
                ha="left" if frac == 1 else "center", va="bottom", fontsize=fontsize, zorder=42,
                transform=ax.transData)
    return length


def convergence_deg(crs: Any, x: float, y: float) -> float:
    """Angle (degrees, clockwise) from grid north to true north at (x, y) in ``crs``."""
    from geoplan.crs import WGS84, transform_points

    lon, lat = transform_points([x], [y], crs, WGS84)
    nx, ny = transform_points(lon, lat + 0.01, WGS84, crs)
    return math.degrees(math.atan2(float(nx[0] - x), float(ny[0] - y)))


def add_north_arrow(ax: Axes, crs: Any, *, size: float = 0.06) -> float:
    """A north arrow at the upper right, turned to true north; returns the angle used."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    try:
        angle = convergence_deg(crs, (x0 + x1) / 2, (y0 + y1) / 2)
    except GeoplanError:
        angle = 0.0
    cx, cy = 0.94, 0.88
    dx, dy = math.sin(math.radians(angle)) * size, math.cos(math.radians(angle)) * size
    ax.annotate("", xy=(cx + dx, cy + dy), xytext=(cx - dx * 0.2, cy - dy * 0.2),
                xycoords="axes fraction", zorder=45,
                arrowprops={"arrowstyle": "-|>,head_length=0.8,head_width=0.4", "lw": 1.5,
                            "color": "black"})
    ax.text(cx + dx * 1.35, cy + dy * 1.35, "N", transform=ax.transAxes, ha="center",
            va="center", fontsize=10, fontweight="bold", zorder=45, path_effects=_halo())
    return angle


# ------------------------------------------------------- tt04-2023: scale, grid, inset, source

#: The scales (denominators) a tt04-2023 sheet is drawn at: the smallest that holds the plan.
STANDARD_SCALES: tuple[int, ...] = (5_000, 10_000, 25_000, 50_000, 100_000, 150_000, 200_000,
                                    250_000, 300_000, 400_000, 500_000, 750_000, 1_000_000,
                                    1_500_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000,
                                    7_500_000, 10_000_000)


def fit_scale(ax: Axes, extent: tuple[float, float, float, float], fig: Figure,
              box: Sequence[float]) -> int:
    """Set the Axes' extent so that the map is drawn at the smallest standard scale holding
    ``extent`` (printed at 100 %); returns the scale's denominator (100000 for 1:100 000)."""
    x0, y0, x1, y1 = extent
    w_m = fig.get_figwidth() * box[2] * 0.0254
    h_m = fig.get_figheight() * box[3] * 0.0254
    need = max((x1 - x0) / w_m, (y1 - y0) / h_m)
    scale = next((n for n in STANDARD_SCALES if n >= need),
                 int(math.ceil(need / 1e6) * 1e6))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - scale * w_m / 2, cx + scale * w_m / 2)
    ax.set_ylim(cy - scale * h_m / 2, cy + scale * h_m / 2)
    return scale


def scale_text(scale: int, lang: Literal["vi", "en", "both"] = "both") -> str:
    """``"Tỷ lệ 1:100.000"`` (Vietnamese thousands) / ``"Scale 1:100,000"``.

    >>> scale_text(100000)
    'Tỷ lệ / Scale 1:100.000'
    """
    vi = f"1:{scale:,}".replace(",", ".")
    if lang == "vi":
        return f"Tỷ lệ {vi}"
    if lang == "en":
        return f"Scale 1:{scale:,}"
    return f"Tỷ lệ / Scale {vi}"


def add_coordinate_grid(ax: Axes, crs: Any, *, fontsize: float = 6.0,
                        target_lines: int = 6) -> float:
    """A coordinate grid in the plan's metric CRS (VN-2000 TM-3 for a province) with the
    values on the frame: X (northing) on the sides, Y (easting) along the top and bottom, as
    Vietnamese maps write them; returns the grid interval in metres."""
    from geoplan.crs import crs_label

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    step = _nice(max(x1 - x0, y1 - y0) / target_lines)
    step = max(step, 100.0)
    xs = np.arange(math.ceil(x0 / step) * step, x1, step)
    ys = np.arange(math.ceil(y0 / step) * step, y1, step)

    def label(v: float) -> str:
        return f"{v:,.0f}".replace(",", " ")

    ax.set_xticks(xs)
    ax.set_yticks(ys)
    ax.set_xticklabels([label(v) for v in xs])
    ax.set_yticklabels([label(v) for v in ys], rotation=90, va="center")
    ax.tick_params(axis="both", labelsize=fontsize, direction="in", length=3, top=True,
                   right=True, labeltop=True, labelright=True, pad=2)
    ax.grid(True, color="#333333", linewidth=0.3, alpha=0.55)
    ax.set_axisbelow(False)
    unit = f"{step / 1000:g} km" if step >= 1000 else f"{step:g} m"
    import pyproj

    name = f"{pyproj.CRS(crs).name} ({crs_label(crs)})"
    ax.set_xlabel(f"Y (m) · {name} · lưới tọa độ / grid {unit}", fontsize=fontsize)
    ax.set_ylabel("X (m)", fontsize=fontsize)
    return float(step)


def add_location_inset(fig: Figure, box: tuple[float, float, float, float], plan: Plan, *,
                       fontsize: float = 6.0) -> Axes:
    """A small map locating the province: its outline (red) in a longitude / latitude frame of
    Vietnam's coordinate extent, with the plan's neighbouring provinces when it has them.

    geoplan ships no national outline: an official map of Vietnam must show the Hoàng Sa and
    Trường Sa archipelagos, so the national context comes from the plan's own boundary layers.
    """
    import shapely

    from geoplan.crs import VIETNAM_BOUNDS_WGS84, to_wgs84

    ax = fig.add_axes(box)
    ax.set_facecolor("#eaf2f8")
    x0, y0, x1, y1 = VIETNAM_BOUNDS_WGS84
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    for lon in range(int(math.ceil(x0 / 4) * 4), int(x1) + 1, 4):
        ax.axvline(lon, color="#9aa5b1", linewidth=0.3)
    for lat in range(int(math.ceil(y0 / 4) * 4), int(y1) + 1, 4):
        ax.axhline(lat, color="#9aa5b1", linewidth=0.3)
    ax.set_xticks(range(int(math.ceil(x0 / 4) * 4), int(x1) + 1, 4))
    ax.set_yticks(range(int(math.ceil(y0 / 4) * 4), int(y1) + 1, 4))
    ax.set_xticklabels([f"{v}°E" for v in ax.get_xticks().astype(int)])
    ax.set_yticklabels([f"{v}°N" for v in ax.get_yticks().astype(int)])
    ax.tick_params(labelsize=fontsize * 0.8, length=2, pad=1)
    neighbours = plan.neighbours
    if neighbours is not None and len(neighbours):
        for geom in to_wgs84(neighbours[["geometry"]]).geometry:
            _inset_polygon(ax, geom, "#d9d9d9", "#969696", 0.4)
    own = plan.boundary
    if own is not None and len(own):
        province = shapely.union_all(np.asarray(to_wgs84(own[["geometry"]]).geometry.array,
                                                dtype=object))
    else:
        frames = [layer.frame for layer in plan.layers.values() if len(layer.frame)]
        b = np.array([f.total_bounds for f in frames]) if frames else None
        province = None
        if b is not None:
            import geopandas as gpd

            box_m = shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
            province = to_wgs84(gpd.GeoDataFrame(geometry=[box_m], crs=plan.crs)).geometry[0]
    if province is not None and not province.is_empty:
        _inset_polygon(ax, province, "#d7191c", "#7f0000", 0.8)
        px0, py0, px1, py1 = province.bounds
        pad = 0.35
        ax.add_patch(_rect(px0 - pad, py0 - pad, px1 - px0 + 2 * pad, py1 - py0 + 2 * pad))
    ax.set_title("Sơ đồ vị trí / Location", fontsize=fontsize, pad=2)
    return ax


def _rect(x: float, y: float, w: float, h: float) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, fill=False, edgecolor="#d7191c", linewidth=1.0, zorder=5)


def _inset_polygon(ax: Axes, geom: Any, face: str, edge: str, lw: float) -> None:
    import shapely
    from matplotlib.patches import Polygon as MplPolygon

    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon":
            continue
        ax.add_patch(MplPolygon(np.asarray(part.exterior.coords)[:, :2], closed=True,
                                facecolor=face, edgecolor=edge, linewidth=lw, zorder=3))


def source_lines(plan: Plan, table: StyleTable, *, scale: int | None = None,
                 grid_m: float | None = None) -> list[str]:
    """The source block of a sheet: the data, the CRS and grid, the symbology, the maker."""
    from geoplan._version import __version__
    from geoplan.crs import crs_label

    sources = "; ".join(f"{layer.title} ({layer.source.name})" for layer in
                        plan.layers.values())
    crs = f"{plan.crs.name} ({crs_label(plan.crs)})"
    if grid_m:
        crs += f", lưới tọa độ / grid {grid_m / 1000:g} km" if grid_m >= 1000 else \
            f", lưới tọa độ / grid {grid_m:g} m"
    lines = [f"Nguồn dữ liệu / Data: {sources}", f"Hệ tọa độ / CRS: {crs}"]
    if scale:
        lines.append(scale_text(scale) + " (in đúng kích thước khổ giấy / printed at 100 %)")
    if table.symbology == "tt04-2023":
        lines.append("Ký hiệu / Symbology: theo Thông tư 04/2023/TT-BKHĐT trong phạm vi đọc "
                     "được; phần còn lại do geoplan đặt (docs/symbology-tt04-2023.md)")
    lines.append(f"Lập bằng / Made with geoplan {__version__}")
    return lines


# ---------------------------------------------------------------------------- report maps


@_literal_text
def report_map_png(
    plan: Plan,
    *,
    kinds: Sequence[str],
    highlight: Sequence[str] = (),
    lang: Literal["vi", "en"] = "vi",
    coverage: Any = None,
    size: tuple[float, float] = (7.0, 4.6),
    dpi: int = 150,
) -> bytes:
    """A small map for the report, as PNG bytes: the layers of ``kinds`` over the boundaries.

    Features whose ``id`` is in ``highlight`` get a thick red outline; ``coverage`` adds its
    gaps and proposed sites. The legend is in ``lang`` only.
    """
    import io as _io

    _mpl()
    import shapely
    from matplotlib.figure import Figure

    wanted = [name for name, layer in plan.layers.items()
              if layer.kind in kinds or layer.kind == "boundary"]
    fig = Figure(figsize=size)
    map_box = (0.01, 0.01, 0.66, 0.98)
    ax = fig.add_axes(map_box)
    ax.set_facecolor("#eef2f5")
    sections = draw_layers(ax, plan, wanted, coverage=coverage, labels=False, symbol_scale=0.7)
    drawn = [m for m in map_layers(plan, coverage=coverage, layers=wanted)]
    ext = _extent(drawn)
    if ext is not None:
        _fit_extent(ax, ext, fig, map_box)
    marked = False
    if highlight:
        keep = {str(h) for h in highlight}
        table = style_table(plan.settings.get("map"))
        for ml in drawn:
            if ml.kind not in kinds or "id" not in ml.frame.columns:
                continue
            hit = ml.frame[ml.frame["id"].astype(str).isin(keep)]
            if not len(hit):
                continue
            marked = True
            geoms = np.asarray(hit.geometry.values)
            outline = shapely.boundary(geoms[np.isin(shapely.get_type_id(geoms), (3, 6))])
            style = {"color": table.severity_colors["error"], "weight": 5, "opacity": 1}
            lines = np.concatenate([outline, geoms[np.isin(shapely.get_type_id(geoms),
                                                           (1, 2, 5))]])
            if len(lines):
                _draw_lines(ax, lines, style, 60)
            pts = geoms[np.isin(shapely.get_type_id(geoms), (0, 4))]
            if len(pts):
                xy = shapely.get_coordinates(pts)
                ax.scatter(xy[:, 0], xy[:, 1], s=120, facecolors="none", linewidths=2,
                           edgecolors=table.severity_colors["error"], zorder=61)
    if marked:
        sections = [*sections, LegendSection("Đánh dấu", "Highlighted", (LegendEntry(
            "Đối tượng được nêu", "Feature named in the text", "line",
            style_table().severity_colors["error"], weight=5),))]
    if style_table(plan.settings.get("map")).symbology == "tt04-2023":
        add_coordinate_grid(ax, plan.crs, fontsize=4.5, target_lines=5)
        ax.set_xlabel("")
        ax.set_ylabel("")
    add_scale_bar(ax, fontsize=6)
    add_north_arrow(ax, plan.crs, size=0.07)
    draw_legend(fig.add_axes((0.69, 0.02, 0.30, 0.96)), sections, title=False, fontsize=6.5,
                lang=lang)
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "geoplan"})
    return buffer.getvalue()


# -------------------------------------------------------------------------------- sheets


@_literal_text
def static_map(
    plan: Plan,
    *,
    paper: Paper = "A3",
    orientation: Literal["auto", "landscape", "portrait"] = "auto",
    findings: Any = None,
    coverage: Any = None,
    grid: Any = None,
    layers: Iterable[str] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    date: str | _dt.date | None = None,
    attribution: str | None = None,
    styles: StyleTable | None = None,
) -> Figure:
    """A printable sheet of the plan: map, legend, scale bar, north arrow, title and footer.

    ``paper`` is ``"A3"`` or ``"A4"``; ``orientation="auto"`` follows the plan's shape. Returns
    a :class:`matplotlib.figure.Figure` (not attached to pyplot); write it with
    :func:`write_static_map`.
    """
    _mpl()
    from matplotlib.figure import Figure

    from geoplan._version import __version__
    from geoplan.crs import crs_label

    if paper not in PAPER_MM:
        raise GeoplanError(f"paper = {paper!r}; use \"A3\" or \"A4\"")
    table = styles or style_table(plan.settings.get("map"))
    settings = plan.settings.get("map", {})
    mls = map_layers(plan, findings=findings, coverage=coverage, grid=grid, layers=layers)
    extent = _extent(mls)
    w_mm, h_mm = PAPER_MM[paper]
    if orientation == "portrait" or (orientation == "auto" and extent is not None and
                                     (extent[3] - extent[1]) > 1.15 * (extent[2] - extent[0])):
        w_mm, h_mm = h_mm, w_mm
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    portrait = h_mm > w_mm
    scale = 1.0 if paper == "A3" else 0.75
    official = table.symbology == "tt04-2023"
    map_box = (0.03, 0.07, 0.68, 0.83) if not portrait else (0.04, 0.24, 0.92, 0.66)
    legend_box = (0.74, 0.07, 0.24, 0.83) if not portrait else (0.04, 0.045, 0.92, 0.18)
    if official:  # room for the grid values, the inset and the source block
        map_box = (0.055, 0.1, 0.63, 0.76) if not portrait else (0.08, 0.3, 0.85, 0.56)
        legend_box = (0.74, 0.4, 0.24, 0.5) if not portrait else (0.04, 0.1, 0.56, 0.16)
    ax = fig.add_axes(map_box)
    ax.set_facecolor("#eef2f5")
    sections = draw_layers(ax, plan, layers, findings=findings, coverage=coverage, grid=grid,
                           styles=table)
    denominator: int | None = None
    grid_m: float | None = None
    if extent is not None:
        if official:
            denominator = fit_scale(ax, extent, fig, map_box)
        else:
            _fit_extent(ax, extent, fig, map_box)
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)
    if official:
        grid_m = add_coordinate_grid(ax, plan.crs, fontsize=6.5 * scale)
    add_scale_bar(ax, fontsize=7 * scale)
    add_north_arrow(ax, plan.crs)
    draw_legend(fig.add_axes(legend_box), sections, fontsize=6.5 * scale)
    if official:
        inset_box = (0.76, 0.14, 0.2, 0.22) if not portrait else (0.64, 0.1, 0.32, 0.16)
        add_location_inset(fig, inset_box, plan, fontsize=7 * scale)
        lines = source_lines(plan, table, scale=denominator, grid_m=grid_m)
        fig.text(0.74 if not portrait else 0.04, 0.115 if not portrait else 0.075,
                 "\n".join(lines), fontsize=5.5 * scale, va="top", color="#333333",
                 wrap=True)
        if denominator:
            fig.text(0.03 if not portrait else 0.04, 0.9 if not portrait else 0.915,
                     scale_text(denominator), fontsize=11 * scale, va="top",
                     fontweight="bold")

    day = map_day(date)
    fig.text(0.03, 0.965, title or settings.get("title") or plan.name, fontsize=16 * scale,
             fontweight="bold", va="top")
    sub = subtitle or settings.get("subtitle") or " / ".join(DEFAULT_SUBTITLE)
    meta = " · ".join(x for x in (plan.province, f"Ngày / Date: {day}") if x)
    fig.text(0.03, 0.925, f"{sub} — {meta}", fontsize=9 * scale, va="top", color="#333333")
    credit = model.attribution(plan, attribution or settings.get("attribution"))
    footer = [f"Hệ tọa độ / CRS: {plan.crs.name} ({crs_label(plan.crs)})",
              "Bắc thật / true north",
              f"geoplan {__version__}"]
    if credit:
        footer.insert(1, plain_text(credit))  # a link in the attribution is HTML
    fig.text(0.03, 0.02, "   ·   ".join(footer), fontsize=6.5 * scale, color="#555555")
    return fig


def _fit_extent(ax: Axes, extent: tuple[float, float, float, float], fig: Figure,
                box: Sequence[float]) -> None:
    """Widen the extent to the Axes' shape so that equal aspect fills the frame."""
    x0, y0, x1, y1 = extent
    w_in = fig.get_figwidth() * box[2]
    h_in = fig.get_figheight() * box[3]
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    width, height = x1 - x0, y1 - y0
    if width / height < w_in / h_in:
        width = height * w_in / h_in
    else:
        height = width * h_in / w_in
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)


def write_static_map(
    plan_or_figure: Plan | Figure,
    path: str | Path,
    *,
    overwrite: bool = True,
    dpi: int = 200,
    **kwargs: Any,
) -> Path:
    """Write a static map sheet as PNG or PDF (by the file's suffix), atomically.

    Given a plan, the sheet is made with :func:`static_map` and ``**kwargs`` (``paper``,
    ``findings``, ``coverage`` ...). Returns the path.
    """
    _mpl()
    from matplotlib.figure import Figure

    from geoplan.io import atomic_path

    target = Path(path)
    fmt = _SUFFIXES.get(target.suffix.lower())
    if fmt is None:
        raise GeoplanError(f"{target}: a static map is written as .png or .pdf; use "
                           "geoplan.maps.write_map for .html")
    if isinstance(plan_or_figure, Figure):
        if kwargs:
            raise TypeError(f"write_static_map: options {sorted(kwargs)} apply only to a Plan")
        fig = plan_or_figure
    else:
        fig = static_map(plan_or_figure, **kwargs)
    metadata = {"Creator": "geoplan"} if fmt == "pdf" else {"Software": "geoplan"}
    with atomic_path(target, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
    log.info("wrote %s", target)
    return target
