"""Benchmark ``geoplan export`` on the national workload, beside in-process baselines.

What is timed, in one run on one machine:

1. ``geoplan export PLAN -o OUT --overwrite`` as a whole process (``python -m geoplan``:
   interpreter start, imports, loading and validating every layer, GeoJSON of every layer,
   the GeoPackage, the manifest) — the issue's target is under 3 s;
2. the notebook-style GeoJSON export the target was set against: the layers already in memory
   as GeoDataFrames, ``gdf.to_crs(4326)`` then ``gdf.to_file(..., driver="GeoJSON")`` per layer
   (about 0.6-0.8 s in a notebook, says the issue);
3. GDAL's own RFC 7946 writer (``pyogrio`` with ``RFC7946=YES``) on the same WGS 84 frames, the
   alternative to geoplan's writer (which assembles the text with shapely and json);
4. geoplan's steps in process: ``load_plan``, GeoJSON only, the full export.

Ratios are printed against the in-process notebook baseline (2). Nothing is asserted: speed
belongs here, not in the tests.

Usage::

    python scripts/bench_export.py                 # full national workload, 3 repeats
    python scripts/bench_export.py --scale 0.1 --repeat 1
    python scripts/bench_export.py --workload out/workload   # reuse a generated workload
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGET_S = 3.0


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="workload scale (1 = national)")
    parser.add_argument("--repeat", type=int, default=3, help="repeats; the best time is kept")
    parser.add_argument("--workload", type=Path, default=None,
                        help="an existing workload folder (plan.toml); generated when absent")
    args = parser.parse_args(argv)

    import pyogrio

    import geoplan
    from geoplan.crs import to_wgs84
    from geoplan.export import export_plan, write_geojson

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(tmp)
        if args.workload is None:
            from workload import make_workload

            plan_file = Path(make_workload(work / "workload", scale=args.scale))
        else:
            plan_file = args.workload / "plan.toml" if args.workload.is_dir() else args.workload
        out = work / "out"

        # 1. the whole process, as a user runs it
        cmd = [sys.executable, "-m", "geoplan", "-q", "export", str(plan_file), "-o", str(out),
               "--overwrite"]
        process = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            process.append(time.perf_counter() - t0)
        whole = min(process)

        # in-process pieces
        t0 = time.perf_counter()
        plan = geoplan.load_plan(plan_file)
        load_s = time.perf_counter() - t0
        frames = {name: layer.frame for name, layer in plan.layers.items()}
        n_features = sum(len(f) for f in frames.values())

        # 2. notebook baseline: to_crs + to_file(GeoJSON), data in memory
        nb = work / "notebook"
        nb.mkdir()

        def notebook() -> None:
            for name, frame in frames.items():
                frame.to_crs(4326).to_file(nb / f"{name}.geojson", driver="GeoJSON")

        notebook_s = _best(notebook, args.repeat)

        # 3. GDAL's RFC 7946 writer on the same WGS 84 frames
        wgs = {name: to_wgs84(frame) for name, frame in frames.items()}
        gd = work / "gdal"
        gd.mkdir()

        def gdal_rfc7946() -> None:
            for name, frame in wgs.items():
                pyogrio.write_dataframe(frame, gd / f"{name}.geojson", driver="GeoJSON",
                                        layer_options={"RFC7946": "YES", "ID_FIELD": "id",
                                                       "COORDINATE_PRECISION": 7})

        gdal_s = _best(gdal_rfc7946, args.repeat)

        # 4. geoplan in process
        gp = work / "geoplan"

        def geojson_only() -> None:
            for name, frame in frames.items():
                write_geojson(frame, gp / f"{name}.geojson", overwrite=True)

        gp.mkdir()
        geojson_s = _best(geojson_only, args.repeat)
        export_s = _best(lambda: export_plan(plan, work / "inproc", overwrite=True), args.repeat)

    print(f"national workload (scale {args.scale:g}): {len(frames)} layers, {n_features:,} "
          f"features; best of {args.repeat}")
    print(f"  geoplan export, whole process       {whole:6.2f} s   (runs: "
          + ", ".join(f"{t:.2f}" for t in process) + f"; median {statistics.median(process):.2f})")
    print(f"  notebook GeoJSON baseline (in mem.) {notebook_s:6.2f} s")
    print(f"  GDAL RFC7946=YES writer (in mem.)   {gdal_s:6.2f} s")
    print(f"  geoplan GeoJSON only (in mem.)      {geojson_s:6.2f} s")
    print(f"  geoplan load_plan (in process)      {load_s:6.2f} s")
    print(f"  geoplan export_plan (in process)    {export_s:6.2f} s  (GeoJSON + GeoPackage + "
          "manifest)")
    print(f"ratio whole process / notebook GeoJSON baseline: {whole / notebook_s:.2f}")
    print(f"ratio geoplan GeoJSON / notebook GeoJSON:        {geojson_s / notebook_s:.2f}")
    print(f"ratio geoplan GeoJSON / GDAL RFC7946 writer:     {geojson_s / gdal_s:.2f}")
    verdict = "meets" if whole < TARGET_S else "misses"
    print(f"target: whole process < {TARGET_S:g} s -> {verdict} it ({whole:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
