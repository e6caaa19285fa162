"""The map model shared by the interactive map and the printable sheet.

Nothing here draws. :func:`map_layers` turns a plan and its results into :class:`MapLayer`\\ s
(bottom first, :data:`DRAW_ORDER`), each with its bilingual kind label; :func:`layer_styles`
gives the style of every feature (Leaflet path and symbol options, from the style table of
:mod:`geoplan.maps.styles`); :func:`legend_for` the legend of what is drawn; the rest the
shared pieces of the title block, the data attribution and the labels. The folium renderer
(:mod:`geoplan.maps.interactive`) writes these to the browser, the matplotlib sheet
(:mod:`geoplan.maps.sheet`) converts the same styles to paper, so both maps look alike.

What the map shows of the results:

- ``findings`` (what ``geoplan check`` reports) and the findings of a grid result are the layer
  "Kết quả kiểm tra / Check findings", each finding once
  (:func:`geoplan.analysis.dedupe_findings`);
- a :class:`geoplan.coverage.CoverageResult` gives the service areas, gaps and proposed
  sites, and its findings as their own layer "Kết quả phân tích cấp điện / Coverage findings";
- a :class:`geoplan.diff.PlanDiff` is the layer "So sánh phương án / Plan changes", on top.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.attribution import OSM_CREDIT
from geoplan.coverage import CoverageResult
from geoplan.errors import GeoplanError, PlanError
from geoplan.grid import GridResult
from geoplan.kinds import KINDS
from geoplan.maps.codec import explode_collections, families
from geoplan.maps.positions import (
    INDICATIVE_KIND,
    INDICATIVE_LABELS,
    indicative_features,
    indicative_legend,
    indicative_style,
)
from geoplan.maps.styles import DIFF_LABELS as DIFF_CHANGE_LABELS
from geoplan.maps.styles import (
    SEVERITY_LABELS,
    STATUS_LABELS,
    LegendEntry,
    LegendSection,
    StyleTable,
    legend_sections,
)
from geoplan.markup import escape_html, plain_text

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.diff import PlanDiff
    from geoplan.plan import Plan

__all__ = [
    "COVERAGE_FINDINGS_LABELS",
    "COVERAGE_LABELS",
    "DEFAULT_SUBTITLE",
    "DIFF_LABELS",
    "DRAW_ORDER",
    "FINDINGS_LABELS",
    "OSM_ATTRIBUTION",
    "CountedEntry",
    "MapLayer",
    "attribution",
    "coverage_frames",
    "coverage_layers",
    "diff_layer",
    "finding_references",
    "inferred_voltages",
    "label_column",
    "layer_styles",
    "layers_extent",
    "legend_for",
    "map_day",
    "map_layers",
    "move_arrows",
    "name_label_points",
    "path_style",
    "symbol_style",
]

#: Drawing order on the canvas (bottom first); layers of one kind keep plan-file order.
DRAW_ORDER = ("boundary", "restricted_zone", "coverage_service_area", "industrial_park",
              "industrial_cluster", "coverage_gap", "grid_line", "substation", "power_plant",
              "trade_facility", "coverage_proposed", "indicative", "findings", "diff")

#: Kind labels (Vietnamese, English) of the layers that are not plan layers.
FINDINGS_LABELS = ("Kết quả kiểm tra", "Check findings")
COVERAGE_FINDINGS_LABELS = ("Kết quả phân tích cấp điện", "Coverage findings")
DIFF_LABELS = ("So sánh phương án", "Plan changes")
COVERAGE_LABELS = {
    "coverage_service_area": ("Vùng phục vụ của trạm", "Substation service areas"),
    "coverage_gap": ("Vùng thiếu nguồn cấp", "Coverage gaps"),
    "coverage_proposed": ("Vị trí trạm đề xuất", "Proposed substation sites"),
}
#: The subtitle of a map without one.
DEFAULT_SUBTITLE = ("Bản đồ quy hoạch", "Planning map")

#: Drawing order of the changes inside the diff layer (bottom first): a feature that moved and
#: changed shows its move on top; removed features, hollow, on top of everything.
_DIFF_DRAW_ORDER = {"changed": 0, "added": 1, "moved": 2, "removed": 3}

#: The map layer of each coverage output (:meth:`geoplan.coverage.CoverageResult.layers`).
_COVERAGE_ROLES = {"service_areas": "coverage_service_area", "gaps": "coverage_gap",
                   "sites": "coverage_proposed"}

#: The data credit of maps of OpenStreetMap data.
OSM_ATTRIBUTION = OSM_CREDIT

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
            return FINDINGS_LABELS
        if self.kind == "diff":
            return DIFF_LABELS
        if self.kind == INDICATIVE_KIND:
            return INDICATIVE_LABELS
        return COVERAGE_LABELS[self.kind]

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
    diff: PlanDiff | gpd.GeoDataFrame | Mapping[str, Any] | None = None,
) -> list[MapLayer]:
    """The layers a map of ``plan`` draws, bottom first.

    ``layers`` restricts the plan layers by name. ``findings`` (a findings frame: what
    ``geoplan check`` reports) and the findings of ``grid`` (a :class:`geoplan.grid.GridResult`)
    become the layer "Check findings", each finding once; the layers of ``coverage`` (a
    :class:`geoplan.coverage.CoverageResult`, or a mapping with the same names as its
    ``layers()``) become the service areas, gaps, proposed sites and "Coverage findings"
    layers; a plan diff (see :func:`diff_layer`) its own layer.
    """
    wanted = None if layers is None else list(layers)
    if wanted is not None:
        unknown = [n for n in wanted if n not in plan.layers]
        if unknown:
            raise PlanError(f"{plan.path}: no layer {', '.join(map(repr, unknown))} in the plan; "
                            f"layers: {', '.join(plan.layers)}")
    if findings is not None and not isinstance(findings, gpd.GeoDataFrame):
        raise GeoplanError(f"findings: expected a findings GeoDataFrame (geoplan.findings "
                           f"schema), got {type(findings).__name__}")
    if grid is not None and not isinstance(grid, GridResult):
        raise GeoplanError(f"grid: expected a geoplan.grid.GridResult, got "
                           f"{type(grid).__name__}")
    outputs = coverage_layers(coverage)
    inferred = inferred_voltages(outputs.get("substations"),
                                 grid.grid.stations if grid is not None else None)
    out = [
        MapLayer(layer.name, layer.title, layer.kind,
                 _mark_inferred(layer.frame, layer.name, inferred)
                 if layer.kind == "substation" else layer.frame)
        for layer in plan.layers.values()
        if wanted is None or layer.name in wanted
    ]
    for role, frame in coverage_frames(outputs):
        title = COVERAGE_LABELS[role][0]
        out.append(MapLayer(role.replace("coverage_", "coverage-"), title, role, frame))
    all_findings = [f for f in (findings, grid.findings if grid is not None else None)
                    if f is not None and len(f)]
    if all_findings:
        from geoplan.analysis import dedupe_findings
        from geoplan.findings import concat_findings

        frame = dedupe_findings(concat_findings(all_findings, crs=plan.crs))
        out.append(MapLayer("findings", FINDINGS_LABELS[0], "findings", frame))
    coverage_findings = outputs.get("findings")
    if coverage_findings is not None and len(coverage_findings):
        out.append(MapLayer("coverage-findings", COVERAGE_FINDINGS_LABELS[0], "findings",
                            coverage_findings, labels=COVERAGE_FINDINGS_LABELS))
    diff_map_layer = diff_layer(diff, plan)
    if diff_map_layer is not None:
        out.append(diff_map_layer)
    marks = indicative_features(plan)
    if marks is not None and wanted is not None:
        marks = marks[marks["layer"].isin(wanted)].reset_index(drop=True)
    if marks is not None and len(marks):
        out.append(MapLayer("indicative", INDICATIVE_LABELS[0], INDICATIVE_KIND, marks))
    rank = {k: i for i, k in enumerate(DRAW_ORDER)}
    return sorted(out, key=lambda m: rank.get(m.kind, len(rank)))  # stable: plan order kept


def inferred_voltages(*tables: pd.DataFrame | None) -> pd.Series:
    """The voltages (kV, highest level) that the grid inference gave to substations without one,
    by ``(layer, feature id)``, from the substation table of a coverage result
    (``layer``, ``substation_id``) or the stations of a grid (``layer``, ``feature_id``), both
    with ``voltage_inferred``."""
    parts = []
    for t in tables:
        if t is None or not len(t) or "voltage_inferred" not in t.columns:
            continue
        ids = "substation_id" if "substation_id" in t.columns else "feature_id"
        if ids not in t.columns or "layer" not in t.columns or "voltage_kv" not in t.columns:
            continue
        rows = t[t["voltage_inferred"].fillna(False).astype(bool) & t["voltage_kv"].notna()]
        parts.append(pd.Series(pd.to_numeric(rows["voltage_kv"]).to_numpy(dtype=float),
                               index=pd.MultiIndex.from_arrays(
                                   [rows["layer"].astype(str), rows[ids].astype(str)])))
    if not parts:
        return pd.Series([], dtype=float)
    out = pd.concat(parts)
    return out[~out.index.duplicated()]


def _mark_inferred(frame: gpd.GeoDataFrame, name: str, inferred: pd.Series) -> gpd.GeoDataFrame:
    """A substation frame whose stations without a voltage take their inferred one, marked in
    ``voltage_inferred`` (a copy; the plan's frame is untouched)."""
    if not len(inferred) or "id" not in frame.columns:
        return frame
    key = pd.MultiIndex.from_arrays([[name] * len(frame), frame["id"].astype(str)])
    found = inferred.reindex(key).to_numpy(dtype=float)
    known = (pd.to_numeric(frame["voltage_kv"], errors="coerce").notna().to_numpy()
             if "voltage_kv" in frame.columns else np.zeros(len(frame), dtype=bool))
    use = ~known & np.isfinite(found)
    if not use.any():
        return frame
    out = frame.copy()
    current = (pd.to_numeric(out["voltage_kv"], errors="coerce") if "voltage_kv" in out.columns
               else pd.Series(np.nan, index=out.index))
    out["voltage_kv"] = current.astype("Float64").where(
        pd.Series(~use, index=out.index), pd.Series(found, index=out.index))
    out["voltage_inferred"] = use
    return out


def finding_references(frame: gpd.GeoDataFrame, layers: Sequence[MapLayer]
                       ) -> dict[str, Any]:
    """Where the findings of ``frame`` point on the map.

    Returns ``names`` (the plan layers drawn), per finding ``layer`` / ``index`` (the code in
    ``names`` and the row in that layer of the feature the finding concerns, -1 when it is not
    on the map) and ``other_layer`` / ``other_index`` (the other party), and ``by_reference``:
    the findings drawn by highlighting their feature, those whose geometry is missing or is
    the feature's own (only an overlap's intersection, a corridor's strip, a line end ...
    carry a geometry of their own).
    """
    import shapely

    plan = [m for m in layers if m.kind in KINDS and "id" in m.frame.columns]
    names = [m.name for m in plan]
    lookup = {m.name: pd.Index(m.frame["id"].astype(str)) for m in plan}
    n = len(frame)

    def resolve(layer_col: str, id_col: str) -> tuple[np.ndarray, np.ndarray]:
        code = np.full(n, -1, dtype=np.int64)
        index = np.full(n, -1, dtype=np.int64)
        if layer_col not in frame.columns or id_col not in frame.columns:
            return code, index
        lay = frame[layer_col].astype(object).to_numpy()
        ids = frame[id_col].astype(object).to_numpy()
        for k, name in enumerate(names):
            rows = np.flatnonzero(lay == name)
            if not len(rows):
                continue
            idx = lookup[name]
            if not idx.is_unique:
                idx = idx[~idx.duplicated()]
            pos = idx.get_indexer(pd.Index([str(v) for v in ids[rows]]))
            ok = (pos >= 0) & ~pd.isna(ids[rows]).astype(bool)
            code[rows[ok]] = k
            index[rows[ok]] = pos[ok]
        return code, index

    code, index = resolve("layer", "feature_id")
    other_code, other_index = resolve("other_layer", "other_id")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    by_ref = np.zeros(n, dtype=bool)
    has = code >= 0
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    by_ref[has & missing] = True
    for k, m in enumerate(plan):
        rows = np.flatnonzero(has & ~missing & (code == k))
        if len(rows):
            own = np.asarray(m.frame.geometry.values, dtype=object)[index[rows]]
            by_ref[rows] = shapely.equals(geoms[rows], own) | by_ref[rows]
    return {"names": names, "layer": code, "index": index, "other_layer": other_code,
            "other_index": other_index, "by_reference": by_ref}


def diff_layer(diff: PlanDiff | gpd.GeoDataFrame | Mapping[str, Any] | None,
               plan: Plan) -> MapLayer | None:
    """The map layer of a plan diff, in ``plan``'s CRS, or ``None`` without one.

    ``diff`` is a :class:`geoplan.diff.PlanDiff` (its ``frame``, and its ``moves`` drawn as
    arrows), its ``frame`` alone (the records of :data:`geoplan.diff.DIFF_COLUMNS` with their
    geometry), or a mapping with ``frame`` and optionally ``moves``. An empty diff still gives
    a layer (with no feature), so the map says that nothing changed.
    """
    from geoplan.diff import PlanDiff

    if diff is None:
        return None
    frame: Any
    moves: Any
    if isinstance(diff, PlanDiff):
        frame, moves = diff.frame, diff.moves
    elif isinstance(diff, gpd.GeoDataFrame):
        frame, moves = diff, None
    elif isinstance(diff, Mapping):
        frame, moves = diff.get("frame"), diff.get("moves")
    else:
        frame = moves = None
    if not isinstance(frame, gpd.GeoDataFrame) or "change" not in frame.columns or not (
            moves is None or isinstance(moves, gpd.GeoDataFrame)):
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
    return MapLayer("plan-diff", DIFF_LABELS[0], "diff", frame, moves)


def move_arrows(lines: gpd.GeoDataFrame, *, head: float = 0.25,
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


def coverage_layers(coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None
                    ) -> Mapping[str, gpd.GeoDataFrame]:
    """The output layers of a coverage result by name (those of ``CoverageResult.layers()``).

    A mapping is taken as it is once its names are checked; anything else is refused.
    """
    if coverage is None:
        return {}
    if isinstance(coverage, CoverageResult):
        return coverage.layers()
    if isinstance(coverage, Mapping):
        unknown = sorted(set(coverage) - {*_COVERAGE_ROLES, "features", "substations",
                                          "findings"})
        if unknown:
            raise GeoplanError(f"coverage: unknown output(s) {', '.join(map(repr, unknown))}; "
                               "give a CoverageResult or a mapping named like its layers() "
                               f"({', '.join(_COVERAGE_ROLES)}, findings)")
        return coverage
    raise GeoplanError(f"coverage: expected a geoplan.coverage.CoverageResult or a mapping named "
                       f"like its layers() ({', '.join(_COVERAGE_ROLES)}, findings), got "
                       f"{type(coverage).__name__}")


def coverage_frames(coverage: CoverageResult | Mapping[str, gpd.GeoDataFrame] | None
                    ) -> list[tuple[str, gpd.GeoDataFrame]]:
    """(kind, frame) of a coverage result: service areas, gaps, proposed sites (non-empty)."""
    frames = coverage_layers(coverage)
    return [(role, frames[name]) for name, role in _COVERAGE_ROLES.items()
            if name in frames and len(frames[name])]


def layers_extent(layers: Sequence[MapLayer]) -> tuple[float, float, float, float] | None:
    """Bounds ``(xmin, ymin, xmax, ymax)`` in the analysis CRS of everything drawn."""
    boxes = [m.frame.total_bounds for m in layers if len(m.frame)]
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return None
    arr = np.array(boxes)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()),
            float(arr[:, 3].max()))


