"""Texts a planner reads, Vietnamese first and English on request, from one table.

Every finding message, label and summary line of the checks is a template in
``geoplan/data/messages.toml`` with a ``vi`` and an ``en`` text; :func:`message` fills both at
once and returns a :class:`Text`. Numbers are written the way each language writes them
(``9,50 ha`` / ``9.50 ha``, ``10.000 m²`` / ``10,000 m²``), dates as ``15/09/2026`` /
``15 Sep 2026``. Nothing here prints.

>>> m = message("cluster_size.too_small", label=label("industrial_cluster", "C1"),
...             measured=9.0, minimum=10.0)
>>> m.vi
'Cụm công nghiệp C1 có diện tích đo được 9,00 ha, nhỏ hơn mức tối thiểu 10 ha.'
>>> m.en
'Cluster C1 measures 9.00 ha, below the minimum of 10 ha.'
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "LANGS",
    "Lang",
    "Text",
    "Texts",
    "check_lang",
    "fill",
    "fmt_date",
    "label",
    "message",
    "message_keys",
    "plan_lang",
    "term",
    "terms",
]

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Text:
    """One text in Vietnamese and in English."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if check_lang(lang) == "vi" else self.en

    def __add__(self, other: Text) -> Text:
        """The two texts one after the other, a space between them when both are set."""
        return Text(_space(self.vi, other.vi), _space(self.en, other.en))

    @staticmethod
    def join(sep: str | Text, parts: Iterable[Text]) -> Text:
        """``parts`` joined by ``sep`` in each language."""
        items = list(parts)
        s = sep if isinstance(sep, Text) else Text(sep, sep)
        return Text(s.vi.join(p.vi for p in items), s.en.join(p.en for p in items))

    @staticmethod
    def same(text: str) -> Text:
        """A text that is the same in both languages (an id, a number, a name)."""
        return Text(text, text)


def _space(a: str, b: str) -> str:
    return f"{a} {b}" if a and b else a or b


def check_lang(lang: Any) -> Lang:
    """``lang`` when it is ``"vi"`` or ``"en"``; :class:`ValueError` naming both otherwise."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: use \"vi\" or \"en\"")
    return "vi" if lang == "vi" else "en"


def plan_lang(plan: Any, lang: str | None = None) -> Lang:
    """The language a plan's texts are written in: ``lang`` when given, else the plan's
    ``[report] lang``, else Vietnamese."""
    if lang is None:
        settings = getattr(plan, "settings", None) or {}
        lang = settings.get("report", {}).get("lang", "vi")
    return check_lang(lang)


def fmt_date(day: _dt.date, lang: str) -> str:
    """``15/09/2026`` (vi) or ``15 Sep 2026`` (en)."""
    if check_lang(lang) == "vi":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


class _Number:
    """A number that formats itself the language's way inside ``str.format``."""

    __slots__ = ("value", "vi")

    def __init__(self, value: float, vi: bool) -> None:
        self.value, self.vi = value, vi

    def __format__(self, spec: str) -> str:
        if isinstance(self.value, float) and math.isnan(self.value):
            return "?"
        text = format(self.value, spec)
        return text.translate(_VI_NUMBER) if self.vi else text


def _field(value: Any, lang: Lang) -> Any:
    if isinstance(value, Text):
        return value.vi if lang == "vi" else value.en
    if isinstance(value, _dt.date):
        return fmt_date(value, lang)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _Number(value, lang == "vi")
    return value


