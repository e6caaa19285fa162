"""Benchmark the data-in paths on the shared data, each against a baseline in the same process.

* ``import-osm`` for a province (the command a user types, default options) against the
  notebook way: read the whole national export, ``gpd.clip`` to the province, write GeoPackages
  (which cuts the lines, the reason the importer exists);
* loading the OpenStreetMap grid of Vietnam (10,023 lines) with the legacy-encoding detection
  against the same load with the detection switched off.

Usage::

    python scripts/bench_import.py [--province "Thanh Hóa"] [--repeat 3]

Prints seconds and ratios; the shared data are ``$GEOPLAN_SHARED_DATA`` or ``../shared/data``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="Thanh Hóa")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shared = Path(os.environ.get("GEOPLAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not shared.is_dir():
        print(f"shared data not found at {shared}", file=sys.stderr)
        return 1
    import geopandas as gpd

    import geoplan
    from geoplan.importers.osm import import_osm
    from geoplan.load import layer as validate

    osm = shared / "vn-power-osm"
    admin = shared / "vn-admin"
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))

    def ours() -> None:
        import_osm(args.province, tmp / "ours", source=osm, admin=admin, overwrite=True)

    def notebook() -> None:
        provinces = gpd.read_file(admin / "vn_provinces_34_2025.geojson")
        own = provinces[provinces["name"].str.casefold().str.replace("hoá", "hóa") ==
                        args.province.casefold()]
        out = tmp / "notebook"
        out.mkdir(exist_ok=True)
        for name in ("power_line", "power_plant"):
            frame = gpd.read_file(osm / f"{name}.gpkg")
            gpd.clip(frame, own).to_file(out / f"{name}.gpkg")

    a, b = _best(ours, args.repeat), _best(notebook, args.repeat)
    print(f"import-osm {args.province}: geoplan {a:.2f} s, notebook clip {b:.2f} s, "
          f"ratio {a / b:.2f}")

    plan_dir = tmp / "grid"
    plan_dir.mkdir()
    (plan_dir / "plan.toml").write_text(
        f'[plan]\nname = "grid"\n[layers.lines]\nkind = "grid_line"\n'
        f'path = "{osm / "power_line.gpkg"}"\nlayer = "power_line"\n'
        'fields = { voltage_kv = "max_voltage" }\ndefaults = { status = "existing" }\n'
        "accept_voltages_kv = [115, 230, 50, 33, 25]\n", encoding="utf-8")
    geoplan.load_plan(plan_dir)
    with_detection = _best(lambda: geoplan.load_plan(plan_dir), args.repeat)
    original = validate.convert_legacy_text
    validate.convert_legacy_text = lambda raw, **_: (raw, [])  # type: ignore[assignment]
    try:
        without = _best(lambda: geoplan.load_plan(plan_dir), args.repeat)
    finally:
        validate.convert_legacy_text = original
    print(f"load 10,023 OSM lines: with legacy-text detection {with_detection:.3f} s, without "
          f"{without:.3f} s, ratio {with_detection / without:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
