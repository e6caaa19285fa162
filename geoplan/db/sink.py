"""Results into PostGIS: one run's findings, coverage, grid audit and plan layers, appended.

:func:`write_analysis` writes an :class:`~geoplan.analysis.Analysis` into a schema (``geoplan``
by default) of a PostGIS database, in **one transaction**: either every row of the run is
there, or (an error, a lost connection) none is. Tables are created on first use and only ever
appended to; a second run adds its rows beside the first's under its own ``run_id``.

Tables
------
``runs``
    One row per run: ``run_id`` (uuid), ``command``, ``started_at``, ``as_of`` (the plan's
    date, else the run's), the plan's name, file and SHA-256, ``inputs`` (JSON: every layer's
    source and SHA-256), ``inputs_sha256`` (one digest over them), ``rules_version`` and
    ``rules_sha256`` of the rule table, the analysis CRS, the geoplan version and the
    ``summary`` (JSON).
``findings``, ``coverage_<output>``, ``grid_<output>``
    What the run computed (:meth:`~geoplan.analysis.Analysis.layers`).
``plan_<kind>``
    The plan's layers in canonical fields, one table per layer kind, with a ``layer`` column.

Every result row carries ``run_id``, ``as_of``, ``inputs_sha256`` and ``rules_version``, and
two geometry columns: ``geom`` in the analysis CRS (its EPSG code as SRID, registered in
``spatial_ref_sys`` when the database lacks it) and ``geom_wgs84`` (SRID 4326, through the
pinned VN-2000 transformation of :func:`geoplan.crs.to_wgs84`). Both have GiST indexes, and
QGIS finds a default style for each in ``public.layer_styles`` (the styles of the GeoPackage
export, :func:`geoplan.export.layer_style`).

Columns are typed from the frames (booleans, 64-bit integers, doubles, text); a column that a
later run brings is added (``ALTER TABLE ... ADD COLUMN``), never dropped.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import GeoplanError

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

    from geoplan.analysis import Analysis
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SCHEMA",
    "RUN_COLUMNS",
    "DatabaseWriteError",
    "RunRecord",
    "check_url",
    "input_hashes",
    "write_analysis",
]

DEFAULT_SCHEMA = "geoplan"
#: The columns every result row starts with.
RUN_COLUMNS = ("run_id", "as_of", "inputs_sha256", "rules_version")
_GEOM, _GEOM_WGS84 = "geom", "geom_wgs84"
_RESERVED = {*RUN_COLUMNS, _GEOM, _GEOM_WGS84, "fid"}


class DatabaseWriteError(GeoplanError, OSError):
    """The results could not be written to the database (nothing of the run was kept)."""


@dataclass(frozen=True)
class RunRecord:
    """What :func:`write_analysis` wrote: the run's id, its date and the rows per table."""

    run_id: str
    as_of: _dt.date
    schema: str
    rows: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# ------------------------------------------------------------------------------- inputs


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(plan: Plan) -> list[dict[str, Any]]:
    """Every input of the plan with its SHA-256: files as stored, database layers as read."""
    from geoplan.io.postgis import rows_sha256

    out: list[dict[str, Any]] = [{"layer": None, "source": plan.path.name,
                                  "sha256": _sha256_file(plan.path)}]
    for layer in plan.layers.values():
        if layer.spec.is_database:
            out.append({"layer": layer.name, "source": str(layer.source),
                        "sha256": rows_sha256(layer.frame), "of": "rows as read"})
        else:
            out.append({"layer": layer.name, "source": str(layer.source),
                        "sha256": _sha256_file(layer.source)})
    for raster in plan.rasters.values():
        out.append({"layer": raster.name, "source": str(raster.path),
                    "sha256": _sha256_file(raster.path)})
    return out


def _rules_version() -> tuple[str | None, str]:
    """Version and hash of the rule table (:func:`geoplan.rules.table_identity`)."""
    from geoplan.rules import table_identity

    found = table_identity()
    return found["version"], found["sha256"]


# ------------------------------------------------------------------------------- tables


def _pg_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamptz"
    values = series.dropna()
    if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
        return "boolean"
    return "text"


