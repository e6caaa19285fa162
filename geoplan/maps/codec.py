"""The browser data format of the interactive map: its one definition, encoder and decoder.

Each layer of an HTML map is one compact JSON document embedded in the page
(``<script type="application/json">``) and drawn by ``assets/geoplan.js``, which reads exactly
what is specified here. :func:`encode_layer` writes a document, :func:`decode` and
:func:`decode_column` read it back (the twins of ``geometries()`` and ``value()`` in
geoplan.js), so the format is written down once and tested both ways.

``v``
    Format version: 2 (integer arrays packed, "prefix + number" texts).

Packed integers
---------------
Every array of integers below (``c``, ``g``, ``r``, ``k``, ``t``, ``si``, codes ``k`` of
columns, ``ref`` / ``ref2`` ``k`` and ``i``, numbers ``x``) is either a plain JSON array (when
it has fewer than 8 values) or a **packed** string, about half as long as its JSON text:

- the digits are the 88 characters from ``!`` (0x21) to ``}`` (0x7D) without ``"``, ``&``,
  ``<``, ``>`` and ``\\``, worth 0 to 87 in that order: nothing JSON or HTML escapes;
- each integer ``v`` is zig-zagged (``z = 2v`` when ``v >= 0``, else ``-2v - 1``), then written
  as leading digits ``d < 40`` (most significant first, the first never 0), base 40, and one
  closing digit ``e >= 40``: ``z = (lead) * 48 + (e - 40)``. So -24 to 23 take one
  character, -960 to 959 two, -38,400 to 38,399 three;
- a string starting with ``~`` holds differences: each value is the previous one plus the
  integer read (the first from 0).

Values are at most ``2**52 - 1`` in magnitude (what a browser counts exactly). geoplan.js
``ints()`` and :func:`decode_ints` read both forms; :func:`unpack` turns a whole document back
into plain arrays (the page does the same to each document it reads).

Geometry
--------
``n``
    Number of features.
``s``
    Scale: coordinates are integers in units of ``1 / s`` degrees (``s = 10 ** precision``,
    precision 4 to 8 decimals; 6 ≈ 0.1 m). A decoded vertex is within ``0.5 / s`` degrees of
    the WGS 84 vertex encoded (rounding to the nearest unit; the deltas are exact integers).
``c``
    Flat integer coordinates ``[lat0, lon0, dlat1, dlon1, ...]``, packed (without ``~``: they
    are differences already): **latitude first** (Leaflet's order; this module is the only
    place the axes are swapped), each vertex as the difference from the previous vertex of
    the whole layer (the first from 0). Vertices follow feature by feature, part by part, ring
    by ring. Polygon rings drop their closing vertex (Leaflet closes polygons itself).
``g``, ``r``, ``k``
    Parts per feature, rings per part, vertices per ring; each absent when all its values are 1.
    A point part has one ring of one vertex, a line part one ring (the line), a polygon part its
    exterior ring then its holes. A missing or empty geometry has 0 parts.
``type`` / ``t``
    Geometry family: 0 point, 1 line, 2 polygon. ``type`` holds it for the whole layer; when
    the features mix families, ``type`` is 0 and ``t`` lists the family of each feature (-1 for a
    missing or empty geometry). A geometry collection is written as its highest-dimension parts.

Attributes
----------
``cols``
    Columns shown in popups, in order.
``p``
    Values by column: a JSON array (``null`` = missing), ``{"k": codes, "v": values}`` when
    values repeat a lot (code -1 = missing), ``{"tp": templates, "k": codes, "a": arguments}``
    for long texts that differ only in their figures and quoted names (messages: a value is
    its template ``tp[k]`` with each ``\u0001`` replaced, in order, by the next text of its
    ``a`` list; code -1 = missing), ``{"pn": [[prefix, width], ...], "k": codes, "x":
    numbers}`` for texts that are mostly a prefix and a number (ids ``DZ-00012``, ``way/123``:
    a value is its prefix ``pn[k][0]``, then, when the width ``pn[k][1]`` is not 0, the next
    number of ``x`` written in decimal and padded with zeros to that width, so ``00012`` and
    ``12`` stay apart; code -1 = missing), or ``null`` when every value is missing. Numbers
    are rounded to 4 decimals, whole numbers written as integers; infinities are missing.
``f``
    Per column ``[label_vi, label_en, unit]`` (unit ``""`` when none).
``tt``
    Columns shown in the tooltip after the feature's label.
``label``
    Column heading popups and tooltips (absent: ``name``; ``id`` when the value is missing).

Styles and behaviour
--------------------
``st``
    The distinct styles of the layer (Leaflet path options; point symbols add ``shape``,
    ``radius`` and optionally ``glyph`` / ``glyphColor``; ``hatch: true`` fills with a hatch).
``si``
    Style index of each feature (absent: every feature has ``st[0]``).
``name``, ``title``, ``kind``, ``kindVi``, ``kindEn``
    The layer's key, its title, its kind and the kind's Vietnamese and English labels.
``search``
    Whether the layer's names go into the search box.
``cluster``, ``clusterStyle``
    Whether the (single-part point) layer is clustered, and the cluster symbol's style.
``lbl``, ``lblZoom``
    ``[lat, lon]`` (or ``null``) of a name label per feature (boundaries), shown from zoom
    ``lblZoom`` (absent: 10); features of level ``province`` are not labelled.
``mv``, ``mvStyle``, ``mvOrigin``
    Plan diff only: arrows from the old to the new position of moved features, a geometry
    document of their own (``n``, ``s``, ``c``, ``g``, ``r``, ``k``, ``type``), drawn with the line
    style ``mvStyle`` and a circle ``mvOrigin`` where each feature was.

Findings
--------
A findings document (``kind`` ``findings``) is a layer document whose features are findings,
with these keys besides:

``ref``, ``ref2``
    The feature a finding concerns (its ``layer`` and ``feature_id``) and the other party
    (``other_layer`` and ``other_id``): ``{"l": [layer names], "k": [code in l per finding],
    "i": [feature index per finding]}`` (both packed integers, ``i`` as differences when
    shorter), where the index is the feature's position in that layer's document and both
    are -1 when the feature is not on the map (or there is none).
    Absent when no finding of the document points to a feature on the map.
Drawn by reference
    A finding with a ``ref`` whose geometry is missing or is the feature's own carries **no
    geometry** (0 parts): the browser highlights the referenced feature, by index, with the
    finding's style, and the highlight is not interactive (the click goes to the feature,
    whose popup lists its findings). Only findings with a geometry of their own (an overlap's
    intersection, the part of a cluster inside a corridor, a dangling line end, a grid
    island's lines) carry one, simplified like the layers; it too is not interactive when the
    finding has a ``ref``. A finding with neither geometry nor ``ref`` is not drawn.
``ag``, ``ap``
    The rules drawn aggregated (more findings than ``[map] findings_cluster``): their
    findings are clustered with counts instead of drawn one by one until zoomed in. ``ap``
    lists ``[lat, lon]`` (or ``null``) of the findings of those rules whose point is not
    derived, in row order. A finding's point is derived, in this order of preference: the
    first vertex of its own geometry (a dangling line end is its own point); else, with a
    ``ref``, from the feature as drawn in its layer's document: a point feature's (first)
    point, a line's middle vertex (vertex ``⌊m / 2⌋`` of its first part's ``m``), the
    feature's name label ``lbl`` when its layer has one (``null``: not drawn). A finding
    with neither (no ``ref``, or a polygon feature of a layer without labels) takes the next
    ``ap`` entry. Absent when no rule is aggregated. (:func:`decode_aggregate_points`.)
``rc``
    The columns taken from the references: ``layer`` and ``feature_id`` (with ``ref``),
    ``other_layer`` and ``other_id`` (with ``ref2``). The ``p`` entry of such a column holds
    the values of the findings without that reference only, in row order; a finding with it
    reads the layer name ``l[k]`` and the ``id`` of the feature, as text (a JSON number as
    its digits). Listed only when that is, for every finding with the reference, the value
    the document would otherwise carry; absent when none is.
Placeholders
    In the templated columns of a findings document (``message``), an argument of ``a`` may
    be an integer instead of a text: ``0`` the ``id`` of the ``ref`` feature (as text), ``1``
    its ``name`` in straight quotes (``"…"``), ``2`` and ``3`` the same of the ``ref2``
    feature. The encoder writes one only where that text is exactly the argument. (Both:
    :func:`decode_findings_column`, the twin of ``resolveFindings()`` in geoplan.js.)

Rule titles are in ``geoplan.config.rules`` (``{rule: [title_vi, title_en]}``).

The page
--------
Before the layers the page sets ``geoplan.config`` (:func:`encode_config`): ``values``, the
bilingual labels of coded values (``{column: {value: [vi, en]}}``), ``styles``, the style
table, ``rules``, the titles of the rules findings may have, and ``lang`` (``vi`` or ``en``),
the language findings' titles and severities are shown in (their messages come written in
it). The JSON text of a document is made safe to embed in HTML by :func:`json_text`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONTINUE",
    "DEFAULT_LABEL_ZOOM",
    "DELTA",
    "DIGITS",
    "FAMILY_LINE",
    "FAMILY_NONE",
    "FAMILY_POINT",
    "FAMILY_POLYGON",
    "PACK_MIN",
    "REF_COLUMNS",
    "VERSION",
    "decode",
    "decode_aggregate_points",
    "decode_column",
    "decode_findings_column",
    "decode_ints",
    "decode_shapes",
    "encode_column",
    "encode_config",
    "encode_geometry",
    "encode_ints",
    "encode_layer",
    "encode_party_templates",
    "encode_points",
    "encode_ref_columns",
    "encode_refs",
    "explode_collections",
    "families",
    "json_text",
    "json_value",
    "pack_ints",
    "party_text",
    "unpack",
]

FAMILY_NONE, FAMILY_POINT, FAMILY_LINE, FAMILY_POLYGON = -1, 0, 1, 2
#: Format version of the documents (``v``).
VERSION = 2
#: Zoom level from which name labels show when a document has no ``lblZoom``.
DEFAULT_LABEL_ZOOM = 10

Rings = list[list[tuple[float, float]]]


# ------------------------------------------------------------------------------ integers

#: The digits of packed integers, values 0 to 87 in this order: ``!`` to ``}`` without
#: ``"``, ``&``, ``<``, ``>`` and ``\`` (nothing JSON or HTML would escape).
DIGITS = "".join(ch for ch in map(chr, range(0x21, 0x7E)) if ch not in '"&<>\\')
#: Digits below ``CONTINUE`` lead an integer; the one at or above it ends it.
CONTINUE = 40
_TERMINAL = len(DIGITS) - CONTINUE
#: First character of a packed array stored as differences.
DELTA = "~"
#: Arrays shorter than this stay plain JSON arrays.
PACK_MIN = 8
_DIGIT_BYTES = np.frombuffer(DIGITS.encode("ascii"), dtype=np.uint8)
_DIGIT_VALUE = np.full(256, -1, dtype=np.int64)
_DIGIT_VALUE[_DIGIT_BYTES] = np.arange(len(DIGITS))


def encode_ints(values: Sequence[int] | np.ndarray, *, delta: bool | None = False) -> str:
    """Integers as a packed string (see *Packed integers* in the module docstring); with
    ``delta`` as their differences (``~`` first), with ``delta=None`` whichever is shorter.

    >>> encode_ints([0, -1, 1, 23, 24, 100000])
    'MNO|#M$;)n'
    >>> decode_ints(encode_ints([5, 6, 7, 8], delta=True)).tolist()
    [5, 6, 7, 8]
    """
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    if delta is None:
        plain = encode_ints(v)
        if len(v) > 1 and int(np.abs(np.diff(v)).max()) >= 2**52:
            return plain
        diff = encode_ints(v, delta=True)
        return diff if len(diff) < len(plain) else plain
    if delta:
        v = np.diff(v, prepend=np.int64(0))
    if len(v) and max(int(v.max()), -int(v.min())) >= 2**52:
        raise ValueError(f"map data: the integer {int(np.abs(v).max())} is too large to pack "
                         "(at most 2**52 - 1, what a browser counts exactly)")
    z = np.where(v < 0, -2 * v - 1, 2 * v)  # zig-zag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
    q, t = np.divmod(z, _TERMINAL)
    lead = np.zeros(len(z), dtype=np.int64)  # leading digits of each integer
    power = np.int64(1)
    while len(q) and (q >= power).any():
        lead += q >= power
        power *= CONTINUE
    end = np.cumsum(lead + 1) - 1  # position of each integer's last digit
    digits = np.empty(int(end[-1]) + 1 if len(end) else 0, dtype=np.int64)
    digits[end] = CONTINUE + t
    for j in range(int(lead.max()) if len(lead) else 0):
        has = lead > j
        digits[end[has] - 1 - j] = (q[has] // CONTINUE**j) % CONTINUE
    text = _DIGIT_BYTES[digits].tobytes().decode("ascii")
    return DELTA + text if delta else text


def decode_ints(packed: str | Sequence[int]) -> np.ndarray:
    """The integers of a packed string (or of a plain JSON array), as int64 (the twin of
    geoplan.js ``ints()``)."""
    if not isinstance(packed, str):
        return np.asarray(packed, dtype=np.int64).reshape(-1)
    delta = packed.startswith(DELTA)
    raw = np.frombuffer(packed[1 if delta else 0:].encode("utf-8"), dtype=np.uint8)
    d = _DIGIT_VALUE[raw]
    if (d < 0).any():
        bad = packed[int(np.flatnonzero(d < 0)[0]) + (1 if delta else 0)]
        raise ValueError(f"map data: {bad!r} is not a digit of a packed integer array")
    last = d >= CONTINUE
    if len(d) and not last[-1]:
        raise ValueError("map data: a packed integer array ends inside an integer")
    ends = np.flatnonzero(last)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    # a leading digit j places before the last one weighs CONTINUE ** (j - 1) * TERMINAL
    owner: np.ndarray = np.cumsum(last) - last.astype(np.int64)  # the integer of each digit
    place = ends[owner] - np.arange(len(d))
    weight = np.where(place == 0, 1, _TERMINAL * np.power(np.int64(CONTINUE),
                                                            np.maximum(place - 1, 0)))
    z = np.add.reduceat(np.where(last, d - CONTINUE, d) * weight, starts) if len(ends) else \
        np.empty(0, dtype=np.int64)
    v = np.where(z % 2 == 1, -(z + 1) // 2, z // 2)
    return np.cumsum(v) if delta else v


def pack_ints(values: Sequence[int] | np.ndarray, *, delta: bool | None = False
              ) -> str | list[int]:
    """:func:`encode_ints` of an array of at least :data:`PACK_MIN` integers, shorter ones
    as a plain list."""
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    return v.tolist() if len(v) < PACK_MIN else encode_ints(v, delta=delta)


# ------------------------------------------------------------------------------ geometry


def families(types: np.ndarray) -> np.ndarray:
    """0 point, 1 line, 2 polygon, -1 none or other, from shapely type ids."""
    fam = np.full(types.shape, FAMILY_NONE, dtype=np.int8)
    fam[np.isin(types, (0, 4))] = FAMILY_POINT
    fam[np.isin(types, (1, 2, 5))] = FAMILY_LINE
    fam[np.isin(types, (3, 6))] = FAMILY_POLYGON
    return fam


def explode_collections(geoms: np.ndarray) -> np.ndarray:
    """Geometry collections -> their highest-dimension parts (polygons, else lines, else points)."""
    import shapely

    types = shapely.get_type_id(geoms)
    if not (types == 7).any():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(types == 7):
        parts = shapely.get_parts(geoms[i])
        if not len(parts):
            out[i] = None
            continue
        dims = shapely.get_dimensions(parts)
        keep = parts[dims == dims.max()]
        out[i] = shapely.union_all(keep) if len(keep) > 1 else keep[0]
    return out


def encode_geometry(geoms: Sequence[Any] | np.ndarray, precision: int) -> dict[str, Any]:
    """The geometry keys (``n``, ``s``, ``c``, ``g``, ``r``, ``k``, ``type``, ``t``) of WGS 84
    geometries (longitude, latitude), ``precision`` decimals of a degree kept.

    >>> from shapely.geometry import LineString, Point
    >>> encode_geometry([Point(105.8, 21.0), LineString([(105.8, 21.0), (105.9, 21.1)])], 1)
    {'n': 2, 's': 10, 'c': [210, 1058, 0, 0, 1, 1], 'k': [1, 2], 'type': 0, 't': [0, 1]}
    """
    import shapely

    geoms = explode_collections(np.asarray(geoms, dtype=object))
    n = len(geoms)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    fam = families(shapely.get_type_id(geoms))
    fam[empty] = FAMILY_NONE
    geoms = geoms.copy()
    geoms[fam < 0] = None
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    part_types = shapely.get_type_id(parts)
    is_poly = part_types == 3
    ring_list: list[np.ndarray] = []
    ring_part_list: list[np.ndarray] = []
    if is_poly.any():
        idx = np.flatnonzero(is_poly)
        rings, local = shapely.get_rings(parts[idx], return_index=True)
        ring_list.append(rings)
        ring_part_list.append(idx[local])
    if (~is_poly).any():
        idx = np.flatnonzero(~is_poly)
        ring_list.append(parts[idx])
        ring_part_list.append(idx)
    if ring_list:
        rings = np.concatenate(ring_list)
        ring_part = np.concatenate(ring_part_list)
        order = np.argsort(ring_part, kind="stable")
        rings, ring_part = rings[order], ring_part[order]
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        # drop the closing vertex of polygon rings (Leaflet closes polygons itself)
        closed = is_poly[ring_part]
        counts = np.bincount(coord_ring, minlength=len(rings))
        last = np.cumsum(counts) - 1
        drop = np.zeros(len(coords), dtype=bool)
        drop[last[closed & (counts > 3)]] = True
        coords, coord_ring = coords[~drop], coord_ring[~drop]
    else:
        rings = np.empty(0, dtype=object)
        ring_part = np.empty(0, dtype=np.int64)
        coords = np.empty((0, 2))
        coord_ring = np.empty(0, dtype=np.int64)
    scale = 10**precision
    q = np.rint(coords * scale).astype(np.int64)
    latlon = q[:, ::-1]  # THE axis swap: (lon, lat) -> (lat, lon), Leaflet's order
    deltas = np.diff(latlon, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    out: dict[str, Any] = {"n": n, "s": scale, "c": pack_ints(deltas.reshape(-1))}
    g = np.bincount(part_geom, minlength=n)
    r = np.bincount(ring_part, minlength=len(parts))
    k = np.bincount(coord_ring, minlength=len(rings))
    if not (g == 1).all():
        out["g"] = pack_ints(g)
    if not (r == 1).all():
        out["r"] = pack_ints(r)
    if not (k == 1).all():
        out["k"] = pack_ints(k)
    present = fam[fam >= 0]
    if len(present) and (present == present[0]).all():
        out["type"] = int(present[0])
    else:
        out["type"] = FAMILY_POINT
        out["t"] = pack_ints(fam)
    return out


def encode_points(xy: Sequence[tuple[float, float] | None], precision: int
                  ) -> list[list[float] | None]:
    """``[lat, lon]`` of WGS 84 ``(lon, lat)`` points, rounded (``lbl``); ``None`` stays."""
    return [None if p is None else [round(p[1], precision), round(p[0], precision)] for p in xy]


def encode_refs(names: Sequence[str], codes: Sequence[int] | np.ndarray,
                index: Sequence[int] | np.ndarray) -> dict[str, Any] | None:
    """``ref`` / ``ref2`` of a findings document: layer ``names``, per finding the code of the
    layer in ``names`` and the feature's index in that layer's document (-1: not on the map);
    ``None`` when no finding points to a feature.

    >>> encode_refs(["clusters"], [0, -1], [4, -1])
    {'l': ['clusters'], 'k': [0, -1], 'i': [4, -1]}
    """
    k = np.asarray(codes, dtype=np.int64)
    i = np.asarray(index, dtype=np.int64)
    ok = (k >= 0) & (i >= 0)
    if not ok.any():
        return None
    return {"l": list(names), "k": pack_ints(np.where(ok, k, -1)),
            "i": pack_ints(np.where(ok, i, -1), delta=None)}


def decode(data: Mapping[str, Any]) -> list[list[Rings]]:
    """The geometry of a document: features -> parts -> rings -> ``(lat, lon)`` vertices.

    The Python twin of geoplan.js ``geometries()``; polygon rings come without their closing
    vertex, a missing geometry as no part.

    >>> decode({"n": 2, "s": 10, "c": [210, 1058, 0, 0, 1, 1], "k": [1, 2], "type": 0,
    ...         "t": [0, 1]})
    [[[[(21.0, 105.8)]]], [[[(21.0, 105.8), (21.1, 105.9)]]]]
    """
    flat = np.cumsum(decode_ints(data["c"]).reshape(-1, 2), axis=0) / data["s"]
    g, r, k = (None if data.get(key) is None else decode_ints(data[key]).tolist()
               for key in ("g", "r", "k"))
    out: list[list[Rings]] = []
    ci = ri = pi = 0
    for f in range(data["n"]):
        parts = []
        for _ in range(g[f] if g else 1):
            rings = []
            for _ in range(r[pi] if r else 1):
                nc = k[ri] if k else 1
                rings.append([(float(a), float(b)) for a, b in flat[ci:ci + nc].tolist()])
                ci += nc
                ri += 1
            parts.append(rings)
            pi += 1
        out.append(parts)
    if ci != len(flat):
        raise ValueError(f"map data: {len(flat) - ci} vertices belong to no ring (c, g, r and k "
                         "disagree)")
    return out


def decode_shapes(data: Mapping[str, Any]) -> list[Any]:
    """The features of a document as shapely geometries in WGS 84 ``(lon, lat)`` (``None`` for
    a missing one): polygon rings closed again; a feature of one part is a single geometry,
    of several a multi-geometry."""
    import shapely

    fams = (decode_ints(data["t"]).tolist() if data.get("t") is not None
            else [data["type"]] * data["n"])
    out: list[Any] = []
    for fam, parts in zip(fams, decode(data), strict=True):
        if not parts:
            out.append(None)
            continue
        lonlat = [[[(lon, lat) for lat, lon in ring] for ring in part] for part in parts]
        if fam == FAMILY_POINT:
            points = [shapely.Point(part[0][0]) for part in lonlat]
            out.append(points[0] if len(points) == 1 else shapely.MultiPoint(points))
        elif fam == FAMILY_LINE:
            lines = [shapely.LineString(part[0]) for part in lonlat]
            out.append(lines[0] if len(lines) == 1 else shapely.MultiLineString(lines))
        else:
            polygons = [shapely.Polygon(part[0], part[1:]) for part in lonlat]
            out.append(polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons))
    return out


# ---------------------------------------------------------------------------- attributes


def json_value(value: Any) -> Any:
    """A value as JSON: missing and non-finite numbers as ``None``, numbers rounded to 4
    decimals (whole ones as integers), anything else as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else round(v, 4)
    return str(value)


