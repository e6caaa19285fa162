"""Findings on the interactive map: drawn by reference, aggregated per rule, rule titles, the
voltage-unknown and inferred-voltage styles (the payloads; the browser side is
tests/test_map_findings_browser.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
import shapely

import geoplan
from geoplan import pipeline
from geoplan.maps import codec, model
from geoplan.maps import interactive as render
from geoplan.maps.styles import rule_titles, style_table


@pytest.fixture(scope="module")
def results(sample_plan: geoplan.Plan) -> dict[str, Any]:
    return pipeline.map_results(sample_plan, sites=1)


def _documents(html: str) -> dict[str, dict[str, Any]]:
    """The map's layer documents by layer name (the search index is not a layer)."""
    docs = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html,
                      re.S)
    return {d["name"]: d for d in (codec.unpack(json.loads(text)) for i, text in docs
                                   if not i.endswith("_search"))}


@pytest.fixture(scope="module")
def documents(sample_plan: geoplan.Plan, results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _documents(render.map_html(render.plan_map(sample_plan, offline=True, **results)))


def test_a_finding_on_a_whole_feature_carries_no_geometry_but_its_index(
        documents: dict[str, dict[str, Any]], sample_plan: geoplan.Plan) -> None:
    doc = documents["findings"]
    rules = codec.decode_column(doc, "rule")
    ids = codec.decode_findings_column(doc, "feature_id", documents)
    shapes = codec.decode(doc)
    cluster_ids = sample_plan.layers["clusters"].frame["id"].astype(str).tolist()
    j = rules.index("cluster-size")
    assert shapes[j] == []  # no copy of the cluster's polygon
    ref = doc["ref"]
    assert ref["l"][ref["k"][j]] == "clusters"
    assert cluster_ids[ref["i"][j]] == ids[j]  # the cluster's position in its own document


def test_findings_with_a_geometry_of_their_own_keep_it(
        documents: dict[str, dict[str, Any]], results: dict[str, Any],
        sample_plan: geoplan.Plan) -> None:
    doc = documents["findings"]
    rules = codec.decode_column(doc, "rule")
    shapes = codec.decode_shapes(doc)
    # a line end that reaches nothing is a point of the line, not the line
    dangling = [s for r, s in zip(rules, shapes, strict=True) if r == "grid-dangling"]
    assert dangling and all(s is not None and s.geom_type == "Point" for s in dangling)
    # the part of a cluster inside a power-line corridor is a strip, smaller than the cluster
    frame = results["findings"]
    corridor = frame[(frame["rule"] == "corridor") & (frame["layer"] == "clusters")].iloc[0]
    j = next(i for i, r in enumerate(rules) if r == "corridor")
    assert shapes[j] is not None and shapes[j].geom_type in ("Polygon", "MultiPolygon")
    cluster = sample_plan.layers["clusters"].frame.set_index("id").loc[corridor["feature_id"]]
    assert corridor.geometry.area < cluster.geometry.area


def test_finding_references_compare_geometries(sample_plan: geoplan.Plan,
                                               results: dict[str, Any]) -> None:
    layers = model.map_layers(sample_plan, findings=results["findings"])
    findings = next(m for m in layers if m.kind == "findings").frame
    refs = model.finding_references(findings, layers)
    by_ref = refs["by_reference"]
    geoms = np.asarray(findings.geometry.values)
    for k, name in enumerate(refs["names"]):
        rows = np.flatnonzero(refs["layer"] == k)
        own = np.asarray(sample_plan.layers[name].frame.geometry.values)[refs["index"][rows]]
        assert (shapely.equals(geoms[rows], own) == by_ref[rows]).all()
    # every by-reference finding points to a feature
    assert (refs["layer"][by_ref] >= 0).all() and (refs["index"][by_ref] >= 0).all()


def test_rules_over_the_threshold_are_aggregated(sample_plan: geoplan.Plan,
                                                 results: dict[str, Any]) -> None:
    counts = results["findings"]["rule"].value_counts()
    limit = int(counts.iloc[1])  # only the most frequent rule(s) exceed it
    docs = _documents(render.map_html(render.plan_map(
        sample_plan, offline=True, findings_cluster=limit, **results)))
    doc = docs["findings"]
    assert doc["ag"] == [r for r in counts.index if counts[r] > limit]
    points = codec.decode_aggregate_points(doc, docs)
    assert len(points) == int(counts[counts > limit].sum())
    assert all(p is not None and 8 < p[0] < 24 and 102 < p[1] < 110 for p in points)
    # the page sends only the points it cannot derive from a geometry it already has
    assert len(doc.get("ap", [])) < len(points)
    none = _documents(render.map_html(render.plan_map(sample_plan, offline=True,
                                                      findings_cluster=0, **results)))
    assert "ag" not in none["findings"]


def many_findings(plan: geoplan.Plan, findings: Any) -> Any:
    """``findings`` and one more per trade point and per cluster, each naming its feature (and
    a cluster's nearest line) by id and quoted name as the checks' messages do: enough alike
    messages for the map to write them as templates."""
    from geoplan.findings import concat_findings, make_findings

    trade = plan.layers["trade"].frame
    clusters = plan.layers["clusters"].frame
    lines = plan.layers["lines"].frame
    records = [{"rule": "trade-class", "severity": "warning", "layer": "trade",
                "feature_id": t.id, "value": float(k), "unit": "m²",
                "message": f'Siêu thị {t.id} "{t.name}" (hiện trạng) là hạng III với '
                           f'{400 + 7 * k} m², dưới mức tối thiểu của hạng.'}
               for k, t in enumerate(trade.itertuples())]
    near = lines.sindex.nearest(clusters.geometry, return_all=False)[1]
    records += [{"rule": "corridor", "severity": "error", "layer": "clusters",
                 "feature_id": c.id, "other_layer": "lines", "other_id": lines["id"].iloc[i],
                 "message": f'Cụm công nghiệp {c.id} "{c.name}" cách đường dây '
                            f'{lines["id"].iloc[i]} "{lines["name"].iloc[i]}" '
                            f'{12 + k} m, trong hành lang bảo vệ an toàn.'}
                for k, (c, i) in enumerate(zip(clusters.itertuples(), near, strict=True))]
    return concat_findings([findings, make_findings(records, crs=plan.crs)], crs=plan.crs)


def _map_findings(plan: geoplan.Plan, results: dict[str, Any]) -> dict[str, Any]:
    """The findings frames the map's findings documents encode, by layer name."""
    return {m.name: m.frame for m in model.map_layers(plan, **results) if m.kind == "findings"}


def test_findings_decode_to_the_values_the_map_was_given(
        documents: dict[str, dict[str, Any]], sample_plan: geoplan.Plan,
        results: dict[str, Any]) -> None:
    frames = _map_findings(sample_plan, results)
    assert set(frames) == {"findings", "coverage-findings"}
    for name, frame in frames.items():
        doc = documents[name]
        assert doc["rc"] == ["layer", "feature_id", "other_layer", "other_id"]
        for column in doc["cols"]:
            want = [codec.json_value(v) for v in frame[column].astype(object)]
            assert codec.decode_findings_column(doc, column, documents) == want, (name, column)
        # a finding with a reference carries neither its layer nor its feature's id ...
        with_ref = sum(k >= 0 for k in doc["ref"]["k"])
        assert with_ref > 0
        rest = doc["n"] - with_ref
        assert len(codec.decode_column({"n": rest, "p": doc["p"]}, "feature_id")) == rest


def test_messages_name_their_features_by_placeholder(sample_plan: geoplan.Plan,
                                                     results: dict[str, Any]) -> None:
    given = {**results, "findings": many_findings(sample_plan, results["findings"])}
    docs = _documents(render.map_html(render.plan_map(sample_plan, offline=True, **given)))
    doc = docs["findings"]
    message = doc["p"]["message"]
    assert "tp" in message  # templates: alike texts that differ in figures and names
    args = [a for row in message["a"] for a in row]
    assert {0, 1, 2, 3} <= set(args)  # the feature's id and name, the other party's
    assert not any('"' + n + '"' in args for n in sample_plan.layers["trade"].frame["name"])
    frame = _map_findings(sample_plan, given)["findings"]
    for column in doc["cols"]:
        want = [codec.json_value(v) for v in frame[column].astype(object)]
        assert codec.decode_findings_column(doc, column, docs) == want, column


def test_placeholders_and_references_only_where_the_text_is_the_same() -> None:
    import pandas as pd

    # an id inside a longer one is no placeholder: "CCN-1" is not the start of "CCN-12"
    text = 'Cụm công nghiệp CCN-12 "Hòa Tiến 2" gần CCN-1 "Hòa Tiến": hai cụm chồng lấn 5 ha.'
    tp, args = codec._party_split(text, ("CCN-1", '"Hòa Tiến"', None, None))
    assert args == ["12", '"Hòa Tiến 2"', 0, 1, "5"]
    assert codec._fill(tp, [str(a) for a in args]) != text  # placeholders must be filled
    assert codec._fill(tp, ["12", '"Hòa Tiến 2"', "CCN-1", '"Hòa Tiến"', "5"]) == text
    # ids the browser would write otherwise (a fraction, a truth value) are sent as they are
    assert [codec.party_text(v) for v in (7, "A-7", 7.5, True, None)] == ["7", "A-7", None,
                                                                         None, None]
    refs = codec.encode_refs(["clusters"], [0, 0, -1], [0, 1, -1])
    columns = {"layer": pd.Series(["clusters", "clusters", "parks"]),
               "feature_id": pd.Series(["1.0", "2.0", "KCN-1"])}
    out = codec.encode_ref_columns(columns, refs, None, {"ref": ["1", "2", None]})
    assert out == {"layer": ["parks"]}  # "1.0" is not the text "1": feature_id is kept whole


def test_every_rule_of_the_map_has_a_title(results: dict[str, Any]) -> None:
    titles = rule_titles()
    assert {"overlap", "grid-dangling", "coverage-gap"} <= set(titles)
    rules = set(results["findings"]["rule"]) | set(results["coverage"].findings["rule"])
    assert rules <= set(titles), rules - set(titles)


def test_the_map_config_has_rule_titles_and_the_language(sample_plan: geoplan.Plan) -> None:
    html = render.map_html(render.plan_map(sample_plan, offline=True, lang="en"))
    config = json.loads(re.search(r"geoplan\.config = (\{.*?\});\n", html).group(1))
    assert config["lang"] == "en"
    assert config["rules"]["overlap"] == list(rule_titles()["overlap"])


def test_precision_follows_the_simplification_tolerance(sample_plan: geoplan.Plan) -> None:
    docs = _documents(render.map_html(render.plan_map(sample_plan, offline=True)))
    assert {d["s"] for d in docs.values()} == {10**6}  # a province: ≈ 0.1 m
    docs = _documents(render.map_html(render.plan_map(sample_plan, offline=True,
                                                      simplify_m=5.0)))
    assert {d["s"] for d in docs.values()} == {10**5}  # 5 m tolerance: ≈ 1 m is enough
    assert render.auto_precision(1_600_000 / 500_000) == 5


def test_unknown_and_inferred_voltages_have_their_own_style() -> None:
    table = style_table()
    line = table.line_style(None, "existing")
    assert line["color"] == table.unknown_voltage_color
    assert line["dash"] == table.unknown_voltage_dash
    assert table.line_style(None, "planned")["dash"] == table.dash("planned")  # status first
    assert table.substation_symbol(None, 63, "existing").glyph == "?"
    inferred = table.substation_symbol(110, 63, "existing", inferred=True)
    assert inferred.glyph == "~" and inferred.color == table.voltage_class(110).color
    assert table.substation_symbol(110, 63, "existing").glyph == ""


def test_inferred_substation_voltages_are_marked_on_the_map(sample_plan: geoplan.Plan) -> None:
    frame = sample_plan.layers["substations"].frame
    sid = str(frame["id"].iloc[0])
    table = frame.assign(layer="substations", substation_id=frame["id"].astype(str),
                         voltage_kv=110, voltage_inferred=False)
    table.loc[table.index[0], "voltage_inferred"] = True
    inferred = model.inferred_voltages(table)
    assert inferred.to_dict() == {("substations", sid): 110.0}
    blank = frame.assign(voltage_kv=None)
    marked = model._mark_inferred(blank, "substations", inferred)
    assert marked["voltage_inferred"].tolist() == [True] + [False] * (len(frame) - 1)
    assert float(marked["voltage_kv"].iloc[0]) == 110.0
    assert blank["voltage_kv"].isna().all()  # the plan's frame is untouched
