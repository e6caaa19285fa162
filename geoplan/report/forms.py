"""The forms a Department files, filled from the plan: templates in, figures with their basis out.

A form is a TOML template in ``geoplan/report/templates`` (``bieu-04.toml``, Circular
14/2024/TT-BCT's cluster report; ``moit-outline.toml``, the six-monthly and annual report to the
Ministry), or any such file a Department writes: a new form is a new template, not new code. The
template has

* ``[form]``: its id, ``layout`` (``"table"``: one table in the form's own layout, written as
  Excel; ``"outline"``: headed sections with figures and the plan's tables, written as HTML that
  prints on A4), the layer kind its rows count by default, the title, sender and recipients,
  the signing block, and the **source** of the form with its certainty;
* ``[periods.<KEY>]``: the reporting periods (``H1``, ``H2``, ``Y`` ...) with the first and last
  day of the figures (``start``, ``end`` as ``MM-DD``, ``start_year`` / ``end_year`` relative to
  the report's year) and the day the report is due (``due``, ``due_year``);
* ``[[rows]]``: one per figure: ``no``, ``key``, labels and units in Vietnamese and English,
  the ``measure`` (below), the fields it reads and ``where`` it counts, and its ``certainty``;
  ``heading = true`` rows are section headings of a table;
* ``[[sections]]`` (outline only): ``no``, headings, the ``rows`` (keys) and plan ``tables``
  (:mod:`geoplan.report.tables` keys) it shows, ``map`` (layer kinds of a small map).

Measures: ``count`` (features matching ``where``), ``sum`` (of ``field``, or of several fields),
``area`` (ha: declared ``area_ha``, else measured), ``occupancy`` (%: leased ÷ industrial land,
else the declared occupancy), ``difference`` (``of = [row, row]``), ``count_dated`` (features
whose ``field`` holds a decision; with ``in_period = true`` those dated within the period),
``length_km`` (lines, inside the province), ``coverage`` (a figure of the coverage analysis,
``figure = "share_clusters_covered"``, ``scale``) and ``unserved_population`` (population outside
the supply area, optionally of ``commune_type = ["xa"]``). ``where`` holds ``field = value`` or
``field = [values]``; ``present = [fields]`` keeps features where those fields are filled;
``any_of = [ {...}, {...} ]`` keeps features matching any of the tables.

Every cell is a figure computed from the plan or blank: a blank cell carries the names of the
fields (or inputs) it lacks, and a figure computed from part of the features says how many.
Fields a template may read before the schema has them (the cluster type of the 2026 decree) are
listed in ``optional_fields``: absent, they make their rows blank.
"""

from __future__ import annotations

import datetime as _dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.errors import PlanError, check_keys
from geoplan.indicators import (
    OCCUPANCY_BASES,
    area_ha,
    decision_date,
    group_occupancy,
)
from geoplan.kinds import KINDS
from geoplan.report.model import Lang, Table, _isna

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.coverage import CoverageResult
    from geoplan.plan import Plan

__all__ = [
    "MEASURES",
    "FilledForm",
    "FormTemplate",
    "FormValue",
    "OutlineSection",
    "Period",
    "available_forms",
    "fill_form",
    "load_form",
    "parse_period",
]

#: The measures a row may use.
MEASURES = ("count", "sum", "area", "occupancy", "difference", "count_dated", "length_km",
            "coverage", "unserved_population")

_FORM_KEYS = ("id", "layout", "layer_kind", "code", "title_vi", "title_en", "issued_with_vi",
              "issued_with_en", "sender_vi", "sender_en", "recipients_vi", "recipients_en",
              "preparer_vi", "preparer_en", "signer_vi", "signer_en", "source", "certainty",
              "optional_fields", "note_vi", "note_en")
_PERIOD_KEYS = ("label_vi", "label_en", "start", "start_year", "end", "end_year", "due",
                "due_year")
_ROW_KEYS = ("no", "key", "heading", "label_vi", "label_en", "unit_vi", "unit_en", "measure",
             "field", "where", "any_of", "present", "of", "in_period", "layer_kind", "figure",
             "scale", "commune_type", "certainty", "kind")
_SECTION_KEYS = ("no", "heading_vi", "heading_en", "level", "rows", "tables", "map", "text_vi",
                 "text_en")
