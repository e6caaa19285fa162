"""The topology audit: the findings of each grid rule on a built :class:`~geoplan.grid.Grid`.

The rules (ids in :data:`geoplan.rules.GRID_RULE_IDS`) are described in :mod:`geoplan.grid`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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
    records = [*_dangling_findings(grid), *_mismatch_findings(grid),
               *_unfed_findings(grid, states), *_island_findings(grid, states),
               *_single_supply_findings(grid, states)]
    if table is not None:
        records += _interconnection_findings(table)
    return make_findings(records, crs=grid.crs), states


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows as dicts of plain values (missing: None); fast on Arrow-backed text columns."""
    part = pd.DataFrame({c: frame[c].to_numpy(dtype=object) for c in columns})
    return [{str(k): v for k, v in r.items()}
            for r in part.where(part.notna(), None).to_dict("records")]


def _text(values: pd.Series) -> np.ndarray:
    return none_for_na(values.to_numpy(dtype=object))


def _dangling_findings(grid: Grid) -> list[dict[str, Any]]:
    ends = grid.ends[grid.ends["reaches"] == "dangling"].drop_duplicates(
        ["layer", "feature_id", "part", "end"])
    if not len(ends):
        return []
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    tol = grid.settings.tolerance_m
    pts = np.asarray(ends.geometry.values, dtype=object)
    nearest = np.full(len(ends), -1, dtype=np.int64)
    dist = np.full(len(ends), np.nan)
    if len(grid.stations):
        tree = shapely.STRtree(np.asarray(grid.stations.geometry.values, dtype=object))
        (i, j), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        nearest[i], dist[i] = j, d
    records = []
    for row, pt, j, d in zip(_records(ends, ["layer", "feature_id", "end", "voltage_kv"]), pts,
                             nearest.tolist(), dist.tolist(), strict=True):
        near = (f"the nearest station, {st_id[j]}, is {d:,.0f} m away" if j >= 0
                else "the plan has no substation")
        records.append({
            "rule": "grid-dangling", "severity": "error", "layer": row["layer"],
            "feature_id": row["feature_id"], "other_layer": st_layer[j] if j >= 0 else None,
            "other_id": st_id[j] if j >= 0 else None, "value": d, "unit": "m",
            "threshold": tol,
            "message": (f"{_kv_label(row['voltage_kv'])} line {row['feature_id']}: its "
                        f"{row['end']} reaches no substation, plant or other line ({near}; "
                        f"ends within {tol:g} m connect). Connect it to a substation, or fix "
                        "its geometry; for coarse drawings raise [grid] tolerance_m."),
            "reference": REFERENCE, "geometry": pt,
        })
    return records


def _mismatch_findings(grid: Grid) -> list[dict[str, Any]]:
    ends = grid.ends[grid.ends["mismatch"].to_numpy(dtype=bool)]
    if not len(ends):
        return []
    st_layer, st_id = _text(grid.stations["layer"]), _text(grid.stations["feature_id"])
    st_levels = _text(grid.stations["voltage_levels"])
    ln_layer, ln_id = _text(grid.lines["layer"]), _text(grid.lines["feature_id"])
    ln_kv = grid.lines["kv"].to_numpy(dtype="float64")
    records = []
    rows = _records(ends, ["layer", "feature_id", "voltage_kv", "reaches", "station",
                           "other_part"])
    for row, pt in zip(rows, np.asarray(ends.geometry.values, dtype=object), strict=True):
        kv = _kv_label(row["voltage_kv"])
        if row["reaches"] == "station":
            j = int(row["station"])
            levels = st_levels[j]
            other_layer, other_id = st_layer[j], st_id[j]
            msg = (f"{kv} line {row['feature_id']} ends at substation {other_id} "
                   f"({str(levels).replace(';', '/')} kV), which has no {kv} level; treated as "
                   f"connected. Add the level to the substation (voltage_kv = "
                   f"\"{levels};{row['voltage_kv']}\") or correct the line's voltage.")
        else:
            p = int(row["other_part"])
            other_layer, other_id = ln_layer[p], ln_id[p]
            msg = (f"{kv} line {row['feature_id']} ends on {_kv_label(ln_kv[p])} line "
                   f"{other_id}: lines of different voltages join only in a substation; not "
                   "connected. Add the substation, or correct a voltage.")
        records.append({
            "rule": "grid-voltage-mismatch", "severity": "error", "layer": row["layer"],
            "feature_id": row["feature_id"], "other_layer": other_layer, "other_id": other_id,
            "value": row["voltage_kv"], "unit": "kV", "message": msg, "reference": REFERENCE,
            "geometry": pt,
        })
    return records


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


