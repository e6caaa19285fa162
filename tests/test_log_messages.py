"""The library's log messages a planner sees on stderr: Vietnamese first, English on request
(``geoplan.problems.set_log_lang``; the CLI sets it from ``--lang``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from builders.coverage import X0, Y0, frame, make_plan, small_province, write_plan
from click.testing import CliRunner

from geoplan.cli import cli
from geoplan.coverage import compute_coverage
from geoplan.problems import Logged, log_lang, log_text, set_log_lang

VI = ("1 trạm biến áp không có cấp điện áp bị loại khỏi tính toán vùng cấp điện (dữ liệu "
      "không ghi cấp điện áp và không có đường dây nào đấu nối vào trạm): T9")
EN = ("1 substation(s) without a voltage are left out of coverage (no voltage in the data "
      "and no line ends at them): T9")


@pytest.fixture(autouse=True)
def _vietnamese_after() -> Iterator[None]:
    yield
    set_log_lang(None)


def _layers() -> dict[str, Any]:
    layers = small_province()
    kind, subs = layers["substations"]
    extra = frame([{"id": "T9", "name": "Trạm chưa rõ", "voltage_kv": None,
                    "capacity_mva": 25.0, "status": "existing",
                    "geometry": shapely.Point(X0 + 20_000, Y0 + 20_000)}])
    layers["substations"] = (kind, frame(pd.concat([subs, extra], ignore_index=True)
                                         .to_dict("records")))
    return layers


def test_log_language_is_vietnamese_by_default_and_checked() -> None:
    assert log_lang() == "vi"
    set_log_lang("en")
    assert log_lang() == "en"
    with pytest.raises(ValueError, match='use "vi" or "en"'):
        set_log_lang("fr")
    assert log_lang() == "en"


def test_logged_text_is_written_in_the_language_when_formatted() -> None:
    text = log_text("log.coverage_unknown_voltage", n=1, ids="T9")
    assert isinstance(text, Logged)
    assert str(text) == VI
    set_log_lang("en")
    assert str(text) == EN  # the same record, shown later, follows the setting


@pytest.mark.parametrize(("lang", "expected"), [(None, VI), ("en", EN)])
def test_coverage_warning_in_the_log_language(caplog: pytest.LogCaptureFixture,
                                              lang: str | None, expected: str) -> None:
    set_log_lang(lang)
    with caplog.at_level(logging.WARNING, logger="geoplan"):
        compute_coverage(make_plan(_layers()))
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert expected in warned


@pytest.mark.parametrize(("args", "expected", "other"), [([], VI, EN), (["--lang", "en"], EN, VI)])
def test_cli_warning_follows_lang(tmp_path: Path, args: list[str], expected: str,
                                  other: str) -> None:
    plan = write_plan(tmp_path / "plan", _layers())
    res = CliRunner().invoke(cli, ["map", str(plan), "-o", str(tmp_path / "map.html"),
                                   "--no-progress", *args])  # the map draws the coverage
    assert res.exit_code == 0, res.output
    assert f"WARNING geoplan.coverage.compute: {expected}" in res.stderr
    assert other not in res.stderr
    assert log_lang() == "vi"  # --lang holds for the command only
