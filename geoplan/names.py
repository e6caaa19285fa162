"""One normaliser for labels, province and place names.

Every stage that compares names (the province table of :mod:`geoplan.crs`, the plan's own
province among the boundary rows (:func:`own_province_mask`), the grid's neighbouring
provinces, the PDP8 list) uses these functions, so that two stages never disagree on whether
two spellings name the same place.

>>> fold("  Hiện  Trạng ")
'hien trang'
>>> place_words("Tỉnh Thanh Hóa"), place_key("TP. Hồ Chí Minh")
('thanh hoa', 'hochiminh')
>>> same_place("Thành phố Hải Phòng", "hai phong")
True
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

__all__ = ["fold", "nfc", "own_province_mask", "place_key", "place_words", "same_place"]

_SEPARATORS = re.compile(r"[_\-–—/]+")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_BRACKETS = re.compile(r"\([^)]*\)")

#: Administrative prefixes dropped from place names (folded), longest first.
PLACE_PREFIXES: tuple[str, ...] = (
    "thanh pho truc thuoc trung uong",
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "province of",
    "city of",
    "phuong",
    "tinh",
    "tp",
    "t p",
    "xa",
)
#: Suffixes dropped from place names (folded).
PLACE_SUFFIXES: tuple[str, ...] = ("province", "city", "tinh")


def nfc(value: Any) -> Any:
    """A string in Unicode NFC with surrounding white space removed; other values unchanged."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def fold(value: Any) -> str:
    """Fold a label for matching: no diacritics, ``đ`` -> ``d``, lower case, single spaces.

    >>> fold("Đang_xây-dựng")
    'dang xay dung'
    """
    text = unicodedata.normalize("NFD", str(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D").casefold()
    text = _SEPARATORS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def place_words(name: Any) -> str:
    """A place name folded to its words: no prefix ("Tỉnh", "Thành phố", "TP.", "Xã",
    "Phường", "Đặc khu" ...), no bracketed remark, no punctuation.

    >>> place_words("Xã Hòa Tiến (cũ)")
    'hoa tien'
    >>> place_words("Ha Noi City"), place_words("Phường Phương Liệt")
    ('ha noi', 'phuong liet')
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    words = _NOT_WORD.sub(" ", fold(_BRACKETS.sub(" ", str(name)))).split()
    for prefix in PLACE_PREFIXES:  # one prefix only: "Phường Phương Liệt" keeps "phuong liet"
        p = prefix.split()
        if len(words) > len(p) and words[: len(p)] == p:
            words = words[len(p):]
            break
    if len(words) > 1 and words[-1] in PLACE_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def place_key(name: Any) -> str:
    """The key two spellings of one place share: :func:`place_words` without spaces.

    >>> place_key("Bà Rịa - Vũng Tàu") == place_key("ba ria vung tau")
    True
    """
    return place_words(name).replace(" ", "")


def same_place(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` name the same place (both non-empty)."""
    ka, kb = place_key(a), place_key(b)
    return bool(ka) and ka == kb


def own_province_mask(names: Any, province: str | None) -> np.ndarray:
    """Which province-level boundary rows are ``province`` (all of them when it can't be told).

    Names match with diacritics, case and a "Tỉnh" / "Thành phố" / "TP" prefix ignored. The
    load stage (the province outline for the extent checks) and the loaded plan
    (:attr:`geoplan.plan.Plan.boundary`, ``.neighbours``) use it, so both pick the same rows.

    >>> own_province_mask(["Tỉnh Bắc Ninh", "Hà Nội"], "Bắc Ninh").tolist()
    [True, False]
    >>> own_province_mask(["Hà Nội"], "Bắc Ninh").tolist()  # no row named: all of them
    [True]
    """
    names = list(names)
    if not province:
        return np.ones(len(names), dtype=bool)
    own = place_key(province)
    match = np.array([place_key(n) == own for n in names], dtype=bool)
    return match if match.any() else np.ones(len(names), dtype=bool)
