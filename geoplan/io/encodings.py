"""Legacy Vietnamese text: TCVN3 (ABC), VNI and Windows-1258, detected and converted to Unicode.

Files made before Unicode became usual in Vietnam (MapInfo tables, Shapefile DBFs, CSV and Excel
sheets of the 2000s and 2010s) hold Vietnamese in a *font encoding*: the bytes are Windows
"Latin" bytes that a ``.VnTime`` (TCVN3/ABC) or ``VNI-Times`` (VNI) font draws as Vietnamese.
Read as text they show as ``"Côm c«ng nghiÖp"`` (TCVN3 for "Cụm công nghiệp") or
``"Cuïm coâng nghieäp"`` (VNI). Windows-1258 (CP1258) is a real code page, but a DBF in it read
as Latin-1 shows ``"Cuòm"``.

This module is a leaf (it imports nothing else of geoplan), so reading and validation may use
it. :func:`convert_frame` is what :mod:`geoplan.validate` calls on every layer: for each text
column it tries the three encodings on the column's distinct values and converts when the
result reads as Vietnamese much better than the text as stored (the share of words that are
well-formed Vietnamese syllables, with at most one tone mark: "character statistics"); the plan's
``encoding = "tcvn3" | "vni" | "cp1258"`` forces one. Every conversion is returned as a
:class:`Conversion` naming the column, the encoding and an example.

The tables are data files (``io/data/tcvn3.tsv``, ``vni.tsv``) with their sources in
their headers: glibc's ``TCVN5712-1`` charmap for TCVN3, the VNI scheme cross-checked against a
public converter's table for VNI. Text written with an uppercase ABC font (``.VnTimeH``) uses
the *lowercase* codes; it converts to lowercase, which no table can tell from the bytes.

>>> decode("Côm c«ng nghiÖp", "tcvn3")
'Cụm công nghiệp'
>>> decode("Cuïm coâng nghieäp", "vni")
'Cụm công nghiệp'
>>> detect(["Côm c«ng nghiÖp Hµ Néi", "Khu c«ng nghiÖp Yªn Phong"])
'tcvn3'
>>> detect(["Cụm công nghiệp Hà Nội"]) is None
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

__all__ = [
    "FONT_ENCODINGS",
    "LEGACY_ENCODINGS",
    "Conversion",
    "LegacyEncoding",
    "convert_frame",
    "decode",
    "detect",
    "encode",
    "is_legacy_encoding",
    "syllable_share",
    "transport_encoding",
    "undo_utf8_misread",
]

LegacyEncoding = Literal["tcvn3", "vni", "cp1258"]

#: Encodings this module converts (the plan's ``encoding`` values it owns).
LEGACY_ENCODINGS: tuple[LegacyEncoding, ...] = ("tcvn3", "vni", "cp1258")
#: The font encodings no codec knows: read their bytes one to one (Latin-1), then decode here.
FONT_ENCODINGS: tuple[LegacyEncoding, ...] = ("tcvn3", "vni")

_ALIASES = {"tcvn3": "tcvn3", "abc": "tcvn3", "tcvn": "tcvn3", "tcvn5712": "tcvn3",
            "tcvn-5712": "tcvn3", "vn3": "tcvn3", "vni": "vni", "vni-windows": "vni",
            "cp1258": "cp1258", "windows-1258": "cp1258", "cp-1258": "cp1258"}

#: A column is converted when the converted text has at least this share of well-formed
#: Vietnamese syllables among its non-ASCII words ...
MIN_SHARE = 0.8
#: ... and this much more than the text as stored.
MIN_GAIN = 0.2


def is_legacy_encoding(name: str | None) -> bool:
    """Whether ``name`` (any spelling: ``"TCVN3"``, ``"ABC"``, ``"windows-1258"``) is converted
    here rather than by a codec."""
    return bool(name) and str(name).strip().lower() in _ALIASES


def _canonical(name: str) -> LegacyEncoding:
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"{name!r} is not a legacy Vietnamese encoding; use one of "
                         f"{', '.join(LEGACY_ENCODINGS)}")
    return _ALIASES[key]  # type: ignore[return-value]


def transport_encoding(name: str | None) -> str | None:
    """The codec a reader should use for a declared encoding: Latin-1 (bytes one to one) for the
    font encodings, the name itself otherwise.

    >>> transport_encoding("TCVN3"), transport_encoding("cp1258"), transport_encoding(None)
    ('ISO-8859-1', 'cp1258', None)
    """
    if name and is_legacy_encoding(name) and _canonical(name) in FONT_ENCODINGS:
        return "ISO-8859-1"  # the name GDAL (iconv) knows; "latin-1" makes pyogrio fail on DBFs
    return name


# ----------------------------------------------------------------------------------- tables


def _rows(name: str) -> list[list[str]]:
    text = resources.files("geoplan.io").joinpath("data", name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def _tcvn3_table() -> dict[int, str]:
    """byte -> character of TCVN 5712 (the bytes that differ from Latin-1)."""
    return {int(b, 16): chr(int(cp[2:], 16)) for b, cp, *_ in _rows("tcvn3.tsv")}


@functools.cache
def _vni_table() -> dict[str, str]:
    """VNI sequence (as Latin-1 characters) -> Unicode letter."""
    return {seq: letter for letter, seq, *_ in _rows("vni.tsv")}


@functools.cache
def _vni_pattern() -> re.Pattern[str]:
    keys = sorted(_vni_table(), key=len, reverse=True)  # longest first: "ôø" before "ô"
    return re.compile("|".join(re.escape(k) for k in keys))


# Windows-1252 puts printable characters where Latin-1 has C1 controls; text read either way
# goes back to the same bytes.
_CP1252_BYTE = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0)
                if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


#: Windows-1252's printable characters back to the Latin-1 characters of their bytes.
_CP1252_TO_LATIN1 = {ord(ch): b for ch, b in _CP1252_BYTE.items()}


#: A character neither a Latin-1 nor a Windows-1252 read produces.
_NOT_A_BYTE = re.compile("[^\x00-\xff" + re.escape("".join(sorted(_CP1252_BYTE))) + "]")


def _as_bytes(text: str) -> bytes | None:
    """The bytes ``text`` was read from (as Latin-1 or Windows-1252), or ``None`` when it holds
    a character neither could have produced (then it is Unicode already)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    try:
        return text.translate(_CP1252_TO_LATIN1).encode("latin-1")
    except UnicodeEncodeError:
        return None


