"""The export of a whole plan into one folder, and its ``manifest.json``.

:func:`export_plan` writes GeoJSON per layer, one GeoPackage and, when asked, zipped Shapefiles,
then the manifest: the input files' SHA-256, the rule table's version, the CRSs and the
transformation used, the feature counts and the SHA-256 of every output, so that an export can
be traced back to what produced it. Every output is checked with
:func:`geoplan.io.check_output` before anything is written; the folder is one transaction
(:func:`geoplan.io.atomic.staged_folder`): built in a staging folder beside it, the manifest
written last, then swapped into place whole, under an advisory lock that keeps a second writer
out. A folder that is or holds one of the plan's inputs is refused (``geoplan export`` also
refuses one inside the plan's folder).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import shapely

from geoplan.errors import CRSError, OutputExistsError
from geoplan.export.geopackage import write_geopackage
from geoplan.export.layers import (
    ExportLayer,
    _nfc_frame,
    export_layers,
    plan_slug,
    validate_settings,
)
from geoplan.export.shapefile import (
    SHAPEFILE_NAMES,
    _check_shapefile_values,
    shapefile_field_names,
    write_shapefile_zip,
)
from geoplan.io import atomic_path, check_output
from geoplan.io.atomic import check_not_input, staged_folder
from geoplan.io.geojson import DEFAULT_PRECISION, _check_precision, write_geojson
from geoplan.kinds import KINDS

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = ["MANIFEST_NAME", "ExportResult", "export_plan", "file_sha256", "plan_input_files"]

MANIFEST_NAME = "manifest.json"
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qmd", ".qix", ".sbn", ".sbx")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_plan` wrote: the folder, the files (manifest last), the manifest."""

    folder: Path
    files: tuple[Path, ...]
    manifest: Mapping[str, Any] = field(default_factory=dict)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, hex.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_files(path: Path) -> list[Path]:
    if path.suffix.lower() == ".shp":
        return [path, *(p for s in _SIDECARS if (p := path.with_suffix(s)).exists())]
    return [path]


def _rules_version() -> dict[str, Any]:
    """Version and hash of the rule table (:func:`geoplan.rules.table_identity`)."""
    from geoplan.rules import table_identity

    return dict(table_identity())


def _crs_record(crs: Any) -> dict[str, Any]:
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    auth = c.to_authority()
    return {"name": c.name, "id": ":".join(auth) if auth else None}


def export_plan(
    plan: Plan,
    dest: str | Path,
    *,
    extra: Mapping[str, tuple[str, gpd.GeoDataFrame]] | None = None,
    precision: int | None = None,
    shapefile: bool | None = None,
    geojson: bool = True,
    geopackage: bool = True,
    overwrite: bool = False,
) -> ExportResult:
    """Export every layer of ``plan`` (and ``extra`` layers) into the folder ``dest``.

    Parameters
    ----------
    plan
        A loaded plan (:func:`geoplan.load_plan`).
    dest
        Output folder, created when missing.
    extra
        More layers by name: ``{"findings": ("findings", frame), ...}``, in the plan's CRS.
        Exported to GeoJSON and GeoPackage, not to Shapefile.
    precision, shapefile
        Override ``[export] precision`` (default 7) and ``[export] shapefile`` (default false).
    geojson, geopackage
        Switch those outputs off.
    overwrite
        Replace existing outputs; without it, any existing output stops the export before a
        file is written (:class:`~geoplan.errors.OutputExistsError`).

    Returns
    -------
    ExportResult
        The files written, ``manifest.json`` last, and the manifest.
    """
    settings = dict(plan.settings.get("export", {}))
    validate_settings(settings)
    prec = _check_precision(settings.get("precision", DEFAULT_PRECISION)
                            if precision is None else precision)
    want_shp = bool(settings.get("shapefile", False)) if shapefile is None else shapefile
    folder = Path(dest)
    layers = export_layers(plan, extra)
    for layer in layers:
        if layer.frame.crs is None or not plan.crs.equals(layer.frame.crs):
            raise CRSError(f"{layer.name}: in {layer.frame.crs}, not in the plan's CRS "
                           f"{plan.crs.name}; reproject it with geoplan.crs.to_crs first")

    gpkg_name = settings.get("geopackage") or f"{plan_slug(plan.name)}.gpkg"
    planned: list[Path] = []
    if geojson:
        planned += [folder / f"{layer.name}.geojson" for layer in layers]
    if geopackage:
        planned.append(folder / gpkg_name)
    shp_layers = [layer for layer in layers if layer.kind in KINDS] if want_shp else []
    planned += [folder / f"{layer.name}.shp.zip" for layer in shp_layers]
    planned.append(folder / MANIFEST_NAME)
    check_not_input(folder, plan_input_files(plan), folder=True)
    _check_outputs(folder, planned, overwrite=overwrite)
    shp_names = dict(settings.get("shapefile_fields", {}))
    if shp_layers:  # refuse before writing anything
        for layer in shp_layers:
            frame = _nfc_frame(layer.frame)
            shapefile_field_names([c for c in frame.columns if c != frame.geometry.name],
                                  layer=layer.name, overrides=shp_names)
            _check_shapefile_values(frame, layer.name)

    # the folder is one transaction: built beside it, the manifest last, then swapped in whole
    replaceable = {p.name for p in planned} | _previous_outputs(folder)
    with staged_folder(folder, overwrite=overwrite, replaceable=replaceable) as stage:
        written: list[Path] = []
        outputs: dict[str, dict[str, str]] = {layer.name: {} for layer in layers}
        if geojson:
            for layer in layers:
                path = write_geojson(layer.frame, stage / f"{layer.name}.geojson",
                                     precision=prec, overwrite=True)
                written.append(path)
                outputs[layer.name]["geojson"] = path.name
                log.info("wrote %s (%d features)", folder / path.name, len(layer.frame))
        if geopackage:
            from geoplan.maps.styles import style_table

            path = write_geopackage(layers, stage / gpkg_name, crs=plan.crs,
                                    styles=style_table(plan.settings.get("map")),
                                    overwrite=True)
            written.append(path)
            for layer in layers:
                outputs[layer.name]["geopackage"] = f"{path.name}#{layer.name}"
            log.info("wrote %s (%d layers)", folder / path.name, len(layers))
        for layer in shp_layers:
            path = write_shapefile_zip(layer, stage / f"{layer.name}.shp.zip",
                                       field_names=shp_names, overwrite=True)
            written.append(path)
            outputs[layer.name]["shapefile"] = path.name
            log.info("wrote %s", folder / path.name)

        manifest = _manifest(plan, layers, outputs, written, stage, prec,
                             shp_names if shp_layers else None)
        with atomic_path(stage / MANIFEST_NAME, overwrite=True) as tmp:
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
        written.append(stage / MANIFEST_NAME)
    return ExportResult(folder, tuple(folder / p.name for p in written), manifest)


