"""Map styles: one table shared by the interactive map, the static map and the report.

Nothing here draws: the table says which colour, line weight, dash pattern and symbol each
feature gets, and which bilingual (Vietnamese / English) label each field and value has.
:mod:`geoplan.maps.interactive` (Leaflet), :mod:`geoplan.maps.sheet` (matplotlib), the
exports and the report read it, so a 220 kV line, a planned cluster or a petrol station looks
the same everywhere.

There is no official Vietnamese colour convention for transmission voltages (see
``domain-facts.md`` §4), so the palette is a *configurable style*, not a rule. The default is the
OpenInfraMap scale (``openinframap/openinframap`` ``web/src/style/style_oim_power.ts``):
≥ 550 kV cyan, 310-549 kV purple, 220-309 kV red, 132-219 kV brown, 52-131 kV olive,
25-51 kV green, 10-24 kV blue, below grey. ``palette = "pdp8"`` in ``[map]`` switches to the
colours of the PDP8 maps (500 kV red, 220 kV orange, 110 kV blue), and ``voltage_colors``
overrides single levels::

    [map]
    palette = "openinframap"
    voltage_colors = { 500 = "#7b2cbf", 110 = "#1f78b4" }

Conventions of the table:

- status: ``existing`` solid, ``under_construction`` short dashes, ``planned`` long dashes,
  ``expansion`` (clusters) dotted; planned points and polygons are also lighter;
- grid lines: colour by voltage, weight by voltage, dash by status; a line whose voltage is not
  known is grey and dotted (when its status has no dash of its own);
- substations: squares coloured by voltage, sized by capacity; a station whose voltage is not
  known is grey with a "?", one whose voltage was inferred from the lines ending at it
  (grid inference) has its inferred colour with a "~";
- power plants: stars coloured by source;
- clusters (magenta family) and parks (violet family): fill by status, fill strength by occupancy;
- trade facilities: one shape per family (circle markets, square retail, hexagon logistics and
  storage, pentagon exhibitions, triangle fuel retail, diamond fuel depots), a colour and a
  one-letter glyph per type;
- restricted zones: muted, hatched where the renderer can hatch;
- findings: red / orange / blue by severity;
- plan diff (``geoplan diff A B --map``): added green, removed red (dashed and hollow: the
  feature is no longer in the plan), moved orange (with an arrow from the old position), changed
  blue.

Dash patterns are given in pixels (Leaflet's ``dashArray``); :func:`mpl_dashes` converts them for
matplotlib (points).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from geoplan.errors import PlanError
from geoplan.kinds import KINDS, PLANT_SOURCES, STATUSES, TRADE_TYPES

__all__ = [
    "DIFF_LABELS",
    "MAP_RULE_TITLES",
    "PALETTES",
    "SEVERITY_LABELS",
    "STATUS_LABELS",
    "SYMBOLOGIES",
    "TRADE_TYPE_LABELS",
    "LegendEntry",
    "LegendSection",
    "Shape",
    "StyleTable",
    "Symbol",
    "VoltageClass",
    "field_label",
    "field_labels",
    "legend_sections",
    "mpl_dashes",
    "rule_titles",
    "style_table",
    "substation_radius",
    "value_label",
]

Shape = Literal["circle", "square", "diamond", "triangle", "triangle_down", "pentagon",
                "hexagon", "star"]
Lang = Literal["vi", "en"]

#: matplotlib marker for each shape (the Leaflet renderer draws the same shapes on canvas).
MPL_MARKERS: dict[str, str] = {
    "circle": "o", "square": "s", "diamond": "D", "triangle": "^", "triangle_down": "v",
    "pentagon": "p", "hexagon": "h", "star": "*",
}

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class VoltageClass:
    """A band of voltages drawn alike: every level from ``min_kv`` up to the next band."""

    min_kv: int
    color: str
    weight: float
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class Symbol:
    """A point symbol: shape, fill colour, a short glyph drawn inside, and its labels."""

    shape: Shape
    color: str
    glyph: str
    label_vi: str
    label_en: str
    size: float = 7.0  # radius in pixels on the web map

    @property
    def mpl_marker(self) -> str:
        return MPL_MARKERS[self.shape]


# ------------------------------------------------------------------------------ vocabularies

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "existing": ("Hiện trạng", "Existing"),
    "under_construction": ("Đang xây dựng", "Under construction"),
    "planned": ("Quy hoạch", "Planned"),
    "expansion": ("Mở rộng", "Expansion"),
}

TRADE_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "market": ("Chợ", "Market"),
    "wholesale_market": ("Chợ đầu mối", "Wholesale market"),
    "supermarket": ("Siêu thị", "Supermarket"),
    "shopping_mall": ("Trung tâm thương mại", "Shopping mall"),
    "convenience_store": ("Cửa hàng tiện lợi", "Convenience store"),
    "logistics_center": ("Trung tâm logistics", "Logistics centre"),
    "exhibition_center": ("Trung tâm hội chợ triển lãm", "Exhibition centre"),
    "warehouse": ("Kho hàng", "Warehouse"),
    "petrol_station": ("Cửa hàng xăng dầu", "Petrol station"),
    "lpg_store": ("Cửa hàng LPG", "LPG store"),
    "fuel_depot": ("Kho xăng dầu", "Fuel depot"),
}

PLANT_SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "coal": ("Nhiệt điện than", "Coal"),
    "gas": ("Nhiệt điện khí", "Gas"),
    "oil": ("Nhiệt điện dầu", "Oil"),
    "hydro": ("Thủy điện", "Hydro"),
    "pumped_storage": ("Thủy điện tích năng", "Pumped storage"),
    "solar": ("Điện mặt trời", "Solar"),
    "wind": ("Điện gió", "Wind"),
    "biomass": ("Điện sinh khối", "Biomass"),
    "waste": ("Điện rác", "Waste to energy"),
    "nuclear": ("Điện hạt nhân", "Nuclear"),
    "battery": ("Pin lưu trữ", "Battery storage"),
    "other": ("Khác", "Other"),
}

SEVERITY_LABELS: dict[str, tuple[str, str]] = {
    "error": ("Lỗi", "Error"),
    "warning": ("Cảnh báo", "Warning"),
    "info": ("Thông tin", "Information"),
}

#: The four kinds of difference between two plans (:mod:`geoplan.diff`).
DIFF_LABELS: dict[str, tuple[str, str]] = {
    "added": ("Thêm mới", "Added"),
    "removed": ("Bị xóa", "Removed"),
    "moved": ("Dịch chuyển", "Moved"),
    "changed": ("Thay đổi", "Changed"),
}

_VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "status": STATUS_LABELS,
    "type": TRADE_TYPE_LABELS,
    "source": PLANT_SOURCE_LABELS,
    "severity": SEVERITY_LABELS,
    "change": DIFF_LABELS,
    "kind": {k: (spec.label_vi, spec.label_en) for k, spec in KINDS.items()},
    "location": {"overhead": ("Trên không", "Overhead"), "underground": ("Ngầm", "Underground")},
    "level": {"province": ("Tỉnh", "Province"), "commune": ("Xã/phường", "Commune")},
}

#: Labels of fields that are not canonical layer fields (findings, coverage, derived columns).
_EXTRA_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "voltage_levels": ("Các cấp điện áp", "Voltage levels"),
    "voltage_inferred": ("Điện áp suy ra từ đường dây", "Voltage inferred from the lines"),
    "layer": ("Lớp", "Layer"),
    "rule": ("Quy tắc", "Rule"),
    "severity": ("Mức độ", "Severity"),
    "feature_id": ("Mã đối tượng", "Feature ID"),
    "other_layer": ("Lớp liên quan", "Other layer"),
    "other_id": ("Mã liên quan", "Other ID"),
    "value": ("Giá trị", "Value"),
    "unit": ("Đơn vị", "Unit"),
    "threshold": ("Ngưỡng", "Threshold"),
    "message": ("Nội dung", "Message"),
    "reference": ("Căn cứ", "Reference"),
    # coverage outputs (geoplan.coverage.CoverageResult)
    "voltage_kv": ("Cấp điện áp", "Voltage"),
    "radius_km": ("Bán kính cấp điện", "Supply radius"),
    "n_substations": ("Số trạm", "Substations"),
    "area_ha": ("Diện tích", "Area"),
    "population": ("Dân số", "Population"),
    "population_share": ("Tỷ lệ dân số", "Share of the population"),
    "site_id": ("Mã vị trí", "Site ID"),
    "demand_mw": ("Nhu cầu phụ tải", "Demand"),
    "n_features": ("Số đối tượng phục vụ", "Features served"),
    "feature_ids": ("Các đối tượng", "Feature IDs"),
    "connect_layer": ("Lớp đấu nối", "Connection layer"),
    "connect_id": ("Đấu nối vào", "Connects to"),
    "connect_distance_m": ("Khoảng cách đấu nối", "Connection distance"),
    "firm_capacity_mw": ("Công suất đảm bảo", "Firm capacity"),
    "headroom_mw": ("Công suất còn dư", "Headroom"),
}

#: Units of the fields above that are not canonical layer fields.
_EXTRA_UNITS: dict[str, str] = {
    "voltage_kv": "kV", "radius_km": "km", "area_ha": "ha", "demand_mw": "MW",
    "connect_distance_m": "m", "firm_capacity_mw": "MW", "headroom_mw": "MW",
}

#: Labels and units of the columns of a plan diff (:data:`geoplan.diff.DIFF_COLUMNS`), read
#: for the kind ``"diff"``.
_DIFF_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "layer": ("Lớp", "Layer"),
    "kind": ("Loại lớp", "Layer kind"),
    "id": ("Mã", "ID"),
    "name": ("Tên", "Name"),
    "change": ("Thay đổi", "Change"),
    "distance_m": ("Khoảng dịch chuyển (tâm)", "Distance moved (centroid)"),
    "hausdorff_m": ("Dịch chuyển lớn nhất của đường bao", "Largest displacement of the outline"),
    "area_change_ha": ("Thay đổi diện tích", "Change of area"),
    "fields": ("Trường thay đổi", "Changed fields"),
    "details": ("Trước → sau", "Before → after"),
}
_DIFF_UNITS: dict[str, str] = {"distance_m": "m", "hausdorff_m": "m", "area_change_ha": "ha"}


def field_label(kind: str | None, name: str, lang: Lang = "vi") -> str:
    """The label of a field in Vietnamese or English, from :mod:`geoplan.kinds` when canonical.

    >>> field_label("grid_line", "voltage_kv"), field_label("grid_line", "voltage_kv", "en")
    ('Cấp điện áp', 'Voltage')
    >>> field_label(None, "severity", "en")
    'Severity'
    """
    vi, en = field_labels(kind).get(name, (name, name))
    return vi if lang == "vi" else en


def field_labels(kind: str | None) -> dict[str, tuple[str, str]]:
    """``{field: (label_vi, label_en)}`` for a layer kind (plus derived and findings fields)."""
    labels = dict(_EXTRA_FIELD_LABELS)
    if kind in KINDS:
        for f in KINDS[kind].fields:
            labels[f.name] = (f.label_vi or f.name, f.label_en or f.name)
    elif kind == "diff":
        labels.update(_DIFF_FIELD_LABELS)
    return labels


def field_unit(kind: str | None, name: str) -> str:
    """The unit of a canonical field (``"ha"``, ``"MVA"`` ...), ``""`` when none."""
    if kind in KINDS:
        for f in KINDS[kind].fields:
            if f.name == name:
                return f.unit
    if kind == "diff":
        return _DIFF_UNITS.get(name, "")
    return _EXTRA_UNITS.get(name, "")


def value_label(name: str, value: Any, lang: Lang = "vi") -> str:
    """The label of a vocabulary value (status, trade type, plant source, severity ...).

    Values without a label come back as text.

    >>> value_label("status", "planned"), value_label("type", "fuel_depot", "en")
    ('Quy hoạch', 'Fuel depot')
    """
    pair = _VALUE_LABELS.get(name, {}).get(str(value))
    if pair is None:
        return str(value)
    return pair[0] if lang == "vi" else pair[1]


def value_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """Every vocabulary's value labels, ``{field: {value: (vi, en)}}`` (a copy)."""
    return {k: dict(v) for k, v in _VALUE_LABELS.items()}


