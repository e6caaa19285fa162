"""The bundled sample province ``layers/sample/``: reproducible, at scale, with planted problems.

The files are read here with pyogrio / pandas / rasterio directly (not through geoplan's loader)
and every fact is measured again with shapely in EPSG:9209, independently of the script that
wrote them (``scripts/make_sample.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import shapely.geometry
import tomllib
from pyproj.transformer import TransformerGroup
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geoplan.kinds import (
    TRADE_TYPES,
    alias_table,
    normalise_bool,
    normalise_class,
    normalise_status,
    normalise_vocabulary,
    normalise_voltages,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "layers" / "sample"
SCRIPT = ROOT / "scripts" / "make_sample.py"

# The planted problems, as layers/sample/README.md lists them.
OVERLAP_PAIR = ("CCN-08", "CCN-09")
RESTRICTED_OVERLAP = ("CCN-18", "VHC-01")
CORRIDOR_CLUSTER = ("CCN-28", "DZ-220-03")
PETROL_UNDER_LINE = ("TM-089", "DZ-220-01")
SMALL_CLUSTER = "CCN-25"
AREA_MISMATCH = "CCN-17"
FAR_CLUSTER = "CCN-47"
OVERLOADED = "TBA-110-08"
DANGLING = "DZ-110-17"
UNFED = "TBA-110-13"
BIG_PARK = "KCN-03"
BAD_MARKET = "TM-007"
PLANTED_IDS = (*OVERLAP_PAIR, *RESTRICTED_OVERLAP, *CORRIDOR_CLUSTER, *PETROL_UNDER_LINE,
               SMALL_CLUSTER, AREA_MISMATCH, FAR_CLUSTER, OVERLOADED, DANGLING, UNFED, BIG_PARK,
               BAD_MARKET)


def _to_9209(geom: BaseGeometry) -> BaseGeometry:
    group = TransformerGroup(4326, 9209, always_xy=True, allow_ballpark=False)
    t = next(t for t in group.transformers if "VN-2000 to WGS 84 (2)" in t.description)

    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, fn)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    out = {
        "boundary": pyogrio.read_dataframe(SAMPLE / "boundary.geojson"),
        "clusters": pyogrio.read_dataframe(SAMPLE / "industry.gpkg", layer="cum_cong_nghiep"),
        "parks": pyogrio.read_dataframe(SAMPLE / "industry.gpkg", layer="khu_cong_nghiep"),
        "lines": pyogrio.read_dataframe(SAMPLE / "grid.gpkg", layer="duong_day"),
        "substations": pyogrio.read_dataframe(SAMPLE / "grid.gpkg", layer="tram_bien_ap"),
        "plants": pyogrio.read_dataframe(SAMPLE / "power_plants.geojson"),
        "restricted": pyogrio.read_dataframe(SAMPLE / "restricted_zones.geojson"),
    }
    trade = pd.read_csv(SAMPLE / "trade_facilities.csv", encoding="utf-8", dtype={"hang": str})
    out["trade"] = gpd.GeoDataFrame(trade, geometry=gpd.points_from_xy(trade["Y"], trade["X"]),
                                    crs="EPSG:9209")
    for name in ("boundary", "plants", "restricted"):
        frame = out[name]
        out[name] = gpd.GeoDataFrame(frame.drop(columns="geometry"),
                                     geometry=[_to_9209(g) for g in frame.geometry],
                                     crs="EPSG:9209")
    for frame in out.values():
        assert frame.crs.to_epsg() == 9209
    return out


@pytest.fixture(scope="module")
def province(layers: dict[str, gpd.GeoDataFrame]) -> BaseGeometry:
    b = layers["boundary"]
    (geom,) = b.geometry[b["cap"] == "Tỉnh"]
    return geom


def _by_id(frame: gpd.GeoDataFrame, fid: str) -> BaseGeometry:
    (geom,) = frame.geometry[frame["ma"] == fid]
    return geom


# --------------------------------------------------------------------------- reproducibility


def test_script_reproduces_the_committed_files(regenerated: Path) -> None:
    committed = sorted(p.name for p in SAMPLE.iterdir())
    assert sorted(p.name for p in regenerated.iterdir()) == committed
    for name in committed:
        new, old = regenerated / name, SAMPLE / name
        if name.endswith(".gpkg"):
            # byte-identical with OGR_CURRENT_DATE pinned; compare content in case another
            # GDAL lays out the SQLite pages differently
            for layer, _ in pyogrio.list_layers(old):
                a = pyogrio.read_dataframe(old, layer=layer)
                b = pyogrio.read_dataframe(new, layer=layer)
                pd.testing.assert_frame_equal(a.drop(columns="geometry"),
                                              b.drop(columns="geometry"))
                assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb()), (name, layer)
        elif name.endswith(".tif"):
            # compressed bytes depend on the zlib build: compare what the raster holds
            import rasterio

            with rasterio.open(old) as a, rasterio.open(new) as b:
                assert (a.crs, a.transform, a.nodata, a.shape) == (b.crs, b.transform, b.nodata,
                                                                   b.shape), name
                np.testing.assert_array_equal(a.read(), b.read())
        elif name.endswith(".geojson"):
            # coordinates come through PROJ: equal to 1e-9 degree (0.1 mm) across versions
            a_json, b_json = (json.loads(p.read_text(encoding="utf-8")) for p in (old, new))
            assert len(a_json["features"]) == len(b_json["features"]), name
            for fa, fb in zip(a_json["features"], b_json["features"], strict=True):
                assert fa["properties"] == fb["properties"], name
                ga, gb = shapely.geometry.shape(fa["geometry"]), shapely.geometry.shape(
                    fb["geometry"])
                assert ga.geom_type == gb.geom_type and shapely.equals_exact(ga, gb, 1e-9), name
        else:
            assert new.read_bytes() == old.read_bytes(), f"{name} differs: rerun the script"


def test_the_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < 1.5e6


def test_plan_declares_every_file_and_the_csv_crs() -> None:
    plan = tomllib.loads((SAMPLE / "plan.toml").read_text(encoding="utf-8"))
    assert plan["plan"]["analysis_crs"] == "EPSG:9209"
    paths = {spec["path"] for spec in plan["layers"].values()}
    # attribute tables joined onto a layer by id (the Department's sheet of cluster figures)
    paths |= {spec["attributes"]["path"] for spec in plan["layers"].values()
              if "attributes" in spec}
    assert paths == {p.name for p in SAMPLE.iterdir()} - {"plan.toml", "README.md"}
    trade = plan["layers"]["trade"]
    assert (trade["crs"], trade["x_field"], trade["y_field"]) == ("EPSG:9209", "Y", "X")
    first = (SAMPLE / "trade_facilities.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "crs" not in first.lower() and "epsg" not in first.lower()


def test_readme_lists_every_planted_id() -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    missing = [fid for fid in PLANTED_IDS if fid not in text]
    assert not missing
    assert "MIT" in text and "synthetic" in text


# --------------------------------------------------------------------------- scale


def test_scale(layers: dict[str, gpd.GeoDataFrame], province: BaseGeometry) -> None:
    assert province.area / 1e6 == pytest.approx(1500, rel=0.10)
    clusters = layers["clusters"]
    assert 40 <= len(clusters) <= 50
    assert clusters.geometry.area.sum() / 1e4 == pytest.approx(2380, rel=0.05)
    assert 3 <= len(layers["parks"]) <= 4
    assert 90 <= len(layers["trade"]) <= 110


def test_population_raster() -> None:
    rasterio = pytest.importorskip("rasterio")
    with rasterio.open(SAMPLE / "population.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((0.005, 0.005))
        assert src.dtypes == ("float32",)
        assert src.nodata is not None
        assert src.compression.name.lower() == "deflate"
        data = src.read(1, masked=True)
    assert float(data.sum()) == pytest.approx(1.8e6, rel=0.05)
    assert float(data.min()) >= 0


def test_communes_tile_the_province(layers: dict[str, gpd.GeoDataFrame],
                                    province: BaseGeometry) -> None:
    b = layers["boundary"]
    communes = b[b["cap"] != "Tỉnh"]
    assert 25 <= len(communes) <= 35
    assert set(communes["cap"]) == {"Xã", "Phường"}
    assert communes["ten"].str.match(r"^(Xã|Phường) ").all()
    assert communes.geometry.is_valid.all()
    total = communes.geometry.area.sum()
    union = shapely.union_all(communes.geometry.to_numpy())
    assert total == pytest.approx(province.area, rel=1e-9)
    assert shapely.symmetric_difference(union, province).area < 1.0  # m²


def test_values_are_in_the_vocabularies(layers: dict[str, gpd.GeoDataFrame]) -> None:
    types = {normalise_vocabulary(v, alias_table("trade_facility.type"), TRADE_TYPES)
             for v in layers["trade"]["loai_hinh"]}
    assert types == set(TRADE_TYPES)
    for name in ("clusters", "parks", "trade", "lines", "substations"):
        for value in layers[name]["trang_thai"]:
            assert normalise_status(value) is not None
    assert {normalise_voltages(v)[0] for v in layers["lines"]["cap_dien_ap"]} == {500, 220, 110}
    spellings = set(layers["lines"]["cap_dien_ap"]) | set(layers["substations"]["cap_dien_ap"])
    assert len(spellings) >= 5  # mixed on purpose
    for col in ("mien_nui", "lang_nghe", "xlnt", "qhct"):
        assert layers["clusters"][col].map(normalise_bool).notna().all()
    assert layers["trade"]["hang"].dropna().map(normalise_class).isin([1, 2, 3]).all()


# --------------------------------------------------------------------------- planted facts


def test_only_the_planted_clusters_overlap(layers: dict[str, gpd.GeoDataFrame]) -> None:
    clusters = layers["clusters"]
    left, right = clusters.sindex.query(clusters.geometry, predicate="intersects")
    pairs = {tuple(sorted((clusters["ma"][i], clusters["ma"][j])))
             for i, j in zip(left, right, strict=True) if i < j}
    assert pairs == {OVERLAP_PAIR}
    a, b = (_by_id(clusters, i) for i in OVERLAP_PAIR)
    assert a.intersection(b).area > 1e4  # more than a hectare, not a sliver
    zone = _by_id(layers["restricted"], RESTRICTED_OVERLAP[1])
    hits = clusters["ma"][clusters.geometry.intersects(
        shapely.union_all(layers["restricted"].geometry.to_numpy()))]
    assert list(hits) == [RESTRICTED_OVERLAP[0]]
    assert _by_id(clusters, RESTRICTED_OVERLAP[0]).intersection(zone).area > 1e4
    parks = shapely.union_all(layers["parks"].geometry.to_numpy())
    assert clusters.geometry.distance(parks).min() > 100


def test_only_the_planted_features_are_inside_a_corridor(
        layers: dict[str, gpd.GeoDataFrame]) -> None:
    lines = layers["lines"]
    clusters, trade = layers["clusters"], layers["trade"]
    # the widest corridor: 500 kV, 12 m outer-conductor offset + 7 m each side
    axes = shapely.union_all(lines.geometry.to_numpy())
    near = clusters["ma"][clusters.geometry.distance(axes) < 19 + 50]
    assert list(near) == [CORRIDOR_CLUSTER[0]]
    assert _by_id(clusters, CORRIDOR_CLUSTER[0]).intersects(_by_id(lines, CORRIDOR_CLUSTER[1]))
    near_trade = trade["ma"][trade.geometry.distance(axes) < 19 + 30]
    assert list(near_trade) == [PETROL_UNDER_LINE[0]]
    petrol = _by_id(trade, PETROL_UNDER_LINE[0])
    line = lines[lines["ma"] == PETROL_UNDER_LINE[1]].iloc[0]
    assert normalise_voltages(line["cap_dien_ap"]) == (220,)
    assert trade.loc[trade["ma"] == PETROL_UNDER_LINE[0], "loai_hinh"].item() == \
        "Cửa hàng xăng dầu"
    assert petrol.distance(line.geometry) < line["khoang_cach_pha"] + 6.0


def test_cluster_sizes_and_declared_areas(layers: dict[str, gpd.GeoDataFrame]) -> None:
    clusters = layers["clusters"].set_index("ma")
    measured = clusters.geometry.area / 1e4
    assert measured[SMALL_CLUSTER] == pytest.approx(9.0, abs=0.3)
    assert clusters.loc[SMALL_CLUSTER, "mien_nui"] == 0
    assert clusters.loc[SMALL_CLUSTER, "lang_nghe"] == "Không"
    others = measured.drop(SMALL_CLUSTER)
    assert others.between(10, 75).all()
    gap = (clusters["dien_tich"] / measured - 1).abs()
    assert list(gap.index[gap > 0.05]) == [AREA_MISMATCH]


def test_the_far_cluster_is_out_of_reach(layers: dict[str, gpd.GeoDataFrame]) -> None:
    subs = layers["substations"]
    has_110 = subs["cap_dien_ap"].map(lambda v: 110 in normalise_voltages(v))
    far = _by_id(layers["clusters"], FAR_CLUSTER)
    assert subs.geometry[has_110].distance(far).min() > 20_000
    assert subs.geometry.distance(far).min() > 20_000
    others = layers["clusters"][layers["clusters"]["ma"] != FAR_CLUSTER]
    nearest = others.geometry.map(lambda g: subs.geometry[has_110].distance(g).min())
    assert nearest.max() < 8_000


def test_the_overloaded_substation(layers: dict[str, gpd.GeoDataFrame]) -> None:
    subs = layers["substations"]
    has_110 = subs[subs["cap_dien_ap"].map(lambda v: 110 in normalise_voltages(v))]
    row = subs[subs["ma"] == OVERLOADED].iloc[0]
    assert row["cong_suat"] == 25
    served = 0.0
    for geom in layers["clusters"].geometry:
        nearest = has_110["ma"].iloc[int(np.argmin(has_110.geometry.distance(geom)))]
        if nearest == OVERLOADED:
            served += geom.area / 1e4
    # even at a low 0.2 MW/ha the demand is more than twice 25 MVA at 0.9 power factor
    assert served * 0.2 > 2 * 25 * 0.9


def test_grid_topology(layers: dict[str, gpd.GeoDataFrame],
                       province: BaseGeometry) -> None:
    lines, subs = layers["lines"], layers["substations"]
    stations = {(p.x, p.y): fid for p, fid in zip(subs.geometry, subs["ma"], strict=True)}
    plant = layers["plants"].geometry.iloc[0]
    reached: set[str] = set()
    dangling: list[str] = []
    for fid, geom in zip(lines["ma"], lines.geometry, strict=True):
        for xy in (geom.coords[0], geom.coords[-1]):
            if xy in stations:  # exact coincidence, no tolerance
                reached.add(stations[xy])
            elif Point(xy).distance(plant) < 0.01 or not province.contains(Point(xy)):
                continue
            else:
                dangling.append(fid)
        others = subs.geometry[~subs.geometry.map(
            lambda p, g=geom: p.equals(Point(g.coords[0])) or p.equals(Point(g.coords[-1])))]
        assert others.distance(geom).min() > 300, f"{fid} passes through a substation"
    assert dangling == [DANGLING]
    end = Point(lines.geometry[lines["ma"] == DANGLING].iloc[0].coords[-1])
    rest = shapely.union_all(lines.geometry[lines["ma"] != DANGLING].to_numpy())
    assert end.distance(rest) > 1000
    assert subs.geometry.distance(end).min() > 1000
    assert end.distance(plant) > 1000
    assert set(subs["ma"]) - reached == {UNFED}
    assert subs.loc[subs["ma"] == UNFED, "trang_thai"].map(normalise_status).item() == "planned"
    # a plant is connected, and there is one underground 110 kV cable
    plant_ends = lines.geometry.map(lambda g: min(Point(g.coords[0]).distance(plant),
                                                  Point(g.coords[-1]).distance(plant)))
    assert (plant_ends < 0.01).sum() == 1
    assert (lines["hinh_thuc"] == "Cáp ngầm").sum() == 1


def test_trade_classes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    trade = layers["trade"]
    types = trade["loai_hinh"].map(
        lambda v: normalise_vocabulary(v, alias_table("trade_facility.type"), TRADE_TYPES))
    markets = trade[types.isin(["market", "wholesale_market"])]
    klass = markets["hang"].map(normalise_class)
    points = markets["so_diem_kinh_doanh"]
    expected = np.where(points > 400, 1, np.where(points >= 200, 2, 3))
    assert list(markets["ma"][klass.to_numpy() != expected]) == [BAD_MARKET]
    shops = trade[types == "supermarket"]
    sklass = shops["hang"].map(normalise_class).to_numpy()
    floor = shops["dien_tich_san"].to_numpy()
    minimum = np.select([sklass == 1, sklass == 2, sklass == 3], [5000, 2000, 500])
    assert (floor >= minimum).all()
    assert (sklass == 1).any() and (sklass == 3).any()


def test_only_the_big_park_needs_phasing(layers: dict[str, gpd.GeoDataFrame]) -> None:
    parks = layers["parks"]
    ha = parks.geometry.area / 1e4
    assert ha.between(200, 600).all()
    unphased_big = parks["ma"][(ha > 500) & (parks["phan_ky"] == "Không")]
    assert list(unphased_big) == [BIG_PARK]
