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
    n = len(frame)
    kv = frame["voltage_kv"] if "voltage_kv" in frame else pd.Series(pd.NA, index=frame.index)
    kv_arr = kv.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    # each distinct value made a tuple once, each distinct text parsed once (OpenStreetMap
    # data hold a few dozen of them); the last entry of each table is for a missing value
    codes, values = pd.factorize(kv_arr, use_na_sentinel=True)
    table = _tuples([(int(v),) for v in values.tolist()] + [()])
    out = table[codes]
    if "voltage_levels" in frame and n:
        codes, texts = pd.factorize(frame["voltage_levels"].to_numpy(dtype=object),
                                    use_na_sentinel=True)
        parsed = [_parse_levels(t) if isinstance(t, str) else () for t in texts]
        found = np.array([bool(p) for p in parsed] + [False], dtype=bool)[codes]
        out[found] = _tuples(parsed)[codes[found]]
    return out.tolist()


def _tuples(items: list[tuple[int, ...]]) -> np.ndarray:
    """``items`` as a 1-D object array of tuples (``np.array`` would make a matrix of them)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
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
    if pd.api.types.is_integer_dtype(frame.index.dtype):
        labels = frame.index.to_numpy().astype(str).astype(object)
    else:
        labels = np.array([str(k) for k in frame.index], dtype=object)
    if "id" not in frame:
        return labels
    values = frame["id"].to_numpy(dtype=object)
    missing = pd.isna(values)
    if pd.api.types.is_string_dtype(frame["id"].dtype):
        out = np.array(values, dtype=object, copy=True)
    else:
        out = np.array([str(v) for v in values.tolist()], dtype=object)
    out[missing] = labels[missing]
    return out


def stable_order(frame: gpd.GeoDataFrame | None, default_layer: str
                 ) -> gpd.GeoDataFrame | None:
    """``frame`` sorted by layer, id and geometry (WKB): the order every stage of the grid works
    in, so that the input's row order never changes a node, an edge, a tie or a finding."""
    if frame is None or len(frame) < 2:
        return frame
    import shapely

    layer, fid = layer_names(frame, default_layer), ids(frame)
    layer_code, id_code = sort_codes(layer), sort_codes(fid)
    pair = layer_code * (int(id_code.max()) + 1) + id_code
    # the geometry only breaks ties of layer and id: written out for those rows alone
    _, inverse, count = np.unique(pair, return_inverse=True, return_counts=True)
    tied = count[inverse.ravel()] > 1
    wkb_code = np.zeros(len(pair), dtype=np.int64)
    if tied.any():
        wkb = shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object)[tied], hex=True,
                             output_dimension=2)
        wkb_code[tied] = sort_codes(np.array([w if w is not None else "" for w in wkb],
                                             dtype=object)) + 1
    order = np.lexsort((wkb_code, id_code, layer_code))
    if (order == np.arange(len(order))).all():
        return frame
    return frame.iloc[order]


def sort_codes(values: np.ndarray) -> np.ndarray:
    """The rank of each value among the distinct values (equal values share it): sorting by
    these codes sorts as :meth:`pandas.DataFrame.sort_values` sorts the values (texts in code
    point order), without building a frame."""
    return pd.factorize(np.asarray(values, dtype=object), sort=True)[0].astype(np.int64)


def layer_names(frame: pd.DataFrame, default: str) -> np.ndarray:
    if "layer" in frame:
        values = frame["layer"].to_numpy(dtype=object)
        if pd.api.types.is_string_dtype(frame["layer"].dtype) and not pd.isna(values).any():
            return np.array(values, dtype=object, copy=True)
        return np.array([str(v) for v in values.tolist()], dtype=object)
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
