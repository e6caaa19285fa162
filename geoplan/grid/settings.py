"""Settings of the grid build and audit: the plan's ``[grid]`` table over ``data/grid.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoplan.errors import PlanError, check_keys
from geoplan.parameters import Parameter, read_parameters

__all__ = ["SETTINGS", "GridSettings", "default_parameters", "grid_settings",
           "validate_settings"]


def default_parameters() -> dict[str, Parameter]:
    """The documented defaults of ``geoplan/data/grid.toml``, by parameter name."""
    return read_parameters("grid")


def _default(name: str) -> Any:
    return read_parameters("grid")[name].value


_MEANINGS: Mapping[str, str] = {
    "tolerance_m": "a line end this close (m) to a substation or plant connects to it",
    "through_tolerance_m": "a line passing this close (m) to a substation of its voltage is "
                           "split there",
    "join_tolerance_m": "a line end this close (m) to another line of its voltage joins it",
    "source_kv": "substations of this voltage (kV) or more, and plants, are sources",
    "external_supply": "line ends outside the province boundary count as supply from the "
                       "neighbouring grid",
    "infer_voltage": "give substations without a voltage the levels of the lines ending at "
                     "them",
    "neighbours": "path (relative to the plan file) of a polygon layer of the neighbouring "
                  "provinces, used to name interconnections",
    "neighbours_field": "the column of that layer holding the province name",
}


def _with_default(key: str, meaning: str) -> str:
    params = default_parameters()
    if key not in params:
        return meaning
    value = params[key].value
    text = ("true" if value else "false") if isinstance(value, bool) else (
        f"{value:g}" if isinstance(value, float) else str(value))
    return f"{meaning} (default{':' if isinstance(value, str) else ''} {text})"


#: The keys of the plan's ``[grid]`` table, with their meaning and default
#: (``geoplan/data/grid.toml``).
SETTINGS: Mapping[str, str] = {key: _with_default(key, meaning)
                               for key, meaning in _MEANINGS.items()}


@dataclass(frozen=True)
class GridSettings:
    """Settings of the grid build and audit; see :data:`SETTINGS`. The defaults are those of
    ``geoplan/data/grid.toml``."""

    tolerance_m: float = field(default_factory=lambda: float(_default("tolerance_m")))
    through_tolerance_m: float = field(
        default_factory=lambda: float(_default("through_tolerance_m")))
    join_tolerance_m: float = field(default_factory=lambda: float(_default("join_tolerance_m")))
    source_kv: int = field(default_factory=lambda: int(_default("source_kv")))
    external_supply: bool = field(default_factory=lambda: bool(_default("external_supply")))
    infer_voltage: bool = field(default_factory=lambda: bool(_default("infer_voltage")))
    neighbours: Path | None = None
    neighbours_field: str = field(default_factory=lambda: str(_default("neighbours_field")))


_NUMBER_KEYS = {"tolerance_m": (0.0, 5000.0), "through_tolerance_m": (0.0, 5000.0),
                "join_tolerance_m": (0.0, 100.0), "source_kv": (1.0, 1000.0)}
_BOOL_KEYS = ("external_supply", "infer_voltage")
_TEXT_KEYS = ("neighbours", "neighbours_field")


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check the keys and values of the plan's ``[grid]`` table.

    Raises
    ------
    PlanError
        For an unknown key (the message lists the valid keys) or a value of the wrong type or
        range.

    >>> validate_settings({"tolerance_m": 300})
    >>> validate_settings({"tolerence_m": 300})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'tolerence_m' (did you mean 'tolerance_m'?) in ...
    """
    check_keys(mapping, SETTINGS, where=" in [grid]")
    for key, (low, high) in _NUMBER_KEYS.items():
        if key not in mapping:
            continue
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                low <= value <= high):
            what = (f"a number of metres between {low:g} and {high:g}" if key.endswith("_m")
                    else "a voltage in kV, e.g. 220")
            raise PlanError(f"[grid] {key} = {value!r}: write {what}")
    for key in _BOOL_KEYS:
        if key in mapping and not isinstance(mapping[key], bool):
            raise PlanError(f"[grid] {key} = {mapping[key]!r}: write true or false")
    for key in _TEXT_KEYS:
        if key in mapping and (not isinstance(mapping[key], str) or not mapping[key].strip()):
            raise PlanError(f"[grid] {key} = {mapping[key]!r}: write a text such as "
                            + ("\"neighbours.geojson\"" if key == "neighbours" else "\"name\""))


def grid_settings(mapping: Mapping[str, Any] | None = None, *,
                  base: Path | None = None) -> GridSettings:
    """:class:`GridSettings` from a ``[grid]`` table; ``neighbours`` is resolved against
    ``base`` (the plan file's folder)."""
    mapping = dict(mapping or {})
    validate_settings(mapping)
    kwargs: dict[str, Any] = {}
    for key in ("tolerance_m", "through_tolerance_m", "join_tolerance_m"):
        if key in mapping:
            kwargs[key] = float(mapping[key])
    if "source_kv" in mapping:
        kwargs["source_kv"] = int(mapping["source_kv"])
    for key in _BOOL_KEYS:
        if key in mapping:
            kwargs[key] = bool(mapping[key])
    if "neighbours" in mapping:
        path = Path(mapping["neighbours"])
        kwargs["neighbours"] = path if path.is_absolute() or base is None else base / path
    if "neighbours_field" in mapping:
        kwargs["neighbours_field"] = mapping["neighbours_field"]
    return GridSettings(**kwargs)
