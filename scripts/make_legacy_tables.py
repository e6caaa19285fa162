"""Write the legacy Vietnamese conversion tables under geoplan/io/data/.

* ``tcvn3.tsv``: byte -> Unicode of TCVN 5712:1993, read from glibc's charmap
  ``localedata/charmaps/TCVN5712-1`` (installed as /usr/share/i18n/charmaps/TCVN5712-1.gz with
  the Debian package ``libc-bin``/``locales``). The ABC fonts (TCVN3, "VN3") use the lowercase
  letters and the seven uppercase base letters of this table; the uppercase toned letters of
  the full set ("VN1") sit in C0/C1 control positions and are kept for completeness.
* ``vni.tsv``: Unicode letter -> VNI Windows byte sequence, built from the VNI scheme (a base
  letter, then a modifier and/or tone byte; ``ì í æ ó ò î`` for the toned i/y, ``ô ö ñ`` for
  ơ ư đ). Cross-checked entry by entry against duydev/vietnamese-conversion
  ``src/charsets.ts`` (commit 46413a0, MIT licence) when this script was written; the tests
  spot-check it against that table.

Run ``python scripts/make_legacy_tables.py``; the tests fail when the files drift from it.
"""

from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "geoplan" / "io" / "data"
CHARMAP = Path("/usr/share/i18n/charmaps/TCVN5712-1.gz")

VOWELS = "aăâeêioôơuưy"
TONES = {"": "", "grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303",
         "dot": "\u0323"}
# VNI: tone bytes after a plain vowel, after â/ê/ô (circumflex set) and after ă (breve set)
VNI_TONE = {"grave": "ø", "acute": "ù", "hook": "û", "tilde": "õ", "dot": "ï"}
VNI_CIRCUMFLEX = {"": "â", "grave": "à", "acute": "á", "hook": "å", "tilde": "ã", "dot": "ä"}
VNI_BREVE = {"": "ê", "grave": "è", "acute": "é", "hook": "ú", "tilde": "ü", "dot": "ë"}
VNI_I = {"": "i", "grave": "ì", "acute": "í", "hook": "æ", "tilde": "ó", "dot": "ò"}


def letters() -> list[tuple[str, str, str]]:
    """(letter, base vowel, tone) of every lowercase Vietnamese letter outside ASCII."""
    out = []
    for v in VOWELS:
        for tone, mark in TONES.items():
            letter = unicodedata.normalize("NFC", v + mark)
            if letter.isascii():
                continue
            out.append((letter, v, tone))
    out.append(("đ", "đ", ""))
    return out


def vni(base: str, tone: str) -> str:
    if base == "đ":
        return "ñ"
    if base == "i":
        return VNI_I[tone]
    if base == "y" and tone == "dot":
        return "î"
    if base in "âêô":
        return base.replace("â", "a").replace("ê", "e").replace("ô", "o") + VNI_CIRCUMFLEX[tone]
    if base == "ă":
        return "a" + VNI_BREVE[tone]
    if base == "ơ":
        return "ô" + VNI_TONE.get(tone, "")
    if base == "ư":
        return "ö" + VNI_TONE.get(tone, "")
    return base + VNI_TONE[tone]


def vni_upper(seq: str) -> str:
    return seq.upper()


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    rows = []
    for letter, base, tone in letters():
        low = vni(base, tone)
        rows.append((letter, low))
        rows.append((letter.upper(), vni_upper(low)))
    head = (
        "# VNI Windows -> Unicode: one Vietnamese letter per line, tab-separated:\n"
        "# unicode letter, VNI sequence (as the bytes show in Windows-1252), code points.\n"
        "# Built by scripts/make_legacy_tables.py from the VNI scheme; checked against\n"
        "# duydev/vietnamese-conversion src/charsets.ts (commit 46413a0, MIT licence).\n"
    )
    lines = [head] + [f"{u}\t{s}\t{' '.join(f'U+{ord(c):04X}' for c in s)}\n" for u, s in rows]
    (DATA / "vni.tsv").write_text("".join(lines), encoding="utf-8")

    text = gzip.decompress(CHARMAP.read_bytes()).decode("ascii")
    table = {}
    for m in re.finditer(r"^<U([0-9A-F]{4,5})>\s+/x([0-9a-f]{2})(?:/x([0-9a-f]{2}))?\s+(.*)$",
                         text, re.M):
        if m.group(3):  # two-byte sequences: base + combining mark, not needed for decoding
            continue
        byte = int(m.group(2), 16)
        cp = int(m.group(1), 16)
        if byte != cp:
            table[byte] = (cp, m.group(4).strip())
    head = (
        "# TCVN 5712:1993 (TCVN3 / ABC fonts) -> Unicode: the bytes that differ from ASCII and\n"
        "# Latin-1, tab-separated: byte, code point, character, Unicode name.\n"
        "# Source: glibc localedata/charmaps/TCVN5712-1 (GNU C Library), read by\n"
        "# scripts/make_legacy_tables.py. Bytes 0xB0-0xB4 are combining tone marks.\n"
    )
    lines = [head] + [f"0x{b:02X}\tU+{cp:04X}\t{chr(cp)}\t{name}\n"
                      for b, (cp, name) in sorted(table.items())]
    (DATA / "tcvn3.tsv").write_text("".join(lines), encoding="utf-8")
    print(f"vni.tsv: {len(rows)} letters; tcvn3.tsv: {len(table)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
