"""Tables and files of a built grid: its connected parts, and the graph as GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.grid.build import Grid
from geoplan.io.atomic import atomic_path
from geoplan.io.geojson import feature_collection_text, geojson_text

__all__ = ["components_table", "grid_geojson", "write_grid_geojson"]


def components_table(grid: Grid) -> pd.DataFrame:
    """One row per connected part of the whole plan's graph (every status).

    Columns: ``component, substations, plants, lines, length_km, voltages, sources,
    external_ends, dangling_ends``; biggest first. A substation without lines is a part of its
    own.
    """
    columns = ["component", "substations", "plants", "lines", "length_km", "voltages",
               "sources", "external_ends", "dangling_ends"]
    nodes, edges, ends = grid.nodes, grid.edges, grid.ends
    if not len(nodes):
        return pd.DataFrame(columns=columns)
    comp = nodes["component"].to_numpy()
    out = pd.DataFrame(index=pd.Index(np.unique(comp), name="component"))
    station = nodes["station"].to_numpy()
    at = station >= 0
    st_kind = grid.stations["kind"].to_numpy(dtype=object)
    st_kv = grid.stations["voltage_kv"].astype("Float64").to_numpy(dtype="float64",
                                                                   na_value=np.nan)
    per = pd.DataFrame({"component": comp[at], "station": station[at]}).drop_duplicates()
    kinds = st_kind[per["station"].to_numpy()]
    is_source = (kinds == "plant") | (st_kv[per["station"].to_numpy()] >= grid.settings.source_kv)
    out["substations"] = pd.Series(kinds == "substation").groupby(
        per["component"].to_numpy()).sum()
    out["plants"] = pd.Series(kinds == "plant").groupby(per["component"].to_numpy()).sum()
    line = edges[(edges["kind"] == "line").to_numpy()]
    lcomp = line["component"].to_numpy()
    keys = pd.DataFrame({"component": lcomp,
                         "key": line["layer"].astype(str).to_numpy(dtype=object) + "\x00"
                         + line["feature_id"].astype(str).to_numpy(dtype=object)})
    out["lines"] = keys.drop_duplicates().groupby("component").size()
    # a line of two voltages is one edge per level but one route: the edge id without its
    # level ("@110") names the piece
    piece = pd.Series(line.index).str.replace(r"@[^@]*$", "", regex=True)
    route = pd.DataFrame({"component": lcomp, "km": line["length_m"].to_numpy(
        dtype="float64") / 1e3, "piece": piece.to_numpy()})
    out["length_km"] = route.drop_duplicates(["component", "piece"]).groupby("component")[
        "km"].sum()
    kv = line["voltage_kv"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(kv)
    out["voltages"] = _level_texts(lcomp[ok], kv[ok].astype(np.int64))
    position = pd.Index(nodes.index)
    end_comp = comp[position.get_indexer(ends["node"].to_numpy(dtype=object))] if len(
        ends) else np.array([], dtype=np.int64)
    reach = ends["reaches"].to_numpy(dtype=object)
    out["external_ends"] = pd.Series(reach == "external").groupby(end_comp).sum()
    out["dangling_ends"] = pd.Series(reach == "dangling").groupby(end_comp).sum()
    src = pd.Series(is_source).groupby(per["component"].to_numpy()).any()
    out["sources"] = src.reindex(out.index, fill_value=False).astype(bool)
    for col in ("substations", "plants", "lines", "external_ends", "dangling_ends"):
        out[col] = out[col].fillna(0).astype(int)
    out["length_km"] = out["length_km"].fillna(0.0).astype(float)
    if grid.settings.external_supply:
        out["sources"] = out["sources"] | (out["external_ends"] > 0)
    out["voltages"] = out["voltages"].astype(object).where(out["voltages"].notna(), None)
    return out.reset_index()[columns]


def _level_texts(comp: np.ndarray, kv: np.ndarray) -> pd.Series:
    """The distinct levels of each component, highest first (``"220;110"``), by component.

    Components share a few sets of levels: each set is written once."""
    if not len(comp):
        return pd.Series([], dtype=object, index=pd.Index([], dtype=np.int64))
    values, level = np.unique(kv, return_inverse=True)
    level = level.ravel()
    present = np.zeros((int(comp.max()) + 1, len(values)), dtype=bool)
    present[comp, level] = True
    used = np.flatnonzero(present.any(axis=1))
    sets, which = np.unique(present[used], axis=0, return_inverse=True)
    texts = np.array([";".join(str(v) for v in values[row][::-1]) for row in sets],
                     dtype=object)
    return pd.Series(texts[which.ravel()], index=used)


def _graph_frames(grid: Grid) -> dict[str, gpd.GeoDataFrame]:
    nodes = grid.nodes.drop(columns=["station", "declared"]).assign(element="node")
    edges = grid.edges[grid.edges["kind"] == "line"].drop(columns=["station"]).assign(
        element="edge")
    return {"grid nodes": nodes.rename(columns={"node": "id"}).reset_index(drop=True),
            "grid edges": edges.rename(columns={"edge": "id"}).reset_index(drop=True)}


def _graph_text(grid: Grid) -> str:
    return feature_collection_text([geojson_text(frame, id_field="id", name=name)
                                    for name, frame in _graph_frames(grid).items()
                                    if len(frame)])


def grid_geojson(grid: Grid) -> dict[str, Any]:
    """The graph as an RFC 7946 GeoJSON FeatureCollection in WGS 84 (written by
    :mod:`geoplan.io.geojson`, coordinates to 7 decimals): nodes (points, with ``degree`` and
    ``component``) and line edges (with ``voltage_kv``); ``element`` says which. Each feature's
    ``id`` member is the node or edge id; a zero-length edge (two nodes at one place) is drawn
    as its point."""
    doc: dict[str, Any] = json.loads(_graph_text(grid))
    return doc


def write_grid_geojson(grid: Grid, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write :func:`grid_geojson` atomically; returns the path written."""
    target = Path(path)
    text = _graph_text(grid)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
