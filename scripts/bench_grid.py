"""Benchmark: the grid graph and its audit on the national workload.

Measures, on the national workload of ``scripts/workload.py`` (6,000 line features, 1,200
substations at scale 1):

1. the **whole process** -- a fresh ``python`` that imports geoplan, loads the workload's line
   and substation layers (reading, validation, reprojection), builds the graph and runs the
   audit (``geoplan.pipeline.run_grid``) -- wall-clock, several runs; the target is < 3 s;
2. in one process, the build + audit (:func:`geoplan.grid.build_grid`,
   :func:`geoplan.grid.audit_grid`) beside a **naive baseline** on the same frames: every line
   end scans every substation, ends join through a dict of exact coordinates, networkx finds
   the feeding of each substation with one traversal per substation, and N-1 with
   ``networkx.bridges``; the ratio is printed.

Usage::

    python scripts/bench_grid.py                 # generates the workload in a temp folder
    python scripts/bench_grid.py --workload out/workload --runs 5
    python scripts/bench_grid.py --scale 0.2     # quicker
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

TARGET_S = 3.0
GRID_PLAN = """[plan]
name = "National workload: grid layers only"

[layers.grid]
kind = "grid_line"
path = "grid_lines.gpkg"

[layers.substations]
kind = "substation"
path = "substations.gpkg"
"""


def grid_plan(workload: Path, scale: float) -> Path:
    """The workload (generated when missing) and a plan over its grid layers only."""
    if not (workload / "grid_lines.gpkg").exists():
        from workload import make_workload

        make_workload(workload, scale=scale)
    path = workload / "grid_plan.toml"
    path.write_text(GRID_PLAN, encoding="utf-8")
    return path


def perturbed(lines: gpd.GeoDataFrame, subs: gpd.GeoDataFrame, *, seed: int = 7,
              moved: float = 0.8, unknown: float = 0.3
              ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The workload made OpenStreetMap-like: a share ``moved`` of the line ends pulled 60-400 m
    away from where they connect (dangling ends), a share ``unknown`` of the lines and of the
    substations without a voltage (inferred, or unknown-voltage findings)."""
    import shapely

    rng = np.random.default_rng(seed)
    geoms = np.asarray(lines.geometry.values, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    coords = shapely.get_coordinates(parts)
    counts = shapely.get_num_coordinates(parts)
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    at = np.r_[first, last]
    pick = at[rng.random(len(at)) < moved]
    angle = rng.uniform(0, 2 * np.pi, len(pick))
    dist = rng.uniform(60, 400, len(pick))
    coords[pick] += np.c_[np.cos(angle), np.sin(angle)] * dist[:, None]
    parts = shapely.linestrings(coords, indices=np.repeat(np.arange(len(parts)), counts))
    out = np.array(geoms, dtype=object, copy=True)
    single = shapely.get_type_id(geoms) == 1
    out[owner[single[owner]]] = parts[single[owner]]
    if (~single).any():
        multi = ~single[owner]
        present, compact = np.unique(owner[multi], return_inverse=True)
        out[present] = shapely.multilinestrings(parts[multi], indices=compact)
    lines = lines.set_geometry(gpd.GeoSeries(out, index=lines.index, crs=lines.crs))
    lines = lines.assign(voltage_kv=lines["voltage_kv"].astype("Float64").mask(
        rng.random(len(lines)) < unknown))
    subs = subs.assign(voltage_kv=subs["voltage_kv"].astype("Float64").mask(
        rng.random(len(subs)) < unknown))
    return lines, subs


def whole_process(plan: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of fresh processes running the grid job."""
    import resource

    code = ("from geoplan.pipeline import run_grid\n"
            f"r = run_grid({str(plan)!r})\n"
            "assert len(r.grid.edges) > 0\n")
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        wall.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def naive(lines: object, subs: object, tolerance: float, source_kv: int = 220) -> dict:
    """The straightforward way: loops over features and per-substation graph traversals."""
    import networkx as nx
    import shapely

    sub_geoms = list(subs.geometry)  # type: ignore[attr-defined]
    sub_xy = [(g.x, g.y) if g.geom_type == "Point" else (g.centroid.x, g.centroid.y)
              for g in sub_geoms]
    sub_kv = [0 if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)
              for v in subs["voltage_kv"].astype("Float64").fillna(0)]  # type: ignore[index]
    g = nx.MultiGraph()
    g.add_nodes_from(("S", j) for j in range(len(sub_xy)))
    corners: dict[tuple[float, float], tuple] = {}
    dangling = 0
    for i, line in enumerate(lines.geometry):  # type: ignore[attr-defined]
        for part in getattr(line, "geoms", [line]):
            coords = shapely.get_coordinates(part)
            ends = []
            for x, y in (coords[0], coords[-1]):
                best, best_d = -1, tolerance
                for j, (sx, sy) in enumerate(sub_xy):  # every substation, every end
                    d = math.hypot(sx - x, sy - y)
                    if d <= best_d:
                        best, best_d = j, d
                if best >= 0:
                    ends.append(("S", best))
                else:
                    ends.append(corners.setdefault((x, y), ("J", x, y)))
            g.add_edge(ends[0], ends[1], key=i)
    for node in g.nodes:
        if node[0] == "J" and g.degree(node) == 1:
            dangling += 1
    sources = [("S", j) for j, kv in enumerate(sub_kv) if kv >= source_kv]
    unfed = 0
    for j, kv in enumerate(sub_kv):  # one traversal per substation
        if 0 < kv < source_kv:
            reach = nx.node_connected_component(g, ("S", j))
            if not any(s in reach for s in sources):
                unfed += 1
    simple = nx.Graph()
    for a, b, key in g.edges(keys=True):
        mid = ("m", key)
        simple.add_edge(a, mid)
        simple.add_edge(mid, b)
    for s in sources:
        simple.add_edge(("*",), s)
    bridges = sum(1 for _ in nx.bridges(simple))
    return {"dangling": dangling, "unfed": unfed, "bridges": bridges}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", type=Path, default=None,
                    help="workload folder (generated there when missing; default: a temp dir)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="geoplan-bench-grid-") as tmp:
        workload = args.workload or Path(tmp) / "workload"
        plan_path = grid_plan(workload, args.scale)

        load = os.getloadavg()[0]
        times, cpu = whole_process(plan_path, args.runs)
        best, median = min(times), statistics.median(times)

        from geoplan.grid import GridSettings, audit_grid, build_grid
        from geoplan.pipeline import load_plan

        plan = load_plan(plan_path)
        lines, subs = plan.frame("grid_line"), plan.frame("substation")
        settings = GridSettings()
        build_grid(lines.iloc[:10], subs.iloc[:10], settings=settings)  # warm the imports
        ours = []
        for _ in range(args.runs):
            t = time.perf_counter()
            grid = build_grid(lines, subs, settings=settings)
            findings = audit_grid(grid)
            ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        base = naive(lines, subs, settings.tolerance_m)
        naive_s = time.perf_counter() - t

    ours_s = float(np.median(ours))
    counts = findings["rule"].value_counts().to_dict()
    print(f"workload: {len(lines):,} line features, {len(subs):,} substations "
          f"(scale {args.scale:g}); graph {len(grid.nodes):,} nodes, "
          f"{int((grid.edges['kind'] == 'line').sum()):,} line edges")
    print(f"findings: {counts}")
    print(f"whole process (python, imports, load, build, audit): best {best:.2f} s, "
          f"median {median:.2f} s wall over {args.runs} runs (CPU {min(cpu):.2f} s; load "
          f"average {load:.1f} on {os.cpu_count()} cores when it started); target < "
          f"{TARGET_S:.0f} s: {'met' if median < TARGET_S else 'NOT met'}")
    print(f"in-process build + audit: {ours_s:.3f} s (median of {args.runs})")
    print(f"naive baseline (end-by-substation scan, per-substation traversal, nx.bridges): "
          f"{naive_s:.3f} s ({base})")
    print(f"ratio naive / geoplan: {naive_s / ours_s:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
