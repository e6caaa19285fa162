"""Supply of each feature: the nearest substation (edge to edge), the substations within the
service radius, and the capacitated assignment (two exact HiGHS solves)."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import MissingDependencyError, PlanError

log = logging.getLogger(__name__)

__all__ = ["nearest_substations"]


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
