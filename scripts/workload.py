"""Generate the NATIONAL WORKLOAD: a synthetic, national-scale plan for benchmarks.

Across Vietnam's extent, concentrated around its cities as real plans are:

- 2,000 industrial clusters (5-80 ha polygons, a few planted overlaps),
- 400 industrial parks (100-1,500 ha polygons),
- 20,000 trade facilities (points, every type),
- 18,000 grid-line features ("ways") with about 340,000 vertices in total (60 % 110 kV, 30 %
  220 kV, 10 % 500 kV): routes between neighbouring substations, each route split into
  consecutive ways as in OpenStreetMap (4 per 110/220 kV route, 8 per 500 kV route),
- 1,200 substations (75 % 110 kV, 20 % 220 kV, 5 % 500 kV) with capacities,
- 150 restricted zones.

The grid is drawn with the defects of an OpenStreetMap-derived national grid
(:data:`GRID_DEFECTS`, from a random stream of their own): 40 % of the joints between two ways
of a route are broken (the next way starts 3-40 m away: more than the 1 m join tolerance, so
both ends dangle), a quarter of the route ends stop 80-400 m short of the substation point
(OSM maps a substation as the centre of its yard; the snapping tolerance is 50 m), 4 % of the
routes stop short, 20 % of the ways and 30 % of the substations carry no voltage tag.

Findings of ``geoplan check`` at scale 1 with the default seed (rule table 2026.12.1, judged on
3 Dec 2026): about 23,500, of which about 14,800 from the grid audit (grid-dangling 12,991,
grid-unfed 783, grid-island 706, grid-voltage-mismatch 155, grid-single-supply 146) and
8,700 from the plan rules (corridor 7,139 -- 3,766 of them lines of unknown voltage --,
cluster-expansion 378, trade-class 373, overlap 331, cluster-size 200, cluster-new 184,
cluster-type 66, park-phasing 38, duplicate 1, outside-boundary 1). ``scale`` multiplies the
counts on the same territory, so it raises the density around the cities: the grid findings
grow in proportion (58,250 at scale 4), the pairwise ones faster (scale 4: corridor 47,086,
overlap 4,549; 115,196 findings in all).

Everything is deterministic for a given ``seed`` and ``scale``. The plan names no province, so
the analysis CRS is UTM. Files are GeoPackages in EPSG:4326 with canonical field names.

Usage::

    python scripts/workload.py out/workload            # full size
    python scripts/workload.py out/small --scale 0.02  # a small one for tests

From Python (tests, other benchmarks)::

    sys.path.insert(0, "scripts"); from workload import make_workload
    plan_file = make_workload(tmp_path / "wl", scale=0.02)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["COUNTS", "DEFAULT_SEED", "TOTAL_LINE_VERTICES", "make_workload"]

DEFAULT_SEED = 20250701

#: Feature counts at scale 1.
COUNTS = {
    "clusters": 2000,
    "parks": 400,
    "trade": 20000,
    "lines": 18000,
    "substations": 1200,
    "restricted": 150,
}
TOTAL_LINE_VERTICES = 340_000
#: Share of grid-line features per voltage, and how many features one route is split into.
LINE_MIX = {110: (0.6, 4), 220: (0.3, 4), 500: (0.1, 8)}
#: Defects of a mapped (OpenStreetMap-derived) grid, drawn from their own random stream so that
#: the other layers do not depend on them: shares of way joints with a break of ``break_m``
#: metres, of route ends drawn ``end_off_m`` metres short of the substation point (OSM maps a
#: substation as the centre of its yard), of routes that stop short, of ways without a voltage
#: tag and of substations without one.
GRID_DEFECTS: dict[str, Any] = {
    "break": 0.40,
    "break_m": (3.0, 40.0),
    "end_off_station": 0.25,
    "end_off_m": (80.0, 400.0),
    "short_route": 0.04,
    "line_no_voltage": 0.20,
    "station_no_voltage": 0.30,
}
SUBSTATION_MIX = {110: 0.75, 220: 0.20, 500: 0.05}
CAPACITIES_MVA = {
    110: (40.0, 63.0, 80.0, 126.0),
    220: (250.0, 375.0, 500.0),
    500: (900.0, 1800.0, 2700.0),
}

# A coarse outline of mainland Vietnam (lon, lat), enough to keep features on land.
VIETNAM = shapely.Polygon(
    [
        (102.14, 22.40),
        (102.50, 22.75),
        (103.50, 22.65),
        (104.00, 22.80),
        (105.30, 23.25),
        (106.50, 22.90),
        (106.70, 22.40),
        (107.40, 22.00),
        (107.95, 21.55),
        (107.10, 20.95),
        (106.70, 20.72),
        (106.30, 20.05),
        (105.90, 19.45),
        (105.75, 18.75),
        (106.20, 18.10),
        (106.65, 17.45),
        (107.55, 16.55),
        (108.25, 16.05),
        (108.90, 15.10),
        (109.25, 13.80),
        (109.35, 13.00),
        (109.20, 12.20),
        (109.00, 11.50),
        (108.10, 10.90),
        (107.10, 10.35),
        (106.60, 9.60),
        (104.80, 8.60),
        (105.00, 10.00),
        (104.45, 10.40),
        (105.10, 10.95),
        (106.10, 11.10),
        (106.40, 11.90),
        (107.50, 12.30),
        (107.55, 13.50),
        (107.50, 14.70),
        (107.40, 16.00),
        (106.60, 16.50),
        (105.80, 17.60),
        (105.00, 18.50),
        (104.00, 19.30),
        (104.80, 20.00),
        (104.30, 20.70),
        (103.20, 20.80),
        (102.90, 21.70),
        (102.14, 22.40),
    ]
)

# Cities (lon, lat, weight): where industry, trade and substations concentrate.
CITIES = [
    ("Hà Nội", 105.85, 21.03, 10),
    ("TP Hồ Chí Minh", 106.70, 10.78, 12),
    ("Hải Phòng", 106.68, 20.86, 5),
    ("Đà Nẵng", 108.21, 16.05, 4),
    ("Cần Thơ", 105.78, 10.03, 3),
    ("Bắc Ninh", 106.07, 21.18, 5),
    ("Bình Dương", 106.65, 10.98, 7),
    ("Biên Hòa", 106.82, 10.95, 6),
    ("Vũng Tàu", 107.15, 10.50, 3),
    ("Long An", 106.41, 10.54, 3),
    ("Hải Dương", 106.33, 20.94, 3),
    ("Hưng Yên", 106.05, 20.65, 2),
    ("Vĩnh Phúc", 105.60, 21.30, 3),
    ("Thái Nguyên", 105.84, 21.59, 2),
    ("Hạ Long", 107.08, 21.00, 3),
    ("Nam Định", 106.17, 20.42, 2),
    ("Thanh Hóa", 105.78, 19.81, 3),
    ("Vinh", 105.68, 18.68, 2),
    ("Huế", 107.59, 16.46, 2),
    ("Quảng Ngãi", 108.80, 15.12, 2),
    ("Quy Nhơn", 109.15, 13.78, 2),
    ("Nha Trang", 109.12, 12.24, 2),
    ("Buôn Ma Thuột", 108.05, 12.67, 1),
    ("Pleiku", 108.00, 13.98, 1),
    ("Đà Lạt", 108.44, 11.94, 1),
    ("Phan Thiết", 108.10, 11.00, 1),
    ("Tây Ninh", 106.10, 11.31, 1),
    ("Mỹ Tho", 106.36, 10.36, 1),
    ("Long Xuyên", 105.43, 10.38, 1),
    ("Rạch Giá", 105.15, 10.01, 1),
    ("Cà Mau", 105.15, 9.18, 1),
    ("Lào Cai", 103.97, 22.45, 1),
    ("Sơn La", 103.90, 21.33, 0.5),
    ("Điện Biên", 103.02, 21.39, 0.5),
    ("Lạng Sơn", 106.76, 21.85, 1),
    ("Bắc Giang", 106.20, 21.28, 3),
    ("Phú Thọ", 105.22, 21.32, 1),
    ("Ninh Bình", 105.97, 20.25, 1),
    ("Hà Tĩnh", 105.90, 18.34, 1),
    ("Quảng Trị", 107.05, 16.75, 0.5),
    ("Tam Kỳ", 108.50, 15.50, 1.5),
]

TRADE_TYPES = {
    "market": 0.40,
    "convenience_store": 0.20,
    "petrol_station": 0.15,
    "supermarket": 0.08,
    "warehouse": 0.05,
    "lpg_store": 0.05,
    "wholesale_market": 0.02,
    "shopping_mall": 0.02,
    "logistics_center": 0.015,
    "fuel_depot": 0.01,
    "exhibition_center": 0.005,
}
M_PER_DEG = 111_320.0


def _count(name: str, scale: float) -> int:
    return max(1, round(COUNTS[name] * scale))


def _sites(rng: np.random.Generator, n: int, sigma_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points on land around cities (weighted), gaussian spread ``sigma_deg``."""
    weights = np.array([c[3] for c in CITIES], dtype=float)
    weights /= weights.sum()
    lon = np.empty(n)
    lat = np.empty(n)
    city = np.empty(n, dtype=np.int64)
    filled = 0
    while filled < n:
        k = (n - filled) * 2 + 16
        c = rng.choice(len(CITIES), size=k, p=weights)
        x = np.array([CITIES[i][1] for i in c]) + rng.normal(0, sigma_deg, k)
        y = np.array([CITIES[i][2] for i in c]) + rng.normal(0, sigma_deg, k)
        keep = shapely.contains_xy(VIETNAM, x, y)
        take = min(int(keep.sum()), n - filled)
        lon[filled : filled + take] = x[keep][:take]
        lat[filled : filled + take] = y[keep][:take]
        city[filled : filled + take] = c[keep][:take]
        filled += take
    return np.column_stack([lon, lat]), city


