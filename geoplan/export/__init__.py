"""Exports of a plan: GeoJSON per layer (RFC 7946), one GeoPackage, zipped Shapefiles, manifest.

What the Department hands over to the provincial plan's consultants and to the Ministry:

* **GeoJSON**, one file per layer, written to the letter of RFC 7946: WGS 84 longitude/latitude
  obtained through :func:`geoplan.crs.to_wgs84` (the official VN-2000 transformation, EPSG:6960,
  pinned), no ``crs`` member, exterior rings counter-clockwise and holes clockwise, coordinates
  rounded to ``precision`` decimals (7 by default, about 1 cm), two-dimensional, empty geometries
  written as ``null``, Vietnamese text in NFC, the layer's ``id`` as each feature's ``id`` member
  (not repeated in ``properties``), canonical field names, UTF-8, one feature per line.
  The text is assembled with :func:`shapely.to_geojson` and :mod:`json`: about three times
  faster than GDAL's GeoJSON driver with ``RFC7946=YES`` on the national workload (measured by
  ``scripts/bench_export.py``), and the only way to write the ``id`` member without also keeping
  it as a property.
* **One GeoPackage** with every layer in the plan's analysis CRS (VN-2000 TM-3 for a province),
  as the provincial planning database expects. Each layer carries its kind and title as GDAL
  metadata (``gpkg_metadata``) and in ``gpkg_contents`` (identifier, description); a
  ``layer_styles`` table, in the layout QGIS uses, holds a default style per layer (QML and SLD),
  so QGIS opens the layers already styled.
* **Shapefiles** (optional), one zip per plan layer with ``.cpg`` = UTF-8. The canonical names
  longer than ten characters have fixed short names (:data:`SHAPEFILE_NAMES`, overridable with
  ``[export] shapefile_fields``); anything that would still be truncated — a longer field name,
  a text value over 254 bytes — is refused with the layer, feature and field named.
* **manifest.json**: the input files' SHA-256, the rule table's version, the CRSs and the
  transformation used, the feature counts and the SHA-256 of every output, so that an export can
  be traced back to what produced it.

Every file is checked with :func:`geoplan.io.check_output`, then written to a temporary file
beside it and moved into place (:func:`geoplan.io.atomic_path`); existing outputs are kept
unless ``overwrite=True`` (``--overwrite``), and that is checked for all outputs before anything
is written.

The package, one module per output: :mod:`~geoplan.export.layers` (the layers to export, the
``[export]`` settings, file names), :mod:`~geoplan.export.geopackage`,
:mod:`~geoplan.export.styles` (QML/SLD from :mod:`geoplan.maps.styles`),
:mod:`~geoplan.export.shapefile` and :mod:`~geoplan.export.folder` (the folder export and its
manifest). The GeoJSON writer is :mod:`geoplan.io.geojson`, re-exported here.
"""

from __future__ import annotations

from geoplan.export.folder import MANIFEST_NAME, ExportResult, export_plan, file_sha256
from geoplan.export.geopackage import write_geopackage
from geoplan.export.layers import (
    SETTINGS_KEYS,
    ExportLayer,
    export_layers,
    plan_slug,
    validate_settings,
)
from geoplan.export.shapefile import SHAPEFILE_NAMES, shapefile_field_names, write_shapefile_zip
from geoplan.export.styles import layer_style
from geoplan.io.geojson import (
    DEFAULT_PRECISION,
    geojson_text,
    rfc7946_geometries,
    write_geojson,
)

__all__ = [
    "DEFAULT_PRECISION",
    "MANIFEST_NAME",
    "SETTINGS_KEYS",
    "SHAPEFILE_NAMES",
    "ExportLayer",
    "ExportResult",
    "export_layers",
    "export_plan",
    "file_sha256",
    "geojson_text",
    "layer_style",
    "plan_slug",
    "rfc7946_geometries",
    "shapefile_field_names",
    "validate_settings",
    "write_geojson",
    "write_geopackage",
    "write_shapefile_zip",
]
