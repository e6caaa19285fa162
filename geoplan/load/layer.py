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
from functools import lru_cache
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
    unit_factor,
)
from geoplan.messages import Text, term
from geoplan.plan import LayerSpec
from geoplan.problems import Problem, ProblemSeverity
from geoplan.problems import problem_text as _t

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


_NO_FIX = Text("", "")


class _Collector:
    """Problems of one layer; feature-level problems grouped by (severity, code, field, text).

    Texts come in both languages (:func:`geoplan.problems.problem_text`)."""

    def __init__(self, spec: LayerSpec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []
        self._groups: dict[tuple[ProblemSeverity, str, str | None, Text, Text], list[str]] = {}

    def layer(self, severity: ProblemSeverity, code: str, message: Text, fix: Text = _NO_FIX,
              field: str | None = None) -> None:
        self.problems.append(Problem.of(severity, code, message, fix, layer=self.spec.name,
                                        file=str(self.spec.path), field=field))

    def features(self, severity: ProblemSeverity, code: str, ids: Iterable[str], message: Text,
                 fix: Text = _NO_FIX, field: str | None = None) -> None:
        key = (severity, code, field, message, fix)
        self._groups.setdefault(key, []).extend(ids)

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        heads: dict[int, Text] = {}  # "N features:", once per N
        for (severity, code, fld, message, fix), ids in self._groups.items():
            if not ids:
                continue
            shown = ", ".join(ids[:MAX_IDS])
            if len(ids) > MAX_IDS:  # "A, B and 3 more": Problem.to_text says it in Vietnamese
                shown = _t("more_features", shown=shown, n=len(ids) - MAX_IDS).en
            if len(ids) > 1 and len(ids) not in heads:
                heads[len(ids)] = _t("n_features", n=len(ids))
            text = heads[len(ids)] + message if len(ids) > 1 else message
            out.append(Problem.of(severity, code, text, fix, layer=self.spec.name,
                                  file=str(self.spec.path), feature=shown, field=fld,
                                  count=len(ids)))
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
                          _t("crs_conflict", file_crs=_crs_name(file_crs),
                             declared=_crs_name(declared)),
                          _t("crs_conflict_fix"))
            return None
        return declared
    if file_crs is None and declared is not None:
        if col is not None:
            col.layer("info", "crs-from-plan", _t("crs_from_plan", crs=_crs_name(declared)))
        return declared
    assert file_crs is not None
    return pyproj.CRS(file_crs)


def _mapinfo_source_crs(file_crs: pyproj.CRS, declared: pyproj.CRS | None, spec: LayerSpec,
                        col: _Collector | None) -> pyproj.CRS | None:
    """A MapInfo CoordSys as its VN-2000 EPSG code; ``None`` (the plan's ``crs`` decides) when it
    is NonEarth or cannot be mapped and the plan declares one."""
    found = mapinfo_crs(file_crs)
    if found.mapped and col is not None:
        col.layer("info", "mapinfo-coordsys", _t("mapinfo", detail=found.message))
    if found.ok and found.crs is not None:
        return found.crs
    if declared is not None:
        if col is not None:
            col.layer("info", "mapinfo-coordsys", _t("mapinfo_plan_crs", detail=found.message,
                                                      crs=_crs_name(declared)))
        return None
    if col is not None and found.crs is None:  # NonEarth: the missing-crs problem says the fix
        col.layer("info", "mapinfo-coordsys", _t("mapinfo", detail=found.message))
    elif col is not None:
        col.layer("error", "mapinfo-coordsys", _t("mapinfo_no_zone", detail=found.message),
                  _t("mapinfo_no_zone_fix", layer=spec.name))
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
            columns = Text.same(", ".join(map(str, source))) if source else _t("none")
            col.layer("error", "missing-column",
                      _t("missing_column", field=canon, column=str(column)),
                      _t("missing_column_fix", columns=columns), field=canon)
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
    fix = None
    for j, value in enumerate(uniques):
        try:
            results[j] = fn(value)
        except ValueError as exc:
            bad[j] = True
            mask = codes == j
            fix = fix or _t("bad_value_fix", field=f.name)
            col.features("error", "bad-value", _labels(ids, mask),
                         _t("bad_value", column=source_name, value=repr(_key(value)),
                            detail=_refused(f, exc)), fix, field=f.name)
    out = pd.Series(results[codes], index=values.index, dtype=object)
    if f.type in ("float", "int") and (f.minimum is not None or f.maximum is not None):
        nums = pd.to_numeric(out, errors="coerce")
        low = nums < f.minimum if f.minimum is not None else pd.Series(False, index=nums.index)
        high = nums > f.maximum if f.maximum is not None else pd.Series(False, index=nums.index)
        out_of_range = (low | high).fillna(False).to_numpy()
        if out_of_range.any():
            col.features("error", "out-of-range", _labels(ids, out_of_range),
                         _t("out_of_range", field=f.name, low=_bound(f.minimum, "-∞"),
                            high=_bound(f.maximum, "∞"),
                            unit=f" {f.unit}" if f.unit else ""),
                         _t("out_of_range_occupancy_fix" if f.name == "occupancy_pct"
                            else "out_of_range_fix"), field=f.name)
            out = out.where(~out_of_range, None)
    return out


