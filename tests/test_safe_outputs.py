"""Safe outputs under faults and hostile input.

Each section is one way an output could lie, leak or crash: formulas injected into
spreadsheets, markup in plan strings, export folders that mix two runs, faults of the file
system, outputs written over the plan's inputs, layers too large to decode, layer names that
collide, inputs that should load, and messages that leak a file's content. The browser half
of the markup section is tests/test_hostile_map_browser.py.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import realparts
import shapely
from builders.plans import X0, Y0, ZONE, PlanBuilder, clusters
from click.testing import CliRunner

import geoplan
from geoplan import io
from geoplan.cli import cli
from geoplan.errors import (
    LayerReadError,
    OutputBusyError,
    OutputExistsError,
    OutputWriteError,
    PlanError,
    PlanValidationError,
)
from geoplan.export import MANIFEST_NAME, export_plan, file_sha256
from geoplan.io import atomic
from geoplan.io.spreadsheet import csv_text, is_formula_text, write_csv, write_xlsx_table
from geoplan.markup import plain_text, sanitize_html

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "sample"
PDP8_LIST = Path(__file__).parent / "data" / "pdp8" / "sample_national.csv"
FORMULA = '=HYPERLINK("http://x","y")'


def run_geoplan(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m geoplan ARGS`` in a real process, on this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "geoplan", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def copy_sample(dest: Path) -> Path:
    shutil.copytree(SAMPLE, dest)
    return dest


def dead_pid() -> int:
    """The id of a process that has just ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def verify_export(folder: Path) -> dict[str, Any]:
    """The manifest of an export folder, once every output it lists verifies, and the folder
    holds exactly those outputs and the manifest."""
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    listed = {o["file"] for o in manifest["outputs"]}
    assert {p.name for p in folder.iterdir()} == listed | {MANIFEST_NAME}
    for output in manifest["outputs"]:
        assert file_sha256(folder / output["file"]) == output["sha256"], output["file"]
    return manifest


# ===================================================================== 1. formulas in Excel


@pytest.mark.parametrize(("text", "formula"), [
    ("=1+1", True), ("+1+1", True), ("-2+3", True), ("@SUM(A1)", True), ("\tx", True),
    ("\r=x", True), (FORMULA, True), ("-5", False), ("+84 912", True), ("-12.5", False),
    ("-", False), ("Cụm công nghiệp", False), ("a=b", False), ("", False),
])
def test_formula_texts_are_told(text: str, formula: bool) -> None:
    assert is_formula_text(text) is formula
    assert csv_text(text) == ("'" + text if formula else text)


def _hostile_plan(folder: Path) -> Path:
    b = PlanBuilder(folder, name="=1+1 " + FORMULA, province="@Tỉnh")
    b.add_boundary()
    frame = clusters()
    frame["ten"] = [FORMULA, "+84-1", "@SUM(A1:A9)"]
    b.add("clusters", "industrial_cluster", frame,
          fields={"id": "id", "name": "ten", "status": "trang_thai", "area_ha": "dien_tich"})
    return b.write()


def _formula_cells(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _texts(path: Path) -> set[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)}


def test_report_xlsx_holds_names_as_text_never_as_formulas(tmp_path: Path) -> None:
    plan = geoplan.load_plan(_hostile_plan(tmp_path / "plan"))
    out = tmp_path / "r.xlsx"
    geoplan.pipeline.report_plan(plan, out, maps=False)
    assert _formula_cells(out) == []
    texts = _texts(out)
    assert FORMULA in texts and "@SUM(A1:A9)" in texts  # shown exactly as written
    assert any(t.startswith("=1+1") for t in texts)  # the plan's name on the About sheet