# ------------------------------------------------------------------------------ the palettes

def _classes(colors: Mapping[int, str]) -> tuple[VoltageClass, ...]:
    weights = {550: 5.0, 500: 4.5, 220: 3.5, 110: 2.5, 35: 1.8, 22: 1.4, 10: 1.2, 0: 1.0}
    labels = {
        550: ("≥ 550 kV", "≥ 550 kV"),
        500: ("500 kV", "500 kV"),
        220: ("220 kV", "220 kV"),
        110: ("110 kV", "110 kV"),
        35: ("35 kV", "35 kV"),
        22: ("22 kV", "22 kV"),
        10: ("6-15 kV", "6-15 kV"),
        0: ("Dưới 6 kV", "Below 6 kV"),
    }
    return tuple(
        VoltageClass(kv, colors[kv], weights[kv], *labels[kv])
        for kv in sorted(colors, reverse=True)
    )


#: Colours per voltage band (the band's lowest level in kV). OpenInfraMap's scale puts
#: 52-131 kV olive, 220-309 kV red, 310-549 kV purple.
PALETTES: dict[str, dict[int, str]] = {
    "openinframap": {
        550: "#00C1CF", 500: "#B54EB2", 220: "#C73030", 110: "#B59F10", 35: "#55B555",
        22: "#6E97B8", 10: "#6E97B8", 0: "#7A7A85",
    },
    "pdp8": {
        550: "#8B0000", 500: "#E31A1C", 220: "#FF7F00", 110: "#1F78B4", 35: "#33A02C",
        22: "#6A3D9A", 10: "#6A3D9A", 0: "#7A7A85",
    },
}

