"""A small province built in code for the export, report and diff tests.

Four communes (10 km squares) tile a 20 km province in VN-2000 TM-3 105°30′ (EPSG:9209).
Clusters, parks, trade facilities, lines and substations are laid out so that every figure of
the report can be computed by hand from the frames below (the tests recompute them with plain
shapely / pandas from these frames, never through geoplan.report). Text is Vietnamese; one
cluster name is given in NFD (decomposed diacritics) to prove the outputs are NFC.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from builders.common import centred_box, side_of, toml_value

CRS = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0
SIZE = 20_000.0

COMMUNES = {  # name -> (x offset, y offset) of its 10 km square
    "Xã Đông Tiến": (0.0, 0.0),
    "Phường Bắc Sơn": (10_000.0, 0.0),
    "Xã Nam Hà": (0.0, 10_000.0),
    "Xã Tây Hồ": (10_000.0, 10_000.0),
}

NFD_NAME = unicodedata.normalize("NFD", "Cụm công nghiệp Đồng Nguyên")


def ha_square(cx: float, cy: float, ha: float) -> Polygon:
    return centred_box(X0 + cx, Y0 + cy, side_of(ha))


def boundary() -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = [{"ten": "Tỉnh Thử Nghiệm", "cap": "Tỉnh", "ma_dvhc": "99",
                                   "geometry": box(X0, Y0, X0 + SIZE, Y0 + SIZE)}]
    for i, (name, (dx, dy)) in enumerate(COMMUNES.items()):
        rows.append({"ten": name, "cap": "Xã", "ma_dvhc": f"99{i}",
                     "geometry": box(X0 + dx, Y0 + dy, X0 + dx + 10_000, Y0 + dy + 10_000)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def clusters() -> gpd.GeoDataFrame:
    holed = ha_square(3000, 3000, 40.0).difference(ha_square(3000, 3000, 4.0))  # 36 ha, a hole
    # a cluster in two parts, wound clockwise on purpose (the export must fix the winding)
    part_a = ha_square(14000, 4000, 20.0)
    part_b = ha_square(16000, 4000, 10.0)
    multi = MultiPolygon([shapely.Polygon(list(part_a.exterior.coords)[::-1]),
                          shapely.Polygon(list(part_b.exterior.coords)[::-1])])
    rows = [
        {"ma": "CCN-01", "ten": "Cụm công nghiệp Đông Tiến", "trang_thai": "Hiện trạng",
         "dien_tich": 36.0, "lap_day": 80.0, "qhct": "Có", "xa": None, "geometry": holed},
        {"ma": "CCN-02", "ten": NFD_NAME, "trang_thai": "Quy hoạch", "dien_tich": 50.0,
         "lap_day": None, "qhct": "Không", "xa": None, "geometry": ha_square(6000, 6000, 50.0)},
        {"ma": "CCN-03", "ten": "Cụm công nghiệp Bắc Sơn", "trang_thai": "Mở rộng",
         "dien_tich": 30.0, "lap_day": 65.0, "qhct": "Có", "xa": "Phường Bắc Sơn",
         "geometry": multi},
        {"ma": "CCN-04", "ten": "Cụm công nghiệp Nam Hà", "trang_thai": "Hiện trạng",
         "dien_tich": 9.0, "lap_day": 100.0, "qhct": "Có", "xa": None,
         "geometry": ha_square(4000, 14000, 9.0)},
        {"ma": "CCN-05", "ten": "Cụm công nghiệp Tây Hồ \"mới\"", "trang_thai": "Đang xây dựng",
         "dien_tich": 25.0, "lap_day": 10.0, "qhct": None, "xa": "Xã Tây Hồ",
         "geometry": ha_square(15000, 15000, 25.0)},
        {"ma": "CCN-06", "ten": "Cụm công nghiệp Hồ Sen", "trang_thai": "Quy hoạch",
         "dien_tich": 16.0, "lap_day": None, "qhct": "Không", "xa": None,
         "geometry": ha_square(12000, 16000, 16.0)},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def parks() -> gpd.GeoDataFrame:
    rows = [
        {"ma": "KCN-01", "ten": "Khu công nghiệp Yên Phong", "trang_thai": "Hiện trạng",
         "dien_tich": 300.0, "lap_day": 90.0, "qhct": "Có",
         "geometry": ha_square(5000, 8000, 300.0)},
        {"ma": "KCN-02", "ten": "Khu công nghiệp Quế Võ", "trang_thai": "Quy hoạch",
         "dien_tich": 200.0, "lap_day": None, "qhct": "Không",
         "geometry": ha_square(15000, 9000, 200.0)},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def trade(*, polygon: bool = True) -> gpd.GeoDataFrame:
    pts = [
        ("TM-01", "Chợ Đông Tiến", "Chợ", "Hạng II", 2000, 2000),
        ("TM-02", "Chợ Bắc Sơn", "Chợ", "Hạng III", 12000, 2500),
        ("TM-03", "Chợ đầu mối Nam Hà", "Chợ đầu mối", "Hạng I", 3000, 12000),
        ("TM-04", "Siêu thị Tây Hồ", "Siêu thị", "II", 16000, 12000),
        ("TM-05", "Cửa hàng xăng dầu số 5", "Cửa hàng xăng dầu", None, 18000, 18000),
        ("TM-06", "Cửa hàng xăng dầu số 6", "Cửa hàng xăng dầu", None, 1000, 18000),
        ("TM-07", "Kho xăng dầu Đông Tiến", "Kho xăng dầu", None, 8000, 1000),
    ]
    rows: list[dict[str, Any]] = [
        {"ma": i, "ten": n, "loai_hinh": t, "hang": c, "trang_thai": "Hiện trạng",
         "geometry": Point(X0 + x, Y0 + y)} for i, n, t, c, x, y in pts]
    if polygon:
        rows.append({"ma": "TM-08", "ten": "Trung tâm logistics Bắc Sơn",
                     "loai_hinh": "Trung tâm logistics", "hang": None, "trang_thai": "Quy hoạch",
                     "geometry": ha_square(17000, 2000, 5.0)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def substations() -> gpd.GeoDataFrame:
    rows = [
        {"ma": "TBA-220-01", "ten": "TBA 220kV Thử Nghiệm", "cap_dien_ap": "220/110kV",
         "cong_suat": 250.0, "trang_thai": "Hiện trạng", "geometry": Point(X0 + 10_000,
                                                                       Y0 + 10_000)},
        {"ma": "TBA-110-01", "ten": "TBA 110kV Đông Tiến", "cap_dien_ap": "110kV",
         "cong_suat": 63.0, "trang_thai": "Hiện trạng", "geometry": Point(X0 + 4000, Y0 + 4500)},
        {"ma": "TBA-110-02", "ten": "TBA 110kV Tây Hồ", "cap_dien_ap": "110",
         "cong_suat": 40.0, "trang_thai": "Quy hoạch", "geometry": Point(X0 + 15000, Y0 + 13000)},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def lines() -> gpd.GeoDataFrame:
    sub = {r["ma"]: r["geometry"] for _, r in substations().iterrows()}
    rows = [
        {"ma": "DZ-220-01", "ten": "ĐZ 220kV vào tỉnh", "cap_dien_ap": "220kV",
         "trang_thai": "Hiện trạng",
         "geometry": LineString([(X0 + 10_000, Y0), (X0 + 10_000, Y0 + 10_000)])},
        {"ma": "DZ-110-01", "ten": "ĐZ 110kV Thử Nghiệm – Đông Tiến", "cap_dien_ap": "110kV",
         "trang_thai": "Hiện trạng", "geometry": LineString([sub["TBA-220-01"],
                                                             sub["TBA-110-01"]])},
        {"ma": "DZ-110-02", "ten": "ĐZ 110kV Thử Nghiệm – Tây Hồ", "cap_dien_ap": "110",
         "trang_thai": "Quy hoạch", "geometry": LineString([sub["TBA-220-01"],
                                                            (X0 + 15_000, Y0 + 10_000),
                                                            sub["TBA-110-02"]])},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


FIELDS = {
    "boundary": {"name": "ten", "level": "cap", "code": "ma_dvhc"},
    "clusters": {"id": "ma", "name": "ten", "status": "trang_thai", "area_ha": "dien_tich",
                 "occupancy_pct": "lap_day", "detailed_plan": "qhct", "commune": "xa"},
    "parks": {"id": "ma", "name": "ten", "status": "trang_thai", "area_ha": "dien_tich",
              "occupancy_pct": "lap_day", "detailed_plan": "qhct"},
    "trade": {"id": "ma", "name": "ten", "type": "loai_hinh", "class": "hang",
              "status": "trang_thai"},
    "substations": {"id": "ma", "name": "ten", "voltage_kv": "cap_dien_ap",
                    "capacity_mva": "cong_suat", "status": "trang_thai"},
    "lines": {"id": "ma", "name": "ten", "voltage_kv": "cap_dien_ap", "status": "trang_thai"},
}
KINDS = {"boundary": "boundary", "clusters": "industrial_cluster", "parks": "industrial_park",
         "trade": "trade_facility", "substations": "substation", "lines": "grid_line"}


def frames(*, polygon_trade: bool = True) -> dict[str, gpd.GeoDataFrame]:
    return {"boundary": boundary(), "clusters": clusters(), "parks": parks(),
            "trade": trade(polygon=polygon_trade), "substations": substations(),
            "lines": lines()}


def write_plan(folder: Path, *, name: str = "Tỉnh Thử Nghiệm 2021–2030",
               layers: dict[str, gpd.GeoDataFrame] | None = None, extra: str = "") -> Path:
    """Write the layers (default: :func:`frames`) as GeoPackages plus a ``plan.toml``."""
    folder.mkdir(parents=True, exist_ok=True)
    layers = frames() if layers is None else layers
    lines_ = ["[plan]", f"name = {toml_value(name)}", f"analysis_crs = {toml_value(CRS)}"]
    for layer, frame in layers.items():
        frame.to_file(folder / f"{layer}.gpkg", driver="GPKG")
        fields = {k: v for k, v in FIELDS[layer].items() if v in frame.columns}
        lines_ += ["", f"[layers.{layer}]", f"kind = {toml_value(KINDS[layer])}",
                   f"path = {toml_value(layer + '.gpkg')}", f"fields = {toml_value(fields)}"]
    if extra:
        lines_ += ["", extra]
    path = folder / "plan.toml"
    path.write_text("\n".join(lines_) + "\n", encoding="utf-8")
    return path

