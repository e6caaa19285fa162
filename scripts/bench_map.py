"""Benchmark the interactive map as ``geoplan map`` writes it, against a plain Leaflet page.

The map is the default one of ``geoplan map PLAN -o map.html --offline``: every plan layer with
the findings of the checks and the grid audit and the coverage layers (the plan analysed once,
:func:`geoplan.pipeline.map_analysis`, then written by :func:`geoplan.pipeline.write_map`), on
the national workload (scripts/workload.py: 2,000 clusters, 400 parks, 20,000 trade points,
6,000 lines with ~340,000 vertices, 1,200 substations, 150 restricted zones).

The baseline, in the same run, is a plain Leaflet page of the same plan layers (no findings, no
coverage): each layer's GeoJSON (EPSG:4326, as GeoPandas writes it) drawn by ``L.geoJSON`` with
Leaflet's defaults, Leaflet inlined, the same view; and, for reference, the same page on a
canvas with circle markers for points (the usual first tuning of such a page). All are opened
in headless Debian Chromium (tests/realparts.py: /usr/bin/chromium through Playwright) with
every network request blocked.

Figures, for each page:

- HTML size (MB);
- ``load``: navigation start to the load event (every script run, nothing painted yet);
- ``drawn``: navigation start to two animation frames after the load event (for geoplan also
  after its own "drawn" mark), i.e. when the layers are painted. A page whose first frame does
  not come within ``--cap`` seconds is stopped; its load time is then a lower bound of its
  drawn time, and the ratio is given against it (so the true ratio is smaller still);
- console errors and uncaught exceptions.

Targets: the map ≤ 8 MB, drawn in ≤ 0.5× the plain page's time, no console error.

Usage::

    python scripts/bench_map.py --workload /tmp/mw/s1        # an existing workload folder
    python scripts/bench_map.py                              # generate the national workload
    python scripts/bench_map.py --scale 0.1 --repeat 1       # smaller
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
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

PLAIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>plain Leaflet</title>
<style>{css}</style><script>{js}</script>
<style>html, body, #map {{ margin: 0; height: 100%; }}</style></head>
<body><div id="map"></div>
<script>
L.Icon.Default.imagePath = '';  // the marker pictures are data: URIs (no file beside the page)
L.Icon.Default.mergeOptions({icons});
var map = L.map('map', {options}).fitBounds({bounds});
{layers}
</script></body></html>
"""


@dataclass
class Figures:
    name: str
    html_mb: float
    write_s: float
    drawn_s: list[float] = field(default_factory=list)
    load_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def drawn(self) -> float | None:
        return statistics.median(self.drawn_s) if self.drawn_s else None

    @property
    def load(self) -> float | None:
        return statistics.median(self.load_s) if self.load_s else None


def plain_leaflet(plan: Any, path: Path, *, canvas: bool = False) -> Figures:
    """A plain Leaflet page of the plan layers: one ``L.geoJSON`` per layer, defaults only
    (``canvas``: on a canvas, points as circle markers, the usual first tuning)."""
    import base64
    from importlib import resources

    from geoplan.crs import to_wgs84
    from geoplan.maps import map_bounds

    t0 = time.perf_counter()
    root = resources.files("geoplan.maps") / "assets" / "leaflet"
    images = root / "images"

    def uri(name: str) -> str:
        return "data:image/png;base64," + base64.b64encode((images / name).read_bytes()).decode()

    icons = json.dumps({"imagePath": "", "iconUrl": uri("marker-icon.png"),
                        "iconRetinaUrl": uri("marker-icon-2x.png"),
                        "shadowUrl": uri("marker-shadow.png")})
    layers = []
    for layer in plan.layers.values():
        text = to_wgs84(layer.frame).to_json(drop_id=True).replace("</", "<\\/")
        extra = (", {pointToLayer: function (f, ll) { return L.circleMarker(ll); }}"
                 if canvas else "")
        layers.append(f"L.geoJSON({text}{extra}).addTo(map);")
    html = PLAIN_PAGE.format(css=(root / "leaflet.css").read_text(encoding="utf-8"),
                             js=(root / "leaflet.js").read_text(encoding="utf-8"),
                             icons=icons, bounds=json.dumps(map_bounds(plan)),
                             options=json.dumps({"preferCanvas": canvas}),
                             layers="\n".join(layers))
    path.write_text(html, encoding="utf-8")
    name = "plain Leaflet, canvas + circle markers" if canvas else "plain Leaflet (L.geoJSON)"
    return Figures(name, path.stat().st_size / 1e6, time.perf_counter() - t0)


def geoplan_map(analysis: Any, path: Path) -> Figures:
    """The map as ``geoplan map PLAN -o PATH --offline`` writes it (analysis given)."""
    from geoplan.pipeline import write_map

    t0 = time.perf_counter()
    write_map(analysis, path, overwrite=True, offline=True)
    return Figures("geoplan map (findings, coverage, grid)", path.stat().st_size / 1e6,
                   time.perf_counter() - t0)


