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

Every file is written to a temporary file beside it and moved into place
(:func:`geoplan.io.atomic_path`); existing outputs are kept unless ``overwrite=True``
(``--overwrite``), and that is checked for all outputs before anything is written.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from geoplan.errors import CRSError, GeoplanError, OutputExistsError, PlanError, check_keys
from geoplan.io import atomic_path
from geoplan.io.geojson import (
    DEFAULT_PRECISION,
    _all_nfc,
    _check_precision,
    _nfc,
    geojson_text,
    rfc7946_geometries,
    write_geojson,
)
from geoplan.kinds import KINDS, fold

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

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

MANIFEST_NAME = "manifest.json"
#: Keys of the plan file's ``[export]`` table.
SETTINGS_KEYS = ("precision", "shapefile", "shapefile_fields", "geopackage")

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
}

_SHP_NAME_MAX = 10
_SHP_VALUE_MAX = 254
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qmd", ".qix", ".sbn", ".sbx")


# ---------------------------------------------------------------------------------- helpers


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


# ------------------------------------------------------------------------------- GeoPackage


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


def write_geopackage(layers: Sequence[ExportLayer], path: str | Path, *, crs: Any,
                     styles: Any = None, overwrite: bool = False) -> Path:
    """Write ``layers`` into one GeoPackage in ``crs``, with a QGIS ``layer_styles`` table.

    Every frame must already be in ``crs`` (the plan's analysis CRS): this function does not
    reproject. ``styles`` is the :class:`~geoplan.styles.StyleTable` the layer styles come from
    (default: the default table). Returns the path written.
    """
    import pyogrio
    import pyproj

    target = Path(path)
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


# ----------------------------------------------------------------------------- layer styles


@dataclass(frozen=True)
class _Symbol:
    color: str
    fill: str | None = None
    width: float = 1.0
    dash: tuple[float, ...] | None = None
    shape: str = "circle"
    size: float = 7.0
    fill_opacity: float = 0.4


@dataclass(frozen=True)
class _Category:
    value: Any  # None: every other value (QGIS "all other values", SLD ElseFilter)
    label: str
    symbol: _Symbol


def _family(frame: gpd.GeoDataFrame) -> str:
    """The dominant geometry family of a layer: point, line or polygon."""
    kinds = frame.geometry.dropna().geom_type.str.replace("Multi", "", regex=False)
    if not len(kinds):
        return "point"
    top = str(kinds.value_counts().index[0])
    return {"Point": "point", "LineString": "line", "LinearRing": "line"}.get(top, "polygon")


def _present(frame: gpd.GeoDataFrame, column: str) -> list[Any]:
    if column not in frame.columns:
        return []
    values = frame[column].dropna().unique().tolist()
    return sorted(values, key=lambda v: (-v, "") if isinstance(v, (int, float)) else (0, str(v)))


