"""A plan judged as of a date: the same plan on both sides of 15 Sep 2026 (Decree 303/2026), a
dossier filed before, the CLI's --as-of / --lang, the rule listing, the export manifest, the
Vietnamese report with no English sentence, and indicative positions on the map."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from builders.plans import X0, Y0, PlanBuilder, ha_square
from click.testing import CliRunner

from geoplan.checks import run_checks
from geoplan.cli import cli
from geoplan.pipeline import load_plan, report_plan
from geoplan.rules import rule_info, table_version

OLD, NEW = "2026-09-01", "2026-12-02"


def _write_plan(tmp_path: Path, extra: str = "", **plan_keys: Any) -> Path:
    b = PlanBuilder(tmp_path / "plan", province=None, **plan_keys)
    b.add_boundary()
    names = ["CCN-07", "CCN-07-HS", "MR-55", "MR-55-NR"]
    frame = gpd.GeoDataFrame({
        "ma": names,
        "ten": ["Cụm Bảy", "Cụm Bảy hồ sơ sớm", "Cụm Mở rộng", "Cụm Mở rộng thiếu đường"],
        "trang_thai": ["Quy hoạch", "Quy hoạch", "Mở rộng", "Mở rộng"],
        "xa": ["Xã Bắc", "Xã Bắc", "Xã Nam", "Xã Nam"],
        "ty_le_lap_day": [None, None, 55.0, 55.0],
        "giao_thong": [None, None, "Có", None],
        "cap_nuoc": [None, None, "Có", "Có"],
        "xlnt": [None, None, "Có", "Có"],
        "thu_gom_ctr": [None, None, "Có", "Có"],
        "pccc": [None, None, "Có", "Có"],
        "ngay_nop_ho_so": [None, "10/09/2026", None, None],
    }, geometry=[ha_square(X0 + 3000, Y0 + 3000, 7.0), ha_square(X0 + 6000, Y0 + 3000, 7.0),
                 ha_square(X0 + 3000, Y0 + 9000, 30.0), ha_square(X0 + 8000, Y0 + 9000, 30.0)],
        crs="EPSG:9209")
    b.add("clusters", "industrial_cluster", frame)
    b.extra = '\n[rules]\ncluster_aggregation_unit = "commune"\n' + extra
    return b.write()


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    return _write_plan(tmp_path)


def _verdicts(found: Any) -> set[tuple[str, str, str]]:
    return {(r.feature_id, r.rule, r.severity) for r in found.itertuples()
            if r.rule.startswith("cluster")}


def test_old_verdicts_on_1_september_and_new_ones_on_2_december(plan_path: Path) -> None:
    plan = load_plan(plan_path)
    before = run_checks(plan, as_of=OLD)
    assert _verdicts(before) == {
        ("CCN-07", "cluster-size", "error"),       # below 10 ha
        ("CCN-07-HS", "cluster-size", "error"),
        ("MR-55", "cluster-expansion", "warning"),  # 55 % < 60 %
        ("MR-55-NR", "cluster-expansion", "warning"),
        ("MR-55-NR", "cluster-expansion", "info"),  # roads_ready missing: cannot be checked
    }
    after = run_checks(plan, as_of=NEW)
    assert _verdicts(after) == {
        ("CCN-07-HS", "cluster-size", "error"),     # dossier of 10/09/2026: the old text
        ("MR-55-NR", "cluster-expansion", "info"),  # still cannot be checked, never a pass
    }
    # every finding cites its act and article, and the version it used
    for found, marker in ((before, "in force from 1 May 2024 to 14 Sep 2026 [C]"),
                          (after, None)):
        for r in found.itertuples():
            assert re.search(r"Decree \d+/\d{4}/ND-CP art\. \d+", r.reference_en), r
            assert re.search(r"Nghị định số \d+/\d{4}/NĐ-CP, .*Điều \d+", r.reference_vi), r
            if marker:
                assert marker in r.reference_en
    kept = after[after["feature_id"] == "CCN-07-HS"].iloc[0]
    assert "kept for the dossier filed on 10 Sep 2026" in kept.reference_en
    noroads = after[after["feature_id"] == "MR-55-NR"].iloc[0]
    assert "(as amended by Decree 303/2026/ND-CP art. 1 cl. 3), in force from 15 Sep 2026" \
        in noroads.reference_en
    assert "roads_ready not given" in noroads.message_en


def test_as_of_and_dossier_filed_in_the_plan_file(tmp_path: Path) -> None:
    path = _write_plan(tmp_path, as_of="2026-09-01")
    assert load_plan(path).as_of.isoformat() == OLD
    assert ("CCN-07", "cluster-size", "error") in _verdicts(run_checks(load_plan(path)))
    # the plan-wide filing date keeps every cluster without its own on the old text
    path = _write_plan(tmp_path / "b", as_of=NEW, dossier_filed="01/09/2026")
    found = run_checks(load_plan(path))
    assert ("CCN-07", "cluster-size", "error") in _verdicts(found)
    assert ("MR-55", "cluster-expansion", "warning") in _verdicts(found)
    with pytest.raises(Exception, match=r"\[plan\] as_of: 'soon' is not a date"):
        load_plan(_write_plan(tmp_path / "c", as_of="soon"))


def test_cli_check_as_of_both_days(plan_path: Path) -> None:
    runner = CliRunner()
    res = {}
    for day in (OLD, NEW):
        r = runner.invoke(cli, ["check", str(plan_path), "--as-of", day, "--format", "json"])
        assert r.exit_code == 3, r.output
        res[day] = {(f["feature_id"], f["severity"]) for f in json.loads(r.stdout)["findings"]
                    if f["rule"].startswith("cluster")}
    assert ("CCN-07", "error") in res[OLD] and ("CCN-07", "error") not in res[NEW]
    assert ("MR-55", "warning") in res[OLD] and ("MR-55", "warning") not in res[NEW]
    assert ("CCN-07-HS", "error") in res[NEW]
    r = runner.invoke(cli, ["check", str(plan_path), "--as-of", "2024-01-01"])
    assert r.exit_code == 2 and "the rule table starts on 2024-05-01" in r.output
    r = runner.invoke(cli, ["check", str(plan_path), "--as-of", "tomorrow"])
    assert r.exit_code == 2 and "is not a date" in r.output


def test_cli_check_lang(plan_path: Path) -> None:
    vi = CliRunner().invoke(cli, ["check", str(plan_path), "--as-of", NEW])
    en = CliRunner().invoke(cli, ["check", str(plan_path), "--as-of", NEW, "--lang", "en"])
    assert "nhỏ hơn mức tối thiểu 10 ha" in vi.stdout and "below the minimum" not in vi.stdout
    assert "below the minimum of 10 ha" in en.stdout and "nhỏ hơn" not in en.stdout
    assert "kiểm tra: 1 lỗi, 0 cảnh báo, 1 ghi chú" in vi.stderr
    assert "check: 1 error(s), 0 warning(s), 1 note(s)" in en.stderr
    assert "judged on the rules in force on 2 Dec 2026" in en.stderr


def test_rules_command_lists_the_changes_of_15_september(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["rules", "--as-of", NEW])
    assert r.exit_code == 0, r.output
    assert "Quy định áp dụng ngày 02/12/2026" in r.stdout
    assert "15/09/2026  cluster_min_ha: 10 ha → 5 ha" in r.stdout
    assert "15/09/2026  expansion_min_occupancy_pct: 60 % → 50 %" in r.stdout
    assert "15/09/2026  new_max_unleased_ha: 100 ha → 50 ha" in r.stdout
    old = CliRunner().invoke(cli, ["rules", "--as-of", OLD, "--lang", "en"])
    assert "Rules in force on 1 Sep 2026" in old.stdout
    assert "cluster_min_ha: 10 ha → 5 ha" not in old.stdout
    data = json.loads(CliRunner().invoke(cli, ["rules", "--as-of", NEW, "--format", "json",
                                               "--all"]).stdout)
    versions = [t for t in data["thresholds"] if t["key"] == "cluster_min_ha"]
    assert [(v["value"], v["in_force_from"], v["in_force_until"], v["certainty"],
             v["in_force"]) for v in versions] == [
        (10.0, "2024-05-01", "2026-09-14", "C", False), (5.0, "2026-09-15", None, "S", True)]
    bad = CliRunner().invoke(cli, ["rules", "--as-of", "2020-01-01"])
    assert bad.exit_code == 2 and "starts on 2024-05-01" in bad.output


def test_export_manifest_records_as_of_and_the_table_version(plan_path: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["export", str(plan_path), "-o", str(out), "--as-of", OLD,
                                 "--findings"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rules"]["as_of"] == OLD
    assert manifest["rules"]["version"] == table_version()
    findings = json.loads((out / "findings.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in findings["features"]
             if f["properties"]["feature_id"] == "CCN-07"]
    assert props and props[0]["message_en"] and props[0]["message_vi"]


def _report_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<style.*?</style>|<script.*?</script>|data:image/[^\"']+", " ", raw,
                 flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", raw))


def test_the_vietnamese_report_has_no_english_sentence(plan_path: Path,
                                                       tmp_path: Path) -> None:
    plan = load_plan(plan_path).with_as_of(load_plan(plan_path).as_of.fromisoformat(OLD))
    findings = run_checks(plan)
    assert len(findings) >= 5
    out = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["report", str(plan_path), "-o", str(out), "--lang", "vi",
                                 "--as-of", OLD, "--no-maps"])
    assert r.exit_code == 0, r.output
    text = _report_text(out)
    english = set(findings["message_en"]) | set(findings["reference_en"]) | {
        i.title_en for i in rule_info().values()} | {i.checks_en for i in rule_info().values()}
    leaked = [e for e in english if e and e in text]
    assert leaked == []
    # and the Vietnamese texts are there
    for msg in findings["message_vi"]:
        assert msg in text
    assert rule_info("cluster-size").title_vi in text
    en = tmp_path / "report-en.html"
    assert CliRunner().invoke(cli, ["report", str(plan_path), "-o", str(en), "--lang", "en",
                                    "--as-of", OLD, "--no-maps"]).exit_code == 0
    text_en = _report_text(en)
    assert all(m in text_en for m in findings["message_en"])
    assert not any(m in text_en for m in findings["message_vi"])


def test_report_lang_from_the_plan(plan_path: Path) -> None:
    report = report_plan(load_plan(plan_path), maps=False, coverage=False)
    assert report.lang == "vi"
    rows = report.table("findings_all").rows
    assert rows["message"].str.contains("Cụm công nghiệp").all()


# ------------------------------------------------------------------------- indicative


def test_indicative_positions_on_the_map_and_in_the_checks(tmp_path: Path) -> None:
    from geoplan.maps import model as render
    from geoplan.maps.positions import INDICATIVE_KIND
    from geoplan.maps.styles import style_table

    b = PlanBuilder(tmp_path / "ind", province=None)
    b.add_boundary()
    frame = gpd.GeoDataFrame({
        "ma": ["C1", "C2"], "trang_thai": ["Quy hoạch", "Quy hoạch"],
        "vi_tri": ["Định hướng", "Chính xác"],
    }, geometry=[ha_square(X0 + 3000, Y0 + 3000, 20.0), ha_square(X0 + 3300, Y0 + 3000, 20.0)],
        crs="EPSG:9209")
    b.add("clusters", "industrial_cluster", frame)
    plan = load_plan(b.write())
    assert plan.frame("industrial_cluster")["position"].tolist() == ["indicative", "exact"]
    found = run_checks(plan, only="overlap", as_of=NEW)
    assert found["severity"].tolist() == ["warning"]
    assert "cần xác định vị trí chính xác" in found["message_vi"].iloc[0]
    layers = render.map_layers(plan)
    marks = [m for m in layers if m.kind == INDICATIVE_KIND]
    assert len(marks) == 1 and marks[0].frame["id"].tolist() == ["C1"]
    assert marks[0].frame.geometry.iloc[0].geom_type == "Point"
    styles, _ = render.layer_styles(marks[0], style_table(), offline=True)
    assert styles[0]["dashArray"] and styles[0]["shape"] == "circle"
    legend = render.legend_for(layers, style_table())
    assert any(s.title_en == "Indicative positions" for s in legend)
    from geoplan.maps import plan_map

    html_map = plan_map(plan, offline=True).get_root().render()
    assert "Vị trí mang tính định hướng" in html_map