def measure(browser: Any, path: Path, figures: Figures, *, cap_s: float,
            geoplan_mark: bool) -> None:
    """Open ``path`` once; add its drawn time (s from navigation start) and its errors."""
    import realparts

    bp = realparts.open_page(browser, name=figures.name)
    try:
        bp.page.set_viewport_size({"width": 1400, "height": 900})
        bp.page.set_default_timeout(cap_s * 1000)
        bp.page.add_init_script(MEASURE)
        start = time.perf_counter()
        try:
            bp.page.goto(path.resolve().as_uri(), wait_until="load", timeout=cap_s * 1000)
            figures.load_s.append(bp.page.evaluate("window.__bench.load") / 1000)
            left = max(1.0, cap_s - (time.perf_counter() - start))
            bp.page.wait_for_function("window.__bench.drawn !== undefined", timeout=left * 1000)
            if geoplan_mark:
                bp.page.wait_for_function(
                    "document.documentElement.getAttribute('data-geoplan-drawn') === '1'",
                    timeout=left * 1000)
        except Exception as exc:  # playwright TimeoutError: over the cap
            if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                raise
            figures.note = f"not painted within {cap_s:g} s (stopped)"
            figures.errors.extend(bp.console_errors + bp.page_errors)
            return
        drawn = bp.page.evaluate("window.__bench.drawn")
        if geoplan_mark:
            drawn = max(drawn, bp.page.evaluate("geoplan.drawn"))
        figures.drawn_s.append(drawn / 1000)
        figures.errors.extend(bp.console_errors + bp.page_errors)
        if bp.blocked_requests:
            figures.note = f"{len(bp.blocked_requests)} request(s) blocked"
    finally:
        bp.context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="workload scale (1 = national)")
    parser.add_argument("--workload", type=Path, default=None,
                        help="an existing workload folder or plan.toml (default: generate one)")
    parser.add_argument("--cap", type=float, default=120.0,
                        help="stop waiting for a page after this many seconds")
    parser.add_argument("--repeat", type=int, default=3, help="page loads of the geoplan map")
    parser.add_argument("--plain-repeat", type=int, default=1,
                        help="page loads of the plain Leaflet page")
    parser.add_argument("--keep", type=Path, default=None, help="also copy both pages here")
    args = parser.parse_args(argv)

    import realparts
    from workload import make_workload

    from geoplan.pipeline import map_analysis

    with tempfile.TemporaryDirectory(prefix="bench_map_") as tmp_name:
        tmp = Path(tmp_name)
        plan_path = args.workload or make_workload(tmp / "workload", scale=args.scale)
        t0 = time.perf_counter()
        analysis = map_analysis(plan_path)
        plan = analysis.plan
        counts = {name: len(layer.frame) for name, layer in plan.layers.items()}
        print(f"workload: {plan.name}; {counts}; analysed in {time.perf_counter() - t0:.1f} s",
              flush=True)
        ours = geoplan_map(analysis, tmp / "geoplan.html")
        base = plain_leaflet(plan, tmp / "plain.html")
        tuned = plain_leaflet(plan, tmp / "plain-canvas.html", canvas=True)
        with realparts.chromium_browser() as browser:
            for i in range(max(1, args.repeat, args.plain_repeat)):  # alternate: same machine
                if i < max(1, args.repeat):
                    measure(browser, tmp / "geoplan.html", ours, cap_s=args.cap,
                            geoplan_mark=True)
                if i < max(1, args.plain_repeat):
                    measure(browser, tmp / "plain.html", base, cap_s=args.cap,
                            geoplan_mark=False)
                    measure(browser, tmp / "plain-canvas.html", tuned, cap_s=args.cap,
                            geoplan_mark=False)
        if args.keep is not None:
            import shutil

            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp / "geoplan.html", args.keep / "geoplan.html")
            shutil.copy(tmp / "plain.html", args.keep / "plain.html")
            shutil.copy(tmp / "plain-canvas.html", args.keep / "plain-canvas.html")

    print()
    print(f"{'page':42} {'HTML':>9} {'write':>8} {'load':>8} {'drawn':>8} {'errors':>7}")
    for r in (ours, base, tuned):
        drawn = "—" if r.drawn is None else f"{r.drawn:.2f} s"
        load = "—" if r.load is None else f"{r.load:.2f} s"
        runs = ", ".join(f"{v:.2f}" for v in r.drawn_s)
        print(f"{r.name:42} {r.html_mb:6.2f} MB {r.write_s:6.2f} s {load:>8} {drawn:>8} "
              f"{len(r.errors):>7}  drawn runs: {runs or '—'} {r.note}")
    for e in ours.errors[:5]:
        print(f"  geoplan console error: {e[:160]}")
    print()
    ratio = ours.drawn / base.drawn if ours.drawn and base.drawn else None
    bound = ""
    if ratio is None and ours.drawn and base.load:
        ratio = ours.drawn / base.load
        bound = (f" at most: the plain page was not painted within {args.cap:g} s, so its "
                 f"load event ({base.load:.2f} s) stands for its drawn time")
    print(f"size: {ours.html_mb:.2f} MB (target ≤ 8 MB)")
    print("drawn-time ratio geoplan / plain Leaflet: "
          + (f"{ratio:.2f}{bound} (target ≤ 0.5)" if ratio is not None
             else "— (a page was not drawn)"))
    if ours.drawn and tuned.drawn:
        print(f"against the plain page on a canvas with circle markers: "
              f"{ours.drawn / tuned.drawn:.2f}")
    print(f"console errors (geoplan map): {len(ours.errors)} (target 0)")
    ok = ours.html_mb <= 8 and ratio is not None and ratio <= 0.5 and not ours.errors
    print(f"targets: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
