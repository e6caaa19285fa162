"""The one GeoJSON writer: RFC 7946 FeatureCollections in WGS 84, atomically written.

Every GeoJSON geoplan writes (findings, coverage, the grid graph, the exports, the diff) goes
through :func:`geojson_text`: reprojected by :func:`geoplan.crs.to_wgs84` (the pinned
VN-2000 transformation), two-dimensional, coordinates rounded to :data:`DEFAULT_PRECISION`
decimals, repeated points removed, polygons wound counter-clockwise, text in NFC.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import CRSError, GeoplanError, PlanError
from geoplan.io.atomic import atomic_path

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_PRECISION", "IdField", "feature_collection_text", "feature_ids",
           "geojson_text", "rfc7946_geometries", "write_geojson", "write_geojson_layers"]

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
        arr = col.to_numpy()
        obj = arr.astype(object)
        obj[np.isnan(arr)] = None  # NaN -> None
        return list(obj.tolist())
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return list(col.to_numpy().tolist())  # Python ints and bools
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return [None if pd.isna(v) else v.isoformat() for v in col]
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        values = _objects(col)
        return [v.item() if isinstance(v, np.generic) else v for v in values]
    arr = np.asarray(_objects(col), dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty") \
            and _all_nfc(list(arr[np.asarray(pd.notna(arr), dtype=bool)].tolist())):
        return list(arr.tolist())  # the common case (loaded layers are NFC): no per-value work
    raw = _objects(col)
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
    """Geometries (already in WGS 84) made ready for RFC 7946 and valid for GEOS.

    Two-dimensional, coordinates rounded to ``precision`` decimals (``None``: as they are),
    consecutive repeated points removed, polygons wound counter-clockwise outside and clockwise
    in holes, empty geometries as ``None``. A geometry that is not valid after rounding (a
    self-intersecting polygon, a zero-length line part, a ring collapsed by the rounding) is
    repaired: :func:`shapely.make_valid`, then the parts of a lower dimension than the
    geometry's and the degenerate parts (zero length, zero area) are dropped, and the result
    is snapped to the precision grid again (:func:`shapely.set_precision`, which keeps it
    valid). A geometry with nothing drawable of its own dimension (a zero-length line, a
    polygon of no area) becomes its representative point (:func:`shapely.point_on_surface`),
    so every feature keeps a location. A drawable geometry smaller than the rounding (which
    would collapse only because of it) is refused with a :class:`GeoplanError` naming the
    feature (``ids``, ``layer``).

    >>> from shapely import LineString, Polygon
    >>> cw = Polygon([(105.0, 21.0), (105.0, 21.1), (105.100000001, 21.1), (105.0, 21.0)])
    >>> rfc7946_geometries([cw])[0].wkt
    'POLYGON ((105 21, 105.1 21.1, 105 21.1, 105 21))'
    >>> rfc7946_geometries([LineString([(105.5, 21.5), (105.5, 21.5)])])[0].wkt
    'POINT (105.5 21.5)'
    """
    precision = _check_precision(precision)
    source = np.asarray(geoms, dtype=object)
    if shapely.has_z(source).any() or _has_m(source):
        source = np.asarray(shapely.force_2d(source), dtype=object)
    if source.ndim != 1:
        source = np.asarray(list(source.ravel()), dtype=object)
    arr = source
    if precision is not None:
        arr = shapely.transform(arr, lambda c: np.round(c, precision))
    arr = _without_repeated_points(arr)
    present = ~shapely.is_missing(arr) & ~shapely.is_empty(arr)
    broken = present & ~shapely.is_valid(arr)
    if broken.any():
        arr = np.array(arr, dtype=object, copy=True)
        for i in np.flatnonzero(broken).tolist():
            who = ids[i] if ids is not None else f"#{i}"
            arr[i] = _repaired(source[i], arr[i], precision)
            if arr[i] is None:
                raise GeoplanError(
                    f"{layer}, feature {who!r}: its geometry collapses when coordinates are "
                    f"rounded to {precision} decimals (it is smaller than the rounding); fix "
                    "or remove the feature, or export with a higher --precision")
            log.debug("%s, feature %r: geometry repaired for GeoJSON (%s)", layer, who,
                      shapely.get_type_id(arr[i]))
    arr = shapely.orient_polygons(arr, exterior_cw=False)
    empty = shapely.is_empty(arr)
    if empty.any():
        arr = np.array(arr, dtype=object, copy=True)
        arr[empty] = None
    return np.asarray(arr, dtype=object)


def _has_m(geoms: np.ndarray) -> bool:
    has_m = getattr(shapely, "has_m", None)  # shapely >= 2.1
    return bool(has_m(geoms).any()) if has_m is not None else False


def _without_repeated_points(arr: np.ndarray) -> np.ndarray:
    """:func:`shapely.remove_repeated_points`; a geometry GEOS cannot rebuild that way (a ring
    collapsed by rounding) is kept as it is, for :func:`_repaired`. The geometries are taken in
    halves until the few GEOS refuses are found, one by one in small pieces."""
    try:
        return np.asarray(shapely.remove_repeated_points(arr), dtype=object)
    except shapely.errors.GEOSException:
        if len(arr) > 64:
            half = len(arr) // 2
            return np.concatenate([_without_repeated_points(arr[:half]),
                                   _without_repeated_points(arr[half:])])
        out = np.array(arr, dtype=object, copy=True)
        for i, g in enumerate(arr):
            try:
                out[i] = shapely.remove_repeated_points(g)
            except shapely.errors.GEOSException:
                out[i] = g
        return out


def _dimension(geom: Any) -> int:
    """The highest dimension among a geometry's parts (0 point, 1 line, 2 polygon)."""
    parts = _flat_parts(geom)
    return max((int(shapely.get_dimensions(p)) for p in parts), default=-1)


