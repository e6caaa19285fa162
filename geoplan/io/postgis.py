"""Reading a layer from a PostGIS database (psycopg 3, geometries as WKB).

A plan layer whose ``path`` is ``postgresql://user@host:port/db`` is read here, from
``table = "schema.table"`` or from ``sql = "SELECT ..."``, and returned like a file layer: the
source's columns as stored, the geometry decoded from WKB with shapely, and the CRS of the
geometry column's SRID as the catalogue records it (``geometry_columns`` and
``spatial_ref_sys``). Canonical fields, validation and reprojection happen in later stages, as
for a file.

The password never comes from the plan: libpq reads it from ``PGPASSWORD``, ``~/.pgpass`` or a
``PGSERVICE`` entry. Every failure (server unreachable, password refused, no such database,
table or column, a table without geometry, an SQL error) is a
:class:`~geoplan.errors.LayerReadError` that says what went wrong and what to do.

Why psycopg and not GDAL's PostgreSQL driver through pyogrio: measured on the national
workload's tables (``scripts/bench_postgis_read.py``) the psycopg path with binary WKB is the
faster one, and the GDAL in pyogrio's wheels has no PostgreSQL driver at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import LayerReadError, MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

log = logging.getLogger(__name__)

__all__ = [
    "CONNECT_TIMEOUT_S",
    "connect",
    "connection_error",
    "geometry_columns",
    "read_postgis",
    "redact",
    "rows_sha256",
    "split_table",
]

#: Seconds to wait for a server before giving up (an unreachable host fails fast).
CONNECT_TIMEOUT_S = 10

# PostgreSQL type OIDs of the columns converted to pandas dtypes (the rest stay objects)
_INTEGERS = {20, 21, 23}
_FLOATS = {700, 701, 1700}
_BOOLEAN = 16


def redact(url: str) -> str:
    """``url`` without any password, for messages and records.

    >>> redact("postgresql://ana:secret@db.so-ct.vn:5432/quyhoach")
    'postgresql://ana@db.so-ct.vn:5432/quyhoach'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _where(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "the local socket"
    port = parts.port or 5432
    db = parts.path.strip("/") or "(service)"
    return f"database {db!r} on {host}:{port}"


def connection_error(url: str, exc: BaseException) -> str:
    """A planner's message for a failed connection: what happened and what to do."""
    text = str(exc).strip()
    low = text.lower()
    who = urlsplit(url).username or "(your login name)"
    if "password authentication failed" in low:
        return (f"{redact(url)}: the server refused the password of user {who!r}. Set the "
                "right one in PGPASSWORD, in ~/.pgpass (host:port:db:user:password, mode 0600) "
                "or in a PGSERVICE entry; never in plan.toml")
    if "no password supplied" in low or "fe_sendauth" in low:
        return (f"{redact(url)}: the server asks user {who!r} for a password and none was "
                "given. Put it in PGPASSWORD, in ~/.pgpass (host:port:db:user:password, mode "
                "0600) or in a PGSERVICE entry; never in plan.toml")
    if "does not exist" in low and "database" in low:
        return (f"{redact(url)}: no such database on the server ({_first_line(text)}); check "
                "the database name in the URL")
    if "role" in low and "does not exist" in low:
        return (f"{redact(url)}: no such user on the server ({_first_line(text)}); check the "
                "user name in the URL")
    if "service" in low and ("definition" in low or "not found" in low):
        return f"{redact(url)}: {_first_line(text)}; check PGSERVICE and ~/.pg_service.conf"
    return (f"{redact(url)}: cannot reach the {_where(url)} ({_first_line(text)}). Is the "
            "server running, and are the host and port in the URL right?")


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0][:300] if lines else "no reason given"


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency
        raise MissingDependencyError('PostGIS layers need psycopg 3: pip install '
                                     '"psycopg[binary]"') from exc
    return psycopg


