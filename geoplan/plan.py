"""The plan file (``plan.toml``) and the loaded plan.

A plan names the province, the analysis CRS and its layers::

    [plan]
    name = "Bắc Ninh 2021-2030"
    province = "Bắc Ninh"          # optional: picks the VN-2000 zone and the boundary checks
    analysis_crs = "EPSG:9209"     # optional: overrides the zone
    [layers.grid]                   # any name; several layers may share a kind
    kind = "grid_line"
    path = "grid.gpkg"              # relative to the plan file
    layer = "power_line"            # optional, for multi-layer sources
    crs = "EPSG:9209"               # optional, for sources that carry no CRS
    fields = { voltage_kv = "cap_dien_ap", name = "ten" }   # canonical = source column

A field may also name its column's unit when it is not the canonical one, converted at load:
``fields = { capacity_mw = { column = "output", unit = "kW" } }`` (see
:data:`geoplan.kinds.SOURCE_UNITS`).

Further layer keys: ``defaults`` (canonical field -> value for features that lack one, e.g.
``{ status = "existing" }``), ``x_field`` / ``y_field`` (coordinate columns of a CSV/Excel
table; for VN-2000 tables remember that Vietnamese documents call the northing X),
``encoding`` (of a legacy Shapefile/CSV without .cpg; ``"tcvn3"``, ``"vni"`` and ``"cp1258"`` force
the legacy Vietnamese conversion of :mod:`geoplan.io.encodings`), ``sheet`` (Excel),
``band`` (raster),
``accept_voltages_kv`` (levels accepted beyond Vietnam's, e.g. ``[115, 230]`` for the foreign
levels of cross-border lines in OpenStreetMap; reported as a note),
``attributes`` (a CSV or Excel table of more attributes keyed by feature id, as Departments keep
their cluster figures: ``attributes = "clusters.xlsx"`` or
``attributes = { path = "clusters.xlsx", sheet = "CCN", key = "ma_ccn" }``; joined onto the
layer before validation, unmatched ids reported),
``attribution`` (who to credit for the layer's data, ``"© Sở Công Thương Bắc Ninh"``; without
it the credit is told from the data's own marks, :mod:`geoplan.attribution`, and shown on the
maps and reports: :attr:`Plan.attributions`).
``meridian_choice`` is a ``[plan]`` key choosing a disputed province meridian. ``as_of``
(``"2026-12-02"``) is the day the plan is judged on: the checks use the rules in force then
(default: the day of the run); ``dossier_filed`` is the day the clusters' establishment or
expansion dossiers were filed, for the transitional rule of Decree 303/2026 (a cluster's own
``dossier_filed`` field wins). ``max_layer_mb``
(default 2048) is the most megabytes one layer may hold (a zip: unpacked), checked before it is
decoded, with a vertex limit of ``max_layer_mb`` × 1,000,000 / 16. Layer names are compared
without regard to case or Unicode normalisation (``Clusters`` and ``clusters`` are one name).

A layer may come from a PostGIS database instead of a file: ``path`` is then a connection URL
``postgresql://user@host:port/db`` (or ``postgresql:///db?service=NAME``) with ``table =
"schema.table"`` or ``sql = "SELECT ..."``. The password never goes into the plan file (a URL
that holds one is refused): libpq takes it from ``PGPASSWORD``, ``~/.pgpass`` or a
``PGSERVICE`` entry. The geometry column and its SRID come from the database's catalogue;
everything else (``fields``, ``defaults``, ``crs``, validation) is as for a file.

Unknown keys are errors that list the valid ones. The sections ``rules``, ``coverage``, ``grid``,
``map``, ``export`` and ``report`` belong to the stages that use them, which check their keys
and values: each stage's checker is registered here with :func:`register_settings` (by the
package, ``geoplan/__init__.py``), and the load stage calls :func:`settings_check` without
importing any later stage.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from geoplan.attribution import merge_credits
from geoplan.errors import PlanError, check_keys
from geoplan.kinds import KINDS, RASTER_KINDS, normalise_date, unit_factor
from geoplan.messages import Text, message
from geoplan.names import own_province_mask

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pyproj

    from geoplan.problems import ValidationReport

__all__ = [
    "PLAN_FILE",
    "SETTINGS_SECTIONS",
    "AttributeSpec",
    "DatabaseSource",
    "Layer",
    "LayerSpec",
    "Plan",
    "PlanSpec",
    "RasterLayer",
    "SettingsCheck",
    "find_plan_file",
    "layer_name_key",
    "read_plan_file",
    "register_settings",
    "settings_check",
]

PLAN_FILE = "plan.toml"
PLAN_KEYS = ("name", "province", "analysis_crs", "province_scheme", "meridian_choice",
             "description", "as_of", "dossier_filed", "max_layer_mb")
LAYER_KEYS = ("kind", "path", "layer", "crs", "fields", "defaults", "x_field", "y_field",
              "encoding", "sheet", "band", "title", "accept_voltages_kv", "attributes",
              "table", "sql", "attribution")
ATTRIBUTE_KEYS = ("path", "sheet", "key", "encoding")
SETTINGS_SECTIONS = ("rules", "coverage", "grid", "map", "export", "report")
TOP_KEYS = ("plan", "layers", *SETTINGS_SECTIONS)

SettingsCheck = Callable[[Mapping[str, Any]], None]
"""A settings section's checker: raises :class:`PlanError` naming the bad key or value."""
_SETTINGS_CHECKS: dict[str, SettingsCheck] = {}