def _readable_as_bytes(text: str) -> bool:
    """Whether :func:`_as_bytes` finds the bytes of ``text``."""
    return _NOT_A_BYTE.search(text) is None


@functools.cache
def _tcvn3_translation() -> dict[int, str]:
    """:func:`str.translate` table from text as read (Latin-1 or Windows-1252 characters) to
    TCVN3: the byte each character was read from, through :func:`_tcvn3_table`."""
    table = _tcvn3_table()
    out = {b: ch for b, ch in table.items()}
    for code, b in _CP1252_TO_LATIN1.items():
        out[code] = table.get(b, chr(b))
    return out


def decode(text: str, encoding: str) -> str:
    """``text`` as read through Latin-1/Windows-1252, decoded from ``encoding``, in NFC.

    Text holding characters that no single-byte read could produce (already Unicode) is
    returned unchanged (in NFC).
    """
    enc = _canonical(encoding)
    raw = _as_bytes(text)
    if raw is None:
        return unicodedata.normalize("NFC", text)
    if enc == "tcvn3":  # byte by byte: one translation of the characters as read
        out = text.translate(_tcvn3_translation())
    elif enc == "vni":
        table_v = _vni_table()
        out = _vni_pattern().sub(lambda m: table_v[m.group(0)], raw.decode("latin-1"))
    else:
        out = raw.decode("cp1258", errors="replace")
    return unicodedata.normalize("NFC", out)


def undo_utf8_misread(text: str) -> str:
    """``text`` that is UTF-8 bytes read as Windows-1252/Latin-1, decoded properly; other text
    unchanged (CAD drawings written as UTF-8 under an ANSI code page read this way).

    >>> undo_utf8_misread("Ä\x90Z-171"), undo_utf8_misread("Cụm")
    ('ĐZ-171', 'Cụm')
    """
    if text.isascii():
        return text
    raw = _as_bytes(text)
    if raw is None:
        return text
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return unicodedata.normalize("NFC", fixed)


@functools.cache
def _encode_tables() -> dict[str, dict[str, str]]:
    tcvn = {ch: chr(b) for b, ch in _tcvn3_table().items() if not unicodedata.combining(ch)}
    vni = {letter: seq for seq, letter in _vni_table().items()}
    return {"tcvn3": tcvn, "vni": vni}


