"""The distributed engine: the plan rules and the coverage on dask-geopandas and dask.distributed.

:class:`DaskEngine` runs the same functions as the in-memory engine, on partitions:

* the large layers are split into spatial partitions along the Hilbert curve
  (:func:`geoplan.engine.partition.partition_plan`, dask-geopandas ``spatial_shuffle``); the
  small layers (grid lines, substations, plants, restricted zones, boundaries) are scattered
  once to every worker (**broadcast**);
* each partition's task builds a plan of its own features, its halo (the features of other
  partitions that can pair with them) and the broadcast layers, and runs
  :func:`geoplan.checks.run_checks` on it; it keeps the findings whose feature it owns, so a
  pair across a partition boundary is reported once;
* findings about broadcast layers only (a line of unknown voltage, two identical substations,
  a planned line outside the province) come from one task over the broadcast layers;
* ``cluster-new`` compares a planned cluster with *every* established cluster of its commune
  (an aggregate per administrative unit), so it runs as one task over the cluster layers;
* the coverage's per-feature stage (demand, nearest substation of each level, candidates
  within reach: :func:`geoplan.coverage.feature_supply`) runs per partition against the
  broadcast substations, and the rest (assignment, capacity, service areas, population,
  siting) on the merged result, as in memory (:func:`geoplan.coverage.compute_coverage` with
  ``supply_stage``).

dask-geopandas has no overlay, no nearest join and no distance join (``sjoin`` takes
``intersects``-like predicates only), which the overlap areas, the corridors (a buffer per
line, then intersections), the duplicates (Hausdorff distance) and the nearest substations
need: those run as the broadcast pattern above, with shapely's STRtree inside each task. The
workers run the same shapely/GEOS, so every area and distance equals the in-memory figure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.engine.partition import PARTITIONED_KINDS, Partitioning, partition_plan
from geoplan.errors import MissingDependencyError, PlanError
from geoplan.plan import Layer, Plan

log = logging.getLogger(__name__)

__all__ = ["AGGREGATE_RULES", "DaskEngine", "plan_shell"]

#: Rules that aggregate over every feature of an administrative unit (one task).
AGGREGATE_RULES = ("cluster-new",)


def _require_dask() -> Any:
    try:
        import dask_geopandas  # noqa: F401
        import distributed
    except ImportError as exc:  # pragma: no cover - dependencies
        raise MissingDependencyError("--engine dask needs dask-geopandas and distributed: pip "
                                     "install dask-geopandas distributed") from exc
    return distributed


def _sub_plan(plan: Plan, frames: Mapping[str, gpd.GeoDataFrame]) -> Plan:
    """``plan`` with only the layers of ``frames``, each with that frame (no rasters)."""
    layers: dict[str, Layer] = {}
    for name, frame in frames.items():
        layers[name] = dataclasses.replace(plan.layers[name], frame=frame)
    return dataclasses.replace(plan, layers=layers, rasters={})


def _owned(findings: gpd.GeoDataFrame, owned: Mapping[str, set[str]]) -> np.ndarray:
    layer = findings["layer"].to_numpy(dtype=object)
    fid = findings["feature_id"].to_numpy(dtype=object)
    return np.array([lay in owned and f in owned[lay] for lay, f in zip(layer, fid, strict=True)],
                    dtype=bool)


# ----------------------------------------------------------------- the tasks (on workers)


#: The broadcast kinds each rule needs beside the partitioned layers (none for the others):
#: a partition runs these rules on its own features, its halo and these kinds, and the rest
#: (duplicates and the single-feature rules) on its own features and halo alone, so that no
#: partition repeats the broadcast layers' own work (their duplicates, for instance).
_WITH_BROADCAST = ("restricted_zone", "grid_line", "boundary")
RULE_NEEDS: Mapping[str, tuple[str, ...]] = {
    "overlap": _WITH_BROADCAST,
    "corridor": _WITH_BROADCAST,
    "outside-boundary": _WITH_BROADCAST,
}


def _partition_checks(plan: Plan, own: Mapping[str, gpd.GeoDataFrame],
                      halo: Mapping[str, gpd.GeoDataFrame],
                      broadcast: Mapping[str, gpd.GeoDataFrame], only: list[str],
                      rules: Any) -> gpd.GeoDataFrame:
    """The findings of one partition's own features (and plan-wide notes)."""
    from geoplan.checks import run_checks
    from geoplan.findings import concat_findings

    frames: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in own.items():
        extra = halo.get(name)
        frames[name] = (frame if extra is None or not len(extra) else
                        gpd.GeoDataFrame(pd.concat([frame, extra], ignore_index=True),
                                         geometry="geometry", crs=frame.crs))
    groups: dict[tuple[str, ...], list[str]] = {}
    for rule in only:
        groups.setdefault(RULE_NEEDS.get(rule, ()), []).append(rule)
    found = []
    for needs, group in groups.items():
        use = dict(frames)
        for n, f in broadcast.items():
            kind = plan.layers[n].kind
            if kind in needs:
                use[n] = _lines_near(f, frames, rules) if kind == "grid_line" else f
        ordered = {n: use[n] for n in plan.layers if n in use}
        found.append(run_checks(_sub_plan(plan, ordered), only=group, rules=rules))
    result = concat_findings(found, crs=plan.crs)
    owned = {name: set(frame["id"].astype(str)) for name, frame in own.items()}
    keep = _owned(result, owned) | result["layer"].isna().to_numpy()
    return result[keep]