@contextmanager
def connect(url: str, *, autocommit: bool = True, error: type[Exception] = LayerReadError
            ) -> Iterator[psycopg.Connection[Any]]:
    """A psycopg connection to ``url`` (password from libpq's environment), closed on exit.

    A failure to connect raises ``error`` with :func:`connection_error`'s message.
    """
    psycopg = _psycopg()
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="geoplan")
    except psycopg.Error as exc:
        raise error(connection_error(url, exc)) from None
    try:
        yield conn
    finally:
        conn.close()


def split_table(name: str) -> tuple[str | None, str]:
    """``"schema.table"`` as (schema, table); ``(None, table)`` without a schema.

    >>> split_table("quy_hoach.cum_cong_nghiep"), split_table("tram")
    (('quy_hoach', 'cum_cong_nghiep'), (None, 'tram'))
    """
    text = name.strip()
    if "." in text:
        schema, table = text.split(".", 1)
        return schema.strip().strip('"'), table.strip().strip('"')
    return None, text.strip('"')


def geometry_columns(conn: psycopg.Connection[Any], schema: str, table: str
                     ) -> list[tuple[str, int, str]]:
    """(column, SRID, type) of each geometry column of ``schema.table``, from the catalogue.

    The column's type modifier (``geometry(MultiPolygon, 9209)``) as ``geometry_columns``
    reads it, straight from ``pg_attribute`` (the view scans every table of the database).
    """
    rows = conn.execute(
        "SELECT a.attname, postgis_typmod_srid(a.atttypmod), postgis_typmod_type(a.atttypmod) "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.atttypid = to_regtype('geometry') ORDER BY a.attname",
        [f'"{schema}"."{table}"']).fetchall()
    return [(str(r[0]), int(r[1] or 0), str(r[2])) for r in rows]


def _crs_of_srid(conn: psycopg.Connection[Any], srid: int, where: str) -> Any:
    """The CRS of an SRID from ``spatial_ref_sys`` (``None`` for SRID 0: declare ``crs``)."""
    import pyproj

    if not srid:
        return None
    row = conn.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s",
                       [srid]).fetchone()
    if row is None:
        raise LayerReadError(f"{where}: SRID {srid} is not in the database's spatial_ref_sys; "
                             "declare the layer's CRS with crs = \"EPSG:...\" in the plan after "
                             "setting the SRID to 0, or add the SRID to spatial_ref_sys")
    auth, code, wkt = row
    if auth and str(auth).upper() == "EPSG" and code:
        try:
            return pyproj.CRS.from_epsg(int(code))
        except pyproj.exceptions.CRSError:
            pass
    if wkt:
        try:
            return pyproj.CRS.from_wkt(str(wkt))
        except pyproj.exceptions.CRSError as exc:
            raise LayerReadError(f"{where}: the WKT of SRID {srid} in spatial_ref_sys is not "
                                 f"readable ({exc}); declare crs = \"EPSG:...\" in the plan"
                                 ) from None
    return None


