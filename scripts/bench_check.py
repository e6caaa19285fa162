"""Benchmark ``geoplan check PLAN -o findings.geojson`` (default options) on the national workload.

Three kinds of child process run on the same workload (``scripts/workload.py``), alternated and
timed with the same clock, the medians of ``--repeat`` runs reported:

* **geoplan**: the command a user types, ``python -m geoplan check PLAN -o findings.geojson``
  with its default options (whole process: imports, reading, grid audit, plan rules, writing);
* **baseline**: the same plan rules done the obvious way a notebook would (``gpd.overlay`` for
  overlaps and corridors, ``sjoin`` for points, ``apply`` and row-wise loops for the legal rules,
  ``to_file`` for the output) -- it does no grid audit;
* **stages**: a child calling the library API stage by stage, as ``geoplan check`` does, with
  ``time.perf_counter`` around each: imports, load, grid (build and audit), plan rules,
  assembly (merging, locating and de-duplicating the findings), GeoJSON write, and the
  printing of every finding the command does on stdout. The coverage is not run by
  ``geoplan check`` (``analyse(coverage=False)``), so it is no stage here.

Peak memory is the child's own ``ru_maxrss`` (``os.wait4``). With ``--scales`` the table holds
one row per scale, and the last lines say which stage grows fastest between the first scale at
or above 1 and the largest, against the growth of (findings reported + features read).

Usage::

    python scripts/bench_check.py                        # national workload (scale 1)
    python scripts/bench_check.py --repeat 3
    python scripts/bench_check.py --scales 0.25,1,2,4 --repeat 1

Targets: at scale 1 geoplan's wall time at most 0.2 x the baseline's, peak memory at most
1.5 GB; from scale 1 to 4 the time grows no faster than findings + features.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_RATIO = 0.2
TARGET_MB = 1536.0

BASELINE = r'''
import sys, time
t0 = time.perf_counter()
import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

folder, out = sys.argv[1], sys.argv[2]
UTM = "EPSG:32648"
read = lambda name: gpd.read_file(f"{folder}/{name}.gpkg").to_crs(UTM)
clusters, parks, trade = read("clusters"), read("parks"), read("trade")
lines, restricted, subs = read("grid_lines"), read("restricted"), read("substations")
findings = []

def add(rule, severity, layer, fid, geom, value=None, other=None, message=""):
    findings.append({"rule": rule, "severity": severity, "layer": layer, "feature_id": fid,
                     "other_id": other, "value": value, "message": message, "geometry": geom})

# overlap: clusters and parks against each other, and against restricted zones
land = pd.concat([clusters.assign(layer="clusters")[["layer", "id", "status", "geometry"]],
                  parks.assign(layer="parks")[["layer", "id", "status", "geometry"]]],
                 ignore_index=True)
land["key"] = land["layer"] + "/" + land["id"]
ov = gpd.overlay(land, land, how="intersection", keep_geom_type=True)
ov = ov[ov["key_1"] < ov["key_2"]]
ov["ha"] = ov.area / 1e4
for _, r in ov[ov["ha"] > 0.01].iterrows():
    add("overlap", "error", r["layer_1"], r["id_1"], r.geometry, r["ha"], r["id_2"],
        f"{r['key_1']} overlaps {r['key_2']} by {r['ha']:.2f} ha")
zones = gpd.overlay(land, restricted.rename(columns={"id": "zone"}), how="intersection")
zones["ha"] = zones.area / 1e4
for _, r in zones[zones["ha"] > 0.01].iterrows():
    add("overlap", "error", r["layer"], r["id"], r.geometry, r["ha"], r["zone"], "in zone")

# corridor: buffer every line by its half-width, overlay polygons, sjoin points
OFFSET = {22: 1.0, 35: 1.5, 110: 3.0, 220: 5.0, 500: 12.0}
DIST = {22: 2.0, 35: 3.0, 110: 4.0, 220: 6.0, 500: 7.0}
def half_width(row):
    v = row["voltage_kv"]
    if pd.isna(v):
        return np.nan
    if row["location"] == "underground":
        return 1.0
    return OFFSET[int(v)] + DIST[int(v)]
lines["hw"] = lines.apply(half_width, axis=1)
for _, r in lines[lines["hw"].isna()].iterrows():
    add("corridor", "info", "grid", r["id"], r.geometry, message="voltage unknown")
known = lines[lines["hw"].notna()].copy()
known["geometry"] = known.apply(lambda r: r.geometry.buffer(r["hw"], cap_style="flat"), axis=1)
corr = known[["id", "voltage_kv", "hw", "geometry"]].rename(columns={"id": "line"})
polys = land[["layer", "id", "geometry"]]
inside = gpd.overlay(polys, corr, how="intersection")
inside["ha"] = inside.area / 1e4
for _, r in inside[inside["ha"] > 0.001].iterrows():
    add("corridor", "error" if r["voltage_kv"] >= 500 else "warning", r["layer"], r["id"],
        r.geometry, r["ha"], r["line"])
pts = gpd.sjoin(trade, corr, predicate="intersects")
axes = lines.set_index("id").geometry
for _, r in pts.iterrows():
    d = r.geometry.distance(axes[r["line"]])
    add("corridor", "error" if r["voltage_kv"] >= 500 else "warning", "trade", r["id"],
        r.geometry, d, r["line"])

# cluster-size, cluster-expansion, cluster-new, park-phasing: row by row
clusters["measured"] = clusters.geometry.apply(lambda g: g.area / 1e4)
for _, r in clusters.iterrows():
    low = 5 if (r["mountainous"] or r["craft_village"]) else 10
    if r["measured"] < low or r["measured"] > 75:
        add("cluster-size", "error", "clusters", r["id"], r.geometry, r["measured"])
    if r["area_ha"] and abs(r["area_ha"] - r["measured"]) / r["measured"] > 0.05:
        add("cluster-size", "warning", "clusters", r["id"], r.geometry, r["area_ha"])
    if r["status"] == "expansion":
        if pd.isna(r["occupancy_pct"]) or r["occupancy_pct"] < 60:
            add("cluster-expansion", "warning", "clusters", r["id"], r.geometry)
        if not r["wastewater_ready"]:
            add("cluster-expansion", "error", "clusters", r["id"], r.geometry)
        if r["measured"] > 75:
            add("cluster-expansion", "error", "clusters", r["id"], r.geometry)
est = clusters[clusters["status"].isin(["existing", "expansion", "under_construction"])]
est = est[est["occupancy_pct"].notna()]
def unit_stats(g):
    w = g["measured"]
    return pd.Series({"avg": (w * g["occupancy_pct"]).sum() / w.sum(),
                      "free": (w * (1 - g["occupancy_pct"] / 100)).sum()})
stats = est.groupby("commune").apply(unit_stats)
for _, r in clusters[clusters["status"] == "planned"].iterrows():
    if r["commune"] in stats.index:
        s = stats.loc[r["commune"]]
        if not (s["avg"] > 50 or s["free"] <= 100):
            add("cluster-new", "error", "clusters", r["id"], r.geometry, s["avg"])
for _, r in parks.iterrows():
    if r["status"] == "planned" and r.geometry.area / 1e4 > 500 and not r["phased"]:
        add("park-phasing", "error", "parks", r["id"], r.geometry, r.geometry.area / 1e4)

# trade-class: row by row
def market_class(p):
    return 1 if p > 400 else (2 if p >= 200 else 3)
for _, r in trade.iterrows():
    if r["type"] == "market" and pd.notna(r["class"]) and pd.notna(r["business_points"]):
        if market_class(r["business_points"]) != r["class"]:
            add("trade-class", "error", "trade", r["id"], r.geometry, r["business_points"])
    if r["type"] == "supermarket" and pd.notna(r["class"]) and pd.notna(r["floor_area_m2"]):
        need = {1: 5000, 2: 2000, 3: 500}[int(r["class"])]
        if r["floor_area_m2"] < need:
            add("trade-class", "warning", "trade", r["id"], r.geometry, r["floor_area_m2"])

# duplicate: self-join each layer, then compare pairs row by row
for name, frame in (("clusters", clusters), ("parks", parks), ("trade", trade),
                    ("grid", lines), ("substations", subs), ("restricted", restricted)):
    f = frame[["id", "name", "geometry"]].copy()
    f["geometry"] = f.geometry if name != "trade" else f.geometry.buffer(200)
    pairs = gpd.sjoin(f, f, predicate="intersects")
    pairs = pairs[pairs["id_left"] < pairs["id_right"]]
    geoms = frame.set_index("id").geometry
    for _, r in pairs.iterrows():
        a, b = geoms[r["id_left"]], geoms[r["id_right"]]
        same_name = name != "grid" and r["name_left"] == r["name_right"]
        if a.hausdorff_distance(b) <= 5 or (same_name and a.distance(b) <= 200):
            add("duplicate", "warning", name, r["id_left"], a, other=r["id_right"])

out_frame = gpd.GeoDataFrame(findings, geometry="geometry", crs=UTM).to_crs("EPSG:4326")
out_frame.to_file(out, driver="GeoJSON")
print(json.dumps({"findings": len(out_frame),
                  "by_rule": out_frame["rule"].value_counts().to_dict()}))
'''

STAGES = r'''
import json, os, sys, time
t0 = time.perf_counter()
import geoplan
from geoplan import io
from geoplan.analysis import dedupe_findings
from geoplan.checks import run_checks
from geoplan.cli.output import echo_findings
from geoplan.findings import FINDING_ID, concat_findings, localise, locate_findings
from geoplan.grid import analyse_plan
from geoplan.rules import GRID_RULE_IDS

folder, out = sys.argv[1], sys.argv[2]
seconds = {"imports": time.perf_counter() - t0}

def stage(name, job):
    t = time.perf_counter()
    result = job()
    seconds[name] = time.perf_counter() - t
    return result

plan = stage("load", lambda: geoplan.load_plan(folder))
grid = stage("grid", lambda: analyse_plan(plan))
rules = stage("plan rules", lambda: run_checks(plan))

def assemble():
    gf = grid.findings
    found = concat_findings([rules, gf[gf["rule"].isin(GRID_RULE_IDS)]], crs=plan.crs)
    found = locate_findings(found, {n: layer.frame for n, layer in plan.layers.items()})
    return dedupe_findings(found)

findings = stage("assembly", assemble)
stage("geojson write", lambda: io.write_geojson(findings, out, id_field=FINDING_ID))

def printed():
    with open(os.devnull, "w", encoding="utf-8") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            echo_findings(localise(findings, "vi"))
        finally:
            sys.stdout = saved

stage("print", printed)
features = sum(len(layer.frame) for layer in plan.layers.values())
print(json.dumps({"seconds": seconds, "features": features, "findings": len(findings),
                  "grid_findings": int(findings["rule"].isin(GRID_RULE_IDS).sum())}))
'''

STAGE_NAMES = ("imports", "load", "grid", "plan rules", "assembly", "geojson write", "print")


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process, and its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if proc.returncode not in (0, 3):  # 3: findings of severity error
            sys.stderr.write(err.read().decode("utf-8", "replace")[-4000:])
            raise SystemExit(f"{' '.join(cmd[:4])} ... failed with exit code {proc.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def _workload(workdir: Path, scale: float) -> Path:
    """The workload folder of ``scale`` (made, or remade when workload.py has changed).

    The folder keeps the SHA-256 of the workload.py that made it (``.made-by``), so a fresh
    checkout of the same generator (a new timestamp, the same text) reuses it.
    """
    folder = workdir / f"workload-{scale:g}"
    plan = folder / "plan.toml"
    stamp = folder / ".made-by"
    made_by = hashlib.sha256((HERE / "workload.py").read_bytes()).hexdigest()
    if not plan.exists() or not stamp.exists() or stamp.read_text().strip() != made_by:
        sys.path.insert(0, str(HERE))
        try:
            from workload import make_workload
        finally:
            sys.path.remove(str(HERE))
        print(f"making the workload of scale {scale:g} in {folder} ...", file=sys.stderr)
        make_workload(folder, scale=scale)
        stamp.write_text(made_by + "\n")
    return folder


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _measure(folder: Path, repeat: int, baseline: bool, env: dict[str, str],
             tmp: Path) -> dict[str, Any]:
    """Median figures of one workload: geoplan, its stages and the baseline, alternated."""
    out = tmp / "findings.geojson"
    base_out = tmp / "baseline.geojson"
    script, stages = tmp / "baseline.py", tmp / "stages.py"
    script.write_text("import json\n" + BASELINE, encoding="utf-8")
    stages.write_text(STAGES, encoding="utf-8")
    runs: dict[str, list[Any]] = {"wall": [], "cpu": [], "rss": [], "stage": [], "bwall": [],
                                  "bcpu": [], "brss": []}
    info: dict[str, Any] = {}
    for _ in range(repeat):
        out.unlink(missing_ok=True)
        wall, cpu, rss, _ = _run([sys.executable, "-m", "geoplan", "check", str(folder), "-o",
                                  str(out)], env)
        runs["wall"].append(wall)
        runs["cpu"].append(cpu)
        runs["rss"].append(rss)
        info["findings"] = len(json.loads(out.read_text(encoding="utf-8"))["features"])
        if baseline:
            base_out.unlink(missing_ok=True)
            wall, cpu, rss, text = _run([sys.executable, str(script), str(folder),
                                         str(base_out)], env)
            runs["bwall"].append(wall)
            runs["bcpu"].append(cpu)
            runs["brss"].append(rss)
            info["baseline_findings"] = json.loads(text.strip().splitlines()[-1])["findings"]
        out.unlink(missing_ok=True)
        _, _, _, text = _run([sys.executable, str(stages), str(folder), str(out)], env)
        result = json.loads(text.strip().splitlines()[-1])
        runs["stage"].append(result["seconds"])
        info["features"] = result["features"]
        info["grid_findings"] = result["grid_findings"]
        if result["findings"] != info["findings"]:
            raise SystemExit(f"the stages found {result['findings']} findings, the command "
                             f"{info['findings']}: the stage child no longer does what "
                             "`geoplan check` does")
    info.update({k: _median(runs[k]) for k in ("wall", "cpu", "rss", "bwall", "bcpu", "brss")})
    info["stages"] = {s: _median([r[s] for r in runs["stage"]]) for s in STAGE_NAMES}
    return info


def _table(rows: dict[float, dict[str, Any]], baseline: bool) -> None:
    head = (f"{'scale':>6} {'features':>9} {'findings':>9} {'(grid)':>7} {'wall s':>7} "
            f"{'CPU s':>6} {'peak MB':>8}")
    if baseline:
        head += f" {'base s':>7} {'ratio':>6}"
    head += "".join(f" {s[:9]:>9}" for s in STAGE_NAMES)
    print(head)
    for scale, r in rows.items():
        line = (f"{scale:>6g} {r['features']:>9,} {r['findings']:>9,} {r['grid_findings']:>7,} "
                f"{r['wall']:>7.2f} {r['cpu']:>6.2f} {r['rss']:>8.0f}")
        if baseline:
            line += f" {r['bwall']:>7.2f} {r['wall'] / r['bwall']:>6.2f}"
        line += "".join(f" {r['stages'][s]:>9.2f}" for s in STAGE_NAMES)
        print(line)


def _growth(rows: dict[float, dict[str, Any]]) -> None:
    scales = sorted(rows)
    low = next((s for s in scales if s >= 1), scales[0])
    high = scales[-1]
    if high <= low:
        return
    a, b = rows[low], rows[high]
    size = (b["findings"] + b["features"]) / (a["findings"] + a["features"])
    growth = {s: b["stages"][s] / a["stages"][s] for s in STAGE_NAMES if a["stages"][s] > 0}
    fastest = max(growth, key=lambda s: growth[s])
    whole = b["wall"] / a["wall"]
    print(f"scale {low:g} -> {high:g}: findings + features x{size:.2f}; whole process "
          f"x{whole:.2f} ({'within' if whole <= size else 'FASTER than'} proportion)")
    print("  stage growth: " + ", ".join(f"{s} x{g:.2f}" for s, g in growth.items()))
    print(f"  fastest-growing stage: {fastest} (x{growth[fastest]:.2f} vs x{size:.2f}: "
          f"{'within' if growth[fastest] <= size else 'FASTER than'} proportion; "
          f"{b['stages'][fastest]:.2f} s of {sum(b['stages'].values()):.2f} s at scale "
          f"{high:g})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "out",
                        help="where the workloads live (workload-<scale>, made if missing)")
    parser.add_argument("--scales", default="1", help="comma-separated workload scales")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (medians shown)")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    baseline = not args.skip_baseline
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rows: dict[float, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            folder = _workload(args.workdir, scale)
            rows[scale] = _measure(folder, max(1, args.repeat), baseline, env, Path(tmp))
            print(f"scale {scale:g} done: geoplan {rows[scale]['wall']:.2f} s", file=sys.stderr)
    print(f"geoplan check PLAN -o findings.geojson (default options), medians of "
          f"{max(1, args.repeat)} run(s); stages in s from a child calling the library API")
    _table(rows, baseline)
    national = rows.get(1.0)
    if national is not None:
        verdict = []
        if baseline:
            ratio = national["wall"] / national["bwall"]
            verdict.append(f"time {ratio:.2f} x baseline (target <= {TARGET_RATIO}: "
                           f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
        verdict.append(f"peak {national['rss']:.0f} MB (target <= {TARGET_MB:.0f}: "
                       f"{'met' if national['rss'] <= TARGET_MB else 'NOT met'})")
        print("national: " + "; ".join(verdict))
        grid_share = national["stages"]["grid"] / sum(national["stages"].values())
        print(f"  grid stage: {national['stages']['grid']:.2f} s, {grid_share:.0%} of the "
              "stage total")
    _growth(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