def _value(v: Any, pg_type: str) -> Any:
    """One cell for COPY: None for missing, plain Python otherwise, text for text columns."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if pg_type == "text" and not isinstance(v, str):
        if isinstance(v, (dict, list, tuple)):
            return json.dumps(v, ensure_ascii=False, default=str)
        return str(v)
    if pg_type == "double precision" and isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return v


def _column_name(name: str) -> str:
    name = str(name)
    return f"{name}_" if name.lower() in _RESERVED else name


def _srid(conn: psycopg.Connection[Any], crs: Any) -> int:
    """An SRID of ``spatial_ref_sys`` for ``crs``: its EPSG code, registered when missing."""
    code = crs.to_epsg()
    if code is None:
        raise DatabaseWriteError(f"the analysis CRS {crs.name} has no EPSG code, so it cannot "
                                 "be given an SRID in the database; set analysis_crs = "
                                 "\"EPSG:...\" in the plan")
    row = conn.execute("SELECT srid FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND "
                       "auth_srid = %s ORDER BY srid = %s DESC LIMIT 1", [code, code]).fetchone()
    if row is not None:
        return int(row[0])
    taken = conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", [code]).fetchone()
    free = conn.execute("SELECT greatest(max(srid) + 1, 910000) FROM spatial_ref_sys").fetchone()
    srid = code if taken is None else int(free[0] if free else 910000)
    with warnings.catch_warnings():  # PROJ strings lose detail; PostGIS reads auth and WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4() or ""
    conn.execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
                 "VALUES (%s, 'EPSG', %s, %s, %s)",
                 [srid, code, crs.to_wkt("WKT1_GDAL"), proj4])
    log.info("registered EPSG:%s as SRID %s in spatial_ref_sys", code, srid)
    return srid


def _existing_columns(conn: psycopg.Connection[Any], schema: str, table: str
                      ) -> dict[str, str]:
    rows = conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = %s AND table_name = %s", [schema, table]).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _ensure_table(conn: psycopg.Connection[Any], schema: str, table: str,
                  columns: Mapping[str, str], srid: int) -> dict[str, str]:
    """Create ``schema.table`` or add the columns it lacks; returns every column's type."""
    from psycopg import sql

    ident = sql.Identifier(schema, table)
    have = _existing_columns(conn, schema, table)
    if not have:
        defs: list[sql.Composable] = [sql.SQL("fid bigserial PRIMARY KEY"),
                sql.SQL("run_id uuid NOT NULL"), sql.SQL("as_of date NOT NULL"),
                sql.SQL("inputs_sha256 text NOT NULL"), sql.SQL("rules_version text")]
        defs += [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
                 for c, t in columns.items()]
        defs += [sql.SQL("{} geometry(Geometry, {})").format(sql.Identifier(_GEOM),
                                                              sql.Literal(srid)),
                 sql.SQL("{} geometry(Geometry, 4326)").format(sql.Identifier(_GEOM_WGS84))]
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(defs)))
        for col in (_GEOM, _GEOM_WGS84):
            conn.execute(sql.SQL("CREATE INDEX {} ON {} USING gist ({})").format(
                sql.Identifier(f"{table}_{col}_gist"), ident, sql.Identifier(col)))
        conn.execute(sql.SQL("CREATE INDEX {} ON {} (run_id)").format(
            sql.Identifier(f"{table}_run_id"), ident))
        return {**{c: t for c, t in columns.items()}, _GEOM: "geometry", _GEOM_WGS84: "geometry"}
    gtype = conn.execute("SELECT srid FROM geometry_columns WHERE f_table_schema = %s AND "
                         "f_table_name = %s AND f_geometry_column = %s",
                         [schema, table, _GEOM]).fetchone()
    if gtype is not None and int(gtype[0]) != srid:
        raise DatabaseWriteError(f"{schema}.{table} holds geometries with SRID {gtype[0]}, this "
                                 f"run's analysis CRS is SRID {srid}; write this plan into "
                                 "another schema (--schema)")
    for c, t in columns.items():
        if c not in have:
            conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                ident, sql.Identifier(c), sql.SQL(t)))
            have[c] = t
    return {c: ("text" if have.get(c) in ("text", "character varying") else
                "double precision" if have.get(c) in ("double precision", "real", "numeric")
                else have.get(c, t)) for c, t in columns.items()}


