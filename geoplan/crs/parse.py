"""Reading a CRS from user input, and its properties: label, datum, metres, risky definitions.

:func:`parse_crs` is how every CRS a user writes enters geoplan; :func:`require_metric_crs` is
the one check that a CRS (or a frame's) is fit for areas and distances.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Literal

import geopandas as gpd
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from geoplan.crs.zones import DEPRECATED_TM3, TM3_ZONES
from geoplan.errors import CRSError

__all__ = [
    "METRIC_FIX",
    "as_crs",
    "crs_label",
    "crs_warnings",
    "datum_kind",
    "describe",
    "is_metric",
    "parse_crs",
    "require_metric_crs",
]

log = logging.getLogger(__name__)

def crs_label(crs: CRS) -> str:
    """A short, re-parsable label: ``"EPSG:9210"`` when the CRS has a code, else PROJ/WKT."""
    authority = crs.to_authority(min_confidence=100)
    if authority is not None:
        return f"{authority[0]}:{authority[1]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
    return proj4 if proj4 else crs.to_wkt()


def as_crs(value: Any, *, where: str) -> CRS:
    """:func:`parse_crs` without logging the warnings (for internal, repeated calls)."""
    if isinstance(value, CRS):
        crs = value
    else:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise CRSError(
                f'no CRS given for {where}. Fix: declare one, e.g. crs = "EPSG:9210" for VN-2000 '
                f'TM-3 105°45′ or crs = "EPSG:4326" for WGS 84 longitude/latitude.'
            )
        if isinstance(value, str) and value.strip().isdigit():
            value = f"EPSG:{value.strip()}"
        try:
            crs = CRS.from_user_input(value)
        except (PyprojCRSError, TypeError, ValueError) as exc:
            raise CRSError(
                f"cannot read the CRS {value!r} given for {where}: {exc}. Fix: use an EPSG code "
                f'such as "EPSG:9210" (VN-2000 / TM-3 105°45′), "EPSG:4326" (WGS 84) or WKT.'
            ) from exc
    if crs.is_deprecated:  # cheap; the authority lookup below is not, for custom CRSs
        authority = crs.to_authority(min_confidence=100)
        if authority is not None and authority[0] == "EPSG":
            code = int(authority[1])
            if code in DEPRECATED_TM3:
                raise CRSError(
                    f"EPSG:{code} given for {where} is deprecated: its false easting and "
                    f"northing are swapped (FE 0, FN 500 000). Fix: use "
                    f"EPSG:{DEPRECATED_TM3[code]} ({CRS.from_epsg(DEPRECATED_TM3[code]).name})"
                    " instead."
                )
    return crs


def parse_crs(value: Any, *, where: str) -> CRS:
    """Parse a CRS from user input (EPSG code, ``"EPSG:9210"``, WKT, PROJ string, CRS...).

    Parameters
    ----------
    value
        Anything :meth:`pyproj.CRS.from_user_input` accepts; a string of digits is an EPSG code.
    where : str
        Where the value came from (``"plan.toml [layers.roads] crs"``), for the message.

    Raises
    ------
    CRSError
        The value is missing or not a CRS, or one of the deprecated EPSG:6956–6959 (whose false
        easting and northing are swapped) -- the message names the replacement code.

    A CRS carrying a 7-parameter ``+towgs84`` is accepted with a logged warning; the warnings are
    available from :func:`crs_warnings`.

    >>> parse_crs("EPSG:9210", where="example").name
    'VN-2000 / TM-3 105-45'
    """
    crs = as_crs(value, where=where)
    for message in crs_warnings(crs):
        log.warning("%s: %s", where, message)
    return crs


_PUBLISHED_ROTATIONS = (-0.00928836, 0.01975479, -0.00427372)  # Coordinate Frame, arc-seconds


def _matching_tm3(crs: CRS) -> int | None:
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    if not base.is_projected or base.coordinate_operation is None:
        return None
    params = {p.name: float(p.value) for p in base.coordinate_operation.params}
    lon0 = params.get("Longitude of natural origin")
    if (
        lon0 is None
        or abs(params.get("Scale factor at natural origin", 0) - 0.9999) > 1e-9
        or params.get("False easting") != 500000
        or params.get("False northing", 0) != 0
        or abs(params.get("Latitude of natural origin", 0)) > 1e-9
    ):
        return None
    for meridian, code in TM3_ZONES.items():
        if abs(meridian - lon0) < 1e-9:
            return code
    return None


def crs_warnings(crs: CRS) -> list[str]:
    """Warnings about a CRS that is usable but risky (see domain-facts §1.6).

    * a 7-parameter ``+towgs84`` / ``TOWGS84`` instead of an EPSG datum: the common copied string
      uses the published (Coordinate Frame) rotation signs inside ``+towgs84`` (Position
      Vector), which is ≈0.7 m wrong;
    * a deprecated EPSG code.
    """
    out: list[str] = []
    if crs.is_bound and crs.coordinate_operation is not None:
        operation = crs.coordinate_operation
        params = [float(p.value) for p in operation.params]
        code = _matching_tm3(crs)
        replacement = f"EPSG:{code}" if code else "an EPSG code (e.g. EPSG:9210)"
        source = crs.source_crs
        if source is not None and datum_kind(source) == "vn2000":
            out.append(
                f"the CRS carries its own TOWGS84 shift ({', '.join(f'{p:g}' for p in params)}); "
                f"geoplan ignores it and uses the official EPSG:6960. Fix: use {replacement}."
            )
        else:
            detail = ""
            if len(params) >= 6 and "Position Vector" in operation.method_name:
                rotations = tuple(params[3:6])
                if all(
                    abs(a - b) < 1e-7 for a, b in zip(rotations, _PUBLISHED_ROTATIONS, strict=True)
                ):
                    detail = (
                        " The rotations have the published Coordinate Frame signs inside a "
                        "Position Vector +towgs84, which puts features ≈0.7 m off."
                    )
            out.append(
                "the CRS is a PROJ string/WKT with a +towgs84 datum shift "
                f"({', '.join(f'{p:g}' for p in params)}) instead of an EPSG datum, so the "
                f"official VN-2000 -> WGS 84 transformation (EPSG:6960) cannot be pinned.{detail}"
                f" Fix: use {replacement}."
            )
    if crs.is_deprecated:
        out.append(f"{crs.name} is a deprecated CRS definition. Fix: use its replacement code.")
    return out


def is_metric(crs: Any) -> bool:
    """True for a projected CRS whose axes are in metres (fit for areas and distances).

    >>> is_metric("EPSG:9210"), is_metric("EPSG:4326")
    (True, False)
    """
    crs = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    if not crs.is_projected:
        return False
    axes = crs.axis_info
    return bool(axes) and all(
        axis.unit_name in ("metre", "meter") and axis.unit_conversion_factor == 1.0
        for axis in axes[:2]
    )


METRIC_FIX = (
    "reproject with geoplan.crs.to_crs(gdf, plan.crs) to the plan's analysis CRS, e.g. the "
    'province\'s VN-2000 TM-3 zone ("EPSG:9210") or UTM ("EPSG:32648")'
)


def require_metric_crs(crs_or_frame: Any, *, what: str, fix: str = METRIC_FIX) -> CRS:
    """The CRS of ``crs_or_frame``, when it is projected in metres; else :class:`CRSError`.

    The one check that areas and distances can be measured: every stage that measures calls it
    rather than testing ``is_geographic`` or the axis units itself.

    Parameters
    ----------
    crs_or_frame
        A CRS (anything :func:`parse_crs` reads), a GeoDataFrame or GeoSeries (its ``.crs``),
        or ``None``.
    what : str
        What holds the CRS, for the message: ``"the grid frames"``, ``"layer 'roads'"``.
    fix : str
        How to fix it (default: reproject to the plan's analysis CRS).

    Raises
    ------
    CRSError
        The CRS is missing, unreadable, geographic (degrees), or projected in another unit.

    >>> require_metric_crs("EPSG:9210", what="the layer").to_epsg()
    9210
    >>> require_metric_crs("EPSG:4326", what="layer 'roads'")
    Traceback (most recent call last):
    ...
    geoplan.errors.CRSError: layer 'roads' is 'WGS 84', which is not projected in metres (a \
geographic CRS, in degrees); areas and distances need a metric CRS. Fix: reproject ...
    """
    value = crs_or_frame
    if isinstance(value, gpd.GeoDataFrame | gpd.GeoSeries):
        value = value.crs
    if value is None:
        raise CRSError(f"{what} has no CRS, so areas and distances cannot be measured (they need "
                       f"a metric CRS). Fix: load the plan with geoplan.load_plan, which puts "
                       f"every layer in the analysis CRS, or declare the CRS with "
                       f"gdf.set_crs(...)")
    crs = as_crs(value, where=what)
    if is_metric(crs):
        return crs
    if crs.is_geographic:
        reason = "a geographic CRS, in degrees"
    elif crs.is_projected:
        units = sorted({axis.unit_name for axis in crs.axis_info[:2]})
        reason = f"its axes are in {', '.join(units) or 'no unit'}"
    else:
        reason = "not a projected CRS"
    raise CRSError(f"{what} is {crs.name!r}, which is not projected in metres ({reason}); areas "
                   f"and distances need a metric CRS. Fix: {fix}.")


def datum_kind(crs: CRS) -> Literal["vn2000", "wgs84", "other"]:
    """The datum family of a CRS: VN-2000, WGS 84 (any realisation) or another one."""
    geodetic = crs.geodetic_crs
    if geodetic is None or geodetic.datum is None:
        return "other"
    name = geodetic.datum.name
    if name in ("Vietnam 2000", "Vietnam_2000"):
        return "vn2000"
    if name.startswith("World Geodetic System 1984") or name == "WGS_1984":
        return "wgs84"
    return "other"


def describe(value: Any) -> str:
    """A CRS for a message: ``"EPSG:9210 (VN-2000 / TM-3 105-45)"``; the input when unreadable."""
    try:
        crs = value if isinstance(value, CRS) else CRS.from_user_input(value)
    except (PyprojCRSError, TypeError, ValueError):
        return repr(value)
    return f"{crs_label(crs)} ({crs.name})" if crs.to_epsg() else crs.name
