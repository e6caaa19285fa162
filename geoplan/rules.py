"""The rule table: every threshold the checks use, with its versions over time.

Thresholds live in ``geoplan/data/rules.toml``, not in code. Each threshold has one or more
*versions*; a version has a value, the act and article it comes from, the dates it is in force
(``in_force_from``; ``in_force_until``, its last day, when superseded) and how certain the
source is:

- ``C`` confirmed in a source that was read,
- ``S`` reported secondhand (a usable default; verify it),
- ``N`` not found in the law: a geoplan default or an engineering assumption.

A plan is judged **as of a date** (``[plan] as_of``, ``--as-of``; default the day of the run):
the checks use the version in force on that day. A version marked with a transition (Decree
303/2026/NĐ-CP's) keeps the previous version for a cluster whose dossier was filed before its
first day (:meth:`Rules.for_dossier`).

A plan overrides any threshold by key in its ``[rules]`` table; findings then cite the override
and what it replaced, so a reader always sees where a number came from::

    [rules]
    cluster_aggregation_unit = "province"
    conductor_offset_220kv_m = 4.2

>>> import datetime as dt
>>> old = resolve_rules(as_of=dt.date(2026, 9, 1))
>>> new = resolve_rules(as_of=dt.date(2026, 12, 2))
>>> old.value("cluster_min_ha"), new.value("cluster_min_ha")
(10.0, 5.0)
>>> vi = new.cite("cluster_min_ha").vi
>>> vi.startswith("Nghị định số 32/2024/NĐ-CP, khoản 1 Điều 2 (sửa đổi bởi khoản … Điều 1")
True
>>> vi.endswith("Nghị định số 303/2026/NĐ-CP), áp dụng từ 15/09/2026 [S]")
True
>>> old.cite("cluster_min_ha").en
'Decree 32/2024/ND-CP art. 2 cl. 1, in force from 1 May 2024 to 14 Sep 2026 [C]'
>>> new.for_dossier(dt.date(2026, 9, 10)).value("cluster_min_ha")
10.0
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from geoplan.errors import PlanError, check_keys
from geoplan.kinds import normalise_date
from geoplan.messages import Text, fmt_date

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ALL_RULE_IDS",
    "GRID_RULE_IDS",
    "RULE_IDS",
    "Act",
    "Cite",
    "RuleInfo",
    "Rules",
    "Threshold",
    "ThresholdSpec",
    "Version",
    "default_rules",
    "earliest_date",
    "parse_as_of",
    "resolve_rules",
    "rule_info",
    "rule_table",
    "table_identity",
    "table_version",
    "threshold_specs",
    "validate_settings",
]

Certainty = Literal["C", "S", "N"]
_RANK = {"N": 0, "S": 1, "C": 2}

#: Rule ids, in the order the checks run and the README documents them.
RULE_IDS: tuple[str, ...] = (
    "overlap",
    "corridor",
    "cluster-size",
    "cluster-expansion",
    "cluster-new",
    "cluster-type",
    "park-phasing",
    "outside-boundary",
    "trade-class",
    "duplicate",
)

#: Rule ids of the grid topology audit (:mod:`geoplan.grid`), run by ``geoplan check`` beside
#: the plan rules and by ``geoplan grid``.
GRID_RULE_IDS: tuple[str, ...] = (
    "grid-dangling",
    "grid-unfed",
    "grid-voltage-mismatch",
    "grid-island",
    "grid-single-supply",
    "grid-interconnection",
)

#: Every rule id a check can report, plan rules first.
ALL_RULE_IDS: tuple[str, ...] = (*RULE_IDS, *GRID_RULE_IDS)

_ACT_TYPES = {
    "decree": ("Nghị định", "Decree"),
    "decision": ("Quyết định", "Decision"),
    "circular": ("Thông tư", "Circular"),
}
_ONE_DAY = _dt.timedelta(days=1)


def _ascii(text: str) -> str:
    """``32/2024/NĐ-CP`` -> ``32/2024/ND-CP`` for English citations."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) != "Mn")


