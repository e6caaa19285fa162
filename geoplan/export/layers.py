"""The layers an export writes, the export settings of a plan file and file-name helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geoplan.errors import PlanError, check_keys
from geoplan.io.geojson import _all_nfc, _check_precision, _nfc
from geoplan.kinds import KINDS, fold
from geoplan.plan import layer_name_key

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

__all__ = ["SETTINGS_KEYS", "ExportLayer", "export_layers", "plan_slug", "validate_settings"]

#: Keys of the plan file's ``[export]`` table.
SETTINGS_KEYS = ("precision", "shapefile", "shapefile_fields", "geopackage")


@dataclass(frozen=True)
class ExportLayer:
    """One layer to export: its name, kind (a layer kind or e.g. ``findings``), frame, title."""

    name: str
    kind: str
    frame: gpd.GeoDataFrame
    title: str = ""

    @property
    def label(self) -> str:
        return self.title or self.name


def export_layers(plan: Plan, extra: Mapping[str, tuple[str, gpd.GeoDataFrame]] | None = None
                  ) -> list[ExportLayer]:
    """The plan's vector layers, then ``extra`` ones (name -> (kind, frame), e.g. findings).

    Raises :class:`PlanError` when an extra layer's name is a plan layer's name.
    """
    out = [ExportLayer(layer.name, layer.kind, layer.frame, layer.title)
           for layer in plan.layers.values()]
    for name in [*plan.layers, *(extra or {})]:
        if not name or name.startswith(".") or any(ch in name for ch in '/\\:*?"<>|\x00'):
            raise PlanError(f"{plan.path}: layer name {name!r} cannot be a file name; rename "
                            "[layers.\"...\"] with letters, digits, '-' and '_'")
    keys = {layer_name_key(n): n for n in plan.layers}
    for name, (kind, frame) in (extra or {}).items():
        if layer_name_key(name) in keys:
            own = keys[layer_name_key(name)]
            raise PlanError(f"{plan.path}: the plan has a layer named {own!r}, which the export "
                            f"uses (as {name!r}, case and Unicode spelling aside) for its {kind} "
                            f"layer; rename [layers.{own}] in the plan")
        out.append(ExportLayer(name, kind, frame, _kind_labels(kind)[1]))
    return out


def plan_slug(name: str) -> str:
    """A file-name stem from a plan name: ASCII, lower case, hyphens.

    >>> plan_slug("Bắc Ninh 2021–2030")
    'bac-ninh-2021-2030'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug or "plan"


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check the plan file's ``[export]`` table; raise :class:`PlanError` naming bad keys.

    Keys: ``precision`` (decimals of GeoJSON coordinates), ``shapefile`` (also write zipped
    Shapefiles), ``shapefile_fields`` (canonical field -> Shapefile name, ≤ 10 characters),
    ``geopackage`` (file name of the GeoPackage).

    >>> validate_settings({"precision": 6})
    >>> validate_settings({"precison": 6})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'precison' (did you mean 'precision'?) in [export]; \
valid keys: precision, shapefile, shapefile_fields, geopackage
    """

    check_keys(mapping, SETTINGS_KEYS, where=" in [export]")
    _check_precision(mapping.get("precision"))
    if "shapefile" in mapping and not isinstance(mapping["shapefile"], bool):
        raise PlanError(f"[export] shapefile = {mapping['shapefile']!r}: write true or false")
    names = mapping.get("shapefile_fields", {})
    if not isinstance(names, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise PlanError("[export] shapefile_fields must be an inline table of canonical field = "
                        "short name, e.g. { occupancy_pct = \"occupancy\" }")
    gpkg = mapping.get("geopackage")
    if gpkg is not None and (not isinstance(gpkg, str) or not gpkg.endswith(".gpkg")
                             or Path(gpkg).name != gpkg):
        raise PlanError(f"[export] geopackage = {gpkg!r}: give a file name ending in .gpkg "
                        "(written inside the export folder)")


def _nfc_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``frame`` whose text columns are NFC (only when some are not)."""
    out = frame
    for col in frame.columns:
        if col == frame.geometry.name or not (pd.api.types.is_object_dtype(frame[col])
                                              or pd.api.types.is_string_dtype(frame[col])):
            continue
        values = frame[col]
        text = [v for v in values.dropna().tolist() if isinstance(v, str)]
        if _all_nfc(text):
            continue
        normal = values.map(_nfc, na_action="ignore")
        if not normal.equals(values):
            if out is frame:
                out = frame.copy()
            out[col] = normal
    return out


def _kind_labels(kind: str) -> tuple[str, str]:
    if kind in KINDS:
        return KINDS[kind].label_vi, KINDS[kind].label_en
    return {"findings": ("Phát hiện kiểm tra", "Check findings")}.get(kind, (kind, kind))