def _table_source(conn: psycopg.Connection[Any], table: str, geometry: str | None,
                  where: str) -> tuple[Any, str, int]:
    """(FROM clause, geometry column, SRID) of a table layer, checked against the catalogue."""
    from psycopg import sql

    schema, name = split_table(table)
    found = conn.execute("SELECT n.nspname, c.relname FROM pg_class c "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE c.oid = to_regclass(%s)",
                         [f'"{schema}"."{name}"' if schema else f'"{name}"']).fetchone()
    if found is None:
        near = conn.execute(  # the asked schema's tables first
            "SELECT f_table_schema || '.' || f_table_name FROM geometry_columns "
            "ORDER BY f_table_schema <> %s, 1 LIMIT 12", [schema or "public"]).fetchall()
        listing = ", ".join(r[0] for r in near) or "none"
        raise LayerReadError(f"{where}: no table {table!r} in the database; tables with a "
                             f"geometry column there: {listing}. Check table = \"schema.table\" "
                             "in the plan (names are case-sensitive when quoted)")
    schema, name = str(found[0]), str(found[1])
    columns = geometry_columns(conn, schema, name)
    if not columns:
        raise LayerReadError(f"{where}: table {schema}.{name} has no geometry column (none in "
                             "geometry_columns); a layer needs one. Add a geometry column, or "
                             "read the table through sql = \"SELECT ..., ST_MakePoint(x, y) "
                             "AS geom FROM ...\"")
    if geometry is not None:
        chosen = [c for c in columns if c[0] == geometry]
        if not chosen:
            raise LayerReadError(f"{where}: table {schema}.{name} has no geometry column "
                                 f"{geometry!r}; its geometry columns: "
                                 f"{', '.join(c[0] for c in columns)}")
    elif len(columns) > 1:
        raise LayerReadError(f"{where}: table {schema}.{name} has {len(columns)} geometry "
                             f"columns ({', '.join(c[0] for c in columns)}); name one with "
                             "layer = \"column\" in the plan")
    else:
        chosen = columns
    column, srid, _type = chosen[0]
    source = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
    if not srid:  # a column without a declared SRID: the data's, when it has one
        srid = _data_srid(conn, source, column, where)
    return source, column, srid


def _data_srid(conn: psycopg.Connection[Any], source: Any, column: str, where: str) -> int:
    from psycopg import sql

    rows = conn.execute(sql.SQL("SELECT DISTINCT ST_SRID({}) FROM {} WHERE {} IS NOT NULL "
                                "LIMIT 2").format(sql.Identifier(column), source,
                                                  sql.Identifier(column))).fetchall()
    if len(rows) > 1:
        raise LayerReadError(f"{where}: the geometries have several SRIDs; transform them to "
                             "one with ST_Transform (in the table or in sql = \"...\")")
    return int(rows[0][0]) if rows else 0


def _query_source(conn: psycopg.Connection[Any], text: str, geometry: str | None,
                  where: str) -> tuple[Any, str, int]:
    """(FROM clause, geometry column, SRID) of an ``sql`` layer."""
    from psycopg import sql

    psycopg = _psycopg()
    query = text.strip().rstrip(";")
    source = sql.SQL("({}) AS geoplan_source").format(sql.SQL(query))
    try:
        cur = conn.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(source))
    except psycopg.Error as exc:
        raise LayerReadError(f"{where}: the layer's sql failed in the database: "
                             f"{_first_line(str(exc))}. Fix sql = \"...\" in the plan") from None
    names = [c.name for c in (cur.description or [])]
    geo_oid = _spatial_oids(conn)[0]
    geoms = [c.name for c in (cur.description or []) if c.type_code == geo_oid]
    if geometry is not None:
        if geometry not in names:
            raise LayerReadError(f"{where}: the layer's sql returns no column {geometry!r}; "
                                 f"columns: {', '.join(names)}")
        geoms = [geometry]
    if not geoms:
        raise LayerReadError(f"{where}: the layer's sql returns no geometry column (columns: "
                             f"{', '.join(names) or 'none'}); select one, e.g. SELECT *, geom "
                             "FROM ...")
    if len(geoms) > 1:
        raise LayerReadError(f"{where}: the layer's sql returns {len(geoms)} geometry columns "
                             f"({', '.join(geoms)}); name one with layer = \"column\"")
    column = geoms[0]
    return source, column, _data_srid(conn, source, column, where)


def _spatial_oids(conn: psycopg.Connection[Any]) -> tuple[int, int]:
    """The type OIDs of ``geometry`` and ``geography`` in this database (-1 when absent)."""
    row = conn.execute("SELECT to_regtype('geometry')::oid, to_regtype('geography')::oid"
                       ).fetchone()
    return (int(row[0]) if row and row[0] is not None else -1,
            int(row[1]) if row and row[1] is not None else -1)


