"""The workbench end to end in real headless Chromium against the real server.

``python -m geoplan serve --port 0`` runs in a child process on 127.0.0.1; the browser may
reach that address only (every other request is aborted and recorded). The tests drop the
sample's files, map the fields, validate, run the analysis with its progress streamed, open a
finding on the map, mark one accepted and download the export and the report, with zero
console errors; a hostile upload gets messages, and names that are scripts stay text in the
pages, the map and the report.

Screenshots go to the artifacts folder (tests/artifacts); with GEOPLAN_README_SCREENSHOTS=1
they are also written to docs/images/ for the README.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import realparts
from webapp import HOSTILE, REPO, SAMPLE, SAMPLE_FILES, geojson_feature_collection, mini_plan

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1360, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a running ``geoplan serve`` (its own data folder), stopped at the end."""
    data = tmp_path_factory.mktemp("serve-data")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "serve", "--port", "0",
                             "--data-dir", str(data)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(r"geoplan workbench: (http://127\.0\.0\.1:\d+)/$", line.strip())
        if not m:
            proc.kill()
            raise AssertionError(f"geoplan serve did not start: {line!r} "
                                 f"{proc.stderr.read() if proc.stderr else ''}")
        yield m.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()


@pytest.fixture(scope="module")
def local_browser(browser: Any) -> Iterator[Any]:
    """Chromium as the ``browser`` fixture launches it, except that 127.0.0.1 resolves (every
    other name still resolves to nothing)."""
    args = [a if not a.startswith("--host-resolver-rules=") else
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
            for a in realparts.CHROMIUM_ARGS]
    own = browser.browser_type.launch(executable_path=str(realparts.chromium_executable()),
                                      headless=True, args=args)
    try:
        yield own
    finally:
        own.close()


