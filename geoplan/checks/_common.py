"""Helpers shared by the check families: column access, feature labels, findings assembly."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import require_metric_crs
from geoplan.errors import CRSError
from geoplan.findings import make_findings
from geoplan.messages import Text, Texts, message, terms
from geoplan.messages import objects as _objects

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.rules import Rules

POLYGONAL = ("Polygon", "MultiPolygon")


def text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as an object array of ``str`` or ``None`` (all None when absent)."""
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    col = frame[name]
    if col.dtype == object:  # str and None already (ids, names as loaded): no conversion
        values = col.to_numpy(dtype=object)
        if set(map(type, values.tolist())) <= {str, type(None)}:
            return np.array(values, dtype=object, copy=True)
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
             statuses: np.ndarray | None = None, types: np.ndarray | None = None) -> list[Text]:
    """Labels like ``cụm công nghiệp CCN-03 "Đông Thọ" (quy hoạch mới)`` /
    ``cluster CCN-03 "Đông Thọ" (planned)`` for messages."""
    return describe_texts(kind, ids_, names, statuses, types).texts()


def describe_texts(kind: str | np.ndarray, ids_: np.ndarray, names: np.ndarray,
                   statuses: np.ndarray | None = None,
                   types: np.ndarray | None = None) -> Texts:
    """:func:`describe`, column-wise: the same labels as :class:`Texts`."""
    n = len(ids_)
    kinds = np.full(n, kind, dtype=object) if isinstance(kind, str) else _objects(kind)
    what = terms("kind", kinds)
    if types is not None:
        typed = (kinds == "trade_facility") & _truthy(types)
        if typed.any():
            what = Texts.where(typed, terms("trade_type", _objects(types)), what)
    fid = _objects([str(v) for v in np.asarray(ids_, dtype=object).tolist()])
    out = what + Texts(fid, fid)
    named = _truthy(names)
    if named.any():
        quoted = np.where(named, '"' + _objects(np.where(named, names, "")) + '"', "")
        out = out + Texts(quoted, quoted)
    if statuses is not None:
        has = _truthy(statuses)
        if has.any():
            st = terms("status", _objects(np.where(has, statuses, "")))
            out = out + Texts(np.where(has, "(" + st.vi + ")", ""),
                              np.where(has, "(" + st.en + ")", ""))
    return out


def _truthy(values: Any) -> np.ndarray:
    """Which values are set (not None, not NaN, not empty), as ``if value:`` would say."""
    arr = _objects(list(values))
    return np.array([bool(v) and v == v for v in arr.tolist()], dtype=bool) if len(arr) \
        else np.zeros(0, dtype=bool)


def indicative(frame: pd.DataFrame) -> np.ndarray:
    """Whether each feature's position is only indicative (``position = "indicative"``)."""
    return text(frame, "position") == "indicative"


def text_columns(messages: Sequence[Text] | Text | Texts,
                 references: Sequence[Text] | Text | Texts,
                 n: int | None = None) -> dict[str, Any]:
    """The ``message*`` and ``reference*`` columns of findings rows, Vietnamese in
    ``message`` / ``reference`` (the findings' default language)."""
    out: dict[str, Any] = {}
    for name, values in (("message", messages), ("reference", references)):
        if isinstance(values, (Text, Texts)):
            out[f"{name}_vi"], out[f"{name}_en"] = values.vi, values.en
        else:
            out[f"{name}_vi"] = [t.vi for t in values]
            out[f"{name}_en"] = [t.en for t in values]
        out[name] = out[f"{name}_vi"]
    return out


def row_text(msg: Text, ref: Text) -> dict[str, str]:
    """:func:`text_columns` of one finding row."""
    return {"message": msg.vi, "message_vi": msg.vi, "message_en": msg.en,
            "reference": ref.vi, "reference_vi": ref.vi, "reference_en": ref.en}


def indicative_note(who: Text) -> Text:
    """``Vị trí của ... chỉ mang tính định hướng: cần xác định vị trí chính xác.``"""
    return message("common.indicative", who=who, capital=True)


def dossier_dates(frame: pd.DataFrame, default: _dt.date | None) -> list[_dt.date | None]:
    """Each cluster's dossier filing date (field ``dossier_filed``, else ``default``)."""
    values = text(frame, "dossier_filed")
    return [_dt.date.fromisoformat(v[:10]) if v else default for v in values]


def dossier_groups(frame: pd.DataFrame, rules: Rules) -> list[tuple[np.ndarray, Rules]]:
    """Rows of ``frame`` grouped by the rules that apply to them (the transitional rule keeps
    the old text for dossiers filed before it), with those rules. One group when no dossier
    date changes anything."""
    dates = dossier_dates(frame, rules.dossier_filed)
    groups: dict[int, tuple[list[int], Rules]] = {}
    for i, d in enumerate(dates):
        r = rules.for_dossier(d)
        groups.setdefault(id(r), ([], r))[0].append(i)
    return [(np.asarray(rows, dtype=np.int64), r) for rows, r in groups.values()]


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
