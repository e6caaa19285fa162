"""Layer kinds of a provincial plan: canonical fields, types, vocabularies and aliases.

This is the *define* stage. Every other stage speaks in the canonical names declared here.
Values arrive in many spellings (Vietnamese with or without diacritics, English, codes); the
normalisers below turn them into one canonical value or raise :class:`ValueError` listing the
accepted values, which the load stage (:mod:`geoplan.load`) turns into a located problem.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from geoplan.names import fold

__all__ = [
    "BOOLEAN_WORDS",
    "KINDS",
    "SOURCE_UNITS",
    "STATUSES",
    "TRADE_TYPES",
    "VOLTAGES_KV",
    "Field",
    "LayerKind",
    "fold",
    "normalise_bool",
    "normalise_class",
    "normalise_number",
    "normalise_period",
    "normalise_status",
    "normalise_text",
    "normalise_vocabulary",
    "normalise_voltages",
    "period_end",
    "unit_factor",
]

FieldType = Literal["str", "float", "int", "bool", "status", "voltage", "vocab", "period", "class"]

#: Voltage levels accepted, in kV. 380 kV, for example, is not a Vietnamese level.
VOLTAGES_KV: tuple[int, ...] = (1000, 765, 500, 220, 110, 66, 35, 22, 15, 10, 6)

STATUSES: tuple[str, ...] = ("existing", "under_construction", "planned", "expansion")

TRADE_TYPES: tuple[str, ...] = (
    "market",
    "wholesale_market",
    "supermarket",
    "shopping_mall",
    "convenience_store",
    "logistics_center",
    "exhibition_center",
    "warehouse",
    "petrol_station",
    "lpg_store",
    "fuel_depot",
)


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, aliases in pairs.items():
        for alias in (canonical, *aliases):
            out[fold(alias)] = canonical
    return out


_STATUS = _table(
    {
        "existing": (
            "hiện trạng", "hiện có", "đã xây dựng", "đang hoạt động", "đang vận hành",
            "đã thành lập", "đã đầu tư", "operating", "operational", "in operation", "built",
            "current", "active", "ht",
        ),
        "under_construction": (
            "under construction", "đang xây dựng", "đang thi công", "đang triển khai",
            "construction", "building", "dxd",
        ),
        "planned": (
            "quy hoạch", "quy hoạch mới", "dự kiến", "kế hoạch", "xây dựng mới", "thành lập mới",
            "đề xuất", "proposed", "planning", "new", "new construction", "future", "qh",
            "plan",
        ),
        "expansion": ("mở rộng", "mở rộng quy mô", "expand", "expanded", "extension", "mr"),
    }
)

_LOCATION = _table(
    {
        "overhead": ("trên không", "đi nổi", "nổi", "dây nổi", "aerial", "line", "minor line"),
        "underground": ("ngầm", "cáp ngầm", "đi ngầm", "cable", "buried", "underground cable"),
    }
)

TRADE_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "market": ("chợ", "chợ dân sinh", "chợ truyền thống", "retail market", "marketplace",
               "cho"),
    "wholesale_market": ("chợ đầu mối", "đầu mối", "wholesale"),
    "supermarket": ("siêu thị", "sieu thi"),
    "shopping_mall": ("trung tâm thương mại", "tttm", "mall", "shopping centre",
                      "shopping center", "trade centre", "trade center"),
    "convenience_store": ("cửa hàng tiện lợi", "cửa hàng tiện ích", "convenience",
                          "minimart", "mini supermarket"),
    "logistics_center": ("trung tâm logistics", "logistics", "logistics centre",
                         "trung tâm logistic"),
    "exhibition_center": ("trung tâm hội chợ triển lãm", "hội chợ triển lãm", "triển lãm",
                          "exhibition centre", "exhibition", "trade fair centre"),
    "warehouse": ("kho", "kho bãi", "kho hàng", "kho ngoại quan", "icd", "bonded warehouse",
                  "storage"),
    "petrol_station": ("cửa hàng xăng dầu", "cây xăng", "trạm xăng", "xăng dầu",
                       "fuel station", "gas station", "petrol", "fuel"),
    "lpg_store": ("cửa hàng lpg", "cửa hàng khí hóa lỏng", "khí hóa lỏng", "gas lpg", "lpg",
                  "lpg shop", "lpg station", "trạm nạp lpg"),
    "fuel_depot": ("kho xăng dầu", "kho xăng", "tổng kho xăng dầu", "petroleum depot",
                   "oil depot", "depot"),
}

PLANT_SOURCES: dict[str, tuple[str, ...]] = {
    "coal": ("than", "nhiệt điện than", "thermal coal"),
    "gas": ("khí", "nhiệt điện khí", "lng", "natural gas"),
    "oil": ("dầu", "diesel"),
    "hydro": ("thủy điện", "thuỷ điện", "water", "hydroelectric"),
    "pumped_storage": ("thủy điện tích năng", "pumped storage"),
    "solar": ("điện mặt trời", "mặt trời", "pv", "photovoltaic"),
    "wind": ("điện gió", "gió", "wind onshore", "wind offshore"),
    "biomass": ("sinh khối", "biofuel", "biogas"),
    "waste": ("điện rác", "rác", "waste to energy"),
    "nuclear": ("hạt nhân",),
    "battery": ("pin lưu trữ", "bess", "storage battery"),
    "other": ("khác", "unknown"),
}

BOUNDARY_LEVELS: dict[str, tuple[str, ...]] = {
    "province": ("tỉnh", "thành phố trực thuộc trung ương", "tinh", "adm1", "4"),
    "commune": ("xã", "phường", "đặc khu", "thị trấn", "ward", "adm3", "6", "8"),
}

BOOLEAN_WORDS: dict[str, bool] = {
    **dict.fromkeys(("true", "yes", "y", "1", "x", "có", "co", "đúng", "t", "on"), True),
    **dict.fromkeys(("false", "no", "n", "0", "không", "khong", "sai", "f", "off", ""), False),
}


@dataclass(frozen=True)
class Field:
    """One canonical field of a layer kind."""

    name: str
    type: FieldType
    required: bool = False
    vocabulary: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    label_vi: str = ""
    label_en: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class LayerKind:
    """A kind of planning layer: allowed geometry families and canonical fields."""

    name: str
    geometry: tuple[Literal["point", "line", "polygon"], ...]
    fields: tuple[Field, ...]
    label_vi: str
    label_en: str
    derived: tuple[str, ...] = field(default_factory=tuple)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def columns(self) -> tuple[str, ...]:
        """Canonical columns of a loaded frame, without geometry."""
        return self.field_names + self.derived

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _id() -> Field:
    return Field("id", "str", True, aliases=("ma", "mã", "code", "fid_", "ma_so", "stt"),
                 label_vi="Mã", label_en="ID")


def _name() -> Field:
    return Field("name", "str", aliases=("ten", "tên", "ten_ccn", "ten_kcn", "ten_tram",
                                         "ten_duong_day", "ten_cho", "name_vi"),
                 label_vi="Tên", label_en="Name")


def _status(*extra: str) -> Field:
    return Field("status", "status", True, vocabulary=STATUSES[:3] + extra,
                 aliases=("trang_thai", "trạng thái", "hien_trang", "tinh_trang"),
                 label_vi="Trạng thái", label_en="Status")


def _period() -> Field:
    return Field("period", "period", aliases=("giai_doan", "giai đoạn", "ky_quy_hoach"),
                 label_vi="Giai đoạn", label_en="Period")


def _area() -> Field:
    return Field("area_ha", "float", aliases=("dien_tich", "diện tích", "dt_ha", "dientich",
                                              "area"),
                 label_vi="Diện tích khai báo", label_en="Declared area", unit="ha", minimum=0)


def _occupancy() -> Field:
    return Field("occupancy_pct", "float", aliases=("ty_le_lap_day", "tỷ lệ lấp đầy", "lap_day",
                                                    "occupancy"),
                 label_vi="Tỷ lệ lấp đầy", label_en="Occupancy", unit="%", minimum=0,
                 maximum=100)


def _demand() -> Field:
    return Field("demand_mw", "float", aliases=("phu_tai", "phụ tải", "pmax", "demand"),
                 label_vi="Nhu cầu phụ tải", label_en="Demand", unit="MW", minimum=0)


def _sector() -> Field:
    return Field("sector", "str", aliases=("nganh", "ngành", "nganh_nghe", "linh_vuc"),
                 label_vi="Ngành nghề", label_en="Sector")


def _commune() -> Field:
    return Field("commune", "str", aliases=("xa", "xã", "phuong", "xa_phuong", "dia_diem",
                                            "địa điểm", "location_name"),
                 label_vi="Xã/phường", label_en="Commune")


def _voltage() -> Field:
    return Field("voltage_kv", "voltage", True, vocabulary=tuple(str(v) for v in VOLTAGES_KV),
                 aliases=("cap_dien_ap", "cấp điện áp", "dien_ap", "voltage", "kv", "u_kv"),
                 label_vi="Cấp điện áp", label_en="Voltage", unit="kV")


KINDS: dict[str, LayerKind] = {
    k.name: k
    for k in (
        LayerKind(
            "boundary",
            ("polygon",),
            (
                _name(),
                Field("level", "vocab", True, vocabulary=tuple(BOUNDARY_LEVELS),
                      aliases=("cap", "cấp", "admin_level"), label_vi="Cấp hành chính",
                      label_en="Level"),
                Field("code", "str", aliases=("ma", "ma_dvhc"), label_vi="Mã ĐVHC",
                      label_en="Code"),
            ),
            "Ranh giới hành chính",
            "Administrative boundary",
        ),
        LayerKind(
            "industrial_cluster",
            ("polygon",),
            (
                _id(),
                _name(),
                _status("expansion"),
                _area(),
                _occupancy(),
                Field("mountainous", "bool", aliases=("mien_nui", "miền núi"),
                      label_vi="Miền núi", label_en="Mountainous"),
                Field("craft_village", "bool", aliases=("lang_nghe", "làng nghề"),
                      label_vi="CCN làng nghề", label_en="Craft-village cluster"),
                Field("wastewater_ready", "bool", aliases=("xu_ly_nuoc_thai", "htxlnt", "xlnt"),
                      label_vi="Đã có hệ thống xử lý nước thải",
                      label_en="Wastewater treatment in place"),
                Field("detailed_plan", "bool", aliases=("qhct", "quy_hoach_chi_tiet"),
                      label_vi="Có quy hoạch chi tiết", label_en="Detailed plan approved"),
                _period(),
                _commune(),
                _sector(),
                _demand(),
            ),
            "Cụm công nghiệp",
            "Industrial cluster",
        ),
        LayerKind(
            "industrial_park",
            ("polygon",),
            (
                _id(), _name(), _status(), _area(), _occupancy(),
                Field("detailed_plan", "bool", aliases=("qhct", "quy_hoach_chi_tiet"),
                      label_vi="Có quy hoạch chi tiết", label_en="Detailed plan approved"),
                Field("phased", "bool", aliases=("phan_ky", "phân kỳ"),
                      label_vi="Phân kỳ đầu tư", label_en="Planned in phases"),
                _period(), _commune(), _sector(), _demand(),
            ),
            "Khu công nghiệp",
            "Industrial park",
        ),
        LayerKind(
            "trade_facility",
            ("point", "polygon"),
            (
                _id(),
                _name(),
                Field("type", "vocab", True, vocabulary=TRADE_TYPES,
                      aliases=("loai_hinh", "loại hình", "loai", "category"),
                      label_vi="Loại hình", label_en="Type"),
                Field("class", "class", aliases=("hang", "hạng", "phan_hang", "cap_cho"),
                      label_vi="Hạng", label_en="Class"),
                _status(),
                Field("business_points", "int", aliases=("so_diem_kinh_doanh", "diem_kd"),
                      label_vi="Số điểm kinh doanh", label_en="Business points", minimum=0),
                Field("floor_area_m2", "float", aliases=("dien_tich_san", "dt_kinh_doanh",
                                                         "floor_area"),
                      label_vi="Diện tích kinh doanh", label_en="Floor area", unit="m²",
                      minimum=0),
                Field("items", "int", aliases=("so_mat_hang", "mat_hang"),
                      label_vi="Số tên hàng", label_en="Items", minimum=0),
                _period(), _commune(), _demand(),
            ),
            "Hạ tầng thương mại",
            "Trade facility",
        ),
        LayerKind(
            "grid_line",
            ("line",),
            (
                _id(), _name(), _voltage(), _status(),
                Field("circuits", "int", aliases=("so_mach", "số mạch", "mach"),
                      label_vi="Số mạch", label_en="Circuits", minimum=1, maximum=8),
                Field("location", "vocab", vocabulary=("overhead", "underground"),
                      aliases=("kieu", "hinh_thuc", "loai_tuyen"),
                      label_vi="Hình thức", label_en="Location"),
                Field("conductor_offset_m", "float", aliases=("khoang_cach_pha",),
                      label_vi="Khoảng cách dây pha ngoài cùng tới tim tuyến",
                      label_en="Outermost conductor offset from axis", unit="m", minimum=0),
                _period(),
            ),
            "Đường dây",
            "Power line",
            derived=("voltage_levels",),
        ),
        LayerKind(
            "substation",
            ("point", "polygon"),
            (
                _id(), _name(), _voltage(),
                Field("capacity_mva", "float", aliases=("cong_suat", "công suất", "mva",
                                                        "quy_mo_mva"),
                      label_vi="Công suất", label_en="Capacity", unit="MVA", minimum=0),
                _status(), _period(),
            ),
            "Trạm biến áp",
            "Substation",
            derived=("voltage_levels",),
        ),
        LayerKind(
            "power_plant",
            ("point", "polygon"),
            (
                _id(), _name(),
                Field("source", "vocab", vocabulary=tuple(PLANT_SOURCES),
                      aliases=("nguon", "loai_nguon", "plant_source"),
                      label_vi="Loại nguồn", label_en="Source"),
                Field("capacity_mw", "float", aliases=("cong_suat", "công suất", "mw"),
                      label_vi="Công suất", label_en="Capacity", unit="MW", minimum=0),
                Field("voltage_kv", "voltage", vocabulary=tuple(str(v) for v in VOLTAGES_KV),
                      aliases=("cap_dien_ap", "dien_ap"), label_vi="Cấp điện áp đấu nối",
                      label_en="Connection voltage", unit="kV"),
                _status(), _period(),
            ),
            "Nhà máy điện",
            "Power plant",
        ),
        LayerKind(
            "restricted_zone",
            ("polygon",),
            (
                _id(), _name(),
                Field("type", "str", aliases=("loai", "loai_vung", "category"),
                      label_vi="Loại vùng hạn chế", label_en="Zone type"),
            ),
            "Vùng hạn chế phát triển",
            "Restricted zone",
        ),
    )
}

#: Raster kinds: read through rasterio, never loaded whole.
RASTER_KINDS: tuple[str, ...] = ("population",)


# --------------------------------------------------------------------------- normalisers


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(value, str) and value.strip() == ""


def normalise_text(value: Any) -> str | None:
    """Strip and NFC-normalise text; ``None`` for missing values."""
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def normalise_vocabulary(
    value: Any, table: dict[str, str], accepted: tuple[str, ...]
) -> str | None:
    """Look ``value`` up in an alias table; raise listing ``accepted`` when unknown."""
    if _missing(value):
        return None
    key = fold(str(value))
    if key in table:
        return table[key]
    raise ValueError(f"{value!r} is not one of: {', '.join(accepted)}")


def normalise_status(value: Any, *, allowed: tuple[str, ...] = STATUSES) -> str | None:
    """Canonical status.

    >>> normalise_status("Hiện trạng"), normalise_status("Đang xây dựng")
    ('existing', 'under_construction')
    >>> normalise_status("quy hoạch")
    'planned'
    """
    result = normalise_vocabulary(value, _STATUS, allowed)
    if result is not None and result not in allowed:
        raise ValueError(f"{value!r} ({result}) is not allowed here; use one of: "
                         f"{', '.join(allowed)}")
    return result


_VOLT_NUM = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(kv|v)?$")


def normalise_voltages(value: Any, *, extra_levels: tuple[float, ...] = ()) -> tuple[int, ...]:
    """All voltage levels of a value, in kV, highest first; ``()`` when missing.

    Accepts ``500``, ``"500kV"``, ``"500 kV"``, ``500000`` (volts), ``"220;110"``,
    ``"220/110kV"``, ``"220000;110000"``.

    >>> normalise_voltages("220;110"), normalise_voltages(500000), normalise_voltages("110 kV")
    ((220, 110), (500,), (110,))
    """
    if _missing(value):
        return ()
    if isinstance(value, (int, float)):
        parts = [str(value)]
    else:
        parts = [p for p in re.split(r"[;,/|+]", str(value)) if p.strip()]
    levels: set[int] = set()
    for part in parts:
        text = fold(part).replace(" ", "")
        m = _VOLT_NUM.match(text)
        if not m:
            raise ValueError(f"{value!r} is not a voltage; write e.g. 110, '220 kV', 500000 (volts)"
                             f" or '220;110'. Accepted levels (kV): "
                             f"{', '.join(map(str, VOLTAGES_KV))}")
        number = float(m.group(1).replace(",", "."))
        unit = m.group(2)
        volts = unit == "v" or (unit is None and number >= 6000)
        kv = number / 1000 if volts else number
        if kv not in VOLTAGES_KV and kv not in extra_levels:
            raise ValueError(f"{kv:g} kV is not a voltage level used in Vietnam; "
                             f"accepted levels (kV): {', '.join(map(str, VOLTAGES_KV))}")
        levels.add(int(kv))
    return tuple(sorted(levels, reverse=True))


def normalise_bool(value: Any) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = fold(str(value))
    if key in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[key]
    raise ValueError(f"{value!r} is not a yes/no value; write true/false, có/không or 1/0")


def normalise_number(value: Any) -> float | None:
    """A number; accepts ``"65%"``, ``"12,5"`` (decimal comma), ``"1 200"``."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    for suffix in ("ha", "mva", "mw", "m2", "m²", "kv"):
        if text.casefold().endswith(suffix):
            text = text[: -len(suffix)]
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "1": 1, "2": 2, "3": 3}


