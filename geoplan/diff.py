"""What changed between two versions of a plan, layer by layer and feature by feature.

Two plans (e.g. the 2021–2025 and the 2026–2030 versions, or before and after an adjustment)
are compared per layer name, feature by feature through the layer's ``id`` (boundary layers,
which have no ``id``, through ``code`` when every feature has a distinct one, else ``name``).
Each difference is one record:

``added``    the feature is only in the second plan;
``removed``  the feature is only in the first plan;
``moved``    its geometry differs by more than ``tolerance_m``: ``distance_m`` is how far its
             centroid moved, ``hausdorff_m`` the largest displacement of its outline (both in
             metres, in the first plan's analysis CRS), ``area_change_ha`` the change of area
             for polygons;
``changed``  some attributes differ: ``fields`` names them and ``details`` shows
             ``before → after``.

A feature that moved *and* changed gives two records. Layers present in one plan only give
``added`` / ``removed`` records for all their features. :attr:`PlanDiff.moves` holds, for each
moved feature whose centroid moved, a line from its old centroid to its new one (what the map
draws as an arrow). Distances and areas are computed in the first plan's CRS; the second
plan's layers are reprojected into it through :func:`geoplan.crs.to_crs` when the two plans
use different CRSs.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import to_crs
from geoplan.errors import PlanError

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = ["CHANGES", "DIFF_COLUMNS", "MOVE_COLUMNS", "PlanDiff", "diff_frames", "diff_plans",
           "feature_key"]

Change = Literal["added", "removed", "moved", "changed"]
CHANGES: tuple[Change, ...] = ("added", "removed", "moved", "changed")

#: Columns of :attr:`PlanDiff.table` (the frame has them plus ``geometry``).
DIFF_COLUMNS: tuple[str, ...] = ("layer", "kind", "id", "name", "change", "distance_m",
                                 "hausdorff_m", "area_change_ha", "fields", "details")

#: Columns of :attr:`PlanDiff.moves` (plus ``geometry``, a line from the old centroid to the new).
MOVE_COLUMNS: tuple[str, ...] = ("layer", "id", "distance_m")

#: Geometries closer than this (metres, largest displacement) count as unchanged.
DEFAULT_TOLERANCE_M = 0.01


def feature_key(frame: pd.DataFrame) -> str:
    """The column that identifies a feature of ``frame``: ``id``, else ``code``, else ``name``.

    >>> feature_key(pd.DataFrame({"name": ["a"], "code": ["1"]}))
    'code'
    """
    if "id" in frame.columns:
        return "id"
    for col in ("code", "name"):
        if col in frame.columns:
            values = frame[col]
            if values.notna().all() and values.is_unique:
                return col
    raise PlanError("a layer without id, and without a distinct code or name for every "
                    "feature, cannot be compared feature by feature; give its features ids")


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _same(a: Any, b: Any) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a) == bool(b)
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(
            b, (int, float, np.integer, np.floating)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return str(a) == str(b)


def _show(value: Any) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def _records(frame: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    dupes = frame[key][frame[key].duplicated()].dropna().unique().tolist()
    if dupes:
        raise PlanError(f"{key} {dupes[0]!r} appears more than once; a diff needs unique "
                        f"{key}s per layer")
    return frame.set_index(frame[key].astype(str), drop=False)


def diff_frames(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *, layer: str,
                kind: str = "", tolerance_m: float = DEFAULT_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Differences between two versions of one layer (both in the same metric CRS).

    Returns a frame with :data:`DIFF_COLUMNS` plus ``geometry`` (the feature's geometry in the
    second version; in the first for ``removed``), one row per difference, ordered by change
    then id.

    >>> from shapely import Point
    >>> a = gpd.GeoDataFrame({"id": ["S1", "S2"], "status": ["planned", "planned"]},
    ...                      geometry=[Point(0, 0), Point(100, 0)], crs="EPSG:9209")
    >>> b = gpd.GeoDataFrame({"id": ["S1", "S3"], "status": ["existing", "planned"]},
    ...                      geometry=[Point(30, 40), Point(0, 0)], crs="EPSG:9209")
    >>> d = diff_frames(a, b, layer="tba")
    >>> d[["id", "change", "distance_m"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'id': 'S3', 'change': 'added', 'distance_m': nan},
     {'id': 'S2', 'change': 'removed', 'distance_m': nan},
     {'id': 'S1', 'change': 'moved', 'distance_m': 50.0},
     {'id': 'S1', 'change': 'changed', 'distance_m': nan}]
    >>> d.loc[3, "details"]
    'status: planned → existing'
    """
    crs = before.crs if before.crs is not None else after.crs
    if before.crs is not None and after.crs is not None and not before.crs.equals(after.crs):
        raise PlanError(f"{layer}: the two versions are in different CRSs ({before.crs.name} and "
                        f"{after.crs.name}); reproject one with geoplan.crs.to_crs first")
    key = feature_key(before if len(before.columns) > 1 else after)
    a = _records(before, key)
    b = _records(after, key)
    geom_a, geom_b = before.geometry.name, after.geometry.name
    fields = [c for c in dict.fromkeys([*a.columns, *b.columns])
              if c not in (geom_a, geom_b, key)]
    rows: list[dict[str, Any]] = []

    def row(fid: str, change: Change, geom: Any, source: pd.Series, **extra: Any) -> None:
        name = source.get("name")
        rows.append({"layer": layer, "kind": kind, "id": fid, "change": change,
                     "name": None if _missing(name) else str(name), "distance_m": np.nan,
                     "hausdorff_m": np.nan, "area_change_ha": np.nan, "fields": "",
                     "details": "", "geometry": geom, **extra})

    for fid in b.index.difference(a.index, sort=False):
        row(fid, "added", b.at[fid, geom_b], b.loc[fid])
    for fid in a.index.difference(b.index, sort=False):
        row(fid, "removed", a.at[fid, geom_a], a.loc[fid])
    common = a.index.intersection(b.index, sort=False)
    if len(common):
        ga = np.asarray(a.loc[common, geom_a].array, dtype=object)
        gb = np.asarray(b.loc[common, geom_b].array, dtype=object)
        both = ~(shapely.is_missing(ga) | shapely.is_missing(gb) | shapely.is_empty(ga)
                 | shapely.is_empty(gb))
        haus = np.full(len(common), np.nan)
        haus[both] = shapely.hausdorff_distance(ga[both], gb[both])
        shift = np.full(len(common), np.nan)
        shift[both] = shapely.distance(shapely.centroid(ga[both]), shapely.centroid(gb[both]))
        polygonal = np.isin(shapely.get_type_id(gb), (3, 6)) & both
        area = np.where(polygonal, (shapely.area(gb) - shapely.area(ga)) / 10_000.0, np.nan)
        one_missing = shapely.is_missing(ga) != shapely.is_missing(gb)
        moved = (both & (haus > tolerance_m)) | one_missing
        for i, fid in enumerate(common):
            if moved[i]:
                row(fid, "moved", gb[i] if gb[i] is not None else ga[i], b.loc[fid],
                    distance_m=float(shift[i]), hausdorff_m=float(haus[i]),
                    area_change_ha=float(area[i]))
        for fid in common:
            ra, rb = a.loc[fid], b.loc[fid]
            differ = [f for f in fields if not _same(ra.get(f), rb.get(f))]
            if differ:
                details = "; ".join(f"{f}: {_show(ra.get(f))} → {_show(rb.get(f))}"
                                    for f in differ)
                row(fid, "changed", rb[geom_b], rb, fields=", ".join(differ), details=details)
    order = {c: i for i, c in enumerate(CHANGES)}
    if rows:
        frame = pd.DataFrame(rows)
        frame = frame.sort_values(["change", "id"], key=lambda s: s.map(order) if s.name ==
                                  "change" else s, kind="stable").reset_index(drop=True)
    else:
        frame = pd.DataFrame({c: [] for c in (*DIFF_COLUMNS, "geometry")})
    for col in ("distance_m", "hausdorff_m", "area_change_ha"):
        frame[col] = frame[col].astype("float64")
    return gpd.GeoDataFrame(frame[[*DIFF_COLUMNS, "geometry"]], geometry="geometry", crs=crs)


