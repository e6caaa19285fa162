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
from geoplan.grid._common import join_words, none_for_na
from geoplan.grid.build import Grid
from geoplan.grid.scenario import _State, _state, scenarios

__all__ = ["REFERENCE", "audit_grid"]

#: The ``reference`` of every grid finding.
REFERENCE = ("Phân tích cấu trúc lưới điện của geoplan; tiêu chí N-1 là thông lệ quy hoạch, không "
             "phải ngưỡng pháp lý / geoplan grid topology audit; N-1 as planning practice, not a "
             "legal threshold")


def _kv_label(k: Any) -> str:
    return "unknown-voltage" if pd.isna(k) else f"{int(k)} kV"


def _kv_labels(kv: np.ndarray) -> list[str]:
    """:func:`_kv_label` of each value of a float array (NaN: unknown)."""
    return ["unknown-voltage" if k != k else f"{int(k)} kV" for k in kv.tolist()]


def _kv_floats(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _rule_frame(rule: str, severity: str, n: int, **columns: Any) -> pd.DataFrame:
    """The findings of one rule, one column each (a scalar is the same on every row)."""
    return pd.DataFrame({"rule": rule, "severity": severity, **columns,
                         "reference": REFERENCE}, index=pd.RangeIndex(n))


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
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    tol = grid.settings.tolerance_m
    pts = np.asarray(ends.geometry.values, dtype=object)
    nearest = np.full(len(ends), -1, dtype=np.int64)
    dist = np.full(len(ends), np.nan)
    if len(grid.stations):
        tree = shapely.STRtree(np.asarray(grid.stations.geometry.values, dtype=object))
        (i, j), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        nearest[i], dist[i] = j, d
    fid = _text(ends["feature_id"])
    near = [f"the nearest station, {st_id[j]}, is {d:,.0f} m away" if j >= 0
            else "the plan has no substation" for j, d in zip(nearest.tolist(), dist.tolist(),
                                                               strict=True)]
    message = [f"{kv} line {f}: its {e} reaches no substation, plant or other line ({n}; "
               f"ends within {tol:g} m connect). Connect it to a substation, or fix its "
               "geometry; for coarse drawings raise [grid] tolerance_m."
               for kv, f, e, n in zip(_kv_labels(_kv_floats(ends["voltage_kv"])), fid.tolist(),
                                      _text(ends["end"]).tolist(), near, strict=True)]
    return _rule_frame(
        "grid-dangling", "error", len(ends), layer=_text(ends["layer"]), feature_id=fid,
        other_layer=_take(st_layer, nearest), other_id=_take(st_id, nearest), value=dist,
        unit="m",
        threshold=tol, message=message, geometry=pts)


def _mismatch_findings(grid: Grid) -> pd.DataFrame:
    ends = grid.ends[grid.ends["mismatch"].to_numpy(dtype=bool)]
    if not len(ends):
        return _EMPTY
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    st_levels = _text(grid.stations["voltage_levels"])
    ln_layer, ln_id = _text(grid.lines["layer"]), _text(grid.lines["feature_id"])
    ln_kv = grid.lines["kv"].to_numpy(dtype="float64")
    at_station = (ends["reaches"] == "station").to_numpy()
    j = np.where(at_station, ends["station"].to_numpy(), 0)
    p = np.where(at_station, 0, ends["other_part"].to_numpy())
    kv = _kv_floats(ends["voltage_kv"])
    fid = _text(ends["feature_id"])
    message = [
        (f"{label} line {f} ends at substation {st_id[jj]} "
         f"({str(st_levels[jj]).replace(';', '/')} kV), which has no {label} level; treated as "
         f"connected. Add the level to the substation (voltage_kv = "
         f"\"{st_levels[jj]};{_int_text(k)}\") or correct the line's voltage.") if here else
        (f"{label} line {f} ends on {_kv_label(ln_kv[pp])} line {ln_id[pp]}: lines of "
         "different voltages join only in a substation; not connected. Add the substation, "
         "or correct a voltage.")
        for label, f, k, here, jj, pp in zip(_kv_labels(kv), fid.tolist(), kv.tolist(),
                                             at_station.tolist(), j.tolist(), p.tolist(),
                                             strict=True)]
    return _rule_frame(
        "grid-voltage-mismatch", "error", len(ends), layer=_text(ends["layer"]),
        feature_id=fid, other_layer=_either(at_station, st_layer, j, ln_layer, p),
        other_id=_either(at_station, st_id, j, ln_id, p), value=kv, unit="kV",
        message=message, geometry=np.asarray(ends.geometry.values, dtype=object))


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
        st = grid.stations
        self.layer, self.id, self.name = _text(st["layer"]), _text(st["feature_id"]), _text(
            st["name"])
        self.kv = st["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                              na_value=np.nan)
        self.geometry = np.asarray(st.geometry.values, dtype=object)

    def label(self, j: int) -> str:
        fid, name = self.id[j], self.name[j]
        return f"{fid} ({name})" if isinstance(name, str) and name and name != fid else str(fid)


def _unfed_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[int, list[str]] = defaultdict(list)
    for state in states:
        for j in state.unfed:
            when[j].append(state.scenario.label)
    if not when:
        return _EMPTY
    st = _StationText(grid)
    src = grid.settings.source_kv
    js = np.fromiter(when, dtype=np.int64, count=len(when))
    message = [f"{_kv_label(st.kv[j])} substation {st.label(j)} has no path to a source "
               f"(a substation of {src} kV or more, a plant, or the neighbouring grid) "
               f"{join_words(labels)}. Plan a line to a {src} kV substation, or correct the "
               "status/period of the lines feeding it." for j, labels in when.items()]
    return _rule_frame(
        "grid-unfed", "error", len(js), layer=st.layer[js], feature_id=st.id[js],
        value=np.array([len(v) for v in when.values()], dtype="float64"), unit="scenarios",
        message=message, geometry=st.geometry[js])


def _island_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[frozenset[int], list[str]] = defaultdict(list)
    edges_of: dict[frozenset[int], np.ndarray] = {}
    for state in states:
        for key, positions in state.islands.items():
            when[key].append(state.scenario.label)
            edges_of[key] = positions
    if not when:
        return _EMPTY
    st = _StationText(grid)
    e_id = _text(grid.edges["feature_id"])
    e_len = grid.edges["length_m"].to_numpy(dtype="float64")
    e_geom = np.asarray(grid.edges.geometry.values, dtype=object)
    first, km, message, geoms = [], [], [], []
    for key, labels in when.items():
        js = sorted(key, key=lambda j: (str(st.layer[j]), str(st.id[j])))
        pos = edges_of[key]
        line_ids = sorted(set(e_id[pos]))
        names = [st.label(j) for j in js]
        first.append(js[0])
        km.append(float(e_len[pos].sum()) / 1e3)
        message.append(
            f"{len(js)} substation(s) ({join_words(names[:8])}"
            f"{' …' if len(names) > 8 else ''}) and {len(line_ids)} line(s) "
            f"({join_words(line_ids[:8])}{' …' if len(line_ids) > 8 else ''}) form a "
            f"connected part with load but no source {join_words(labels)}. Connect it "
            f"to a {grid.settings.source_kv} kV substation or a plant.")
        geoms.append(shapely.multilinestrings(list(e_geom[pos])))
    at = np.array(first, dtype=np.int64)
    return _rule_frame(
        "grid-island", "warning", len(at), layer=st.layer[at], feature_id=st.id[at],
        value=np.array(km, dtype="float64"), unit="km", message=message,
        geometry=np.array(geoms, dtype=object))


def _single_supply_findings(grid: Grid, states: list[_State]) -> pd.DataFrame:
    when: dict[int, list[str]] = defaultdict(list)
    via: dict[int, int] = {}
    for state in states:
        for j, pos in state.single.items():
            when[j].append(state.scenario.label)
            via[j] = pos
    if not when:
        return _EMPTY
    st = _StationText(grid)
    e_layer, e_id = _text(grid.edges["layer"]), _text(grid.edges["feature_id"])
    e_kv = _kv_floats(grid.edges["voltage_kv"])
    js = np.fromiter(when, dtype=np.int64, count=len(when))
    edge = np.array([via[j] for j in when], dtype=np.int64)
    message = [f"{_kv_label(st.kv[j])} substation {st.label(j)} depends on a single line "
               f"{join_words(labels)}: losing {_kv_label(e_kv[via[j]])} line {e_id[via[j]]} "
               "cuts it off (N-1 not met; a line of two circuits counts as two)."
               for j, labels in when.items()]
    return _rule_frame(
        "grid-single-supply", "info", len(js), layer=st.layer[js], feature_id=st.id[js],
        other_layer=e_layer[edge], other_id=e_id[edge], value=1.0, unit="lines",
        message=message, geometry=st.geometry[js])


def _interconnection_findings(table: gpd.GeoDataFrame) -> pd.DataFrame:
    if not len(table):
        return _EMPTY
    cut = (table["cut_at_boundary"].to_numpy(dtype=bool) if "cut_at_boundary" in table
           else np.zeros(len(table), dtype=bool))
    neighbour = _text(table["neighbour"])
    outside = table["outside_km"].to_numpy(dtype="float64")
    fid = _text(table["feature_id"])
    message = []
    for kv, f, where, km, is_cut in zip(_kv_labels(_kv_floats(table["voltage_kv"])),
                                        fid.tolist(), neighbour.tolist(), outside.tolist(),
                                        cut.tolist(), strict=True):
        if where == "unknown neighbour":
            where = ("a neighbouring province not named in the plan (unknown neighbour; add "
                     "province polygons to the boundary layer or [grid] neighbours)")
        if is_cut:
            message.append(
                f"{kv} line {f} ends on the province boundary, towards {where}: the line was "
                "cut at the boundary (clipped to the province), so the data do not show how "
                "far it runs outside; counted as an interconnection, not a dangling end. "
                "Select the lines that intersect the province instead of clipping them.")
        else:
            message.append(f"{kv} line {f} crosses the province boundary into {where}, "
                           f"{km:.2f} km outside the province: an interconnection with the "
                           "neighbouring province.")
    return _rule_frame(
        "grid-interconnection", "info", len(table), layer=_text(table["layer"]),
        feature_id=fid, value=np.where(cut, np.nan, outside), unit="km", message=message,
        geometry=np.asarray(table.geometry.values, dtype=object))
