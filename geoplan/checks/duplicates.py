"""Rule ``duplicate``: the same feature twice in a layer.

Two features of one layer are duplicates when their geometries are identical or nearly so
(points and lines: Hausdorff distance ≤ ``duplicate_distance_m``; polygons: symmetric difference
≤ ``duplicate_area_pct`` of the smaller one), or when they carry the same normalised name
(case, diacritics and spacing folded) within ``duplicate_name_distance_m``. Grid lines are only
compared by geometry: consecutive segments of one route share its name. Candidate pairs come
from one STRtree query per layer and geometry family.
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

__all__ = ["DUPLICATE_KINDS", "check_duplicates"]

DUPLICATE_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park", "trade_facility",
                                    "grid_line", "substation", "power_plant", "restricted_zone")
_FAMILY = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}


def _upper(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = i < j
    return i[keep], j[keep]


def _geometry_pairs(g: np.ndarray, fam: str, d_geom: float, pct: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j) of near-identical geometries, their measure and whether identical."""
    tree = shapely.STRtree(g)
    if fam == "point":
        i, j = _upper(*tree.query(g, predicate="dwithin", distance=d_geom))
        val = shapely.hausdorff_distance(g[i], g[j])  # = distance for single points
        identical = shapely.equals_exact(g[i], g[j], tolerance=0.0)
        keep = val <= d_geom  # multipoints: the query only bounded their nearest parts
        i, j, val, identical = i[keep], j[keep], val[keep], identical[keep]
        return i, j, val, identical
    # envelopes within d_geom (no exact predicate: cheap), then bounds / areas, then the measure
    bounds = shapely.bounds(g)
    boxes = shapely.box(bounds[:, 0] - d_geom, bounds[:, 1] - d_geom, bounds[:, 2] + d_geom,
                        bounds[:, 3] + d_geom)
    i, j = _upper(*tree.query(boxes))
    identical = np.zeros(len(i), dtype=bool)
    if fam == "line":
        # the Hausdorff distance is at least every difference of the bounds
        near = np.abs(bounds[i] - bounds[j]).max(axis=1) <= d_geom
        i, j = i[near], j[near]
        identical = shapely.equals_exact(g[i], g[j], tolerance=0.0)
        val = shapely.hausdorff_distance(g[i], g[j])
        ok = val <= d_geom
    else:
        area = shapely.area(g)
        a_i, a_j = area[i], area[j]
        small = np.minimum(a_i, a_j)
        near = (np.abs(a_i - a_j) <= pct / 100.0 * small) & (small > 0)  # sym. diff ≥ |A - B|
        i, j, small = i[near], j[near], small[near]
        identical = shapely.equals_exact(g[i], g[j], tolerance=0.0)
        val = shapely.area(shapely.symmetric_difference(g[i], g[j])) / small * 100.0
        val[identical] = 0.0
        ok = val <= pct
    return i[ok], j[ok], val[ok], identical[ok]


