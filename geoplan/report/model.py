"""The report's model: tables, figures and sections, the labels in both languages, settings.

Nothing here computes a figure; :mod:`geoplan.report.sections` fills the model from a plan and
:mod:`geoplan.report.html` / :mod:`geoplan.report.xlsx` write it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from geoplan.errors import PlanError, check_keys

__all__ = [
    "LANGS",
    "SETTINGS_KEYS",
    "Column",
    "ColumnKind",
    "Figure",
    "Lang",
    "Report",
    "Section",
    "Table",
    "format_number",
    "validate_settings",
]

Lang = Literal["vi", "en"]
LANGS: tuple[str, ...] = ("vi", "en")
#: Keys of the plan file's ``[report]`` table.
SETTINGS_KEYS = ("lang", "title", "maps", "sites")

ColumnKind = Literal["text", "int", "ha", "km", "mva", "mw", "pct", "float", "bool"]

# ------------------------------------------------------------------------------ the labels

_T: dict[str, tuple[str, str]] = {
    "report": ("Báo cáo hạ tầng công nghiệp, thương mại và điện", "Industry, trade and power "
               "infrastructure report"),
    "plan": ("Quy hoạch", "Plan"),
    "province": ("Tỉnh", "Province"),
    "created": ("Ngày lập", "Created"),
    "crs": ("Hệ tọa độ tính toán", "Analysis CRS"),
    "generator": ("Lập bằng", "Made with"),
    "sources": ("Nguồn dữ liệu", "Data sources"),
    "contents": ("Mục lục", "Contents"),
    "method": ("Phương pháp", "Method"),
    "method_text": (
        "Diện tích và chiều dài được đo trên hình học trong hệ tọa độ tính toán của quy hoạch "
        "(mét), không lấy từ diện tích khai báo (được ghi bên cạnh). Tỷ lệ lấp đầy của một nhóm "
        "= đất công nghiệp đã cho thuê / đất công nghiệp theo quy hoạch chi tiết khi có số liệu "
        "đất, nếu không = diện tích đã lấp đầy / diện tích của các đối tượng có số liệu lấp đầy. "
        "Xã/phường của "
        "một đối tượng là trường xã/phường nếu có, nếu không là xã/phường chứa phần lớn nhất "
        "của đối tượng.",
        "Areas and lengths are measured on the geometries in the plan's analysis CRS (metres), "
        "not taken from the declared areas (shown beside them). Occupancy of a group = leased "
        "industrial land / industrial land of the detailed plans where the features have these "
        "figures, else occupied area / area of the features whose occupancy is known. A "
        "feature's commune is its "
        "commune field when filled, else the commune holding the largest part of it."),
    "clusters": ("Cụm công nghiệp", "Industrial clusters"),
    "parks": ("Khu công nghiệp", "Industrial parks"),
    "trade": ("Hạ tầng thương mại", "Trade infrastructure"),
    "grid": ("Lưới điện", "Power grid"),
    "findings": ("Kết quả kiểm tra theo quy tắc", "Findings by rule"),
    "number": ("Số lượng", "Number"),
    "total_area": ("Tổng diện tích (đo)", "Total area (measured)"),
    "avg_area": ("Diện tích bình quân", "Average area"),
    "declared_area": ("Diện tích khai báo", "Declared area"),
    "area": ("Diện tích (đo)", "Area (measured)"),
    "detailed_area": ("Diện tích có quy hoạch chi tiết", "Area with a detailed plan"),
    "detailed_count": ("Số có quy hoạch chi tiết", "Number with a detailed plan"),
    "occupied_area": ("Diện tích đã lấp đầy", "Occupied area"),
    "occupancy": ("Tỷ lệ lấp đầy", "Occupancy"),
    "breaking": ("Số vi phạm quy tắc", "Number breaking a rule"),
    "commune": ("Xã/phường", "Commune"),
    "status": ("Trạng thái", "Status"),
    "id": ("Mã", "ID"),
    "name": ("Tên", "Name"),
    "layer": ("Lớp", "Layer"),
    "rules": ("Quy tắc vi phạm", "Rules broken"),
    "rule": ("Quy tắc", "Rule"),
    "rule_title": ("Nội dung quy tắc", "What the rule checks"),
    "severity": ("Mức độ", "Severity"),
    "message": ("Nội dung", "Message"),
    "reference": ("Căn cứ", "Reference"),
    "references": ("Căn cứ pháp lý", "Legal references"),
    "errors": ("Lỗi", "Errors"),
    "warnings": ("Cảnh báo", "Warnings"),
    "infos": ("Thông tin", "Information"),
    "value": ("Giá trị", "Value"),
    "threshold": ("Ngưỡng", "Threshold"),
    "unit": ("Đơn vị", "Unit"),
    "other": ("Đối tượng liên quan", "Other feature"),
    "by_commune": ("theo xã/phường", "by commune"),
    "by_status": ("theo trạng thái", "by status"),
    "list": ("danh sách", "list"),
    "break_rules": ("vi phạm quy tắc", "breaking a rule"),
    "type": ("Loại hình", "Type"),
    "class": ("Hạng", "Class"),
    "class_1": ("Hạng I", "Class I"),
    "class_2": ("Hạng II", "Class II"),
    "class_3": ("Hạng III", "Class III"),
    "class_none": ("Chưa phân hạng", "Unclassified"),
    "by_type_class": ("theo loại hình và hạng", "by type and class"),
    "facilities": ("Số cơ sở", "Facilities"),
    "types": ("Số loại hình", "Types"),
    "total": ("Tổng cộng", "Total"),
    "unknown_commune": ("(không xác định xã/phường)", "(unknown commune)"),
    "unknown": ("(không rõ)", "(unknown)"),
    "voltage": ("Cấp điện áp", "Voltage"),
    "lines": ("Đường dây", "Lines"),
    "line_count": ("Số đường dây", "Number of lines"),
    "km": ("Chiều dài", "Length"),
    "km_in_province": ("Chiều dài trong tỉnh", "Length in the province"),
    "lines_by": ("Đường dây theo cấp điện áp và trạng thái",
                 "Lines by voltage and status"),
    "subs_by": ("Trạm biến áp theo cấp điện áp và trạng thái",
                "Substations by voltage and status"),
    "substations": ("Trạm biến áp", "Substations"),
    "capacity": ("Công suất", "Capacity"),
    "coverage": ("Cấp điện cho cụm, khu công nghiệp", "Power supply of clusters and parks"),
    "kind": ("Loại đối tượng", "Kind"),
    "covered": ("Được cấp điện", "Covered"),
    "covered_share": ("Tỷ lệ được cấp điện", "Share covered"),
    "demand": ("Nhu cầu phụ tải", "Demand"),
    "unserved": ("Phụ tải chưa được cấp", "Unserved demand"),
    "unserved_features": ("Đối tượng chưa được cấp điện", "Features without supply"),
    "distance_km": ("Khoảng cách tới trạm gần nhất", "Distance to the nearest substation"),
    "overloaded": ("Trạm biến áp quá tải", "Overloaded substations"),
    "firm_mw": ("Công suất khả dụng", "Firm capacity"),
    "load_mw": ("Phụ tải", "Load"),
    "headroom_mw": ("Dự phòng", "Headroom"),
    "sites": ("Vị trí trạm đề xuất", "Proposed substation sites"),
    "population": ("Dân số của tỉnh", "Population of the province"),
    "population_unit": ("Đơn vị của raster dân số", "Unit of the population raster"),
    "unit_count": ("người/ô", "people per cell"),
    "unit_per_km2": ("người/km² (nhân với diện tích ô)", "people per km² (times cell area)"),
    "unit_assumed": ("giả định: đặt [coverage] population_unit",
                     "assumed: set [coverage] population_unit"),
    "site": ("Vị trí", "Site"),
    "n_features": ("Số đối tượng phục vụ", "Features served"),
    "connect": ("Đấu nối vào", "Connects to"),
    "connect_km": ("Khoảng cách đấu nối", "Connection distance"),
    "no_coverage": ("Chưa chạy phân tích cấp điện.", "The coverage analysis was not run."),
    "no_findings": ("Không có phát hiện nào.", "No findings."),
    "no_checks": ("Chưa chạy kiểm tra.", "The checks were not run."),
    "none": ("Không có.", "None."),
    "no_layer": ("Quy hoạch không có lớp này.", "The plan has no such layer."),
    "all_findings": ("Tất cả phát hiện", "All findings"),
    "findings_by_rule": ("Phát hiện theo quy tắc", "Findings by rule"),
    "findings_count": ("Số phát hiện", "Findings"),
    "map": ("Bản đồ", "Map"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "declared_note": ("Diện tích khai báo lấy từ trường area_ha của lớp.",
                      "The declared area is the layer's area_ha field."),
    "km_note_province": ("Chiều dài tính phần nằm trong ranh giới tỉnh.",
                         "Lengths count the part inside the province boundary."),
    "km_note_all": ("Quy hoạch không có ranh giới tỉnh: chiều dài tính toàn tuyến.",
                    "The plan has no province boundary: lengths count whole lines."),
    "about": ("Thông tin", "About"),
    "item": ("Mục", "Item"),
}

_UNITS: dict[str, str] = {"ha": "ha", "km": "km", "mva": "MVA", "mw": "MW", "pct": "%"}


def _t(key: str, lang: Lang) -> str:
    vi, en = _T[key]
    return vi if lang == "vi" else en


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check the plan file's ``[report]`` table; raise :class:`PlanError` naming bad keys.

    Keys: ``lang`` (``"vi"`` or ``"en"``), ``title`` (the report's title), ``maps`` (draw the
    small maps, default true), ``sites`` (number of new substation sites the coverage analysis
    proposes for the report, default 0).

    >>> validate_settings({"lang": "en"})
    >>> validate_settings({"language": "en"})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'language' (did you mean 'lang'?) in [report]; valid \
keys: lang, title, maps, sites
    """

    check_keys(mapping, SETTINGS_KEYS, where=" in [report]")
    if "lang" in mapping and mapping["lang"] not in LANGS:
        raise PlanError(f"[report] lang = {mapping['lang']!r}: use \"vi\" or \"en\"")
    if "title" in mapping and not isinstance(mapping["title"], str):
        raise PlanError(f"[report] title = {mapping['title']!r}: write the title as text")
    if "maps" in mapping and not isinstance(mapping["maps"], bool):
        raise PlanError(f"[report] maps = {mapping['maps']!r}: write true or false")
    sites = mapping.get("sites", 0)
    if isinstance(sites, bool) or not isinstance(sites, int) or not 0 <= sites <= 50:
        raise PlanError(f"[report] sites = {sites!r}: give a number of sites from 0 to 50")


