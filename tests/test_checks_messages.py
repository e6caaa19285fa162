"""Messages in Vietnamese and English from one table (geoplan.messages), and findings in a
chosen language (geoplan.findings.localise)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from geoplan.checks import run_checks
from geoplan.findings import FINDING_COLUMNS, localise, make_findings
from geoplan.messages import Text, fmt_date, label, message, message_keys, plan_lang, term

ROOT = Path(__file__).resolve().parents[1]


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_template_has_both_languages_with_the_same_fields() -> None:
    import tomllib

    table = tomllib.loads((ROOT / "geoplan" / "data" / "messages.toml").read_text("utf-8"))
    count = 0
    for section, entries in table.items():
        if section == "terms":
            continue
        for name, entry in entries.items():
            vi, en = entry["vi"], entry["en"]
            assert _fields(vi) == _fields(en), f"{section}.{name}"
            words = re.sub(r"\{[^}]*\}", "", en).strip()
            if len(words.split()) > 2:  # a sentence, not a bare unit
                assert vi != en, f"{section}.{name}"
            count += 1
    assert count > 60
    for group, entries in table["terms"].items():
        for key, entry in entries.items():
            assert entry["vi"] and entry["en"], f"terms.{group}.{key}"


def test_every_message_the_code_asks_for_is_in_the_table() -> None:
    keys = set(message_keys())
    used = set()
    for path in [*(ROOT / "geoplan" / "checks").glob("*.py"),
                 *(ROOT / "geoplan" / "cli").glob("*.py")]:
        # message("key", ...) fills one row, _common.fill("key", n, ...) a column of rows
        used |= set(re.findall(r'(?:message|fill)\(\s*"([a-z_]+\.[a-z_]+)"',
                               path.read_text("utf-8")))
        used |= set(re.findall(r'"(corridor\.(?:cable_)?offset_)"', path.read_text("utf-8")))
    used = {u for u in used if not u.endswith("_")}
    assert len(used) > 50
    assert used <= keys, used - keys
    with pytest.raises(KeyError, match=r"no message 'nope\.nothing'"):
        message("nope.nothing")


def test_numbers_and_dates_are_written_the_way_each_language_writes_them() -> None:
    m = message("trade.wholesale_ground", label=label("trade_facility", "W1", None, "planned",
                                                     "wholesale_market"),
                ground=8500.0, need=10000.0)
    assert m.vi.startswith("Chợ đầu mối W1 (quy hoạch mới) có 8.500 m² diện tích mặt bằng")
    assert "≥ 10.000 m²" in m.vi
    assert m.en.startswith("Wholesale market W1 (planned) has 8,500 m² of market ground")
    m = message("cluster_size.mismatch", label=label("industrial_cluster", "C"),
                declared=12.5, measured=9.25, diff=35.1351)
    assert "12,50 ha" in m.vi and "+35,1 %" in m.vi and "12.50 ha" in m.en
    import datetime as dt
    assert fmt_date(dt.date(2026, 9, 15), "vi") == "15/09/2026"
    assert fmt_date(dt.date(2026, 9, 15), "en") == "15 Sep 2026"


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False),
       st.floats(min_value=1, max_value=100, allow_nan=False))
def test_a_message_says_the_same_numbers_in_both_languages(measured: float, minimum: float) -> None:
    m = message("cluster_size.too_small", label=label("industrial_cluster", "X"),
                measured=measured, minimum=minimum)
    vi_numbers = re.findall(r"[\d.,]+(?= ha)", m.vi)
    en_numbers = re.findall(r"[\d.,]+(?= ha)", m.en)
    swap = str.maketrans({",": ".", ".": ","})
    assert [n.translate(swap) for n in vi_numbers] == en_numbers


def test_labels_and_terms() -> None:
    lab = label("industrial_cluster", "CCN-03", "Đông Thọ", "planned")
    assert lab == Text('cụm công nghiệp CCN-03 "Đông Thọ" (quy hoạch mới)',
                       'cluster CCN-03 "Đông Thọ" (planned)')
    assert term("cluster_type", "high_tech").vi == "cụm công nghiệp công nghệ cao"
    assert term("status", "nonsense") == Text.same("nonsense")
    assert (Text("a", "b") + Text("c", "d")) == Text("a c", "b d")
    assert Text.join(", ", [Text("a", "b"), Text("c", "d")]) == Text("a, c", "b, d")


def test_findings_have_both_languages_and_localise_chooses(sample_plan) -> None:  # type: ignore[no-untyped-def]
    found = run_checks(sample_plan, as_of="2026-12-02")
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert (found["message"] == found["message_vi"]).all()  # Vietnamese first
    assert found["message_vi"].notna().all() and found["message_en"].notna().all()
    assert (found["message_vi"] != found["message_en"]).all()
    assert (found["reference_vi"] != found["reference_en"]).all()
    en = localise(found, "en")
    assert (en["message"] == found["message_en"]).all()
    assert (en["reference"] == found["reference_en"]).all()
    assert (found["message"] == found["message_vi"]).all()  # the input is not modified
    with pytest.raises(ValueError, match="language 'fr'"):
        localise(found, "fr")


def test_one_language_producers_keep_their_text() -> None:
    frame = make_findings([{"rule": "grid-island", "severity": "warning", "message": "island",
                            "reference": "geoplan", "geometry": Point(0, 0)}],
                          crs="EPSG:9209")
    assert frame["message_vi"].isna().all()
    assert localise(frame, "vi")["message"].tolist() == ["island"]
    assert localise(frame, "en")["message"].tolist() == ["island"]


def test_the_plan_language() -> None:
    class P:
        def __init__(self) -> None:
            self.settings = {"report": {"lang": "en"}}

    assert plan_lang(P()) == "en" and plan_lang(P(), "vi") == "vi"
    assert plan_lang(gpd.GeoDataFrame()) == "vi"