def encode(text: str, encoding: str) -> str:
    """Unicode ``text`` as a legacy font or code page shows it through Windows-1252: the inverse
    of :func:`decode` (used to make test data and to check the tables).

    >>> encode("Cụm công nghiệp", "tcvn3")
    'Côm c«ng nghiÖp'
    """
    enc = _canonical(encoding)
    text = unicodedata.normalize("NFC", text)
    if enc == "cp1258":  # precomposed base letters (â ơ đ ...), combining tone marks
        raw = bytearray()
        for ch in text:
            try:
                raw += ch.encode("cp1258")
            except UnicodeEncodeError:
                nfd = unicodedata.normalize("NFD", ch)
                base = unicodedata.normalize("NFC", "".join(c for c in nfd
                                                            if c not in _TONE_MARKS))
                tones = "".join(c for c in nfd if c in _TONE_MARKS)
                try:
                    raw += (base + tones).encode("cp1258")
                except UnicodeEncodeError:
                    raise ValueError(f"{ch!r} has no cp1258 code") from None
        return raw.decode("latin-1")
    table = _encode_tables()[enc]
    out = []
    for ch in text:
        if ch in table:
            out.append(table[ch])
        elif ord(ch) < 0x80 or (enc == "tcvn3" and ord(ch) < 0x100
                                and ord(ch) not in _tcvn3_table()):
            out.append(ch)  # ASCII, and the Latin-1 letters TCVN3 keeps (ý)
        else:
            raise ValueError(f"{ch!r} has no {enc} code")
    return "".join(out)


# --------------------------------------------------------------------------- statistics

_TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "q", "r", "s", "t", "v", "x")
_NUCLEI_TEXT = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui "
    "uô uơ ưa ưi ươ ưu uy yê iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu uêu"
)
_NUCLEI = tuple(_NUCLEI_TEXT.split())
_CODAS = ("ch", "nh", "ng", "c", "m", "n", "p", "t")
_SYLLABLE = re.compile(
    "^(?:" + "|".join(_ONSETS) + ")?(?:" + "|".join(sorted(_NUCLEI, key=len, reverse=True))
    + ")(?:" + "|".join(_CODAS) + ")?$"
)
_WORD = re.compile(r"[^\s\d.,;:!?()\[\]{}\"'/\\\-–_+=*&%#@<>|~`^$]+")


def _syllable(word: str) -> bool:
    """Whether ``word`` is a well-formed Vietnamese syllable (one tone mark at most)."""
    nfd = unicodedata.normalize("NFD", word.casefold())
    tones = sum(1 for ch in nfd if ch in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in nfd if ch not in _TONE_MARKS))
    return bool(_SYLLABLE.match(bare))


def _words(values: Iterable[str]) -> list[str]:
    """The non-ASCII words of ``values`` that hold a letter (ASCII words read the same in every
    encoding; a lone symbol such as ``©`` is no evidence)."""
    return [w for v in values for w in _WORD.findall(v)
            if not w.isascii() and any(ch.isalpha() for ch in w)]


def syllable_share(values: Iterable[str]) -> float | None:
    """Share of the non-ASCII words of ``values`` that are well-formed Vietnamese syllables
    (``None`` when there is no such word).

    Words are counted as often as they occur; each distinct word is judged once.

    >>> syllable_share(["Cụm công nghiệp"]), syllable_share(["Côm c«ng nghiÖp"])
    (1.0, 0.3333333333333333)
    """
    counts = Counter(w for v in values for w in _WORD.findall(v) if not w.isascii())
    words = good = 0
    for word, n in counts.items():
        verdict = _verdict(word)
        if verdict is not None:
            words += n
            good += n * verdict
    if not words:
        return None
    return good / words


@functools.lru_cache(maxsize=1 << 16)
def _verdict(word: str) -> bool | None:
    """:func:`_syllable` of a non-ASCII word, ``None`` when it holds no letter (no evidence:
    :func:`_words`)."""
    if not any(ch.isalpha() for ch in word):
        return None
    return _syllable(word)


def _convertible(values: Iterable[str]) -> list[str]:
    return [v for v in values if not v.isascii() and _readable_as_bytes(v)]