# -------------------------------------------------------------------- titles and labels


def attribution(plan: Plan, given: str | None) -> str | None:
    """The data credit of a map as HTML, ``None`` when there is none.

    ``given`` (the ``[map] attribution`` setting or argument, whose links are kept), then the
    credits of the plan's data (:attr:`geoplan.plan.Plan.attributions`: each layer's
    ``attribution`` key or what its data says, as text, escaped) that ``given`` does not say
    already, joined by `` · ``. The renderers make it safe (the folium map sanitises it, the
    sheet shows it as plain text).
    """
    said = plain_text(given).casefold() if given else ""
    credits = [escape_html(c) for c in plan.attributions if c.casefold() not in said]
    parts = ([given] if given else []) + credits
    return " · ".join(parts) if parts else None


def map_day(date: str | _dt.date | None) -> str:
    """The date of the title block: ``date`` as given, or today (ISO 8601)."""
    return date if isinstance(date, str) else (date or _dt.date.today()).isoformat()


def label_column(layer: MapLayer) -> str | None:
    """The column heading a feature's tooltip and popup when it is not ``name``: the rule of a
    finding, the id of a changed feature."""
    return {"findings": "rule", "diff": "id"}.get(layer.kind)


def name_label_points(layer: MapLayer) -> np.ndarray | None:
    """Where the names of a boundary layer's features are written (a point inside each, in the
    layer's CRS; ``None`` for a missing geometry), or ``None`` when the layer has no names."""
    import shapely

    frame = layer.frame
    if layer.kind != "boundary" or "name" not in frame.columns or not len(frame):
        return None
    return np.asarray(shapely.point_on_surface(np.asarray(frame.geometry.values)), dtype=object)


