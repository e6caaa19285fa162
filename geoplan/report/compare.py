"""Plan variants side by side: the figures that decide between them, on one page.

:func:`compare_analyses` takes the analyses of two or more plans of one province (variants of the
same plan: a cluster moved, a substation added ...) and computes, for each, the share of
clusters within the supply radius, the demand and population the grid does not reach, the
findings by rule and severity, the new substations and new line km by voltage, and the land of
clusters and parks (area, industrial land, leased land, occupancy with its basis). Each plan is
identified by the SHA-256 of its plan file and of every input file, and the comparison names the
rule table's version, so that a figure can be traced to exactly what produced it. The first plan
is the reference: every other column shows its change against it, and the feature-level changes
come from :func:`geoplan.diff.diff_plans` (counts here; ``geoplan diff A B`` lists them).

:func:`write_comparison` writes one HTML page (the figures, the findings, the inputs, and a small
map of each plan side by side, the features changed against the first plan outlined) or an Excel
workbook (one sheet per table). Every text is escaped in HTML and every cell goes through
:func:`geoplan.report.xlsx._excel_value`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from geoplan.errors import MissingDependencyError, PlanError
from geoplan.indicators import OCCUPANCY_BASES, group_occupancy
from geoplan.io import atomic_path, check_output
from geoplan.report.model import Lang, _isna, format_number
from geoplan.report.xlsx import _excel_value

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.analysis import Analysis
    from geoplan.plan import Plan

__all__ = ["Comparison", "PlanInputs", "compare_analyses", "plan_inputs", "write_comparison"]

_NEW = ("planned", "under_construction")

_C: dict[str, tuple[str, str]] = {
    "title": ("So sánh các phương án quy hoạch", "Plan variants compared"),
    "figure": ("Chỉ tiêu", "Figure"),
    "unit": ("Đơn vị", "Unit"),
    "reference": ("phương án gốc", "reference"),
    "change": ("thay đổi", "change"),
    "inputs": ("Dữ liệu đầu vào", "Inputs"),
    "findings": ("Phát hiện theo quy tắc và mức độ", "Findings by rule and severity"),
    "rule": ("Quy tắc", "Rule"),
    "severity": ("Mức độ", "Severity"),
    "diff": ("Thay đổi theo đối tượng so với phương án gốc", "Feature changes against the "
             "reference"),
    "maps": ("Bản đồ các phương án", "Maps of the variants"),
    "plan": ("Phương án", "Variant"),
    "file": ("Tệp", "File"),
    "sha256": ("SHA-256", "SHA-256"),
    "rules_version": ("Phiên bản bảng quy tắc", "Rule-table version"),
    "crs": ("Hệ tọa độ", "CRS"),
    "created": ("Ngày lập", "Created"),
    "generator": ("Lập bằng", "Made with"),
    "layer": ("Lớp", "Layer"),
    "added": ("Thêm mới", "Added"),
    "removed": ("Bị xóa", "Removed"),
    "moved": ("Dịch chuyển", "Moved"),
    "changed": ("Thay đổi thuộc tính", "Changed"),
    "diff_note": ("Danh sách chi tiết: geoplan diff PHƯƠNG_ÁN_GỐC PHƯƠNG_ÁN.",
                  "Full list: geoplan diff REFERENCE VARIANT."),
    "map_note": ("Đối tượng thay đổi so với phương án gốc được viền đỏ.",
                 "Features changed against the reference are outlined in red."),
    "method": ("Diện tích và chiều dài đo trong hệ tọa độ của từng phương án (mét); chiều dài "
               "tính phần nằm trong ranh giới tỉnh; công trình mới = quy hoạch hoặc đang xây "
               "dựng.", "Areas and lengths measured in each variant's CRS (metres); lengths "
               "inside the province boundary; new works = planned or under construction."),
}

#: The figures compared: key, Vietnamese label, English label, unit, value kind.
_FIGURES: tuple[tuple[str, str, str, str, str], ...] = (
    ("clusters", "Số cụm công nghiệp", "Industrial clusters", "", "int"),
    ("cluster_area", "Diện tích cụm công nghiệp (đo)", "Cluster area (measured)", "ha", "ha"),
    ("cluster_land", "Đất công nghiệp của cụm", "Cluster industrial land", "ha", "ha"),
    ("cluster_leased", "Đất công nghiệp đã cho thuê", "Cluster land leased", "ha", "ha"),
    ("cluster_occupancy", "Tỷ lệ lấp đầy cụm công nghiệp", "Cluster occupancy", "%", "pct"),
    ("parks", "Số khu công nghiệp", "Industrial parks", "", "int"),
    ("park_area", "Diện tích khu công nghiệp (đo)", "Park area (measured)", "ha", "ha"),
    ("share_clusters_covered", "Tỷ lệ cụm công nghiệp trong bán kính cấp điện",
     "Share of clusters within the supply radius", "%", "pct"),
    ("share_cluster_area_covered", "Tỷ lệ diện tích cụm công nghiệp được cấp điện",
     "Share of cluster area covered", "%", "pct"),
    ("demand_mw", "Nhu cầu phụ tải cụm, khu công nghiệp", "Demand of clusters and parks", "MW",
     "mw"),
    ("demand_unserved_mw", "Phụ tải chưa được cấp điện", "Unserved demand", "MW", "mw"),
    ("substations_overloaded", "Trạm biến áp quá tải", "Overloaded substations", "", "int"),
    ("population_total", "Dân số", "Population", "người", "int"),
    ("population_in_gaps", "Dân số ngoài vùng cấp điện", "Population outside the supply area",
     "người", "int"),
    ("findings", "Số phát hiện", "Findings", "", "int"),
    ("errors", "Lỗi", "Errors", "", "int"),
    ("warnings", "Cảnh báo", "Warnings", "", "int"),
)


def _c(key: str, lang: Lang) -> str:
    vi, en = _C[key]
    return vi if lang == "vi" else en


@dataclass(frozen=True)
class PlanInputs:
    """What identifies one plan: its name, file, CRS and the SHA-256 of every input file."""

    name: str
    path: Path
    crs: str
    files: tuple[tuple[str, str], ...]

    @property
    def digest(self) -> str:
        """One short fingerprint of all the inputs (the plan file first)."""
        import hashlib

        h = hashlib.sha256()
        for name, sha in self.files:
            h.update(f"{name}\0{sha}\n".encode())
        return h.hexdigest()[:16]


def plan_inputs(plan: Plan) -> PlanInputs:
    """The plan file and every layer's files (attribute tables included) with their SHA-256."""
    from geoplan.crs import crs_label
    from geoplan.export import file_sha256

    paths: list[Path] = [plan.path]
    for spec in plan.spec.layers:
        paths.append(spec.path)
        if spec.path.suffix.lower() == ".shp":
            paths += [spec.path.with_suffix(s) for s in (".shx", ".dbf", ".prj", ".cpg")
                      if spec.path.with_suffix(s).exists()]
        if spec.attributes is not None:
            paths.append(spec.attributes.path)
    seen: dict[str, str] = {}
    base = plan.path.parent
    for p in paths:
        if not p.exists():
            continue
        try:
            name = str(p.resolve().relative_to(base.resolve()))
        except ValueError:
            name = str(p)
        seen.setdefault(name, file_sha256(p))
    return PlanInputs(plan.name, plan.path, crs_label(plan.crs), tuple(seen.items()))


