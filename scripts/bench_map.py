"""Benchmark the interactive map on the national workload, against plain folium.

Writes the map of the national workload (scripts/workload.py: 2,000 clusters, 400 parks,
20,000 trade points, 6,000 lines with ~340,000 vertices, 1,200 substations, 150 restricted
zones) with ``geoplan.maps`` and, as the baseline in the same run, with plain folium
(``folium.GeoJson`` per layer, default styling, SVG). Both are opened in headless Debian
Chromium with every network request blocked (tests/realparts.py); Leaflet is inlined in the
baseline too, since its CDN links cannot load.

Figures, for each map:

- HTML size (MB) and the time to build and write it (s);
- ``load``: navigation start to the end of the load event;
- ``drawn``: navigation start to two animation frames after the load event (for geoplan also
  after its own "drawn" mark), i.e. when the layers are painted;
- ``after load``: drawn − load (the issue's target: under 1 s).

The baseline can take minutes to draw; it is stopped at ``--cap`` seconds and reported as
"> cap". Targets from issue 5: HTML < 8 MB, drawn < 1 s after load, written in < 2 s.

Usage::

    python scripts/bench_map.py                       # full workload, baseline capped at 120 s
    python scripts/bench_map.py --scale 0.1 --cap 60  # smaller
    python scripts/bench_map.py --no-baseline --repeat 5
    python scripts/bench_map.py --osm ../shared/data/vn-power-osm   # also the real OSM grid
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

MEASURE = """
window.__bench = {};
window.addEventListener('load', function () {
  window.__bench.load = performance.now();
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    window.__bench.drawn = performance.now();
  }); });
});
"""


@dataclass
class Figures:
    name: str
    html_mb: float
    write_s: float
    load_s: float | None = None
    drawn_s: float | None = None
    after_load_s: float | None = None
    note: str = ""


def geoplan_map(plan: Any, path: Path) -> Figures:
    from geoplan.maps import interactive as render

    t0 = time.perf_counter()
    render.write_map(render.plan_map(plan, offline=True), path)
    return Figures("geoplan", path.stat().st_size / 1e6, time.perf_counter() - t0)


def folium_baseline(plan: Any, path: Path) -> Figures:
    """Plain folium: one default GeoJson layer per plan layer, as a first attempt would be."""
    import folium

    from geoplan.crs import to_wgs84
    from geoplan.maps import assets_html, map_bounds

    t0 = time.perf_counter()
    m = folium.Map(tiles=None)
    m.fit_bounds(map_bounds(plan))  # the same view as geoplan's map
    for layer in plan.layers.values():
        folium.GeoJson(to_wgs84(layer.frame), name=layer.name).add_to(m)
    folium.LayerControl().add_to(m)
    html = m.get_root().render()
    path.write_text(html, encoding="utf-8")
    write_s = time.perf_counter() - t0
    # offline: Leaflet inline (the CDN is blocked); drop the other CDN links GeoJson does not use
    html = re.sub(r'<script src="https?://[^"]+"></script>', "", html)
    html = re.sub(r'<link rel="stylesheet" href="https?://[^"]+"\s*/?>', "", html)
    html = html.replace("<head>", "<head>\n" + _leaflet_only(assets_html()), 1)
    path.write_text(html, encoding="utf-8")
    return Figures("plain folium (GeoJson)", path.stat().st_size / 1e6, write_s)


def _leaflet_only(assets: str) -> str:
    from importlib import resources

    root = resources.files("geoplan.maps") / "assets" / "leaflet"
    css = re.search(r"<style>(.*?)</style>", assets, flags=re.S)
    js = (root / "leaflet.js").read_text(encoding="utf-8")
    return f"<style>{css.group(1) if css else ''}</style>\n<script>{js}</script>"


def measure(browser: Any, path: Path, figures: Figures, *, cap_s: float,
            geoplan_mark: bool) -> Figures:
    import realparts

    bp = realparts.open_page(browser, name=figures.name)
    try:
        bp.page.set_viewport_size({"width": 1400, "height": 900})
        bp.page.set_default_timeout(cap_s * 1000)
        bp.page.add_init_script(MEASURE)
        start = time.perf_counter()
        try:
            bp.page.goto(path.resolve().as_uri(), wait_until="load", timeout=cap_s * 1000)
            left = max(1.0, cap_s - (time.perf_counter() - start))
            bp.page.wait_for_function("window.__bench.drawn !== undefined",
                                      timeout=left * 1000)
            if geoplan_mark:
                bp.page.wait_for_function(
                    "document.documentElement.getAttribute('data-geoplan-drawn') === '1'",
                    timeout=left * 1000)
        except Exception as exc:  # playwright TimeoutError: over the cap
            if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                raise
            figures.note = f"> {cap_s:g} s (stopped)"
            return figures
        b = bp.page.evaluate("window.__bench")
        drawn = b["drawn"]
        if geoplan_mark:
            drawn = max(drawn, bp.page.evaluate("geoplan.drawn"))
        figures.load_s = b["load"] / 1000
        figures.drawn_s = drawn / 1000
        figures.after_load_s = (drawn - b["load"]) / 1000
        errors = bp.console_errors + bp.page_errors
        if errors and geoplan_mark:
            figures.note = f"{len(errors)} console error(s): {errors[0][:80]}"
        return figures
    finally:
        bp.context.close()


def _fmt(v: float | None, unit: str = "s") -> str:
    return "—" if v is None else f"{v:.2f} {unit}"


def _median(runs: list[Figures]) -> Figures:
    def med(attr: str) -> float | None:
        values = [getattr(r, attr) for r in runs if getattr(r, attr) is not None]
        return statistics.median(values) if values else None

    out = Figures(runs[0].name, runs[0].html_mb, med("write_s") or 0.0, med("load_s"),
                  med("drawn_s"), med("after_load_s"), runs[-1].note)
    if len(runs) > 1:
        out.name += f" (median of {len(runs)})"
    return out


def _osm_plan(folder: Path, osm: Path) -> Path:
    text = f"""[plan]
