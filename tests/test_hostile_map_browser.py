"""Markup in every plan string and every layer field, in a real headless Chromium.

The sample plan with a script payload in its name, province, map title, subtitle and
attribution, in every layer's title and in every free-text field of every feature (ids and
names included, so the check findings and the coverage carry them too). The written map is
opened with every network request blocked and a listener on dialogs; every popup and tooltip
of every feature is opened through the map's own handlers, every search entry is picked, every
layer is switched off and on, the controls are clicked and the map is zoomed through the name
labels. Not one dialog may fire and no injected element may exist. The HTML report of the same
plan is opened the same way.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import geoplan
from geoplan import pipeline
from geoplan.kinds import KINDS
from geoplan.maps import interactive as render

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "sample"
DRAWN = "document.documentElement.getAttribute('data-geoplan-drawn') === '1'"


def payloads(k: int) -> list[str]:
    """Ways a text could run script if it reached the page as HTML; each calls alert(k)."""
    return [
        f'<img src=x onerror="window.__xss=(window.__xss||[]).concat({k});alert({k})">',
        f'"><svg onload=alert({k})>',
        f"'><script>alert({k})</script>",
        f"</script><script>alert({k})</script>",
        f"<!--<script>alert({k})</script>",
        f'<a href="javascript:alert({k})">x{k}</a>',
        f'<iframe srcdoc="<script>parent.alert({k})</script>"></iframe>',
        f"<details open ontoggle=alert({k})>",
        f"{{{{constructor.constructor('alert({k})')()}}}}",
        f"{{{{ {k}*7 }}}}{{% if 1 %}}<b onmouseover=alert({k})>T</b>{{% endif %}}",
    ]


#: Template syntax: folium/branca read rendered scripts as Jinja once more.
TEMPLATE = "{{ 6*7 }} {% if 1 %}T{% endif %} {# c #}"


_COUNTER = iter(range(1, 1_000_000))


def payload() -> str:
    k = next(_COUNTER)
    return payloads(k)[k % len(payloads(k))]


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def hostile_plan(folder: Path) -> geoplan.Plan:
    shutil.copytree(SAMPLE, folder)
    toml = folder / "plan.toml"
    lines: list[str] = []
    table = ""
    for line in toml.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            table = line
        if table == "[plan]" and line.startswith(("name = ", "province = ")):
            line = f"{line.split(' = ')[0]} = {_toml(payload())}"
        lines.append(line)
        if re.fullmatch(r"\[layers\.\w+\]", line):
            lines.append(f"title = {_toml(payload())}")
    credit = payload() + ' © <a href="https://example.org">SCT</a>'
    lines += ["[map]", f"title = {_toml(payload() + ' ' + TEMPLATE)}",
              f"subtitle = {_toml(payload())}",
              f"attribution = {_toml(credit)}"]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = geoplan.load_plan(folder)
    layers = {}
    for name, layer in plan.layers.items():
        frame = layer.frame.copy()
        for field in KINDS[layer.kind].fields:
            if field.type == "str" and not field.vocabulary and field.name in frame.columns:
                frame[field.name] = [f"{payload()} #{i}" for i in range(len(frame))]
        layers[name] = dataclasses.replace(layer, frame=frame)
    return dataclasses.replace(plan, layers=layers)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[geoplan.Plan, Path, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    plan = hostile_plan(folder / "plan")
    results = pipeline.map_results(plan, sites=1)
    assert results["findings"] is not None and len(results["findings"])
    assert any("<img src=x" in str(m) for m in results["findings"]["message"])  # names reached
    map_path = render.write_map(plan, folder / "hostile.html", offline=True, date="2025-07-01",
                                **results)
    report_path = folder / "report.html"
    pipeline.report_plan(plan, report_path, maps=False)
    return plan, map_path, report_path


def listen(page: Any) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.page.on("dialog", on_dialog)
    return dialogs


INJECTED = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
            if (/^on/i.test(a.name)) bad.push(el.tagName + '[' + a.name + ']');
            if (/^\\s*javascript:/i.test(a.value)) bad.push(el.tagName + '[' + a.name + '=js]');
        }
        if (['IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase())
            || (el.tagName === 'DETAILS' && !el.classList.contains('gp-legend-box')))
            bad.push(el.tagName);
    }
    return {bad: bad, xss: window.__xss || null};
}"""

