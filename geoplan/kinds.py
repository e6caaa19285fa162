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
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from geoplan.names import fold

__all__ = [
    "BOOLEAN_WORDS",
    "CLUSTER_TYPES",
    "INFRASTRUCTURE_FIELDS",
    "KINDS",
    "POSITIONS",
    "REPORTING_FIELDS",
    "STATUSES",
    "TRADE_TYPES",
    "VOLTAGES_KV",
    "WWTP_STATES",
    "Field",
    "LayerKind",
    "fold",
    "normalise_bool",
    "normalise_class",
    "normalise_date",
    "normalise_number",
    "normalise_period",
    "normalise_status",
    "normalise_text",
    "normalise_vocabulary",
    "normalise_voltages",
    "period_end",
]

FieldType = Literal["str", "float", "int", "bool", "status", "voltage", "vocab", "period", "class",
                    "date"]

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


#: Industrial-cluster types (Decree 32/2024/ND-CP art. 2; the last four from Decree
#: 303/2026/ND-CP, 15 Sep 2026). A cluster without a type is ``general``.
CLUSTER_TYPES: tuple[str, ...] = ("general", "craft_village", "specialised", "supporting",
                                  "high_tech", "eco")

#: Essential shared infrastructure of a cluster (Decree 32/2024/ND-CP art. 8 cl. 2): item -> the
#: cluster field saying it is completed and in use.
INFRASTRUCTURE_FIELDS: dict[str, str] = {
    "roads": "roads_ready",
    "water": "water_ready",
    "wastewater": "wastewater_ready",
    "solid_waste": "solid_waste_ready",
    "fire": "fire_ready",
}

#: How exact a feature's position is (Circular 04/2023/TT-BKHDT: planning maps may show a
#: position as indicative). Missing means exact.
POSITIONS: tuple[str, ...] = ("exact", "indicative")


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

CLUSTER_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "general": ("chung", "cụm công nghiệp", "ccn", "thông thường", "đa ngành", "tổng hợp",
                "cụm công nghiệp chung"),
    "craft_village": ("làng nghề", "ccn làng nghề", "cụm công nghiệp làng nghề", "craft village",
                      "craft"),
    "specialised": ("chuyên ngành", "ccn chuyên ngành", "cụm công nghiệp chuyên ngành",
                    "specialized"),
    "supporting": ("hỗ trợ", "công nghiệp hỗ trợ", "ccn hỗ trợ", "cụm công nghiệp hỗ trợ",
                   "supporting industry"),
    "high_tech": ("công nghệ cao", "ccn công nghệ cao", "cụm công nghiệp công nghệ cao",
                  "high tech", "hi tech", "hitech"),
    "eco": ("sinh thái", "ccn sinh thái", "cụm công nghiệp sinh thái", "eco industrial",
            "ecological"),
}

