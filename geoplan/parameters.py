"""Documented planning parameters: the tables of ``geoplan/data/coverage.toml`` and ``grid.toml``.

Each table of such a file is one parameter::

    [radius_km]
    value = { "110" = 10.0, "220" = 35.0 }   # a number, a text, a list, or a table
    unit = "km"
    certainty = "N"                          # C, S, N (domain-facts.md) or "setting"
    source = "where the number comes from, or why it was chosen"

The plan overrides a parameter by name in the section of the same name (``[coverage]``,
``[grid]``); the stage that owns the section checks the value.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from geoplan.messages import Text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["CERTAINTIES", "Parameter", "read_parameters"]

#: The certainty marks of domain-facts.md, and "setting" for switches that are no fact.
CERTAINTIES: tuple[str, ...] = ("C", "S", "N", "setting")

_CERTAINTY_WORDS = {"C": "confirmed", "S": "second-hand",
                    "N": "planning assumption, no norm found", "setting": "setting"}
_CERTAINTY_WORDS_VI = {"C": "đã xác nhận", "S": "nguồn thứ cấp",
                       "N": "giả định quy hoạch, chưa tìm thấy quy chuẩn", "setting": "thiết lập"}


@dataclass(frozen=True)
class Parameter:
    """One planning assumption: its value, unit, certainty and source.

    ``from_plan`` is true when the plan's section (``section``: ``coverage`` or ``grid``)
    changed the default.
    """

    name: str
    value: Any
    unit: str
    certainty: str
    source: str
    from_plan: bool = False
    section: str = "coverage"

    def cite(self) -> str:
        """A short reference for findings: where the value came from."""
        where = (f"plan.toml [{self.section}]" if self.from_plan
                 else f"geoplan/data/{self.section}.toml")
        kind = _CERTAINTY_WORDS[self.certainty]
        return f"{self.name} = {_short_value(self.value)} {self.unit} ({kind}; {where})".replace(
            "  ", " ")

    def cite_text(self) -> Text:
        """:meth:`cite` in both languages (Vietnamese first), for findings' ``reference``."""
        where = (f"plan.toml [{self.section}]" if self.from_plan
                 else f"geoplan/data/{self.section}.toml")
        head = f"{self.name} = {_short_value(self.value)} {self.unit}".replace("  ", " ")
        return Text(f"{head} ({_CERTAINTY_WORDS_VI[self.certainty]}; {where})",
                    f"{head} ({_CERTAINTY_WORDS[self.certainty]}; {where})")


def _short_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}"
                               for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def read_parameters(section: str) -> dict[str, Parameter]:
    """The parameters of ``geoplan/data/<section>.toml``, by name (a new dict each call).

    >>> read_parameters("grid")["tolerance_m"].unit
    'm'
    """
    return dict(_read(section))


@cache
def _read(section: str) -> dict[str, Parameter]:
    name = f"{section}.toml"
    text = resources.files("geoplan").joinpath("data", name).read_text(encoding="utf-8")
    out: dict[str, Parameter] = {}
    for key, table in tomllib.loads(text).items():
        if table.get("certainty") not in CERTAINTIES:  # pragma: no cover - data file guard
            raise ValueError(f"{name}: [{key}] certainty must be one of {CERTAINTIES}")
        out[key] = Parameter(key, table["value"], table.get("unit", ""), table["certainty"],
                             " ".join(table["source"].split()), section=section)
    return out