def test_pdp8_comparison_csv_and_xlsx_hold_no_formula(sample_plan: geoplan.Plan,
                                                      tmp_path: Path) -> None:
    hostile = tmp_path / "national.csv"
    text = PDP8_LIST.read_text(encoding="utf-8")
    # national items that name the province concern it: they reach the comparison table
    named = "=Minh Hà 9+Phố Nối"
    quoted = named
    text = text.replace("2,Minh Hà 2,250,Xây dựng mới",
                        f'2,Minh Hà 2,250,Xây dựng mới\n3,"{quoted}",250,Xây dựng mới\n'
                        "4,@Minh Hà 8,250,Xây dựng mới")
    hostile.write_text(text, encoding="utf-8")
    result = geoplan.pipeline.run_pdp8(sample_plan, hostile, output=tmp_path / "p.xlsx")
    assert {named, "@Minh Hà 8"} <= set(result.table.astype(str).to_numpy().ravel())
    assert _formula_cells(tmp_path / "p.xlsx") == []
    assert {named, "@Minh Hà 8"} <= _texts(tmp_path / "p.xlsx")
    geoplan.pipeline.run_pdp8(sample_plan, hostile, output=tmp_path / "p.csv")
    raw = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'=Minh Hà 9+Phố Nối" in raw and "'@Minh Hà 8" in raw
    assert ",=Minh" not in raw and ",@Minh" not in raw


def test_the_samples_xlsx_outputs_hold_no_formula_cell(sample_plan: geoplan.Plan,
                                                       tmp_path: Path) -> None:
    report = tmp_path / "r.xlsx"
    geoplan.pipeline.report_plan(sample_plan, report, maps=False)
    geoplan.pipeline.run_pdp8(sample_plan, PDP8_LIST, output=tmp_path / "p.xlsx")
    assert _formula_cells(report) == [] and _formula_cells(tmp_path / "p.xlsx") == []