def register_settings(section: str, check: SettingsCheck) -> None:
    """Register the function that checks a plan's ``[section]`` table.

    The stage that reads a section owns its checker (e.g. ``geoplan.grid.validate_settings``);
    registering it here lets the load stage check every section of a plan file while importing
    no stage after it.
    """
    if section not in SETTINGS_SECTIONS:
        raise ValueError(f"{section!r} is not a settings section of the plan file; sections: "
                         f"{', '.join(SETTINGS_SECTIONS)}")
    _SETTINGS_CHECKS[section] = check


def settings_check(section: str) -> SettingsCheck:
    """The checker registered for ``[section]``; :class:`LookupError` when none is."""
    try:
        return _SETTINGS_CHECKS[section]
    except KeyError:
        raise LookupError(f"no checker is registered for the plan's [{section}] table; "
                          f"import geoplan (its __init__ registers them)") from None


def _unknown(keys: Any, valid: tuple[str, ...], where: str, path: Path) -> None:
    place: Any = (Text(" ở cấp ngoài cùng của tệp phương án", " at the plan file's top level")
                  if where == "the plan file's top level" else f" in {where}")
    try:
        check_keys(keys, valid, where=place)
    except PlanError as exc:
        raise PlanError(Text(f"{path}: {exc.message_in('vi')}", f"{path}: {exc}")) from None


def _says(key: str, **fields: Any) -> Text:
    """The plan-file error ``key`` of the messages table, in both languages."""
    return message(f"plan_file.{key}", capital=False, **fields)


