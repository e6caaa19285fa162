"""Interactive planning maps with folium / Leaflet.

Only this module imports folium (lazily: importing it does not). The layers, their styles and
the legend come from the map model (:mod:`geoplan.maps.model`); each layer is written in the
browser data format of :mod:`geoplan.maps.codec`, where coordinates are put in
``[latitude, longitude]`` order (Leaflet's order); :func:`plan_map` passes bounds as
``[[south, west], [north, east]]``.

How a map stays fast at national scale
--------------------------------------
folium's default ``GeoJson`` layer writes one styled GeoJSON feature per object and draws SVG;
a national plan then weighs tens of megabytes and takes minutes to draw. Here each plan layer is
one compact JSON document embedded in the page (``<script type="application/json">``) and drawn by
a small runtime (``assets/geoplan.js``) on one shared canvas:

- geometries are simplified in the plan's metric CRS at a tolerance tied to the plan's extent
  (:func:`auto_tolerance`): lines with Douglas-Peucker, which keeps their end points, redone
  with topology preservation for any line it would make cross itself; polygons with
  :func:`shapely.simplify` preserving topology; polygon tilings such as communes with
  :func:`shapely.coverage_simplify`, which keeps shared edges shared. Then they are reprojected
  with :func:`geoplan.crs.to_wgs84`;
- coordinates are rounded to ``precision`` decimals of a degree, by default the fewest whose
  last unit is within the tolerance (:func:`auto_precision`: 6 ≈ 0.1 m for a province, 5 ≈ 1 m
  for the country), written as integer deltas from the previous vertex, closing vertices of
  rings dropped;
- findings that concern a feature highlight it by index instead of repeating its geometry, its
  id, its layer or (in their messages) its id and name, and a rule with very many findings is
  drawn as clusters with counts (``findings_cluster``) at points derived where the page can;
- attributes are written column by column, repeated values (status, type, voltage) as codes;
- styles are computed by the map model from :mod:`geoplan.maps.styles`, written once per
  distinct style, and referenced by index;
- dense point layers are clustered (supercluster: a k-d tree per zoom level, built in tens of
  milliseconds where Leaflet.markercluster took most of a second for 20,000 points); popups and
  tooltips are built in the browser only when opened.

A plan diff (:func:`geoplan.diff.diff_plans`) is one more layer, "So sánh phương án / Plan
changes", drawn on top: added features green, removed ones red (dashed, hollow), moved ones
orange with an arrow from the old centroid to the new one, changed ones blue.

The controls (``assets/controls.js``, ``controls.css``) are the search box over names, ids
and communes (its index: :mod:`geoplan.maps.search`), the layer list, legend and title block,
each folding with a button (folded at first on maps narrower than :data:`COLLAPSE_BELOW_PX`)
and laid out so that none covers another, and scale, full screen and measure.

Offline maps (``offline=True``) have no tile layer; Leaflet and its plugins are always inlined
from ``geoplan/maps/assets`` (see its README for versions and licences), so the file makes no
network request. Online maps add a choice of base maps (tiles are the only requests).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError, MissingDependencyError
from geoplan.maps import codec, model
from geoplan.maps import settings as map_settings
from geoplan.maps.model import (
    DEFAULT_SUBTITLE,
    DIFF_LABELS,
    MapLayer,
    finding_references,
    label_column,
    layer_styles,
    layers_extent,
    legend_for,
    map_day,
    map_layers,
    move_arrows,
    name_label_points,
    path_style,
)
from geoplan.maps.search import SEARCH_KINDS, search_index
from geoplan.maps.settings import BASEMAPS, DEFAULT_BASEMAPS, validate_settings
from geoplan.maps.styles import (
    LegendEntry,
    LegendSection,
    StyleTable,
    field_labels,
    field_unit,
    rule_titles,
    style_table,
    value_labels,
)
from geoplan.markup import escape_html, sanitize_html
from geoplan.messages import plan_lang

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

    from geoplan.coverage import CoverageResult
    from geoplan.diff import PlanDiff
    from geoplan.grid import GridResult
    from geoplan.plan import Plan

__all__ = [
    "BASEMAPS",
    "COLLAPSE_BELOW_PX",
    "HIDDEN_AT_START",
    "SEARCHABLE",
    "TOOLTIP_FIELDS",
    "assets_html",
    "auto_precision",
    "auto_tolerance",
    "layer_label",
    "layer_payload",
    "legend_html",
    "map_bounds",
    "map_html",
    "plan_map",
    "search_payload",
    "write_map",
]

log = logging.getLogger(__name__)

#: Key figures shown in tooltips (after the name), per kind.
TOOLTIP_FIELDS: dict[str, tuple[str, ...]] = {
    "boundary": ("level",),
    "industrial_cluster": ("status", "area_ha", "occupancy_pct"),
    "industrial_park": ("status", "area_ha", "occupancy_pct"),
    "trade_facility": ("type", "class", "status"),
    "grid_line": ("voltage_kv", "status", "circuits"),
    "substation": ("voltage_levels", "capacity_mva", "status"),
    "power_plant": ("source", "capacity_mw", "status"),
    "restricted_zone": ("type",),
    "findings": ("severity", "rule", "message"),
    "indicative": ("layer", "id"),
    "diff": ("change", "layer", "name", "distance_m", "details"),
}
#: Layers listed in the layer control but not drawn until ticked (they would hide the rest).
HIDDEN_AT_START = frozenset({"coverage_service_area"})
#: Kinds whose features can be found by name, id or commune in the search box.
SEARCHABLE = SEARCH_KINDS
#: Below this map width (pixels) the layer list, legend and title start collapsed.
COLLAPSE_BELOW_PX = 1600

_ASSET_CSS = ("leaflet/leaflet.css", "fullscreen/Control.FullScreen.css",
              "measure/leaflet-measure.css", "geoplan.css", "controls.css")
_ASSET_JS = ("leaflet/leaflet.js", "supercluster/supercluster.min.js",
             "fullscreen/Control.FullScreen.js", "measure/leaflet-measure.min.js", "geoplan.js",
             "controls.js")

#: Fill of the cluster symbols of dense point layers.
_CLUSTER_COLORS = {"trade_facility": "#d94801", "substation": "#54278f",
                   "power_plant": "#238b45", "findings": "#cb181d"}
#: Decimals of a degree of the name labels' positions (≈ 1 m is plenty for a label).
_LABEL_PRECISION = 5


# ------------------------------------------------------------------------- simplification


def auto_tolerance(extent_m: float) -> float:
    """Simplification tolerance (m) for a plan whose larger side is ``extent_m`` metres.

    The whole plan fits about 1,000 screen pixels; a tolerance of 1/500 of a pixel at that view
    stays under one pixel even 9 zoom levels closer (2⁹ = 512). Clamped to 0.1-5 m: never below
    the 6-decimal precision (≈ 0.1 m), never above what a 1:10,000 plan sheet shows.

    >>> auto_tolerance(60_000), auto_tolerance(1_600_000)
    (0.12, 3.2)
    """
    return round(min(5.0, max(0.1, extent_m / 1000.0 / 500.0)), 3)


def auto_precision(tolerance_m: float) -> int:
    """Decimals of a degree kept for a map simplified at ``tolerance_m`` metres: the fewest
    (4 to 8) whose last unit (≈ 111 km / 10ⁿ) is no longer than the tolerance, so rounding
    moves a vertex by at most half the tolerance; 6 (≈ 0.1 m) when nothing is simplified.

    >>> auto_precision(0.12), auto_precision(3.2), auto_precision(0)
    (6, 5, 6)
    """
    step = max(float(tolerance_m), 111_320.0 / 10**6)
    for p in range(4, 9):
        if 111_320.0 / 10**p <= step:
            return p
    return 8


def _simplify(layer: MapLayer, tolerance: float) -> np.ndarray:
    """The layer's geometries simplified in its (metric) CRS; input untouched."""
    import shapely

    geoms = np.asarray(layer.frame.geometry.values)
    if tolerance <= 0 or not len(geoms):
        return geoms
    types = shapely.get_type_id(geoms)
    out = geoms.copy()
    polygonal = np.isin(types, (3, 6))
    if layer.kind == "boundary" and polygonal.all() and len(geoms) > 1:
        # A tiling of communes: simplify as a coverage so shared edges stay shared.
        try:
            valid = bool(shapely.coverage_is_valid(geoms))
        except Exception:  # pragma: no cover - GEOS without coverage support
            valid = False
        if valid:
            return np.asarray(shapely.coverage_simplify(geoms, tolerance))
        log.info("layer %r is not a clean polygon tiling; simplifying polygons one by one",
                 layer.name)
    lineal = np.isin(types, (1, 2, 5))
    if lineal.any():
        # Douglas-Peucker keeps every line's end points (where lines meet substations and each
        # other); topology-preserving simplification is only needed where the fast one made a
        # simple line cross itself, so it is redone for those alone (7x faster overall).
        lines = geoms[lineal]
        fast = shapely.simplify(lines, tolerance, preserve_topology=False)
        broken = shapely.is_simple(lines) & ~shapely.is_simple(fast)
        if broken.any():
            fast[broken] = shapely.simplify(lines[broken], tolerance, preserve_topology=True)
        out[lineal] = fast
    polygonal_or_mixed = np.isin(types, (3, 6, 7))
    if polygonal_or_mixed.any():
        out[polygonal_or_mixed] = shapely.simplify(geoms[polygonal_or_mixed], tolerance,
                                                   preserve_topology=True)
    return out


