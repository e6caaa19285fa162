"""Legal rules on single features: clusters, parks and trade facilities.

Rules: ``cluster-size`` (Decree 32/2024/ND-CP art. 2), ``cluster-expansion`` and ``cluster-new``
(art. 8), ``park-phasing`` (Decree 35/2022/ND-CP art. 9), ``trade-class`` (Decree 60/2024/ND-CP
art. 4 for markets, Decision 1371/2004/QĐ-BTM for supermarkets and shopping centres).
Areas are measured in the frame's (metric) CRS; declared ``area_ha`` is only compared with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.checks import _common as c
from geoplan.kinds import fold
from geoplan.rules import Rules, resolve_rules

__all__ = [
    "check_cluster_expansion",
    "check_cluster_new",
    "check_cluster_size",
    "check_park_phasing",
    "check_trade_class",
]

Settings = Rules | Mapping[str, Any] | None
#: Cluster statuses that count as "already established" for art. 8 cl. 1.
ESTABLISHED = ("existing", "expansion", "under_construction")
ROMAN = {1: "I", 2: "II", 3: "III"}


def _base(frame: gpd.GeoDataFrame, kind: str, rows: np.ndarray) -> dict[str, Any]:
    sub = frame.iloc[rows]
    return {
        "layer": c.layers(sub, kind),
        "feature_id": c.ids(sub),
        "geometry": c.geoms(sub),
    }


def _labels(frame: gpd.GeoDataFrame, kind: str, rows: np.ndarray) -> list[str]:
    sub = frame.iloc[rows]
    return c.describe(kind, c.ids(sub), c.text(sub, "name"), c.text(sub, "status"),
                      c.text(sub, "type"))


# ------------------------------------------------------------------------------ cluster-size


def cluster_size_records(clusters: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_size`."""
    if clusters is None or not len(clusters):
        return []
    measured = c.area_ha(c.geoms(clusters))
    mountain, _ = c.flag(clusters, "mountainous")
    craft, _ = c.flag(clusters, "craft_village")
    small_ok = mountain | craft
    lo = np.where(small_ok, float(rules.value("cluster_min_mountainous_ha")),
                  float(rules.value("cluster_min_ha")))
    hi = float(rules.value("cluster_max_ha"))
    status = c.text(clusters, "status")
    out = []

    too_small = measured < lo
    too_big = measured > hi
    rows = np.flatnonzero(too_small | too_big)
    if len(rows):
        labels = _labels(clusters, "industrial_cluster", rows)
        msgs, thr, refs = [], [], []
        for k, r in enumerate(rows):
            if too_small[r]:
                why = ("mountainous / craft-village minimum" if small_ok[r] else "minimum")
                msg = (f"{labels[k]} measures {measured[r]:.2f} ha, below the {why} of "
                       f"{lo[r]:g} ha.")
                thr.append(lo[r])
                refs.append(rules.cite("cluster_min_mountainous_ha" if small_ok[r]
                                       else "cluster_min_ha"))
                if not small_ok[r]:
                    msg += (" (5 ha applies in mountainous districts and to craft-village "
                            "clusters: set mountainous or craft_village if so.)")
            else:
                msg = f"{labels[k]} measures {measured[r]:.2f} ha, above the maximum of {hi:g} ha."
                thr.append(hi)
                refs.append(rules.cite("cluster_max_ha"))
            if status[r] == "existing":
                msg += " It is existing (established under earlier rules): review at revision."
            else:
                msg += " Resize the cluster in the plan."
            msgs.append(msg)
        out.append(c.records({
            **_base(clusters, "industrial_cluster", rows),
            "rule": "cluster-size",
            "severity": np.where(status[rows] == "existing", "warning", "error"),
            "value": measured[rows], "unit": "ha", "threshold": thr, "message": msgs,
            "reference": refs,
        }))

    declared = c.number(clusters, "area_ha")
    pct = float(rules.value("cluster_area_mismatch_pct"))
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = (declared - measured) / measured * 100.0
    off = ~np.isnan(diff) & (np.abs(diff) > pct)
    rows = np.flatnonzero(off)
    if len(rows):
        labels = _labels(clusters, "industrial_cluster", rows)
        msgs = [f"{labels[k]} declares {declared[r]:.2f} ha but measures {measured[r]:.2f} ha "
                f"in the analysis CRS ({diff[r]:+.1f} %). Correct area_ha or the outline."
                for k, r in enumerate(rows)]
        out.append(c.records({
            **_base(clusters, "industrial_cluster", rows),
            "rule": "cluster-size", "severity": "warning", "value": diff[rows], "unit": "%",
            "threshold": np.full(len(rows), pct), "message": msgs,
            "reference": rules.cite("cluster_area_mismatch_pct"),
        }))
    return out


