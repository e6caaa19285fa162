"""``geoplan merge-plans``: old provinces' plans in different TM-3 zones become the new
province's plan (1 July 2025)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from builders.plans import toml_value
from builders.progress import assert_progress_rules
from click.testing import CliRunner
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

import geoplan
from geoplan.cli import cli
from geoplan.errors import PlanError
from geoplan.importers.merge import merge_plans, province_code
from geoplan.progress import Recorder, listening


def _plan(folder: Path, province: str, crs: str, layers: dict[str, tuple[str, gpd.GeoDataFrame]]
          ) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = [f'[plan]\nname = "{province} 2021-2030"\nprovince = {toml_value(province)}\n'
            'province_scheme = "1999"\n']
    for name, (kind, frame) in layers.items():
        frame.to_file(folder / f"{name}.gpkg")
        text.append(f'[layers.{name}]\nkind = "{kind}"\npath = "{name}.gpkg"\n')
    (folder / "plan.toml").write_text("\n".join(text), encoding="utf-8")
    assert geoplan.load_plan(folder).crs.to_epsg() == int(crs.split(":")[1])
    return folder


def _clusters(polys: list, crs: str, ids: list[str], names: list[str], communes: list[str]
              ) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"ma": ids, "ten": names, "trang_thai": ["existing"] * len(ids),
                             "xa": communes}, geometry=polys, crs=crs)


def test_province_codes() -> None:
    assert province_code("Hải Dương") == "HD" and province_code("Bắc Ninh") == "BN"


@pytest.fixture()
def two_plans(tmp_path: Path) -> tuple[Path, Path]:
    """Old Hải Dương (105°30′, EPSG:9209) and old Hải Phòng (105°45′, EPSG:9210), made up, with
    one cluster drawn in both (the same ground, each in its own zone) and a colliding id."""
    t = Transformer.from_crs("EPSG:9210", "EPSG:9209", always_xy=True)
    shared = box(590_000, 2_310_000, 590_800, 2_310_600)  # in 9210
    shared_9209 = shapely.transform(shared, lambda xy: np.column_stack(t.transform(*xy.T)))
    hd = _plan(tmp_path / "hai_duong", "Hải Dương", "EPSG:9209", {
        "clusters": ("industrial_cluster", _clusters(
            [box(600_000, 2_320_000, 600_700, 2_320_700), shared_9209], "EPSG:9209",
            ["CCN01", "CCN02"], ["Cụm Lai Vu", "Cụm An Đồng"], ["Xã Lai Vu", "Xã An Đồng"])),
        "lines": ("grid_line", gpd.GeoDataFrame(
            {"ma": ["L1"], "cap_dien_ap": ["220;110"], "trang_thai": ["existing"]},
            geometry=[LineString([(600_000, 2_318_000), (610_000, 2_318_000)])],
            crs="EPSG:9209")),
    })
    hp = _plan(tmp_path / "hai_phong", "Hải Phòng", "EPSG:9210", {
        "clusters": ("industrial_cluster", _clusters(
            [box(592_000, 2_312_000, 592_500, 2_312_500), shared], "EPSG:9210",
            ["CCN01", "CCN07"], ["Cụm Vĩnh Niệm", "Cụm An Đồng"], ["Phường Vĩnh Niệm",
                                                                   "Xã An Đồng"])),
        "substations": ("substation", gpd.GeoDataFrame(
            {"ma": ["T1"], "cap_dien_ap": [110], "trang_thai": ["existing"]},
            geometry=[Point(592_200, 2_312_900)], crs="EPSG:9210")),
    })
    return hd, hp


def test_merge_two_zones_keeps_ids_unique_and_finds_the_duplicate(
        tmp_path: Path, two_plans: tuple[Path, Path]) -> None:
    hd, hp = two_plans
    out = tmp_path / "hai_phong_2025"
    result = merge_plans([hd, hp], "Hải Phòng", out)
    assert result.crs_epsg == 9210 and result.prefixed == ["clusters"]
    plan = geoplan.load_plan(out)
    assert plan.crs.to_epsg() == 9210 and plan.province == "Hải Phòng"
    clusters = gpd.read_file(out / "clusters.gpkg")
    assert clusters["id"].tolist() == ["HD-CCN01", "HD-CCN02", "HP-CCN01", "HP-CCN07"]
    assert clusters["old_id"].tolist() == ["CCN01", "CCN02", "CCN01", "CCN07"]
    assert clusters["old_province"].tolist() == ["Hải Dương"] * 2 + ["Hải Phòng"] * 2
    assert clusters["old_commune"].tolist() == ["Xã Lai Vu", "Xã An Đồng", "Phường Vĩnh Niệm",
                                                "Xã An Đồng"]
    lines = gpd.read_file(out / "lines.gpkg")
    assert lines["voltage_kv"].tolist() == ["220;110"] and lines["id"].tolist() == ["L1"]
    assert plan.layers["lines"].frame["voltage_levels"].tolist() == ["220;110"]
    (dup,) = result.duplicates.itertuples()
    assert (dup.id_a, dup.id_b, dup.how) == ("HD-CCN02", "HP-CCN07", "overlap share")
    assert dup.value == pytest.approx(1.0, abs=1e-6)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| Hải Dương | HD | EPSG:9209 | 105°30′ |" in readme
    assert "Possible duplicates across the old boundary (1)" in readme
    assert pd.read_csv(out / "duplicates.csv")["id_b"].tolist() == ["HP-CCN07"]


def test_merge_refuses_what_does_not_belong(tmp_path: Path, two_plans: tuple[Path, Path]) -> None:
    hd, hp = two_plans
    with pytest.raises(PlanError, match="Hải Dương became part of Hải Phòng on 1 July 2025, not "
                                        "of Bắc Ninh"):
        merge_plans([hd, hp], "Bắc Ninh", tmp_path / "x")
    with pytest.raises(PlanError, match="at least two old plans"):
        merge_plans([hd], "Hải Phòng", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_merge_cli_and_disputed_meridian(tmp_path: Path) -> None:
    """Old Quảng Bình (106°00′) and old Quảng Trị (106°15′) into Quảng Trị, whose 2025 meridian
    is disputed: the choice is written to the plan and said in the README."""
    qb = _plan(tmp_path / "qb", "Quảng Bình", "EPSG:9211", {"clusters": ("industrial_cluster",
               _clusters([box(600_000, 1_930_000, 600_500, 1_930_500)], "EPSG:9211", ["A"],
                         ["Cụm Bắc Đồng Hới"], ["Xã Lộc Ninh"]))})
    qt = _plan(tmp_path / "qt", "Quảng Trị", "EPSG:9212", {"clusters": ("industrial_cluster",
               _clusters([box(560_000, 1_860_000, 560_500, 1_860_500)], "EPSG:9212", ["B"],
                         ["Cụm Diên Sanh"], ["Xã Hải Thọ"]))})
    res = CliRunner().invoke(cli, ["merge-plans", str(qb), str(qt), "--province", "Quang Tri",
                                   "-o", str(tmp_path / "qt2025"), "--meridian", "106.25",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["analysis_crs"] == "EPSG:9212" and data["prefixed_layers"] == []
    assert any("disputed" in n for n in data["notes"])
    toml = (tmp_path / "qt2025" / "plan.toml").read_text(encoding="utf-8")
    assert "meridian_choice = 106.25" in toml
    plan = geoplan.load_plan(tmp_path / "qt2025")
    assert plan.crs.to_epsg() == 9212
    assert not [p for p in plan.report.problems if p.code == "meridian-conflict"]


@pytest.mark.shared
def test_real_pieces_of_hai_phong_merge_to_the_centimetre(tmp_path: Path,
                                                          shared_data: Path) -> None:
    """The 2025 Hải Phòng cut by the 1999 Hải Dương and Hải Phòng: two pieces, each drawn in
    its old zone, merged into 105°45′; areas to 1 m² and vertices to 1 cm against pyproj used
    directly, through geographic VN-2000 (EPSG:4756)."""
    new = gpd.read_file(shared_data / "vn-admin" / "vn_provinces_34_2025.geojson")
    old = gpd.read_file(shared_data / "vn-admin-63-geoboundaries" /
                        "geoBoundaries-VNM-ADM1.geojson")
    hp_2025 = new.loc[new["name"] == "Hải Phòng"].geometry.iloc[0]
    plans, pieces = [], {}
    for name, zone in (("Hải Dương", "EPSG:9209"), ("Hải Phòng", "EPSG:9210")):
        old_geom = old.loc[old["shapeName"] == name].geometry.iloc[0]
        piece = shapely.make_valid(shapely.intersection(hp_2025, old_geom))
        piece = shapely.union_all([g for g in shapely.get_parts(piece)
                                   if g.geom_type == "Polygon" and g.area > 1e-6])
        frame = gpd.GeoDataFrame({"ten": [name], "cap": ["tỉnh"]}, geometry=[piece],
                                 crs="EPSG:4326")
        in_zone = geoplan.crs.to_crs(frame, zone)
        pieces[name] = in_zone.geometry.iloc[0]
        c = in_zone.geometry.iloc[0].representative_point()
        clusters = _clusters([box(c.x - 300, c.y - 300, c.x + 300, c.y + 300),
                              in_zone.geometry.iloc[0].buffer(-2000).simplify(50)], zone,
                             ["CCN1", "CCN2"], [f"Cụm 1 {name}", f"Cụm 2 {name}"],
                             ["Xã A", "Xã B"])
        plans.append(_plan(tmp_path / place(name), name, zone, {
            "ranh_gioi": ("boundary", in_zone), "clusters": ("industrial_cluster", clusters)}))
    result = merge_plans(plans, "Hải Phòng", tmp_path / "merged")
    assert result.crs_epsg == 9210
    merged = gpd.read_file(tmp_path / "merged" / "clusters.gpkg")
    to_geo = {"Hải Dương": Transformer.from_crs("EPSG:9209", "EPSG:4756", always_xy=True),
              "Hải Phòng": Transformer.from_crs("EPSG:9210", "EPSG:4756", always_xy=True)}
    to_new = Transformer.from_crs("EPSG:4756", "EPSG:9210", always_xy=True)
    for name, plan_dir in zip(("Hải Dương", "Hải Phòng"), plans, strict=True):
        source = gpd.read_file(plan_dir / "clusters.gpkg")
        mine = merged[merged["old_province"] == name].reset_index(drop=True)
        for a, b in zip(source.geometry, mine.geometry, strict=True):
            ref = shapely.transform(a, lambda xy, n=name: np.column_stack(
                to_new.transform(*to_geo[n].transform(*xy.T))))
            assert abs(ref.area - b.area) < 1.0  # m²
            assert np.abs(shapely.get_coordinates(ref) - shapely.get_coordinates(b)).max() < 0.01
    boundary = gpd.read_file(tmp_path / "merged" / "boundary.gpkg")
    (outline,) = boundary.loc[boundary["level"] == "province"].geometry
    total = sum(shapely.transform(p, lambda xy, n=n: np.column_stack(to_new.transform(
        *to_geo[n].transform(*xy.T)))).area for n, p in pieces.items())
    assert outline.area == pytest.approx(total, rel=1e-4)  # the pieces tile the new province
    assert geoplan.validate_plan(tmp_path / "merged").errors == []


def place(name: str) -> str:
    return geoplan.names.place_key(name)


def test_the_merge_reports_its_stages(tmp_path: Path, two_plans: tuple[Path, Path]) -> None:
    with listening(Recorder()) as heard:
        merge_plans(list(two_plans), "Hải Phòng", tmp_path / "merged")
    outer = [n for n in heard.names() if n in ("source", "merge", "duplicates", "boundaries",
                                               "write")]
    assert outer == ["source", "merge", "duplicates", "boundaries", "write"]
    assert "read" in heard.names()  # each old plan's layers, read inside "source"
    steps = {name: [item for event, n, item in heard.events if event == "advance" and n == name]
             for name in outer}
    assert steps["source"] == ["Hải Dương", "Hải Phòng"]
    assert sorted(steps["merge"]) == ["clusters", "lines", "substations"]
    assert steps["write"][-1] == "plan.toml, README.md"


def test_merge_plans_bars_on_stderr_only_when_asked(tmp_path: Path, two_plans: tuple[Path, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["merge-plans", *map(str, two_plans), "--province", "Hải Phòng", "-o",
            str(tmp_path / "m"), "--overwrite", "--format", "json"]
    forced = assert_progress_rules(monkeypatch, args, (
        "Đọc dữ liệu nguồn", "Gộp các lớp", "Tìm đối tượng trùng", "Ghi thư mục phương án"))
    assert json.loads(forced.stdout)["province"] == "Hải Phòng"
