"""Plan checks: overlaps, power-line corridors, legal rules, boundary, duplicates.

Every check is a pure function over GeoDataFrames in the plan's metric CRS that returns findings
in the one schema of :mod:`geoplan.findings`, each message and reference in Vietnamese and in
English; thresholds come from the rule table (:mod:`geoplan.rules`), the versions in force on
the day judged, with the plan's ``[rules]`` overrides. :func:`run_checks` runs them on a loaded
plan, as of its ``[plan] as_of`` (default: today) or the date given.

Example (a plan from disk, so not run as a doctest)::

    import geoplan
    findings = geoplan.checks.run_checks(geoplan.load_plan("layers/sample"))
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geoplan.checks import _common
from geoplan.checks.boundary import boundary_records, check_outside_boundary
from geoplan.checks.corridors import check_corridors, corridor_half_widths, corridor_records
from geoplan.checks.duplicates import check_duplicates, duplicate_records
from geoplan.checks.legal import (
    check_cluster_expansion,
    check_cluster_new,
    check_cluster_size,
    check_cluster_type,
    check_park_phasing,
    check_trade_class,
    cluster_expansion_records,
    cluster_new_records,
    cluster_size_records,
    cluster_type_records,
    park_phasing_records,
    trade_class_records,
)
from geoplan.checks.overlap import check_overlap, overlap_records
from geoplan.errors import PlanError
from geoplan.kinds import KINDS
from geoplan.rules import RULE_IDS, Rules, resolve_rules

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

__all__ = [
    "RULE_IDS",
    "check_cluster_expansion",
    "check_cluster_new",
    "check_cluster_size",
    "check_cluster_type",
    "check_corridors",
    "check_duplicates",
    "check_outside_boundary",
    "check_overlap",
    "check_park_phasing",
    "check_trade_class",
    "corridor_half_widths",
    "plan_rules",
    "run_checks",
]

log = logging.getLogger(__name__)


def _selected(only: str | Iterable[str] | None) -> list[str]:
    if only is None:
        return list(RULE_IDS)
    wanted = [only] if isinstance(only, str) else list(only)
    bad = [r for r in wanted if r not in RULE_IDS]
    if bad:
        raise PlanError(f"unknown rule{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))}; "
                        f"valid rules: {', '.join(RULE_IDS)}")
    return [r for r in RULE_IDS if r in wanted]


def plan_rules(plan: Plan, as_of: _dt.date | str | None = None) -> Rules:
    """The rules a plan is judged by: the table on ``as_of`` (default: the plan's ``[plan]
    as_of``, else today) with its ``[rules]`` overrides and ``[plan] dossier_filed``."""
    spec = plan.spec
    day = as_of if as_of is not None else getattr(spec, "as_of", None)
    return resolve_rules(plan.settings.get("rules"), as_of=day if day is not None
                         else _dt.date.today(),
                         dossier_filed=getattr(spec, "dossier_filed", None))


def run_checks(
    plan: Plan, *, only: str | Iterable[str] | None = None, rules: Rules | None = None,
    as_of: _dt.date | str | None = None,
) -> gpd.GeoDataFrame:
    """Run the checks on a loaded plan and return every finding, sorted.

    Parameters
    ----------
    plan
        A plan from :func:`geoplan.load_plan`.
    only
        Rule ids to run (see :data:`RULE_IDS`); all when None.
    rules
        Thresholds to use instead of the table with the plan's ``[rules]`` overrides.
    as_of
        The day the plan is judged on (the versions of the rules in force then); default the
        plan's ``[plan] as_of``, else today.

    Raises
    ------
    PlanError
        For an unknown rule id, a bad ``[rules]`` table or a date before the table's first day.
    """
    selected = _selected(only)
    rules = rules if rules is not None else plan_rules(plan, as_of)
    cache: dict[str, gpd.GeoDataFrame] = {}

    def frame(kind: str) -> gpd.GeoDataFrame:
        if kind not in cache:
            cache[kind] = plan.frame(kind)
        return cache[kind]

    def frames(*kinds: str) -> dict[str, gpd.GeoDataFrame]:
        return {k: frame(k) for k in kinds}

    jobs: dict[str, Callable[[], list[pd.DataFrame]]] = {
        "overlap": lambda: overlap_records(
            frames("industrial_cluster", "industrial_park", "trade_facility", "restricted_zone"),
            rules),
        "corridor": lambda: corridor_records(
            frame("grid_line"),
            frames("industrial_cluster", "industrial_park", "trade_facility"), rules),
        "cluster-size": lambda: cluster_size_records(frame("industrial_cluster"), rules),
        "cluster-expansion": lambda: cluster_expansion_records(frame("industrial_cluster"), rules),
        "cluster-new": lambda: cluster_new_records(frame("industrial_cluster"), plan.communes,
                                                   rules),
        "cluster-type": lambda: cluster_type_records(frame("industrial_cluster"), rules),
        "park-phasing": lambda: park_phasing_records(frame("industrial_park"), rules),
        "outside-boundary": lambda: boundary_records(
            frames(*(k for k in KINDS if k not in ("boundary", "restricted_zone"))),
            plan.boundary, rules),
        "trade-class": lambda: trade_class_records(frame("trade_facility"), rules),
        "duplicate": lambda: duplicate_records(
            frames(*(k for k in KINDS if k != "boundary")), rules),
    }
    parts: list[pd.DataFrame] = []
    for rule in selected:
        t0 = time.perf_counter()
        found = jobs[rule]()
        log.debug("check %s: %d findings in %.2f s", rule, sum(len(f) for f in found),
                  time.perf_counter() - t0)
        parts.extend(found)
    return _common.finish(parts, crs=plan.crs)
