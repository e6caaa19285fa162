"""The library's log warnings in the session language: Vietnamese unless ``--lang en``."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from builders.coverage import point, small_province, write_plan
from click.testing import CliRunner

import geoplan
from geoplan import messages
from geoplan.cli import cli
from geoplan.coverage import compute_coverage
from geoplan.io import atomic
from geoplan.messages import log_text, session_lang, set_session_lang

NO_VOLTAGE_VI = ("1 trạm biến áp không có cấp điện áp nên không được tính vào vùng cấp điện "
                 "(dữ liệu không ghi cấp điện áp và không có đường dây nào kết thúc tại trạm): "
                 "X9")
NO_VOLTAGE_EN = ("1 substation(s) without a voltage are left out of coverage (no voltage in "
                 "the data and no line ends at them): X9")


@pytest.fixture(autouse=True)
def _vietnamese_after() -> object:
    yield
    set_session_lang(None)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    layers = small_province()
    kind, subs = layers["substations"]
    extra = gpd.GeoDataFrame([{"id": "X9", "name": "Trạm không rõ cấp", "voltage_kv": None,
                               "capacity_mva": 40.0, "status": "existing",
                               "geometry": point(20_000, 20_000)}],
                             geometry="geometry", crs=subs.crs)
    layers["substations"] = (kind, gpd.GeoDataFrame(pd.concat([subs, extra], ignore_index=True),
                                             geometry="geometry", crs=subs.crs))
    return write_plan(tmp_path_factory.mktemp("nolevel") / "plan", layers)


def test_session_language_is_vietnamese_unless_set() -> None:
    assert session_lang() == "vi"
    assert set_session_lang("en") == "en" and session_lang() == "en"
    assert set_session_lang(None) == "vi"
    with pytest.raises(ValueError, match='use "vi" or "en"'):
        set_session_lang("fr")
    assert session_lang() == "vi"


def test_log_texts_in_each_language() -> None:
    assert log_text("log.part_left_out", name="coverage", error="no substations") == (
        "bỏ qua phần coverage: no substations")
    set_session_lang("en")
    assert log_text("log.part_left_out", name="coverage", error="no substations") == (
        "coverage left out: no substations")
    # a path first is never capitalised
    assert log_text("log.folder_put_back", target="out/map") == (
        "out/map: an interrupted run had moved this folder aside; it was put back")


def test_every_log_template_has_the_same_fields_in_both_languages() -> None:
    import string

    keys = [k for k in messages.message_keys() if k.startswith(("log.", "pdp8."))]
    assert len(keys) > 20
    table = messages._templates()
    for key in keys:
        vi, en = table[key]
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in (vi, en)]
        assert fields[0] == fields[1], key


@pytest.mark.parametrize(("lang", "expected"), [(None, NO_VOLTAGE_VI), ("en", NO_VOLTAGE_EN)])
def test_voltage_less_substation_warning(plan_file: Path, lang: str | None, expected: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    set_session_lang(lang)
    with caplog.at_level(logging.WARNING, logger="geoplan.coverage"):
        compute_coverage(geoplan.load_plan(plan_file))
    assert expected in [r.getMessage() for r in caplog.records]


def test_leftovers_warning_in_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that has ended
    ended.wait()
    (tmp_path / f".r.json.geoplan-{ended.pid}-ab12cd34.json").write_bytes(b"partial")
    set_session_lang("en")
    with caplog.at_level(logging.WARNING, logger="geoplan"), \
            atomic.atomic_path(tmp_path / "x.json") as tmp:
        tmp.write_text("{}", encoding="utf-8")
    assert f"{tmp_path}: removed 1 leftover(s) of an interrupted geoplan run: " \
           f".r.json.geoplan-" in caplog.text


@pytest.mark.parametrize(("args", "expected"), [((), NO_VOLTAGE_VI),
                                                (("--lang", "en"), NO_VOLTAGE_EN)])
def test_cli_warning_follows_lang(plan_file: Path, tmp_path: Path, args: tuple[str, ...],
                                  expected: str) -> None:
    res = CliRunner().invoke(cli, ["map", str(plan_file), "-o", str(tmp_path / "map.html"),
                                   "--offline", "--no-findings", "--no-grid", *args])
    assert res.exit_code == 0, res.output
    assert f"WARNING geoplan.coverage.compute: {expected}" in res.stderr
    other = NO_VOLTAGE_EN if expected == NO_VOLTAGE_VI else NO_VOLTAGE_VI
    assert other not in res.stderr
    assert session_lang() == "vi"  # --lang holds for the command only
