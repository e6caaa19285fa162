"""Coordinate reference systems: VN-2000 registry, pinned transformations, analysis CRS.

Everything geoplan knows about VN-2000 lives here (the numbers and their sources are in
``domain-facts.md`` §1):

* the registry -- :data:`TM3_ZONES` (central meridian -> EPSG code of the VN-2000 / TM-3 zone),
  the central meridians of the 63 provinces before 1 July 2025 (:data:`PROVINCES_63`, the
  Circular 973/2001 table) and of the 34 provinces since then (:data:`PROVINCES_34`, the
  Circular 24/2025/TT-BNNMT appendix as reported secondhand), and the places where the sources
  disagree (:data:`MERIDIAN_CONFLICTS`);
* the transformation -- :func:`transformer` always uses the official MONRE parameters
  (Decision 05/2007/QĐ-BTNMT = **EPSG:6960** "VN-2000 to WGS 84 (2)") whenever a VN-2000 datum
  meets WGS 84. PROJ's default would silently switch to EPSG:5194 (Total's Mekong parameters,
  ≈0.8 m different) inside the DBSCL box 9.35–11.04 N, 104.24–107.11 E, which holds
  Hồ Chí Minh City. :func:`to_crs` / :func:`to_wgs84` are the only way geoplan reprojects;
* the analysis CRS -- :func:`analysis_crs`: an explicit override, else the province's TM-3 zone,
  else WGS 84 / UTM 48N or 49N. Every area and distance is computed in it (metres);
* extent diagnosis -- :func:`diagnose_extent` recognises the usual ways a layer ends up in the
  wrong place (X/Y swapped, lat/lon order, VN-2000 metres declared as degrees, wrong TM-3 zone,
  a missing ≈220 m datum shift) by trying reinterpretations of a sample of features.

Axis order: Vietnamese documents write X = northing, Y = easting. Everything here is
(easting, northing) / (longitude, latitude): every transformer is built with ``always_xy=True``.
"""

from __future__ import annotations

import difflib
import functools
import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.crs import ProjectedCRS
from pyproj.exceptions import CRSError as PyprojCRSError
from pyproj.exceptions import ProjError
from pyproj.transformer import TransformerGroup
from shapely.geometry.base import BaseGeometry

from geoplan.errors import CRSError
from geoplan.names import place_key

__all__ = [
    "MERGED_INTO_2025",
    "MERIDIAN_CONFLICTS",
    "OFFICIAL_OPERATION",
    "PROVINCES_34",
    "PROVINCES_63",
    "TM3_ZONES",
    "UTM_48N",
    "UTM_49N",
    "VIETNAM_BOUNDS_WGS84",
    "VN2000",
    "WGS84",
    "Diagnosis",
    "MeridianConflict",
    "analysis_crs",
    "candidate_crss",
    "crs_label",
    "crs_warnings",
    "diagnose_extent",
    "format_meridian",
    "is_metric",
    "meridian_conflict",
    "parse_crs",
    "province_crs",
    "province_meridian",
    "province_name",
    "to_crs",
    "to_wgs84",
    "transform_points",
    "transformer",
]

logger = logging.getLogger(__name__)

Scheme = Literal["2025", "1999"]

VN2000 = "EPSG:4756"
"""VN-2000 geographic 2D (datum Vietnam 2000 on the WGS 84 ellipsoid)."""
WGS84 = "EPSG:4326"
UTM_48N = "EPSG:32648"
UTM_49N = "EPSG:32649"

OFFICIAL_OPERATION = "EPSG:6960"
"""VN-2000 to WGS 84 (2): the MONRE 7 parameters of Decision 05/2007/QĐ-BTNMT."""
_OFFICIAL_CODE = 6960
_OFFICIAL_NAME = "VN-2000 to WGS 84 (2)"
_VN_TO_WGS_RE = re.compile(r"VN-2000 to WGS 84")

# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

TM3_ZONES: dict[float, int] = {
    102.0: 5896,  # TM-3 zone 481
    103.0: 9205,
    104.0: 9206,
    104.5: 9207,
    104.75: 9208,
    105.0: 5897,  # TM-3 zone 482 (EPSG has no separate 105-00 code)
    105.5: 9209,
    105.75: 9210,
    106.0: 9211,
    106.25: 9212,
    106.5: 9213,
    107.0: 9214,
    107.25: 9215,
    107.5: 9216,
    107.75: 5899,  # TM-3 107-45
    108.0: 5898,  # TM-3 zone 491 (EPSG has no separate 108-00 code)
    108.25: 9217,
    108.5: 9218,
}
"""Central meridian (decimal degrees) -> EPSG code of the VN-2000 / TM-3 zone.

All zones: lat0 = 0, k0 = 0.9999, FE = 500 000 m, FN = 0 (domain-facts §1.3, read from proj.db).
The deprecated EPSG:6956–6959 (false easting and northing swapped) are never used.
"""