def normalise_class(value: Any) -> int | None:
    """Class (hạng / loại) 1-3 from ``"I"``, ``"hạng II"``, ``"loại 3"``, ``2``."""
    if _missing(value):
        return None
    key = fold(str(value))
    key = re.sub(r"^(hang|loai|class|cap)\s*", "", key).strip()
    if key.endswith(".0"):
        key = key[:-2]
    if key in _ROMAN:
        return _ROMAN[key]
    raise ValueError(f"{value!r} is not a class; write I, II, III (or 1, 2, 3)")


_PERIOD = re.compile(r"(\d{4})\s*(?:-|–|—|den|to)?\s*(\d{4})")


def normalise_period(value: Any) -> str | None:
    """``"2026-2030"`` from ``"giai đoạn 2026–2030"``, ``2030`` -> ``"2030"``."""
    if _missing(value):
        return None
    text = fold(str(value))
    if text.endswith(".0"):
        text = text[:-2]
    m = _PERIOD.search(text)
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        if start > end:
            raise ValueError(f"{value!r}: the period ends before it starts")
        return f"{start}-{end}"
    m2 = re.fullmatch(r"(?:nam|year)?\s*(\d{4})", text)
    if m2:
        return m2.group(1)
    raise ValueError(f"{value!r} is not a period; write e.g. 2026-2030")