def _categories(kind: str, frame: gpd.GeoDataFrame, table: Any
                ) -> tuple[str | None, list[_Category]]:
    """Attribute and categories of a layer's default style, from :mod:`geoplan.styles`."""
    from geoplan.maps.styles import STATUS_LABELS, value_label

    def en_vi(vi: str, en: str) -> str:
        return f"{vi} / {en}" if vi != en else vi

    grey = "#7A7A85"
    if kind == "grid_line":
        cats = []
        for kv in _present(frame, "voltage_kv"):
            st = table.line_style(kv, None)
            cats.append(_Category(int(kv), f"{int(kv)} kV",
                                  _Symbol(st["color"], width=st["weight"])))
        cats.append(_Category(None, "Không rõ điện áp / Unknown voltage",
                              _Symbol(table.unknown_voltage_color, width=1.5)))
        return "voltage_kv", cats
    if kind == "substation":
        cats = []
        for kv in _present(frame, "voltage_kv"):
            sym = table.substation_symbol(kv, None, None)
            cats.append(_Category(int(kv), f"{int(kv)} kV",
                                  _Symbol("#ffffff", sym.color, shape="square", size=8.0)))
        cats.append(_Category(None, "Không rõ điện áp / Unknown voltage",
                              _Symbol("#ffffff", table.unknown_voltage_color, shape="square")))
        return "voltage_kv", cats
    if kind in ("industrial_cluster", "industrial_park"):
        cats = []
        for status in _present(frame, "status"):
            st = table.area_style(kind, status, 60.0)
            vi, en = STATUS_LABELS.get(str(status), (str(status), str(status)))
            cats.append(_Category(status, en_vi(vi, en),
                                  _Symbol(st["color"], st["fill"], width=st["weight"],
                                          dash=st["dash"], fill_opacity=st["fill_opacity"])))
        fill = table.area_fill(kind, "existing")
        cats.append(_Category(None, "Khác / Other", _Symbol(fill, fill, width=2.0)))
        return "status", cats
    if kind == "trade_facility":
        cats = []
        for t in _present(frame, "type"):
            sym = table.trade_symbol(t)
            cats.append(_Category(t, en_vi(sym.label_vi, sym.label_en),
                                  _Symbol("#ffffff", sym.color, shape=sym.shape, size=sym.size,
                                          fill_opacity=0.9)))
        return "type", cats
    if kind == "power_plant":
        cats = []
        for src in _present(frame, "source"):
            sym = table.plant_symbol(src)
            cats.append(_Category(src, en_vi(sym.label_vi, sym.label_en),
                                  _Symbol("#ffffff", sym.color, shape="star", size=sym.size,
                                          fill_opacity=0.9)))
        sym = table.plant_symbol(None)
        cats.append(_Category(None, en_vi(sym.label_vi, sym.label_en),
                              _Symbol("#ffffff", sym.color, shape="star", size=sym.size)))
        return "source", cats
    if kind == "restricted_zone":
        return None, [_Category(None, "Vùng hạn chế phát triển / Restricted zone",
                                _Symbol(table.restricted_outline, table.restricted_fill,
                                        dash=(4.0, 3.0), fill_opacity=0.3))]
    if kind == "boundary":
        return "level", [
            _Category("province", "Ranh giới tỉnh / Province boundary",
                      _Symbol(table.province_outline, None, width=3.0)),
            _Category(None, "Ranh giới xã/phường / Commune boundary",
                      _Symbol(table.commune_outline, None, width=1.0, dash=(4.0, 3.0))),
        ]
    if kind == "findings":
        cats = [_Category(sev, en_vi(value_label("severity", sev, "vi"),
                                     value_label("severity", sev, "en")),
                          _Symbol(color, color, width=2.0, fill_opacity=0.45))
                for sev, color in table.severity_colors.items()]
        return "severity", cats
    return None, [_Category(None, kind, _Symbol(grey, grey))]


def _rgba(color: str, alpha: float = 1.0) -> str:
    h = color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


_QGIS_MARKERS = {"circle": "circle", "square": "square", "diamond": "diamond",
                 "triangle": "triangle", "triangle_down": "triangle", "pentagon": "pentagon",
                 "hexagon": "hexagon", "star": "star"}
_SLD_MARKERS = {"circle": "circle", "square": "square", "diamond": "square",
                "triangle": "triangle", "triangle_down": "triangle", "pentagon": "star",
                "hexagon": "circle", "star": "star"}


def _qml(field_name: str | None, cats: Sequence[_Category], family: str) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("qgis", {"version": "3.28.0", "styleCategories": "Symbology"})
    if field_name is None:
        renderer = ET.SubElement(root, "renderer-v2", {"type": "singleSymbol",
                                                       "symbollevels": "0", "forceraster": "0"})
    else:
        renderer = ET.SubElement(root, "renderer-v2", {"type": "categorizedSymbol",
                                                       "attr": field_name, "symbollevels": "0",
                                                       "forceraster": "0"})
        categories = ET.SubElement(renderer, "categories")
        for i, cat in enumerate(cats):
            ET.SubElement(categories, "category", {
                "value": "" if cat.value is None else str(cat.value), "symbol": str(i),
                "label": cat.label, "render": "true"})
    symbols = ET.SubElement(renderer, "symbols")
    for i, cat in enumerate(cats if field_name is not None else cats[:1]):
        sym = cat.symbol
        node = ET.SubElement(symbols, "symbol", {"type": {"point": "marker"}.get(family, family)
                                                 if family != "polygon" else "fill",
                                                 "name": str(i), "alpha": "1",
                                                 "clip_to_extent": "1", "force_rhr": "0"})
        options: dict[str, str]
        if family == "line":
            cls = "SimpleLine"
            options = {"line_color": _rgba(sym.color), "line_width": f"{sym.width:g}",
                       "line_width_unit": "Pixel", "line_style": "solid",
                       "capstyle": "round", "joinstyle": "round"}
        elif family == "polygon":
            cls = "SimpleFill"
            options = {"color": _rgba(sym.fill or sym.color, sym.fill_opacity if sym.fill else 0),
                       "style": "solid" if sym.fill else "no",
                       "outline_color": _rgba(sym.color), "outline_width": f"{sym.width:g}",
                       "outline_width_unit": "Pixel", "outline_style": "solid"}
        else:
            cls = "SimpleMarker"
            options = {"name": _QGIS_MARKERS.get(sym.shape, "circle"),
                       "color": _rgba(sym.fill or sym.color), "outline_color": _rgba(sym.color),
                       "outline_width": "1", "outline_width_unit": "Pixel",
                       "size": f"{2 * sym.size:g}", "size_unit": "Pixel"}
        if sym.dash and family != "point":
            options.update({"use_custom_dash": "1",
                            "customdash": ";".join(f"{v:g}" for v in sym.dash),
                            "customdash_unit": "Pixel"})
            if family == "polygon":
                options["outline_style"] = "dash"
        layer = ET.SubElement(node, "layer", {"class": cls, "enabled": "1", "pass": "0",
                                              "locked": "0"})
        opt_map = ET.SubElement(layer, "Option", {"type": "Map"})
        for k, v in options.items():
            ET.SubElement(opt_map, "Option", {"type": "QString", "name": k, "value": v})
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            + ET.tostring(root, encoding="unicode"))