def encode_column(series: pd.Series) -> list[Any] | dict[str, Any] | None:
    """A column as a JSON array, ``{"k": codes, "v": values}`` when values repeat a lot (code
    -1 is a missing value), ``{"tp", "k", "a"}`` for long templated texts, ``{"pn", "k",
    "x"}`` for "prefix + number" texts, or ``None`` when every value is missing.

    >>> encode_column(pd.Series(["existing"] * 15 + [None]))
    {'k': 'MMMMMMMMMMMMMMMN', 'v': ['existing']}
    """
    dtype = series.dtype
    is_float = pd.api.types.is_float_dtype(dtype)
    if is_float or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        if is_float:
            arr = np.round(arr, 4)
        arr[~np.isfinite(arr)] = np.nan  # JSON has no NaN or infinity
        values: list[Any] = [None if v != v else (int(v) if v.is_integer() else v)
                             for v in arr.tolist()]
    else:
        values = series.astype(object).tolist()
        for i in np.flatnonzero(series.isna().to_numpy()):
            values[i] = None
        values = [v if v is None or isinstance(v, (str, bool)) else json_value(v)
                  for v in values]
    n = len(values)
    if all(v is None for v in values):
        return None  # the runtime reads a missing column as missing values
    if n >= 16 and not is_float:
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if len(distinct) <= max(1, n // 4):
            code = {v: i for i, v in enumerate(distinct)}
            return {"k": pack_ints([-1 if v is None else code[v] for v in values]),
                    "v": distinct}
        templated = _templates(values)
        if templated is not None:
            return templated
        numbered = _numbered(values)
        if numbered is not None:
            return numbered
    return values


#: What varies between texts of one template: quoted names and figures.
_ARGUMENT = re.compile(r'"[^"\n]*"|“[^”\n]*”|\d+(?:[.,]\d+)*')
_SLOT = "\u0001"


def _templates(values: list[Any]) -> dict[str, Any] | None:
    """``{"tp", "k", "a"}`` of a text column when it is at least a third smaller that way."""
    texts = [v for v in values if v is not None]
    if not texts or not all(isinstance(v, str) for v in texts):
        return None
    if sum(map(len, texts)) < 60 * len(texts) or any(_SLOT in v for v in texts):
        return None  # short texts (names, ids) gain nothing
    code: dict[str, int] = {}
    keys: list[int] = []
    args: list[list[str]] = []
    for v in values:
        if v is None:
            keys.append(-1)
            args.append([])
            continue
        tp = _ARGUMENT.sub(_SLOT, v)
        keys.append(code.setdefault(tp, len(code)))
        args.append(_ARGUMENT.findall(v))
    out = {"tp": list(code), "k": pack_ints(keys), "a": args}
    if len(json_text(out)) > 0.67 * len(json_text(values)):
        return None
    return out


#: A text's trailing figures (at most 15, so that a browser counts them exactly).
_NUMBERED = re.compile(r"(.*?)([0-9]{1,15})\Z", re.S)


def _numbered(values: list[Any]) -> dict[str, Any] | None:
    """``{"pn", "k", "x"}`` of a text column of "prefix + number" values (ids) when it is at
    least a fifth smaller that way.

    >>> _numbered(["DZ-00098", "DZ-00099", "DZ-00100", "way/7", None, "x"] * 3)["pn"]
    [['DZ-', 5], ['way/', 1], ['x', 0]]
    """
    texts = [v for v in values if v is not None]
    if not texts or not all(isinstance(v, str) for v in texts):
        return None
    code: dict[tuple[str, int], int] = {}
    keys: list[int] = []
    numbers: list[int] = []
    for v in values:
        if v is None:
            keys.append(-1)
            continue
        m = _NUMBERED.match(v)
        if m is None:
            entry = (v, 0)
        else:
            entry = (m[1], len(m[2]))
            numbers.append(int(m[2]))
        keys.append(code.setdefault(entry, len(code)))
    if len(code) > max(1, len(texts) // 4):
        return None
    out = {"pn": [list(e) for e in code], "k": pack_ints(keys),
           "x": pack_ints(numbers, delta=None)}
    if len(json_text(out)) > 0.8 * len(json_text(values)):
        return None
    return out


def _fill(template: str, args: Sequence[str]) -> str:
    pieces = template.split(_SLOT)
    return "".join(p + (args[i] if i < len(args) else "") for i, p in enumerate(pieces))


def decode_column(data: Mapping[str, Any], name: str) -> list[Any]:
    """The values of column ``name`` of a document, one per feature (the twin of geoplan.js
    ``value()``); a column the document lacks reads as missing values."""
    col = data["p"].get(name)
    if col is None:
        return [None] * data["n"]
    if isinstance(col, Mapping) and "pn" in col:
        return _numbers(col)
    if isinstance(col, Mapping):
        codes = decode_ints(col["k"]).tolist()
        if "tp" in col:
            return [None if c < 0 else _fill(col["tp"][c], a)
                    for c, a in zip(codes, col["a"], strict=True)]
        return [None if c < 0 else col["v"][c] for c in codes]
    return list(col)


def _numbers(col: Mapping[str, Any]) -> list[str | None]:
    """The texts of a ``{"pn", "k", "x"}`` column (the twin of geoplan.js ``numbered()``)."""
    numbers = iter(decode_ints(col["x"]).tolist())
    out: list[str | None] = []
    for c in decode_ints(col["k"]).tolist():
        if c < 0:
            out.append(None)
            continue
        prefix, width = col["pn"][c]
        out.append(prefix + str(next(numbers)).zfill(width) if width else prefix)
    return out


# ------------------------------------------------------------------------------ documents

#: Integer arrays of a document, packed or not: at its top level, in ``mv`` and in ``ref``.
_INT_KEYS = ("c", "g", "r", "k", "t", "si")


def unpack(data: Mapping[str, Any]) -> dict[str, Any]:
    """A document with every packed integer array as a list and every ``{"pn", ...}`` column
    as a list of its texts (the twin of geoplan.js ``unpack()``, which the page runs on each
    document it reads); the rest as it was. A document already unpacked comes back equal.

    >>> unpack({"n": 8, "c": encode_ints(range(16)), "p": {}})["c"][:4]
    [0, 1, 2, 3]
    """
    out = dict(data)
    for key in _INT_KEYS:
        if out.get(key) is not None:
            out[key] = decode_ints(out[key]).tolist()
    if isinstance(out.get("mv"), Mapping):
        out["mv"] = unpack(out["mv"])
    for key in ("ref", "ref2"):
        if isinstance(out.get(key), Mapping):
            out[key] = {**out[key], "k": decode_ints(out[key]["k"]).tolist(),
                        "i": decode_ints(out[key]["i"]).tolist()}
    if isinstance(out.get("p"), Mapping):
        cols: dict[str, Any] = {}
        for name, col in out["p"].items():
            if isinstance(col, Mapping) and "pn" in col:
                cols[name] = _numbers(col)
            elif isinstance(col, Mapping):
                cols[name] = {**col, "k": decode_ints(col["k"]).tolist()}
            else:
                cols[name] = col
        out["p"] = cols
    return out



def encode_layer(
    geoms: Sequence[Any] | np.ndarray,
    columns: Mapping[str, pd.Series],
    *,
    precision: int,
    name: str,
    title: str,
    kind: str,
    kind_labels: tuple[str, str],
    fields: Mapping[str, tuple[str, str, str]],
    tooltip: Sequence[str],
    styles: Sequence[Mapping[str, Any]],
    style_index: Sequence[int] | None = None,
    search: bool = False,
    cluster_points: int = 0,
    cluster_style: Mapping[str, Any] | None = None,
    label: str | None = None,
    label_points: Sequence[tuple[float, float] | None] | None = None,
    label_precision: int | None = None,
    moves: Sequence[Any] | np.ndarray | None = None,
    move_style: Mapping[str, Any] | None = None,
    move_origin: Mapping[str, Any] | None = None,
    refs: Mapping[str, Any] | None = None,
    other_refs: Mapping[str, Any] | None = None,
    aggregated: Sequence[str] = (),
    aggregate_points: Sequence[tuple[float, float] | None] | None = None,
    encoded: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One layer's document (see the module docstring for every key).

    ``geoms`` are WGS 84 geometries, ``columns`` the popup columns in order, ``fields`` their
    ``(label_vi, label_en, unit)``. A layer of single-part points with more than
    ``cluster_points`` features (0: never) is clustered with ``cluster_style``. ``label_points``
    are WGS 84 ``(lon, lat)`` name label positions; ``moves`` WGS 84 arrow lines (plan diff).
    Findings: ``refs`` / ``other_refs`` are :func:`encode_refs` documents, ``aggregated`` the
    rules drawn as clusters and ``aggregate_points`` WGS 84 ``(lon, lat)`` of those of their
    findings whose point is not derived; ``encoded`` holds columns already encoded (their
    ``p`` entries: :func:`encode_ref_columns`, whose columns are listed in ``rc``, and
    :func:`encode_party_templates`).
    """
    data = encode_geometry(geoms, precision)
    cols = list(columns)
    clustered = (bool(cluster_points) and data["type"] == FAMILY_POINT and "t" not in data
                 and "g" not in data and data["n"] > cluster_points)
    data.update(
        v=VERSION,
        name=name,
        title=title,
        kind=kind,
        kindVi=kind_labels[0],
        kindEn=kind_labels[1],
        cols=cols,
        f={c: list(fields[c]) for c in cols},
        p={c: encoded[c] if encoded and c in encoded else encode_column(columns[c])
           for c in cols},
        tt=[c for c in tooltip if c in columns],
        st=[dict(s) for s in styles],
        search=search,
        cluster=clustered,
    )
    if clustered:
        data["clusterStyle"] = dict(cluster_style or {})
    if label is not None:
        data["label"] = label
    if moves is not None and len(moves):
        data["mv"] = encode_geometry(moves, precision)
        data["mvStyle"] = dict(move_style or {})
        data["mvOrigin"] = dict(move_origin or {})
    if label_points is not None:
        data["lbl"] = encode_points(label_points, precision if label_precision is None
                                    else label_precision)
    if style_index is not None:
        data["si"] = pack_ints(style_index)
    if refs is not None:
        data["ref"] = dict(refs)
    if other_refs is not None:
        data["ref2"] = dict(other_refs)
    rc = [c for c in REF_COLUMNS if encoded and c in encoded and c in cols]
    if rc:
        data["rc"] = rc
    if aggregated:
        data["ag"] = list(aggregated)
        data["ap"] = encode_points(list(aggregate_points or []), precision if label_precision
                                   is None else label_precision)
    return data


def encode_config(values: Mapping[str, Mapping[str, tuple[str, str]]],
                  styles: Mapping[str, Any],
                  rules: Mapping[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """``geoplan.config``: the labels of coded values, the style table and the rule titles."""
    return {"values": {k: {v: list(p) for v, p in vals.items()} for k, vals in values.items()},
            "styles": dict(styles),
            "rules": {k: list(v) for k, v in (rules or {}).items()}}


def json_text(data: Any) -> str:
    """Compact JSON safe inside an HTML ``<script>`` element: no ``<`` in it at all (written
    ``\\u003c``), so neither ``</script>`` nor ``<!--`` in a value can end or derail it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


# ------------------------------------------------------------------------------ findings

#: The columns a findings document can take from its references (``rc``): column -> the
#: reference key and whether it is the feature's id (else its layer's name).
REF_COLUMNS = {"layer": ("ref", False), "feature_id": ("ref", True),
               "other_layer": ("ref2", False), "other_id": ("ref2", True)}


def party_text(value: Any, *, quoted: bool = False) -> str | None:
    """The text a placeholder stands for: a JSON value of a layer document (an ``id`` or a
    ``name``) as the browser writes it (``String(v)``; quoted: ``"v"``), ``None`` for a value
    whose text could differ between Python and JavaScript (missing, a truth value, a
    fraction, an integer beyond 2**53).

    >>> party_text(24), party_text("Hòa Tiến", quoted=True), party_text(1.5)
    ('24', '"Hòa Tiến"', None)
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        text = str(value)
    else:
        return None
    return f'"{text}"' if quoted else text


#: Arguments of a text whose parties were marked (\u0002 + placeholder): a mark, or as
#: :data:`_ARGUMENT` a quoted name or a figure, none across a mark.
_PARTY_ARGUMENT = re.compile('[\u0002-\u0005]|"[^"\n\u0002-\u0005]*"|“[^”\n\u0002-\u0005]*”'
                             r"|\d+(?:[.,]\d+)*")
_MARKS = {chr(2 + c): c for c in range(4)}
_RESERVED = re.compile("[\u0001-\u0005]")


def _party_split(text: str, parties: Sequence[str | None]) -> tuple[str, list[str | int]]:
    """A text as its template and arguments, the whole occurrences of ``parties[c]`` (not
    inside a word) as placeholder ``c``, then figures and quoted names as in
    :func:`encode_column`."""
    spans: list[tuple[int, int, int]] = []
    for code, lit in enumerate(parties):
        if not lit:
            continue
        start = 0
        while (i := text.find(lit, start)) >= 0:
            end = i + len(lit)
            if (i == 0 or not text[i - 1].isalnum()) and (end == len(text)
                                                          or not text[end].isalnum()):
                spans.append((i, end, code))
                start = end
            else:
                start = i + 1
    if spans:
        spans.sort(key=lambda s: (s[0], s[0] - s[1]))
        pieces: list[str] = []
        pos = 0
        for i, end, code in spans:
            if i < pos:
                continue  # overlaps a longer or earlier one
            pieces += [text[pos:i], chr(2 + code)]
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    args: list[str | int] = [_MARKS.get(a, a) for a in _PARTY_ARGUMENT.findall(text)]
    return _PARTY_ARGUMENT.sub(_SLOT, text), args


def encode_party_templates(series: pd.Series, parties: Sequence[Sequence[str | None]]
                           ) -> dict[str, Any] | None:
    """``{"tp", "k", "a"}`` of a findings text column (messages) whose arguments equal to
    ``parties[j]`` (per finding: the ``ref`` feature's id and quoted name, the ``ref2``
    feature's, or ``None``) are placeholders 0-3; ``None`` where :func:`encode_column` would
    not write templates either (short texts, texts that repeat, values that are not texts, no
    gain of a third), then it applies.

    >>> texts = [f'Cụm công nghiệp CCN-1 "Hòa Tiến" có {k} ha, trên mức tối đa 75 ha.'
    ...          for k in range(76, 96)]
    >>> out = encode_party_templates(pd.Series(texts),
    ...                              [("CCN-1", '"Hòa Tiến"', None, None)] * 19 + [(None,) * 4])
    >>> out["a"][0], out["a"][-1]  # the last has no reference: its id's figures are an argument
    ([0, 1, '76', '75'], ['1', '"Hòa Tiến"', '95', '75'])
    """
    values = series.astype(object).tolist()
    texts = [v for v in values if isinstance(v, str)]
    if not texts or len(texts) != sum(v is not None and v == v for v in values):
        return None  # missing values only, or values that are not texts
    if sum(map(len, texts)) < 60 * len(texts) or any(_RESERVED.search(v) for v in texts):
        return None  # short texts (names, ids) gain nothing
    if len(values) >= 16 and len(set(texts)) <= max(1, len(values) // 4):
        return None  # few distinct texts: codes are smaller
    code: dict[str, int] = {}
    keys: list[int] = []
    args: list[list[str | int]] = []
    for v, party in zip(values, parties, strict=True):
        if not isinstance(v, str):
            keys.append(-1)
            args.append([])
            continue
        tp, a = _party_split(v, party)
        keys.append(code.setdefault(tp, len(code)))
        args.append(a)
    out = {"tp": list(code), "k": pack_ints(keys), "a": args}
    if len(json_text(out)) > 0.67 * len(json_text(values)):
        return None
    return out


def encode_ref_columns(columns: Mapping[str, pd.Series], refs: Mapping[str, Any] | None,
                       other_refs: Mapping[str, Any] | None,
                       ids: Mapping[str, Sequence[str | None]]) -> dict[str, Any]:
    """The ``p`` entries of the columns of :data:`REF_COLUMNS` that a findings document takes
    from its references (``rc``): each holds the values of the findings without that
    reference. ``ids`` are, per reference key (``ref``, ``ref2``), the text of the referenced
    feature's id per finding (:func:`party_text`; ``None`` without one). A column whose values
    are not all what the reference gives is left out (written whole as usual)."""
    out: dict[str, Any] = {}
    docs = {"ref": refs, "ref2": other_refs}
    for column, (key, is_id) in REF_COLUMNS.items():
        r = docs[key]
        if r is None or column not in columns:
            continue
        k = decode_ints(r["k"])
        has = (k >= 0) & (decode_ints(r["i"]) >= 0)
        values = [json_value(v) for v in columns[column].astype(object).tolist()]
        given = (list(ids[key]) if is_id
                 else [r["l"][c] if c >= 0 else None for c in k.tolist()])
        if any(values[j] is None or values[j] != given[j] for j in np.flatnonzero(has)):
            continue
        out[column] = encode_column(columns[column][~has].reset_index(drop=True))
    return out


def _ref_at(r: Mapping[str, Any] | None, j: int) -> tuple[str, int] | None:
    if not r or r["k"][j] < 0 or r["i"][j] < 0:
        return None
    return r["l"][r["k"][j]], int(r["i"][j])


class _Columns:
    """Decoded columns of layer documents, each decoded once."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = documents
        self.cache: dict[tuple[str, str], list[Any]] = {}

    def get(self, layer: str, column: str, i: int) -> Any:
        key = (layer, column)
        if key not in self.cache:
            self.cache[key] = decode_column(self.documents[layer], column)
        return self.cache[key][i]


def decode_findings_column(data: Mapping[str, Any], name: str,
                           documents: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    """The values of column ``name`` of a findings document, one per finding, with the
    columns taken from the references (``rc``) and the placeholders filled from the layer
    ``documents`` (by layer name): what the browser shows (``resolveFindings()``)."""
    data = unpack(data)
    col = data["p"].get(name)
    feats = _Columns(documents)
    n = data["n"]
    if name in data.get("rc", ()):
        key, is_id = REF_COLUMNS[name]
        r = data[key]
        sparse = decode_column({"n": n, "p": {name: col}}, name)
        out: list[Any] = []
        m = 0
        for j in range(n):
            at = _ref_at(r, j)
            if at is None:
                out.append(sparse[m])
                m += 1
            else:
                out.append(party_text(feats.get(at[0], "id", at[1])) if is_id else at[0])
        return out
    if isinstance(col, Mapping) and "tp" in col:
        args = []
        for j, a in enumerate(col["a"]):
            filled = []
            for x in a:
                if isinstance(x, str):
                    filled.append(x)
                    continue
                at = _ref_at(data.get("ref" if x < 2 else "ref2"), j)
                if at is None:
                    raise ValueError(f"map data: finding {j} of column {name!r} has "
                                     f"placeholder {x} but no such reference")
                text = party_text(feats.get(at[0], "name" if x % 2 else "id", at[1]),
                                  quoted=bool(x % 2))
                filled.append(text or "")
            args.append(filled)
        return decode_column({"n": n, "p": {name: {**col, "a": args}}}, name)
    return decode_column(data, name)


def decode_aggregate_points(data: Mapping[str, Any],
                            documents: Mapping[str, Mapping[str, Any]]
                            ) -> list[tuple[float, float] | None]:
    """``(lat, lon)`` (or ``None``) of each finding of the aggregated rules (``ag``), in row
    order: derived from its own geometry or its feature in ``documents``, else the next
    ``ap`` entry (the twin of the points of ``buildFindings()`` in geoplan.js)."""
    if not data.get("ag"):
        return []
    data = unpack(data)
    rules = decode_column(data, "rule")
    own = decode(data)
    shapes: dict[str, list[list[Rings]]] = {}
    sent = iter(data.get("ap") or [])
    out: list[tuple[float, float] | None] = []
    for j, rule in enumerate(rules):
        if rule not in data["ag"]:
            continue
        if own[j]:
            out.append(own[j][0][0][0])
            continue
        at = _ref_at(data.get("ref"), j)
        p: Any = None
        derived = False
        if at is not None:
            doc = documents[at[0]]
            fams = decode_ints(doc["t"]) if doc.get("t") is not None else None
            if at[0] not in shapes:
                shapes[at[0]] = decode(doc)
            parts = shapes[at[0]][at[1]]
            fam = int(fams[at[1]]) if fams is not None else doc["type"]
            if parts and fam in (FAMILY_POINT, FAMILY_LINE):
                ring = parts[0][0]
                p, derived = ring[len(ring) // 2 if fam == FAMILY_LINE else 0], True
            elif doc.get("lbl") is not None:
                lbl = doc["lbl"][at[1]]
                p, derived = (None if lbl is None else (lbl[0], lbl[1])), True
        if not derived:
            q = next(sent)
            p = None if q is None else (q[0], q[1])
        out.append(p)
    if next(sent, _SLOT) is not _SLOT:
        raise ValueError("map data: more ap points than findings that take one")
    return out