name = "OpenStreetMap grid of Vietnam"
[layers.osm_lines]
kind = "grid_line"
path = {json.dumps(str(osm / 'power_line.gpkg'))}
layer = "power_line"
fields = {{ voltage_kv = "max_voltage", circuits = "circuits", location = "location" }}
defaults = {{ status = "existing" }}
accept_voltages_kv = [115, 230, 50, 33, 25]
[layers.osm_substations]
kind = "substation"
path = {json.dumps(str(osm / 'power_substation_points_coords_only.geojson'))}
defaults = {{ status = "existing" }}
"""
    path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="workload scale (1 = national)")
    parser.add_argument("--workload", type=Path, default=None,
                        help="an existing workload folder (default: generate one)")
    parser.add_argument("--cap", type=float, default=120.0,
                        help="stop the baseline after this many seconds")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the geoplan map")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--osm", type=Path, default=None,
                        help="vn-power-osm folder: also map the real OSM grid of Vietnam")
    args = parser.parse_args(argv)

    import realparts
    from workload import make_workload

    import geoplan

    with tempfile.TemporaryDirectory(prefix="bench_map_") as tmp_name:
        tmp = Path(tmp_name)
        plan_path = args.workload or make_workload(tmp / "workload", scale=args.scale)
        t0 = time.perf_counter()
        plan = geoplan.load_plan(plan_path)
        counts = {name: len(layer.frame) for name, layer in plan.layers.items()}
        print(f"workload: {plan.name}; {counts}; loaded in {time.perf_counter() - t0:.1f} s",
              flush=True)
        rows: list[Figures] = []
        with realparts.chromium_browser() as browser:
            runs = []
            for i in range(max(1, args.repeat)):
                path = tmp / f"geoplan-{i}.html"
                runs.append(measure(browser, path, geoplan_map(plan, path), cap_s=60,
                                    geoplan_mark=True))
            rows.append(_median(runs))
            rows[-1].note = (f"first write {runs[0].write_s:.2f} s (with imports)"
                             + (f"; {runs[-1].note}" if runs[-1].note else ""))
            if not args.no_baseline:
                path = tmp / "folium.html"
                base = folium_baseline(plan, path)
                print(f"baseline written ({base.html_mb:.1f} MB in {base.write_s:.1f} s); "
                      f"drawing it (cap {args.cap:g} s)...", flush=True)
                rows.append(measure(browser, path, base, cap_s=args.cap, geoplan_mark=False))
            if args.osm is not None:
                osm_plan = geoplan.load_plan(_osm_plan(tmp, args.osm))
                path = tmp / "osm.html"
                f = measure(browser, path, geoplan_map(osm_plan, path), cap_s=60,
                            geoplan_mark=True)
                f.name = "geoplan, real OSM grid (10,023 lines)"
                rows.append(f)

    print()
    print(f"{'map':42} {'HTML':>9} {'write':>8} {'load':>8} {'drawn':>8} {'after load':>11}")
    for r in rows:
        print(f"{r.name:42} {r.html_mb:7.2f} MB {_fmt(r.write_s):>8} {_fmt(r.load_s):>8} "
              f"{_fmt(r.drawn_s):>8} {_fmt(r.after_load_s):>11}  {r.note}")
    ours = rows[0]
    if len(rows) > 1 and not args.no_baseline:
        base = rows[1]
        print()
        print(f"HTML size: {base.html_mb / ours.html_mb:.1f}x smaller than plain folium")
        print(f"write:     {base.write_s / ours.write_s:.1f}x faster")
        if base.drawn_s is not None and ours.drawn_s:
            print(f"drawn:     {base.drawn_s / ours.drawn_s:.1f}x faster")
        else:
            print(f"drawn:     plain folium not drawn within {args.cap:g} s "
                  f"(> {args.cap / (ours.drawn_s or 1):.0f}x slower)")
    print()
    ok = (ours.html_mb < 8 and ours.write_s < 2 and ours.after_load_s is not None
          and ours.after_load_s < 1)
    print(f"targets (HTML < 8 MB, written < 2 s, drawn < 1 s after load): "
          f"{'met' if ok else 'NOT met'}; from navigation start the map is drawn at "
          f"{_fmt(ours.drawn_s)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