def _copy_rows(conn: psycopg.Connection[Any], schema: str, table: str, frame: gpd.GeoDataFrame,
               run: Mapping[str, Any], srid: int, wgs84: gpd.GeoSeries) -> int:
    """Append ``frame``'s rows with COPY; geometries as EWKB in both CRSs."""
    from psycopg import sql

    attrs = [c for c in frame.columns if c != frame.geometry.name]
    names = {c: _column_name(c) for c in attrs}
    types = {names[c]: _pg_type(frame[c]) for c in attrs}
    types = _ensure_table(conn, schema, table, types, srid)
    # hex EWKB: text COPY hands it to geometry's input function as it is
    geom = shapely.to_wkb(shapely.set_srid(np.asarray(frame.geometry.array, dtype=object), srid),
                          hex=True, include_srid=True)
    geom84 = shapely.to_wkb(shapely.set_srid(np.asarray(wgs84.array, dtype=object), 4326),
                            hex=True, include_srid=True)
    cols = [*RUN_COLUMNS, *(names[c] for c in attrs), _GEOM, _GEOM_WGS84]
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema, table), sql.SQL(", ").join(sql.Identifier(c) for c in cols))
    fixed = [run["run_id"], run["as_of"], run["inputs_sha256"], run["rules_version"]]
    data = [frame[c].to_numpy(dtype=object) for c in attrs]
    kinds = [types[names[c]] for c in attrs]
    with conn.cursor() as cur, cur.copy(copy) as out:
        for i in range(len(frame)):
            out.write_row([*fixed, *(_value(col[i], k) for col, k in zip(data, kinds,
                                                                          strict=True)),
                           geom[i], geom84[i]])
    return len(frame)


def _style_rows(conn: psycopg.Connection[Any], schema: str, table: str, kind: str,
                frame: gpd.GeoDataFrame, title: str, styles: Any) -> None:
    """QGIS default styles for both geometry columns (once per table and column)."""
    from geoplan.export import ExportLayer, layer_style

    conn.execute("""CREATE TABLE IF NOT EXISTS public.layer_styles (
        id serial PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar,
        f_table_name varchar, f_geometry_column varchar, stylename text, styleqml xml,
        stylesld xml, useasdefault boolean, description text,
        owner varchar(63) DEFAULT CURRENT_USER, ui xml,
        update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)""")
    qml, sld = layer_style(ExportLayer(table, kind, frame, title), styles)
    for column in (_GEOM, _GEOM_WGS84):
        found = conn.execute("SELECT 1 FROM public.layer_styles WHERE f_table_schema = %s AND "
                             "f_table_name = %s AND f_geometry_column = %s",
                             [schema, table, column]).fetchone()
        if found is not None:
            continue
        conn.execute("INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, "
                     "f_table_name, f_geometry_column, stylename, styleqml, stylesld, "
                     "useasdefault, description, owner, ui, type) VALUES "
                     "(current_database(), %s, %s, %s, %s, %s, %s, true, %s, 'geoplan', NULL, "
                     "%s)",
                     [schema, table, column, title, qml, sld,
                      f"geoplan default style for {kind}", _geometry_family(frame)])


def _geometry_family(frame: gpd.GeoDataFrame) -> str:
    types = frame.geometry.dropna().geom_type.str.replace("Multi", "", regex=False)
    top = str(types.value_counts().index[0]) if len(types) else "Point"
    return {"Point": "Point", "LineString": "Line"}.get(top, "Polygon")


def _runs_table(conn: psycopg.Connection[Any], schema: str) -> None:
    from psycopg import sql

    conn.execute(sql.SQL("""CREATE TABLE IF NOT EXISTS {} (
        run_id uuid PRIMARY KEY, command text NOT NULL, started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(), as_of date NOT NULL,
        plan_name text, plan_file text, plan_sha256 text, inputs jsonb NOT NULL,
        inputs_sha256 text NOT NULL, rules_version text, rules_sha256 text,
        analysis_crs text, geoplan_version text, summary jsonb, tables jsonb)""").format(
        sql.Identifier(schema, "runs")))


def _outputs(analysis: Analysis, plan_layers: bool) -> list[tuple[str, str, gpd.GeoDataFrame,
                                                                   str]]:
    """(table, style kind, frame, title) of everything the run writes."""
    out = []
    for name, frame in analysis.layers().items():
        out.append((name, name, frame, name.replace("_", " ")))
    if plan_layers:
        by_kind: dict[str, list[gpd.GeoDataFrame]] = {}
        for layer in analysis.plan.layers.values():
            by_kind.setdefault(layer.kind, []).append(layer.frame.assign(layer=layer.name))
        for kind, frames in by_kind.items():
            frame = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
                pd.concat(frames, ignore_index=True), geometry="geometry",
                crs=analysis.plan.crs)
            cols = ["layer", *[c for c in frame.columns if c not in ("layer",)]]
            out.append((f"plan_{kind}", kind, frame[cols], kind.replace("_", " ")))
    return out