def layer_payload(layer: MapLayer, table: StyleTable, *, precision: int, tolerance: float,
                  cluster_points: int, offline: bool,
                  layers: Sequence[MapLayer] = (), findings_cluster: int = 0) -> dict[str, Any]:
    """The browser document of one map layer (:mod:`geoplan.maps.codec`): its geometries
    simplified at ``tolerance`` metres and put in WGS 84, its popup columns, styles and
    labels.

    A findings layer refers to the features of the plan layers of ``layers`` it concerns
    (drawn by reference: :func:`geoplan.maps.model.finding_references`), and the rules with
    more than ``findings_cluster`` findings (0: none) are drawn aggregated."""
    import geopandas as gpd
    import shapely

    from geoplan.crs import to_wgs84

    frame = layer.frame
    simplified = _simplify(layer, tolerance)
    findings_keys: dict[str, Any] = {}
    if layer.kind == "findings" and len(frame):
        findings_keys = _findings_keys(layer, simplified, layers, findings_cluster)
        simplified = findings_keys.pop("geometry")
    geo = gpd.GeoDataFrame(geometry=gpd.GeoSeries(simplified, crs=frame.crs))
    wgs = to_wgs84(geo, name=layer.name)
    columns = layer.columns
    labels = field_labels(layer.kind)
    styles, codes = layer_styles(layer, table, offline=offline)
    moves = move_style = move_origin = None
    if layer.arrows is not None and len(layer.arrows):
        arrows = gpd.GeoDataFrame(geometry=gpd.GeoSeries(move_arrows(layer.arrows),
                                                         crs=layer.arrows.crs))
        moves = np.asarray(to_wgs84(arrows, name="plan diff moves").geometry.values)
        st = table.diff_style("moved")
        move_style = path_style(st["color"], 2.5, None, opacity=0.95)
        move_origin = {"shape": "circle", "radius": 4, "color": st["color"], "weight": 2,
                       "opacity": 1, "fill": True, "fillColor": "#ffffff", "fillOpacity": 1}
    label_points: list[tuple[float, float] | None] | None = None
    points = name_label_points(layer)
    if points is not None:
        wgs_points = to_wgs84(gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=frame.crs)))
        xy, index = shapely.get_coordinates(np.asarray(wgs_points.geometry.values),
                                            return_index=True)
        label_points = [None] * len(points)
        for (lon, lat), i in zip(xy.tolist(), index.tolist(), strict=True):
            label_points[i] = (lon, lat)
    return codec.encode_layer(
        np.asarray(wgs.geometry.values),
        {c: frame[c] for c in columns},
        precision=precision,
        name=layer.name,
        title=layer.title,
        kind=layer.kind,
        kind_labels=layer.kind_labels,
        fields={c: (*labels.get(c, (c, c)), field_unit(layer.kind, c)) for c in columns},
        tooltip=TOOLTIP_FIELDS.get(layer.kind, ()),
        styles=styles,
        style_index=codes,
        search=layer.kind in SEARCHABLE,
        cluster_points=cluster_points,
        cluster_style={"shape": "circle", "color": "#ffffff", "weight": 2, "opacity": 1,
                       "fill": True, "fillColor": _CLUSTER_COLORS.get(layer.kind, "#525252"),
                       "fillOpacity": 0.85, "glyphColor": "#ffffff"},
        label=label_column(layer),
        label_points=label_points,
        label_precision=min(precision, _LABEL_PRECISION),
        moves=moves,
        move_style=move_style,
        move_origin=move_origin,
        **findings_keys,
    )


