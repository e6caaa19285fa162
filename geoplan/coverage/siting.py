"""Siting of new supply substations: candidates on a grid inside the province, an exact
maximal-coverage model over the uncovered demand, then the fewest sites and the shortest
connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.coverage.assignment import nearest_substations
from geoplan.coverage.settings import CoverageSettings
from geoplan.errors import MissingDependencyError, PlanError

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

#: Siting ranks candidates by their distance to a connection up to this many service radii;
#: beyond, every candidate ranks alike (keeps the search cheap on national plans).
_CONNECT_HORIZON = 5.0


def _empty_sites(crs: Any) -> gpd.GeoDataFrame:
    cols: dict[str, Any] = {"site_id": pd.Series(dtype=object),
                            "demand_mw": pd.Series(dtype="float64"),
                            "n_features": pd.Series(dtype="int64"),
                            "feature_ids": pd.Series(dtype=object),
                            "connect_layer": pd.Series(dtype=object),
                            "connect_id": pd.Series(dtype=object),
                            "connect_distance_m": pd.Series(dtype="float64"),
                            "firm_capacity_mw": pd.Series(dtype="float64"),
                            "headroom_mw": pd.Series(dtype="float64")}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _candidates(plan: Plan, settings: CoverageSettings, region: Any,
                reach: np.ndarray) -> np.ndarray:
    """Candidate points on a grid aligned to multiples of the spacing, inside the province,
    outside restricted zones and farther than the clearance from every line.

    Only grid nodes inside ``reach`` (rows of minx, miny, maxx, maxy: the uncovered features'
    bounds grown by the service radius) are made: no other node can serve any of them.
    """
    g = settings.site_grid_km * 1000.0
    lo_x = np.ceil(reach[:, 0] / g).astype("int64")
    hi_x = np.floor(reach[:, 2] / g).astype("int64")
    lo_y = np.ceil(reach[:, 1] / g).astype("int64")
    hi_y = np.floor(reach[:, 3] / g).astype("int64")
    nx, ny = np.maximum(hi_x - lo_x + 1, 0), np.maximum(hi_y - lo_y + 1, 0)
    sizes = nx * ny
    if not sizes.sum():
        return np.zeros(0, dtype=object)
    box = np.repeat(np.arange(len(reach)), sizes)
    k = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ix = lo_x[box] + k % nx[box]
    iy = lo_y[box] + k // nx[box]
    nodes = np.unique(np.column_stack([ix, iy]), axis=0)
    gx, gy = nodes[:, 0] * g, nodes[:, 1] * g
    shapely.prepare(region)
    inside = shapely.contains_xy(region, gx, gy)
    points: np.ndarray = np.asarray(shapely.points(gx[inside], gy[inside]), dtype=object)
    keep = np.ones(len(points), dtype="bool")
    zones = plan.frame("restricted_zone")
    if len(zones) and len(points):
        tree = shapely.STRtree(np.asarray(zones.geometry.array, dtype=object))
        hit = tree.query(points, predicate="intersects")[0]
        keep[hit] = False
    lines = plan.frame("grid_line")
    if len(lines) and len(points):
        tree = shapely.STRtree(np.asarray(lines.geometry.array, dtype=object))
        hit = tree.query(points, predicate="dwithin", distance=settings.site_clearance_m)[0]
        keep[hit] = False
    return points[keep]


def _distinct_cover_sets(ci: np.ndarray, fi: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Candidates that reach exactly the same set of features are interchangeable for coverage:
    keep the cheapest of each set (ties: the lowest index). Sets are grouped by two 64-bit
    hashes and then compared element by element, so the reduction is exact."""
    order = np.lexsort((fi, ci))
    ci, fi = ci[order], fi[order]
    starts = np.flatnonzero(np.r_[True, ci[1:] != ci[:-1]])
    cand = ci[starts]
    counts = np.diff(np.r_[starts, len(ci)])
    rng = np.random.default_rng(20250701)
    top = np.iinfo(np.uint64).max
    w1 = rng.integers(0, top, size=int(fi.max()) + 1, dtype=np.uint64)
    w2 = rng.integers(0, top, size=int(fi.max()) + 1, dtype=np.uint64)
    h1 = np.add.reduceat(w1[fi], starts)
    h2 = np.add.reduceat(w2[fi], starts)
    o = np.lexsort((cand, cost[cand], counts, h2, h1))
    new_group = np.r_[True, (h1[o][1:] != h1[o][:-1]) | (h2[o][1:] != h2[o][:-1])
                      | (counts[o][1:] != counts[o][:-1])]
    reps = o[new_group]
    rep_of = reps[np.cumsum(new_group) - 1]  # per sorted member, its representative
    lengths = counts[o]
    j = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    same = fi[np.repeat(starts[o], lengths) + j] == fi[np.repeat(starts[rep_of], lengths) + j]
    if not same.all():  # a hash collision (about 2**-128): keep every candidate
        return np.sort(cand)
    return np.sort(cand[reps])


