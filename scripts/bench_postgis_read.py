"""Which way to read PostGIS layers: GDAL's PostgreSQL driver (pyogrio) or psycopg 3 with WKB.

The national workload's layers (``scripts/workload.py``, scale ``--scale``) go into a throw-away
PostgreSQL + PostGIS (the one the tests start) with ``ogr2ogr``; each table is then read whole,
into a GeoDataFrame, by

* ``psycopg``: :func:`geoplan.io.postgis.read_postgis` (binary cursor, ``ST_AsBinary``, shapely
  ``from_wkb``): what geoplan uses;
* ``pyogrio``: ``pyogrio.read_dataframe("PG:...", layer=...)`` with and without Arrow, in the
  Python given by ``--gdal-python``. The GDAL inside pyogrio's wheels has no PostgreSQL
  driver, so this needs a pyogrio built against a system GDAL that has one, e.g.
  ``python3 -m venv --system-site-packages /tmp/pgvenv && apt-get install libgdal-dev &&
  /tmp/pgvenv/bin/pip install cython versioneer && /tmp/pgvenv/bin/pip install
  --no-build-isolation --no-binary pyogrio --no-deps --force-reinstall pyogrio``.

Each read runs ``--repeat`` times in one warm process per reader (imports excluded); the table
prints the median seconds and the ratio to psycopg.

Usage::

    python scripts/bench_postgis_read.py --scale 1 --gdal-python /tmp/pgvenv/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

TABLES = {"trade": "trade", "clusters": "clusters", "grid_lines": "grid", "substations":
          "substations"}

READER = r'''
import json, statistics, sys, time
how, dsn, url, tables, repeat = sys.argv[1:6]
tables, repeat = tables.split(","), int(repeat)
out = {}
if how == "psycopg":
    from geoplan.io.postgis import read_postgis
    read = lambda t: read_postgis(url, table=t)
else:
    import pyogrio
    arrow = how == "pyogrio-arrow"
    read = lambda t: pyogrio.read_dataframe("PG:" + dsn, layer=t, use_arrow=arrow)
for t in tables:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); frame = read(t); times.append(time.perf_counter() - t0)
    out[t] = {"seconds": statistics.median(times), "rows": len(frame),
              "columns": len(frame.columns)}
print(json.dumps(out))
'''


def main(argv: list[str] | None = None) -> int:
    import pgplans
    import realparts
    from workload import make_workload

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workload", type=Path, default=None,
                        help="an existing workload folder (else one is made at --scale)")
    parser.add_argument("--gdal-python", default=None,
                        help="a Python whose pyogrio has GDAL's PostgreSQL driver")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, realparts.postgis_server() as server:
        plan = (args.workload / "plan.toml" if args.workload is not None
                else make_workload(Path(tmp) / "wl", scale=args.scale))
        server.query("CREATE SCHEMA bench")
        names = []
        for stem, name in TABLES.items():
            pgplans.load_file(server, plan.parent / f"{stem}.gpkg", f"bench.{name}")
            names.append(f"bench.{name}")
        sizes = {n: server.query(f"SELECT count(*), sum(ST_NPoints(geom)) FROM {n}")[0]
                 for n in names}
        url = pgplans.url(server)
        readers = [("psycopg", sys.executable)]
        if args.gdal_python:
            readers += [("pyogrio", args.gdal_python), ("pyogrio-arrow", args.gdal_python)]
        results = {}
        for how, python in readers:
            proc = subprocess.run([python, "-c", READER, how, server.dsn, url, ",".join(names),
                                   str(args.repeat)], capture_output=True, text=True,
                                  check=False, cwd=ROOT, env={**__import__("os").environ,
                                                              "PYTHONPATH": str(ROOT)})
            if proc.returncode != 0:
                print(f"{how}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            results[how] = json.loads(proc.stdout.strip().splitlines()[-1])
    base = results.get("psycopg", {})
    print(f"PostGIS read, national workload scale {args.scale:g} (median of {args.repeat})")
    print(f"{'table':<20} {'rows':>8} {'vertices':>9} " +
          " ".join(f"{how:>22}" for how in results))
    for n in names:
        cells = []
        for how in results:
            s = results[how][n]["seconds"]
            ratio = s / base[n]["seconds"] if n in base else float("nan")
            cells.append(f"{s:>9.3f} s ({ratio:>5.2f} x)")
        rows, vertices = sizes[n]
        print(f"{n:<20} {rows:>8} {int(vertices):>9} " + " ".join(f"{c:>22}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