#: The template saying why a value of a field type was refused.
_REFUSED = {"float": "bad_number", "int": "bad_number", "bool": "bad_bool", "class": "bad_class",
            "period": "bad_period", "date": "bad_date"}


def _refused(f: Field, exc: ValueError) -> Text:
    """Why the normaliser of ``f`` refused a value: its own English words, and the same said
    in Vietnamese from the field's type and vocabulary."""
    vi = _refusal_vi(f.type, f.name, f.vocabulary)
    return Text(vi if vi is not None else _t("bad_other", detail=str(exc)).vi, str(exc))


@lru_cache(maxsize=256)
def _refusal_vi(kind: str, name: str, vocabulary: tuple[str, ...]) -> str | None:
    """The Vietnamese of :func:`_refused` for a field type (the same for every value)."""
    if kind in ("status", "vocab") and vocabulary:
        group = "status" if kind == "status" else name
        values = Text.join(", ", (_with_term(group, v) for v in vocabulary))
        return _t("bad_vocab", values=values).vi
    if kind == "voltage":
        return _t("bad_voltage", levels=", ".join(map(str, VOLTAGES_KV))).vi
    if kind in _REFUSED:
        return _t(_REFUSED[kind]).vi
    return None


def _with_term(group: str, value: str) -> Text:
    """A vocabulary value with its Vietnamese label: ``planned (quy hoạch mới)``."""
    label = term(group, value)
    return Text(f"{value} ({label.vi})" if label.vi != value else value, value)


def _bound(value: float | None, infinite: str) -> Text:
    """A bound of a field's range as each language writes it (``0,5`` / ``0.5``)."""
    if value is None:
        return Text.same(infinite)
    return Text(str(value).replace(".", ","), str(value))


def _converted(norm: pd.Series, f: Field, unit: str, source_name: str,
               col: _Collector) -> pd.Series:
    """Values of ``source_name`` in the declared ``unit``, converted to ``f.unit``."""
    factor = unit_factor(f.unit, unit)
    nums = pd.to_numeric(norm, errors="coerce")
    out = (nums * factor).astype(object).where(nums.notna(), None)
    col.layer("info", "unit-converted",
              _t("unit_converted", field=f.name, column=str(source_name), unit=unit,
                 target=f.unit, factor=factor), field=f.name)
    return out


#: The names a kind's MW/MVA field may be declared in, for the messages.
_SMALLER_UNITS = {"MW": (("kW", 1e3), ("W", 1e6)), "MVA": (("kVA", 1e3), ("VA", 1e6))}


def _check_magnitudes(data: dict[str, pd.Series], spec: LayerSpec, chosen: dict[str, str],
                      ids: pd.Series, col: _Collector) -> None:
    """A warning for capacities too large for their kind (a plant above
    ``plant_max_mw``, a substation above ``substation_max_mva`` of its voltage): most likely
    kW read as MW (or VA as MVA). The limits are in ``geoplan/data/units.toml``."""
    from geoplan.parameters import read_parameters

    checks: list[tuple[str, pd.Series]] = []
    limits = read_parameters("units")
    if spec.kind == "power_plant" and "capacity_mw" in data:
        top = float(limits["plant_max_mw"].value)
        checks.append(("capacity_mw", pd.Series(top, index=data["capacity_mw"].index)))
    if spec.kind == "substation" and "capacity_mva" in data:
        by_kv = {int(k): float(v) for k, v in limits["substation_max_mva"].value.items()}
        kv = pd.to_numeric(data.get("voltage_kv", pd.Series(None, index=data[
            "capacity_mva"].index, dtype=object)), errors="coerce")
        tops = [by_kv.get(int(k), max(by_kv.values())) if pd.notna(k) else max(by_kv.values())
                for k in kv]
        checks.append(("capacity_mva", pd.Series(tops, index=data["capacity_mva"].index)))
    for name, limit in checks:
        values = pd.to_numeric(data[name], errors="coerce")
        high = (values > limit).fillna(False).to_numpy(dtype=bool)
        if not high.any() or name in spec.units:
            continue
        unit = KINDS[spec.kind].get(name).unit
        source = chosen.get(name, name)
        example = float(values[high].iloc[0])
        top = float(limit[high].iloc[0])
        smaller = [u for u, k in _SMALLER_UNITS[unit] if example / k <= top]
        guess = smaller[0] if smaller else _SMALLER_UNITS[unit][0][0]
        col.features("warning", "implausible-unit", _labels(ids, high),
                     _t("implausible_unit", field=name, value=example, unit=unit,
                        kind=term("kind", spec.kind), top=top, column=str(source), guess=guess),
                     _t("implausible_unit_fix", field=name, column=str(source), guess=guess,
                        layer=spec.name), field=name)