def _flat_parts(geom: Any) -> list[Any]:
    """Single parts of a geometry, collections flattened."""
    out: list[Any] = []
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) == 7:  # a collection inside a collection
            out += _flat_parts(part)
        elif not shapely.is_empty(part):
            out.append(part)
    return out


def _drawable(geom: Any, dimension: int) -> Any:
    """The non-degenerate parts of ``geom`` of ``dimension``, as one geometry (or ``None``)."""
    parts = [p for p in _flat_parts(geom) if int(shapely.get_dimensions(p)) == dimension]
    if dimension == 2:
        parts = [p for p in parts if shapely.area(p) > 0]
        if not parts:
            return None
        out = shapely.union_all(parts) if len(parts) > 1 else parts[0]
        return out if not shapely.is_empty(out) else None
    if dimension == 1:
        parts = [p for p in parts if shapely.length(p) > 0]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else shapely.multilinestrings(parts)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multipoints(parts)


def _on_grid(geom: Any, precision: int | None) -> Any:
    if precision is None or geom is None:
        return geom
    try:
        return shapely.set_precision(geom, 10.0 ** -precision)
    except shapely.errors.GEOSException:
        return None


def _repaired(source: Any, rounded: Any, precision: int | None) -> Any:
    """A GEOS-valid version of ``rounded`` (``source`` before rounding) of the same dimension;
    the representative point of ``source`` when ``source`` has nothing drawable; ``None`` when
    only the rounding destroys it."""
    dimension = _dimension(source)
    try:
        drawable = _drawable(shapely.make_valid(source), dimension) is not None
    except shapely.errors.GEOSException:
        drawable = False
    for candidate in (rounded, source):
        try:
            fixed = _drawable(shapely.make_valid(candidate), dimension)
        except shapely.errors.GEOSException:
            continue
        for _ in range(3):
            if fixed is None:
                break
            fixed = _drawable(_on_grid(fixed, precision), dimension)
            if fixed is not None and shapely.is_valid(fixed):
                return fixed
            if fixed is not None:
                fixed = _drawable(shapely.make_valid(fixed), dimension)
    if drawable:
        return None
    point = shapely.point_on_surface(source)
    if precision is not None:
        point = shapely.transform(point, lambda c: np.round(c, precision))
    return point


