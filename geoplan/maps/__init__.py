"""Maps of a plan and its analysis: an interactive HTML map and a printable sheet.

- :mod:`geoplan.maps.model`: what a map shows, shared by both maps (layers bottom first, the
  style of every feature, the legend, titles, labels, attribution);
- :mod:`geoplan.maps.styles`: the style table (colours, weights, dashes, symbols) and the
  bilingual labels of fields and values;
- :mod:`geoplan.maps.settings`: the plan's ``[map]`` table;
- :mod:`geoplan.maps.codec`: the browser data format of the interactive map (its one
  definition, encoder and decoder);
- :mod:`geoplan.maps.search`: the search index of the interactive map (names, ids and
  communes, folded once);
- :mod:`geoplan.maps.interactive`: the folium / Leaflet map (:func:`plan_map`,
  :func:`write_map`); the only module that imports folium, and only when a map is made;
- :mod:`geoplan.maps.sheet`: the matplotlib A3 / A4 sheet (:func:`static_map`,
  :func:`write_static_map`) and the report's small maps.

Importing this package imports neither folium nor matplotlib.
"""

from __future__ import annotations

from geoplan.maps.interactive import (
    assets_html,
    auto_tolerance,
    layer_label,
    layer_payload,
    legend_html,
    map_bounds,
    map_html,
    plan_map,
    write_map,
)
from geoplan.maps.model import (
    DRAW_ORDER,
    MapLayer,
    layer_styles,
    legend_for,
    map_layers,
)
from geoplan.maps.settings import BASEMAPS, MAP_KEYS, validate_settings
from geoplan.maps.sheet import (
    PAPER_MM,
    add_north_arrow,
    add_scale_bar,
    draw_layers,
    draw_legend,
    report_map_png,
    static_map,
    write_static_map,
)
from geoplan.maps.styles import (
    LegendEntry,
    LegendSection,
    StyleTable,
    field_label,
    field_labels,
    field_unit,
    legend_sections,
    style_table,
    value_label,
    value_labels,
)

__all__ = [
    "BASEMAPS",
    "DRAW_ORDER",
    "MAP_KEYS",
    "PAPER_MM",
    "LegendEntry",
    "LegendSection",
    "MapLayer",
    "StyleTable",
    "add_north_arrow",
    "add_scale_bar",
    "assets_html",
    "auto_tolerance",
    "draw_layers",
    "draw_legend",
    "field_label",
    "field_labels",
    "field_unit",
    "layer_label",
    "layer_payload",
    "layer_styles",
    "legend_for",
    "legend_html",
    "legend_sections",
    "map_bounds",
    "map_html",
    "map_layers",
    "plan_map",
    "report_map_png",
    "static_map",
    "style_table",
    "validate_settings",
    "value_label",
    "value_labels",
    "write_map",
    "write_static_map",
]
