"""Rule ``corridor``: clusters, parks and trade facilities inside power-line safety corridors.

The overhead-line corridor runs between two vertical planes at the legal distance from the
*outermost conductor* (Decree 14/2014/ND-CP art. 11 as amended by Decree 51/2020/ND-CP, then
Decree 62/2025/ND-CP from 4 Mar 2025), so its half-width is the conductor's horizontal offset
from the mapped axis plus that distance. The offsets are engineering assumptions in the rule
table, overridable by the plan or per line in the ``conductor_offset_m`` field. Underground
cables (``location = "underground"``) use the cable corridor, whose distance no text that was
read gives: they are checked only when the plan sets ``underground_distance_m``. Corridors run
from substation to substation, so the buffers have flat caps and round joins (PostGIS:
``ST_Buffer(geom, d, 'endcap=flat join=round')``).

Lines whose corridor cannot be checked (voltage unknown, no figure, buried cable without a
distance) get one ``info`` finding each, rather than being dropped silently. A finding on a
feature or a line whose position is only indicative is a warning (it needs an exact position).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.checks import _common as c
from geoplan.messages import Text, message, term
from geoplan.rules import Rules, resolve_rules

__all__ = [
    "CORRIDOR_FEATURE_KINDS",
    "VOLTAGE_BANDS",
    "check_corridors",
    "corridor_half_widths",
    "corridor_parts",
]

#: Voltage levels with a corridor distance in the rule table; a line uses the first ≥ its voltage.
VOLTAGE_BANDS: tuple[int, ...] = (22, 35, 110, 220, 500)
CORRIDOR_FEATURE_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park",
                                           "trade_facility")


def _band(voltage: np.ndarray) -> np.ndarray:
    """Band level (22 ... 500) for each voltage; 0 when unknown or above 500 kV."""
    out = np.zeros(len(voltage), dtype=np.int64)
    known = ~np.isnan(voltage)
    idx = np.searchsorted(np.array(VOLTAGE_BANDS, dtype=float), voltage[known], side="left")
    bands = np.array((*VOLTAGE_BANDS, 0), dtype=np.int64)
    out[known] = bands[idx]
    return out


def corridor_half_widths(
    lines: pd.DataFrame, *, settings: Rules | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Corridor geometry parameters of each line.

    Returns a frame aligned with ``lines``: ``band`` (kV level whose figures apply, 0 when the
    voltage is unknown or has no figure, -1 for a buried cable while the table has no cable
    distance), ``underground``, ``offset_m``, ``distance_m``,
    ``half_width_m`` (NaN when not checkable) and ``offset_source`` (``"line"`` when the line's
    own ``conductor_offset_m`` was used, else ``"table"``).
    """
    rules = resolve_rules(settings)
    voltage = c.number(lines, "voltage_kv")
    band = _band(voltage)
    location = c.text(lines, "location")
    underground = location == "underground"
    own = c.number(lines, "conductor_offset_m")
    distance = np.full(len(lines), np.nan)
    offset = np.full(len(lines), np.nan)
    for level in VOLTAGE_BANDS:
        sel = band == level
        distance[sel] = float(rules.value(f"corridor_distance_{level}kv_m"))
        offset[sel] = float(rules.value(f"conductor_offset_{level}kv_m"))
    cable = rules["underground_distance_m"]
    checkable = band > 0
    distance[underground & checkable] = float(cable.value) if cable.enabled else np.nan
    offset[underground & checkable] = float(rules.value("underground_offset_m"))
    band = np.where(underground & checkable & ~cable.enabled, -1, band)
    checkable = band > 0
    use_own = ~np.isnan(own) & checkable
    offset[use_own] = own[use_own]
    return pd.DataFrame({
        "band": band,
        "underground": underground,
        "offset_m": offset,
        "distance_m": distance,
        "half_width_m": offset + distance,
        "offset_source": np.where(use_own, "line", "table"),
    }, index=lines.index)


