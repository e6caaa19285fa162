"""Extent diagnosis: why a layer's features fall outside Vietnam or the province, and the fix.

:func:`diagnose_extent` recognises the usual ways a layer ends up in the wrong place (X/Y
swapped, lat/lon order, VN-2000 metres declared as degrees, wrong TM-3 zone, a missing ≈220 m
datum shift) by trying reinterpretations of a sample of features.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.crs import ProjectedCRS
from shapely.geometry.base import BaseGeometry

from geoplan.crs.choose import candidate_crss
from geoplan.crs.parse import as_crs, crs_label, datum_kind, describe, parse_crs
from geoplan.crs.transform import strip_vn_bound, to_wgs84, transform_points
from geoplan.crs.zones import VIETNAM_BOUNDS_WGS84, WGS84
from geoplan.errors import CRSError

__all__ = ["MAX_SAMPLE", "OUTSIDE_SHARE", "RECOVERED_SHARE", "Diagnosis", "diagnose_extent"]

DiagnosisCode = Literal[
    "xy-swapped",
    "latlon-order",
    "metres-as-degrees",
    "degrees-as-metres",
    "wrong-zone",
    "missing-datum-shift",
    "outside-province",
    "outside-vietnam",
]

RECOVERED_SHARE = 0.9
"""A reinterpretation explains the extent when it brings at least this share of the sampled
features that were outside back inside (and leaves a majority inside). Not "all": a real line
layer clipped to a province keeps features whose representative point lies across the border."""
OUTSIDE_SHARE = 0.5
"""Without a fitting reinterpretation, report ``outside-*`` only when more than this share of the
sampled features is outside (lines crossing the province border are normal)."""
MAX_SAMPLE = 2000


@dataclass(frozen=True)
class Diagnosis:
    """Why a layer's features fall outside where they should, and the fix.

    ``suggested_crs`` is the CRS to declare (``"EPSG:9210"``, or a PROJ string for a CRS without
    a code); ``swap_xy`` says the coordinates must also be swapped.
    """

    code: DiagnosisCode
    message: str
    fix: str
    suggested_crs: str | None = None
    swap_xy: bool = False


@dataclass(frozen=True)
class _Trial:
    code: DiagnosisCode
    crs: CRS
    swap: bool


def _swap_datum(crs: CRS) -> CRS | None:
    kind = datum_kind(crs)
    if kind == "other" or crs.is_bound:
        return None
    geodetic = CRS.from_epsg(4326 if kind == "vn2000" else 4756)
    if crs.is_geographic:
        return geodetic
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    swapped = ProjectedCRS(
        conversion=crs.coordinate_operation,
        geodetic_crs=geodetic,
        name=f"{crs.name} on {geodetic.name}",
    )
    code = swapped.to_epsg(min_confidence=90)
    return CRS.from_epsg(code) if code else swapped


def _region(province_wgs84: Any) -> tuple[BaseGeometry, str]:
    if province_wgs84 is None:
        return shapely.box(*VIETNAM_BOUNDS_WGS84), "Vietnam"
    if isinstance(province_wgs84, BaseGeometry):
        geom = province_wgs84
    elif isinstance(province_wgs84, gpd.GeoDataFrame | gpd.GeoSeries):
        frame = province_wgs84
        if frame.crs is not None and not CRS.from_user_input(frame.crs).equals(
            CRS.from_epsg(4326), ignore_axis_order=True
        ):
            frame = to_wgs84(frame if isinstance(frame, gpd.GeoDataFrame) else frame.to_frame())
        geom = shapely.union_all(np.asarray(frame.geometry.array))
    else:
        raise CRSError(
            f"province_wgs84 must be a shapely geometry, GeoSeries or GeoDataFrame, got "
            f"{type(province_wgs84).__name__}"
        )
    if geom is None or geom.is_empty:
        raise CRSError("province_wgs84 is empty; pass the province boundary in WGS 84")
    return geom, "the province"


def _sample_xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = np.asarray(gdf.geometry.array)
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(keep) > MAX_SAMPLE:
        keep = keep[np.linspace(0, len(keep) - 1, MAX_SAMPLE).round().astype(int)]
    with np.errstate(all="ignore"):
        points = shapely.point_on_surface(geoms[keep])
    return shapely.get_x(points), shapely.get_y(points)


def _score(region: BaseGeometry, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, float]:
    finite = np.isfinite(lon) & np.isfinite(lat)
    inside = np.zeros(lon.shape, dtype=bool)
    inside[finite] = shapely.contains_xy(region, lon[finite], lat[finite])
    outside = finite & ~inside
    distance = float("inf") if (~finite).any() else 0.0
    if outside.any() and distance == 0.0:
        distance = float(shapely.distance(region, shapely.points(lon[outside], lat[outside])).sum())
    return inside, distance


def _offset_m(
    lon0: np.ndarray, lat0: np.ndarray, lon1: np.ndarray, lat1: np.ndarray
) -> tuple[float, float]:
    ok = np.isfinite(lon0) & np.isfinite(lat0) & np.isfinite(lon1) & np.isfinite(lat1)
    lat = np.radians(lat0[ok])
    east = (lon1[ok] - lon0[ok]) * 111_320.0 * np.cos(lat)
    north = (lat1[ok] - lat0[ok]) * 110_574.0
    return float(np.median(east)), float(np.median(north))


def diagnose_extent(
    gdf: gpd.GeoDataFrame,
    declared_crs: Any = None,
    *,
    province_wgs84: Any = None,
    candidates: Iterable[Any] | None = None,
    name: str | None = None,
) -> Diagnosis | None:
    """Explain a layer whose features fall outside Vietnam or outside the province.

    A sample of up to 2,000 representative points is read in ``declared_crs`` (default: the
    frame's CRS) and compared with the province polygon (WGS 84) or, without one, with
    :data:`VIETNAM_BOUNDS_WGS84`. When features fall outside, these reinterpretations are tried
    and the one that brings (nearly) all of the outside features inside is reported:

    ``xy-swapped``           projected X/Y swapped (Vietnamese X = northing, Y = easting);
    ``latlon-order``         latitude/longitude swapped in a geographic layer;
    ``metres-as-degrees``    VN-2000 metres in a layer declared geographic (the TM-3 zone that
                             lands inside is suggested);
    ``degrees-as-metres``    longitude/latitude in a layer declared projected;
    ``wrong-zone``           projected coordinates that land inside with another TM-3 zone;
    ``missing-datum-shift``  VN-2000 coordinates declared WGS 84 or vice versa (a systematic
                             ≈220 m offset, ≈ +195 m E / −110 m N); only detectable with a
                             province polygon.

    When nothing fits and more than half of the features are outside, ``outside-province`` /
    ``outside-vietnam`` is returned without a suggestion. ``None`` means the layer looks fine.

    Parameters
    ----------
    candidates
        CRSs to try for ``metres-as-degrees`` / ``wrong-zone``, most likely first (e.g.
        :func:`candidate_crss` of the province); default all TM-3 zones and VN-2000 UTM 48N/49N.
    name
        Layer name for the messages.
    """
    label = f"layer {name!r}" if name else "the layer"
    declared = parse_crs(
        declared_crs if declared_crs is not None else gdf.crs, where=f"the CRS of {label}"
    )
    declared = strip_vn_bound(declared)
    region, region_name = _region(province_wgs84)
    shapely.prepare(region)
    x, y = _sample_xy(gdf)
    n = len(x)
    if n == 0:
        return None

    def place(crs: CRS, swap: bool) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = (y, x) if swap else (x, y)
        try:
            return transform_points(xs, ys, crs, WGS84, strict=False)
        except CRSError:
            nan = np.full(n, np.nan)
            return nan, nan

    base_lon, base_lat = place(declared, False)
    base_inside, _ = _score(region, base_lon, base_lat)
    base_out = int(n - base_inside.sum())
    if base_out == 0:
        return None

    zones = (
        [as_crs(c, where="diagnose_extent candidates") for c in candidates]
        if candidates is not None
        else [*candidate_crss(), CRS.from_epsg(3405), CRS.from_epsg(3406)]
    )
    trials: list[_Trial] = []
    datum_swapped = _swap_datum(declared)
    if declared.is_geographic:
        trials.append(_Trial("latlon-order", declared, True))
        if datum_swapped is not None:
            trials.append(_Trial("missing-datum-shift", datum_swapped, False))
        for zone in zones:
            trials.append(_Trial("metres-as-degrees", zone, False))
            trials.append(_Trial("metres-as-degrees", zone, True))
    else:
        trials.append(_Trial("xy-swapped", declared, True))
        if datum_swapped is not None:
            trials.append(_Trial("missing-datum-shift", datum_swapped, False))
        for zone in zones:
            if zone == declared:
                continue
            trials.append(_Trial("wrong-zone", zone, False))
            trials.append(_Trial("wrong-zone", zone, True))
        trials.append(_Trial("degrees-as-metres", CRS.from_epsg(4326), False))
        trials.append(_Trial("degrees-as-metres", CRS.from_epsg(4326), True))

    results = []
    for order, trial in enumerate(trials):
        lon, lat = place(trial.crs, trial.swap)
        inside, distance = _score(region, lon, lat)
        results.append((int(inside.sum()), -distance, -order, trial, lon, lat))
    best_in, _, _, best, best_lon, best_lat = max(results, key=lambda r: r[:3])
    best_out = n - best_in
    enough = min(3, n) if best.code == "missing-datum-shift" else 1
    recovered = base_out - best_out >= RECOVERED_SHARE * base_out
    if recovered and best_in > 0.5 * n and base_out >= enough:
        ties = [
            r[3] for r in results if r[0] == best_in and r[3].code == best.code and r[3] != best
        ]
        return _explain(
            best,
            declared,
            label,
            region_name,
            n,
            base_out,
            best_in,
            base_lon,
            base_lat,
            best_lon,
            best_lat,
            ties,
            province_wgs84 is None,
        )
    if base_out > OUTSIDE_SHARE * n:
        where = region_name if province_wgs84 is not None else "Vietnam"
        code: DiagnosisCode = (
            "outside-province" if province_wgs84 is not None else "outside-vietnam"
        )
        finite = np.isfinite(base_lon) & np.isfinite(base_lat)
        extent = (
            f" (sampled extent in WGS 84: lon {np.min(base_lon[finite]):.4f}…"
            f"{np.max(base_lon[finite]):.4f}, lat {np.min(base_lat[finite]):.4f}…"
            f"{np.max(base_lat[finite]):.4f})"
            if finite.any()
            else ""
        )
        return Diagnosis(
            code=code,
            message=(
                f"{label}: {base_out} of {n} sampled features fall outside {where} when read as "
                f"{describe(declared)}{extent}, and no usual mistake (swapped axes, wrong TM-3 "
                f"zone, metres as degrees, missing datum shift) explains it."
            ),
            fix=(
                "check the layer's declared CRS against its source (the .prj file, the survey "
                "notes) and its coordinates"
                + ("" if province_wgs84 is not None else ", or give the plan's province")
            ),
        )
    return None


def _explain(
    trial: _Trial,
    declared: CRS,
    label: str,
    region_name: str,
    n: int,
    base_out: int,
    best_in: int,
    base_lon: np.ndarray,
    base_lat: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    ties: list[_Trial],
    no_province: bool,
) -> Diagnosis:
    suggested = crs_label(trial.crs)
    head = (
        f"{label}: {base_out} of {n} sampled features fall outside {region_name} when read as "
        f"{describe(declared)}"
    )
    share = f"{best_in / n:.0%}"
    declare = f'declare the layer\'s CRS as {suggested} (crs = "{suggested}")'
    swap_note = (
        " after swapping X and Y (Vietnamese X = northing, Y = easting)" if trial.swap else ""
    )
    others = ""
    if ties:
        others = f" Other zones fit as well: {', '.join(crs_label(t.crs) for t in ties[:5])}; " + (
            "give the plan's province to decide." if no_province else "check the source."
        )
    if trial.code == "xy-swapped":
        message = (
            f"{head}; with X and Y swapped {share} fall inside. Vietnamese documents write "
            f"X = northing, Y = easting, but geoplan reads (easting, northing)."
        )
        fix = "swap the X and Y coordinates (x = easting, y = northing) of the layer"
        return Diagnosis(trial.code, message, fix, crs_label(declared), swap_xy=True)
    if trial.code == "latlon-order":
        message = f"{head}; with latitude and longitude swapped {share} fall inside."
        fix = "swap the coordinates so that x = longitude and y = latitude"
        return Diagnosis(trial.code, message, fix, crs_label(declared), swap_xy=True)
    if trial.code == "metres-as-degrees":
        message = (
            f"{head}: the values look like VN-2000 metres, not degrees; read as "
            f"{describe(trial.crs)}{swap_note} {share} fall inside.{others}"
        )
        fix = declare + (" and swap X and Y" if trial.swap else "")
        return Diagnosis(trial.code, message, fix, suggested, swap_xy=trial.swap)
    if trial.code == "degrees-as-metres":
        message = (
            f"{head}: the values look like longitude/latitude degrees, not metres; read as "
            f"WGS 84{swap_note} {share} fall inside."
        )
        fix = declare + (" and swap X and Y" if trial.swap else "")
        return Diagnosis(trial.code, message, fix, suggested, swap_xy=trial.swap)
    if trial.code == "wrong-zone":
        message = (
            f"{head}: the coordinates belong to another TM-3 zone; read as "
            f"{describe(trial.crs)}{swap_note} {share} fall inside.{others}"
        )
        fix = declare + (" and swap X and Y" if trial.swap else "")
        return Diagnosis(trial.code, message, fix, suggested, swap_xy=trial.swap)
    # missing-datum-shift
    east, north = _offset_m(base_lon, base_lat, lon, lat)
    total = math.hypot(east, north)
    direction = (
        "VN-2000 coordinates declared as WGS 84"
        if datum_kind(declared) == "wgs84"
        else "WGS 84 coordinates declared as VN-2000"
    )
    message = (
        f"{head}; they look like {direction}: read as {describe(trial.crs)} they move "
        f"≈{total:.0f} m ({east:+.0f} m E, {north:+.0f} m N) and {share} fall inside. "
        f"A systematic ≈220 m offset is the signature of a missing VN-2000 datum shift."
    )
    return Diagnosis(trial.code, message, declare, suggested)