_STATUS_DASH: dict[str, tuple[float, ...] | None] = {
    "existing": None,
    "under_construction": (6.0, 4.0),
    "planned": (10.0, 7.0),
    "expansion": (2.0, 5.0),
}

_CLUSTER_FILL = {
    "existing": "#AE017E", "under_construction": "#DD3497", "planned": "#F768A1",
    "expansion": "#FE9929",
}
_PARK_FILL = {
    "existing": "#54278F", "under_construction": "#756BB1", "planned": "#9E9AC8",
    "expansion": "#FE9929",
}

_TRADE_SYMBOLS: dict[str, tuple[Shape, str, str]] = {
    "market": ("circle", "#E6550D", "C"),
    "wholesale_market": ("circle", "#8C2D04", "Đ"),
    "supermarket": ("square", "#3182BD", "S"),
    "shopping_mall": ("square", "#08306B", "T"),
    "convenience_store": ("square", "#6BAED6", "c"),
    "logistics_center": ("hexagon", "#238B45", "L"),
    "warehouse": ("hexagon", "#74C476", "K"),
    "exhibition_center": ("pentagon", "#6A51A3", "H"),
    "petrol_station": ("triangle", "#CB181D", "X"),
    "lpg_store": ("triangle_down", "#FB6A4A", "G"),
    "fuel_depot": ("diamond", "#67000D", "D"),
}