# ------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Column:
    """A column of a report table: key in :attr:`Table.rows`, label, and kind of value."""

    key: str
    label: str
    kind: ColumnKind = "text"

    @property
    def unit(self) -> str:
        return _UNITS.get(self.kind, "")

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Table:
    """One table: rows keyed by column key, and an optional totals row."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: pd.DataFrame
    total: Mapping[str, Any] | None = None
    note: str = ""

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


@dataclass(frozen=True)
class Figure:
    """A headline figure of a section."""

    key: str
    label: str
    value: Any
    kind: ColumnKind = "float"


@dataclass(frozen=True)
class Section:
    """A section of the report: headline figures, tables and a small map (PNG)."""

    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    map_png: bytes | None = None
    note: str = ""

    def figure(self, key: str) -> Any:
        for f in self.figures:
            if f.key == key:
                return f.value
        raise KeyError(key)


@dataclass(frozen=True)
class Report:
    """The figures of a plan, ready to write as HTML or Excel."""

    title: str
    plan_name: str
    province: str | None
    lang: Lang
    created: str
    crs: str
    generator: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    #: the credits of the plan's data (:attr:`geoplan.plan.Plan.attributions`), as text
    sources: tuple[str, ...] = ()

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str) -> Table:
        for t in self.tables():
            if t.key == key:
                return t
        raise KeyError(f"no table {key!r}; tables: {', '.join(t.key for t in self.tables())}")

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


# ------------------------------------------------------------------------------ helpers


def format_number(value: Any, kind: ColumnKind, lang: Lang = "vi") -> str:
    """A value as text: Vietnamese ``1.234,5``, English ``1,234.5``; missing as ``–``.

    >>> format_number(1234.5, "ha", "vi"), format_number(1234.5, "ha", "en")
    ('1.234,50', '1,234.50')
    >>> format_number(None, "int"), format_number(True, "bool", "en")
    ('–', 'Yes')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "bool":
        return _t("yes" if bool(value) else "no", lang)
    if kind == "text":
        return str(value)
    decimals = {"int": 0, "ha": 2, "km": 2, "mva": 1, "mw": 1, "pct": 1, "float": 2}[kind]
    text = f"{float(value):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _isna(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
