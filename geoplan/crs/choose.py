"""Which CRS a plan is analysed in: the province's meridian (with its disputes), the zone.

:func:`province_meridian` resolves a documented conflict or a planner's choice;
:func:`analysis_crs` picks the metric CRS of every area and distance: an explicit override, else
the province's TM-3 zone, else WGS 84 / UTM 48N or 49N.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

from pyproj import CRS

from geoplan.crs.parse import crs_label, parse_crs, require_metric_crs
from geoplan.crs.zones import (
    MERGED_INTO_2025,
    MERIDIAN_CONFLICTS,
    PROVINCES_34,
    PROVINCES_63,
    TM3_ZONES,
    UTM_48N,
    UTM_49N,
    MeridianConflict,
    Scheme,
    format_meridian,
    name_index,
    province_name,
    scheme_table,
)
from geoplan.errors import CRSError
from geoplan.names import place_key
from geoplan.problems import log_text

__all__ = [
    "analysis_crs",
    "candidate_crss",
    "meridian_conflict",
    "province_crs",
    "province_meridian",
]

log = logging.getLogger(__name__)

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
    new = name_index("2025").get(key)
    old = name_index("1999").get(key)
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
    value = scheme_table(scheme)[official]
    conflict = MERIDIAN_CONFLICTS.get(official) if scheme == "2025" else None
    if choice is None:
        if conflict is not None:
            log.warning("%s", log_text("log.meridian_disputed", province=official,
                                       options=_options_text(conflict),
                                       value=format_meridian(value)))
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
    return require_metric_crs(
        crs,
        what=f"the analysis CRS from {origin}",
        fix='set a metric CRS such as the province\'s VN-2000 TM-3 zone (e.g. "EPSG:9210") or '
        'UTM ("EPSG:32648")',
    )