def _column(values: np.ndarray, type_code: int) -> Any:
    """One result column as a pandas array: integers ``Int64``, numbers ``float64``, booleans
    ``boolean`` (missing values as NA), anything else as objects."""
    raw = np.array(values, dtype=object)  # a copy: the table's column is not changed
    if type_code not in _INTEGERS and type_code not in _FLOATS and type_code != _BOOLEAN:
        return raw
    missing = pd.isna(raw)
    if type_code in _FLOATS:
        raw[missing] = np.nan
        return raw.astype("float64")
    raw[missing] = 0
    if type_code == _BOOLEAN:
        return pd.arrays.BooleanArray(raw.astype(bool), missing)
    return pd.arrays.IntegerArray(raw.astype("int64"), missing)


def read_postgis(
    url: str,
    *,
    table: str | None = None,
    sql: str | None = None,
    geometry: str | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer from PostGIS as stored: source columns, WKB geometry, catalogue CRS.

    Parameters
    ----------
    url
        ``postgresql://user@host:port/db`` (no password: libpq takes it from ``PGPASSWORD``,
        ``~/.pgpass`` or ``PGSERVICE``).
    table, sql
        ``"schema.table"`` (or ``"table"`` on the search path), or a ``SELECT`` query; one of
        them.
    geometry
        The geometry column, needed only when the source has several.
    columns
        Read only these attribute columns (all when ``None``).

    Raises
    ------
    LayerReadError
        Unreachable server, refused password, no such table, no geometry column, SQL error.
    """
    from psycopg import sql as psql

    if (table is None) == (sql is None):
        raise ValueError("give exactly one of table and sql")
    psycopg = _psycopg()
    where = f"{redact(url)}#{table}" if table else f"{redact(url)} (sql)"
    with connect(url) as conn:
        try:
            if table is not None:
                source, column, srid = _table_source(conn, table, geometry, where)
            else:
                assert sql is not None
                source, column, srid = _query_source(conn, sql, geometry, where)
            crs = _crs_of_srid(conn, srid, where)
            head = conn.execute(psql.SQL("SELECT * FROM {} LIMIT 0").format(source))
            spatial = _spatial_oids(conn)  # other geometry columns are not attributes
            attrs = [c.name for c in (head.description or [])
                     if c.name != column and c.type_code not in spatial]
            if columns is not None:
                attrs = [c for c in attrs if c in set(columns)]
            select = psql.SQL(", ").join(
                [*(psql.Identifier(a) for a in attrs),
                 psql.SQL("ST_AsBinary({})").format(psql.Identifier(column))])
            with conn.cursor(binary=True) as cur:
                cur.execute(psql.SQL("SELECT {} FROM {}").format(select, source))
                types = [c.type_code for c in (cur.description or [])]
                rows = cur.fetchall()
        except psycopg.Error as exc:
            raise LayerReadError(f"{where}: the database refused the read: "
                                 f"{_first_line(str(exc))}") from None
    return _frame(rows, attrs, types, crs)


def _frame(rows: list[tuple[Any, ...]], attrs: list[str], types: list[int], crs: Any
           ) -> gpd.GeoDataFrame:
    import shapely

    n = len(attrs)
    table = np.empty((len(rows), n + 1), dtype=object)  # rows to columns in one C loop
    if rows:
        table[:] = rows
    data = {name: _column(table[:, i], types[i]) for i, name in enumerate(attrs)}
    geoms = shapely.from_wkb(table[:, n])
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=crs)


def rows_sha256(frame: gpd.GeoDataFrame) -> str:
    """SHA-256 of a layer's rows (attributes as text, then each geometry's WKB): what a
    database layer's input hash is, where a file layer has its file's."""
    import hashlib

    import shapely

    digest = hashlib.sha256()
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(str)
    digest.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    for wkb in shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object)):
        digest.update(b"" if wkb is None else wkb)
    return digest.hexdigest()