POSITION_ALIASES: dict[str, tuple[str, ...]] = {
    "exact": ("chính xác", "xác định", "đã xác định", "cố định", "precise", "surveyed"),
    "indicative": ("định hướng", "dự kiến", "tượng trưng", "mang tính định hướng",
                   "chưa xác định", "sơ bộ", "approximate", "schematic"),
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


def _position() -> Field:
    return Field("position", "vocab", vocabulary=POSITIONS,
                 aliases=("vi_tri", "vị trí", "tinh_chat_vi_tri", "loai_vi_tri"),
                 label_vi="Vị trí", label_en="Position")


def _ready(name: str, aliases: tuple[str, ...], vi: str, en: str) -> Field:
    return Field(name, "bool", aliases=aliases, label_vi=vi, label_en=en)


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
                Field("cluster_type", "vocab", vocabulary=CLUSTER_TYPES,
                      aliases=("loai_ccn", "loại ccn", "loai_hinh_ccn", "loai_hinh", "loại hình",
                               "type"),
                      label_vi="Loại hình cụm", label_en="Cluster type"),
                Field("target_share_pct", "float",
                      aliases=("ty_le_dat_nganh", "ty_le_dat_muc_tieu", "ty_le_dat_lang_nghe",
                               "target_share"),
                      label_vi="Tỷ lệ đất công nghiệp cho ngành, nghề của loại hình",
                      label_en="Share of industrial land for the type's target", unit="%",
                      minimum=0, maximum=100),
                _ready("roads_ready", ("giao_thong", "giao_thong_noi_bo", "duong_noi_bo"),
                       "Đã hoàn thành đường giao thông nội bộ", "Internal roads completed"),
                _ready("water_ready", ("cap_nuoc", "he_thong_cap_nuoc"),
                       "Đã hoàn thành cấp nước", "Water supply completed"),
                _ready("solid_waste_ready", ("thu_gom_ctr", "chat_thai_ran", "thu_gom_rac"),
                       "Đã hoàn thành thu gom chất thải rắn", "Solid-waste collection completed"),
                _ready("fire_ready", ("pccc", "phong_chay_chua_chay"),
                       "Đã hoàn thành phòng cháy, chữa cháy", "Fire protection completed"),
                Field("site_cleared", "bool", aliases=("gpmb", "da_gpmb", "giai_phong_mat_bang"),
                      label_vi="Đã hoàn thành giải phóng mặt bằng", label_en="Site cleared"),
                Field("formed_before_2009", "bool",
                      aliases=("truoc_qd105", "hinh_thanh_truoc_2009", "truoc_2009"),
                      label_vi="Hình thành trước Quyết định 105/2009/QĐ-TTg",
                      label_en="Formed before Decision 105/2009/QD-TTg"),
                Field("dossier_filed", "date",
                      aliases=("ngay_nop_ho_so", "ngày nộp hồ sơ", "ngay_ho_so", "nop_ho_so"),
                      label_vi="Ngày nộp hồ sơ thành lập, mở rộng",
                      label_en="Establishment or expansion dossier filed"),
                Field("commune_group", "str", aliases=("nhom_xa", "nhóm xã", "cum_xa"),
                      label_vi="Nhóm xã", label_en="Group of communes"),
                _position(),
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
                Field("rice_land_ha", "float",
                      aliases=("dat_lua", "dat_trong_lua", "dien_tich_dat_lua", "dat_lua_2_vu"),
                      label_vi="Diện tích đất trồng lúa 2 vụ chuyển đổi",
                      label_en="Two-crop rice land converted", unit="ha", minimum=0),
                _position(),
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
                Field("ground_area_m2", "float",
                      aliases=("dien_tich_mat_bang", "dt_mat_bang", "mat_bang_cho",
                               "ground_area"),
                      label_vi="Diện tích mặt bằng chợ", label_en="Market ground area",
                      unit="m²", minimum=0),
                _position(),
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
                _period(), _position(),
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
                _status(), _period(), _position(),
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
                _status(), _period(), _position(),
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


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def normalise_date(value: Any) -> str | None:
    """An ISO date ``"2026-09-10"`` from ``"2026-09-10"``, ``"10/09/2026"`` (day first, as
    Vietnamese documents write it), a date, a datetime or a pandas timestamp.

    >>> normalise_date("10/09/2026"), normalise_date("2026-09-10 00:00:00")
    ('2026-09-10', '2026-09-10')
    """
    import datetime as dt

    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date().isoformat()
    text = str(value).strip()
    m = _DMY.match(text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write e.g. 2026-09-10 or 10/09/2026 "
                         "(day/month/year)") from None


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
    "industrial_cluster.cluster_type": _table(CLUSTER_TYPE_ALIASES),
    **{f"{kind}.position": _table(POSITION_ALIASES)
       for kind in ("industrial_cluster", "industrial_park", "trade_facility", "grid_line",
                    "substation", "power_plant")},
}


# ----------------------------------------------------------------- reporting indicators
#
# The figures a Department reports on its clusters to the provincial People's Committee and the
# Ministry (Circular 14/2024/TT-BCT, Biểu số 04 [S]): land, establishment, operation, investors,
# infrastructure capital, secondary projects, labour, revenue and wastewater treatment. All are
# optional; a Department usually keeps them in a spreadsheet keyed by cluster id, which a plan
# joins onto the layer (``[layers.x] attributes = "clusters.xlsx"``). Industrial land and leased
# land are the legal basis of occupancy (Decree 32/2024/ND-CP art. 2 cl. 6-7 [S]); parks carry
# the same two (Decree 35/2022/ND-CP art. 2 cl. 22 [S]).

#: State of a cluster's centralised wastewater treatment plant.
WWTP_STATES: tuple[str, ...] = ("none", "built", "compliant")