def _geometry_json(geoms: np.ndarray, precision: int | None) -> list[str]:
    """GeoJSON geometry objects as text, coordinates printed with at most ``precision`` decimals.

    GEOS prints some rounded doubles with 17 significant digits (``21.383930200000002`` for
    the double nearest to 21.3839302); those numbers are printed again with Python's shortest
    round-trip ``repr``, which gives back the rounded decimal.
    """
    texts = shapely.to_geojson(geoms)
    if not len(texts):
        return []
    texts = np.asarray(texts, dtype=object)
    missing = texts == None  # noqa: E711 (element-wise)
    if missing.any():
        texts = texts.copy()
        texts[missing] = "null"
    joined = "\x1e".join(texts.tolist())
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


IdField = str | Sequence[str] | None
"""The column giving each feature's ``id`` member, or several columns whose values are joined
with ``/`` into one (a repeated id then gets ``#2``, ``#3`` … in the frame's order)."""


def feature_ids(frame: pd.DataFrame, id_field: IdField, *, prefix: str = "") -> list[Any] | None:
    """The ``id`` member of each feature of ``frame`` (see :data:`IdField`), ``None`` when the
    frame lacks the column(s).

    >>> frame = pd.DataFrame({"rule": ["a", "a", "b"], "feature_id": ["X", "X", None]})
    >>> feature_ids(frame, ("rule", "feature_id"))
    ['a/X', 'a/X#2', 'b']
    """
    if id_field is None:
        return None
    if isinstance(id_field, str):
        if id_field not in frame.columns:
            return None
        if not prefix:
            return _column_values(frame[id_field])
        id_field = (id_field,)
    fields = [f for f in id_field if f in frame.columns]
    if not fields:
        return None
    parts = [_as_text(frame[f]) for f in fields]
    # fields joined with "/", trailing blank fields left out (the first one always kept)
    joined = parts[0]
    for j in range(1, len(parts)):
        more = np.zeros(len(frame), dtype=bool)
        for later in parts[j:]:
            more |= later != ""
        joined = np.where(more, joined + "/" + parts[j], joined)
    keys = pd.Series(prefix + joined if prefix else joined, dtype=object)
    repeat = keys.groupby(keys, sort=False).cumcount().to_numpy() + 1
    out = keys.to_numpy(dtype=object).copy()
    again = np.flatnonzero(repeat > 1)
    out[again] = [f"{k}#{n}" for k, n in zip(out[again], repeat[again], strict=True)]
    return list(out.tolist())


def _as_text(col: pd.Series) -> np.ndarray:
    """A column as an object array of ``str`` (missing: ``""``), text in NFC."""
    values = _column_values(col)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    blank = np.asarray(pd.isna(arr), dtype=bool)
    arr[blank] = ""
    if pd.api.types.infer_dtype(arr, skipna=False) not in ("string", "empty"):
        arr = np.array([str(v) for v in arr], dtype=object)
    return arr


def geojson_text(frame: gpd.GeoDataFrame, *, precision: int | None = DEFAULT_PRECISION,
                 id_field: IdField = "id", name: str | None = None, id_prefix: str = "") -> str:
    """The RFC 7946 GeoJSON FeatureCollection of ``frame`` as text (see the module docstring).

    ``frame`` may be in any CRS (it must have one); it is reprojected through
    :func:`geoplan.crs.to_wgs84`. ``id_field`` (one column, or several joined: see
    :data:`IdField`) becomes the feature ``id`` member when the frame has it; a single id column
    is not repeated in the properties. ``id_prefix`` is put before every id. ``name`` labels
    features in error messages. Features are written in the frame's order.
    """
    return "".join(_collection_chunks(frame, precision=precision, id_field=id_field, name=name,
                                      id_prefix=id_prefix))


#: Features serialised at a time: the text of one chunk is held in memory, not the whole file.
CHUNK_FEATURES = 5000