def _findings_keys(layer: MapLayer, simplified: np.ndarray, layers: Sequence[MapLayer],
                   findings_cluster: int) -> dict[str, Any]:
    """The references, the geometry left to draw, the columns taken from the references and
    the aggregation of a findings layer (:mod:`geoplan.maps.codec`, "Findings")."""
    frame = layer.frame
    refs = finding_references(frame, layers)
    geometry = simplified.copy()
    geometry[refs["by_reference"]] = None  # the feature is highlighted by index instead
    ref_docs = {"ref": codec.encode_refs(refs["names"], refs["layer"], refs["index"]),
                "ref2": codec.encode_refs(refs["names"], refs["other_layer"],
                                          refs["other_index"])}
    by_name = {m.name: m for m in layers}
    texts = _party_texts([by_name[n] for n in refs["names"]], refs)
    columns = {c: frame[c] for c in layer.columns}
    encoded = codec.encode_ref_columns(columns, ref_docs["ref"], ref_docs["ref2"],
                                       {"ref": texts[0], "ref2": texts[2]})
    parties = list(zip(*texts, strict=True))
    for c in layer.columns:
        if c in encoded or c in codec.REF_COLUMNS or not _is_text(columns[c]):
            continue
        # texts that differ only in figures and names (messages) refer to their features
        templated = codec.encode_party_templates(columns[c], parties)
        if templated is not None:
            encoded[c] = templated
    out: dict[str, Any] = {"geometry": geometry, "refs": ref_docs["ref"],
                           "other_refs": ref_docs["ref2"], "encoded": encoded}
    if findings_cluster <= 0 or "rule" not in frame.columns:
        return out
    rules = frame["rule"].astype(object).to_numpy()
    counts = pd.Series(rules).value_counts()
    aggregated = [str(r) for r in counts.index if counts[r] > findings_cluster]
    if not aggregated:
        return out
    rows = np.flatnonzero(np.isin(rules, aggregated))
    log.info("layer %r: %s drawn as clusters (more than %d findings each)", layer.name,
             ", ".join(aggregated), findings_cluster)
    out.update(aggregated=aggregated,
               aggregate_points=_aggregate_points(frame, geometry, rows, refs, by_name))
    return out


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _party_texts(plan_layers: Sequence[MapLayer], refs: Mapping[str, Any]
                 ) -> list[list[str | None]]:
    """Per finding, the texts its placeholders stand for (:func:`codec.party_text`): the id
    and quoted name of its feature and of the other party, as their layers' documents
    carry them (``None`` where there is no such feature)."""
    n = len(refs["layer"])
    out: list[list[str | None]] = [[None] * n for _ in range(4)]
    for k, m in enumerate(plan_layers):
        doc = {"n": len(m.frame), "p": {c: codec.encode_column(m.frame[c])
                                         for c in ("id", "name") if c in m.columns}}
        ids = [codec.party_text(v) for v in codec.decode_column(doc, "id")]
        names = [codec.party_text(v, quoted=True) for v in codec.decode_column(doc, "name")]
        for slot, code_key, index_key in ((0, "layer", "index"),
                                          (2, "other_layer", "other_index")):
            rows = np.flatnonzero((refs[code_key] == k) & (refs[index_key] >= 0))
            for j, i in zip(rows.tolist(), refs[index_key][rows].tolist(), strict=True):
                out[slot][j] = ids[i]
                out[slot + 1][j] = names[i]
    return out


