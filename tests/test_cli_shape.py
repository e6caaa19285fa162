"""The shape of the command line: one JSON shape, one finding count, one analysis per command.

``check``, ``coverage`` and ``grid`` print the same ``--format json`` shape; the map of a plan
shows as many check findings as ``geoplan check`` reports; every command builds the grid, the
coverage and the plan rules at most once; ``geoplan.cli`` is a group of one module per command.
"""

from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import geoplan.cli
from geoplan.cli import cli
from geoplan.cli.options import handle_errors
from geoplan.cli.output import echo_result, finding_text, records
from geoplan.errors import PlanError
from geoplan.findings import FINDING_COLUMNS

SEVERITIES = ("error", "warning", "info")
CHECK_LABEL = "Kết quả kiểm tra / Check findings"
SAMPLE_CHECKS = 22  # the sample's check findings: 7 errors, 3 warnings, 12 notes


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    res = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in res.output, res.output
    return res.exit_code, json.loads(res.stdout)


@pytest.fixture(scope="module")
def shapes(sample_plan_path: Path) -> dict[str, tuple[int, dict[str, Any]]]:
    plan = str(sample_plan_path)
    return {stage: _json(stage, plan, "--format", "json")
            for stage in ("check", "coverage", "grid")}


@pytest.mark.parametrize("stage", ["check", "coverage", "grid"])
def test_one_json_shape(shapes: dict[str, tuple[int, dict[str, Any]]], stage: str) -> None:
    code, data = shapes[stage]
    assert code == 3  # the sample's planted errors
    assert list(data) == ["summary", "findings", "tables"]
    summary = data["summary"]
    assert summary["stage"] == stage
    counts = summary["findings"]
    assert set(counts) == {"total", "error", "warning", "info", "by_rule"}
    findings = data["findings"]
    assert counts["total"] == len(findings) > 0
    for severity in SEVERITIES:
        assert counts[severity] == sum(f["severity"] == severity for f in findings), severity
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    assert counts["by_rule"] == by_rule
    # the common findings schema, without geometry
    assert all(list(f) == [c for c in FINDING_COLUMNS if c != "geometry"] for f in findings)
    assert isinstance(data["tables"], dict) and data["tables"]
    assert all(isinstance(rows, list) for rows in data["tables"].values())


def _layer_count(html: str, label: str) -> int:
    """N of the map's layer-control entry ``label (N)``: the entries are JSON-escaped strings
    inside the page's script (tags around the English half and the count are stripped)."""
    texts = [json.loads(f'"{m.group(1)}"') for m in re.finditer(
        r'"((?:[^"\\\n]|\\.)*?Check findings(?:[^"\\\n]|\\.)*?)"', html)]
    counts = set()
    for text in texts:
        plain = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", "", text))
        counts.update(int(n.replace(",", "")) for n in re.findall(
            re.escape(label) + r" \((\d[\d,]*)\)", plain))
    assert len(counts) == 1, f"layer {label!r}: counts found {sorted(counts)}"
    return counts.pop()


