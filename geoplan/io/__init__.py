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
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import LayerReadError
from geoplan.io.atomic import atomic_dir, atomic_path, check_output
from geoplan.io.encodings import transport_encoding
from geoplan.io.mapinfo import check_tab_file

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PRECISION",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "RasterInfo",
    "atomic_dir",
    "atomic_path",
    "check_output",
    "geojson_text",
    "list_layers",
    "parse_dms",
    "raster_info",
    "read_table",
    "read_vector",
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
    if suffix == ".tab":  # views and seamless tables open other files: refused
        check_tab_file(p)
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
        # TCVN3/VNI have no codec: their bytes come through one to one, validation decodes them
        kwargs["encoding"] = transport_encoding(encoding)
    else:
        # the Arrow path reads about twice as fast; legacy encodings keep the classic one
        kwargs["use_arrow"] = _have_arrow()
    if columns is not None:
        kwargs["columns"] = list(columns)
    if bbox is not None:
        kwargs["bbox"] = bbox
    try:
        frame = pyogrio.read_dataframe(gdal_path, layer=layer, **kwargs)
        if kwargs.get("use_arrow") and not _arrow_text_is_utf8(frame):
            # text that is not UTF-8 (a legacy DBF without .cpg): the Arrow path would fail
            # later, wherever the text is first used; GDAL's classic path recodes it, and
            # validation reports what it finds
            log.debug("%s: text is not UTF-8; reading again without Arrow", p)
            kwargs["use_arrow"] = False
            frame = pyogrio.read_dataframe(gdal_path, layer=layer, **kwargs)
    except UnicodeDecodeError as exc:
        legacy = None if encoding else _font_text(
            lambda: pyogrio.read_dataframe(gdal_path, layer=layer, **{
                **kwargs, "use_arrow": False, "encoding": "latin-1"}))
        if legacy is not None:
            return legacy
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


def _font_text(read: Any) -> Any:
    """Text that is not UTF-8 and not declared: read it byte for byte (Latin-1) and keep it when
    it is TCVN3, VNI or Windows-1258 Vietnamese (validation converts it, with a note); else
    ``None`` (the caller reports the undecodable text)."""
    from geoplan.io.encodings import detect

    try:
        frame = read()
    except Exception:  # the second try is a courtesy; the first error is the one reported
        return None
    for name in frame.columns:
        values = frame[name]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        if detect(values.dropna().unique().tolist()) is not None:
            log.info("text is not UTF-8 but column %r reads as legacy Vietnamese", name)
            return frame
    return None


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
        enc = transport_encoding(encoding) or "utf-8-sig"
        try:
            raw = pd.read_csv(p, dtype=object, encoding=enc, sep=None, engine="python")
        except UnicodeDecodeError as exc:
            legacy = None if encoding else _font_text(
                lambda: pd.read_csv(p, dtype=object, encoding="latin-1", sep=None,
                                    engine="python"))
            if legacy is None:
                raise LayerReadError(
                    f"{p}: text is not valid {encoding or 'UTF-8'} ({exc.reason} at byte "
                    f"{exc.start}); re-save it as UTF-8, or declare its encoding in the plan: "
                    "encoding = \"cp1258\" (Windows Vietnamese), \"tcvn3\" (ABC fonts) or "
                    "\"vni\""
                ) from exc
            raw = legacy
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


_DMS = re.compile(
    r"^\s*([NSEW+-])?\s*(\d{1,3}(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*"
    r"(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:'|′|’|m|\s)\s*)?"
    r"(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:\"|″|''|”|s)?\s*)?([NSEWĐTB])?\s*$", re.IGNORECASE)


def parse_dms(value: str) -> float | None:
    """Degrees from ``21°01'28.3"``, ``105°51′15.2″ E``, ``21 01 28.3`` (``None`` when not such
    a value). S and W (and Vietnamese T for tây) make it negative.

    >>> parse_dms("21°01'28.3\\""), parse_dms("105° 51′ 15,2″ E"), parse_dms("21.0285")
    (21.024527777777777, 105.85422222222222, None)
    """
    m = _DMS.match(value)
    if not m or (m.group(3) is None and m.group(4) is None and "°" not in value):
        return None
    deg, minutes, seconds = (float(g.replace(",", ".")) if g else 0.0 for g in m.group(2, 3, 4))
    if minutes >= 60 or seconds >= 60:
        return None
    out = deg + minutes / 60 + seconds / 3600
    sign = (m.group(1) or "") + (m.group(5) or "")
    return -out if sign and sign.upper()[-1] in "SWT-" else out


_SPACED_DMS = re.compile(r"^\s*\d{1,3}\s+\d{1,2}(?:\s+\d{1,2}(?:[.,]\d+)?)?\s*$")


def _coordinate(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if _SPACED_DMS.match(value):  # "20 58 12" is DMS; "2 345 000" (groups of 3) is metres
        dms = parse_dms(value)
        if dms is not None:
            return dms
    plain = value.strip().replace(" ", "").replace(",", ".")
    try:
        return float(plain)
    except ValueError:
        dms = parse_dms(value)
        return dms if dms is not None else plain


def _coordinates(col: pd.Series, path: Path, name: str) -> np.ndarray:
    text = col.astype("object").map(_coordinate)
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & col.notna() & (col.astype(str).str.strip() != "")
    if bad.any():
        rows = ", ".join(f"row {i + 2}: {col.iloc[i]!r}" for i in np.flatnonzero(bad)[:5])
        raise LayerReadError(f"{path}: column {name!r} must hold numbers ({rows}); degrees "
                             "as decimals (21.0285) or degrees-minutes-seconds (21°01'28.3\"), "
                             "metres as plain numbers")
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