def _sld(name: str, field_name: str | None, cats: Sequence[_Category], family: str) -> str:
    import xml.etree.ElementTree as ET

    sld, se, ogc = ("http://www.opengis.net/sld", "http://www.opengis.net/se",
                    "http://www.opengis.net/ogc")
    ET.register_namespace("", sld)
    ET.register_namespace("se", se)
    ET.register_namespace("ogc", ogc)
    root = ET.Element(f"{{{sld}}}StyledLayerDescriptor", {"version": "1.1.0"})
    named = ET.SubElement(root, f"{{{sld}}}NamedLayer")
    ET.SubElement(named, f"{{{se}}}Name").text = name
    user = ET.SubElement(named, f"{{{sld}}}UserStyle")
    ET.SubElement(user, f"{{{se}}}Name").text = name
    fts = ET.SubElement(user, f"{{{se}}}FeatureTypeStyle")

    def param(parent: ET.Element, key: str, value: str) -> None:
        ET.SubElement(parent, f"{{{se}}}SvgParameter", {"name": key}).text = value

    for cat in cats:
        sym = cat.symbol
        rule = ET.SubElement(fts, f"{{{se}}}Rule")
        ET.SubElement(rule, f"{{{se}}}Name").text = cat.label
        if field_name is not None:
            if cat.value is None:
                ET.SubElement(rule, f"{{{se}}}ElseFilter")
            else:
                flt = ET.SubElement(rule, f"{{{ogc}}}Filter")
                eq = ET.SubElement(flt, f"{{{ogc}}}PropertyIsEqualTo")
                ET.SubElement(eq, f"{{{ogc}}}PropertyName").text = field_name
                ET.SubElement(eq, f"{{{ogc}}}Literal").text = str(cat.value)
        if family == "line":
            sym_el = ET.SubElement(rule, f"{{{se}}}LineSymbolizer")
            stroke = ET.SubElement(sym_el, f"{{{se}}}Stroke")
            param(stroke, "stroke", sym.color)
            param(stroke, "stroke-width", f"{sym.width:g}")
        elif family == "polygon":
            sym_el = ET.SubElement(rule, f"{{{se}}}PolygonSymbolizer")
            if sym.fill:
                fill = ET.SubElement(sym_el, f"{{{se}}}Fill")
                param(fill, "fill", sym.fill)
                param(fill, "fill-opacity", f"{sym.fill_opacity:g}")
            stroke = ET.SubElement(sym_el, f"{{{se}}}Stroke")
            param(stroke, "stroke", sym.color)
            param(stroke, "stroke-width", f"{sym.width:g}")
        else:
            sym_el = ET.SubElement(rule, f"{{{se}}}PointSymbolizer")
            graphic = ET.SubElement(sym_el, f"{{{se}}}Graphic")
            mark = ET.SubElement(graphic, f"{{{se}}}Mark")
            ET.SubElement(mark, f"{{{se}}}WellKnownName").text = _SLD_MARKERS.get(sym.shape,
                                                                                  "circle")
            fill = ET.SubElement(mark, f"{{{se}}}Fill")
            param(fill, "fill", sym.fill or sym.color)
            stroke = ET.SubElement(mark, f"{{{se}}}Stroke")
            param(stroke, "stroke", sym.color)
            ET.SubElement(graphic, f"{{{se}}}Size").text = f"{2 * sym.size:g}"
        if sym.dash and family != "point":
            param(stroke, "stroke-dasharray", " ".join(f"{v:g}" for v in sym.dash))
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def layer_style(layer: ExportLayer, table: Any = None) -> tuple[str, str]:
    """The default style of a layer as QGIS QML and OGC SLD 1.1 text.

    Colours, widths, dashes and symbols come from :mod:`geoplan.styles` (``table``: a
    :class:`~geoplan.styles.StyleTable`, the default one when ``None``), so the GeoPackage
    opens in QGIS looking like the geoplan maps.
    """
    from geoplan.maps.styles import style_table

    table = table if table is not None else style_table()
    field_name, cats = _categories(layer.kind, layer.frame, table)
    family = _family(layer.frame)
    return _qml(field_name, cats, family), _sld(layer.name, field_name, cats, family)


