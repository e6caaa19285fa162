"""MapInfo TAB/MIF: the ``CoordSys`` of a table mapped to a VN-2000 EPSG code.

GDAL's MapInfo driver reads TAB and MIF/MID (text through :mod:`geoplan.io`, legacy TCVN3/VNI text
through :mod:`geoplan.io.encodings`). What it cannot do is name the CRS: MapInfo stores a
``CoordSys`` clause, not an EPSG code, and Vietnamese MapInfo users write VN-2000 in three ways:

* ``CoordSys Earth Projection 8, 104, "m", 105.5, 0, 0.9999, 500000, 0`` -- Transverse Mercator
  on the WGS 84 datum (104) with the zone's parameters: MapInfo has no VN-2000 datum, and GDAL
  itself writes EPSG:9209 this way. The coordinates are VN-2000 grid coordinates;
* ``Earth Projection 8, 9999, 28, -191.904…, -39.303…, -111.450…, <rotations>, <scale>, 0,
  "m", 105.5, …`` -- a user-defined datum (9999) on the WGS 84 ellipsoid (28) carrying the
  MONRE 7 parameters (either sign convention) or their 3-parameter shortening: "VN-2000 /
  user-defined";
* ``CoordSys NonEarth Units "m" …`` -- plain metres with no CRS at all (a CAD-like table).

:func:`mapinfo_crs` maps the first two to the EPSG code of the TM-3 zone (EPSG:9205–9218,
5896–5899) or of VN-2000 / UTM 48N/49N (3405/3406) -- so every reprojection then goes through the
pinned EPSG:6960 rather than the file's own shift -- and says why when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyproj import CRS

from geoplan.crs import TM3_ZONES, format_meridian
from geoplan.errors import LayerReadError

__all__ = ["MAPINFO_SUFFIXES", "MapInfoCRS", "check_tab_file", "mapinfo_crs"]

MAPINFO_SUFFIXES = (".tab", ".mif")

#: MONRE's shift (Decision 05/2007), metres: what a "VN-2000 / user-defined" datum carries.
_VN_SHIFT = (-191.90441429, -39.30318279, -111.45032835)
_UTM = {(105.0, 0.9996): 3405, (111.0, 0.9996): 3406}


@dataclass(frozen=True)
class MapInfoCRS:
    """What a MapInfo CoordSys is: ``crs`` (an EPSG CRS, the file's CRS unchanged, or ``None``
    when it has none), whether it was ``mapped`` to a code, and a sentence saying so."""

    crs: CRS | None
    mapped: bool
    message: str
    ok: bool = True


def _params(crs: CRS) -> dict[str, float]:
    op = crs.coordinate_operation
    return {p.name: float(p.value) for p in op.params} if op is not None else {}


def _towgs84(crs: CRS) -> tuple[float, ...] | None:
    """The shift of a bound CRS or of a MapInfo ``MIF 9999,…`` datum name, else ``None``."""
    if crs.is_bound and crs.coordinate_operation is not None:
        return tuple(float(p.value) for p in crs.coordinate_operation.params)
    datum = crs.datum.name if crs.datum is not None else ""
    if datum.startswith("MIF 9999"):
        try:
            return tuple(float(v) for v in datum[len("MIF "):].split(",")[2:9])
        except ValueError:
            return None
    return None


def _is_vn2000_shift(shift: tuple[float, ...] | None) -> bool:
    return shift is not None and len(shift) >= 3 and all(
        abs(a - b) < 0.01 for a, b in zip(shift[:3], _VN_SHIFT, strict=False))


def _datum_text(base: CRS) -> str:
    name = base.datum.name if base.datum is not None else "unknown"
    return "user-defined (MapInfo 9999)" if name.startswith("MIF 9999") else repr(name)


def mapinfo_crs(crs: Any) -> MapInfoCRS:
    """The EPSG CRS a MapInfo table's CoordSys stands for.

    >>> wkt = CRS("+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84")
    >>> found = mapinfo_crs(wkt)
    >>> found.crs.to_epsg(), found.mapped
    (9209, True)
    """
    if crs is None:
        return MapInfoCRS(None, False, "the table has no CoordSys")
    crs = crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
    if crs.is_engineering or (not crs.is_geographic and not crs.is_projected and
                              not crs.is_bound):
        return MapInfoCRS(None, False, "the table's CoordSys is NonEarth (plain coordinates, no "
                          "CRS)", ok=False)
    code = crs.to_epsg(min_confidence=90)
    if code is not None and not crs.is_bound:
        return MapInfoCRS(CRS.from_epsg(code), False, f"the CoordSys is EPSG:{code}")
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    shift = _towgs84(crs)
    if base.is_geographic:
        ellipsoid = base.ellipsoid
        if ellipsoid is not None and abs(ellipsoid.semi_major_metre - 6378137.0) < 1e-3:
            if _is_vn2000_shift(shift):
                return MapInfoCRS(CRS.from_epsg(4756), True, "the CoordSys is longitude/latitude "
                                  "on a user-defined VN-2000 datum: EPSG:4756")
            return MapInfoCRS(CRS.from_epsg(4326), code != 4326,
                              "the CoordSys is longitude/latitude on WGS 84: EPSG:4326")
        return MapInfoCRS(crs, False, f"the CoordSys is longitude/latitude on datum "
                          f"{_datum_text(base)}, not VN-2000 or WGS 84", ok=False)
    op = base.coordinate_operation
    method = op.method_name if op is not None else ""
    p = _params(base)
    ellipsoid = base.ellipsoid
    wgs_ellipsoid = ellipsoid is not None and abs(ellipsoid.semi_major_metre - 6378137.0) < 1e-3 \
        and abs(ellipsoid.inverse_flattening - 298.257223563) < 1e-6
    datum_name = base.datum.name if base.datum is not None else ""
    plain_wgs = datum_name.startswith("World Geodetic System 1984") and shift is None
    vn_datum = "Vietnam" in datum_name or "VN-2000" in datum_name or _is_vn2000_shift(shift)
    lon0 = p.get("Longitude of natural origin")
    k0 = p.get("Scale factor at natural origin")
    what = (f"{method or 'an unknown projection'} with central meridian "
            f"{format_meridian(lon0) if lon0 is not None else '?'}, scale {k0}, false easting "
            f"{p.get('False easting')}, false northing {p.get('False northing')} on datum "
            f"{_datum_text(base)}")
    if "Transverse Mercator" not in method or lon0 is None or k0 is None:
        return MapInfoCRS(crs, False, f"the CoordSys is {what}", ok=True)
    if not (wgs_ellipsoid and (plain_wgs or vn_datum)):
        return MapInfoCRS(crs, False, f"the CoordSys is {what}: not VN-2000 (the WGS 84 "
                          "ellipsoid with no shift or the MONRE shift)", ok=False)
    if abs(p.get("Latitude of natural origin", 0)) > 1e-9 or p.get("False easting") != 500000 \
            or p.get("False northing", 0) != 0:
        return MapInfoCRS(crs, False, f"the CoordSys is {what}: no VN-2000 zone has these "
                          "origins (false easting 500 000 m, false northing 0)", ok=False)
    if abs(k0 - 0.9999) < 1e-9:
        for meridian, zone in TM3_ZONES.items():
            if abs(meridian - lon0) < 1e-9:
                how = "the WGS 84 datum with no shift, as MapInfo writes VN-2000" if plain_wgs \
                    else "a user-defined VN-2000 datum"
                return MapInfoCRS(CRS.from_epsg(zone), True,
                                  f"the CoordSys (Transverse Mercator {format_meridian(lon0)}, "
                                  f"k 0.9999, on {how}) is VN-2000 / TM-3: EPSG:{zone}")
        return MapInfoCRS(crs, False, f"the CoordSys is {what}: {format_meridian(lon0)} is not a "
                          "VN-2000 TM-3 meridian", ok=False)
    for (meridian, scale), zone in _UTM.items():
        if abs(meridian - lon0) < 1e-9 and abs(scale - k0) < 1e-9:
            return MapInfoCRS(CRS.from_epsg(zone), True, f"the CoordSys is VN-2000 / UTM: "
                              f"EPSG:{zone}")
    return MapInfoCRS(crs, False, f"the CoordSys is {what}: not a VN-2000 zone", ok=False)


_LINKING = re.compile(rb"create\s+view|open\s+table|\\isseamless|type\s+\"?(raster|wms|"
                      rb"tile|linked|odbc|shapefile|access|dbf|ascii|xls|grid)",
                      re.IGNORECASE)


def check_tab_file(path: Path) -> None:
    """Refuse a TAB that opens other files: a *view* (``Open Table … Create View``), a *seamless*
    table (records naming other tables by path), or a raster/linked/ODBC table. GDAL would follow
    those paths wherever they point; a plan layer must be the native table itself."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16 * 1024)
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc})") from exc
    if b"\x00" in head[:512]:
        return  # not the text header of a TAB: GDAL will say what it is
    match = _LINKING.search(head)
    if match:
        raise LayerReadError(
            f"{path}: a MapInfo table that opens other files "
            f"({match.group(0).decode('latin-1').strip()!r}); geoplan reads only native tables "
            "(.tab with its .dat/.map/.id) or MIF/MID. Open the base tables in MapInfo and save "
            "the layer as a native table (Save Copy As)")
