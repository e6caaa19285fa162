"""The log templates (both languages, the same fields) and the log language of io and analysis."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from geoplan import messages
from geoplan.io import atomic
from geoplan.problems import log_text, set_log_lang


@pytest.fixture(autouse=True)
def _vietnamese_after() -> object:
    yield
    set_log_lang(None)


def test_log_texts_in_each_language() -> None:
    assert str(log_text("log.part_left_out", name="coverage", error="no substations")) == (
        "bỏ qua phần coverage: no substations")
    set_log_lang("en")
    assert str(log_text("log.part_left_out", name="coverage", error="no substations")) == (
        "coverage left out: no substations")
    # a path first is never capitalised
    assert str(log_text("log.folder_put_back", target="out/map")) == (
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


def test_leftovers_warning_in_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that has ended
    ended.wait()
    (tmp_path / f".r.json.geoplan-{ended.pid}-ab12cd34.json").write_bytes(b"partial")
    set_log_lang("en")
    with caplog.at_level(logging.WARNING, logger="geoplan"), \
            atomic.atomic_path(tmp_path / "x.json") as tmp:
        tmp.write_text("{}", encoding="utf-8")
    assert f"{tmp_path}: removed 1 leftover(s) of an interrupted geoplan run: " \
           f".r.json.geoplan-" in caplog.text