def period_end(period: str | None) -> int | None:
    """Last year of a canonical period string."""
    if not period:
        return None
    return int(period.split("-")[-1])


def alias_table(kind_field: str) -> dict[str, str]:
    """Alias tables for ``vocab`` fields, by ``kind.field``."""
    return _VOCAB_TABLES[kind_field]


_VOCAB_TABLES: dict[str, dict[str, str]] = {
    "trade_facility.type": _table(TRADE_TYPE_ALIASES),
    "power_plant.source": _table(PLANT_SOURCES),
    "boundary.level": _table(BOUNDARY_LEVELS),
    "grid_line.location": _LOCATION,
}


# ------------------------------------------------------------------- units of source columns
# A plan may declare the unit of a source column (fields = { capacity_mw = { column = "output",
# unit = "kW" } }); the value is converted to the canonical field's unit at load.

#: Units a source column may be declared in, per canonical unit: the factor to the canonical
#: unit (canonical = source × factor).
SOURCE_UNITS: dict[str, dict[str, float]] = {
    "MW": {"W": 1e-6, "kW": 1e-3, "MW": 1.0, "GW": 1e3},
    "MVA": {"VA": 1e-6, "kVA": 1e-3, "MVA": 1.0, "GVA": 1e3},
    "ha": {"m²": 1e-4, "m2": 1e-4, "ha": 1.0, "km²": 100.0, "km2": 100.0},
    "m²": {"m²": 1.0, "m2": 1.0, "ha": 1e4, "km²": 1e6, "km2": 1e6},
    "m": {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3},
}


def unit_factor(canonical_unit: str, unit: str) -> float:
    """The factor from a declared source ``unit`` to a field's ``canonical_unit``.

    Units are matched case-sensitively (``MW`` is not ``mW``) after trimming spaces.

    >>> unit_factor("MW", "kW")
    0.001
    >>> unit_factor("MW", "kV")
    Traceback (most recent call last):
    ...
    ValueError: unit 'kV' cannot be converted to MW; use one of W, kW, MW, GW
    """
    table = SOURCE_UNITS.get(canonical_unit)
    if not table:
        raise ValueError(f"a field in {canonical_unit or 'no unit'} takes no unit declaration")
    text = str(unit).strip()
    if text not in table:
        raise ValueError(f"unit {unit!r} cannot be converted to {canonical_unit}; use one of "
                         f"{', '.join(table)}")
    return table[text]
