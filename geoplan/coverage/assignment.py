"""Supply of each feature: the nearest substation (edge to edge), the substations within the
service radius, and the capacitated assignment (two exact HiGHS solves)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.coverage.demand import DEMAND_KINDS
from geoplan.coverage.settings import CoverageSettings
from geoplan.errors import MissingDependencyError, PlanError

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = ["FeatureSupply", "SupplyStage", "feature_supply", "merge_supply", "nearest_substations"]


def nearest_substations(
    geoms: Any, substations: gpd.GeoDataFrame, *, id_column: str = "id",
    max_distance: float | None = None,
) -> pd.DataFrame:
    """The nearest substation to each geometry, measured edge to edge.

    Ties (equal distances) go to the smallest ``(id, layer)``, so the answer does not depend on
    row order. Missing or empty geometries get no substation.

    Parameters
    ----------
    geoms
        Array-like of shapely geometries (in the substations' CRS).
    substations
        Frame with ``id_column`` (and optionally ``layer``) and geometries.
    max_distance
        Look no farther than this (metres): beyond it a geometry gets no substation.

    Returns
    -------
    DataFrame
        One row per input geometry, in input order: ``position`` (row of ``substations``, -1 when
        none) and ``distance_m`` (NaN when none).
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    position = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    sub_geoms = np.asarray(substations.geometry.array, dtype=object)
    usable = ~(shapely.is_missing(sub_geoms) | shapely.is_empty(sub_geoms))
    if n == 0 or not usable.any():
        return pd.DataFrame({"position": position, "distance_m": distance})
    keep = np.flatnonzero(usable)
    tree = shapely.STRtree(sub_geoms[keep])
    query = np.where(shapely.is_empty(geoms), None, geoms)
    (src, hit), dist = tree.query_nearest(query, return_distance=True, all_matches=True,
                                          max_distance=max_distance)
    if len(src):
        ids = substations[id_column].astype(str).to_numpy()[keep[hit]]
        layers = (substations["layer"].astype(str).to_numpy()[keep[hit]]
                  if "layer" in substations else np.full(len(hit), ""))
        order = np.lexsort((layers, ids, src))
        src, hit, dist = src[order], hit[order], dist[order]
        first = np.r_[True, src[1:] != src[:-1]]
        position[src[first]] = keep[hit[first]]
        distance[src[first]] = dist[first]
    return pd.DataFrame({"position": position, "distance_m": distance})


def _pairs_within(geoms: np.ndarray, subs: gpd.GeoDataFrame, rows: np.ndarray,
                  radius_m: float) -> np.ndarray:
    """(feature index, substation row, distance m) for every supply substation within reach."""
    if not len(rows) or not len(geoms):
        return np.zeros((0, 3))
    sub_geoms = np.asarray(subs.geometry.array, dtype=object)[rows]
    tree = shapely.STRtree(sub_geoms)
    f, s = tree.query(geoms, predicate="dwithin", distance=radius_m)
    d = shapely.distance(geoms[f], sub_geoms[s])
    keep = d <= radius_m  # the same verdict as the nearest search
    return np.column_stack([f[keep], rows[s[keep]], d[keep]]).astype("float64")


@dataclass(frozen=True)
class FeatureSupply:
    """The per-feature stage of the coverage: what each demand feature can reach.

    Everything here depends on one feature and the substations only, so a plan's features can
    be split (spatial partitions) and the parts merged (:func:`merge_supply`) into what the
    whole plan gives.

    Attributes
    ----------
    features
        :func:`~geoplan.coverage.demand.demand_features`: one row per demand feature, sorted by
        kind, layer and id.
    nearest
        Per voltage level, aligned with ``features``: the nearest substation's ``id``,
        ``layer``, ``row`` (in the coverage substations, -1 when none), ``distance_m`` and
        ``within`` (its level's radius).
    pairs
        ``(feature index, substation row, distance m)`` of every supply-level substation within
        the supply radius of a feature.
    """

    features: gpd.GeoDataFrame
    nearest: Mapping[int, pd.DataFrame]
    pairs: np.ndarray


SupplyStage = Callable[["Plan", CoverageSettings, gpd.GeoDataFrame], FeatureSupply]
"""A function computing the :class:`FeatureSupply` of (plan, settings, coverage substations)."""


def feature_supply(feats: gpd.GeoDataFrame, subs: gpd.GeoDataFrame,
                   settings: CoverageSettings) -> FeatureSupply:
    """The per-feature stage over ``feats`` (:func:`~geoplan.coverage.demand.demand_features`)
    and the coverage substations ``subs``
    (:func:`~geoplan.coverage.compute.coverage_substations`)."""
    geoms = np.asarray(feats.geometry.array, dtype=object)
    # nearest substation of each level (row in subs, -1 when the level has none)
    per_level: dict[int, pd.DataFrame] = {}
    sub_ids = subs["id"].to_numpy(dtype=object)
    sub_layers = subs["layer"].to_numpy(dtype=object)
    none = np.full(len(feats), None, dtype=object)
    for level in settings.levels:
        rows = np.flatnonzero([level in lv for lv in subs["_levels"]])
        near = nearest_substations(geoms, subs.iloc[rows])
        pos = near["position"].to_numpy()
        row = rows[np.maximum(pos, 0)] if len(rows) else np.zeros(len(pos), dtype="int64")
        row = np.where(pos >= 0, row, -1)
        has, safe = row >= 0, np.maximum(row, 0)
        distance = near["distance_m"].to_numpy()
        per_level[level] = pd.DataFrame({
            "id": np.where(has, sub_ids[safe], none) if len(subs) else none,
            "layer": np.where(has, sub_layers[safe], none) if len(subs) else none,
            "row": row,
            "distance_m": distance,
            "within": distance <= settings.radius_m(level),
        })
    supply = settings.supply_level_kv
    supply_rows = np.flatnonzero([supply in lv for lv in subs["_levels"]])
    # candidate supply substations within the radius of each feature (for capacity and "weak")
    pairs = _pairs_within(geoms, subs, supply_rows, settings.radius_m(supply))
    return FeatureSupply(feats, per_level, pairs)


def merge_supply(parts: Sequence[FeatureSupply], crs: Any) -> FeatureSupply:
    """One :class:`FeatureSupply` from those of disjoint parts of a plan's features, in the
    order :func:`~geoplan.coverage.demand.demand_features` gives the whole plan (kind, layer,
    id)."""
    if not parts:
        raise ValueError("merge_supply needs at least one part")
    frames = [p.features for p in parts]
    feats = pd.concat(frames, ignore_index=True)
    kind_order = {k: i for i, k in enumerate(DEMAND_KINDS)}
    order = np.lexsort((feats["feature_id"].astype(str).to_numpy(),
                        feats["layer"].astype(str).to_numpy(),
                        feats["kind"].map(kind_order).to_numpy()))
    new_index = np.empty(len(order), dtype="int64")
    new_index[order] = np.arange(len(order))
    merged = gpd.GeoDataFrame(feats.iloc[order].reset_index(drop=True), geometry="geometry",
                              crs=crs)
    nearest = {level: pd.concat([p.nearest[level] for p in parts], ignore_index=True)
               .iloc[order].reset_index(drop=True) for level in parts[0].nearest}
    offsets = np.cumsum([0, *(len(f) for f in frames)])[:-1]
    pieces = [np.column_stack([new_index[p.pairs[:, 0].astype("int64") + off], p.pairs[:, 1:]])
              for p, off in zip(parts, offsets, strict=True) if len(p.pairs)]
    pairs = np.concatenate(pieces).astype("float64") if pieces else np.zeros((0, 3))
    return FeatureSupply(merged, nearest, pairs)


def _assign_capacitated(pairs: np.ndarray, demand: np.ndarray, available: np.ndarray,
                        covered: np.ndarray, time_limit: float
                        ) -> tuple[np.ndarray, np.ndarray, str]:
    """Assign each covered feature to one substation within reach: minimum total overload, then
    minimum demand-weighted distance. Two exact HiGHS solves (``scipy.optimize.milp``)."""
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise MissingDependencyError("capacitated assignment needs scipy: pip install scipy") \
            from exc
    f = pairs[:, 0].astype("int64")
    s = pairs[:, 1].astype("int64")
    dist = pairs[:, 2]
    # deterministic order: feature, substation row
    order = np.lexsort((s, f))
    f, s, dist = f[order], s[order], dist[order]
    n_pairs = len(f)
    capped = np.flatnonzero(np.isfinite(available))
    cap_index = np.full(len(available), -1)
    cap_index[capped] = np.arange(len(capped))
    n_var = n_pairs + len(capped)
    feats_used = np.unique(f)
    feat_index = np.full(int(f.max()) + 1, -1)
    feat_index[feats_used] = np.arange(len(feats_used))

    # each feature exactly once
    a1 = coo_matrix((np.ones(n_pairs), (feat_index[f], np.arange(n_pairs))),
                    shape=(len(feats_used), n_var))
    rows, cols, vals = [], [], []
    has_cap = cap_index[s] >= 0
    rows.append(cap_index[s][has_cap])
    cols.append(np.arange(n_pairs)[has_cap])
    vals.append(demand[f][has_cap])
    rows.append(np.arange(len(capped)))
    cols.append(n_pairs + np.arange(len(capped)))
    vals.append(-np.ones(len(capped)))
    a2 = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                    shape=(len(capped), n_var))
    constraints = [LinearConstraint(a1.tocsr(), 1, 1)]
    if len(capped):
        constraints.append(LinearConstraint(a2.tocsr(), -np.inf, available[capped]))
    integrality = np.r_[np.ones(n_pairs), np.zeros(len(capped))]
    bounds = Bounds(np.zeros(n_var), np.r_[np.ones(n_pairs), np.full(len(capped), np.inf)])
    options = {"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False}

    c1 = np.r_[np.zeros(n_pairs), np.ones(len(capped))]
    r1 = milp(c1, constraints=constraints, integrality=integrality, bounds=bounds,
              options=options)
    if r1.x is None:
        raise PlanError(f"the capacitated assignment found no solution ({r1.message}); run "
                        "without --capacitated or raise time_limit_s in [coverage]")
    best = float(r1.fun)
    limit = LinearConstraint(c1.reshape(1, -1), -np.inf, best + 1e-6 * max(1.0, best))
    c2 = np.r_[(demand[f] + 1e-3) * dist / 1000.0, np.zeros(len(capped))]
    r2 = milp(c2, constraints=[*constraints, limit], integrality=integrality, bounds=bounds,
              options=options)
    result = r2 if r2.x is not None else r1
    x = np.round(result.x[:n_pairs]).astype(bool)
    assigned = np.full(len(demand), -1, dtype="int64")
    assigned_dist = np.full(len(demand), np.nan)
    assigned[f[x]] = s[x]
    assigned_dist[f[x]] = dist[x]
    proven = r1.status == 0 and r2.status == 0
    status = ("capacitated (minimum overload, then minimum demand-weighted distance; "
              + ("optimal)" if proven else f"NOT proven optimal: {result.message})"))
    log.info("capacitated assignment: overload %.2f MW, %s", best, status)
    return assigned, assigned_dist, status