# -------------------------------------------------------------------------- cluster-expansion


def cluster_expansion_records(clusters: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_expansion`."""
    if clusters is None or not len(clusters):
        return []
    exp = np.flatnonzero(c.text(clusters, "status") == "expansion")
    if not len(exp):
        return []
    sub = clusters.iloc[exp]
    labels = _labels(clusters, "industrial_cluster", exp)
    occ = c.number(sub, "occupancy_pct")
    ww, ww_known = c.flag(sub, "wastewater_ready")
    area = c.area_ha(c.geoms(sub))
    min_occ = float(rules.value("expansion_min_occupancy_pct"))
    max_ha = float(rules.value("expansion_max_ha"))
    need_ww = bool(rules.value("expansion_requires_wastewater"))
    rec: list[dict[str, Any]] = []
    g = c.geoms(sub)
    lay = c.layers(sub, "industrial_cluster")
    fid = c.ids(sub)
    for k in range(len(exp)):
        base = {"rule": "cluster-expansion", "layer": lay[k], "feature_id": fid[k],
                "geometry": g[k]}
        if np.isnan(occ[k]):
            rec.append({**base, "severity": "info", "unit": "%", "threshold": min_occ,
                        "message": f"{labels[k]}: occupancy_pct not given, so the expansion "
                                   f"condition (≥ {min_occ:g} %) could not be checked.",
                        "reference": rules.cite("expansion_min_occupancy_pct")})
        elif occ[k] < min_occ:
            rec.append({**base, "severity": "warning", "value": occ[k], "unit": "%",
                        "threshold": min_occ,
                        "message": f"{labels[k]} is {occ[k]:g} % occupied; expanding needs "
                                   f"≥ {min_occ:g} % occupancy, or evidence that demand exceeds "
                                   f"the existing industrial land. Attach that evidence or "
                                   f"defer the expansion.",
                        "reference": rules.cite("expansion_min_occupancy_pct")})
        if need_ww and not ww_known[k]:
            rec.append({**base, "severity": "info",
                        "message": f"{labels[k]}: wastewater_ready not given, so the expansion "
                                   f"condition (wastewater treatment in place) could not be "
                                   f"checked.",
                        "reference": rules.cite("expansion_requires_wastewater")})
        elif need_ww and not ww[k]:
            rec.append({**base, "severity": "error",
                        "message": f"{labels[k]} has no wastewater collection and treatment in "
                                   f"place; it cannot be expanded before that infrastructure is "
                                   f"completed.",
                        "reference": rules.cite("expansion_requires_wastewater")})
        if area[k] > max_ha:
            rec.append({**base, "severity": "error", "value": area[k], "unit": "ha",
                        "threshold": max_ha,
                        "message": f"{labels[k]} would measure {area[k]:.2f} ha after "
                                   f"expansion, above the {max_ha:g} ha allowed. Reduce the "
                                   f"expansion.",
                        "reference": rules.cite("expansion_max_ha")})
    return c.rows_to_records(rec)


# -------------------------------------------------------------------------------- cluster-new


def _units(clusters: gpd.GeoDataFrame, unit: str,
           communes: gpd.GeoDataFrame | None) -> np.ndarray:
    """The administrative unit of each cluster (folded name), None when unknown."""
    if unit == "province":
        return np.full(len(clusters), "province", dtype=object)
    names = c.text(clusters, "commune")
    folded = {n: fold(n) for n in set(names) if n}
    out = np.array([folded.get(n) if n else None for n in names], dtype=object)
    missing = np.flatnonzero(out == None)  # noqa: E711 (element-wise)
    if len(missing) and communes is not None and len(communes):
        pts = shapely.point_on_surface(c.geoms(clusters)[missing])
        cgeom = c.geoms(communes)
        tree = shapely.STRtree(cgeom)
        pi, ci = tree.query(pts, predicate="within")
        cname = c.text(communes, "name")
        first = pd.Series(ci).groupby(pi).min()  # a point on a shared edge: the first commune
        for p, k in zip(first.index.to_numpy(), first.to_numpy(), strict=True):
            label = str(cname[k]) if cname[k] else f"commune #{k}"
            out[missing[int(p)]] = fold(label)
    return out


def cluster_new_records(clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None,
                        rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_new`."""
    if clusters is None or not len(clusters):
        return []
    status = c.text(clusters, "status")
    planned = np.flatnonzero(status == "planned")
    if not len(planned):
        return []
    unit_kind = str(rules.value("cluster_aggregation_unit"))
    units = _units(clusters, unit_kind, communes)
    area = c.area_ha(c.geoms(clusters))
    occ = c.number(clusters, "occupancy_pct")
    est = np.isin(status, ESTABLISHED)
    min_avg = float(rules.value("new_min_average_occupancy_pct"))
    max_free = float(rules.value("new_max_unleased_ha"))
    refs = rules.cite("new_min_average_occupancy_pct", "new_max_unleased_ha",
                      "cluster_aggregation_unit")
    # per unit: established clusters, those giving occupancy, weighted sums
    unit_key = pd.Series(units, dtype=object).fillna("\x00unknown").to_numpy()
    known = est & ~np.isnan(occ)
    w = np.where(known, area, 0.0)
    stats = pd.DataFrame({
        "unit": unit_key, "peers": est.astype(int), "known": known.astype(int), "w": w,
        "w_occ": np.where(known, area * np.nan_to_num(occ), 0.0),
        "free": np.where(known, area * (1.0 - np.nan_to_num(occ) / 100.0), 0.0),
    }).groupby("unit").sum()
    per = stats.reindex(unit_key[planned])
    peers = per["peers"].to_numpy()
    n_known = per["known"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = per["w_occ"].to_numpy() / per["w"].to_numpy()
    free = per["free"].to_numpy()
    unknown_unit = units[planned] == None  # noqa: E711 (element-wise)
    no_occ = ~unknown_unit & (peers > 0) & (n_known == 0)
    fails = ~unknown_unit & (n_known > 0) & ~(avg > min_avg) & ~(free <= max_free)
    report = np.flatnonzero(unknown_unit | no_occ | fails)
    if not len(report):
        return []
    rows = planned[report]
    labels = _labels(clusters, "industrial_cluster", rows)
    lay, fid, g = c.layers(clusters, "industrial_cluster"), c.ids(clusters), c.geoms(clusters)
    names = c.text(clusters, "commune")
    rec: list[dict[str, Any]] = []
    for k, (q, r) in enumerate(zip(report, rows, strict=True)):
        base = {"rule": "cluster-new", "layer": lay[r], "feature_id": fid[r], "geometry": g[r],
                "reference": refs}
        if unknown_unit[q]:
            rec.append({**base, "severity": "info",
                        "message": f"{labels[k]}: its commune is unknown (no commune field and "
                                   f"no commune boundary holds it), so the art. 8 condition on "
                                   f"the commune's clusters could not be checked. Fill commune "
                                   f"or add a commune boundary layer."})
            continue
        where = ("the province" if unit_kind == "province"
                 else f"commune {names[r] or units[r]}")
        if no_occ[q]:
            rec.append({**base, "severity": "info",
                        "message": f"{labels[k]}: none of the {int(peers[q])} established "
                                   f"clusters of {where} gives occupancy_pct, so the art. 8 "
                                   f"condition could not be checked."})
            continue
        partial = "" if n_known[q] == peers[q] else (
            f" (from the {int(n_known[q])} of {int(peers[q])} clusters giving occupancy)")
        rec.append({**base, "severity": "error", "value": avg[q], "unit": "%",
                    "threshold": min_avg,
                    "message": f"{labels[k]} is a new cluster in {where}, whose established "
                               f"clusters are {avg[q]:.1f} % occupied on average (needs > "
                               f"{min_avg:g} %) and have about {free[q]:.1f} ha unleased (needs "
                               f"≤ {max_free:g} ha){partial}. Fill the existing clusters first "
                               f"or drop this one from the plan period."})
    return c.rows_to_records(rec)


# ------------------------------------------------------------------------------- park-phasing


def park_phasing_records(parks: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_park_phasing`."""
    if parks is None or not len(parks):
        return []
    limit = float(rules.value("park_max_single_phase_ha"))
    area = c.area_ha(c.geoms(parks))
    phased, known = c.flag(parks, "phased")
    planned = c.text(parks, "status") == "planned"
    rows = np.flatnonzero(planned & (area > limit) & ~phased)
    if not len(rows):
        return []
    labels = _labels(parks, "industrial_park", rows)
    msgs = []
    for k, r in enumerate(rows):
        if known[r]:
            msgs.append(f"{labels[k]} measures {area[r]:.1f} ha and is planned in one piece; a "
                        f"park over {limit:g} ha must be split into phases of at most "
                        f"{limit:g} ha.")
        else:
            msgs.append(f"{labels[k]} measures {area[r]:.1f} ha; a park over {limit:g} ha must "
                        f"be planned in phases of at most {limit:g} ha. Set phased = true if it "
                        f"is.")
    return [c.records({
        **_base(parks, "industrial_park", rows), "rule": "park-phasing",
        "severity": np.where(known[rows], "error", "warning"), "value": area[rows],
        "unit": "ha", "threshold": np.full(len(rows), limit), "message": msgs,
        "reference": rules.cite("park_max_single_phase_ha"),
    })]


# -------------------------------------------------------------------------------- trade-class


def _market_class(points: float, c1: float, c2: float) -> int:
    return 1 if points > c1 else (2 if points >= c2 else 3)


def trade_class_records(trade: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_trade_class`."""
    if trade is None or not len(trade):
        return []
    kind = c.text(trade, "type")
    cls = c.number(trade, "class")
    points = c.number(trade, "business_points")
    floor = c.number(trade, "floor_area_m2")
    items = c.number(trade, "items")
    status = c.text(trade, "status")
    v = rules.value
    rec: list[dict[str, Any]] = []
    # rows that may contradict their class (vectorised); the messages are built for those only
    c1, c2 = float(v("market_class1_min_points")), float(v("market_class2_min_points"))
    is_market = np.isin(kind, ("market", "wholesale_market"))
    expected = np.where(points > c1, 1, np.where(points >= c2, 2, 3))
    maybe = is_market & ~np.isnan(cls) & ~np.isnan(points) & (expected != cls)
    maybe |= (kind == "wholesale_market") & (floor < float(v("wholesale_market_min_m2")))
    for n in ROMAN:
        sup = (kind == "supermarket") & (cls == n)
        maybe |= sup & ((floor < float(v(f"supermarket_class{n}_min_m2")))
                        | (items < float(v(f"supermarket_class{n}_min_items"))))
    maybe |= (kind == "shopping_mall") & np.isin(cls, list(ROMAN)) & ~np.isnan(floor)
    rows = np.flatnonzero(maybe)
    if not len(rows):
        return []
    labels = dict(zip(rows.tolist(), _labels(trade, "trade_facility", rows), strict=True))
    lay, fid, g = c.layers(trade, "trade_facility"), c.ids(trade), c.geoms(trade)

    def add(r: int, severity: str, value: float, unit: str, threshold: float, message: str,
            *keys: str) -> None:
        rec.append({"rule": "trade-class", "severity": severity, "layer": lay[r],
                    "feature_id": fid[r], "value": value, "unit": unit,
                    "threshold": threshold, "message": message,
                    "reference": rules.cite(*keys), "geometry": g[r]})

    for r in rows.tolist():
        lab, k = labels[r], cls[r]
        if kind[r] in ("market", "wholesale_market") and not np.isnan(k) and \
                not np.isnan(points[r]):
            expect = _market_class(points[r], c1, c2)
            if expect != int(k):
                higher = int(k) < expect  # class 1 is the highest
                bounds = {1: f"> {c1:g}", 2: f"{c2:g}-{c1:g}", 3: f"< {c2:g}"}
                msg = (f"{lab} is class {int(k)} but has {points[r]:g} business points; class "
                       f"{int(k)} needs {bounds[int(k)]} points (its points match class "
                       f"{expect}).")
                msg += (" Correct the class or the business points." if higher else
                        " A lower class is possible if the market is not solidly built; "
                        "otherwise correct the class.")
                add(r, "error" if higher else "warning", points[r], "business points",
                    c1 if int(k) == 1 else c2, msg, "market_class1_min_points",
                    "market_class2_min_points")
        if kind[r] == "wholesale_market" and not np.isnan(floor[r]):
            need = float(v("wholesale_market_min_m2"))
            if floor[r] < need:
                existing = status[r] == "existing"
                add(r, "warning" if existing else "error", floor[r], "m²", need,
                    f"{lab} has {floor[r]:,.0f} m² of market ground; a wholesale market needs "
                    f"≥ {need:,.0f} m² (excluding grounds, roads, parking and auxiliary works)."
                    + (" Pre-existing wholesale markets may continue." if existing else
                       " Enlarge it or plan it as a retail market."),
                    "wholesale_market_min_m2")
        if kind[r] == "supermarket" and not np.isnan(k) and int(k) in ROMAN:
            n = int(k)
            roman = ROMAN[n]
            if not np.isnan(floor[r]):
                general = float(v(f"supermarket_class{n}_min_m2"))
                special = float(v(f"specialised_supermarket_class{n}_min_m2"))
                if floor[r] < special:
                    add(r, "error", floor[r], "m²", special,
                        f"{lab} is class {roman} with {floor[r]:,.0f} m² of floor area: below "
                        f"{special:,.0f} m², no supermarket (general or specialised) can be "
                        f"class {roman}. Correct the class or the floor area.",
                        f"specialised_supermarket_class{n}_min_m2")
                elif floor[r] < general:
                    add(r, "warning", floor[r], "m²", general,
                        f"{lab} is class {roman} with {floor[r]:,.0f} m² of floor area; a "
                        f"general supermarket of class {roman} needs ≥ {general:,.0f} m² "
                        f"(a specialised one ≥ {special:,.0f} m²). Check the class.",
                        f"supermarket_class{n}_min_m2")
            if not np.isnan(items[r]):
                need = float(v(f"supermarket_class{n}_min_items"))
                if items[r] < need:
                    add(r, "warning", items[r], "items", need,
                        f"{lab} is class {roman} with {items[r]:,.0f} items; a general "
                        f"supermarket of class {roman} needs ≥ {need:,.0f} items. Check the "
                        f"class.", f"supermarket_class{n}_min_items")
        if kind[r] == "shopping_mall" and not np.isnan(k) and int(k) in ROMAN and \
                not np.isnan(floor[r]):
            n = int(k)
            t = rules[f"mall_class{n}_min_m2"]
            if t.enabled and floor[r] < float(t.value):
                add(r, "error", floor[r], "m²", float(t.value),
                    f"{lab} is class {ROMAN[n]} with {floor[r]:,.0f} m² of floor area; a "
                    f"shopping centre of class {ROMAN[n]} needs ≥ {float(t.value):,.0f} m². "
                    f"Correct the class or the floor area.", f"mall_class{n}_min_m2")
    return c.rows_to_records(rec)


# ------------------------------------------------------------------------- public checks


def check_cluster_size(
    clusters: gpd.GeoDataFrame, *, settings: Settings = None
) -> gpd.GeoDataFrame:
    """Clusters whose measured area is outside the legal range, or whose declared area is off.

    The range is 10-75 ha, or 5-75 ha for a cluster in a mountainous district or a craft-village
    cluster (fields ``mountainous``, ``craft_village``). Error for clusters that are not existing,
    warning for existing ones (established under earlier rules). A declared ``area_ha``
    differing from the measured area by more than 5 % is a warning.
    """
    rules = resolve_rules(settings)
    return c.finish(cluster_size_records(clusters, rules), crs=c.crs_of(clusters))


def check_cluster_expansion(
    clusters: gpd.GeoDataFrame, *, settings: Settings = None
) -> gpd.GeoDataFrame:
    """Clusters with status ``expansion`` that miss a condition of Decree 32/2024 art. 8 cl. 2.

    Occupancy below 60 % is a warning (the decree also accepts demand exceeding the existing
    industrial land, which the data cannot show); no wastewater treatment in place, or more than
    75 ha after expansion (the mapped outline), is an error; a missing attribute is info.
    """
    rules = resolve_rules(settings)
    return c.finish(cluster_expansion_records(clusters, rules), crs=c.crs_of(clusters))


def check_park_phasing(parks: gpd.GeoDataFrame, *, settings: Settings = None) -> gpd.GeoDataFrame:
    """Planned industrial parks over 500 ha (measured) not planned in phases (field ``phased``).

    Error when ``phased`` is false, warning when it is not given.
    """
    rules = resolve_rules(settings)
    return c.finish(park_phasing_records(parks, rules), crs=c.crs_of(parks))


def check_trade_class(trade: gpd.GeoDataFrame, *, settings: Settings = None) -> gpd.GeoDataFrame:
    """Markets, supermarkets and shopping centres whose class contradicts their own attributes.

    - market: class 1 > 400 business points, class 2 200-400, class 3 < 200 (Decree 60/2024
      art. 4). A class higher than the points allow is an error; lower is a warning (class 3
      also covers markets that are not solidly built).
    - wholesale market: ground ≥ 10,000 m² (``floor_area_m2``); error when planned, warning when
      existing (pre-existing wholesale markets may continue).
    - supermarket: class I/II/III need ≥ 5,000 / 2,000 / 500 m² and ≥ 20,000 / 10,000 / 4,000
      items as a general supermarket (Decision 1371/2004). Below even the specialised-supermarket
      floor area (1,000 / 500 / 500 m²): error; below the general figure only: warning.
    - shopping centre: class I ≥ 50,000 m²; classes II-III only when the plan sets them.
    Only features with both a class and the attribute are checked.
    """
    rules = resolve_rules(settings)
    return c.finish(trade_class_records(trade, rules), crs=c.crs_of(trade))


def check_cluster_new(
    clusters: gpd.GeoDataFrame,
    *,
    communes: gpd.GeoDataFrame | None = None,
    settings: Settings = None,
) -> gpd.GeoDataFrame:
    """Planned clusters in a unit whose established clusters are not full enough (art. 8 cl. 1).

    For each administrative unit (``cluster_aggregation_unit``: ``commune`` from the ``commune``
    field, else the commune polygon holding the cluster; or ``province``, the whole plan) that
    already has established clusters (existing, expansion or under construction), a new
    (planned) cluster needs their area-weighted average occupancy above 50 % or their unleased
    land (area x (1 - occupancy)) at most 100 ha. Error when neither holds; info when the unit or
    the occupancy is unknown.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(clusters, communes)
    return c.finish(cluster_new_records(clusters, communes, rules), crs=crs)
