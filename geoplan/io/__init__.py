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
import os
import re
import stat
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
    "DEFAULT_MAX_LAYER_MB",
    "DEFAULT_PRECISION",
    "GEOMETRY_ERRORS",
    "GEOMETRY_REPAIRS",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "RasterInfo",
    "atomic_dir",
    "atomic_path",
    "check_output",
    "check_source",
    "describe_file",
    "geojson_text",
    "list_layers",
    "parse_dms",
    "raster_info",
    "read_table",
    "read_vector",
    "source_files",
    "table_columns",
    "with_columns",
    "write_geojson",
    "write_geojson_layers",
    "write_vector",
]

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".parquet",
                   ".geoparquet", ".fgb")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt")


#: Default limit of the bytes one layer may hold (``[plan] max_layer_mb``): a national layer
#: (the OSM power grid of Vietnam is about 60 MB) fits many times over.
DEFAULT_MAX_LAYER_MB = 2048
#: Bytes of one decoded two-dimensional vertex: the vertex limit is the byte limit / this.
VERTEX_BYTES = 16
_SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qmd", ".qix", ".sbn", ".sbx")


def _check_exists(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise LayerReadError(f"{path}: is a symbolic link to {os.readlink(path)}, which does not "
                             "exist (a dangling link); point the link at the file again, or give "
                             "the file's own path in the plan")
    if not path.exists():
        near = sorted(p.name for p in path.parent.glob(f"{path.stem[:3]}*")
                      if p.name != path.name)[:5] if path.parent.exists() else []
        hint = f"; files with a similar name there: {', '.join(near)}" if near else ""
        raise LayerReadError(f"{path}: file not found (check `path` in the plan, relative to the "
                             f"plan file){hint}")


def _check_type(path: Path, *, folder_ok: bool = False) -> None:
    """Refuse what is not a regular file by its type (a FIFO would hang a reader, a device such
    as /dev/zero never ends), before anything is read."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror})") from exc
    if stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else
            "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a character device" if stat.S_ISCHR(mode) else
            "a block device" if stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    target = f" (a link to {os.path.realpath(path)})" if path.is_symlink() else ""
    raise LayerReadError(f"{path}{target}: is {kind}, not a file; a layer must be a file "
                         "(GeoJSON, GeoPackage, Shapefile, CSV ...): fix `path` in the plan")


def check_source(path: str | Path, *, max_bytes: int | None = None,
                 folder_ok: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path` once it is known to exist (not a dangling link) and
    to be a regular file (not a FIFO or a device; a folder when ``folder_ok``) of at most
    ``max_bytes`` (decoded, for zip archives); raises :class:`~geoplan.errors.LayerReadError`
    naming what it is instead. Nothing of the file's content is read but a zip's directory."""
    p = Path(path)
    _check_exists(p)
    _check_type(p, folder_ok=folder_ok)
    if max_bytes is not None:
        _check_size(p, max_bytes)
    return p


def source_files(path: str | Path) -> list[Path]:
    """The files a layer is read from: the file itself, and a Shapefile's sidecars."""
    p = Path(path)
    if p.suffix.lower() == ".shp":
        return [p, *(q for s in _SHAPEFILE_PARTS if (q := p.with_suffix(s)).exists())]
    return [p]


def _zip_members(path: Path) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as zf:
            return [i for i in zf.infolist() if not i.filename.startswith("__MACOSX")]
    except zipfile.BadZipFile as exc:
        raise LayerReadError(f"{path}: not a valid zip archive ({exc})") from exc
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _layer_bytes(path: Path) -> tuple[int, str]:
    """The bytes a reader would decode from ``path`` and how they were counted; for a zip
    (or KMZ) the uncompressed sizes its directory declares, told before anything is unpacked."""
    suffix = path.suffix.lower()
    if suffix in (".zip", ".kmz", ".xlsx", ".xlsm"):
        members = _zip_members(path)
        total = sum(i.file_size for i in members)
        packed = sum(i.compress_size for i in members)
        return total, (f"{len(members)} file(s) that unpack to {total / 1e6:,.1f} MB from "
                       f"{packed / 1e6:,.1f} MB in the archive")
    if path.is_dir():
        return 0, "a folder"
    size = sum(f.stat().st_size for f in source_files(path) if f.is_file())
    return size, f"{size / 1e6:,.1f} MB on disk"


def _check_size(path: Path, max_bytes: int) -> None:
    size, how = _layer_bytes(path)
    if size > max_bytes:
        raise LayerReadError(
            f"{path}: the layer holds {how}, over the limit of {max_bytes / 1e6:,.0f} MB per "
            "layer; it is refused before it is decoded. Raise [plan] max_layer_mb if the layer "
            "is meant to be this large, or clip it to the province first")


def _check_vertices(frame: gpd.GeoDataFrame, path: Path, max_bytes: int) -> None:
    import shapely

    limit = max_bytes // VERTEX_BYTES
    geoms = np.asarray(frame.geometry.values)
    count = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
    if count > limit:
        raise LayerReadError(
            f"{path}: the layer decodes to {count:,} vertices, over the limit of {limit:,} "
            f"([plan] max_layer_mb = {max_bytes / 1e6:,.0f} MB at {VERTEX_BYTES} bytes a "
            "vertex); raise max_layer_mb, or simplify or clip the layer first")


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or an Office document)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def describe_file(path: str | Path) -> str:
    """What a file looks like, from its first bytes, without quoting any of them: "a PDF
    document", "a text file", "binary data" ... (for messages about files that are no layer).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_text("root:x:0:0")
    >>> describe_file(p)
    'a text file (1 line)'
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "a file that cannot be read"
    if not head:
        return "an empty file"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    text = head.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in text:
        return "binary data"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(text) - 4:  # a character cut at the end of the sample
            decoded = text[:exc.start].decode("utf-8")
        else:
            return "binary data or text in a legacy encoding"
    stripped = decoded.lstrip()
    if stripped.startswith(("{", "[")):
        return "a JSON text"
    if stripped.startswith("<"):
        return "an XML or HTML text"
    lines = decoded.count("\n") + (0 if decoded.endswith("\n") else 1)
    more = "+" if len(head) == 4096 else ""
    return f"a text file ({lines}{more} line{'s' if lines != 1 or more else ''})"


def with_columns(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """An empty ``frame`` with empty ``columns`` added: a GeoJSON FeatureCollection without
    features has no fields at all, and stays an empty layer rather than a layer whose columns
    are missing. A frame with features is returned as it is."""
    if len(frame):
        return frame
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not missing:
        return frame
    out = frame.copy()
    for name in missing:
        out[name] = pd.Series([], dtype="object", index=frame.index)
    return out


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
    if suffix == ".kmz":
        # through /vsizip/ like a zip: the KML driver then keeps the fields of <Schema> /
        # <SchemaData> that the LIBKML driver drops from a KMZ
        members = [i.filename for i in _zip_members(path) if not i.is_dir()]
        kmls = [n for n in members if n.lower().endswith(".kml")]
        top = [n for n in kmls if "/" not in n]
        chosen = next((n for n in top if n.lower() == "doc.kml"), None) or \
            (top[0] if len(top) == 1 else (kmls[0] if len(kmls) == 1 else None))
        if chosen is None:
            found = ", ".join(members[:8]) or "nothing"
            raise LayerReadError(f"{path}: a KMZ must hold its document as doc.kml (or one .kml);"
                                 f" found {found}")
        if _only_network_links(path, chosen):
            return str(path)  # LIBKML's own layout (doc.kml links layers/*.kml): it follows them
        return f"/vsizip/{path}/{chosen}"
    return str(path)


def _only_network_links(path: Path, member: str) -> bool:
    """Whether a KMZ's document only links other documents of the archive (no placemark)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            head = fh.read(1 << 20)
    except (OSError, zipfile.BadZipFile, KeyError):
        return False
    return b"<NetworkLink" in head and b"<Placemark" not in head


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a multi-layer source."""
    import pyogrio

    p = check_source(path, folder_ok=True)
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
    max_bytes: int | None = DEFAULT_MAX_LAYER_MB * 1_000_000,
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
    max_bytes
        Refuse a layer holding more bytes (a zip or KMZ: unpacked, as its directory declares)
        before decoding it, and one that decodes to more than ``max_bytes / 16`` vertices
        (``[plan] max_layer_mb``; ``None``: no limit). FIFOs and devices are refused by type.
    """
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    p = check_source(path, max_bytes=max_bytes, folder_ok=True)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        frame = _read_parquet(p, columns=columns, bbox=bbox)
        if max_bytes is not None:
            _check_vertices(frame, p, max_bytes)
        return frame
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
        looks = describe_file(p) if p.is_file() else "a folder"
        raise LayerReadError(f"{p}: not a readable vector file ({_short(exc, p)}); it looks like "
                             f"{looks}: is the extension right and the file complete?") from exc
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
        legacy = None if encoding else _font_text(
            lambda: pyogrio.read_dataframe(gdal_path, layer=layer, **{
                **kwargs, "use_arrow": False, "encoding": "ISO-8859-1"}))
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
    if max_bytes is not None:
        _check_vertices(frame, p, max_bytes)
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


