"""Problems found while loading a plan, and the report that collects them.

A :class:`Problem` says where (file, layer, feature, field), what, and the fix, in Vietnamese
(``message``, ``fix``) and in English (``message_en``, ``fix_en``); a :class:`ValidationReport`
holds every problem of a plan so that one run shows them all. The texts of the load stage are
templates in the ``[problem.*]`` section of ``geoplan/data/messages.toml``
(:func:`problem_text`); a problem built with one text only (a third-party caller) shows it in
both languages. The codes (``missing-column``, ``bad-value``...) are ASCII and the same in both.

>>> report = ValidationReport()
>>> report.add(Problem("error", "missing-field", "không có cột 'id'", "ánh xạ cột trong fields",
...                    layer="clusters", field="id", message_en="no column 'id'",
...                    fix_en="map it in fields"))
>>> report.summary()
'phương án có lỗi: 1 lỗi, 0 cảnh báo, 0 ghi chú'
>>> report.summary("en")
'the plan has errors: 1 error, 0 warnings, 0 notes'
>>> print(report.to_text("en"))
ERROR   missing-field: [layer clusters] field 'id': no column 'id'. Fix: map it in fields
>>> print(report.to_text())
LỖI      missing-field: [lớp clusters] trường 'id': không có cột 'id'. Sửa: ánh xạ cột trong fields
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from geoplan.errors import LayerReadError
from geoplan.messages import Lang, Text, check_lang, message

__all__ = ["Logged", "Problem", "ProblemSeverity", "ValidationReport", "error_text",
           "log_lang", "log_text", "problem_text", "read_error", "set_log_lang"]

ProblemSeverity = Literal["error", "warning", "info"]

_SEVERITY = {
    "vi": {"error": "LỖI", "warning": "CẢNH BÁO", "info": "GHI CHÚ"},
    "en": {"error": "ERROR", "warning": "WARNING", "info": "INFO"},
}
_WHERE = {
    "vi": ("lớp", "đối tượng", "trường", "Sửa:"),
    "en": ("layer", "feature", "field", "Fix:"),
}


def problem_text(key: str, **fields: Any) -> Text:
    """The template ``problem.KEY`` of ``geoplan/data/messages.toml`` filled in both languages
    (lower-case first letter: the text follows ``code: where:`` in a report line).

    >>> problem_text("empty_layer").vi
    'lớp không có đối tượng nào'
    """
    return message(f"problem.{key}", capital=False, **fields)


def read_error(text: Text) -> LayerReadError:
    """A :class:`~geoplan.errors.LayerReadError` saying ``text``: English as its message, both
    languages kept for the ``unreadable`` problem it becomes (:func:`error_text`)."""
    return LayerReadError(text)


def error_text(exc: BaseException) -> Text:
    """What an error says in both languages: the texts of :func:`read_error`, else its own
    words (GDAL's, PROJ's, a reader's) in both."""
    text = getattr(exc, "text", None)
    return text if isinstance(text, Text) else Text.same(str(exc))


_LOG_LANG: list[Lang] = ["vi"]


def set_log_lang(lang: str | None) -> None:
    """Write the library's log messages in ``lang`` from now on (``None``: Vietnamese).

    The session language of the logs: the CLI sets it from ``--lang``; a program that embeds
    geoplan sets it once, as it configures its logging handlers. Findings and problems do not
    depend on it (they carry both languages and take ``lang`` where they are shown).
    """
    _LOG_LANG[0] = check_lang(lang or "vi")


def log_lang() -> Lang:
    """The language of the library's log messages (:func:`set_log_lang`), Vietnamese by
    default."""
    return _LOG_LANG[0]


class Logged:
    """A text in both languages given to a logger: it writes itself in :func:`log_lang` when
    the record is formatted, so a message is never translated unless a handler shows it.

    >>> set_log_lang("en"); str(log_text("log.coverage_inferred_voltage", n=2))[:29]
    '2 substation(s) without a vol'
    >>> set_log_lang(None); str(log_text("log.coverage_inferred_voltage", n=2))[:26]
    '2 trạm biến áp chưa có cấp'
    """

    __slots__ = ("text",)

    def __init__(self, text: Text) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text.get(log_lang())

    def __repr__(self) -> str:
        return f"Logged({self.text!r})"


def log_text(key: str, **fields: Any) -> Logged:
    """The template ``key`` of ``geoplan/data/messages.toml`` for a log message:
    ``log.warning("%s", log_text("log.KEY", n=3))``."""
    return Logged(message(key, capital=False, **fields))


@dataclass(frozen=True)
class Problem:
    """One problem found in a plan: where it is, what it is, and the fix.

    ``message`` and ``fix`` are Vietnamese, ``message_en`` and ``fix_en`` English; left empty,
    the English texts are the Vietnamese ones (a caller with one language only).
    """

    severity: ProblemSeverity
    code: str
    message: str
    fix: str = ""
    layer: str | None = None
    file: str | None = None
    feature: str | None = None
    field: str | None = None
    count: int = 1
    message_en: str = ""
    fix_en: str = ""

    def __post_init__(self) -> None:
        if not self.message_en:
            object.__setattr__(self, "message_en", self.message)
        if not self.fix_en:
            object.__setattr__(self, "fix_en", self.fix)

    @classmethod
    def of(cls, severity: ProblemSeverity, code: str, text: Text, fix: Text | None = None,
           **where: Any) -> Problem:
        """A problem from texts in both languages (:func:`problem_text`); ``where`` is
        ``layer``, ``file``, ``feature``, ``field``, ``count``."""
        fix = fix or Text("", "")
        return cls(severity, code, text.vi, fix.vi, message_en=text.en, fix_en=fix.en, **where)

    @property
    def text(self) -> Text:
        """The message in both languages."""
        return Text(self.message, self.message_en)

    @property
    def fix_text(self) -> Text:
        """The fix in both languages."""
        return Text(self.fix, self.fix_en)

    def with_severity(self, severity: ProblemSeverity) -> Problem:
        """The same problem with another severity (``strict`` turns warnings into errors)."""
        return replace(self, severity=severity)

    def to_text(self, lang: str = "vi") -> str:
        """One line: severity, code, where, the message and the fix, in ``lang``."""
        lang = check_lang(lang)
        layer, feature, fld, fix_word = _WHERE[lang]
        where = " ".join(
            part for part in (
                self.file or "",
                f"[{layer} {self.layer}]" if self.layer else "",
                f"{feature} {_features(self.feature, lang)}" if self.feature else "",
                f"{fld} {self.field!r}" if self.field else "",
            ) if part
        )
        text = self.message if lang == "vi" else self.message_en
        fix_text = self.fix if lang == "vi" else self.fix_en
        fix = f" {fix_word} {fix_text}" if fix_text else ""
        severity = _SEVERITY[lang][self.severity]
        width = 8 if lang == "vi" else 7
        end = "" if text.endswith(".") else "."  # a message may end with a sentence
        return f"{severity:{width}} {self.code}: {where}: {text}{end}{fix}"


def _features(shown: str, lang: str) -> str:
    """The feature ids of a grouped problem in ``lang``: ``feature`` keeps the load stage's
    ``"A, B and 3 more"`` (what the records and the workbench read), shown in Vietnamese as
    ``"A, B và 3 đối tượng khác"``."""
    head, sep, tail = shown.rpartition(" and ")
    if lang == "vi" and sep and tail.endswith(" more") and tail[:-5].isdigit():
        return problem_text("more_features", shown=head, n=int(tail[:-5])).vi
    return shown


@dataclass
class ValidationReport:
    """Every problem found while loading a plan."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def has_warnings(self) -> bool:
        return any(p.severity == "warning" for p in self.problems)

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def summary(self, lang: str = "vi") -> str:
        """One line: whether the plan loads, and how many errors, warnings and notes."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        n_info = len(self.problems) - n_err - n_warn
        counts = {name: problem_text(f"count_{name}{'s' * (n != 1)}", n=n)
                  for name, n in (("error", n_err), ("warning", n_warn), ("note", n_info))}
        key = "report_errors" if n_err else "report_loads"
        return problem_text(key, errors=counts["error"], warnings=counts["warning"],
                            notes=counts["note"]).get(lang)

    def to_text(self, lang: str = "vi") -> str:
        """Every problem, one a line, errors first, in ``lang``."""
        if not self.problems:
            return message("problem.report_none").get(lang)
        order = {"error": 0, "warning": 1, "info": 2}
        rows = sorted(self.problems, key=lambda p: (order[p.severity], p.layer or "", p.code))
        return "\n".join(p.to_text(lang) for p in rows)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict a problem: every field, the texts in both languages."""
        return [asdict(p) for p in self.problems]

    def to_json(self) -> str:
        return json.dumps(self.to_records(), ensure_ascii=False, indent=2)

    def to_frame(self) -> pd.DataFrame:
        columns = list(Problem.__dataclass_fields__)
        return pd.DataFrame(self.to_records(), columns=columns)
