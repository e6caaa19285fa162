"""The topology audit: the findings of each grid rule on a built :class:`~geoplan.grid.Grid`.

The rules (ids in :data:`geoplan.rules.GRID_RULE_IDS`) are described in :mod:`geoplan.grid`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.findings import make_findings
from geoplan.grid._common import none_for_na
from geoplan.grid.build import Grid
from geoplan.grid.scenario import _State, _state, scenarios
from geoplan.messages import Text, Texts, fill, message, objects

__all__ = ["REFERENCE", "audit_grid"]

#: The ``reference`` of every grid finding, in both languages.
REFERENCE_TEXT = Text("Phân tích cấu trúc lưới điện của geoplan; tiêu chí N-1 là thông lệ quy "
                      "hoạch, không phải ngưỡng pháp lý",
                      "geoplan grid topology audit; N-1 as planning practice, not a legal "
                      "threshold")
#: The same, both languages in one text (Vietnamese first).
REFERENCE = f"{REFERENCE_TEXT.vi} / {REFERENCE_TEXT.en}"

_AND = Text(" và ", " and ")


def _kv_label(k: Any) -> Text:
    """``110 kV``, or the words for an unknown voltage."""
    if pd.isna(k):
        return message("grid.kv_unknown", capital=False)
    return message("grid.kv", kv=str(int(k)), capital=False)


def _kv_labels(kv: np.ndarray) -> list[Text]:
    """:func:`_kv_label` of each value of a float array (NaN: unknown), one per distinct
    value."""
    cache: dict[float, Text] = {}
    out = []
    for k in kv.tolist():
        key = -1.0 if k != k else k
        if key not in cache:
            cache[key] = _kv_label(k)
        out.append(cache[key])
    return out


def _kv_texts(kv: np.ndarray) -> Texts:
    """:func:`_kv_label` column-wise, looked up once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(kv), use_na_sentinel=False)
    found = [_kv_label(k) for k in uniques.tolist()]
    return Texts(objects([t.vi for t in found])[codes], objects([t.en for t in found])[codes])


def _line(kv: Text, fid: Any) -> Text:
    return message("grid.line", kv=kv, id=str(fid), capital=False)


def _substation(kv: Text, label: str) -> Text:
    return message("grid.substation", kv=kv, id=label, capital=False)


def _join(parts: list[Text]) -> Text:
    """``a``, ``a và b`` / ``a and b``, ``a, b và c`` / ``a, b and c``."""
    if len(parts) == 1:
        return parts[0]
    head = Text.join(", ", parts[:-1])
    return Text(head.vi + _AND.vi + parts[-1].vi, head.en + _AND.en + parts[-1].en)


def _texts(messages: list[Text] | Texts) -> dict[str, Any]:
    """The ``message*`` and ``reference*`` columns of one rule's findings."""
    if isinstance(messages, Texts):
        return {"message": messages.vi, "message_vi": messages.vi, "message_en": messages.en,
                "reference_vi": REFERENCE_TEXT.vi, "reference_en": REFERENCE_TEXT.en}
    vi = [m.vi for m in messages]
    return {"message": vi, "message_vi": vi, "message_en": [m.en for m in messages],
            "reference_vi": REFERENCE_TEXT.vi, "reference_en": REFERENCE_TEXT.en}