@pytest.fixture
def app_page(local_browser: Any, server: str, request: pytest.FixtureRequest
             ) -> Iterator[realparts.BrowserPage]:
    """A page that may load the workbench's address only; dialogs are recorded (and fail)."""
    context = local_browser.new_context(service_workers="block", viewport=VIEWPORT,
                                  accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    bp = realparts.BrowserPage(context=context, page=page, name=request.node.nodeid)
    dialogs: list[str] = []

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith((server + "/", *realparts.LOCAL_SCHEMES)):
            route.continue_()
        else:
            bp.blocked_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(msg: Any) -> None:
        bp.console.append((msg.type, msg.text))
        if msg.type == "error":
            bp.console_errors.append(msg.text)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: bp.page_errors.append(str(exc)))
    page.on("requestfailed", lambda r: bp.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("dialog", on_dialog)
    bp.dialogs = dialogs  # type: ignore[attr-defined]
    try:
        yield bp
        assert dialogs == [], f"a script from a file ran: {dialogs}"
        bp.assert_no_console_errors()
        assert bp.blocked_requests == [], bp.blocked_requests
    finally:
        rep = getattr(request.node, "_realparts_rep_call", None)
        if rep is not None and rep.failed:
            try:
                print(f"screenshot of the failing page: {bp.screenshot()}")
            except Exception as exc:  # pragma: no cover
                print(f"no screenshot: {exc}")
        context.close()


def shot(bp: realparts.BrowserPage, name: str) -> None:
    path = bp.screenshot(f"web-{name}")
    if os.environ.get("GEOPLAN_README_SCREENSHOTS"):
        target = REPO / "docs" / "images" / f"workbench-{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        bp.page.screenshot(path=str(target), full_page=False)
    assert path.stat().st_size > 0


def source_index(page: Any, file_name: str) -> str:
    section = page.locator("section.source", has_text=file_name).first
    return section.get_attribute("id").removeprefix("src-")


def wait_done(page: Any) -> None:
    page.wait_for_selector("#run-panel:is([data-status=done], [data-status=failed])",
                           timeout=180_000)
    status = page.get_attribute("#run-panel", "data-status")
    assert status == "done", page.inner_text("#run-panel")


def test_sample_dropped_mapped_validated_run_reviewed_and_delivered(
        app_page: realparts.BrowserPage, server: str, tmp_path: Path) -> None:
    page = app_page.page
    page.goto(server + "/")
    assert page.locator("header .brand").inner_text() == "geoplan · Bàn làm việc quy hoạch"
    page.fill("#new-plan input[name=name]", "Minh Hà 2021-2030 (tải lên)")
    page.fill("#new-plan input[name=analysis_crs]", "EPSG:9209")
    page.set_input_files("#new-plan input[name=files]", [str(SAMPLE / f) for f in SAMPLE_FILES])
    page.click("#new-plan button[type=submit]")
    page.wait_for_url("**/mapping")
    shot(app_page, "mapping")

    # the trade table: its VN-2000 X (northing) and Y (easting) recognised from the values
    t = source_index(page, "trade_facilities.csv")
    assert page.input_value(f"select[name=s{t}_x]") == "Y"
    assert page.input_value(f"select[name=s{t}_y]") == "X"
    # another kind swaps in its fields (htmx), and back
    r = source_index(page, "restricted_zones.geojson")
    assert page.input_value(f"select[name=s{r}_kind]") == "restricted_zone"
    page.select_option(f"select[name=s{r}_kind]", "industrial_park")
    page.wait_for_selector(f"#fields-{r} select[name=s{r}_f_phased]")
    page.select_option(f"select[name=s{r}_kind]", "restricted_zone")
    page.wait_for_selector(f"#fields-{r} select[name=s{r}_f_type]")
    assert page.input_value(f"select[name=s{r}_f_type]") == "loai"
    # a column whose values are not statuses: listed as not recognised; the right one previews
    k = page.locator("section.source", has_text="cum_cong_nghiep").first.get_attribute(
        "id").removeprefix("src-")
    page.select_option(f"select[name=s{k}_f_status]", "ten")
    page.wait_for_selector(f"#pv-{k}-status .unmatched")
    page.select_option(f"select[name=s{k}_f_status]", "trang_thai")
    page.wait_for_selector(f"#pv-{k}-status >> text=Hiện trạng → existing")
    assert page.locator(f"#pv-{k}-status .unmatched").count() == 0

    page.click("#save-mapping")
    page.wait_for_url("**/validate")
    assert "phương án tải thành công: 0 lỗi" in page.inner_text("#validation-summary")
    page.click("#revalidate")  # htmx: validated again in place
    page.wait_for_selector("#validation-summary")
    plan_url = page.url.removesuffix("/validate")

    page.goto(plan_url)
    page.uncheck("#run-form input[name=xlsx]")
    page.click("#start-run")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-z-]+$"))
    wait_done(page)
    assert page.locator("#progress").count() == 0  # the results replaced the progress
    n_findings = int(page.inner_text("#run-summary strong"))
    assert n_findings >= 12  # the planted problems of the sample and the grid audit's notes
    page.wait_for_function("""() => {const f = document.getElementById('map-frame');
        return f && f.contentDocument && f.contentDocument.documentElement
                 .getAttribute('data-geoplan-drawn') === '1'; }""")
    shot(app_page, "run")

    # findings filtered by rule; one opened on the map
    page.select_option("#filters select[name=rule]", "overlap")
    page.wait_for_function("() => [...document.querySelectorAll('#findings-body tr.finding')]"
                           ".every(r => r.dataset.rule === 'overlap')")
    rows = page.locator("#findings-body tr.finding")
    assert rows.count() == 2  # CCN-08/CCN-09 and CCN-18/VHC-01
    rows.first.locator(".focus-btn").click()
    page.wait_for_selector("body[data-highlighted]")
    assert page.evaluate("""() => { const f = document.getElementById('map-frame');
        return !!f._gpHighlight && f.contentWindow.geoplan.map.hasLayer(f._gpHighlight); }""")
    assert "highlight" in (rows.first.get_attribute("class") or "")

    # one accepted with its reason
    rows.first.locator("input[name=reason]").fill("Đã điều chỉnh ranh giới theo QĐ 123")
    rows.first.locator("button[type=submit]").click()
    page.wait_for_selector("#findings-body tr.finding.accepted >> text=Đã điều chỉnh ranh giới")

    # the export and the report, downloaded
    with page.expect_download() as dl:
        page.click("#dl-export")
    export = tmp_path / "export.zip"
    dl.value.save_as(export)
    with zipfile.ZipFile(export) as zf:
        geojsons = [n for n in zf.namelist() if n.endswith(".geojson")]
        assert "export/findings.geojson" in geojsons
        assert len(json.loads(zf.read("export/findings.geojson"))["features"]) == n_findings
        for name in geojsons:
            doc = json.loads(zf.read(name))
            assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946
    with page.expect_download() as dl:
        page.click("#dl-report")
    report = tmp_path / "report.html"
    dl.value.save_as(report)
    assert "Minh Hà 2021-2030 (tải lên)" in report.read_text(encoding="utf-8")

    # a feature of the validation page, on the map
    page.goto(plan_url + "/map?layer=cum_cong_nghiep&feature=CCN-08")
    page.wait_for_selector("body[data-focused='cum_cong_nghiep/CCN-08']")
    frame = page.frame_locator("#map-frame")
    assert "CCN-08" in frame.locator(".leaflet-popup-content").inner_text() or \
        "Nam Sơn" in frame.locator(".leaflet-popup-content").inner_text()

    # English on request
    page.click("#lang-en")
    page.wait_for_selector("header .brand >> text=Planner's workbench")