@dataclass(frozen=True)
class PlanDiff:
    """The differences between two plans (see the module docstring).

    ``frame`` has one row per difference (:data:`DIFF_COLUMNS` and ``geometry``); ``moves``
    (:data:`MOVE_COLUMNS` and ``geometry``), when known, a line from the old centroid to the new
    one of each moved feature whose centroid moved; both in the first plan's CRS.
    """

    frame: gpd.GeoDataFrame
    before: str
    after: str
    moves: gpd.GeoDataFrame | None = None

    @property
    def table(self) -> pd.DataFrame:
        """The differences without geometry."""
        return pd.DataFrame(self.frame.drop(columns="geometry"))

    def summary(self) -> pd.DataFrame:
        """Number of records per layer and change (every change a column, zeros included)."""
        counts = self.table.groupby(["layer", "change"], sort=False).size().unstack(
            fill_value=0) if len(self.frame) else pd.DataFrame()
        counts = counts.reindex(columns=list(CHANGES), fill_value=0)
        return counts.rename_axis(columns=None).reset_index() if len(counts) else \
            pd.DataFrame(columns=["layer", *CHANGES])

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready records (missing numbers as ``None``)."""
        table = self.table.astype(object).where(self.table.notna(), None)
        return [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]


def diff_plans(before: Plan, after: Plan, *,
               tolerance_m: float = DEFAULT_TOLERANCE_M) -> PlanDiff:
    """Compare two loaded plans layer by layer (by layer name), feature by feature.

    Distances and areas are in ``before.crs``; ``after``'s layers are reprojected into it when
    the plans use different CRSs.
    """
    if tolerance_m < 0:
        raise PlanError(f"tolerance_m = {tolerance_m!r}: give a distance in metres ≥ 0")
    parts = []
    moves = []
    names = list(dict.fromkeys([*before.layers, *after.layers]))
    for name in names:
        la, lb = before.layers.get(name), after.layers.get(name)
        if la is not None and lb is not None and la.kind != lb.kind:
            raise PlanError(f"layer {name!r} is a {la.kind} in {before.path} but a {lb.kind} in "
                            f"{after.path}; rename one of them so that like is compared with "
                            "like")
        kind = (la or lb).kind  # type: ignore[union-attr]
        fa = la.frame if la is not None else _empty_like(lb.frame)  # type: ignore[union-attr]
        fb = lb.frame if lb is not None else _empty_like(fa)
        if not fb.crs.equals(before.crs):
            fb = to_crs(fb, before.crs, name=name)
        if not fa.crs.equals(before.crs):
            fa = to_crs(fa, before.crs, name=name)
        part = diff_frames(fa, fb, layer=name, kind=kind, tolerance_m=tolerance_m)
        parts.append(part)
        moves.append(_moves(fa, fb, part, layer=name))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: [] for c in (*DIFF_COLUMNS, "geometry")})
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=before.crs)
    lines = pd.concat(moves, ignore_index=True) if moves else pd.DataFrame(
        {c: [] for c in (*MOVE_COLUMNS, "geometry")})
    log.info("diff %s → %s: %d records", before.name, after.name, len(gdf))
    return PlanDiff(gdf, before.name, after.name,
                    gpd.GeoDataFrame(lines, geometry="geometry", crs=before.crs))


def _moves(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, part: gpd.GeoDataFrame, *,
           layer: str) -> gpd.GeoDataFrame:
    """Lines from the old centroid to the new one of the moved features of one layer."""
    ids = part.loc[part["change"] == "moved", "id"].tolist()
    empty = gpd.GeoDataFrame({c: [] for c in MOVE_COLUMNS}, geometry=[], crs=part.crs)
    if not ids:
        return empty
    key = feature_key(before if len(before.columns) > 1 else after)
    ga = before.geometry.set_axis(before[key].astype(str)).loc[ids].to_numpy()
    gb = after.geometry.set_axis(after[key].astype(str)).loc[ids].to_numpy()
    ok = ~(shapely.is_missing(ga) | shapely.is_missing(gb) | shapely.is_empty(ga)
           | shapely.is_empty(gb))
    ca, cb = shapely.centroid(ga[ok]), shapely.centroid(gb[ok])
    dist = shapely.distance(ca, cb)
    keep = dist > 0
    if not keep.any():
        return empty
    ca, cb = ca[keep], cb[keep]
    xy = np.stack([shapely.get_coordinates(ca), shapely.get_coordinates(cb)], axis=1)
    return gpd.GeoDataFrame({"layer": layer, "id": np.asarray(ids, dtype=object)[ok][keep],
                             "distance_m": dist[keep].astype("float64")},
                            geometry=shapely.linestrings(xy), crs=part.crs)


def _empty_like(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.iloc[0:0].copy()