_VI_NUMBER = str.maketrans({",": ".", ".": ","})


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("geoplan").joinpath("data/messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for key, entry in table.items():
        name = f"{prefix}{key}"
        if isinstance(entry, Mapping) and "vi" in entry and "en" in entry:
            out[name] = (str(entry["vi"]), str(entry["en"]))
        elif isinstance(entry, Mapping):
            out.update(_flat(entry, f"{name}."))
    return out


@lru_cache(maxsize=1)
def _templates() -> dict[str, tuple[str, str]]:
    return _flat(_table())


def message_keys() -> tuple[str, ...]:
    """Every template key of the table (``section.name``)."""
    return tuple(_templates())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def message(key: str, *, capital: bool = True, **fields: Any) -> Text:
    """The template ``key`` filled with ``fields`` in both languages.

    Fields may be :class:`Text` (each language takes its own), numbers (formatted per
    language), dates, or plain strings (ids and names, the same in both). The first letter is
    capitalised unless ``capital=False``.

    Raises
    ------
    KeyError
        For a key the table does not have (a typo in a check must not pass silently).
    """
    try:
        vi, en = _templates()[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in geoplan/data/messages.toml") from None
    out_vi = vi.format_map({k: _field(v, "vi") for k, v in fields.items()})
    out_en = en.format_map({k: _field(v, "en") for k, v in fields.items()})
    if capital:
        out_vi, out_en = _capital(out_vi), _capital(out_en)
    return Text(out_vi, out_en)


def term(group: str, value: Any) -> Text:
    """The label of a vocabulary value (``term("status", "planned")``); the value itself
    when the table has no label for it."""
    entry = _table().get("terms", {}).get(group, {}).get(str(value))
    if entry is None:
        return Text.same(str(value))
    return Text(str(entry["vi"]), str(entry["en"]))


def label(kind: str, fid: Any, name: Any = None, status: Any = None,
          trade_type: Any = None) -> Text:
    """A feature as messages name it: ``cụm công nghiệp CCN-03 "Đông Thọ" (quy hoạch mới)`` /
    ``cluster CCN-03 "Đông Thọ" (planned)``."""
    what = term("kind", kind)
    if trade_type and kind == "trade_facility":
        what = term("trade_type", trade_type)
    text = what + Text.same(str(fid))
    if name:
        text = text + Text.same(f'"{name}"')
    if status:
        st = term("status", status)
        text = text + Text(f"({st.vi})", f"({st.en})")
    return text


# ------------------------------------------------------------------ column-wise texts


@dataclass(frozen=True)
class Texts:
    """A column of texts in Vietnamese and in English (object arrays of ``str``), the
    column-wise twin of :class:`Text`: findings messages are built for every
    row of a check at once, not row by row."""

    vi: np.ndarray
    en: np.ndarray

    def __len__(self) -> int:
        return len(self.vi)

    def __add__(self, other: Texts | Text) -> Texts:
        """Row by row, the two texts one after the other, a space between them when both are
        set (as ``Text + Text``)."""
        if isinstance(other, Text):
            other = Texts.full(other, len(self))
        return Texts(_spaced(self.vi, other.vi), _spaced(self.en, other.en))

    def __getitem__(self, rows: Any) -> Texts:
        return Texts(self.vi[rows], self.en[rows])

    @staticmethod
    def full(text: Text, n: int) -> Texts:
        """``text`` on each of ``n`` rows."""
        return Texts(np.full(n, text.vi, dtype=object), np.full(n, text.en, dtype=object))

    @staticmethod
    def of(texts: Sequence[Text]) -> Texts:
        return Texts(objects([t.vi for t in texts]), objects([t.en for t in texts]))

    @staticmethod
    def where(cond: np.ndarray, a: Texts, b: Texts) -> Texts:
        return Texts(np.where(cond, a.vi, b.vi), np.where(cond, a.en, b.en))

    def texts(self) -> list[Text]:
        return [Text(v, e) for v, e in zip(self.vi.tolist(), self.en.tolist(), strict=True)]


def objects(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values.copy()
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _spaced(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = objects(a), objects(b)
    both = (a != "") & (b != "")
    out = a + b
    if both.any():
        out[both] = a[both] + " " + b[both]
    return out


class _Slot:
    """A placeholder that prints itself as a marker holding its format spec (see
    :func:`_template`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return f"\x00{self.name}\x01{spec}\x00"


@cache
def _template(key: str, fields: tuple[str, ...]) -> tuple[tuple[tuple[str, str | None, str], ...],
                                                         ...]:
    """The template ``key`` of the message table in each language, as (literal, field, spec)
    pieces, read through :func:`message` with placeholder fields."""
    filled = message(key, capital=False, **{f: _Slot(f) for f in fields})
    out = []
    for text in (filled.vi, filled.en):
        pieces: list[tuple[str, str | None, str]] = []
        chunks = text.split("\x00")
        for k in range(0, len(chunks), 2):
            field, spec = (chunks[k + 1].split("\x01") if k + 1 < len(chunks) else (None, ""))
            pieces.append((chunks[k], field, spec))
        out.append(tuple(pieces))
    return tuple(out)


def _formatted(values: np.ndarray, spec: str, vi: bool) -> np.ndarray:
    """Numbers formatted as :func:`message` formats them, once per distinct
    value (NaN: ``?``; Vietnamese swaps the decimal and thousands marks)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        uniq, inverse = np.unique(arr, return_inverse=True)  # NaNs sort last
        texts = ["?" if v != v else format(v, spec) for v in uniq.tolist()]
    else:
        uniq, inverse = np.unique(arr, return_inverse=True)
        texts = [format(v, spec) for v in uniq.tolist()]
    if vi:
        texts = [t.translate(_VI_NUMBER) for t in texts]
    return objects(texts)[inverse.ravel()]


def fill(key: str, n: int, *, capital: bool = True, **fields: Any) -> Texts:
    """The template ``key`` filled for ``n`` rows at once, in both languages: the column-wise
    :func:`message`, with the same texts.

    A field is a :class:`Texts` or a :class:`Text` (each language its own),
    a numeric array or number (formatted per language), or an array of ``str`` or a ``str``
    (ids and names, the same in both).
    """
    out = []
    for lang, pieces in zip(("vi", "en"), _template(key, tuple(sorted(fields))), strict=True):
        vi = lang == "vi"
        acc = np.full(n, "", dtype=object)
        for literal, name, spec in pieces:
            if literal:
                acc = acc + literal
            if name is None:
                continue
            value = fields[name]
            if isinstance(value, (Texts, Text)):
                part = value.vi if vi else value.en
            elif isinstance(value, str):
                part = format(value, spec)
            elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                part = _formatted(np.array([value]), spec, vi)[0]
            else:
                arr = np.asarray(value)
                if arr.dtype.kind in "iuf":
                    part = _formatted(arr, spec, vi)
                else:
                    part = objects([format(v, spec) for v in arr.tolist()])
            acc = acc + part
        out.append(acc)
    vi_text, en_text = out
    if capital:
        vi_text, en_text = _capitalised(vi_text), _capitalised(en_text)
    return Texts(vi_text, en_text)


def _capitalised(values: np.ndarray) -> np.ndarray:
    texts = values.tolist()
    if set(map(type, texts)) <= {str}:  # filled templates: always
        return objects([v[:1].upper() + v[1:] for v in texts])
    s = pd.Series(values, dtype=object)
    return (s.str[:1].str.upper() + s.str[1:]).to_numpy(dtype=object)


def terms(group: str, values: np.ndarray) -> Texts:
    """:func:`term` of each value, looked up once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).astype(str))
    found = [term(group, u) for u in uniques]
    vi = objects([t.vi for t in found])
    en = objects([t.en for t in found])
    return Texts(vi[codes], en[codes])


# ------------------------------------------------------------------ the session language

_SESSION: dict[str, Lang] = {"lang": "vi"}


def set_session_lang(lang: str | None) -> Lang:
    """Set the language of the library's log messages (the CLI sets it from ``--lang``);
    ``None`` means Vietnamese. Returns the language set."""
    _SESSION["lang"] = check_lang("vi" if lang is None else lang)
    return _SESSION["lang"]


def session_lang() -> Lang:
    """The language log messages are written in (Vietnamese unless :func:`set_session_lang`
    chose English)."""
    return _SESSION["lang"]


def log_text(key: str, **fields: Any) -> str:
    """The template ``key`` (as :func:`message`, first letter kept) in the session language,
    for a log line."""
    return message(key, capital=False, **fields).get(_SESSION["lang"])
