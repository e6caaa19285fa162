"""Problems found while loading a plan, and the report that collects them.

A :class:`Problem` says where (file, layer, feature, field), what, and the fix; a
:class:`ValidationReport` holds every problem of a plan so that one run shows them all.

>>> report = ValidationReport()
>>> report.add(Problem("error", "missing-field", "no column for 'id'",
...                    "map it in [layers.x.fields]", layer="clusters", field="id"))
>>> report.summary()
'the plan has errors: 1 error, 0 warnings, 0 notes'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["Problem", "ProblemSeverity", "ValidationReport"]

ProblemSeverity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One problem found in a plan: where it is, what it is, and the fix."""

    severity: ProblemSeverity
    code: str
    message: str
    fix: str = ""
    layer: str | None = None
    file: str | None = None
    feature: str | None = None
    field: str | None = None
    count: int = 1

    def to_text(self) -> str:
        where = " ".join(
            part for part in (
                self.file or "",
                f"[layer {self.layer}]" if self.layer else "",
                f"feature {self.feature}" if self.feature else "",
                f"field {self.field!r}" if self.field else "",
            ) if part
        )
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{self.severity.upper():7} {self.code}: {where}: {self.message}.{fix}"


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

    def summary(self) -> str:
        n_err, n_warn = len(self.errors), len(self.warnings)
        n_info = len(self.problems) - n_err - n_warn
        verdict = "the plan has errors" if n_err else "the plan loads"
        return (f"{verdict}: {n_err} error{'s' * (n_err != 1)}, {n_warn} "
                f"warning{'s' * (n_warn != 1)}, {n_info} note{'s' * (n_info != 1)}")

    def to_text(self) -> str:
        if not self.problems:
            return "No problems found."
        order = {"error": 0, "warning": 1, "info": 2}
        rows = sorted(self.problems, key=lambda p: (order[p.severity], p.layer or "", p.code))
        return "\n".join(p.to_text() for p in rows)

    def to_records(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.problems]

    def to_json(self) -> str:
        return json.dumps(self.to_records(), ensure_ascii=False, indent=2)

    def to_frame(self) -> pd.DataFrame:
        columns = list(Problem.__dataclass_fields__)
        return pd.DataFrame(self.to_records(), columns=columns)
