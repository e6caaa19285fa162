"""Rule overlap."""

from __future__ import annotations

import pytest
import shapely
from builders.checks import by_pair, clusters, parks, rect, trade, zones

from geoplan.checks import check_overlap
from geoplan.errors import CRSError
from geoplan.findings import FINDING_COLUMNS


def test_overlapping_clusters_are_one_error_with_area_and_statuses() -> None:
    found = check_overlap({"industrial_cluster": clusters(
        {"id": "C2", "name": "Đông Thọ", "status": "planned", "geometry": rect(0, 0, 400, 400)},
        {"id": "C1", "name": "Tây Hồ", "status": "existing", "geometry": rect(300, 0, 400, 400)},
    )})
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert len(found) == 1
    f = found.iloc[0]
    assert (f.rule, f.severity, f.unit) == ("overlap", "error", "ha")
    assert (f.feature_id, f.other_id) == ("C1", "C2")  # canonical order: by id
    assert f.value == pytest.approx(100 * 400 / 10_000)
    assert f.geometry.area == pytest.approx(40_000)
    assert f.threshold == 0.01
    assert 'Cluster C1 "Tây Hồ" (existing)' in f.message_en
    assert 'cluster C2 "Đông Thọ" (planned)' in f.message_en
    assert "overlap by 4.00 ha" in f.message_en


def test_both_existing_is_a_warning() -> None:
    found = check_overlap({"industrial_cluster": clusters(
        {"id": "C1", "status": "existing", "geometry": rect(0, 0, 400, 400)},
        {"id": "C2", "status": "existing", "geometry": rect(300, 0, 400, 400)},
    )})
    assert found["severity"].tolist() == ["warning"]
    assert "mapped outlines disagree" in found["message_en"].iloc[0]


def test_touching_and_sliver_overlaps_are_not_reported() -> None:
    frames = {"industrial_cluster": clusters(
        {"id": "A", "status": "planned", "geometry": rect(0, 0, 400, 400)},
        {"id": "B", "status": "planned", "geometry": rect(400, 0, 400, 400)},  # shares an edge
        {"id": "C", "status": "planned", "geometry": rect(0, 399.9, 400, 400)},  # 40 m² = 0.004
    )}
    assert check_overlap(frames).empty
    found = check_overlap(frames, settings={"overlap_tolerance_ha": 0.001})
    assert len(found) == 1 and set(found[["feature_id", "other_id"]].iloc[0]) == {"A", "C"}
    assert found["reference_en"].iloc[0].startswith("plan override (was 0.01 ha")


def test_cluster_park_and_restricted_pairs_but_not_trade_against_cluster() -> None:
    frames = {
        "industrial_cluster": clusters(
            {"id": "C1", "status": "planned", "geometry": rect(0, 0, 500, 500)}, layer="ccn"),
        "industrial_park": parks(
            {"id": "K1", "status": "existing", "geometry": rect(400, 0, 500, 500)}, layer="kcn"),
        "trade_facility": trade(
            {"id": "T1", "type": "market", "status": "planned", "geometry": rect(50, 50, 50, 50)},
            {"id": "T2", "type": "market", "status": "planned",
             "geometry": rect(2000, 0, 100, 100)}, layer="tm"),
        "restricted_zone": zones(
            {"id": "Z1", "name": "Đền", "type": "heritage", "geometry": rect(2050, 0, 300, 300)},
            {"id": "Z2", "type": "military", "geometry": rect(2080, 0, 300, 300)}, layer="hc"),
    }
    found = by_pair(check_overlap(frames))
    assert set(found) == {("C1", "K1"), ("T2", "Z1"), ("T2", "Z2")}
    assert found[("C1", "K1")].value == pytest.approx(5.0)
    assert found[("C1", "K1")].other_layer == "kcn"
    zone = found[("T2", "Z1")]
    assert zone.layer == "tm" and zone.other_layer == "hc"  # the zone is always the other side
    assert zone.value == pytest.approx(50 * 100 / 10_000)
    assert 'inside restricted zone Z1 "Đền" (heritage)' in zone.message_en
    assert zone.severity == "error"


def test_holes_and_multipolygons() -> None:
    ring = shapely.difference(rect(0, 0, 1000, 1000), rect(200, 200, 600, 600))
    multi = shapely.union(rect(300, 300, 100, 100), rect(900, 900, 200, 200))
    found = check_overlap({"industrial_cluster": clusters(
        {"id": "RING", "status": "planned", "geometry": ring},
        {"id": "MULTI", "status": "planned", "geometry": multi},
    )})
    # the part inside the hole does not count; the other part overlaps 100 x 100 m
    assert found["value"].tolist() == [pytest.approx(1.0)]


def test_pairs_across_layers_of_one_kind() -> None:
    a = clusters({"id": "X", "status": "planned", "geometry": rect(0, 0, 300, 300)}, layer="a")
    b = clusters({"id": "X", "status": "planned", "geometry": rect(100, 0, 300, 300)}, layer="b")
    import pandas as pd

    both = pd.concat([a, b], ignore_index=True)
    found = check_overlap({"industrial_cluster": both})
    assert found[["layer", "feature_id", "other_layer", "other_id"]].values.tolist() == [
        ["a", "X", "b", "X"]]


def test_geographic_crs_is_refused() -> None:
    frame = clusters({"id": "C1", "status": "planned", "geometry": rect(0, 0, 1, 1)})
    frame = frame.set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(CRSError, match=r"metric CRS.*geoplan\.crs\.to_crs"):
        check_overlap({"industrial_cluster": frame})


def test_no_polygons_no_findings() -> None:
    assert check_overlap({}).empty
    assert check_overlap({"industrial_cluster": clusters(
        {"id": "C1", "status": "planned", "geometry": rect(0, 0, 10, 10)})}).empty