def _unchecked(lines: gpd.GeoDataFrame, params: pd.DataFrame,
               rules: Rules) -> list[pd.DataFrame]:
    sel = (params["band"] <= 0).to_numpy() & ~shapely.is_empty(c.geoms(lines))
    if not sel.any():
        return []
    sub = lines[sel]
    band = params["band"].to_numpy()[sel]
    voltage = c.number(sub, "voltage_kv")
    labels = c.describe("grid_line", c.ids(sub), c.text(sub, "name"), c.text(sub, "status"))
    messages: list[Text] = []
    refs: list[Text] = []
    for lab, v, b in zip(labels, voltage, band, strict=True):
        if b < 0:
            messages.append(message("corridor.buried_not_set", line=lab))
            refs.append(rules.cite("underground_distance_m"))
        elif np.isnan(v):
            messages.append(message("corridor.unknown_voltage", line=lab))
            refs.append(rules.cite("corridor_distance_22kv_m"))
        else:
            messages.append(message("corridor.no_figure", line=lab, kv=int(v)))
            refs.append(rules.cite("corridor_distance_500kv_m"))
    return [c.records({
        "rule": "corridor", "severity": "info", "layer": c.layers(sub, "grid_line"),
        "feature_id": c.ids(sub), "value": voltage, "unit": "kV",
        **c.text_columns(messages, refs), "geometry": c.geoms(sub),
    })]


