"""Every source format of the foundation issue reads to the same canonical layer."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from builders.plans import X0, Y0, ZONE, PlanBuilder, clusters, points

import geoplan
from geoplan import crs as gcrs
from geoplan import io
from geoplan.errors import LayerReadError, OutputExistsError


def _shapefile(frame: gpd.GeoDataFrame, folder: Path, name: str = "ccn",
               encoding: str = "UTF-8") -> Path:
    path = folder / f"{name}.shp"
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    return path


def _zip(shp: Path) -> Path:
    target = shp.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as zf:
        for part in shp.parent.glob(shp.stem + ".*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return target


FORMATS = ["geojson", "gpkg", "shp", "zip", "kml", "kmz", "parquet", "fgb"]


def _write(fmt: str, frame: gpd.GeoDataFrame, folder: Path) -> str:
    if fmt == "geojson":
        frame.to_crs(4326).to_file(folder / "ccn.geojson")
        return "ccn.geojson"
    if fmt == "gpkg":
        frame.to_file(folder / "ccn.gpkg", layer="ccn")
        return "ccn.gpkg"
    if fmt in ("shp", "zip"):
        shp = _shapefile(frame, folder)
        return shp.name if fmt == "shp" else _zip(shp).name
    if fmt in ("kml", "kmz"):
        # LIBKML keeps `id` for the placemark's own id: carry ours as `ma` (a Vietnamese alias)
        frame = frame.rename(columns={"id": "ma"})
        path = folder / f"ccn.{fmt}"
        pyogrio.write_dataframe(frame.to_crs(4326), path, driver="LIBKML")
        return path.name
    if fmt == "parquet":
        frame.to_parquet(folder / "ccn.parquet")
        return "ccn.parquet"
    if fmt == "fgb":
        frame.to_file(folder / "ccn.fgb", driver="FlatGeobuf")
        return "ccn.fgb"
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_read_to_the_same_layer(tmp_path: Path, fmt: str) -> None:
    src = clusters()
    b = PlanBuilder(tmp_path)
    name = _write(fmt, src, tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": name,
                       "defaults": {"status": "planned"}}
    if fmt in ("kml", "kmz"):
        b.layers["ccn"]["fields"] = {"id": "ma"}
    plan = geoplan.load_plan(b.write())
    frame = plan.layers["ccn"].frame.sort_values("id").reset_index(drop=True)  # fgb: index order
    assert list(frame["id"]) == ["C1", "C2", "C3"]
    if fmt not in ("kml", "kmz"):
        assert frame.loc[0, "name"] == "Cụm công nghiệp Số 1"
    # areas agree after the round trip through WGS 84 (7-digit KML coordinates: ~1 cm)
    np.testing.assert_allclose(frame.geometry.area / 1e4, [20, 25, 30], rtol=1e-4)


def test_shapefile_cpg_honoured(tmp_path: Path) -> None:
    shp = _shapefile(clusters(), tmp_path)
    assert shp.with_suffix(".cpg").read_text().strip() == "UTF-8"
    frame = io.read_vector(shp)
    assert frame.loc[1, "ten"] == "Cụm công nghiệp Số 2"


def test_shapefile_without_cpg(tmp_path: Path) -> None:
    """UTF-8 text without .cpg reads as UTF-8; a legacy (Latin-1) one is read too."""
    shp = _shapefile(clusters(), tmp_path)
    shp.with_suffix(".cpg").unlink()
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame.loc[0, "name"] == "Cụm công nghiệp Số 1"
    legacy = clusters()[["id", "ten", "trang_thai", "geometry"]].iloc[:2].assign(
        ten=["Hà Nam", "Hòa Bình"], trang_thai=["existing", "planned"])
    pyogrio.write_dataframe(legacy, tmp_path / "old.shp", encoding="latin1")
    (tmp_path / "old.cpg").unlink()
    assert io.read_vector(tmp_path / "old.shp")["ten"].tolist() == ["Hà Nam", "Hòa Bình"]


def test_utf8_declared_as_latin1_is_diagnosed(tmp_path: Path) -> None:
    shp = _shapefile(clusters(), tmp_path)
    shp.with_suffix(".cpg").unlink()
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp", "encoding": "latin1"}
    report = geoplan.validate_plan(b.write())
    (problem,) = [p for p in report.errors if p.code == "bad-encoding" and p.field == "ten"]
    assert problem.count == 3
    assert re.search(r"UTF-8 read as Latin-1 \(e\.g\. 'Cá»¥m.*' is 'Cụm công nghiệp Số 1'\)",
                     problem.message_en)
    assert 'encoding = "UTF-8"' in problem.fix_en
    b.layers["ccn"]["encoding"] = "UTF-8"
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame.loc[0, "name"] == "Cụm công nghiệp Số 1"


def test_zip_must_hold_one_shapefile(tmp_path: Path) -> None:
    bad = tmp_path / "two.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("a.shp", b"")
        zf.writestr("b.shp", b"")
    with pytest.raises(LayerReadError, match=r"must hold exactly one \.shp; found a\.shp, b\.shp"):
        io.read_vector(bad)


def test_wrong_layer_name_lists_layers(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    clusters().to_file(path, layer="ccn")
    with pytest.raises(LayerReadError, match=r"no layer 'cnn'; layers: ccn"):
        io.read_vector(path, layer="cnn")


def test_table_is_not_a_vector(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(LayerReadError, match=r"a table, not a vector layer; give the plan x_field"):
        io.read_vector(path)


def test_excel_with_vn2000_columns(tmp_path: Path) -> None:
    """A Vietnamese-style table: X is the northing, Y the easting, in VN-2000 metres."""
    table = pd.DataFrame({"Mã": ["T1", "T2"], "Tên": ["Chợ Đồng Xá", "Siêu thị Hà Mỹ"],
                          "Loại hình": ["Chợ", "Siêu thị"], "Hạng": ["hạng II", "III"],
                          "Trạng thái": ["Hiện trạng", "Quy hoạch"],
                          "X": [Y0 + 5000.0, Y0 + 6000.0], "Y": [X0 + 5000.0, X0 + 7000.0]})
    table.to_excel(tmp_path / "trade.xlsx", sheet_name="TM", index=False)
    b = PlanBuilder(tmp_path)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.xlsx", "sheet": "TM",
                         "x_field": "Y", "y_field": "X", "crs": ZONE}
    plan = geoplan.load_plan(b.write())
    frame = plan.layers["trade"].frame
    assert frame["type"].tolist() == ["market", "supermarket"]
    assert frame["class"].tolist() == [2, 3]
    assert frame["status"].tolist() == ["existing", "planned"]
    assert frame.geometry.x.tolist() == [X0 + 5000.0, X0 + 7000.0]


def test_csv_lonlat_with_decimal_commas(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id;type;status;lon;lat\nA;kho;existing;106,05;21,18\n",
                                    encoding="utf-8")
    frame = io.read_table(tmp_path / "t.csv", x_field="lon", y_field="lat")
    assert frame.geometry.x[0] == pytest.approx(106.05)


def test_csv_bad_coordinates_named(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id,lon,lat\nA,106.05,21.1\nB,abc,21.2\n", encoding="utf-8")
    with pytest.raises(LayerReadError, match=r"column 'lon' must hold numbers \(row 3: 'abc'\)"):
        io.read_table(tmp_path / "t.csv", x_field="lon", y_field="lat")


def test_population_raster_layer(tmp_path: Path) -> None:
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(106.0, 21.3, 0.01, 0.01),
                       nodata=-1) as dst:
        dst.write(np.ones((1, 10, 10), dtype="float32"))
    b = PlanBuilder(tmp_path)
    b.add("ccn", "industrial_cluster", clusters())
    b.layers["pop"] = {"kind": "population", "path": "pop.tif"}
    plan = geoplan.load_plan(b.write())
    assert plan.rasters["pop"].crs.to_epsg() == 4326
    assert plan.rasters["pop"].nodata == -1


def test_atomic_path_keeps_existing_output(tmp_path: Path) -> None:
    target = tmp_path / "out.geojson"
    target.write_text("old")
    with (pytest.raises(OutputExistsError, match=r"exists already; pass --overwrite"),
          io.atomic_path(target)):
        pass
    with pytest.raises(RuntimeError), io.atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    with io.atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_analysis_crs_defaults_to_utm(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, analysis_crs=None)
    b.add("ccn", "industrial_cluster", clusters())
    plan = geoplan.load_plan(b.write())
    assert plan.crs.to_epsg() == 32648
    np.testing.assert_allclose(plan.layers["ccn"].frame.area / 1e4, [20, 25, 30], rtol=2e-3)


def test_province_picks_the_zone(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path, analysis_crs=None, province="Hưng Yên")
    b.add("ccn", "industrial_cluster", clusters())
    plan = geoplan.load_plan(b.write())
    assert plan.crs.to_epsg() == 9209


def test_several_layers_of_one_kind(tmp_path: Path) -> None:
    b = PlanBuilder(tmp_path)
    b.add("ccn_a", "industrial_cluster", clusters(2))
    other = clusters(2)
    other["id"] = ["D1", "D2"]
    other = other.set_geometry(other.translate(0, 3000))
    b.add("ccn_b", "industrial_cluster", other)
    plan = geoplan.load_plan(b.write())
    frame = plan.frame("industrial_cluster")
    assert frame["layer"].tolist() == ["ccn_a", "ccn_a", "ccn_b", "ccn_b"]
    assert plan.frame("substation").empty


def test_points_in_wgs84_reprojected_with_pinned_operation(tmp_path: Path) -> None:
    # Hồ Chí Minh City, inside the Mekong box where PROJ's default is EPSG:5194
    b = PlanBuilder(tmp_path, analysis_crs="EPSG:9210")
    frame = points([106.6980], [10.7725], "EPSG:4326", id=["HCM"], type=["kho"],
                   status=["existing"])
    b.add("trade", "trade_facility", frame, filename="t.geojson")
    plan = geoplan.load_plan(b.write())
    p = plan.layers["trade"].frame.geometry.iloc[0]
    assert p.x == pytest.approx(603_481.588, abs=0.01)
    assert p.y == pytest.approx(1_191_454.611, abs=0.01)
    expected = gcrs.transform_points(np.array([106.6980]), np.array([10.7725]), "EPSG:4326",
                                     "EPSG:9210")
    assert p.x == pytest.approx(expected[0][0], abs=1e-6)