def _date(value: Any, where: str) -> _dt.date | None:
    if value is None or value == "":
        return None
    try:
        out = normalise_date(value)
    except ValueError as exc:
        raise PlanError(f"{where}: {exc}") from None
    return None if out is None else _dt.date.fromisoformat(out)


# ------------------------------------------------------------------------------- the acts


@dataclass(frozen=True)
class Act:
    """A legal act (or ``geoplan`` for geoplan's own defaults)."""

    key: str
    type: str
    number: str = ""
    name_vi: str = ""
    name_en: str = ""
    signed: _dt.date | None = None
    in_force_from: _dt.date | None = None
    in_force_until: _dt.date | None = None
    title_vi: str = ""
    title_en: str = ""
    issuer_vi: str = ""
    issuer_en: str = ""
    consolidated: bool = False
    source: str = ""
    certainty: Certainty = "S"

    def name(self, lang: str) -> str:
        """``Nghị định số 32/2024/NĐ-CP`` / ``Decree 32/2024/ND-CP``."""
        vi = lang == "vi"
        if self.type == "geoplan":
            return "geoplan"
        if self.type == "law":
            if self.consolidated:
                return (f"{self.name_vi} (văn bản hợp nhất số {self.number})" if vi
                        else f"{self.name_en} (consolidated text {_ascii(self.number)})")
            return f"{self.name_vi} số {self.number}" if vi else f"{self.name_en} {self.number}"
        if self.type == "guidance":
            day = self.signed
            if vi:
                when = f" ngày {fmt_date(day, 'vi')}" if day else ""
                return f"Văn bản số {self.number}{when} của {self.issuer_vi}".rstrip()
            when = f" of {fmt_date(day, 'en')}" if day else ""
            return f"guidance {_ascii(self.number)}{when} of {self.issuer_en}".rstrip()
        kind_vi, kind_en = _ACT_TYPES[self.type]
        return f"{kind_vi} số {self.number}" if vi else f"{kind_en} {_ascii(self.number)}"


@dataclass(frozen=True)
class Cite:
    """One place in an act: article, clause, point (``"…"`` where a number is not known)."""

    act: str
    article: str = ""
    clause: str = ""
    point: str = ""
    amended_by: Cite | None = None
    unread: bool = False
    what_vi: str = ""
    what_en: str = ""

    def place(self, lang: str) -> str:
        """``điểm c khoản 2 Điều 8`` / ``art. 8 cl. 2 (c)``."""
        if lang == "vi":
            parts = [f"điểm {self.point}" if self.point else "",
                     f"khoản {self.clause}" if self.clause else "",
                     f"Điều {self.article}" if self.article else ""]
            return " ".join(p for p in parts if p)
        out = f"art. {self.article}" if self.article else ""
        if self.clause:
            out += f" cl. {self.clause}"
        if self.point:
            out += f" ({self.point})"
        return out.strip()

    def text(self, lang: str) -> str:
        """The citation, e.g. ``Nghị định số 32/2024/NĐ-CP, khoản 1 Điều 2 (sửa đổi bởi
        khoản … Điều 1 Nghị định số 303/2026/NĐ-CP)``."""
        act = acts()[self.act]
        vi = lang == "vi"
        if act.type == "geoplan":
            what = self.what_vi if vi else self.what_en
            base = "mặc định của geoplan" if vi else "geoplan default"
            return f"{base} ({what})" if what else base
        place = self.place(lang)
        if vi:
            out = f"{act.name('vi')}, {place}" if place else act.name("vi")
        else:
            out = f"{act.name('en')} {place}" if place else act.name("en")
        if self.unread:
            out += " (chưa đọc được điều quy định)" if vi else " (article not read)"
        if self.amended_by is not None:
            a = self.amended_by
            by = acts()[a.act].name(lang)
            where = a.place(lang)
            if vi:
                out += f" (sửa đổi bởi {where + ' ' if where else ''}{by})"
            else:
                out += f" (as amended by {by}{' ' + where if where else ''})"
        return out


@dataclass(frozen=True)
class Transition:
    """A transitional rule: dossiers filed before a version's first day keep the old text."""

    key: str
    cite: Cite
    certainty: Certainty
    note_vi: str
    note_en: str


# ------------------------------------------------------------------------------ versions


