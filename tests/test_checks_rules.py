"""The rule table with effective dates, and plan overrides (geoplan.rules)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
from builders.checks import clusters, ha_square

from geoplan.checks import check_cluster_size
from geoplan.errors import PlanError
from geoplan.rules import (
    RULE_IDS,
    acts,
    default_rules,
    earliest_date,
    markdown_table,
    resolve_rules,
    rule_info,
    rule_table,
    threshold_specs,
    validate_settings,
    versions_consistent,
)

OLD, NEW = "2026-09-01", "2026-12-02"


def test_every_threshold_has_a_rule_versions_references_dates_and_certainty() -> None:
    specs = threshold_specs()
    assert len(specs) > 50
    for key, spec in specs.items():
        assert spec.rule in RULE_IDS, key
        assert spec.title_vi and spec.title_en and spec.title_vi != spec.title_en, key
        for v in spec.versions:
            assert v.certainty in ("C", "S", "N"), key
            assert v.cites and v.reference("vi") and v.reference("en"), key
            assert v.note_vi and v.note_en, key
            if not v.is_default:  # a legal figure carries its dates
                assert v.in_force_from or v.in_force_until or len(spec.versions) == 1, key
    assert {s.rule for s in specs.values()} == set(RULE_IDS)
    assert set(rule_info()) == set(RULE_IDS)
    for info in rule_info().values():
        assert info.title_vi != info.title_en and info.checks_vi and info.severity_vi


def test_versions_follow_each_other_without_gap_or_overlap() -> None:
    assert versions_consistent() == []
    first = earliest_date()
    for spec in threshold_specs().values():
        day = first
        while day <= dt.date(2027, 12, 31):
            assert spec.version_at(day) is not None, (spec.key, day)
            day += dt.timedelta(days=30)


def test_every_act_is_cited_with_its_vietnamese_and_english_name() -> None:
    a = acts()
    assert a["nd32_2024"].name("vi") == "Nghị định số 32/2024/NĐ-CP"
    assert a["nd32_2024"].name("en") == "Decree 32/2024/ND-CP"
    assert a["law61_2024"].name("vi") == "Luật Điện lực số 61/2024/QH15"
    assert a["nd303_2026"].in_force_from == dt.date(2026, 9, 15)
    assert a["nd139_2025"].in_force_from == dt.date(2025, 7, 1)
    assert a["law61_2024"].in_force_from == dt.date(2025, 2, 1)


@pytest.mark.parametrize(
    ("key", "day", "value", "certainty", "source"),
    [
        ("corridor_distance_110kv_m", "2025-01-01", 4.0, "C", "Decree 14/2014/ND-CP art. 11"),
        ("corridor_distance_220kv_m", "2025-01-01", 6.0, "C", "Decree 51/2020/ND-CP"),
        ("corridor_distance_500kv_m", NEW, 7.0, "S", "Decree 62/2025/ND-CP (article not read)"),
        ("conductor_offset_500kv_m", NEW, 12.0, "N", "engineering assumption"),
        ("cluster_min_ha", OLD, 10.0, "C", "Decree 32/2024/ND-CP art. 2 cl. 1"),
        ("cluster_min_ha", NEW, 5.0, "S", "Decree 303/2026/ND-CP art. 1 cl. …"),
        ("cluster_min_mountainous_ha", OLD, 5.0, "C", "Decree 139/2025/ND-CP art. 12"),
        ("cluster_max_ha", NEW, 75.0, "S", "Decree 32/2024/ND-CP art. 2 cl. 1"),
        ("expansion_min_occupancy_pct", OLD, 60.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 2 (c)"),
        ("expansion_min_occupancy_pct", NEW, 50.0, "S", "Decree 303/2026/ND-CP art. 1 cl. 3"),
        ("new_min_average_occupancy_pct", OLD, 50.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 1"),
        ("new_max_unleased_ha", OLD, 100.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 1 (c)"),
        ("new_max_unleased_ha", NEW, 50.0, "S", "Decree 32/2024/ND-CP art. 8 cl. 1 (c)"),
        ("park_max_single_phase_ha", NEW, 500.0, "C", "Decree 35/2022/ND-CP art. 9"),
        ("park_rice_red_mekong_ha", NEW, 200.0, "S", "Decree 35/2022/ND-CP art. 9"),
        ("market_class1_min_points", NEW, 400, "C", "Decree 60/2024/ND-CP art. 4"),
        ("wholesale_market_min_m2", NEW, 10000.0, "C", "Decree 60/2024/ND-CP art. 4 cl. 1 (a)"),
        ("supermarket_class1_min_m2", NEW, 5000.0, "C", "Decision 1371/2004/QD-BTM"),
        ("corridor_error_min_kv", "2025-01-01", 500, "C", "Electricity Law 2004"),
        ("corridor_works_max_kv", NEW, 220, "C", "Decree 62/2025/ND-CP art. 16"),
    ],
)
def test_table_values_match_the_domain_facts(key: str, day: str, value: float, certainty: str,
                                             source: str) -> None:
    t = default_rules(day)[key]
    assert t.value == value
    assert t.certainty == certainty
    assert source in t.reference


def test_the_decree_303_changes_on_15_september_2026() -> None:
    before, after = default_rules("2026-09-14"), default_rules("2026-09-15")
    changed = {k for k in before if before[k].value != after[k].value
               and not (isinstance(before[k].value, float) and math.isnan(before[k].value)
                        and isinstance(after[k].value, float) and math.isnan(after[k].value))}
    assert changed == {
        "cluster_min_ha", "expansion_min_occupancy_pct", "expansion_required_infrastructure",
        "expansion_exempt_before_2009", "new_max_unleased_ha", "new_exempt_types",
        "cluster_aggregation_unit", "cluster_types_defined", "craft_village_min_share_pct",
        "specialised_min_share_pct", "supporting_min_share_pct", "high_tech_min_share_pct"}
    assert after.value("expansion_required_infrastructure") == (
        "roads", "water", "wastewater", "solid_waste", "fire")
    assert after.value("new_exempt_types") == ("high_tech", "eco")


def test_unread_and_unknown_places_are_said_never_guessed() -> None:
    new = default_rules(NEW)
    assert "khoản … Điều 1 Nghị định số 303/2026/NĐ-CP" in new.cite("cluster_min_ha").vi
    buried = new["underground_distance_m"]
    assert buried.certainty == "N" and not buried.enabled
    assert "(chưa đọc được điều quy định)" in buried.citation("vi")
    assert "(article not read)" in new.cite("corridor_distance_110kv_m").en
    # every cited article number is one the table states; no number appears from nowhere
    for spec in threshold_specs().values():
        for v in spec.versions:
            for c in v.cites:
                assert c.unread or c.article or acts()[c.act].type in ("geoplan", "guidance"), \
                    spec.key


def test_dates_before_the_table_are_refused() -> None:
    with pytest.raises(PlanError, match=r"as_of = 2024-04-30: the rule table starts on "
                                        r"2024-05-01"):
        resolve_rules(as_of="2024-04-30")
    with pytest.raises(PlanError, match="is not a date"):
        resolve_rules(as_of="yesterday")
    assert resolve_rules(as_of="15/09/2026").as_of == dt.date(2026, 9, 15)


def test_unconfirmed_thresholds_are_disabled_until_the_plan_sets_them() -> None:
    t = default_rules(NEW)["mall_class2_min_m2"]
    assert t.certainty == "N" and math.isnan(t.value) and not t.enabled
    set_ = resolve_rules({"mall_class2_min_m2": 30000}, as_of=NEW)["mall_class2_min_m2"]
    assert set_.enabled and set_.citation("en").startswith("plan override (was not set")
    assert set_.citation("vi").startswith("giá trị do phương án đặt (thay cho chưa đặt")


def test_unknown_key_names_the_closest_and_the_valid_ones() -> None:
    with pytest.raises(PlanError, match=r"unknown key 'cluster_min' \(did you mean "
                                        r"'cluster_min_ha'\?\); valid keys: "
                                        r".*overlap_tolerance_ha"):
        validate_settings({"cluster_min": 8})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"cluster_min_ha": "ten"}, r"cluster_min_ha must be a number \(ha\), got 'ten'"),
        ({"cluster_min_ha": -1}, r"cluster_min_ha must be a number ≥ 0, got -1"),
        ({"cluster_min_ha": True}, r"cluster_min_ha must be a number"),
        ({"cluster_aggregation_unit": "district"},
         r"cluster_aggregation_unit must be one of 'commune', 'commune_group', 'province', got "
         r"'district'"),
        ({"expansion_exempt_before_2009": "yes"},
         r"expansion_exempt_before_2009 must be true or false"),
        ({"expansion_required_infrastructure": ["roads", "lighting"]},
         r"expansion_required_infrastructure must be a list of 'roads', 'water'"),
        ({"park_region": "north"}, r"park_region must be one of 'red_river_mekong'"),
    ],
)
def test_bad_values_are_rejected_with_the_fix(settings: dict, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        validate_settings(settings)


def test_override_is_cited_with_what_it_replaced() -> None:
    rules = resolve_rules({"cluster_min_ha": 8, "cluster_max_ha": 75}, as_of=OLD)
    assert rules.value("cluster_min_ha") == 8
    assert rules.cite("cluster_min_ha").en == (
        "plan override (was 10 ha: Decree 32/2024/ND-CP art. 2 cl. 1, in force from 1 May 2024 "
        "to 14 Sep 2026 [C])")
    # the same value as the table is not an override
    assert not rules["cluster_max_ha"].overridden
    assert rules.overrides() == {"cluster_min_ha": 8}
    # an override stands for a dossier kept on the old text too
    kept = resolve_rules({"cluster_min_ha": 8}, as_of=NEW).for_dossier(dt.date(2026, 9, 1))
    assert kept.value("cluster_min_ha") == 8 and kept["cluster_min_ha"].overridden


def test_findings_cite_the_override() -> None:
    frame = clusters({"id": "C1", "status": "planned", "geometry": ha_square(0, 0, 9.0)})
    default = check_cluster_size(frame, settings=resolve_rules(as_of=OLD))
    assert default["reference_en"].tolist() == [
        "Decree 32/2024/ND-CP art. 2 cl. 1, in force from 1 May 2024 to 14 Sep 2026 [C]"]
    assert check_cluster_size(frame, settings=resolve_rules({"cluster_min_ha": 8},
                                                             as_of=OLD)).empty
    stricter = check_cluster_size(frame, settings=resolve_rules({"cluster_min_ha": 9.5},
                                                                 as_of=NEW))
    assert stricter["threshold"].tolist() == [9.5]
    assert stricter["reference_en"].iloc[0].startswith("plan override (was 5 ha")


def test_the_rule_listing_shows_the_changes_of_15_september_2026() -> None:
    table = rule_table(NEW, lang="en")
    assert table["as_of"] == NEW
    changes = {c["key"]: c for c in table["changes"]}
    assert changes["cluster_min_ha"]["before"] == "10 ha"
    assert changes["cluster_min_ha"]["after"] == "5 ha"
    assert changes["cluster_min_ha"]["since"] == "2026-09-15"
    assert changes["new_max_unleased_ha"]["before"] == "100 ha"
    rows = {r["key"]: r for r in table["thresholds"]}
    assert rows["cluster_min_ha"]["previous"]["in_force_until"] == "2026-09-14"
    assert all(r["in_force"] for r in table["thresholds"])
    assert len(table["thresholds"]) == len(threshold_specs())
    old = rule_table(OLD, lang="vi")
    assert "cluster_min_ha" not in {c["key"] for c in old["changes"]}
    everything = rule_table(NEW, all_versions=True)
    assert len(everything["thresholds"]) == sum(len(s.versions)
                                                for s in threshold_specs().values())
    assert any(not r["in_force"] for r in everything["thresholds"])


def test_the_readme_documents_every_rule_threshold_and_version() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Checks: `geoplan check` and the rules", 1)[1].split("\n### ")[0]
    for rule in RULE_IDS:
        assert f"| `{rule}` |" in section, rule
    for key in threshold_specs():
        assert f"`{key}`" in section, key
    # both versions of each threshold Decree 303/2026 changed, with their dates and marks
    for line_re in (r"`cluster_min_ha`.*10 ha.*1 May 2024.*14 Sep 2026.*C",
                    r"`cluster_min_ha`.*5 ha.*15 Sep 2026.*S",
                    r"`expansion_min_occupancy_pct`.*60 %.*14 Sep 2026.*C",
                    r"`expansion_min_occupancy_pct`.*50 %.*15 Sep 2026.*S",
                    r"`new_max_unleased_ha`.*100 ha.*C",
                    r"`new_max_unleased_ha`.*50 ha.*S"):
        assert re.search(line_re, section), line_re
    assert markdown_table("en") in section  # the table as the code writes it, kept in step
