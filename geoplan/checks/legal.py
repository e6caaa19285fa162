"""Legal rules on single features: clusters, parks and trade facilities.

Rules: ``cluster-size`` (Decree 32/2024/ND-CP art. 2 cl. 1), ``cluster-expansion`` and
``cluster-new`` (art. 8), ``cluster-type`` (art. 2; the four new types of Decree
303/2026/ND-CP), ``park-phasing`` (Decree 35/2022/ND-CP art. 9), ``trade-class`` (Decree
60/2024/ND-CP art. 4 for markets, Decision 1371/2004/QĐ-BTM for supermarkets and shopping
centres). Every threshold is the version in force on the plan's ``as_of`` day; the cluster
rules take, for a cluster whose dossier was filed before Decree 303/2026 took effect, the
version its transitional rule keeps (``dossier_filed``). Areas are measured in the frame's
(metric) CRS; declared ``area_ha`` is only compared with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.checks import _common as c
from geoplan.kinds import INFRASTRUCTURE_FIELDS, fold
from geoplan.messages import Text, fmt_date, message, term
from geoplan.rules import Rules, resolve_rules

__all__ = [
    "check_cluster_expansion",
    "check_cluster_new",
    "check_cluster_size",
    "check_cluster_type",
    "check_park_phasing",
    "check_trade_class",
]

Settings = Rules | Mapping[str, Any] | None
#: Cluster statuses that count as "already established" for art. 8 cl. 1.
ESTABLISHED = ("existing", "expansion", "under_construction")
ROMAN = {1: "I", 2: "II", 3: "III"}
#: Cluster types whose share of industrial land has a minimum, and its threshold.
TYPE_SHARE = {
    "craft_village": "craft_village_min_share_pct",
    "specialised": "specialised_min_share_pct",
    "supporting": "supporting_min_share_pct",
    "high_tech": "high_tech_min_share_pct",
}


def _labels(frame: gpd.GeoDataFrame, kind: str, rows: np.ndarray) -> list[Text]:
    sub = frame.iloc[rows]
    return c.describe(kind, c.ids(sub), c.text(sub, "name"), c.text(sub, "status"),
                      c.text(sub, "type"))


class _Rows:
    """The layer, id and geometry columns of a frame, read once, for finding rows."""

    def __init__(self, frame: gpd.GeoDataFrame, kind: str, rule: str) -> None:
        self.layer, self.fid = c.layers(frame, kind), c.ids(frame)
        self.geom, self.rule = c.geoms(frame), rule

    def base(self, r: int) -> dict[str, Any]:
        return {"rule": self.rule, "layer": self.layer[r], "feature_id": self.fid[r],
                "geometry": self.geom[r]}


def cluster_types(clusters: pd.DataFrame) -> np.ndarray:
    """Each cluster's type: ``cluster_type``, else ``craft_village`` when the craft-village
    flag is set, else ``general``."""
    declared = c.text(clusters, "cluster_type")
    craft, _ = c.flag(clusters, "craft_village")
    return np.array([d if d else ("craft_village" if f else "general")
                     for d, f in zip(declared, craft, strict=True)], dtype=object)


# ------------------------------------------------------------------------------ cluster-size


def cluster_size_records(clusters: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_size`."""
    if clusters is None or not len(clusters):
        return []
    measured = c.area_ha(c.geoms(clusters))
    mountain, _ = c.flag(clusters, "mountainous")
    small_ok = mountain | (cluster_types(clusters) == "craft_village")
    status = c.text(clusters, "status")
    occ = c.number(clusters, "occupancy_pct")
    before, _ = c.flag(clusters, "formed_before_2009")
    detailed, _ = c.flag(clusters, "detailed_plan")
    cleared, _ = c.flag(clusters, "site_cleared")
    rec: list[dict[str, Any]] = []
    out_rows = _Rows(clusters, "industrial_cluster", "cluster-size")
    for rows, r in c.dossier_groups(clusters, rules):
        lo_general = float(r.value("cluster_min_ha"))
        lo_small = float(r.value("cluster_min_mountainous_ha"))
        hi = float(r.value("cluster_max_ha"))
        keep = bool(r.value("large_cluster_keep"))
        lo = np.where(small_ok[rows], lo_small, lo_general)
        m = measured[rows]
        bad = np.flatnonzero((m < lo) | (m > hi))
        if not len(bad):
            continue
        labels = _labels(clusters, "industrial_cluster", rows[bad])
        for k, j in enumerate(bad):
            i = int(rows[j])
            severity = "warning" if status[i] == "existing" else "error"
            if m[j] < lo[j]:
                exception = lo_small < lo_general
                if small_ok[i] and exception:
                    msg = message("cluster_size.too_small_mountain", label=labels[k],
                                  measured=m[j], minimum=lo[j])
                    ref = r.cite("cluster_min_mountainous_ha")
                else:
                    msg = message("cluster_size.too_small", label=labels[k], measured=m[j],
                                  minimum=lo[j])
                    ref = r.cite("cluster_min_ha")
                    if exception:
                        msg = msg + message("cluster_size.hint_mountain", small=lo_small)
                threshold = lo[j]
            else:
                msg = message("cluster_size.too_big", label=labels[k], measured=m[j],
                              maximum=hi)
                ref = r.cite("cluster_max_ha")
                threshold = hi
                if keep and before[i]:
                    ref = Text.join("; ", [ref, r.cite("large_cluster_keep")])
                    if occ[i] >= 100.0:
                        msg, severity = msg + message("cluster_size.keep_filled"), "info"
                    elif detailed[i] and cleared[i]:
                        msg, severity = msg + message("cluster_size.keep_cleared"), "info"
                    else:
                        msg, severity = msg + message("cluster_size.keep_not_met"), "warning"
            if severity != "info":
                msg = msg + message("cluster_size.existing" if status[i] == "existing"
                                    else "cluster_size.resize")
            rec.append({**out_rows.base(i),
                        "severity": severity, "value": m[j], "unit": "ha",
                        "threshold": threshold, **c.row_text(msg, ref)})
    out = c.rows_to_records(rec)

    declared = c.number(clusters, "area_ha")
    pct = float(rules.value("cluster_area_mismatch_pct"))
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = (declared - measured) / measured * 100.0
    off = ~np.isnan(diff) & (np.abs(diff) > pct)
    rows = np.flatnonzero(off)
    if len(rows):
        labels = _labels(clusters, "industrial_cluster", rows)
        msgs = [message("cluster_size.mismatch", label=labels[k], declared=declared[r],
                        measured=measured[r], diff=diff[r]) for k, r in enumerate(rows)]
        sub = clusters.iloc[rows]
        out.append(c.records({
            "layer": c.layers(sub, "industrial_cluster"), "feature_id": c.ids(sub),
            "geometry": c.geoms(sub),
            "rule": "cluster-size", "severity": "warning", "value": diff[rows], "unit": "%",
            "threshold": np.full(len(rows), pct),
            **c.text_columns(msgs, rules.cite("cluster_area_mismatch_pct")),
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
    area = c.area_ha(c.geoms(sub))
    before, _ = c.flag(sub, "formed_before_2009")
    ready = {item: c.flag(sub, field) for item, field in INFRASTRUCTURE_FIELDS.items()}
    rec: list[dict[str, Any]] = []
    out_rows = _Rows(sub, "industrial_cluster", "cluster-expansion")
    for rows, r in c.dossier_groups(sub, rules):
        min_occ = float(r.value("expansion_min_occupancy_pct"))
        max_ha = float(r.value("expansion_max_ha"))
        needed = tuple(r.value("expansion_required_infrastructure"))
        exempt = bool(r.value("expansion_exempt_before_2009"))
        for k in rows.tolist():
            base = out_rows.base(k)
            if np.isnan(occ[k]):
                rec.append({**base, "severity": "info", "unit": "%", "threshold": min_occ,
                            **c.row_text(message("cluster_expansion.no_occupancy",
                                                 label=labels[k], minimum=min_occ),
                                         r.cite("expansion_min_occupancy_pct"))})
            elif occ[k] < min_occ:
                rec.append({**base, "severity": "warning", "value": occ[k], "unit": "%",
                            "threshold": min_occ,
                            **c.row_text(message("cluster_expansion.low_occupancy",
                                                 label=labels[k], occupancy=occ[k],
                                                 minimum=min_occ),
                                         r.cite("expansion_min_occupancy_pct"))})
            if needed and not (exempt and before[k]):
                missing = [i for i in needed if not ready[i][1][k]]
                unfinished = [i for i in needed if ready[i][1][k] and not ready[i][0][k]]
                ref = r.cite("expansion_required_infrastructure")
                if missing:
                    rec.append({**base, "severity": "info", **c.row_text(message(
                        "cluster_expansion.infra_missing", label=labels[k],
                        fields=", ".join(INFRASTRUCTURE_FIELDS[i] for i in missing),
                        items=Text.join(", ", [term("infrastructure", i) for i in missing])),
                        ref)})
                if unfinished:
                    rec.append({**base, "severity": "error", **c.row_text(message(
                        "cluster_expansion.infra_unfinished", label=labels[k],
                        items=Text.join(", ", [term("infrastructure", i)
                                               for i in unfinished])), ref)})
            if area[k] > max_ha:
                rec.append({**base, "severity": "error", "value": area[k], "unit": "ha",
                            "threshold": max_ha,
                            **c.row_text(message("cluster_expansion.too_big", label=labels[k],
                                                 area=area[k], maximum=max_ha),
                                         r.cite("expansion_max_ha"))})
    return c.rows_to_records(rec)


# -------------------------------------------------------------------------------- cluster-new


def _units(clusters: gpd.GeoDataFrame, unit: str,
           communes: gpd.GeoDataFrame | None) -> np.ndarray:
    """The administrative unit of each cluster (folded name), None when unknown."""
    if unit == "province":
        return np.full(len(clusters), "province", dtype=object)
    if unit == "commune_group":
        groups = c.text(clusters, "commune_group")
        return np.array([fold(g) if g else None for g in groups], dtype=object)
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


def _unit_stats(clusters: gpd.GeoDataFrame, units: np.ndarray) -> pd.DataFrame:
    """Per unit: established clusters, those giving occupancy, weighted sums."""
    status = c.text(clusters, "status")
    area = c.area_ha(c.geoms(clusters))
    occ = c.number(clusters, "occupancy_pct")
    est = np.isin(status, ESTABLISHED)
    unit_key = pd.Series(units, dtype=object).fillna("\x00unknown").to_numpy()
    known = est & ~np.isnan(occ)
    return pd.DataFrame({
        "unit": unit_key, "peers": est.astype(int), "known": known.astype(int),
        "w": np.where(known, area, 0.0),
        "w_occ": np.where(known, area * np.nan_to_num(occ), 0.0),
        "free": np.where(known, area * (1.0 - np.nan_to_num(occ) / 100.0), 0.0),
    }).groupby("unit").sum()


def cluster_new_records(clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None,
                        rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_new`."""
    if clusters is None or not len(clusters):
        return []
    status = c.text(clusters, "status")
    planned = np.flatnonzero(status == "planned")
    if not len(planned):
        return []
    types = cluster_types(clusters)
    names = c.text(clusters, "commune")
    groups_ = c.text(clusters, "commune_group")
    by_unit: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}
    rec: list[dict[str, Any]] = []
    sub = clusters.iloc[planned]
    out_rows = _Rows(clusters, "industrial_cluster", "cluster-new")
    for rows, r in c.dossier_groups(sub, rules):
        chosen = rows[~np.isin(types[planned[rows]],
                               list(r.value("new_exempt_types")))]
        if not len(chosen):
            continue
        targets = planned[chosen]
        labels = _labels(clusters, "industrial_cluster", targets)
        refs = r.cite("new_min_average_occupancy_pct", "new_max_unleased_ha",
                      "cluster_aggregation_unit")
        unit_t = r["cluster_aggregation_unit"]
        if not unit_t.enabled:
            why = Text(unit_t.version.note_vi, unit_t.version.note_en)
            for k, t in enumerate(targets.tolist()):
                rec.append({**out_rows.base(t),
                            "severity": "info", **c.row_text(message(
                                "cluster_new.unit_not_set", label=labels[k], why=why),
                                r.cite("cluster_aggregation_unit"))})
            continue
        unit_kind = str(unit_t.value)
        if unit_kind not in by_unit:
            units = _units(clusters, unit_kind, communes)
            by_unit[unit_kind] = (units, _unit_stats(clusters, units))
        units, stats = by_unit[unit_kind]
        min_avg = float(r.value("new_min_average_occupancy_pct"))
        max_free = float(r.value("new_max_unleased_ha"))
        unit_key = pd.Series(units, dtype=object).fillna("\x00unknown").to_numpy()
        per = stats.reindex(unit_key[targets])
        peers = per["peers"].to_numpy()
        n_known = per["known"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            avg = per["w_occ"].to_numpy() / per["w"].to_numpy()
        free = per["free"].to_numpy()
        for k, t in enumerate(targets.tolist()):
            base = out_rows.base(t)
            if units[t] is None:
                key = ("cluster_new.group_unknown" if unit_kind == "commune_group"
                       else "cluster_new.commune_unknown")
                rec.append({**base, "severity": "info",
                            **c.row_text(message(key, label=labels[k]), refs)})
                continue
            if unit_kind == "province":
                where = message("cluster_new.where_province", capital=False)
            elif unit_kind == "commune_group":
                where = message("cluster_new.where_group", name=groups_[t] or units[t],
                                capital=False)
            else:
                where = message("cluster_new.where_commune", name=names[t] or units[t],
                                capital=False)
            if peers[k] > 0 and n_known[k] == 0:
                rec.append({**base, "severity": "info", **c.row_text(message(
                    "cluster_new.no_occupancy", label=labels[k], peers=int(peers[k]),
                    where=where), refs)})
                continue
            if not (n_known[k] > 0 and not avg[k] > min_avg and not free[k] <= max_free):
                continue
            partial = (Text("", "") if n_known[k] == peers[k] else message(
                "cluster_new.partial", known=int(n_known[k]), peers=int(peers[k]),
                capital=False))
            rec.append({**base, "severity": "error", "value": avg[k], "unit": "%",
                        "threshold": min_avg, **c.row_text(message(
                            "cluster_new.fails", label=labels[k], where=where,
                            average=avg[k], minimum=min_avg, free=free[k],
                            maximum=max_free, partial=partial), refs)})
    return c.rows_to_records(rec)


# ------------------------------------------------------------------------------- cluster-type


def cluster_type_records(clusters: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_cluster_type`."""
    if clusters is None or not len(clusters):
        return []
    types = cluster_types(clusters)
    declared = c.text(clusters, "cluster_type")
    status = c.text(clusters, "status")
    share = c.number(clusters, "target_share_pct")
    rec: list[dict[str, Any]] = []
    out_rows = _Rows(clusters, "industrial_cluster", "cluster-type")
    for rows, r in c.dossier_groups(clusters, rules):
        defined = set(r.value("cluster_types_defined"))
        day = min(rules.as_of, next((t.kept_for for t in r.values() if t.kept_for), rules.as_of))
        labels = _labels(clusters, "industrial_cluster", rows)
        for k, i in enumerate(rows.tolist()):
            kind = types[i]
            base = out_rows.base(i)
            name = term("cluster_type", kind)
            if declared[i] and kind not in defined:
                rec.append({**base, "severity": "warning", **c.row_text(message(
                    "cluster_type.not_defined", label=labels[k], kind=name,
                    day=Text(fmt_date(day, "vi"), fmt_date(day, "en"))),
                    r.cite("cluster_types_defined"))})
                continue
            key = TYPE_SHARE.get(kind)
            if key is None or status[i] == "existing" or not r[key].enabled:
                continue
            minimum = float(r.value(key))
            target = term("type_target", kind)
            if np.isnan(share[i]):
                rec.append({**base, "severity": "info", "unit": "%", "threshold": minimum,
                            **c.row_text(message("cluster_type.no_share", label=labels[k],
                                                 kind=name, target=target, minimum=minimum),
                                         r.cite(key))})
            elif share[i] < minimum:
                rec.append({**base, "severity": "error", "value": share[i], "unit": "%",
                            "threshold": minimum,
                            **c.row_text(message("cluster_type.low_share", label=labels[k],
                                                 kind=name, target=target, share=share[i],
                                                 minimum=minimum), r.cite(key))})
    return c.rows_to_records(rec)


# ------------------------------------------------------------------------------- park-phasing

_REGION_KEYS = {"red_river_mekong": "park_rice_red_mekong_ha",
                "central_southeast": "park_rice_central_southeast_ha",
                "other": "park_rice_other_ha"}


def park_phasing_records(parks: gpd.GeoDataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Raw rows of :func:`check_park_phasing`."""
    if parks is None or not len(parks):
        return []
    limit = float(rules.value("park_max_single_phase_ha"))
    area = c.area_ha(c.geoms(parks))
    rice = c.number(parks, "rice_land_ha")
    phased, known = c.flag(parks, "phased")
    planned = c.text(parks, "status") == "planned"
    rows = np.flatnonzero(planned & ~phased & ((area > limit) | ~np.isnan(rice)))
    if not len(rows):
        return []
    labels = dict(zip(rows.tolist(), _labels(parks, "industrial_park", rows), strict=True))
    region_t = rules["park_region"]
    smallest = min(float(rules.value(k)) for k in _REGION_KEYS.values())
    rec: list[dict[str, Any]] = []
    out_rows = _Rows(parks, "industrial_park", "park-phasing")
    for r in rows.tolist():
        base = out_rows.base(r)
        lab = labels[r]
        if area[r] > limit:
            key = "park_phasing.one_piece" if known[r] else "park_phasing.unknown"
            rec.append({**base, "severity": "error" if known[r] else "warning",
                        "value": area[r], "unit": "ha", "threshold": limit,
                        **c.row_text(message(key, label=lab, area=area[r], limit=limit),
                                     rules.cite("park_max_single_phase_ha"))})
        if np.isnan(rice[r]):
            continue
        if not region_t.enabled:
            if rice[r] > smallest:
                rec.append({**base, "severity": "info", "value": rice[r], "unit": "ha",
                            **c.row_text(message("park_phasing.rice_region_not_set",
                                                 label=lab, rice=rice[r]),
                                         rules.cite("park_region"))})
            continue
        rkey = _REGION_KEYS[str(region_t.value)]
        rice_limit = float(rules.value(rkey))
        if rice[r] <= rice_limit:
            continue
        key = "park_phasing.rice_one_piece" if known[r] else "park_phasing.rice_unknown"
        rec.append({**base, "severity": "error" if known[r] else "warning",
                    "value": rice[r], "unit": "ha", "threshold": rice_limit,
                    **c.row_text(message(key, label=lab, rice=rice[r], limit=rice_limit,
                                         region=term("region", region_t.value)),
                                 rules.cite(rkey, "park_region"))})
    return c.rows_to_records(rec)


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
    ground = c.number(trade, "ground_area_m2")
    items = c.number(trade, "items")
    status = c.text(trade, "status")
    v = rules.value
    ground_t = rules["wholesale_market_min_m2"]
    need_ground = float(ground_t.value) if ground_t.enabled else np.nan
    rec: list[dict[str, Any]] = []
    # rows that may contradict their class (vectorised); the messages are built for those only
    c1, c2 = float(v("market_class1_min_points")), float(v("market_class2_min_points"))
    is_market = np.isin(kind, ("market", "wholesale_market"))
    expected = np.where(points > c1, 1, np.where(points >= c2, 2, 3))
    maybe = is_market & ~np.isnan(cls) & ~np.isnan(points) & (expected != cls)
    wholesale = kind == "wholesale_market"
    if ground_t.enabled:
        maybe |= wholesale & (ground < need_ground)
        maybe |= wholesale & np.isnan(ground) & ~np.isnan(floor)
    for n in ROMAN:
        sup = (kind == "supermarket") & (cls == n)
        maybe |= sup & ((floor < float(v(f"supermarket_class{n}_min_m2")))
                        | (items < float(v(f"supermarket_class{n}_min_items"))))
    maybe |= (kind == "shopping_mall") & np.isin(cls, list(ROMAN)) & ~np.isnan(floor)
    rows = np.flatnonzero(maybe)
    if not len(rows):
        return []
    labels = dict(zip(rows.tolist(), _labels(trade, "trade_facility", rows), strict=True))
    out_rows = _Rows(trade, "trade_facility", "trade-class")

    def add(r: int, severity: str, value: float, unit: str, threshold: float, msg: Text,
            *keys: str) -> None:
        rec.append({**out_rows.base(r), "severity": severity,
                    "value": value, "unit": unit, "threshold": threshold,
                    **c.row_text(msg, rules.cite(*keys))})

    for r in rows.tolist():
        lab, k = labels[r], cls[r]
        if kind[r] in ("market", "wholesale_market") and not np.isnan(k) and \
                not np.isnan(points[r]):
            expect = _market_class(points[r], c1, c2)
            if expect != int(k):
                higher = int(k) < expect  # class 1 is the highest
                bounds = {1: Text.same(f"> {c1:g}"), 2: Text.same(f"{c2:g}-{c1:g}"),
                          3: Text.same(f"< {c2:g}")}
                msg = message("trade.market_class", label=lab, cls=int(k), points=points[r],
                              bounds=bounds[int(k)], expected=expect)
                msg = msg + message("trade.market_higher" if higher else "trade.market_lower")
                add(r, "error" if higher else "warning", points[r], "business points",
                    c1 if int(k) == 1 else c2, msg, "market_class1_min_points",
                    "market_class2_min_points")
        if kind[r] == "wholesale_market" and ground_t.enabled:
            if np.isnan(ground[r]) and not np.isnan(floor[r]):
                add(r, "info", floor[r], "m²", need_ground,
                    message("trade.wholesale_floor_only", label=lab, need=need_ground),
                    "wholesale_market_min_m2")
            elif ground[r] < need_ground:
                existing = status[r] == "existing"
                msg = message("trade.wholesale_ground", label=lab, ground=ground[r],
                              need=need_ground)
                msg = msg + message("trade.wholesale_existing" if existing
                                    else "trade.wholesale_planned")
                add(r, "warning" if existing else "error", ground[r], "m²", need_ground, msg,
                    "wholesale_market_min_m2")
        if kind[r] == "supermarket" and not np.isnan(k) and int(k) in ROMAN:
            n = int(k)
            roman = ROMAN[n]
            if not np.isnan(floor[r]):
                general = float(v(f"supermarket_class{n}_min_m2"))
                special = float(v(f"specialised_supermarket_class{n}_min_m2"))
                if floor[r] < special:
                    add(r, "error", floor[r], "m²", special,
                        message("trade.supermarket_none", label=lab, roman=roman,
                                floor=floor[r], special=special),
                        f"specialised_supermarket_class{n}_min_m2")
                elif floor[r] < general:
                    add(r, "warning", floor[r], "m²", general,
                        message("trade.supermarket_general", label=lab, roman=roman,
                                floor=floor[r], general=general, special=special),
                        f"supermarket_class{n}_min_m2")
            if not np.isnan(items[r]):
                need = float(v(f"supermarket_class{n}_min_items"))
                if items[r] < need:
                    add(r, "warning", items[r], "items", need,
                        message("trade.supermarket_items", label=lab, roman=roman,
                                items=items[r], need=need),
                        f"supermarket_class{n}_min_items")
        if kind[r] == "shopping_mall" and not np.isnan(k) and int(k) in ROMAN and \
                not np.isnan(floor[r]):
            n = int(k)
            t = rules[f"mall_class{n}_min_m2"]
            if t.enabled and floor[r] < float(t.value):
                add(r, "error", floor[r], "m²", float(t.value),
                    message("trade.mall", label=lab, roman=ROMAN[n], floor=floor[r],
                            need=float(t.value)), f"mall_class{n}_min_m2")
    return c.rows_to_records(rec)


# ------------------------------------------------------------------------- public checks


def check_cluster_size(
    clusters: gpd.GeoDataFrame, *, settings: Settings = None
) -> gpd.GeoDataFrame:
    """Clusters whose measured area is outside the legal range, or whose declared area is off.

    The range is that in force on the day judged: 10-75 ha, or 5-75 ha for a cluster in a
    mountainous district or a craft-village cluster (fields ``mountainous``,
    ``craft_village`` / ``cluster_type``), until 14 Sep 2026; 5-75 ha for every cluster from
    15 Sep 2026 (Decree 303/2026), except for a dossier filed before that day
    (``dossier_filed``). Error for clusters that are not existing, warning for existing ones
    (established under earlier rules); a cluster over 75 ha formed before Decision 105/2009
    that is filled, or has a detailed plan and a cleared site, is info (the province may keep
    it). A declared ``area_ha`` differing from the measured area by more than 5 % is a warning.
    """
    rules = resolve_rules(settings)
    return c.finish(cluster_size_records(clusters, rules), crs=c.crs_of(clusters))


def check_cluster_expansion(
    clusters: gpd.GeoDataFrame, *, settings: Settings = None
) -> gpd.GeoDataFrame:
    """Clusters with status ``expansion`` that miss a condition of Decree 32/2024 art. 8 cl. 2.

    Occupancy below the minimum in force (60 %, then 50 % from 15 Sep 2026) is a warning (the
    decree also accepts demand exceeding the existing industrial land, which the data cannot
    show); an essential shared infrastructure item not completed (``roads_ready``,
    ``water_ready``, ``wastewater_ready``, and from 15 Sep 2026 ``solid_waste_ready``,
    ``fire_ready``) or more than 75 ha after expansion is an error; a missing attribute is info
    (cannot be checked, never a pass).
    """
    rules = resolve_rules(settings)
    return c.finish(cluster_expansion_records(clusters, rules), crs=c.crs_of(clusters))


def check_cluster_type(
    clusters: gpd.GeoDataFrame, *, settings: Settings = None
) -> gpd.GeoDataFrame:
    """Clusters whose type (``cluster_type``) the law in force does not have, or whose share of
    industrial land for the type's target (``target_share_pct``) is below its minimum.

    The share is checked for clusters that are not existing; a missing share is info.
    """
    rules = resolve_rules(settings)
    return c.finish(cluster_type_records(clusters, rules), crs=c.crs_of(clusters))


def check_park_phasing(parks: gpd.GeoDataFrame, *, settings: Settings = None) -> gpd.GeoDataFrame:
    """Planned industrial parks that must be phased and are not (field ``phased``).

    Over 500 ha (measured), or converting more two-crop rice land (``rice_land_ha``) than the
    limit of the province's region (``[rules] park_region``: 200 / 150 / 100 ha), Decree
    35/2022 art. 9. Error when ``phased`` is false, warning when it is not given; info when the
    rice land needs a region the plan has not set.
    """
    rules = resolve_rules(settings)
    return c.finish(park_phasing_records(parks, rules), crs=c.crs_of(parks))


def check_trade_class(trade: gpd.GeoDataFrame, *, settings: Settings = None) -> gpd.GeoDataFrame:
    """Markets, supermarkets and shopping centres whose class contradicts their own attributes.

    - market: class 1 > 400 business points, class 2 200-400, class 3 < 200 (Decree 60/2024
      art. 4). A class higher than the points allow is an error; lower is a warning (class 3
      also covers markets that are not solidly built).
    - wholesale market: market ground ≥ 10,000 m² (``ground_area_m2``, not the floor area);
      error when planned, warning when existing (pre-existing wholesale markets may continue);
      info when only the floor area is given.
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
    field, else the commune polygon holding the cluster; ``commune_group`` from the
    ``commune_group`` field; or ``province``, the whole plan) that already has established
    clusters (existing, expansion or under construction), a new (planned) cluster needs their
    area-weighted average occupancy above 50 % or their unleased land (area x (1 - occupancy))
    at most 100 ha (50 ha from 15 Sep 2026). From 15 Sep 2026 high-tech and eco clusters are
    exempt and the unit is the commune; before, the province chooses it (Decree 139/2025 art.
    12) and a plan that has not set it gets an info finding saying so. Error when neither
    condition holds; info when the unit or the occupancy is unknown.
    """
    rules = resolve_rules(settings)
    crs = c.crs_of(clusters, communes)
    return c.finish(cluster_new_records(clusters, communes, rules), crs=crs)