_TOP_KEYS = ("form", "periods", "rows", "sections")
_CERTAINTY = ("C", "S", "N")

#: The value kind (for formats) of each measure's figure.
_MEASURE_KIND = {"count": "int", "count_dated": "int", "area": "ha", "occupancy": "pct",
                 "length_km": "km", "unserved_population": "int"}

_W: dict[str, tuple[str, str]] = {
    "missing_all": ("Để trống: thiếu trường {fields} ở cả {n} {what}",
                    "Blank: the field {fields} is missing for all {n} {what}"),
    "missing_input": ("Để trống: cần {inputs}", "Blank: needs {inputs}"),
    "partial": ("Số liệu của {used}/{total} {what}; thiếu {field} ở: {ids}",
                "Figure of {used}/{total} {what}; {field} missing for: {ids}"),
    "not_counted": ("{n} {what} chưa có số liệu {field}, không được đếm: {ids}",
                    "{n} {what} without {field} are not counted: {ids}"),
    "no_date": ("{n} quyết định không ghi ngày, không xét được kỳ: {ids}",
                "{n} decisions without a date cannot be placed in the period: {ids}"),
    "area_basis": ("diện tích theo quyết định (area_ha) của {declared}, đo trên bản đồ của "
                   "{measured} {what}", "declared area (area_ha) of {declared}, measured area "
                   "of {measured} {what}"),
    "area_declared": ("diện tích theo quyết định (area_ha)", "declared area (area_ha)"),
    "occupancy_basis": ("tính theo {basis} ({used}/{total} {what})",
                        "on {basis} ({used}/{total} {what})"),
    "period_dates": ("từ ngày {start} đến ngày {end}", "from {start} to {end}"),
    "features": ("cụm", "clusters"),
    "coverage": ("phân tích cấp điện (lưới điện và trạm biến áp)",
                 "the coverage analysis (grid lines and substations)"),
    "population": ("lớp dân số (population) và phân tích cấp điện",
                   "a population layer and the coverage analysis"),
    "communes": ("ranh giới xã/phường", "commune boundaries"),
    "province_km": ("chiều dài phần trong ranh giới tỉnh", "length inside the province"),
}

_WHAT: dict[str, tuple[str, str]] = {
    "industrial_cluster": ("cụm", "clusters"), "industrial_park": ("khu", "parks"),
    "trade_facility": ("cơ sở", "facilities"), "grid_line": ("đường dây", "lines"),
    "substation": ("trạm", "substations"), "power_plant": ("nhà máy", "plants"),
}


def _w(key: str, lang: Lang, **kw: Any) -> str:
    vi, en = _W[key]
    return (vi if lang == "vi" else en).format(**kw)


def _what(kind: str, lang: Lang) -> str:
    vi, en = _WHAT.get(kind, ("đối tượng", "features"))
    return vi if lang == "vi" else en


def _ids(values: Any, limit: int = 6) -> str:
    items = [str(v) for v in values]
    more = f" … (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# --------------------------------------------------------------------------- the template


@dataclass(frozen=True)
class Period:
    """A reporting period: which figures (``start`` … ``end``) and when the report is due."""

    key: str
    year: int
    label: str
    start: _dt.date
    end: _dt.date
    due: _dt.date

    @property
    def text(self) -> str:
        return f"{self.year}-{self.key}"


@dataclass(frozen=True)
class FormTemplate:
    """A form template as read from its TOML file (see the module docstring)."""

    id: str
    path: Path
    head: Mapping[str, Any]
    periods: Mapping[str, Mapping[str, Any]]
    rows: tuple[Mapping[str, Any], ...]
    sections: tuple[Mapping[str, Any], ...] = ()

    @property
    def layout(self) -> str:
        return str(self.head.get("layout", "table"))

    @property
    def layer_kind(self) -> str:
        return str(self.head.get("layer_kind", "industrial_cluster"))

    def text(self, key: str, lang: Lang, default: str = "") -> Any:
        """``<key>_vi`` or ``<key>_en`` of the head (Vietnamese when English is absent)."""
        return self.head.get(f"{key}_{lang}", self.head.get(f"{key}_vi", default))

    def row(self, key: str) -> Mapping[str, Any]:
        for r in self.rows:
            if r.get("key") == key:
                return r
        raise KeyError(key)