@dataclass(frozen=True)
class AttributeSpec:
    """A table of more attributes for a layer, joined by feature id (``attributes`` key)."""

    path: Path
    sheet: str | None = None
    key: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One ``[layers.NAME]`` table of the plan file."""

    name: str
    kind: str
    path: Path
    layer: str | None = None
    crs: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: canonical field -> the unit its source column is in (``fields = { capacity_mw =
    #: { column = "output", unit = "kW" } }``), converted at load
    units: Mapping[str, str] = field(default_factory=dict)
    x_field: str | None = None
    y_field: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    band: int = 1
    title: str | None = None
    accept_voltages_kv: tuple[float, ...] = ()
    attributes: AttributeSpec | None = None
    table: str | None = None
    sql: str | None = None
    database: str | None = None
    #: the credit of the layer's data (``attribution = "..."``), shown on maps and reports
    attribution: str | None = None

    @property
    def is_raster(self) -> bool:
        return self.kind in RASTER_KINDS

    @property
    def is_database(self) -> bool:
        """Whether the layer is read from a PostGIS database (``database`` is its URL)."""
        return self.database is not None


@dataclass(frozen=True)
class PlanSpec:
    """The parsed plan file, before any layer is read."""

    path: Path
    name: str
    province: str | None = None
    analysis_crs: str | None = None
    province_scheme: Literal["2025", "1999"] = "2025"
    meridian_choice: float | None = None
    description: str | None = None
    layers: tuple[LayerSpec, ...] = ()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    as_of: _dt.date | None = None
    dossier_filed: _dt.date | None = None
    max_layer_mb: float = 2048

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def max_layer_bytes(self) -> int:
        """The most bytes one layer may hold (``max_layer_mb``)."""
        return int(self.max_layer_mb * 1_000_000)


def find_plan_file(path: str | Path) -> Path:
    """The plan file itself, given the file or the folder holding ``plan.toml``."""
    p = Path(path)
    if p.is_dir():
        candidate = p / PLAN_FILE
        if not candidate.exists():
            tomls = sorted(x.name for x in p.glob("*.toml"))
            extra = _says("found_tomls", found=", ".join(tomls)) if tomls else Text.same("")
            raise PlanError(_says("no_plan_in_folder", path=str(p), name=PLAN_FILE, extra=extra))
        return candidate
    if not p.exists():
        raise PlanError(_says("no_such_file", path=str(p)))
    return p


def read_plan_file(path: str | Path) -> PlanSpec:
    """Parse and check a plan file (keys, kinds, paths); layers are not read."""
    file = find_plan_file(path)
    data = _read_toml(file)
    _unknown(data, TOP_KEYS, "the plan file's top level", file)
    head = data.get("plan")
    if not isinstance(head, dict):
        raise PlanError(_says("no_plan_table", file=str(file)))
    _unknown(head, PLAN_KEYS, "[plan]", file)
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PlanError(_says("no_name", file=str(file)))
    for key in ("province", "analysis_crs", "description"):
        if key in head and not isinstance(head[key], str):
            raise PlanError(f"{file}: [plan] {key} must be a string, got {head[key]!r}")
    scheme = str(head.get("province_scheme", "2025"))
    if scheme not in ("2025", "1999"):
        raise PlanError(f"{file}: [plan] province_scheme = {scheme!r}; use \"2025\" (34 "
                        "provinces since 1 July 2025) or \"1999\" (the 63 provinces before)")
    choice = head.get("meridian_choice")
    if choice is not None and not isinstance(choice, (int, float)):
        raise PlanError(f"{file}: [plan] meridian_choice must be a longitude in degrees, "
                        f"e.g. 106.25, got {choice!r}")

    dates: dict[str, _dt.date | None] = {}
    for key in ("as_of", "dossier_filed"):
        try:
            iso = normalise_date(head.get(key))
        except ValueError as exc:
            raise PlanError(f"{file}: [plan] {key}: {exc}") from None
        dates[key] = _dt.date.fromisoformat(iso) if iso else None
    limit = head.get("max_layer_mb", 2048)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0:
        raise PlanError(f"{file}: [plan] max_layer_mb must be a number of megabytes > 0 (the most "
                        f"one layer may hold; default 2048), got {limit!r}")

    raw_layers = data.get("layers", {})
    if not isinstance(raw_layers, dict) or not raw_layers:
        raise PlanError(_says("no_layers", file=str(file)))
    _check_layer_names(raw_layers, file)
    layers = tuple(_layer_spec(n, t, file) for n, t in raw_layers.items())
    settings = {k: dict(data[k]) for k in SETTINGS_SECTIONS if k in data}
    for k, v in settings.items():
        if not isinstance(data[k], dict):
            raise PlanError(f"{file}: [{k}] must be a table, got {v!r}")
    return PlanSpec(
        path=file.resolve(),
        name=name.strip(),
        province=head.get("province"),
        analysis_crs=head.get("analysis_crs"),
        province_scheme=cast(Literal["2025", "1999"], scheme),
        meridian_choice=float(choice) if choice is not None else None,
        description=head.get("description"),
        layers=layers,
        settings=settings,
        as_of=dates["as_of"],
        dossier_filed=dates["dossier_filed"],
        max_layer_mb=float(limit),
    )


#: The most bytes a plan file may hold (a plan is a few kilobytes of text).
_MAX_PLAN_BYTES = 10_000_000


def _read_toml(file: Path) -> dict[str, Any]:
    """The plan file's TOML, a UTF-8 byte-order mark dropped; a FIFO, a device or a huge file
    is refused by its type and size before it is read."""
    import os
    import stat

    try:
        info = os.stat(file)
    except OSError as exc:
        raise PlanError(_says("unreadable", file=str(file), detail=str(exc.strerror))) from exc
    if not stat.S_ISREG(info.st_mode):
        raise PlanError(f"{file}: is not a regular file (a FIFO, a device ...); pass the plan.toml "
                        "file or the folder holding it")
    if info.st_size > _MAX_PLAN_BYTES:
        raise PlanError(f"{file}: holds {info.st_size / 1e6:,.0f} MB; a plan file is a few "
                        "kilobytes of TOML text: is this the plan file?")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PlanError(_says("unreadable", file=str(file), detail=str(exc.strerror))) from exc
    try:
        text = raw.decode("utf-8-sig")  # Notepad saves UTF-8 with a byte-order mark
    except UnicodeDecodeError as exc:
        raise PlanError(_says("not_utf8", file=str(file), detail=exc.reason,
                              at=str(exc.start))) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(_says("not_toml", file=str(file), detail=str(exc))) from exc


def layer_name_key(name: str) -> str:
    """The key two layer names are compared by: NFC, case-folded (``Clusters`` = ``clusters``,
    and the NFD spelling of ``Cụm`` = its NFC spelling).

    >>> layer_name_key("Cụm") == layer_name_key("cu\u0323m".upper())
    True
    """
    import unicodedata

    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _check_layer_names(raw_layers: Mapping[str, Any], file: Path) -> None:
    seen: dict[str, str] = {}
    for name in raw_layers:
        key = layer_name_key(str(name))
        if key in seen:
            other = seen[key]
            how = "differ only in case" if other.casefold() == str(name).casefold() else \
                "are the same name in two Unicode spellings (NFC and NFD)"
            raise PlanError(f"{file}: [layers.{other}] and [layers.{name}] {how}; their exports "
                            "and map layers would collide (one file name on Windows and macOS, "
                            "two identical-looking files elsewhere): rename one of them")
        seen[key] = str(name)


def _layer_spec(name: str, table: Any, file: Path) -> LayerSpec:
    where = f"[layers.{name}]"
    if not isinstance(table, dict):
        raise PlanError(_says("layer_not_table", file=str(file), where=where))
    _unknown(table, LAYER_KEYS, where, file)
    kind = table.get("kind")
    valid_kinds = (*KINDS, *RASTER_KINDS)
    if kind not in valid_kinds:
        close = difflib.get_close_matches(str(kind), valid_kinds, n=1)
        hint = _says("kind_hint", close=repr(close[0])) if close else Text.same("")
        raise PlanError(_says("bad_kind", file=str(file), where=where, kind=repr(kind),
                              hint=hint, valid=", ".join(valid_kinds)))
    if not isinstance(table.get("path"), str):
        raise PlanError(_says("no_path", file=str(file), where=where))
    database = _database_url(table, where, file)
    src: Path
    if database is not None:
        src = DatabaseSource(database, table.get("table"), table.get("sql"))
    else:
        src = Path(table["path"])
        src = src if src.is_absolute() else (file.parent / src)
    for key in ("layer", "crs", "x_field", "y_field", "encoding", "sheet", "title",
                "attribution"):
        if key in table and not isinstance(table[key], str):
            raise PlanError(f"{file}: {where} {key} must be a string, got {table[key]!r}")
    credit = table.get("attribution")
    if credit is not None and not credit.strip():
        raise PlanError(f"{file}: {where} attribution is empty; name who to credit for the "
                        "layer's data (attribution = \"© OpenStreetMap contributors\") or remove "
                        "the key")
    fields = table.get("fields", {})
    defaults = table.get("defaults", {})
    for key, mapping in (("fields", fields), ("defaults", defaults)):
        if not isinstance(mapping, dict):
            raise PlanError(f"{file}: {where} {key} must be an inline table like "
                            "{ name = \"ten\" }")
    units: dict[str, str] = {}
    if kind in KINDS:
        canonical = KINDS[kind].field_names
        for key, mapping in (("fields", fields), ("defaults", defaults)):
            _unknown(mapping, canonical, f"{where} {key} (canonical fields of {kind})", file)
        fields, units = _field_units(fields, kind, where, file)
    if ("x_field" in table) != ("y_field" in table):
        raise PlanError(f"{file}: {where} needs both x_field and y_field (x = easting or "
                        "longitude, y = northing or latitude)")
    extra = table.get("accept_voltages_kv", [])
    if not isinstance(extra, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in extra
    ):
        raise PlanError(f"{file}: {where} accept_voltages_kv must be a list of levels in kV, e.g. "
                        f"[115, 230], got {extra!r}")
    band = table.get("band", 1)
    if not isinstance(band, int) or band < 1:
        raise PlanError(f"{file}: {where} band must be a band number ≥ 1, got {band!r}")
    attributes = _attribute_spec(table.get("attributes"), where, file) \
        if "attributes" in table else None
    if attributes is not None and kind in RASTER_KINDS:
        raise PlanError(f"{file}: {where} attributes: a raster layer has no features to join a "
                        "table to; remove the key")
    return LayerSpec(
        name=name, kind=kind, path=src, layer=table.get("layer"), crs=table.get("crs"),
        fields=dict(fields), defaults=dict(defaults), units=units, x_field=table.get("x_field"),
        y_field=table.get("y_field"), encoding=table.get("encoding"), sheet=table.get("sheet"),
        band=band, title=table.get("title"), accept_voltages_kv=tuple(float(v) for v in extra),
        attributes=attributes,
        table=table.get("table"), sql=table.get("sql"), database=database,
        attribution=" ".join(credit.split()) if credit is not None else None,
    )


# ------------------------------------------------------------------------ database layers

#: How a database layer's ``path`` starts.
DATABASE_SCHEMES = ("postgresql://", "postgres://")
_CONCRETE_PATH: type[Path] = type(Path())


class DatabaseSource(_CONCRETE_PATH):  # type: ignore[valid-type,misc]
    """The source of a database layer where a file layer has its path.

    It prints as ``postgresql://user@host:port/db#schema.table`` (or ``... (sql)``), so every
    message that names a layer's file names the database table instead; it is no file
    (``exists()`` is false). The connection URL itself is :attr:`LayerSpec.database`.
    """

    _label: str

    def __new__(cls, url: str, table: str | None = None, sql: str | None = None
                ) -> DatabaseSource:
        label = f"{url}#{table}" if table else f"{url} (sql)"
        self = super().__new__(cls, label)
        self._label = label
        return self

    if sys.version_info >= (3, 12):  # pragma: no cover - pathlib takes segments in __init__
        def __init__(self, url: str, table: str | None = None, sql: str | None = None) -> None:
            super().__init__(f"{url}#{table}" if table else f"{url} (sql)")

        def with_segments(self, *segments: Any) -> Path:
            return Path(*segments)

    def __str__(self) -> str:
        return getattr(self, "_label", None) or super().__str__()

    def __fspath__(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"DatabaseSource({str(self)!r})"


def _database_url(table: Mapping[str, Any], where: str, file: Path) -> str | None:
    """The connection URL of a database layer (checked), ``None`` for a file layer."""
    from urllib.parse import parse_qs, urlsplit

    path = str(table["path"]).strip()
    is_db = path.lower().startswith(DATABASE_SCHEMES)
    if not is_db:
        for key in ("table", "sql"):
            if key in table:
                raise PlanError(f"{file}: {where} {key} is for database layers (path = "
                                f"\"postgresql://user@host:port/db\"); {table['path']!r} is a "
                                "file: remove the key, or give the database's URL as path")
        return None
    try:
        parts = urlsplit(path)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise PlanError(f"{file}: {where} path {path!r} is not a valid connection URL ({exc}); "
                        "write postgresql://user@host:5432/database") from None
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    if parts.password is not None or "password" in query:
        raise PlanError(f"{file}: {where} path holds a password. A plan file is shared and kept "
                        "with the plan, so it must not hold one: remove it from the URL "
                        "(postgresql://user@host:port/db) and give it to libpq in PGPASSWORD, "
                        "in ~/.pgpass (host:port:db:user:password, mode 0600) or in a "
                        "PGSERVICE entry of ~/.pg_service.conf")
    if not parts.path.strip("/") and "service" not in query and "dbname" not in query:
        raise PlanError(f"{file}: {where} path {path!r} names no database; write "
                        "postgresql://user@host:5432/database (or ?service=NAME)")
    given = [k for k in ("table", "sql") if k in table]
    if len(given) != 1:
        what = "both table and sql" if len(given) == 2 else "neither table nor sql"
        raise PlanError(f"{file}: {where} is a database layer with {what}; give one: table = "
                        "\"schema.table\" or sql = \"SELECT ...\"")
    value = table[given[0]]
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{file}: {where} {given[0]} must be a non-empty string, got {value!r}")
    for key in ("x_field", "y_field", "encoding", "sheet"):
        if key in table:
            raise PlanError(f"{file}: {where} {key} is for files; a database layer reads its "
                            "geometry column from the catalogue (name it with layer = "
                            "\"column\" when the table has several)")
    if table.get("kind") in RASTER_KINDS:
        raise PlanError(f"{file}: {where} a population raster is read from a GeoTIFF file, not "
                        "from a database")
    return path


def _attribute_spec(value: Any, where: str, file: Path) -> AttributeSpec:
    """``attributes = "x.xlsx"`` or ``attributes = { path = ..., sheet = ..., key = ... }``."""
    table = {"path": value} if isinstance(value, str) else value
    if not isinstance(table, dict) or not isinstance(table.get("path"), str):
        raise PlanError(f"{file}: {where} attributes must name a table, e.g. attributes = "
                        "\"clusters.xlsx\" or attributes = { path = \"clusters.xlsx\", sheet = "
                        f"\"CCN\", key = \"ma\" }}, got {value!r}")
    _unknown(table, ATTRIBUTE_KEYS, f"{where} attributes", file)
    for key in ("sheet", "key", "encoding"):
        if key in table and not isinstance(table[key], str):
            raise PlanError(f"{file}: {where} attributes.{key} must be a string, got "
                            f"{table[key]!r}")
    path = Path(table["path"])
    return AttributeSpec(path if path.is_absolute() else file.parent / path, table.get("sheet"),
                         table.get("key"), table.get("encoding"))


def _field_units(fields: Mapping[str, Any], kind: str, where: str, file: Path
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """``fields`` as canonical -> column, and the declared units: a field maps to a column name,
    or to ``{ column = "...", unit = "..." }`` when the column holds another unit than the
    canonical one (``capacity_mw = { column = "output", unit = "kW" }``)."""
    columns: dict[str, str] = {}
    units: dict[str, str] = {}
    for canon, column in fields.items():
        if isinstance(column, dict):
            _unknown(column, ("column", "unit"), f"{where} fields.{canon}", file)
            name, unit = column.get("column"), column.get("unit")
            if not isinstance(name, str) or not isinstance(unit, str):
                raise PlanError(f"{file}: {where} fields.{canon} needs column = \"...\" and "
                                f"unit = \"...\", e.g. {{ column = \"output\", unit = \"kW\" }}"
                                f", got {column!r}")
            try:
                unit_factor(KINDS[kind].get(canon).unit, unit)
            except ValueError as exc:
                raise PlanError(f"{file}: {where} fields.{canon}: {exc}") from None
            columns[canon], units[canon] = name, unit.strip()
        elif isinstance(column, str):
            columns[canon] = column
        else:
            raise PlanError(f"{file}: {where} fields.{canon} must name a source column (or be "
                            f"{{ column = \"...\", unit = \"...\" }}), got {column!r}")
    return columns, units


@dataclass(frozen=True)
class Layer:
    """A loaded vector layer: canonical fields, analysis CRS."""

    name: str
    kind: str
    spec: LayerSpec
    frame: gpd.GeoDataFrame
    source_crs: pyproj.CRS
    #: the credit of the layer's data: the plan's ``attribution`` key, else what the data says
    #: (:func:`geoplan.attribution.detect_credit`); ``None`` when nothing is known
    attribution: str | None = None

    @property
    def source(self) -> Path:
        return self.spec.path

    @property
    def title(self) -> str:
        return self.spec.title or self.name


@dataclass(frozen=True)
class RasterLayer:
    """A raster layer (population), read window by window when needed."""

    name: str
    kind: str
    spec: LayerSpec
    crs: pyproj.CRS
    nodata: float | None
    #: the plan's ``attribution`` key, else the credit the raster's path tells
    attribution: str | None = None

    @property
    def path(self) -> Path:
        return self.spec.path

    @property
    def band(self) -> int:
        return self.spec.band



@dataclass(frozen=True)
class Plan:
    """A loaded, validated plan: what :func:`geoplan.load_plan` returns."""

    spec: PlanSpec
    crs: pyproj.CRS
    layers: Mapping[str, Layer]
    rasters: Mapping[str, RasterLayer]
    report: ValidationReport

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def province(self) -> str | None:
        return self.spec.province

    @property
    def path(self) -> Path:
        return self.spec.path

    @property
    def settings(self) -> Mapping[str, Mapping[str, Any]]:
        return self.spec.settings

    @property
    def as_of(self) -> _dt.date:
        """The day the plan is judged on: ``[plan] as_of``, else today."""
        return self.spec.as_of or _dt.date.today()

    def with_as_of(self, day: _dt.date | None) -> Plan:
        """The same plan judged on ``day`` (``None``: unchanged)."""
        if day is None:
            return self
        return replace(self, spec=replace(self.spec, as_of=day))

    @property
    def layer_attributions(self) -> dict[str, str]:
        """The credit of each layer (vector and raster) that has one, in plan-file order."""
        found = {name: layer.attribution or layer.spec.attribution
                 for name, layer in self.layers.items()}
        found.update({name: raster.attribution or raster.spec.attribution
                      for name, raster in self.rasters.items()})
        order = {ls.name: i for i, ls in enumerate(self.spec.layers)}
        ranked = sorted(found.items(), key=lambda item: order.get(item[0], len(order)))
        return {name: credit for name, credit in ranked if credit}

    @property
    def attributions(self) -> tuple[str, ...]:
        """The credits of the plan's data, each once (what a map or report must show)."""
        return merge_credits(self.layer_attributions.values())

    def of_kind(self, kind: str) -> list[Layer]:
        """The layers of one kind, in plan-file order."""
        if kind not in KINDS:
            raise KeyError(f"{kind!r} is not a layer kind; valid: {', '.join(KINDS)}")
        return [layer for layer in self.layers.values() if layer.kind == kind]

    def frame(self, kind: str) -> gpd.GeoDataFrame:
        """All layers of ``kind`` in one frame with a ``layer`` column (empty when none)."""
        import geopandas as gpd
        import pandas as pd

        layers = self.of_kind(kind)
        columns = ["layer", *KINDS[kind].columns, "geometry"]
        if not layers:
            return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=self.crs)
        parts = [layer.frame.assign(layer=layer.name)[columns] for layer in layers]
        if len(parts) == 1:
            return parts[0]
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                crs=self.crs)

    def _boundary(self, level: str) -> gpd.GeoDataFrame | None:
        frame = self.frame("boundary")
        part = frame[frame["level"] == level]
        return part.reset_index(drop=True) if len(part) else None

    @property
    def boundary(self) -> gpd.GeoDataFrame | None:
        """The province's own polygon(s) from the plan's boundary layers, or ``None``.

        When the boundary layers also hold neighbouring provinces, only the rows named as
        ``[plan] province`` are the province (see :attr:`neighbours`).
        """
        part = self._boundary("province")
        if part is None:
            return None
        return part[own_province_mask(part["name"], self.province)].reset_index(drop=True)

    @property
    def neighbours(self) -> gpd.GeoDataFrame | None:
        """Province-level polygons that are not the plan's province (neighbours), or ``None``."""
        part = self._boundary("province")
        if part is None or not self.province:
            return None
        others = part[~own_province_mask(part["name"], self.province)].reset_index(drop=True)
        return others if len(others) else None

    @property
    def communes(self) -> gpd.GeoDataFrame | None:
        """Commune-level polygons of the plan's boundary layers, or ``None``."""
        return self._boundary("commune")
