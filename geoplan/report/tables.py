"""The provincial plan's tables: what the plan document tabulates, computed from the layers.

A provincial plan (and the map-and-database content Circular 04/2023/TT-BKHĐT asks for) lists
its clusters and parks by status and period, with what changed against the previous plan, the
500/220/110 kV lines and substations by period (to the phases of the national power plan:
2025-2030 and 2031-2035, Decision 768/QĐ-TTg [C]), occupancy on industrial land, land by
commune, trade facilities by type and class per commune, and the population the grid does not
reach by kind of commune (xã, phường, đặc khu) and on the islands. :func:`plan_tables` returns
them as report tables (:class:`geoplan.report.Table`), grouped in sections, so that the HTML and
Excel writers of the report write them (``geoplan report PLAN --tables``).

Conventions (the report's, so that totals agree with it):

* areas are measured on the polygons in the plan's CRS; lengths count the part of a line inside
  the province boundary when the plan has one;
* occupancy is on industrial land where the features have it, else the declared occupancy,
  weighted by area (:func:`geoplan.indicators.group_occupancy`), and the basis is named;
* a feature's commune is its ``commune`` field, else the commune polygon holding most of it
  (:func:`geoplan.report.sections.commune_of`); land by commune is the area of each polygon
  inside each commune polygon (a polygon astride two communes counts in both, in part);
* the kind of commune is read from the prefix of its name (:func:`geoplan.indicators.commune_type`).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.indicators import COMMUNE_TYPES, OCCUPANCY_BASES, commune_type, group_occupancy
from geoplan.kinds import STATUSES, TRADE_TYPES
from geoplan.report.model import Column, Lang, Report, Section, Table, _isna
from geoplan.report.sections import commune_of

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.coverage import CoverageResult
    from geoplan.plan import Plan

__all__ = ["PDP8_PHASES", "pdp8_phase", "plan_tables", "tables_report", "unserved_by_commune"]

#: The phases of the national power development plan (Decision 768/QĐ-TTg of 15 Apr 2025,
#: appendix III.2: "I Phase 2025-2030", "II Phase 2031-2035") [C].
PDP8_PHASES: dict[str, tuple[int, int]] = {"I": (2025, 2030), "II": (2031, 2035)}

_L: dict[str, tuple[str, str]] = {
    "title": ("Bảng biểu quy hoạch tỉnh", "The provincial plan's tables"),
    "areas": ("Cụm công nghiệp, khu công nghiệp", "Industrial clusters and parks"),
    "grid": ("Lưới điện theo cấp điện áp và giai đoạn", "Power grid by voltage and period"),
    "land": ("Đất đai và hạ tầng thương mại theo xã", "Land and trade facilities by commune"),
    "supply": ("Cấp điện cho dân cư", "Power supply of the population"),
    "clusters_sp": ("Cụm công nghiệp theo trạng thái và giai đoạn",
                    "Industrial clusters by status and period"),
    "parks_sp": ("Khu công nghiệp theo trạng thái và giai đoạn",
                 "Industrial parks by status and period"),
    "changes_summary": ("Thay đổi so với quy hoạch trước", "Changes against the previous plan"),
    "changes": ("Danh mục thay đổi so với quy hoạch trước",
                "List of changes against the previous plan"),
    "occupancy": ("Tỷ lệ lấp đầy trên đất công nghiệp", "Occupancy on industrial land"),
    "lines": ("Đường dây theo cấp điện áp và giai đoạn", "Lines by voltage and period"),
    "subs": ("Trạm biến áp theo cấp điện áp và giai đoạn", "Substations by voltage and period"),
    "land_by_commune": ("Diện tích đất theo xã/phường", "Land by commune"),
    "trade_by_commune": ("Hạ tầng thương mại theo loại hình, hạng và xã/phường",
                         "Trade facilities by type, class and commune"),
    "unserved": ("Dân số ngoài vùng cấp điện theo xã/phường", "Population outside the supply "
                 "area by commune"),
    "unserved_type": ("Dân số ngoài vùng cấp điện theo loại đơn vị hành chính",
                      "Population outside the supply area by kind of commune"),
    "islands": ("Đặc khu (hải đảo)", "Special zones (islands)"),
    "status": ("Trạng thái", "Status"),
    "period": ("Giai đoạn", "Period"),
    "phase": ("Giai đoạn QHĐ VIII", "PDP8 phase"),
    "number": ("Số lượng", "Number"),
    "area": ("Diện tích (đo)", "Area (measured)"),
    "area_before": ("Diện tích trước", "Area before"),
    "area_after": ("Diện tích sau", "Area after"),
    "industrial_land": ("Đất công nghiệp", "Industrial land"),
    "leased": ("Đã cho thuê", "Leased"),
    "occ": ("Tỷ lệ lấp đầy", "Occupancy"),
    "basis": ("Cách tính", "Basis"),
    "kind": ("Loại", "Kind"),
    "cluster": ("Cụm công nghiệp", "Industrial cluster"),
    "park": ("Khu công nghiệp", "Industrial park"),
    "change": ("Thay đổi", "Change"),
    "kept": ("Giữ nguyên", "Kept"),
    "adjusted": ("Điều chỉnh", "Adjusted"),
    "added": ("Bổ sung mới", "Added"),
    "removed": ("Đưa ra khỏi quy hoạch", "Removed"),
    "id": ("Mã", "ID"),
    "name": ("Tên", "Name"),
    "commune": ("Xã/phường", "Commune"),
    "commune_type": ("Loại đơn vị", "Kind of unit"),
    "details": ("Nội dung thay đổi", "What changed"),
    "voltage": ("Cấp điện áp", "Voltage"),
    "count": ("Số lượng", "Number"),
    "km": ("Chiều dài trong tỉnh", "Length in the province"),
    "km_all": ("Chiều dài", "Length"),
    "mva": ("Công suất", "Capacity"),
    "clusters_ha": ("Cụm công nghiệp", "Clusters"),
    "parks_ha": ("Khu công nghiệp", "Parks"),
    "trade_ha": ("Hạ tầng thương mại (vùng)", "Trade facilities (polygons)"),
    "total": ("Tổng cộng", "Total"),
    "type": ("Loại hình", "Type"),
    "class_1": ("Hạng I", "Class I"),
    "class_2": ("Hạng II", "Class II"),
    "class_3": ("Hạng III", "Class III"),
    "class_none": ("Chưa phân hạng", "Unclassified"),
    "population": ("Dân số", "Population"),
    "unserved_pop": ("Dân số ngoài vùng cấp điện", "Population outside the supply area"),
    "share": ("Tỷ lệ", "Share"),
    "substations": ("Số trạm biến áp", "Substations"),
    "trade_n": ("Số cơ sở thương mại", "Trade facilities"),
    "clusters_n": ("Số cụm công nghiệp", "Clusters"),
    "unknown": ("(không rõ)", "(unknown)"),
    "unknown_commune": ("(không xác định xã/phường)", "(unknown commune)"),
    "no_against": ("Chưa so sánh với quy hoạch trước (dùng --against QUY_HOACH_TRUOC).",
                   "Not compared with a previous plan (use --against OLD_PLAN)."),
    "no_population": ("Cần phân tích cấp điện và lớp dân số (population) để tính.",
                      "Needs the coverage analysis and a population layer."),
    "no_islands": ("Quy hoạch không có đặc khu (tên đơn vị bắt đầu bằng \"Đặc khu\").",
                   "The plan has no special zone (a unit whose name starts with \"Đặc khu\")."),
    "no_communes": ("Quy hoạch không có ranh giới xã/phường: diện tích tính theo trường "
                    "commune.", "The plan has no commune polygons: areas go by the commune "
                    "field."),
    "measured_note": ("Diện tích đo trên hình học trong hệ tọa độ của quy hoạch, như báo cáo.",
                      "Areas measured on the geometries in the plan's CRS, as in the report."),
    "km_note": ("Chiều dài tính phần nằm trong ranh giới tỉnh.",
                "Lengths count the part inside the province boundary."),
    "km_note_all": ("Quy hoạch không có ranh giới tỉnh: chiều dài tính toàn tuyến.",
                    "The plan has no province boundary: lengths count whole lines."),
    "phase_note": ("Giai đoạn QHĐ VIII: I = 2025–2030, II = 2031–2035 (Quyết định 768/QĐ-TTg).",
                   "PDP8 phases: I = 2025–2030, II = 2031–2035 (Decision 768/QD-TTg)."),
    "supply_note": ("Vùng cấp điện: bán kính cấp điện của các trạm ở cấp điện áp cung cấp "
                    "(phân tích cấp điện); một ô dân số tính khi tâm ô nằm trong vùng.",
                    "Supply area: the supply radius of the supply-level substations (coverage "
                    "analysis); a population cell counts when its centre lies inside."),
}


def _l(key: str, lang: Lang) -> str:
    vi, en = _L[key]
    return vi if lang == "vi" else en


def _table(key: str, title: str, columns: Sequence[Column], rows: pd.DataFrame | list[dict],
           total: dict[str, Any] | None = None, note: str = "") -> Table:
    frame = pd.DataFrame(rows).reset_index(drop=True)
    for c in columns:
        if c.key not in frame.columns:
            frame[c.key] = None
    return Table(key, title, tuple(columns), frame[[c.key for c in columns]], total, note)


def _status_label(status: Any, lang: Lang) -> str:
    from geoplan.maps.styles import value_label

    return _l("unknown", lang) if _isna(status) else value_label("status", status, lang)


def _period_label(period: Any, lang: Lang) -> str:
    return _l("unknown", lang) if _isna(period) else str(period)


def pdp8_phase(period: Any) -> str | None:
    """The phase of the national power plan a period falls in (``"I"``, ``"II"``), or ``None``.

    >>> pdp8_phase("2026-2030"), pdp8_phase("2031-2035"), pdp8_phase("2021-2025")
    ('I', 'II', None)
    """
    if _isna(period):
        return None
    parts = [int(p) for p in str(period).split("-") if p.strip().isdigit()]
    if not parts:
        return None
    start, end = parts[0], parts[-1]
    for name, (a, b) in PDP8_PHASES.items():
        if a <= start and end <= b:
            return name
    return None


def _occupancy_note(basis: str | None, used: int, total: int, lang: Lang) -> str:
    if basis is None:
        return ""
    vi, en = OCCUPANCY_BASES[basis]
    text = vi if lang == "vi" else en
    return f"{text} ({used}/{total})"


# ------------------------------------------------------------------------ clusters and parks


def _status_period(plan: Plan, kind: str, key: str, title: str, lang: Lang) -> Table:
    frame = plan.frame(kind)
    order = {s: i for i, s in enumerate(STATUSES)}
    rows = []
    if len(frame):
        df = frame.assign(_area=frame.geometry.area / 10_000.0,
                          _order=frame["status"].map(lambda s: order.get(s, 99)),
                          _period=frame["period"].fillna(""))
        for (_, status, period), part in df.groupby(["_order", "status", "_period"],
                                                    sort=True, dropna=False):
            occ = group_occupancy(part)
            rows.append({"status": _status_label(status, lang),
                         "period": period or _l("unknown", lang), "number": len(part),
                         "area": float(part["_area"].sum()),
                         "industrial_land": _sum(part, "industrial_land_ha"),
                         "leased": _sum(part, "leased_land_ha"), "occupancy": occ.value,
                         "basis": _occupancy_note(occ.basis, occ.used, occ.total, lang)})
    occ_all = group_occupancy(frame) if len(frame) else None
    total = {"number": len(frame), "area": float(frame.geometry.area.sum() / 10_000.0),
             "industrial_land": _sum(frame, "industrial_land_ha"),
             "leased": _sum(frame, "leased_land_ha"),
             "occupancy": occ_all.value if occ_all else math.nan}
    return _table(key, title, [
        Column("status", _l("status", lang)), Column("period", _l("period", lang)),
        Column("number", _l("number", lang), "int"), Column("area", _l("area", lang), "ha"),
        Column("industrial_land", _l("industrial_land", lang), "ha"),
        Column("leased", _l("leased", lang), "ha"), Column("occupancy", _l("occ", lang), "pct"),
        Column("basis", _l("basis", lang))], rows, total, _l("measured_note", lang))


def _sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns:
        return math.nan
    values = pd.to_numeric(frame[column], errors="coerce")
    return float(values.sum()) if values.notna().any() else math.nan


def _occupancy_table(plan: Plan, lang: Lang) -> Table:
    from geoplan.indicators import occupancy

    rows = []
    parts = []
    for kind, label in (("industrial_cluster", "cluster"), ("industrial_park", "park")):
        frame = plan.frame(kind)
        if not len(frame):
            continue
        parts.append(frame)
        value, basis = occupancy(frame)
        for i, rec in enumerate(frame.itertuples(index=False)):
            b = basis.iloc[i]
            rows.append({"kind": _l(label, lang), "id": rec.id, "name": rec.name,
                         "status": _status_label(rec.status, lang),
                         "industrial_land": _num(getattr(rec, "industrial_land_ha", None)),
                         "leased": _num(getattr(rec, "leased_land_ha", None)),
                         "occupancy": float(value.iloc[i]),
                         "basis": "" if b is None else OCCUPANCY_BASES[b][0 if lang == "vi"
                                                                          else 1]})
    both = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    occ = group_occupancy(both) if len(both) else None
    total = {"industrial_land": _sum(both, "industrial_land_ha") if len(both) else math.nan,
             "leased": _sum(both, "leased_land_ha") if len(both) else math.nan,
             "occupancy": occ.value if occ else math.nan}
    return _table("plan_occupancy", _l("occupancy", lang), [
        Column("kind", _l("kind", lang)), Column("id", _l("id", lang)),
        Column("name", _l("name", lang)), Column("status", _l("status", lang)),
        Column("industrial_land", _l("industrial_land", lang), "ha"),
        Column("leased", _l("leased", lang), "ha"), Column("occupancy", _l("occ", lang), "pct"),
        Column("basis", _l("basis", lang))], rows, total,
        _occupancy_note(occ.basis, occ.used, occ.total, lang) if occ else "")


def _num(value: Any) -> float:
    return math.nan if _isna(value) else float(value)


def _changes(plan: Plan, before: Plan, lang: Lang) -> tuple[Table, Table]:
    from geoplan.diff import diff_plans

    kinds = {"industrial_cluster": "cluster", "industrial_park": "park"}
    diff = diff_plans(before, plan).table
    diff = diff[diff["kind"].isin(list(kinds))]
    rows = []
    for kind, label in kinds.items():
        old = before.frame(kind)
        new = plan.frame(kind)
        old_area = pd.Series(old.geometry.area.to_numpy() / 10_000.0,
                             index=old["layer"].astype(str) + "\x00" + old["id"].astype(str))
        new_area = pd.Series(new.geometry.area.to_numpy() / 10_000.0,
                             index=new["layer"].astype(str) + "\x00" + new["id"].astype(str))
        old_period = pd.Series(old["period"].to_numpy(dtype=object), index=old_area.index)
        new_period = pd.Series(new["period"].to_numpy(dtype=object), index=new_area.index)
        names = {**dict(zip(old_area.index, old["name"], strict=True)),
                 **dict(zip(new_area.index, new["name"], strict=True))}
        part = diff[diff["kind"] == kind]
        by_key: dict[str, list[Any]] = {}
        for rec in part.itertuples(index=False):
            by_key.setdefault(f"{rec.layer}\x00{rec.id}", []).append(rec)
        for key in dict.fromkeys([*old_area.index, *new_area.index]):
            recs = by_key.get(key, [])
            changes = {r.change for r in recs}
            if "added" in changes:
                category = "added"
            elif "removed" in changes:
                category = "removed"
            elif changes:
                category = "adjusted"
            else:
                category = "kept"
            details = "; ".join(
                f"dịch chuyển {r.distance_m:.0f} m" if r.change == "moved" and lang == "vi"
                else f"moved {r.distance_m:.0f} m" if r.change == "moved"
                else str(r.details) for r in recs if r.change in ("moved", "changed"))
            rows.append({"kind": _l(label, lang), "id": key.split("\x00", 1)[1],
                         "name": names.get(key), "change": _l(category, lang),
                         "_category": category,
                         "area_before": float(old_area.get(key, math.nan)),
                         "area_after": float(new_area.get(key, math.nan)),
                         "period": _period_label(new_period.get(key, old_period.get(key)),
                                                 lang),
                         "details": details})
    listing = pd.DataFrame(rows)
    order = {"kept": 0, "adjusted": 1, "added": 2, "removed": 3}
    summary_rows = []
    if len(listing):
        listing = listing.sort_values(["kind", "_category", "id"], key=lambda s: s.map(order)
                                      if s.name == "_category" else s, kind="stable")
        for (kind_label, cat, period), part in listing.groupby(
                ["kind", "_category", "period"], sort=False):
            summary_rows.append({"kind": kind_label, "change": _l(str(cat), lang),
                                 "period": period,
                                 "number": len(part),
                                 "area_before": float(part["area_before"].sum(min_count=1)),
                                 "area_after": float(part["area_after"].sum(min_count=1))})
    cols = [Column("kind", _l("kind", lang)), Column("change", _l("change", lang)),
            Column("period", _l("period", lang)), Column("number", _l("number", lang), "int"),
            Column("area_before", _l("area_before", lang), "ha"),
            Column("area_after", _l("area_after", lang), "ha")]
    total = {"number": len(listing),
             "area_before": float(listing["area_before"].sum(min_count=1)) if len(listing)
             else math.nan,
             "area_after": float(listing["area_after"].sum(min_count=1)) if len(listing)
             else math.nan}
    note = f"{before.name} → {plan.name}"
    summary = _table("plan_changes_summary", _l("changes_summary", lang), cols, summary_rows,
                     total, note)
    detail = _table("plan_changes", _l("changes", lang), [
        Column("kind", _l("kind", lang)), Column("id", _l("id", lang)),
        Column("name", _l("name", lang)), Column("change", _l("change", lang)),
        Column("period", _l("period", lang)),
        Column("area_before", _l("area_before", lang), "ha"),
        Column("area_after", _l("area_after", lang), "ha"),
        Column("details", _l("details", lang))], listing, total, note)
    return summary, detail


# ------------------------------------------------------------------------------------ grid


def _voltage_label(kv: Any, lang: Lang) -> str:
    return _l("unknown", lang) if _isna(kv) else f"{int(kv)} kV"


def _voltage_order(row: dict[str, Any]) -> tuple[float, str]:
    kv = row["_kv"]
    return (-(float(kv) if not _isna(kv) else -1.0), str(row["period"]))


def _grid_tables(plan: Plan, lang: Lang) -> list[Table]:
    out = []
    lines = plan.frame("grid_line")
    boundary = plan.boundary
    if boundary is not None and len(lines):
        region = shapely.union_all(np.asarray(boundary.geometry.array, dtype=object))
        km = shapely.length(shapely.intersection(np.asarray(lines.geometry.array,
                                                            dtype=object), region)) / 1000.0
        note = _l("km_note", lang)
    else:
        km = (shapely.length(np.asarray(lines.geometry.array, dtype=object)) / 1000.0
              if len(lines) else np.array([]))
        note = _l("km_note_all", lang)
    note = f"{note} {_l('phase_note', lang)}"
    rows = []
    if len(lines):
        df = pd.DataFrame({"kv": pd.to_numeric(lines["voltage_kv"], errors="coerce")
                           .to_numpy(dtype=float), "period": lines["period"].to_numpy(
                               dtype=object), "km": km})
        df["_p"] = df["period"].fillna("")
        for (kv, period), part in df.groupby(["kv", "_p"], dropna=False, sort=False):
            rows.append({"_kv": kv, "voltage": _voltage_label(kv, lang),
                         "period": period or _l("unknown", lang),
                         "phase": pdp8_phase(period) or "–", "count": len(part),
                         "km": float(part["km"].sum())})
    rows.sort(key=_voltage_order)
    out.append(_table("plan_lines_by_voltage_period", _l("lines", lang), [
        Column("voltage", _l("voltage", lang)), Column("period", _l("period", lang)),
        Column("phase", _l("phase", lang)), Column("count", _l("count", lang), "int"),
        Column("km", _l("km" if boundary is not None else "km_all", lang), "km")], rows,
        {"count": len(lines), "km": float(np.sum(km)) if len(lines) else 0.0}, note))
    subs = plan.frame("substation")
    rows = []
    if len(subs):
        df = pd.DataFrame({"kv": pd.to_numeric(subs["voltage_kv"], errors="coerce")
                           .to_numpy(dtype=float), "period": subs["period"].to_numpy(
                               dtype=object), "mva": pd.to_numeric(subs["capacity_mva"],
                                                                   errors="coerce")
                           .to_numpy(dtype=float)})
        df["_p"] = df["period"].fillna("")
        for (kv, period), part in df.groupby(["kv", "_p"], dropna=False, sort=False):
            rows.append({"_kv": kv, "voltage": _voltage_label(kv, lang),
                         "period": period or _l("unknown", lang),
                         "phase": pdp8_phase(period) or "–", "count": len(part),
                         "mva": float(np.nansum(part["mva"]))})
    rows.sort(key=_voltage_order)
    mva = pd.to_numeric(subs["capacity_mva"], errors="coerce") if len(subs) else pd.Series([])
    out.append(_table("plan_substations_by_voltage_period", _l("subs", lang), [
        Column("voltage", _l("voltage", lang)), Column("period", _l("period", lang)),
        Column("phase", _l("phase", lang)), Column("count", _l("count", lang), "int"),
        Column("mva", _l("mva", lang), "mva")], rows,
        {"count": len(subs), "mva": float(np.nansum(mva))}, _l("phase_note", lang)))
    return out


# ------------------------------------------------------------------------------- communes


def _commune_rows(plan: Plan) -> gpd.GeoDataFrame | None:
    communes = plan.communes
    if communes is None or not len(communes):
        return None
    return communes.assign(_type=communes["name"].map(commune_type))


def _type_label(value: Any, lang: Lang) -> str:
    if value is None or _isna(value):
        return _l("unknown", lang)
    vi, en = COMMUNE_TYPES[str(value)]
    return vi if lang == "vi" else en


def _land_by_commune(plan: Plan, lang: Lang) -> Table:
    communes = _commune_rows(plan)
    kinds = (("industrial_cluster", "clusters"), ("industrial_park", "parks"),
             ("trade_facility", "trade"))
    rows: dict[str, dict[str, Any]] = {}
    note = _l("measured_note", lang)
    if communes is not None:
        polys = np.asarray(communes.geometry.array, dtype=object)
        for name, ctype in zip(communes["name"], communes["_type"], strict=True):
            rows[str(name)] = {"commune": str(name), "commune_type": _type_label(ctype, lang),
                               "clusters": 0.0, "parks": 0.0, "trade": 0.0}
        tree = shapely.STRtree(polys)
        for kind, col in kinds:
            frame = plan.frame(kind)
            if not len(frame):
                continue
            geoms = np.asarray(frame.geometry.array, dtype=object)
            geoms = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
            if not len(geoms):
                continue
            left, right = tree.query(geoms, predicate="intersects")
            areas = shapely.area(shapely.intersection(geoms[left], polys[right])) / 10_000.0
            for j, a in zip(right, areas, strict=True):
                rows[str(communes["name"].iloc[j])][col] += float(a)
    else:
        note = _l("no_communes", lang)
        for kind, col in kinds:
            frame = plan.frame(kind)
            if not len(frame):
                continue
            area = frame.geometry.area.to_numpy() / 10_000.0
            for name, a in zip(commune_of(frame, None), area, strict=True):
                key = str(name) if name is not None else _l("unknown_commune", lang)
                row = rows.setdefault(key, {"commune": key, "commune_type": _type_label(
                    commune_type(name), lang), "clusters": 0.0, "parks": 0.0, "trade": 0.0})
                row[col] += float(a)
    out = list(rows.values())
    for row in out:
        row["total"] = row["clusters"] + row["parks"] + row["trade"]
    total = {c: float(sum(r[c] for r in out)) for c in ("clusters", "parks", "trade", "total")}
    return _table("plan_land_by_commune", _l("land_by_commune", lang), [
        Column("commune", _l("commune", lang)), Column("commune_type", _l("commune_type", lang)),
        Column("clusters", _l("clusters_ha", lang), "ha"),
        Column("parks", _l("parks_ha", lang), "ha"),
        Column("trade", _l("trade_ha", lang), "ha"),
        Column("total", _l("total", lang), "ha")], out, total, note)


def _trade_by_commune(plan: Plan, lang: Lang) -> Table:
    from geoplan.maps.styles import value_label

    frame = plan.frame("trade_facility")
    rows = []
    total: dict[str, Any] = {"class_1": 0, "class_2": 0, "class_3": 0, "class_none": 0,
                             "total": len(frame)}
    if len(frame):
        df = pd.DataFrame({"commune": commune_of(frame, plan.communes).to_numpy(dtype=object),
                           "type": frame["type"].to_numpy(dtype=object),
                           "class": pd.to_numeric(frame["class"], errors="coerce")
                           .to_numpy(dtype=float)})
        df["commune"] = df["commune"].where(df["commune"].notna(), _l("unknown_commune", lang))
        order = {t: i for i, t in enumerate(TRADE_TYPES)}
        df["_o"] = df["type"].map(lambda t: order.get(t, 99))
        from geoplan.kinds import fold

        df["_c"] = df["commune"].map(lambda c: (1 if str(c).startswith("(") else 0,
                                                fold(str(c))))
        for (_, commune, _, ttype), part in df.groupby(["_c", "commune", "_o", "type"],
                                                       sort=True):
            row = {"commune": commune, "type": value_label("type", ttype, lang),
                   "class_1": int((part["class"] == 1).sum()),
                   "class_2": int((part["class"] == 2).sum()),
                   "class_3": int((part["class"] == 3).sum()),
                   "class_none": int(part["class"].isna().sum()), "total": len(part)}
            rows.append(row)
            for c in ("class_1", "class_2", "class_3", "class_none"):
                total[c] += row[c]
    return _table("plan_trade_by_commune", _l("trade_by_commune", lang), [
        Column("commune", _l("commune", lang)), Column("type", _l("type", lang)),
        Column("class_1", _l("class_1", lang), "int"),
        Column("class_2", _l("class_2", lang), "int"),
        Column("class_3", _l("class_3", lang), "int"),
        Column("class_none", _l("class_none", lang), "int"),
        Column("total", _l("total", lang), "int")], rows, total)


def unserved_by_commune(plan: Plan, coverage: CoverageResult | None) -> pd.DataFrame | None:
    """Per commune: name, kind (xa / phuong / dac_khu), population and population outside the
    supply area (the coverage gaps), from the plan's population raster; ``None`` when the plan
    has no communes, no population raster or no coverage analysis."""
    from geoplan.coverage import population_sums

    communes = _commune_rows(plan)
    rasters = [r for r in plan.rasters.values() if r.kind == "population"]
    if communes is None or not rasters or coverage is None:
        return None
    raster = rasters[0]
    polys = list(communes.geometry)
    gaps = coverage.gaps
    gap = shapely.union_all(np.asarray(gaps.geometry.array, dtype=object)) if len(gaps) \
        else None
    outside = [shapely.intersection(p, gap) if gap is not None else None for p in polys]
    unit = coverage.settings.population_unit
    sums = population_sums(raster, [*polys, *outside], plan.crs, unit=unit)
    n = len(polys)
    return pd.DataFrame({"commune": communes["name"].to_numpy(dtype=object),
                         "type": communes["_type"].to_numpy(dtype=object),
                         "population": sums[:n], "unserved": sums[n:]})


def _unserved_tables(plan: Plan, coverage: CoverageResult | None, lang: Lang) -> list[Table]:
    df = unserved_by_commune(plan, coverage)
    cols = [Column("commune", _l("commune", lang)),
            Column("commune_type", _l("commune_type", lang)),
            Column("population", _l("population", lang), "int"),
            Column("unserved", _l("unserved_pop", lang), "int"),
            Column("share", _l("share", lang), "pct")]
    type_cols = [Column("commune_type", _l("commune_type", lang)),
                 Column("number", _l("number", lang), "int"), *cols[2:]]
    if df is None:
        note = _l("no_population", lang)
        return [_table("plan_unserved_by_commune", _l("unserved", lang), cols, [], None, note),
                _table("plan_unserved_by_commune_type", _l("unserved_type", lang), type_cols,
                       [], None, note)]
    rows = []
    for name, ctype, population, unserved in zip(df["commune"], df["type"], df["population"],
                                                 df["unserved"], strict=True):
        p, u = float(population), float(unserved)
        rows.append({"commune": name, "commune_type": _type_label(ctype, lang),
                     "population": p, "unserved": u,
                     "share": 100.0 * u / p if p > 0 else math.nan})
    pop, uns = float(df["population"].sum()), float(df["unserved"].sum())
    total = {"population": pop, "unserved": uns,
             "share": 100.0 * uns / pop if pop > 0 else math.nan}
    by_type = []
    for ctype in (*COMMUNE_TYPES, None):
        part = df[df["type"].isna()] if ctype is None else df[df["type"] == ctype]
        if not len(part):
            continue
        p, u = float(part["population"].sum()), float(part["unserved"].sum())
        by_type.append({"commune_type": _type_label(ctype, lang), "number": len(part),
                        "population": p, "unserved": u,
                        "share": 100.0 * u / p if p > 0 else math.nan})
    note = _l("supply_note", lang)
    return [_table("plan_unserved_by_commune", _l("unserved", lang), cols, rows, total, note),
            _table("plan_unserved_by_commune_type", _l("unserved_type", lang), type_cols,
                   by_type, {**total, "number": len(df)}, note)]


def _islands(plan: Plan, coverage: CoverageResult | None, lang: Lang) -> Table:
    communes = _commune_rows(plan)
    cols = [Column("commune", _l("commune", lang)), Column("area", _l("area", lang), "ha"),
            Column("population", _l("population", lang), "int"),
            Column("unserved", _l("unserved_pop", lang), "int"),
            Column("clusters", _l("clusters_n", lang), "int"),
            Column("trade", _l("trade_n", lang), "int"),
            Column("substations", _l("substations", lang), "int")]
    if communes is None:
        return _table("plan_islands", _l("islands", lang), cols, [], None,
                      _l("no_islands", lang))
    zones = communes[communes["_type"] == "dac_khu"]
    if not len(zones):
        return _table("plan_islands", _l("islands", lang), cols, [], None,
                      _l("no_islands", lang))
    pops = unserved_by_commune(plan, coverage)
    rows = []
    for rec in zones.itertuples(index=False):
        geom = rec.geometry
        counts = {}
        for kind, col in (("industrial_cluster", "clusters"), ("trade_facility", "trade"),
                          ("substation", "substations")):
            frame = plan.frame(kind)
            counts[col] = int(frame.geometry.intersects(geom).sum()) if len(frame) else 0
        pop = pops[pops["commune"] == rec.name] if pops is not None else None
        rows.append({"commune": rec.name, "area": float(geom.area / 10_000.0),
                     "population": float(pop["population"].sum()) if pop is not None
                     else math.nan,
                     "unserved": float(pop["unserved"].sum()) if pop is not None else math.nan,
                     **counts})
    return _table("plan_islands", _l("islands", lang), cols, rows)


# ------------------------------------------------------------------------------- assemble


def plan_tables(plan: Plan, *, coverage: CoverageResult | None = None,
                against: Plan | None = None, lang: Lang = "vi") -> tuple[Section, ...]:
    """The plan's tables in four sections: clusters and parks (with the changes against
    ``against``, a previous plan, when given), the grid by voltage and period, land and trade
    by commune, and the population outside the supply area (needs ``coverage``)."""
    areas = [
        _status_period(plan, "industrial_cluster", "plan_clusters_by_status_period",
                       _l("clusters_sp", lang), lang),
        _status_period(plan, "industrial_park", "plan_parks_by_status_period",
                       _l("parks_sp", lang), lang),
        _occupancy_table(plan, lang),
    ]
    area_note = ""
    if against is not None:
        areas[2:2] = list(_changes(plan, against, lang))
    else:
        area_note = _l("no_against", lang)
    return (
        Section("plan_areas", _l("areas", lang), tables=tuple(areas), note=area_note),
        Section("plan_grid", _l("grid", lang), tables=tuple(_grid_tables(plan, lang))),
        Section("plan_land", _l("land", lang), tables=(_land_by_commune(plan, lang),
                                                        _trade_by_commune(plan, lang))),
        Section("plan_supply", _l("supply", lang), tables=(
            *_unserved_tables(plan, coverage, lang), _islands(plan, coverage, lang))),
    )


def tables_report(plan: Plan, *, coverage: CoverageResult | None = None,
                  against: Plan | None = None, lang: Lang = "vi",
                  title: str | None = None) -> Report:
    """The plan's tables as a :class:`~geoplan.report.Report` for the report's writers."""
    from geoplan._version import __version__
    from geoplan.crs import crs_label

    return Report(title=title or _l("title", lang), plan_name=plan.name,
                  province=plan.province, lang=lang, created=_dt.date.today().isoformat(),
                  crs=crs_label(plan.crs), generator=f"geoplan {__version__}",
                  sections=plan_tables(plan, coverage=coverage, against=against, lang=lang),
                  sources=plan.attributions)
