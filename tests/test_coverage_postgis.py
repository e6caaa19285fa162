"""Coverage distances and verdicts against a real PostGIS (issue 4).

For every demand feature and every voltage level, PostGIS finds the nearest substation with a
KNN ``<->`` ``ORDER BY`` (true distance for geometries since PostGIS 2.2), measures it with
``ST_Distance`` and decides "within the radius" with ``ST_DWithin``; geoplan's STRtree answers
must agree to 1 cm, on the bundled sample province and on a generated workload.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoplan
from geoplan.coverage import compute_coverage, coverage_settings, substation_levels
from geoplan.kinds import TRADE_TYPES

pytestmark = pytest.mark.postgis

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _compare(postgis, plan, settings=None) -> dict[str, int]:
    result = compute_coverage(plan, settings=settings)
    feats = result.features
    subs = plan.frame("substation")
    subs = subs[subs["status"].isin(result.settings.substation_status)].reset_index(drop=True)
    levels = substation_levels(subs)
    srid = plan.crs.to_epsg() or 0
    tag = uuid.uuid4().hex[:8]
    f_table, s_table = f"cov_f_{tag}", f"cov_s_{tag}"
    postgis.load_gdf(gpd.GeoDataFrame(
        {"layer": feats["layer"].astype(str), "fid": feats["feature_id"].astype(str)},
        geometry=feats.geometry.array, crs=plan.crs), f_table, srid=srid)
    s_frame = pd.DataFrame({"layer": subs["layer"].astype(str), "sid": subs["id"].astype(str)})
    for level in result.settings.levels:
        s_frame[f"at{level}"] = [level in lv for lv in levels]
    postgis.load_gdf(gpd.GeoDataFrame(s_frame, geometry=subs.geometry.array, crs=plan.crs),
                     s_table, srid=srid)
    postgis.query(f"CREATE INDEX ON {s_table} USING gist (geom)")
    postgis.query(f"ANALYZE {s_table}")
    checked = {"features": len(feats), "pairs": 0, "within": 0, "ties": 0}
    for level in result.settings.levels:
        radius = result.settings.radius_m(level)
        rows = postgis.query(f"""
            SELECT f._row, n.sid, n.d, n.d2, EXISTS (
                       SELECT 1 FROM {s_table} s
                       WHERE s.at{level} AND ST_DWithin(f.geom, s.geom, %s)) AS within
            FROM {f_table} f
            LEFT JOIN LATERAL (
                SELECT k.sid, ST_Distance(f.geom, k.geom) AS d,
                       (SELECT ST_Distance(f.geom, s2.geom) FROM {s_table} s2
                        WHERE s2.at{level} AND s2.sid <> k.sid
                        ORDER BY f.geom <-> s2.geom LIMIT 1) AS d2
                FROM {s_table} k WHERE k.at{level}
                ORDER BY f.geom <-> k.geom, k.sid LIMIT 1) n ON true
            ORDER BY f._row""", [radius])
        pg = pd.DataFrame(rows, columns=["row", "sid", "d", "d2", "within"]).set_index("row")
        ours = feats[[f"nearest_{level}kv_id", f"distance_{level}kv_m", f"within_{level}kv"]]
        ours.columns = ["sid", "d", "within"]
        assert len(pg) == len(ours)
        d_pg = pg["d"].astype("float64").to_numpy()
        d_us = ours["d"].to_numpy(dtype="float64")
        assert np.array_equal(np.isnan(d_pg), np.isnan(d_us))
        ok = ~np.isnan(d_pg)
        assert np.abs(d_pg[ok] - d_us[ok]).max(initial=0.0) < 0.01, f"{level} kV distances"
        assert (pg["within"].to_numpy(dtype=bool) == ours["within"].to_numpy(dtype=bool)).all()
        # the same nearest substation, unless another one is within 1 cm of it (a tie)
        gap = pg["d2"].astype("float64").to_numpy() - d_pg
        clear = ok & ~(gap < 0.01)
        assert (pg["sid"].to_numpy()[clear] == ours["sid"].to_numpy()[clear]).all()
        checked["pairs"] += int(ok.sum())
        checked["within"] += int(pg["within"].sum())
        checked["ties"] += int((ok & ~clear).sum())
    # the coverage-gap findings are exactly the features PostGIS finds nothing within reach of
    supply = result.settings.supply_level_kv
    far = postgis.query(f"""
        SELECT f.layer, f.fid FROM {f_table} f WHERE NOT EXISTS (
            SELECT 1 FROM {s_table} s WHERE s.at{supply} AND ST_DWithin(f.geom, s.geom, %s))
        ORDER BY 1, 2""", [result.settings.radius_m(supply)])
    gaps = result.findings[result.findings["rule"] == "coverage-gap"]
    assert sorted(zip(gaps["layer"], gaps["feature_id"], strict=True)) == [tuple(r) for r in far]
    return checked


def test_sample_province_agrees_with_postgis(postgis, sample_plan):
    checked = _compare(postgis, sample_plan)
    assert checked["features"] > 50 and checked["within"] > 100


def test_generated_workload_agrees_with_postgis(postgis, tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    try:
        from workload import make_workload
    finally:
        sys.path.remove(str(SCRIPTS))
    plan = geoplan.load_plan(make_workload(tmp_path / "wl", scale=0.05))
    every_trade_type = coverage_settings({"trade_types": list(TRADE_TYPES)})
    checked = _compare(postgis, plan, every_trade_type)
    assert checked["features"] > 1_000 and checked["pairs"] > 3_000


def test_the_sample_plants_are_found(sample_plan):
    """The sample's planted far cluster and overloaded substation (layers/sample/README.md),
    and nothing else of their kind."""
    result = compute_coverage(sample_plan)
    f = result.findings
    gap = f[f["rule"] == "coverage-gap"]
    assert gap["feature_id"].tolist() == ["CCN-47"]
    assert gap["value"].iloc[0] == pytest.approx(24_800, abs=100)  # README: 24.8 km
    over = f[f["rule"] == "substation-overload"]
    assert over["feature_id"].tolist() == ["TBA-110-08"]
    assert over["value"].iloc[0] > 0
    served = result.features[result.features["substation_id"] == "TBA-110-08"]
    assert {"CCN-39", "CCN-40", "CCN-43", "CCN-44", "CCN-45", "CCN-46"} <= set(
        served["feature_id"])
