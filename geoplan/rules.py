"""The rule table: every threshold the checks use, with its legal reference and certainty.

Thresholds live in ``geoplan/data/rules.toml``, not in code. Each has a value, a unit, the legal
source it comes from, and how certain that source is:

- ``C`` confirmed in a source that was read,
- ``S`` reported secondhand (a usable default; verify it),
- ``N`` not found in the law: a geoplan default or an engineering assumption.

A plan overrides any threshold by key in its ``[rules]`` table; findings then cite
``plan override (was ...)`` so a reader always sees where a number came from::

    [rules]
    cluster_aggregation_unit = "province"
    conductor_offset_220kv_m = 4.2

>>> rules = resolve_rules({"cluster_min_ha": 8})
>>> rules.value("cluster_min_ha"), rules.cite("cluster_min_ha")
(8, 'plan override (was 10 ha: Decree 32/2024/ND-CP art. 2 cl. 1 [C])')
>>> rules.cite("cluster_max_ha")
'Decree 32/2024/ND-CP art. 2 cl. 1 [C]'
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from geoplan.errors import PlanError, check_keys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ALL_RULE_IDS",
    "GRID_RULE_IDS",
    "RULE_IDS",
    "RuleInfo",
    "Rules",
    "Threshold",
    "default_rules",
    "resolve_rules",
    "rule_info",
    "validate_settings",
]

Certainty = Literal["C", "S", "N"]

#: Rule ids, in the order the checks run and the README documents them.
RULE_IDS: tuple[str, ...] = (
    "overlap",
    "corridor",
    "cluster-size",
    "cluster-expansion",
    "cluster-new",
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


@dataclass(frozen=True)
class Threshold:
    """One threshold of the rule table, possibly overridden by the plan."""

    key: str
    rule: str
    value: Any
    unit: str
    reference: str
    certainty: Certainty
    note: str = ""
    choices: tuple[str, ...] = ()
    default: Any = None
    overridden: bool = False

    @property
    def enabled(self) -> bool:
        """False when the value is NaN: the table has no confirmed number and the plan set none."""
        return not (isinstance(self.value, float) and math.isnan(self.value))

    @property
    def source(self) -> str:
        """The table's own citation: reference and certainty mark."""
        return f"{self.reference} [{self.certainty}]"

    @property
    def citation(self) -> str:
        """What a finding cites: the source, or the plan override and what it replaced."""
        if self.overridden:
            return f"plan override (was {_fmt(self.default, self.unit)}: {self.source})"
        return self.source


@dataclass(frozen=True)
class RuleInfo:
    """A rule of the table: what it checks and how severe its findings are."""

    id: str
    title: str
    checks: str
    severity: str
    extra: Mapping[str, str]


def _fmt(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and math.isnan(value):
        text = "not set"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return f"{text} {unit}" if unit and text != "not set" else text


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("geoplan").joinpath("data/rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Threshold]:
    out: dict[str, Threshold] = {}
    for key, entry in _table()["thresholds"].items():
        out[key] = Threshold(
            key=key,
            rule=entry["rule"],
            value=entry["value"],
            unit=entry.get("unit", ""),
            reference=entry["reference"],
            certainty=entry["certainty"],
            note=entry.get("note", ""),
            choices=tuple(entry.get("choices", ())),
            default=entry["value"],
        )
    return out


def rule_info(rule: str | None = None) -> Any:
    """Information on one rule (:class:`RuleInfo`), or a dict of all when ``rule`` is None."""
    infos = {
        rid: RuleInfo(
            id=rid,
            title=entry["title"],
            checks=entry["checks"],
            severity=entry["severity"],
            extra={k: v for k, v in entry.items() if k not in ("title", "checks", "severity")},
        )
        for rid, entry in _table()["rules"].items()
    }
    if rule is None:
        return infos
    if rule not in infos:
        raise PlanError(f"unknown rule {rule!r}; valid rules: {', '.join(RULE_IDS)}")
    return infos[rule]


class Rules(Mapping[str, Threshold]):
    """The thresholds in force for one plan (the table with the plan's overrides applied)."""

    def __init__(self, thresholds: Mapping[str, Threshold]) -> None:
        self._t = dict(thresholds)

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

    def cite(self, *keys: str) -> str:
        """Citations of ``keys``, joined with ``"; "``, each source once."""
        seen: list[str] = []
        for key in keys:
            c = self[key].citation
            if c not in seen:
                seen.append(c)
        return "; ".join(seen)

    def overrides(self) -> dict[str, Any]:
        """The plan's overrides, by key."""
        return {k: t.value for k, t in self._t.items() if t.overridden}

    def for_rule(self, rule: str) -> list[Threshold]:
        """The thresholds one rule uses, in table order."""
        return [t for t in self._t.values() if t.rule == rule]


def default_rules() -> Rules:
    """The rule table as shipped, without overrides."""
    return Rules(_defaults())


def _check_value(t: Threshold, value: Any) -> str | None:
    """Why ``value`` cannot replace threshold ``t``, or None when it can."""
    if t.choices:
        if value not in t.choices:
            return f"{t.key} must be one of {', '.join(map(repr, t.choices))}, got {value!r}"
        return None
    if isinstance(t.default, bool):
        if not isinstance(value, bool):
            return f"{t.key} must be true or false, got {value!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{t.key} must be a number ({t.unit or 'no unit'}), got {value!r}"
    if math.isnan(value) or value < 0:
        return f"{t.key} must be a number ≥ 0, got {value!r}"
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
    table = _defaults()
    check_keys(mapping, tuple(table))
    bad = [msg for k, v in mapping.items() if (msg := _check_value(table[k], v))]
    if bad:
        raise PlanError("; ".join(bad) + ". Fix the value in the [rules] table of plan.toml.")


def resolve_rules(settings: Rules | Mapping[str, Any] | None = None) -> Rules:
    """The thresholds in force: the table with ``settings`` (a ``[rules]`` table) applied.

    A :class:`Rules` passes through unchanged, so checks accept either.
    """
    if isinstance(settings, Rules):
        return settings
    validate_settings(settings)
    table = dict(_defaults())
    for key, value in (settings or {}).items():
        t = table[key]
        if value != t.default or isinstance(value, bool) != isinstance(t.default, bool):
            table[key] = replace(t, value=value, overridden=True)
    return Rules(table)
