#!/usr/bin/env python
"""Write the bundled sample province ``layers/sample/`` (synthetic data, deterministic).

"Tỉnh Minh Hà (sample)" is a fictional province in northern Vietnam (about 21.0–21.45 N,
105.8–106.4 E, VN-2000 TM-3 zone 105°30′, EPSG:9209) at the scale of a real delta province:
about 1,500 km², 1.8 million people, 47 industrial clusters totalling about 2,380 ha, four
industrial parks, about 100 trade facilities, a 500/220/110 kV grid, a solar plant, restricted
zones and a population raster. A handful of problems are planted on purpose so that the checks
of geoplan have something to find; they are listed, with their feature ids, in the README this
script writes next to the data.

Everything is computed in EPSG:9209 metres from ``numpy.random.default_rng(SEED)`` and written
with pyogrio / rasterio; running the script twice writes byte-identical files.

Usage::

    python scripts/make_sample.py                 # rewrite layers/sample/
    python scripts/make_sample.py --out /tmp/x    # write elsewhere (the test does this)
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj.transformer import Transformer, TransformerGroup
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

SEED = 20250701
ANALYSIS_EPSG = 9209  # VN-2000 / TM-3 105-30
ORIGIN_LONLAT = (106.08, 21.22)  # the (u, v) = (0, 0) point of the layout frame
AXIS_DEG = 35.0  # the province's long axis, counter-clockwise from east
TARGET_AREA_KM2 = 1500.0
TARGET_POPULATION = 1_800_000
TARGET_CLUSTER_HA = 2380.0
RASTER_CELL_DEG = 0.005
RASTER_NODATA = -9999.0
POWER_FACTOR = 0.9
LOAD_DENSITY_MW_HA = 0.3  # the planning assumption used to size the substations below
# The GeoPackage driver stamps gpkg_contents.last_change with the current time unless told.
GPKG_DATE = "2025-07-01T00:00:00.000Z"
# The planted small cluster's establishment dossier was filed before Decree 303/2026/ND-CP took
# effect (15 Sep 2026), so its transitional rule keeps the old 10 ha minimum for it.
SMALL_DOSSIER_FILED = "10/09/2026"

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "layers" / "sample"


# --------------------------------------------------------------------------- coordinates


def _pinned(src: int, dst: int) -> Transformer:
    """The VN-2000 <-> WGS 84 transformer through EPSG:6960 ("VN-2000 to WGS 84 (2)")."""
    group = TransformerGroup(src, dst, always_xy=True, allow_ballpark=False)
    for t in group.transformers:
        if "VN-2000 to WGS 84 (2)" in t.description:
            return t
    raise RuntimeError(f"PROJ offers no EPSG:6960 operation for EPSG:{src} -> EPSG:{dst}")


TO_LONLAT = _pinned(ANALYSIS_EPSG, 4326)
TO_METRES = _pinned(4326, ANALYSIS_EPSG)
_E0, _N0 = TO_METRES.transform(*ORIGIN_LONLAT)
_COS, _SIN = math.cos(math.radians(AXIS_DEG)), math.sin(math.radians(AXIS_DEG))


def en(u: float, v: float) -> tuple[float, float]:
    """Layout frame (u along the long axis, v across it, km) -> EPSG:9209 metres, to the cm."""
    e = _E0 + 1000.0 * (u * _COS - v * _SIN)
    n = _N0 + 1000.0 * (u * _SIN + v * _COS)
    return round(e, 2), round(n, 2)


def uv(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:9209 metres -> layout frame km."""
    de, dn = (np.asarray(e) - _E0) / 1000.0, (np.asarray(n) - _N0) / 1000.0
    return de * _COS + dn * _SIN, -de * _SIN + dn * _COS


G = TypeVar("G", bound=BaseGeometry)


def _round_cm(geom: G) -> G:
    return shapely.transform(geom, lambda xy: np.round(xy, 2))


def to_lonlat(geom: G) -> G:
    """EPSG:9209 -> EPSG:4326 through EPSG:6960, rounded to 1e-7 degrees (about 1 cm)."""

    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat = TO_LONLAT.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 7)

    return shapely.transform(geom, fn)


def to_metres(geom: G) -> G:
    def fn(xy: np.ndarray) -> np.ndarray:
        e, n = TO_METRES.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([e, n])

    return shapely.transform(geom, fn)


def pt(u: float, v: float) -> Point:
    return Point(en(u, v))


# --------------------------------------------------------------------------- the layout

WARD_NAMES = (
    "Phường Đông Hà", "Phường Minh Khai", "Phường Tiền Phong", "Phường Hòa Bình",
    "Phường Quang Trung", "Phường Văn Miếu",
)
COMMUNE_NAMES = (
    "Xã An Thịnh", "Xã Phú Lâm", "Xã Xuân Lâm", "Xã Bắc Minh", "Xã Nam Sơn", "Xã Gia Phú",
    "Xã Tân Minh", "Xã Thuận An", "Xã Đông Sơn", "Xã Minh Châu", "Xã Hòa Tiến", "Xã Yên Trung",
    "Xã Phù Lưu", "Xã Lạc Đạo", "Xã Quế Tân", "Xã Song Hồ", "Xã Đại Đồng", "Xã Trí Quả",
    "Xã Ngọc Xá", "Xã Cao Đức", "Xã Vạn Ninh", "Xã Lâm Thao", "Xã Hà Mãn", "Xã Núi Voi",
    "Xã Đào Viên", "Xã Mỹ Hương",
)
TOWN_UV = (-12.0, 1.0)
N_COMMUNES = 24


@dataclass
class Station:
    key: str
    id: str
    uv: tuple[float, float]
    voltage: str  # as written in the source file (mixed spellings on purpose)
    levels: tuple[int, ...]
    capacity_mva: float | None
    scheme: str  # "2×63 MVA"
    status: str  # canonical; the file gets a Vietnamese spelling
    period: str
    label: str | None = None  # fixed name part; else the commune's short name
    name: str = ""
    point: Point = field(default_factory=Point)


