"""Benchmark: the grid graph and its audit on the national workload, against the previous
implementation in the same process.

Measures, on the national workload of ``scripts/workload.py`` (6,000 line features, 1,200
substations at scale 1) at two scales (default 1 and 4), each also made "OpenStreetMap-like"
(:func:`perturbed`: most line ends pulled off their substations and neighbours, a third of the
voltages unknown -- tens of thousands of dangling-end and unknown-voltage findings):

1. the build (:func:`geoplan.grid.build_grid`) and the audit (:func:`geoplan.grid.audit_grid`)
   of this tree beside the **baseline**: the ``geoplan/grid`` package as it was at
   ``--baseline-rev`` (read with ``git show``, imported under another name, run on the same
   frames with the rest of geoplan shared), median of ``--runs``; the outputs of both are
   compared (nodes, edges, ends, stations, findings) and the ratio printed;
2. the time of each sub-stage (stable order, line parts, stations, snapping ends to stations,
   snapping geometry, cutting pieces, the graph's groups and components, each audit rule, the
   findings frame), both implementations;
3. growth from the first scale to the last: time ratio beside the ratio of features + findings;
4. with ``--process-runs N``, the whole process (fresh ``python``: imports, load, build, audit;
   ``geoplan.pipeline.run_grid``) at the first scale; the target is < 3 s;
5. with ``--plans PLAN ...`` (e.g. the pre-made national workloads
   ``/work/bench-out/workload-1/plan.toml``), the whole grid stage of a loaded plan
   (:func:`geoplan.grid.analyse_plan`: build, interconnections, audit, components table) of
   this tree beside each baseline, its outputs compared (every layer, table and finding) and
   the time of each of its parts.

Baselines (``--baseline-rev``, one or more): by default the grid before it used integer node
ids (:data:`BASELINE_REV`) and the grid as it was on ``main`` before the last speed-up
(:data:`MAIN_REV`); each is read with ``git show`` and imported under its own name.

Usage::

    python scripts/bench_grid.py                       # scales 1 and 4 in a temp folder
    python scripts/bench_grid.py --scales 0.2 0.8      # quicker
    python scripts/bench_grid.py --workload-dir /tmp/gw --runs 5 --process-runs 3
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

TARGET_S = 3.0
#: The last commit before the grid build used integer node ids and column-wise findings.
BASELINE_REV = "e60f3bdda63821e3a84a084f0bbf0caef8db470c"
#: ``main`` before the grid stage read its columns once and built its frames without
#: round trips (the frames, findings and tables are the same).
MAIN_REV = "2cf7d00349b37983645ac90054274cd33ab321ef"
BASELINE_PACKAGE = "_grid_baseline"
GRID_MODULES = ("_common", "settings", "build", "scenario", "audit", "crossings", "output",
                "plan")
GRID_PLAN = """[plan]
name = "National workload: grid layers only"

[layers.grid]
kind = "grid_line"
path = "grid_lines.gpkg"