def _short(exc: BaseException, path: Path | None = None) -> str:
    """The first line of a reader's error, without GDAL's advice to name a driver."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0].split("; It might help to specify the correct driver")[0]
    return first[:300]


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
    max_bytes: int | None = DEFAULT_MAX_LAYER_MB * 1_000_000,
) -> gpd.GeoDataFrame:
    """Read a CSV or Excel table whose coordinates are in two columns; no CRS is attached.

    ``x_field`` is the easting (or longitude), ``y_field`` the northing (or latitude). Vietnamese
    documents call the *northing* X: for such a table write ``x_field = "Y"``, ``y_field = "X"``.
    Rows whose coordinates are blank get an empty geometry (validation reports them). A UTF-8
    byte-order mark is dropped; a CSV's columns are separated by commas, semicolons, tabs or
    bars (told from its first line). ``max_bytes`` as for :func:`read_vector`.
    """
    p = check_source(path, max_bytes=max_bytes)
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
        if enc.lower().replace("_", "-") in ("utf-8", "utf8"):
            enc = "utf-8-sig"  # the same text, with or without a byte-order mark
        try:
            sep = _csv_separator(p, enc)
            raw = pd.read_csv(p, dtype=object, encoding=enc, sep=sep, engine="python")
        except UnicodeDecodeError as exc:
            legacy = None if encoding else _font_text(
                lambda: pd.read_csv(p, dtype=object, encoding="latin-1",
                                    sep=_csv_separator(p, "latin-1"), engine="python"))
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
    raw.columns = [str(c).replace("\ufeff", "").strip() for c in raw.columns]
    missing = [c for c in (x_field, y_field) if c not in raw.columns]
    if missing:
        shown = [c if len(c) <= 40 else c[:39] + "…" for c in raw.columns[:20]]
        more = f" … ({len(raw.columns)} in all)" if len(raw.columns) > 20 else ""
        raise LayerReadError(f"{p}: no column {', '.join(map(repr, missing))} for the coordinates;"
                             f" columns: {', '.join(shown)}{more}")
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


def _csv_separator(path: Path, encoding: str) -> str:
    """The column separator of a CSV table, told from its first line (as pandas does), among
    comma, semicolon, tab and bar; a file whose first line has none of them is no table, and the
    message says what it looks like without quoting it."""
    import csv

    with open(path, encoding=encoding, errors="strict", newline="") as fh:
        first = fh.readline(65536)
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    for sep in (",", ";", "\t", "|"):
        if sep in first:
            return sep
    raise LayerReadError(f"{path}: not a CSV table: no comma, semicolon or tab separates "
                         f"columns in its first line; it looks like {describe_file(path)}. A "
                         "table layer needs a header row naming its columns, x_field and "
                         "y_field among them")


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

    p = check_source(path)
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