def _rules_version() -> dict[str, Any]:
    from geoplan.rules import table_identity  # the one reader of the table

    return dict(table_identity())


# ------------------------------------------------------------------------------ figures


def _km_in_province(plan: Plan, frame: pd.DataFrame) -> np.ndarray:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    boundary = plan.boundary
    if boundary is not None and len(geoms):
        region = shapely.union_all(np.asarray(boundary.geometry.array, dtype=object))
        geoms = shapely.intersection(geoms, region)
    return shapely.length(geoms) / 1000.0 if len(geoms) else np.array([])


def _figures(analysis: Analysis) -> dict[str, Any]:
    plan = analysis.plan
    out: dict[str, Any] = {}
    clusters = plan.frame("industrial_cluster")
    parks = plan.frame("industrial_park")
    out["clusters"] = len(clusters)
    out["cluster_area"] = float(clusters.geometry.area.sum() / 10_000.0)
    for key, col in (("cluster_land", "industrial_land_ha"), ("cluster_leased",
                                                              "leased_land_ha")):
        values = pd.to_numeric(clusters[col], errors="coerce") if col in clusters.columns \
            else pd.Series(dtype=float)
        out[key] = float(values.sum()) if values.notna().any() else math.nan
    established = clusters[clusters["status"].isin(["existing", "expansion",
                                                    "under_construction"])]
    occ = group_occupancy(established)
    out["cluster_occupancy"] = occ.value
    out["_occupancy_basis"] = occ.basis
    out["parks"] = len(parks)
    out["park_area"] = float(parks.geometry.area.sum() / 10_000.0)
    cov = analysis.coverage.summary() if analysis.coverage is not None else {}
    for key in ("share_clusters_covered", "share_cluster_area_covered"):
        value = cov.get(key)
        out[key] = 100.0 * float(value) if value is not None else math.nan
    for key in ("demand_mw", "demand_unserved_mw", "substations_overloaded",
                "population_total", "population_in_gaps"):
        value = cov.get(key)
        out[key] = float(value) if value is not None else math.nan
    findings = analysis.findings
    out["findings"] = len(findings)
    out["errors"] = int((findings["severity"] == "error").sum())
    out["warnings"] = int((findings["severity"] == "warning").sum())
    # new substations and new line km by voltage
    subs = plan.frame("substation")
    lines = plan.frame("grid_line")
    new_subs = subs[subs["status"].isin(_NEW)]
    new_lines = lines[lines["status"].isin(_NEW)]
    km = _km_in_province(plan, new_lines)
    levels = sorted({int(v) for v in pd.concat([subs["voltage_kv"], lines["voltage_kv"]])
                     .dropna()}, reverse=True)
    for kv in levels:
        s = new_subs[new_subs["voltage_kv"] == kv]
        out[f"new_substations_{kv}"] = len(s)
        out[f"new_mva_{kv}"] = float(pd.to_numeric(s["capacity_mva"], errors="coerce").sum())
        mask = (new_lines["voltage_kv"] == kv).fillna(False).to_numpy(dtype=bool)
        out[f"new_km_{kv}"] = float(km[mask].sum()) if len(km) else 0.0
    out["_levels"] = levels
    return out


