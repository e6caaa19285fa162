"""The one GeoJSON writer: RFC 7946 FeatureCollections in WGS 84, atomically written.

Every GeoJSON geoplan writes (findings, coverage, the grid graph, the exports, the diff) goes
through :func:`geojson_text`: reprojected by :func:`geoplan.crs.to_wgs84` (the pinned
VN-2000 transformation), two-dimensional, coordinates rounded to :data:`DEFAULT_PRECISION`
decimals, repeated points removed, polygons wound counter-clockwise, text in NFC.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import CRSError, GeoplanError, PlanError
from geoplan.io.atomic import atomic_path

__all__ = ["DEFAULT_PRECISION", "feature_collection_text", "geojson_text", "rfc7946_geometries",
           "write_geojson", "write_geojson_layers"]

#: Decimals of a GeoJSON coordinate: 1e-7° is about 1.1 cm on the ground.
DEFAULT_PRECISION = 7

_EXPONENT = re.compile(r"[eE][-+]?\d+")


def _check_precision(precision: Any) -> int | None:
    if precision is None:
        return None
    if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)) \
            or not 0 <= int(precision) <= 15:
        raise PlanError(f"precision = {precision!r}: give the number of decimals of a GeoJSON "
                        f"coordinate, an integer from 0 to 15 (default {DEFAULT_PRECISION}, "
                        "about 1 cm)")
    return int(precision)


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _all_nfc(values: list[str]) -> bool:
    """Whether every string is NFC, checked in one C call (a newline never composes)."""
    return unicodedata.is_normalized("NFC", "\n".join(values))


def _objects(col: pd.Series) -> list[Any]:
    na: Any = None
    return list(col.to_numpy(dtype=object, na_value=na).tolist())


def _column_values(col: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values: missing -> None, text in NFC."""
    dtype = col.dtype
    if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        return [None if v != v else v for v in col.to_numpy().tolist()]  # NaN -> None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return [None if pd.isna(v) else v.isoformat() for v in col]
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        values = _objects(col)
        return [v.item() if isinstance(v, np.generic) else v for v in values]
    raw = _objects(col)
    text = [v for v in raw if isinstance(v, str)]
    if len(text) == sum(v is not None for v in raw) and _all_nfc(text):
        return raw  # the common case (loaded layers are NFC already): no per-value work
    out: list[Any] = []
    for v in raw:
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
        elif isinstance(v, str):
            out.append(unicodedata.normalize("NFC", v))
        elif isinstance(v, np.generic):
            out.append(v.item())
        elif isinstance(v, (int, float, bool)):
            out.append(v)
        else:
            out.append(str(v))
    return out


# ---------------------------------------------------------------------------------- GeoJSON


def rfc7946_geometries(geoms: Any, *, precision: int | None = DEFAULT_PRECISION,
                       ids: Sequence[Any] | None = None, layer: str = "layer") -> np.ndarray:
    """Geometries (already in WGS 84) made ready for RFC 7946.

    Two-dimensional, coordinates rounded to ``precision`` decimals (``None``: as they are),
    consecutive repeated points removed, polygons wound counter-clockwise outside and clockwise
    in holes, empty geometries as ``None``. ``ids`` and ``layer`` only serve the error raised
    when rounding collapses a polygon.

    >>> from shapely import Polygon
    >>> cw = Polygon([(105.0, 21.0), (105.0, 21.1), (105.100000001, 21.1), (105.0, 21.0)])
    >>> rfc7946_geometries([cw])[0].wkt
    'POLYGON ((105 21, 105.1 21.1, 105 21.1, 105 21))'
    """
    precision = _check_precision(precision)
    arr = np.asarray(shapely.force_2d(np.asarray(geoms, dtype=object)), dtype=object)
    if precision is not None:
        arr = shapely.transform(arr, lambda c: np.round(c, precision))
    try:
        arr = shapely.remove_repeated_points(arr)
    except shapely.errors.GEOSException:
        for i, g in enumerate(arr):
            try:
                shapely.remove_repeated_points(g)
            except shapely.errors.GEOSException:
                who = f"{layer}, feature {ids[i] if ids is not None else f'#{i}'!r}"
                raise GeoplanError(
                    f"{who}: its geometry collapses when coordinates are rounded to {precision} "
                    "decimals (it is smaller than the rounding); fix or remove the feature, or "
                    "export with a higher --precision") from None
        raise
    arr = shapely.orient_polygons(arr, exterior_cw=False)
    empty = shapely.is_empty(arr)
    if empty.any():
        arr = arr.copy()
        arr[empty] = None
    return np.asarray(arr, dtype=object)


