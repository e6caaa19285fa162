"""The report's sections, computed from a plan: clusters and parks, trade, grid and coverage,
findings; and :func:`build_report`, which assembles them into a :class:`~geoplan.report.Report`.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import PlanError
from geoplan.kinds import KINDS, STATUSES, TRADE_TYPES
from geoplan.report.model import (
    LANGS,
    Column,
    Figure,
    Lang,
    Report,
    Section,
    Table,
    _isna,
    _t,
    validate_settings,
)

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.coverage import CoverageResult
    from geoplan.plan import Plan

__all__ = ["build_report", "commune_of"]


# ------------------------------------------------------------------------------ helpers


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def commune_of(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None) -> pd.Series:
    """The commune of each feature: its ``commune`` field, else the commune polygon holding the
    largest part of it (area for polygons, length for lines); ``None`` when neither applies."""
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if "commune" in frame.columns:
        given = frame["commune"].map(_nfc)
        out = given.where(given.notna() & (given != ""), None).astype(object)
    missing = out.isna().to_numpy()
    if communes is None or not len(communes) or not missing.any():
        return out
    geoms = np.asarray(frame.geometry.array, dtype=object)[missing]
    polys = np.asarray(communes.geometry.array, dtype=object)
    names = communes["name"].map(_nfc).to_numpy(dtype=object)
    tree = shapely.STRtree(polys)
    left, right = tree.query(geoms, predicate="intersects")
    if len(left):
        parts = shapely.intersection(geoms[left], polys[right])
        measure = np.where(shapely.area(parts) > 0, shapely.area(parts),
                           np.where(shapely.length(parts) > 0, shapely.length(parts), 1e-9))
        best = pd.DataFrame({"left": left, "right": right, "m": measure}).sort_values(
            ["left", "m", "right"], ascending=[True, False, True]).drop_duplicates("left")
        idx = np.flatnonzero(missing)[best["left"].to_numpy()]
        values = np.array(out.to_numpy(dtype=object), dtype=object)  # writable copy
        values[idx] = names[best["right"].to_numpy()]
        out = pd.Series(values, index=frame.index, dtype=object)
    return out


def _status_label(status: Any, lang: Lang) -> str:
    from geoplan.maps.styles import value_label

    return _t("unknown", lang) if _isna(status) else value_label("status", status, lang)


def _table(key: str, title: str, columns: Sequence[Column], rows: pd.DataFrame,
           total: Mapping[str, Any] | None = None, note: str = "") -> Table:
    frame = rows.reset_index(drop=True)
    for c in columns:
        if c.key not in frame.columns:
            frame[c.key] = None
    return Table(key, title, tuple(columns), frame[[c.key for c in columns]], total, note)


def _occupancy(part: pd.DataFrame) -> tuple[float, float]:
    """(occupied area, occupancy %) of a group (:func:`geoplan.indicators.group_occupancy`):
    leased ÷ industrial land where the features have both, else the declared occupancy over the
    measured area of the features whose occupancy is known."""
    from geoplan.indicators import group_occupancy

    occ = group_occupancy(pd.DataFrame({"industrial_land_ha": part["land"],
                                        "leased_land_ha": part["leased"],
                                        "occupancy_pct": part["occupancy"]}),
                          area=part["area"])
    return (occ.occupied_ha if occ.basis else 0.0), occ.value


# ------------------------------------------------------------------------------ sections


def _rule_breakers(findings: gpd.GeoDataFrame | None, layers: Iterable[str]) -> pd.DataFrame:
    """(layer, id, rule, severity, message, reference) of every finding touching ``layers``."""
    cols = ["layer", "id", "rule", "severity", "message", "reference"]
    if findings is None or not len(findings):
        return pd.DataFrame(columns=cols)
    names = set(layers)
    f = pd.DataFrame(findings.drop(columns="geometry"))
    own = f[f["layer"].isin(names) & f["feature_id"].notna()]
    other = f[f["other_layer"].isin(names) & f["other_id"].notna()]
    rows = pd.concat([
        own.assign(id=own["feature_id"])[cols],
        other.assign(layer=other["other_layer"], id=other["other_id"])[cols],
    ], ignore_index=True)
    return rows.drop_duplicates().sort_values(["id", "rule", "severity"], kind="stable")


def _area_section(plan: Plan, kind: str, key: str, findings: gpd.GeoDataFrame | None,
                  lang: Lang, maps: bool) -> Section:
    from geoplan.maps.styles import STATUS_LABELS

    title = _t(key, lang)
    frame = plan.frame(kind)
    if not len(frame):
        return Section(key, title, note=_t("no_layer", lang))
    layers = [layer.name for layer in plan.of_kind(kind)]
    df = pd.DataFrame({
        "layer": frame["layer"].to_numpy(dtype=object),
        "id": frame["id"].to_numpy(dtype=object),
        "name": frame["name"].to_numpy(dtype=object),
        "status": frame["status"].to_numpy(dtype=object),
        "commune": commune_of(frame, plan.communes).to_numpy(dtype=object),
        "area": frame.geometry.area.to_numpy() / 10_000.0,
        "declared": pd.to_numeric(frame["area_ha"], errors="coerce").to_numpy(dtype=float),
        "occupancy": pd.to_numeric(frame["occupancy_pct"], errors="coerce")
        .to_numpy(dtype=float),
        "detailed": frame["detailed_plan"].astype("boolean").fillna(False)
        .to_numpy(dtype=bool),
        "land": pd.to_numeric(frame.get("industrial_land_ha"), errors="coerce")
        .to_numpy(dtype=float) if "industrial_land_ha" in frame.columns else np.nan,
        "leased": pd.to_numeric(frame.get("leased_land_ha"), errors="coerce")
        .to_numpy(dtype=float) if "leased_land_ha" in frame.columns else np.nan,
    })
    df["commune_label"] = df["commune"].where(df["commune"].notna(),
                                              _t("unknown_commune", lang))
    breakers = _rule_breakers(findings, layers)
    rules_of = breakers.groupby(["layer", "id"])["rule"].agg(
        lambda s: ", ".join(dict.fromkeys(s))).to_dict() if len(breakers) else {}
    df["rules"] = [rules_of.get((la, i)) for la, i in zip(df["layer"], df["id"], strict=True)]

    occupied, occupancy = _occupancy(df)
    n_breaking = int(df["rules"].notna().sum())
    figures = (
        Figure("number", _t("number", lang), len(df), "int"),
        Figure("total_area", _t("total_area", lang), float(df["area"].sum()), "ha"),
        Figure("avg_area", _t("avg_area", lang), float(df["area"].mean()), "ha"),
        Figure("declared_area", _t("declared_area", lang), float(np.nansum(df["declared"])),
               "ha"),
        Figure("detailed_area", _t("detailed_area", lang),
               float(df.loc[df["detailed"], "area"].sum()), "ha"),
        Figure("occupied_area", _t("occupied_area", lang), occupied, "ha"),
        Figure("occupancy", _t("occupancy", lang), occupancy, "pct"),
        Figure("breaking", _t("breaking", lang), n_breaking, "int"),
    )

    group_cols = [
        Column("number", _t("number", lang), "int"),
        Column("area", _t("area", lang), "ha"),
        Column("detailed_area", _t("detailed_area", lang), "ha"),
        Column("occupied_area", _t("occupied_area", lang), "ha"),
        Column("occupancy", _t("occupancy", lang), "pct"),
    ]

    def grouped(by: str) -> pd.DataFrame:
        rows = []
        for value, part in df.groupby(by, sort=False, dropna=False):
            occ_area, occ_pct = _occupancy(part)
            rows.append({by: value, "number": len(part), "area": float(part["area"].sum()),
                         "detailed_area": float(part.loc[part["detailed"], "area"].sum()),
                         "occupied_area": occ_area, "occupancy": occ_pct})
        return pd.DataFrame(rows)

    total = {"number": len(df), "area": float(df["area"].sum()),
             "detailed_area": float(df.loc[df["detailed"], "area"].sum()),
             "occupied_area": occupied, "occupancy": occupancy}
    by_commune = grouped("commune_label").sort_values("commune_label", key=_vi_sort_key)
    by_commune = by_commune.rename(columns={"commune_label": "commune"})
    order = {s: i for i, s in enumerate(STATUSES)}
    by_status = grouped("status")
    by_status = by_status.sort_values("status", key=lambda s: s.map(
        lambda v: order.get(v, 99)))
    by_status["status"] = [_status_label(s, lang) for s in by_status["status"]]
    _ = STATUS_LABELS  # the labels come from geoplan.maps.styles through _status_label

    listing = df.assign(status=[_status_label(s, lang) for s in df["status"]],
                        commune=df["commune_label"])
    listing = listing.sort_values(["id"], kind="stable")
    breaking = breakers.merge(df[["layer", "id", "name"]], on=["layer", "id"], how="left")
    breaking = breaking.assign(severity=[_severity_label(s, lang) for s in breaking["severity"]])

    tables = (
        _table(f"{key}_by_commune", f"{title} {_t('by_commune', lang)}",
               [Column("commune", _t("commune", lang)), *group_cols], by_commune, total),
        _table(f"{key}_by_status", f"{title} {_t('by_status', lang)}",
               [Column("status", _t("status", lang)), *group_cols], by_status, total),
        _table(f"{key}_list", f"{title}: {_t('list', lang)}", [
            Column("id", _t("id", lang)), Column("name", _t("name", lang)),
            Column("commune", _t("commune", lang)), Column("status", _t("status", lang)),
            Column("area", _t("area", lang), "ha"),
            Column("declared", _t("declared_area", lang), "ha"),
            Column("occupancy", _t("occupancy", lang), "pct"),
            Column("detailed", _t("detailed_count", lang), "bool"),
            Column("rules", _t("rules", lang))], listing,
            {"area": float(df["area"].sum()), "declared": float(np.nansum(df["declared"]))},
            note=_t("declared_note", lang)),
        _table(f"{key}_breaking", f"{title} {_t('break_rules', lang)}", [
            Column("id", _t("id", lang)), Column("name", _t("name", lang)),
            Column("rule", _t("rule", lang)), Column("severity", _t("severity", lang)),
            Column("message", _t("message", lang)),
            Column("reference", _t("reference", lang))], breaking),
    )
    highlight = sorted({i for i in breakers["id"]}) if len(breakers) else []
    return Section(key, title, figures, tables,
                   _map_png(plan, [kind], highlight=highlight, lang=lang) if maps else None)


def _vi_sort_key(s: pd.Series) -> pd.Series:
    from geoplan.kinds import fold

    return s.map(lambda v: (1 if str(v).startswith("(") else 0, fold(str(v))))


def _severity_label(value: Any, lang: Lang) -> str:
    from geoplan.maps.styles import value_label

    return "" if _isna(value) else value_label("severity", value, lang)


def _trade_section(plan: Plan, lang: Lang, maps: bool) -> Section:
    from geoplan.maps.styles import value_label

    key, title = "trade", _t("trade", lang)
    frame = plan.frame("trade_facility")
    if not len(frame):
        return Section(key, title, note=_t("no_layer", lang))
    classes = pd.to_numeric(frame["class"], errors="coerce")
    df = pd.DataFrame({
        "type": frame["type"].to_numpy(dtype=object),
        "class": classes.to_numpy(dtype=float),
        "commune": commune_of(frame, plan.communes).to_numpy(dtype=object),
    })
    df["commune"] = df["commune"].where(df["commune"].notna(), _t("unknown_commune", lang))
    class_cols = [("class_1", 1.0), ("class_2", 2.0), ("class_3", 3.0)]
    rows = []
    for t in [t for t in TRADE_TYPES if t in set(df["type"])]:
        part = df[df["type"] == t]
        row: dict[str, Any] = {"type": value_label("type", t, lang)}
        for col, value in class_cols:
            row[col] = int((part["class"] == value).sum())
        row["class_none"] = int(part["class"].isna().sum())
        row["total"] = len(part)
        rows.append(row)
    by_type = pd.DataFrame(rows)
    type_total = {c: int(by_type[c].sum()) for c in
                  ("class_1", "class_2", "class_3", "class_none", "total")}
    present = [t for t in TRADE_TYPES if t in set(df["type"])]
    crow = []
    for commune, part in df.groupby("commune", sort=False):
        row = {"commune": commune, "total": len(part)}
        for t in present:
            row[t] = int((part["type"] == t).sum())
        crow.append(row)
    by_commune = pd.DataFrame(crow).sort_values("commune", key=_vi_sort_key)
    commune_total = {"total": len(df), **{t: int((df["type"] == t).sum()) for t in present}}
    figures = (
        Figure("number", _t("facilities", lang), len(df), "int"),
        Figure("types", _t("types", lang), len(present), "int"),
    )
    tables = (
        _table("trade_by_type_class", f"{title} {_t('by_type_class', lang)}", [
            Column("type", _t("type", lang)),
            *[Column(c, _t(c, lang), "int") for c, _ in class_cols],
            Column("class_none", _t("class_none", lang), "int"),
            Column("total", _t("total", lang), "int")], by_type, type_total),
        _table("trade_by_commune", f"{title} {_t('by_commune', lang)}", [
            Column("commune", _t("commune", lang)),
            Column("total", _t("facilities", lang), "int"),
            *[Column(t, value_label("type", t, lang), "int") for t in present]],
            by_commune, commune_total),
    )
    return Section(key, title, figures, tables,
                   _map_png(plan, ["trade_facility"], lang=lang) if maps else None)


def _voltage_label(kv: Any, lang: Lang) -> str:
    return _t("unknown", lang) if _isna(kv) else f"{int(kv)} kV"


def _grid_section(plan: Plan, coverage: CoverageResult | None, lang: Lang,
                  maps: bool) -> Section:
    key, title = "grid", _t("grid", lang)
    lines = plan.frame("grid_line")
    subs = plan.frame("substation")
    tables: list[Table] = []
    figures: list[Figure] = []
    order: dict[str, int] = {s: i for i, s in enumerate(STATUSES)}
    boundary = plan.boundary
    if len(lines):
        geoms = np.asarray(lines.geometry.array, dtype=object)
        if boundary is not None:
            region = shapely.union_all(np.asarray(boundary.geometry.array, dtype=object))
            length = shapely.length(shapely.intersection(geoms, region)) / 1000.0
            note = _t("km_note_province", lang)
        else:
            length = shapely.length(geoms) / 1000.0
            note = _t("km_note_all", lang)
        df = pd.DataFrame({"kv": pd.to_numeric(lines["voltage_kv"], errors="coerce")
                           .to_numpy(dtype=float),
                           "status": lines["status"].to_numpy(dtype=object), "km": length})
        rows = []
        for (kv, status), part in df.groupby(["kv", "status"], dropna=False, sort=False):
            rows.append({"kv": kv, "order": order.get(str(status), 99), "status": status,
                         "count": len(part), "km": float(part["km"].sum())})
        table = pd.DataFrame(rows).sort_values(["kv", "order"], ascending=[False, True],
                                               na_position="last")
        table["voltage"] = [_voltage_label(v, lang) for v in table["kv"]]
        table["status"] = [_status_label(s, lang) for s in table["status"]]
        tables.append(_table("grid_lines", _t("lines_by", lang), [
            Column("voltage", _t("voltage", lang)), Column("status", _t("status", lang)),
            Column("count", _t("line_count", lang), "int"),
            Column("km", _t("km_in_province" if boundary is not None else "km", lang), "km")],
            table, {"count": len(df), "km": float(df["km"].sum())}, note))
        figures += [Figure("line_km", _t("km_in_province" if boundary is not None else "km",
                                         lang), float(df["km"].sum()), "km"),
                    Figure("lines", _t("line_count", lang), len(df), "int")]
    if len(subs):
        df = pd.DataFrame({"kv": pd.to_numeric(subs["voltage_kv"], errors="coerce")
                           .to_numpy(dtype=float),
                           "status": subs["status"].to_numpy(dtype=object),
                           "mva": pd.to_numeric(subs["capacity_mva"], errors="coerce")
                           .to_numpy(dtype=float)})
        rows = []
        for (kv, status), part in df.groupby(["kv", "status"], dropna=False, sort=False):
            rows.append({"kv": kv, "order": order.get(str(status), 99), "status": status,
                         "count": len(part), "mva": float(np.nansum(part["mva"]))})
        table = pd.DataFrame(rows).sort_values(["kv", "order"], ascending=[False, True],
                                               na_position="last")
        table["voltage"] = [_voltage_label(v, lang) for v in table["kv"]]
        table["status"] = [_status_label(s, lang) for s in table["status"]]
        tables.append(_table("grid_substations", _t("subs_by", lang), [
            Column("voltage", _t("voltage", lang)), Column("status", _t("status", lang)),
            Column("count", _t("number", lang), "int"),
            Column("mva", _t("capacity", lang), "mva")],
            table, {"count": len(df), "mva": float(np.nansum(df["mva"]))}))
        figures += [Figure("substations", _t("substations", lang), len(df), "int"),
                    Figure("mva", _t("capacity", lang), float(np.nansum(df["mva"])), "mva")]
    note = ""
    if coverage is None:
        note = _t("no_coverage", lang)
    else:
        cov_tables, cov_figures = _coverage_tables(coverage, lang)
        tables += cov_tables
        figures += cov_figures
    return Section(key, title, tuple(figures), tuple(tables),
                   _map_png(plan, ["grid_line", "substation", "power_plant"], lang=lang,
                            coverage=coverage) if maps else None, note)


def _coverage_tables(coverage: CoverageResult, lang: Lang) -> tuple[list[Table], list[Figure]]:
    feats = coverage.features
    subs = coverage.substations
    tables: list[Table] = []
    rows = []
    for kind in ("industrial_cluster", "industrial_park"):
        part = feats[feats["kind"] == kind]
        demand = part["demand_mw"].fillna(0.0)
        covered = part["covered"].astype(bool)
        rows.append({"kind": KINDS[kind].label_vi if lang == "vi" else KINDS[kind].label_en,
                     "number": len(part), "covered": int(covered.sum()),
                     "share": 100.0 * covered.sum() / len(part) if len(part) else float("nan"),
                     "demand": float(demand.sum()), "unserved": float(demand[~covered].sum())})
    table = pd.DataFrame(rows)
    tables.append(_table("grid_coverage", _t("coverage", lang), [
        Column("kind", _t("kind", lang)), Column("number", _t("number", lang), "int"),
        Column("covered", _t("covered", lang), "int"),
        Column("share", _t("covered_share", lang), "pct"),
        Column("demand", _t("demand", lang), "mw"),
        Column("unserved", _t("unserved", lang), "mw")], table, {
            "number": int(table["number"].sum()), "covered": int(table["covered"].sum()),
            "share": (100.0 * table["covered"].sum() / table["number"].sum()
                      if table["number"].sum() else float("nan")),
            "demand": float(table["demand"].sum()), "unserved": float(table["unserved"].sum())}))
    out = feats[~feats["covered"].astype(bool)]
    # the documented per-level column of the supply level (CoverageResult.features)
    dist_col = f"distance_{coverage.settings.supply_level_kv}kv_m"
    tables.append(_table("grid_unserved", _t("unserved_features", lang), [
        Column("layer", _t("layer", lang)), Column("feature_id", _t("id", lang)),
        Column("name", _t("name", lang)),
        Column("distance", _t("distance_km", lang), "km"),
        Column("demand", _t("demand", lang), "mw")],
        pd.DataFrame({"layer": out["layer"], "feature_id": out["feature_id"],
                      "name": out["name"],
                      "distance": out[dist_col] / 1000.0, "demand": out["demand_mw"]}),
        {"demand": float(out["demand_mw"].fillna(0).sum())}))
    over = subs[subs["overloaded"].astype(bool)]
    tables.append(_table("grid_overloaded", _t("overloaded", lang), [
        Column("substation_id", _t("id", lang)), Column("name", _t("name", lang)),
        Column("capacity_mva", _t("capacity", lang), "mva"),
        Column("firm_capacity_mw", _t("firm_mw", lang), "mw"),
        Column("load_mw", _t("load_mw", lang), "mw"),
        Column("headroom_mw", _t("headroom_mw", lang), "mw")], pd.DataFrame(over)))
    sites = coverage.sites
    if len(sites):
        tables.append(_table("grid_sites", _t("sites", lang), [
            Column("site_id", _t("site", lang)), Column("demand_mw", _t("demand", lang), "mw"),
            Column("n_features", _t("n_features", lang), "int"),
            Column("connect_id", _t("connect", lang)),
            Column("connect_km", _t("connect_km", lang), "km")],
            pd.DataFrame(sites).assign(connect_km=sites["connect_distance_m"] / 1000.0)))
    s = coverage.summary()
    figures = [
        Figure("clusters_covered_share", f"{_t('covered_share', lang)} "
               f"({_t('clusters', lang).lower()})",
               100.0 * s["share_clusters_covered"] if s.get("share_clusters_covered")
               is not None else None, "pct"),
        Figure("unserved_mw", _t("unserved", lang), float(s["demand_unserved_mw"]), "mw"),
        Figure("overloaded", _t("overloaded", lang), int(s["substations_overloaded"]), "int"),
        Figure("sites", _t("sites", lang), len(sites), "int"),
    ]
    # the population of the province and the unit its raster was read in
    if s.get("population_raster"):
        basis = str(s.get("population_unit_basis") or "")
        parts = basis.split(" / ")
        said = parts[0] if lang == "vi" else parts[-1]
        figures += [
            Figure("population", _t("population", lang), s.get("population_total"), "int"),
            Figure("population_unit", _t("population_unit", lang),
                   f"{_t('unit_' + str(s.get('population_unit')), lang)} ({said})"
                   + (f" – {_t('unit_assumed', lang)}" if s.get("population_unit_assumed")
                      else ""), "text"),
        ]
    return tables, figures


def _findings_section(findings: gpd.GeoDataFrame | None, lang: Lang) -> Section:
    from geoplan.rules import rule_info

    key, title = "findings", _t("findings", lang)
    if findings is None:
        return Section(key, title, note=_t("no_checks", lang))
    if not len(findings):
        return Section(key, title, (Figure("findings", _t("findings_count", lang), 0, "int"),),
                       note=_t("no_findings", lang))
    infos = rule_info()
    f = pd.DataFrame(findings.drop(columns="geometry"))
    rows = []
    for rule, part in f.groupby("rule", sort=False):
        info = infos.get(rule)
        refs = list(dict.fromkeys(r for r in part["reference"] if not _isna(r)))
        rows.append({"rule": rule, "title": info.title_in(lang) if info else "",
                     "errors": int((part["severity"] == "error").sum()),
                     "warnings": int((part["severity"] == "warning").sum()),
                     "infos": int((part["severity"] == "info").sum()),
                     "total": len(part), "references": "; ".join(refs)})
    by_rule = pd.DataFrame(rows).sort_values("rule", kind="stable")
    counts = {c: int(by_rule[c].sum()) for c in ("errors", "warnings", "infos", "total")}
    other: list[Any] = [f"{la}:{i}" if not _isna(i) else None
                        for la, i in zip(f["other_layer"], f["other_id"], strict=True)]
    listing = f.assign(severity=[_severity_label(s, lang) for s in f["severity"]], other=other)
    figures = (Figure("findings", _t("findings_count", lang), len(f), "int"),
               Figure("errors", _t("errors", lang), counts["errors"], "int"),
               Figure("warnings", _t("warnings", lang), counts["warnings"], "int"))
    tables = (
        _table("findings_by_rule", _t("findings_by_rule", lang), [
            Column("rule", _t("rule", lang)), Column("title", _t("rule_title", lang)),
            Column("errors", _t("errors", lang), "int"),
            Column("warnings", _t("warnings", lang), "int"),
            Column("infos", _t("infos", lang), "int"),
            Column("total", _t("total", lang), "int"),
            Column("references", _t("references", lang))], by_rule, counts),
        _table("findings_all", _t("all_findings", lang), [
            Column("rule", _t("rule", lang)), Column("severity", _t("severity", lang)),
            Column("layer", _t("layer", lang)), Column("feature_id", _t("id", lang)),
            Column("other", _t("other", lang)), Column("value", _t("value", lang), "float"),
            Column("unit", _t("unit", lang)), Column("threshold", _t("threshold", lang), "float"),
            Column("message", _t("message", lang)),
            Column("reference", _t("reference", lang))], listing),
    )
    return Section(key, title, figures, tables)


# ------------------------------------------------------------------------------ maps


def _map_png(plan: Plan, kinds: Sequence[str], *, lang: Lang, highlight: Sequence[str] = (),
             coverage: CoverageResult | None = None) -> bytes:
    """A small static map of ``kinds`` as PNG bytes, drawn by
    :func:`geoplan.maps.sheet.report_map_png` (matplotlib)."""
    from geoplan.maps.sheet import report_map_png

    return report_map_png(plan, kinds=list(kinds), highlight=list(highlight), lang=lang,
                          coverage=coverage)


# ------------------------------------------------------------------------------ build


def build_report(
    plan: Plan,
    *,
    findings: gpd.GeoDataFrame | None = None,
    coverage: CoverageResult | None = None,
    lang: str | None = None,
    maps: bool | None = None,
    title: str | None = None,
) -> Report:
    """Compute every figure, table and map of the report.

    Parameters
    ----------
    plan
        A loaded plan.
    findings
        The findings of the checks (and of the coverage analysis), in the plan's CRS; ``None``
        when the checks were not run (the report says so).
    coverage
        A :class:`geoplan.coverage.CoverageResult`; ``None`` leaves out the coverage figures.
    lang
        ``"vi"`` or ``"en"``; default ``[report] lang``, else ``"vi"``.
    maps
        Draw the small maps; default ``[report] maps``, else true.
    title
        The report's title; default ``[report] title``, else a standard title.
    """
    from geoplan._version import __version__
    from geoplan.crs import crs_label

    settings = dict(plan.settings.get("report", {}))
    validate_settings(settings)
    language = lang if lang is not None else settings.get("lang", "vi")
    if language not in LANGS:
        raise PlanError(f"lang = {language!r}: use \"vi\" or \"en\" (--lang vi|en)")
    lg: Lang = "vi" if language == "vi" else "en"
    draw = settings.get("maps", True) if maps is None else maps
    if findings is not None and findings.crs is not None and not findings.crs.equals(plan.crs):
        raise PlanError("the findings are not in the plan's CRS; pass the findings of this plan")
    if findings is not None and "message_vi" in findings.columns:
        from geoplan.findings import localise

        findings = localise(findings, lg)
    sections = (
        _area_section(plan, "industrial_cluster", "clusters", findings, lg, draw),
        _area_section(plan, "industrial_park", "parks", findings, lg, draw),
        _trade_section(plan, lg, draw),
        _grid_section(plan, coverage, lg, draw),
        _findings_section(findings, lg),
    )
    return Report(
        title=title or settings.get("title") or _t("report", lg),
        plan_name=plan.name,
        province=plan.province,
        lang=lg,
        created=_dt.date.today().isoformat(),
        crs=f"{plan.crs.name} ({crs_label(plan.crs)})" if plan.crs.name not in crs_label(
            plan.crs) else crs_label(plan.crs),
        generator=f"geoplan {__version__}",
        sections=sections,
        sources=plan.attributions,
    )