def _aggregate_points(frame: gpd.GeoDataFrame, geometry: np.ndarray, rows: np.ndarray,
                      refs: Mapping[str, Any], by_name: Mapping[str, MapLayer]
                      ) -> list[tuple[float, float] | None]:
    """WGS 84 ``(lon, lat)`` of the findings of ``rows`` (of aggregated rules) whose point the
    browser cannot derive (``ap``, see :func:`codec.decode_aggregate_points`): a point on
    their feature (a polygon of a layer without name labels), ``None`` without one."""
    import geopandas as gpd
    import shapely

    from geoplan.crs import to_wgs84

    own = codec.explode_collections(np.asarray(geometry, dtype=object)[rows])
    send = shapely.is_missing(own) | shapely.is_empty(own)
    where = np.full(len(rows), None, dtype=object)
    for k, name in enumerate(refs["names"]):
        pick = send & (refs["layer"][rows] == k) & (refs["index"][rows] >= 0)
        if not pick.any():
            continue
        m = by_name[name]
        feats = codec.explode_collections(np.asarray(m.frame.geometry.values, dtype=object))
        feats = feats[refs["index"][rows][pick]]
        fam = codec.families(shapely.get_type_id(feats))
        present = ~(shapely.is_missing(feats) | shapely.is_empty(feats))
        derived = (present & np.isin(fam, (codec.FAMILY_POINT, codec.FAMILY_LINE)))
        if name_label_points(m) is not None:
            derived[:] = True  # the feature's name label
        at = np.flatnonzero(pick)
        send[at[derived]] = False
        where[at[~derived & present]] = feats[~derived & present]
    where = where[send]
    ok = np.array([g is not None for g in where], dtype=bool)
    points = np.full(len(where), None, dtype=object)
    points[ok] = shapely.point_on_surface(where[ok].astype(object)) if ok.any() else points[ok]
    wgs = to_wgs84(gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=frame.crs)),
                   name="findings clusters")
    return [None if g is None or g.is_empty else (g.x, g.y) for g in wgs.geometry.values]


# ------------------------------------------------------------------------------ assets


def _asset_root() -> Any:
    return resources.files("geoplan.maps") / "assets"


_CSS_URL = re.compile(r"url\((['\"]?)([^)'\"]+)\1\)")
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def _inline_css(path: str) -> str:
    root = _asset_root()
    text = (root / path).read_text(encoding="utf-8")
    folder = path.rsplit("/", 1)[0] if "/" in path else ""

    def repl(m: re.Match[str]) -> str:
        target = m.group(2)
        if target.startswith(("data:", "#")):
            return m.group(0)
        file = root / (f"{folder}/{target}" if folder else target)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return "none"  # a picture the package does not ship: no request either
        mime = _MIME.get(Path(target).suffix.lower(), "application/octet-stream")
        return f"url(\"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}\")"

    return _CSS_URL.sub(repl, text)


@functools.lru_cache(maxsize=1)
def assets_html() -> str:
    """Leaflet, its plugins and geoplan's runtime as inline ``<style>`` / ``<script>`` tags."""
    root = _asset_root()
    css = "\n".join(_inline_css(p) for p in _ASSET_CSS)

    def data_uri(name: str) -> str:
        raw = (root / "leaflet" / "images" / name).read_bytes()
        return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")

    icons = json.dumps({"icon": data_uri("marker-icon.png"), "icon2x": data_uri(
        "marker-icon-2x.png"), "shadow": data_uri("marker-shadow.png")})
    parts = []
    for p in _ASSET_JS:
        if p == "geoplan.js":
            parts.append(f"window.geoplan = window.geoplan || {{}}; geoplan.iconImages = {icons};")
        parts.append((root / p).read_text(encoding="utf-8"))
    js = "\n;\n".join(parts)
    js = js.replace("</script", "<\\/script")
    return f"<style>\n{css}\n</style>\n<script>\n{js}\n</script>"


# ----------------------------------------------------------------------------- elements


def _folium() -> Any:
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - folium is a dependency
        raise MissingDependencyError("interactive maps need folium: pip install folium") from exc
    return folium