def _name_pairs(g: np.ndarray, names: np.ndarray, d_name: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of features with the same folded name within ``d_name``, and their distance.

    The places are matched first (one STRtree query), so only the names of features that have a
    neighbour are folded.
    """
    tree = shapely.STRtree(g)
    i, j = _upper(*tree.query(g, predicate="dwithin", distance=d_name))
    if not len(i):
        return i, j, np.zeros(0)
    involved = np.unique(np.concatenate([i, j]))
    folded = np.full(len(g), None, dtype=object)
    folded[involved] = c.fold_all(names[involved])
    same = np.array([a is not None and a == b for a, b in zip(folded[i], folded[j],
                                                                strict=True)], dtype=bool)
    i, j = i[same], j[same]
    return i, j, shapely.distance(g[i], g[j])


def _layer_duplicates(frame: gpd.GeoDataFrame, kind: str, rules: Rules) -> list[pd.DataFrame]:
    d_geom = float(rules.value("duplicate_distance_m"))
    pct = float(rules.value("duplicate_area_pct"))
    d_name = float(rules.value("duplicate_name_distance_m"))
    g = c.geoms(frame)
    valid = ~pd.isna(g) & ~shapely.is_empty(g)
    family = np.array([_FAMILY.get(t, "other") for t in shapely.get_type_id(g)], dtype=object)
    found: dict[tuple[int, int], tuple[float, str, float, str]] = {}
    for fam in ("point", "line", "polygon"):
        rows = np.flatnonzero(valid & (family == fam))
        if len(rows) < 2:
            continue
        i, j, val, identical = _geometry_pairs(g[rows], fam, d_geom, pct)
        measure, limit = ("%", pct) if fam == "polygon" else ("m", d_geom)
        for a, b, v, same in zip(rows[i], rows[j], val, identical, strict=True):
            found[(int(a), int(b))] = (float(v), measure, limit, "identical" if same else "near")
    if kind != "grid_line":  # segments of one route share its name
        names = c.text(frame, "name")
        rows = np.flatnonzero(valid & (names != None))  # noqa: E711 (element-wise)
        i, j, dist = _name_pairs(g[rows], names[rows], d_name)
        for a, b, v in zip(rows[i], rows[j], dist, strict=True):
            found.setdefault((int(a), int(b)), (float(v), "m", d_name, "name"))
    if not found:
        return []
    fid = c.ids(frame)
    pairs = np.array(list(found), dtype=np.int64).reshape(-1, 2)
    swap = fid[pairs[:, 0]].astype(str) > fid[pairs[:, 1]].astype(str)
    a = np.where(swap, pairs[:, 1], pairs[:, 0])
    b = np.where(swap, pairs[:, 0], pairs[:, 1])
    val = np.array([v[0] for v in found.values()])
    unit = np.array([v[1] for v in found.values()], dtype=object)
    thr = np.array([v[2] for v in found.values()])
    reason = [v[3] for v in found.values()]
    status, type_ = c.text(frame, "status"), c.text(frame, "type")
    raw_names = c.text(frame, "name")
    la = c.describe(kind, fid[a], raw_names[a], status[a], type_[a])
    lb = c.describe(kind, fid[b], raw_names[b], status[b], type_[b])
    msgs: list[Text] = []
    refs: list[Text] = []
    for k in range(len(a)):
        key = {"%": "duplicate_area_pct", "m": "duplicate_distance_m"}[unit[k]]
        if reason[k] == "identical":
            what = message("duplicate.identical", capital=False)
        elif reason[k] == "near":
            what = message("duplicate.near_pct" if unit[k] == "%" else "duplicate.near_m",
                           value=val[k], capital=False)
        else:
            what = message("duplicate.name", value=val[k], capital=False)
            key = "duplicate_name_distance_m"
        refs.append(rules.cite(key))
        msgs.append(message("duplicate.pair", a=la[k], b=lb[k], what=what))
    layer = c.layers(frame, kind)
    return [c.records({
        "rule": "duplicate", "severity": "warning", "layer": layer[a], "feature_id": fid[a],
        "other_layer": layer[b], "other_id": fid[b], "value": val, "unit": unit,
        "threshold": thr, **c.text_columns(msgs, refs), "geometry": g[a],
    })]


def duplicate_records(frames: Mapping[str, gpd.GeoDataFrame], rules: Rules
                      ) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_duplicates`."""
    out: list[pd.DataFrame] = []
    for kind in DUPLICATE_KINDS:
        frame = frames.get(kind)
        if frame is None or len(frame) < 2:
            continue
        layer = c.layers(frame, kind)
        for name in pd.unique(layer):
            sel = layer == name
            sub = frame if sel.all() else frame[sel]
            if len(sub) >= 2:
                out.extend(_layer_duplicates(sub, kind, rules))
    return out


def check_duplicates(
    frames: Mapping[str, gpd.GeoDataFrame], *, settings: Rules | Mapping[str, Any] | None = None
) -> gpd.GeoDataFrame:
    """Features that appear twice in one layer (by geometry, or by name at the same place).

    Parameters
    ----------
    frames
        Frames by kind (kinds in :data:`DUPLICATE_KINDS` are checked); a ``layer`` column, when
        present, separates the layers of one kind.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(*frames.values())
    return c.finish(duplicate_records(frames, rules), crs=crs)
