"""Interactive planning maps with folium / Leaflet.

This is the only module that imports folium, and the only place where coordinates are put in
``[latitude, longitude]`` order (Leaflet's order): :func:`_encode_geometry` writes every vertex
latitude first, and :func:`plan_map` passes bounds as ``[[south, west], [north, east]]``.

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
- coordinates are rounded to ``precision`` decimals of a degree (6 ≈ 0.1 m), written as
  integer deltas from the previous vertex, closing vertices of rings dropped;
- attributes are written column by column, repeated values (status, type, voltage) as codes;
- styles are computed here from :mod:`geoplan.styles`, written once per distinct style, and
  referenced by index;
- dense point layers are clustered (supercluster: a k-d tree per zoom level, built in tens of
  milliseconds where Leaflet.markercluster took most of a second for 20,000 points); popups and
  tooltips are built in the browser only when opened.

A plan diff (:func:`geoplan.diff.diff_plans`) is one more layer, "So sánh phương án / Plan
changes", drawn on top: added features green, removed ones red (dashed, hollow), moved ones
orange with an arrow from the old centroid to the new one, changed ones blue.

Offline maps (``offline=True``) have no tile layer; Leaflet and its plugins are always inlined
from ``geoplan/assets`` (see its README for versions and licences), so the file makes no network
request. Online maps add a choice of base maps (tiles are the only requests).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError, MissingDependencyError, PlanError, check_keys
from geoplan.kinds import KINDS
from geoplan.positions import (
    INDICATIVE_KIND,
    INDICATIVE_LABELS,
    indicative_features,
    indicative_legend,
    indicative_style,
)
from geoplan.styles import (
    LegendEntry,
    LegendSection,
    StyleTable,
    field_labels,
    field_unit,
    legend_sections,
    style_table,
    value_labels,
)

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

    from geoplan.coverage import CoverageResult
    from geoplan.grid import GridResult
    from geoplan.plan import Plan

__all__ = [
    "BASEMAPS",
    "MAP_KEYS",
    "MapLayer",
    "layer_label",
    "layer_styles",
    "legend_for",
    "legend_html",
    "map_bounds",
    "map_html",
    "map_layers",
    "plan_map",
    "validate_settings",
    "write_map",
]

log = logging.getLogger(__name__)

#: Keys accepted in a plan's ``[map]`` table.
MAP_KEYS = ("title", "subtitle", "palette", "voltage_colors", "attribution", "basemaps",
            "precision", "simplify_m", "cluster_points", "offline", "paper")

#: Online base maps: key -> (folium / xyzservices tile name, label in the layer control).
BASEMAPS: dict[str, tuple[str, str]] = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "light": ("Esri.WorldGrayCanvas", "Nền xám nhạt / Light grey (Esri)"),
    "satellite": ("Esri.WorldImagery", "Ảnh vệ tinh / Satellite (Esri)"),
    "topo": ("OpenTopoMap", "Địa hình / Topographic (OpenTopoMap)"),
}
DEFAULT_BASEMAPS = ("osm", "light", "satellite")
# (CARTO's light map, a usual choice, needs an API key since 2025: not offered)

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: Drawing order on the canvas (bottom first); layers of one kind keep plan-file order.
DRAW_ORDER = ("boundary", "restricted_zone", "coverage_service_area", "industrial_park",
              "industrial_cluster", "coverage_gap", "grid_line", "substation", "power_plant",
              "trade_facility", "coverage_proposed", "indicative", "findings", "diff")

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
#: Kinds whose features can be found by name in the search box.
SEARCHABLE = frozenset({"industrial_cluster", "industrial_park", "substation", "power_plant"})

_ASSET_CSS = ("leaflet/leaflet.css", "fullscreen/Control.FullScreen.css",
              "measure/leaflet-measure.css", "geoplan.css")
_ASSET_JS = ("leaflet/leaflet.js", "supercluster/supercluster.min.js",
             "fullscreen/Control.FullScreen.js", "measure/leaflet-measure.min.js", "geoplan.js")

#: Fill of the cluster symbols of dense point layers.
_CLUSTER_COLORS = {"trade_facility": "#d94801", "substation": "#54278f",
                   "power_plant": "#238b45", "findings": "#cb181d"}

_FINDING_KIND_LABELS = ("Kết quả kiểm tra", "Check findings")
_DIFF_KIND_LABELS = ("So sánh phương án", "Plan changes")
#: Drawing order of the changes inside the diff layer (bottom first): a feature that moved and
#: changed shows its move on top; removed features, hollow, on top of everything.
_DIFF_DRAW_ORDER = {"changed": 0, "added": 1, "moved": 2, "removed": 3}
_COVERAGE_FINDING_LABELS = ("Kết quả phân tích cấp điện", "Coverage findings")
_COVERAGE_LABELS = {
    "coverage_service_area": ("Vùng phục vụ của trạm", "Substation service areas"),
    "coverage_gap": ("Vùng thiếu nguồn cấp", "Coverage gaps"),
    "coverage_proposed": ("Vị trí trạm đề xuất", "Proposed substation sites"),
}


# ----------------------------------------------------------------------------- settings


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check a plan's ``[map]`` table; raise :class:`PlanError` naming the bad key and the fix.

    >>> validate_settings({"title": "Bắc Ninh", "precision": 6})
    >>> validate_settings({"colour": "red"})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'colour'; valid keys: title, subtitle, palette, \
voltage_colors, attribution, basemaps, precision, simplify_m, cluster_points, offline, paper
    """
    check_keys(mapping, MAP_KEYS)
    style_table(mapping)  # palette, voltage_colors
    for key in ("title", "subtitle", "attribution"):
        if key in mapping and not isinstance(mapping[key], str):
            raise PlanError(f"{key} must be text, got {mapping[key]!r}")
    if "basemaps" in mapping:
        _basemaps(mapping["basemaps"])
    if "precision" in mapping:
        _precision(mapping["precision"])
    if "simplify_m" in mapping:
        _simplify_setting(mapping["simplify_m"])
    if "cluster_points" in mapping:
        value = mapping["cluster_points"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PlanError(f"cluster_points must be a whole number of points ≥ 0 (0 = never "
                            f"cluster), got {value!r}")
    if "offline" in mapping and not isinstance(mapping["offline"], bool):
        raise PlanError(f"offline must be true or false, got {mapping['offline']!r}")
    if "paper" in mapping and mapping["paper"] not in ("A3", "A4"):
        raise PlanError(f"paper = {mapping['paper']!r}; use \"A3\" or \"A4\"")


def _basemaps(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(
        isinstance(v, str) for v in value
    ):
        raise PlanError(f"basemaps must be a list like [\"osm\", \"satellite\"], got {value!r}")
    unknown = [v for v in value if v not in BASEMAPS]
    if unknown:
        raise PlanError(f"basemaps: unknown base map {', '.join(map(repr, unknown))}; valid: "
                        f"{', '.join(BASEMAPS)}")
    return tuple(value)


def _precision(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 4 <= value <= 8:
        raise PlanError(f"precision must be the number of decimals of a degree, 4 to 8 "
                        f"(6 ≈ 0.1 m), got {value!r}")
    return value


def _simplify_setting(value: Any) -> float | None:
    if value == "auto" or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PlanError(f"simplify_m must be a tolerance in metres ≥ 0 (0 = keep every vertex) "
                        f"or \"auto\", got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------- the layers


@dataclass(frozen=True)
class MapLayer:
    """One layer of the map: a plan layer, the findings, a coverage result or a plan diff.

    ``frame`` is in the plan's analysis CRS; ``kind`` is a layer kind of :mod:`geoplan.kinds`
    or one of ``findings``, ``coverage_service_area``, ``coverage_gap``, ``coverage_proposed``,
    ``diff``. ``arrows`` (diff only) are lines from the old to the new centroid of moved
    features, drawn with the layer but not counted among its features.
    """

    name: str
    title: str
    kind: str
    frame: gpd.GeoDataFrame
    arrows: gpd.GeoDataFrame | None = None
    labels: tuple[str, str] | None = None

    @property
    def kind_labels(self) -> tuple[str, str]:
        if self.labels is not None:
            return self.labels
        if self.kind in KINDS:
            return KINDS[self.kind].label_vi, KINDS[self.kind].label_en
        if self.kind == "findings":
            return _FINDING_KIND_LABELS
        if self.kind == "diff":
            return _DIFF_KIND_LABELS
        if self.kind == INDICATIVE_KIND:
            return INDICATIVE_LABELS
        return _COVERAGE_LABELS[self.kind]

    @property
    def columns(self) -> list[str]:
        """Attribute columns shown in popups: canonical order, then any others."""
        cols = [c for c in self.frame.columns if c != self.frame.geometry.name]
        if self.kind in KINDS:
            canonical = list(KINDS[self.kind].columns)
            cols = [c for c in canonical if c in cols] + [c for c in cols
                                                          if c not in canonical and c != "layer"]
        return cols


def map_layers(
    plan: Plan,
    *,
    findings: gpd.GeoDataFrame | None = None,
    coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None = None,
    grid: GridResult | None = None,
    layers: Iterable[str] | None = None,
    diff: Any = None,
) -> list[MapLayer]:
    """The layers a map of ``plan`` draws, bottom first.

    ``layers`` restricts the plan layers by name. ``findings`` (a findings frame: what
    ``geoplan check`` reports) and the findings of ``grid`` (a :class:`geoplan.grid.GridResult`)
    become the layer "Check findings", each finding once; the layers of ``coverage`` (a
    :class:`geoplan.coverage.CoverageResult`, or a mapping with the same names as its
    ``layers()``) become the service areas, gaps, proposed sites and "Coverage findings"
    layers; a plan diff (see :func:`_diff_layer`) its own layer.
    """
    wanted = None if layers is None else list(layers)
    if wanted is not None:
        unknown = [n for n in wanted if n not in plan.layers]
        if unknown:
            raise PlanError(f"{plan.path}: no layer {', '.join(map(repr, unknown))} in the plan; "
                            f"layers: {', '.join(plan.layers)}")
    out = [
        MapLayer(layer.name, layer.title, layer.kind, layer.frame)
        for layer in plan.layers.values()
        if wanted is None or layer.name in wanted
    ]
    for role, frame in _coverage_frames(coverage):
        title = _COVERAGE_LABELS[role][0]
        out.append(MapLayer(role.replace("coverage_", "coverage-"), title, role, frame))
    all_findings = [f for f in (findings, grid.findings if grid is not None else None)
                    if f is not None and len(f)]
    if all_findings:
        from geoplan.analysis import dedupe_findings
        from geoplan.findings import concat_findings

        frame = dedupe_findings(concat_findings(all_findings, crs=plan.crs))
        out.append(MapLayer("findings", _FINDING_KIND_LABELS[0], "findings", frame))
    coverage_findings = _coverage_layers(coverage).get("findings")
    if coverage_findings is not None and len(coverage_findings):
        out.append(MapLayer("coverage-findings", _COVERAGE_FINDING_LABELS[0], "findings",
                            coverage_findings, labels=_COVERAGE_FINDING_LABELS))
    diff_layer = _diff_layer(diff, plan)
    if diff_layer is not None:
        out.append(diff_layer)
    marks = indicative_features(plan)
    if marks is not None and wanted is not None:
        marks = marks[marks["layer"].isin(wanted)].reset_index(drop=True)
    if marks is not None and len(marks):
        out.append(MapLayer("indicative", INDICATIVE_LABELS[0], INDICATIVE_KIND, marks))
    rank = {k: i for i, k in enumerate(DRAW_ORDER)}
    return sorted(out, key=lambda m: rank.get(m.kind, len(rank)))  # stable: plan order kept


def _diff_layer(diff: Any, plan: Plan) -> MapLayer | None:
    """The map layer of a plan diff, in ``plan``'s CRS, or ``None`` without one.

    ``diff`` is a :class:`geoplan.diff.PlanDiff` (its ``frame``, and its ``moves`` drawn as
    arrows), its ``frame`` alone (the records of :data:`geoplan.diff.DIFF_COLUMNS` with their
    geometry), or a mapping with ``frame`` and optionally ``moves``. An empty diff still gives
    a layer (with no feature), so the map says that nothing changed.
    """
    if diff is None:
        return None
    if hasattr(diff, "geometry"):
        frame, moves = diff, None
    elif isinstance(diff, Mapping):
        frame, moves = diff.get("frame"), diff.get("moves")
    else:
        frame, moves = getattr(diff, "frame", None), getattr(diff, "moves", None)
    if frame is None or not hasattr(frame, "geometry") or "change" not in frame.columns:
        raise GeoplanError(f"diff: expected the result of geoplan.diff.diff_plans (a PlanDiff or "
                           f"its frame, with a change column), got {type(diff).__name__}")
    from geoplan.crs import to_crs

    if frame.crs is not None and not frame.crs.equals(plan.crs):
        frame = to_crs(frame, plan.crs, name="plan diff")
    order = frame["change"].map(_DIFF_DRAW_ORDER).fillna(len(_DIFF_DRAW_ORDER))
    frame = frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    if moves is not None and len(moves):
        if moves.crs is not None and not moves.crs.equals(plan.crs):
            moves = to_crs(moves, plan.crs, name="plan diff moves")
    else:
        moves = None
    return MapLayer("plan-diff", _DIFF_KIND_LABELS[0], "diff", frame, moves)


def _arrows(lines: gpd.GeoDataFrame, *, head: float = 0.25,
            angle_deg: float = 25.0) -> np.ndarray:
    """Arrows (multilines: shaft and head) along lines from an old to a new position.

    The head's two barbs are ``head`` times the shaft's length, at ``angle_deg`` from it, in
    the lines' (metric) CRS, so the arrow scales with the map like the features it joins.
    """
    import shapely

    geoms = np.asarray(lines.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out = np.full(len(geoms), None, dtype=object)
    if not ok.any():
        return out
    start = shapely.get_coordinates(shapely.get_point(geoms[ok], 0))
    end = shapely.get_coordinates(shapely.get_point(geoms[ok], -1))
    back = start - end  # from the tip back along the shaft
    a = math.radians(angle_deg)
    barbs = []
    for sign in (1.0, -1.0):
        c, s = math.cos(a), math.sin(sign * a)
        rot = np.column_stack([back[:, 0] * c - back[:, 1] * s, back[:, 0] * s + back[:, 1] * c])
        barbs.append(end + head * rot)
    shafts = np.asarray(shapely.linestrings(np.stack([start, end], axis=1)), dtype=object)
    heads = np.asarray(shapely.linestrings(np.stack([barbs[0], end, barbs[1]], axis=1)),
                       dtype=object)
    out[ok] = shapely.multilinestrings(np.stack([shafts, heads], axis=1).tolist())
    return out


#: The map layer of each coverage output (:meth:`geoplan.coverage.CoverageResult.layers`).
_COVERAGE_ROLES = {"service_areas": "coverage_service_area", "gaps": "coverage_gap",
                   "sites": "coverage_proposed"}


def _coverage_layers(coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None
                     ) -> Mapping[str, gpd.GeoDataFrame]:
    if coverage is None:
        return {}
    if isinstance(coverage, Mapping):
        unknown = sorted(set(coverage) - {*_COVERAGE_ROLES, "features", "substations",
                                          "findings"})
        if unknown:
            raise GeoplanError(f"coverage: unknown output(s) {', '.join(map(repr, unknown))}; "
                               "give a CoverageResult or a mapping named like its layers() "
                               f"({', '.join(_COVERAGE_ROLES)}, findings)")
        return coverage
    return coverage.layers()


def _coverage_frames(coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None
                     ) -> list[tuple[str, gpd.GeoDataFrame]]:
    """(role, frame) of a coverage result: service areas, gaps, proposed sites (non-empty)."""
    frames = _coverage_layers(coverage)
    return [(role, frames[name]) for name, role in _COVERAGE_ROLES.items()
            if name in frames and len(frames[name])]


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


# ------------------------------------------------------------------------------- encoding


def _family(types: np.ndarray) -> np.ndarray:
    """0 point, 1 line, 2 polygon, -1 none/empty/other, from shapely type ids."""
    fam = np.full(types.shape, -1, dtype=np.int8)
    fam[np.isin(types, (0, 4))] = 0
    fam[np.isin(types, (1, 2, 5))] = 1
    fam[np.isin(types, (3, 6))] = 2
    return fam


def _explode_collections(geoms: np.ndarray) -> np.ndarray:
    """Geometry collections -> their highest-dimension parts (polygons, else lines, else points)."""
    import shapely

    types = shapely.get_type_id(geoms)
    if not (types == 7).any():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(types == 7):
        parts = shapely.get_parts(geoms[i])
        if not len(parts):
            out[i] = None
            continue
        dims = shapely.get_dimensions(parts)
        keep = parts[dims == dims.max()]
        out[i] = shapely.union_all(keep) if len(keep) > 1 else keep[0]
    return out


def _encode_geometry(geoms: np.ndarray, precision: int) -> dict[str, Any]:
    """Compact geometry of a layer (WGS 84 lon/lat in, **lat/lon integer deltas out**).

    Returns ``c`` (flat ``[lat, lon]`` integer deltas), ``s`` (scale), ``n`` (features), and,
    only when not all 1, ``g`` parts per feature, ``r`` rings per part, ``k`` vertices per ring;
    ``type`` (one family for the layer) or ``t`` (family per feature: 0 point, 1 line,
    2 polygon).
    """
    import shapely

    geoms = _explode_collections(np.asarray(geoms, dtype=object))
    n = len(geoms)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    fam = _family(shapely.get_type_id(geoms))
    fam[empty] = -1
    geoms = geoms.copy()
    geoms[fam < 0] = None
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    part_types = shapely.get_type_id(parts)
    is_poly = part_types == 3
    ring_list: list[np.ndarray] = []
    ring_part_list: list[np.ndarray] = []
    if is_poly.any():
        idx = np.flatnonzero(is_poly)
        rings, local = shapely.get_rings(parts[idx], return_index=True)
        ring_list.append(rings)
        ring_part_list.append(idx[local])
    if (~is_poly).any():
        idx = np.flatnonzero(~is_poly)
        ring_list.append(parts[idx])
        ring_part_list.append(idx)
    if ring_list:
        rings = np.concatenate(ring_list)
        ring_part = np.concatenate(ring_part_list)
        order = np.argsort(ring_part, kind="stable")
        rings, ring_part = rings[order], ring_part[order]
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        # drop the closing vertex of polygon rings (Leaflet closes polygons itself)
        closed = is_poly[ring_part]
        counts = np.bincount(coord_ring, minlength=len(rings))
        last = np.cumsum(counts) - 1
        drop = np.zeros(len(coords), dtype=bool)
        drop[last[closed & (counts > 3)]] = True
        coords, coord_ring = coords[~drop], coord_ring[~drop]
    else:
        rings = np.empty(0, dtype=object)
        ring_part = np.empty(0, dtype=np.int64)
        coords = np.empty((0, 2))
        coord_ring = np.empty(0, dtype=np.int64)
    scale = 10**precision
    q = np.rint(coords * scale).astype(np.int64)
    latlon = q[:, ::-1]  # THE axis swap: (lon, lat) -> (lat, lon), Leaflet's order
    deltas = np.diff(latlon, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    out: dict[str, Any] = {"n": n, "s": scale, "c": deltas.reshape(-1).tolist()}
    g = np.bincount(part_geom, minlength=n)
    r = np.bincount(ring_part, minlength=len(parts))
    k = np.bincount(coord_ring, minlength=len(rings))
    if not (g == 1).all():
        out["g"] = g.tolist()
    if not (r == 1).all():
        out["r"] = r.tolist()
    if not (k == 1).all():
        out["k"] = k.tolist()
    present = fam[fam >= 0]
    if len(present) and (present == present[0]).all():
        out["type"] = int(present[0])
    else:
        out["type"] = 0
        out["t"] = fam.tolist()
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else round(v, 4)
    return str(value)


def _encode_column(series: pd.Series) -> list[Any] | dict[str, Any] | None:
    """A column as a JSON array, ``{"k": codes, "v": values}`` when values repeat a lot (code
    -1 is a missing value), or ``None`` when every value is missing."""
    dtype = series.dtype
    is_float = pd.api.types.is_float_dtype(dtype)
    if is_float or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        if is_float:
            arr = np.round(arr, 4)
        arr[~np.isfinite(arr)] = np.nan  # JSON has no NaN or infinity
        values: list[Any] = [None if v != v else (int(v) if v.is_integer() else v)
                             for v in arr.tolist()]
    else:
        values = series.astype(object).tolist()
        for i in np.flatnonzero(series.isna().to_numpy()):
            values[i] = None
        values = [v if v is None or isinstance(v, (str, bool)) else _json_value(v)
                  for v in values]
    n = len(values)
    if all(v is None for v in values):
        return None  # the runtime reads a missing column as missing values
    if n >= 16 and not is_float:
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if len(distinct) <= max(1, n // 4):
            code = {v: i for i, v in enumerate(distinct)}
            return {"k": [-1 if v is None else code[v] for v in values], "v": distinct}
    return values


def _leaflet_path(color: str, weight: float, dash: tuple[float, ...] | None, *,
                  opacity: float = 1.0, fill: str | None = None,
                  fill_opacity: float = 0.0, hatch: bool = False) -> dict[str, Any]:
    style: dict[str, Any] = {"color": color, "weight": weight, "opacity": opacity,
                             "lineJoin": "round", "lineCap": "round"}
    if dash:
        style["dashArray"] = " ".join(f"{v:g}" for v in dash)
        style["lineCap"] = "butt"
    if fill is None:
        style["fill"] = False
    else:
        style.update(fill=True, fillColor=fill, fillOpacity=round(fill_opacity, 3))
    if hatch:
        style["hatch"] = True
    return style


def _symbol(shape: str, fill: str, radius: float, status: Any, *, glyph: str = "",
            outline: str = "#1a1a1a", table: StyleTable) -> dict[str, Any]:
    """Leaflet options of a canvas symbol (``geoplan.Symbol``): planned ones are hollow."""
    s = str(status)
    style: dict[str, Any] = {"shape": shape, "radius": radius, "color": outline, "weight": 1,
                             "opacity": 1, "fill": True, "fillColor": fill, "fillOpacity": 0.95}
    if glyph:
        style["glyph"] = glyph
    if s == "planned":
        style.update(color=fill, weight=2, fillColor="#ffffff", fillOpacity=0.9,
                     dashArray=table.dash_css("planned") and "3 2", glyphColor=fill)
    elif s == "under_construction":
        style.update(fillOpacity=0.55)
    return style


def layer_styles(layer: MapLayer, table: StyleTable, *,
                 offline: bool) -> tuple[list[dict[str, Any]], list[int] | None]:
    """Distinct styles of a layer (Leaflet options) and the style index of each feature.

    The static map (:mod:`geoplan.staticmap`) converts the same styles for matplotlib, so both
    maps draw every feature alike. The index list is ``None`` when the layer has one style.
    """
    frame = layer.frame
    kind = layer.kind

    def col(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype(object).where(frame[name].notna(), None)
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)

    if kind == "boundary":
        keys = pd.DataFrame({"level": col("level")})

        def make(row: Any) -> dict[str, Any]:
            if row.level == "commune":
                return _leaflet_path(table.commune_outline, 1.0, (4.0, 3.0), opacity=0.9,
                                     fill=table.land_color, fill_opacity=0.0)
            return _leaflet_path(table.province_outline, 3.0, None, opacity=0.9,
                                 fill=table.land_color, fill_opacity=0.55 if offline else 0.05)
    elif kind == "grid_line":
        keys = pd.DataFrame({"v": col("voltage_kv"), "s": col("status"), "l": col("location")})

        def make(row: Any) -> dict[str, Any]:
            st = table.line_style(row.v, row.s, row.l)
            return _leaflet_path(st["color"], st["weight"], st["dash"], opacity=st["opacity"])
    elif kind in ("industrial_cluster", "industrial_park"):
        occ = pd.to_numeric(col("occupancy_pct"), errors="coerce")
        keys = pd.DataFrame({"s": col("status"), "o": (occ / 10).round() * 10})

        def make(row: Any) -> dict[str, Any]:
            o = None if pd.isna(row.o) else row.o
            st = table.area_style(kind, row.s, o)
            return _leaflet_path(st["color"], st["weight"], st["dash"], opacity=0.95,
                                 fill=st["fill"], fill_opacity=st["fill_opacity"])
    elif kind == "restricted_zone":
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return _leaflet_path(table.restricted_outline, 1.5, (4.0, 3.0), opacity=0.9,
                                 fill=table.restricted_fill, fill_opacity=0.35, hatch=True)
    elif kind == "substation":
        keys = pd.DataFrame({"v": col("voltage_kv"), "c": col("capacity_mva"),
                             "s": col("status")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.substation_symbol(row.v, row.c, row.s)
            return _symbol("square", sym.color, sym.size, row.s, table=table)
    elif kind == "power_plant":
        keys = pd.DataFrame({"src": col("source"), "s": col("status")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.plant_symbol(row.src)
            return _symbol("star", sym.color, sym.size, row.s, table=table)
    elif kind == "trade_facility":
        keys = pd.DataFrame({"t": col("type"), "s": col("status")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.trade_symbol(row.t)
            return _symbol(sym.shape, sym.color, sym.size, row.s, glyph=sym.glyph,
                           outline="#ffffff", table=table)
    elif kind == "findings":
        keys = pd.DataFrame({"sev": col("severity")})

        def make(row: Any) -> dict[str, Any]:
            c = table.severity_colors.get(str(row.sev), "#555555")
            style = _leaflet_path(c, 3.0, None, opacity=1.0, fill=c, fill_opacity=0.45)
            style.update(shape="circle", radius=7)
            return style
    elif kind == "coverage_service_area":
        keys = pd.DataFrame({"v": col("voltage_kv")})

        def make(row: Any) -> dict[str, Any]:
            c = table.voltage_color(row.v) if row.v is not None else "#3182bd"
            return _leaflet_path(c, 1.0, (2.0, 3.0), opacity=0.8, fill=c, fill_opacity=0.1)
    elif kind == "coverage_gap":
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return _leaflet_path(table.gap_color, 1.5, None, opacity=0.9, fill=table.gap_color,
                                 fill_opacity=0.35, hatch=True)
    elif kind == "diff":
        import shapely

        geoms = _explode_collections(np.asarray(frame.geometry.values, dtype=object))
        keys = pd.DataFrame({"c": col("change"),
                             "g": _family(shapely.get_type_id(geoms)).tolist()})

        def make(row: Any) -> dict[str, Any]:
            st = table.diff_style(row.c)
            if row.g == 0:  # a ring around the plan's own symbol
                style: dict[str, Any] = {"shape": "circle", "radius": 11, "color": st["color"],
                                         "weight": 3, "opacity": 1, "fill": st["fill"] is not None,
                                         "fillColor": st["fill"] or st["color"],
                                         "fillOpacity": 0.2}
                if st["dash"]:
                    style["dashArray"] = " ".join(f"{v:g}" for v in st["dash"])
                return style
            if row.g == 1:  # a wide halo along the plan's own line
                return _leaflet_path(st["color"], 7.0 if st["fill"] else 4.0, st["dash"],
                                     opacity=0.75)
            return _leaflet_path(st["color"], st["weight"], st["dash"], opacity=0.95,
                                 fill=st["fill"], fill_opacity=st["fill_opacity"])
    elif kind == INDICATIVE_KIND:
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return indicative_style(table)
    else:  # coverage_proposed
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return _symbol("diamond", table.proposed_color, 8.0, "existing", glyph="+",
                           outline="#ffffff", table=table)

    keys = keys.reset_index(drop=True)
    if not len(keys):
        return [make(pd.Series({c: None for c in keys.columns}))], None
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys.astype(object).fillna("∅")))
    styles = []
    for u in uniques:
        values = u if isinstance(u, tuple) else (u,)
        row = pd.Series({c: (None if v == "∅" else v) for c, v in zip(keys.columns, values,
                                                                          strict=True)})
        styles.append(make(row))
    return styles, (None if len(styles) == 1 else codes.tolist())


def _layer_payload(layer: MapLayer, table: StyleTable, *, precision: int, tolerance: float,
                   cluster_points: int, offline: bool) -> dict[str, Any]:
    import geopandas as gpd

    from geoplan.crs import to_wgs84

    frame = layer.frame
    simplified = _simplify(layer, tolerance)
    geo = gpd.GeoDataFrame(geometry=gpd.GeoSeries(simplified, crs=frame.crs))
    wgs = to_wgs84(geo, name=layer.name)
    data = _encode_geometry(np.asarray(wgs.geometry.values), precision)
    columns = layer.columns
    labels = field_labels(layer.kind)
    unit_kind = layer.kind
    styles, codes = layer_styles(layer, table, offline=offline)
    vi, en = layer.kind_labels
    data.update(
        name=layer.name,
        title=layer.title,
        kind=layer.kind,
        kindVi=vi,
        kindEn=en,
        cols=columns,
        f={c: [*labels.get(c, (c, c)), field_unit(unit_kind, c)] for c in columns},
        p={c: _encode_column(frame[c]) for c in columns},
        tt=[c for c in TOOLTIP_FIELDS.get(layer.kind, ()) if c in columns],
        st=styles,
        search=layer.kind in SEARCHABLE,
        cluster=bool(cluster_points) and data.get("type") == 0 and "t" not in data
        and "g" not in data and len(frame) > cluster_points,
    )
    if data["cluster"]:
        data["clusterStyle"] = {"shape": "circle", "color": "#ffffff", "weight": 2, "opacity": 1,
                                "fill": True, "fillColor": _CLUSTER_COLORS.get(layer.kind,
                                                                               "#525252"),
                                "fillOpacity": 0.85, "glyphColor": "#ffffff"}
    if layer.kind == "findings":
        data["label"] = "rule"
    if layer.kind == "diff":
        data["label"] = "id"
        if layer.arrows is not None and len(layer.arrows):
            arrows = gpd.GeoDataFrame(geometry=gpd.GeoSeries(_arrows(layer.arrows),
                                                             crs=layer.arrows.crs))
            data["mv"] = _encode_geometry(
                np.asarray(to_wgs84(arrows, name="plan diff moves").geometry.values), precision)
            st = table.diff_style("moved")
            data["mvStyle"] = _leaflet_path(st["color"], 2.5, None, opacity=0.95)
            data["mvOrigin"] = {"shape": "circle", "radius": 4, "color": st["color"],
                                "weight": 2, "opacity": 1, "fill": True,
                                "fillColor": "#ffffff", "fillOpacity": 1}
    if layer.kind == "boundary" and "name" in frame.columns and len(frame):
        data["lbl"] = _label_points(layer, precision=min(precision, 5))
    if codes is not None:
        data["si"] = codes
    return data


def _label_points(layer: MapLayer, *, precision: int) -> list[list[float] | None]:
    """``[lat, lon]`` of a point inside each polygon (for its name label), ``None`` if empty."""
    import geopandas as gpd
    import shapely

    from geoplan.crs import to_wgs84

    geoms = np.asarray(layer.frame.geometry.values)
    points = shapely.point_on_surface(geoms)
    wgs = to_wgs84(gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=layer.frame.crs)))
    xy = shapely.get_coordinates(np.asarray(wgs.geometry.values), return_index=True)
    out: list[list[float] | None] = [None] * len(geoms)
    for (lon, lat), i in zip(xy[0].tolist(), xy[1].tolist(), strict=True):
        out[i] = [round(lat, precision), round(lon, precision)]  # Leaflet's order
    return out


def _json_text(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


# ------------------------------------------------------------------------------ assets


def _asset_root() -> Any:
    return resources.files("geoplan") / "assets"


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
            return _json_text(self.payload)

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
            (function () {
                var div = L.DomUtil.create('div', 'gp-title',
                    {{ this._parent.get_name() }}.getContainer());
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
            })();
            {% endmacro %}
            """
        )

        def __init__(self, html_text: str) -> None:
            super().__init__()
            self._name = "TitleBlock"
            self.html = html_text

    class Finish(MacroElement):
        """Controls that need every layer (search), scale, fullscreen, measure; drawn mark."""

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
                     f'text-anchor="middle" fill="#fff">{html.escape(e.glyph)}</text>')
    return f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-hidden="true">{body}</svg>'


def legend_html(sections: Sequence[LegendSection]) -> str:
    """The legend as HTML (inline SVG swatches), Vietnamese first, English second."""
    parts = ['<details class="gp-legend-box" open><summary>Chú giải '
             '<span class="gp-en">/ Legend</span></summary>']
    for s in sections:
        parts.append(f'<h4>{html.escape(s.title_vi)} <span class="gp-en">/ '
                     f'{html.escape(s.title_en)}</span></h4>')
        for e in s.entries:
            parts.append(f'<div class="gp-row">{_swatch(e)}<span>{html.escape(e.label_vi)} '
                         f'<span class="gp-en">/ {html.escape(e.label_en)}</span></span></div>')
    parts.append("</details>")
    return "".join(parts)


def _present(layers: Sequence[MapLayer], kind: str, column: str) -> set[Any]:
    values: set[Any] = set()
    for layer in layers:
        if layer.kind == kind and column in layer.frame.columns:
            for v in layer.frame[column].astype(object).tolist():
                values.add(None if v is None or v is pd.NA or (isinstance(v, float)
                                                              and math.isnan(v)) else v)
    return values


def legend_for(layers: Sequence[MapLayer], table: StyleTable) -> list[LegendSection]:
    """Legend sections for the map layers, listing only the values present in them."""
    kinds = {m.kind for m in layers if m.kind in KINDS}
    volt = _present(layers, "grid_line", "voltage_kv") | _present(layers, "substation",
                                                                   "voltage_kv")
    statuses = set()
    for k in ("grid_line", "substation", "industrial_cluster", "industrial_park",
              "trade_facility", "power_plant"):
        statuses |= {s for s in _present(layers, k, "status") if s is not None}
    sections = legend_sections(
        table, kinds,
        voltages={None if v is None else int(v) for v in volt},
        statuses=statuses,
        trade_types={t for t in _present(layers, "trade_facility", "type") if t},
        plant_sources={s if s else "other" for s in _present(layers, "power_plant", "source")},
        findings={s for s in _present(layers, "findings", "severity") if s},
        coverage={m.kind.replace("coverage_", "") for m in layers
                  if m.kind.startswith("coverage_")},
        diff={c for c in _present(layers, "diff", "change") if c},
        diff_arrows=any(m.arrows is not None and len(m.arrows) for m in layers
                        if m.kind == "diff"),
    )
    if any(m.kind == INDICATIVE_KIND for m in layers):
        sections.append(indicative_legend(table))
    return sections


# -------------------------------------------------------------------------------- the map


def _extent(layers: Sequence[MapLayer], plan: Plan) -> tuple[float, float, float, float] | None:
    """Bounds in the analysis CRS of everything drawn."""
    boxes = [m.frame.total_bounds for m in layers if len(m.frame)]
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return None
    arr = np.array(boxes)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()),
            float(arr[:, 3].max()))


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
    extent = _extent(map_layers(plan), plan)
    return _wgs84_bounds(extent, plan.crs) if extent else [[8.0, 102.0], [23.5, 110.0]]


def _attribution(plan: Plan, given: str | None) -> str | None:
    if given:
        return given
    for layer in plan.layers.values():
        text = str(layer.spec.path).lower()
        if any(k in text for k in ("osm", "openstreetmap", "openinframap")):
            return OSM_ATTRIBUTION
    return None


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
    precision: int | None = None,
    simplify_m: float | str | None = None,
    cluster_points: int | None = None,
    styles: StyleTable | None = None,
    diff: Any = None,
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
    precision : int, optional
        Decimals of a degree kept (default 6 ≈ 0.1 m).
    simplify_m : float or "auto", optional
        Simplification tolerance in metres (default "auto": :func:`auto_tolerance`).
    cluster_points : int, optional
        Point layers with more features than this are clustered (default 2,000; 0 never).
    styles : StyleTable, optional
        Default: :func:`geoplan.styles.style_table` of the plan's ``[map]`` settings.
    diff : PlanDiff or GeoDataFrame, optional
        What changed from another version of the plan to ``plan``
        (:func:`geoplan.diff.diff_plans` with ``plan`` second): drawn on top as its own layer
        "So sánh phương án / Plan changes" with a legend section; a
        :class:`~geoplan.diff.PlanDiff` also gives the arrows of moved features and the
        default subtitle. Reprojected into ``plan``'s CRS when the plans' CRSs differ.

    Returns
    -------
    folium.Map
        Layers are ``GeoplanLayer`` children (one per plan layer, plus findings / coverage /
        diff); write it with :func:`write_map`.
    """
    folium = _folium()
    settings = dict(plan.settings.get("map", {}))
    validate_settings(settings)
    table = styles or style_table(settings)
    offline = bool(settings.get("offline", False)) if offline is None else offline
    precision = _precision(precision if precision is not None else settings.get("precision", 6))
    cluster_points = int(cluster_points if cluster_points is not None
                         else settings.get("cluster_points", 2000))
    chosen = _basemaps(basemaps if basemaps is not None
                       else settings.get("basemaps", list(DEFAULT_BASEMAPS)))
    attribution = _attribution(plan, attribution or settings.get("attribution"))

    mls = map_layers(plan, findings=findings, coverage=coverage, grid=grid, layers=layers,
                     diff=diff)
    if subtitle is None and diff is not None and hasattr(diff, "before"):
        subtitle = (f"{_DIFF_KIND_LABELS[0]} / {_DIFF_KIND_LABELS[1]}: "
                    f"{getattr(diff, 'before', '')} → {getattr(diff, 'after', plan.name)}")
    extent = _extent(mls, plan)
    tol_setting = simplify_m if simplify_m is not None else settings.get("simplify_m", "auto")
    tolerance = _simplify_setting(tol_setting)
    if tolerance is None:
        tolerance = auto_tolerance(max(extent[2] - extent[0], extent[3] - extent[1])
                                   if extent else 0.0)
    log.info("map of %r: %d layers, tolerance %.2f m, precision %d", plan.name, len(mls),
             tolerance, precision)

    bounds = _wgs84_bounds(extent, plan.crs) if extent else [[8.0, 102.0], [23.5, 110.0]]
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=centre, zoom_start=8, tiles=None, prefer_canvas=True,
                   control_scale=False, maxZoom=19)  # Leaflet option (markercluster needs it)
    # Leaflet and the plugins come inline from geoplan/assets, never from a CDN.
    m.default_js = []
    m.default_css = []
    el = _elements()
    m.get_root().header.add_child(el["Raw"](assets_html()), name="geoplan_assets", index=0)
    m.get_root().title = html.escape(title or settings.get("title") or plan.name)
    m.add_child(el["FitBounds"](bounds))

    if not offline:
        for i, key in enumerate(chosen):
            tiles, label = BASEMAPS[key]
            folium.TileLayer(tiles, name=label, overlay=False, control=True, show=(i == 0),
                             max_zoom=19).add_to(m)

    m.add_child(el["Config"](_config(table)))
    for ml in mls:
        payload = _layer_payload(ml, table, precision=precision, tolerance=tolerance,
                                 cluster_points=cluster_points, offline=offline)
        m.add_child(el["DataLayer"](payload, layer_label(ml),
                                    show=ml.kind not in HIDDEN_AT_START),
                    name=f"layer_{ml.name}")

    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    m.add_child(el["Control"](legend_html(legend_for(mls, table)), "bottomright", "gp-legend",
                              "Legend"))
    m.add_child(el["TitleBlock"](_title_html(plan, title or settings.get("title"),
                                             subtitle or settings.get("subtitle"), date,
                                             offline)))
    m.add_child(el["Finish"]({"search": any(ml.kind in SEARCHABLE for ml in mls),
                              "attribution": attribution}))
    return m


def layer_label(ml: MapLayer) -> str:
    """The layer's entry in the layer control: kind, title and feature count (HTML)."""
    vi, en = ml.kind_labels
    n = f' <span class="gp-layer-n">({len(ml.frame):,})</span>'
    if ml.title in (vi, en):  # findings and coverage layers: the kind is the title
        return f'{html.escape(vi)} <span class="gp-en">/ {html.escape(en)}</span>{n}'
    return f"{html.escape(vi)}: {html.escape(ml.title)}{n}"


def _config(table: StyleTable) -> dict[str, Any]:
    return {"values": {k: {v: list(p) for v, p in vals.items()}
                       for k, vals in value_labels().items()},
            "styles": table.to_json()}


def _title_html(plan: Plan, title: str | None, subtitle: str | None,
                date: str | _dt.date | None, offline: bool) -> str:
    day = date if isinstance(date, str) else (date or _dt.date.today()).isoformat()
    meta = [html.escape(plan.province)] if plan.province else []
    meta.append(f"Ngày / Date: {html.escape(day)}")
    sub = (html.escape(subtitle) if subtitle
           else 'Bản đồ quy hoạch <span class="gp-en">/ Planning map</span>')
    if offline:
        sub += ' · <span class="gp-en">offline</span>'
    return (f"<h1>{html.escape(title or plan.name)}</h1>"
            f'<div class="gp-sub">{sub}</div>'
            f'<div class="gp-meta">{" · ".join(meta)}</div>')


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
                           "geoplan.staticmap for .png or .pdf")
    m = plan_map(m_or_plan, **kwargs) if isinstance(m_or_plan, Plan) else m_or_plan
    if kwargs and not isinstance(m_or_plan, Plan):
        raise TypeError(f"write_map: options {sorted(kwargs)} apply only when given a Plan")
    text = map_html(m)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s (%.1f MB)", target, len(text.encode("utf-8")) / 1e6)
    return target
