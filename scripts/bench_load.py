"""Benchmark the load stage (``geoplan.load_plan``) on the national workload, beside baselines.

What is timed, in one warm process per source tree (imports excluded), alternated run by run:

1. ``load_plan(PLAN)``: every layer read, its legacy-encoded text detected (and converted),
   mapped to canonical fields, validated and reprojected to the analysis CRS -- what every
   ``geoplan`` command does first;
2. the baselines, in the same process: ``pyogrio.read_dataframe`` of the same files with its
   default options (reading only), and the notebook way of loading, ``gpd.read_file(f)
   .to_crs(UTM)`` (reading and reprojecting, no validation);
3. where ``load_plan`` spends its time: reading (``geoplan.io``), validation
   (``validate_layer``; the legacy-encoding detection inside it separately) and reprojection.

Ratios are printed against baseline 2's plain read. With ``--against DIR`` (another checkout,
e.g. the main branch) the same measurement runs for that tree too, children alternating, so
before and after are compared on one machine in one run. Nothing is asserted: speed belongs
here, not in the tests.

Usage::

    python scripts/bench_load.py                                   # pre-made national workload
    python scripts/bench_load.py --against /work/main --repeat 5
    python scripts/bench_load.py --workload out/workload           # any plan folder
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

TARGET_S = 0.6

MEASURE = r'''
import json, sys, time
import geopandas as gpd
import pyogrio
import geoplan
from geoplan.load import loader
from geoplan.io import encodings
from geoplan.plan import read_plan_file

plan_file, repeat = sys.argv[1], int(sys.argv[2])
files = [str(ls.path) for ls in read_plan_file(plan_file).layers if not ls.is_raster]
spent = {"read": 0.0, "validate": 0.0, "encodings": 0.0, "reproject": 0.0}

def timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t
    return wrapper

def run(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t

def read_only():
    for f in files:
        pyogrio.read_dataframe(f)

def notebook():
    for f in files:
        gpd.read_file(f).to_crs("EPSG:32648")

plan = geoplan.load_plan(plan_file)  # warm: caches, lazy imports
features = sum(len(layer.frame) for layer in plan.layers.values())
times = {"load_plan": [], "read_only": [], "notebook": []}
for _ in range(repeat):
    times["read_only"].append(run(read_only))
    times["load_plan"].append(run(lambda: geoplan.load_plan(plan_file)))
    times["notebook"].append(run(notebook))
# one more load, instrumented (wrappers add a little overhead: shares, not totals)
loader._read_raw = timed("read", loader._read_raw)
loader.validate_layer = timed("validate", loader.validate_layer)
layer_module = sys.modules["geoplan.load.layer"]
layer_module.convert_legacy_text = timed("encodings", layer_module.convert_legacy_text)
loader.gcrs.to_crs = timed("reproject", loader.gcrs.to_crs)
spent["total"] = run(lambda: geoplan.load_plan(plan_file))
print(json.dumps({"times": times, "spent": spent, "features": features,
                  "layers": len(plan.layers)}))
'''


def _measure(tree: Path, plan_file: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(plan_file), str(repeat)],
                          capture_output=True, text=True, check=False, cwd=tree, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: the measurement failed\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _merge(runs: list[dict]) -> dict:
    out = {"times": {k: [t for r in runs for t in r["times"][k]] for k in runs[0]["times"]},
           "spent": {k: statistics.median(r["spent"][k] for r in runs)
                     for k in runs[0]["spent"]},
           "features": runs[0]["features"], "layers": runs[0]["layers"]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", type=Path, default=Path("/work/bench-out/workload-1"),
                        help="a plan folder or plan.toml (default: the pre-made national "
                             "workload; generated at --scale when absent)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="workload scale when one has to be generated")
    parser.add_argument("--repeat", type=int, default=5, help="runs per child; medians kept")
    parser.add_argument("--rounds", type=int, default=2,
                        help="children per tree, alternated between trees")
    parser.add_argument("--against", type=Path, default=None,
                        help="another source tree (e.g. the main branch) to measure alike")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        plan_file = args.workload / "plan.toml" if args.workload.is_dir() else args.workload
        if not plan_file.exists():
            from workload import make_workload

            plan_file = Path(make_workload(Path(tmp) / "workload", scale=args.scale))
        trees = {"this tree": ROOT}
        if args.against is not None:
            trees[str(args.against)] = args.against.resolve()
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(_measure(tree, plan_file, args.repeat))

    results = {name: _merge(r) for name, r in runs.items()}
    first = next(iter(results.values()))
    print(f"load_plan on {plan_file} ({first['layers']} layers, {first['features']} features); "
          f"medians of {args.rounds} x {args.repeat} runs")
    print(f"{'tree':<28} {'load_plan':>10} {'read only':>10} {'read+to_crs':>12} "
          f"{'load/read':>10} {'load/notebook':>14}")
    medians = {}
    for name, res in results.items():
        m = {k: statistics.median(v) for k, v in res["times"].items()}
        medians[name] = m
        print(f"{name:<28} {m['load_plan']:>8.3f} s {m['read_only']:>8.3f} s "
              f"{m['notebook']:>10.3f} s {m['load_plan'] / m['read_only']:>9.2f}x "
              f"{m['load_plan'] / m['notebook']:>13.2f}x")
    print()
    print(f"{'where load_plan spends (one instrumented run)':<48} " +
          " ".join(f"{name[:22]:>22}" for name in results))
    for key, label in (("read", "reading (geoplan.io)"),
                       ("validate", "validation (validate_layer)"),
                       ("encodings", "  of which legacy-encoding detection"),
                       ("reproject", "reprojection to the analysis CRS"),
                       ("total", "total")):
        cells = []
        for res in results.values():
            s = res["spent"][key]
            cells.append(f"{s:>8.3f} s ({s / res['spent']['total']:>4.0%})")
        print(f"{label:<48} " + " ".join(f"{c:>22}" for c in cells))
    if args.against is not None:
        names = list(medians)
        a, b = medians[names[0]], medians[names[1]]
        # each tree against its own in-process baseline, then the two ratios compared
        ratio = (a["load_plan"] / a["read_only"]) / (b["load_plan"] / b["read_only"])
        print(f"\nthis tree / {names[1]}: {a['load_plan'] / b['load_plan']:.2f}x wall time, "
              f"{ratio:.2f}x as a ratio to each one's plain read")
    print(f"target: load_plan <= {TARGET_S} s on the national workload")
    return 0


if __name__ == "__main__":
    sys.exit(main())
