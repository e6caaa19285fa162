"""One layer through the load stage: validated, in canonical fields, every problem collected.

:func:`validate_layer` takes a layer as read from disk and its ``[layers.NAME]`` spec: it
resolves the layer's source CRS (the file's, or the plan's ``crs`` when the file has none),
maps source columns to the kind's canonical fields, normalises values, checks geometries, ids,
text encodings and the extent, and returns the canonical frame plus the problems it found.
Problems of one kind in one field are reported once, with the count and the first ids, so a
report over 10,000 features stays readable. Downstream stages trust what comes out of here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoplan import crs as gcrs
from geoplan.errors import CRSError
from geoplan.io.encodings import convert_frame as convert_legacy_text
from geoplan.io.mapinfo import MAPINFO_SUFFIXES, mapinfo_crs
from geoplan.kinds import (
    KINDS,
    VOLTAGES_KV,
    Field,
    LayerKind,
    alias_table,
    fold,
    normalise_bool,
    normalise_class,
    normalise_date,
    normalise_number,
    normalise_period,
    normalise_status,
    normalise_text,
    normalise_vocabulary,
    normalise_voltages,
)
from geoplan.plan import LayerSpec
from geoplan.problems import Problem, ProblemSeverity

log = logging.getLogger(__name__)

__all__ = ["MAX_IDS", "REPAIR_AREA_TOLERANCE", "resolve_source_crs", "validate_layer"]

#: How many feature ids a grouped problem lists before "and N more".
MAX_IDS = 8
#: A repair that changes a polygon's area by more than this share is refused.
REPAIR_AREA_TOLERANCE = 0.01

_GEOM_FAMILY = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


# ------------------------------------------------------------------------------- helpers


class _Collector:
    """Problems of one layer; feature-level problems grouped by (severity, code, field, text)."""

    def __init__(self, spec: LayerSpec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []
        self._groups: dict[tuple[ProblemSeverity, str, str | None, str, str], list[str]] = {}

    def layer(self, severity: ProblemSeverity, code: str, message: str, fix: str = "",
              field: str | None = None) -> None:
        self.problems.append(Problem(severity, code, message, fix, self.spec.name,
                                     str(self.spec.path), None, field))

    def features(self, severity: ProblemSeverity, code: str, ids: Iterable[str], message: str,
                 fix: str = "", field: str | None = None) -> None:
        key = (severity, code, field, message, fix)
        self._groups.setdefault(key, []).extend(ids)

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for (severity, code, fld, message, fix), ids in self._groups.items():
            if not ids:
                continue
            shown = ", ".join(ids[:MAX_IDS]) + (f" and {len(ids) - MAX_IDS} more"
                                                if len(ids) > MAX_IDS else "")
            count = f"{len(ids)} features: " if len(ids) > 1 else ""
            out.append(Problem(severity, code, f"{count}{message}", fix, self.spec.name,
                               str(self.spec.path), shown, fld, len(ids)))
        return out


def _labels(ids: pd.Series, mask: np.ndarray) -> list[str]:
    return [str(v) for v in ids[mask]]


def resolve_source_crs(
    file_crs: pyproj.CRS | None, spec: LayerSpec, col: _Collector | None = None
) -> pyproj.CRS | None:
    """The CRS of a layer's coordinates: the file's, or the plan's ``crs`` when the file has none.

    A file CRS that contradicts the plan's ``crs`` is an error, never overridden silently.
    """
    declared = gcrs.parse_crs(spec.crs, where=f"[layers.{spec.name}] crs") if spec.crs else None
    if spec.path.suffix.lower() in MAPINFO_SUFFIXES and file_crs is not None:
        file_crs = _mapinfo_source_crs(file_crs, declared, spec, col)
    if file_crs is None and declared is None:
        return None
    if file_crs is not None and declared is not None:
        if not pyproj.CRS(file_crs).equals(declared, ignore_axis_order=True):
            if col is not None:
                col.layer("error", "crs-conflict",
                          f"the file declares {_crs_name(file_crs)} but the plan says "
                          f"{_crs_name(declared)}",
                          "remove crs from the plan if the file is right; if the file's CRS is "
                          "wrong, fix the file (e.g. ogr2ogr -a_srs) rather than overriding it")
            return None
        return declared
    if file_crs is None and declared is not None:
        if col is not None:
            col.layer("info", "crs-from-plan",
                      f"the file carries no CRS; using {_crs_name(declared)} declared in the plan")
        return declared
    assert file_crs is not None
    return pyproj.CRS(file_crs)


def _mapinfo_source_crs(file_crs: pyproj.CRS, declared: pyproj.CRS | None, spec: LayerSpec,
                        col: _Collector | None) -> pyproj.CRS | None:
    """A MapInfo CoordSys as its VN-2000 EPSG code; ``None`` (the plan's ``crs`` decides) when it
    is NonEarth or cannot be mapped and the plan declares one."""
    found = mapinfo_crs(file_crs)
    if found.mapped and col is not None:
        col.layer("info", "mapinfo-coordsys", f"MapInfo: {found.message}")
    if found.ok and found.crs is not None:
        return found.crs
    if declared is not None:
        if col is not None:
            col.layer("info", "mapinfo-coordsys", f"MapInfo: {found.message}; using the plan's "
                      f"crs {_crs_name(declared)}")
        return None
    if col is not None and found.crs is None:  # NonEarth: the missing-crs problem says the fix
        col.layer("info", "mapinfo-coordsys", f"MapInfo: {found.message}")
    elif col is not None:
        col.layer("error", "mapinfo-coordsys",
                  f"MapInfo: {found.message}, so geoplan cannot tell the VN-2000 zone",
                  f"declare the zone with crs = \"EPSG:...\" in [layers.{spec.name}] (e.g. "
                  "\"EPSG:9209\" for TM-3 105°30′), or save the table with a VN-2000 CoordSys")
    return None


def _crs_name(crs: Any) -> str:
    c = pyproj.CRS(crs)
    code = c.to_epsg(min_confidence=90)
    return f"EPSG:{code} ({c.name})" if code else c.name


# ------------------------------------------------------------------------ canonical fields


def _match_columns(raw: pd.DataFrame, spec: LayerSpec, kind: LayerKind, col: _Collector
                   ) -> dict[str, str]:
    """canonical field -> source column."""
    source = [c for c in raw.columns if c != raw.geometry.name] \
        if isinstance(raw, gpd.GeoDataFrame) else list(raw.columns)
    by_fold = {fold(c).replace(" ", "_"): c for c in source}
    chosen: dict[str, str] = {}
    for canon, column in spec.fields.items():
        if column not in source:
            col.layer("error", "missing-column",
                      f"fields.{canon} names column {column!r}, which the file does not have",
                      f"use one of the file's columns: {', '.join(source) or '(none)'}",
                      field=canon)
            continue
        chosen[canon] = column
    taken = set(chosen.values())
    for f in kind.fields:
        if f.name in chosen:
            continue
        for candidate in (f.name, *f.aliases):
            key = fold(candidate).replace(" ", "_")
            if key in by_fold and by_fold[key] not in taken:
                chosen[f.name] = by_fold[key]
                taken.add(by_fold[key])
                break
    return chosen


def _normaliser(kind: LayerKind, f: Field, spec: LayerSpec) -> Callable[[Any], Any]:
    if f.type == "status":
        return lambda v: normalise_status(v, allowed=f.vocabulary)
    if f.type == "vocab":
        table = alias_table(f"{kind.name}.{f.name}")
        return lambda v: normalise_vocabulary(v, table, f.vocabulary)
    if f.type == "voltage":
        extra = spec.accept_voltages_kv
        return lambda v: normalise_voltages(v, extra_levels=extra)
    if f.type in ("float", "int"):
        return normalise_number
    if f.type == "bool":
        return normalise_bool
    if f.type == "period":
        return normalise_period
    if f.type == "class":
        return normalise_class
    if f.type == "date":
        return normalise_date
    return normalise_text


def _normalise_column(values: pd.Series, kind: LayerKind, f: Field, ids: pd.Series,
                      col: _Collector, source_name: str) -> pd.Series:
    """Normalise one column through its distinct values; bad values become missing + a problem.

    The normaliser runs once per distinct value (``pd.factorize``), not once per feature.
    """
    if f.type == "str":
        fast = _text_column(values)
        if fast is not None:
            return fast
    fn = _normaliser(kind, f, col.spec)
    codes, uniques = pd.factorize(values.astype("object"), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last slot serves missing values
    results[-1] = fn(None)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for j, value in enumerate(uniques):
        try:
            results[j] = fn(value)
        except ValueError as exc:
            bad[j] = True
            mask = codes == j
            col.features("error", "bad-value", _labels(ids, mask),
                         f"{source_name} = {_key(value)!r}: {exc}",
                         f"correct the value in the file, or map another column with fields."
                         f"{f.name} = \"...\"", field=f.name)
    out = pd.Series(results[codes], index=values.index, dtype=object)
    if f.type in ("float", "int") and (f.minimum is not None or f.maximum is not None):
        nums = pd.to_numeric(out, errors="coerce")
        low = nums < f.minimum if f.minimum is not None else pd.Series(False, index=nums.index)
        high = nums > f.maximum if f.maximum is not None else pd.Series(False, index=nums.index)
        out_of_range = (low | high).fillna(False).to_numpy()
        if out_of_range.any():
            rng = f"{f.minimum if f.minimum is not None else '-∞'}–" \
                  f"{f.maximum if f.maximum is not None else '∞'}"
            col.features("error", "out-of-range", _labels(ids, out_of_range),
                         f"{f.name} outside {rng} {f.unit}".strip(),
                         "correct the value (occupancy is a percentage 0–100)"
                         if f.name == "occupancy_pct" else "correct the value", field=f.name)
            out = out.where(~out_of_range, None)
    return out


def _text_column(values: pd.Series) -> pd.Series | None:
    """Vectorised :func:`~geoplan.kinds.normalise_text` for a column of strings (else None)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("string", "empty"):
        return None
    text = values.astype("object")
    present = text.notna()
    stripped = text[present].astype(str).str.strip()
    wide = ~stripped.str.isascii()
    if wide.any():
        stripped[wide] = stripped[wide].map(lambda t: unicodedata.normalize("NFC", t))
    out = pd.Series(None, index=values.index, dtype=object)
    out[present] = stripped.where(stripped != "", None).astype(object)
    return out


def _key(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _typed(values: pd.Series, f: Field) -> pd.Series:
    if f.type == "float":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if f.type in ("int", "class", "voltage"):
        nums = pd.to_numeric(values, errors="coerce")
        return nums.round().astype("Int64")
    if f.type == "bool":
        return values.astype("boolean")
    return values.astype("object").where(values.notna(), None)


# -------------------------------------------------------------------------------- the layer


def validate_layer(
    raw: gpd.GeoDataFrame,
    spec: LayerSpec,
    *,
    source_crs: Any = None,
    province_wgs84: Any | None = None,
    province_name: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Validate a layer as read and map it to its kind's canonical frame (in its source CRS).

    Parameters
    ----------
    raw
        The layer as read (any columns); not modified.
    spec
        Its ``[layers.NAME]`` table: kind, field mapping, defaults, declared ``crs``...
    source_crs
        The CRS the source declares, when the caller knows it better than ``raw.crs``
        (default ``raw.crs``). Either is reconciled with the plan's ``crs`` by
        :func:`resolve_source_crs`: a contradiction is an error, never overridden.
    province_wgs84
        The province outline in WGS 84, for the "outside the province" check and the
        extent diagnosis; without it features are only checked to lie in Vietnam.
    province_name
        The plan's province, for the messages.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        The canonical frame (the kind's columns and the geometry) and every problem found, CRS
        problems first. The frame's CRS is the layer's source CRS, ``None`` when the layer has
        none or it cannot be read: the problems then hold the error.
    """
    col = _Collector(spec)
    try:
        crs = resolve_source_crs(source_crs if source_crs is not None else raw.crs, spec, col)
    except CRSError as exc:
        col.layer("error", "bad-crs", str(exc), "use an EPSG code such as EPSG:9209")
        kind = KINDS[spec.kind]
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in kind.columns},
                                 geometry=gpd.GeoSeries([]))
        return empty, col.finish()
    if crs is not None:
        for warning in gcrs.crs_warnings(crs):
            col.layer("warning", "crs-warning", warning)
    frame = _canonical_frame(raw, spec, col, source_crs=crs, province_wgs84=province_wgs84,
                             province_name=province_name)
    return frame, col.finish()


def _canonical_frame(
    raw: gpd.GeoDataFrame,
    spec: LayerSpec,
    col: _Collector,
    *,
    source_crs: pyproj.CRS | None,
    province_wgs84: Any | None,
    province_name: str | None,
) -> gpd.GeoDataFrame:
    """The canonical frame of ``raw`` (still in its source CRS); problems go to ``col``."""
    kind = KINDS[spec.kind]
    n = len(raw)
    if n == 0:
        col.layer("warning", "empty-layer", "the layer has no features",
                  "check the path and layer name, or remove the layer from the plan")

    chosen = _match_columns(raw, spec, kind, col)
    # TCVN3/VNI/CP1258 text of the columns used (declared by the plan, or detected) becomes
    # Unicode, with a note
    raw, conversions = convert_legacy_text(raw, encoding=spec.encoding,
                                           columns=list(dict.fromkeys(chosen.values())))
    for conversion in conversions:
        col.layer("info", "legacy-encoding", conversion.message(),
                  "save the file as UTF-8 (Unicode) to make the conversion unnecessary",
                  field=conversion.column)
    # ids first: every later message names features by id
    if "id" in kind.field_names:
        if "id" in chosen:
            fast_ids = _text_column(raw[chosen["id"]])
            ids = fast_ids if fast_ids is not None else raw[chosen["id"]].map(normalise_text)
            missing = ids.isna().to_numpy()
            if missing.any():
                rows = [f"row {i + 1}" for i in np.flatnonzero(missing)]
                col.features("error", "missing-id", rows, "feature without an id",
                             "give every feature a unique id", field="id")
                ids = ids.where(~missing, pd.Series([f"row {i + 1}" for i in range(n)],
                                                    index=raw.index))
            dup = ids.duplicated(keep=False).to_numpy() & ~missing
            if dup.any():
                col.features("error", "duplicate-id", sorted(set(_labels(ids, dup))),
                             "the same id is used by more than one feature",
                             "make ids unique within the layer", field="id")
        else:
            ids = pd.Series([f"{spec.name}-{i + 1}" for i in range(n)], index=raw.index)
            col.layer("warning", "no-id-field",
                      f"no id column found; ids generated as {spec.name}-1 … {spec.name}-{n}",
                      "map the id column with fields = { id = \"...\" } so findings can be "
                      "traced to your features", field="id")
    else:
        ids = pd.Series([f"row {i + 1}" for i in range(n)], index=raw.index)

    data: dict[str, pd.Series] = {}
    for f in kind.fields:
        if f.name == "id":
            data["id"] = ids.astype("object")
            continue
        source_name = chosen.get(f.name)
        if source_name is not None:
            values = raw[source_name]
        else:
            values = pd.Series([None] * n, index=raw.index, dtype="object")
        if f.name in spec.defaults:
            values = values.astype("object").where(values.notna() & (values.astype(str) != ""),
                                                   spec.defaults[f.name])
        label = f"{source_name!r}" if source_name else f.name
        norm = _normalise_column(values, kind, f, ids, col, label)
        if f.type == "voltage" and spec.accept_voltages_kv:
            foreign = norm.map(lambda t: bool(t) and any(v not in VOLTAGES_KV for v in t))
            if foreign.any():
                found = sorted({v for t in norm[foreign] for v in t if v not in VOLTAGES_KV})
                col.features("info", "accepted-voltage", _labels(ids, foreign.to_numpy()),
                             f"levels not used in Vietnam accepted by the plan "
                             f"(accept_voltages_kv): {', '.join(f'{v:g} kV' for v in found)}",
                             field=f.name)
        if f.type == "voltage":
            levels = norm.map(lambda t: ";".join(map(str, t)) if t else None)
            norm = norm.map(lambda t: t[0] if t else None)
            if "voltage_levels" in kind.derived:
                data["voltage_levels"] = levels.astype("object")
        if f.name == "location" and spec.kind == "grid_line":
            norm = norm.where(norm.notna(), "overhead")
        if f.required:
            missing = norm.isna().to_numpy()
            if source_name is None and f.name not in spec.defaults:
                if f.type == "voltage":
                    col.layer("warning", "unknown-voltage",
                              f"no voltage column; all {n} features have unknown voltage",
                              "map it with fields = { voltage_kv = \"...\" }", field=f.name)
                else:
                    col.layer("error", "missing-field",
                              f"required field {f.name!r} not found (looked for "
                              f"{', '.join((f.name, *f.aliases)[:6])})",
                              f"map it with fields = {{ {f.name} = \"<column>\" }} or give "
                              f"defaults = {{ {f.name} = ... }}", field=f.name)
            elif missing.any():
                already_bad = set()
                for p_key, p_ids in col._groups.items():
                    if p_key[2] == f.name:
                        already_bad.update(p_ids)
                miss_ids = [i for i in _labels(ids, missing) if i not in already_bad]
                if f.type == "voltage":
                    col.features("warning", "unknown-voltage", miss_ids,
                                 "voltage unknown; the feature is kept, but corridor and "
                                 "network checks cannot use it",
                                 "fill the voltage (kV or volts) in the source", field=f.name)
                else:
                    col.features("error", "missing-value", miss_ids,
                                 f"{f.name} is empty", f"fill {f.name} in the source or give "
                                 f"defaults = {{ {f.name} = ... }} in the plan", field=f.name)
        data[f.name] = _typed(norm, f)
    for name in kind.derived:
        data.setdefault(name, pd.Series([None] * n, index=raw.index, dtype="object"))

    text_cols = [c for c in chosen.values() if raw[c].dtype == object or
                 pd.api.types.is_string_dtype(raw[c])]
    _check_text(raw, text_cols, ids, col)

    geoms = _check_geometries(raw, kind, ids, col, source_crs)
    frame = gpd.GeoDataFrame(
        {name: data[name] for name in kind.columns}, geometry=gpd.GeoSeries(geoms,
                                                                            index=raw.index),
        crs=source_crs,
    ).reset_index(drop=True)

    if source_crs is not None and n:
        _check_extent(frame, spec, source_crs, ids.reset_index(drop=True), col, province_wgs84,
                      province_name)
    elif source_crs is None:
        _missing_crs(frame, spec, col)
    return frame


# TCVN3 (ABC) text shown through a Latin-1/cp1252 font: tone marks land on these symbol code
# points ("Hà Nội" -> "Hµ Néi"), which proper Vietnamese Unicode text never uses.
_TCVN3_MARKS = set("¸µ¶·¹¨©®¬¾»¼½«¡¢£¤¥¦§°±²³´¿×÷ÞþÆÇ")
_VIETNAMESE_ONLY = set("ăâđêôơưĂÂĐÊÔƠƯ")


# lead characters of UTF-8 multi-byte sequences shown as Latin-1/cp1252 (a cheap pre-filter; the
# round trip in _utf8_read_as_latin1 decides)
_MOJIBAKE = re.compile("[ÃÄÆÅáâ][^a-zA-Z0-9 ]")
_TCVN3_CLASS = "[" + re.escape("".join(sorted(_TCVN3_MARKS))) + "]"
_VIETNAMESE_CLASS = "[\u1ea0-\u1ef9" + "".join(sorted(_VIETNAMESE_ONLY)) + "]"


def _check_text(raw: pd.DataFrame, columns: list[str], ids: pd.Series, col: _Collector) -> None:
    """Text that is not valid UTF-8: replacement characters, UTF-8 read as Latin-1, TCVN3."""
    for c in columns:
        values = raw[c].dropna().astype(str)
        values = values[~values.str.isascii()]  # plain ASCII cannot be mis-decoded
        if values.empty:
            continue
        broken = values.str.contains("\ufffd", regex=False).to_numpy()
        if broken.any():
            col.features("error", "bad-encoding", _labels(ids.loc[values.index], broken),
                         f"text in {c!r} is not valid UTF-8 (replacement characters)",
                         "re-save the file as UTF-8, or declare encoding = \"cp1258\" (or the "
                         "right one) in the plan", field=c)
            continue
        suspects = values[values.str.contains(_MOJIBAKE)]
        mojibake = suspects.map(_utf8_read_as_latin1).dropna()
        if len(mojibake):
            col.features("error", "bad-encoding",
                         _labels(ids.loc[values.index], values.index.isin(mojibake.index)),
                         f"text in {c!r} is UTF-8 read as Latin-1 (e.g. "
                         f"{values[mojibake.index[0]]!r} is {mojibake.iloc[0]!r}): the file does "
                         "not declare its encoding", "add encoding = \"UTF-8\" to the layer in the "
                         "plan, or a .cpg file containing UTF-8 beside the .shp", field=c)
            continue
        legacy = (values.str.count(_TCVN3_CLASS) >= 2) & ~values.str.contains(_VIETNAMESE_CLASS)
        if legacy.sum() > 0.3 * len(raw[c].dropna()):
            col.layer("warning", "legacy-encoding",
                      f"text in {c!r} looks like a TCVN3/VNI font encoding (e.g. "
                      f"{values[legacy].iloc[0]!r})",
                      "convert the text to Unicode (e.g. UniKey's converter) and save as UTF-8",
                      field=c)


def _utf8_read_as_latin1(text: str) -> str | None:
    """The real text when ``text`` is UTF-8 bytes decoded as Latin-1/cp1252, else ``None``."""
    if text.isascii():
        return None
    for codec in ("latin-1", "cp1252"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return fixed
    return None


def _check_geometries(raw: gpd.GeoDataFrame, kind: LayerKind, ids: pd.Series, col: _Collector,
                      source_crs: pyproj.CRS | None) -> np.ndarray:
    geoms = np.asarray(raw.geometry.array, dtype=object).copy()
    if not len(geoms):
        return geoms
    null = shapely.is_missing(geoms)
    empty = ~null & shapely.is_empty(geoms)
    if null.any():
        col.features("error", "null-geometry", _labels(ids, null), "the feature has no geometry",
                     "draw the feature or remove it")
    if empty.any():
        col.features("error", "empty-geometry", _labels(ids, empty), "the geometry is empty",
                     "draw the feature or remove it")
    present = ~(null | empty)
    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "None")
    families = np.array([_GEOM_FAMILY.get(t, "other") for t in type_names], dtype=object)
    wrong = present & ~np.isin(families, list(kind.geometry))
    if wrong.any():
        for t in sorted(set(type_names[wrong])):
            mask = wrong & (type_names == t)
            col.features("error", "geometry-type", _labels(ids, mask),
                         f"{t} is not allowed in a {kind.name} layer (allowed: "
                         f"{', '.join(kind.geometry)})",
                         "put these features in a layer of the right kind")
    check = present & ~wrong
    invalid = check & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        fid = str(ids.iloc[i])
        reason = shapely.is_valid_reason(geoms[i])
        repaired = shapely.make_valid(geoms[i])
        if families[i] == "polygon":
            repaired = _polygonal(repaired)
            # GEOS's area of the outline as drawn: a bow-tie's lobes cancel out to nothing
            before = float(shapely.area(geoms[i]))
            after = float(shapely.area(repaired)) if repaired is not None else 0.0
            change = abs(after - before) / before if before > 0 else float("inf")
            if repaired is None or change > REPAIR_AREA_TOLERANCE:
                how = (f"by {change:.1%}" if np.isfinite(change) else
                       f"from {before / 1e4:.2f} to {after / 1e4:.2f} (area units/10⁴)")
                col.features("error", "invalid-geometry", [fid],
                             f"invalid geometry ({reason}); repairing it changes the area "
                             f"{how}, more than {REPAIR_AREA_TOLERANCE:.0%}",
                             "redraw the polygon (a bow-tie or self-crossing outline)")
                continue
            col.features("warning", "repaired-geometry", [fid],
                         f"invalid geometry ({reason}) repaired with make_valid "
                         f"(area change {change:.2%})", "fix it in the source")
        else:
            col.features("warning", "repaired-geometry", [fid],
                         f"invalid geometry ({reason}) repaired with make_valid",
                         "fix it in the source")
        geoms[i] = repaired
    geoms[null] = None
    return geoms


def _polygonal(geom: Any) -> Any:
    parts = [g for g in shapely.get_parts(geom)
             if shapely.get_type_id(g) in (3, 6)]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return out if not out.is_empty else None


def _missing_crs(frame: gpd.GeoDataFrame, spec: LayerSpec, col: _Collector) -> None:
    if col.problems and any(p.code == "crs-conflict" for p in col.problems):
        return
    bounds = frame.total_bounds if len(frame) and not frame.geometry.isna().all() else None
    guess = ""
    if bounds is not None and np.isfinite(bounds).all():
        x0, y0, x1, y1 = bounds
        if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
            guess = " The coordinates look like degrees: probably crs = \"EPSG:4326\"."
        elif 100_000 < x0 < 900_000 and 800_000 < y0 < 2_700_000:
            guess = (" The coordinates look like VN-2000 metres (easting, northing): give the "
                     "TM-3 zone of the province, e.g. crs = \"EPSG:9209\" (105°30′).")
        elif 800_000 < x0 < 2_700_000 and 100_000 < y0 < 900_000:
            guess = (" The coordinates look like VN-2000 metres with X (northing) and Y "
                     "(easting) swapped: for a table set x_field to the Y column.")
    col.layer("error", "missing-crs", "the layer has no CRS and the plan declares none." + guess,
              f"add crs = \"EPSG:…\" to [layers.{spec.name}] in the plan, or a .prj beside the "
              "file")


def _check_extent(frame: gpd.GeoDataFrame, spec: LayerSpec, source_crs: pyproj.CRS,
                  ids: pd.Series, col: _Collector, province_wgs84: Any | None,
                  province_name: str | None) -> None:
    present = ~frame.geometry.isna() & ~frame.geometry.is_empty
    if not present.any():
        return
    b = shapely.bounds(np.asarray(frame.geometry.array, dtype=object)[present.to_numpy()])
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    try:
        lon, lat = gcrs.transform_points(cx, cy, source_crs, "EPSG:4326", strict=False)
    except CRSError as exc:
        col.layer("error", "crs-transform", str(exc), "declare a CRS that PROJ can transform")
        return
    x0, y0, x1, y1 = gcrs.VIETNAM_BOUNDS_WGS84
    # coordinates PROJ cannot transform (inf/nan) are outside too
    outside = ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    present_ids = ids[present.to_numpy()]
    in_province_share = None
    if province_wgs84 is not None and not outside.all():
        inside = shapely.contains_xy(province_wgs84, lon, lat)
        in_province_share = float(inside.mean())
    needs_diagnosis = outside.mean() > 0.5 or (in_province_share is not None
                                                and in_province_share < 0.5)
    diagnosis = None
    if needs_diagnosis:
        try:
            diagnosis = gcrs.diagnose_extent(frame, source_crs, province_wgs84=province_wgs84)
        except Exception as exc:  # diagnosis is advice; never let it hide the real problem
            log.debug("extent diagnosis failed for %s: %s", spec.name, exc)
    if outside.any():
        message = "outside Vietnam"
        fix = "check the coordinates and the declared CRS"
        if diagnosis is not None and (diagnosis.suggested_crs or diagnosis.swap_xy):
            message += f": {diagnosis.message}"
            fix = diagnosis.fix
        fixed = diagnosis is not None and (diagnosis.suggested_crs or diagnosis.swap_xy)
        col.features("error", diagnosis.code if diagnosis and fixed else "outside-vietnam",
                     _labels(present_ids, outside), message, fix)
    elif in_province_share is not None and in_province_share < 0.5:
        where = f"the province ({province_name})" if province_name else "the province boundary"
        if diagnosis is not None and (diagnosis.suggested_crs or diagnosis.swap_xy):
            col.layer("error", diagnosis.code,
                      f"{1 - in_province_share:.0%} of the features lie outside {where}: "
                      f"{diagnosis.message}", diagnosis.fix)
        else:
            col.layer("warning", "outside-province",
                      f"{1 - in_province_share:.0%} of the features lie outside {where}",
                      "check the layer belongs to this plan and its CRS")
