"""Reporting indicators of clusters and parks, with the basis each figure used.

The forms a Department files (:mod:`geoplan.report.forms`), the plan's tables
(:mod:`geoplan.report.tables`) and the comparison of plan variants (:mod:`geoplan.compare`) read
their per-feature figures here, so that one figure is computed one way everywhere:

* **area**: the declared ``area_ha`` (the figure of the decisions) where given, else the area
  measured on the polygon in the plan's CRS — :func:`area_ha` says which;
* **occupancy**: on industrial land when the feature has ``industrial_land_ha`` and
  ``leased_land_ha`` (leased ÷ industrial land, Decree 32/2024/ND-CP art. 2 cl. 6-7 for clusters,
  Decree 35/2022/ND-CP art. 2 cl. 22 for parks [S]), else the declared ``occupancy_pct`` —
  :func:`occupancy` says which, and :func:`group_occupancy` aggregates a group on one basis
  (the declared percentages weighted by the measured area);
* **the establishment date**: read from the ``established`` text ("Quyết định số 123/QĐ-UBND
  ngày 15/3/2021") by :func:`decision_date`;
* **the commune's type** (xã, phường, đặc khu) from the prefix of its name
  (:func:`commune_type`).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from geoplan.names import fold

__all__ = [
    "OCCUPANCY_BASES",
    "GroupOccupancy",
    "area_ha",
    "commune_type",
    "decision_date",
    "group_occupancy",
    "occupancy",
]

#: How an occupancy figure was computed.
OCCUPANCY_BASES: dict[str, tuple[str, str]] = {
    "industrial_land": ("đất công nghiệp đã cho thuê / đất công nghiệp theo quy hoạch chi tiết",
                        "leased industrial land / industrial land of the detailed plan"),
    "declared": ("tỷ lệ lấp đầy khai báo (occupancy_pct), bình quân theo diện tích",
                 "declared occupancy (occupancy_pct), weighted by area"),
}

AreaBasis = Literal["declared", "measured"]


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def area_ha(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(area in ha, basis) per feature: the declared ``area_ha`` where given, else the polygon's
    measured area (the frame must be in a metric CRS)."""
    declared = _num(frame, "area_ha")
    measured = pd.Series(np.asarray(frame.geometry.area, dtype="float64") / 10_000.0,
                         index=frame.index) if hasattr(frame, "geometry") else \
        pd.Series(np.nan, index=frame.index)
    use = declared.notna()
    basis = pd.Series(np.where(use, "declared", "measured"), index=frame.index, dtype=object)
    return declared.where(use, measured), basis


def occupancy(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(occupancy %, basis) per feature: leased ÷ industrial land where both are given
    (``"industrial_land"``), else ``occupancy_pct`` (``"declared"``), else NaN / ``None``."""
    land = _num(frame, "industrial_land_ha")
    leased = _num(frame, "leased_land_ha")
    declared = _num(frame, "occupancy_pct")
    on_land = land.notna() & leased.notna() & (land > 0)
    value = pd.Series(np.where(on_land.to_numpy(), (100.0 * leased / land.where(land > 0))
                               .to_numpy(), declared.to_numpy()), index=frame.index,
                      dtype="float64")
    labels = np.where(on_land.to_numpy(), "industrial_land",
                      np.where(declared.notna().to_numpy(), "declared", ""))
    basis = pd.Series([v or None for v in labels], index=frame.index, dtype="object")
    return value, basis


@dataclass(frozen=True)
class GroupOccupancy:
    """The occupancy of a group of features on one basis, and how many features it used."""

    value: float
    basis: str | None
    used: int
    total: int
    occupied_ha: float = math.nan
    base_ha: float = math.nan

    @property
    def missing(self) -> int:
        return self.total - self.used


def group_occupancy(frame: pd.DataFrame, *, area: pd.Series | None = None) -> GroupOccupancy:
    """The group's occupancy: Σ leased ÷ Σ industrial land over the features that have both,
    when any does; else the declared ``occupancy_pct`` weighted by area (``area`` in ha, default
    the area measured on the geometries, as every geoplan area); else NaN."""
    n = len(frame)
    land = _num(frame, "industrial_land_ha")
    leased = _num(frame, "leased_land_ha")
    on_land = land.notna() & leased.notna() & (land > 0)
    if on_land.any():
        base, occupied = float(land[on_land].sum()), float(leased[on_land].sum())
        return GroupOccupancy(100.0 * occupied / base, "industrial_land", int(on_land.sum()), n,
                              occupied, base)
    declared = _num(frame, "occupancy_pct")
    known = declared.notna()
    if known.any() and n:
        if area is None:
            area = pd.Series(np.asarray(frame.geometry.area, dtype="float64") / 10_000.0,
                             index=frame.index) if hasattr(frame, "geometry") else \
                area_ha(frame)[0]
        base = float(area[known].sum())
        occupied = float((area[known] * declared[known] / 100.0).sum())
        value = 100.0 * occupied / base if base > 0 else math.nan
        return GroupOccupancy(value, "declared", int(known.sum()), n, occupied, base)
    return GroupOccupancy(math.nan, None, 0, n)


_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")


def decision_date(text: Any) -> _dt.date | None:
    """The date of a decision written as text, or ``None`` when it carries none.

    >>> decision_date("Quyết định số 123/QĐ-UBND ngày 15/3/2021")
    datetime.date(2021, 3, 15)
    >>> decision_date("QĐ 45/QĐ-UBND ngày 02 tháng 7 năm 2025"), decision_date("2024-10-01")
    (datetime.date(2025, 7, 2), datetime.date(2024, 10, 1))
    >>> decision_date("123/QĐ-UBND") is None
    True
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, (_dt.date, pd.Timestamp)):
        return text.date() if isinstance(text, (_dt.datetime, pd.Timestamp)) else text
    raw = str(text)
    for pattern, order in ((_ISO, (2, 1, 0)), (_DMY, (0, 1, 2))):
        m = pattern.search(raw)
        if m:
            day, month, year = (int(m.group(i + 1)) for i in order)
            try:
                return _dt.date(year, month, day)
            except ValueError:
                return None
    m = _WORDS.search(fold(raw))
    if m:
        try:
            return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    return None


CommuneType = Literal["xa", "phuong", "dac_khu"]

#: The three kinds of commune-level unit since 1 July 2025 (xã, phường, đặc khu), by the prefix
#: of the unit's name; "thị trấn" (before 2025) counts as urban.
COMMUNE_TYPES: dict[str, tuple[str, str]] = {
    "xa": ("Xã", "Commune (rural)"),
    "phuong": ("Phường", "Ward (urban)"),
    "dac_khu": ("Đặc khu", "Special zone (island)"),
}


def commune_type(name: Any) -> CommuneType | None:
    """``"xa"``, ``"phuong"`` or ``"dac_khu"`` from the prefix of a commune's name.

    >>> commune_type("Xã An Thịnh"), commune_type("Phường Đông Hà"), commune_type("Đặc khu Côn Đảo")
    ('xa', 'phuong', 'dac_khu')
    >>> commune_type("An Thịnh") is None
    True
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    key = fold(str(name))
    if key.startswith("dac khu"):
        return "dac_khu"
    if key.startswith(("phuong", "thi tran")):
        return "phuong"
    if key.startswith("xa "):
        return "xa"
    return None
