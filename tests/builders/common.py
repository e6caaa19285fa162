"""Shapes and TOML values shared by the builders."""

from __future__ import annotations

from typing import Any

import shapely


def corner_box(x: float, y: float, width: float, height: float) -> shapely.Polygon:
    """The rectangle with lower-left corner (x, y)."""
    return shapely.box(x, y, x + width, y + height)


def centred_box(cx: float, cy: float, width: float, height: float | None = None
                ) -> shapely.Polygon:
    """The rectangle centred on (cx, cy); a square when ``height`` is None."""
    h = width if height is None else height
    return shapely.box(cx - width / 2, cy - h / 2, cx + width / 2, cy + h / 2)


def side_of(ha: float) -> float:
    """The side in metres of a square of ``ha`` hectares."""
    return float((ha * 10_000.0) ** 0.5)


def toml_value(v: Any) -> str:
    """A Python value as a TOML value (booleans, numbers, inline tables, strings)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
