"""``geoplan map``: exit codes, outputs, options; pipeline.build_map from Python."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import geoplan
from geoplan import pipeline
from geoplan.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_offline_html_with_every_result(sample_plan_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "maps" / "sample.html"
    code, stdout, stderr = run("map", str(sample_plan_path), "-o", str(out), "--offline",
                               "--sites", "1")
    assert code == 0, stderr
    assert stdout.strip() == str(out)
    assert re.search(r"bản đồ: .*sample\.html \(\d+,\d MB\)", stderr)
    html = out.read_text(encoding="utf-8")
    names = set(re.findall(r'<script type="application/json" id="[^"]+">\{[^<]*?"name":"'
                           r'([^"]+)"', html))
    assert names >= {"clusters", "lines", "findings", "coverage-gap", "coverage-proposed"}
    assert "L.tileLayer(" not in html


def test_default_output_and_overwrite(sample_plan_path: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["map", str(sample_plan_path), "--no-findings", "--no-coverage", "--no-grid"]
    code, stdout, _ = run(*args)
    assert code == 0 and stdout.strip() == str(Path("maps") / "sample.html")
    assert (tmp_path / "maps" / "sample.html").exists()
    code, _, stderr = run(*args)
    assert code == 1 and "đã tồn tại; thêm --overwrite" in stderr
    code, _, _ = run(*args, "--overwrite")
    assert code == 0


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_printable_sheets(sample_plan_path: Path, tmp_path: Path, suffix: str,
                          magic: bytes) -> None:
    out = tmp_path / f"sheet{suffix}"
    code, _, stderr = run("map", str(sample_plan_path), "-o", str(out), "--paper", "A4",
                          "--no-coverage", "--no-grid")
    assert code == 0, stderr
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-o", "m.html", "--paper", "A4"], 2, "--paper applies to a .png or .pdf sheet"),
        (["-o", "m.pdf", "--offline"], 2, "--offline applies to an .html map"),
        (["-o", "m.svg"], 1, "a map is written as .html (interactive), .png or .pdf"),
        (["-o", "m.html", "--layer", "nope", "--no-findings", "--no-coverage", "--no-grid"], 1,
         "no layer 'nope' in the plan; layers: boundary"),
        (["-o", "m.png", "--paper", "A5"], 2, "Invalid value for '--paper'"),
    ],
)
def test_bad_options(sample_plan_path: Path, tmp_path: Path, args: list[str], code: int,
                     message: str) -> None:
    args = [a if not a.startswith("m.") else str(tmp_path / a) for a in args]
    got, _, stderr = run("map", str(sample_plan_path), *args)
    assert got == code
    assert message in stderr
    assert "Traceback" not in stderr


def test_build_map_returns_a_folium_map(sample_plan: geoplan.Plan) -> None:
    folium = pytest.importorskip("folium")
    m = pipeline.build_map(sample_plan, coverage=False, grid=False, offline=True)
    assert isinstance(m, folium.Map)
    kinds = {c.kind for c in m._children.values() if type(c).__name__ == "DataLayer"}
    assert "findings" in kinds and "coverage_gap" not in kinds
    assert "<div" in m._repr_html_()  # displays inline in a notebook


def test_map_results_leaves_out_what_cannot_be_computed(
        sample_plan: geoplan.Plan, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def no_coverage(*_args: object, **_kwargs: object) -> None:
        raise geoplan.PlanError("coverage needs substations")

    monkeypatch.setattr(geoplan.coverage, "compute_coverage", no_coverage)
    results = pipeline.map_results(sample_plan, grid=False)
    assert results["coverage"] is None and results["findings"] is not None
    assert "bỏ qua phần coverage: coverage needs substations" in caplog.text