def _blobs(
    rng: np.random.Generator, centres: np.ndarray, area_ha: np.ndarray, n_vertices: int = 14
) -> np.ndarray:
    """Irregular star-shaped polygons of about ``area_ha`` around ``centres`` (lon, lat)."""
    n = len(centres)
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, n_vertices)), axis=1)
    radii = rng.uniform(0.75, 1.2, (n, n_vertices))
    # A polygon with these vertices has area 0.5 * sum r_i r_{i+1} sin(dθ); scale to the target.
    dtheta = np.diff(np.concatenate([angles, angles[:, :1] + 2 * np.pi], axis=1), axis=1)
    unit_area = 0.5 * (radii * np.roll(radii, -1, axis=1) * np.sin(dtheta)).sum(axis=1)
    r_m = np.sqrt(area_ha * 1e4 / unit_area)[:, None] * radii
    dx = r_m * np.cos(angles) / (M_PER_DEG * np.cos(np.radians(centres[:, 1:2])))
    dy = r_m * np.sin(angles) / M_PER_DEG
    ring = np.stack([centres[:, :1] + dx, centres[:, 1:2] + dy], axis=2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    polys = shapely.polygons(ring)
    return np.asarray(shapely.make_valid(polys))


def _choice(rng: np.random.Generator, mix: dict, n: int) -> np.ndarray:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _clusters(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    centres, city = _sites(rng, n, 0.22)
    area = rng.uniform(7, 78, n)
    small = rng.random(n) < 0.04  # planted: clusters under the legal minimum
    area[small] = rng.uniform(4, 9.8, int(small.sum()))
    # Planted overlaps: about 3 % of clusters sit half over their predecessor.
    planted = np.flatnonzero(rng.random(n) < 0.03)
    planted = planted[planted > 0]
    shift_m = np.sqrt(area[planted - 1] * 1e4 / np.pi) * 0.9
    centres[planted, 0] = centres[planted - 1, 0] + shift_m / (
        M_PER_DEG * np.cos(np.radians(centres[planted - 1, 1]))
    )
    centres[planted, 1] = centres[planted - 1, 1]
    geom = _blobs(rng, centres, area)
    status = _choice(
        rng, {"existing": 0.45, "planned": 0.40, "expansion": 0.10, "under_construction": 0.05}, n
    )
    declared = area * rng.normal(1.0, 0.015, n)
    off = rng.random(n) < 0.05
    declared[off] = area[off] * rng.uniform(1.08, 1.3, int(off.sum()))
    occupancy = np.where(status == "planned", np.nan, np.round(rng.uniform(0, 100, n), 1))
    cell = np.floor(centres[:, 0] / 0.1).astype(int) * 1000 + np.floor(centres[:, 1] / 0.1).astype(
        int
    )
    return gpd.GeoDataFrame(
        {
            "id": [f"CCN-{i:05d}" for i in range(n)],
            "name": [f"Cụm công nghiệp {CITIES[c][0]} {i}" for i, c in enumerate(city)],
            "status": status.astype(str),
            "area_ha": np.round(declared, 2),
            "occupancy_pct": occupancy,
            "mountainous": rng.random(n) < 0.15,
            "craft_village": rng.random(n) < 0.05,
            "wastewater_ready": rng.random(n) < 0.6,
            "period": [None if s == "existing" else "2026-2030" for s in status],
            "commune": [f"Xã {CITIES[c][0]} {k % 997}" for c, k in zip(city, cell, strict=True)],
        },
        geometry=geom,
        crs="EPSG:4326",
    )


def _parks(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    centres, city = _sites(rng, n, 0.30)
    area = np.exp(rng.uniform(np.log(100), np.log(1500), n))
    geom = _blobs(rng, centres, area, n_vertices=18)
    status = _choice(rng, {"existing": 0.6, "planned": 0.35, "under_construction": 0.05}, n)
    return gpd.GeoDataFrame(
        {
            "id": [f"KCN-{i:04d}" for i in range(n)],
            "name": [f"Khu công nghiệp {CITIES[c][0]} {i}" for i, c in enumerate(city)],
            "status": status.astype(str),
            "area_ha": np.round(area * rng.normal(1.0, 0.01, n), 1),
            "occupancy_pct": np.where(
                status == "planned", np.nan, np.round(rng.uniform(10, 100, n), 1)
            ),
            "phased": rng.random(n) < 0.5,
        },
        geometry=geom,
        crs="EPSG:4326",
    )


def _trade(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    pts, city = _sites(rng, n, 0.18)
    kind = _choice(rng, TRADE_TYPES, n).astype(str)
    cls = pd.array([pd.NA] * n, dtype="Int64")
    points = pd.array([pd.NA] * n, dtype="Int64")
    floor = np.full(n, np.nan)
    market = kind == "market"
    bp = rng.integers(40, 700, n)
    points[market] = bp[market]
    market_cls = np.where(bp > 400, 1, np.where(bp >= 200, 2, 3))
    wrong = rng.random(n) < 0.03  # planted contradictions
    market_cls = np.where(wrong, np.clip(market_cls - 1, 1, 3) + (market_cls == 1), market_cls)
    cls[market] = market_cls[market]
    sup = kind == "supermarket"
    fa = np.round(np.exp(rng.uniform(np.log(400), np.log(9000), n)), 0)
    floor[sup] = fa[sup]
    sup_cls = np.where(fa >= 5000, 1, np.where(fa >= 2000, 2, 3))
    sup_cls = np.where(wrong, np.clip(sup_cls - 1, 1, 3) + (sup_cls == 1), sup_cls)
    cls[sup] = sup_cls[sup]
    return gpd.GeoDataFrame(
        {
            "id": [f"TM-{i:05d}" for i in range(n)],
            "name": [
                f"{t.replace('_', ' ').title()} {CITIES[c][0]} {i}"
                for i, (t, c) in enumerate(zip(kind, city, strict=True))
            ],
            "type": kind,
            "class": cls,
            "status": _choice(
                rng, {"existing": 0.8, "planned": 0.17, "under_construction": 0.03}, n
            ).astype(str),
            "business_points": points,
            "floor_area_m2": floor,
        },
        geometry=shapely.points(pts),
        crs="EPSG:4326",
    )


def _substations(
    rng: np.random.Generator, flaws: np.random.Generator, n: int
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Substation points and the top voltage of each (some carry no voltage tag, as in OSM)."""
    pts, city = _sites(rng, n, 0.25)
    volt = _choice(rng, SUBSTATION_MIX, n).astype(int)
    # at least two stations of every level, so that every level has lines
    for j, v in enumerate(SUBSTATION_MIX):
        if (volt == v).sum() < 2:
            volt[2 * j : 2 * j + 2] = v
    cap = np.array([rng.choice(CAPACITIES_MVA[v]) for v in volt])
    levels = np.where(volt == 500, "500;220", np.where(volt == 220, "220;110", "110;22"))
    levels = np.where(flaws.random(n) < GRID_DEFECTS["station_no_voltage"], None, levels)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"TBA-{i:04d}" for i in range(n)],
            "name": [
                f"TBA {v} kV {CITIES[c][0]} {i}"
                for i, (v, c) in enumerate(zip(volt, city, strict=True))
            ],
            "voltage_kv": levels,
            "capacity_mva": cap,
            "status": _choice(
                rng, {"existing": 0.7, "planned": 0.25, "under_construction": 0.05}, n
            ).astype(str),
        },
        geometry=shapely.points(pts),
        crs="EPSG:4326",
    )
    return frame, volt


def _routes(xy: np.ndarray, n_routes: int) -> np.ndarray:
    """Unique station pairs from nearest neighbours (growing k until there are enough)."""
    from scipy.spatial import cKDTree

    m = len(xy)
    if m < 2:
        return np.zeros((0, 2), dtype=np.int64)
    scale = np.array([np.cos(np.radians(16.0)), 1.0])
    tree = cKDTree(xy * scale)
    k = 2
    while True:
        k = min(k, m)
        _, idx = tree.query(xy * scale, k=k)
        a = np.repeat(np.arange(m), k - 1)
        b = idx[:, 1:].ravel()
        pairs = np.unique(np.sort(np.column_stack([a, b]), axis=1), axis=0)
        if len(pairs) >= n_routes or k == m:
            break
        k += 2
    d = np.hypot(*((xy[pairs[:, 0]] - xy[pairs[:, 1]]) * scale).T)
    order = np.argsort(d, kind="stable")
    pairs = pairs[order]
    if len(pairs) >= n_routes:
        return pairs[:n_routes]
    return pairs[np.arange(n_routes) % len(pairs)]  # tiny scales: repeat (parallel circuits)


def _lines(
    rng: np.random.Generator, flaws: np.random.Generator, subs: gpd.GeoDataFrame,
    top: np.ndarray, n: int, total_vertices: int,
) -> gpd.GeoDataFrame:
    """Grid lines drawn as in OpenStreetMap: routes between substations, each split into ways.

    The defects a mapped national grid really has are drawn in, at the shares of
    :data:`GRID_DEFECTS`: breaks between consecutive ways of one route (the next way starts a few
    metres off), route ends drawn to the gantry rather than to the substation point at the
    centre of its yard, routes that stop short, ways without a voltage tag.
    """
    xy = shapely.get_coordinates(subs.geometry.to_numpy())
    plans: list[tuple[int, np.ndarray, np.ndarray, int]] = []  # volt, start, end, segments
    for volt, (share, segments) in LINE_MIX.items():
        n_feat = max(1, round(n * share))
        n_routes = max(1, -(-n_feat // segments))
        eligible = np.flatnonzero(top >= volt)
        pairs = _routes(xy[eligible], n_routes)
        for a, b in eligible[pairs]:
            plans.append((volt, xy[a], xy[b], segments))
    lengths = np.array([np.hypot(*(e - s)) for _, s, e, _ in plans])
    weights = lengths / lengths.sum()
    budget = max(0, total_vertices - sum(p[3] for p in plans))
    d = GRID_DEFECTS
    records = []
    k = 0
    for r, (volt, start, end, segments) in enumerate(plans):
        nv = max(2 * segments + 1, round(weights[r] * budget) + segments)
        t = np.linspace(0.0, 1.0, nv)
        if rng.random() < d["short_route"]:
            end = start + (end - start) * rng.uniform(0.5, 0.9)
        vec = end - start
        normal = np.array([-vec[1], vec[0]])
        amp = rng.normal(0, 0.04, 3)
        wiggle = sum(a * np.sin((j + 1) * np.pi * t) for j, a in enumerate(amp))
        wiggle = wiggle + rng.normal(0, 0.002, nv) * np.sin(np.pi * t)
        coords = start + np.outer(t, vec) + np.outer(wiggle, normal)
        deg = np.array([M_PER_DEG * np.cos(np.radians(start[1])), M_PER_DEG])  # m per degree
        # ends drawn to the gantry: pulled back along the route, off the substation point
        for which, inner in ((0, 1), (-1, -2)):
            if flaws.random() < d["end_off_station"]:
                step = coords[inner] - coords[which]
                metres = np.hypot(*(step * deg))
                pull = min(flaws.uniform(*d["end_off_m"]), 0.8 * metres)
                coords[which] = coords[which] + step * (pull / max(metres, 1e-9))
        cuts = np.linspace(0, nv - 1, segments + 1).round().astype(int)
        for s in range(segments):
            part = coords[cuts[s] : cuts[s + 1] + 1].copy()
            if len(part) < 2:
                continue
            if s > 0 and flaws.random() < d["break"]:
                # a break: this way starts a few metres from where the previous one ended
                angle = flaws.uniform(0, 2 * np.pi)
                gap = flaws.uniform(*d["break_m"])
                part[0] = part[0] + gap * np.array([np.cos(angle), np.sin(angle)]) / deg
            records.append((f"DZ-{k:05d}", volt, r, part))
            k += 1
    m = len(records)
    geoms = [shapely.LineString(rec[3]) for rec in records]
    volt_arr = np.array([rec[1] for rec in records])
    voltage = pd.array(volt_arr, dtype="Int64")
    unknown = flaws.random(m) < d["line_no_voltage"]
    voltage[unknown] = pd.NA
    underground = (volt_arr == 110) & (rng.random(m) < 0.02)
    return gpd.GeoDataFrame(
        {
            "id": [rec[0] for rec in records],
            "name": [f"Đường dây {rec[1]} kV tuyến {rec[2]}" for rec in records],
            "voltage_kv": voltage,
            "status": _choice(
                rng, {"existing": 0.7, "planned": 0.25, "under_construction": 0.05}, m
            ).astype(str),
            "circuits": rng.choice([1, 2], size=m, p=[0.6, 0.4]),
            "location": np.where(underground, "underground", "overhead"),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def _restricted(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    centres, _ = _sites(rng, n, 0.35)
    area = np.exp(rng.uniform(np.log(50), np.log(2000), n))
    kinds = _choice(
        rng, {"military": 0.3, "heritage": 0.2, "nature_reserve": 0.3, "water_source": 0.2}, n
    ).astype(str)
    return gpd.GeoDataFrame(
        {
            "id": [f"VHC-{i:04d}" for i in range(n)],
            "name": [f"Vùng hạn chế {i}" for i in range(n)],
            "type": kinds,
        },
        geometry=_blobs(rng, centres, area, n_vertices=16),
        crs="EPSG:4326",
    )


PLAN_TOML = """\
# Generated by scripts/workload.py (scale {scale}, seed {seed}). Synthetic data, not a real plan.
[plan]
name = "National workload (synthetic, scale {scale})"
description = "Benchmark plan across Vietnam; no province, so the analysis CRS is UTM."

[layers.clusters]
kind = "industrial_cluster"
path = "clusters.gpkg"

[layers.parks]
kind = "industrial_park"
path = "parks.gpkg"

[layers.trade]
kind = "trade_facility"
path = "trade.gpkg"

[layers.grid]
kind = "grid_line"
path = "grid_lines.gpkg"

[layers.substations]
kind = "substation"
path = "substations.gpkg"

[layers.restricted]
kind = "restricted_zone"
path = "restricted.gpkg"
"""


def _write(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    import pyogrio

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def make_workload(
    dest: str | os.PathLike[str], *, scale: float = 1.0, seed: int = DEFAULT_SEED
) -> Path:
    """Write the workload plan folder ``dest`` and return the path of its ``plan.toml``.

    Parameters
    ----------
    dest
        Folder to create (or refresh); existing workload files in it are replaced.
    scale
        Multiplies every feature count and the total number of line vertices (0.02 for tests).
    seed
        Seed of the random generator: the same (scale, seed) gives the same files.
    """
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    flaws = np.random.default_rng([seed, 7])
    subs, top = _substations(rng, flaws, _count("substations", scale))
    layers = {
        "clusters": (_clusters(rng, _count("clusters", scale)), "industrial_cluster"),
        "parks": (_parks(rng, _count("parks", scale)), "industrial_park"),
        "trade": (_trade(rng, _count("trade", scale)), "trade_facility"),
        "grid_lines": (
            _lines(rng, flaws, subs, top, _count("lines", scale),
                   max(100, round(TOTAL_LINE_VERTICES * scale))),
            "power_line",
        ),
        "substations": (subs, "substation"),
        "restricted": (_restricted(rng, _count("restricted", scale)), "restricted_zone"),
    }
    for name, (gdf, layer) in layers.items():
        _write(gdf, out / f"{name}.gpkg", layer)
    plan = out / "plan.toml"
    fd, tmp = tempfile.mkstemp(prefix=".plan-", suffix=".toml", dir=out)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(PLAN_TOML.format(scale=scale, seed=seed))
    os.chmod(tmp, 0o644)
    os.replace(tmp, plan)
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder to write the plan into")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    plan = make_workload(args.dest, scale=args.scale, seed=args.seed)
    print(f"wrote {plan} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