_PLANT_COLORS = {
    "coal": "#4D4D4D", "gas": "#F28E2B", "oil": "#9C755F", "hydro": "#1F78B4",
    "pumped_storage": "#A6CEE3", "solar": "#E5B800", "wind": "#59A14F", "biomass": "#33A02C",
    "waste": "#8C510A", "nuclear": "#E31A1C", "battery": "#6A3D9A", "other": "#999999",
}

_SEVERITY_COLORS = {"error": "#D7191C", "warning": "#F28E00", "info": "#2C7BB6"}

_DIFF_COLORS = {"added": "#1A9850", "removed": "#D7191C", "moved": "#F28E00",
                "changed": "#2C7BB6"}


@dataclass(frozen=True)
class StyleTable:
    """Every style decision of the maps, in one immutable table.

    Build it with :func:`style_table` (from a plan's ``[map]`` settings); renderers only read it.
    """

    palette: str = "openinframap"
    symbology: str = "geoplan"
    voltage_classes: tuple[VoltageClass, ...] = field(
        default_factory=lambda: _classes(PALETTES["openinframap"])
    )
    status_dash: Mapping[str, tuple[float, ...] | None] = field(
        default_factory=lambda: dict(_STATUS_DASH)
    )
    cluster_fill: Mapping[str, str] = field(default_factory=lambda: dict(_CLUSTER_FILL))
    park_fill: Mapping[str, str] = field(default_factory=lambda: dict(_PARK_FILL))
    trade_symbols: Mapping[str, Symbol] = field(
        default_factory=lambda: {
            t: Symbol(s, c, g, *TRADE_TYPE_LABELS[t]) for t, (s, c, g) in _TRADE_SYMBOLS.items()
        }
    )
    plant_colors: Mapping[str, str] = field(default_factory=lambda: dict(_PLANT_COLORS))
    severity_colors: Mapping[str, str] = field(default_factory=lambda: dict(_SEVERITY_COLORS))
    diff_colors: Mapping[str, str] = field(default_factory=lambda: dict(_DIFF_COLORS))
    removed_dash: tuple[float, ...] = (6.0, 4.0)
    unknown_voltage_color: str = "#7A7A85"
    unknown_voltage_dash: tuple[float, ...] = (1.0, 4.0)
    unknown_voltage_glyph: str = "?"
    inferred_voltage_glyph: str = "~"
    province_outline: str = "#252525"
    commune_outline: str = "#737373"
    restricted_fill: str = "#969696"
    restricted_outline: str = "#525252"
    gap_color: str = "#D7191C"
    proposed_color: str = "#1A9850"
    land_color: str = "#F7F7F2"
    province_dash: tuple[float, ...] | None = None
    commune_dash: tuple[float, ...] | None = (4.0, 3.0)

    # ----------------------------------------------------------------------------- lookups

    def voltage_class(self, kv: Any) -> VoltageClass | None:
        """The band of a voltage in kV; ``None`` when unknown (missing)."""
        if kv is None or _isna(kv):
            return None
        value = float(kv)
        for vc in self.voltage_classes:
            if value >= vc.min_kv:
                return vc
        return self.voltage_classes[-1]

    def voltage_color(self, kv: Any) -> str:
        vc = self.voltage_class(kv)
        return vc.color if vc else self.unknown_voltage_color

    def dash(self, status: Any) -> tuple[float, ...] | None:
        """Dash pattern (pixels, on/off) of a status; ``None`` means solid."""
        if status is None or _isna(status):
            return None
        return self.status_dash.get(str(status))

    def dash_css(self, status: Any) -> str | None:
        """Leaflet ``dashArray`` text of a status (``"10 7"``), ``None`` for solid."""
        d = self.dash(status)
        return None if d is None else " ".join(f"{v:g}" for v in d)

    def line_style(self, voltage_kv: Any, status: Any, location: Any = None) -> dict[str, Any]:
        """Colour, weight, dash and opacity of a grid line.

        Underground cables are drawn thinner and half transparent.

        >>> s = style_table().line_style(220, "planned")
        >>> s["color"], s["dash"]
        ('#C73030', (10.0, 7.0))
        """
        vc = self.voltage_class(voltage_kv)
        weight = vc.weight if vc else 2.0
        opacity = 0.95
        if location == "underground":
            weight, opacity = max(1.0, weight * 0.7), 0.6
        dash = self.dash(status)
        if vc is None and dash is None:
            dash = self.unknown_voltage_dash  # voltage unknown: grey and dotted
        return {
            "color": vc.color if vc else self.unknown_voltage_color,
            "weight": weight,
            "dash": dash,
            "opacity": opacity,
        }

    def area_fill(self, kind: str, status: Any) -> str:
        table = self.cluster_fill if kind == "industrial_cluster" else self.park_fill
        return table.get(str(status), table["existing"])

    def area_style(self, kind: str, status: Any, occupancy_pct: Any = None) -> dict[str, Any]:
        """Fill, outline, dash and fill opacity of a cluster or park.

        The fill strength shows the occupancy: 0.15 when empty (or unknown) up to 0.65 when full.
        """
        fill = self.area_fill(kind, status)
        occ = None if occupancy_pct is None or _isna(occupancy_pct) else float(occupancy_pct)
        opacity = 0.15 + 0.5 * (min(max(occ, 0.0), 100.0) / 100.0) if occ is not None else 0.25
        if str(status) == "planned":
            opacity = min(opacity, 0.2)
        return {"fill": fill, "color": fill, "fill_opacity": round(opacity, 3), "weight": 2.0,
                "dash": self.dash(status)}

    def substation_symbol(self, voltage_kv: Any, capacity_mva: Any, status: Any, *,
                          inferred: bool = False) -> Symbol:
        """A substation's square: coloured by voltage, sized by capacity; a ``?`` when the
        voltage is not known, a ``~`` when it was inferred (``inferred``) from the lines that
        end at the station."""
        vc = self.voltage_class(voltage_kv)
        color = vc.color if vc else self.unknown_voltage_color
        label = (vc.label_vi, vc.label_en) if vc else ("Không rõ điện áp", "Unknown voltage")
        glyph = "" if vc else self.unknown_voltage_glyph
        if vc and inferred:
            glyph = self.inferred_voltage_glyph
            label = (f"{vc.label_vi} (suy ra từ đường dây)", f"{vc.label_en} (inferred from "
                     "the lines)")
        return Symbol("square", color, glyph, *label, size=substation_radius(capacity_mva))

    def plant_symbol(self, source: Any) -> Symbol:
        key = str(source) if source is not None and not _isna(source) else "other"
        vi, en = PLANT_SOURCE_LABELS.get(key, PLANT_SOURCE_LABELS["other"])
        return Symbol("star", self.plant_colors.get(key, self.plant_colors["other"]), "", vi, en,
                      size=9.0)

    def trade_symbol(self, trade_type: Any) -> Symbol:
        return self.trade_symbols.get(str(trade_type), Symbol("circle", "#636363", "?", "Khác",
                                                              "Other"))

    def diff_style(self, change: Any) -> dict[str, Any]:
        """Outline colour, weight, dash and fill of a plan-diff record (``added``, ``removed``,
        ``moved``, ``changed``).

        Removed features are no longer in the plan: dashed and hollow (``fill`` is ``None``).

        >>> s = style_table().diff_style("removed")
        >>> s["color"], s["dash"], s["fill"]
        ('#D7191C', (6.0, 4.0), None)
        """
        color = self.diff_colors.get(str(change), "#555555")
        if str(change) == "removed":
            return {"color": color, "fill": None, "fill_opacity": 0.0, "weight": 3.0,
                    "dash": self.removed_dash}
        return {"color": color, "fill": color, "fill_opacity": 0.3, "weight": 3.0, "dash": None}

    def to_json(self) -> dict[str, Any]:
        """The table as plain JSON data (read by the map's JavaScript)."""
        return {
            "palette": self.palette,
            "symbology": self.symbology,
            "voltage": [
                {"min": vc.min_kv, "color": vc.color, "weight": vc.weight, "vi": vc.label_vi,
                 "en": vc.label_en}
                for vc in self.voltage_classes
            ],
            "unknownVoltage": self.unknown_voltage_color,
            "unknownVoltageDash": " ".join(f"{v:g}" for v in self.unknown_voltage_dash),
            "dash": {k: self.dash_css(k) for k in self.status_dash},
            "cluster": dict(self.cluster_fill),
            "park": dict(self.park_fill),
            "trade": {
                t: {"shape": s.shape, "color": s.color, "glyph": s.glyph, "size": s.size}
                for t, s in self.trade_symbols.items()
            },
            "plant": dict(self.plant_colors),
            "severity": dict(self.severity_colors),
            "diff": dict(self.diff_colors),
            "province": self.province_outline,
            "commune": self.commune_outline,
            "restrictedFill": self.restricted_fill,
            "restrictedOutline": self.restricted_outline,
            "gap": self.gap_color,
            "proposed": self.proposed_color,
        }