def _templates() -> Any:
    return resources.files("geoplan.report").joinpath("templates")


def available_forms() -> list[str]:
    """The ids of the forms shipped with geoplan (``bieu-04``, ``moit-outline`` ...)."""
    return sorted(p.name[:-5] for p in _templates().iterdir() if p.name.endswith(".toml"))


def load_form(form: str | Path) -> FormTemplate:
    """A form template by id (a shipped form) or by the path of a TOML file; checked."""
    path = Path(form)
    if path.suffix.lower() == ".toml" or path.exists():
        if not path.exists():
            raise PlanError(f"{path}: no such form template")
        text = path.read_text(encoding="utf-8")
    else:
        name = str(form)
        if name not in available_forms():
            raise PlanError(f"no form {name!r}; forms: {', '.join(available_forms())} (or the "
                            "path of a form template, form.toml)")
        ref = _templates().joinpath(f"{name}.toml")
        text = ref.read_text(encoding="utf-8")
        path = Path(str(ref))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from exc
    return _check_template(data, path)


def _fail(path: Path, message: str) -> PlanError:
    return PlanError(f"{path}: {message}")


def _check_template(data: Mapping[str, Any], path: Path) -> FormTemplate:
    try:
        check_keys(data, _TOP_KEYS, where=" at the top of the form")
        head = dict(data.get("form", {}))
        check_keys(head, _FORM_KEYS, where=" in [form]")
    except PlanError as exc:
        raise _fail(path, str(exc)) from None
    if not isinstance(head.get("id"), str):
        raise _fail(path, "[form] needs id = \"...\"")
    layout = head.get("layout", "table")
    if layout not in ("table", "outline"):
        raise _fail(path, f"[form] layout = {layout!r}; use \"table\" or \"outline\"")
    if head.get("certainty", "S") not in _CERTAINTY:
        raise _fail(path, f"[form] certainty = {head.get('certainty')!r}; use C, S or N")
    default_kind = head.get("layer_kind", "industrial_cluster")
    if default_kind not in KINDS:
        raise _fail(path, f"[form] layer_kind = {default_kind!r}; kinds: {', '.join(KINDS)}")
    optional = tuple(head.get("optional_fields", ()))
    periods = data.get("periods", {})
    if not isinstance(periods, dict) or not periods:
        raise _fail(path, "the form needs at least one [periods.KEY] table (e.g. [periods.H1])")
    for key, spec in periods.items():
        try:
            check_keys(spec, _PERIOD_KEYS, where=f" in [periods.{key}]")
        except PlanError as exc:
            raise _fail(path, str(exc)) from None
        for part in ("start", "end", "due"):
            if not isinstance(spec.get(part), str) or len(str(spec[part]).split("-")) != 2:
                raise _fail(path, f"[periods.{key}] {part} must be \"MM-DD\", got "
                                  f"{spec.get(part)!r}")
    rows = tuple(dict(r) for r in data.get("rows", ()))
    keys: set[str] = set()
    for i, row in enumerate(rows, start=1):
        where = f"row {i} ({row.get('no', row.get('key', '?'))})"
        try:
            check_keys(row, _ROW_KEYS, where=f" in {where}")
        except PlanError as exc:
            raise _fail(path, str(exc)) from None
        if row.get("heading"):
            continue
        key = row.get("key")
        if not isinstance(key, str) or key in keys:
            raise _fail(path, f"{where} needs a key = \"...\" of its own")
        keys.add(key)
        measure = row.get("measure")
        if measure not in MEASURES:
            raise _fail(path, f"{where}: measure = {measure!r}; measures: {', '.join(MEASURES)}")
        kind = row.get("layer_kind", default_kind)
        if kind not in KINDS:
            raise _fail(path, f"{where}: layer_kind = {kind!r}; kinds: {', '.join(KINDS)}")
        if row.get("certainty", "S") not in _CERTAINTY:
            raise _fail(path, f"{where}: certainty = {row.get('certainty')!r}; use C, S or N")
        for name in _row_fields(row):
            if name not in KINDS[kind].field_names and name not in optional:
                raise _fail(path, f"{where}: {name!r} is not a field of {kind} (fields: "
                                  f"{', '.join(KINDS[kind].field_names)}); list it in [form] "
                                  "optional_fields if the schema will have it")
        if measure == "sum" and not row.get("field"):
            raise _fail(path, f"{where}: measure = \"sum\" needs field = \"...\"")
        if measure == "count_dated" and not isinstance(row.get("field"), str):
            raise _fail(path, f"{where}: measure = \"count_dated\" needs field = \"...\"")
        if measure == "difference":
            of = row.get("of")
            if not (isinstance(of, list) and len(of) == 2 and all(o in keys for o in of)):
                raise _fail(path, f"{where}: difference needs of = [\"row\", \"row\"] naming two "
                                  "rows above it")
        if measure == "coverage" and not isinstance(row.get("figure"), str):
            raise _fail(path, f"{where}: measure = \"coverage\" needs figure = \"...\" (a key "
                              "of the coverage summary)")
    sections = tuple(dict(s) for s in data.get("sections", ()))
    if layout == "outline" and not sections:
        raise _fail(path, "an outline form needs [[sections]]")
    for i, sec in enumerate(sections, start=1):
        try:
            check_keys(sec, _SECTION_KEYS, where=f" in section {i}")
        except PlanError as exc:
            raise _fail(path, str(exc)) from None
        for key in sec.get("rows", ()):
            if key not in keys:
                raise _fail(path, f"section {sec.get('no', i)} names row {key!r}, which the "
                                  "form does not define")
    return FormTemplate(head["id"], path, head, {k: dict(v) for k, v in periods.items()}, rows,
                        sections)


