"""Progress of the stages: the library reports (geoplan.progress), the command line draws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import geoplan
from geoplan import progress
from geoplan.cli import cli
from geoplan.progress import Listener, Recorder, listening, stage, stage_label

PDP8_LIST = Path(__file__).parent / "data" / "pdp8" / "sample_national.csv"


# ------------------------------------------------------------------------------ library


def test_a_listener_hears_the_stages_of_analyse_in_order(sample_plan_path: Path) -> None:
    with listening(Recorder()) as heard:
        analysis = geoplan.analyse(sample_plan_path, site=1)
    assert heard.names() == ["read", "grid", "checks", "coverage", "siting"]
    # one step per layer of the plan file, each named; the boundary is read first
    read = [item for event, name, item in heard.events if event == "advance" and name == "read"]
    assert sorted(read) == sorted(ls.name for ls in analysis.plan.spec.layers)
    assert read[0] == "boundary"
    assert ("start", "read", len(analysis.plan.spec.layers)) in heard.events
    assert ("start", "siting", 1) in heard.events
    # every stage ends, the siting inside the coverage
    ends = [name for event, name, _ in heard.events if event == "end"]
    assert ends == ["read", "grid", "checks", "siting", "coverage"]


def test_the_delivery_stages_follow_the_analysis(sample_plan_path: Path, tmp_path: Path
                                                 ) -> None:
    from geoplan import pipeline

    with listening(Recorder()) as heard:
        pipeline.run_demo(sample_plan_path, tmp_path / "demo", sites=0)
    assert heard.names() == ["read", "grid", "checks", "coverage", "map", "export", "report"]


def test_nobody_listening_costs_one_shared_silent_stage() -> None:
    assert progress.current_listener() is None
    first, second = stage("read", total=3), stage("map")
    assert first is second  # nothing is built per call
    with first as s:
        s.advance(5, item="x")  # does nothing, raises nothing


def test_listening_nests_and_restores_the_listener() -> None:
    outer, inner = Recorder(), Recorder()
    with listening(outer):
        with stage("map"), listening(inner), stage("report") as s:
            s.advance(item="page")
        assert progress.current_listener() is outer
    assert progress.current_listener() is None
    assert outer.names() == ["map"] and inner.names() == ["report"]
    assert ("advance", "report", "page") in inner.events


def test_a_listener_overrides_only_what_it_needs() -> None:
    class Starts(Listener):
        def __init__(self) -> None:
            self.started: list[tuple[str, int | None]] = []

        def on_stage(self, name: str, total: int | None) -> None:
            self.started.append((name, total))

    with listening(Starts()) as starts, stage("export", total=2) as s:
        s.advance()
    assert starts.started == [("export", 2)]


def test_a_stage_ends_when_its_work_fails() -> None:
    with listening(Recorder()) as heard, pytest.raises(ValueError, match="boom"), \
            stage("grid"):
        raise ValueError("boom")
    assert heard.events == [("start", "grid", None), ("end", "grid", None)]


def test_stage_labels_are_vietnamese_first() -> None:
    assert stage_label("read") == "Đọc các lớp"
    assert stage_label("read", "en") == "Reading layers"
    assert stage_label("unheard-of") == "unheard-of"


# -------------------------------------------------------------------------- command line


def test_forced_progress_draws_the_stages_on_stderr_and_keeps_stdout_json(
        sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--format", "json",
                                   "--progress"])
    assert res.exit_code in (0, 3), res.output
    data = json.loads(res.stdout)  # stdout: the JSON document alone
    assert data["summary"]["stage"] == "check"
    for label in ("Đọc các lớp", "Lưới điện", "Kiểm tra quy định"):
        assert label in res.stderr
    assert "9/9" in res.stderr  # one step per layer of the sample plan


def test_progress_speaks_the_commands_language(sample_plan_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--progress", "--lang", "en",
                                   "--only", "overlap"])
    assert res.exit_code in (0, 3), res.output
    assert "Reading layers" in res.stderr and "Checks" in res.stderr
    assert "Đọc các lớp" not in res.stderr


@pytest.mark.parametrize("flags", [[], ["--no-progress"]], ids=["auto", "off"])
def test_no_progress_when_stderr_is_not_a_terminal_or_when_switched_off(
        sample_plan_path: Path, flags: list[str]) -> None:
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--format", "json", *flags])
    assert res.exit_code in (0, 3), res.output
    assert "Đọc các lớp" not in res.stderr and "\r" not in res.stderr
    json.loads(res.stdout)


def test_quiet_keeps_a_terminal_free_of_bars(sample_plan_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from geoplan.cli import options

    monkeypatch.setattr(options, "_isatty", lambda stream: True)  # as on a terminal
    monkeypatch.setattr(options, "AUTO_PROGRESS_DELAY", 0.0)
    shown = CliRunner().invoke(cli, ["validate", str(sample_plan_path)])
    assert "Đọc các lớp" in shown.stderr
    quiet = CliRunner().invoke(cli, ["-q", "validate", str(sample_plan_path)])
    assert quiet.exit_code == shown.exit_code == 0, quiet.output
    assert "Đọc các lớp" not in quiet.stderr


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["validate", "{plan}"], "Đọc các lớp"),
        (["check", "{plan}", "--only", "overlap"], "Kiểm tra quy định"),
        (["coverage", "{plan}", "--format", "json"], "Phạm vi cấp điện"),
        (["grid", "{plan}", "--format", "json"], "Lưới điện"),
        (["pdp8", "{plan}", "--list", str(PDP8_LIST)], "Đối chiếu QHĐ VIII"),
        (["map", "{plan}", "-o", "{tmp}/m.html", "--offline", "--no-coverage"], "Bản đồ"),
        (["export", "{plan}", "-o", "{tmp}/x"], "Xuất dữ liệu"),
        (["report", "{plan}", "-o", "{tmp}/r.html", "--no-maps"], "Báo cáo"),
        (["diff", "{plan}", "{plan}"], "So sánh phương án"),
        (["compare", "{plan}", "{plan}", "-o", "{tmp}/c.html", "--no-maps"],
         "Đối chiếu phương án"),
        (["demo", "{plan}", "-o", "{tmp}/demo", "--sites", "1"], "Đề xuất vị trí trạm"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_every_progress_command_draws_its_stages(args: list[str], label: str,
                                                 sample_plan_path: Path, tmp_path: Path
                                                 ) -> None:
    argv = [a.format(plan=sample_plan_path, tmp=tmp_path) for a in args]
    res = CliRunner().invoke(cli, [*argv, "--progress"])
    assert res.exit_code in (0, 3), res.output
    assert label in res.stderr
    assert label not in res.stdout