def _isna(value: Any) -> bool:
    try:
        return bool(value != value) or value is None or str(value) in ("<NA>", "nan", "NaT")
    except (TypeError, ValueError):  # pd.NA comparisons raise in boolean context
        return True


def substation_radius(capacity_mva: Any) -> float:
    """Symbol radius (pixels) of a substation: grows with the logarithm of its capacity.

    63 MVA → 6, 250 MVA → 8.6, 900 MVA → 11.9; unknown → 5.

    >>> substation_radius(63), substation_radius(None)
    (6.0, 5.0)
    """
    if capacity_mva is None or _isna(capacity_mva) or float(capacity_mva) <= 0:
        return 5.0
    return round(4.0 + 2.0 * math.log2(1.0 + float(capacity_mva) / 63.0), 1)


def mpl_dashes(dash: tuple[float, ...] | None, *, scale: float = 0.5) -> Any:
    """A matplotlib ``linestyle`` for a pixel dash pattern (``"-"`` when solid)."""
    if not dash:
        return "-"
    return (0, tuple(v * scale for v in dash))


#: Keys of ``[map]`` that the style table reads.
STYLE_KEYS = ("palette", "voltage_colors", "symbology")

#: Map symbologies: ``"geoplan"`` (the default above) and ``"tt04-2023"``, the styling of
#: provincial planning maps after Circular 04/2023/TT-BKHĐT as far as its appendix can be read;
#: every symbol, its source and what is geoplan's own are in docs/symbology-tt04-2023.md.
SYMBOLOGIES: tuple[str, ...] = ("geoplan", "tt04-2023")