def test_hostile_files_get_messages_and_their_text_stays_text(
        app_page: realparts.BrowserPage, server: str, tmp_path: Path) -> None:
    from webapp import zip_bytes

    plan_file = mini_plan(tmp_path / "hostile", hostile=True)
    evil_zip = tmp_path / "evil.zip"
    evil_zip.write_bytes(zip_bytes({"../../evil.geojson": geojson_feature_collection(["x"])}))
    named = tmp_path / f"{HOSTILE}.geojson"
    named.write_bytes(b"{ not json")
    page = app_page.page
    page.goto(server + "/")
    page.fill("#new-plan input[name=name]", f"Phương án {HOSTILE}")
    page.set_input_files("#new-plan input[name=files]",
                         [str(plan_file.parent / "boundary.gpkg"),
                          str(plan_file.parent / "clusters.gpkg"), str(evil_zip), str(named)])
    page.click("#new-plan button[type=submit]")
    page.wait_for_url("**/mapping")
    messages = page.inner_text("main")
    assert "points outside the archive" in messages
    assert "Không đọc được tệp" in messages  # the broken GeoJSON, by its stored name
    assert f"Phương án {HOSTILE}" in page.input_value("input[name=plan_name]")
    assert page.locator("img[src=x]").count() == 0
    page.click("#save-mapping")
    page.wait_for_url("**/validate")
    plan_url = page.url.removesuffix("/validate")
    page.goto(plan_url)
    assert f"Phương án {HOSTILE}" in page.inner_text("h1")
    page.uncheck("#run-form input[name=coverage]")
    page.uncheck("#run-form input[name=xlsx]")
    page.click("#start-run")
    wait_done(page)
    # the map geoplan wrote: the name in a popup is text
    page.goto(plan_url + "/map?layer=clusters&feature=CCN-01")
    page.wait_for_selector("body[data-focused='clusters/CCN-01']")
    popup = page.frame_locator("#map-frame").locator(".leaflet-popup-content")
    assert HOSTILE in popup.inner_text()
    assert page.frame_locator("#map-frame").locator("img[src=x]").count() == 0
    # the report geoplan wrote
    run_url = page.locator(".muted a").first.get_attribute("href")
    page.goto(server + run_url + "/report.html")
    assert HOSTILE in page.inner_text("body")
    assert page.locator("img[src=x]").count() == 0
    time.sleep(0.3)  # give a smuggled onerror handler the time to fire


def test_a_running_job_shows_its_stages_as_it_goes_through_them(
        app_page: realparts.BrowserPage, server: str, tmp_path: Path) -> None:
    from geoplan.progress import STAGES

    plan_file = mini_plan(tmp_path / "stages")
    page = app_page.page
    page.goto(server + "/")
    page.fill("#new-plan input[name=name]", "Tỉnh Thử Nghiệm (các giai đoạn)")
    page.set_input_files("#new-plan input[name=files]",
                         sorted(str(p) for p in plan_file.parent.glob("*.gpkg")))
    page.click("#new-plan button[type=submit]")
    page.wait_for_url("**/mapping")
    page.click("#save-mapping")
    page.wait_for_url("**/validate")
    page.goto(page.url.removesuffix("/validate"))
    page.uncheck("#run-form input[name=xlsx]")
    page.click("#start-run")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-z-]+$"))
    # every change of the progress, as the page shows it: the stage open now, those passed
    page.evaluate("""() => {
        window.gpSeen = [];
        const note = () => {
            const current = document.querySelector('#stages li.current');
            const passed = [...document.querySelectorAll('#stages-seen span[data-stage]')];
            const snap = {current: current ? current.dataset.stage : null,
                          label: current ? current.querySelector('.stage-label').textContent
                                         : null,
                          passed: passed.map(s => s.dataset.stage)};
            const last = window.gpSeen[window.gpSeen.length - 1];
            if (!last || JSON.stringify(last) !== JSON.stringify(snap)) window.gpSeen.push(snap);
        };
        note();
        new MutationObserver(note).observe(document.body, {subtree: true, childList: true,
                                                           characterData: true});
    }""")
    page.wait_for_selector("#stages li.current", timeout=120_000)
    shot(app_page, "run-stages")
    wait_done(page)
    seen = page.evaluate("window.gpSeen")
    shown = [s for s in seen if s["current"]]
    assert shown, seen
    # each open stage named in Vietnamese, as geoplan.progress labels it
    for snap in shown:
        assert snap["label"] == STAGES[snap["current"]][0], snap
    # the stages passed only grow, in the run's order: the analysis, then the deliveries
    passed = [s["passed"] for s in seen if s["passed"]]
    for before, after in itertools.pairwise(passed):
        assert after[:len(before)] == before, (before, after)
    assert len({tuple(p) for p in passed}) >= 2, seen  # watched it move on
    assert passed[-1][:4] == ["read", "grid", "checks", "coverage"], passed[-1]
    assert page.locator("#progress").count() == 0  # the results replaced the progress
