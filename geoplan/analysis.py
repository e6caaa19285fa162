"""One analysis of a plan, computed once: the checks, the grid and the coverage together.

:func:`analyse` loads the plan (unless given a loaded one), builds the grid network once
(snapping, inferred substation voltages, connected parts and the topology audit), runs the plan
rules, then the coverage on the grid's substations *with the voltages the grid inferred*. The
map, the exports, the report, the diff and ``geoplan demo`` all take the :class:`Analysis`
instead of running the stages again::

    import geoplan
    analysis = geoplan.analyse("layers/sample", site=3)
    analysis.findings            # every finding once: plan rules, grid audit, coverage
    analysis.summary()           # the common summary shape of geoplan.results
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geoplan import grid as _grid
from geoplan.checks import run_checks as _run_plan_rules
from geoplan.errors import GeoplanError, PlanError
from geoplan.findings import concat_findings, empty_findings, locate_findings
from geoplan.grid import GridResult
from geoplan.load import load_plan
from geoplan.plan import Plan
from geoplan.problems import log_text
from geoplan.progress import stage
from geoplan.results import CheckResult, findings_summary, plain_table
from geoplan.rules import GRID_RULE_IDS, RULE_IDS

if TYPE_CHECKING:  # imported by analyse() when the coverage is asked for (not by check)
    from geoplan.coverage import CoverageResult

log = logging.getLogger(__name__)

__all__ = ["Analysis", "analyse", "dedupe_findings"]

#: The columns that identify one finding (two findings equal in all of them are one).
_IDENTITY = ["rule", "severity", "layer", "feature_id", "other_layer", "other_id", "message"]


def dedupe_findings(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with each finding once (same rule, severity, features and message)."""
    if not len(frame):
        return frame
    key = frame[_IDENTITY].astype(str)
    return frame[~key.duplicated()].reset_index(drop=True)