def _collection_chunks(frame: gpd.GeoDataFrame, *, precision: int | None, id_field: IdField,
                       name: str | None, id_prefix: str) -> Iterator[str]:
    """The text of :func:`geojson_text` in pieces of at most :data:`CHUNK_FEATURES` features.

    Everything is validated before the first piece is yielded (CRS, duplicate columns, ids,
    geometries), so that a writer never leaves half a file. Each piece is built column by
    column: geometries by :func:`shapely.to_geojson`, numbers by one call of the C encoder per
    column, text encoded once per distinct value, and the feature texts joined in C.
    """
    from geoplan.crs import to_wgs84

    if frame.crs is None:
        raise CRSError(f"{name or 'layer'}: the frame has no CRS; set it (GeoDataFrame.set_crs) "
                       "before exporting to GeoJSON")
    label = name or "layer"
    geom_name = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_name]
    ids = feature_ids(frame, id_field, prefix=id_prefix)
    has_id = ids is not None and isinstance(id_field, str) and not id_prefix
    columns = [c for c in columns if not (has_id and c == id_field)]
    keys = [_nfc(str(c)) for c in columns]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise GeoplanError(f"{label}: column(s) {', '.join(map(repr, twice))} appear twice; a "
                           "GeoJSON feature cannot hold two properties of one name")
    # only the geometry columns are reprojected (the properties are read from ``frame``)
    spatial = [i for i, dtype in enumerate(frame.dtypes)
               if isinstance(dtype, gpd.array.GeometryDtype)]
    wgs = to_wgs84(frame.iloc[:, spatial], name=label)
    geoms = rfc7946_geometries(wgs.geometry.values, precision=precision, ids=ids, layer=label)
    from json.encoder import encode_basestring

    # The text of a feature is constant pieces (keys, punctuation) between the JSON of its
    # values: each piece is a column, the chunk's texts one join over the rows.
    segments: list[str | np.ndarray | None] = ['{"type":"Feature",']
    if ids is not None:
        id_json = _objects_of(_json_values(ids))
        blank = id_json == "null"
        id_json = '"id":' + id_json + ","
        id_json[blank] = ""
        segments.append(id_json)
    segments += ['"geometry":', None, ',"properties":{']  # None: the geometry
    seen: list[tuple[list[Any], np.ndarray]] = []
    for k, (key, col) in enumerate(zip(keys, columns, strict=True)):
        segments.append(("," if k else "") + encode_basestring(key) + ":")
        segments.append(_json_column(frame[col], seen))
    segments.append("}}")
    merged: list[str | np.ndarray | None] = []
    for seg in segments:
        if isinstance(seg, str) and merged and isinstance(merged[-1], str):
            merged[-1] += seg
        else:
            merged.append(seg)
    yield '{"type":"FeatureCollection","features":[\n'
    n = len(frame)
    for start in range(0, n, CHUNK_FEATURES):
        stop = min(n, start + CHUNK_FEATURES)
        table = np.empty((stop - start, len(merged) + 1), dtype=object)
        table[:, 0] = ",\n"  # between features
        if start == 0:
            table[0, 0] = ""
        for j, seg in enumerate(merged, start=1):
            if seg is None:
                table[:, j] = _geometry_json(geoms[start:stop], precision)
            else:
                table[:, j] = seg if isinstance(seg, str) else seg[start:stop]
        yield "".join(table.ravel().tolist())
    yield "\n]}\n"


def _json_column(col: pd.Series, seen: list[tuple[list[Any], np.ndarray]]) -> np.ndarray:
    """The JSON text of every value of a column (:func:`_json_values` of
    :func:`_column_values`), as an object array.

    A column of ``str`` and ``None`` only takes a short way: NFC checked in one call, each
    value encoded once; a column equal to one encoded before it (``message`` and
    ``message_vi``, kept in ``seen``) is not encoded again."""
    if col.dtype == object:
        values = col.to_numpy(dtype=object).tolist()
        kinds = set(map(type, values))
        if kinds <= {str, type(None)}:
            for other, done in seen:
                if other == values:
                    return done
            encoded = _text_json(values, type(None) in kinds)
            if encoded is None:  # not all NFC
                return _objects_of(_json_values(_column_values(col)))
            seen.append((values, encoded))
            return encoded
    return _objects_of(_json_values(_column_values(col)))