FIRE_EVERYTHING = """async () => {
    const G = window.geoplan, map = G.map, seen = {popups: 0, tooltips: 0, features: 0,
                                                  texts: []};
    const wait = () => new Promise(r => requestAnimationFrame(() => r()));
    for (const name of G.order) {
        const entry = G.layers[name];
        if (!map.hasLayer(entry.group)) map.addLayer(entry.group);
        for (let i = 0; i < entry.data.n; i++) {
            if (!entry.hasGeometry(i)) continue;
            const obj = entry.object(i);
            if (!obj) continue;
            seen.features++;
            const at = obj.getLatLng ? obj.getLatLng() : obj.getBounds().getCenter();
            // the click handler of the layer (what a click on the feature runs)
            entry.group.fire('click', {layer: obj, propagatedFrom: obj, latlng: at});
            const popup = document.querySelector('.leaflet-popup-content');
            if (popup) { seen.popups++; seen.texts.push(popup.textContent); }
            // the tooltip the layer binds, with the content it makes for this feature
            const html = entry.group.getTooltip()._content(obj);
            L.tooltip({className: 'gp-tooltip'}).setLatLng(at).setContent(html).openOn(map);
            const tip = document.querySelector('.leaflet-tooltip');
            if (tip) { seen.tooltips++; seen.texts.push(tip.textContent); }
            map.closePopup();
            map.eachLayer(l => { if (l instanceof L.Tooltip) map.removeLayer(l); });
        }
        await wait();
    }
    // every search entry, picked as a person picks it
    const labels = Object.keys(G.searchIndex || {});
    for (const label of labels) { G.search(label); await wait(); }
    seen.searched = labels.length;
    // every layer off and on through the layer control, then the name labels at each zoom
    for (const input of document.querySelectorAll('.leaflet-control-layers-selector')) {
        input.click(); await wait(); input.click(); await wait();
    }
    for (let z = map.getMinZoom(); z <= 16; z++) { map.setZoom(z, {animate: false}); await wait(); }
    // the other controls
    for (const sel of ['.leaflet-control-fullscreen-button', '.leaflet-control-measure-toggle',
                       '.gp-search-input', '.leaflet-control-zoom-in']) {
        const el = document.querySelector(sel);
        if (el) { el.click(); await wait(); }
    }
    seen.labels = document.querySelectorAll('.gp-label').length;
    seen.controls = document.querySelectorAll('.leaflet-control').length;
    seen.texts = seen.texts.filter(t => t.includes('alert(')).length;
    return seen;
}"""


def test_no_payload_in_any_plan_string_or_field_fires_in_the_map(page: Any, hostile: Any
                                                                ) -> None:
    plan, map_path, _ = hostile
    dialogs = listen(page)
    page.page.set_viewport_size({"width": 1400, "height": 900})
    page.open_html(map_path)
    page.page.wait_for_function(DRAWN)
    seen = page.page.evaluate(FIRE_EVERYTHING)
    page.page.wait_for_timeout(500)  # let anything deferred (onerror, ontoggle) run
    assert dialogs == []
    found = page.page.evaluate(INJECTED)
    assert found == {"bad": [], "xss": None}
    # everything was really opened, and the payloads were shown as text
    expected = sum(int((~f.geometry.is_empty & f.geometry.notna()).sum())
                   for f in (layer.frame for layer in plan.layers.values()))
    assert seen["features"] >= expected
    assert seen["popups"] == seen["features"] and seen["tooltips"] == seen["features"]
    assert seen["texts"] > expected  # popups and tooltips show the payload, escaped
    assert seen["searched"] > 0 and seen["labels"] > 0
    title = page.page.locator(".gp-title h1").inner_text()
    assert title.endswith(TEMPLATE)  # template syntax shown as written, never run
    page.assert_no_console_errors()
    assert page.blocked_requests == []


def test_no_payload_fires_in_the_html_report(page: Any, hostile: Any) -> None:
    _, _, report_path = hostile
    dialogs = listen(page)
    page.open_html(report_path)
    page.page.wait_for_timeout(500)
    assert dialogs == []
    assert page.page.evaluate(INJECTED) == {"bad": [], "xss": None}
    assert "<img src=x" in page.page.locator("body").inner_text()
    page.assert_no_console_errors()
