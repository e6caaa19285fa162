"""Rule ``outside-boundary``: planned features wholly or partly outside the province.

Only features that are not ``existing`` are checked (existing assets of neighbours are context).
Polygons report the area outside (ha), lines the share of their length outside (%), points their
distance to the boundary (m). Parts outside by no more than ``boundary_tolerance_m`` are ignored.
Grid lines that cross the boundary are normal (inter-provincial lines) and only reported when
wholly outside.
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

__all__ = ["BOUNDARY_KINDS", "check_outside_boundary"]

BOUNDARY_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park", "trade_facility",
                                   "grid_line", "substation", "power_plant")


def check_outside_boundary(
    frames: Mapping[str, gpd.GeoDataFrame],
    boundary: gpd.GeoDataFrame | None,
    *,
    settings: Rules | Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Planned features outside the province boundary.

    Parameters
    ----------
    frames
        Frames by kind; the kinds in :data:`BOUNDARY_KINDS` are checked.
    boundary
        Province-level polygons (``plan.boundary``). When None, one info finding says the rule
        was not checked.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(boundary, *frames.values())
    return c.finish(boundary_records(frames, boundary, rules), crs=crs)


def boundary_records(frames: Mapping[str, gpd.GeoDataFrame], boundary: gpd.GeoDataFrame | None,
                     rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_outside_boundary`."""
    tol = float(rules.value("boundary_tolerance_m"))
    ref = rules.cite("boundary_tolerance_m")
    if boundary is None or not len(boundary):
        if any(f is not None and len(f) for k, f in frames.items() if k in BOUNDARY_KINDS):
            return [c.records({
                "rule": ["outside-boundary"], "severity": ["info"],
                **c.text_columns([message("boundary.no_boundary")], [ref]),
                "geometry": [None],
            })]
        return []
    province = shapely.union_all(c.geoms(boundary))
    inner = shapely.buffer(province, tol)  # parts within the tolerance count as inside
    shapely.prepare(inner)
    shapely.prepare(province)
    out = []
    for kind in BOUNDARY_KINDS:
        frame = frames.get(kind)
        if frame is None or not len(frame):
            continue
        status = c.text(frame, "status")
        g = c.geoms(frame)
        todo = np.flatnonzero((status != "existing") & ~shapely.is_empty(g))
        if not len(todo):
            continue
        gt = g[todo]
        inside = shapely.covered_by(gt, inner)
        todo, gt = todo[~inside], gt[~inside]
        if not len(todo):
            continue
        wholly = ~shapely.intersects(gt, province)
        types = shapely.get_type_id(gt)
        polys = np.isin(types, (3, 6))
        lines = np.isin(types, (1, 2, 5))
        outside = shapely.difference(gt, province)
        value = np.empty(len(todo))
        unit = np.empty(len(todo), dtype=object)
        value[polys] = c.area_ha(outside[polys])
        unit[polys] = "ha"
        with np.errstate(divide="ignore", invalid="ignore"):
            value[lines] = shapely.length(outside[lines]) / shapely.length(gt[lines]) * 100.0
        unit[lines] = "%"
        pts = ~polys & ~lines
        value[pts] = shapely.distance(gt[pts], province)
        unit[pts] = "m"
        report = wholly | ~lines  # crossing lines are normal
        if kind != "grid_line":
            report = np.ones(len(todo), dtype=bool)
        if not report.any():
            continue
        sel = todo[report]
        sub = frame.iloc[sel]
        labels = c.describe(kind, c.ids(sub), c.text(sub, "name"), c.text(sub, "status"),
                            c.text(sub, "type"))
        w, v, u = wholly[report], value[report], unit[report]
        msgs: list[Text] = []
        for k in range(len(sel)):
            key = {"ha": "boundary.amount_ha", "%": "boundary.amount_pct"}.get(
                u[k], "boundary.amount_m")
            amount = message(key, value=v[k], capital=False)
            msgs.append(message("boundary.wholly" if w[k] else "boundary.partly",
                                label=labels[k], amount=amount))
        out.append(c.records({
            "rule": "outside-boundary", "severity": np.where(w, "error", "warning"),
            "layer": c.layers(sub, kind), "feature_id": c.ids(sub), "value": v, "unit": u,
            "threshold": np.full(len(sel), tol), **c.text_columns(msgs, ref),
            "geometry": np.where(w, g[sel], outside[report]),
        }))
    return out
