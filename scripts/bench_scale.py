"""Scale benchmark: the national workload at several scales, in memory and on dask.

For each scale (``scripts/workload.py``: scale 1 is 2,000 clusters, 400 parks, 20,000 trade
points, 6,000 lines with 340,000 vertices, 1,200 substations, 150 restricted zones; scale 10
ten times that), one whole process per engine runs ``geoplan.analyse(plan, grid=False)`` (the
plan rules and the coverage; the grid network stays in the calling process with either engine)
from a cold start: imports, reading and validating the layers, the analysis. The dask run
starts its own ``LocalCluster`` of 2 worker processes (one thread each) on 127.0.0.1, as
``--engine dask`` does, and that start is part of its time.

Printed per scale and engine: the whole process's wall time, the analysis alone, the peak
resident memory of the calling process and of each dask worker (``ru_maxrss``), the number of
findings, and whether the findings equal the in-memory ones (same set).

Usage::

    python scripts/bench_scale.py                      # scales 1, 4, 10 (workloads in out/)
    python scripts/bench_scale.py --scales 0.25 1 --partitions 8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

DRIVER = r'''
import hashlib, json, resource, sys, time
t0 = time.perf_counter()
import geoplan
from geoplan.analysis import analyse

def main():
    plan_file, engine_name, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    plan = geoplan.load_plan(plan_file)
    t_load = time.perf_counter()
    workers = []
    if engine_name == "dask":
        from geoplan.engine import DaskEngine
        with DaskEngine.connect(workers=2, partitions=partitions or None) as engine:
            t_start = time.perf_counter()
            result = analyse(plan, grid=False, engine=engine)
            t_done = time.perf_counter()
            rss = engine.client.run(lambda: __import__("resource").getrusage(
                __import__("resource").RUSAGE_SELF).ru_maxrss)
            workers = sorted(int(v) for v in rss.values())
    else:
        t_start = time.perf_counter()
        result = analyse(plan, grid=False)
        t_done = time.perf_counter()
    f = result.findings
    keys = sorted("|".join(str(v) for v in row) for row in f[["rule", "severity", "layer",
        "feature_id", "other_layer", "other_id", "message"]].itertuples(index=False))
    print(json.dumps({
        "load_s": t_load - t0, "analysis_s": t_done - t_start, "findings": len(f),
        "digest": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
        "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "workers_kb": workers,
    }))

if __name__ == "__main__":
    main()
'''


def _run(plan: Path, engine: str, partitions: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(plan), engine, str(partitions)],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} run failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def main(argv: list[str] | None = None) -> int:
    from workload import make_workload

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0, 10.0])
    parser.add_argument("--partitions", type=int, default=0,
                        help="spatial partitions for dask (default: twice the workers' threads)")
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    args = parser.parse_args(argv)
    rows = []
    for scale in args.scales:
        folder = args.out / f"workload-{scale:g}"
        plan = folder / "plan.toml"
        if not plan.exists():
            t0 = time.perf_counter()
            make_workload(folder, scale=scale)
            print(f"scale {scale:g}: workload written in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
        memory = _run(plan, "memory", args.partitions)
        dask = _run(plan, "dask", args.partitions)
        same = memory["digest"] == dask["digest"]
        for name, r in (("memory", memory), ("dask", dask)):
            workers = ", ".join(f"{kb / 1024:.0f}" for kb in r["workers_kb"]) or "-"
            rows.append(f"| {scale:g} | {name} | {r['wall_s']:.1f} | {r['analysis_s']:.1f} | "
                        f"{r['rss_kb'] / 1024:.0f} | {workers} | {r['findings']:,} | "
                        f"{'yes' if same else 'NO'} |")
        print(rows[-2], rows[-1], sep="\n", file=sys.stderr, flush=True)
    print("| scale | engine | whole process (s) | analysis (s) | peak RSS caller (MB) | "
          "peak RSS per worker (MB) | findings | same findings |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