def test_map_shows_as_many_findings_as_check(shapes: dict[str, tuple[int, dict[str, Any]]],
                                             sample_plan_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "sample.html"
    res = CliRunner().invoke(cli, ["map", str(sample_plan_path), "-o", str(out), "--offline"])
    assert res.exit_code == 0, res.output
    _, check = shapes["check"]
    assert len(check["findings"]) == check["summary"]["findings"]["total"] == SAMPLE_CHECKS
    assert _layer_count(out.read_text(encoding="utf-8"), CHECK_LABEL) == SAMPLE_CHECKS


# ------------------------------------------------------------------ one analysis per command


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate", "{plan}"], (0, 0, 0)),
        (["check", "{plan}"], (1, 0, 1)),
        (["check", "{plan}", "--only", "overlap"], (0, 0, 1)),
        (["coverage", "{plan}", "--format", "json"], (1, 1, 0)),  # grid: inferred voltages
        (["grid", "{plan}", "--format", "json"], (1, 0, 0)),
        (["map", "{plan}", "-o", "{tmp}/m.html", "--offline"], (1, 1, 1)),
        (["export", "{plan}", "-o", "{tmp}/x", "--findings", "--coverage"], (1, 1, 1)),
        (["report", "{plan}", "-o", "{tmp}/r.html", "--no-maps"], (1, 1, 1)),
        (["demo", "{plan}", "-o", "{tmp}/demo", "--sites", "1"], (1, 1, 1)),
    ],
    ids=["validate", "check", "check-only", "coverage", "grid", "map", "export", "report",
         "demo"],
)
def test_each_command_computes_each_stage_at_most_once(
        args: list[str], expected: tuple[int, int, int], sample_plan_path: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import geoplan.analysis
    import geoplan.coverage
    import geoplan.grid

    calls = {"grid": 0, "coverage": 0, "rules": 0}

    def counting(stage: str, func: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            calls[stage] += 1
            return func(*a, **k)
        return wrapper

    monkeypatch.setattr(geoplan.grid, "analyse_plan",
                        counting("grid", geoplan.grid.analyse_plan))
    monkeypatch.setattr(geoplan.coverage, "compute_coverage",
                        counting("coverage", geoplan.coverage.compute_coverage))
    monkeypatch.setattr(geoplan.analysis, "_run_plan_rules",
                        counting("rules", geoplan.analysis._run_plan_rules))
    argv = [a.format(plan=sample_plan_path, tmp=tmp_path) for a in args]
    res = CliRunner().invoke(cli, argv)
    assert res.exit_code in (0, 3), res.output
    assert (calls["grid"], calls["coverage"], calls["rules"]) == expected, calls


# ------------------------------------------------------------------------ the package shape


#: The commands whose library work reports stages (geoplan.progress), with --progress.
PROGRESS_COMMANDS = {"validate", "check", "coverage", "grid", "pdp8", "map", "export", "report",
                     "diff", "compare", "demo", "import-osm", "import-dxf", "merge-plans"}


def test_one_module_per_command_all_registered() -> None:
    shared = {"options", "output"}
    modules = {m.name for m in pkgutil.iter_modules(geoplan.cli.__path__)} - shared
    assert modules == {"validate", "check", "coverage", "grid", "pdp8", "export", "report",
                       "diff", "demo", "map", "rules", "datain", "compare",
                       "serve"}
    # one module per command; the importers' three commands share theirs
    homes = {name: command.callback.__module__ for name, command in cli.commands.items()
             if command.callback is not None}
    assert set(homes) == (modules - {"datain"}) | {"import-osm", "import-dxf", "merge-plans"}
    assert {h.removeprefix("geoplan.cli.") for h in homes.values()} == modules
    for name, command in cli.commands.items():
        assert homes[name] == f"geoplan.cli.{name}" or homes[name] == "geoplan.cli.datain", name
        assert command.epilog and "Exit codes" in command.epilog, name
        # no option that does nothing: --progress only where the work reports its stages
        # (each drawn by tests/test_progress.py::test_every_progress_command_draws_its_stages)
        has_progress = any(p.name == "progress" for p in command.params)
        assert has_progress == (name in PROGRESS_COMMANDS), name


def test_import_of_the_cli_stays_light() -> None:
    code = ("import sys, geoplan.cli\n"
            "heavy = ['folium', 'branca', 'matplotlib', 'scipy', 'networkx', 'openpyxl', "
            "'jinja2', 'rasterio']\n"
            "print(','.join(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import geoplan.cli imported: {out}"


# ------------------------------------------------------------------------- the serializer


class _Result:
    """A minimal object of the result protocol."""

    def __init__(self, findings: pd.DataFrame, table: pd.DataFrame) -> None:
        self.findings = findings
        self._table = table

    def summary(self) -> dict[str, Any]:
        return {"stage": "test", "share": np.float64("nan"), "n": np.int64(2)}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"t": self._table}


def _finding(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(FINDING_COLUMNS)
    row.update(rule="overlap", severity="error", layer="clusters", feature_id="A",
               message="A overlaps B.", reference="Art. 1")
    row.update(values)
    return row


def test_echo_result_writes_null_for_missing_and_plain_numbers() -> None:
    findings = pd.DataFrame([_finding(value=np.float64(4.5), unit="ha"),
                             _finding(value=float("nan"))])
    table = pd.DataFrame({"a": [1.0, np.nan], "b": pd.array([1, None], dtype="Int64"),
                          "geometry": [None, None]})

    @click.command()
    def show() -> None:
        echo_result(_Result(findings, table))

    res = CliRunner().invoke(show)
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    data = json.loads(res.stdout)
    assert data["summary"] == {"stage": "test", "share": None, "n": 2}
    assert [f["value"] for f in data["findings"]] == [4.5, None]
    assert data["tables"] == {"t": [{"a": 1.0, "b": 1}, {"a": None, "b": None}]}
    assert records(table, ["b", "missing", "a"]) == [{"b": 1, "a": 1.0},
                                                     {"b": None, "a": None}]


def test_finding_text() -> None:
    rec = _finding(other_layer="clusters", other_id="B", value=4.72, unit="ha")
    assert finding_text(rec).splitlines() == [
        "ERROR   overlap           clusters:A ↔ clusters:B  4.72 ha",
        "        A overlaps B.",
        "        [Art. 1]",
    ]
    plan_wide = _finding(feature_id=None, severity="info", reference=None)
    assert finding_text(plan_wide, rule_width=10).splitlines() == [
        "INFO    overlap    (plan)", "        A overlaps B."]


def test_handle_errors_prints_the_message_and_exits_1() -> None:
    @click.command()
    @handle_errors
    def failing() -> None:
        raise PlanError("plan.toml: no [province]; add province = \"Bắc Ninh\"")

    res = CliRunner().invoke(failing)
    assert res.exit_code == 1
    assert res.stderr == "Lỗi: plan.toml: no [province]; add province = \"Bắc Ninh\"\n"
    assert "Traceback" not in res.output


def _rowwise_text(frame: pd.DataFrame, rule_width: int) -> str:
    """The text of each finding the row-wise way (a dict per finding, each value made plain),
    as echo_findings printed it before it was built column by column."""
    from geoplan.cli.output import FINDING_FIELDS, _plain

    cols = [c for c in FINDING_FIELDS if c in frame.columns]
    recs = [{c: _plain(v) for c, v in zip(cols, row, strict=True)}
            for row in frame[cols].itertuples(index=False, name=None)]
    return "".join(finding_text(r, rule_width=rule_width) + "\n" for r in recs)


def _awkward_findings() -> pd.DataFrame:
    """Findings with every kind of value the text format meets: missing as None, NaN and
    pd.NA, numpy scalars in object columns, empty and padded units, empty references,
    a plan-wide finding, pairs with and without the other layer, long rules."""
    rows = [
        _finding(other_layer="clusters", other_id="B", value=4.72, unit="ha"),
        _finding(feature_id=None, severity="info", reference=None),
        _finding(value=1234567.891, unit=None, reference=""),
        _finding(value=np.int64(3), unit="", other_id=np.int64(7)),  # no other layer: "None"
        _finding(value=np.float32(0.5), unit=" km ", feature_id=np.int64(12)),
        _finding(value=pd.NA, unit="ha", reference=float("nan"), layer=None),
        _finding(rule="grid-interconnection", severity="warning", value=-0.004, unit="m"),
        _finding(message="Tên có\nxuống dòng và \x1b[31mmàu\x1b[0m", feature_id="Đ-01 ",
                 other_layer="trade", other_id="TM-1", value=float("nan")),
    ]
    frame = pd.DataFrame(rows).astype({c: object for c in FINDING_COLUMNS if c != "value"})
    frame["value"] = frame["value"].astype(object)
    return frame


@pytest.mark.parametrize("numeric_value", [False, True])
def test_findings_text_is_the_text_of_each_finding(numeric_value: bool) -> None:
    from geoplan.cli.output import findings_text

    frame = _awkward_findings()
    if numeric_value:  # the findings schema's own dtype
        frame["value"] = pd.to_numeric(frame["value"].astype(object).where(
            frame["value"].notna(), np.nan), errors="coerce").astype("float64")
    for width in (17, 5, 30):
        assert findings_text(frame, rule_width=width) == _rowwise_text(frame, width)
    text = findings_text(frame)
    assert text.startswith("ERROR   overlap           clusters:A ↔ clusters:B  4.72 ha\n")
    assert "\nINFO    overlap           (plan)\n        A overlaps B.\nERROR" in text
    assert "clusters:A  1,234,567.89\n        A overlaps B.\nERROR" in text
    assert "clusters:A ↔ None:7  3.00\n" in text
    assert "clusters:12  0.50  km\n" in text
    assert "        [Art. 1]\n" in text and "[]" not in text


def test_echo_findings_prints_the_findings_text_in_one_write() -> None:
    from geoplan.cli.output import echo_findings, findings_text

    frame = _awkward_findings()

    @click.command()
    @click.option("--fit", is_flag=True)
    def show(fit: bool) -> None:
        echo_findings(frame, rule_width=None if fit else 17)

    res = CliRunner().invoke(show)
    assert res.exit_code == 0, res.output
    # click.echo, as before: escape codes from the files reach a terminal, not a pipe
    assert res.stdout == click.unstyle(findings_text(frame, rule_width=17))
    assert "\x1b[31m" not in res.stdout and "dòng và màu\n" in res.stdout
    on_terminal = CliRunner().invoke(show, color=True).stdout
    assert on_terminal == findings_text(frame, rule_width=17) == _rowwise_text(frame, 17)
    fitted = CliRunner().invoke(show, ["--fit"]).stdout  # the longest rule: 20 characters
    assert fitted == click.unstyle(_rowwise_text(frame, len("grid-interconnection")))
    assert fitted.splitlines()[0] == ("ERROR   overlap              clusters:A ↔ clusters:B  "
                                      "4.72 ha")
    empty = CliRunner().invoke(click.command()(lambda: echo_findings(frame.iloc[:0])))
    assert empty.stdout == "Không có phát hiện nào.\n"
    empty = CliRunner().invoke(click.command()(lambda: echo_findings(frame.iloc[:0],
                                                                      lang="en")))
    assert empty.stdout == "No findings.\n"


@pytest.mark.parametrize(("lang", "expected"), [
    (None, "Lỗi: không có mục [province]; hãy thêm province = \"Bắc Ninh\"\n"),
    ("vi", "Lỗi: không có mục [province]; hãy thêm province = \"Bắc Ninh\"\n"),
    ("en", "Error: no [province]; add province = \"Bắc Ninh\"\n"),
])
def test_handle_errors_speaks_the_language_of_lang(lang: str | None, expected: str) -> None:
    from geoplan.cli.options import lang_option
    from geoplan.messages import Text

    @click.command()
    @lang_option
    @handle_errors
    def failing(lang: str | None) -> None:
        raise PlanError(Text("không có mục [province]; hãy thêm province = \"Bắc Ninh\"",
                             "no [province]; add province = \"Bắc Ninh\""))

    res = CliRunner().invoke(failing, [] if lang is None else ["--lang", lang])
    assert res.exit_code == 1
    assert res.stderr == expected
    assert "Traceback" not in res.output


def test_a_bilingual_error_is_english_to_python() -> None:
    from geoplan.messages import Text

    exc = PlanError(Text("thiếu tệp", "missing file"))
    assert str(exc) == "missing file" and exc.args == ("missing file",)
    assert exc.message_in("vi") == "thiếu tệp" and exc.message_in("en") == "missing file"
    assert PlanError("plain").message_in("vi") == "plain"
    with pytest.raises(ValueError, match="missing file"):  # still a ValueError
        raise exc