def _text_json(values: list[str | None], missing: bool) -> np.ndarray | None:
    """The JSON of ``str`` and ``None`` values when every text is NFC (``None`` otherwise):
    each value encoded once, the distinct values only when they repeat."""
    from json.encoder import encode_basestring

    step = max(1, len(values) // 256)
    sample = values[::step]
    if len(set(sample)) > len(sample) // 2:  # mostly distinct (messages): no factorizing
        if not missing:
            texts = cast(list[str], values)
            return _objects_of(list(map(encode_basestring, texts))) if _all_nfc(texts) else None
        arr = _objects_of(values)
        present = np.flatnonzero(arr != None)  # noqa: E711 (element-wise)
        texts = arr[present].tolist()
        if not _all_nfc(texts):
            return None
        out = np.full(len(values), "null", dtype=object)
        out[present] = list(map(encode_basestring, texts))
        return out
    codes, uniques = pd.factorize(_objects_of(values), use_na_sentinel=True)
    distinct = uniques.tolist()
    if not _all_nfc(distinct):
        return None
    encoded = np.array([*map(encode_basestring, distinct), "null"], dtype=object)
    return encoded[codes]  # code -1 (missing) takes the last: null


def _objects_of(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_values(values: list[Any]) -> list[str]:
    """The JSON text of every value of one column (JSON-ready values, see
    :func:`_column_values`).

    Numbers, booleans and nulls are encoded in one call of the C encoder and split at the
    commas (their JSON holds no other comma); text is encoded once per distinct value; anything
    else through the full encoder, value by value.
    """
    from json.encoder import encode_basestring  # the C implementation when available

    if not values:
        return []
    kinds = set(map(type, values))
    if kinds <= {int, float, bool, type(None)}:
        return _ENCODER.encode(values)[1:-1].split(",")
    if kinds <= {str, type(None)}:
        step = max(1, len(values) // 256)
        sample = values[::step]
        if len(set(sample)) > len(sample) // 2:  # mostly distinct (messages): no factorizing
            if type(None) not in kinds:
                return list(map(encode_basestring, values))
            return ["null" if v is None else encode_basestring(v) for v in values]
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        encoded = np.array([*map(encode_basestring, uniques), "null"], dtype=object)
        return list(encoded[codes].tolist())  # code -1 (missing) takes the last: null
    return [_ENCODER.encode(v) for v in values]


def write_geojson(frame: gpd.GeoDataFrame, path: str | Path, *,
                  precision: int | None = DEFAULT_PRECISION, id_field: IdField = "id",
                  overwrite: bool = False) -> Path:
    """Write ``frame`` as RFC 7946 GeoJSON (UTF-8), atomically; returns the path."""
    target = Path(path)
    chunks = _collection_chunks(frame, precision=precision, id_field=id_field,
                                name=target.stem, id_prefix="")
    first = next(chunks)  # everything is validated before the file is opened
    with atomic_path(target, overwrite=overwrite) as tmp, \
            open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(first)
        for chunk in chunks:
            fh.write(chunk)
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
                         id_fields: Mapping[str, IdField] | None = None,
                         overwrite: bool = False) -> Path:
    """Write several frames into one RFC 7946 FeatureCollection, each feature tagged with an
    ``output`` property (the layer's name) and carrying only its own layer's columns.

    ``id_fields`` names, per layer, the column(s) of each feature's ``id`` member, written as
    ``<layer>/<value>`` so that ids stay unique across layers (no ``id`` for other layers)."""
    target = Path(path)
    keys = dict(id_fields or {})
    text = feature_collection_text([
        geojson_text(frame.assign(output=name)[["output", *frame.columns]], precision=precision,
                     id_field=keys.get(name), id_prefix=f"{name}/", name=name)
        for name, frame in layers.items() if len(frame)])
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
