"""Default layer styles for QGIS, as QML and OGC SLD 1.1 text, from the style table.

The colours, widths, dashes and symbols are those of :mod:`geoplan.maps.styles`, so a GeoPackage
written by :func:`geoplan.export.write_geopackage` opens in QGIS looking like the geoplan maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from geoplan.export.layers import ExportLayer

__all__ = ["layer_style"]


def layer_style(layer: ExportLayer, table: Any = None) -> tuple[str, str]:
    """The default style of a layer as QGIS QML and OGC SLD 1.1 text.

    Colours, widths, dashes and symbols come from :mod:`geoplan.maps.styles` (``table``: a
    :class:`~geoplan.maps.styles.StyleTable`, the default one when ``None``), so the GeoPackage
    opens in QGIS looking like the geoplan maps.
    """
    from geoplan.maps.styles import style_table

    table = table if table is not None else style_table()
    field_name, cats = _categories(layer.kind, layer.frame, table)
    family = _family(layer.frame)
    return _qml(field_name, cats, family), _sld(layer.name, field_name, cats, family)


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
    """Attribute and categories of a layer's default style, from :mod:`geoplan.maps.styles`."""
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