def detect(values: Iterable[Any], *, candidates: Sequence[str] = LEGACY_ENCODINGS
           ) -> LegacyEncoding | None:
    """The legacy encoding ``values`` (text as read) are in, or ``None`` when they read as
    Vietnamese (or as nothing) already.

    An encoding wins when its decoding gives at least :data:`MIN_SHARE` well-formed syllables
    among the non-ASCII words, and :data:`MIN_GAIN` more than the text as stored; text that
    reads as Vietnamese so well already that no decoding could gain that much is not decoded.
    """
    texts = _convertible(dict.fromkeys(v for v in values if isinstance(v, str)))
    if not texts:
        return None
    stored = syllable_share(texts)
    if stored is None:  # no word with a letter outside ASCII: nothing to judge by
        return None
    before = stored
    if 1.0 - before < MIN_GAIN:  # no share exceeds 1: no decoding can gain MIN_GAIN
        return None
    best: tuple[float, LegacyEncoding] | None = None
    for name in candidates:
        enc = _canonical(name)
        after = syllable_share(decode(t, enc) for t in texts)
        if after is None:
            continue
        if after >= MIN_SHARE and after - before >= MIN_GAIN and (best is None or after > best[0]):
            best = (after, enc)
    return best[1] if best else None


# ------------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Conversion:
    """One text column converted to Unicode."""

    column: str
    encoding: LegacyEncoding
    count: int
    before: str
    after: str
    forced: bool

    @property
    def label(self) -> str:
        return {"tcvn3": "TCVN3 (ABC)", "vni": "VNI", "cp1258": "Windows-1258"}[self.encoding]

    def message(self) -> str:
        how = "as the plan declares" if self.forced else "detected"
        return (f"text in {self.column!r} converted from {self.label} to Unicode ({how}): "
                f"{self.count} value{'s' if self.count != 1 else ''}, e.g. {self.before!r} -> "
                f"{self.after!r}")


def _text_columns(frame: Any) -> list[str]:
    import pandas as pd

    geometry = getattr(frame, "_geometry_column_name", None)
    out = []
    for name in frame.columns:
        if name == geometry:
            continue
        col = frame[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.append(name)
    return out


def _distinct_wide_text(col: Any) -> list[str]:
    """The distinct text values of ``col`` that are not pure ASCII, in order of first
    appearance (pure ASCII reads the same in every encoding)."""
    import pandas as pd

    present = col.dropna()
    uniques = pd.Series(present.unique())
    if present.dtype != object and pd.api.types.is_string_dtype(present.dtype):  # all str
        return uniques[~uniques.str.isascii().to_numpy(dtype=bool)].tolist()
    return [v for v in uniques.tolist() if isinstance(v, str) and not v.isascii()]


def convert_frame(frame: Any, *, encoding: str | None = None,
                  columns: Sequence[str] | None = None) -> tuple[Any, list[Conversion]]:
    """Convert the legacy-encoded text columns of ``frame``; returns a new frame (or the same one
    when nothing changed) and what was converted.

    Parameters
    ----------
    frame
        A (Geo)DataFrame as read.
    encoding
        A legacy encoding declared by the plan (``"tcvn3"``, ``"vni"``, ``"cp1258"``): every
        text column is decoded from it. Any other value or ``None``: each column is tested with
        :func:`detect` (proper Unicode text is never converted: it reads as Vietnamese already,
        or holds characters no single-byte read produces).
    columns
        The columns to look at (default: every text column).
    """
    forced = _canonical(encoding) if encoding and is_legacy_encoding(encoding) else None
    names = list(columns) if columns is not None else _text_columns(frame)
    out = frame
    conversions: list[Conversion] = []
    for name in names:
        col = frame[name]
        candidates = _convertible(_distinct_wide_text(col))
        if not candidates:
            continue
        enc = forced or detect(candidates)
        if enc is None:
            continue
        mapping = {v: decode(v, enc) for v in candidates}
        mapping = {k: v for k, v in mapping.items() if k != v}
        if not mapping:
            continue
        if out is frame:
            out = frame.copy()
        out[name] = col.astype(object).map(lambda v, m=mapping: m.get(v, v)
                                           if isinstance(v, str) else v)
        count = int(col.isin(list(mapping)).sum())
        first = next(iter(mapping))
        conversions.append(Conversion(str(name), enc, count, first, mapping[first],
                                      forced is not None))
    return out, conversions
