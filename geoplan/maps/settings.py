"""A plan's ``[map]`` table: its keys, their checks, and the base maps it can choose.

Both maps read it: the interactive map (title, base maps, precision, simplification,
clustering of points and of findings, offline) and the printable sheet (title, ``paper``);
the palette and voltage colours go to :func:`geoplan.maps.styles.style_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geoplan.errors import PlanError, check_keys
from geoplan.maps.styles import style_table

__all__ = ["BASEMAPS", "DEFAULT_BASEMAPS", "DEFAULT_FINDINGS_CLUSTER", "MAP_KEYS",
           "findings_cluster", "validate_settings"]

#: Keys accepted in a plan's ``[map]`` table.
MAP_KEYS = ("title", "subtitle", "palette", "voltage_colors", "attribution", "basemaps",
            "precision", "simplify_m", "cluster_points", "findings_cluster", "offline", "paper",
            "symbology")

#: Default ``findings_cluster``: a rule with more findings than this is drawn aggregated.
DEFAULT_FINDINGS_CLUSTER = 1000

#: Online base maps: key -> (folium / xyzservices tile name, label in the layer control).
BASEMAPS: dict[str, tuple[str, str]] = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "light": ("Esri.WorldGrayCanvas", "Nền xám nhạt / Light grey (Esri)"),
    "satellite": ("Esri.WorldImagery", "Ảnh vệ tinh / Satellite (Esri)"),
    "topo": ("OpenTopoMap", "Địa hình / Topographic (OpenTopoMap)"),
}
DEFAULT_BASEMAPS = ("osm", "light", "satellite")
# (CARTO's light map, a usual choice, needs an API key since 2025: not offered)


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check a plan's ``[map]`` table; raise :class:`PlanError` naming the bad key and the fix.

    >>> validate_settings({"title": "Bắc Ninh", "precision": 6})
    >>> validate_settings({"colour": "red"})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'colour'; valid keys: title, subtitle, palette, \
voltage_colors, attribution, basemaps, precision, simplify_m, cluster_points, findings_cluster, \
offline, paper, symbology
    """
    check_keys(mapping, MAP_KEYS)
    style_table(mapping)  # palette, voltage_colors, symbology
    for key in ("title", "subtitle", "attribution"):
        if key in mapping and not isinstance(mapping[key], str):
            raise PlanError(f"{key} must be text, got {mapping[key]!r}")
    if "basemaps" in mapping:
        basemaps(mapping["basemaps"])
    if "precision" in mapping:
        precision(mapping["precision"])
    if "simplify_m" in mapping:
        simplify_m(mapping["simplify_m"])
    if "cluster_points" in mapping:
        value = mapping["cluster_points"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PlanError(f"cluster_points must be a whole number of points ≥ 0 (0 = never "
                            f"cluster), got {value!r}")
    if "findings_cluster" in mapping:
        findings_cluster(mapping["findings_cluster"])
    if "offline" in mapping and not isinstance(mapping["offline"], bool):
        raise PlanError(f"offline must be true or false, got {mapping['offline']!r}")
    if "paper" in mapping and mapping["paper"] not in ("A3", "A4"):
        raise PlanError(f"paper = {mapping['paper']!r}; use \"A3\" or \"A4\"")


def basemaps(value: Any) -> tuple[str, ...]:
    """Checked base-map keys (of :data:`BASEMAPS`)."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(
        isinstance(v, str) for v in value
    ):
        raise PlanError(f"basemaps must be a list like [\"osm\", \"satellite\"], got {value!r}")
    unknown = [v for v in value if v not in BASEMAPS]
    if unknown:
        raise PlanError(f"basemaps: unknown base map {', '.join(map(repr, unknown))}; valid: "
                        f"{', '.join(BASEMAPS)}")
    return tuple(value)


def precision(value: Any) -> int | None:
    """A checked number of decimals of a degree kept in the map data (4 to 8); ``None`` for
    ``"auto"`` (from the simplification tolerance: see
    :func:`geoplan.maps.interactive.auto_precision`)."""
    if value == "auto" or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 4 <= value <= 8:
        raise PlanError(f"precision must be the number of decimals of a degree, 4 to 8 "
                        f"(6 ≈ 0.1 m), or \"auto\", got {value!r}")
    return value


def simplify_m(value: Any) -> float | None:
    """A checked simplification tolerance in metres; ``None`` for ``"auto"``."""
    if value == "auto" or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PlanError(f"simplify_m must be a tolerance in metres ≥ 0 (0 = keep every vertex) "
                        f"or \"auto\", got {value!r}")
    return float(value)


def findings_cluster(value: Any) -> int:
    """A checked ``findings_cluster``: a rule with more findings than this is drawn as clusters
    with counts (0 = never); the export keeps every finding."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlanError(f"findings_cluster must be a whole number of findings ≥ 0 (a rule with "
                        f"more findings is drawn as clusters with counts; 0 = never), got "
                        f"{value!r}")
    return value
