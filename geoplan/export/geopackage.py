"""One GeoPackage with every layer in the plan's CRS, and a QGIS ``layer_styles`` table.

Each layer carries its kind and title as GDAL metadata (``gpkg_metadata``) and in
``gpkg_contents`` (identifier, description); the ``layer_styles`` table, in the layout QGIS
uses, holds a default style per layer (QML and SLD, :func:`geoplan.export.layer_style`), so QGIS
opens the layers already styled.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.errors import CRSError
from geoplan.export.layers import ExportLayer, _kind_labels, _nfc_frame
from geoplan.export.styles import layer_style
from geoplan.io import atomic_path, check_output

__all__ = ["write_geopackage"]


def write_geopackage(layers: Sequence[ExportLayer], path: str | Path, *, crs: Any,
                     styles: Any = None, overwrite: bool = False) -> Path:
    """Write ``layers`` into one GeoPackage in ``crs``, with a QGIS ``layer_styles`` table.

    Every frame must already be in ``crs`` (the plan's analysis CRS): this function does not
    reproject. ``styles`` is the :class:`~geoplan.maps.styles.StyleTable` the layer styles come from
    (default: the default table). Returns the path written.
    """
    import pyogrio
    import pyproj

    target = check_output(path, overwrite=overwrite)
    want = pyproj.CRS.from_user_input(crs)
    for layer in layers:
        if layer.frame.crs is None or not want.equals(layer.frame.crs):
            raise CRSError(f"{layer.name}: in {layer.frame.crs}, not in the GeoPackage's CRS "
                           f"{want.name}; reproject it with geoplan.crs.to_crs first")
    with atomic_path(target, overwrite=overwrite) as tmp:
        rows = []
        for layer in layers:
            vi, en = _kind_labels(layer.kind)
            frame = _nfc_frame(layer.frame)
            pyogrio.write_dataframe(
                frame, tmp, layer=layer.name, driver="GPKG",
                layer_options={"IDENTIFIER": layer.label, "DESCRIPTION": f"{vi} / {en}"},
                layer_metadata={"geoplan_kind": layer.kind, "geoplan_title": layer.label,
                                "geoplan_label_vi": vi, "geoplan_label_en": en},
            )
            rows.append(_style_row(layer, frame.geometry.name, styles))
        if rows:
            pyogrio.write_dataframe(pd.DataFrame(rows), tmp, layer="layer_styles",
                                    driver="GPKG",
                                    layer_options={"DESCRIPTION": "QGIS default layer styles"})
    return target


def _style_row(layer: ExportLayer, geometry_column: str, table: Any) -> dict[str, Any]:
    qml, sld = layer_style(layer, table)
    return {
        "f_table_catalog": "",
        "f_table_schema": "",
        "f_table_name": layer.name,
        "f_geometry_column": geometry_column,
        "styleName": layer.label,
        "styleQML": qml,
        "styleSLD": sld,
        "useAsDefault": True,
        "description": f"geoplan default style for {layer.kind}",
        "owner": "geoplan",
        "ui": "",
        "update_time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