@dataclass(frozen=True)
class Analysis:
    """Everything geoplan computes about one plan (what :func:`analyse` returns).

    Attributes
    ----------
    plan
        The loaded plan.
    checks
        The plan rules and (when asked) the grid audit: what ``geoplan check`` reports.
        ``None`` when the checks were not asked for.
    grid
        The grid network and its audit (:class:`geoplan.grid.GridResult`), built once; ``None``
        when the plan has no grid layers or neither the grid nor the coverage was asked for.
    coverage
        Coverage of the demand by the grid's substations, ``None`` when not asked for.
    notes
        Parts left out and why (``tolerate=True``), in the order they happened.
    seconds
        Wall time of each stage.
    grid_audit
        Whether the grid audit's findings belong to the results (``grid=True``); the grid
        network may be built for the coverage alone.
    """

    plan: Plan
    checks: CheckResult | None = None
    grid: GridResult | None = None
    coverage: CoverageResult | None = None
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    grid_audit: bool = True

    @property
    def findings(self) -> gpd.GeoDataFrame:
        """Every finding once: the checks (with the grid audit), then the coverage.

        Assembled once per analysis; each access returns a copy (a caller may change it)."""
        return self._findings.copy()

    @functools.cached_property
    def _findings(self) -> gpd.GeoDataFrame:
        parts = [r.findings for r in (self.checks, self.coverage) if r is not None]
        if self.checks is None and self.grid is not None and self.grid_audit:
            parts.insert(0, self.grid.findings)
        if not parts:
            return empty_findings(self.plan.crs)
        return dedupe_findings(concat_findings(parts, crs=self.plan.crs))

    @property
    def check_findings(self) -> gpd.GeoDataFrame:
        """What ``geoplan check`` reports: the plan rules and the grid audit."""
        if self.checks is not None:
            return self.checks.findings
        if self.grid is not None and self.grid_audit:
            return self.grid.findings
        return empty_findings(self.plan.crs)

    def summary(self) -> dict[str, Any]:
        """``stage`` ("analysis"), ``findings`` (counts), the plan, and each part's summary."""
        return {
            "stage": "analysis",
            "findings": findings_summary(self.findings),
            "plan": self.plan.name,
            "as_of": self.plan.as_of.isoformat(),
            "crs": self.plan.crs.to_string(),
            "checks": self.checks.summary() if self.checks is not None else None,
            "grid": self.grid.summary() if self.grid is not None else None,
            "coverage": self.coverage.summary() if self.coverage is not None else None,
            "notes": list(self.notes),
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """``findings``, then ``coverage_<name>`` and ``grid_<name>`` of the parts."""
        out: dict[str, gpd.GeoDataFrame] = {"findings": self.findings}
        for prefix, result in (("coverage", self.coverage), ("grid", self.grid)):
            if result is not None:
                out.update({f"{prefix}_{k}": v for k, v in result.layers().items()
                            if k != "findings"})
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """``findings`` (no geometry), then ``<part>_<name>`` of each part's tables."""
        out: dict[str, pd.DataFrame] = {"findings": plain_table(self.findings)}
        for prefix, result in (("checks", self.checks), ("coverage", self.coverage),
                               ("grid", self.grid)):
            if result is not None:
                out.update({f"{prefix}_{k}": v for k, v in result.tables().items()})
        return out


def _rule_selection(only: str | Iterable[str] | None
                    ) -> tuple[list[str] | None, list[str] | None]:
    """(plan rules, grid rules) to run; ``None`` for all."""
    if only is None:
        return None, None
    wanted = [only] if isinstance(only, str) else list(only)
    known = (*RULE_IDS, *GRID_RULE_IDS)
    bad = [r for r in wanted if r not in known]
    if bad:
        raise PlanError(f"unknown rule {', '.join(map(repr, bad))}; valid rules: "
                        f"{', '.join(known)}")
    return ([r for r in RULE_IDS if r in wanted], [r for r in GRID_RULE_IDS if r in wanted])


def _has_grid(plan: Plan) -> bool:
    return bool(plan.of_kind("grid_line") or plan.of_kind("substation"))


def analyse(
    plan: Plan | str | Path,
    *,
    checks: bool = True,
    grid: bool = True,
    coverage: bool = True,
    site: int = 0,
    capacitated: bool = False,
    only: str | Iterable[str] | None = None,
    tolerate: bool = False,
    engine: Any = None,
    as_of: _dt.date | str | None = None,
) -> Analysis:
    """Analyse a plan once: the grid network, the checks, then the coverage.

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load (:func:`geoplan.load_plan`).
    checks
        Run the plan rules (overlaps, corridors, legal rules ...).
    grid
        Add the grid topology audit's findings to the checks. The grid network itself is built
        whenever the grid or the coverage is asked for and the plan has grid layers: the
        coverage uses its inferred substation voltages.
    coverage
        Compute the coverage of clusters, parks and trade hubs by the substations.
    site
        Propose up to this many new supply-level substation sites (coverage).
    capacitated
        Capacitated assignment of demand to substations (coverage).
    only
        Run only these rule ids, plan rules and grid rules alike
        (:data:`geoplan.rules.RULE_IDS`, :data:`geoplan.rules.GRID_RULE_IDS`).
    tolerate
        A grid or coverage stage that cannot be computed for this plan (a
        :class:`~geoplan.errors.GeoplanError`) is left out and said in :attr:`Analysis.notes`
        instead of raising, so a map can still be drawn.
    engine
        Where the plan rules and the coverage run: ``None`` in this process, or an engine of
        :mod:`geoplan.engine` (``DaskEngine``: the same results on dask-geopandas) offering
        ``run_checks(plan, only=...)`` and ``compute_coverage(plan, site=..., capacitated=...,
        stations=...)``.
    as_of
        The day the plan is judged on: the checks use the versions of the rules in force then
        (default: the plan's ``[plan] as_of``, else today). The analysis's plan carries it
        (:attr:`geoplan.plan.Plan.as_of`), so the exports and the report record it.

    Returns
    -------
    Analysis
    """
    loaded = plan if isinstance(plan, Plan) else load_plan(plan)
    if as_of is not None:
        from geoplan.rules import parse_as_of

        loaded = loaded.with_as_of(parse_as_of(as_of))
    plan_rules, grid_rules = _rule_selection(only)
    notes: list[str] = []
    seconds: dict[str, float] = {}

    def attempt(name: str, job: Any) -> Any:
        t0 = time.perf_counter()
        try:
            with stage(name):
                return job()
        except GeoplanError as exc:
            if not tolerate:
                raise
            notes.append(f"{name}: {exc}")
            log.warning("%s", log_text("log.part_left_out", name=name, error=str(exc)))
            return None
        finally:
            seconds[name] = round(time.perf_counter() - t0, 3)

    want_grid_findings = grid and (grid_rules is None or bool(grid_rules))
    grid_result: GridResult | None = None
    if (want_grid_findings or coverage) and _has_grid(loaded):
        grid_result = attempt("grid", lambda: _grid.analyse_plan(loaded))

    check_result: CheckResult | None = None
    if checks:
        with stage("checks"):
            parts = []
            run_rules = list(RULE_IDS) if plan_rules is None else plan_rules
            if run_rules:
                t0 = time.perf_counter()
                run_rules_on = _run_plan_rules if engine is None else engine.run_checks
                parts.append(run_rules_on(loaded, only=run_rules))
                seconds["checks"] = round(time.perf_counter() - t0, 3)
            run_grid_rules: list[str] = []
            if want_grid_findings and grid_result is not None:
                run_grid_rules = list(GRID_RULE_IDS) if grid_rules is None else grid_rules
                gf = grid_result.findings
                parts.append(gf[gf["rule"].isin(run_grid_rules)])
            findings = (concat_findings(parts, crs=loaded.crs) if parts
                        else empty_findings(loaded.crs))
            # a finding with nothing to draw is drawn at its feature's representative point
            findings = locate_findings(findings, {n: layer.frame
                                                  for n, layer in loaded.layers.items()})
            check_result = CheckResult(dedupe_findings(findings), (*run_rules, *run_grid_rules))

    coverage_result: CoverageResult | None = None
    if coverage:
        from geoplan import coverage as _coverage

        stations = grid_result.grid.stations if grid_result is not None else None
        cover = _coverage.compute_coverage if engine is None else engine.compute_coverage
        coverage_result = attempt("coverage", lambda: cover(
            loaded, site=site, capacitated=capacitated, stations=stations))

    result = Analysis(loaded, check_result, grid_result, coverage_result, tuple(notes),
                      seconds, grid_audit=want_grid_findings)
    if log.isEnabledFor(logging.INFO):  # the count assembles the findings: only when logged
        log.info("analysis of %r: %d finding(s) in %s", loaded.name, len(result.findings),
                 ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
    return result
