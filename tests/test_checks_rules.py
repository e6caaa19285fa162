"""The rule table and plan overrides (geoplan.rules)."""

from __future__ import annotations

import math

import pytest
from builders.checks import clusters, ha_square

from geoplan.checks import check_cluster_size
from geoplan.errors import PlanError
from geoplan.rules import RULE_IDS, default_rules, resolve_rules, rule_info, validate_settings


def test_every_threshold_has_a_rule_a_reference_and_a_certainty() -> None:
    rules = default_rules()
    assert len(rules) > 30
    for key, t in rules.items():
        assert t.rule in RULE_IDS, key
        assert t.certainty in ("C", "S", "N"), key
        assert t.reference.strip(), key
        assert t.unit is not None
    assert {t.rule for t in rules.values()} == set(RULE_IDS)
    assert set(rule_info()) == set(RULE_IDS)


@pytest.mark.parametrize(
    ("key", "value", "certainty", "source"),
    [
        ("corridor_distance_110kv_m", 4.0, "C", "Decree 14/2014/ND-CP art. 11"),
        ("corridor_distance_220kv_m", 6.0, "C", "Decree 51/2020/ND-CP"),
        ("corridor_distance_500kv_m", 7.0, "C", "Decree 14/2014/ND-CP art. 11"),
        ("conductor_offset_500kv_m", 12.0, "N", "engineering assumption"),
        ("cluster_min_ha", 10.0, "C", "Decree 32/2024/ND-CP art. 2"),
        ("cluster_min_mountainous_ha", 5.0, "C", "Decree 32/2024/ND-CP art. 2"),
        ("cluster_max_ha", 75.0, "C", "Decree 32/2024/ND-CP art. 2"),
        ("expansion_min_occupancy_pct", 60.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 2"),
        ("new_min_average_occupancy_pct", 50.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 1"),
        ("new_max_unleased_ha", 100.0, "C", "Decree 32/2024/ND-CP art. 8 cl. 1"),
        ("park_max_single_phase_ha", 500.0, "S", "Decree 35/2022/ND-CP art. 9"),
        ("market_class1_min_points", 400, "C", "Decree 60/2024/ND-CP art. 4"),
        ("supermarket_class1_min_m2", 5000.0, "C", "Decision 1371/2004/QĐ-BTM"),
        ("underground_distance_m", 0.5, "S", "Decree 14/2014/ND-CP"),
    ],
)
def test_table_values_match_the_domain_facts(key: str, value: float, certainty: str,
                                             source: str) -> None:
    t = default_rules()[key]
    assert t.value == value
    assert t.certainty == certainty
    assert source in t.reference


def test_unconfirmed_thresholds_are_disabled_until_the_plan_sets_them() -> None:
    t = default_rules()["mall_class2_min_m2"]
    assert t.certainty == "N" and math.isnan(t.value) and not t.enabled
    set_ = resolve_rules({"mall_class2_min_m2": 30000})["mall_class2_min_m2"]
    assert set_.enabled and set_.citation.startswith("plan override (was not set")


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
         r"cluster_aggregation_unit must be one of 'commune', 'province', got 'district'"),
        ({"expansion_requires_wastewater": "yes"},
         r"expansion_requires_wastewater must be true or false"),
    ],
)
def test_bad_values_are_rejected_with_the_fix(settings: dict, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        validate_settings(settings)


def test_override_is_cited_with_what_it_replaced() -> None:
    rules = resolve_rules({"cluster_min_ha": 8, "cluster_max_ha": 75})
    assert rules.value("cluster_min_ha") == 8
    assert rules.cite("cluster_min_ha") == (
        "plan override (was 10 ha: Decree 32/2024/ND-CP art. 2 cl. 1 [C])")
    # the same value as the table is not an override
    assert not rules["cluster_max_ha"].overridden
    assert rules.overrides() == {"cluster_min_ha": 8}


def test_findings_cite_the_override() -> None:
    frame = clusters({"id": "C1", "status": "planned", "geometry": ha_square(0, 0, 9.0)})
    default = check_cluster_size(frame)
    assert default["reference"].tolist() == ["Decree 32/2024/ND-CP art. 2 cl. 1 [C]"]
    assert check_cluster_size(frame, settings={"cluster_min_ha": 8}).empty
    stricter = check_cluster_size(frame, settings={"cluster_min_ha": 9.5})
    assert stricter["threshold"].tolist() == [9.5]
    assert stricter["reference"].iloc[0].startswith("plan override (was 10 ha")


def test_the_readme_documents_every_rule_and_threshold() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Checks: `geoplan check` and the rules", 1)[1]
    for rule in RULE_IDS:
        assert f"| `{rule}` |" in section, rule
    for key in default_rules():
        assert f"`{key}`" in section, key