#: tt04-2023: lines coloured by voltage as on the national power plan's maps (500 kV red,
#: 220 kV orange, 110 kV blue; the PDP8 palette), existing solid, planned long dashes, under
#: construction short dashes; industrial land in the violet family (parks darker than
#: clusters); planned areas lighter with dashed outlines; the province boundary dash-dot, the
#: communes' dash-dot-dot. Colours are geoplan's own where the appendix is silent or unread.
_TT04 = {
    "status_dash": {"existing": None, "under_construction": (6.0, 3.0),
                    "planned": (12.0, 6.0), "expansion": (2.0, 3.0)},
    "cluster_fill": {"existing": "#9B59B6", "under_construction": "#AF7AC5",
                     "planned": "#D2B4DE", "expansion": "#E67E22"},
    "park_fill": {"existing": "#5B2C6F", "under_construction": "#76448A",
                  "planned": "#A569BD", "expansion": "#E67E22"},
    "province_outline": "#000000",
    "commune_outline": "#595959",
    "province_dash": (10.0, 3.0, 2.0, 3.0),
    "commune_dash": (6.0, 2.0, 1.5, 2.0, 1.5, 2.0),
    "restricted_fill": "#B3B3B3",
    "restricted_outline": "#4D4D4D",
    "land_color": "#FFFFF5",
}


def style_table(settings: Mapping[str, Any] | None = None) -> StyleTable:
    """The style table for a plan's ``[map]`` settings (defaults when ``None``).

    Only ``palette``, ``voltage_colors`` and ``symbology`` are read here; the other ``[map]``
    keys are checked by :mod:`geoplan.maps.settings`. Raises
    :class:`~geoplan.errors.PlanError` for an unknown palette or symbology, or a colour that is
    not ``#rrggbb``.

    >>> style_table({"palette": "pdp8"}).voltage_color(500)
    '#E31A1C'
    >>> style_table({"voltage_colors": {"110": "#123456"}}).voltage_color(110)
    '#123456'
    """
    settings = settings or {}
    symbology = settings.get("symbology", "geoplan")
    if symbology not in SYMBOLOGIES:
        raise PlanError(f"symbology = {symbology!r} is unknown; use one of: "
                        f"{', '.join(SYMBOLOGIES)}")
    palette = settings.get("palette", "pdp8" if symbology == "tt04-2023" else "openinframap")
    if palette not in PALETTES:
        raise PlanError(f"palette = {palette!r} is unknown; use one of: "
                        f"{', '.join(PALETTES)}")
    colors = dict(PALETTES[palette])
    overrides = settings.get("voltage_colors", {}) or {}
    if not isinstance(overrides, Mapping):
        raise PlanError("voltage_colors must be a table like { 500 = \"#b54eb2\" }, got "
                        f"{overrides!r}")
    for key, color in overrides.items():
        try:
            kv = int(str(key).lower().replace("kv", "").strip())
        except ValueError:
            raise PlanError(f"voltage_colors key {key!r} is not a voltage in kV; write e.g. "
                            "{ 220 = \"#c73030\" }") from None
        if not isinstance(color, str) or not _HEX.match(color):
            raise PlanError(f"voltage_colors.{key} = {color!r} is not a colour; write "
                            "\"#rrggbb\"")
        colors[kv] = color  # a band of its own from this level up, or the band recoloured
    table = StyleTable(palette=palette, symbology=symbology)
    if symbology == "tt04-2023":
        table = replace(table, **_TT04)  # type: ignore[arg-type]
    return replace(table, voltage_classes=_classes_any(colors))


def _classes_any(colors: Mapping[int, str]) -> tuple[VoltageClass, ...]:
    known = {550, 500, 220, 110, 35, 22, 10, 0}
    base = _classes({k: v for k, v in colors.items() if k in known})
    extra = tuple(
        VoltageClass(kv, c, 2.0, f"{kv} kV", f"{kv} kV") for kv, c in colors.items()
        if kv not in known
    )
    return tuple(sorted(base + extra, key=lambda vc: -vc.min_kv))


# ------------------------------------------------------------------------------- the legend

@dataclass(frozen=True)
class LegendEntry:
    """One row of the legend: how to draw the swatch, and the bilingual label."""

    label_vi: str
    label_en: str
    geom: Literal["line", "fill", "symbol"]
    color: str
    fill: str | None = None
    dash: tuple[float, ...] | None = None
    weight: float = 2.0
    fill_opacity: float = 0.4
    shape: Shape | None = None
    glyph: str = ""
    hatch: bool = False