def check_corridors(
    lines: gpd.GeoDataFrame,
    features: Mapping[str, gpd.GeoDataFrame],
    *,
    settings: Rules | Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Find clusters, parks and trade facilities inside the safety corridor of a power line.

    Parameters
    ----------
    lines
        ``grid_line`` frame (canonical columns: ``voltage_kv``, ``location``,
        ``conductor_offset_m``, ``id``, ``name``, ``status``; optional ``layer``).
    features
        Frames by kind: ``industrial_cluster``, ``industrial_park``, ``trade_facility``
        (points or polygons). Other kinds are ignored.
    settings
        Rule table in force or a ``[rules]`` mapping.

    Returns
    -------
    GeoDataFrame
        Findings of rule ``corridor``, one per (feature, line) pair: for polygons the part inside
        the corridor and its area in ha; for points the point and its distance to the line axis in
        m. ``threshold`` is the corridor half-width in m. Plus one ``info`` finding per line whose
        corridor could not be checked.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(lines, *features.values())
    return c.finish(corridor_records(lines, features, rules), crs=crs)


def corridor_parts(
    features: np.ndarray, lines: np.ndarray, half_width: np.ndarray
) -> np.ndarray:
    """The corridor of each line (flat caps, round joins), clipped near its feature.

    Element-wise over (feature, line, half-width) triples. Only the part of the line within
    ``half_width`` (+1 m) of the feature's envelope is buffered: the corridor near the feature is
    exactly the same as the whole line's corridor there (a point's nearest axis point lies inside
    that box, and the flat caps the clip introduces lie farther away), and buffering a few
    segments instead of the whole route is what makes the check fast.
    """
    b = shapely.bounds(features)
    pad = half_width + 1.0
    box = shapely.box(b[:, 0] - pad, b[:, 1] - pad, b[:, 2] + pad, b[:, 3] + pad)
    near = shapely.intersection(lines, box)
    return np.asarray(shapely.buffer(near, half_width, cap_style="flat", join_style="round"))


def corridor_records(
    lines: gpd.GeoDataFrame, features: Mapping[str, gpd.GeoDataFrame], rules: Rules
) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_corridors`."""
    if lines is None or not len(lines):
        return []
    params = corridor_half_widths(lines, settings=rules)
    out = _unchecked(lines, params, rules)
    line_geom = c.geoms(lines)
    ok = (params["band"] > 0).to_numpy() & ~shapely.is_empty(line_geom) & ~pd.isna(line_geom)
    kinds = [k for k in CORRIDOR_FEATURE_KINDS
             if features.get(k) is not None and len(features[k])]
    if not ok.any() or not kinds:
        return out
    li = np.flatnonzero(ok)
    hw_all = params["half_width_m"].to_numpy()
    for kind in kinds:
        frame = features[kind]
        fgeom = c.geoms(frame)
        valid = ~pd.isna(fgeom) & ~shapely.is_empty(fgeom)
        query = fgeom.copy()
        query[~valid] = None
        # one query of the lines, each with its own half-width, over the features' tree
        qi, fi = shapely.STRtree(query).query(line_geom[li], predicate="dwithin",
                                              distance=hw_all[li])
        if not len(fi):
            continue
        lrow = li[qi]
        hw = hw_all[lrow]
        parts = corridor_parts(fgeom[fi], line_geom[lrow], hw)
        is_poly = np.isin(shapely.get_type_id(fgeom[fi]), (3, 6))
        value = np.empty(len(fi))
        geometry = np.empty(len(fi), dtype=object)
        keep = np.ones(len(fi), dtype=bool)
        if is_poly.any():
            inter = shapely.intersection(fgeom[fi[is_poly]], parts[is_poly])
            value[is_poly] = c.area_ha(inter)
            geometry[is_poly] = c.polygonal(inter)
            keep[is_poly] = value[is_poly] > float(rules.value("corridor_tolerance_ha"))
        pts = ~is_poly
        if pts.any():
            keep[pts] = shapely.intersects(fgeom[fi[pts]], parts[pts])
            value[pts] = shapely.distance(fgeom[fi[pts]], line_geom[lrow[pts]])
            geometry[pts] = fgeom[fi[pts]]
        if keep.any():
            out.append(_hit_records(kind, frame.iloc[fi[keep]], lines.iloc[lrow[keep]],
                                    params.iloc[lrow[keep]], value[keep], geometry[keep],
                                    is_poly[keep], rules))
    return out


def _hit_records(kind: str, feats: gpd.GeoDataFrame, sub_lines: gpd.GeoDataFrame,
                 params: pd.DataFrame, value: np.ndarray, geometry: np.ndarray,
                 is_poly: np.ndarray, rules: Rules) -> pd.DataFrame:
    band = params["band"].to_numpy()
    under = params["underground"].to_numpy()
    offset = params["offset_m"].to_numpy()
    dist = params["distance_m"].to_numpy()
    own = params["offset_source"].to_numpy() == "line"
    half = offset + dist
    voltage = c.number(sub_lines, "voltage_kv")
    error_kv = float(rules.value("corridor_error_min_kv"))
    ind_f = c.indicative(feats)
    ind_l = c.indicative(sub_lines)
    severity = np.where((voltage >= error_kv) & ~ind_f & ~ind_l, "error", "warning")
    f_labels = c.describe(kind, c.ids(feats), c.text(feats, "name"), c.text(feats, "status"),
                          c.text(feats, "type"))
    l_labels = c.describe("grid_line", c.ids(sub_lines), c.text(sub_lines, "name"),
                          c.text(sub_lines, "status"))
    line_word = term("kind", "grid_line")
    messages: list[Text] = []
    references: list[Text] = []
    for k in range(len(value)):
        what = term("word", "cable" if under[k] else "line")
        line_id = Text(l_labels[k].vi.removeprefix(line_word.vi + " "),
                       l_labels[k].en.removeprefix(line_word.en + " "))
        kind_key = ("corridor.cable_offset_" if under[k] else "corridor.offset_") + (
            "line" if own[k] else "assumed")
        msg = message("corridor.hit_area" if is_poly[k] else "corridor.hit_point",
                      feature=f_labels[k], what=what, kv=int(voltage[k]), line=line_id,
                      value=value[k], half=half[k], offset=offset[k], dist=dist[k],
                      offset_kind=message(kind_key, capital=False))
        if voltage[k] >= error_kv:
            msg = msg + message("corridor.no_building", kv=int(voltage[k]))
        else:
            msg = msg + message("corridor.conditions")
        who = [lab for lab, flag in ((f_labels[k], ind_f[k]), (l_labels[k], ind_l[k])) if flag]
        if who:
            msg = msg + c.indicative_note(Text.join(Text(" và ", " and "), who))
        messages.append(msg)
        level = int(band[k])
        keys = ["underground_distance_m" if under[k] else f"corridor_distance_{level}kv_m"]
        if not own[k]:
            keys.append("underground_offset_m" if under[k] else f"conductor_offset_{level}kv_m")
        keys.append("corridor_error_min_kv" if voltage[k] >= error_kv
                    else "corridor_works_max_kv")
        ref = rules.cite(*keys)
        if own[k]:
            ref = Text.join("; ", [ref, message("corridor.offset_source", capital=False)])
        references.append(ref)
    return c.records({
        "rule": "corridor",
        "severity": severity,
        "layer": c.layers(feats, kind),
        "feature_id": c.ids(feats),
        "other_layer": c.layers(sub_lines, "grid_line"),
        "other_id": c.ids(sub_lines),
        "value": value,
        "unit": np.where(is_poly, "ha", "m"),
        "threshold": half,
        **c.text_columns(messages, references),
        "geometry": geometry,
    })
