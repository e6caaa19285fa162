"""Overlap and corridor areas against PostGIS (ST_Intersection / ST_Area / ST_Buffer).

An independent route to the same numbers: the frames go into a real PostgreSQL + PostGIS (the
``postgis`` fixture starts one in a temporary directory; in CI it must run), the overlaps and the
corridors are computed there in the same coordinates, and the set of pairs and each area must
agree with geoplan's within 0.1 %. Corridors are built in PostGIS from the whole line
(``ST_Buffer(geom, d, 'endcap=flat join=round')``), so this also checks that geoplan's clipped
corridors change nothing.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from geoplan.checks import check_corridors, check_overlap, corridor_half_widths
from geoplan.checks.overlap import OVERLAP_KINDS
from geoplan.pipeline import load_plan
from geoplan.rules import default_rules

pytestmark = pytest.mark.postgis

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_names = itertools.count()
REL = 1e-3  # 0.1 %
CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0


def _table(postgis: Any, frame: gpd.GeoDataFrame, stem: str) -> str:
    name = f"chk_{stem}_{next(_names)}"
    srid = frame.crs.to_epsg()
    known = srid is not None and postgis.query(
        "select 1 from spatial_ref_sys where srid = %s", [srid])
    postgis.load_gdf(frame, name, srid=srid if known else 0)
    postgis.query(f"create index on {name} using gist (geom)")
    return name


def _features(frames: dict[str, gpd.GeoDataFrame], kinds: Any, crs: Any) -> gpd.GeoDataFrame:
    parts = []
    for kind in kinds:
        f = frames.get(kind)
        if f is not None and len(f):
            part = pd.DataFrame({"kind": kind, "layer": f["layer"].astype(str),
                                 "id": f["id"].astype(str)})
            parts.append(gpd.GeoDataFrame(part, geometry=f.geometry.to_numpy(), crs=crs))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)


def _compare(ours: dict[Any, float], theirs: dict[Any, float], tol: float) -> None:
    """Same pairs; each value within 0.1 %. A pair may be missing on one side only when its
    value sits at the reporting tolerance itself (both engines round differently there)."""
    for key in set(ours) - set(theirs):
        assert ours[key] == pytest.approx(tol, rel=REL), f"{key} only in geoplan: {ours[key]}"
    for key in set(theirs) - set(ours):
        assert theirs[key] == pytest.approx(tol, rel=REL), f"{key} only in PostGIS: {theirs[key]}"
    for key in set(ours) & set(theirs):
        assert ours[key] == pytest.approx(theirs[key], rel=REL, abs=1e-9), key


def _overlaps_in_postgis(postgis: Any, frames: dict[str, gpd.GeoDataFrame], crs: Any
                         ) -> dict[Any, float]:
    feats = _features(frames, OVERLAP_KINDS, crs)
    feats = feats[feats.geom_type.isin(["Polygon", "MultiPolygon"])]
    feats = feats.assign(grp=feats["kind"].map(OVERLAP_KINDS))
    t = _table(postgis, feats.reset_index(drop=True), "poly")
    tol = default_rules().value("overlap_tolerance_ha") * 10_000
    rows = postgis.query(f"""
        select a.layer, a.id, b.layer, b.id, ST_Area(ST_Intersection(a.geom, b.geom))
        from {t} a join {t} b on a._row < b._row and ST_Intersects(a.geom, b.geom)
        where (a.grp = 'A' and b.grp = 'A') or ((a.grp = 'R') <> (b.grp = 'R'))""")
    return {frozenset([(r[0], r[1]), (r[2], r[3])]): r[4] / 10_000 for r in rows
            if r[4] > tol * (1 - REL)}


def _corridors_in_postgis(postgis: Any, frames: dict[str, gpd.GeoDataFrame], crs: Any
                          ) -> dict[Any, float]:
    lines = frames["grid_line"]
    hw = corridor_half_widths(lines)["half_width_m"]
    ok = hw.notna().to_numpy()
    lf = gpd.GeoDataFrame({"layer": lines["layer"].astype(str).to_numpy()[ok],
                           "id": lines["id"].astype(str).to_numpy()[ok],
                           "hw": hw.to_numpy()[ok]},
                          geometry=lines.geometry.to_numpy()[ok], crs=crs)
    lt = _table(postgis, lf, "line")
    ct = f"{lt}_corridor"
    postgis.query(f"create table {ct} as select layer, id, "
                  f"ST_Buffer(geom, hw, 'endcap=flat join=round') as geom, geom as axis "
                  f"from {lt}")
    postgis.query(f"create index on {ct} using gist (geom)")
    ft = _table(postgis, _features(frames, ("industrial_cluster", "industrial_park",
                                            "trade_facility"), crs), "feat")
    tol = default_rules().value("corridor_tolerance_ha") * 10_000
    rows = postgis.query(f"""
        select f.layer, f.id, c.layer, c.id,
               case when GeometryType(f.geom) in ('POINT', 'MULTIPOINT')
                    then ST_Distance(f.geom, c.axis)
                    else ST_Area(ST_Intersection(f.geom, c.geom)) / 10000 end,
               GeometryType(f.geom) in ('POINT', 'MULTIPOINT')
        from {ft} f join {ct} c on ST_Intersects(f.geom, c.geom)""")
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows
            if r[5] or r[4] * 10_000 > tol * (1 - REL)}


def _ours(frames: dict[str, gpd.GeoDataFrame]) -> tuple[dict[Any, float], dict[Any, float]]:
    ov = check_overlap(frames)
    co = check_corridors(frames["grid_line"], frames)
    co = co[co["severity"] != "info"]
    overlaps = {frozenset([(r.layer, r.feature_id), (r.other_layer, r.other_id)]): r.value
                for r in ov.itertuples()}
    corridors = {(r.layer, r.feature_id, r.other_layer, r.other_id): r.value
                 for r in co.itertuples()}
    assert len(overlaps) == len(ov) and len(corridors) == len(co)  # each pair once
    return overlaps, corridors


def _check(postgis: Any, frames: dict[str, gpd.GeoDataFrame], crs: Any) -> tuple[int, int]:
    overlaps, corridors = _ours(frames)
    _compare(overlaps, _overlaps_in_postgis(postgis, frames, crs),
             default_rules().value("overlap_tolerance_ha"))
    _compare(corridors, _corridors_in_postgis(postgis, frames, crs),
             default_rules().value("corridor_tolerance_ha"))
    return len(overlaps), len(corridors)


def _check_plan(postgis: Any, plan: Any) -> tuple[int, int]:
    kinds = (*OVERLAP_KINDS, "grid_line")
    return _check(postgis, {k: plan.frame(k) for k in kinds}, plan.crs)


def test_sample_overlaps_and_corridors_agree_with_postgis(postgis: Any, sample_plan: Any
                                                          ) -> None:
    n_overlaps, n_corridors = _check_plan(postgis, sample_plan)
    assert (n_overlaps, n_corridors) == (2, 2)


def test_workload_overlaps_and_corridors_agree_with_postgis(postgis: Any, tmp_path: Path
                                                            ) -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        from workload import make_workload
    finally:
        sys.path.remove(str(SCRIPTS))
    plan = load_plan(make_workload(tmp_path / "wl", scale=0.1, seed=11))
    n = sum(len(layer.frame) for layer in plan.layers.values())
    assert n > 2500
    n_overlaps, n_corridors = _check_plan(postgis, plan)
    assert n_overlaps >= 5 and n_corridors >= 50, (n_overlaps, n_corridors)  # enough pairs


def test_dense_generated_layers_agree_with_postgis(postgis: Any) -> None:
    """Features crowded around short, bent lines: line ends (flat caps), bends (round joins),
    multipolygons, points inside and just outside, every voltage band and an underground
    cable."""
    rng = np.random.default_rng(5)
    n_lines, n_polys, n_points = 150, 1500, 1500
    line_geoms, volts, where = [], [], []
    for _ in range(n_lines):
        start = rng.uniform(0, 5000, 2)
        steps = rng.normal(0, 150, (int(rng.integers(1, 6)), 2))
        xy = np.vstack([start, start + np.cumsum(steps, 0)]) + np.array([X0, Y0])
        line_geoms.append(shapely.LineString(xy))
        volts.append(int(rng.choice([22, 35, 110, 220, 500])))
        where.append("underground" if rng.random() < 0.1 else "overhead")
    grid = gpd.GeoDataFrame({"layer": "grid", "id": [f"L{i}" for i in range(n_lines)],
                             "voltage_kv": pd.array(volts, dtype="Int64"), "location": where},
                            geometry=line_geoms, crs=CRS)
    # polygons and points near random vertices of the lines (often at their ends)
    verts = shapely.get_coordinates(np.array(line_geoms, dtype=object))
    at = verts[rng.integers(0, len(verts), n_polys)] + rng.normal(0, 15, (n_polys, 2))
    size = rng.uniform(5, 80, (n_polys, 2))
    polys = shapely.box(at[:, 0] - size[:, 0], at[:, 1] - size[:, 1], at[:, 0] + size[:, 0],
                        at[:, 1] + size[:, 1])
    angle = rng.uniform(0, 90, n_polys)
    polys = np.array([shapely.affinity.rotate(p, a) for p, a in zip(polys, angle, strict=True)],
                     dtype=object)
    polys[::7] = shapely.union(polys[::7], shapely.box(*(at[::7].T - 200), *(at[::7].T - 180)))
    pts = verts[rng.integers(0, len(verts), n_points)] + rng.normal(0, 12, (n_points, 2))
    half = n_polys // 2
    frames = {
        "grid_line": grid,
        "industrial_cluster": gpd.GeoDataFrame(
            {"layer": "ccn", "id": [f"C{i}" for i in range(half)], "status": "planned"},
            geometry=polys[:half], crs=CRS),
        "industrial_park": gpd.GeoDataFrame(
            {"layer": "kcn", "id": [f"K{i}" for i in range(n_polys - half)],
             "status": "existing"}, geometry=polys[half:], crs=CRS),
        "trade_facility": gpd.GeoDataFrame(
            {"layer": "tm", "id": [f"T{i}" for i in range(n_points)], "type": "market",
             "status": "planned"}, geometry=shapely.points(pts), crs=CRS),
    }
    n_overlaps, n_corridors = _check(postgis, frames, CRS)
    assert n_overlaps > 200 and n_corridors > 500, (n_overlaps, n_corridors)