def plan_input_files(plan: Plan) -> list[Path]:
    """Every file the plan was read from: the plan file, each layer's source (a Shapefile
    with its sidecars) and the rasters."""
    files = [plan.path]
    for layer in plan.layers.values():
        if not layer.spec.is_database:  # a PostGIS table is no file
            files += _input_files(layer.source)
    files += [raster.path for raster in plan.rasters.values()]
    return files


def _previous_outputs(folder: Path) -> set[str]:
    """The files an earlier export's manifest lists in ``folder`` (which a new export into the
    same folder replaces), and the manifest itself."""
    try:
        record = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    names = {MANIFEST_NAME}
    for item in record.get("outputs", []) if isinstance(record, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("file"), str) \
                and "/" not in item["file"]:
            names.add(item["file"])
    return names


def _check_outputs(folder: Path, planned: Sequence[Path], *, overwrite: bool) -> None:
    """:func:`~geoplan.io.check_output` on every planned output before anything is written;
    one :class:`~geoplan.errors.OutputExistsError` names those that exist."""
    existing = []
    for path in planned:
        try:
            check_output(path, overwrite=overwrite)
        except OutputExistsError:
            existing.append(path)
    if existing:
        shown = ", ".join(p.name for p in existing[:6]) + (" ..." if len(existing) > 6 else "")
        raise OutputExistsError(f"{folder}: {len(existing)} output(s) exist already ({shown}); "
                                "pass --overwrite (overwrite=True) to replace them, or choose "
                                "another output folder")


def _manifest(plan: Plan, layers: Sequence[ExportLayer], outputs: Mapping[str, Mapping[str, str]],
              written: Sequence[Path], folder: Path, precision: int | None,
              shp_names: Mapping[str, str] | None) -> dict[str, Any]:
    import pyogrio
    import pyproj

    from geoplan._version import __version__

    inputs: list[dict[str, Any]] = []
    base = plan.path.parent
    for layer in plan.layers.values():
        if layer.spec.is_database:  # a PostGIS table or query: the rows as read
            from geoplan.io.postgis import rows_sha256

            inputs.append({"layer": layer.name, "file": str(layer.source),
                           "sha256": rows_sha256(layer.frame), "of": "rows as read"})
            continue
        for f in _input_files(layer.source):
            rel = f.relative_to(base).as_posix() if f.is_relative_to(base) else str(f)
            inputs.append({"layer": layer.name, "file": rel, "bytes": f.stat().st_size,
                           "sha256": file_sha256(f)})
    for raster in plan.rasters.values():
        f = raster.path
        rel = f.relative_to(base).as_posix() if f.is_relative_to(base) else str(f)
        inputs.append({"layer": raster.name, "file": rel, "bytes": f.stat().st_size,
                       "sha256": file_sha256(f)})
    layer_records = []
    for out in layers:
        types = sorted(set(out.frame.geometry.dropna().geom_type))
        layer_records.append({
            "name": out.name, "kind": out.kind, "title": out.label,
            "features": len(out.frame), "geometry_types": types,
            "outputs": dict(outputs.get(out.name, {})),
        })
    record: dict[str, Any] = {
        "generator": {"geoplan": __version__, "gdal": pyogrio.__gdal_version_string__,
                      "geos": shapely.geos_version_string, "proj": pyproj.proj_version_str},
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "plan": {"name": plan.name, "province": plan.province, "file": plan.path.name,
                 "sha256": file_sha256(plan.path)},
        "inputs": inputs,
        "rules": {**_rules_version(),
                  "as_of": plan.as_of.isoformat(),
                  "plan_overrides": dict(plan.settings.get("rules", {}))},
        "crs": {
            "analysis": _crs_record(plan.crs),
            "geopackage": _crs_record(plan.crs),
            "geojson": {"name": "WGS 84 longitude/latitude (RFC 7946)", "id": "OGC:CRS84"},
            "transformation": {"name": "VN-2000 to WGS 84 (2)", "id": "EPSG:6960",
                               "note": "pinned for every VN-2000 layer (geoplan.crs)"},
        },
        "geojson_precision": precision,
        "layers": layer_records,
        "counts": {layer.name: len(layer.frame) for layer in layers},
        "outputs": [{"file": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
                     "sha256": file_sha256(p)} for p in written],
    }
    if shp_names is not None:
        record["shapefile_fields"] = {**SHAPEFILE_NAMES, **shp_names}
    return record
