"""Coordinate reference systems: VN-2000 registry, pinned transformations, analysis CRS.

Everything geoplan knows about VN-2000 lives in this package (the numbers and their sources are
in ``domain-facts.md`` §1); every public name is importable from ``geoplan.crs``:

* :mod:`~geoplan.crs.zones` -- the registry: :data:`TM3_ZONES` (central meridian -> EPSG code of
  the VN-2000 / TM-3 zone), the central meridians of the 63 provinces before 1 July 2025
  (:data:`PROVINCES_63`, the Circular 973/2001 table) and of the 34 provinces since then
  (:data:`PROVINCES_34`, the Circular 24/2025/TT-BNNMT appendix as reported secondhand), the
  places where the sources disagree (:data:`MERIDIAN_CONFLICTS`), province names;
* :mod:`~geoplan.crs.parse` -- reading a CRS (:func:`parse_crs`), its label and risks
  (:func:`crs_label`, :func:`crs_warnings`) and the one metric check (:func:`require_metric_crs`);
* :mod:`~geoplan.crs.transform` -- :func:`transformer` always uses the official MONRE parameters
  (Decision 05/2007/QĐ-BTNMT = **EPSG:6960** "VN-2000 to WGS 84 (2)") whenever a VN-2000 datum
  meets WGS 84. PROJ's default would silently switch to EPSG:5194 (Total's Mekong parameters,
  ≈0.8 m different) inside the DBSCL box 9.35–11.04 N, 104.24–107.11 E, which holds
  Hồ Chí Minh City. :func:`to_crs` / :func:`to_wgs84` are the only way geoplan reprojects;
* :mod:`~geoplan.crs.choose` -- the analysis CRS, :func:`analysis_crs`: an explicit override,
  else the province's TM-3 zone (:func:`province_meridian`, with its disputes), else WGS 84 /
  UTM 48N or 49N. Every area and distance is computed in it (metres);
* :mod:`~geoplan.crs.diagnose` -- :func:`diagnose_extent` recognises the usual ways a layer ends
  up in the wrong place (X/Y swapped, lat/lon order, VN-2000 metres declared as degrees, wrong
  TM-3 zone, a missing ≈220 m datum shift) by trying reinterpretations of a sample of features.

Axis order: Vietnamese documents write X = northing, Y = easting. Everything here is
(easting, northing) / (longitude, latitude): every transformer is built with ``always_xy=True``.
"""

from __future__ import annotations

from geoplan.crs.choose import (
    analysis_crs,
    candidate_crss,
    meridian_conflict,
    province_crs,
    province_meridian,
)
from geoplan.crs.diagnose import Diagnosis, diagnose_extent
from geoplan.crs.parse import (
    crs_label,
    crs_warnings,
    is_metric,
    parse_crs,
    require_metric_crs,
)
from geoplan.crs.transform import (
    OFFICIAL_OPERATION,
    to_crs,
    to_wgs84,
    transform_points,
    transformer,
)
from geoplan.crs.zones import (
    MERGED_INTO_2025,
    MERIDIAN_CONFLICTS,
    PROVINCES_34,
    PROVINCES_63,
    TM3_ZONES,
    UTM_48N,
    UTM_49N,
    VIETNAM_BOUNDS_WGS84,
    VN2000,
    WGS84,
    MeridianConflict,
    format_meridian,
    province_name,
)

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
    "require_metric_crs",
    "to_crs",
    "to_wgs84",
    "transform_points",
    "transformer",
]
