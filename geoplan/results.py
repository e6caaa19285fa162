"""The one shape every analysis result has: findings, a summary, layers and tables.

:class:`CheckResult` (the plan rules and the grid audit), :class:`geoplan.coverage.CoverageResult`
and :class:`geoplan.grid.GridResult` all follow :class:`Result`, so the renderers, the exports,
the report and the CLI's ``--format json`` read every result the same way:

``findings``
    The findings in the common schema (:data:`geoplan.findings.FINDING_COLUMNS`).
``summary()``
    A plain dict: ``stage``, ``findings`` (``total``, ``error``, ``warning``, ``info`` and
    ``by_rule``), then the stage's own headline figures.
``layers()``
    Named GeoDataFrames, in the plan's analysis CRS, for drawing and exporting.
``tables()``
    Named attribute tables (no geometry) for reports and ``--format json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
import pandas as pd

from geoplan.findings import severity_counts

__all__ = ["CheckResult", "Result", "findings_summary", "plain_table"]


@runtime_checkable
class Result(Protocol):
    """What every analysis result offers (see the module docstring)."""

    @property
    def findings(self) -> gpd.GeoDataFrame: ...

    def summary(self) -> dict[str, Any]: ...

    def layers(self) -> dict[str, gpd.GeoDataFrame]: ...

    def tables(self) -> dict[str, pd.DataFrame]: ...


def findings_summary(findings: pd.DataFrame) -> dict[str, Any]:
    """The ``findings`` part of every summary: counts by severity and by rule.

    >>> import pandas as pd
    >>> findings_summary(pd.DataFrame({"rule": ["b", "a", "b"],
    ...                                "severity": ["error", "info", "error"]}))
    {'total': 3, 'error': 2, 'warning': 0, 'info': 1, 'by_rule': {'a': 1, 'b': 2}}
    """
    counts = severity_counts(findings)
    by_rule = findings["rule"].value_counts().sort_index() if len(findings) else pd.Series()
    return {"total": len(findings), **counts,
            "by_rule": {str(k): int(v) for k, v in by_rule.items()}}


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its geometry column (a plain :class:`pandas.DataFrame`)."""
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
        return pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return pd.DataFrame(frame)


@dataclass(frozen=True)
class CheckResult:
    """The findings of the plan rules and of the grid topology audit (what ``geoplan check``
    reports), in the plan's analysis CRS.

    Attributes
    ----------
    findings
        Every finding, sorted (:func:`geoplan.findings.concat_findings`).
    rules
        The rule ids that were run, plan rules first.
    """

    findings: gpd.GeoDataFrame
    rules: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """``stage``, ``findings`` and ``rules`` (the rule ids that were run)."""
        return {"stage": "check", "findings": findings_summary(self.findings),
                "rules": list(self.rules)}

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """``findings``."""
        return {"findings": self.findings}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``by_rule``: one row per rule and severity with the number of findings."""
        f = self.findings
        if len(f):
            by_rule = (f.groupby(["rule", "severity"], sort=True).size()
                       .rename("findings").reset_index())
        else:
            by_rule = pd.DataFrame({"rule": [], "severity": [], "findings": []})
        return {"by_rule": by_rule}