# -------------------------------------------------------------------------------- Shapefile


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

    target = Path(path)
    frame = _nfc_frame(layer.frame)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = shapefile_field_names(columns, layer=layer.name, overrides=field_names)
    _check_shapefile_values(frame, layer.name)
    frame = frame.rename(columns=names)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".shp-") as tmpdir:
        shp = Path(tmpdir) / f"{layer.name}.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8",
                                promote_to_multi=True)
        with atomic_path(target, overwrite=overwrite) as tmp, \
                zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(Path(tmpdir).iterdir()):
                zf.write(part, part.name)
    return target


# ---------------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_plan` wrote: the folder, the files (manifest last), the manifest."""

    folder: Path
    files: tuple[Path, ...]
    manifest: Mapping[str, Any] = field(default_factory=dict)


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
    for name, (kind, frame) in (extra or {}).items():
        if name in plan.layers:
            raise PlanError(f"{plan.path}: the plan has a layer named {name!r}, which the export "
                            f"uses for its {kind} layer; rename [layers.{name}] in the plan")
        out.append(ExportLayer(name, kind, frame, _kind_labels(kind)[1]))
    return out


def _input_files(path: Path) -> list[Path]:
    if path.suffix.lower() == ".shp":
        return [path, *(p for s in _SIDECARS if (p := path.with_suffix(s)).exists())]
    return [path]


def _rules_version() -> dict[str, Any]:
    """Version and hash of the rule table, when the package has one."""
    from importlib import resources

    try:
        import tomllib
    except ImportError:  # pragma: no cover
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        data = resources.files("geoplan").joinpath("data/rules.toml").read_bytes()
    except (FileNotFoundError, OSError):
        return {"version": None, "note": "no rule table in this geoplan"}
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        table = {}
    meta = table.get("meta", table) if isinstance(table, dict) else {}
    version = meta.get("version") if isinstance(meta, dict) else None
    return {"version": None if version is None else str(version),
            "sha256": hashlib.sha256(data).hexdigest()}


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
    existing = [p for p in planned if p.exists()]
    if existing and not overwrite:
        shown = ", ".join(p.name for p in existing[:6]) + (" ..." if len(existing) > 6 else "")
        raise OutputExistsError(f"{folder}: {len(existing)} output(s) exist already ({shown}); "
                                "pass --overwrite (overwrite=True) to replace them, or choose "
                                "another output folder")
    folder.mkdir(parents=True, exist_ok=True)
    shp_names = dict(settings.get("shapefile_fields", {}))
    if shp_layers:  # refuse before writing anything
        for layer in shp_layers:
            frame = _nfc_frame(layer.frame)
            shapefile_field_names([c for c in frame.columns if c != frame.geometry.name],
                                  layer=layer.name, overrides=shp_names)
            _check_shapefile_values(frame, layer.name)

    written: list[Path] = []
    outputs: dict[str, dict[str, str]] = {layer.name: {} for layer in layers}
    if geojson:
        for layer in layers:
            path = write_geojson(layer.frame, folder / f"{layer.name}.geojson", precision=prec,
                                 overwrite=True)
            written.append(path)
            outputs[layer.name]["geojson"] = path.name
            log.info("wrote %s (%d features)", path, len(layer.frame))
    if geopackage:
        from geoplan.maps.styles import style_table

        path = write_geopackage(layers, folder / gpkg_name, crs=plan.crs,
                                styles=style_table(plan.settings.get("map")), overwrite=True)
        written.append(path)
        for layer in layers:
            outputs[layer.name]["geopackage"] = f"{path.name}#{layer.name}"
        log.info("wrote %s (%d layers)", path, len(layers))
    for layer in shp_layers:
        path = write_shapefile_zip(layer, folder / f"{layer.name}.shp.zip",
                                   field_names=shp_names, overwrite=True)
        written.append(path)
        outputs[layer.name]["shapefile"] = path.name
        log.info("wrote %s", path)

    manifest = _manifest(plan, layers, outputs, written, folder, prec,
                         shp_names if shp_layers else None)
    with atomic_path(folder / MANIFEST_NAME, overwrite=True) as tmp:
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
    written.append(folder / MANIFEST_NAME)
    return ExportResult(folder, tuple(written), manifest)


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
