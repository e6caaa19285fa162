"""Spatial partitions of a plan's large layers, and the halo that finds each pair exactly once.

The large layers (clusters, parks, trade facilities: :data:`PARTITIONED_KINDS`) are stacked
into one dask-geopandas frame of (layer, row, geometry); dask-geopandas computes each
feature's distance along the Hilbert curve (``hilbert_distance``; ``morton_distance`` or
``geohash`` on request), and the partitions are cut at its quantiles, as
``spatial_shuffle(by="hilbert")`` cuts them: each partition holds features that lie near each
other, in equal numbers. Every feature is *owned* by exactly one partition.

Rules on pairs of features (two clusters overlapping, two near-identical trade points) need,
beside a partition's own features, the features of other partitions that could pair with them:
its **halo**, every feature of another partition whose envelope comes within the pair distance
of the partition's envelope (a superset of the true partners: envelopes within the distance is
necessary for the features to be). A pair straddling a boundary is then seen by both
partitions, and kept only by the one that owns the finding's feature (the first of the pair
in the rule's canonical order): found exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

__all__ = ["PARTITIONED_KINDS", "Partitioning", "partition_plan"]

#: The kinds split into spatial partitions; the other kinds (grid lines, substations, plants,
#: restricted zones, boundaries) are small and go whole to every partition (broadcast).
PARTITIONED_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park", "trade_facility")


@dataclass(frozen=True)
class Partitioning:
    """Which partition owns each feature of the partitioned layers.

    ``owner[layer]`` is an int array aligned with the layer's frame; ``bounds`` the envelope of
    each partition's own features (``nan`` for an empty partition).
    """

    owner: Mapping[str, np.ndarray]
    bounds: np.ndarray
    envelopes: tuple[np.ndarray, ...] = ()

    @property
    def count(self) -> int:
        return len(self.bounds)

    def rows(self, layer: str, part: int) -> np.ndarray:
        """Rows of ``layer`` owned by partition ``part``."""
        return np.flatnonzero(self.owner[layer] == part)

    def halo(self, layer: str, frame: gpd.GeoDataFrame, part: int, distance: float
             ) -> np.ndarray:
        """Rows of ``layer`` owned by other partitions whose envelope lies within
        ``distance`` of the envelope of one of partition ``part``'s own features."""
        box = self.bounds[part]
        if np.isnan(box).any() or not len(frame):
            return np.zeros(0, dtype="int64")
        b = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
        others = np.flatnonzero((self.owner[layer] != part) & ~np.isnan(b[:, 0]))
        # cheap first cut: near the partition's envelope at all
        bo = b[others]
        near = ((bo[:, 0] <= box[2] + distance) & (bo[:, 2] >= box[0] - distance)
                & (bo[:, 1] <= box[3] + distance) & (bo[:, 3] >= box[1] - distance))
        others, bo = others[near], bo[near]
        if not len(others) or not self.envelopes:
            return others
        own = self.envelopes[part]
        tree = shapely.STRtree(shapely.box(own[:, 0] - distance, own[:, 1] - distance,
                                           own[:, 2] + distance, own[:, 3] + distance))
        hit = tree.query(shapely.box(bo[:, 0], bo[:, 1], bo[:, 2], bo[:, 3]),
                         predicate="intersects")[0]
        return others[np.unique(hit)]


def partition_plan(plan: Plan, partitions: int, *, by: str = "hilbert",
                   client: Any = None) -> Partitioning:
    """Spatially partition the plan's :data:`PARTITIONED_KINDS` layers with dask-geopandas.

    With a ``client`` the features' envelope centres are scattered to its workers, which
    compute the curve distances; without one, dask's local scheduler does. Features without a
    geometry go to partition 0 (they pair with nothing).
    """
    import dask.dataframe as dd
    import dask_geopandas

    pieces = []
    for layer in plan.layers.values():
        if layer.kind not in PARTITIONED_KINDS or not len(layer.frame):
            continue
        g = np.asarray(layer.frame.geometry.array, dtype=object)
        ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
        if ok.any():
            pieces.append(gpd.GeoDataFrame(
                {"_layer": layer.name, "_row": np.flatnonzero(ok)},
                geometry=gpd.GeoSeries(g[ok], crs=plan.crs), crs=plan.crs))
    owner = {layer.name: np.zeros(len(layer.frame), dtype="int64")
             for layer in plan.layers.values() if layer.kind in PARTITIONED_KINDS}
    if not pieces:
        return Partitioning(owner, np.full((max(1, partitions), 4), np.nan))
    stack = gpd.GeoDataFrame(pd.concat(pieces, ignore_index=True), geometry="geometry",
                             crs=plan.crs)
    n = max(1, min(partitions, len(stack)))
    if n > 1:
        # the position of each feature along the space-filling curve, computed by
        # dask-geopandas on the workers (over the stack's bounds); the partitions are then cut
        # at its quantiles, as spatial_shuffle does, without moving the frames through a shuffle
        # the curve orders envelope centres: send those points, not the whole geometries
        # (scattered chunks: no hashing of the geometries to name the collection)
        b0 = shapely.bounds(np.asarray(stack.geometry.array, dtype=object))
        centres = gpd.GeoDataFrame(geometry=gpd.GeoSeries(shapely.points(
            (b0[:, 0] + b0[:, 2]) / 2, (b0[:, 1] + b0[:, 3]) / 2), crs=plan.crs))
        chunks = [centres.iloc[i::n] for i in range(n)]
        if client is not None:
            ddf = dask_geopandas.from_dask_dataframe(
                dd.from_delayed(client.scatter(chunks), meta=centres.iloc[:0]))
        else:
            ddf = dask_geopandas.from_geopandas(centres, npartitions=n)
        bounds_all = tuple(stack.total_bounds)
        curve = (ddf.hilbert_distance(total_bounds=bounds_all) if by == "hilbert" else
                 ddf.morton_distance(total_bounds=bounds_all) if by == "morton" else
                 ddf.geohash(as_string=False))
        values = curve.compute()
        distance = np.empty(len(stack), dtype=np.asarray(values).dtype)
        if client is not None:  # chunk i holds rows i, i + n, i + 2n ... in that order
            pos = np.concatenate([np.arange(i, len(stack), n) for i in range(n)])
            distance[pos] = np.asarray(values)
        else:
            distance[:] = np.asarray(values)
        order = np.argsort(distance, kind="stable")
        part = np.empty(len(stack), dtype="int64")
        part[order] = np.arange(len(stack)) * n // len(stack)  # equal counts, curve order
    else:
        part = np.zeros(len(stack), dtype="int64")
    b = shapely.bounds(np.asarray(stack.geometry.array, dtype=object))
    bounds = np.full((n, 4), np.nan)
    layers = stack["_layer"].to_numpy(dtype=object)
    rows = stack["_row"].to_numpy(dtype="int64")
    for p in range(n):
        sel = part == p
        if not sel.any():
            continue
        bounds[p] = (b[sel, 0].min(), b[sel, 1].min(), b[sel, 2].max(), b[sel, 3].max())
    for name in owner:
        sel = layers == name
        owner[name][rows[sel]] = part[sel]
    return Partitioning(owner, bounds, tuple(b[part == p] for p in range(n)))