def _text_column(values: pd.Series) -> pd.Series | None:
    """Vectorised :func:`~geoplan.kinds.normalise_text` for a column of strings (else None):
    stripped, in NFC, NaN where missing or blank (an object column)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("string", "empty"):
        return None
    present = values.notna().to_numpy(dtype=bool)
    out = np.full(len(values), np.nan, dtype=object)
    if present.any():
        nfc = unicodedata.normalize
        cleaned = [t if t.isascii() else nfc("NFC", t)
                   for t in (str(v).strip() for v in values.to_numpy(dtype=object)[present])]
        texts = np.empty(len(cleaned), dtype=object)
        texts[:] = cleaned
        texts[texts == ""] = np.nan
        out[present] = texts
    return pd.Series(out, index=values.index, dtype=object)


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
        col.layer("error", "bad-crs", _t("bad_crs", detail=str(exc)),
                  _t("bad_crs_fix", example="EPSG:9209"))
        kind = KINDS[spec.kind]
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in kind.columns},
                                 geometry=gpd.GeoSeries([]))
        return empty, col.finish()
    if crs is not None:
        for warning in gcrs.crs_warnings(crs):
            col.layer("warning", "crs-warning", _t("crs_warning", detail=warning))
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
        col.layer("warning", "empty-layer", _t("empty_layer"), _t("empty_layer_fix"))

    chosen = _match_columns(raw, spec, kind, col)
    # TCVN3/VNI/CP1258 text of the columns used (declared by the plan, or detected) becomes
    # Unicode, with a note
    raw, conversions = convert_legacy_text(raw, encoding=spec.encoding,
                                           columns=list(dict.fromkeys(chosen.values())))
    for conversion in conversions:
        col.layer("info", "legacy-encoding", _conversion_text(conversion),
                  _t("legacy_converted_fix"), field=conversion.column)
    # ids first: every later message names features by id
    if "id" in kind.field_names:
        if "id" in chosen:
            fast_ids = _text_column(raw[chosen["id"]])
            ids = fast_ids if fast_ids is not None else raw[chosen["id"]].map(normalise_text)
            missing = ids.isna().to_numpy()
            if missing.any():
                rows = [f"row {i + 1}" for i in np.flatnonzero(missing)]
                col.features("error", "missing-id", rows, _t("missing_id"), _t("missing_id_fix"),
                             field="id")
                ids = ids.where(~missing, pd.Series([f"row {i + 1}" for i in range(n)],
                                                    index=raw.index))
            dup = ids.duplicated(keep=False).to_numpy() & ~missing
            if dup.any():
                col.features("error", "duplicate-id", sorted(set(_labels(ids, dup))),
                             _t("duplicate_id"), _t("duplicate_id_fix"), field="id")
        else:
            ids = pd.Series([f"{spec.name}-{i + 1}" for i in range(n)], index=raw.index)
            col.layer("warning", "no-id-field", _t("no_id_field", layer=spec.name, n=n),
                      _t("no_id_field_fix"), field="id")
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
        if f.name in spec.units and source_name is not None:
            norm = _converted(norm, f, spec.units[f.name], source_name, col)
        if f.type == "voltage" and spec.accept_voltages_kv:
            foreign = norm.map(lambda t: bool(t) and any(v not in VOLTAGES_KV for v in t))
            if foreign.any():
                found = sorted({v for t in norm[foreign] for v in t if v not in VOLTAGES_KV})
                accepted = Text(", ".join(f"{v:g} kV".replace(".", ",") for v in found),
                                ", ".join(f"{v:g} kV" for v in found))
                col.features("info", "accepted-voltage", _labels(ids, foreign.to_numpy()),
                             _t("accepted_voltage", levels=accepted), field=f.name)
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
                    col.layer("warning", "unknown-voltage", _t("no_voltage_column", n=n),
                              _t("no_voltage_column_fix"), field=f.name)
                else:
                    col.layer("error", "missing-field",
                              _t("missing_field", field=f.name,
                                 names=", ".join((f.name, *f.aliases)[:6])),
                              _t("missing_field_fix", field=f.name), field=f.name)
            elif missing.any():
                already_bad = set()
                for p_key, p_ids in col._groups.items():
                    if p_key[2] == f.name:
                        already_bad.update(p_ids)
                miss_ids = [i for i in _labels(ids, missing) if i not in already_bad]
                if f.type == "voltage":
                    col.features("warning", "unknown-voltage", miss_ids, _t("unknown_voltage"),
                                 _t("unknown_voltage_fix"), field=f.name)
                else:
                    col.features("error", "missing-value", miss_ids,
                                 _t("missing_value", field=f.name),
                                 _t("missing_value_fix", field=f.name), field=f.name)
        data[f.name] = _typed(norm, f)
    for name in kind.derived:
        data.setdefault(name, pd.Series([None] * n, index=raw.index, dtype="object"))
    _check_magnitudes(data, spec, chosen, ids, col)

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
                         _t("not_utf8", column=str(c)), _t("not_utf8_fix"), field=c)
            continue
        suspects = values[values.str.contains(_MOJIBAKE)]
        mojibake = suspects.map(_utf8_read_as_latin1).dropna()
        if len(mojibake):
            col.features("error", "bad-encoding",
                         _labels(ids.loc[values.index], values.index.isin(mojibake.index)),
                         _t("utf8_as_latin1", column=str(c), seen=values[mojibake.index[0]],
                            real=mojibake.iloc[0]),
                         _t("utf8_as_latin1_fix"), field=c)
            continue
        legacy = (values.str.count(_TCVN3_CLASS) >= 2) & ~values.str.contains(_VIETNAMESE_CLASS)
        if legacy.sum() > 0.3 * len(raw[c].dropna()):
            col.layer("warning", "legacy-encoding",
                      _t("legacy_font", column=str(c), example=values[legacy].iloc[0]),
                      _t("legacy_font_fix"), field=c)


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
    unbuilt = _geometries_not_read(raw, ids, col)
    null = shapely.is_missing(geoms) & ~unbuilt
    empty = ~null & shapely.is_empty(geoms)
    if null.any():
        col.features("error", "null-geometry", _labels(ids, null), _t("null_geometry"),
                     _t("draw_or_remove_fix"))
    if empty.any():
        col.features("error", "empty-geometry", _labels(ids, empty), _t("empty_geometry"),
                     _t("draw_or_remove_fix"))
    present = ~(null | empty | unbuilt)
    unreal = present & ~_finite_coordinates(geoms)
    if unreal.any():
        col.features("error", "non-finite-coordinates", _labels(ids, unreal), _t("non_finite"),
                     _t("non_finite_fix"), field="geometry")
        geoms[unreal] = None
        present &= ~unreal
    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "None")
    families = np.array([_GEOM_FAMILY.get(t, "other") for t in type_names], dtype=object)
    wrong = present & ~np.isin(families, list(kind.geometry))
    if wrong.any():
        for t in sorted(set(type_names[wrong])):
            mask = wrong & (type_names == t)
            allowed = Text.join(", ", (term("geometry", g) for g in kind.geometry))
            col.features("error", "geometry-type", _labels(ids, mask),
                         _t("geometry_type", type=str(t), allowed=allowed,
                            kind=Text(f"{term('kind', kind.name).vi} ({kind.name})", kind.name)),
                         _t("geometry_type_fix"))
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
                how = (_t("area_change_by", change=change) if np.isfinite(change) else
                       _t("area_change_from", before=before / 1e4, after=after / 1e4))
                col.features("error", "invalid-geometry", [fid],
                             _t("invalid_geometry", reason=reason, how=how,
                                tolerance=REPAIR_AREA_TOLERANCE),
                             _t("invalid_geometry_fix"))
                continue
            col.features("warning", "repaired-geometry", [fid],
                         _t("repaired_polygon", reason=reason, change=change),
                         _t("repaired_fix"))
        else:
            col.features("warning", "repaired-geometry", [fid], _t("repaired", reason=reason),
                         _t("repaired_fix"))
        geoms[i] = repaired
    geoms[null] = None
    return geoms


def _geometries_not_read(raw: gpd.GeoDataFrame, ids: pd.Series, col: _Collector) -> np.ndarray:
    """Problems for the geometries the reader could not build as stored
    (:data:`geoplan.io.GEOMETRY_ERRORS`) or repaired on reading; the rows left without one."""
    from geoplan.io import GEOMETRY_ERRORS, GEOMETRY_REPAIRS

    unbuilt = np.zeros(len(raw), dtype=bool)
    for pos, reason in sorted(dict(raw.attrs.get(GEOMETRY_ERRORS, {})).items()):
        unbuilt[pos] = True
        col.features("error", "unreadable-geometry", [str(ids.iloc[pos])],
                     _t("unreadable_geometry", reason=str(reason)), _t("unreadable_geometry_fix"),
                     field="geometry")
    for pos, reason in sorted(dict(raw.attrs.get(GEOMETRY_REPAIRS, {})).items()):
        col.features("warning", "repaired-geometry", [str(ids.iloc[pos])],
                     _t("repaired_on_reading", reason=str(reason)),
                     _t("repaired_on_reading_fix"), field="geometry")
    return unbuilt


def _finite_coordinates(geoms: np.ndarray) -> np.ndarray:
    """Whether the x and y of every coordinate of each geometry are finite numbers (z NaN is
    how GEOS stores 2D points in a 3D frame; only x and y matter)."""
    out = np.ones(len(geoms), dtype=bool)
    if np.isfinite(shapely.get_coordinates(geoms)).all():  # the usual case: no index needed
        return out
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    xy_bad = ~np.isfinite(coords).all(axis=1)
    out[np.unique(owner[xy_bad])] = False
    return out


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
    guess = Text("", "")
    if bounds is not None and np.isfinite(bounds).all():
        x0, y0, x1, y1 = bounds
        if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
            guess = _t("missing_crs_degrees")
        elif 100_000 < x0 < 900_000 and 800_000 < y0 < 2_700_000:
            guess = _t("missing_crs_vn2000")
        elif 800_000 < x0 < 2_700_000 and 100_000 < y0 < 900_000:
            guess = _t("missing_crs_swapped")
    col.layer("error", "missing-crs", _t("missing_crs", guess=guess),
              _t("missing_crs_fix", layer=spec.name))


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
        col.layer("error", "crs-transform", _t("crs_transform", detail=str(exc)),
                  _t("crs_transform_fix"))
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
    fixed = diagnosis is not None and bool(diagnosis.suggested_crs or diagnosis.swap_xy)
    if outside.any():
        message, fix = _t("outside_vietnam"), _t("outside_vietnam_fix")
        if diagnosis is not None and fixed:
            why, fix = _diagnosis_texts(diagnosis)
            message = _t("outside_vietnam_why", why=why)
        col.features("error", diagnosis.code if diagnosis is not None and fixed
                     else "outside-vietnam", _labels(present_ids, outside), message, fix)
    elif in_province_share is not None and in_province_share < 0.5:
        where = (_t("where_province", name=province_name) if province_name
                 else _t("where_boundary"))
        share = 1 - in_province_share
        if diagnosis is not None and fixed:
            why, fix = _diagnosis_texts(diagnosis)
            col.layer("error", diagnosis.code,
                      _t("outside_where", share=share, where=where, why=why), fix)
        else:
            col.layer("warning", "outside-province",
                      _t("outside_province", share=share, where=where),
                      _t("outside_province_fix"))


def _diagnosis_texts(diagnosis: gcrs.Diagnosis) -> tuple[Text, Text]:
    """Why the extent is off, and the fix, in both languages. The English texts are the
    diagnosis' own (with its counts); the Vietnamese ones say the same from its code, suggested
    CRS and swap."""
    crs = diagnosis.suggested_crs or ""
    swap = _t("why_swap") if diagnosis.swap_xy else Text("", "")
    key = f"why_{diagnosis.code.replace('-', '_')}"
    try:
        why = Text(_t(key, crs=crs, swap=swap).vi, diagnosis.message)
    except KeyError:  # a diagnosis without a Vietnamese text: its own words in both
        why = Text.same(diagnosis.message)
    if diagnosis.code == "xy-swapped":
        fix = _t("fix_swap_xy")
    elif diagnosis.code == "latlon-order":
        fix = _t("fix_swap_latlon")
    else:
        fix = _t("fix_declare", crs=crs,
                 swap=_t("fix_and_swap") if diagnosis.swap_xy else Text("", ""))
    return why, Text(fix.vi, diagnosis.fix)


def _conversion_text(conversion: Any) -> Text:
    """The note of a legacy-encoding conversion (:class:`geoplan.io.encodings.Conversion`)."""
    n = conversion.count
    return _t("legacy_converted", column=str(conversion.column), encoding=conversion.label,
              how=_t("legacy_declared" if conversion.forced else "legacy_detected"),
              values=_t("count_value" if n == 1 else "count_values", n=n),
              before=conversion.before, after=conversion.after)