def _json(data: Any) -> str:
    def default(v: Any) -> Any:
        if isinstance(v, np.generic):
            return v.item()
        return str(v)

    def clean(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if isinstance(x, float) and not np.isfinite(x):
            return None
        return x

    return json.dumps(clean(data), ensure_ascii=False, default=default)


def write_analysis(
    analysis: Analysis,
    url: str,
    *,
    schema: str = DEFAULT_SCHEMA,
    command: str = "analyse",
    plan_layers: bool = True,
    tables: Iterable[str] | None = None,
) -> RunRecord:
    """Append one run of ``analysis`` to the PostGIS database at ``url``, in one transaction.

    Parameters
    ----------
    analysis
        What to write (:func:`geoplan.analyse`): its :meth:`~geoplan.analysis.Analysis.layers`
        (findings, coverage and grid outputs) and, with ``plan_layers``, the plan's layers.
    url
        ``postgresql://user@host:port/db``; the password comes from ``PGPASSWORD``,
        ``~/.pgpass`` or ``PGSERVICE``, never from the URL.
    schema
        Where the tables live (created when missing).
    command
        The command recorded in ``runs`` (``check``, ``coverage``, ``grid``, ``export``).
    tables
        Write only these output tables (all when ``None``).

    Raises
    ------
    DatabaseWriteError
        The server cannot be reached, refuses the login, or a write fails; the transaction is
        rolled back, so the run leaves no row.
    """
    from geoplan._version import __version__
    from geoplan.crs import to_wgs84
    from geoplan.io.postgis import connect, redact
    from geoplan.maps.styles import style_table

    psycopg = _psycopg()
    check_url(url)
    plan = analysis.plan
    started = _dt.datetime.now(_dt.timezone.utc)
    as_of = getattr(plan.spec, "as_of", None) or started.date()
    inputs = input_hashes(plan)
    digest = hashlib.sha256(_json(inputs).encode("utf-8")).hexdigest()
    rules_version, rules_sha = _rules_version()
    run_id = str(uuid.uuid4())
    run = {"run_id": run_id, "as_of": as_of, "inputs_sha256": digest,
           "rules_version": rules_version}
    outputs = _outputs(analysis, plan_layers)
    if tables is not None:
        wanted = set(tables)
        outputs = [o for o in outputs if o[0] in wanted or o[0].startswith("plan_")]
    styles = style_table(plan.settings.get("map"))
    rows: dict[str, int] = {}
    where = f"{redact(url)} schema {schema}"
    with connect(url, autocommit=False, error=DatabaseWriteError) as conn:
        try:
            from psycopg import sql

            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"geoplan:{schema}"])
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            srid = _srid(conn, plan.crs)
            _runs_table(conn, schema)
            for table, kind, frame, title in outputs:
                wgs84 = to_wgs84(frame[[frame.geometry.name]]).geometry if len(frame) else \
                    gpd.GeoSeries([], crs="EPSG:4326")
                rows[table] = _copy_rows(conn, schema, table, frame, run, srid, wgs84)
                _style_rows(conn, schema, table, kind, frame, title, styles)
            conn.execute(sql.SQL(
                "INSERT INTO {} (run_id, command, started_at, as_of, plan_name, plan_file, "
                "plan_sha256, inputs, inputs_sha256, rules_version, rules_sha256, analysis_crs, "
                "geoplan_version, summary, tables) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s, %s, %s)").format(sql.Identifier(schema, "runs")),
                [run_id, command, started, as_of, plan.name, str(plan.path),
                 inputs[0]["sha256"], _json(inputs), digest, rules_version, rules_sha,
                 plan.crs.to_string(), __version__, _json(analysis.summary()), _json(rows)])
            conn.commit()
        except psycopg.Error as exc:
            conn.rollback()
            raise DatabaseWriteError(f"{where}: the write failed and was rolled back, nothing of "
                                     f"this run was kept ({str(exc).strip().splitlines()[0]})"
                                     ) from None
        except BaseException:
            conn.rollback()
            raise
    log.info("run %s: %d rows in %d tables of %s", run_id, sum(rows.values()), len(rows), where)
    return RunRecord(run_id, as_of, schema, rows)


def check_url(url: str) -> str:
    """``url`` when it is a PostgreSQL URL without a password; :class:`DatabaseWriteError`
    saying why otherwise (a password belongs in PGPASSWORD, ~/.pgpass or PGSERVICE)."""
    from urllib.parse import parse_qs, urlsplit

    from geoplan.io.postgis import redact

    if not url.lower().startswith(("postgresql://", "postgres://")):
        raise DatabaseWriteError(f"{url!r} is not a PostgreSQL URL; write "
                                 "postgresql://user@host:5432/database")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise DatabaseWriteError(f"{redact(url)}: not a valid connection URL ({exc})") from None
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise DatabaseWriteError(f"{redact(url)}: the URL holds a password, which would stay "
                                 "in the shell history and in logs; give it in PGPASSWORD, "
                                 "~/.pgpass or a PGSERVICE entry instead")
    return url


def _psycopg() -> Any:
    from geoplan.io.postgis import _psycopg as load

    return load()