def _elements() -> dict[str, type]:
    """folium element classes, defined lazily (folium is imported only when a map is made)."""
    return _element_classes()


@functools.lru_cache(maxsize=1)
def _element_classes() -> dict[str, type]:
    folium = _folium()
    from branca.element import Element, MacroElement
    from folium.template import Template

    class Raw(Element):
        """Text put in the page as it is (branca would compile an Element's text as a Jinja
        template: slow for megabytes of data, and wrong for code holding ``{{``)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def render(self, **kwargs: Any) -> str:
            return self.text

    class DataLayer(folium.map.Layer):  # type: ignore[name-defined]
        """One map layer: embedded compact JSON + the call that draws it."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = geoplan.buildLayer({{ this._parent.get_name() }},
                geoplan.data({{ this.data_id|tojson }}));
            {% endmacro %}
            """
        )

        def __init__(self, payload: dict[str, Any], label: str, show: bool = True) -> None:
            super().__init__(name=label, overlay=True, control=True, show=show)
            self._name = "GeoplanLayer"
            self.payload = payload
            self.plan_layer = payload["name"]
            self.kind = payload["kind"]
            self.count = payload["n"]
            self.data_id = f"{self.get_name()}_data"

        @property
        def json_text(self) -> str:
            return codec.json_text(self.payload)

        def render(self, **kwargs: Any) -> None:
            html_part = (f'<script type="application/json" id="{self.data_id}">'
                         f"{self.json_text}</script>")
            self.get_root().html.add_child(Raw(html_part), name=self.data_id)
            super().render(**kwargs)

    class Control(MacroElement):
        """An HTML block drawn as a Leaflet control (legend)."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            geoplan.htmlControl({{ this.html|tojson }}, {{ this.position|tojson }},
                {{ this.css_class|tojson }}).addTo({{ this._parent.get_name() }});
            {% endmacro %}
            """
        )

        def __init__(self, html_text: str, position: str, css_class: str, name: str) -> None:
            super().__init__()
            self._name = name
            self.html = html_text
            self.position = position
            self.css_class = css_class

    class TitleBlock(MacroElement):
        """The plan name, subtitle and date, inside the map container (kept in full screen)."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            geoplan.titleBlock({{ this._parent.get_name() }}, {{ this.html|tojson }});
            {% endmacro %}
            """
        )

        def __init__(self, html_text: str) -> None:
            super().__init__()
            self._name = "TitleBlock"
            self.html = html_text

    class Finish(MacroElement):
        """The controls (assets/controls.js: search, layer list, legend and title folding,
        scale, full screen, measure) once every layer is built; the drawn mark."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            geoplan.finish({{ this._parent.get_name() }}, {{ this.options|tojson }});
            {% endmacro %}
            """
        )

        def __init__(self, options: dict[str, Any]) -> None:
            super().__init__()
            self._name = "GeoplanFinish"
            self.options = options

    class FitBounds(MacroElement):
        """Fit the view to the plan before any layer is added, without animation."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }},
                {padding: [20, 20], animate: false});
            // one zoom level out of the whole plan is enough, and it spares point clustering
            // the work of the levels nobody looks at
            {{ this._parent.get_name() }}.setMinZoom(
                Math.max(0, {{ this._parent.get_name() }}.getZoom() - 1));
            {% endmacro %}
            """
        )

        def __init__(self, bounds: list[list[float]]) -> None:
            super().__init__()
            self._name = "FitBounds"
            self.bounds = bounds

    class Config(MacroElement):
        """Value labels and styles read by the runtime; must come before the layers."""

        _template = Template(
            """
            {% macro script(this, kwargs) %}
            geoplan.config = {{ this.config|tojson }};
            {% endmacro %}
            """
        )

        def __init__(self, config: dict[str, Any]) -> None:
            super().__init__()
            self._name = "GeoplanConfig"
            self.config = config

    return {"Raw": Raw, "DataLayer": DataLayer, "Control": Control, "TitleBlock": TitleBlock,
            "Finish": Finish, "Config": Config, "FitBounds": FitBounds}


# -------------------------------------------------------------------------------- legend


def _svg_symbol(shape: str, r: float, cx: float, cy: float) -> str:
    if shape == "circle":
        return f'<circle cx="{cx}" cy="{cy}" r="{r}"'
    if shape == "star":
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = r * 1.25 if i % 2 == 0 else r * 0.55
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    else:
        n, a0, k = {"square": (4, math.pi / 4, 1.3), "diamond": (4, -math.pi / 2, 1.3),
                    "triangle": (3, -math.pi / 2, 1.4), "triangle_down": (3, math.pi / 2, 1.4),
                    "pentagon": (5, -math.pi / 2, 1.15), "hexagon": (6, 0.0, 1.1)}[shape]
        pts = [(cx + r * k * math.cos(a0 + i * 2 * math.pi / n),
                cy + r * k * math.sin(a0 + i * 2 * math.pi / n)) for i in range(n)]
    return '<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"'


def _swatch(e: LegendEntry) -> str:
    w, h = 30, 16
    dash = f' stroke-dasharray="{" ".join(f"{v:g}" for v in e.dash)}"' if e.dash else ""
    if e.geom == "line":
        body = (f'<line x1="2" y1="{h / 2}" x2="{w - 2}" y2="{h / 2}" stroke="{e.color}" '
                f'stroke-width="{e.weight}"{dash}/>')
    elif e.geom == "fill":
        pattern = ""
        fill = e.fill or "none"
        if e.hatch:
            pid = "gp-hatch-" + re.sub(r"[^0-9a-zA-Z]", "", e.color)
            pattern = (f'<defs><pattern id="{pid}" width="5" height="5" '
                       f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                       f'<line x1="0" y1="0" x2="0" y2="5" stroke="{e.color}" stroke-width="1.5"/>'
                       f"</pattern></defs>")
            body = (f'{pattern}<rect x="2" y="2" width="{w - 4}" height="{h - 4}" '
                    f'fill="{fill}" fill-opacity="{e.fill_opacity}" stroke="{e.color}" '
                    f'stroke-width="1.5"{dash}/><rect x="2" y="2" width="{w - 4}" '
                    f'height="{h - 4}" fill="url(#{pid})"/>')
        else:
            body = (f'<rect x="2" y="2" width="{w - 4}" height="{h - 4}" fill="{fill}" '
                    f'fill-opacity="{e.fill_opacity}" stroke="{e.color}" stroke-width="2"{dash}/>')
    else:
        shape = e.shape or "circle"
        stroke = e.color if e.color != "#ffffff" else "#333333"
        body = (_svg_symbol(shape, 5.5, w / 2, h / 2)
                + f' fill="{e.fill or e.color}" stroke="{stroke}" stroke-width="1"/>')
        if e.glyph:
            body += (f'<text x="{w / 2}" y="{h / 2 + 3}" font-size="8" font-weight="bold" '
                     f'text-anchor="middle" fill="#fff">{escape_html(e.glyph)}</text>')
    return f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-hidden="true">{body}</svg>'


def _count(n: int, lang: str) -> str:
    """``1.234`` (vi) or ``1,234`` (en)."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "vi" else text


