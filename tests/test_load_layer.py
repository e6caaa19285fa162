"""The load stage's public per-layer entry, ``validate_layer``, and the settings registry."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from builders.plans import ZONE, PlanBuilder, clusters, province_polygon

import geoplan
from geoplan import coverage, export, grid, report, rules
from geoplan.errors import PlanError
from geoplan.kinds import KINDS
from geoplan.load import validate_layer
from geoplan.maps import settings as map_settings
from geoplan.plan import SETTINGS_SECTIONS, LayerSpec, register_settings, settings_check

SPEC = LayerSpec(name="ccn", kind="industrial_cluster", path=Path("ccn.gpkg"))


def _codes(problems: list) -> list[str]:
    return [p.code for p in problems]


def test_a_layer_becomes_its_canonical_frame() -> None:
    raw = clusters()
    before = raw.copy()
    frame, problems = validate_layer(raw, SPEC)
    assert list(frame.columns) == [*KINDS["industrial_cluster"].columns, "geometry"]
    assert frame.crs.to_epsg() == 9209 and len(frame) == len(raw)
    assert not [p for p in problems if p.severity == "error"], problems
    assert all(p.layer == "ccn" and p.file == "ccn.gpkg" for p in problems)
    assert raw.equals(before)  # the input is not modified


def test_the_source_crs_comes_from_the_file_the_caller_or_the_plan() -> None:
    bare = clusters().set_crs(None, allow_override=True)
    frame, problems = validate_layer(bare, SPEC, source_crs="EPSG:9209")
    assert frame.crs.to_epsg() == 9209 and "crs-from-plan" not in _codes(problems)
    declared = LayerSpec(name="ccn", kind="industrial_cluster", path=Path("ccn.gpkg"),
                         crs=ZONE)
    frame, problems = validate_layer(bare, declared)
    assert frame.crs.to_epsg() == 9209
    (note,) = [p for p in problems if p.code == "crs-from-plan"]
    assert note.severity == "info" and "EPSG:9209" in note.message_en


def test_a_crs_conflict_is_one_error_not_also_a_missing_crs() -> None:
    spec = LayerSpec(name="ccn", kind="industrial_cluster", path=Path("ccn.gpkg"),
                     crs="EPSG:5897")
    frame, problems = validate_layer(clusters(), spec)
    assert frame.crs is None
    assert [p.code for p in problems if p.severity == "error"] == ["crs-conflict"]
    assert "EPSG:9209" in problems[0].message_en and "EPSG:5897" in problems[0].message_en


def test_an_unreadable_declared_crs_is_a_problem_and_an_empty_frame() -> None:
    spec = LayerSpec(name="ccn", kind="industrial_cluster", path=Path("ccn.gpkg"),
                     crs="EPSG:999999")
    frame, problems = validate_layer(clusters(), spec)
    assert _codes(problems) == ["bad-crs"]
    assert "EPSG:999999" in problems[0].message_en and "EPSG code" in problems[0].fix_en
    assert frame.crs is None and frame.empty
    assert list(frame.columns) == [*KINDS["industrial_cluster"].columns, "geometry"]


def test_features_outside_the_province_are_reported_with_its_name() -> None:
    outline = gpd.GeoSeries([province_polygon()], crs=ZONE).to_crs(4326).iloc[0]
    moved = clusters()
    moved["geometry"] = moved.geometry.translate(yoff=60_000)
    frame, problems = validate_layer(moved, SPEC, province_wgs84=outline,
                                     province_name="Bắc Ninh")
    (warning,) = [p for p in problems if p.code == "outside-province"]
    assert warning.severity == "warning" and len(frame) == len(moved)  # kept, with a warning
    assert "100% of the features lie outside the province (Bắc Ninh)" in warning.message_en
    _, problems = validate_layer(clusters(), SPEC, province_wgs84=outline)
    assert "outside-province" not in _codes(problems)


# ------------------------------------------------------------------------ settings registry


def test_every_settings_section_is_checked_by_its_stage(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The registered checker hands the section to its stage's ``validate_settings`` (which
    ``import geoplan`` imports only when a plan file has that section)."""
    owners = {"rules": rules, "coverage": coverage, "grid": grid, "map": map_settings,
              "export": export, "report": report}
    assert set(owners) == set(SETTINGS_SECTIONS)
    for section, module in owners.items():
        seen: list[object] = []
        monkeypatch.setattr(module, "validate_settings", seen.append)
        values = {"section": section}
        settings_check(section)(values)
        assert seen == [values], section


@pytest.mark.parametrize("section", SETTINGS_SECTIONS)
def test_an_unknown_settings_key_is_refused_at_load(tmp_path: Path, section: str) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters())
    b.extra = f"\n[{section}]\nnot_a_key = 1\n"
    with pytest.raises(PlanError, match=rf"plan\.toml: \[{section}\] .*unknown key 'not_a_key'"):
        geoplan.validate_plan(b.write())


def test_settings_values_are_checked_at_load_too(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters())
    b.extra = '\n[map]\npaper = "A0"\n'
    with pytest.raises(PlanError, match=r"\[map\] paper = 'A0'; use \"A3\" or \"A4\""):
        geoplan.load_plan(b.write())


def test_only_plan_sections_can_be_registered() -> None:
    with pytest.raises(ValueError, match="'maps' is not a settings section"):
        register_settings("maps", map_settings.validate_settings)