_DEPRECATED_TM3: dict[int, int] = {6956: 5896, 6957: 5897, 6958: 5898, 6959: 5899}

PROVINCES_63: dict[str, float] = {
    # Circular 973/2001/TT-TCĐC table (domain-facts §1.4); agrees with the EPSG areas of use.
    "Lai Châu": 103.0,
    "Điện Biên": 103.0,
    "Sơn La": 104.0,
    "Lào Cai": 104.75,
    "Yên Bái": 104.75,
    "Hà Giang": 105.5,
    "Tuyên Quang": 106.0,
    "Phú Thọ": 104.75,
    "Vĩnh Phúc": 105.0,
    "Cao Bằng": 105.75,
    "Lạng Sơn": 107.25,
    "Bắc Kạn": 106.5,
    "Thái Nguyên": 106.5,
    "Bắc Giang": 107.0,
    "Bắc Ninh": 105.5,
    "Quảng Ninh": 107.75,
    "Hải Phòng": 105.75,
    "Hải Dương": 105.5,
    "Hưng Yên": 105.5,
    "Hà Nội": 105.0,
    "Hòa Bình": 106.0,
    "Hà Nam": 105.0,
    "Nam Định": 105.5,
    "Thái Bình": 105.5,
    "Ninh Bình": 105.0,
    "Thanh Hóa": 105.0,
    "Nghệ An": 104.75,
    "Hà Tĩnh": 105.5,
    "Quảng Bình": 106.0,
    "Quảng Trị": 106.25,
    "Thừa Thiên Huế": 107.0,
    "Đà Nẵng": 107.75,
    "Quảng Nam": 107.75,
    "Quảng Ngãi": 108.0,
    "Bình Định": 108.25,
    "Kon Tum": 107.5,
    "Gia Lai": 108.5,
    "Đắk Lắk": 108.5,
    "Đắk Nông": 108.5,
    "Phú Yên": 108.5,
    "Khánh Hòa": 108.25,
    "Ninh Thuận": 108.25,
    "Bình Thuận": 108.5,
    "Lâm Đồng": 107.75,
    "Bình Dương": 105.75,
    "Bình Phước": 106.25,
    "Đồng Nai": 107.75,
    "Bà Rịa - Vũng Tàu": 107.75,
    "Tây Ninh": 105.5,
    "Long An": 105.75,
    "Tiền Giang": 105.75,
    "Bến Tre": 105.75,
    "Đồng Tháp": 105.0,
    "Vĩnh Long": 105.5,
    "Trà Vinh": 105.5,
    "An Giang": 104.75,
    "Kiên Giang": 104.5,
    "Cần Thơ": 105.0,
    "Hậu Giang": 105.0,
    "Sóc Trăng": 105.5,
    "Bạc Liêu": 105.0,
    "Cà Mau": 104.5,
    "Hồ Chí Minh": 105.75,
}
"""The 63 provinces before 1 July 2025 -> central meridian of their TM-3 zone."""

PROVINCES_34: dict[str, float] = {
    # Circular 24/2025/TT-BNNMT as given by webgis-vinhlong/VN2000 (domain-facts §1.5, [S]).
    # Where another source disagrees the value here is the TT24/webgis one; see
    # MERIDIAN_CONFLICTS for the alternatives.
    "Hà Nội": 105.0,
    "Cao Bằng": 105.75,
    "Tuyên Quang": 106.0,
    "Điện Biên": 103.0,
    "Lai Châu": 104.75,  # conflict: 103°00′ in Circular 973 and EPSG:9205
    "Sơn La": 104.0,
    "Lào Cai": 104.75,
    "Thái Nguyên": 106.5,
    "Lạng Sơn": 107.25,
    "Quảng Ninh": 107.75,
    "Bắc Ninh": 107.0,
    "Phú Thọ": 104.75,
    "Hải Phòng": 105.75,
    "Hưng Yên": 105.5,
    "Ninh Bình": 105.0,
    "Thanh Hóa": 105.0,
    "Nghệ An": 104.75,
    "Hà Tĩnh": 105.5,
    "Quảng Trị": 106.0,  # conflict: 106°15′ in another TT24 transcription
    "Huế": 107.0,
    "Đà Nẵng": 107.75,
    "Quảng Ngãi": 108.0,
    "Gia Lai": 108.25,
    "Đắk Lắk": 108.5,
    "Khánh Hòa": 108.25,
    "Lâm Đồng": 107.75,
    "Đồng Nai": 107.75,
    "Hồ Chí Minh": 105.75,
    "Tây Ninh": 105.75,  # conflict: 105°30′ in another TT24 transcription
    "Đồng Tháp": 105.0,
    "Vĩnh Long": 105.5,
    "Cần Thơ": 105.0,
    "An Giang": 104.75,
    "Cà Mau": 104.5,
}
"""The 34 provinces since 1 July 2025 -> central meridian (TT24/webgis value)."""