def _row_fields(row: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    value = row.get("field")
    if isinstance(value, str):
        names.append(value)
    elif isinstance(value, list):
        names += [str(v) for v in value]
    for table in (row.get("where") or {}, *(row.get("any_of") or [])):
        names += list(table)
    names += list(row.get("present") or [])
    return list(dict.fromkeys(names))


def _day(year: int, month_day: str) -> _dt.date:
    month, day = (int(p) for p in month_day.split("-"))
    return _dt.date(year, month, day)


def parse_period(text: str, template: FormTemplate, *, lang: Lang = "vi") -> Period:
    """``"2026-H2"`` (or ``"2026"`` for the template's ``Y``) as a :class:`Period`."""
    raw = str(text).strip().upper()
    year_text, _, key = raw.partition("-")
    key = key or "Y"
    valid = ", ".join(f"YYYY-{k}" for k in template.periods)
    if not (year_text.isdigit() and len(year_text) == 4):
        raise PlanError(f"--period {text!r}: write the year and the period, e.g. 2026-H2 "
                        f"({template.id} has {valid})")
    if key not in template.periods:
        raise PlanError(f"--period {text!r}: {template.id} has no period {key!r}; use {valid}")
    year = int(year_text)
    spec = template.periods[key]
    label = str(spec.get(f"label_{lang}", spec.get("label_vi", key))).format(year=year)
    return Period(key, year, label,
                  _day(year + int(spec.get("start_year", 0)), spec["start"]),
                  _day(year + int(spec.get("end_year", 0)), spec["end"]),
                  _day(year + int(spec.get("due_year", 0)), spec["due"]))


# --------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class FormValue:
    """One row of a filled form: the figure (or ``None``), its note, and what it lacks."""

    no: str
    key: str | None
    label: str
    unit: str
    value: float | None
    kind: str = "float"
    note: str = ""
    missing: tuple[str, ...] = ()
    heading: bool = False
    certainty: str = "S"
    measure: str = ""
    fields: tuple[str, ...] = ()

    @property
    def blank(self) -> bool:
        return not self.heading and self.value is None


@dataclass(frozen=True)
class OutlineSection:
    """A section of an outline form: heading, figures, plan tables, small map."""

    no: str
    heading: str
    level: int
    values: tuple[FormValue, ...] = ()
    tables: tuple[Table, ...] = ()
    map_png: bytes | None = None
    text: str = ""
    todo: bool = False


@dataclass(frozen=True)
class FilledForm:
    """A form filled from a plan for one period, ready to write."""

    template: FormTemplate
    period: Period
    values: tuple[FormValue, ...]
    plan_name: str
    province: str | None
    lang: Lang
    created: str
    generator: str
    crs: str
    sections: tuple[OutlineSection, ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)

    def value(self, key: str) -> FormValue:
        for v in self.values:
            if v.key == key:
                return v
        raise KeyError(f"no row {key!r} in {self.template.id}")


class _Context:
    """The plan's frames and results a form reads, computed once per form."""

    def __init__(self, plan: Plan, coverage: CoverageResult | None, period: Period,
                 lang: Lang, optional: Sequence[str]) -> None:
        self.plan = plan
        self.coverage = coverage
        self.period = period
        self.lang = lang
        self.optional = tuple(optional)
        self._frames: dict[str, pd.DataFrame] = {}
        self._unserved: pd.DataFrame | bool | None = False

    def frame(self, kind: str) -> pd.DataFrame:
        if kind not in self._frames:
            self._frames[kind] = self.plan.frame(kind).reset_index(drop=True)
        return self._frames[kind]

    def unserved(self) -> pd.DataFrame | None:
        if self._unserved is False:
            from geoplan.report.tables import unserved_by_commune

            self._unserved = unserved_by_commune(self.plan, self.coverage)
        return self._unserved  # type: ignore[return-value]


def _absent(frame: pd.DataFrame, name: str) -> bool:
    return name not in frame.columns or not frame[name].notna().any()


def _matches(frame: pd.DataFrame, table: Mapping[str, Any]) -> tuple[pd.Series, pd.Series]:
    """(match, unknown): features matching every condition, and those whose value is missing."""
    match = pd.Series(True, index=frame.index)
    unknown = pd.Series(False, index=frame.index)
    for name, wanted in table.items():
        values = frame[name]
        na = values.isna()
        if isinstance(wanted, list):
            hit = values.astype(object).isin(wanted)
        elif isinstance(wanted, bool):
            hit = values.astype("boolean").fillna(not wanted) == wanted
        else:
            hit = values.astype(object) == wanted
        match &= hit.fillna(False).astype(bool) & ~na
        unknown |= na
    return match, unknown & ~match


def _compute(row: Mapping[str, Any], ctx: _Context, done: Mapping[str, FormValue],
             default_kind: str) -> FormValue:
    lang = ctx.lang
    measure = row["measure"]
    kind = row.get("layer_kind", default_kind)
    label = row.get(f"label_{lang}", row.get("label_vi", ""))
    unit = row.get(f"unit_{lang}", row.get("unit_vi", ""))
    value_kind = _MEASURE_KIND.get(measure, "float")
    if measure == "sum":
        names = row["field"] if isinstance(row["field"], list) else [row["field"]]
        if all(KINDS[kind].get(f).type == "int" for f in names if f in KINDS[kind].field_names):
            value_kind = "int"
    base = {"no": str(row.get("no", "")), "key": row.get("key"), "label": label, "unit": unit,
            "certainty": row.get("certainty", "S"), "measure": measure,
            "kind": row.get("kind", value_kind), "fields": tuple(_row_fields(row))}
    what = _what(kind, lang)

    def blank(missing: Sequence[str], note: str) -> FormValue:
        return FormValue(value=None, missing=tuple(missing), note=note, **base)

    def named(names: Sequence[str]) -> str:
        """Field names with their label: ``labour (Số lao động)``."""
        out = []
        for f in names:
            label = ""
            if kind in KINDS and f in KINDS[kind].field_names:
                spec = KINDS[kind].get(f)
                label = spec.label_vi if lang == "vi" else spec.label_en
            out.append(f"{f} ({label})" if label else f)
        return ", ".join(out)

    if measure == "difference":
        a, b = (done[k] for k in row["of"])
        if a.value is None or b.value is None:
            missing = tuple(dict.fromkeys([*a.missing, *b.missing]))
            return blank(missing, a.note if a.value is None else b.note)
        return FormValue(value=a.value - b.value, note=f"= ({a.no}) − ({b.no})", **base)
    if measure == "coverage":
        if ctx.coverage is None:
            return blank(("coverage",), _w("missing_input", lang, inputs=_w("coverage", lang)))
        figure = ctx.coverage.summary().get(row["figure"])
        if figure is None or _isna(figure):
            return blank((row["figure"],), _w("missing_input", lang,
                                              inputs=_w("coverage", lang)))
        return FormValue(value=float(figure) * float(row.get("scale", 1.0)), **base)
    if measure == "unserved_population":
        df = ctx.unserved()
        if df is None:
            return blank(("population",), _w("missing_input", lang,
                                             inputs=_w("population", lang)))
        types = row.get("commune_type")
        part = df[df["type"].isin(types)] if types else df
        return FormValue(value=float(part["unserved"].sum()), **base)

    frame = ctx.frame(kind)
    n = len(frame)
    if not n:
        return blank((kind,), _w("missing_all", lang, fields=kind, n=0, what=what))
    # fields this row needs that no feature has: the cell stays blank and names them
    needed = [f for f in _row_fields(row) if f not in row.get("any_of", ()) and not any(
        f in alt for alt in (row.get("any_of") or []))]
    absent = [f for f in needed if _absent(frame, f)]
    if absent:
        return blank(absent, _w("missing_all", lang, fields=named(absent), n=n, what=what))
    notes: list[str] = []
    match, unknown = _matches(frame, row.get("where") or {})
    if row.get("any_of"):
        usable = [alt for alt in row["any_of"] if not any(_absent(frame, f) for f in alt)]
        if not usable:
            names = list(dict.fromkeys(f for alt in row["any_of"] for f in alt))
            return blank(names, _w("missing_all", lang, fields=named(names), n=n, what=what))
        either = pd.Series(False, index=frame.index)
        for alt in usable:
            hit, _ = _matches(frame, alt)
            either |= hit
        match &= either
    for name in row.get("present") or []:
        values = frame[name]
        filled = values.notna() & (values.astype(str).str.strip() != "")
        match &= filled
    ids = frame["id"] if "id" in frame.columns else pd.Series(range(n))
    if unknown.any():
        notes.append(_w("not_counted", lang, n=int(unknown.sum()), what=what,
                        field=", ".join(row.get("where") or {}), ids=_ids(ids[unknown])))
    part = frame[match]

    if measure == "count":
        return FormValue(value=float(len(part)), note="; ".join(notes), **base)
    if measure == "count_dated":
        name = row["field"]
        values = part[name]
        filled = values.notna() & (values.astype(str).str.strip() != "")
        part = part[filled]
        if not row.get("in_period"):
            return FormValue(value=float(len(part)), note="; ".join(notes), **base)
        dates = part[name].map(decision_date)
        undated = dates.isna()
        if undated.any():
            notes.append(_w("no_date", lang, n=int(undated.sum()),
                            ids=_ids(part.loc[undated, "id"])))
        start, end = ctx.period.start, ctx.period.end
        inside = dates.map(lambda d: d is not None and start <= d <= end)
        notes.insert(0, _w("period_dates", lang, start=start.strftime("%d/%m/%Y"),
                           end=end.strftime("%d/%m/%Y")))
        return FormValue(value=float(inside.sum()), note="; ".join(notes), **base)
    if measure == "area":
        values, basis = area_ha(part) if len(part) else (pd.Series(dtype=float),
                                                         pd.Series(dtype=object))
        declared = int((basis == "declared").sum())
        measured = len(part) - declared
        notes.insert(0, _w("area_basis", lang, declared=declared, measured=measured,
                           what=what) if measured else _w("area_declared", lang))
        return FormValue(value=float(values.sum()), note="; ".join(notes), **base)
    if measure == "occupancy":
        occ = group_occupancy(part)
        if occ.basis is None:
            land = ["industrial_land_ha", "leased_land_ha", "occupancy_pct"]
            return blank(land, _w("missing_all", lang, fields=named(land), n=len(part),
                                   what=what))
        vi, en = OCCUPANCY_BASES[occ.basis]
        notes.insert(0, _w("occupancy_basis", lang, basis=vi if lang == "vi" else en,
                           used=occ.used, total=occ.total, what=what))
        return FormValue(value=occ.value, note="; ".join(notes), **base)
    if measure == "sum":
        names = row["field"] if isinstance(row["field"], list) else [row["field"]]
        nums = pd.DataFrame({f: pd.to_numeric(pd.Series(part[f]), errors="coerce")
                             for f in names}, index=part.index)
        have = nums.notna().any(axis=1)
        if not have.any():
            return blank(names, _w("missing_all", lang, fields=named(names), n=len(part),
                                   what=what))
        if not have.all():
            notes.insert(0, _w("partial", lang, used=int(have.sum()), total=len(part),
                               what=what, field=", ".join(names),
                               ids=_ids(part.loc[~have, "id"])))
        return FormValue(value=float(np.nansum(nums.to_numpy(dtype=float))),
                         note="; ".join(notes), **base)
    if measure == "length_km":
        import shapely

        geoms = np.asarray(part.geometry.array, dtype=object)
        boundary = ctx.plan.boundary
        if boundary is not None:
            region = shapely.union_all(np.asarray(boundary.geometry.array, dtype=object))
            geoms = shapely.intersection(geoms, region)
            notes.insert(0, _w("province_km", lang))
        return FormValue(value=float(shapely.length(geoms).sum() / 1000.0),
                         note="; ".join(notes), **base)
    raise PlanError(f"measure {measure!r} is not known")  # pragma: no cover - checked on load


def fill_form(
    template: FormTemplate | str | Path,
    plan: Plan,
    period: Period | str,
    *,
    coverage: CoverageResult | None = None,
    lang: Lang = "vi",
    maps: bool = True,
) -> FilledForm:
    """Fill ``template`` from ``plan`` for ``period`` (``"2026-H2"`` or a :class:`Period`).

    ``coverage`` (a :class:`~geoplan.coverage.CoverageResult`) serves the rows and tables that
    need the coverage analysis; without it they stay blank and say so. ``maps`` draws the small
    maps an outline asks for.
    """
    from geoplan._version import __version__
    from geoplan.crs import crs_label

    form = template if isinstance(template, FormTemplate) else load_form(template)
    when = period if isinstance(period, Period) else parse_period(period, form, lang=lang)
    ctx = _Context(plan, coverage, when, lang, form.head.get("optional_fields", ()))
    done: dict[str, FormValue] = {}
    values = []
    for row in form.rows:
        if row.get("heading"):
            values.append(FormValue(str(row.get("no", "")), None,
                                    row.get(f"label_{lang}", row.get("label_vi", "")), "",
                                    None, heading=True))
            continue
        value = _compute(row, ctx, done, form.layer_kind)
        done[value.key or ""] = value
        values.append(value)
    sections: tuple[OutlineSection, ...] = ()
    if form.layout == "outline":
        sections = _outline(form, plan, coverage, done, lang, maps)
    source = form.head.get("source", "")
    certainty = form.head.get("certainty", "S")
    return FilledForm(form, when, tuple(values), plan.name, plan.province, lang,
                      _dt.date.today().isoformat(), f"geoplan {__version__}",
                      crs_label(plan.crs), sections,
                      (f"{source} [{certainty}]",) if source else ())


def _outline(form: FormTemplate, plan: Plan, coverage: CoverageResult | None,
             done: Mapping[str, FormValue], lang: Lang, maps: bool
             ) -> tuple[OutlineSection, ...]:
    from geoplan.report.tables import plan_tables

    wanted = {t for s in form.sections for t in s.get("tables", ())}
    tables: dict[str, Table] = {}
    if wanted:
        for section in plan_tables(plan, coverage=coverage, lang=lang):
            for t in section.tables:
                tables[t.key] = t
        unknown = sorted(wanted - set(tables))
        if unknown:
            raise PlanError(f"{form.path}: no plan table {', '.join(map(repr, unknown))}; "
                            f"tables: {', '.join(tables)}")
    out = []
    levels = [int(s.get("level", 1)) for s in form.sections]
    for i, sec in enumerate(form.sections):
        png = None
        kinds = list(sec.get("map", ()))
        if maps and kinds and any(plan.of_kind(k) for k in kinds if k in KINDS):
            from geoplan.maps.sheet import report_map_png

            png = report_map_png(plan, kinds=kinds, lang=lang,
                                 coverage=coverage if "coverage" in kinds else None)
        out.append(OutlineSection(
            str(sec.get("no", "")), sec.get(f"heading_{lang}", sec.get("heading_vi", "")),
            int(sec.get("level", 1)), tuple(done[k] for k in sec.get("rows", ())),
            tuple(tables[k] for k in sec.get("tables", ())), png,
            sec.get(f"text_{lang}", sec.get("text_vi", "")),
            # nothing to show and no subsection: the Department writes it
            todo=not (sec.get("rows") or sec.get("tables") or sec.get("text_vi"))
            and (i + 1 == len(levels) or levels[i + 1] <= levels[i])))
    return tuple(out)

