"""Zipped Shapefiles: fixed short field names, and a refusal of whatever would be truncated.

The canonical names longer than ten characters have fixed short names (:data:`SHAPEFILE_NAMES`,
overridable with ``[export] shapefile_fields``); anything that would still be truncated — a
longer field name, a text value over 254 bytes — is refused with the layer, feature and field
named.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoplan.errors import GeoplanError
from geoplan.export.layers import ExportLayer, _nfc_frame
from geoplan.io import atomic_path, check_output

__all__ = ["SHAPEFILE_NAMES", "shapefile_field_names", "write_shapefile_zip"]

#: Fixed short names (≤ 10 characters) of the canonical fields a Shapefile cannot hold.
SHAPEFILE_NAMES: dict[str, str] = {
    "occupancy_pct": "occup_pct",
    "mountainous": "mountain",
    "craft_village": "craft_vill",
    "wastewater_ready": "wastewater",
    "detailed_plan": "detail_pln",
    "business_points": "biz_points",
    "floor_area_m2": "floor_m2",
    "conductor_offset_m": "cond_off_m",
    "voltage_levels": "volt_lvls",
    "capacity_mva": "cap_mva",
    "capacity_mw": "cap_mw",
    "other_layer": "oth_layer",
    "cluster_type": "clus_type",
    "target_share_pct": "target_shr",
    "roads_ready": "roads_rdy",
    "water_ready": "water_rdy",
    "solid_waste_ready": "solidw_rdy",
    "site_cleared": "site_clear",
    "formed_before_2009": "pre_2009",
    "dossier_filed": "dossier",
    "commune_group": "comm_group",
    "rice_land_ha": "rice_ha",
    "ground_area_m2": "ground_m2",
    "reference_vi": "ref_vi",
    "reference_en": "ref_en",
    # the reporting indicators of clusters and parks
    "industrial_land_ha": "ind_land",
    "leased_land_ha": "leased_ha",
    "established": "establishd",
    "infra_capital_bn_vnd": "infra_cap",
    "projects_domestic": "proj_dom",
    "projects_fdi": "proj_fdi",
    "revenue_bn_vnd": "revenue",
}

_SHP_NAME_MAX = 10
_SHP_VALUE_MAX = 254


def shapefile_field_names(columns: Iterable[str], *, layer: str,
                          overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Column -> Shapefile field name; raise when a name would be truncated or duplicated.

    >>> shapefile_field_names(["id", "occupancy_pct"], layer="ccn")
    {'id': 'id', 'occupancy_pct': 'occup_pct'}
    """
    table = {**SHAPEFILE_NAMES, **(overrides or {})}
    out: dict[str, str] = {}
    for col in columns:
        short = table.get(col, col)
        if len(short.encode("utf-8")) > _SHP_NAME_MAX:
            raise GeoplanError(
                f"{layer}: field {col!r} → {short!r} has {len(short)} characters and a Shapefile "
                f"keeps only {_SHP_NAME_MAX}, so it would be truncated; name it in the plan with "
                f"[export] shapefile_fields = {{ {col} = \"...\" }} (at most 10 characters), or "
                "use the GeoPackage / GeoJSON export")
        out[col] = short
    seen: dict[str, str] = {}
    for col, short in out.items():
        if short.casefold() in seen:
            raise GeoplanError(f"{layer}: fields {seen[short.casefold()]!r} and {col!r} would both "
                               f"be {short!r} in the Shapefile; give one another name in [export]"
                               " shapefile_fields")
        seen[short.casefold()] = col
    return out


def _check_shapefile_values(frame: gpd.GeoDataFrame, layer: str) -> None:
    geom = frame.geometry.name
    id_col = frame["id"] if "id" in frame.columns else None
    for col in frame.columns:
        if col == geom:
            continue
        series = frame[col]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        sizes = series.map(lambda v: len(str(v).encode("utf-8")), na_action="ignore")
        over = sizes[sizes > _SHP_VALUE_MAX]
        if len(over):
            i = over.index[0]
            who = f"feature {id_col[i]!r}" if id_col is not None else f"row {i}"
            raise GeoplanError(
                f"{layer}: {who}, field {col!r}: the text has {int(over.iloc[0])} bytes in UTF-8 "
                f"and a Shapefile keeps only {_SHP_VALUE_MAX}, so it would be truncated "
                f"({len(over)} value(s) in this field); shorten it, or use the GeoPackage / "
                "GeoJSON export")
    families = set(frame.geometry.dropna().geom_type.str.replace("Multi", "", regex=False))
    if len(families) > 1:
        raise GeoplanError(f"{layer}: mixes {', '.join(sorted(families))} geometries and a "
                           "Shapefile holds one geometry type; split the layer in the plan, or "
                           "use the GeoPackage / GeoJSON export")


def write_shapefile_zip(layer: ExportLayer, path: str | Path, *,
                        field_names: Mapping[str, str] | None = None,
                        overwrite: bool = False) -> Path:
    """Write one layer as a zipped Shapefile (``.shp .shx .dbf .prj .cpg``, UTF-8), atomically.

    Refuses, before writing anything, when a field name or a text value would be truncated
    (see :func:`shapefile_field_names`) or the layer mixes geometry types.
    """
    import tempfile

    import pyogrio

    target = check_output(path, overwrite=overwrite)
    frame = _nfc_frame(layer.frame)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = shapefile_field_names(columns, layer=layer.name, overrides=field_names)
    _check_shapefile_values(frame, layer.name)
    frame = frame.rename(columns=names)
    with atomic_path(target, overwrite=overwrite) as tmp, \
            tempfile.TemporaryDirectory(dir=target.parent,
                                        prefix=f".{target.name}.geoplan-{os.getpid()}-") as tmpdir:
        shp = Path(tmpdir) / f"{layer.name}.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8",
                                promote_to_multi=True)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(Path(tmpdir).iterdir()):
                zf.write(part, part.name)
    return target