MERGED_INTO_2025: dict[str, str] = {
    # Resolution 202/2025/QH15: which 2025 province each pre-2025 province became part of.
    "Lai Châu": "Lai Châu",
    "Điện Biên": "Điện Biên",
    "Sơn La": "Sơn La",
    "Lào Cai": "Lào Cai",
    "Yên Bái": "Lào Cai",
    "Hà Giang": "Tuyên Quang",
    "Tuyên Quang": "Tuyên Quang",
    "Phú Thọ": "Phú Thọ",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Cao Bằng": "Cao Bằng",
    "Lạng Sơn": "Lạng Sơn",
    "Bắc Kạn": "Thái Nguyên",
    "Thái Nguyên": "Thái Nguyên",
    "Bắc Giang": "Bắc Ninh",
    "Bắc Ninh": "Bắc Ninh",
    "Quảng Ninh": "Quảng Ninh",
    "Hải Phòng": "Hải Phòng",
    "Hải Dương": "Hải Phòng",
    "Hưng Yên": "Hưng Yên",
    "Thái Bình": "Hưng Yên",
    "Hà Nội": "Hà Nội",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Ninh Bình": "Ninh Bình",
    "Thanh Hóa": "Thanh Hóa",
    "Nghệ An": "Nghệ An",
    "Hà Tĩnh": "Hà Tĩnh",
    "Quảng Bình": "Quảng Trị",
    "Quảng Trị": "Quảng Trị",
    "Thừa Thiên Huế": "Huế",
    "Đà Nẵng": "Đà Nẵng",
    "Quảng Nam": "Đà Nẵng",
    "Quảng Ngãi": "Quảng Ngãi",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Gia Lai": "Gia Lai",
    "Đắk Lắk": "Đắk Lắk",
    "Phú Yên": "Đắk Lắk",
    "Đắk Nông": "Lâm Đồng",
    "Khánh Hòa": "Khánh Hòa",
    "Ninh Thuận": "Khánh Hòa",
    "Bình Thuận": "Lâm Đồng",
    "Lâm Đồng": "Lâm Đồng",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Hồ Chí Minh": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Đồng Nai": "Đồng Nai",
    "Tây Ninh": "Tây Ninh",
    "Long An": "Tây Ninh",
    "Tiền Giang": "Đồng Tháp",
    "Đồng Tháp": "Đồng Tháp",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Vĩnh Long": "Vĩnh Long",
    "An Giang": "An Giang",
    "Kiên Giang": "An Giang",
    "Cần Thơ": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Sóc Trăng": "Cần Thơ",
    "Bạc Liêu": "Cà Mau",
    "Cà Mau": "Cà Mau",
}
"""Pre-2025 province -> the 2025 province it belongs to (Resolution 202/2025/QH15)."""


@dataclass(frozen=True)
class MeridianConflict:
    """Sources disagree on a province's central meridian.

    ``default`` is what :func:`province_meridian` returns without a ``choice`` (the TT24/webgis
    value); ``options`` maps a source label to the meridian it gives.
    """

    province: str
    scheme: Scheme
    default: float
    options: Mapping[str, float]
    note: str


MERIDIAN_CONFLICTS: dict[str, MeridianConflict] = {
    "Quảng Trị": MeridianConflict(
        province="Quảng Trị",
        scheme="2025",
        default=106.0,
        options={"tt24": 106.0, "webgis": 106.0, "dxf": 106.25},
        note=(
            "webgis-vinhlong/VN2000 (aligned with Circular 24/2025/TT-BNNMT) gives 106°00′ "
            "(the meridian of the old Quảng Bình); another transcription of the same circular "
            "(a DXF exporter) gives 106°15′ (the old Quảng Trị value). Primary text not read."
        ),
    ),
    "Tây Ninh": MeridianConflict(
        province="Tây Ninh",
        scheme="2025",
        default=105.75,
        options={"tt24": 105.75, "webgis": 105.75, "dxf": 105.5},
        note=(
            "webgis-vinhlong/VN2000 (aligned with Circular 24/2025/TT-BNNMT) gives 105°45′ "
            "(the meridian of the old Long An); another transcription (a DXF exporter) gives "
            "105°30′ (the old Tây Ninh value). Primary text not read."
        ),
    ),
    "Lai Châu": MeridianConflict(
        province="Lai Châu",
        scheme="2025",
        default=104.75,
        options={"tt24": 104.75, "webgis": 104.75, "epsg": 103.0, "circular973": 103.0},
        note=(
            "Circular 24/2025 (as reported) moves Lai Châu to 104°45′ for new provincial maps; "
            "Circular 973/2001 and the EPSG area of use (EPSG:9205, v11.022) keep 103°00′, "
            "which existing cadastral and planning data use."
        ),
    ),
}
"""Provinces (2025 scheme) whose central meridian the sources disagree on."""

