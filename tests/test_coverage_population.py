"""Population served (issue 4): sums agree with rasterstats, reads stay inside a window.

rasterstats (``zonal_stats``, cell-centre rule) is the independent zonal statistic; the density
case is checked against cell areas from pyproj's geodesic ``Geod``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from builders.coverage import CRS, X0, Y0, make_plan, small_province, write_population

from geoplan import crs as gcrs
from geoplan.coverage import compute_coverage

rasterstats = pytest.importorskip("rasterstats", reason="pip install rasterstats (test extra)")

PROVINCE = (X0 - 5_000, Y0 - 5_000, X0 + 35_000, Y0 + 25_000)


def _bounds_in(crs: str, pad: float) -> tuple[float, float, float, float]:
    box = gpd.GeoDataFrame(geometry=[shapely.segmentize(shapely.box(*PROVINCE), 1_000)],
                           crs=CRS)
    b = gcrs.to_crs(box, crs).total_bounds
    return (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)


def _zonal(geoms: list, raster_path, raster_crs: str) -> np.ndarray:
    """rasterstats' sum per zone (0 for empty zones, which rasterstats cannot take)."""
    out = np.zeros(len(geoms))
    live = [i for i, g in enumerate(geoms) if not g.is_empty]
    frame = gcrs.to_crs(gpd.GeoDataFrame(geometry=[geoms[i] for i in live], crs=CRS), raster_crs)
    stats = rasterstats.zonal_stats(list(frame.geometry), str(raster_path), stats=["sum"],
                                    nodata=-1.0)
    out[live] = [s["sum"] or 0.0 for s in stats]
    return out


@pytest.mark.parametrize(("raster_crs", "cell"), [("EPSG:4326", 0.004), (CRS, 400.0)])
def test_population_sums_agree_with_rasterstats(tmp_path, raster_crs, cell):
    path = write_population(tmp_path / "pop.tif", _bounds_in(raster_crs, 3 * cell), cell=cell,
                            crs=raster_crs)
    plan = make_plan(small_province(), rasters={"pop": (path, raster_crs, -1.0)})
    result = compute_coverage(plan)
    areas = result.service_areas
    expected = _zonal(list(areas.geometry), path, raster_crs)
    got = areas["population"].to_numpy()
    assert got[expected > 0] == pytest.approx(expected[expected > 0], rel=0.01)
    assert got[1] > 0  # the 220 kV areas hold people
    total = _zonal([shapely.box(*PROVINCE)], path, raster_crs)[0]
    assert result.summary()["population_total"] == pytest.approx(total, rel=0.01)
    gaps = result.gaps
    assert gaps["population"].to_numpy() == pytest.approx(
        _zonal(list(gaps.geometry), path, raster_crs), rel=0.01)
    served = result.summary()["population_within_110kv"]
    assert served + result.summary()["population_in_gaps"] == pytest.approx(total, rel=0.01)
    share = result.summary()["share_population_within_110kv"]
    assert 0 < share < 1 and share == pytest.approx(served / total)


def test_only_a_window_around_the_province_is_read(tmp_path, monkeypatch):
    cell = 0.004
    path = write_population(tmp_path / "country.tif", _bounds_in("EPSG:4326", 0), cell=cell,
                            crs="EPSG:4326", big=1_500)
    with rasterio.open(path) as src:
        full = (src.height, src.width)
    shapes: list[tuple[int, int]] = []
    real_read = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        out = real_read(self, *args, **kwargs)
        shapes.append(out.shape[-2:])
        return out

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    plan = make_plan(small_province(), rasters={"pop": (path, "EPSG:4326", -1.0)})
    result = compute_coverage(plan)
    assert shapes, "the raster was not read"
    inner = (full[0] - 3_000, full[1] - 3_000)
    for shape in shapes:
        assert shape[0] <= inner[0] + 2 and shape[1] <= inner[1] + 2, (shape, full)
    assert result.summary()["population_total"] > 0


def test_density_rasters_are_multiplied_by_the_cell_area(tmp_path):
    """people/km² × cell area measured in the analysis CRS ≈ people per cell from geodesic
    areas (pyproj Geod), within 1 %."""
    cell = 0.004
    dens_path = write_population(tmp_path / "density.tif", _bounds_in("EPSG:4326", 3 * cell),
                                 cell=cell, crs="EPSG:4326")
    with rasterio.open(dens_path) as src:
        dens = src.read(1)
        profile = src.profile
        t = src.transform
    geod = pyproj.Geod(ellps="WGS84")
    rows = dens.shape[0]
    area_km2 = np.empty(rows)
    for r in range(rows):  # cell area depends on latitude only
        top = t.f + r * t.e
        lon = [t.c, t.c + t.a, t.c + t.a, t.c]
        lat = [top, top, top + t.e, top + t.e]
        area_km2[r] = abs(geod.polygon_area_perimeter(lon, lat)[0]) / 1e6
    counts = np.where(dens >= 0, dens * area_km2[:, None], -1.0).astype("float32")
    count_path = tmp_path / "count.tif"
    with rasterio.open(count_path, "w", **profile) as dst:
        dst.write(counts, 1)
    plan = make_plan(small_province(), rasters={"pop": (dens_path, "EPSG:4326", -1.0)},
                     settings={"coverage": {"population_unit": "per_km2"}})
    result = compute_coverage(plan)
    expected = _zonal([shapely.box(*PROVINCE)], count_path, "EPSG:4326")[0]
    assert result.summary()["population_total"] == pytest.approx(expected, rel=0.01)


def test_without_a_raster_population_is_missing_not_zero():
    result = compute_coverage(make_plan(small_province()))
    assert result.summary()["population_raster"] is None
    assert "population_total" not in result.summary()
    assert result.service_areas["population"].isna().all()