@dataclass(frozen=True)
class LegendSection:
    """A titled group of legend entries (one per layer kind present on the map)."""

    title_vi: str
    title_en: str
    entries: tuple[LegendEntry, ...]


def voltage_unknown_entries(table: StyleTable, kinds: set[str] | Sequence[str], *,
                            unknown: bool, inferred: bool) -> list[LegendEntry]:
    """Legend rows of the grid whose voltage is not known (``unknown``: grey dotted lines, grey
    stations with ``?``) and of stations whose voltage was inferred (``inferred``: ``~``)."""
    rows = []
    if unknown:
        rows.append(LegendEntry("Không rõ điện áp", "Unknown voltage", "line",
                                table.unknown_voltage_color, weight=2.0,
                                dash=table.unknown_voltage_dash))
        if "substation" in kinds:
            rows.append(LegendEntry("Trạm không rõ điện áp", "Substation, voltage unknown",
                                    "symbol", table.unknown_voltage_color,
                                    fill=table.unknown_voltage_color, shape="square",
                                    glyph=table.unknown_voltage_glyph))
    if inferred and "substation" in kinds:
        rows.append(LegendEntry("Trạm có điện áp suy ra từ đường dây",
                                "Substation, voltage inferred from its lines", "symbol",
                                "#444444", fill="#444444", shape="square",
                                glyph=table.inferred_voltage_glyph))
    return rows


#: Titles of the rules that have no entry in the rule table (:func:`geoplan.rules.rule_info`):
#: the grid audit's and the coverage analysis's.
MAP_RULE_TITLES: dict[str, tuple[str, str]] = {
    "grid-dangling": ("Đầu đường dây không nối vào đâu", "Line end connected to nothing"),
    "grid-unfed": ("Trạm không có nguồn cấp", "Substation without a supply"),
    "grid-voltage-mismatch": ("Đường dây đấu vào trạm khác cấp điện áp",
                              "Line ending at a station of another voltage"),
    "grid-island": ("Lưới tách rời không có nguồn", "Grid island without a source"),
    "grid-single-supply": ("Trạm chỉ có một đường cấp (không đạt N-1)",
                           "Substation on a single supply (N-1 not met)"),
    "grid-interconnection": ("Đường dây liên kết với tỉnh lân cận",
                             "Line interconnecting with a neighbouring province"),
    "coverage-gap": ("Ngoài vùng phục vụ của trạm", "Outside every substation's service area"),
    "coverage-weak": ("Trạm trong tầm cấp điện còn ít dự phòng công suất",
                      "Substations in reach have little capacity left"),
    "substation-overload": ("Trạm quá tải", "Substation overloaded"),
}


def rule_titles() -> dict[str, tuple[str, str]]:
    """``(title_vi, title_en)`` of every rule a finding can have: the rule table's, then the
    grid audit's and the coverage analysis's (:data:`MAP_RULE_TITLES`).

    >>> rule_titles()["overlap"][1], rule_titles()["grid-dangling"][1]
    ('Overlapping planning polygons', 'Line end connected to nothing')
    """
    from geoplan.rules import rule_info

    out = {rid: (info.title_vi, info.title_en) for rid, info in rule_info().items()}
    out.update({k: v for k, v in MAP_RULE_TITLES.items() if k not in out})
    return out