def _geometry_json(geoms: np.ndarray, precision: int | None) -> list[str]:
    """GeoJSON geometry objects as text, coordinates printed with at most ``precision`` decimals.

    GEOS prints some rounded doubles with 17 significant digits (``21.383930200000002`` for
    the double nearest to 21.3839302); those numbers are printed again with Python's shortest
    round-trip ``repr``, which gives back the rounded decimal.
    """
    texts = shapely.to_geojson(geoms)
    if not len(texts):
        return []
    joined = "\x1e".join("null" if t is None else t for t in texts)
    if precision is None:
        return joined.split("\x1e")
    # Scanning for the decimals alone is ~15x faster than a pattern starting at the sign.
    decimals = re.compile(r"\.\d{" + str(precision + 1) + ",}")
    pieces: list[str] = []
    last = 0
    for m in decimals.finditer(joined):
        start, end = m.start(), m.end()
        while start > 0 and joined[start - 1] in "0123456789-":
            start -= 1
        exponent = _EXPONENT.match(joined, end)
        if exponent:
            end = exponent.end()
        pieces += [joined[last:start], repr(round(float(joined[start:end]), precision))]
        last = end
    pieces.append(joined[last:])
    return "".join(pieces).split("\x1e")


def geojson_text(frame: gpd.GeoDataFrame, *, precision: int | None = DEFAULT_PRECISION,
                 id_field: str | None = "id", name: str | None = None) -> str:
    """The RFC 7946 GeoJSON FeatureCollection of ``frame`` as text (see the module docstring).

    ``frame`` may be in any CRS (it must have one); it is reprojected through
    :func:`geoplan.crs.to_wgs84`. ``id_field`` becomes the feature ``id`` member when the frame
    has it. ``name`` labels features in error messages.
    """
    from geoplan.crs import to_wgs84

    if frame.crs is None:
        raise CRSError(f"{name or 'layer'}: the frame has no CRS; set it (GeoDataFrame.set_crs) "
                       "before exporting to GeoJSON")
    label = name or "layer"
    wgs = to_wgs84(frame, name=label)
    geom_name = frame.geometry.name
    has_id = id_field is not None and id_field in frame.columns
    ids = _column_values(frame[id_field]) if has_id else None
    geoms = rfc7946_geometries(wgs.geometry.values, precision=precision, ids=ids, layer=label)
    geom_json = _geometry_json(geoms, precision)
    columns = [c for c in frame.columns if c != geom_name and not (has_id and c == id_field)]
    keys = [_nfc(str(c)) for c in columns]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise GeoplanError(f"{label}: column(s) {', '.join(map(repr, twice))} appear twice; a "
                           "GeoJSON feature cannot hold two properties of one name")
    encode = _ENCODER.encode
    fragments = [_fragments(key, _column_values(frame[c])) for key, c in zip(keys, columns,
                                                                             strict=True)]
    props = ["{" + ",".join(row) + "}" for row in zip(*fragments, strict=True)] if fragments \
        else ["{}"] * len(frame)
    heads = ['{"type":"Feature",' + (f'"id":{encode(fid)},' if fid is not None else "")
             for fid in (ids if ids is not None else [None] * len(frame))]
    parts = [f'{head}"geometry":{geom},"properties":{prop}}}'
             for head, geom, prop in zip(heads, geom_json, props, strict=True)]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(parts) + "\n]}\n"


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _fragments(key: str, values: list[Any]) -> list[str]:
    """``"key":value`` JSON text of every value of one column.

    Columns of numbers, booleans and nulls are encoded in one call and split at the commas
    (their JSON holds no other comma); text goes through the C string encoder one value at a
    time; anything else through the full encoder.
    """
    from json.encoder import encode_basestring  # the C implementation when available

    prefix = encode_basestring(key) + ":"
    kinds = {type(v) for v in values}
    if kinds <= {int, float, bool, type(None)}:
        body = _ENCODER.encode(values)[1:-1]
        return [prefix + v for v in body.split(",")] if values else []
    if kinds <= {str, type(None)}:
        return [prefix + ("null" if v is None else encode_basestring(v)) for v in values]
    return [prefix + _ENCODER.encode(v) for v in values]


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *,
                  precision: int | None = DEFAULT_PRECISION, id_field: str | None = "id",
                  overwrite: bool = False) -> Path:
    """Write ``frame`` as RFC 7946 GeoJSON (UTF-8), atomically; returns the path."""
    target = Path(path)
    text = geojson_text(frame, precision=precision, id_field=id_field, name=target.stem)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def feature_collection_text(texts: Sequence[str]) -> str:
    """One FeatureCollection holding the features of several :func:`geojson_text` outputs, in
    their order.

    >>> one = '{"type":"FeatureCollection","features":[\\n{"a":1}\\n]}\\n'
    >>> none = '{"type":"FeatureCollection","features":[\\n\\n]}\\n'
    >>> feature_collection_text([one, none, one]).count('{"a":1}')
    2
    """
    bodies = [text[text.index("[\n") + 2:text.rindex("\n]}")] for text in texts]
    return ('{"type":"FeatureCollection","features":[\n' + ",\n".join(b for b in bodies if b)
            + "\n]}\n")


def write_geojson_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
                         precision: int | None = DEFAULT_PRECISION,
                         overwrite: bool = False) -> Path:
    """Write several frames into one RFC 7946 FeatureCollection, each feature tagged with an
    ``output`` property (the layer's name) and carrying only its own layer's columns."""
    target = Path(path)
    text = feature_collection_text([
        geojson_text(frame.assign(output=name)[["output", *frame.columns]], precision=precision,
                     id_field=None, name=name)
        for name, frame in layers.items() if len(frame)])
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