def _unfed_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[int, list[str]] = defaultdict(list)
    for state in states:
        for j in state.unfed:
            when[j].append(state.scenario.label)
    st = _StationText(grid)
    src = grid.settings.source_kv
    return [{
        "rule": "grid-unfed", "severity": "error", "layer": st.layer[j], "feature_id": st.id[j],
        "value": len(labels), "unit": "scenarios",
        "message": (f"{_kv_label(st.kv[j])} substation {st.label(j)} has no path to a source "
                    f"(a substation of {src} kV or more, a plant, or the neighbouring grid) "
                    f"{join_words(labels)}. Plan a line to a {src} kV substation, or correct the "
                    "status/period of the lines feeding it."),
        "reference": REFERENCE, "geometry": st.geometry[j],
    } for j, labels in when.items()]


def _island_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[frozenset[int], list[str]] = defaultdict(list)
    edges_of: dict[frozenset[int], np.ndarray] = {}
    for state in states:
        for key, positions in state.islands.items():
            when[key].append(state.scenario.label)
            edges_of[key] = positions
    if not when:
        return []
    st = _StationText(grid)
    e_id = _text(grid.edges["feature_id"])
    e_len = grid.edges["length_m"].to_numpy(dtype="float64")
    e_geom = np.asarray(grid.edges.geometry.values, dtype=object)
    records = []
    for key, labels in when.items():
        js = sorted(key, key=lambda j: (str(st.layer[j]), str(st.id[j])))
        pos = edges_of[key]
        line_ids = sorted(set(e_id[pos]))
        names = [st.label(j) for j in js]
        records.append({
            "rule": "grid-island", "severity": "warning", "layer": st.layer[js[0]],
            "feature_id": st.id[js[0]], "value": float(e_len[pos].sum()) / 1e3, "unit": "km",
            "message": (f"{len(js)} substation(s) ({join_words(names[:8])}"
                        f"{' …' if len(names) > 8 else ''}) and {len(line_ids)} line(s) "
                        f"({join_words(line_ids[:8])}{' …' if len(line_ids) > 8 else ''}) form a "
                        f"connected part with load but no source {join_words(labels)}. Connect it "
                        f"to a {grid.settings.source_kv} kV substation or a plant."),
            "reference": REFERENCE,
            "geometry": shapely.multilinestrings(list(e_geom[pos])),
        })
    return records


def _single_supply_findings(grid: Grid, states: list[_State]) -> list[dict[str, Any]]:
    when: dict[int, list[str]] = defaultdict(list)
    via: dict[int, int] = {}
    for state in states:
        for j, pos in state.single.items():
            when[j].append(state.scenario.label)
            via[j] = pos
    if not when:
        return []
    st = _StationText(grid)
    e_layer, e_id = _text(grid.edges["layer"]), _text(grid.edges["feature_id"])
    e_kv = grid.edges["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                               na_value=np.nan)
    return [{
        "rule": "grid-single-supply", "severity": "info", "layer": st.layer[j],
        "feature_id": st.id[j], "other_layer": e_layer[via[j]], "other_id": e_id[via[j]],
        "value": 1.0, "unit": "lines",
        "message": (f"{_kv_label(st.kv[j])} substation {st.label(j)} depends on a single line "
                    f"{join_words(labels)}: losing {_kv_label(e_kv[via[j]])} line {e_id[via[j]]} "
                    "cuts it off (N-1 not met; a line of two circuits counts as two)."),
        "reference": REFERENCE, "geometry": st.geometry[j],
    } for j, labels in when.items()]


def _interconnection_findings(table: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    records = []
    for _, row in table.iterrows():
        where = ("a neighbouring province not named in the plan (unknown neighbour; add "
                 "province polygons to the boundary layer or [grid] neighbours)"
                 if row["neighbour"] == "unknown neighbour" else row["neighbour"])
        records.append({
            "rule": "grid-interconnection", "severity": "info", "layer": row["layer"],
            "feature_id": row["feature_id"], "value": row["outside_km"], "unit": "km",
            "message": (f"{_kv_label(row['voltage_kv'])} line {row['feature_id']} crosses the "
                        f"province boundary into {where}: an interconnection with the "
                        "neighbouring province."),
            "reference": REFERENCE, "geometry": row.geometry,
        })
    return records