VIETNAM_BOUNDS_WGS84: tuple[float, float, float, float] = (101.5, 6.0, 118.0, 24.0)
"""A generous (lon_min, lat_min, lon_max, lat_max) box around Vietnam, islands included
(mainland 102.14–109.47 E, 8.4–23.4 N; Hoàng Sa and Trường Sa up to ≈117.8 E, down to ≈6.5 N)."""

# --------------------------------------------------------------------------------------------
# Province names
# --------------------------------------------------------------------------------------------

_ALIASES: dict[Scheme, dict[str, str]] = {
    "2025": {
        "hcm": "Hồ Chí Minh",
        "tphcm": "Hồ Chí Minh",
        "hcmc": "Hồ Chí Minh",
        "saigon": "Hồ Chí Minh",
        "condao": "Hồ Chí Minh",
        "thuathienhue": "Huế",
        "daclac": "Đắk Lắk",
    },
    "1999": {
        "hcm": "Hồ Chí Minh",
        "tphcm": "Hồ Chí Minh",
        "hcmc": "Hồ Chí Minh",
        "saigon": "Hồ Chí Minh",
        "hue": "Thừa Thiên Huế",
        "brvt": "Bà Rịa - Vũng Tàu",
        "vungtau": "Bà Rịa - Vũng Tàu",
        "condao": "Bà Rịa - Vũng Tàu",
        "daclac": "Đắk Lắk",
        "dacnong": "Đắk Nông",
    },
}


def _table(scheme: Scheme) -> dict[str, float]:
    if scheme == "2025":
        return PROVINCES_34
    if scheme == "1999":
        return PROVINCES_63
    raise CRSError(f"unknown province scheme {scheme!r}; use '2025' (34 provinces) or '1999' (63)")


@functools.cache
def _index(scheme: Scheme) -> dict[str, str]:
    index = {place_key(name): name for name in _table(scheme)}
    index.update(_ALIASES[scheme])
    return index


def province_name(name: str, *, scheme: Scheme = "2025") -> str:
    """Return the official name of a province, matching loosely.

    Diacritics, case, punctuation and prefixes such as "Tỉnh", "Thành phố", "TP." are ignored.

    >>> province_name("TP. HCM")
    'Hồ Chí Minh'
    >>> province_name("thanh hoa", scheme="1999")
    'Thanh Hóa'
    """
    table = _table(scheme)
    if not isinstance(name, str) or not name.strip():
        raise CRSError(f"province name must be a non-empty string, got {name!r}")
    key = place_key(name)
    found = _index(scheme).get(key)
    if found is not None:
        return found
    if scheme == "2025":
        old = _index("1999").get(key)
        if old is not None:
            new = MERGED_INTO_2025[old]
            raise CRSError(
                f"province {name!r} is a pre-2025 province, part of {new!r} since 1 July 2025. "
                f"Fix: use province {new!r}, or scheme='1999' for data drawn in the old "
                f"province's meridian ({format_meridian(PROVINCES_63[old])})."
            )
    folded = {place_key(n): n for n in table}
    close = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.6)
    hint = (
        f" Did you mean {', '.join(repr(folded[c]) for c in close)}?"
        if close
        else f" Known provinces: {', '.join(sorted(table))}."
    )
    count = "34 provinces since 1 July 2025" if scheme == "2025" else "63 provinces before 2025"
    raise CRSError(f"unknown province {name!r} (scheme {scheme!r}: the {count}).{hint}")


def format_meridian(lon0: float) -> str:
    """Format a central meridian the Vietnamese way: ``105.75`` -> ``"105°45′"``."""
    degrees = math.floor(lon0 + 1e-9)
    minutes = round((lon0 - degrees) * 60)
    return f"{degrees}°{minutes:02d}′"


_DMS_RE = re.compile(r"^\s*(\d{2,3})\s*(?:°|-|\s|d)\s*(\d{1,2})\s*(?:′|'|m)?\s*$")


def _parse_meridian(value: float | str) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _DMS_RE.match(value)
    if match:
        return int(match.group(1)) + int(match.group(2)) / 60
    try:
        return float(value)
    except ValueError:
        return None