@dataclass(frozen=True)
class Version:
    """One version of a threshold: value, source, dates in force, certainty."""

    key: str
    value: Any
    cites: tuple[Cite, ...]
    certainty: Certainty
    in_force_from: _dt.date | None = None
    in_force_until: _dt.date | None = None
    note_vi: str = ""
    note_en: str = ""
    transition: str | None = None

    def covers(self, day: _dt.date) -> bool:
        """Whether this version is in force on ``day``."""
        return ((self.in_force_from is None or self.in_force_from <= day)
                and (self.in_force_until is None or day <= self.in_force_until))

    @property
    def is_default(self) -> bool:
        """A geoplan default (not a legal figure): no dates."""
        return all(acts()[c.act].type == "geoplan" for c in self.cites)

    def period(self, lang: str) -> str:
        """``áp dụng từ 01/05/2024 đến 14/09/2026`` / ``in force from 1 May 2024 to ...``."""
        if self.is_default:
            return ""
        a, b = self.in_force_from, self.in_force_until
        if lang == "vi":
            if a and b:
                return f"áp dụng từ {fmt_date(a, 'vi')} đến {fmt_date(b, 'vi')}"
            if a:
                return f"áp dụng từ {fmt_date(a, 'vi')}"
            return f"áp dụng đến {fmt_date(b, 'vi')}" if b else ""
        if a and b:
            return f"in force from {fmt_date(a, 'en')} to {fmt_date(b, 'en')}"
        if a:
            return f"in force from {fmt_date(a, 'en')}"
        return f"in force until {fmt_date(b, 'en')}" if b else ""

    def reference(self, lang: str) -> str:
        """The citations without the dates and certainty."""
        return "; ".join(c.text(lang) for c in self.cites)

    def source(self, lang: str) -> str:
        """Citations, dates in force and certainty mark."""
        period = self.period(lang)
        return f"{self.reference(lang)}{', ' + period if period else ''} [{self.certainty}]"

    def source_text(self) -> Text:
        return Text(self.source("vi"), self.source("en"))

    def note(self, lang: str) -> str:
        return self.note_vi if lang == "vi" else self.note_en


@dataclass(frozen=True)
class ThresholdSpec:
    """A threshold of the table with all its versions, oldest first."""

    key: str
    rule: str
    unit: str
    title_vi: str
    title_en: str
    versions: tuple[Version, ...]
    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> Literal["bool", "number", "choice", "list"]:
        sample = self.versions[0].value
        if isinstance(sample, bool):
            return "bool"
        if isinstance(sample, (list, tuple)):
            return "list"
        if isinstance(sample, str):
            return "choice"
        return "number"

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def version_at(self, day: _dt.date) -> Version | None:
        """The version in force on ``day`` (``None`` when none is)."""
        for v in self.versions:
            if v.covers(day):
                return v
        return None

    def previous(self, version: Version) -> Version | None:
        """The version before ``version`` (``None`` for the first)."""
        i = self.versions.index(version)
        return self.versions[i - 1] if i > 0 else None


_VI_DIGITS = str.maketrans(",.", ".,")


def _fmt(value: Any, unit: str, lang: str = "en") -> str:
    vi = lang == "vi"
    if isinstance(value, bool):
        text = ("có" if value else "không") if vi else ("true" if value else "false")
    elif (isinstance(value, float) and math.isnan(value)) or value == "" or value is None:
        return "chưa đặt" if vi else "not set"
    elif isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else ("không có" if vi else "none")
    elif isinstance(value, float) and value.is_integer():
        text = f"{int(value):,}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    if vi and isinstance(value, (int, float)) and not isinstance(value, bool):
        text = text.translate(_VI_DIGITS)
    return f"{text} {unit}" if unit else text


