"""Plans whose layers live in a real PostGIS: the sample province loaded with ``ogr2ogr``.

:func:`load_sample` copies every vector layer of ``layers/sample`` into one schema of the test
server with GDAL's ``ogr2ogr`` (as a Department would load its files), and
:func:`database_plan` writes a ``plan.toml`` whose layers read those tables: the same ``fields``
and ``defaults``, ``path`` the server's URL and ``table = "schema.table"``. The population
raster stays a file.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import realparts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "sample"
OGR2OGR_INSTALL = "apt-get install gdal-bin"
_schemas = itertools.count()


def ogr2ogr() -> str:
    """The ``ogr2ogr`` executable (Debian gdal-bin); a missing part otherwise."""
    found = shutil.which("ogr2ogr")
    if found is None:
        realparts.missing_part("ogr2ogr (GDAL)", "no ogr2ogr on PATH", OGR2OGR_INSTALL)
    return str(found)


def url(server: Any, user: str | None = None) -> str:
    """The connection URL of the test server (no password)."""
    return f"postgresql://{user or server.user}@{server.host}:{server.port}/{server.dbname}"


def _pg(server: Any) -> str:
    return f"PG:host={server.host} port={server.port} user={server.user} dbname={server.dbname}"


def load_file(server: Any, source: Path, table: str, *, layer: str | None = None,
              options: tuple[str, ...] = ()) -> None:
    """``ogr2ogr`` one vector layer into ``table`` (``schema.name``), geometry column ``geom``."""
    cmd = [ogr2ogr(), "-f", "PostgreSQL", _pg(server), str(source), *([layer] if layer else []),
           "-nln", table, "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=ogc_fid",
           "-lco", "OVERWRITE=YES", "-nlt", "GEOMETRY", *options]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ogr2ogr failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")


def load_sample(server: Any, schema: str | None = None) -> tuple[str, dict[str, Any]]:
    """Load the sample's vector layers into a new schema; returns (schema, plan data)."""
    schema = schema or f"quy_hoach_{next(_schemas)}"
    server.query(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    data = tomllib.loads((SAMPLE / "plan.toml").read_text(encoding="utf-8"))
    for name, spec in data["layers"].items():
        if spec["kind"] == "population":
            continue
        source = SAMPLE / spec["path"]
        options: tuple[str, ...] = ()
        if "x_field" in spec:  # a CSV table of points: ogr2ogr builds the points
            options = ("-oo", f"X_POSSIBLE_NAMES={spec['x_field']}",
                       "-oo", f"Y_POSSIBLE_NAMES={spec['y_field']}",
                       "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", spec["crs"])
        load_file(server, source, f"{schema}.{name}", layer=spec.get("layer"), options=options)
    return schema, data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def database_plan(folder: Path, server: Any, schema: str, data: dict[str, Any], *,
                  user: str | None = None, overrides: dict[str, dict[str, Any]] | None = None
                  ) -> Path:
    """Write ``folder/plan.toml``: the sample's plan with every vector layer read from
    ``schema`` on ``server`` (the raster copied beside it). ``overrides`` replaces keys of
    single layers (``{"clusters": {"table": "x.y"}}``)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[plan]"] + [f"{k} = {_toml_value(v)}" for k, v in data["plan"].items()]
    for name, spec in data["layers"].items():
        lines.append(f"\n[layers.{name}]")
        if spec["kind"] == "population":
            shutil.copy(SAMPLE / spec["path"], folder / spec["path"])
            keys = dict(spec)
        else:
            keys = {k: v for k, v in spec.items()
                    if k not in ("path", "layer", "x_field", "y_field", "encoding", "crs")}
            keys["path"] = url(server, user)
            keys["table"] = f"{schema}.{name}"
            attributes = spec.get("attributes")  # a table of more attributes: a file beside
            if attributes is not None:           # the plan, joined onto the database rows
                table = attributes if isinstance(attributes, str) else attributes["path"]
                shutil.copy(SAMPLE / table, folder / table)
        keys.update((overrides or {}).get(name, {}))
        for k, v in keys.items():
            if v is not None:
                lines.append(f"{k} = {_toml_value(v)}")
    for section in ("rules", "coverage", "grid", "map", "export", "report"):
        if section in data:
            lines.append(f"\n[{section}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in data[section].items()]
    plan = folder / "plan.toml"
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return plan


def finding_keys(findings: Any) -> set[tuple[Any, ...]]:
    """The identity of each finding (rule, severity, features, message): a comparable set."""
    cols = ["rule", "severity", "layer", "feature_id", "other_layer", "other_id", "message"]
    return {tuple(None if v is None else str(v) for v in row)
            for row in findings[cols].itertuples(index=False, name=None)}


def strip_paths(text: str) -> str:
    """``text`` without file paths and URLs (messages that name a source)."""
    return re.sub(r"(postgresql://\S+|/\S+)", "<source>", text)
