"""Helpers shared by the check families: column access, feature labels, findings assembly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import require_metric_crs
from geoplan.errors import CRSError
from geoplan.findings import make_findings

KIND_LABEL: Mapping[str, str] = {
    "industrial_cluster": "cluster",
    "industrial_park": "industrial park",
    "trade_facility": "trade facility",
    "grid_line": "line",
    "substation": "substation",
    "power_plant": "power plant",
    "restricted_zone": "restricted zone",
    "boundary": "boundary",
}

TRADE_LABEL: Mapping[str, str] = {
    "market": "market",
    "wholesale_market": "wholesale market",
    "supermarket": "supermarket",
    "shopping_mall": "shopping centre",
    "convenience_store": "convenience store",
    "logistics_center": "logistics centre",
    "exhibition_center": "exhibition centre",
    "warehouse": "warehouse",
    "petrol_station": "petrol station",
    "lpg_store": "LPG store",
    "fuel_depot": "fuel depot",
}

STATUS_LABEL: Mapping[str, str] = {
    "existing": "existing",
    "under_construction": "under construction",
    "planned": "planned",
    "expansion": "planned expansion",
}

POLYGONAL = ("Polygon", "MultiPolygon")


def text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as an object array of ``str`` or ``None`` (all None when absent)."""
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    col = frame[name]
    if not isinstance(col.dtype, pd.StringDtype):
        col = col.astype("string")
    out: np.ndarray = col.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return out


def fold_all(values: np.ndarray) -> np.ndarray:
    """:func:`geoplan.kinds.fold` over an array of str/None, vectorised (None stays None)."""
    s = pd.Series(values, dtype="string")
    # Vietnamese diacritics are all combining marks of U+0300-U+036F once decomposed
    s = (s.str.normalize("NFD").str.replace("[\u0300-\u036f]", "", regex=True)
         .str.replace("đ", "d").str.replace("Đ", "D").str.casefold()
         .str.replace(r"[_\-–—/]+", " ", regex=True).str.replace(r"\s+", " ", regex=True)
         .str.strip())
    out: np.ndarray = s.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return out


def number(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64, NaN when missing."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def flag(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean column ``name`` as (value, known) arrays; unknown values are False in ``value``."""
    if name not in frame:
        z = np.zeros(len(frame), dtype=bool)
        return z, z.copy()
    col = frame[name]
    known = col.notna().to_numpy(dtype=bool)
    value = np.array([bool(v) if k else False for v, k in zip(col, known, strict=True)],
                     dtype=bool)
    return value, known


def layers(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """The ``layer`` column (the kind name when the frame has none)."""
    if "layer" in frame:
        return text(frame, "layer")
    return np.full(len(frame), kind, dtype=object)


def ids(frame: pd.DataFrame) -> np.ndarray:
    """Feature ids (the row position when the frame has no ``id`` column)."""
    if "id" in frame:
        return text(frame, "id")
    return np.array([str(i) for i in range(len(frame))], dtype=object)


def geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.geometry.array, dtype=object)


def describe(kind: str | np.ndarray, ids_: np.ndarray, names: np.ndarray,
             statuses: np.ndarray | None = None, types: np.ndarray | None = None) -> list[str]:
    """Labels like ``cluster CCN-03 "Đông Thọ" (planned)`` for messages."""
    n = len(ids_)
    kinds = np.full(n, kind, dtype=object) if isinstance(kind, str) else kind
    out = []
    for i in range(n):
        label = KIND_LABEL.get(kinds[i], str(kinds[i]))
        if types is not None and types[i] and kinds[i] == "trade_facility":
            label = TRADE_LABEL.get(types[i], types[i])
        s = f"{label} {ids_[i]}"
        if names[i]:
            s += f' "{names[i]}"'
        if statuses is not None and statuses[i]:
            s += f" ({STATUS_LABEL.get(statuses[i], statuses[i])})"
        out.append(s)
    return out


def crs_of(*frames: gpd.GeoDataFrame | None) -> Any:
    """The common metric CRS of ``frames``; raises :class:`CRSError` otherwise."""
    found = None
    for f in frames:
        if f is None:
            continue
        crs = require_metric_crs(f, what="a frame passed to the checks")
        if found is None:
            found = crs
        elif not crs.equals(found):
            raise CRSError(f"frames passed to the checks are in different CRSs ({found.name} and "
                           f"{crs.name}); reproject them with geoplan.crs.to_crs first")
    return found


def polygonal(values: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of each geometry (intersections may add touching lines/points)."""
    out = np.asarray(values, dtype=object).copy()
    types = shapely.get_type_id(out)
    mixed = np.flatnonzero(types == 7)  # GeometryCollection
    for i in mixed:
        parts = shapely.get_parts(out[i])
        polys = [p for p in parts if p.geom_type in POLYGONAL]
        flat: list[Any] = []
        for p in polys:
            flat.extend(shapely.get_parts(p) if p.geom_type == "MultiPolygon" else [p])
        out[i] = shapely.multipolygons(flat) if len(flat) > 1 else (
            flat[0] if flat else shapely.Polygon())
    return out


def records(columns: Mapping[str, Sequence[Any] | np.ndarray | str | float]) -> pd.DataFrame:
    """Raw findings rows from column arrays (all one length; scalars are broadcast).

    Checks build these and :func:`finish` turns them into one findings frame, so the schema's
    normalisation runs once per check (and once per :func:`geoplan.checks.run_checks`).
    """
    lengths = {len(v) for v in columns.values()
               if not isinstance(v, str) and hasattr(v, "__len__")}
    n = max(lengths) if lengths else 0
    data = {k: (np.full(n, v, dtype=object) if isinstance(v, str) or not hasattr(v, "__len__")
                else v) for k, v in columns.items()}
    return pd.DataFrame(data)


def rows_to_records(rows: list[dict[str, Any]]) -> list[pd.DataFrame]:
    """Raw findings from a list of dict rows (for checks that go feature by feature)."""
    return [pd.DataFrame(rows)] if rows else []


def finish(parts: Sequence[pd.DataFrame], *, crs: Any) -> gpd.GeoDataFrame:
    """One findings frame (schema, order, CRS) from raw parts."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return make_findings([], crs=crs)
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return make_findings(frame, crs=crs)


def area_ha(values: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.area(values), dtype="float64") / 10_000.0
