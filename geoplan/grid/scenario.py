"""States of the grid the audit looks at: existing today, the end of each plan period, the
whole plan; in each, which load substations are fed, which form islands, which hang on one line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoplan.grid.build import Grid, _components
from geoplan.kinds import period_end
from geoplan.messages import Text, message

__all__ = ["Scenario", "scenarios"]


@dataclass(frozen=True)
class Scenario:
    """A state of the grid: ``existing`` today, ``by YEAR`` (the end of a plan period), or
    ``plan`` (everything in the plan, periods or not)."""

    key: str
    year: int | None
    label: str

    @property
    def text(self) -> Text:
        """:attr:`label` in both languages, Vietnamese first (for findings' messages)."""
        if self.key == "existing":
            return message("grid.scenario_existing", capital=False)
        if self.key == "plan":
            return message("grid.scenario_plan", capital=False)
        return message("grid.scenario_by", year=str(self.year), capital=False)


def _per_value(values: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` of each value, worked out once per distinct value (a missing value: ``None``)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:] = [*(fn(u) for u in uniques), fn(None)]
    return mapped[codes] if len(codes) else np.array([], dtype=object)


def _period_ends(period: np.ndarray) -> np.ndarray:
    return _per_value(period, lambda p: period_end(p) if isinstance(p, str) else None)


def _present(status: np.ndarray, period: np.ndarray, scenario: Scenario) -> np.ndarray:
    status = _per_value(status, lambda s: s if isinstance(s, str) else "existing")
    existing = status == "existing"
    if scenario.key == "existing":
        return existing
    if scenario.key == "plan":
        return np.ones(len(status), dtype=bool)
    ends = _period_ends(period)
    assert scenario.year is not None
    year = scenario.year
    due = _per_value(ends, lambda e: e is not None and e <= year).astype(bool)
    building = (status == "under_construction") & _per_value(ends, lambda e: e is None).astype(
        bool)
    return existing | due | building


def scenarios(grid: Grid) -> list[Scenario]:
    """The states the audit looks at: existing today, the end of each period of the plan, and
    the full plan when it holds more than the last period."""
    status = np.r_[grid._values("edges", "status"), grid._values("stations", "status")]
    period = np.r_[grid._values("edges", "period"), grid._values("stations", "period")]
    out = [Scenario("existing", None, "as existing today")]
    ends = _period_ends(period)
    later = (status != "existing") & _per_value(ends, lambda e: e is not None).astype(bool)
    years = sorted(set(ends[later].tolist()))
    out += [Scenario(str(y), y, f"as planned by the end of {y}") for y in years]
    if not _present(status, period, out[-1]).all():
        out.append(Scenario("plan", None, "with everything in the plan"))
    return out


def _presence(grid: Grid, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Which stations and which edges are there in the scenario (a transformer is there when
    its station is)."""
    st_present = _present(grid._values("stations", "status"),
                          grid._values("stations", "period"), sc)
    is_line = grid._values("edges", "kind") == "line"
    line_present = _present(grid._values("edges", "status"), grid._values("edges", "period"),
                            sc)
    station = grid.edges["station"].to_numpy()
    tx_present = st_present[np.maximum(station, 0)] if len(st_present) else np.zeros(
        len(grid.edges), dtype=bool)
    return st_present, np.where(is_line, line_present, tx_present)


@dataclass(frozen=True)
class _State:
    scenario: Scenario
    unfed: dict[int, int]                       # load station -> component label
    islands: dict[frozenset[int], np.ndarray]   # load stations -> positions of their edges
    single: dict[int, int]                      # load station -> position of the edge it needs


def _sources_and_loads(grid: Grid, st_present: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Source node positions, and the node position of each present load station (a substation
    below the source voltage)."""
    nodes = grid.nodes
    kind = grid._values("nodes", "kind")
    station = nodes["station"].to_numpy()
    kv = grid._values("nodes", "voltage_kv", np.nan)
    present = np.zeros(len(nodes), dtype=bool)
    at_station = station >= 0
    present[at_station] = st_present[station[at_station]]
    src_kv = grid.settings.source_kv
    source = ((kind == "plant") & present) | ((kind == "substation") & present & (kv >= src_kv))
    if grid.settings.external_supply:
        source |= kind == "external"
    levels = grid._values("stations", "voltage_kv", np.nan)
    skind = grid._values("stations", "kind")
    load = np.flatnonzero(st_present & (skind == "substation") & (levels < src_kv))
    # the node of each load at its level (``S{j}@{kv}``), looked up by station and level
    known = at_station & ~np.isnan(kv)
    width = int(max(np.nanmax(kv, initial=0) if known.any() else 0,
                    levels[load].max(initial=0))) + 1
    key = pd.Index(station[known].astype(np.int64) * width + kv[known].astype(np.int64))
    found = key.get_indexer(load.astype(np.int64) * width + levels[load].astype(np.int64))
    at = np.where(found >= 0, np.flatnonzero(known)[np.maximum(found, 0)], -1)
    loads = dict(zip(load.tolist(), at.tolist(), strict=True))
    return np.flatnonzero(source), loads


def _state(grid: Grid, sc: Scenario) -> _State:
    st_present, present = _presence(grid, sc)
    u, v = grid._uv
    n = len(grid.nodes)
    labels = _components(n, u[present], v[present])
    sources, loads = _sources_and_loads(grid, st_present)
    fed = np.zeros(n, dtype=bool)
    if len(sources):
        fed[np.isin(labels, labels[sources])] = True
    unfed = {j: int(labels[k]) for j, k in loads.items() if not fed[k]}

    is_line = grid._values("edges", "kind") == "line"
    live = np.flatnonzero(present & is_line)
    by_label: dict[int, set[int]] = defaultdict(set)
    for j, lab in unfed.items():
        by_label[lab].add(j)
    islands: dict[frozenset[int], np.ndarray] = {}
    if by_label:
        edge_label = labels[u[live]]
        for lab, js in by_label.items():
            mine = live[edge_label == lab]
            if len(mine):
                islands[frozenset(js)] = mine
    single = _single_supply(grid, present, sources, {j: k for j, k in loads.items() if fed[k]})
    return _State(sc, unfed, islands, single)


def _single_supply(grid: Grid, present: np.ndarray, sources: np.ndarray,
                   fed: dict[int, int]) -> dict[int, int]:
    """The fed loads that one line outage cuts off from every source, with the edge (position)
    they depend on: the first such line on their way to the sources.

    A super-source joins every source. A line of two circuits or more, parallel lines,
    transformers and the super-source links cannot be lost at once; a single-circuit line that
    is a bridge can. Bridges come from one depth-first tree of the super-source's part
    (:func:`scipy.sparse.csgraph.depth_first_order`): every other edge joins a node to one of
    its ancestors, and a tree edge is a bridge when no such edge spans it. (networkx's
    ``bridges`` gives the same set, about 50 times slower on a national grid; a test compares
    them.)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import depth_first_order

    if not fed or not len(sources):
        return {}
    u, v = grid._uv
    n = len(grid.nodes)
    star = n
    size = n + 1
    kind = grid._values("edges", "kind")
    circuits = grid._values("edges", "circuits", 1.0)
    keep = present & (u != v)
    e_idx = np.flatnonzero(keep)
    weight = np.where((kind[keep] == "transformer") | (circuits[keep] >= 2), 2, 1)
    a = np.r_[np.minimum(u[keep], v[keep]), sources]
    b = np.r_[np.maximum(u[keep], v[keep]), np.full(len(sources), star)]
    w = np.r_[weight, np.full(len(sources), 2)]
    code = a.astype(np.int64) * size + b
    pairs, inverse = np.unique(code, return_inverse=True)
    pair_weight = np.bincount(inverse, weights=w)
    pair_edge = np.full(len(pairs), -1, dtype=np.int64)
    pair_edge[inverse[: len(e_idx)]] = e_idx  # some line edge of each pair
    pa, pb = pairs // size, pairs % size
    adj = coo_matrix((np.ones(2 * len(pairs), dtype=np.int8), (np.r_[pa, pb], np.r_[pb, pa])),
                     shape=(size, size)).tocsr()
    order, pred = depth_first_order(adj, star, directed=True, return_predecessors=True)
    pos = np.full(size, -1, dtype=np.int64)
    pos[order] = np.arange(len(order))
    child = order[1:]
    parent = pred[child]
    tree = np.minimum(child, parent).astype(np.int64) * size + np.maximum(child, parent)
    reached = (pos[pa] >= 0) & (pos[pb] >= 0)
    back = reached & ~np.isin(pairs, tree)
    lower = np.where(pos[pa[back]] > pos[pb[back]], pa[back], pb[back])
    upper = np.where(pos[pa[back]] > pos[pb[back]], pb[back], pa[back])
    span = np.zeros(size, dtype=np.int64)
    np.add.at(span, lower, 1)
    np.add.at(span, upper, -1)
    for node in order[:0:-1].tolist():  # children before parents: sum each subtree
        span[pred[node]] += span[node]
    tree_pair = np.searchsorted(pairs, tree)
    breakable = (span[child] == 0) & (pair_weight[tree_pair] == 1)
    needs = np.full(size, -1, dtype=np.int64)
    edge_of_child = np.where(breakable, pair_edge[tree_pair], -1)
    for node, par, edge in zip(child.tolist(), parent.tolist(), edge_of_child.tolist(),
                               strict=True):  # parents before children
        needs[node] = edge if edge >= 0 else needs[par]
    return {j: int(needs[k]) for j, k in fed.items() if needs[k] >= 0}