def _voltage_figures(levels: Sequence[int]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for kv in levels:
        rows += [
            (f"new_substations_{kv}", f"Trạm biến áp {kv} kV mới", f"New {kv} kV substations",
             "", "int"),
            (f"new_mva_{kv}", f"Công suất trạm {kv} kV mới", f"New {kv} kV capacity", "MVA",
             "mva"),
            (f"new_km_{kv}", f"Đường dây {kv} kV mới", f"New {kv} kV lines", "km", "km"),
        ]
    return rows


@dataclass(frozen=True)
class Comparison:
    """Two or more plans compared (see the module docstring)."""

    inputs: tuple[PlanInputs, ...]
    figures: pd.DataFrame
    findings: pd.DataFrame
    diffs: pd.DataFrame
    rules: dict[str, Any]
    lang: Lang
    created: str
    generator: str
    maps: tuple[bytes | None, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.inputs]

    def value(self, key: str, plan: int) -> Any:
        """The figure ``key`` of the ``plan``-th plan (0 is the reference)."""
        row = self.figures[self.figures["key"] == key]
        if not len(row):
            raise KeyError(f"no figure {key!r}; figures: {', '.join(self.figures['key'])}")
        return row.iloc[0][f"plan_{plan}"]

    def changed(self) -> pd.DataFrame:
        """The figures that differ between the plans."""
        cols = [f"plan_{i}" for i in range(len(self.inputs))]
        values = self.figures[cols].astype(float)
        first = values[cols[0]]
        differs = pd.Series(False, index=values.index)
        for c in cols[1:]:
            a, b = first, values[c]
            differs |= ~((a.isna() & b.isna()) | np.isclose(a.fillna(0), b.fillna(0),
                                                            rtol=1e-9, atol=1e-9))
        return self.figures[differs]


def compare_analyses(analyses: Sequence[Analysis], *, lang: Lang = "vi",
                     maps: bool = True) -> Comparison:
    """Compare the analyses of two or more plans of one province (the first is the reference)."""
    from geoplan._version import __version__
    from geoplan.diff import diff_plans

    if len(analyses) < 2:
        raise PlanError("compare needs two or more plans: geoplan compare A B [C …]")
    provinces = {a.plan.province for a in analyses if a.plan.province}
    if len(provinces) > 1:
        raise PlanError(f"the plans are of different provinces ({', '.join(sorted(provinces))});"
                        " compare variants of one province's plan")
    inputs = tuple(plan_inputs(a.plan) for a in analyses)
    figs = [_figures(a) for a in analyses]
    levels = sorted({kv for f in figs for kv in f["_levels"]}, reverse=True)
    rows = []
    for key, vi, en, unit, kind in (*_FIGURES, *_voltage_figures(levels)):
        row: dict[str, Any] = {"key": key, "label": vi if lang == "vi" else en, "unit": unit,
                               "kind": kind}
        for i, f in enumerate(figs):
            value = f.get(key, 0 if key.startswith("new_") else math.nan)
            row[f"plan_{i}"] = value
            if i:
                ref = row["plan_0"]
                row[f"change_{i}"] = (float(value) - float(ref)) if not (
                    _isna(value) or _isna(ref)) else math.nan
        bases = sorted({str(f["_occupancy_basis"]) for f in figs
                        if f.get("_occupancy_basis")}) if key == "cluster_occupancy" else []
        row["note"] = "; ".join(OCCUPANCY_BASES[b][0 if lang == "vi" else 1] for b in bases)
        rows.append(row)
    figures = pd.DataFrame(rows)
    # findings by rule and severity
    frames = []
    for i, a in enumerate(analyses):
        plain = pd.DataFrame(a.findings.drop(columns="geometry"))
        counts = plain.groupby(["rule", "severity"]).size().rename(f"plan_{i}") if len(plain) else \
            pd.Series(dtype=int, name=f"plan_{i}")
        frames.append(counts)
    findings = pd.concat(frames, axis=1).fillna(0).astype(int).reset_index() if any(
        len(c) for c in frames) else pd.DataFrame(columns=["rule", "severity"])
    if len(findings):
        findings.columns = ["rule", "severity", *[f"plan_{i}" for i in range(len(analyses))]]
        order = {"error": 0, "warning": 1, "info": 2}
        findings = findings.sort_values(["rule", "severity"], key=lambda s: s.map(order)
                                        if s.name == "severity" else s).reset_index(drop=True)
    # feature changes against the reference
    diff_rows = []
    changed_ids: list[set[str]] = [set()]
    for i, a in enumerate(analyses[1:], start=1):
        d = diff_plans(analyses[0].plan, a.plan)
        table = d.table
        changed_ids.append(set(table.loc[table["change"] != "removed", "id"].astype(str)))
        summary = d.summary()
        for rec in summary.to_dict("records"):
            diff_rows.append({"plan": i, **rec})
    diffs = pd.DataFrame(diff_rows, columns=["plan", "layer", "added", "removed", "moved",
                                             "changed"])
    pngs: list[bytes | None] = []
    if maps:
        from geoplan.maps.sheet import report_map_png

        for a, ids in zip(analyses, changed_ids, strict=True):
            pngs.append(report_map_png(a.plan, kinds=["industrial_cluster", "industrial_park",
                                                      "grid_line", "substation"],
                                       highlight=sorted(ids), lang=lang,
                                       size=(6.0, 4.4), dpi=120))
    notes = tuple(n for a in analyses for n in a.notes)
    return Comparison(inputs, figures, findings, diffs, _rules_version(), lang,
                      _dt.date.today().isoformat(), f"geoplan {__version__}", tuple(pngs), notes)


# ------------------------------------------------------------------------------ writers


def write_comparison(comparison: Comparison, path: str | Path, *,
                     overwrite: bool = False) -> Path:
    """Write the comparison as one HTML page (``.html``) or an Excel workbook (``.xlsx``)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return _write_html(comparison, path, overwrite=overwrite)
    if suffix == ".xlsx":
        return _write_xlsx(comparison, path, overwrite=overwrite)
    raise PlanError(f"{path}: a comparison is written as .html or .xlsx; name the file "
                    "compare.html or compare.xlsx")


def _severity(value: str, lang: Lang) -> str:
    from geoplan.maps.styles import value_label

    return value_label("severity", value, lang)


def _write_html(c: Comparison, path: str | Path, *, overwrite: bool) -> Path:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("the comparison needs jinja2: pip install jinja2") from exc

    target = check_output(path, overwrite=overwrite)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("geoplan.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, kind: format_number(v, kind, c.lang)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    env.filters["severity"] = lambda v: _severity(v, c.lang)
    changed = set(c.changed()["key"])
    html = env.get_template("compare.html.j2").render(
        c=c, w={k: _c(k, c.lang) for k in _C}, changed=changed,
        figures=c.figures.to_dict("records"), findings=c.findings.to_dict("records"),
        diffs=c.diffs.to_dict("records"), n=len(c.inputs))
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target


def _write_xlsx(c: Comparison, path: str | Path, *, overwrite: bool) -> Path:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("the comparison needs openpyxl: pip install openpyxl"
                                     ) from exc

    target = check_output(path, overwrite=overwrite)
    lang = c.lang

    def text(value: Any) -> Any:
        return _excel_value(value, "text", lang)

    bold = Font(bold=True)
    head = PatternFill("solid", fgColor="E4E9F0")
    mark = PatternFill("solid", fgColor="FFF2CC")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _c("title", lang)[:31]
    names = c.names
    header = [_c("figure", lang), _c("unit", lang)]
    for i, name in enumerate(names):
        header.append(f"{name}" + (f" ({_c('reference', lang)})" if i == 0 else ""))
        if i:
            header.append(f"{name}: {_c('change', lang)}")
    ws.append([text(h) for h in header])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = head
    changed = set(c.changed()["key"])
    for rec in c.figures.to_dict("records"):
        kind = rec["kind"]
        values = [text(rec["label"]), text(rec["unit"])]
        for i in range(len(names)):
            values.append(_excel_value(rec[f"plan_{i}"], kind, lang))
            if i:
                values.append(_excel_value(rec[f"change_{i}"], kind, lang))
        ws.append(values)
        if rec["key"] in changed:
            for cell in ws[ws.max_row]:
                cell.fill = mark
    ws.column_dimensions["A"].width = 48
    ws.freeze_panes = "B2"

    fs = wb.create_sheet(_c("findings", lang)[:31])
    fs.append([text(_c("rule", lang)), text(_c("severity", lang)), *[text(n) for n in names]])
    for rec in c.findings.to_dict("records"):
        fs.append([text(rec["rule"]), text(_severity(rec["severity"], lang)),
                   *[_excel_value(rec[f"plan_{i}"], "int", lang) for i in range(len(names))]])
    ds = wb.create_sheet(_c("diff", lang)[:31])
    ds.append([text(_c(k, lang)) for k in ("plan", "layer", "added", "removed", "moved",
                                           "changed")])
    for rec in c.diffs.to_dict("records"):
        ds.append([text(names[int(rec["plan"])]), text(rec["layer"]),
                   *[_excel_value(rec[k], "int", lang) for k in ("added", "removed", "moved",
                                                                 "changed")]])
    ins = wb.create_sheet(_c("inputs", lang)[:31])
    ins.append([text(_c(k, lang)) for k in ("plan", "file", "sha256")])
    for p in c.inputs:
        for name, sha in p.files:
            ins.append([text(p.name), text(name), text(sha)])
    ins.append([])
    ins.append([text(_c("rules_version", lang)), text(c.rules.get("version")),
                text(c.rules.get("sha256"))])
    ins.append([text(_c("generator", lang)), text(c.generator), text(c.created)])
    for sheet in (fs, ds, ins):
        for cell in sheet[1]:
            cell.font = bold
            cell.fill = head
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 30
        sheet.column_dimensions["C"].width = 66
    with atomic_path(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target