# ---------------------------------------------------------------------------------- styles


def path_style(color: str, weight: float, dash: tuple[float, ...] | None, *,
               opacity: float = 1.0, fill: str | None = None,
               fill_opacity: float = 0.0, hatch: bool = False) -> dict[str, Any]:
    """Leaflet options of a line or polygon (``dash`` in pixels; ``hatch`` fills with a hatch)."""
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


def symbol_style(shape: str, fill: str, radius: float, status: Any, *, glyph: str = "",
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

    The printable sheet (:mod:`geoplan.maps.sheet`) converts the same styles for matplotlib, so
    both maps draw every feature alike. The index list is ``None`` when the layer has one style.
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
                return path_style(table.commune_outline, 1.0, table.commune_dash, opacity=0.9,
                                  fill=table.land_color, fill_opacity=0.0)
            return path_style(table.province_outline, 3.0, table.province_dash, opacity=0.9,
                              fill=table.land_color, fill_opacity=0.55 if offline else 0.05)
    elif kind == "grid_line":
        keys = pd.DataFrame({"v": col("voltage_kv"), "s": col("status"), "l": col("location")})

        def make(row: Any) -> dict[str, Any]:
            st = table.line_style(row.v, row.s, row.l)
            return path_style(st["color"], st["weight"], st["dash"], opacity=st["opacity"])
    elif kind in ("industrial_cluster", "industrial_park"):
        occ = pd.to_numeric(col("occupancy_pct"), errors="coerce")
        keys = pd.DataFrame({"s": col("status"), "o": (occ / 10).round() * 10})

        def make(row: Any) -> dict[str, Any]:
            o = None if pd.isna(row.o) else row.o
            st = table.area_style(kind, row.s, o)
            return path_style(st["color"], st["weight"], st["dash"], opacity=0.95,
                              fill=st["fill"], fill_opacity=st["fill_opacity"])
    elif kind == "restricted_zone":
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return path_style(table.restricted_outline, 1.5, (4.0, 3.0), opacity=0.9,
                              fill=table.restricted_fill, fill_opacity=0.35, hatch=True)
    elif kind == "substation":
        keys = pd.DataFrame({"v": col("voltage_kv"), "c": col("capacity_mva"),
                             "s": col("status"), "inf": col("voltage_inferred")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.substation_symbol(row.v, row.c, row.s, inferred=row.inf is True)
            return symbol_style("square", sym.color, sym.size, row.s, glyph=sym.glyph,
                                table=table)
    elif kind == "power_plant":
        keys = pd.DataFrame({"src": col("source"), "s": col("status")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.plant_symbol(row.src)
            return symbol_style("star", sym.color, sym.size, row.s, table=table)
    elif kind == "trade_facility":
        keys = pd.DataFrame({"t": col("type"), "s": col("status")})

        def make(row: Any) -> dict[str, Any]:
            sym = table.trade_symbol(row.t)
            return symbol_style(sym.shape, sym.color, sym.size, row.s, glyph=sym.glyph,
                                outline="#ffffff", table=table)
    elif kind == "findings":
        keys = pd.DataFrame({"sev": col("severity")})

        def make(row: Any) -> dict[str, Any]:
            c = table.severity_colors.get(str(row.sev), "#555555")
            style = path_style(c, 3.0, None, opacity=1.0, fill=c, fill_opacity=0.45)
            style.update(shape="circle", radius=7)
            return style
    elif kind == "coverage_service_area":
        keys = pd.DataFrame({"v": col("voltage_kv")})

        def make(row: Any) -> dict[str, Any]:
            c = table.voltage_color(row.v) if row.v is not None else "#3182bd"
            return path_style(c, 1.0, (2.0, 3.0), opacity=0.8, fill=c, fill_opacity=0.1)
    elif kind == "coverage_gap":
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return path_style(table.gap_color, 1.5, None, opacity=0.9, fill=table.gap_color,
                              fill_opacity=0.35, hatch=True)
    elif kind == "diff":
        import shapely

        geoms = explode_collections(np.asarray(frame.geometry.values, dtype=object))
        keys = pd.DataFrame({"c": col("change"),
                             "g": families(shapely.get_type_id(geoms)).tolist()})

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
                return path_style(st["color"], 7.0 if st["fill"] else 4.0, st["dash"],
                                  opacity=0.75)
            return path_style(st["color"], st["weight"], st["dash"], opacity=0.95,
                              fill=st["fill"], fill_opacity=st["fill_opacity"])
    elif kind == INDICATIVE_KIND:
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return indicative_style(table)
    else:  # coverage_proposed
        keys = pd.DataFrame({"x": [0] * len(frame)})

        def make(row: Any) -> dict[str, Any]:
            return symbol_style("diamond", table.proposed_color, 8.0, "existing", glyph="+",
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


# ---------------------------------------------------------------------------------- legend


@dataclass(frozen=True)
class CountedEntry(LegendEntry):
    """A legend row with the number of features on the map it stands for (``None``: a hint,
    such as "stronger fill = higher occupancy", that counts nothing)."""

    count: int | None = None


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _value_counts(layers: Sequence[MapLayer], kind: str, column: str) -> Counter[Any]:
    """How many features of the layers of ``kind`` have each value of ``column`` (``None``
    for a missing value, and for every feature of a layer without the column)."""
    out: Counter[Any] = Counter()
    for layer in layers:
        if layer.kind != kind:
            continue
        if column not in layer.frame.columns:
            out[None] += len(layer.frame)
            continue
        for v, n in layer.frame[column].astype(object).value_counts(dropna=False).items():
            out[None if _missing(v) else v] += int(n)
    return out


def _present(layers: Sequence[MapLayer], kind: str, column: str) -> set[Any]:
    return {v for layer in layers if layer.kind == kind and column in layer.frame.columns
            for v in _value_counts([layer], kind, column)}


def _n(layers: Sequence[MapLayer], *kinds: str) -> int:
    return sum(len(m.frame) for m in layers if m.kind in kinds)


def _legend_counts(layers: Sequence[MapLayer], table: StyleTable
                   ) -> dict[tuple[str, str], int]:
    """Features per legend row, keyed by (section title, row label) in English."""
    counts: Counter[tuple[str, str]] = Counter()
    for kind in ("grid_line", "substation"):
        for v, n in _value_counts(layers, kind, "voltage_kv").items():
            vc = None if v is None else table.voltage_class(v)
            counts["Power grid", vc.label_en if vc is not None else "Unknown voltage"] += n
        for s, n in _value_counts(layers, kind, "status").items():
            if s in STATUS_LABELS:
                counts["Power grid", STATUS_LABELS[s][1]] += n
    counts["Power grid", "Substation (size by capacity)"] = _n(layers, "substation")
    for kind, title in (("industrial_park", "Industrial parks"),
                        ("industrial_cluster", "Industrial clusters")):
        for s, n in _value_counts(layers, kind, "status").items():
            if s in STATUS_LABELS:
                counts[title, STATUS_LABELS[s][1]] += n
    for t, n in _value_counts(layers, "trade_facility", "type").items():
        counts["Trade facilities", table.trade_symbol(t).label_en] += n
    for src, n in _value_counts(layers, "power_plant", "source").items():
        counts["Power plants", table.plant_symbol(src or None).label_en] += n
    counts["Context", "Restricted zone"] = _n(layers, "restricted_zone")
    levels = _value_counts(layers, "boundary", "level")
    counts["Context", "Province boundary"] = levels["province"]
    counts["Context", "Commune boundary"] = levels["commune"]
    for label, kind in (("Substation service area", "coverage_service_area"),
                        ("Coverage gap", "coverage_gap"),
                        ("Proposed substation site", "coverage_proposed")):
        counts["Power supply coverage", label] = _n(layers, kind)
    for sev, n in _value_counts(layers, "findings", "severity").items():
        if sev in SEVERITY_LABELS:
            counts["Check findings", SEVERITY_LABELS[sev][1]] += n
    for change, n in _value_counts(layers, "diff", "change").items():
        if change in DIFF_CHANGE_LABELS:
            counts["Plan changes", DIFF_CHANGE_LABELS[change][1]] += n
    counts["Plan changes", "Arrow: from the old position to the new one"] = sum(
        len(m.arrows) for m in layers if m.kind == "diff" and m.arrows is not None)
    return dict(counts)


#: Legend sections whose rows :func:`_legend_counts` counts (a row it has no number for
#: stands for no feature).
_COUNTED_SECTIONS = frozenset({"Power grid", "Industrial parks", "Industrial clusters",
                               "Trade facilities", "Power plants", "Context",
                               "Power supply coverage", "Check findings", "Plan changes",
                               INDICATIVE_LABELS[1]})
#: Legend rows that explain a style rather than stand for features: shown without a count.
_HINT_ROWS = frozenset({("Industrial parks", "Stronger fill = higher occupancy"),
                        ("Industrial clusters", "Stronger fill = higher occupancy")})


def legend_for(layers: Sequence[MapLayer], table: StyleTable, *,
               counts: bool = False) -> list[LegendSection]:
    """Legend sections for the map layers, listing only the values present in them.

    With ``counts``, every row is a :class:`CountedEntry` with the number of features it
    stands for ("110 kV" counts the 110 kV lines and substations; a status row of the power
    grid its lines and substations of that status), and rows that stand for no feature of
    their section (a status present only in another layer kind) are left out. Rows that
    explain a style (occupancy shading) have ``count=None``; sections left without a row are
    dropped.
    """
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
        inferred_voltages=any(
            m.kind == "substation" and "voltage_inferred" in m.frame.columns
            and bool(m.frame["voltage_inferred"].fillna(False).astype(bool).any())
            for m in layers),
    )
    if any(m.kind == INDICATIVE_KIND for m in layers):
        sections.append(indicative_legend(table))
    if not counts:
        return sections
    numbers = _legend_counts(layers, table)
    if any(m.kind == INDICATIVE_KIND for m in layers):
        numbers.update({(INDICATIVE_LABELS[1], e.label_en): _n(layers, INDICATIVE_KIND)
                        for e in indicative_legend(table).entries})
    out = []
    for section in sections:
        rows = []
        for e in section.entries:
            key = (section.title_en, e.label_en)
            n = None if key in _HINT_ROWS else numbers.get(
                key, 0 if section.title_en in _COUNTED_SECTIONS else None)
            if n == 0:
                continue
            rows.append(CountedEntry(**{f.name: getattr(e, f.name) for f in fields(e)},
                                     count=n))
        if rows:
            out.append(LegendSection(section.title_vi, section.title_en, tuple(rows)))
    return out