def legend_sections(
    table: StyleTable,
    kinds: Mapping[str, Any] | set[str] | list[str] | tuple[str, ...],
    *,
    voltages: set[int | None] | None = None,
    statuses: set[str] | None = None,
    trade_types: set[str] | None = None,
    plant_sources: set[str] | None = None,
    findings: set[str] | None = None,
    coverage: set[str] | None = None,
    diff: set[str] | None = None,
    diff_arrows: bool = False,
    inferred_voltages: bool = False,
) -> list[LegendSection]:
    """Legend sections for the kinds on a map, listing only the values present when given.

    ``kinds`` is a collection of layer kind names. ``voltages`` / ``statuses`` /
    ``trade_types`` / ``plant_sources`` restrict the rows to the values of the plan;
    ``findings`` is the set of severities present; ``coverage`` any of
    ``{"service_area", "gap", "proposed"}``; ``diff`` the changes of a plan diff present
    (``added``, ``removed``, ``moved``, ``changed``; its section comes first), ``diff_arrows``
    whether moved features have an arrow from their old position; ``inferred_voltages`` whether
    a substation's voltage was inferred from its lines.
    """
    kinds = set(kinds)
    sections: list[LegendSection] = []
    status_rows = [s for s in STATUSES if statuses is None or s in statuses]

    if diff:
        rows = []
        for change, (vi, en) in DIFF_LABELS.items():
            if change in diff:
                st = table.diff_style(change)
                rows.append(LegendEntry(vi, en, "fill", st["color"], fill=st["fill"],
                                        dash=st["dash"], weight=st["weight"],
                                        fill_opacity=st["fill_opacity"]))
        if diff_arrows:
            rows.append(LegendEntry("Mũi tên: từ vị trí cũ đến vị trí mới",
                                    "Arrow: from the old position to the new one", "line",
                                    table.diff_colors["moved"], weight=2.5))
        sections.append(LegendSection("So sánh phương án", "Plan changes", tuple(rows)))

    if "grid_line" in kinds or "substation" in kinds:
        rows = []
        for vc in table.voltage_classes:
            if voltages is not None and not any(
                table.voltage_class(v) == vc for v in voltages
            ):
                continue
            rows.append(LegendEntry(vc.label_vi, vc.label_en, "line", vc.color, weight=vc.weight))
        rows.extend(voltage_unknown_entries(
            table, kinds, unknown=voltages is None or any(v is None for v in voltages),
            inferred=inferred_voltages))
        for s in status_rows:
            if s == "expansion":
                continue
            vi, en = STATUS_LABELS[s]
            rows.append(LegendEntry(vi, en, "line", "#444444", dash=table.dash(s), weight=2.0))
        if "substation" in kinds:
            rows.append(LegendEntry("Trạm biến áp (cỡ theo công suất)",
                                    "Substation (size by capacity)", "symbol", "#444444",
                                    fill="#444444", shape="square"))
        sections.append(LegendSection("Lưới điện", "Power grid", tuple(rows)))

    for kind, title in (("industrial_park", ("Khu công nghiệp", "Industrial parks")),
                        ("industrial_cluster", ("Cụm công nghiệp", "Industrial clusters"))):
        if kind not in kinds:
            continue
        rows = []
        for s in status_rows:
            if s == "expansion" and kind != "industrial_cluster":
                continue
            st = table.area_style(kind, s, 60.0)
            vi, en = STATUS_LABELS[s]
            rows.append(LegendEntry(vi, en, "fill", st["color"], fill=st["fill"],
                                    dash=st["dash"], fill_opacity=st["fill_opacity"]))
        rows.append(LegendEntry("Màu đậm = tỷ lệ lấp đầy cao", "Stronger fill = higher occupancy",
                                "fill", table.area_fill(kind, "existing"),
                                fill=table.area_fill(kind, "existing"), fill_opacity=0.65))
        sections.append(LegendSection(*title, tuple(rows)))

    if "trade_facility" in kinds:
        rows = []
        for t in TRADE_TYPES:
            if trade_types is not None and t not in trade_types:
                continue
            sym = table.trade_symbol(t)
            rows.append(LegendEntry(sym.label_vi, sym.label_en, "symbol", "#ffffff",
                                    fill=sym.color, shape=sym.shape, glyph=sym.glyph))
        sections.append(LegendSection("Hạ tầng thương mại", "Trade facilities", tuple(rows)))

    if "power_plant" in kinds:
        rows = []
        for src in PLANT_SOURCES:
            if plant_sources is not None and src not in plant_sources:
                continue
            sym = table.plant_symbol(src)
            rows.append(LegendEntry(sym.label_vi, sym.label_en, "symbol", "#ffffff",
                                    fill=sym.color, shape="star"))
        sections.append(LegendSection("Nhà máy điện", "Power plants", tuple(rows)))

    context = []
    if "restricted_zone" in kinds:
        context.append(LegendEntry("Vùng hạn chế phát triển", "Restricted zone", "fill",
                                   table.restricted_outline, fill=table.restricted_fill,
                                   fill_opacity=0.3, hatch=True, dash=(4.0, 3.0)))
    if "boundary" in kinds:
        context.append(LegendEntry("Ranh giới tỉnh", "Province boundary", "line",
                                   table.province_outline, weight=3.0,
                                   dash=table.province_dash))
        context.append(LegendEntry("Ranh giới xã/phường", "Commune boundary", "line",
                                   table.commune_outline, weight=1.0, dash=table.commune_dash))
    if context:
        sections.append(LegendSection("Nền", "Context", tuple(context)))

    if coverage:
        rows = []
        if "service_area" in coverage:
            rows.append(LegendEntry("Vùng phục vụ của trạm", "Substation service area", "fill",
                                    "#555555", fill="#9ecae1", fill_opacity=0.25))
        if "gap" in coverage:
            rows.append(LegendEntry("Vùng thiếu nguồn cấp", "Coverage gap", "fill",
                                    table.gap_color, fill=table.gap_color, fill_opacity=0.35,
                                    hatch=True))
        if "proposed" in coverage:
            rows.append(LegendEntry("Vị trí trạm đề xuất", "Proposed substation site", "symbol",
                                    "#ffffff", fill=table.proposed_color, shape="diamond",
                                    glyph="+"))
        sections.append(LegendSection("Cấp điện", "Power supply coverage", tuple(rows)))

    if findings:
        rows = []
        for sev in ("error", "warning", "info"):
            if sev in findings:
                vi, en = SEVERITY_LABELS[sev]
                rows.append(LegendEntry(vi, en, "fill", table.severity_colors[sev],
                                        fill=table.severity_colors[sev], fill_opacity=0.45))
        sections.append(LegendSection("Kết quả kiểm tra", "Check findings", tuple(rows)))
    return sections