def _lines_near(lines: gpd.GeoDataFrame, frames: Mapping[str, gpd.GeoDataFrame], rules: Any
                ) -> gpd.GeoDataFrame:
    """The lines whose corridor can reach a feature of ``frames``: envelope grown by the
    line's corridor half-width meets a feature's envelope (the others can give this
    partition no corridor finding; their own notes come from the broadcast task)."""
    import shapely

    from geoplan.checks import corridor_half_widths

    boxes = [shapely.bounds(np.asarray(f.geometry.array, dtype=object))
             for f in frames.values() if len(f)]
    if not len(lines) or not boxes:
        return lines.iloc[:0]
    fb = np.concatenate(boxes)
    fb = fb[~np.isnan(fb[:, 0])]
    half = corridor_half_widths(lines, settings=rules)["half_width_m"].to_numpy()
    grow = np.where(np.isnan(half), 0.0, half) + 1.0
    lb = shapely.bounds(np.asarray(lines.geometry.array, dtype=object))
    ok = ~np.isnan(lb[:, 0])
    tree = shapely.STRtree(shapely.box(fb[:, 0], fb[:, 1], fb[:, 2], fb[:, 3]))
    rows = np.flatnonzero(ok)
    hit = tree.query(shapely.box(lb[rows, 0] - grow[rows], lb[rows, 1] - grow[rows],
                                 lb[rows, 2] + grow[rows], lb[rows, 3] + grow[rows]),
                     predicate="intersects")[0]
    return lines.iloc[np.sort(rows[np.unique(hit)])].reset_index(drop=True)


def _broadcast_checks(plan: Plan, broadcast: Mapping[str, gpd.GeoDataFrame], only: list[str],
                      rules: Any) -> gpd.GeoDataFrame:
    """The findings about the broadcast layers alone, once."""
    from geoplan.checks import run_checks

    ordered = {n: broadcast[n] for n in plan.layers if n in broadcast}
    found = run_checks(_sub_plan(plan, ordered), only=only, rules=rules)
    return found[found["layer"].isin(list(broadcast)) | found["layer"].isna()]


def _aggregate_checks(plan: Plan, frames: Mapping[str, gpd.GeoDataFrame], only: list[str],
                      rules: Any) -> gpd.GeoDataFrame:
    from geoplan.checks import run_checks

    ordered = {n: frames[n] for n in plan.layers if n in frames}
    return run_checks(_sub_plan(plan, ordered), only=only, rules=rules)


def _partition_supply(plan: Plan, own: Mapping[str, gpd.GeoDataFrame], settings: Any,
                      subs: gpd.GeoDataFrame) -> Any:
    from geoplan.coverage import demand_features, feature_supply

    ordered = {n: own[n] for n in plan.layers if n in own}
    return feature_supply(demand_features(_sub_plan(plan, ordered), settings), subs, settings)


# ------------------------------------------------------------------------------- engine