def _connections(plan: Plan, settings: CoverageSettings) -> gpd.GeoDataFrame:
    """Existing or under-construction substations ≥ site_connect_substation_kv and lines ≥
    site_connect_line_kv: what a new station would be fed from."""
    built = ("existing", "under_construction")
    parts = []
    subs = plan.frame("substation")
    if len(subs):
        kv = pd.to_numeric(subs["voltage_kv"], errors="coerce")
        pick = subs[subs["status"].isin(built) & (kv >= settings.site_connect_substation_kv)]
        parts.append(pd.DataFrame({"layer": pick["layer"].astype(str), "id": pick["id"]
                                   .astype(str), "geometry": pick.geometry.array}))
    lines = plan.frame("grid_line")
    if len(lines):
        kv = pd.to_numeric(lines["voltage_kv"], errors="coerce")
        pick = lines[lines["status"].isin(built) & (kv >= settings.site_connect_line_kv)]
        parts.append(pd.DataFrame({"layer": pick["layer"].astype(str), "id": pick["id"]
                                   .astype(str), "geometry": pick.geometry.array}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return gpd.GeoDataFrame({"layer": [], "id": []}, geometry=gpd.GeoSeries([]),
                                crs=plan.crs)
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=plan.crs)


def _propose_sites(plan: Plan, settings: CoverageSettings, features: gpd.GeoDataFrame,
                   region: Any, n_sites: int) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise MissingDependencyError("siting needs scipy: pip install scipy") from exc
    crs = plan.crs
    info: dict[str, Any] = {"candidates": 0, "status": "no uncovered demand"}
    want = features[~features["covered"] & (features["demand_mw"] > 0)]
    want = want.sort_values(["layer", "feature_id"], kind="stable").reset_index(drop=True)
    if not len(want) or region is None:
        return _empty_sites(crs), info
    radius = settings.radius_m(settings.supply_level_kv)
    fgeoms = np.asarray(want.geometry.array, dtype=object)
    reach = shapely.bounds(fgeoms) + np.array([-radius, -radius, radius, radius])
    points = _candidates(plan, settings, region, reach)
    info["candidates"] = len(points)
    if not len(points):
        info["status"] = ("no candidate site within reach (restricted zones, line corridors "
                          "or the province edge)")
        return _empty_sites(crs), info
    tree = shapely.STRtree(points)
    fi, ci = tree.query(fgeoms, predicate="dwithin", distance=radius)
    dd = shapely.distance(fgeoms[fi], points[ci])
    fi, ci = fi[dd <= radius], ci[dd <= radius]
    if not len(fi):
        info["status"] = "no candidate site within reach of the uncovered demand"
        return _empty_sites(crs), info

    # connection cost (km) of the candidates that reach some demand; farther than
    # _CONNECT_HORIZON service radii from any connection, all candidates rank alike
    conn = _connections(plan, settings)
    horizon = _CONNECT_HORIZON * radius
    useful = np.unique(ci)
    cost = np.full(len(points), horizon / 1000.0)
    if len(conn):
        near = nearest_substations(points[useful], conn, max_distance=horizon)
        found = near["distance_m"].to_numpy()
        cost[useful] = np.where(np.isfinite(found), found, horizon) / 1000.0

    cands = _distinct_cover_sets(ci, fi, cost)
    local = np.full(len(points), -1)
    local[cands] = np.arange(len(cands))
    use = local[ci] >= 0
    fi_u, ci_u = fi[use], local[ci[use]]
    m, n = len(cands), len(want)
    info["candidates_distinct"] = m
    d = want["demand_mw"].to_numpy(dtype="float64")

    # variables: y (m sites, binary), z (n features, [0, 1]); z_i <= sum_j y_j
    a_cov = coo_matrix((np.r_[-np.ones(len(fi_u)), np.ones(n)],
                        (np.r_[fi_u, np.arange(n)], np.r_[ci_u, m + np.arange(n)])),
                       shape=(n, m + n)).tocsr()
    a_count = coo_matrix((np.ones(m), (np.zeros(m), np.arange(m))), shape=(1, m + n)).tocsr()
    constraints = [LinearConstraint(a_cov, -np.inf, 0), LinearConstraint(a_count, 0, n_sites)]
    integrality = np.r_[np.ones(m), np.zeros(n)]
    bounds = Bounds(np.zeros(m + n), np.ones(m + n))
    options = {"time_limit": settings.time_limit_s, "mip_rel_gap": 0.0, "disp": False}
    c1 = np.r_[np.zeros(m), -d]
    r1 = milp(c1, constraints=constraints, integrality=integrality, bounds=bounds,
              options=options)
    if r1.x is None:
        raise PlanError(f"siting found no solution ({r1.message}); raise time_limit_s in "
                        "[coverage] or ask for fewer sites")
    best = -float(r1.fun)
    # among the best sets: fewest sites, then the shortest connections
    big = float(cost[cands].max()) * n_sites + 1.0
    keep_best = LinearConstraint(c1.reshape(1, -1), -np.inf, -best + 1e-7 * max(1.0, best))
    c2 = np.r_[big + cost[cands], np.zeros(n)]
    r2 = milp(c2, constraints=[*constraints, keep_best], integrality=integrality,
              bounds=bounds, options=options)
    result = r2 if r2.x is not None else r1
    chosen = cands[np.round(result.x[:m]).astype(bool)]
    conn_pos = np.full(len(points), -1)
    conn_dist = np.full(len(points), np.nan)
    if len(conn) and len(chosen):  # exact connection of the chosen sites, no horizon
        near = nearest_substations(points[chosen], conn)
        conn_pos[chosen] = near["position"].to_numpy()
        conn_dist[chosen] = near["distance_m"].to_numpy()
    proven = r1.status == 0 and r2.status == 0
    info["status"] = "optimal" if proven else f"NOT proven optimal: {result.message}"
    info["demand_reachable_mw"] = float(d[np.unique(fi)].sum())

    # report: each picked feature to its nearest chosen site
    chosen = chosen[np.lexsort((shapely.get_x(points[chosen]), -shapely.get_y(points[chosen])))]
    site_pts = points[chosen]
    sub = nearest_substations(fgeoms, gpd.GeoDataFrame(
        {"id": [f"{k:06d}" for k in range(len(chosen))]}, geometry=list(site_pts), crs=crs))
    near_site = np.where(sub["distance_m"].to_numpy() <= radius, sub["position"].to_numpy(), -1)
    firm = float(settings.firm_capacity_mw(settings.site_capacity_mva))
    rows = []
    for k, c in enumerate(chosen):
        mine = np.flatnonzero(near_site == k)
        demand_k = float(d[mine].sum())
        pos = conn_pos[c]
        rows.append({
            "site_id": f"NEW-{k + 1}",
            "demand_mw": demand_k,
            "n_features": len(mine),
            "feature_ids": ";".join(f"{want['layer'].iloc[i]}/{want['feature_id'].iloc[i]}"
                                    for i in mine),
            "connect_layer": conn["layer"].iloc[pos] if pos >= 0 else None,
            "connect_id": conn["id"].iloc[pos] if pos >= 0 else None,
            "connect_distance_m": float(conn_dist[c]) if pos >= 0 else np.nan,
            "firm_capacity_mw": firm,
            "headroom_mw": firm - demand_k,
            "geometry": points[c],
        })
    if not rows:
        return _empty_sites(crs), info
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs), info