def _kv_floats(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


_NOT_TEXT = frozenset({"value", "threshold", "geometry"})


def _rule_frame(rule: str, severity: str, n: int, **columns: Any) -> pd.DataFrame:
    """The findings of one rule, one column each (a scalar is the same on every row).

    The texts stay object columns, as :func:`geoplan.findings.make_findings` takes them: a
    column of ``str`` would be written to Arrow here and read back there."""
    index = pd.RangeIndex(n)
    data = {"rule": rule, "severity": severity, **columns, "reference": REFERENCE_TEXT.vi}
    return pd.DataFrame({
        key: value if key in _NOT_TEXT else pd.Series(
            np.full(n, value, dtype=object) if isinstance(value, str) or value is None
            else np.asarray(value, dtype=object), index=index, dtype=object)
        for key, value in data.items()}, index=index)


def audit_grid(grid: Grid, *, interconnection_table: gpd.GeoDataFrame | None = None
               ) -> gpd.GeoDataFrame:
    """The topology findings of a built grid (see :mod:`geoplan.grid` for the rules).

    ``interconnection_table`` (from :func:`interconnections`) adds ``grid-interconnection``
    findings.
    """
    return _audit(grid, interconnection_table)[0]


def _audit(grid: Grid, table: gpd.GeoDataFrame | None
           ) -> tuple[gpd.GeoDataFrame, list[_State]]:
    states = [_state(grid, sc) for sc in scenarios(grid)]
    frames = [_dangling_findings(grid), _mismatch_findings(grid),
              _unfed_findings(grid, states), _island_findings(grid, states),
              _single_supply_findings(grid, states)]
    if table is not None:
        frames.append(_interconnection_findings(table))
    frames = [f for f in frames if len(f)]
    found: pd.DataFrame | list[dict[str, Any]] = (
        pd.concat(frames, ignore_index=True) if frames else [])
    return make_findings(found, crs=grid.crs), states


def _text(values: pd.Series) -> np.ndarray:
    return none_for_na(values.to_numpy(dtype=object))


_EMPTY = pd.DataFrame()


def _dangling_findings(grid: Grid) -> pd.DataFrame:
    ends = grid.ends[(grid.ends["reaches"] == "dangling").to_numpy()].drop_duplicates(
        ["layer", "feature_id", "part", "end"])
    if not len(ends):
        return _EMPTY
    st_layer = grid._values("stations", "layer", "none")
    st_id = grid._values("stations", "feature_id", "none")
    tol = grid.settings.tolerance_m
    pts = np.asarray(ends.geometry.values, dtype=object)
    nearest = np.full(len(ends), -1, dtype=np.int64)
    dist = np.full(len(ends), np.nan)
    if len(grid.stations):
        tree = shapely.STRtree(np.asarray(grid.stations.geometry.values, dtype=object))
        (i, j), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        nearest[i], dist[i] = j, d
    fid = _text(ends["feature_id"])
    kv = _kv_texts(_kv_floats(ends["voltage_kv"]))
    found = nearest >= 0
    near = Texts.where(
        found, fill("grid.nearest_station", len(ends), id=_take(st_id, nearest).astype(str),
                    m=dist, capital=False),
        Texts.full(message("grid.no_station", capital=False), len(ends)))
    which = _text(ends["end"]).astype(str)
    end = Texts.where(which == "start",
                      Texts.full(message("grid.end_start", capital=False), len(ends)),
                      Texts.full(message("grid.end_end", capital=False), len(ends)))
    texts = fill("grid.dangling", len(ends),
                 line=fill("grid.line", len(ends), kv=kv, id=fid.astype(str), capital=False),
                 end=end, near=near, tol=tol)
    return _rule_frame(
        "grid-dangling", "error", len(ends), layer=_text(ends["layer"]), feature_id=fid,
        other_layer=_take(st_layer, nearest), other_id=_take(st_id, nearest), value=dist,
        unit="m", threshold=tol, **_texts(texts), geometry=pts)


def _mismatch_findings(grid: Grid) -> pd.DataFrame:
    ends = grid.ends[grid.ends["mismatch"].to_numpy(dtype=bool)]
    if not len(ends):
        return _EMPTY
    st_layer = grid._values("stations", "layer", "none")
    st_id = grid._values("stations", "feature_id", "none")
    st_levels = grid._values("stations", "voltage_levels", "none")
    ln_layer = grid._values("lines", "layer", "none")
    ln_id = grid._values("lines", "feature_id", "none")
    ln_kv = grid._values("lines", "kv", np.nan)
    at_station = (ends["reaches"] == "station").to_numpy()
    j = np.where(at_station, ends["station"].to_numpy(), 0)
    p = np.where(at_station, 0, ends["other_part"].to_numpy())
    kv = _kv_floats(ends["voltage_kv"])
    fid = _text(ends["feature_id"])
    texts = [
        message("grid.mismatch_station", line=_line(label, f), sub=str(st_id[jj]),
                levels=str(st_levels[jj]).replace(";", "/"), kv=label,
                raw=str(st_levels[jj]), k=_int_text(k)) if here else
        message("grid.mismatch_line", line=_line(label, f),
                other=_line(_kv_label(ln_kv[pp]), ln_id[pp]))
        for label, f, k, here, jj, pp in zip(_kv_labels(kv), fid.tolist(), kv.tolist(),
                                             at_station.tolist(), j.tolist(), p.tolist(),
                                             strict=True)]
    return _rule_frame(
        "grid-voltage-mismatch", "error", len(ends), layer=_text(ends["layer"]),
        feature_id=fid, other_layer=_either(at_station, st_layer, j, ln_layer, p),
        other_id=_either(at_station, st_id, j, ln_id, p), value=kv, unit="kV",
        **_texts(texts), geometry=np.asarray(ends.geometry.values, dtype=object))


def _take(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values[at]``, ``None`` where ``at`` is -1."""
    out = np.full(len(at), None, dtype=object)
    out[at >= 0] = values[at[at >= 0]]
    return out


def _either(first: np.ndarray, a: np.ndarray, i: np.ndarray, b: np.ndarray, k: np.ndarray
            ) -> np.ndarray:
    """``a[i]`` where ``first``, else ``b[k]``."""
    out = np.empty(len(first), dtype=object)
    out[first] = a[i[first]]
    out[~first] = b[k[~first]]
    return out


def _int_text(k: float) -> str:
    """An integer-valued float as the integer (``None`` when unknown, as a missing value)."""
    return "None" if k != k else str(int(k))


class _StationText:
    """Station attributes as plain arrays, for messages."""

    def __init__(self, grid: Grid) -> None:
        self.layer = grid._values("stations", "layer", "none")
        self.id = grid._values("stations", "feature_id", "none")
        self.name = grid._values("stations", "name", "none")
        self.kv = grid._values("stations", "voltage_kv", np.nan)
        self.geometry = np.asarray(grid.stations.geometry.values, dtype=object)

    def label(self, j: int) -> str:
        fid, name = self.id[j], self.name[j]
        return f"{fid} ({name})" if isinstance(name, str) and name and name != fid else str(fid)


def _unfed_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[int, list[Text]] = defaultdict(list)
    for state in states:
        for j in state.unfed:
            when[j].append(state.scenario.text)
    if not when:
        return _EMPTY
    st = _StationText(grid)
    src = grid.settings.source_kv
    js = np.fromiter(when, dtype=np.int64, count=len(when))
    texts = [message("grid.unfed", sub=_substation(_kv_label(st.kv[j]), st.label(j)),
                     src=str(src), when=_join(labels)) for j, labels in when.items()]
    return _rule_frame(
        "grid-unfed", "error", len(js), layer=st.layer[js], feature_id=st.id[js],
        value=np.array([len(v) for v in when.values()], dtype="float64"), unit="scenarios",
        **_texts(texts), geometry=st.geometry[js])


def _island_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[frozenset[int], list[Text]] = defaultdict(list)
    edges_of: dict[frozenset[int], np.ndarray] = {}
    for state in states:
        for key, positions in state.islands.items():
            when[key].append(state.scenario.text)
            edges_of[key] = positions
    if not when:
        return _EMPTY
    st = _StationText(grid)
    e_id = grid._values("edges", "feature_id", "none")
    e_len = grid._values("edges", "length_m", np.nan)
    e_geom = np.asarray(grid.edges.geometry.values, dtype=object)
    first: list[int] = []
    km: list[float] = []
    texts: list[Text] = []
    for key, labels in when.items():
        js = sorted(key, key=lambda j: (str(st.layer[j]), str(st.id[j])))
        pos = edges_of[key]
        line_ids = sorted(set(e_id[pos]))
        names = [st.label(j) for j in js]
        first.append(js[0])
        km.append(float(e_len[pos].sum()) / 1e3)
        texts.append(message(
            "grid.island", n=len(js),
            subs=_join([Text.same(str(n)) for n in names[:8]])
            + Text.same("…" if len(names) > 8 else ""),
            m=len(line_ids),
            lines=_join([Text.same(str(n)) for n in line_ids[:8]])
            + Text.same("…" if len(line_ids) > 8 else ""),
            when=_join(labels), src=str(grid.settings.source_kv)))
    # the lines of every island at once, one multi-line each
    members = [edges_of[key] for key in when]
    island = np.repeat(np.arange(len(members)), [len(m) for m in members])
    geoms = shapely.multilinestrings(e_geom[np.concatenate(members)], indices=island)
    at = np.array(first, dtype=np.int64)
    return _rule_frame(
        "grid-island", "warning", len(at), layer=st.layer[at], feature_id=st.id[at],
        value=np.array(km, dtype="float64"), unit="km", **_texts(texts),
        geometry=np.asarray(geoms, dtype=object))


def _single_supply_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[int, list[Text]] = defaultdict(list)
    via: dict[int, int] = {}
    for state in states:
        for j, pos in state.single.items():
            when[j].append(state.scenario.text)
            via[j] = pos
    if not when:
        return _EMPTY
    st = _StationText(grid)
    e_layer = grid._values("edges", "layer", "none")
    e_id = grid._values("edges", "feature_id", "none")
    e_kv = grid._values("edges", "voltage_kv", np.nan)
    js = np.fromiter(when, dtype=np.int64, count=len(when))
    edge = np.array([via[j] for j in when], dtype=np.int64)
    texts = [message("grid.single_supply", sub=_substation(_kv_label(st.kv[j]), st.label(j)),
                     when=_join(labels), line=_line(_kv_label(e_kv[via[j]]), e_id[via[j]]))
             for j, labels in when.items()]
    return _rule_frame(
        "grid-single-supply", "info", len(js), layer=st.layer[js], feature_id=st.id[js],
        other_layer=e_layer[edge], other_id=e_id[edge], value=1.0, unit="lines",
        **_texts(texts), geometry=st.geometry[js])


def _interconnection_findings(table: gpd.GeoDataFrame) -> pd.DataFrame:
    if not len(table):
        return _EMPTY
    cut = (table["cut_at_boundary"].to_numpy(dtype=bool) if "cut_at_boundary" in table
           else np.zeros(len(table), dtype=bool))
    neighbour = _text(table["neighbour"])
    outside = table["outside_km"].to_numpy(dtype="float64")
    fid = _text(table["feature_id"])
    texts = []
    unknown = message("grid.unknown_neighbour", capital=False)
    for kv, f, where, km, is_cut in zip(_kv_labels(_kv_floats(table["voltage_kv"])),
                                        fid.tolist(), neighbour.tolist(), outside.tolist(),
                                        cut.tolist(), strict=True):
        place = unknown if where == "unknown neighbour" else Text.same(str(where))
        if is_cut:
            texts.append(message("grid.cut_at_boundary", line=_line(kv, f), where=place))
        else:
            texts.append(message("grid.crosses_boundary", line=_line(kv, f), where=place,
                                 km=km))
    return _rule_frame(
        "grid-interconnection", "info", len(table), layer=_text(table["layer"]),
        feature_id=fid, value=np.where(cut, np.nan, outside), unit="km", **_texts(texts),
        geometry=np.asarray(table.geometry.values, dtype=object))