def _candidate_meridians(name: str) -> list[float]:
    """Meridians plausible for a province name of either scheme, most likely first."""
    key = place_key(name)
    new = _index("2025").get(key)
    old = _index("1999").get(key)
    if new is None and old is None:
        province_name(name, scheme="2025")  # raises with close matches
    values: list[float] = []

    def add_new(province: str) -> None:
        values.append(PROVINCES_34[province])
        conflict = MERIDIAN_CONFLICTS.get(province)
        if conflict is not None:
            values.extend(conflict.options.values())
        values.extend(PROVINCES_63[o] for o, n in MERGED_INTO_2025.items() if n == province)

    if new is not None:
        add_new(new)
    if old is not None:
        values.append(PROVINCES_63[old])
        if new is None:
            add_new(MERGED_INTO_2025[old])
    return list(dict.fromkeys(values))


def province_meridian(
    name: str, *, scheme: Scheme = "2025", choice: float | str | None = None
) -> float:
    """Central meridian (decimal degrees) of a province's VN-2000 TM-3 zone.

    Parameters
    ----------
    name : str
        Province name, matched loosely (see :func:`province_name`).
    scheme : {"2025", "1999"}
        ``"2025"``: the 34 provinces since 1 July 2025 (Circular 24/2025); ``"1999"``: the 63
        provinces before, with the Circular 973/2001 meridians (what most existing data use).
    choice : float or str, optional
        Resolve a documented conflict or pick another plausible meridian of the province: a value
        (``106.25``, ``"106°15′"``, ``"106-15"``) or a source label of
        :data:`MERIDIAN_CONFLICTS` (``"dxf"``, ``"epsg"``, ``"tt24"``). Without it a conflicting
        province gets the TT24/webgis value and a logged warning (see
        :func:`meridian_conflict`).

    >>> province_meridian("Hà Nội")
    105.0
    >>> province_meridian("Quảng Trị", scheme="1999")
    106.25
    """
    official = province_name(name, scheme=scheme)
    value = _table(scheme)[official]
    conflict = MERIDIAN_CONFLICTS.get(official) if scheme == "2025" else None
    if choice is None:
        if conflict is not None:
            logger.warning(
                "central meridian of %s is disputed (%s); using %s. Pass choice= to pick.",
                official,
                _options_text(conflict),
                format_meridian(value),
            )
        return value
    allowed: dict[str, float] = dict(conflict.options) if conflict is not None else {}
    if isinstance(choice, str) and choice.strip().lower() in allowed:
        return allowed[choice.strip().lower()]
    picked = _parse_meridian(choice)
    plausible = _candidate_meridians(official)
    if picked is not None:
        for candidate in plausible:
            if abs(candidate - picked) < 1e-6:
                return candidate
    labels = ", ".join(f"{format_meridian(m)} ({m})" for m in plausible)
    sources = f"; or a source label: {', '.join(sorted(allowed))}" if allowed else ""
    raise CRSError(
        f"meridian choice {choice!r} is not plausible for {official} (scheme {scheme}). "
        f"Fix: choose one of {labels}{sources}, or set an explicit CRS instead."
    )


def _options_text(conflict: MeridianConflict) -> str:
    by_value: dict[float, list[str]] = {}
    for label, value in conflict.options.items():
        by_value.setdefault(value, []).append(label)
    return " vs ".join(
        f"{format_meridian(v)} ({'/'.join(labels)})" for v, labels in by_value.items()
    )


def meridian_conflict(name: str, *, scheme: Scheme = "2025") -> str | None:
    """A warning text when the sources disagree on this province's meridian, else ``None``.

    >>> meridian_conflict("Hà Nội") is None
    True
    >>> "106°15′" in meridian_conflict("Quảng Trị")
    True
    """
    if scheme != "2025":
        province_name(name, scheme=scheme)
        return None
    official = province_name(name, scheme=scheme)
    conflict = MERIDIAN_CONFLICTS.get(official)
    if conflict is None:
        return None
    return (
        f"central meridian of {official} is disputed: {_options_text(conflict)}; geoplan uses "
        f"{format_meridian(conflict.default)} (EPSG:{TM3_ZONES[conflict.default]}) unless the "
        f"plan chooses. {conflict.note}"
    )


def province_crs(name: str, *, scheme: Scheme = "2025", choice: float | str | None = None) -> CRS:
    """The VN-2000 / TM-3 CRS (an EPSG code) of a province.

    >>> province_crs("TP Hồ Chí Minh").to_epsg()
    9210
    """
    return CRS.from_epsg(TM3_ZONES[province_meridian(name, scheme=scheme, choice=choice)])