def _both(vi: str, en: str, lang: str) -> str:
    """Vietnamese then English (once when they are the same), or English alone (HTML)."""
    if lang == "en":
        return escape_html(en)
    if en == vi:
        return escape_html(vi)
    return f'{escape_html(vi)} <span class="gp-en">/ {escape_html(en)}</span>'


def legend_html(sections: Sequence[LegendSection], *, lang: str = "vi") -> str:
    """The legend's body as HTML (inline SVG swatches): Vietnamese first, English second, or
    English alone with ``lang="en"``; a row with a count (:func:`~geoplan.maps.model.legend_for`
    with ``counts=True``) says how many features it stands for, "110 kV (412)".

    The runtime (``assets/controls.js``) gives it its "Chú giải / Legend" button.
    """
    parts = ['<div class="gp-legend-body">']
    for s in sections:
        parts.append(f"<h4>{_both(s.title_vi, s.title_en, lang)}</h4>")
        for e in s.entries:
            n = getattr(e, "count", None)
            count = f' <span class="gp-count">({_count(n, lang)})</span>' if n is not None else ""
            parts.append(f'<div class="gp-row">{_swatch(e)}<span>'
                         f"{_both(e.label_vi, e.label_en, lang)}{count}</span></div>")
    parts.append("</div>")
    return "".join(parts)


def search_payload(layers: Sequence[MapLayer], element_id: str) -> str | None:
    """The search document of the map (:func:`geoplan.maps.search.search_index`) as the
    ``<script type="application/json">`` element the search box reads, or ``None`` when there
    is nothing to find."""
    doc = search_index(layers)
    if doc is None:
        return None
    return (f'<script type="application/json" id="{escape_html(element_id)}">'
            f"{codec.json_text(doc)}</script>")


# -------------------------------------------------------------------------------- the map


def _wgs84_bounds(bounds: tuple[float, float, float, float], crs: Any) -> list[list[float]]:
    """``[[south, west], [north, east]]`` (Leaflet's lat/lon order) of analysis-CRS bounds."""
    import geopandas as gpd
    import shapely

    from geoplan.crs import to_wgs84

    x0, y0, x1, y1 = bounds
    pad = max(250.0, 0.02 * max(x1 - x0, y1 - y0))  # a single point or a straight line
    if x1 - x0 < pad:
        x0, x1 = x0 - pad, x1 + pad
    if y1 - y0 < pad:
        y0, y1 = y0 - pad, y1 + pad
    box = gpd.GeoDataFrame(geometry=[shapely.box(x0, y0, x1, y1).segmentize(
        max(x1 - x0, y1 - y0) / 16)], crs=crs)
    w, s, e, n = to_wgs84(box).total_bounds
    return [[float(s), float(w)], [float(n), float(e)]]