class DaskEngine:
    """Run the checks and the coverage of a plan on a ``dask.distributed`` cluster.

    Parameters
    ----------
    client
        A connected :class:`distributed.Client`.
    partitions
        Number of spatial partitions of the large layers (default: one per worker thread;
        each partition costs a fixed overhead, so more only pays with more workers).
    by
        The spatial ordering: ``"hilbert"`` (default), ``"morton"`` or ``"geohash"`` (as
        dask-geopandas ``spatial_shuffle`` takes them).

    Use :meth:`connect` for a client on a scheduler address or on a local cluster::

        with DaskEngine.connect() as engine:        # 2 worker processes on 127.0.0.1
            analysis = geoplan.analyse(plan, engine=engine)
    """

    def __init__(self, client: Any, *, partitions: int | None = None, by: str = "hilbert"
                 ) -> None:
        if by not in ("hilbert", "morton", "geohash"):
            raise PlanError(f"spatial ordering {by!r}: use hilbert, morton or geohash")
        if partitions is not None and partitions < 1:
            raise PlanError(f"partitions = {partitions}: need at least 1")
        self.client = client
        self.by = by
        self._partitions = partitions
        self.seconds: dict[str, float] = {}

    @property
    def partitions(self) -> int:
        if self._partitions is not None:
            return self._partitions
        return max(1, sum(self.client.nthreads().values()))

    @classmethod
    @contextlib.contextmanager
    def connect(cls, scheduler: str | None = None, *, workers: int = 2,
                partitions: int | None = None, by: str = "hilbert", timeout: float = 20.0
                ) -> Iterator[DaskEngine]:
        """An engine on ``scheduler`` (``tcp://host:8786``), else on a local cluster of
        ``workers`` processes (one thread each) on 127.0.0.1, closed on exit. ``timeout``:
        seconds to wait for the scheduler."""
        distributed = _require_dask()
        from geoplan.errors import GeoplanError

        cluster = None
        try:
            if scheduler is None:
                import dask

                # distributed's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so glibc
                # hands freed memory back to the system at once; GEOS and pandas allocate and
                # free many small blocks: one partition's checks of the national workload (scale 4)
                # ran about twice as slow on such a worker as in the calling process. Local
                # workers keep freed memory up to 128 MiB.
                with dask.config.set({"distributed.nanny.pre-spawn-environ."
                                      "MALLOC_TRIM_THRESHOLD_": 128 * 1024 * 1024}):
                    cluster = distributed.LocalCluster(
                        n_workers=workers, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address="127.0.0.1:0",
                        silence_logs=logging.WARNING)
                client = distributed.Client(cluster)
            else:
                client = distributed.Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            where = scheduler or "a local cluster on 127.0.0.1"
            raise GeoplanError(f"cannot reach the dask scheduler at {where} ({exc}); is it "
                               "running (dask scheduler) and is the address right?") from None
        try:
            client.run(_warm_up)  # import the rules and the coverage once per worker
            yield cls(client, partitions=partitions, by=by)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    # -------------------------------------------------------------------------- helpers

    def _layout(self, plan: Plan) -> tuple[Partitioning, list[str], list[str]]:
        t0 = time.perf_counter()
        parts = partition_plan(plan, self.partitions, by=self.by, client=self.client)
        self.seconds["partition"] = round(time.perf_counter() - t0, 3)
        big = [n for n, layer in plan.layers.items() if layer.kind in PARTITIONED_KINDS]
        small = [n for n, layer in plan.layers.items() if layer.kind not in PARTITIONED_KINDS]
        return parts, big, small

    def _pieces(self, plan: Plan, parts: Partitioning, big: list[str], distance: float | None
                ) -> list[tuple[dict[str, gpd.GeoDataFrame], dict[str, gpd.GeoDataFrame]]]:
        """(own, halo) frames of each non-empty partition."""
        out = []
        for p in range(parts.count):
            own: dict[str, gpd.GeoDataFrame] = {}
            halo: dict[str, gpd.GeoDataFrame] = {}
            for name in big:
                frame = plan.layers[name].frame
                own[name] = frame.iloc[parts.rows(name, p)].reset_index(drop=True)
                if distance is not None:
                    halo[name] = frame.iloc[parts.halo(name, frame, p, distance)
                                            ].reset_index(drop=True)
            if any(len(f) for f in own.values()):
                out.append((own, halo))
        return out

    # ------------------------------------------------------------------------ the checks

    def run_checks(self, plan: Plan, *, only: str | Iterable[str] | None = None,
                   rules: Any = None) -> gpd.GeoDataFrame:
        """:func:`geoplan.checks.run_checks`, distributed: the same findings."""
        from geoplan.checks import RULE_IDS
        from geoplan.checks import _common as common
        from geoplan.rules import resolve_rules

        wanted = list(RULE_IDS) if only is None else ([only] if isinstance(only, str)
                                                      else list(only))
        bad = [r for r in wanted if r not in RULE_IDS]
        if bad:
            raise PlanError(f"unknown rule {', '.join(map(repr, bad))}; valid rules: "
                            f"{', '.join(RULE_IDS)}")
        selected = [r for r in RULE_IDS if r in wanted]
        rules = rules if rules is not None else resolve_rules(plan.settings.get("rules"))
        t0 = time.perf_counter()
        parts, big, small = self._layout(plan)
        spread = [r for r in selected if r not in AGGREGATE_RULES]
        # the halo: features of other partitions that a rule may pair with an own feature
        distance: float | None = None
        if "overlap" in spread:
            distance = 0.0
        if "duplicate" in spread:
            distance = max(float(rules.value("duplicate_distance_m")),
                           float(rules.value("duplicate_name_distance_m")))
        client = self.client
        t1 = time.perf_counter()
        broadcast = {n: plan.layers[n].frame for n in small}
        shell, shared = client.scatter([plan_shell(plan), broadcast], broadcast=True)
        tasks = []
        # the tasks that need no partition first: the workers start while the halos are cut
        if spread:
            tasks.append(client.submit(_broadcast_checks, shell, shared, spread, rules,
                                       pure=False))
        for rule in AGGREGATE_RULES:
            if rule in selected:
                frames = {n: plan.layers[n].frame for n in plan.layers
                          if plan.layers[n].kind in ("industrial_cluster", "boundary")}
                [frames_f] = client.scatter([frames])
                tasks.append(client.submit(_aggregate_checks, shell, frames_f, [rule], rules,
                                           pure=False))
        if spread:
            pieces = self._pieces(plan, parts, big, distance)
            sent = client.scatter([frames for piece in pieces for frames in piece])
            for own_f, halo_f in zip(sent[0::2], sent[1::2], strict=True):
                tasks.append(client.submit(_partition_checks, shell, own_f, halo_f, shared,
                                           spread, rules, pure=False))
        self.seconds["checks_send"] = round(time.perf_counter() - t1, 3)
        results = client.gather(tasks) if tasks else []
        from geoplan.analysis import dedupe_findings

        t2 = time.perf_counter()
        found = common.finish([pd.DataFrame(r) for r in results], crs=plan.crs)
        self.seconds["checks_merge"] = round(time.perf_counter() - t2, 3)
        self.seconds["checks"] = round(time.perf_counter() - t0, 3)
        log.info("dask checks: %d findings from %d tasks over %d partitions in %.2f s",
                 len(found), len(tasks), parts.count, self.seconds["checks"])
        return dedupe_findings(found)

    # ---------------------------------------------------------------------- the coverage

    def compute_coverage(self, plan: Plan, *, site: int = 0, capacitated: bool = False,
                         settings: Any = None, stations: pd.DataFrame | None = None) -> Any:
        """:func:`geoplan.coverage.compute_coverage`, its per-feature stage distributed."""
        from geoplan.coverage import compute_coverage, merge_supply

        engine = self

        def supply(plan_: Plan, settings_: Any, subs: gpd.GeoDataFrame) -> Any:
            t0 = time.perf_counter()
            client = engine.client
            parts, big, _ = engine._layout(plan_)
            shell, shared = client.scatter([plan_shell(plan_), subs], broadcast=True)
            pieces = engine._pieces(plan_, parts, big, None)
            if not pieces:  # no demand layer has a feature: the in-memory stage is exact
                pieces = [({n: plan_.layers[n].frame for n in big}, {})]
            tasks = [client.submit(_partition_supply, shell, own_f, settings_, shared,
                                   pure=False)
                     for own_f in client.scatter([own for own, _ in pieces])]
            results = client.gather(tasks)
            merged = merge_supply(results, plan_.crs)
            engine.seconds["coverage_features"] = round(time.perf_counter() - t0, 3)
            return merged

        return compute_coverage(plan, site=site, capacitated=capacitated, settings=settings,
                                stations=stations, supply_stage=supply)


def _warm_up() -> None:
    import geoplan.checks
    import geoplan.coverage  # noqa: F401


def plan_shell(plan: Plan) -> Plan:
    """``plan`` without its frames' data (the layers' specs and CRSs only): what a task needs
    besides the frames it is given, small to send."""
    layers = {n: dataclasses.replace(layer, frame=layer.frame.iloc[:0])
              for n, layer in plan.layers.items()}
    return dataclasses.replace(plan, layers=layers, rasters={})
