"""The VN-2000 registry: TM-3 zones, province meridians, province names.

Pure tables and their lookup (no PROJ call): :data:`TM3_ZONES` (central meridian -> EPSG code
of the VN-2000 / TM-3 zone), the central meridians of the 63 provinces before 1 July 2025
(:data:`PROVINCES_63`, Circular 973/2001) and of the 34 provinces since then
(:data:`PROVINCES_34`, the Circular 24/2025/TT-BNNMT appendix as reported secondhand), the merger
table (:data:`MERGED_INTO_2025`) and the places where the sources disagree
(:data:`MERIDIAN_CONFLICTS`). The numbers and their sources are in ``domain-facts.md`` §1.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from geoplan.errors import CRSError
from geoplan.names import place_key

__all__ = [
    "DEPRECATED_TM3",
    "MERGED_INTO_2025",
    "MERIDIAN_CONFLICTS",
    "PROVINCES_34",
    "PROVINCES_63",
    "TM3_ZONES",
    "UTM_48N",
    "UTM_49N",
    "VIETNAM_BOUNDS_WGS84",
    "VN2000",
    "WGS84",
    "MeridianConflict",
    "Scheme",
    "format_meridian",
    "name_index",
    "province_name",
    "scheme_table",
]

Scheme = Literal["2025", "1999"]

VN2000 = "EPSG:4756"
"""VN-2000 geographic 2D (datum Vietnam 2000 on the WGS 84 ellipsoid)."""
WGS84 = "EPSG:4326"
UTM_48N = "EPSG:32648"
UTM_49N = "EPSG:32649"


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

DEPRECATED_TM3: dict[int, int] = {6956: 5896, 6957: 5897, 6958: 5898, 6959: 5899}
"""Deprecated EPSG code -> its replacement (the deprecated ones swap false easting/northing)."""

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


def scheme_table(scheme: Scheme) -> dict[str, float]:
    """Province -> central meridian of a scheme ("2025": 34 provinces, "1999": 63)."""
    if scheme == "2025":
        return PROVINCES_34
    if scheme == "1999":
        return PROVINCES_63
    raise CRSError(f"unknown province scheme {scheme!r}; use '2025' (34 provinces) or '1999' (63)")


@functools.cache
def name_index(scheme: Scheme) -> dict[str, str]:
    """:func:`~geoplan.names.place_key` of every province name and alias -> official name."""
    index = {place_key(name): name for name in scheme_table(scheme)}
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
    table = scheme_table(scheme)
    if not isinstance(name, str) or not name.strip():
        raise CRSError(f"province name must be a non-empty string, got {name!r}")
    key = place_key(name)
    found = name_index(scheme).get(key)
    if found is not None:
        return found
    if scheme == "2025":
        old = name_index("1999").get(key)
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