def map_bounds(plan: Plan) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of everything in the plan (Leaflet's order)."""
    extent = layers_extent(map_layers(plan))
    return _wgs84_bounds(extent, plan.crs) if extent else [[8.0, 102.0], [23.5, 110.0]]


def plan_map(
    plan: Plan,
    *,
    findings: gpd.GeoDataFrame | None = None,
    coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None = None,
    grid: GridResult | None = None,
    offline: bool | None = None,
    layers: Iterable[str] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    date: str | _dt.date | None = None,
    basemaps: Sequence[str] | None = None,
    attribution: str | None = None,
    precision: int | str | None = None,
    simplify_m: float | str | None = None,
    cluster_points: int | None = None,
    findings_cluster: int | None = None,
    styles: StyleTable | None = None,
    diff: PlanDiff | gpd.GeoDataFrame | Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> folium.Map:
    """The interactive map of a plan, as a :class:`folium.Map` (displays inline in a notebook).

    Parameters
    ----------
    plan : Plan
        A loaded plan (:func:`geoplan.load_plan`).
    findings : GeoDataFrame, optional
        Findings of the checks (:mod:`geoplan.findings` schema), drawn by severity.
    coverage : CoverageResult, optional
        Service areas, gaps, proposed sites and the coverage findings (see :func:`map_layers`).
    grid : GridResult, optional
        Its audit findings join ``findings`` (each finding once).
    offline : bool, optional
        No tile layer, so the HTML makes no network request. Default: ``[map] offline``, else
        false. Leaflet and its plugins are inlined in both modes.
    layers : names, optional
        Only these plan layers (default: all).
    title, subtitle, date
        Title block; default the plan name, "Bản đồ quy hoạch / Planning map" and today.
    basemaps : sequence of str, optional
        Online base maps, keys of :data:`BASEMAPS` (default ``osm``, ``light``, ``satellite``).
    attribution : str, optional
        Data attribution; "© OpenStreetMap contributors" is added by itself for OSM tiles and for
        layers read from files whose name says OSM.
    precision : int or "auto", optional
        Decimals of a degree kept (default ``[map] precision``, else "auto":
        :func:`auto_precision` of the simplification tolerance, 6 ≈ 0.1 m for a province, 5
        ≈ 1 m for the whole country).
    simplify_m : float or "auto", optional
        Simplification tolerance in metres (default "auto": :func:`auto_tolerance`).
    cluster_points : int, optional
        Point layers with more features than this are clustered (default 2,000; 0 never).
    findings_cluster : int, optional
        The findings of a rule with more findings than this are drawn as clusters with counts
        until zoomed in (default ``[map] findings_cluster``, else 1,000; 0 never). A finding
        that concerns a feature highlights it; the feature's popup lists its findings.
    styles : StyleTable, optional
        Default: :func:`geoplan.maps.styles.style_table` of the plan's ``[map]`` settings.
    diff : PlanDiff or GeoDataFrame, optional
        What changed from another version of the plan to ``plan``
        (:func:`geoplan.diff.diff_plans` with ``plan`` second): drawn on top as its own layer
        "So sánh phương án / Plan changes" with a legend section; a
        :class:`~geoplan.diff.PlanDiff` also gives the arrows of moved features and the
        default subtitle. Reprojected into ``plan``'s CRS when the plans' CRSs differ.
    lang : {"vi", "en"}, optional
        Language of the controls, legend, title block and the findings' rule titles and
        severities in popups: Vietnamese first with English after it (``"vi"``), or English
        alone. Default: the plan's ``[report] lang``, else Vietnamese. The findings' messages
        are written in their frame's language (:func:`geoplan.pipeline.build_map` ``lang``).

    Notes
    -----
    The layer list, the legend and the title block have a button that folds them; they start
    folded on maps narrower than :data:`COLLAPSE_BELOW_PX` (a notebook cell, a laptop) and
    open on wider ones, and they are laid out so that they never cover each other. The search
    box finds features by name, id or commune, accents and case ignored
    (:mod:`geoplan.maps.search`).

    Returns
    -------
    folium.Map
        Layers are ``GeoplanLayer`` children (one per plan layer, plus findings / coverage /
        diff); write it with :func:`write_map`.
    """
    folium = _folium()
    lang = plan_lang(plan, lang)
    settings = dict(plan.settings.get("map", {}))
    validate_settings(settings)
    table = styles or style_table(settings)
    offline = bool(settings.get("offline", False)) if offline is None else offline
    chosen_precision = map_settings.precision(precision if precision is not None
                                              else settings.get("precision", "auto"))
    cluster_points = int(cluster_points if cluster_points is not None
                         else settings.get("cluster_points", 2000))
    findings_cluster = map_settings.findings_cluster(
        findings_cluster if findings_cluster is not None
        else settings.get("findings_cluster", map_settings.DEFAULT_FINDINGS_CLUSTER))
    chosen = map_settings.basemaps(basemaps if basemaps is not None
                                   else settings.get("basemaps", list(DEFAULT_BASEMAPS)))
    credit = model.attribution(plan, attribution or settings.get("attribution"))
    credit = sanitize_html(credit) if credit else None  # Leaflet inserts it as HTML

    mls = map_layers(plan, findings=findings, coverage=coverage, grid=grid, layers=layers,
                     diff=diff)
    from geoplan.diff import PlanDiff

    if subtitle is None and isinstance(diff, PlanDiff):
        subtitle = f"{DIFF_LABELS[0]} / {DIFF_LABELS[1]}: {diff.before} → {diff.after}"
    extent = layers_extent(mls)
    tol_setting = simplify_m if simplify_m is not None else settings.get("simplify_m", "auto")
    tolerance = map_settings.simplify_m(tol_setting)
    if tolerance is None:
        tolerance = auto_tolerance(max(extent[2] - extent[0], extent[3] - extent[1])
                                   if extent else 0.0)
    precision = chosen_precision if chosen_precision is not None else auto_precision(tolerance)
    log.info("map of %r: %d layers, tolerance %.2f m, precision %d", plan.name, len(mls),
             tolerance, precision)

    bounds = _wgs84_bounds(extent, plan.crs) if extent else [[8.0, 102.0], [23.5, 110.0]]
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=centre, zoom_start=8, tiles=None, prefer_canvas=True,
                   control_scale=False, maxZoom=19)  # Leaflet option (markercluster needs it)
    # Leaflet and the plugins come inline from geoplan/maps/assets, never from a CDN.
    m.default_js = []
    m.default_css = []
    el = _elements()
    m.get_root().header.add_child(el["Raw"](assets_html()), name="geoplan_assets", index=0)
    m.get_root().title = escape_html(title or settings.get("title") or plan.name)
    m.add_child(el["FitBounds"](bounds))

    if not offline:
        for i, key in enumerate(chosen):
            tiles, label = BASEMAPS[key]
            folium.TileLayer(tiles, name=label, overlay=False, control=True, show=(i == 0),
                             max_zoom=19).add_to(m)

    config = codec.encode_config(value_labels(), table.to_json(), rule_titles())
    config["lang"] = lang
    m.add_child(el["Config"](config))
    for ml in mls:
        payload = layer_payload(ml, table, precision=precision, tolerance=tolerance,
                                cluster_points=cluster_points, offline=offline, layers=mls,
                                findings_cluster=findings_cluster)
        m.add_child(el["DataLayer"](payload, layer_label(ml),
                                    show=ml.kind not in HIDDEN_AT_START),
                    name=f"layer_{ml.name}")

    # kept open by Leaflet; assets/controls.js folds it with its own button
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    m.add_child(el["Control"](legend_html(legend_for(mls, table, counts=True), lang=lang),
                              "bottomright", "gp-legend", "Legend"))
    m.add_child(el["TitleBlock"](_title_html(plan, title or settings.get("title"),
                                             subtitle or settings.get("subtitle"), date,
                                             offline, lang=lang)))
    search_id = f"{m.get_name()}_search"
    search = search_payload(mls, search_id)
    if search is not None:
        m.get_root().html.add_child(el["Raw"](search), name="geoplan_search")
    m.add_child(el["Finish"]({"search": search_id if search is not None else None,
                              "attribution": credit, "lang": lang,
                              "collapseBelow": COLLAPSE_BELOW_PX}))
    return m


def layer_label(ml: MapLayer) -> str:
    """The layer's entry in the layer control: kind, title and feature count (HTML)."""
    vi, en = ml.kind_labels
    n = f' <span class="gp-layer-n">({len(ml.frame):,})</span>'
    if ml.title in (vi, en):  # findings and coverage layers: the kind is the title
        return f'{escape_html(vi)} <span class="gp-en">/ {escape_html(en)}</span>{n}'
    return f"{escape_html(vi)}: {escape_html(ml.title)}{n}"


def _title_html(plan: Plan, title: str | None, subtitle: str | None,
                date: str | _dt.date | None, offline: bool, *, lang: str = "vi") -> str:
    """The title block: the title on one line, then one small line (subtitle, province,
    date) that the block's button folds away."""
    vi, en = DEFAULT_SUBTITLE
    meta = [escape_html(subtitle) if subtitle else _both(vi, en, lang)]
    if plan.province:
        meta.append(escape_html(plan.province))
    meta.append(f"{'Date' if lang == 'en' else 'Ngày / Date'}: {escape_html(map_day(date))}")
    if offline:
        meta.append('<span class="gp-en">offline</span>')
    name = escape_html(title or plan.name)
    return (f'<div class="gp-title-line"><h1 title="{name}">{name}</h1></div>'
            f'<div class="gp-title-more">{" · ".join(meta)}</div>')


def map_html(m: folium.Map) -> str:
    """The complete HTML of a map (what :func:`write_map` writes)."""
    return str(m.get_root().render())


def write_map(
    m_or_plan: folium.Map | Plan,
    path: str | Path,
    *,
    overwrite: bool = True,
    **kwargs: Any,
) -> Path:
    """Write a map (or the map of a plan, built with ``**kwargs`` of :func:`plan_map`) to HTML.

    The file is written atomically (a temporary file beside it, then renamed). Returns the path.
    """
    from geoplan.io import atomic_path
    from geoplan.plan import Plan

    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise GeoplanError(f"{target}: an interactive map is written as .html; use "
                           "geoplan.maps.write_static_map for .png or .pdf")
    m = plan_map(m_or_plan, **kwargs) if isinstance(m_or_plan, Plan) else m_or_plan
    if kwargs and not isinstance(m_or_plan, Plan):
        raise TypeError(f"write_map: options {sorted(kwargs)} apply only when given a Plan")
    text = map_html(m)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s (%.1f MB)", target, len(text.encode("utf-8")) / 1e6)
    return target
