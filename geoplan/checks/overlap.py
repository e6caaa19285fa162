"""Rule ``overlap``: planning polygons that share land.

Pairs checked: cluster-cluster, cluster-park, park-park, and cluster / park / trade polygon
against restricted zones. One STRtree over every polygon of those layers finds the candidate
pairs at once; the intersections and their areas are computed vectorised. Each unordered pair is
reported once, with the features in a canonical order (by layer, then id; a restricted zone is
always the *other* side), so the result does not depend on row order. An overlap involving a
feature whose position is only indicative (``position = "indicative"``, Circular 04/2023) is a
warning saying it needs an exact position, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.checks import _common as c
from geoplan.messages import Text, message
from geoplan.rules import Rules, resolve_rules

__all__ = ["OVERLAP_KINDS", "check_overlap"]

#: Kinds whose polygons take part, and their group: A planning land, T trade, R restricted.
OVERLAP_KINDS: Mapping[str, str] = {
    "industrial_cluster": "A",
    "industrial_park": "A",
    "trade_facility": "T",
    "restricted_zone": "R",
}


def _stack(frames: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    parts = []
    for kind, group in OVERLAP_KINDS.items():
        frame = frames.get(kind)
        if frame is None or not len(frame):
            continue
        g = c.geoms(frame)
        keep = np.isin(shapely.get_type_id(g), (3, 6)) & ~shapely.is_empty(g)
        if not keep.any():
            continue
        sub = frame[keep]
        parts.append(pd.DataFrame({
            "kind": kind,
            "group": group,
            "layer": c.layers(sub, kind),
            "id": c.ids(sub),
            "name": c.text(sub, "name"),
            "status": c.text(sub, "status") if kind != "restricted_zone" else None,
            "type": c.text(sub, "type"),
            "indicative": c.indicative(sub),
            "geometry": g[keep],
        }))
    if not parts:
        return pd.DataFrame(columns=["kind", "group", "layer", "id", "name", "status", "type",
                                     "indicative", "geometry"])
    return pd.concat(parts, ignore_index=True)


def check_overlap(
    frames: Mapping[str, gpd.GeoDataFrame], *, settings: Rules | Mapping[str, Any] | None = None
) -> gpd.GeoDataFrame:
    """Find planning polygons that overlap by more than the sliver tolerance.

    Parameters
    ----------
    frames
        Frames by layer kind (``industrial_cluster``, ``industrial_park``, ``trade_facility``,
        ``restricted_zone``; others are ignored), in one metric CRS, with canonical columns and
        optionally a ``layer`` column (as :meth:`geoplan.plan.Plan.frame` returns them).
    settings
        The rule table in force (:func:`geoplan.rules.resolve_rules`) or a ``[rules]`` mapping.

    Returns
    -------
    GeoDataFrame
        Findings of rule ``overlap``: the overlap polygon, its area in ha (``value``) and the
        tolerance (``threshold``). Error when a planned, expansion or under-construction feature
        is involved; warning when both sides are existing.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(*frames.values())
    return c.finish(overlap_records(frames, rules), crs=crs)


def overlap_records(frames: Mapping[str, gpd.GeoDataFrame], rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_overlap` (see :func:`geoplan.checks._common.finish`)."""
    stack = _stack(frames)
    if len(stack) < 2:
        return []
    geom = stack["geometry"].to_numpy()
    group = stack["group"].to_numpy()
    tree = shapely.STRtree(geom)
    i, j = tree.query(geom, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    gi, gj = group[i], group[j]
    # planning land against planning land; anything (land or trade) against a restricted zone
    allowed = ((gi == "A") & (gj == "A")) | ((gi == "R") ^ (gj == "R"))
    i, j = i[allowed], j[allowed]
    # canonical order: the restricted zone is the other side; otherwise by (layer, id)
    key = (stack["layer"].astype(str) + "\x00" + stack["id"].astype(str)).to_numpy()
    swap = (group[i] == "R") | ((group[j] != "R") & (key[i] > key[j]))
    a = np.where(swap, j, i)
    b = np.where(swap, i, j)
    inter = shapely.intersection(geom[a], geom[b])
    area = c.area_ha(inter)
    tol = float(rules.value("overlap_tolerance_ha"))
    hit = area > tol
    a, b, inter, area = a[hit], b[hit], c.polygonal(inter[hit]), area[hit]
    if not len(a):
        return []

    s = stack
    kinds, names, statuses, types = (s[k].to_numpy() for k in ("kind", "name", "status", "type"))
    label_a = c.describe(kinds[a], s["id"].to_numpy()[a], names[a], statuses[a], types[a])
    label_b = c.describe(kinds[b], s["id"].to_numpy()[b], names[b], statuses[b], types[b])
    restricted = group[b] == "R"
    existing_a = statuses[a] == "existing"
    existing_b = (statuses[b] == "existing") | restricted
    ind = s["indicative"].to_numpy(dtype=bool)
    ind_a, ind_b = ind[a], ind[b]
    severity = np.where((existing_a & existing_b) | ind_a | ind_b, "warning", "error")
    messages: list[Text] = []
    for k in range(len(a)):
        if restricted[k]:
            zone = f" ({types[b][k]})" if types[b][k] else ""
            msg = message("overlap.restricted", a=label_a[k], b=label_b[k], zone=zone,
                          area=area[k])
        else:
            msg = message("overlap.pair", a=label_a[k], b=label_b[k], area=area[k])
        if existing_a[k] and existing_b[k]:
            msg = msg + message("overlap.both_existing")
        who = [lab for lab, flag in ((label_a[k], ind_a[k]), (label_b[k], ind_b[k])) if flag]
        if who:
            msg = msg + c.indicative_note(Text.join(
                Text(" và ", " and "), who))
        messages.append(msg)
    return [c.records({
        "rule": "overlap",
        "severity": severity,
        "layer": s["layer"].to_numpy()[a],
        "feature_id": s["id"].to_numpy()[a],
        "other_layer": s["layer"].to_numpy()[b],
        "other_id": s["id"].to_numpy()[b],
        "value": area,
        "unit": "ha",
        "threshold": np.full(len(a), tol),
        **c.text_columns(messages, rules.cite("overlap_tolerance_ha")),
        "geometry": inter,
    })]
