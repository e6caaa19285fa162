"""What every part of the grid package reads from the input frames: voltage levels, ids, layer
names, the one metric CRS; and the words of its messages."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.crs import require_metric_crs
from geoplan.errors import CRSError

if TYPE_CHECKING:  # pragma: no cover
    import pyproj

#: The voltage part of a node id whose voltage is unknown.
KV_UNKNOWN = "?"

_LEVEL_SEPARATORS = re.compile(r"[;,/\s]+")


def _parse_levels(text: str) -> tuple[int, ...]:
    found: set[int] = set()
    for part in _LEVEL_SEPARATORS.split(text.strip()):
        try:
            found.add(int(float(part)))
        except (ValueError, OverflowError):
            continue
    return tuple(sorted(found, reverse=True))


def voltage_levels(frame: pd.DataFrame) -> list[tuple[int, ...]]:
    """All voltage levels (kV) of each feature, highest first: ``voltage_levels``
    (``"220;110"``), else ``voltage_kv``; ``()`` when both are missing.

    The one reader of levels for the grid (lines and substations) and the coverage.

    >>> voltage_levels(pd.DataFrame({"voltage_levels": ["110;220", None, None],
    ...                              "voltage_kv": [220, 110, None]}))
    [(220, 110), (110,), ()]
    """
    if "voltage_levels" in frame:
        raw = frame["voltage_levels"].to_numpy(dtype=object)
    else:
        raw = np.full(len(frame), None, dtype=object)
    kv = frame["voltage_kv"] if "voltage_kv" in frame else pd.Series(pd.NA, index=frame.index)
    kv_arr = kv.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    out: list[tuple[int, ...]] = []
    for text, value in zip(raw, kv_arr, strict=True):
        levels = _parse_levels(text) if isinstance(text, str) else ()
        if not levels and not math.isnan(value):
            levels = (int(value),)
        out.append(levels)
    return out


def column(frame: pd.DataFrame, name: str, default: Any = None) -> np.ndarray:
    """A column as an object array, missing values as ``None``; ``default`` when absent."""
    if name in frame:
        return none_for_na(frame[name].to_numpy(dtype=object))
    return np.full(len(frame), default, dtype=object)


def none_for_na(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=object, copy=True)
    out[pd.isna(out)] = None
    return out


def _isna(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def ids(frame: pd.DataFrame) -> np.ndarray:
    """The ``id`` of each feature as text (the row label when missing)."""
    if "id" in frame:
        return np.array([str(i) if not _isna(i) else str(k) for k, i in
                         zip(frame.index, frame["id"].astype(object), strict=True)], dtype=object)
    return np.array([str(k) for k in frame.index], dtype=object)


def layer_names(frame: pd.DataFrame, default: str) -> np.ndarray:
    if "layer" in frame:
        return np.array([str(v) for v in frame["layer"].astype(object)], dtype=object)
    return np.full(len(frame), default, dtype=object)


def check_crs(frames: Sequence[gpd.GeoDataFrame | None]) -> pyproj.CRS:
    """The one metric CRS of the frames; :class:`CRSError` when missing, mixed or in degrees."""
    import pyproj

    crs = None
    for frame in frames:
        if frame is None:
            continue
        if frame.crs is None:
            raise CRSError("a grid frame has no CRS; build the grid from a loaded plan "
                           "(geoplan.load_plan) or set the analysis CRS with gdf.set_crs(...)")
        this = pyproj.CRS.from_user_input(frame.crs)
        if crs is None:
            crs = this
        elif not crs.equals(this):
            raise CRSError(f"grid frames are in different CRSs ({crs.name} and {this.name}); "
                           "reproject them with geoplan.crs.to_crs to the plan's analysis CRS")
    if crs is None:
        raise CRSError("no grid frames given")
    return require_metric_crs(crs, what="the grid frames (the grid is built in metres)",
                              fix="reproject them with geoplan.crs.to_crs to the plan's "
                                  "analysis CRS")


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