WWTP_ALIASES: dict[str, tuple[str, ...]] = {
    "none": ("không", "chưa có", "chưa xây dựng", "no", "không có", "0"),
    "built": ("đã xây dựng", "có", "đã có", "đã đầu tư", "chưa đạt", "chưa đạt quy chuẩn",
              "đang vận hành chưa đạt", "yes", "1"),
    "compliant": ("đạt quy chuẩn", "đạt chuẩn", "đạt", "đạt qcvn", "vận hành đạt quy chuẩn",
                  "đã có và đạt quy chuẩn", "ok"),
}


def _land_fields() -> tuple[Field, ...]:
    return (
        Field("industrial_land_ha", "float",
              aliases=("dien_tich_dat_cong_nghiep", "dat_cong_nghiep", "dt_dat_cn",
                       "đất công nghiệp", "dat_cn", "industrial_land"),
              label_vi="Diện tích đất công nghiệp theo quy hoạch chi tiết",
              label_en="Industrial land (detailed plan)", unit="ha", minimum=0),
        Field("leased_land_ha", "float",
              aliases=("dien_tich_da_cho_thue", "dat_da_cho_thue", "da_cho_thue", "dt_cho_thue",
                       "đất đã cho thuê", "leased_land"),
              label_vi="Diện tích đất công nghiệp đã cho thuê", label_en="Industrial land leased",
              unit="ha", minimum=0),
    )


#: The reporting fields of a cluster, in the order the forms read them.
REPORTING_FIELDS: tuple[Field, ...] = (
    *_land_fields(),
    Field("established", "str",
          aliases=("quyet_dinh_thanh_lap", "qd_thanh_lap", "so_qd_thanh_lap", "thanh_lap",
                   "quyết định thành lập"),
          label_vi="Quyết định thành lập (số, ngày)",
          label_en="Establishment decision (no., date)"),
    Field("operating", "bool",
          aliases=("dang_hoat_dong", "di_vao_hoat_dong", "da_hoat_dong", "đi vào hoạt động"),
          label_vi="Đã đi vào hoạt động", label_en="In operation"),
    Field("investor", "str",
          aliases=("chu_dau_tu", "chủ đầu tư", "chu_dau_tu_ha_tang", "cdt_ha_tang"),
          label_vi="Chủ đầu tư hạ tầng kỹ thuật", label_en="Infrastructure investor"),
    Field("infra_capital_bn_vnd", "float",
          aliases=("von_dau_tu_ha_tang", "tong_von_ha_tang", "von_ha_tang", "tong_muc_dau_tu",
                   "vốn đầu tư hạ tầng"),
          label_vi="Vốn đầu tư hạ tầng kỹ thuật được phê duyệt",
          label_en="Approved infrastructure capital", unit="tỷ đồng", minimum=0),
    Field("projects_domestic", "int",
          aliases=("du_an_trong_nuoc", "so_du_an_trong_nuoc", "dự án trong nước", "ddi"),
          label_vi="Số dự án thứ cấp trong nước", label_en="Domestic secondary projects",
          minimum=0),
    Field("projects_fdi", "int",
          aliases=("du_an_fdi", "so_du_an_fdi", "dự án fdi", "fdi"),
          label_vi="Số dự án thứ cấp FDI", label_en="FDI secondary projects", minimum=0),
    Field("labour", "int",
          aliases=("lao_dong", "so_lao_dong", "lao động", "workers"),
          label_vi="Số lao động", label_en="Labour", unit="người", minimum=0),
    Field("revenue_bn_vnd", "float",
          aliases=("doanh_thu", "doanh thu", "revenue"),
          label_vi="Doanh thu", label_en="Revenue", unit="tỷ đồng", minimum=0),
    Field("wwtp", "vocab", vocabulary=WWTP_STATES,
          aliases=("tram_xlnt", "xlnt_tap_trung", "nha_may_xlnt", "trạm xử lý nước thải"),
          label_vi="Trạm xử lý nước thải tập trung", label_en="Central wastewater plant"),
)

KINDS["industrial_cluster"] = replace(
    KINDS["industrial_cluster"], fields=KINDS["industrial_cluster"].fields + REPORTING_FIELDS)
KINDS["industrial_park"] = replace(
    KINDS["industrial_park"], fields=KINDS["industrial_park"].fields + _land_fields())
_VOCAB_TABLES["industrial_cluster.wwtp"] = _table(WWTP_ALIASES)