# key, id, (u, v) km, voltage as written, levels, MVA, scheme, status, period, fixed label
STATIONS: tuple[Station, ...] = tuple(
    Station(*row)
    for row in (
        ("S500", "TBA-500-01", (-7.0, -9.0), "500/220kV", (500, 220), 1800.0, "2×900 MVA",
         "existing", "2021-2025", "Minh Hà"),
        ("T1", "TBA-220-01", (-22.0, 2.0), "220/110kV", (220, 110), 500.0, "2×250 MVA",
         "existing", "2021-2025", None),
        ("T2", "TBA-220-02", (-8.0, 5.0), "220;110", (220, 110), 500.0, "2×250 MVA",
         "existing", "2021-2025", None),
        ("T3", "TBA-220-03", (4.0, -4.0), "220/110", (220, 110), 250.0, "1×250 MVA",
         "existing", "2021-2025", None),
        ("B1", "TBA-110-01", (-12.5, 0.5), "110kV", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", "Trung tâm Minh Hà"),
        ("B2", "TBA-110-02", (-27.0, -4.0), "110kV", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", None),
        ("B3", "TBA-110-03", (-18.0, 9.5), "110", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", None),
        ("B4", "TBA-110-04", (-15.0, -6.0), "110 kV", (110,), 189.0, "3×63 MVA",
         "existing", "2021-2025", "KCN Minh Hà I"),
        ("B5", "TBA-110-05", (-2.0, 8.5), "110kV", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", None),
        ("B6", "TBA-110-06", (7.0, 3.0), "110kV", (110,), 189.0, "3×63 MVA",
         "existing", "2021-2025", "KCN Minh Hà II"),
        ("B7", "TBA-110-07", (1.0, -10.5), "110", (110,), 80.0, "2×40 MVA",
         "existing", "2021-2025", None),
        ("B8", "TBA-110-08", (8.0, 9.5), "110kV", (110,), 25.0, "1×25 MVA",
         "existing", "2021-2025", None),
        ("B9", "TBA-110-09", (-23.0, -9.5), "110kV", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", "KCN Tây Minh Hà"),
        ("B10", "TBA-110-10", (-29.0, 6.0), "110 kV", (110,), 80.0, "2×40 MVA",
         "planned", "2026-2030", None),
        ("B11", "TBA-110-11", (-4.0, -4.0), "110kV", (110,), 126.0, "2×63 MVA",
         "existing", "2021-2025", None),
        ("B12", "TBA-110-12", (9.0, -7.0), "110kV", (110,), 189.0, "3×63 MVA",
         "under_construction", "2026-2030", "KCN Nam Minh Hà"),
        ("U", "TBA-110-13", (-10.0, -3.0), "110kV", (110,), 126.0, "2×63 MVA",
         "planned", "2026-2030", None),
    )
)


@dataclass
class Line:
    id: str
    voltage: str
    kv: int
    ends: tuple[str | tuple[float, float], str | tuple[float, float]]  # station key or (u, v)
    status: str
    period: str
    circuits: int = 1
    location: str = "overhead"
    bend: float = 0.25  # perpendicular wobble of the two inner vertices, km
    name: str = ""
    geometry: LineString = field(default_factory=LineString)


PLANT_UV = (-30.5, -1.0)
DANGLING_END_UV = (-11.5, 10.0)

LINES: tuple[Line, ...] = (
    # 500 kV: the Hiệp Hòa – Phố Nối line looped into the province's 500 kV station
    Line("DZ-500-01", "500kV", 500, ((-17.0, -23.0), "S500"), "existing", "2021-2025", 2),
    Line("DZ-500-02", "500kV", 500, ("S500", (3.0, -24.0)), "existing", "2021-2025", 2),
    # 220 kV
    Line("DZ-220-01", "220 kV", 220, ("S500", "T1"), "existing", "2021-2025", 2),
    Line("DZ-220-02", "220 kV", 220, ("S500", "T2"), "existing", "2021-2025", 2),
    Line("DZ-220-03", "220kV", 220, ("S500", "T3"), "existing", "2021-2025", 1),
    Line("DZ-220-04", "220 kV", 220, ("T1", (-31.0, 21.0)), "existing", "2021-2025", 2),
    Line("DZ-220-05", "220kV", 220, ("T3", (13.0, -23.0)), "planned", "2026-2030", 2),
    # 110 kV: radial feeders, two loops (T1-B2-B9-B4-T1 and T2-B5-B6-T3), the town cable
    Line("DZ-110-01", "110", 110, ("T1", "B2"), "existing", "2021-2025"),
    Line("DZ-110-02", "110", 110, ("B2", "B9"), "existing", "2021-2025"),
    Line("DZ-110-03", "110kV", 110, ("T1", "B3"), "existing", "2021-2025"),
    Line("DZ-110-04", "110kV", 110, ("T1", "B4"), "existing", "2021-2025", 2),
    Line("DZ-110-05", "110kV", 110, ("B9", "B4"), "existing", "2021-2025"),
    Line("DZ-110-06", "110kV", 110, ("T2", "B1"), "existing", "2021-2025", 1, "underground", 0.0),
    Line("DZ-110-07", "110 kV", 110, ("T1", "B10"), "planned", "2026-2030"),
    Line("DZ-110-08", "110", 110, ("T2", "B5"), "existing", "2021-2025"),
    Line("DZ-110-09", "110", 110, ("B5", "B8"), "existing", "2021-2025"),
    Line("DZ-110-10", "110kV", 110, ("T3", "B6"), "existing", "2021-2025", 2),
    Line("DZ-110-11", "110kV", 110, ("B6", "B5"), "under_construction", "2026-2030"),
    Line("DZ-110-12", "110kV", 110, ("T3", "B7"), "existing", "2021-2025"),
    Line("DZ-110-13", "110kV", 110, ("T3", "B12"), "under_construction", "2026-2030", 2),
    Line("DZ-110-14", "110kV", 110, ("T2", "B11"), "existing", "2021-2025"),
    Line("DZ-110-15", "110kV", 110, ("B11", "T3"), "planned", "2026-2030"),
    Line("DZ-110-16", "110kV", 110, ("PLANT", "B2"), "existing", "2021-2025"),
    # planted: a planned 110 kV line that leaves B3 and stops in the fields
    Line("DZ-110-17", "110kV", 110, ("B3", DANGLING_END_UV), "planned", "2026-2030"),
)
LOOPS = (("T1", "B2", "B9", "B4", "T1"), ("T2", "B5", "B6", "T3"))
DANGLING_LINE = "DZ-110-17"
UNFED_STATION = "U"
OVERLOADED_STATION = "B8"
CONDUCTOR_OFFSET_M = {500: 12.0, 220: 7.0, 110: 4.0}

# parks: id, name, centre (u, v), area ha, aspect, angle, status, occupancy %, demand MW,
#        phased, period, sector, host station
PARKS: tuple[tuple[Any, ...], ...] = (
    ("KCN-01", "Khu công nghiệp Minh Hà I", (-16.8, -8.8), 350.0, 1.3, 8.0, "existing", 88.0,
     70.0, False, "2021-2025", "Cơ khí, điện tử", "B4"),
    ("KCN-02", "Khu công nghiệp Minh Hà II", (9.2, 1.6), 280.0, 1.5, -20.0, "existing", 64.0,
     55.0, False, "2021-2025", "Điện tử, dệt may", "B6"),
    ("KCN-03", "Khu công nghiệp Nam Minh Hà", (10.2, -9.6), 505.0, 1.6, 25.0, "planned", 0.0,
     95.0, False, "2026-2030", "Công nghiệp hỗ trợ", "B12"),
    ("KCN-04", "Khu công nghiệp Tây Minh Hà", (-25.0, -11.2), 215.0, 1.4, 0.0,
     "under_construction", 12.0, 40.0, False, "2021-2025", "Chế biến nông sản", "B9"),
)
BIG_PARK = "KCN-03"

# restricted zones: id, name, type, centre (u, v), radius km, lobes
RESTRICTED: tuple[tuple[Any, ...], ...] = (
    ("VHC-01", "Khu di tích lịch sử – văn hóa Đền Hạ", "Di tích lịch sử – văn hóa",
     (-15.2, 4.6), 0.42, 5),
    ("VHC-02", "Rừng phòng hộ Núi Voi", "Rừng phòng hộ", (23.0, 0.0), 2.6, 7),
    ("VHC-03", "Khu quân sự K12", "Đất quốc phòng", (-3.0, 2.0), 0.75, 4),
)
HERITAGE = "VHC-01"

# regular clusters per host substation (the planted ones are added below)
CLUSTER_HOSTS: tuple[tuple[str, int], ...] = (
    ("B2", 3), ("B3", 4), ("B4", 2), ("B5", 5), ("B6", 3), ("B7", 4), ("B9", 2), ("B10", 3),
    ("B11", 4), ("B1", 4),
)
OVERLOAD_SIZES = (74.0, 70.0, 62.0, 55.0, 46.0, 32.0)
FAR_CLUSTER_UV = (33.0, 0.4)
SECTORS = ("Cơ khí", "Dệt may", "Điện tử", "Chế biến nông sản", "Vật liệu xây dựng", "Đồ gỗ",
           "Đa ngành", "Bao bì, nhựa")
CRAFT_SECTORS = ("Gốm sứ (làng nghề)", "Đồ gỗ mỹ nghệ (làng nghề)", "Đúc đồng (làng nghề)")

STATUS_VI = {
    "existing": ("Hiện trạng", "Đang hoạt động", "Hiện trạng"),
    "expansion": ("Mở rộng",),
    "planned": ("Quy hoạch", "Quy hoạch mới", "Quy hoạch"),
    "under_construction": ("Đang xây dựng",),
}


# --------------------------------------------------------------------------- helpers


def _vi_status(status: str, rng: np.random.Generator) -> str:
    words = STATUS_VI[status]
    return words[int(rng.integers(len(words)))]


def _short(name: str) -> str:
    for prefix in ("Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _blob(centre: tuple[float, float], area_m2: float, aspect: float, angle: float,
          rng: np.random.Generator) -> Polygon:
    """A rectangle-like parcel with one chamfered corner, of exactly ``area_m2``."""
    w = math.sqrt(area_m2 * aspect)
    h = area_m2 / w
    cx, cy = centre
    f1, f2 = rng.uniform(0.1, 0.35, size=2)
    corner = int(rng.integers(4))
    pts = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    a, b, c = pts[corner - 1], pts[corner], pts[(corner + 1) % 4]
    cut1 = (b[0] + (a[0] - b[0]) * f1, b[1] + (a[1] - b[1]) * f1)
    cut2 = (b[0] + (c[0] - b[0]) * f2, b[1] + (c[1] - b[1]) * f2)
    ring = [*pts[:corner], cut1, cut2, *pts[corner + 1:]]
    poly = affinity.rotate(Polygon(ring), angle, origin=(0, 0))
    poly = affinity.scale(poly, math.sqrt(area_m2 / poly.area), math.sqrt(area_m2 / poly.area),
                          origin=(0, 0))
    return _round_cm(affinity.translate(poly, cx, cy))


def _lobed(centre: tuple[float, float], radius_m: float, lobes: int,
           rng: np.random.Generator) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi)
    r = radius_m * (1 + 0.18 * np.sin(lobes * theta + phase) + 0.07 * np.sin(3 * theta))
    x = centre[0] + r * np.cos(theta)
    y = centre[1] + r * np.sin(theta)
    return _round_cm(Polygon(np.column_stack([x, y])))


def _smooth_noise(rng: np.random.Generator, u: np.ndarray, amplitude: float) -> np.ndarray:
    out = np.zeros_like(u)
    for k, a in ((1, 1.0), (2, 0.6), (3, 0.35), (5, 0.2)):
        phase = rng.uniform(0, 2 * np.pi)
        out += a * np.sin(k * np.pi * (u - u.min()) / (u.max() - u.min()) * 1.7 + phase)
    return amplitude * out / 2.15


def province_polygon(rng: np.random.Generator) -> Polygon:
    """An irregular elongated province: a broad delta body and a hilly north-eastern tail."""
    u = np.linspace(-32.0, 38.0, 141)

    def half_width(x: float) -> float:
        if x < -26:
            return 13.0 * math.sqrt(max(0.0, 1 - ((x + 26) / 6) ** 2))
        if x < 12:
            return 13.0
        if x < 20:
            return 13.0 - 6.0 * (x - 12) / 8
        if x < 34:
            return 7.0 - (x - 20) / 14
        return 6.0 * math.sqrt(max(0.0, 1 - ((x - 34) / 4) ** 2))

    w = np.array([half_width(x) for x in u])
    upper = w * (1 + _smooth_noise(rng, u, 0.10)) + 0.6
    lower = -w * (1 + _smooth_noise(rng, u, 0.10)) + 0.6
    ring_uv = list(zip(u, upper, strict=True)) + list(zip(u[::-1], lower[::-1], strict=True))
    # scale across the axis (v) so that the area is TARGET_AREA_KM2 exactly
    area = Polygon(ring_uv).area
    k = TARGET_AREA_KM2 / area
    ring = [en(a, b * k) for a, b in ring_uv]
    poly = shapely.make_valid(Polygon(ring))
    assert isinstance(poly, Polygon), poly.geom_type
    return shapely.normalize(poly)


def communes(province: Polygon, rng: np.random.Generator) -> list[tuple[str, BaseGeometry]]:
    """Wards around the town centre and communes by dart throwing; Voronoi cells clipped to the
    province and snapped to the centimetre, so that neighbours share their edges exactly."""
    seeds: list[tuple[float, float]] = []
    tu, tv = TOWN_UV
    seeds.append(en(tu, tv))
    for i in range(5):
        a = 2 * math.pi * i / 5 + 0.3
        seeds.append(en(tu + 2.6 * math.cos(a), tv + 2.6 * math.sin(a)))
    town = np.array(en(tu, tv))
    minx, miny, maxx, maxy = province.bounds
    inner = province.buffer(-1500)
    rural: list[tuple[float, float]] = []
    for _ in range(5000):
        p = (float(rng.uniform(minx, maxx)), float(rng.uniform(miny, maxy)))
        if not inner.contains(Point(p)):
            continue
        if math.dist(p, town) < 7000:
            continue
        if any(math.dist(p, q) < 6900 for q in rural):
            continue
        rural.append((round(p[0], 2), round(p[1], 2)))
        if len(rural) == N_COMMUNES:
            break
    # west to east, so names read in a stable order
    rural.sort(key=lambda p: float(uv(np.array(p[0]), np.array(p[1]))[0]))
    seeds += rural
    names = list(WARD_NAMES) + list(COMMUNE_NAMES[: len(rural)])
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=province.buffer(5000),
                                     ordered=True)
    out = []
    for name, cell in zip(names, shapely.get_parts(cells), strict=True):
        # snap to the centimetre so that neighbours computed apart share their vertices exactly
        piece = shapely.set_precision(shapely.intersection(cell, province), 0.01)
        if piece.geom_type != "Polygon":
            raise RuntimeError(f"{name} is cut in pieces by the province outline; move a seed")
        out.append((name, shapely.normalize(piece)))
    return out


# --------------------------------------------------------------------------- the province


@dataclass
class Province:
    boundary: gpd.GeoDataFrame  # EPSG:4326, province + communes
    area_km2: float
    polygon: Polygon  # EPSG:9209
    commune_frame: gpd.GeoDataFrame  # EPSG:9209, name + geometry
    stations: dict[str, Station]
    lines: list[Line]
    plant: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    restricted: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    trade: pd.DataFrame
    population: np.ndarray
    raster_transform: Any
    planted: dict[str, Any]
    figures: dict[str, Any]


def _commune_of(commune_frame: gpd.GeoDataFrame, geom: BaseGeometry) -> str:
    p = geom.centroid if geom.geom_type != "Point" else geom
    hits = commune_frame.geometry.contains(p)
    if not hits.any():
        d = commune_frame.geometry.distance(p)
        return str(commune_frame["name"].iloc[int(np.argmin(d.to_numpy()))])
    return str(commune_frame["name"][hits].iloc[0])


def build(seed: int = SEED) -> Province:
    rng = np.random.default_rng(seed)

    # ---- boundary
    prov = province_polygon(rng)
    comm = communes(prov, rng)
    comm_ll = [(name, to_lonlat(g)) for name, g in comm]
    prov_ll = shapely.normalize(shapely.unary_union([g for _, g in comm_ll]))
    if prov_ll.geom_type != "Polygon":
        raise RuntimeError(f"the communes do not tile one province polygon: {prov_ll.geom_type}")
    prov_m = to_metres(prov_ll)
    area_km2 = prov_m.area / 1e6
    codes = [f"99{i + 1:03d}" for i in range(len(comm_ll))]
    boundary = gpd.GeoDataFrame(
        {
            "ten": ["Tỉnh Minh Hà (sample)", *[n for n, _ in comm_ll]],
            "cap": ["Tỉnh", *[n.split(" ")[0] for n, _ in comm_ll]],
            "ma_dvhc": ["99", *codes],
        },
        geometry=[prov_ll, *[g for _, g in comm_ll]],
        crs="EPSG:4326",
    )
    commune_frame = gpd.GeoDataFrame(
        {"name": [n for n, _ in comm_ll]},
        geometry=[to_metres(g) for _, g in comm_ll],
        crs=f"EPSG:{ANALYSIS_EPSG}",
    )

    # ---- substations
    stations = {s.key: Station(**{**s.__dict__}) for s in STATIONS}
    used: dict[str, int] = {}
    for s in stations.values():
        s.point = pt(*s.uv)
        if not prov.buffer(-500).contains(s.point):
            raise RuntimeError(f"substation {s.id} is not well inside the province")
        label = s.label or _short(_commune_of(commune_frame, s.point))
        used[label] = used.get(label, 0) + 1
        suffix = f" {used[label]}" if used[label] > 1 else ""
        kv = "500kV" if 500 in s.levels else "220kV" if 220 in s.levels else "110kV"
        s.name = f"TBA {kv} {label}{suffix}"

    # ---- power plant (stored in EPSG:4326; the line ends where the loader will put it)
    plant_ll = to_lonlat(pt(*PLANT_UV))
    plant_m = to_metres(plant_ll)
    plant = gpd.GeoDataFrame(
        {
            "ma": ["NMD-01"],
            "ten": [f"Nhà máy điện mặt trời {_short(_commune_of(commune_frame, plant_m))}"],
            "nguon": ["Điện mặt trời"],
            "cong_suat": [50.0],
            "cap_dien_ap": ["110kV"],
            "trang_thai": ["Đang vận hành"],
        },
        geometry=[plant_ll],
        crs="EPSG:4326",
    )

    # ---- lines
    def end_point(e: str | tuple[float, float]) -> tuple[float, float]:
        if isinstance(e, tuple):
            return en(*e)
        if e == "PLANT":
            return (plant_m.x, plant_m.y)
        return (stations[e].point.x, stations[e].point.y)

    def end_label(e: str | tuple[float, float]) -> str:
        if isinstance(e, tuple):
            return ""
        if e == "PLANT":
            return "NMĐMT " + _short(_commune_of(commune_frame, plant_m))
        return stations[e].name.split("kV ", 1)[1]

    lines = []
    for spec in LINES:
        line = Line(**{**spec.__dict__})
        a, b = end_point(line.ends[0]), end_point(line.ends[1])
        ax, ay, bx, by = *a, *b
        length = math.dist(a, b)
        nx, ny = -(by - ay) / length, (bx - ax) / length
        w1, w2 = (rng.uniform(-1, 1, size=2) * line.bend * 1000) if line.bend else (0.0, 0.0)
        inner = [
            (round(ax + (bx - ax) * t + nx * w, 2), round(ay + (by - ay) * t + ny * w, 2))
            for t, w in ((1 / 3, w1), (2 / 3, w2))
        ]
        line.geometry = LineString([a, *inner, b])
        la, lb = end_label(line.ends[0]), end_label(line.ends[1])
        if not la or not lb:
            # leaves the province (or, for the planted one, stops in the fields)
            known = la or lb
            if line.id == DANGLING_LINE:
                line.name = f"ĐZ {line.kv}kV {known} – hướng Bắc (chưa xác định điểm đấu)"
            else:
                far = {"DZ-500-01": "Hiệp Hòa", "DZ-500-02": "Phố Nối",
                       "DZ-220-04": "Phả Lại", "DZ-220-05": "Kim Động"}[line.id]
                line.name = f"ĐZ {line.kv}kV {known} – {far}" if la else \
                    f"ĐZ {line.kv}kV {far} – {known}"
        else:
            line.name = f"ĐZ {line.kv}kV {la} – {lb}"
        if line.location == "underground":
            line.name = line.name.replace("ĐZ", "Cáp ngầm")
        lines.append(line)

    # ---- restricted zones
    restricted_rows = []
    for rid, name, kind, c, r, lobes in RESTRICTED:
        restricted_rows.append({"ma": rid, "ten": name, "loai": kind,
                                "geometry": _lobed(en(*c), r * 1000, lobes, rng)})
    restricted = gpd.GeoDataFrame(restricted_rows, crs=f"EPSG:{ANALYSIS_EPSG}")

    # ---- parks
    park_rows = []
    for (pid, name, c, ha, aspect, angle, status, occ, demand, phased, period, sector,
         host) in PARKS:
        poly = _blob(en(*c), ha * 1e4, aspect, AXIS_DEG + angle, rng)
        park_rows.append({
            "ma": pid, "ten": name, "trang_thai": _vi_status(status, rng),
            "dien_tich": round(poly.area / 1e4 * (1 + rng.uniform(-0.015, 0.015)), 1),
            "ty_le_lap_day": occ, "qhct": "Có" if status != "planned" else "Không",
            "phan_ky": "Có" if phased else "Không", "giai_doan": period,
            "xa": _commune_of(commune_frame, poly), "nganh": sector, "phu_tai": demand,
            "_status": status, "_host": host, "geometry": poly,
        })
    parks = gpd.GeoDataFrame(park_rows, crs=f"EPSG:{ANALYSIS_EPSG}")

    obstacles = _Obstacles(prov, stations, lines, parks, restricted, plant_m)

    # ---- clusters
    clusters = _clusters(rng, obstacles, stations, lines, commune_frame)

    # ---- trade facilities
    trade = _trade(rng, obstacles, stations, lines, clusters, commune_frame, comm)

    # ---- population
    population, transform = _population(rng, prov_ll, comm, parks, clusters, restricted)

    planted = clusters.attrs.pop("planted")
    planted.update(trade.attrs.pop("planted"))
    figures = {
        "area_km2": area_km2,
        "communes": len(comm_ll),
        "population": float(population[population != RASTER_NODATA].sum()),
        "clusters": len(clusters),
        "cluster_ha": float(clusters.geometry.area.sum() / 1e4),
        "park_ha": float(parks.geometry.area.sum() / 1e4),
        "trade": len(trade),
    }
    return Province(boundary, area_km2, prov, commune_frame, stations, lines, plant, parks,
                    restricted, clusters, trade, population, transform, planted, figures)


# --------------------------------------------------------------------------- placement


class _Obstacles:
    """What a new parcel or facility must keep clear of."""

    def __init__(self, prov: Polygon, stations: dict[str, Station], lines: list[Line],
                 parks: gpd.GeoDataFrame, restricted: gpd.GeoDataFrame, plant: Point) -> None:
        self.inner = prov.buffer(-400)
        self.inner_points = prov.buffer(-150)
        self.lines = shapely.union_all([ln.geometry for ln in lines])
        self.stations = shapely.union_all([s.point for s in stations.values()])
        self.parks = shapely.union_all(parks.geometry.to_numpy())
        self.restricted = shapely.union_all(restricted.geometry.to_numpy())
        self.plant = plant
        self.parcels: list[BaseGeometry] = []

    def parcel_ok(self, poly: BaseGeometry, *, allow_line: bool = False,
                  allow_restricted: bool = False, allow_parcels: bool = False) -> bool:
        if not self.inner.contains(poly):
            return False
        if not allow_line and poly.distance(self.lines) < 200:
            return False
        if poly.distance(self.stations) < 300 or poly.distance(self.plant) < 800:
            return False
        if poly.distance(self.parks) < 300:
            return False
        if not allow_restricted and poly.distance(self.restricted) < 300:
            return False
        return allow_parcels or all(poly.distance(p) >= 250 for p in self.parcels)


def _supply_stations(stations: dict[str, Station]) -> list[Station]:
    """Every substation with a 110 kV side, planned and unfed ones included."""
    return [s for s in stations.values() if 110 in s.levels]


def _nearest(stations: Sequence[Station], geom: BaseGeometry) -> tuple[str, str, float]:
    """Nearest station key by centroid and by edge distance, and the edge distance (m)."""
    pts = [s.point for s in stations]
    dc = shapely.distance(pts, geom.centroid)
    de = shapely.distance(pts, geom)
    return stations[int(np.argmin(dc))].key, stations[int(np.argmin(de))].key, float(de.min())


def _cluster_sizes(rng: np.random.Generator, n: int, total: float) -> list[float]:
    sizes = rng.uniform(18.0, 72.0, size=n)
    for _ in range(50):  # keep clear of the 75 ha ceiling: a 75.0001 ha parcel is a finding
        sizes = np.clip(sizes * total / sizes.sum(), 15.0, 72.0)
    return [float(round(s, 1)) for s in sizes]


def _clusters(rng: np.random.Generator, obs: _Obstacles, stations: dict[str, Station],
              lines: list[Line], commune_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    supply = _supply_stations(stations)
    records: list[dict[str, Any]] = []

    def place(host: str, area_ha: float, *, dmin: float = 1.2, dmax: float = 4.8,
              tries: int = 4000, **allow: bool) -> Polygon:
        hx, hy = stations[host].point.x, stations[host].point.y
        for _ in range(tries):
            r = rng.uniform(dmin, dmax) * 1000
            a = rng.uniform(0, 2 * math.pi)
            poly = _blob((hx + r * math.cos(a), hy + r * math.sin(a)), area_ha * 1e4,
                         float(rng.uniform(1.0, 2.0)), float(rng.uniform(0, 180)), rng)
            if not obs.parcel_ok(poly, **allow):
                continue
            by_c, by_e, _ = _nearest(supply, poly)
            if by_c == host and by_e == host:
                return poly
        raise RuntimeError(f"could not place a {area_ha} ha cluster near {host}")

    def add(poly: BaseGeometry, role: str, **over: Any) -> None:
        obs.parcels.append(poly)
        records.append({"geometry": poly, "_role": role, **over})

    # planted first, so that they get the spots they need
    far = _blob(en(*FAR_CLUSTER_UV), 30e4, 1.4, 20.0, rng)
    if not obs.parcel_ok(far):
        raise RuntimeError("the far cluster does not fit in the north-eastern tail")
    add(far, "far", status="planned", mountainous=True)

    line_220 = next(ln for ln in lines if ln.id == "DZ-220-03")
    mid = line_220.geometry.interpolate(0.42, normalized=True)
    corridor = _blob((mid.x + 60, mid.y - 40), 36e4, 1.3, 10.0, rng)
    if not obs.parcel_ok(corridor, allow_line=True):
        raise RuntimeError("the corridor cluster does not fit")
    add(corridor, "corridor", status="planned")

    heritage = obs.restricted  # the heritage site is the smallest zone; find it by centroid
    hz = next(g for g in shapely.get_parts(heritage) if g.area < 1.5e6)
    hx, hy = hz.centroid.x, hz.centroid.y
    for _ in range(2000):
        a = rng.uniform(0, 2 * math.pi)
        poly = _blob((hx + 620 * math.cos(a), hy + 620 * math.sin(a)), 28e4, 1.3,
                     float(rng.uniform(0, 180)), rng)
        if 1e4 < poly.intersection(hz).area < 4e4 and obs.parcel_ok(
                poly, allow_restricted=True) and poly.distance(
                obs.restricted.difference(hz)) > 300:
            add(poly, "restricted", status="planned")
            break
    else:
        raise RuntimeError("no spot for the cluster overlapping the heritage site")

    pair_a = place("B2", 40.0)
    add(pair_a, "pair_a", status="existing")
    # its neighbour is drawn over its eastern part (about 4 ha in common)
    for _ in range(500):
        a = rng.uniform(0, 2 * math.pi)
        cand = _blob((pair_a.centroid.x + 560 * math.cos(a), pair_a.centroid.y
                      + 560 * math.sin(a)), 34e4, 1.2, float(rng.uniform(0, 180)), rng)
        inter = cand.intersection(pair_a).area
        if 3e4 < inter < 6e4 and obs.parcel_ok(cand, allow_parcels=True) and all(
                cand.distance(p) >= 250 for p in obs.parcels if p is not pair_a):
            by_c, by_e, _ = _nearest(supply, cand)
            if by_c == by_e == "B2":
                add(cand, "pair_b", status="planned")
                break
    else:
        raise RuntimeError("no spot for the overlapping pair")

    add(place("B11", 9.0), "small", status="planned")
    add(place("B3", 41.0), "mismatch", status="existing")
    for size in OVERLOAD_SIZES:
        add(place(OVERLOADED_STATION, size, dmin=1.0, dmax=4.2), "overload")

    planted_ha = sum(r["geometry"].area for r in records) / 1e4
    n_regular = sum(n for _, n in CLUSTER_HOSTS)
    sizes = _cluster_sizes(rng, n_regular, TARGET_CLUSTER_HA - planted_ha)
    i = 0
    for host, n in CLUSTER_HOSTS:
        for _ in range(n):
            add(place(host, sizes[i]), "regular")
            i += 1

    # ---- attributes, ids west to east
    order = sorted(range(len(records)),
                   key=lambda k: float(uv(np.array(records[k]["geometry"].centroid.x),
                                          np.array(records[k]["geometry"].centroid.y))[0]))
    names_used: dict[str, int] = {}
    rows = []
    craft_left = 3
    for num, k in enumerate(order, start=1):
        rec = records[k]
        poly = rec["geometry"]
        role = rec["_role"]
        commune = _commune_of(commune_frame, poly)
        short = _short(commune)
        names_used[short] = names_used.get(short, 0) + 1
        name = f"Cụm công nghiệp {short}" + (f" {names_used[short]}"
                                              if names_used[short] > 1 else "")
        status = rec.get("status") or str(rng.choice(["existing", "existing", "existing",
                                                      "expansion", "planned"]))
        measured = poly.area / 1e4
        declared = measured * (1 + rng.uniform(-0.02, 0.02))
        if role == "mismatch":
            declared = measured * 1.17
        if status == "planned":
            occupancy = 0.0
        elif status == "expansion":
            occupancy = float(rng.uniform(66, 95))
        else:
            occupancy = float(rng.uniform(58, 100))
        craft = False
        if role == "regular" and craft_left and status == "existing" and measured < 40:
            craft, craft_left = True, craft_left - 1
        sector = (CRAFT_SECTORS[craft_left] if craft
                  else str(SECTORS[int(rng.integers(len(SECTORS)))]))
        demand: float | None = None
        if status == "existing" and occupancy > 85 and role == "regular":
            demand = round(measured * float(rng.uniform(0.22, 0.3)), 1)
        rows.append({
            "ma": f"CCN-{num:02d}",
            "ten": name,
            "trang_thai": _vi_status(status, rng),
            "dien_tich": round(declared, 1),
            "ty_le_lap_day": round(occupancy, 0),
            "mien_nui": 1 if rec.get("mountainous") else 0,
            "lang_nghe": "Có" if craft else "Không",
            "xlnt": "Có" if status != "planned" else "Không",
            "qhct": "Có" if status != "planned" or rng.uniform() < 0.5 else "Không",
            "giao_thong": "Có" if status != "planned" else "Không",
            "cap_nuoc": "Có" if status != "planned" else "Không",
            "thu_gom_ctr": "Có" if status != "planned" else "Không",
            "pccc": "Có" if status != "planned" else "Không",
            "ngay_nop_ho_so": SMALL_DOSSIER_FILED if role == "small" else None,
            "giai_doan": "2021-2025" if status == "existing" else "2026-2030",
            "xa": commune,
            "nganh_chinh": sector,
            "phu_tai": demand,
            "_role": role,
            "_status": status,
            "geometry": poly,
        })
    frame = gpd.GeoDataFrame(rows, crs=f"EPSG:{ANALYSIS_EPSG}")
    by_role = frame.groupby("_role")["ma"].apply(list).to_dict()
    frame.attrs["planted"] = {f"cluster_{k}": v for k, v in by_role.items() if k != "regular"}
    return frame


TRADE_VI = {
    "market": "Chợ", "wholesale_market": "Chợ đầu mối", "supermarket": "Siêu thị",
    "shopping_mall": "Trung tâm thương mại", "convenience_store": "Cửa hàng tiện lợi",
    "logistics_center": "Trung tâm logistics", "exhibition_center": "Trung tâm hội chợ triển lãm",
    "warehouse": "Kho bãi", "petrol_station": "Cửa hàng xăng dầu", "lpg_store": "Cửa hàng LPG",
    "fuel_depot": "Kho xăng dầu",
}
CLASS_VI = {1: ("Hạng I", "I", "1"), 2: ("Hạng II", "II", "2"), 3: ("Hạng III", "III", "3")}


def _trade(rng: np.random.Generator, obs: _Obstacles, stations: dict[str, Station],
           lines: list[Line], clusters: gpd.GeoDataFrame, commune_frame: gpd.GeoDataFrame,
           comm: list[tuple[str, BaseGeometry]]) -> pd.DataFrame:
    parcels = shapely.union_all([*clusters.geometry.to_numpy(), obs.parks, obs.restricted])
    placed: list[Point] = []
    rows: list[dict[str, Any]] = []
    town = Point(en(*TOWN_UV))
    ward_geoms = [g for n, g in comm if n.startswith("Phường")]
    seeds = [g.representative_point() for _, g in comm]
    centres = {n: g.representative_point() for n, g in comm}

    def ok(p: Point, allow_line: bool = False) -> bool:
        if not obs.inner_points.contains(p) or p.distance(parcels) < 100:
            return False
        if not allow_line and p.distance(obs.lines) < 80:
            return False
        if p.distance(obs.stations) < 200 or p.distance(obs.plant) < 300:
            return False
        return all(p.distance(q) >= 120 for q in placed)

    def near(centre: Point, rmin: float, rmax: float) -> Point:
        for _ in range(3000):
            r, a = rng.uniform(rmin, rmax), rng.uniform(0, 2 * math.pi)
            p = Point(round(centre.x + r * math.cos(a), 2), round(centre.y + r * math.sin(a), 2))
            if ok(p):
                return p
        raise RuntimeError("could not place a trade facility")

    def add(kind: str, p: Point, name: str, status: str = "existing", **extra: Any) -> None:
        placed.append(p)
        rows.append({"kind": kind, "point": p, "name": name, "status": status, **extra})

    # markets: one per commune, classes by size of the place; the province's central market
    for i, (cname, _g) in enumerate(comm):
        short = _short(cname)
        c = centres[cname]
        if i == 0:
            klass, points = 1, int(rng.integers(430, 560))
            name = "Chợ trung tâm Minh Hà"
        elif cname.startswith("Phường") or i % 5 == 0:
            klass, points = 2, int(rng.integers(210, 390))
            name = f"Chợ {short}"
        else:
            klass, points = 3, int(rng.integers(45, 190))
            name = f"Chợ {short}"
        status = "existing" if i % 9 != 4 else "planned"
        add("market", near(c, 50, 900), name, status, klass=klass, points=points,
            floor=round(points * float(rng.uniform(5, 9)), 0))
    # planted: a market declared class I with far too few business points
    bad = next(k for k, r in enumerate(rows) if r["klass"] == 3)
    rows[bad]["klass"] = 1
    bad_market = bad

    for i, name in enumerate(("Chợ đầu mối nông sản Đông Hà", "Chợ đầu mối thủy sản Minh Hà",
                              "Chợ đầu mối hoa quả phía Đông")):
        c = seeds[[8, 10, 20][i] % len(seeds)]
        points = int(rng.integers(420, 700))
        add("wholesale_market", near(c, 500, 2500), name, "existing" if i < 2 else "planned",
            klass=1, points=points, ground=float(rng.integers(12, 30)) * 1000)

    brands = ("WinMart", "Co.opmart", "Hapro", "Minh Hà Mart", "BRG Mart")
    for i in range(10):
        klass = (1, 2, 2, 3, 3, 3, 2, 3, 3, 1)[i]
        floor = {1: rng.uniform(5200, 8000), 2: rng.uniform(2100, 4800),
                 3: rng.uniform(550, 1900)}[klass]
        items = {1: rng.integers(20500, 32000), 2: rng.integers(10500, 18000),
                 3: rng.integers(4200, 9000)}[klass]
        c = (ward_geoms[i % len(ward_geoms)].representative_point() if i < 7
             else seeds[(6 + 3 * i) % len(seeds)])
        add("supermarket", near(c, 100, 1200), f"Siêu thị {brands[i % len(brands)]} {i + 1}",
            "existing" if i < 8 else "planned", klass=klass, floor=round(float(floor), 0),
            items=int(items))
    for i, (name, floor, mall_class) in enumerate((
            ("Trung tâm thương mại Vincom Minh Hà", 52000.0, 1),
            ("Trung tâm thương mại Đông Hà Plaza", 18000.0, None),
            ("Trung tâm thương mại phía Nam", 24000.0, None))):
        add("shopping_mall", near(town, 300, 2600), name, "existing" if i < 2 else "planned",
            klass=mall_class, floor=floor)
    for i in range(15):
        c = ward_geoms[i % len(ward_geoms)].representative_point() if i < 11 else seeds[
            (7 + 4 * (i - 11)) % len(seeds)]
        add("convenience_store", near(c, 80, 1500), f"Cửa hàng tiện lợi Minh Hà {i + 1:02d}",
            floor=float(rng.integers(40, 180)))
    park_centres = [g.centroid for g in shapely.get_parts(obs.parks)]
    for i, name in enumerate(("Trung tâm logistics Minh Hà I", "Trung tâm logistics Minh Hà II",
                              "Trung tâm logistics Tây Minh Hà")):
        src = [0, 1, 3][i]
        add("logistics_center", near(park_centres[src], 1300, 2600), name,
            "existing" if i == 0 else "planned", floor=float(rng.integers(20, 60)) * 1000)
    add("exhibition_center", near(town, 800, 2500), "Trung tâm hội chợ triển lãm Minh Hà",
        "planned", floor=15000.0)
    for i in range(5):
        c = park_centres[i % len(park_centres)] if i < 4 else seeds[12 % len(seeds)]
        place = _short(_commune_of(commune_frame, c))
        add("warehouse", near(c, 1300, 3000), f"Kho hàng {i + 1} – {place}",
            floor=float(rng.integers(3, 20)) * 1000)
    # petrol: 21 along the settlements plus the planted one under a 220 kV line
    for i in range(21):
        c = seeds[(i * 7) % len(seeds)]
        add("petrol_station", near(c, 600, 3000), f"Cửa hàng xăng dầu số {i + 1}",
            "existing" if i < 18 else "planned")
    line = next(ln for ln in lines if ln.id == "DZ-220-01").geometry
    for t in np.linspace(0.35, 0.65, 31):
        axis = line.interpolate(float(t), normalized=True)
        ahead = line.interpolate(float(t) + 0.001, normalized=True)
        dx, dy = ahead.x - axis.x, ahead.y - axis.y
        norm = math.hypot(dx, dy)
        p = Point(round(axis.x - dy / norm * 4.0, 2), round(axis.y + dx / norm * 4.0, 2))
        if ok(p, allow_line=True) and p.distance(
                shapely.union_all([ln.geometry for ln in lines if ln.id != "DZ-220-01"])) > 500:
            add("petrol_station", p, "Cửa hàng xăng dầu số 22", "existing")
            break
    else:
        raise RuntimeError("no spot for the petrol station under the 220 kV line")
    under_line = len(rows) - 1
    for i in range(8):
        c = seeds[(i * 3 + 1) % len(seeds)]
        add("lpg_store", near(c, 200, 1500), f"Cửa hàng khí hóa lỏng {i + 1}")
    for i, name in enumerate(("Kho xăng dầu Minh Hà", "Kho xăng dầu Đông Hà")):
        c = seeds[[14, 4][i] % len(seeds)]
        add("fuel_depot", near(c, 2000, 4000), name, "existing" if i == 0 else "planned")

    out = []
    for i, r in enumerate(rows, start=1):
        row_class = r.get("klass")
        spell = CLASS_VI[row_class][i % 3] if row_class else ""
        period = "2026-2030" if r["status"] == "planned" else ""
        out.append({
            "ma": f"TM-{i:03d}",
            "ten": r["name"],
            "loai_hinh": TRADE_VI[r["kind"]],
            "hang": spell,
            "trang_thai": _vi_status(r["status"], rng),
            "so_diem_kinh_doanh": r.get("points"),
            "dien_tich_san": r.get("floor"),
            "so_mat_hang": r.get("items"),
            "dien_tich_mat_bang": r.get("ground"),
            "giai_doan": period,
            "xa": _commune_of(commune_frame, r["point"]),
            "X": f"{r['point'].y:.2f}",
            "Y": f"{r['point'].x:.2f}",
            "_kind": r["kind"],
        })
    frame = pd.DataFrame(out)
    frame.attrs["planted"] = {
        "trade_bad_class": [out[bad_market]["ma"]],
        "trade_under_line": [out[under_line]["ma"]],
    }
    return frame


def _population(rng: np.random.Generator, prov_ll: BaseGeometry,
                comm: list[tuple[str, BaseGeometry]], parks: gpd.GeoDataFrame,
                clusters: gpd.GeoDataFrame, restricted: gpd.GeoDataFrame
                ) -> tuple[np.ndarray, Any]:
    from rasterio.transform import from_origin

    c = RASTER_CELL_DEG
    minx, miny, maxx, maxy = prov_ll.bounds
    west = math.floor(minx / c) * c - c
    north = math.ceil(maxy / c) * c + c
    width = round((math.ceil(maxx / c) * c + c - west) / c)
    height = round((north - (math.floor(miny / c) * c - c)) / c)
    lon = west + c * (np.arange(width) + 0.5)
    lat = north - c * (np.arange(height) + 0.5)
    lon2, lat2 = np.meshgrid(lon, lat)
    inside = shapely.contains_xy(prov_ll, lon2, lat2)
    e, n = TO_METRES.transform(lon2, lat2)
    u, v = uv(e, n)
    weight = 1.0 + 0.25 * rng.random(size=e.shape)
    tu, tv = TOWN_UV
    weight += 14.0 * np.exp(-((u - tu) ** 2 + (v - tv) ** 2) / (2 * 2.2**2))
    for _, g in comm:
        s = g.representative_point()
        d2 = ((e - s.x) ** 2 + (n - s.y) ** 2) / 1e6
        weight += 1.6 * np.exp(-d2 / (2 * 0.9**2))
    weight *= 0.3 + 0.7 / (1 + np.exp((u - 14.0) / 1.5))  # the hilly tail, thinly settled
    pts = shapely.points(e, n)
    for geoms, factor in ((restricted.geometry, 0.03), (parks.geometry, 0.08),
                          (clusters.geometry, 0.08)):
        hit = shapely.contains(shapely.union_all(geoms.to_numpy()), pts)
        weight = np.where(hit, weight * factor, weight)
    weight = np.where(inside, weight, 0.0)
    people = weight * TARGET_POPULATION / weight.sum()
    out = np.where(inside, np.round(people, 1), RASTER_NODATA).astype("float32")
    return out, from_origin(west, north, c, c)


# --------------------------------------------------------------------------- diagnostics


def station_loads(p: Province, *, density: float = LOAD_DENSITY_MW_HA,
                  declared_first: bool = True) -> dict[str, float]:
    """Demand (MW) assigned to each 110 kV-side substation: every cluster and park goes to its
    nearest substation with a 110 kV side (edge distance); its demand is ``phu_tai`` when
    declared (and ``declared_first``), else measured area × ``density``."""
    supply = _supply_stations(p.stations)
    loads = {s.key: 0.0 for s in supply}
    for frame in (p.clusters, p.parks):
        for _, row in frame.iterrows():
            _, key, _ = _nearest(supply, row.geometry)
            declared = row["phu_tai"]
            if declared_first and declared is not None and not pd.isna(declared):
                loads[key] += float(declared)
            else:
                loads[key] += row.geometry.area / 1e4 * density
    return loads


def verify(p: Province) -> None:
    """Fail loudly if the layout does not hold the promises the README makes."""
    problems: list[str] = []
    st = p.stations
    # grid topology: every end on a substation or the plant, or outside the province,
    # except the planted dangling one
    ends_ok = [s.point for s in st.values()] + [to_metres(p.plant.geometry.iloc[0])]
    for ln in p.lines:
        for end in (Point(ln.geometry.coords[0]), Point(ln.geometry.coords[-1])):
            on = any(end.equals_exact(q, 0.01) for q in ends_ok)
            outside = not p.polygon.contains(end)
            if ln.id == DANGLING_LINE and not on and not outside:
                far_lines = shapely.union_all([o.geometry for o in p.lines if o.id != ln.id])
                if end.distance(far_lines) < 3000 or end.distance(
                        shapely.union_all(ends_ok)) < 3000:
                    problems.append(f"{ln.id}: the dangling end is too close to the grid")
            elif not on and not outside:
                problems.append(f"{ln.id}: end {end.wkt} touches nothing")
        own = {e for e in ln.ends if isinstance(e, str)}
        for s in st.values():
            if s.key not in own and ln.geometry.distance(s.point) < 400:
                problems.append(f"{ln.id} passes {s.point.distance(ln.geometry):.0f} m "
                                f"from {s.id}")
    for i, a in enumerate(p.lines):
        for b in p.lines[i + 1:]:
            inter = a.geometry.intersection(b.geometry)
            if inter.is_empty:
                continue
            shared = {e for e in a.ends if isinstance(e, str)} & {
                e for e in b.ends if isinstance(e, str)}
            if not shared or inter.geom_type != "Point":
                problems.append(f"{a.id} crosses {b.id}")
    fed = {e for ln in p.lines for e in ln.ends if isinstance(e, str)}
    if UNFED_STATION in fed or any(k not in fed for k in st if k != UNFED_STATION):
        problems.append("only the planted station may lack a line")
    # parks: no line through them
    for _, park in p.parks.iterrows():
        d = min(ln.geometry.distance(park.geometry) for ln in p.lines)
        if d < 200:
            problems.append(f"a line passes {d:.0f} m from park {park['ma']}")
    # coverage: only the far cluster is far from a 110 kV substation
    supply = _supply_stations(st)
    all_pts = shapely.union_all([s.point for s in st.values()])
    for _, row in p.clusters.iterrows():
        _, _, d = _nearest(supply, row.geometry)
        if row["_role"] == "far":
            if row.geometry.distance(all_pts) < 22000:
                problems.append("the far cluster is within 22 km of a substation")
        elif d > 6000:
            problems.append(f"{row['ma']} is {d / 1000:.1f} km from its substation")
    # capacity: only the planted station is overloaded
    for declared_first in (True, False):
        loads = station_loads(p, declared_first=declared_first)
        for key, mw in loads.items():
            cap = (st[key].capacity_mva or 0) * POWER_FACTOR
            if key == OVERLOADED_STATION:
                low = station_loads(p, density=0.15, declared_first=declared_first)[key]
                if low < 2 * cap:
                    problems.append(f"{key} is not clearly overloaded ({low:.0f} MW)")
            elif st[key].levels == (110,) and mw > (0.9 if declared_first else 1.0) * cap:
                problems.append(f"{key} would be at {mw / cap:.0%} ({mw:.0f} MW)")
    # the scale
    f = p.figures
    if not 40 <= f["clusters"] <= 50 or abs(f["cluster_ha"] - TARGET_CLUSTER_HA) > 30:
        problems.append(f"clusters: {f['clusters']} totalling {f['cluster_ha']:.0f} ha")
    if set(p.trade["_kind"]) != set(TRADE_VI):
        problems.append("a trade type is missing")
    ha = p.clusters.geometry.area / 1e4
    regular = p.clusters["_role"] != "small"
    if not (((ha >= 10) | ~regular) & (ha <= 75)).all():
        problems.append("a regular cluster is outside 10-75 ha")
    if problems:
        raise RuntimeError("the sample layout breaks its promises:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- writing


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place when the block succeeds."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.remove(tmp)  # GDAL drivers want to create the file themselves
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _public(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[[c for c in frame.columns if not c.startswith("_")]]


def _write_geojson(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    with _atomic(path) as tmp:
        pyogrio.write_dataframe(frame, tmp, driver="GeoJSON", layer=layer,
                                layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "7",
                                               "WRITE_NAME": "NO"})


def _write_gpkg(layers: Sequence[tuple[str, gpd.GeoDataFrame]], path: Path) -> None:
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        with _atomic(path) as tmp:
            for name, frame in layers:
                pyogrio.write_dataframe(frame, tmp, driver="GPKG", layer=name, append=False)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _grid_frames(p: Province) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(SEED + 1)
    lines = gpd.GeoDataFrame(
        {
            "ma": [ln.id for ln in p.lines],
            "ten": [ln.name for ln in p.lines],
            "cap_dien_ap": [ln.voltage for ln in p.lines],
            "trang_thai": [_vi_status(ln.status, rng) for ln in p.lines],
            "so_mach": [ln.circuits for ln in p.lines],
            "hinh_thuc": ["Cáp ngầm" if ln.location == "underground" else "Trên không"
                          for ln in p.lines],
            "khoang_cach_pha": [CONDUCTOR_OFFSET_M[ln.kv] if ln.location == "overhead"
                                else None for ln in p.lines],
            "giai_doan": [ln.period for ln in p.lines],
            "chieu_dai_km": [round(ln.geometry.length / 1000, 2) for ln in p.lines],
        },
        geometry=[ln.geometry for ln in p.lines],
        crs=f"EPSG:{ANALYSIS_EPSG}",
    )
    subs = list(p.stations.values())
    stations = gpd.GeoDataFrame(
        {
            "ma": [s.id for s in subs],
            "ten": [s.name for s in subs],
            "cap_dien_ap": [s.voltage for s in subs],
            "cong_suat": [s.capacity_mva for s in subs],
            "trang_thai": [_vi_status(s.status, rng) for s in subs],
            "giai_doan": [s.period for s in subs],
            "ghi_chu": [s.scheme for s in subs],
        },
        geometry=[s.point for s in subs],
        crs=f"EPSG:{ANALYSIS_EPSG}",
    )
    return lines, stations


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    out = frame[[c for c in frame.columns if not c.startswith("_")]].copy()
    for col in ("so_diem_kinh_doanh", "so_mat_hang"):
        out[col] = out[col].astype("Int64")
    for col in ("dien_tich_san", "dien_tich_mat_bang"):
        out[col] = out[col].map(lambda x: "" if x is None or pd.isna(x) else f"{x:.0f}")
    with _atomic(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def _write_raster(p: Province, path: Path) -> None:
    import rasterio

    h, w = p.population.shape
    with _atomic(path) as tmp, rasterio.open(
        tmp, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
        crs="EPSG:4326", transform=p.raster_transform, nodata=RASTER_NODATA,
        compress="deflate", predictor=3,
    ) as dst:
        dst.write(p.population, 1)
        dst.update_tags(1, units="people per cell", source="synthetic (scripts/make_sample.py)")


def write(p: Province, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    _write_geojson(p.boundary, out / "boundary.geojson", "ranh_gioi")
    _write_gpkg([("cum_cong_nghiep", _public(p.clusters)),
                 ("khu_cong_nghiep", _public(p.parks))], out / "industry.gpkg")
    lines, stations = _grid_frames(p)
    _write_gpkg([("duong_day", lines), ("tram_bien_ap", stations)], out / "grid.gpkg")
    _write_csv(p.trade, out / "trade_facilities.csv")
    _write_geojson(p.plant, out / "power_plants.geojson", "nha_may_dien")
    restricted = p.restricted.copy()
    restricted.geometry = restricted.geometry.map(to_lonlat)
    restricted = restricted.set_crs("EPSG:4326", allow_override=True)
    _write_geojson(restricted, out / "restricted_zones.geojson", "vung_han_che")
    _write_raster(p, out / "population.tif")
    _write_attributes(cluster_attributes(p), out / ATTRIBUTES_FILE)
    (out / "plan.toml").write_text(plan_toml(), encoding="utf-8")
    (out / "README.md").write_text(readme(p), encoding="utf-8")
    return sorted(out.iterdir())


PLAN = {"name": "Minh Hà 2021-2030 (sample)", "province": "Tỉnh Minh Hà (sample)",
        "analysis_crs": f"EPSG:{ANALYSIS_EPSG}"}

RULES = {"cluster_aggregation_unit": "commune"}

# [layers.NAME]: kind, path, layer, crs, fields (canonical = "source column"), defaults
# (canonical = value), x_field / y_field (the point columns of a table), encoding
LAYERS: dict[str, dict[str, Any]] = {
    "boundary": {
        "kind": "boundary", "path": "boundary.geojson",
        "fields": {"name": "ten", "level": "cap", "code": "ma_dvhc"},
    },
    "clusters": {
        "kind": "industrial_cluster", "path": "industry.gpkg", "layer": "cum_cong_nghiep",
        "fields": {"id": "ma", "name": "ten", "status": "trang_thai", "area_ha": "dien_tich",
                   "occupancy_pct": "ty_le_lap_day", "mountainous": "mien_nui",
                   "craft_village": "lang_nghe", "wastewater_ready": "xlnt",
                   "detailed_plan": "qhct", "period": "giai_doan", "commune": "xa",
                   "sector": "nganh_chinh", "demand_mw": "phu_tai",
                   "roads_ready": "giao_thong", "water_ready": "cap_nuoc",
                   "solid_waste_ready": "thu_gom_ctr", "fire_ready": "pccc",
                   "dossier_filed": "ngay_nop_ho_so"},
    },
    "parks": {
        "kind": "industrial_park", "path": "industry.gpkg", "layer": "khu_cong_nghiep",
        "fields": {"id": "ma", "name": "ten", "status": "trang_thai", "area_ha": "dien_tich",
                   "occupancy_pct": "ty_le_lap_day", "detailed_plan": "qhct",
                   "phased": "phan_ky", "period": "giai_doan", "commune": "xa",
                   "sector": "nganh", "demand_mw": "phu_tai"},
    },
    "trade": {
        "kind": "trade_facility", "path": "trade_facilities.csv",
        "crs": f"EPSG:{ANALYSIS_EPSG}", "x_field": "Y", "y_field": "X", "encoding": "utf-8",
        "fields": {"id": "ma", "name": "ten", "type": "loai_hinh", "class": "hang",
                   "status": "trang_thai", "business_points": "so_diem_kinh_doanh",
                   "floor_area_m2": "dien_tich_san", "items": "so_mat_hang",
                   "ground_area_m2": "dien_tich_mat_bang", "period": "giai_doan",
                   "commune": "xa"},
    },
    "lines": {
        "kind": "grid_line", "path": "grid.gpkg", "layer": "duong_day",
        "fields": {"id": "ma", "name": "ten", "voltage_kv": "cap_dien_ap",
                   "status": "trang_thai", "circuits": "so_mach", "location": "hinh_thuc",
                   "conductor_offset_m": "khoang_cach_pha", "period": "giai_doan"},
    },
    "substations": {
        "kind": "substation", "path": "grid.gpkg", "layer": "tram_bien_ap",
        "fields": {"id": "ma", "name": "ten", "voltage_kv": "cap_dien_ap",
                   "capacity_mva": "cong_suat", "status": "trang_thai", "period": "giai_doan"},
    },
    "plants": {
        "kind": "power_plant", "path": "power_plants.geojson",
        "fields": {"id": "ma", "name": "ten", "source": "nguon", "capacity_mw": "cong_suat",
                   "voltage_kv": "cap_dien_ap", "status": "trang_thai"},
        "defaults": {"period": "2021-2025"},
    },
    "restricted": {
        "kind": "restricted_zone", "path": "restricted_zones.geojson",
        "fields": {"id": "ma", "name": "ten", "type": "loai"},
    },
    "population": {"kind": "population", "path": "population.tif"},
}

# The Department's sheet of reporting figures per cluster (Circular 14/2024/TT-BCT, Biểu số 04),
# joined onto the cluster layer by id: canonical field -> the sheet's column heading.
ATTRIBUTES_FILE = "clusters.xlsx"
ATTRIBUTES_SHEET = "Biểu CCN"
ATTRIBUTES_KEY = "Mã CCN"
ATTRIBUTE_COLUMNS: dict[str, str] = {
    "industrial_land_ha": "Đất công nghiệp (ha)",
    "leased_land_ha": "Đã cho thuê (ha)",
    "established": "Quyết định thành lập",
    "operating": "Đã hoạt động",
    "investor": "Chủ đầu tư hạ tầng",
    "infra_capital_bn_vnd": "Vốn hạ tầng được duyệt (tỷ đồng)",
    "projects_domestic": "Dự án trong nước",
    "projects_fdi": "Dự án FDI",
    "labour": "Lao động (người)",
    "revenue_bn_vnd": "Doanh thu (tỷ đồng)",
    "wwtp": "Trạm XLNT tập trung",
}
LAYERS["clusters"]["fields"].update(ATTRIBUTE_COLUMNS)
LAYERS["clusters"]["attributes"] = {"path": ATTRIBUTES_FILE, "sheet": ATTRIBUTES_SHEET,
                                    "key": ATTRIBUTES_KEY}


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan_toml() -> str:
    out = [
        "# The bundled sample province (synthetic). Written by scripts/make_sample.py:",
        "# edit the script, not this file. Layer keys: kind, path, layer, crs,",
        '# fields (canonical = "source column"), defaults (canonical = value),',
        "# x_field / y_field (the point columns of a table), encoding, attributes (a table",
        "# of more fields joined by feature id).",
        "",
        "[plan]",
        *(f"{k} = {_toml_value(v)}" for k, v in PLAN.items()),
    ]
    for name, spec in LAYERS.items():
        out += ["", f"[layers.{name}]"]
        if name == "trade":
            out.append("# VN-2000 TM-3 105°30′ metres and no CRS in the file: "
                       "X is the northing, Y the easting")
        # plain keys first: after a [layers.NAME.fields] header they would land in it
        out += [f"{k} = {_toml_value(v)}" for k, v in spec.items() if not isinstance(v, dict)]
        for key, value in spec.items():
            if isinstance(value, dict):
                out.append(f"[layers.{name}.{key}]")
                out += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
    out += ["", "[rules]",
            "# the province's choice of unit for the establishment test while Decree 139/2025",
            "# art. 12 applies (dossiers filed before 15 Sep 2026); the commune-level area after",
            *(f"{k} = {_toml_value(v)}" for k, v in RULES.items())]
    return "\n".join(out) + "\n"


def _km(m: float) -> str:
    return f"{m / 1000:.1f} km"


def readme(p: Province) -> str:
    st = p.stations
    f = p.figures
    west, south, east, north = p.boundary.total_bounds
    cl = p.clusters.set_index("ma")
    pl = p.planted
    supply = _supply_stations(st)
    all_stations = shapely.union_all([s.point for s in st.values()])
    lines = {ln.id: ln for ln in p.lines}

    pair = pl["cluster_pair_a"] + pl["cluster_pair_b"]
    pair_ha = cl.geometry[pair[0]].intersection(cl.geometry[pair[1]]).area / 1e4
    corridor_id = pl["cluster_corridor"][0]
    crossing = cl.geometry[corridor_id].intersection(lines["DZ-220-03"].geometry).length
    small_id = pl["cluster_small"][0]
    far_id = pl["cluster_far"][0]
    _, _, far_110 = _nearest(supply, cl.geometry[far_id])
    far_any = cl.geometry[far_id].distance(all_stations)
    restricted_id = pl["cluster_restricted"][0]
    heritage = p.restricted.set_index("ma").geometry[HERITAGE]
    restricted_ha = cl.geometry[restricted_id].intersection(heritage).area / 1e4
    mismatch_id = pl["cluster_mismatch"][0]
    mismatch_measured = cl.geometry[mismatch_id].area / 1e4
    mismatch_declared = cl.loc[mismatch_id, "dien_tich"]
    dangling = Point(lines[DANGLING_LINE].geometry.coords[-1])
    others = shapely.union_all([ln.geometry for ln in p.lines if ln.id != DANGLING_LINE])
    dangling_gap = min(dangling.distance(others), dangling.distance(all_stations))
    overload = st[OVERLOADED_STATION]
    loads = station_loads(p)
    overload_ids = [r.Index for r in cl.itertuples()
                    if _nearest(supply, r.geometry)[1] == OVERLOADED_STATION]
    overload_ha = sum(cl.geometry[i].area for i in overload_ids) / 1e4
    overload_cap = (overload.capacity_mva or 0) * POWER_FACTOR
    unfed = st[UNFED_STATION]
    big = p.parks.set_index("ma").loc[BIG_PARK]
    bad_market = p.trade.set_index("ma").loc[pl["trade_bad_class"][0]]
    petrol_id = pl["trade_under_line"][0]
    petrol = p.trade.set_index("ma").loc[petrol_id]
    petrol_d = Point(float(petrol["Y"]), float(petrol["X"])).distance(
        lines["DZ-220-01"].geometry)

    planted = [
        ("overlap", "clusters", f"{pair[0]} and {pair[1]}",
         f"the two clusters overlap by {pair_ha:.2f} ha"),
        ("overlap", "clusters / restricted", f"{restricted_id} and {HERITAGE}",
         f"the cluster overlaps the heritage site by {restricted_ha:.2f} ha"),
        ("corridor", "clusters / lines", f"{corridor_id} and DZ-220-03",
         f"the 220 kV line crosses the cluster for {crossing:.0f} m (corridor: "
         f"{CONDUCTOR_OFFSET_M[220]:.0f} m conductor offset + 6 m each side of the axis)"),
        ("corridor", "trade / lines", f"{petrol_id} and DZ-220-01",
         f"a petrol station {petrol_d:.1f} m from the axis of a 220 kV line"),
        ("cluster-size", "clusters", small_id,
         f"{cl.geometry[small_id].area / 1e4:.2f} ha, below 10 ha (not mountainous, "
         "not a craft village, so 5 ha does not apply); its dossier was filed on "
         f"{SMALL_DOSSIER_FILED} (`ngay_nop_ho_so`), before Decree 303/2026/ND-CP lowered "
         "the minimum to 5 ha on 15 Sep 2026, so the old text still applies to it"),
        ("cluster-size", "clusters", mismatch_id,
         f"declared {mismatch_declared:.1f} ha, measured {mismatch_measured:.1f} ha "
         f"(+{(mismatch_declared / mismatch_measured - 1) * 100:.0f} %, more than 5 %)"),
        ("coverage-gap", "clusters", far_id,
         f"{_km(far_110)} from the nearest 110 kV substation (edge to point); "
         f"{_km(far_any)} from any substation"),
        ("substation-overload", "substations", overload.id,
         f"{overload.name}, {overload.scheme}: the nearest 110 kV substation of "
         f"{len(overload_ids)} clusters ({', '.join(overload_ids)}; {overload_ha:.0f} ha) — "
         f"{loads[OVERLOADED_STATION]:.0f} MW at {LOAD_DENSITY_MW_HA} MW/ha against "
         f"{overload_cap:.1f} MW (25 MVA × {POWER_FACTOR} pf)"),
        ("grid-dangling", "lines", DANGLING_LINE,
         f"its end E {dangling.x:.2f} N {dangling.y:.2f} touches no substation, plant or line "
         f"(nearest {dangling_gap / 1000:.1f} km away)"),
        ("grid-unfed", "substations", unfed.id,
         f"{unfed.name}, planned {unfed.period}: no line reaches it"),
        ("park-phasing", "parks", BIG_PARK,
         f"{big['ten']}: {big.geometry.area / 1e4:.0f} ha in one piece (phan_ky = Không); "
         "over 500 ha must be phased (Decree 35/2022 art. 9)"),
        ("trade-class", "trade", str(bad_market.name),
         f"{bad_market['ten']}: class {bad_market['hang']} with "
         f"{int(bad_market['so_diem_kinh_doanh'])} business points (class I needs more than 400, "
         "Decree 60/2024 art. 4)"),
        ("(loader)", "trade", "the whole layer",
         "trade_facilities.csv holds VN-2000 TM-3 105°30′ metres with no CRS in the file "
         '(Vietnamese X = northing, Y = easting); the plan declares crs = "EPSG:9209", '
         'x_field = "Y", y_field = "X". Without them the layer cannot be placed'),
    ]

    by_type = p.trade["_kind"].value_counts()
    kv_lines: dict[int, list[Line]] = {}
    for ln in p.lines:
        kv_lines.setdefault(ln.kv, []).append(ln)
    inside = {kv: sum(ln.geometry.intersection(p.polygon).length for ln in group) / 1000
              for kv, group in kv_lines.items()}
    kv_subs: dict[int, int] = {}
    for s in st.values():
        kv_subs[s.levels[0]] = kv_subs.get(s.levels[0], 0) + 1

    out = [
        "# The sample province: Tỉnh Minh Hà (sample)",
        "",
        "A **fictional** province, made up for geoplan's tests, examples and demos. It sits in",
        f"northern Vietnam ({south:.2f}–{north:.2f} N, {west:.2f}–{east:.2f} E), in VN-2000 "
        "TM-3 zone 105°30′",
        "(EPSG:9209), at the scale of a real Red River delta province: a broad delta body around",
        "the provincial town and a hilly north-eastern tail. Nothing in it describes a real",
        "place; names are ordinary Vietnamese place names chosen for realism.",
        "",
        "- **Source**: synthetic, written by `scripts/make_sample.py` "
        f"(`numpy.random.default_rng({SEED})`); run `python scripts/make_sample.py` to",
        "  rewrite this folder (this README included) byte for byte. Edit the script, never the",
        "  files; `tests/test_sample_data.py` fails when they drift apart.",
        "- **Licence**: MIT, like the project.",
        "- **Plan**: `plan.toml` (the `[plan]` table and one `[layers.NAME]` per layer).",
        "",
        "## Measured figures",
        "",
        "Measured by the script in EPSG:9209 (the boundary after its round trip through the",
        "EPSG:4326 GeoJSON, through the pinned VN-2000 ↔ WGS 84 operation EPSG:6960):",
        "",
        "| figure | value |",
        "|---|---|",
        f"| province area | {f['area_km2']:,.1f} km² |",
        f"| communes and wards | {f['communes']} ({len(WARD_NAMES)} wards) |",
        f"| population (sum of the raster inside the province) | {f['population']:,.0f} |",
        f"| industrial clusters | {f['clusters']}, {f['cluster_ha']:,.1f} ha "
        "(sum of polygon areas) |",
        f"| industrial parks | {len(p.parks)}, {f['park_ha']:,.1f} ha |",
        f"| trade facilities | {f['trade']}: "
        + ", ".join(f"{k} {by_type[k]}" for k in TRADE_VI) + " |",
        "| power lines (km inside the province) | "
        + ", ".join(f"{kv} kV: {len(kv_lines[kv])} lines, {inside[kv]:.1f} km"
                    for kv in sorted(kv_lines, reverse=True)) + " |",
        "| substations | " + ", ".join(f"{kv} kV: {n}" for kv, n in sorted(
            kv_subs.items(), reverse=True)) + " |",
        "| power plant | 1 solar plant, 50 MW, 110 kV |",
        "",
        "## Files",
        "",
        "| layer (plan) | file | source layer | CRS in the file | kind | features |",
        "|---|---|---|---|---|---|",
    ]
    counts = {"boundary": len(p.boundary), "clusters": len(p.clusters), "parks": len(p.parks),
              "trade": len(p.trade), "lines": len(p.lines), "substations": len(st),
              "plants": len(p.plant), "restricted": len(p.restricted)}
    crs_in_file = {"boundary.geojson": "EPSG:4326", "industry.gpkg": "EPSG:9209",
                   "grid.gpkg": "EPSG:9209", "trade_facilities.csv": "none (plan: EPSG:9209)",
                   "power_plants.geojson": "EPSG:4326", "restricted_zones.geojson": "EPSG:4326",
                   "population.tif": "EPSG:4326"}
    for name, spec in LAYERS.items():
        n = counts.get(name)
        if name == "population":
            h, w = p.population.shape
            what = f"{w} × {h} cells of {RASTER_CELL_DEG}°, float32 people per cell, " \
                   f"nodata {RASTER_NODATA:g}, deflate"
        else:
            what = str(n)
        out.append(f"| `{name}` | `{spec['path']}` | {spec.get('layer', '–')} | "
                   f"{crs_in_file[spec['path']]} | {spec['kind']} | {what} |")
    out += [
        "",
        "The boundary file holds the province (`cap` = Tỉnh) and its communes and wards",
        "(`cap` = Xã / Phường), which tile it exactly (shared edges, vertex for vertex).",
        "",
        "## Fields",
        "",
        "Source columns are Vietnamese; `fields` in `plan.toml` maps each canonical field of",
        "`geoplan.kinds.KINDS` to its source column. Values are written the way provincial",
        "files write them, so the normalisers are exercised: statuses \"Hiện trạng\",",
        "\"Đang hoạt động\", \"Mở rộng\", \"Quy hoạch\", \"Quy hoạch mới\", \"Đang xây dựng\";",
        "voltages \"500kV\", \"220 kV\", \"110\", \"220/110kV\", \"220;110\", \"500/220kV\";",
        "booleans \"Có\" / \"Không\" and 1 / 0; classes \"Hạng II\", \"II\", \"2\";",
        "trade types \"Chợ\", \"Chợ đầu mối\", \"Siêu thị\", \"Cửa hàng xăng dầu\"…",
        "",
        "| layer | canonical field ← source column |",
        "|---|---|",
    ]
    for name, spec in LAYERS.items():
        if "fields" in spec:
            pairs = ", ".join(f"{k} ← `{v}`" for k, v in spec["fields"].items())
            extra = ""
            if "defaults" in spec:
                extra = "; defaults: " + ", ".join(
                    f"{k} = {v}" for k, v in spec["defaults"].items())
            if "x_field" in spec:
                extra = f"; point x ← `{spec['x_field']}` (easting), y ← `{spec['y_field']}` " \
                        "(northing)"
            out.append(f"| `{name}` | {pairs}{extra} |")
    out += [
        "",
        "Columns that map to no canonical field: `chieu_dai_km` (lines, length as declared)",
        "and `ghi_chu` (substations, transformer scheme such as \"2×63 MVA\").",
        "",
        "## Planted problems",
        "",
        "Each of these is there on purpose; a check that runs on this plan must report it, and",
        "nothing else of its kind. Rule ids are those the checks are expected to use.",
        "",
        "| rule | layer | feature id | what the check must report |",
        "|---|---|---|---|",
    ]
    out += [f"| `{rule}` | {layer} | {fid} | {what} |" for rule, layer, fid, what in planted]
    out += [
        "",
        "## On purpose, and not problems",
        "",
        "- Line ends outside the province boundary are inter-provincial connections: "
        + ", ".join(ln.id for ln in p.lines if ln.id != DANGLING_LINE and any(
            isinstance(e, tuple) for e in ln.ends)) + ".",
        "  Every other line end coincides exactly with a substation point (same coordinates in",
        "  `grid.gpkg`), except DZ-110-16, which ends on the solar plant (`power_plants.geojson`,",
        "  EPSG:4326: the end matches the plant after reprojection to within a centimetre).",
        "- No line passes within 400 m of a substation it does not end at; lines meet only at",
        "  shared substations.",
        "- DZ-110-06 is an underground cable (`hinh_thuc` = Cáp ngầm) in the town centre.",
        "- Loops: " + " and ".join(
            "–".join(st[k].id for k in loop) for loop in LOOPS)
        + "; the rest is radial. Every substation but the planted one is reached by a line.",
        "- Every cluster except the far one lies within 6 km of a 110 kV substation, and no",
        "  cluster, park, substation or trade facility lies inside a line corridor except the",
        "  two planted ones (clusters and parks keep 200 m from every line axis).",
        "- Clusters measure 15–72 ha except the 9 ha one (declared areas within 2 % of the",
        "  measured ones except the planted mismatch); expansions have ≥ 60 % occupancy and",
        "  wastewater treatment; existing clusters are 58–100 % occupied.",
        "- Markets and supermarkets carry classes consistent with Decree 60/2024 (business",
        "  points) and Decision 1371/2004 (floor area, items), except the planted market.",
        "",
        "## Substation loading",
        "",
        "How the layout was sized (a planning assumption, not a rule): every cluster and park",
        "is served by its nearest substation with a 110 kV side (edge distance; the nearest",
        "by centroid is the same one); its demand is `phu_tai` when declared, else the measured",
        f"area × {LOAD_DENSITY_MW_HA} MW/ha; capacity in MW is MVA × {POWER_FACTOR}.",
        "",
        "| substation | name | voltage | capacity | status | demand (MW) | loading |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in st.values():
        mw = loads.get(s.key)
        cap = (s.capacity_mva or 0) * POWER_FACTOR
        load = f"{mw:.1f}" if mw is not None else "–"
        ratio = f"{mw / cap:.0%}" if mw is not None and 110 in s.levels and s.levels[0] == 110 \
            else "–"
        out.append(f"| {s.id} | {s.name} | {s.voltage} | {s.scheme} | {s.status} | {load} | "
                   f"{ratio} |")
    out += [
        "",
        "The 220 kV and 500 kV stations serve no cluster directly (a cluster is always nearer a",
        "110 kV station). The unfed station serves nothing either.",
        "",
    ]
    out += _attributes_readme(cluster_attributes(p))
    return "\n".join(out)


def _attributes_readme(sheet: pd.DataFrame) -> list[str]:
    """The README section on the Department's sheet of reporting figures."""
    col = ATTRIBUTE_COLUMNS
    land = pd.to_numeric(sheet[col["industrial_land_ha"]], errors="coerce")
    leased = pd.to_numeric(sheet[col["leased_land_ha"]], errors="coerce")
    both = land.notna() & leased.notna() & (land > 0)
    dated = sheet[col["established"]].dropna()
    new = [t for t in dated if str(t).endswith("/2026")]
    blank_revenue = sheet[sheet[col["operating"]].eq("Có") & sheet[col["revenue_bn_vnd"]].isna()]
    wwtp = sheet[col["wwtp"]].value_counts()
    fields = ", ".join(f"{k} ← `{v}`" for k, v in col.items())
    return [
        "## Reporting figures (`clusters.xlsx`)",
        "",
        f"The Department's sheet of reporting figures per cluster (sheet `{ATTRIBUTES_SHEET}`,",
        f"one row per cluster keyed by `{ATTRIBUTES_KEY}`), the figures of Circular",
        "14/2024/TT-BCT's Biểu số 04, joined onto the cluster layer by id",
        "(`[layers.clusters.attributes]` in `plan.toml`); `fields` maps its headings:",
        f"{fields}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| rows | {len(sheet)} (every cluster once, no id that is not in the layer) |",
        f"| with an establishment decision | {len(dated)} ({len(new)} dated in the second half "
        "of 2026) |",
        f"| in operation | {int(sheet[col['operating']].eq('Có').sum())} |",
        f"| industrial land (clusters with land and leased land) | {land[both].sum():,.1f} ha, "
        f"of which leased {leased[both].sum():,.1f} ha "
        f"({100 * leased[both].sum() / land[both].sum():.1f} %) |",
        f"| secondary projects | {int(sheet[col['projects_domestic']].fillna(0).sum())} "
        f"domestic, {int(sheet[col['projects_fdi']].fillna(0).sum())} FDI |",
        f"| labour | {int(sheet[col['labour']].fillna(0).sum()):,} people |",
        f"| revenue left blank (operating clusters) | {len(blank_revenue)}: "
        f"{', '.join(blank_revenue[ATTRIBUTES_KEY])} |",
        "| central wastewater plant | " + ", ".join(f"{k} {v}" for k, v in wwtp.items()) + " |",
        "",
        "Not in the sheet on purpose: the cluster type (specialised, supporting, high-tech, eco),",
        "so a form's row that needs it stays blank with a comment naming the field.",
        "",
    ]


# ------------------------------------------------------------------ the reporting figures

#: Clusters established in the second half of 2026 (a decision dated within 15 Jun-14 Dec 2026).
ESTABLISHED_2026 = {"planned": 2}
#: Existing clusters whose revenue the sheet leaves blank (not yet reported by the investor).
REVENUE_BLANK = 3
#: A fixed timestamp inside the workbook, so that the script writes the same bytes every time.
XLSX_DATE = (2025, 7, 1, 0, 0, 0)


def cluster_attributes(p: Province) -> pd.DataFrame:
    """The Department's sheet: one row per cluster, in the sheet's own column headings."""
    rng = np.random.default_rng(SEED + 2)
    investors = ("Công ty CP Đầu tư hạ tầng Minh Hà", "Công ty TNHH Phát triển CCN Đông Sơn",
                 "Trung tâm Phát triển cụm công nghiệp tỉnh", "Công ty CP Xây dựng Gia Phú",
                 "Tổng công ty Đầu tư hạ tầng Việt Bắc")
    clusters = p.clusters.sort_values("ma").reset_index(drop=True)
    rows = []
    new_left = dict(ESTABLISHED_2026)
    blank_revenue = REVENUE_BLANK
    wwtp_cycle = ("Đạt quy chuẩn", "Đạt quy chuẩn", "Đạt quy chuẩn", "Đã xây dựng")
    for i, rec in clusters.iterrows():
        status = rec["_status"]
        area = float(rec["dien_tich"])
        land = round(area * float(rng.uniform(0.68, 0.76)), 1)
        row: dict[str, Any] = {ATTRIBUTES_KEY: rec["ma"], "Tên CCN": rec["ten"]}
        if status in ("existing", "expansion"):
            year = int(rng.integers(2008, 2023))
            leased = round(land * float(rec["ty_le_lap_day"]) / 100.0, 1)
            revenue: float | None = round(float(rng.uniform(150, 2800)), 1)
            if status == "existing" and blank_revenue and i % 5 == 2:
                revenue, blank_revenue = None, blank_revenue - 1
            row.update({
                "industrial_land_ha": land, "leased_land_ha": leased,
                "established": f"Quyết định số {100 + i * 7}/QĐ-UBND ngày "
                               f"{int(rng.integers(1, 28))}/{int(rng.integers(1, 12))}/{year}",
                "operating": "Có",
                "investor": investors[int(rng.integers(len(investors)))],
                "infra_capital_bn_vnd": round(area * float(rng.uniform(4.0, 9.0)), 1),
                "projects_domestic": int(rng.integers(3, 26)),
                "projects_fdi": int(rng.integers(0, 7)),
                "labour": int(rng.integers(30, 400)) * 10,
                "revenue_bn_vnd": revenue,
                "wwtp": wwtp_cycle[i % len(wwtp_cycle)],
            })
        else:  # planned: figures only once a decision is taken
            row.update({"operating": "Không", "wwtp": "Chưa có", "projects_domestic": 0,
                        "projects_fdi": 0, "labour": 0})
            if new_left.get(status) and rec["qhct"] == "Có":
                new_left[status] -= 1
                row.update({
                    "industrial_land_ha": land, "leased_land_ha": 0.0,
                    "established": f"Quyết định số {300 + i}/QĐ-UBND ngày "
                                   f"{int(rng.integers(1, 28))}/{int(rng.integers(7, 12))}/2026",
                    "investor": investors[int(rng.integers(len(investors)))],
                    "infra_capital_bn_vnd": round(area * float(rng.uniform(5.0, 9.0)), 1),
                })
        rows.append(row)
    frame = pd.DataFrame(rows)
    heads = {k: v for k, v in ATTRIBUTE_COLUMNS.items()}
    frame = frame.rename(columns=heads)
    return frame[[ATTRIBUTES_KEY, "Tên CCN", *ATTRIBUTE_COLUMNS.values()]]


def _write_attributes(frame: pd.DataFrame, path: Path) -> None:
    """The sheet as an Excel workbook, byte for byte the same on every run (fixed timestamps)."""
    import datetime as dt
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = ATTRIBUTES_SHEET
    ws.append(list(frame.columns))
    for values in frame.itertuples(index=False, name=None):
        ws.append([None if v is None or (isinstance(v, float) and math.isnan(v)) else
                   (v.item() if isinstance(v, np.generic) else v) for v in values])
    fixed = dt.datetime(*XLSX_DATE)
    wb.properties.creator = "scripts/make_sample.py"
    wb.properties.created = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    with _atomic(path) as tmp, zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                              data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=XLSX_DATE), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder to write (default: {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    province = build(args.seed)
    verify(province)
    for path in write(province, args.out):
        print(f"{path.stat().st_size:>9,d}  {path}")
    f = province.figures
    print(f"area {f['area_km2']:.1f} km², population {f['population']:,.0f}, "
          f"{f['clusters']} clusters {f['cluster_ha']:.1f} ha, {f['trade']} trade facilities")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
