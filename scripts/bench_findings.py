"""Benchmark the findings stages of ``geoplan check``: assembly and the GeoJSON writer.

Times are the CPU seconds of the process (``time.process_time``), so that other work on
shared cores does not show as ours. The plan is analysed once (``analyse(plan,
coverage=False)``, as ``geoplan check`` does); then, in this process, alternated and repeated
on the same inputs, each stage is timed with today's code and with the code of
:data:`BASELINE` (``geoplan/findings.py`` and ``geoplan/io/geojson.py`` read from git
history and loaded as stand-alone modules):

* **finish**: the plan rules' raw records made into one findings frame (``make_findings``);
* **assembly**: the plan rules' and the grid audit's findings merged (``concat_findings``);
* **analysis.findings**: every finding once (``Analysis.findings``; the baseline merges and
  de-duplicates again at each access, as the log line of ``analyse`` did);
* **write**: the findings as RFC 7946 GeoJSON (``write_geojson``), and
  ``GeoDataFrame.to_file`` (GDAL, RFC7946=YES) for reference;
* **plan rules** (``--rules``): ``geoplan.checks.run_checks`` on the loaded plan, timed in
  child processes alternated between this tree and the whole ``geoplan`` package of
  :data:`BASELINE` (``git archive``), the findings compared as pickles.

The outputs are compared too: the frames must be equal (columns, dtypes, order, geometry)
and the files byte-identical, else the script says so and exits 1.

Usage::

    python scripts/bench_findings.py                                  # national workload
    python scripts/bench_findings.py --plan layers/sample --repeat 5
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The commit whose findings assembly and GeoJSON writer are the baseline.
BASELINE = "2cf7d00"
DEFAULT_PLAN = Path("/work/bench-out/workload-1/plan.toml")
FINDING_ID = ("rule", "layer", "feature_id", "other_id")


def _baseline_module(path: str, name: str) -> types.ModuleType:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE}:{path}"],
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look the module up
    exec(compile(source, f"{BASELINE}:{path}", "exec"), module.__dict__)
    return module


def _median(fn: Callable[[], Any], times: list[float]) -> Any:
    t0 = time.process_time()
    out = fn()
    times.append(time.process_time() - t0)
    return out


def _same_frames(a: Any, b: Any) -> bool:
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError:
        return False
    return (list(a.dtypes) == list(b.dtypes) and a.crs == b.crs
            and a.geometry.to_wkb().tolist() == b.geometry.to_wkb().tolist())


RULES_CHILD = r'''
import pickle, sys, time
from geoplan.checks import run_checks
from geoplan.load import load_plan
plan = load_plan(sys.argv[1])
run_checks(plan)  # warm: rule table, message templates
t0 = time.process_time()
found = run_checks(plan)
seconds = time.process_time() - t0
with open(sys.argv[2], "wb") as fh:
    pickle.dump((seconds, found), fh)
'''


def _rules_stage(plan: Path, repeat: int) -> tuple[float, float, bool]:
    """Median seconds of ``run_checks`` (baseline, now) and whether the findings are equal."""
    import pickle

    work = Path(tempfile.mkdtemp(prefix="bench-findings-rules-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE, "geoplan"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    times: dict[str, list[float]] = {"old": [], "new": []}
    found: dict[str, Any] = {}
    for _ in range(repeat):
        for key, tree in (("old", work), ("new", ROOT)):
            out = work / f"{key}.pkl"
            subprocess.run([sys.executable, "-c", RULES_CHILD, str(plan), str(out)], check=True,
                           env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)})
            seconds, found[key] = pickle.loads(out.read_bytes())
            times[key].append(seconds)
    return (statistics.median(times["old"]), statistics.median(times["new"]),
            _same_frames(found["old"], found["new"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN, help="plan.toml or folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each stage (median)")
    parser.add_argument("--rules", action="store_true",
                        help="also time the plan rules (child processes, baseline tree)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    import geoplan.checks._common as common
    from geoplan import findings as new_findings
    from geoplan.analysis import analyse, dedupe_findings
    from geoplan.io import geojson as new_geojson

    old_findings = _baseline_module("geoplan/findings.py", "_baseline_findings")
    old_geojson = _baseline_module("geoplan/io/geojson.py", "_baseline_geojson")

    raw: list[Any] = []
    finish = common.finish

    def recording(parts: Any, *, crs: Any) -> Any:
        raw.append(list(parts))
        return finish(parts, crs=crs)

    common.finish = recording
    try:
        analysis = analyse(args.plan, coverage=False)
    finally:
        common.finish = finish
    crs = analysis.plan.crs
    records = [p for p in raw[-1] if len(p)] if raw else []
    import pandas as pd

    rule_frame = (pd.concat(records, ignore_index=True) if len(records) > 1
                  else records[0] if records else pd.DataFrame())
    rules = analysis.checks.findings if analysis.checks is not None else None
    assert rules is not None
    grid = analysis.grid.findings if analysis.grid is not None else rules.iloc[:0]
    parts = [new_findings.make_findings(rule_frame, crs=crs), grid]

    stages: dict[str, dict[str, Callable[[], Any]]] = {
        "finish": {"new": lambda: new_findings.make_findings(rule_frame, crs=crs),
                   "old": lambda: old_findings.make_findings(rule_frame, crs=crs)},
        "assembly": {"new": lambda: new_findings.concat_findings(parts, crs=crs),
                     "old": lambda: old_findings.concat_findings(parts, crs=crs)},
        "analysis.findings": {
            "new": lambda: analysis.findings,
            "old": lambda: dedupe_findings(old_findings.concat_findings([rules], crs=crs))},
    }
    out = Path(tempfile.mkdtemp(prefix="bench-findings-"))
    stages["write"] = {
        "new": lambda: new_geojson.write_geojson(rules, out / "new.geojson", overwrite=True,
                                                 id_field=FINDING_ID),
        "old": lambda: old_geojson.write_geojson(rules, out / "old.geojson", overwrite=True,
                                                 id_field=FINDING_ID),
        "to_file": lambda: rules.to_crs(4326).to_file(out / "gdal.geojson", driver="GeoJSON",
                                                      RFC7946="YES")}
    print(f"{args.plan}: {len(rules)} findings; baseline {BASELINE}; {args.repeat} run(s), "
          "median CPU seconds of the process (the cores are shared: CPU time, not wall time)")
    print(f"{'stage':20s} {'baseline':>9s} {'now':>9s} {'ratio':>7s}  notes")
    ok = True
    total_old = total_new = 0.0
    for name, runs in stages.items():
        times: dict[str, list[float]] = {k: [] for k in runs}
        results: dict[str, Any] = {}
        for _ in range(args.repeat):
            for key, fn in runs.items():  # alternated, so noise falls on both
                results[key] = _median(fn, times[key])
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        total_old, total_new = total_old + old, total_new + new
        if name == "write":
            same = (out / "new.geojson").read_bytes() == (out / "old.geojson").read_bytes()
            note = (f"to_file {statistics.median(times['to_file']):.3f} s; "
                    + ("files identical" if same else "FILES DIFFER"))
        else:
            same = _same_frames(results["new"], results["old"])
            note = "frames equal" if same else "FRAMES DIFFER"
        ok &= same
        print(f"{name:20s} {old:9.3f} {new:9.3f} {new / old if old else float('nan'):7.2f}  "
              f"{note}")
    if args.rules:
        old, new, same = _rules_stage(args.plan, args.repeat)
        total_old, total_new = total_old + old, total_new + new
        ok &= same
        print(f"{'plan rules':20s} {old:9.3f} {new:9.3f} {new / old if old else float('nan'):7.2f}"
              f"  {'findings equal' if same else 'FINDINGS DIFFER'} (child processes)")
    print(f"{'total':20s} {total_old:9.3f} {total_new:9.3f} "
          f"{total_new / total_old if total_old else float('nan'):7.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