def test_spreadsheet_writers_keep_numbers_and_strip_what_xlsx_cannot_hold(tmp_path: Path
                                                                          ) -> None:
    frame = pd.DataFrame({"name": [FORMULA, "a\x01b", None], "n": [1, 2, 3],
                          "x": [1.5, np.nan, -2.0]})
    write_xlsx_table(frame, tmp_path / "t.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in ws[2]] == [FORMULA, 1, 1.5] and ws["A2"].data_type == "s"
    assert ws["A3"].value == "a\ufffdb" and ws["C3"].value is None and ws["C4"].value == -2
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    assert back["name"].iloc[0] == "'" + FORMULA and back["x"].iloc[2] == -2.0


# ============================================================================ 2. markup


@pytest.mark.parametrize(("given", "expected"), [
    ("<img src=x onerror=alert(21)>", ""),
    ("© <a href=\"https://sct.bacninh.gov.vn\" onclick=\"alert(1)\">Sở Công Thương</a>",
     '© <a href="https://sct.bacninh.gov.vn" target="_blank" rel="noopener noreferrer">'
     "Sở Công Thương</a>"),
    ('<a href="javascript:alert(1)">x</a>', "<span>x</span>"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "<span>x</span>"),
    ("</script><script>alert(1)</script>ok", "ok"),
    ('"><svg onload=alert(1)>', '"&gt;'),
    ("a < b & c", "a &lt; b &amp; c"),
    ("<b>OSM</b> <i onmouseover=x>i</i>", "<b>OSM</b> <i>i</i>"),
])
def test_attribution_is_sanitised_to_an_allow_list(given: str, expected: str) -> None:
    assert sanitize_html(given) == expected


def test_the_attribution_reaches_the_map_sanitised_and_the_sheet_as_text(tmp_path: Path
                                                                         ) -> None:
    folder = copy_sample(tmp_path / "p")
    plan_toml = folder / "plan.toml"
    plan_toml.write_text(plan_toml.read_text(encoding="utf-8") + (
        '\n[map]\nattribution = "<img src=x onerror=alert(21)>© '
        '<a href=\\"https://example.org\\">Sở</a>"\n'), encoding="utf-8")
    plan = geoplan.load_plan(folder)
    html_path = geoplan.maps.write_map(plan, tmp_path / "m.html", offline=True)
    text = html_path.read_text(encoding="utf-8")
    assert "onerror=alert" not in text and "alert(21)" not in text
    assert 'href=\\"https://example.org\\"' in text  # the link is kept (in a JSON string)
    assert plain_text('<img src=x onerror=alert(21)>© <a href="https://x">Sở</a>') == "© Sở"


def test_template_syntax_in_plan_strings_is_never_run_while_the_map_is_written(
        sample_plan: geoplan.Plan) -> None:
    """folium/branca read rendered scripts as Jinja once more: ``{{ ... }}`` in a plan string
    would run as template code (Python's globals are one attribute away)."""
    import dataclasses

    from geoplan.maps import interactive

    bad = "A{{ 6*7 }}B {{ lipsum.__globals__.os.getpid() }} {% if 1 %}X{% endif %} {# c #}"
    spec = dataclasses.replace(sample_plan.spec, name=bad, province=bad, settings={
        **sample_plan.spec.settings, "map": {"title": bad, "subtitle": bad, "attribution": bad}})
    layers = {k: dataclasses.replace(v, spec=dataclasses.replace(v.spec, title=bad))
              for k, v in sample_plan.layers.items()}
    plan = dataclasses.replace(sample_plan, spec=spec, layers=layers)
    text = interactive.map_html(interactive.plan_map(plan, offline=True))
    assert "A42B" not in text and f" {os.getpid()} " not in text
    assert text.count("A\\u0026#123;\\u0026#123; 6*7 \\u0026#125;\\u0026#125;B") >= 10


def test_a_dollar_in_a_plan_string_is_text_on_the_printable_map(sample_plan: geoplan.Plan,
                                                                 tmp_path: Path) -> None:
    import dataclasses

    from geoplan.maps import sheet

    bad = r"Giá $\frac{1$ và $x^$"
    spec = dataclasses.replace(sample_plan.spec, name=bad, settings={
        **sample_plan.spec.settings, "map": {"subtitle": bad, "attribution": bad}})
    plan = dataclasses.replace(sample_plan, spec=spec)
    out = sheet.write_static_map(plan, tmp_path / "s.png", dpi=60)
    assert out.stat().st_size > 10_000
    assert any(t.get_text() == bad for t in sheet.static_map(plan).texts)


def test_map_data_never_holds_a_less_than_sign() -> None:
    from geoplan.maps import codec

    text = codec.json_text({"name": "<!--<script>alert(1)</script>", "<k": "</script>"})
    assert "<" not in text
    assert json.loads(text) == {"name": "<!--<script>alert(1)</script>", "<k": "</script>"}


# ========================================================== 3. folders that are transactions


def _export_code(plan: Path, out: Path, *, sleep_after: int | None = None,
                 overwrite: bool = True) -> str:
    """Python code exporting ``plan`` into ``out``; with ``sleep_after`` it stops for a long
    time after that many GeoJSON files (to be killed there)."""
    slow = ""
    if sleep_after is not None:
        slow = f"""
import time
import geoplan.export.folder as folder
real = folder.write_geojson
count = [0]
def slow(*args, **kwargs):
    out = real(*args, **kwargs)
    count[0] += 1
    if count[0] == {sleep_after}:
        print("PAUSED", flush=True)
        time.sleep(600)
    return out
folder.write_geojson = slow
"""
    return (f"{slow}\nimport geoplan\nfrom geoplan.export import export_plan\n"
            f"export_plan(geoplan.load_plan({str(plan)!r}), {str(out)!r}, "
            f"overwrite={overwrite})\n")


def _python(code: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_kill_9_during_overwrite_leaves_the_previous_export_whole(tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_plan(geoplan.load_plan(SAMPLE), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _python(_export_code(SAMPLE, out, sleep_after=2))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "PAUSED", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    # the folder is the previous export, byte for byte, and its manifest verifies
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    verify_export(out)
    left = [p.name for p in tmp_path.iterdir() if p.name != "export"]
    assert left and all(n.startswith(".export.") for n in left), left  # staging and lock
    # the next run removes what the killed one left, and says so
    result = run_geoplan("export", SAMPLE, "-o", out, "--overwrite")
    assert result.returncode == 0, result.stderr
    assert "đã xóa 1 phần còn sót lại của lần chạy geoplan bị ngắt" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["export"]
    verify_export(out)


def test_two_real_processes_into_one_folder_leave_exactly_one_runs_export(tmp_path: Path
                                                                          ) -> None:
    plan_a = copy_sample(tmp_path / "a")
    plan_b = copy_sample(tmp_path / "b")
    toml = plan_b / "plan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'name = "Minh Hà 2021-2030 (sample)"', 'name = "Phương án B"'), encoding="utf-8")
    digests = {file_sha256(plan_a / "plan.toml"): "a", file_sha256(toml): "b"}
    out = tmp_path / "out"
    for _round in range(2):
        procs = [_python(_export_code(p, out)) for p in (plan_a, plan_b)]
        results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
        for code, err in results:
            assert code == 0 or "another geoplan run is writing this folder (process" in err, err
        manifest = verify_export(out)
        assert manifest["plan"]["sha256"] in digests
        names = {o["file"] for o in manifest["outputs"]}
        gpkg = next(n for n in names if n.endswith(".gpkg"))
        assert gpkg.startswith("phuong-an-b" if digests[manifest["plan"]["sha256"]] == "b"
                               else "minh-ha")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "out"]


def test_a_second_writer_is_refused_naming_the_process_that_holds_the_lock(tmp_path: Path
                                                                           ) -> None:
    out = tmp_path / "out"
    holder = _python(
        "import sys, time\nfrom pathlib import Path\nfrom geoplan.io.atomic import _FolderLock\n"
        f"lock = _FolderLock(Path({str(out)!r}))\nlock.acquire()\nprint('LOCKED', flush=True)\n"
        "time.sleep(600)\n")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        result = run_geoplan("export", SAMPLE, "-o", out)
        assert result.returncode == 1
        assert f"another geoplan run is writing this folder (process {holder.pid}" in \
            result.stderr
        assert "Traceback" not in result.stderr and not out.exists()
    finally:
        holder.kill()
        holder.wait()
    assert run_geoplan("export", SAMPLE, "-o", out).returncode == 0  # the lock went with it


def test_overwrite_replaces_a_previous_export_whole_and_keeps_other_files(
        mini_plan_path: Path, tmp_path: Path) -> None:
    plan = geoplan.load_plan(mini_plan_path)
    out = tmp_path / "out"
    findings = plan.layers["clusters"].frame.iloc[:0][["geometry"]]
    export_plan(plan, out, extra={"findings": ("findings", findings)})
    assert (out / "findings.geojson").exists()
    (out / "ghi-chu.txt").write_text("notes of the planner", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="exist already"):
        export_plan(plan, out)
    second = export_plan(plan, out, overwrite=True)  # no findings layer this time
    assert not (out / "findings.geojson").exists()  # the previous export's output is gone
    assert (out / "ghi-chu.txt").read_text(encoding="utf-8") == "notes of the planner"
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest == second.manifest
    assert {p.name for p in second.files} == {o["file"] for o in manifest["outputs"]} | {
        MANIFEST_NAME}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.fixture(scope="module")
def mini_plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from builders import province as mp

    return mp.write_plan(tmp_path_factory.mktemp("mini"))


# ================================================================= 4. faults of the system


@pytest.mark.parametrize(("code", "words"), [
    (errno.EACCES, "permission denied"),
    (errno.ENOSPC, "no space left on the disk"),
    (errno.EROFS, "the file system holding"),
    (errno.ENAMETOOLONG, "the path is too long"),
])
def test_every_os_fault_is_a_message_naming_the_path_and_what_was_kept(
        code: int, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "map.html"
    out.write_text("the previous map", encoding="utf-8")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "replace", fail)
    result = CliRunner().invoke(cli, ["map", str(SAMPLE), "-o", str(out), "--offline",
                                      "--no-findings", "--no-coverage", "--overwrite",
                                      "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert f"Error: {out}: cannot be written: {words}" in result.output
    assert "the existing map.html was left as it was" in result.output
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "the previous map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_a_gdal_commit_failure_on_a_full_disk_is_a_message(
        mini_plan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyogrio
    from pyogrio.errors import DataSourceError

    def fail(*args: Any, **kwargs: Any) -> None:
        raise DataSourceError("Failed to commit transaction")

    monkeypatch.setattr(pyogrio, "write_dataframe", fail)
    real = atomic.os.statvfs

    def full(path: Any) -> Any:
        s = real(path)
        return os.statvfs_result((s.f_bsize, s.f_frsize, s.f_blocks, 0, 0, s.f_files,
                                  s.f_ffree, s.f_favail, s.f_flag, s.f_namemax))

    monkeypatch.setattr(atomic.os, "statvfs", full)
    with pytest.raises(OutputWriteError, match=r"\.gpkg: cannot be written: no space left on "
                       r"the disk .*; no folder .*out was created \[DataSourceError: Failed to "
                       r"commit transaction\]"):
        export_plan(geoplan.load_plan(mini_plan_path), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no GeoJSON left behind


def test_a_path_too_long_is_a_message_for_real(tmp_path: Path) -> None:
    out = tmp_path / ("x" * 300 + ".html")
    result = run_geoplan("map", SAMPLE, "-o", out, "--offline", "--no-findings",
                         "--no-coverage")
    assert result.returncode == 1
    assert "the path is too long" in result.stderr and "Traceback" not in result.stderr
    assert "no file was created" in result.stderr


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Any:
    """Mount a tmpfs of the given size (and options) under tmp_path; unmount afterwards."""
    mounted: list[Path] = []

    def mount(size: str, *options: str) -> Path:
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        opts = ",".join((f"size={size}", *options))
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            realparts.skip_allowed_in_ci(f"cannot mount a tmpfs here ({proc.stderr.strip()}); "
                                         "the monkeypatched faults above still run")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def test_a_full_disk_for_real_leaves_nothing_behind(small_tmpfs: Any) -> None:
    disk = small_tmpfs("160k")
    result = run_geoplan("export", SAMPLE, "-o", disk / "out")
    assert result.returncode == 1, result.stderr
    assert "cannot be written: no space left on the disk" in result.stderr
    assert f"no folder {disk / 'out'} was created" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in disk.iterdir()) == []


def test_a_read_only_file_system_for_real(small_tmpfs: Any) -> None:
    disk = small_tmpfs("1m", "ro")
    for args in (("export", SAMPLE, "-o", disk / "out"),
                 ("map", SAMPLE, "-o", disk / "m.html", "--offline", "--no-findings",
                  "--no-coverage")):
        result = run_geoplan(*args)
        assert result.returncode == 1, result.stderr
        assert "is read-only; write elsewhere" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


# ============================================================ 5. outputs onto the inputs


def test_export_into_the_plan_folder_is_refused_and_the_plan_still_loads(tmp_path: Path
                                                                         ) -> None:
    plan = copy_sample(tmp_path / "p")
    before = {p.name: p.read_bytes() for p in plan.iterdir()}
    for target in (plan, plan / "export", tmp_path):
        result = run_geoplan("export", plan, "-o", target, "--overwrite")
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert ("holds the plan's input" in result.stderr
                or "lies inside the plan's folder" in result.stderr), result.stderr
    assert {p.name: p.read_bytes() for p in plan.iterdir()} == before
    geoplan.load_plan(plan)


def test_the_library_exports_below_the_plan_folder_but_never_onto_it(tmp_path: Path) -> None:
    plan_folder = copy_sample(tmp_path / "p")
    plan = geoplan.load_plan(plan_folder)
    for target in (plan_folder, tmp_path):
        with pytest.raises(OutputExistsError, match=r"holds the plan's input"):
            export_plan(plan, target, overwrite=True)
    # a workbench keeps each run's export beside the plan it was made from
    result = export_plan(plan, plan_folder / "runs" / "1" / "export")
    verify_export(result.folder)
    geoplan.load_plan(plan_folder)


def test_a_single_file_output_onto_an_input_is_refused(tmp_path: Path) -> None:
    plan = copy_sample(tmp_path / "p")
    before = (plan / "boundary.geojson").read_bytes()
    for args in (("check", plan, "-o", plan / "boundary.geojson", "--overwrite"),
                 ("grid", plan, "-o", plan / "power_plants.geojson", "--overwrite"),
                 ("coverage", plan, "-o", plan / "restricted_zones.geojson", "--overwrite")):
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 1, result.output
        assert "is an input of the plan" in result.output
    assert (plan / "boundary.geojson").read_bytes() == before
    geoplan.load_plan(plan)


# ================================================================== 6. guards on the size


def _zip_bomb(folder: Path, unpacked_mb: int) -> Path:
    """A zipped Shapefile whose .shp unpacks to ``unpacked_mb`` MB of (zero) vertices."""
    frame = clusters(1)
    frame.to_file(folder / "bomb.shp")
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.glob("bomb.*"):
            if part.suffix == ".zip":
                continue
            if part.suffix == ".shp":
                head = part.read_bytes()
                with zf.open("bomb.shp", "w", force_zip64=True) as fh:
                    fh.write(head)
                    block = bytes(1 << 20)
                    for _ in range(unpacked_mb):
                        fh.write(block)
            else:
                zf.write(part, part.name)
    return path


def test_a_zip_bomb_shapefile_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = _zip_bomb(tmp_path, 40)
    assert bomb.stat().st_size < 1_000_000
    b = PlanBuilder(tmp_path, max_layer_mb=20)
    b.layers["bomb"] = {"kind": "industrial_cluster", "path": "bomb.zip"}
    with pytest.raises(PlanValidationError) as info:
        geoplan.load_plan(b.write())
    text = info.value.report.to_text()
    assert "unpack to 42.0 MB from" in text or "unpack to 41" in text, text
    assert "over the limit of 20 MB per layer; it is refused before it is decoded" in text
    assert "[plan] max_layer_mb" in text


def test_the_vertex_limit_refuses_a_layer_that_decodes_to_too_many_vertices(tmp_path: Path
                                                                            ) -> None:
    line = shapely.LineString([(X0 + (i % 2) * 10, Y0 + i) for i in range(100_000)])
    frame = gpd.GeoDataFrame({"id": ["L1"], "voltage_kv": [110]}, geometry=[line], crs=ZONE)
    frame.to_parquet(tmp_path / "line.parquet", compression="zstd")
    assert (tmp_path / "line.parquet").stat().st_size < 1_000_000
    with pytest.raises(LayerReadError, match=r"decodes to 100,000 vertices, over the limit of "
                                             r"62,500 \(\[plan\] max_layer_mb = 1 MB"):
        io.read_vector(tmp_path / "line.parquet", max_bytes=1_000_000)
    assert len(io.read_vector(tmp_path / "line.parquet")) == 1  # under the default


def test_fifos_and_devices_are_refused_by_type_without_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.geojson")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    b = PlanBuilder(tmp_path)
    b.layers["pipe"] = {"kind": "industrial_cluster", "path": "pipe.geojson"}
    b.layers["zero"] = {"kind": "trade_facility", "path": "zero.csv", "x_field": "x",
                        "y_field": "y"}
    plan = b.write()
    code = ("import geoplan\nr = geoplan.validate_plan(" + repr(str(plan)) + ")\n"
            "print(r.to_text())")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # a hang would time out
    assert done.returncode == 0, done.stderr
    assert "pipe.geojson: is a FIFO (named pipe), not a file" in done.stdout
    assert "zero.csv (a link to /dev/zero): is a character device, not a file" in done.stdout


def test_max_layer_mb_is_checked(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, max_layer_mb="big")
    b.add("clusters", "industrial_cluster", clusters())
    with pytest.raises(PlanError, match=r"max_layer_mb must be a number of megabytes > 0"):
        geoplan.load_plan(b.write())


# ======================================================================= 7. layer names


@pytest.mark.parametrize(("first", "second", "how"), [
    ("Clusters", "clusters", "differ only in case"),
    ("Cụm", unicodedata.normalize("NFD", "Cụm"), "two Unicode spellings"),
    ("CỤM", unicodedata.normalize("NFD", "cụm"), "two Unicode spellings"),
])
def test_layer_names_equal_but_for_case_or_normalisation_collide(
        tmp_path: Path, first: str, second: str, how: str) -> None:
    path = tmp_path / "c.gpkg"
    clusters().to_file(path)
    plan_toml = tmp_path / "plan.toml"
    plan_toml.write_text(f'[plan]\nname = "x"\nanalysis_crs = "{ZONE}"\n'
                         f'[layers."{first}"]\nkind = "industrial_cluster"\npath = "c.gpkg"\n'
                         f'[layers."{second}"]\nkind = "industrial_cluster"\npath = "c.gpkg"\n',
                         encoding="utf-8")
    with pytest.raises(PlanError, match=rf"\[layers\.{first}\] and \[layers\.{second}\] .*{how}"):
        geoplan.load_plan(plan_toml)
    result = CliRunner().invoke(cli, ["export", str(plan_toml), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert path.exists()


def test_an_extra_layer_named_as_a_plan_layer_but_for_case_is_refused(mini_plan_path: Path,
                                                                      tmp_path: Path) -> None:
    plan = geoplan.load_plan(mini_plan_path)
    frame = plan.layers["clusters"].frame.iloc[:0]
    with pytest.raises(PlanError, match=r"has a layer named 'clusters', which the export uses "
                                        r"\(as 'CLUSTERS'"):
        export_plan(plan, tmp_path / "o", extra={"CLUSTERS": ("findings", frame)})


# ===================================================================== 8. inputs that load


def test_a_utf8_csv_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    (tmp_path / "tm.csv").write_bytes("\ufeffma,ten,x,y\nTM1,Chợ Hà,106.05,21.15\n"
                                      .encode("utf-8"))
    b = PlanBuilder(tmp_path, analysis_crs=ZONE)
    b.layers["tm"] = {"kind": "trade_facility", "path": "tm.csv", "x_field": "x",
                      "y_field": "y", "crs": "EPSG:4326", "encoding": "utf-8",
                      "fields": {"id": "ma", "name": "ten"},
                      "defaults": {"type": "market", "status": "existing"}}
    plan = geoplan.load_plan(b.write())
    assert list(plan.layers["tm"].frame["id"]) == ["TM1"]


def test_a_plan_toml_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("clusters", "industrial_cluster", clusters())
    path = b.write()
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert geoplan.load_plan(path).name == "Test plan"


def test_a_geojson_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    frame = clusters().to_crs(4326)
    (tmp_path / "c.geojson").write_bytes(b"\xef\xbb\xbf" + frame.to_json().encode("utf-8"))
    b = PlanBuilder(tmp_path)
    b.layers["c"] = {"kind": "industrial_cluster", "path": "c.geojson",
                     "fields": {"name": "ten", "status": "trang_thai"}}
    assert len(geoplan.load_plan(b.write()).layers["c"].frame) == 3


def test_an_empty_feature_collection_is_an_empty_layer_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "none.geojson").write_text('{"type": "FeatureCollection", "features": []}',
                                           encoding="utf-8")
    b = PlanBuilder(tmp_path)
    b.add("clusters", "industrial_cluster", clusters())
    b.layers["none"] = {"kind": "industrial_cluster", "path": "none.geojson",
                        "fields": {"id": "ma", "name": "ten", "status": "trang_thai"}}
    plan = geoplan.load_plan(b.write())
    assert len(plan.layers["none"].frame) == 0
    problems = [p for p in plan.report.problems if p.layer == "none"]
    assert [(p.severity, p.code) for p in problems] == [("warning", "empty-layer")]


def test_a_kmz_of_gdals_own_kml_keeps_its_schema_fields(tmp_path: Path) -> None:
    import pyogrio

    frame = clusters().rename(columns={"id": "ma"}).to_crs(4326)
    pyogrio.write_dataframe(frame, tmp_path / "c.kml", driver="KML")
    assert "<SchemaData" in (tmp_path / "c.kml").read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "c.kmz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp_path / "c.kml", "doc.kml")
    raw = io.read_vector(tmp_path / "c.kmz")
    assert {"ma", "ten", "trang_thai", "dien_tich"} <= set(raw.columns)
    assert sorted(raw["ma"]) == ["C1", "C2", "C3"]


# ======================================================================== 9. messages


def test_a_file_that_is_no_table_is_described_never_quoted(tmp_path: Path) -> None:
    secret = "root:$6$Zk3Q9sEcReT:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
    (tmp_path / "shadow").write_text(secret, encoding="utf-8")
    (tmp_path / "shadow.csv").symlink_to(tmp_path / "shadow")
    (tmp_path / "shadow.geojson").symlink_to(tmp_path / "shadow")
    b = PlanBuilder(tmp_path)
    b.layers["t"] = {"kind": "trade_facility", "path": "shadow.csv", "x_field": "x",
                     "y_field": "y"}
    b.layers["v"] = {"kind": "industrial_cluster", "path": "shadow.geojson"}
    b.layers["s"] = {"kind": "industrial_cluster", "path": "shadow"}
    text = geoplan.validate_plan(b.write()).to_text()
    for piece in ("$6$", "Zk3Q9", "daemon", "99999"):
        assert piece not in text, text
    assert text.count("it looks like a text file (2 lines)") == 3, text


def test_an_all_nodata_population_raster_is_a_warning(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    import rasterio

    folder = copy_sample(tmp_path / "p")
    with rasterio.open(folder / "population.tif") as src:
        profile = src.profile
        shape = (src.height, src.width)
        nodata = src.nodata if src.nodata is not None else -99999.0
    profile.update(nodata=nodata)
    with rasterio.open(folder / "population.tif", "w", **profile) as dst:
        dst.write(np.full(shape, nodata, dtype=profile["dtype"]), 1)
    plan = geoplan.load_plan(folder)
    with caplog.at_level(logging.WARNING, logger="geoplan"):
        result = geoplan.pipeline.run_coverage(plan)
    summary = result.summary()
    assert summary["population_total"] == 0.0
    assert "every cell inside the province is nodata or 0" in summary["population_warning"]
    assert any("mọi ô trong địa bàn tỉnh đều là nodata hoặc 0" in r.getMessage()
               for r in caplog.records)


def test_a_dangling_symlink_is_called_one(tmp_path: Path) -> None:
    (tmp_path / "gone.geojson").symlink_to(tmp_path / "moved-away" / "gone.geojson")
    with pytest.raises(LayerReadError, match=r"gone\.geojson: is a symbolic link to .*moved-away"
                                             r"/gone\.geojson, which does not exist \(a dangling "
                                             r"link\)") as info:
        io.read_vector(tmp_path / "gone.geojson")
    assert "similar name" not in str(info.value)


def test_leftovers_of_interrupted_runs_are_found_and_removed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pid = dead_pid()
    gone = [tmp_path / f".r.gpkg.geoplan-{pid}-ab12cd34.gpkg",
            tmp_path / f".r.gpkg.geoplan-{pid}-ab12cd34.gpkg-journal",
            tmp_path / f".clusters.shp.zip.geoplan-{pid}-k2j4l5"]
    for path in gone[:2]:
        path.write_bytes(b"partial")
    gone[2].mkdir()
    (gone[2] / "clusters.shp").write_bytes(b"partial")
    alive = tmp_path / ".other.html.geoplan-1-ffff.html"  # process 1 runs: kept
    alive.write_bytes(b"a run that is still at work")
    with caplog.at_level(logging.WARNING, logger="geoplan"), \
            atomic.atomic_path(tmp_path / "x.json") as tmp:
        tmp.write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "x.json"])
    assert any("đã xóa 3 phần còn sót lại của lần chạy geoplan bị ngắt" in r.getMessage()
               for r in caplog.records)


def test_a_busy_lock_is_an_output_busy_error_in_process(tmp_path: Path) -> None:
    lock = atomic._FolderLock(tmp_path / "out")
    lock.acquire()
    try:
        proc = _python("from pathlib import Path\nfrom geoplan.io.atomic import staged_folder\n"
                       f"with staged_folder(Path({str(tmp_path / 'out')!r})):\n    pass\n")
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1 and OutputBusyError.__name__ in err
        assert f"process {os.getpid()}" in err
    finally:
        lock.release()
    with atomic.staged_folder(tmp_path / "out") as stage:
        (stage / "a.txt").write_text("a", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == "a"