def candidate_crss(name: str | None = None) -> list[CRS]:
    """TM-3 zones plausible for a province (old and new meridians), or all of them.

    The central meridian belongs to the *dataset*, not to the province name: data drawn before
    the 2025 merger keep the meridian of the old province. For a 2025 province the list holds its
    TT24 meridian, any disputed alternative, and the meridians of the provinces merged into it;
    for a pre-2025 name, its own meridian and that of the 2025 province it became part of.
    """
    if name is None:
        return [CRS.from_epsg(code) for _, code in sorted(TM3_ZONES.items())]
    return [CRS.from_epsg(TM3_ZONES[m]) for m in _candidate_meridians(name)]


# --------------------------------------------------------------------------------------------
# Parsing and properties
# --------------------------------------------------------------------------------------------


def crs_label(crs: CRS) -> str:
    """A short, re-parsable label: ``"EPSG:9210"`` when the CRS has a code, else PROJ/WKT."""
    authority = crs.to_authority(min_confidence=100)
    if authority is not None:
        return f"{authority[0]}:{authority[1]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
    return proj4 if proj4 else crs.to_wkt()


def _as_crs(value: Any, *, where: str) -> CRS:
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
            if code in _DEPRECATED_TM3:
                raise CRSError(
                    f"EPSG:{code} given for {where} is deprecated: its false easting and "
                    f"northing are swapped (FE 0, FN 500 000). Fix: use "
                    f"EPSG:{_DEPRECATED_TM3[code]} ({CRS.from_epsg(_DEPRECATED_TM3[code]).name})"
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
    crs = _as_crs(value, where=where)
    for message in crs_warnings(crs):
        logger.warning("%s: %s", where, message)
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
        if source is not None and _datum_kind(source) == "vn2000":
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


def _is_web_mercator(crs: CRS) -> bool:
    operation = crs.coordinate_operation if crs.is_projected else None
    return operation is not None and "Pseudo Mercator" in operation.method_name


def analysis_crs(
    *,
    province: str | None = None,
    override: Any = None,
    bounds_wgs84: Sequence[float] | None = None,
    scheme: Scheme = "2025",
    choice: float | str | None = None,
) -> CRS:
    """The metric CRS every area and distance of a plan is computed in.

    Precedence: ``override`` (any CRS input) > the ``province``'s VN-2000 TM-3 zone > WGS 84 /
    UTM 48N (EPSG:32648), or 49N (EPSG:32649) when the centre of ``bounds_wgs84``
    (lon_min, lat_min, lon_max, lat_max) lies at or east of 108° E.

    Raises
    ------
    CRSError
        The result is not projected in metres (e.g. an override of EPSG:4326 or EPSG:3857's
        cousins in feet), or the province is unknown.

    >>> analysis_crs(province="Hà Nội").to_epsg()
    5897
    >>> analysis_crs(bounds_wgs84=(108.5, 12.0, 109.2, 12.6)).to_epsg()
    32649
    """
    if override is not None:
        crs = parse_crs(override, where="the analysis CRS override (plan crs)")
        origin = f"the override {crs_label(crs)}"
    elif province is not None:
        crs = province_crs(province, scheme=scheme, choice=choice)
        origin = f"province {province!r}"
    else:
        lon = 105.0
        if bounds_wgs84 is not None:
            if len(bounds_wgs84) != 4 or not all(map(math.isfinite, bounds_wgs84)):
                raise CRSError(
                    f"bounds_wgs84 must be (lon_min, lat_min, lon_max, lat_max), got "
                    f"{bounds_wgs84!r}"
                )
            lon = (bounds_wgs84[0] + bounds_wgs84[2]) / 2
        crs = CRS.from_user_input(UTM_48N if lon < 108.0 else UTM_49N)
        origin = "the data extent"
    if _is_web_mercator(crs):
        raise CRSError(
            f"the analysis CRS from {origin} is {crs.name!r}: Web Mercator is for display only "
            f"(areas 1.03–1.18× too large in Vietnam). Fix: set the province's VN-2000 TM-3 zone "
            f'(e.g. "EPSG:9210") or UTM ("EPSG:32648").'
        )
    if not is_metric(crs):
        raise CRSError(
            f"the analysis CRS from {origin} is {crs.name!r}, which is not projected in metres; "
            f"areas and distances would be wrong. Fix: set a metric CRS such as the province's "
            f'VN-2000 TM-3 zone (e.g. "EPSG:9210") or UTM ("EPSG:32648").'
        )
    return crs


# --------------------------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------------------------


def _datum_kind(crs: CRS) -> Literal["vn2000", "wgs84", "other"]:
    geodetic = crs.geodetic_crs
    if geodetic is None or geodetic.datum is None:
        return "other"
    name = geodetic.datum.name
    if name in ("Vietnam 2000", "Vietnam_2000"):
        return "vn2000"
    if name.startswith("World Geodetic System 1984") or name == "WGS_1984":
        return "wgs84"
    return "other"


def _strip_vn_bound(crs: CRS) -> CRS:
    """A bound CRS on the VN-2000 datum -> its source CRS (so EPSG:6960 is used, not TOWGS84)."""
    if crs.is_bound and crs.source_crs is not None and _datum_kind(crs.source_crs) == "vn2000":
        return crs.source_crs
    return crs


def _operation_codes(t: Transformer) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for operation in t.operations or ():
        ident = operation.to_json_dict().get("id") or {}
        code = ident.get("code")
        out.append((operation.name, int(code) if isinstance(code, int | str) else None))
    return out


def _is_pinned(t: Transformer) -> bool:
    steps = [(n, c) for n, c in _operation_codes(t) if _VN_TO_WGS_RE.search(n)]
    return bool(steps) and all(c == _OFFICIAL_CODE for _, c in steps)


@functools.lru_cache(maxsize=256)
def _cached_transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    src = CRS.from_wkt(src_wkt)
    dst = CRS.from_wkt(dst_wkt)
    group = TransformerGroup(src, dst, always_xy=True, allow_ballpark=False)
    if not group.transformers:
        raise CRSError(
            f"no transformation from {src.name!r} to {dst.name!r} is available without a "
            f"ballpark (datum-less) shift. Fix: reproject the source data to WGS 84 (EPSG:4326) "
            f"or VN-2000 (EPSG:4756) with known parameters first."
        )
    uses_vn = any(
        _VN_TO_WGS_RE.search(name) for t in group.transformers for name, _ in _operation_codes(t)
    )
    if not uses_vn:
        return Transformer.from_crs(src, dst, always_xy=True, allow_ballpark=False)
    pinned = [t for t in group.transformers if _is_pinned(t)]
    if not pinned:
        raise CRSError(
            f"the official VN-2000 -> WGS 84 transformation {OFFICIAL_OPERATION} "
            f"({_OFFICIAL_NAME}) is not available between {src.name!r} and {dst.name!r}; "
            f"geoplan will not fall back to another one. Fix: check the PROJ database "
            f"(pyproj.datadir) or declare the layers with EPSG codes."
        )
    chosen = pinned[0]
    logger.debug(
        "pinned %s for %s -> %s: %s", OFFICIAL_OPERATION, src.name, dst.name, chosen.description
    )
    return chosen


def transformer(src: Any, dst: Any) -> Transformer:
    """A cached ``always_xy`` transformer; VN-2000 <-> WGS 84 always through EPSG:6960.

    PROJ's default picks EPSG:5194 inside the Mekong box (Hồ Chí Minh City included); this one
    uses the official MONRE operation everywhere, and raises :class:`CRSError` rather than fall
    back to a ballpark when no proper operation exists.

    >>> t = transformer("EPSG:4326", "EPSG:9210")
    >>> [round(v, 3) for v in t.transform(106.6980, 10.7725)]
    [603481.588, 1191454.611]
    """
    src_crs = _strip_vn_bound(_as_crs(src, where="the transformation source"))
    dst_crs = _strip_vn_bound(_as_crs(dst, where="the transformation target"))
    return _cached_transformer(src_crs.to_wkt(), dst_crs.to_wkt())


def transform_points(
    x: Any, y: Any, src: Any, dst: Any, *, strict: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays (x = easting/longitude, y = northing/latitude).

    With ``strict`` (default) a coordinate PROJ cannot transform raises :class:`CRSError`;
    otherwise it comes back as ``inf``/``nan``.
    """
    xs = np.asarray(x, dtype="float64")
    ys = np.asarray(y, dtype="float64")
    if xs.shape != ys.shape:
        raise CRSError(f"x and y must have the same shape, got {xs.shape} and {ys.shape}")
    t = transformer(src, dst)
    if xs.size == 0:
        return xs.copy(), ys.copy()
    try:
        out_x, out_y = t.transform(xs, ys, errcheck=strict)
    except ProjError as exc:
        raise CRSError(
            f"coordinates cannot be transformed from {_name(src)} to {_name(dst)}: {exc}. "
            f"Fix: check that the declared CRS matches the coordinates (see diagnose_extent)."
        ) from exc
    out_x = np.asarray(out_x, dtype="float64")
    out_y = np.asarray(out_y, dtype="float64")
    if strict:
        bad = (np.isfinite(xs) & np.isfinite(ys)) & ~(np.isfinite(out_x) & np.isfinite(out_y))
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise CRSError(
                f"{int(bad.sum())} coordinate(s) cannot be transformed from {_name(src)} to "
                f"{_name(dst)}, e.g. ({xs.ravel()[i]!r}, {ys.ravel()[i]!r}). Fix: check that the "
                f"declared CRS matches the coordinates."
            )
    return out_x, out_y


def _name(value: Any) -> str:
    try:
        crs = value if isinstance(value, CRS) else CRS.from_user_input(value)
    except (PyprojCRSError, TypeError, ValueError):
        return repr(value)
    return f"{crs_label(crs)} ({crs.name})" if crs.to_epsg() else crs.name


def _transform_geometries(
    geoms: np.ndarray, src: CRS, dst: CRS, *, strict: bool = True
) -> np.ndarray:
    def func(coords: np.ndarray) -> np.ndarray:
        out_x, out_y = transform_points(coords[:, 0], coords[:, 1], src, dst, strict=strict)
        if coords.shape[1] == 3:  # heights are kept as they are (ellipsoidal vs orthometric)
            return np.column_stack([out_x, out_y, coords[:, 2]])
        return np.column_stack([out_x, out_y])

    result = np.empty(len(geoms), dtype=object)
    present = ~shapely.is_missing(geoms)
    has_z = np.zeros(len(geoms), dtype=bool)
    has_z[present] = shapely.has_z(geoms[present])
    flat = present & ~has_z
    if flat.any():
        result[flat] = shapely.transform(geoms[flat], func, include_z=False)
    if has_z.any():
        result[has_z] = shapely.transform(geoms[has_z], func, include_z=True)
    result[~present] = None
    return result


def to_crs(gdf: gpd.GeoDataFrame, crs: Any, *, name: str | None = None) -> gpd.GeoDataFrame:
    """Reproject a GeoDataFrame with the pinned transformer; returns a new frame.

    Every geometry column with a CRS is reprojected (the input is not touched); ``None`` and
    empty geometries stay as they are; Z values are kept unchanged.

    Raises
    ------
    CRSError
        The frame has no CRS, or some coordinates cannot be transformed.
    """
    label = f"layer {name!r}" if name else "the layer"
    if gdf.crs is None:
        raise CRSError(
            f"{label} has no CRS, so it cannot be reprojected. Fix: declare its CRS (crs = "
            f'"EPSG:..." in the plan, or gdf.set_crs(...) in code).'
        )
    dst = _as_crs(crs, where=f"the target CRS for {label}")
    out = gdf.copy()
    for column in gdf.columns:
        series = gdf[column]
        if not isinstance(series.dtype, gpd.array.GeometryDtype):
            continue
        src = series.crs
        if src is None:
            if column != gdf.geometry.name:
                continue
            src = gdf.crs
        src = CRS.from_user_input(src)
        if src == dst:
            out[column] = gpd.GeoSeries(series.values, index=gdf.index, crs=dst)
            continue
        try:
            geoms = _transform_geometries(np.asarray(series.array), src, dst)
        except CRSError as exc:
            raise CRSError(f"{label}, column {column!r}: {exc}") from exc
        out[column] = gpd.GeoSeries(geoms, index=gdf.index, crs=dst)
    if out.crs is None or CRS.from_user_input(out.crs) != dst:
        out = out.set_crs(dst, allow_override=True)
    return out


def to_wgs84(gdf: gpd.GeoDataFrame, *, name: str | None = None) -> gpd.GeoDataFrame:
    """:func:`to_crs` to WGS 84 longitude/latitude (EPSG:4326), as render and export want."""
    return to_crs(gdf, WGS84, name=name)


# --------------------------------------------------------------------------------------------
# Extent diagnosis
# --------------------------------------------------------------------------------------------

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
    kind = _datum_kind(crs)
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
    declared = _strip_vn_bound(declared)
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
        [_as_crs(c, where="diagnose_extent candidates") for c in candidates]
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
                f"{_name(declared)}{extent}, and no usual mistake (swapped axes, wrong TM-3 zone, "
                f"metres as degrees, missing datum shift) explains it."
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
        f"{_name(declared)}"
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
            f"{_name(trial.crs)}{swap_note} {share} fall inside.{others}"
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
            f"{_name(trial.crs)}{swap_note} {share} fall inside.{others}"
        )
        fix = declare + (" and swap X and Y" if trial.swap else "")
        return Diagnosis(trial.code, message, fix, suggested, swap_xy=trial.swap)
    # missing-datum-shift
    east, north = _offset_m(base_lon, base_lat, lon, lat)
    total = math.hypot(east, north)
    direction = (
        "VN-2000 coordinates declared as WGS 84"
        if _datum_kind(declared) == "wgs84"
        else "WGS 84 coordinates declared as VN-2000"
    )
    message = (
        f"{head}; they look like {direction}: read as {_name(trial.crs)} they move "
        f"≈{total:.0f} m ({east:+.0f} m E, {north:+.0f} m N) and {share} fall inside. "
        f"A systematic ≈220 m offset is the signature of a missing VN-2000 datum shift."
    )
    return Diagnosis(trial.code, message, declare, suggested)
