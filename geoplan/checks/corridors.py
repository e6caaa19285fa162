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
from geoplan.messages import Text, fill, message, term
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
    n = len(sub)
    band = params["band"].to_numpy()[sel]
    voltage = c.number(sub, "voltage_kv")
    labels = c.describe_texts("grid_line", c.ids(sub), c.text(sub, "name"),
                              c.text(sub, "status"))
    buried, unknown = band < 0, (band >= 0) & np.isnan(voltage)
    kv = np.where(np.isnan(voltage), 0, voltage).astype(np.int64)
    messages = c.Texts(np.full(n, "", dtype=object), np.full(n, "", dtype=object))
    other = ~buried & ~unknown
    for rows, key in ((buried, "corridor.buried_not_set"), (unknown & ~buried,
                      "corridor.unknown_voltage"), (other, "corridor.no_figure")):
        if rows.any():  # each template filled for its own rows only
            extra: dict[str, Any] = {"kv": kv[rows]} if key == "corridor.no_figure" else {}
            part = fill(key, int(rows.sum()), line=labels[rows], **extra)
            messages.vi[rows], messages.en[rows] = part.vi, part.en
    refs = c.Texts.where(
        buried, c.Texts.full(rules.cite("underground_distance_m"), n),
        c.Texts.where(unknown, c.Texts.full(rules.cite("corridor_distance_22kv_m"), n),
                      c.Texts.full(rules.cite("corridor_distance_500kv_m"), n)))
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
    """The corridor of each line (flat caps, round joins), near its feature.

    Element-wise over (feature, line, half-width) triples. Only the segments of the line whose
    envelope comes within ``half_width`` (+1 m) of the feature's envelope are buffered, each run
    of consecutive such segments as one path: the corridor over the feature is exactly the whole
    line's corridor there (a segment left out lies, with its end vertices and their round
    joins, more than ``half_width`` from the feature), and buffering a few segments instead of
    the whole route is what makes the check fast. The runs keep the line's own path, so a line
    that doubles back or crosses itself keeps every join (an overlay clip would node it).
    """
    n = len(features)
    b = shapely.bounds(features)
    pad = half_width + 1.0
    lo_x, lo_y, hi_x, hi_y = b[:, 0] - pad, b[:, 1] - pad, b[:, 2] + pad, b[:, 3] + pad
    parts, pair_of_part = shapely.get_parts(lines, return_index=True)
    xy, part_of_xy = shapely.get_coordinates(parts, return_index=True)
    seg = np.flatnonzero(part_of_xy[:-1] == part_of_xy[1:])  # segment k: xy[k] -> xy[k + 1]
    pair = pair_of_part[part_of_xy[seg]]
    a, z = xy[seg], xy[seg + 1]
    kept = ((np.minimum(a[:, 0], z[:, 0]) <= hi_x[pair])
            & (np.maximum(a[:, 0], z[:, 0]) >= lo_x[pair])
            & (np.minimum(a[:, 1], z[:, 1]) <= hi_y[pair])
            & (np.maximum(a[:, 1], z[:, 1]) >= lo_y[pair]))
    seg, pair = seg[kept], pair[kept]
    out = np.empty(n, dtype=object)
    out[:] = shapely.LineString()  # no segment near the feature: an empty corridor
    if not len(seg):
        return np.asarray(shapely.buffer(out, half_width), dtype=object)
    # a run of kept segments starts where the previous kept segment is not the one before it
    starts = np.ones(len(seg), dtype=bool)
    starts[1:] = seg[1:] != seg[:-1] + 1
    run = np.cumsum(starts) - 1
    ends = np.ones(len(seg), dtype=bool)
    ends[:-1] = starts[1:]
    # each kept segment gives its first vertex; the last of a run also its second
    order_pos = np.concatenate([2 * seg, 2 * seg[ends] + 2])
    coords = np.concatenate([xy[seg], xy[seg[ends] + 1]])
    runs_of = np.concatenate([run, run[ends]])
    order = np.lexsort((order_pos, runs_of))
    paths = np.asarray(shapely.linestrings(coords[order], indices=runs_of[order]), dtype=object)
    covered, run_slot = np.unique(pair[starts], return_inverse=True)
    out[covered] = np.asarray(shapely.multilinestrings(paths, indices=run_slot.ravel()),
                              dtype=object)
    return np.asarray(shapely.buffer(out, half_width, cap_style="flat", join_style="round"))


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
    # one tree of the checkable lines; each kind's features query it once with the widest
    # half-width, then every pair is held to its own line's half-width (no buffer needed)
    tree = shapely.STRtree(line_geom[li])
    widest = float(hw_all[li].max())
    for kind in kinds:
        frame = features[kind]
        fgeom = c.geoms(frame)
        valid = ~pd.isna(fgeom) & ~shapely.is_empty(fgeom)
        query = fgeom.copy()
        query[~valid] = None
        fi, lj = tree.query(query, predicate="dwithin", distance=widest)
        if not len(fi):
            continue
        lrow = li[lj]
        near = shapely.dwithin(fgeom[fi], line_geom[lrow], hw_all[lrow])
        fi, lrow = fi[near], lrow[near]
        if not len(fi):
            continue
        order = np.lexsort((fi, lrow))  # by line, then feature
        fi, lrow = fi[order], lrow[order]
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
    """Findings rows of (feature, line) hits, messages and references built column-wise."""
    n = len(value)
    band = params["band"].to_numpy()
    under = params["underground"].to_numpy(dtype=bool)
    offset = params["offset_m"].to_numpy()
    dist = params["distance_m"].to_numpy()
    own = params["offset_source"].to_numpy() == "line"
    half = offset + dist
    voltage = c.number(sub_lines, "voltage_kv")
    kv = voltage.astype(np.int64)
    error_kv = float(rules.value("corridor_error_min_kv"))
    strict = voltage >= error_kv
    ind_f = c.indicative(feats)
    ind_l = c.indicative(sub_lines)
    severity = np.where(strict & ~ind_f & ~ind_l, "error", "warning")
    f_labels = c.describe_texts(kind, c.ids(feats), c.text(feats, "name"),
                                c.text(feats, "status"), c.text(feats, "type"))
    l_labels = c.describe_texts("grid_line", c.ids(sub_lines), c.text(sub_lines, "name"),
                                c.text(sub_lines, "status"))
    line_word = term("kind", "grid_line")
    line_id = c.Texts(
        pd.Series(l_labels.vi, dtype=object).str.removeprefix(line_word.vi + " ").to_numpy(),
        pd.Series(l_labels.en, dtype=object).str.removeprefix(line_word.en + " ").to_numpy())
    vi = np.full(n, "", dtype=object)
    en = np.full(n, "", dtype=object)
    refs_vi = np.full(n, "", dtype=object)
    refs_en = np.full(n, "", dtype=object)
    # rows of one shape (area or point, cable or line, own or assumed offset, strict or not)
    # share their templates and their reference
    shape = np.column_stack([is_poly, under, own, strict, band]).astype(np.int64)
    kinds, group = np.unique(shape, axis=0, return_inverse=True)
    group = group.ravel()
    for g, (poly, cable, by_line, no_works, level) in enumerate(kinds.tolist()):
        rows = np.flatnonzero(group == g)
        m = len(rows)
        kind_key = ("corridor.cable_offset_" if cable else "corridor.offset_") + (
            "line" if by_line else "assumed")
        msg = fill("corridor.hit_area" if poly else "corridor.hit_point", m,
                     feature=f_labels[rows], what=term("word", "cable" if cable else "line"),
                     kv=kv[rows], line=line_id[rows], value=value[rows], half=half[rows],
                     offset=offset[rows], dist=dist[rows],
                     offset_kind=message(kind_key, capital=False))
        if no_works:
            msg = msg + fill("corridor.no_building", m, kv=kv[rows])
        else:
            msg = msg + message("corridor.conditions")
        vi[rows], en[rows] = msg.vi, msg.en
        keys = ["underground_distance_m" if cable else f"corridor_distance_{level}kv_m"]
        if not by_line:
            keys.append("underground_offset_m" if cable else f"conductor_offset_{level}kv_m")
        keys.append("corridor_error_min_kv" if no_works else "corridor_works_max_kv")
        ref = rules.cite(*keys)
        if by_line:
            ref = Text.join("; ", [ref, message("corridor.offset_source", capital=False)])
        refs_vi[rows], refs_en[rows] = ref.vi, ref.en
    # the few features or lines whose position is only indicative: a note each
    for k in np.flatnonzero(ind_f | ind_l).tolist():
        who = [lab for lab, flag in ((Text(f_labels.vi[k], f_labels.en[k]), ind_f[k]),
                                     (Text(l_labels.vi[k], l_labels.en[k]), ind_l[k])) if flag]
        note = Text(vi[k], en[k]) + c.indicative_note(Text.join(Text(" và ", " and "), who))
        vi[k], en[k] = note.vi, note.en
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
        **c.text_columns(c.Texts(vi, en), c.Texts(refs_vi, refs_en)),
        "geometry": geometry,
    })