[layers.substations]
kind = "substation"
path = "substations.gpkg"
"""

#: Sub-stages: (module, function, label). The nearest-pair searches run inside other stages.
STAGES = (
    ("build", "stable_order", "stable order (layer, id, geometry)"),
    ("build", "_explode_lines", "line parts and levels"),
    ("build", "_stations", "stations"),
    ("build", "_attach", "ends to stations (+ voltage inference)"),
    ("build", "_snap_ends", "snap end geometry"),
    ("build", "_cut_pieces", "cut line pieces"),
    ("build", "_merge", "groups of joined ends (components)"),
    ("build", "_component_numbers", "component numbers"),
    ("audit", "_state", "scenarios (feeding, islands, N-1)"),
    ("audit", "_dangling_findings", "findings: dangling"),
    ("audit", "_mismatch_findings", "findings: voltage mismatch"),
    ("audit", "_unfed_findings", "findings: unfed"),
    ("audit", "_island_findings", "findings: islands"),
    ("audit", "_single_supply_findings", "findings: single supply"),
    ("audit", "make_findings", "findings frame (geoplan.findings)"),
)
INNER = (("build", "_nearest_pairs", "  of which nearest-pair searches"),)
#: The parts of :func:`geoplan.grid.analyse_plan` (``--plans``).
PLAN_STAGES = (
    ("plan", "province_and_neighbours", "province and neighbours"),
    ("plan", "build_grid", "build"),
    ("plan", "interconnections", "interconnections"),
    ("plan", "_audit", "audit (scenarios, findings)"),
    ("plan", "components_table", "components table"),
)


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


def baseline_grid(rev: str, folder: Path, name: str = BASELINE_PACKAGE) -> ModuleType:
    """The ``geoplan/grid`` package at git revision ``rev``, importable as ``name`` beside this
    tree's ``geoplan.grid``."""
    pkg = folder / name
    pkg.mkdir(parents=True, exist_ok=True)
    for module in ("__init__", *GRID_MODULES):
        text = subprocess.run(["git", "show", f"{rev}:geoplan/grid/{module}.py"], cwd=ROOT,
                              check=True, capture_output=True, text=True).stdout
        (pkg / f"{module}.py").write_text(text.replace("geoplan.grid", name),
                                          encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module(name)


@contextlib.contextmanager
def stage_timer(package: str, seconds: dict[str, float],
                stages: tuple[tuple[str, str, str], ...] = (*STAGES, *INNER)) -> Iterator[None]:
    """Add the time spent in each sub-stage of ``package`` to ``seconds`` while inside."""
    saved: list[tuple[ModuleType, str, Any]] = []
    for module_name, fn, label in stages:
        module = sys.modules[f"{package}.{module_name}"]
        orig = getattr(module, fn, None)
        if orig is None:  # not a stage of this implementation
            continue

        def timed(*args: Any, _orig: Callable[..., Any] = orig, _label: str = label,
                  **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return _orig(*args, **kwargs)
            finally:
                seconds[_label] += time.perf_counter() - t

        functools.update_wrapper(timed, orig)
        saved.append((module, fn, orig))
        setattr(module, fn, timed)
    try:
        yield
    finally:
        for module, fn, orig in saved:
            setattr(module, fn, orig)


def run(grid_pkg: ModuleType, lines: gpd.GeoDataFrame, subs: gpd.GeoDataFrame, runs: int
        ) -> dict[str, Any]:
    """Median build and audit seconds over ``runs``, the sub-stage seconds of one more run,
    and the outputs."""
    build, audit = [], []
    for _ in range(runs):
        t = time.perf_counter()
        grid = grid_pkg.build_grid(lines, subs)
        t1 = time.perf_counter()
        findings = grid_pkg.audit_grid(grid)
        build.append(t1 - t)
        audit.append(time.perf_counter() - t1)
    stages: dict[str, float] = defaultdict(float)
    with stage_timer(grid_pkg.__name__, stages):
        t = time.perf_counter()
        grid_pkg.audit_grid(grid_pkg.build_grid(lines, subs))
        staged = time.perf_counter() - t
    return {"build": statistics.median(build), "audit": statistics.median(audit),
            "stages": dict(stages), "staged": staged, "grid": grid, "findings": findings}


def same_answers(old: dict[str, Any], new: dict[str, Any]) -> str:
    """``"identical"``, or which output differs."""
    for name in ("nodes", "edges", "ends", "stations", "lines"):
        try:
            pd.testing.assert_frame_equal(getattr(old["grid"], name).to_wkb(),
                                          getattr(new["grid"], name).to_wkb())
        except AssertionError as exc:
            return f"DIFFERENT {name}: {str(exc).splitlines()[0]}"
    try:
        pd.testing.assert_frame_equal(old["findings"].to_wkb(), new["findings"].to_wkb())
    except AssertionError as exc:
        return f"DIFFERENT findings: {str(exc).splitlines()[0]}"
    return "identical"


def print_stages(old: dict[str, Any], new: dict[str, Any]) -> None:
    print(f"    {'sub-stage':44s} {'baseline':>9s} {'now':>9s} {'ratio':>7s}")
    for _m, _f, label in (*STAGES, *INNER):
        a, b = old["stages"].get(label), new["stages"].get(label)
        if a is None and b is None:
            continue
        ratio = f"{a / b:6.1f}x" if a and b else "      -"
        print(f"    {label:44s} {_s(a)} {_s(b)} {ratio}")
    rest = [r["staged"] - sum(v for k, v in r["stages"].items() if not k.startswith("  "))
            for r in (old, new)]
    print(f"    {'rest (joins, taps, nodes, edges, frames)':44s} {_s(rest[0])} {_s(rest[1])} "
          f"{rest[0] / rest[1]:6.1f}x")


def _s(x: float | None) -> str:
    return f"{x:8.3f}s" if x is not None else "        -"


def same_plan_answers(old: Any, new: Any) -> str:
    """``"identical"``, or which output of two :class:`GridResult` differs."""
    pairs = [(f"layer {k}", v, new.layers()[k]) for k, v in old.layers().items()]
    pairs += [(f"table {k}", v, new.tables()[k]) for k, v in old.tables().items()]
    pairs += [("ends", old.grid.ends, new.grid.ends), ("lines", old.grid.lines, new.grid.lines)]
    for name, a, b in pairs:
        try:
            pd.testing.assert_frame_equal(a.to_wkb() if hasattr(a, "to_wkb") else a,
                                          b.to_wkb() if hasattr(b, "to_wkb") else b)
        except AssertionError as exc:
            return f"DIFFERENT {name}: {str(exc).splitlines()[0]}"
    if old.summary() != new.summary():
        return "DIFFERENT summary"
    return "identical"


def bench_plans(paths: list[Path], bases: dict[str, ModuleType], current: ModuleType,
                runs: int) -> None:
    """``--plans``: the grid stage of each plan, this tree against each baseline.

    The implementations take turns within each round (the load of a shared machine drifts
    alike for all), each after a garbage collection and with no result of its own alive: a
    result held from an earlier run would make every later collection slower and charge it to
    whoever runs last. The answers of each are compared with this tree's on the first round.
    """
    import gc

    from geoplan.pipeline import load_plan

    impls = {**bases, "now": current}
    for path in paths:
        plan = load_plan(path)
        reference = current.analyse_plan(plan)  # also warms the lazy imports (scipy)
        edges, found = len(reference.grid.edges), len(reference.findings)
        answers: dict[str, str] = {}
        times: dict[str, list[float]] = {name: [] for name in impls}
        for _ in range(runs):
            for name, pkg in impls.items():
                gc.collect()
                t = time.perf_counter()
                result = pkg.analyse_plan(plan)
                times[name].append(time.perf_counter() - t)
                if name not in answers and name != "now":
                    answers[name] = same_plan_answers(result, reference)
                del result
        del reference
        stages: dict[str, dict[str, float]] = {}
        for name, pkg in impls.items():
            stages[name] = defaultdict(float)
            gc.collect()
            with stage_timer(pkg.__name__, stages[name], PLAN_STAGES):
                pkg.analyse_plan(plan)
        now = statistics.median(times["now"])
        print(f"\ngrid stage of {path} (analyse_plan): {edges:,} edges, {found:,} findings; "
              f"median of {runs}")
        for rev in bases:
            old = statistics.median(times[rev])
            print(f"  vs {rev[:10]}: {old:.3f}s -> {now:.3f}s ({old / now:.1f}x); answers "
                  f"{answers[rev]}")
        revs = list(bases)
        print("    " + f"{'part (one run)':30s}" + "".join(f" {r[:10]:>10s}" for r in revs)
              + f" {'now':>10s}" + "".join(f" {'x' + r[:6]:>8s}" for r in revs))
        for _m, _f, label in PLAN_STAGES:
            b = stages["now"].get(label)
            row = [stages[r].get(label) for r in revs]
            ratios = "".join(f" {a / b:7.1f}x" if a and b else "        -" for a in row)
            print(f"    {label:30s}" + "".join(f" {_s(a):>10s}" for a in row)
                  + f" {_s(b):>10s}" + ratios)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload-dir", type=Path, default=None,
                    help="folder of the workloads, one sub-folder per scale (generated when "
                         "missing; default: a temp dir)")
    ap.add_argument("--scales", type=float, nargs="*", default=[1.0, 4.0],
                    help="workload scales (none: only --plans)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-rev", nargs="+", default=[BASELINE_REV, MAIN_REV],
                    help="git revisions of geoplan/grid to compare with (the first is the "
                         "one of the sub-stage tables)")
    ap.add_argument("--plans", type=Path, nargs="*", default=[],
                    help="also time the whole grid stage (analyse_plan) of these plans")
    ap.add_argument("--process-runs", type=int, default=0,
                    help="also time N fresh processes running the grid job (first scale)")
    args = ap.parse_args(argv)

    import geoplan.grid as current
    from geoplan.pipeline import load_plan

    with tempfile.TemporaryDirectory(prefix="geoplan-bench-grid-") as tmp:
        bases = {rev: baseline_grid(rev, Path(tmp) / f"baseline{k}", f"{BASELINE_PACKAGE}{k}")
                 for k, rev in enumerate(args.baseline_rev)}
        first_rev = args.baseline_rev[0]
        root = args.workload_dir or Path(tmp)
        load = os.getloadavg()[0]
        print(f"baselines: geoplan/grid at {', '.join(r[:10] for r in bases)}; {args.runs} "
              f"runs each; load average {load:.1f} on {os.cpu_count()} cores")
        summary: dict[tuple[float, str], tuple[int, dict[str, Any], dict[str, Any]]] = {}
        for scale in args.scales:
            plan_path = grid_plan(root / f"s{scale:g}", scale)
            plan = load_plan(plan_path)
            lines, subs = plan.frame("grid_line"), plan.frame("substation")
            current.build_grid(lines.iloc[:20], subs.iloc[:20])  # warm the imports
            for variant, (ln, sb) in (("as generated", (lines, subs)),
                                      ("OSM-like", perturbed(lines, subs))):
                olds = {rev: run(pkg, ln, sb, args.runs) for rev, pkg in bases.items()}
                old = olds[first_rev]
                new = run(current, ln, sb, args.runs)
                size = len(ln) + len(sb) + len(new["findings"])
                summary[(scale, variant)] = (size, old, new)
                print(f"\nscale {scale:g}, {variant}: {len(ln):,} lines, {len(sb):,} "
                      f"substations, {len(new['grid'].nodes):,} nodes, "
                      f"{len(new['findings']):,} findings")
                for rev, other in olds.items():
                    old_t = other["build"] + other["audit"]
                    new_t = new["build"] + new["audit"]
                    print(f"  vs {rev[:10]}: build {other['build']:.3f}s -> "
                          f"{new['build']:.3f}s ({other['build'] / new['build']:.1f}x); audit "
                          f"{other['audit']:.3f}s -> {new['audit']:.3f}s "
                          f"({other['audit'] / new['audit']:.1f}x); build + audit "
                          f"{old_t:.3f}s -> {new_t:.3f}s ({old_t / new_t:.1f}x); answers "
                          f"{same_answers(other, new)}")
                print(f"  sub-stages against {first_rev[:10]}:")
                print_stages(old, new)
            if args.process_runs and scale == args.scales[0]:
                times, cpu = whole_process(plan_path, args.process_runs)
                median = statistics.median(times)
                print(f"  whole process (python, imports, load, build, audit): best "
                      f"{min(times):.2f}s, median {median:.2f}s wall (CPU {min(cpu):.2f}s); "
                      f"target < {TARGET_S:.0f}s: {'met' if median < TARGET_S else 'NOT met'}")
        if args.plans:
            bench_plans(args.plans, bases, current, args.runs)

    if len(args.scales) > 1 and min(args.scales) != max(args.scales):
        lo, hi = min(args.scales), max(args.scales)
        print(f"\ngrowth, scale {lo:g} -> {hi:g} (time ratio; features + findings ratio):")
        for variant in ("as generated", "OSM-like"):
            (n0, old0, new0), (n1, old1, new1) = summary[(lo, variant)], summary[(hi, variant)]
            grow_old = (old1["build"] + old1["audit"]) / (old0["build"] + old0["audit"])
            grow_new = (new1["build"] + new1["audit"]) / (new0["build"] + new0["audit"])
            print(f"  {variant:13s}: work x{n1 / n0:.2f}; baseline x{grow_old:.2f}, now "
                  f"x{grow_new:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
