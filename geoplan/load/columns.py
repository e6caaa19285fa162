"""Coordinate columns of a table the plan does not name, found as GDAL and QGIS find them.

A CSV or Excel table whose plan entry gives no ``x_field`` / ``y_field`` is searched for one
longitude column (``lon``, ``lng``, ``long``, ``longitude``, ``kinh_do`` / "kinh độ", ``x``) and
one latitude column (``lat``, ``latitude``, ``vi_do`` / "vĩ độ", ``y``) -- names compared
without case, spaces or diacritics, the spellings GDAL's CSV driver, QGIS's "Add delimited
text layer" and pandas users expect. The pair is taken only when its values are WGS 84 degrees
inside Vietnam; the load stage then reads the table as EPSG:4326 and notes which columns were
used. VN-2000 metre columns are never guessed: in Vietnamese documents X is the northing, so a
guess would swap the axes; such tables must name ``x_field`` and ``y_field``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geoplan.crs import VIETNAM_BOUNDS_WGS84
from geoplan.kinds import fold

__all__ = ["LATITUDE_NAMES", "LONGITUDE_NAMES", "CoordinateColumns", "coordinate_candidates",
           "degrees_in_vietnam"]

#: Longitude column names, best first (folded: no case, diacritics or spaces).
LONGITUDE_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo",
                                    "x")
#: Latitude column names, best first.
LATITUDE_NAMES: tuple[str, ...] = ("lat", "latitude", "vi_do", "vido", "y")

#: Share of the rows with coordinates that must lie inside Vietnam for the pair to be taken
#: (the rest are reported feature by feature by the extent check).
MIN_SHARE_INSIDE = 0.9


@dataclass(frozen=True)
class CoordinateColumns:
    """The longitude and latitude columns found in a table."""

    x_field: str
    y_field: str


def _key(name: str) -> str:
    return fold(name).strip().replace(" ", "_").replace("-", "_")


def coordinate_candidates(columns: Sequence[str]) -> CoordinateColumns | None:
    """The (longitude, latitude) column pair a table's header suggests, or ``None``.

    The first longitude name of :data:`LONGITUDE_NAMES` present wins, and the latitude name
    of the same family (``lon`` with ``lat``, ``kinh_do`` with ``vi_do``, ``x`` with ``y``)
    first, then any other.

    >>> coordinate_candidates(["Tên", "Kinh độ", "Vĩ độ"])
    CoordinateColumns(x_field='Kinh độ', y_field='Vĩ độ')
    >>> coordinate_candidates(["id", "X", "Y"])
    CoordinateColumns(x_field='X', y_field='Y')
    >>> coordinate_candidates(["id", "easting"]) is None
    True
    """
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(_key(str(c)), str(c))
    lon = next((by_key[k] for k in LONGITUDE_NAMES if k in by_key), None)
    lat = next((by_key[k] for k in LATITUDE_NAMES if k in by_key), None)
    if lon is None or lat is None:
        return None
    if _key(lon) in ("x",) and _key(lat) != "y" and "y" in by_key:
        lat = by_key["y"]
    return CoordinateColumns(lon, lat)


def degrees_in_vietnam(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether coordinates read as (longitude, latitude) are WGS 84 degrees inside Vietnam:
    at least :data:`MIN_SHARE_INSIDE` of the rows that have both, and at least one row.

    >>> degrees_in_vietnam(np.array([105.8, 106.1]), np.array([21.0, 20.9]))
    True
    >>> degrees_in_vietnam(np.array([2_330_000.0]), np.array([590_000.0]))  # VN-2000 X, Y
    False
    """
    x0, y0, x1, y1 = VIETNAM_BOUNDS_WGS84
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    inside = (x[ok] >= x0) & (x[ok] <= x1) & (y[ok] >= y0) & (y[ok] <= y1)
    return bool(inside.mean() >= MIN_SHARE_INSIDE)
