"""Write the ``plan.toml`` of a plan made in the workbench (TOML has no writer in the stdlib).

Only what a plan file holds: tables of strings, numbers, booleans, lists and inline tables.
Every text is written as a TOML basic string with every control character escaped, so a value
taken from a file (a column named ``a"b``, a layer name with a newline) cannot break out of its
string; :func:`dumps` reads its own output back with :mod:`tomllib` and fails loudly if the
round trip changes anything.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["dumps", "key", "string"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def string(value: str) -> str:
    """A TOML basic string holding exactly ``value``.

    >>> string('a "quoted"\\nline')
    '"a \\\\"quoted\\\\"\\\\nline"'
    """
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return name if _BARE_KEY.match(name) else string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} to a plan file")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def dumps(document: Mapping[str, Any], *, header: str = "") -> str:
    """The TOML text of ``document``: top-level tables, one level of sub-tables
    (``[layers.NAME]``), inline tables below that.

    >>> dumps({"plan": {"name": "Bắc Ninh"}, "layers": {"a": {"kind": "boundary"}}}).splitlines()
    ['[plan]', 'name = "Bắc Ninh"', '', '[layers.a]', 'kind = "boundary"']
    """
    lines: list[str] = [f"# {line}".rstrip() for line in header.splitlines()]
    if lines:
        lines.append("")
    for section, table in document.items():
        if not isinstance(table, Mapping):
            raise TypeError(f"[{section}] must be a table")
        plain = {k: v for k, v in table.items() if not _is_subtable(section, v)}
        subs = {k: v for k, v in table.items() if _is_subtable(section, v)}
        if plain or not subs:
            lines.append(f"[{key(section)}]")
            lines += [f"{key(str(k))} = {_value(v)}" for k, v in plain.items()]
            lines.append("")
        for name, sub in subs.items():
            lines.append(f"[{key(section)}.{key(str(name))}]")
            lines += [f"{key(str(k))} = {_value(v)}" for k, v in sub.items()]
            lines.append("")
    text = "\n".join(lines)
    if not _equal(tomllib.loads(text), _plain(document)):
        raise ValueError("the plan file would not read back as written")  # pragma: no cover
    return text


def _is_subtable(section: str, value: Any) -> bool:
    return section == "layers" and isinstance(value, Mapping)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
