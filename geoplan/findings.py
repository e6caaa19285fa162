"""The one schema every check returns: a findings GeoDataFrame.

A finding's geometry is the problem itself (the overlap polygon, the part of a cluster inside a
corridor, the offending point), in the plan's analysis CRS. Columns:

``rule``        rule id (``overlap``, ``corridor``, ``cluster-size``, ``coverage-gap`` ...)
``severity``    ``error`` | ``warning`` | ``info``
``layer``       the plan layer of the feature at fault
``feature_id``  its ``id``
``other_layer`` / ``other_id``  the other party, when there is one (else missing)
``value``       the measured figure (float), ``unit`` its unit (``ha``, ``m``, ``MW`` ...)
``threshold``   the limit it was compared with (float, may be missing)
``message``     plain words a planner can act on, in the frame's language (Vietnamese unless
                :func:`localise` chose English)
``message_vi`` / ``message_en``  the message in each language (missing for the few producers
                that write one language only: ``message`` is then that text)
``reference``   the legal or planning source of the rule, with the version used (act,
                article, dates in force, certainty), in the frame's language
``reference_vi`` / ``reference_en``  the reference in each language

Only the CLI turns findings into exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = [
    "FINDING_COLUMNS",
    "SEVERITIES",
    "Severity",
    "concat_findings",
    "empty_findings",
    "has_errors",
    "localise",
    "make_findings",
    "severity_counts",
]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

FINDING_COLUMNS: tuple[str, ...] = (
    "rule",
    "severity",
    "layer",
    "feature_id",
    "other_layer",
    "other_id",
    "value",
    "unit",
    "threshold",
    "message",
    "message_vi",
    "message_en",
    "reference",
    "reference_vi",
    "reference_en",
    "geometry",
)

_TEXT = ("rule", "severity", "layer", "feature_id", "other_layer", "other_id", "unit", "message",
         "message_vi", "message_en", "reference", "reference_vi", "reference_en")
_NUMBERS = ("value", "threshold")
_SORT = ["rule", "layer", "feature_id", "other_layer", "other_id", "message"]


def empty_findings(crs: Any) -> gpd.GeoDataFrame:
    """An empty findings frame in ``crs``."""
    return make_findings([], crs=crs)


def make_findings(
    records: Iterable[Mapping[str, Any]] | pd.DataFrame, *, crs: Any
) -> gpd.GeoDataFrame:
    """Build a findings frame from records (dicts with the schema's keys).

    Missing keys become missing values; unknown keys are an error (a typo in a check must not
    vanish silently). Rows are sorted so that the result does not depend on input order.

    >>> from shapely import Point
    >>> f = make_findings([{"rule": "cluster-size", "severity": "error", "layer": "ccn",
    ...     "feature_id": "C1", "value": 9.0, "unit": "ha", "threshold": 10.0,
    ...     "message": "too small", "reference": "Decree 32/2024/ND-CP art. 2",
    ...     "geometry": Point(0, 0)}], crs="EPSG:9209")
    >>> list(f.columns) == list(FINDING_COLUMNS), f.loc[0, "severity"]
    (True, 'error')
    """
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    unknown = set(frame.columns) - set(FINDING_COLUMNS)
    if unknown:
        raise ValueError(f"unknown finding columns {sorted(unknown)}; valid: {FINDING_COLUMNS}")
    for col in _TEXT:
        if col not in frame:
            frame[col] = None
        frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
        frame[col] = pd.Series(
            [None if v is None else str(v) for v in frame[col]], index=frame.index, dtype=object
        )
    for col in _NUMBERS:
        if col not in frame:
            frame[col] = np.nan
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("float64")
    if "geometry" not in frame:
        frame["geometry"] = None
    bad = set(frame["severity"].dropna()) - set(SEVERITIES)
    if bad or frame["severity"].isna().any():
        raise ValueError(f"finding severities must be one of {SEVERITIES}, got {sorted(bad)}")
    if len(frame):
        frame = frame.sort_values(_SORT, na_position="first", kind="stable", key=_sort_key)
    out = gpd.GeoDataFrame(frame[list(FINDING_COLUMNS)], geometry="geometry", crs=crs)
    return out.reset_index(drop=True)


def _sort_key(col: pd.Series) -> pd.Series:
    return col.fillna("")


def concat_findings(frames: Sequence[gpd.GeoDataFrame], *, crs: Any) -> gpd.GeoDataFrame:
    """Concatenate findings frames (all in ``crs``) into one sorted frame."""
    parts = [f for f in frames if len(f)]
    for f in parts:
        if f.crs is not None and crs is not None and not f.crs.equals(gpd.GeoSeries(crs=crs).crs):
            raise ValueError(f"findings in {f.crs} cannot be combined with findings in {crs}")
    if not parts:
        return empty_findings(crs)
    return make_findings(pd.concat([pd.DataFrame(f) for f in parts], ignore_index=True), crs=crs)


def localise(findings: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """``findings`` with ``message`` and ``reference`` in ``lang`` (``"vi"`` or ``"en"``).

    Each row takes its ``message_<lang>`` / ``reference_<lang>``; a row without one (a producer
    that writes one language only) keeps its own text. The input is not modified.
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"language {lang!r}: use \"vi\" or \"en\"")
    out = findings.copy()
    if not len(out):
        return out
    for col in ("message", "reference"):
        own = out[f"{col}_{lang}"]
        out[col] = own.where(own.notna(), out[col])
    return out


def has_errors(findings: pd.DataFrame) -> bool:
    """Whether any finding has severity ``error``."""
    return bool((findings["severity"] == "error").any())


def severity_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Number of findings per severity, every severity present (zero when none)."""
    counts = findings["severity"].value_counts()
    return {s: int(counts.get(s, 0)) for s in SEVERITIES}