# ---------------------------------------------------------------------------- the table


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("geoplan").joinpath("data/rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def table_version() -> str:
    """The rule table's version (``[meta] version``), recorded by exports."""
    return str(_table()["meta"]["version"])


@lru_cache(maxsize=1)
def table_identity() -> dict[str, str]:
    """The rule table's version and the SHA-256 of its file, as exports, comparisons and the
    database sink record them (``{"version": ..., "sha256": ...}``)."""
    import hashlib

    data = resources.files("geoplan").joinpath("data/rules.toml").read_bytes()
    return {"version": table_version(), "sha256": hashlib.sha256(data).hexdigest()}


def earliest_date() -> _dt.date:
    """The first day the table covers; earlier dates are refused."""
    out = _date(_table()["meta"]["earliest"], "rules.toml [meta] earliest")
    assert out is not None
    return out


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _cite(entry: Mapping[str, Any]) -> Cite:
    amended = entry.get("amended_by")
    return Cite(act=entry["act"], article=_str(entry.get("article")),
                clause=_str(entry.get("clause")), point=_str(entry.get("point")),
                amended_by=_cite(amended) if amended else None,
                unread=bool(entry.get("unread", False)),
                what_vi=entry.get("what_vi", ""), what_en=entry.get("what_en", ""))


@lru_cache(maxsize=1)
def acts() -> dict[str, Act]:
    """Every act of the table, by key."""
    out = {}
    for key, e in _table()["acts"].items():
        where = f"rules.toml [acts.{key}]"
        out[key] = Act(
            key=key, type=e["type"], number=e.get("number", ""), name_vi=e.get("name_vi", ""),
            name_en=e.get("name_en", ""), signed=_date(e.get("signed"), where),
            in_force_from=_date(e.get("in_force_from"), where),
            in_force_until=_date(e.get("in_force_until"), where),
            title_vi=e.get("title_vi", ""), title_en=e.get("title_en", ""),
            issuer_vi=e.get("issuer_vi", ""), issuer_en=e.get("issuer_en", ""),
            consolidated=bool(e.get("consolidated", False)), source=e.get("source", ""),
            certainty=e.get("certainty", "S"))
    return out


@lru_cache(maxsize=1)
def transitions() -> dict[str, Transition]:
    """The transitional rules of the table, by key."""
    return {k: Transition(k, _cite(e["cite"]), e["certainty"], e["note_vi"], e["note_en"])
            for k, e in _table().get("transitions", {}).items()}


@lru_cache(maxsize=1)
def threshold_specs() -> dict[str, ThresholdSpec]:
    """Every threshold of the table with all its versions, in table order."""
    out: dict[str, ThresholdSpec] = {}
    for key, entry in _table()["thresholds"].items():
        where = f"rules.toml [thresholds.{key}]"
        versions = []
        for e in entry["versions"]:
            value = e["value"]
            if isinstance(value, list):
                value = tuple(value)
            versions.append(Version(
                key=key, value=value, cites=tuple(_cite(c) for c in e["cite"]),
                certainty=e["certainty"], in_force_from=_date(e.get("in_force_from"), where),
                in_force_until=_date(e.get("in_force_until"), where),
                note_vi=e.get("note_vi", ""), note_en=e.get("note_en", ""),
                transition=e.get("transition")))
        out[key] = ThresholdSpec(key=key, rule=entry["rule"], unit=entry.get("unit", ""),
                                 title_vi=entry["title_vi"], title_en=entry["title_en"],
                                 versions=tuple(versions),
                                 choices=tuple(entry.get("choices", ())))
    return out


# ---------------------------------------------------------------------------- resolved


@dataclass(frozen=True)
class Threshold:
    """A threshold as one plan uses it on one day: the version in force, maybe overridden."""

    spec: ThresholdSpec
    version: Version
    value: Any
    overridden: bool = False
    kept_for: _dt.date | None = None
    """The dossier date when a transitional rule kept this (older) version."""
    kept_by: str | None = None
    """The key of that transitional rule."""

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def rule(self) -> str:
        return self.spec.rule

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def choices(self) -> tuple[str, ...]:
        return self.spec.choices

    @property
    def certainty(self) -> Certainty:
        return self.version.certainty

    @property
    def default(self) -> Any:
        """The table's value (before any plan override)."""
        return self.version.value

    @property
    def reference(self) -> str:
        """The English citation of the version (no dates, no mark)."""
        return self.version.reference("en")

    @property
    def note(self) -> str:
        return self.version.note_en

    @property
    def enabled(self) -> bool:
        """False when the value is not set (NaN, ``""``): the table has no confirmed figure
        and the plan set none."""
        v = self.value
        return not ((isinstance(v, float) and math.isnan(v)) or v == "" or v is None)

    def source(self, lang: str = "en") -> str:
        """The table's own citation: reference, dates in force and certainty mark, plus the
        transitional rule when it kept this version."""
        out = self.version.source(lang)
        if self.kept_for is not None:
            t = transitions()[str(self.kept_by)]
            when = fmt_date(self.kept_for, lang)
            if lang == "vi":
                out += (f"; hồ sơ nộp ngày {when} tiếp tục áp dụng quy định này theo "
                        f"{t.cite.text('vi')} [{t.certainty}]")
            else:
                out += (f"; kept for the dossier filed on {when} by {t.cite.text('en')} "
                        f"[{t.certainty}]")
        return out

    def citation(self, lang: str = "en") -> str:
        """What a finding cites: the source, or the plan override and what it replaced."""
        if self.overridden:
            was = _fmt(self.default, self.unit, lang)
            if lang == "vi":
                return f"giá trị do phương án đặt (thay cho {was}: {self.source('vi')})"
            return f"plan override (was {was}: {self.source('en')})"
        return self.source(lang)

    def cite_text(self) -> Text:
        return Text(self.citation("vi"), self.citation("en"))


@dataclass(frozen=True)
class RuleInfo:
    """A rule of the table: what it checks and how severe its findings are."""

    id: str
    title_vi: str
    title_en: str
    checks_vi: str
    checks_en: str
    severity_vi: str
    severity_en: str

    @property
    def title(self) -> str:
        """The English title (``title_vi`` for the Vietnamese one)."""
        return self.title_en

    @property
    def checks(self) -> str:
        return self.checks_en

    @property
    def severity(self) -> str:
        return self.severity_en

    def title_in(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def checks_in(self, lang: str) -> str:
        return self.checks_vi if lang == "vi" else self.checks_en

    def severity_in(self, lang: str) -> str:
        return self.severity_vi if lang == "vi" else self.severity_en


def rule_info(rule: str | None = None) -> Any:
    """Information on one rule (:class:`RuleInfo`), or a dict of all when ``rule`` is None."""
    infos = {rid: RuleInfo(id=rid, **{k: e[k] for k in (
        "title_vi", "title_en", "checks_vi", "checks_en", "severity_vi", "severity_en")})
        for rid, e in _table()["rules"].items()}
    if rule is None:
        return infos
    if rule not in infos:
        raise PlanError(f"unknown rule {rule!r}; valid rules: {', '.join(RULE_IDS)}")
    return infos[rule]


def parse_as_of(value: Any, *, where: str = "as_of") -> _dt.date:
    """A judgement date from ``2026-12-02``, ``02/12/2026`` or a date; refused before the
    table's first day."""
    day = _date(value, where)
    if day is None:
        raise PlanError(f"{where}: a date is required, e.g. 2026-12-02")
    first = earliest_date()
    if day < first:
        raise PlanError(f"{where} = {day.isoformat()}: the rule table starts on "
                        f"{first.isoformat()} (Decree 32/2024/ND-CP in force); rules before "
                        f"that day are not recorded")
    return day


class Rules(Mapping[str, Threshold]):
    """The thresholds in force for one plan on one day (the table with the plan's overrides).

    ``as_of`` is the day judged; ``dossier_filed`` the plan-wide filing date of the clusters'
    dossiers (``[plan] dossier_filed``), used when a cluster gives none of its own.
    """

    def __init__(self, thresholds: Mapping[str, Threshold], *, as_of: _dt.date,
                 settings: Mapping[str, Any] | None = None,
                 dossier_filed: _dt.date | None = None) -> None:
        self._t = dict(thresholds)
        self.as_of = as_of
        self.settings = dict(settings or {})
        self.dossier_filed = dossier_filed
        self._dossier_cache: dict[_dt.date | None, Rules] = {}
        self._cite_cache: dict[tuple[str, ...], Text] = {}

    def __getitem__(self, key: str) -> Threshold:
        try:
            return self._t[key]
        except KeyError:
            raise KeyError(f"no threshold {key!r} in the rule table") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._t)

    def __len__(self) -> int:
        return len(self._t)

    def value(self, key: str) -> Any:
        """The value in force for ``key``."""
        return self[key].value

    def cite(self, *keys: str) -> Text:
        """Citations of ``keys`` in both languages, joined with ``"; "``, each source once."""
        if keys in self._cite_cache:
            return self._cite_cache[keys]
        vi: list[str] = []
        en: list[str] = []
        for key in keys:
            t = self[key]
            for out, lang in ((vi, "vi"), (en, "en")):
                c = t.citation(lang)
                if c not in out:
                    out.append(c)
        text = self._cite_cache[keys] = Text("; ".join(vi), "; ".join(en))
        return text

    def overrides(self) -> dict[str, Any]:
        """The plan's overrides, by key."""
        return {k: t.value for k, t in self._t.items() if t.overridden}

    def for_rule(self, rule: str) -> list[Threshold]:
        """The thresholds one rule uses, in table order."""
        return [t for t in self._t.values() if t.rule == rule]

    @property
    def transitional(self) -> bool:
        """Whether a transitional rule kept an older version of any threshold."""
        return any(t.kept_for is not None for t in self._t.values())

    def at(self, day: _dt.date) -> Rules:
        """The same plan's rules on another day."""
        return resolve_rules(self.settings, as_of=day, dossier_filed=self.dossier_filed)

    def for_dossier(self, filed: _dt.date | None) -> Rules:
        """The rules for a cluster whose dossier was filed on ``filed``.

        A version with a transitional rule (Decree 303/2026/NĐ-CP: dossiers under appraisal
        on 15 Sep 2026 continue under the old text) is replaced by the version before it when
        the dossier was filed before the version's first day. Overrides stay. ``None`` (no
        date) leaves the rules as they are.
        """
        if filed is None or filed > self.as_of:
            return self
        if filed in self._dossier_cache:
            return self._dossier_cache[filed]
        out: dict[str, Threshold] = {}
        for key, t in self._t.items():
            v = t.version
            by: str | None = None
            while (v.transition and v.in_force_from is not None
                   and filed < v.in_force_from):
                prev = t.spec.version_at(v.in_force_from - _ONE_DAY)
                if prev is None:
                    break
                v, by = prev, v.transition
            if not by:
                out[key] = t
                continue
            out[key] = _apply(replace(t, version=v, value=v.value, overridden=False,
                                      kept_for=filed, kept_by=by), self.settings)
        result = Rules(out, as_of=self.as_of, settings=self.settings,
                       dossier_filed=self.dossier_filed)
        self._dossier_cache[filed] = result
        return result


def _check_value(spec: ThresholdSpec, value: Any) -> str | None:
    """Why ``value`` cannot replace threshold ``spec``, or None when it can."""
    kind = spec.kind
    if kind == "choice":
        if value not in spec.choices:
            return f"{spec.key} must be one of {', '.join(map(repr, spec.choices))}, got {value!r}"
        return None
    if kind == "list":
        if not isinstance(value, (list, tuple)) or any(v not in spec.choices for v in value):
            return (f"{spec.key} must be a list of {', '.join(map(repr, spec.choices))}, "
                    f"got {value!r}")
        return None
    if kind == "bool":
        if not isinstance(value, bool):
            return f"{spec.key} must be true or false, got {value!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{spec.key} must be a number ({spec.unit or 'no unit'}), got {value!r}"
    if math.isnan(value) or value < 0:
        return f"{spec.key} must be a number ≥ 0, got {value!r}"
    return None


def validate_settings(mapping: Mapping[str, Any] | None) -> None:
    """Check the plan's ``[rules]`` table: known keys, values of the right type.

    Raises
    ------
    PlanError
        Naming every unknown key (with the closest valid one) and the list of valid keys, or
        every value of the wrong type.

    >>> validate_settings({"cluster_min_ha": 8})
    >>> validate_settings({"cluster_min": 8})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'cluster_min' (did you mean 'cluster_min_ha'?); ...
    """
    if not mapping:
        return
    if not isinstance(mapping, Mapping):
        raise PlanError(f"must be a table of threshold = value, got {mapping!r}")
    specs = threshold_specs()
    check_keys(mapping, tuple(specs))
    bad = [msg for k, v in mapping.items() if (msg := _check_value(specs[k], v))]
    if bad:
        raise PlanError("; ".join(bad) + ". Fix the value in the [rules] table of plan.toml.")


def resolve_rules(settings: Rules | Mapping[str, Any] | None = None, *,
                  as_of: _dt.date | str | None = None,
                  dossier_filed: _dt.date | str | None = None) -> Rules:
    """The thresholds in force on ``as_of`` (default: today) with ``settings`` (a plan's
    ``[rules]`` table) applied.

    A :class:`Rules` passes through unchanged (or is moved to ``as_of`` when that is given
    and differs), so checks accept either.

    Raises
    ------
    PlanError
        For a bad ``[rules]`` table, or a date before the table's first day.
    """
    day = parse_as_of(as_of) if as_of is not None else None
    filed = _date(dossier_filed, "dossier_filed") if dossier_filed is not None else None
    if isinstance(settings, Rules):
        if day is None or day == settings.as_of:
            return settings
        return settings.at(day)
    validate_settings(settings)
    if day is None:
        day = parse_as_of(_dt.date.today(), where="today")
    table: dict[str, Threshold] = {}
    for key, spec in threshold_specs().items():
        version = spec.version_at(day)
        if version is None:
            raise PlanError(f"the rule table has no version of {key} in force on "
                            f"{day.isoformat()}")
        table[key] = Threshold(spec, version, version.value)
    for key, t in table.items():
        table[key] = _apply(t, settings)
    return Rules(table, as_of=day, settings=settings, dossier_filed=filed)


def _apply(t: Threshold, settings: Mapping[str, Any] | None) -> Threshold:
    """``t`` with the plan's value for it, when the plan sets one that differs."""
    if not settings or t.key not in settings:
        return t
    value = settings[t.key]
    if isinstance(value, list):
        value = tuple(value)
    if value != t.default or isinstance(value, bool) != isinstance(t.default, bool):
        return replace(t, value=value, overridden=True)
    return t


def default_rules(as_of: _dt.date | str | None = None) -> Rules:
    """The rule table as shipped, without overrides, on ``as_of`` (default: today)."""
    return resolve_rules(None, as_of=as_of)


# ------------------------------------------------------------------------------ listing


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN (both "not set")."""
    nan_a = isinstance(a, float) and math.isnan(a)
    nan_b = isinstance(b, float) and math.isnan(b)
    return (nan_a and nan_b) or (not nan_a and not nan_b and a == b)


def _row(spec: ThresholdSpec, v: Version, lang: str, *, in_force: bool) -> dict[str, Any]:
    prev = spec.previous(v)
    row: dict[str, Any] = {
        "key": spec.key,
        "rule": spec.rule,
        "title": spec.title(lang),
        "value": list(v.value) if isinstance(v.value, tuple) else v.value,
        "value_text": _fmt(v.value, spec.unit, lang),
        "unit": spec.unit,
        "reference": v.reference(lang),
        "in_force_from": v.in_force_from.isoformat() if v.in_force_from else None,
        "in_force_until": v.in_force_until.isoformat() if v.in_force_until else None,
        "certainty": v.certainty,
        "source": v.source(lang),
        "note": v.note(lang),
        "in_force": in_force,
        "transition": v.transition,
        "previous": None,
    }
    if prev is not None:
        row["previous"] = {
            "value": list(prev.value) if isinstance(prev.value, tuple) else prev.value,
            "value_text": _fmt(prev.value, spec.unit, lang),
            "in_force_from": prev.in_force_from.isoformat() if prev.in_force_from else None,
            "in_force_until": prev.in_force_until.isoformat() if prev.in_force_until else None,
            "certainty": prev.certainty,
            "source": prev.source(lang),
            "changed": not _same(prev.value, v.value),
        }
    return row


def rule_table(as_of: _dt.date | str | None = None, *, lang: str = "vi",
               all_versions: bool = False) -> dict[str, Any]:
    """The rule table on ``as_of`` (default: today), as ``geoplan rules`` lists it.

    Returns ``as_of``, ``version`` (of the table), ``rules`` (each with its title, what it
    checks, severity and the citations of its thresholds in force) and ``thresholds``: the
    version of each threshold in force (with ``previous``, the version it replaced), or every
    version when ``all_versions``, each marked ``in_force``. ``changes`` lists the versions
    in force whose value differs from the one they replaced, newest first.
    """
    day = parse_as_of(as_of) if as_of is not None else parse_as_of(_dt.date.today(),
                                                                     where="today")
    rows: list[dict[str, Any]] = []
    for spec in threshold_specs().values():
        current = spec.version_at(day)
        for v in (spec.versions if all_versions else ((current,) if current else ())):
            rows.append(_row(spec, v, lang, in_force=v is current))
    infos = rule_info()
    rules_out = []
    for rid in RULE_IDS:
        info = infos[rid]
        in_force = [ver for spec in threshold_specs().values() if spec.rule == rid
                    for ver in (spec.version_at(day),) if ver is not None]
        legal = [ver for ver in in_force if not ver.is_default] or in_force
        cites = list(dict.fromkeys(c.text(lang) for ver in legal for c in ver.cites))
        marks = sorted({ver.certainty for ver in legal}, key=_RANK.__getitem__, reverse=True)
        rules_out.append({
            "id": rid, "title": info.title_in(lang), "checks": info.checks_in(lang),
            "severity": info.severity_in(lang), "references": cites,
            "certainty": ", ".join(marks),
        })
    changes = sorted((r for r in rows if r["in_force"] and r["previous"] is not None
                      and r["previous"]["changed"]),
                     key=lambda r: r["in_force_from"] or "", reverse=True)
    return {"as_of": day.isoformat(), "version": table_version(), "lang": lang,
            "rules": rules_out, "thresholds": rows,
            "changes": [{"key": r["key"], "rule": r["rule"], "since": r["in_force_from"],
                         "before": r["previous"]["value_text"], "after": r["value_text"],
                         "source": r["source"]} for r in changes]}


def versions_consistent() -> list[str]:
    """Problems of the table itself (overlapping or unordered versions, gaps after the first
    day, unknown acts): empty when the table is sound. Used by the tests."""
    problems = []
    first = earliest_date()
    known = acts()
    for spec in threshold_specs().values():
        vs = spec.versions
        for v in vs:
            for c in v.cites:
                for a in (c, c.amended_by):
                    if a is not None and a.act not in known:
                        problems.append(f"{spec.key}: unknown act {a.act!r}")
            if v.transition and v.transition not in transitions():
                problems.append(f"{spec.key}: unknown transition {v.transition!r}")
        for older, newer in itertools.pairwise(vs):
            if older.in_force_until is None or newer.in_force_from is None:
                problems.append(f"{spec.key}: a version without an end is followed by another")
            elif newer.in_force_from != older.in_force_until + _ONE_DAY:
                problems.append(f"{spec.key}: versions do not follow each other "
                                f"({older.in_force_until} -> {newer.in_force_from})")
        if vs[0].in_force_from is not None and vs[0].in_force_from > first:
            problems.append(f"{spec.key}: no version on {first}")
        if vs[-1].in_force_until is not None:
            problems.append(f"{spec.key}: no version in force after {vs[-1].in_force_until}")
    return problems



def markdown_table(lang: str = "en") -> str:
    """Every version of every threshold as a Markdown table (the README's): key, value,
    source, dates in force, certainty. The versions in force today and the superseded ones
    alike, oldest first."""
    head = ("| key | value | source | in force | mark |", "|---|---|---|---|---|")
    rows = []
    for spec in threshold_specs().values():
        for v in spec.versions:
            period = v.period(lang) or ("always (geoplan default)" if lang == "en"
                                        else "luôn (mặc định của geoplan)")
            rows.append(f"| `{spec.key}` | {_fmt(v.value, spec.unit, lang)} | "
                        f"{v.reference(lang)} | {period} | {v.certainty} |")
    return "\n".join((*head, *rows))
