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
    "FINDING_ID",
    "SEVERITIES",
    "Severity",
    "concat_findings",
    "empty_findings",
    "has_errors",
    "localise",
    "locate_findings",
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

#: The columns whose values make a finding's id in GeoJSON outputs
#: (``rule/layer/feature_id/other_id``, ``#2``... for a repeat; see
#: :func:`geoplan.io.geojson.feature_ids`).
FINDING_ID: tuple[str, ...] = ("rule", "layer", "feature_id", "other_id")

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
        frame[col] = (_text_column(frame[col]) if col in frame
                      else pd.Series(None, index=frame.index, dtype=object))
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
        order = _order(frame)
        if not _is_identity(order):
            frame = frame.take(order)
    out = gpd.GeoDataFrame(frame[list(FINDING_COLUMNS)], geometry="geometry", crs=crs)
    return out.reset_index(drop=True)


def _text_column(col: pd.Series) -> pd.Series:
    """``col`` as an object column of ``str`` and ``None`` (missing values of any kind)."""
    values = np.asarray(col.to_numpy(dtype=object), dtype=object)
    missing = np.asarray(pd.isna(values), dtype=bool)
    out = values.copy()
    out[missing] = None
    if pd.api.types.infer_dtype(out, skipna=True) not in ("string", "empty"):
        other = np.flatnonzero(~missing)
        out[other] = [str(v) for v in out[other]]
    return pd.Series(out, index=col.index, dtype=object)


def _is_identity(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


def _order(frame: pd.DataFrame) -> np.ndarray:
    """The positions of ``frame``'s rows in a stable order: the text columns, then the severity
    and the figures; the geometry (WKB) breaks the remaining ties, so that row order never
    shows through. Rows equal in every key keep their order.

    The keys are taken one after the other (text missing as ``""``, figures missing as
    ``-inf``), each only for the rows the keys before it leave tied, as a group number that
    sorts like the keys so far; the WKB is computed only for the rows still tied on every
    other key (few: the sort is linear in the number of findings, not in their vertices)."""
    import shapely

    n = len(frame)
    group = np.zeros(n, dtype=np.intp)
    tied = np.ones(n, dtype=bool)
    for col in (*_SORT, "severity", "value", "threshold", "geometry"):
        if not tied.any():
            break
        rows = np.flatnonzero(tied)
        key = np.zeros(n, dtype=np.float64 if col in _NUMBERS else np.intp)
        if col in _NUMBERS:
            key[rows] = np.nan_to_num(frame[col].to_numpy(dtype="float64")[rows], nan=-np.inf,
                                      posinf=np.inf, neginf=-np.inf)
        elif col == "geometry":
            geoms = np.asarray(frame["geometry"].to_numpy(dtype=object)[rows], dtype=object)
            hexes = shapely.to_wkb(geoms, hex=True, output_dimension=2)
            key[rows] = _ranks(np.array([h if h is not None else "" for h in hexes],
                                        dtype=object))
        else:
            values = np.asarray(frame[col].to_numpy(dtype=object)[rows], dtype=object)
            key[rows] = _ranks(np.where(pd.isna(values), "", values))
        group, tied = _refined(group, key)
    return np.argsort(group, kind="stable")


def _refined(group: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The group numbers of (``group``, ``key``) pairs, in their lexicographic order, and
    which rows share their group with another."""
    order = np.lexsort((key, group))
    g, k = group[order], key[order]
    change = np.ones(len(order), dtype=bool)
    change[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
    out = np.empty(len(order), dtype=np.intp)
    out[order] = np.cumsum(change) - 1
    return out, np.bincount(out)[out] > 1


def _ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value (``str``) among the distinct values, in Python's order:
    ``pd.factorize(values, sort=True)[0]``, sorting the distinct values with :func:`sorted`
    (several times faster than the object array sort for long texts)."""
    codes, uniques = pd.factorize(values)
    distinct = uniques.tolist()
    order = sorted(range(len(distinct)), key=distinct.__getitem__)
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[order] = np.arange(len(distinct), dtype=np.intp)
    return rank[codes]


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


def locate_findings(findings: gpd.GeoDataFrame, frames: Mapping[str, gpd.GeoDataFrame]
                    ) -> gpd.GeoDataFrame:
    """``findings`` with a missing or empty geometry replaced by the representative point
    (:func:`shapely.point_on_surface`) of the feature it names, looked up by ``layer`` and
    ``feature_id`` in ``frames`` (layer name -> frame in the findings' CRS). A finding that
    names no feature (a note about the whole plan) keeps no geometry.

    >>> from shapely import Point, box
    >>> f = make_findings([{"rule": "r", "severity": "info", "layer": "ccn", "feature_id": "A",
    ...                     "message": "m", "geometry": None}], crs="EPSG:9209")
    >>> ccn = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 2, 2)], crs="EPSG:9209")
    >>> locate_findings(f, {"ccn": ccn}).geometry[0].wkt
    'POINT (1 1)'
    """
    import shapely

    if not len(findings):
        return findings
    geoms = np.asarray(findings.geometry.values, dtype=object)
    blank = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not blank.any():
        return findings
    out = np.array(geoms, dtype=object, copy=True)
    rows = np.flatnonzero(blank)
    layer = findings["layer"].to_numpy(dtype=object)[rows]
    fid = findings["feature_id"].to_numpy(dtype=object)[rows]
    out[rows] = None
    for name, frame in frames.items():
        if frame is None or "id" not in frame or not len(frame):
            continue
        mine = np.flatnonzero(layer == str(name))
        if not len(mine):
            continue
        shapes = np.asarray(frame.geometry.values, dtype=object)
        drawable = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
        ids = pd.Index(frame["id"].astype(str).to_numpy(dtype=object)[drawable])
        first = ~ids.duplicated()  # the first drawable feature of an id, as before
        at = pd.Index(ids[first]).get_indexer(pd.Index(fid[mine].astype(str)))
        found = at >= 0
        picked = shapes[drawable][first][at[found]]
        out[rows[mine[found]]] = shapely.point_on_surface(picked)
    return findings.set_geometry(gpd.GeoSeries(out, index=findings.index, crs=findings.crs))
