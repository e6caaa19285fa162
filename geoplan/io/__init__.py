"""Reading and writing files, and nothing else.

Readers return a layer exactly as stored (source column names, source CRS or none), pushing
``columns`` and ``bbox`` down to GDAL where the format allows. Canonical fields, validation and
reprojection happen in later stages. Writers go through :func:`atomic_path`, so a reader never
sees a half-written output and an existing output is kept unless ``overwrite`` is given.

Formats: GeoJSON, GeoPackage, Shapefile (plain or zipped, honouring ``.cpg``), KML/KMZ, GeoParquet,
FlatGeobuf through pyogrio (GeoParquet through pyarrow); CSV and Excel tables with coordinate
columns; GeoTIFF rasters through rasterio (metadata only here; windows are read by the stage that
needs them).
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import LayerReadError
from geoplan.io.atomic import atomic_path, check_output

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PRECISION",
    "GEOMETRY_ERRORS",
    "GEOMETRY_REPAIRS",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "RasterInfo",
    "atomic_path",
    "check_output",
    "geojson_text",
    "list_layers",
    "raster_info",
    "read_table",
    "read_vector",
    "table_columns",
    "write_geojson",
    "write_geojson_layers",
    "write_vector",
]

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".parquet",
                   ".geoparquet", ".fgb")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt")


def _check_exists(path: Path) -> None:
    if not path.exists():
        near = sorted(p.name for p in path.parent.glob(f"{path.stem[:3]}*"))[:5] \
            if path.parent.exists() else []
        hint = f"; files with a similar name there: {', '.join(near)}" if near else ""
        raise LayerReadError(f"{path}: file not found (check `path` in the plan, relative to the "
                             f"plan file){hint}")


def _gdal_path(path: Path) -> str:
    """The path GDAL should open: zipped shapefiles and KMZ through /vsizip/."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if not n.startswith("__MACOSX")]
        except zipfile.BadZipFile as exc:
            raise LayerReadError(f"{path}: not a valid zip archive ({exc})") from exc
        shps = [n for n in names if n.lower().endswith(".shp")]
        if len(shps) != 1:
            found = ", ".join(names[:8]) or "nothing"
            raise LayerReadError(f"{path}: a zipped layer must hold exactly one .shp; found "
                                 f"{found}. Zip one Shapefile (.shp, .shx, .dbf, .prj, .cpg) per "
                                 "archive")
        return f"/vsizip/{path}/{shps[0]}"
    return str(path)


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a multi-layer source."""
    import pyogrio

    p = Path(path)
    _check_exists(p)
    try:
        return [str(name) for name, _ in pyogrio.list_layers(_gdal_path(p))]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise LayerReadError(f"{p}: cannot be opened as a vector dataset ({exc})") from exc


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector layer as stored.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (``.shp`` or a ``.zip`` holding one), KML/KMZ,
        GeoParquet or FlatGeobuf.
    layer
        Layer name for multi-layer sources; required when the source has several layers.
    encoding
        Text encoding of a legacy source that does not declare one (Shapefile without ``.cpg``).
    columns, bbox
        Passed down to GDAL.
    """
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    p = Path(path)
    _check_exists(p)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        return _read_parquet(p, columns=columns, bbox=bbox)
    if suffix in TABLE_SUFFIXES:
        raise LayerReadError(f"{p}: a table, not a vector layer; give the plan x_field and y_field "
                             "(the coordinate columns) for this layer")
    if suffix in RASTER_SUFFIXES:
        raise LayerReadError(f"{p}: a raster; only kind = \"population\" layers are rasters")
    gdal_path = _gdal_path(p)
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(gdal_path)]
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(f"{p}: not a readable vector file ({_short(exc)}); is the extension "
                             "right and the file complete?") from exc
    if layer is None and len(names) > 1:
        raise LayerReadError(f"{p}: holds {len(names)} layers ({', '.join(names[:12])}); name one "
                             "with layer = \"...\" in the plan")
    if layer is not None and layer not in names:
        raise LayerReadError(f"{p}: no layer {layer!r}; layers: {', '.join(names)}")
    kwargs: dict[str, Any] = {}
    if encoding:
        kwargs["encoding"] = encoding
    else:
        # the Arrow path reads about twice as fast; legacy encodings keep the classic one
        kwargs["use_arrow"] = _have_arrow()
    if columns is not None:
        kwargs["columns"] = list(columns)
    if bbox is not None:
        kwargs["bbox"] = bbox
    try:
        try:
            frame = pyogrio.read_dataframe(gdal_path, layer=layer, **kwargs)
        except shapely.errors.GEOSException:  # a geometry GEOS cannot build: salvage the rest
            return _read_salvaging_geometries(gdal_path, layer, kwargs)
        if kwargs.get("use_arrow") and not _arrow_text_is_utf8(frame):
            # text that is not UTF-8 (a legacy DBF without .cpg): the Arrow path would fail
            # later, wherever the text is first used; GDAL's classic path recodes it, and
            # validation reports what it finds
            log.debug("%s: text is not UTF-8; reading again without Arrow", p)
            kwargs["use_arrow"] = False
            frame = pyogrio.read_dataframe(gdal_path, layer=layer, **kwargs)
    except UnicodeDecodeError as exc:
        raise LayerReadError(f"{p}: text is not valid {encoding or 'UTF-8'} ({exc.reason} at byte "
                             f"{exc.start}); declare the file's encoding with encoding = "
                             "\"cp1258\" (or the right one) in the plan, or re-save it as UTF-8"
                             ) from exc
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(f"{p}: cannot read layer {layer or names[0]!r} ({_short(exc)})"
                             ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerReadError(f"{p}: has no geometry column; for a table with coordinates give "
                             "x_field and y_field in the plan")
    return frame


def _have_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _arrow_text_is_utf8(frame: pd.DataFrame) -> bool:
    """Whether every Arrow-backed text column holds valid UTF-8 (checked in C by pyarrow)."""
    import pyarrow as pa

    for name in frame.columns:
        array = frame[name].array
        if not hasattr(array, "__arrow_array__") or name == getattr(frame, "_geometry_column_name",
                                                                     None):
            continue
        data = array.__arrow_array__()
        if not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
            continue
        try:
            data.validate(full=True)
        except pa.ArrowInvalid:
            return False
    return True


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def _read_parquet(p: Path, *, columns: Sequence[str] | None,
                  bbox: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_parquet(p, columns=list(columns) if columns else None, bbox=bbox)
    except ImportError as exc:
        raise LayerReadError(f"{p}: GeoParquet needs pyarrow: pip install pyarrow") from exc
    except Exception as exc:  # pyarrow's errors are many; all mean "not GeoParquet"
        raise LayerReadError(f"{p}: not a readable GeoParquet file ({_short(exc)})") from exc
    return frame


def read_table(
    path: str | Path,
    *,
    x_field: str,
    y_field: str,
    sheet: str | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV or Excel table whose coordinates are in two columns; no CRS is attached.

    ``x_field`` is the easting (or longitude), ``y_field`` the northing (or latitude). Vietnamese
    documents call the *northing* X: for such a table write ``x_field = "Y"``, ``y_field = "X"``.
    Rows whose coordinates are blank get an empty geometry (validation reports them).
    """
    p = Path(path)
    _check_exists(p)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            raw = pd.read_excel(p, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
        except ValueError as exc:
            raise LayerReadError(f"{p}: {exc}; name the sheet with sheet = \"...\"") from exc
        except Exception as exc:
            raise LayerReadError(f"{p}: not a readable Excel workbook ({_short(exc)})") from exc
    elif suffix in (".csv", ".txt"):
        enc = encoding or "utf-8-sig"
        try:
            raw = pd.read_csv(p, dtype=object, encoding=enc, sep=None, engine="python")
        except UnicodeDecodeError as exc:
            raise LayerReadError(
                f"{p}: text is not valid {encoding or 'UTF-8'} ({exc.reason} at byte {exc.start});"
                " re-save it as UTF-8, or declare its encoding with encoding = \"cp1258\" (Windows "
                "Vietnamese) in the plan; TCVN3/VNI font text must first be converted to Unicode "
                "(e.g. with UniKey's converter)"
            ) from exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise LayerReadError(f"{p}: not a readable CSV table ({_short(exc)})") from exc
    else:
        raise LayerReadError(f"{p}: x_field/y_field are for CSV or Excel tables; this is a "
                             f"{suffix or 'extension-less'} file")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in (x_field, y_field) if c not in raw.columns]
    if missing:
        raise LayerReadError(f"{p}: no column {', '.join(map(repr, missing))} for the coordinates;"
                             f" columns: {', '.join(raw.columns)}")
    xs = _coordinates(raw[x_field], p, x_field)
    ys = _coordinates(raw[y_field], p, y_field)
    import shapely

    ok = ~(np.isnan(xs) | np.isnan(ys))
    geoms = np.full(len(raw), None, dtype=object)
    geoms[ok] = shapely.points(xs[ok], ys[ok])
    attrs = raw.drop(columns=[x_field, y_field])
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=raw.index), crs=None)


def _coordinates(col: pd.Series, path: Path, name: str) -> np.ndarray:
    text = col.astype("object").map(
        lambda v: v if not isinstance(v, str) else v.strip().replace(" ", "").replace(",", ".")
    )
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & col.notna() & (col.astype(str).str.strip() != "")
    if bad.any():
        rows = ", ".join(f"row {i + 2}: {col.iloc[i]!r}" for i in np.flatnonzero(bad)[:5])
        raise LayerReadError(f"{path}: column {name!r} must hold numbers ({rows}); degrees "
                             "as decimals (21.0285), metres as plain numbers")
    return values.to_numpy(dtype="float64")


@dataclass(frozen=True)
class RasterInfo:
    """What a raster layer is, without reading its cells."""

    crs: Any
    nodata: float | None
    bounds: tuple[float, float, float, float]
    shape: tuple[int, int]
    count: int
    dtype: str


def raster_info(path: str | Path) -> RasterInfo:
    """Open a raster (GeoTIFF) and return its metadata; cells are not read."""
    import rasterio
    from rasterio.errors import RasterioIOError

    p = Path(path)
    _check_exists(p)
    try:
        with rasterio.open(p) as src:
            return RasterInfo(src.crs, src.nodata, tuple(src.bounds), (src.height, src.width),
                              src.count, src.dtypes[0])
    except RasterioIOError as exc:
        raise LayerReadError(f"{p}: not a readable raster ({_short(exc)}); population layers "
                             "must be GeoTIFF") from exc


def write_vector(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    driver: str | None = None,
    overwrite: bool = False,
    **kwargs: Any,
) -> Path:
    """Write one layer atomically through pyogrio; returns the path written."""
    import pyogrio

    target = Path(path)
    with atomic_path(target, overwrite=overwrite) as tmp:
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver=driver, **kwargs)
    return target


from geoplan.io.geojson import (  # noqa: E402  (the writer needs atomic_path above)
    DEFAULT_PRECISION,
    geojson_text,
    write_geojson,
    write_geojson_layers,
)


def table_columns(path: str | Path, *, sheet: str | None = None,
                  encoding: str | None = None) -> list[str]:
    """The column names of a CSV or Excel table (its header row), as :func:`read_table` names
    them; nothing else is read.

    The load stage uses it to find coordinate columns the plan does not name (``lon``/``lat``
    and their usual spellings) before reading the table with :func:`read_table`.
    """
    p = Path(path)
    _check_exists(p)
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            head = pd.read_excel(p, sheet_name=sheet or 0, nrows=0, engine="openpyxl")
        else:
            head = pd.read_csv(p, nrows=0, encoding=encoding or "utf-8-sig", sep=None,
                               engine="python")
    except Exception as exc:  # any reader failure: read_table reports it precisely later
        raise LayerReadError(f"{p}: the header row of the table cannot be read ({_short(exc)})"
                             ) from exc
    return [str(c).replace("\ufeff", "").strip() for c in head.columns]


#: ``frame.attrs`` keys set by :func:`read_vector` when some geometries could not be built as
#: stored: row position -> GEOS's reason, for the rows left without a geometry
#: (``GEOMETRY_ERRORS``) and for those repaired on reading (``GEOMETRY_REPAIRS``, e.g. a ring
#: that was not closed). The load stage turns them into located problems.
GEOMETRY_ERRORS = "geoplan_geometry_errors"
GEOMETRY_REPAIRS = "geoplan_geometry_repairs"


def _read_salvaging_geometries(gdal_path: str, layer: str | None,
                               kwargs: dict[str, Any]) -> gpd.GeoDataFrame:
    """Read a layer some of whose geometries GEOS cannot build (a line of one point, a ring
    that is not closed): the attributes as stored, each geometry built on its own; a geometry
    shapely can repair (``on_invalid="fix"``) is kept repaired, the others are ``None``, and
    both are listed in ``frame.attrs`` (:data:`GEOMETRY_ERRORS`, :data:`GEOMETRY_REPAIRS`)."""
    import warnings

    import pyogrio
    import shapely

    opts = {k: v for k, v in kwargs.items() if k in ("encoding", "columns", "bbox")}
    attributes = pyogrio.read_dataframe(gdal_path, layer=layer, read_geometry=False, **opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's "non closed ring" notice
        meta, _fids, wkb, _values = pyogrio.raw.read(
            gdal_path, layer=layer, columns=[], bbox=opts.get("bbox"),
            encoding=opts.get("encoding"))
    geoms = np.asarray(shapely.from_wkb(wkb, on_invalid="ignore"), dtype=object)
    errors: dict[int, str] = {}
    repairs: dict[int, str] = {}
    for i in np.flatnonzero(pd.isna(geoms) & pd.notna(np.asarray(wkb, dtype=object))):
        try:
            shapely.from_wkb(wkb[i])
            reason = "GEOS could not build it"
        except shapely.errors.GEOSException as exc:
            reason = str(exc).split(":", 1)[-1].strip() or str(exc)
        fixed = shapely.from_wkb(wkb[i], on_invalid="fix")
        if fixed is None:
            errors[int(i)] = reason
        else:
            geoms[i] = fixed
            repairs[int(i)] = reason
    log.debug("%s: %d geometries could not be read, %d repaired on reading", gdal_path,
              len(errors), len(repairs))
    frame = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geoms, index=attributes.index),
                             crs=meta.get("crs"))
    frame.attrs[GEOMETRY_ERRORS] = errors
    frame.attrs[GEOMETRY_REPAIRS] = repairs
    return frame
