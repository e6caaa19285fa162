"""The planning assumptions of the coverage: ``geoplan/data/coverage.toml`` merged with the
plan's ``[coverage]`` table, checked value by value."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geoplan.errors import PlanError, check_keys
from geoplan.kinds import STATUSES, TRADE_TYPES, VOLTAGES_KV
from geoplan.messages import Text
from geoplan.parameters import Parameter, read_parameters

__all__ = ["CoverageSettings", "coverage_settings", "default_parameters", "validate_settings"]


def default_parameters() -> dict[str, Parameter]:
    """The documented defaults of ``geoplan/data/coverage.toml``, by parameter name."""
    return read_parameters("coverage")


def _fail(name: str, value: Any, what: str, example: str) -> PlanError:
    return PlanError(f"{name} = {value!r}: {what}; e.g. {name} = {example}")


def _number(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
            example: str) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        bracket = "(" if lo_open else "["
        raise _fail(name, value, f"must be a number in {bracket}{lo:g}, {hi:g}]", example)
    return float(value)


def _kv(name: str, value: Any, example: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value not in VOLTAGES_KV:
        raise _fail(name, value, "must be a voltage level in kV, one of "
                    f"{', '.join(map(str, VOLTAGES_KV))}", example)
    return int(value)


def _mapping(name: str, value: Any, keys: Sequence[str] | None, lo: float, hi: float,
             example: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _fail(name, value, "must be a table", example)
    out: dict[str, float] = {}
    for k, v in value.items():
        key = str(k)
        if keys is not None and key not in keys:
            try:
                check_keys([key], keys)
            except PlanError as exc:
                raise PlanError(f"{name}: {exc}") from None
        out[key] = _number(f"{name}.{key}", v, lo, hi, example=example)
    return out


def _strings(name: str, value: Any, allowed: Sequence[str] | None, example: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _fail(name, value, "must be a list of strings", example)
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise PlanError(f"{name}: {', '.join(map(repr, bad))} not allowed; valid values: "
                            f"{', '.join(allowed)}")
    return tuple(value)


@dataclass(frozen=True)
class CoverageSettings:
    """The planning assumptions in force: package defaults merged with the plan's ``[coverage]``.

    Build with :func:`coverage_settings`. ``parameters`` keeps each value's unit, certainty and
    source for the findings' ``reference`` column and for reports.
    """

    radius_km: Mapping[int, float]
    supply_level_kv: int
    substation_status: tuple[str, ...]
    density_kw_ha: Mapping[str, float]
    sector_density_kw_ha: Mapping[str, float]
    sector_aliases: Mapping[str, tuple[str, ...]]
    utilisation: Mapping[str, float]
    trade_types: tuple[str, ...]
    trade_w_m2: Mapping[str, float]
    trade_demand_mw: Mapping[str, float]
    power_factor: float
    loading_limit: float
    background_load_pct: float
    weak_headroom_pct: float
    site_grid_km: float
    site_clearance_m: float
    site_connect_substation_kv: int
    site_connect_line_kv: int
    site_capacity_mva: float
    population_unit: str
    time_limit_s: float
    parameters: Mapping[str, Parameter] = field(default_factory=dict, repr=False)

    @property
    def levels(self) -> tuple[int, ...]:
        """Voltage levels with a service radius, highest first."""
        return tuple(sorted(self.radius_km, reverse=True))

    def radius_m(self, level: int) -> float:
        return float(self.radius_km[level]) * 1000.0

    def firm_capacity_mw(self, capacity_mva: Any) -> Any:
        """MVA × power factor × loading limit (works on scalars and arrays; NaN stays NaN)."""
        return np.asarray(capacity_mva, dtype="float64") * self.power_factor * self.loading_limit

    def cite(self, *names: str) -> str:
        return "; ".join(self.parameters[n].cite() for n in names if n in self.parameters)

    def cite_text(self, *names: str) -> Text:
        """:meth:`cite` in both languages, Vietnamese first."""
        return Text.join("; ", [self.parameters[n].cite_text() for n in names
                                if n in self.parameters])

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for JSON output)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name != "parameters"}
        out["radius_km"] = {str(k): v for k, v in self.radius_km.items()}
        return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in out.items()}


def coverage_settings(overrides: Mapping[str, Any] | None = None) -> CoverageSettings:
    """Merge the plan's ``[coverage]`` table into the documented defaults and check it.

    Tables (``radius_km``, ``density_kw_ha``...) are merged key by key; other values replace the
    default.

    Raises
    ------
    PlanError
        An unknown key (the message lists the valid ones) or a value of the wrong type or range.

    >>> s = coverage_settings({"radius_km": {"110": 8}})
    >>> s.radius_km[110], s.radius_km[220], s.parameters["radius_km"].from_plan
    (8.0, 35.0, True)
    """
    params = default_parameters()
    overrides = dict(overrides or {})
    check_keys(overrides, tuple(params))
    merged: dict[str, Any] = {}
    for name, p in params.items():
        value = p.value
        if name in overrides:
            new = overrides[name]
            if isinstance(value, Mapping) and isinstance(new, Mapping):
                value = {**value, **{str(k): v for k, v in new.items()}}
            else:
                value = new
            params[name] = dataclasses.replace(p, value=value, from_plan=True)
        merged[name] = value

    def ex(name: str) -> str:
        v = params[name].value
        return repr(v) if not isinstance(v, Mapping) else "{ ... }"

    radius = _mapping("radius_km", merged["radius_km"], None, 0.0, 1000.0,
                      "{ 110 = 10, 220 = 35 }")
    radius_kv: dict[int, float] = {}
    for k, v in radius.items():
        try:
            radius_kv[_kv("radius_km", k, "{ 110 = 10 }")] = v
        except PlanError:
            raise PlanError(f"radius_km: {k!r} is not a voltage level in kV (valid: "
                            f"{', '.join(map(str, VOLTAGES_KV))}); e.g. radius_km = "
                            "{ 110 = 10, 220 = 35 }") from None
    if any(v <= 0 for v in radius_kv.values()):
        raise PlanError(f"radius_km = {radius}: every radius must be above 0 km")
    supply = _kv("supply_level_kv", merged["supply_level_kv"], "110")
    if supply not in radius_kv:
        raise PlanError(f"supply_level_kv = {supply}: radius_km has no radius for {supply} kV; "
                        f"add radius_km = {{ {supply} = <km> }}")
    statuses = _strings("substation_status", merged["substation_status"], STATUSES[:3],
                        '["existing"]')
    sector_density = _mapping("sector_density_kw_ha", merged["sector_density_kw_ha"], None,
                              0.0, 1e5, "{ textile = 200 }")
    raw_aliases = merged["sector_aliases"]
    if not isinstance(raw_aliases, Mapping):
        raise _fail("sector_aliases", raw_aliases, "must be a table of word lists",
                    '{ textile = ["dệt may"] }')
    aliases: dict[str, tuple[str, ...]] = {}
    for sector, words in raw_aliases.items():
        if sector not in sector_density:
            raise PlanError(f"sector_aliases: sector {sector!r} has no load density; add it to "
                            f"sector_density_kw_ha (sectors: {', '.join(sector_density)})")
        aliases[str(sector)] = _strings(f"sector_aliases.{sector}", words, None, '["dệt may"]')
    population_unit = merged["population_unit"]
    if population_unit not in ("auto", "count", "per_km2"):
        raise _fail("population_unit", population_unit, 'must be "auto" (read from the raster, '
                    'else a plausibility test with a warning), "count" (people per cell) or '
                    '"per_km2" (people per km²)', '"per_km2"')
    return CoverageSettings(
        radius_km=dict(sorted(radius_kv.items(), reverse=True)),
        supply_level_kv=supply,
        substation_status=statuses,
        density_kw_ha=_mapping("density_kw_ha", merged["density_kw_ha"],
                               ("industrial_cluster", "industrial_park"), 0.0, 1e5,
                               "{ industrial_park = 300 }"),
        sector_density_kw_ha=sector_density,
        sector_aliases=aliases,
        utilisation=_mapping("utilisation", merged["utilisation"], STATUSES, 0.0, 1.0,
                             "{ planned = 0.7 }"),
        trade_types=_strings("trade_types", merged["trade_types"], TRADE_TYPES,
                             '["logistics_center", "warehouse"]'),
        trade_w_m2=_mapping("trade_w_m2", merged["trade_w_m2"], TRADE_TYPES, 0.0, 1e4,
                            "{ shopping_mall = 100 }"),
        trade_demand_mw=_mapping("trade_demand_mw", merged["trade_demand_mw"], TRADE_TYPES, 0.0,
                                 1e4, "{ logistics_center = 2 }"),
        power_factor=_number("power_factor", merged["power_factor"], 0.0, 1.0, lo_open=True,
                             example=ex("power_factor")),
        loading_limit=_number("loading_limit", merged["loading_limit"], 0.0, 2.0, lo_open=True,
                              example=ex("loading_limit")),
        background_load_pct=_number("background_load_pct", merged["background_load_pct"], 0.0,
                                    100.0, example="30"),
        weak_headroom_pct=_number("weak_headroom_pct", merged["weak_headroom_pct"], 0.0, 100.0,
                                  example=ex("weak_headroom_pct")),
        site_grid_km=_number("site_grid_km", merged["site_grid_km"], 0.05, 100.0,
                             example=ex("site_grid_km")),
        site_clearance_m=_number("site_clearance_m", merged["site_clearance_m"], 0.0, 10_000.0,
                                 example=ex("site_clearance_m")),
        site_connect_substation_kv=_kv("site_connect_substation_kv",
                                       merged["site_connect_substation_kv"], "220"),
        site_connect_line_kv=_kv("site_connect_line_kv", merged["site_connect_line_kv"], "110"),
        site_capacity_mva=_number("site_capacity_mva", merged["site_capacity_mva"], 0.0, 1e5,
                                  lo_open=True, example=ex("site_capacity_mva")),
        population_unit=str(population_unit),
        time_limit_s=_number("time_limit_s", merged["time_limit_s"], 0.0, 86_400.0,
                             lo_open=True, example=ex("time_limit_s")),
        parameters=params,
    )


def validate_settings(mapping: Mapping[str, Any]) -> None:
    """Check the plan's ``[coverage]`` table; raise :class:`PlanError` naming the bad key.

    Unknown keys are errors that list the valid keys.

    >>> validate_settings({"radius_km": {"110": 12}, "power_factor": 0.85})
    >>> validate_settings({"radius": 10})
    Traceback (most recent call last):
    ...
    geoplan.errors.PlanError: unknown key 'radius' (did you mean 'radius_km'?); valid keys: ...
    """
    coverage_settings(mapping)
