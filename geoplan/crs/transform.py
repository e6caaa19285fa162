"""Reprojection with the official VN-2000 -> WGS 84 transformation pinned.

:func:`transformer` always uses the official MONRE parameters (Decision 05/2007/QĐ-BTNMT =
**EPSG:6960** "VN-2000 to WGS 84 (2)") whenever a VN-2000 datum meets WGS 84. PROJ's default
would silently switch to EPSG:5194 (Total's Mekong parameters, ≈0.8 m different) inside the
DBSCL box 9.35–11.04 N, 104.24–107.11 E, which holds Hồ Chí Minh City. :func:`to_crs` /
:func:`to_wgs84` are the only way geoplan reprojects. Every transformer is ``always_xy``.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from pyproj.transformer import TransformerGroup

from geoplan.crs.parse import as_crs, datum_kind, describe
from geoplan.crs.zones import WGS84
from geoplan.errors import CRSError

__all__ = [
    "OFFICIAL_OPERATION",
    "strip_vn_bound",
    "to_crs",
    "to_wgs84",
    "transform_points",
    "transformer",
]

log = logging.getLogger(__name__)

OFFICIAL_OPERATION = "EPSG:6960"
"""VN-2000 to WGS 84 (2): the MONRE 7 parameters of Decision 05/2007/QĐ-BTNMT."""
_OFFICIAL_CODE = 6960
_OFFICIAL_NAME = "VN-2000 to WGS 84 (2)"
_VN_TO_WGS_RE = re.compile(r"VN-2000 to WGS 84")


def strip_vn_bound(crs: CRS) -> CRS:
    """A bound CRS on the VN-2000 datum -> its source CRS (so EPSG:6960 is used, not TOWGS84)."""
    if crs.is_bound and crs.source_crs is not None and datum_kind(crs.source_crs) == "vn2000":
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
    log.debug(
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
    src_crs = strip_vn_bound(as_crs(src, where="the transformation source"))
    dst_crs = strip_vn_bound(as_crs(dst, where="the transformation target"))
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
            f"coordinates cannot be transformed from {describe(src)} to {describe(dst)}: {exc}. "
            f"Fix: check that the declared CRS matches the coordinates (see diagnose_extent)."
        ) from exc
    out_x = np.asarray(out_x, dtype="float64")
    out_y = np.asarray(out_y, dtype="float64")
    if strict:
        bad = (np.isfinite(xs) & np.isfinite(ys)) & ~(np.isfinite(out_x) & np.isfinite(out_y))
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise CRSError(
                f"{int(bad.sum())} coordinate(s) cannot be transformed from {describe(src)} to "
                f"{describe(dst)}, e.g. ({xs.ravel()[i]!r}, {ys.ravel()[i]!r}). Fix: check that "
                f"the declared CRS matches the coordinates."
            )
    return out_x, out_y


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
    dst = as_crs(crs, where=f"the target CRS for {label}")
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
