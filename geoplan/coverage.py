"""Power-grid service coverage, demand, substation capacity and siting of new substations.

"Coverage" here means **service by the power grid** — whether a cluster, park or trade
facility has a substation close enough, with room to spare — not shapely's polygon coverage
(a tiling of polygons without gaps or overlaps).

What :func:`compute_coverage` does, all in the plan's metric analysis CRS:

1. **Nearest supply.** For every industrial cluster, industrial park and power-drawing trade
   facility (``trade_types``), the nearest substation of each voltage level in ``radius_km``,
   measured from the feature's edge (shapely ``STRtree.query_nearest``, the distance GEOS and
   PostGIS ``ST_Distance`` compute), and whether it lies within that level's service radius.
   A substation counts at a level when the level is one of its ``voltage_levels`` (a 220/110 kV
   station also serves at 110 kV). A feature is *covered* when a substation of the supply level
   (``supply_level_kv``, 110 kV) lies within that level's radius.
2. **Demand** per feature: a declared ``demand_mw`` wins; otherwise area × load density
   (by kind, or by sector when the ``sector`` field matches) × utilisation (the occupancy of an
   existing feature, a build-out share for planned land); trade facilities from floor area × W/m²
   or a per-type figure.
3. **Assignment and capacity.** Each covered demand goes to the nearest supply substation within
   the radius, or, with ``capacitated=True``, to the substations that minimise total overload and
   then demand-weighted distance (``scipy.optimize.milp``, HiGHS). Firm capacity is
   MVA × power factor × loading limit.
4. **Findings** in the common schema: ``coverage-gap`` (error: no supply substation within the
   radius), ``substation-overload`` (error: assigned load above firm capacity, value = overload in
   MW), ``coverage-weak`` (warning: every supply substation within reach has less headroom than
   ``weak_headroom_pct`` of its firm capacity).
5. **Service areas and population.** Per level, the union of the radius buffers of its
   substations clipped to the province; with a population raster, the population inside each and
   in each gap, read through rasterio windows limited to the province's bounds.
6. **Siting** (``site=N``): up to N new 110 kV substation sites on a candidate grid inside the
   province, outside restricted zones and clear of lines, chosen by an exact maximal-coverage
   model (``milp``) over the uncovered demand; among the best sets, the fewest sites and then the
   shortest connection to existing 220 kV substations or lines win.

Every planning figure (radii, densities, power factor, loading limit...) is an assumption with its
source and certainty in ``geoplan/data/coverage.toml``; the plan overrides any of them in its
``[coverage]`` table, checked by :func:`validate_settings`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import crs as gcrs
from geoplan.errors import MissingDependencyError, PlanError, check_keys
from geoplan.findings import make_findings
from geoplan.kinds import STATUSES, TRADE_TYPES, VOLTAGES_KV, fold
from geoplan.results import findings_summary, plain_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:  # pragma: no cover
    import pyproj

    from geoplan.plan import Plan, RasterLayer

log = logging.getLogger(__name__)

__all__ = [
    "DEMAND_KINDS",
    "FEATURE_COLUMNS",
    "SUBSTATION_COLUMNS",
    "CoverageResult",
    "CoverageSettings",
    "FeatureSupply",
    "Parameter",
    "SupplyStage",
    "compute_coverage",
    "coverage_settings",
    "coverage_substations",
    "default_parameters",
    "demand_features",
    "estimate_demand",
    "feature_supply",
    "merge_supply",
    "nearest_substations",
    "population_sums",
    "substation_levels",
    "validate_settings",
]

#: Kinds whose features draw power (trade facilities only of the types in ``trade_types``).
DEMAND_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park", "trade_facility")

#: The per-feature table's leading columns; per-level columns follow.
FEATURE_COLUMNS: tuple[str, ...] = (
    "layer", "feature_id", "substation_id", "substation_voltage_kv", "distance_m", "covered",
    "demand_mw",
)
#: The per-substation table's leading columns.
SUBSTATION_COLUMNS: tuple[str, ...] = (
    "substation_id", "voltage_kv", "firm_capacity_mw", "load_mw", "headroom_mw",
)

_DATA_FILE = "coverage.toml"
_CERTAINTIES = ("C", "S", "N", "setting")
_DEFAULTS_WHERE = "geoplan/data/coverage.toml"
#: Siting ranks candidates by their distance to a connection up to this many service radii;
#: beyond, every candidate ranks alike (keeps the search cheap on national plans).
_CONNECT_HORIZON = 5.0


# ============================================================================ settings


@dataclass(frozen=True)
class Parameter:
    """One planning assumption: its value, unit, certainty and source.

    ``from_plan`` is true when the plan's ``[coverage]`` table changed the default.
    """

    name: str
    value: Any
    unit: str
    certainty: str
    source: str
    from_plan: bool = False

    def cite(self) -> str:
        """A short reference for findings: where the value came from."""
        where = "plan.toml [coverage]" if self.from_plan else _DEFAULTS_WHERE
        kind = {"C": "confirmed", "S": "second-hand", "N": "planning assumption, no norm found",
                "setting": "setting"}[self.certainty]
        return f"{self.name} = {_short_value(self.value)} {self.unit} ({kind}; {where})".replace(
            "  ", " ")


def _short_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}"
                               for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def default_parameters() -> dict[str, Parameter]:
    """The documented defaults of ``geoplan/data/coverage.toml``, by parameter name."""
    return dict(_read_defaults())


@functools.lru_cache(maxsize=1)
def _read_defaults() -> dict[str, Parameter]:
    text = resources.files("geoplan").joinpath("data", _DATA_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    out: dict[str, Parameter] = {}
    for name, table in data.items():
        if table.get("certainty") not in _CERTAINTIES:  # pragma: no cover - data file guard
            raise ValueError(f"{_DATA_FILE}: [{name}] certainty must be one of {_CERTAINTIES}")
        out[name] = Parameter(name, table["value"], table.get("unit", ""), table["certainty"],
                              " ".join(table["source"].split()))
    return out


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
    if population_unit not in ("count", "per_km2"):
        raise _fail("population_unit", population_unit, 'must be "count" (people per cell) or '
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


# ============================================================================ substations


def substation_levels(frame: pd.DataFrame) -> list[frozenset[int]]:
    """The voltage levels (kV) of each substation: ``voltage_levels`` (``"220;110"``), else
    ``voltage_kv``; empty when both are missing."""
    levels: list[frozenset[int]] = []
    vl = frame["voltage_levels"] if "voltage_levels" in frame else pd.Series(None, frame.index)
    vk = frame["voltage_kv"] if "voltage_kv" in frame else pd.Series(None, frame.index)
    for text, kv in zip(vl, vk, strict=False):
        found: set[int] = set()
        if isinstance(text, str) and text.strip():
            found = {int(p) for p in re.split(r"[;,/ ]+", text.strip()) if p.strip().isdigit()}
        if not found and not pd.isna(kv):
            found = {int(kv)}
        levels.append(frozenset(found))
    return levels


def nearest_substations(
    geoms: Any, substations: gpd.GeoDataFrame, *, id_column: str = "id",
    max_distance: float | None = None,
) -> pd.DataFrame:
    """The nearest substation to each geometry, measured edge to edge.

    Ties (equal distances) go to the smallest ``(id, layer)``, so the answer does not depend on
    row order. Missing or empty geometries get no substation.

    Parameters
    ----------
    geoms
        Array-like of shapely geometries (in the substations' CRS).
    substations
        Frame with ``id_column`` (and optionally ``layer``) and geometries.
    max_distance
        Look no farther than this (metres): beyond it a geometry gets no substation.

    Returns
    -------
    DataFrame
        One row per input geometry, in input order: ``position`` (row of ``substations``, -1 when
        none) and ``distance_m`` (NaN when none).
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    position = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    sub_geoms = np.asarray(substations.geometry.array, dtype=object)
    usable = ~(shapely.is_missing(sub_geoms) | shapely.is_empty(sub_geoms))
    if n == 0 or not usable.any():
        return pd.DataFrame({"position": position, "distance_m": distance})
    keep = np.flatnonzero(usable)
    tree = shapely.STRtree(sub_geoms[keep])
    query = np.where(shapely.is_empty(geoms), None, geoms)
    (src, hit), dist = tree.query_nearest(query, return_distance=True, all_matches=True,
                                          max_distance=max_distance)
    if len(src):
        ids = substations[id_column].astype(str).to_numpy()[keep[hit]]
        layers = (substations["layer"].astype(str).to_numpy()[keep[hit]]
                  if "layer" in substations else np.full(len(hit), ""))
        order = np.lexsort((layers, ids, src))
        src, hit, dist = src[order], hit[order], dist[order]
        first = np.r_[True, src[1:] != src[:-1]]
        position[src[first]] = keep[hit[first]]
        distance[src[first]] = dist[first]
    return pd.DataFrame({"position": position, "distance_m": distance})


# ============================================================================ demand


def _sector_matchers(settings: CoverageSettings) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for sector in settings.sector_density_kw_ha:
        words = {fold(sector.replace("_", " ")), *(fold(w) for w in
                                                    settings.sector_aliases.get(sector, ()))}
        words.discard("")
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        out.append((sector, re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")))
    return out


def estimate_demand(frame: gpd.GeoDataFrame, kind: str,
                    settings: CoverageSettings) -> pd.DataFrame:
    """Peak demand of each feature in MW, and how it was reached.

    A declared ``demand_mw`` wins. Clusters and parks: area (declared ``area_ha``, else measured
    in the analysis CRS) × load density (sector's, else the kind's) × utilisation (occupancy of
    an existing feature, else ``utilisation[status]``). Trade facilities: ``floor_area_m2`` ×
    ``trade_w_m2[type]``, else ``trade_demand_mw[type]``.

    Returns
    -------
    DataFrame
        ``demand_mw`` and ``demand_basis`` (plain words), indexed like ``frame``.
    """
    n = len(frame)
    demand = np.full(n, np.nan)
    basis = np.empty(n, dtype=object)
    declared = pd.to_numeric(frame.get("demand_mw", pd.Series(np.nan, frame.index)),
                             errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if kind in ("industrial_cluster", "industrial_park"):
        matchers = _sector_matchers(settings)
        area_decl = pd.to_numeric(frame.get("area_ha", pd.Series(np.nan, frame.index)),
                                  errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        measured = frame.geometry.area.to_numpy(dtype="float64") / 10_000.0
        occupancy = pd.to_numeric(frame.get("occupancy_pct", pd.Series(np.nan, frame.index)),
                                  errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        sectors = frame.get("sector", pd.Series(None, frame.index)).to_numpy(dtype=object)
        craft = frame.get("craft_village", pd.Series(None, frame.index)).to_numpy(dtype=object)
        statuses = frame["status"].to_numpy(dtype=object)
        seen: dict[str, str | None] = {}
        for i in range(n):
            if not np.isnan(declared[i]):
                demand[i], basis[i] = declared[i], "declared demand_mw"
                continue
            if not np.isnan(area_decl[i]) and area_decl[i] > 0:
                area, area_word = area_decl[i], "declared"
            else:
                area, area_word = measured[i], "measured"
            sector = None
            text = sectors[i]
            if isinstance(text, str) and text.strip():
                if text not in seen:
                    folded = fold(text)
                    seen[text] = next((s for s, rx in matchers if rx.search(folded)), None)
                sector = seen[text]
            is_craft = not pd.isna(craft[i]) and bool(craft[i])
            if sector is None and is_craft and "craft" in settings.sector_density_kw_ha:
                sector = "craft"
            if sector is not None:
                density, dword = settings.sector_density_kw_ha[sector], f"{sector} sector"
            else:
                density, dword = settings.density_kw_ha[kind], kind.replace("_", " ")
            status = statuses[i] if isinstance(statuses[i], str) else "planned"
            if status == "existing" and not np.isnan(occupancy[i]):
                util, uword = occupancy[i] / 100.0, f"occupancy {occupancy[i]:g} %"
            else:
                util = settings.utilisation.get(status, settings.utilisation.get("planned", 1.0))
                uword = f"{status} utilisation {util:g}"
            demand[i] = area * density * util / 1000.0
            basis[i] = (f"{area:.1f} ha ({area_word}) × {density:g} kW/ha ({dword}) × "
                        f"{util:.2f} ({uword})")
    elif kind == "trade_facility":
        types = frame["type"].to_numpy(dtype=object)
        floor = pd.to_numeric(frame.get("floor_area_m2", pd.Series(np.nan, frame.index)),
                              errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for i in range(n):
            t = types[i]
            if not np.isnan(declared[i]):
                demand[i], basis[i] = declared[i], "declared demand_mw"
            elif not np.isnan(floor[i]) and t in settings.trade_w_m2:
                w = settings.trade_w_m2[t]
                demand[i] = floor[i] * w / 1e6
                basis[i] = f"{floor[i]:,.0f} m² × {w:g} W/m² ({t})"
            elif t in settings.trade_demand_mw:
                demand[i] = settings.trade_demand_mw[t]
                basis[i] = f"{t} default {demand[i]:g} MW"
            else:
                demand[i], basis[i] = 0.0, f"{t}: no demand figure (add trade_demand_mw.{t})"
    else:
        raise ValueError(f"no demand model for kind {kind!r}; kinds: {', '.join(DEMAND_KINDS)}")
    return pd.DataFrame({"demand_mw": demand, "demand_basis": basis}, index=frame.index)


# ============================================================================ result


@dataclass(frozen=True)
class CoverageResult:
    """What :func:`compute_coverage` returns; frames are in the plan's analysis CRS.

    Attributes
    ----------
    features
        One row per demand feature: :data:`FEATURE_COLUMNS`, then ``kind``, ``name``,
        ``status``, ``substation_layer``, ``demand_basis``, ``weak``, ``headroom_mw`` (of the
        assigned substation) and, per level L, ``nearest_<L>kv_id``, ``distance_<L>kv_m``,
        ``within_<L>kv``; geometry is the feature's.
    substations
        Supply-level substations: :data:`SUBSTATION_COLUMNS`, ``layer``, ``name``, ``status``,
        ``capacity_mva``, ``background_mw``, ``n_features``, ``overloaded``.
    service_areas
        One row per level: ``voltage_kv``, ``radius_km``, ``n_substations``, ``area_ha``,
        ``population`` (NaN without a raster), ``population_share``.
    gaps
        The parts of the province outside the supply level's service area, with ``area_ha`` and
        ``population``.
    sites
        Proposed new substation sites (empty unless ``site`` > 0).
    findings
        ``coverage-gap``, ``substation-overload``, ``coverage-weak`` in the common schema.
    figures
        Plain figures (see the README's Coverage section); :meth:`summary` adds the common
        ``stage`` and ``findings`` keys of :class:`geoplan.results.Result`.
    settings
        The assumptions used.
    """

    features: gpd.GeoDataFrame
    substations: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    figures: dict[str, Any]
    settings: CoverageSettings

    def summary(self) -> dict[str, Any]:
        """``stage``, ``findings`` (counts), then the coverage figures and ``settings``."""
        return {"stage": "coverage", "findings": findings_summary(self.findings),
                **self.figures, "settings": self.settings.to_dict()}

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The output layers by name, for drawing and writing."""
        return {"features": self.features, "substations": self.substations,
                "service_areas": self.service_areas, "gaps": self.gaps, "sites": self.sites,
                "findings": self.findings}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output layers but the findings, without geometry."""
        return {name: plain_table(frame) for name, frame in self.layers().items()
                if name != "findings"}


# ============================================================================ main job


def _region(plan: Plan) -> tuple[Any, str]:
    """The province polygon (analysis CRS) and how it was found."""
    boundary = plan.boundary
    if boundary is not None and len(boundary):
        geom = shapely.union_all(np.asarray(boundary.geometry.array))
        if not geom.is_empty:
            return geom, "province boundary"
    communes = plan.communes
    if communes is not None and len(communes):
        geom = shapely.union_all(np.asarray(communes.geometry.array))
        if not geom.is_empty:
            return geom, "union of the communes"
    boxes = [layer.frame.total_bounds for layer in plan.layers.values()
             if len(layer.frame) and layer.frame.geometry.notna().any()]
    if not boxes:
        return None, "none"
    b = np.array(boxes)
    log.info("the plan has no boundary layer: the province is taken as the bounding box of "
             "all its layers")
    return shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), \
        "bounding box of the layers (no boundary layer)"


def demand_features(plan: Plan, settings: CoverageSettings) -> gpd.GeoDataFrame:
    """The features that draw power, with their demand (:func:`estimate_demand`), sorted by
    kind, layer and id: clusters, parks and the trade facilities of ``trade_types``."""
    parts = []
    for kind in DEMAND_KINDS:
        frame = plan.frame(kind)
        if kind == "trade_facility" and len(frame):
            frame = frame[frame["type"].isin(settings.trade_types)]
        if not len(frame):
            continue
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        est = estimate_demand(frame, kind, settings)
        parts.append(pd.DataFrame({
            "layer": frame["layer"].astype(str).to_numpy(),
            "kind": kind,
            "feature_id": frame["id"].astype(str).to_numpy(),
            "name": frame["name"].to_numpy(dtype=object),
            "status": frame["status"].to_numpy(dtype=object),
            "demand_mw": est["demand_mw"].to_numpy(),
            "demand_basis": est["demand_basis"].to_numpy(),
            "geometry": np.asarray(frame.geometry.array, dtype=object),
        }))
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in
                              ("layer", "kind", "feature_id", "name", "status", "demand_basis")})
        empty["demand_mw"] = pd.Series(dtype="float64")
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=plan.crs), crs=plan.crs)
    out = pd.concat(parts, ignore_index=True)
    kind_order = {k: i for i, k in enumerate(DEMAND_KINDS)}
    out["_k"] = out["kind"].map(kind_order)
    out = out.sort_values(["_k", "layer", "feature_id"], kind="stable").drop(columns="_k")
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=plan.crs)


def _with_inferred_levels(frame: gpd.GeoDataFrame,
                          stations: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Fill the levels of substations without a voltage from the grid's inference (the levels
    of the lines that end at them), marking them ``voltage_inferred``."""
    frame = frame.copy()
    frame["voltage_inferred"] = False
    if stations is None or not len(stations) or not len(frame):
        return frame
    inferred = stations[(stations["kind"] == "substation") & stations["voltage_inferred"]
                        & stations["voltage_levels"].notna()]
    if not len(inferred):
        return frame
    key = pd.MultiIndex.from_arrays([inferred["layer"].astype(str),
                                     inferred["feature_id"].astype(str)])
    levels = pd.Series(inferred["voltage_levels"].to_numpy(dtype=object), index=key)
    levels = levels[~levels.index.duplicated()]
    own = pd.MultiIndex.from_arrays([frame["layer"].astype(str), frame["id"].astype(str)])
    found = levels.reindex(own).to_numpy(dtype=object)
    missing = np.array([not lv for lv in substation_levels(frame)], dtype=bool)
    use = missing & pd.notna(found)
    if use.any():
        frame["voltage_levels"] = frame["voltage_levels"].astype(object)
        frame.loc[use, "voltage_levels"] = found[use]
        top = [max(int(p) for p in str(text).split(";")) for text in found[use]]
        frame["voltage_kv"] = pd.array(frame["voltage_kv"], dtype="Int64")
        frame.loc[use, "voltage_kv"] = top
        frame.loc[use, "voltage_inferred"] = True
        log.info("%d substation(s) without a voltage take the levels of the lines that end at "
                 "them (grid inference)", int(use.sum()))
    return frame


def _substations(plan: Plan, settings: CoverageSettings,
                 stations: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    frame = plan.frame("substation")
    if len(frame):
        frame = frame[frame["status"].isin(settings.substation_status)
                      & frame.geometry.notna() & ~frame.geometry.is_empty]
    frame = frame.copy()
    frame["id"] = frame["id"].astype(str)
    frame["layer"] = frame["layer"].astype(str)
    frame = _with_inferred_levels(frame, stations)
    frame["_levels"] = substation_levels(frame) if len(frame) else []
    unknown = frame[[not lv for lv in frame["_levels"]]]
    if len(unknown):
        log.warning("%d substation(s) without a voltage are left out of coverage (no voltage "
                    "in the data and no line ends at them): %s",
                    len(unknown), ", ".join(unknown["id"].head(10)))
    frame = frame.sort_values(["id", "layer"], kind="stable").reset_index(drop=True)
    return frame


def compute_coverage(
    plan: Plan,
    *,
    site: int = 0,
    capacitated: bool = False,
    settings: CoverageSettings | None = None,
    stations: pd.DataFrame | None = None,
    supply_stage: SupplyStage | None = None,
) -> CoverageResult:
    """Grid coverage, demand, capacity, population served and (optionally) new sites of a plan.

    Parameters
    ----------
    plan
        A loaded plan (:func:`geoplan.load_plan`).
    site
        Propose up to this many new supply-level substations (0: none).
    capacitated
        Assign demand with the capacitated model (minimum overload, then minimum demand-weighted
        distance) instead of "nearest substation within the radius".
    settings
        The assumptions; by default the package defaults merged with the plan's ``[coverage]``.
    stations
        The grid's stations (:attr:`geoplan.grid.Grid.stations`): a substation without a
        voltage in the data takes the levels the grid inferred from the lines ending at it
        (``voltage_inferred`` in the substation table). :func:`geoplan.analyse` passes them.
    supply_stage
        Computes the per-feature stage (:class:`FeatureSupply`) from the plan, the settings and
        the coverage substations, instead of :func:`feature_supply` over
        :func:`demand_features` in this process; the distributed engine
        (:mod:`geoplan.engine`) passes its own, which runs the same functions on spatial
        partitions and merges them with :func:`merge_supply`.

    Returns
    -------
    CoverageResult
    """
    t0 = time.perf_counter()
    if site < 0:
        raise PlanError(f"site = {site}: the number of new substations to propose must be ≥ 0")
    settings = settings or coverage_settings(plan.settings.get("coverage", {}))
    crs = plan.crs
    subs = _substations(plan, settings, stations)
    supply = settings.supply_level_kv
    # the per-feature stage: demand, nearest substations, candidates within reach
    stage = (feature_supply(demand_features(plan, settings), subs, settings)
             if supply_stage is None else supply_stage(plan, settings, subs))
    feats, per_level, pairs = stage.features, stage.nearest, stage.pairs

    supply_mask = np.array([supply in lv for lv in subs["_levels"]], dtype=bool)
    supply_rows = np.flatnonzero(supply_mask)
    nearest_supply = per_level[supply]
    covered = nearest_supply["within"].to_numpy(dtype=bool)
    demand = feats["demand_mw"].fillna(0.0).to_numpy(dtype="float64")

    assigned_row = np.where(covered, nearest_supply["row"].to_numpy(), -1)
    assigned_dist = nearest_supply["distance_m"].to_numpy().copy()
    assignment_status = "nearest substation within the radius"
    firm = settings.firm_capacity_mw(pd.to_numeric(subs["capacity_mva"], errors="coerce")
                                     .to_numpy(dtype="float64", na_value=np.nan)) \
        if len(subs) else np.zeros(0)
    background = firm * settings.background_load_pct / 100.0
    if capacitated and len(pairs) and covered.any():
        assigned_row, assigned_dist, assignment_status = _assign_capacitated(
            pairs, demand, firm - background, covered, settings.time_limit_s)
        assigned_row = np.where(covered, assigned_row, -1)

    load = np.zeros(len(subs))
    ok = assigned_row >= 0
    np.add.at(load, assigned_row[ok], demand[ok])
    count = np.zeros(len(subs), dtype="int64")
    np.add.at(count, assigned_row[ok], 1)
    headroom = firm - background - load

    # weak: every candidate within the radius has less headroom than the threshold
    weak = np.zeros(len(feats), dtype=bool)
    if len(pairs):
        threshold = firm * settings.weak_headroom_pct / 100.0
        short = headroom < threshold  # NaN (unknown capacity) -> False: not weak
        pf = pd.DataFrame({"f": pairs[:, 0].astype("int64"),
                           "short": short[pairs[:, 1].astype("int64")]})
        all_short = pf.groupby("f")["short"].all()
        weak[all_short.index.to_numpy()] = all_short.to_numpy()
    weak &= covered

    features = _feature_table(feats, subs, per_level, settings, covered, assigned_row,
                              assigned_dist, headroom, weak, crs)
    substations = _substation_table(subs, supply_rows, firm, background, load, headroom, count,
                                    crs)
    region, region_how = _region(plan)
    service_areas, gaps = _service_areas(subs, settings, region, crs)

    population = _population(plan, settings, region, service_areas, gaps)
    sites = _empty_sites(crs)
    site_info: dict[str, Any] = {}
    if site:
        sites, site_info = _propose_sites(plan, settings, features, region, site)

    findings = _findings(features, substations, subs, settings, crs)
    summary = _summary(features, substations, service_areas, gaps, sites, settings, population,
                       site, site_info, assignment_status, region_how)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    log.info("coverage: %d features, %d supply substations, %d findings in %.2f s",
             len(features), len(substations), len(findings), summary["seconds"])
    return CoverageResult(features, substations, service_areas, gaps, sites, findings, summary,
                          settings)


@dataclass(frozen=True)
class FeatureSupply:
    """The per-feature stage of the coverage: what each demand feature can reach.

    Everything here depends on one feature and the substations only, so a plan's features can
    be split (spatial partitions) and the parts merged (:func:`merge_supply`) into what the
    whole plan gives.

    Attributes
    ----------
    features
        :func:`demand_features`: one row per demand feature, sorted by kind, layer and id.
    nearest
        Per voltage level, aligned with ``features``: the nearest substation's ``id``,
        ``layer``, ``row`` (in the coverage substations, -1 when none), ``distance_m`` and
        ``within`` (its level's radius).
    pairs
        ``(feature index, substation row, distance m)`` of every supply-level substation within
        the supply radius of a feature.
    """

    features: gpd.GeoDataFrame
    nearest: Mapping[int, pd.DataFrame]
    pairs: np.ndarray


SupplyStage = Callable[["Plan", CoverageSettings, gpd.GeoDataFrame], FeatureSupply]
"""A function computing the :class:`FeatureSupply` of (plan, settings, coverage substations)."""


def coverage_substations(plan: Plan, settings: CoverageSettings,
                         stations: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The substations the coverage uses (status, voltage levels, sorted by id and layer)."""
    return _substations(plan, settings, stations)


def feature_supply(feats: gpd.GeoDataFrame, subs: gpd.GeoDataFrame,
                   settings: CoverageSettings) -> FeatureSupply:
    """The per-feature stage over ``feats`` (:func:`demand_features`) and the coverage
    substations ``subs`` (:func:`coverage_substations`)."""
    geoms = np.asarray(feats.geometry.array, dtype=object)
    # nearest substation of each level (row in subs, -1 when the level has none)
    per_level: dict[int, pd.DataFrame] = {}
    sub_ids = subs["id"].to_numpy(dtype=object)
    sub_layers = subs["layer"].to_numpy(dtype=object)
    none = np.full(len(feats), None, dtype=object)
    for level in settings.levels:
        rows = np.flatnonzero([level in lv for lv in subs["_levels"]])
        near = nearest_substations(geoms, subs.iloc[rows])
        pos = near["position"].to_numpy()
        row = rows[np.maximum(pos, 0)] if len(rows) else np.zeros(len(pos), dtype="int64")
        row = np.where(pos >= 0, row, -1)
        has, safe = row >= 0, np.maximum(row, 0)
        distance = near["distance_m"].to_numpy()
        per_level[level] = pd.DataFrame({
            "id": np.where(has, sub_ids[safe], none) if len(subs) else none,
            "layer": np.where(has, sub_layers[safe], none) if len(subs) else none,
            "row": row,
            "distance_m": distance,
            "within": distance <= settings.radius_m(level),
        })
    supply = settings.supply_level_kv
    supply_rows = np.flatnonzero([supply in lv for lv in subs["_levels"]])
    # candidate supply substations within the radius of each feature (for capacity and "weak")
    pairs = _pairs_within(geoms, subs, supply_rows, settings.radius_m(supply))
    return FeatureSupply(feats, per_level, pairs)


def merge_supply(parts: Sequence[FeatureSupply], crs: Any) -> FeatureSupply:
    """One :class:`FeatureSupply` from those of disjoint parts of a plan's features, in the
    order :func:`demand_features` gives the whole plan (kind, layer, id)."""
    if not parts:
        raise ValueError("merge_supply needs at least one part")
    frames = [p.features for p in parts]
    feats = pd.concat(frames, ignore_index=True)
    kind_order = {k: i for i, k in enumerate(DEMAND_KINDS)}
    order = np.lexsort((feats["feature_id"].astype(str).to_numpy(),
                        feats["layer"].astype(str).to_numpy(),
                        feats["kind"].map(kind_order).to_numpy()))
    new_index = np.empty(len(order), dtype="int64")
    new_index[order] = np.arange(len(order))
    merged = gpd.GeoDataFrame(feats.iloc[order].reset_index(drop=True), geometry="geometry",
                              crs=crs)
    nearest = {level: pd.concat([p.nearest[level] for p in parts], ignore_index=True)
               .iloc[order].reset_index(drop=True) for level in parts[0].nearest}
    offsets = np.cumsum([0, *(len(f) for f in frames)])[:-1]
    pieces = [np.column_stack([new_index[p.pairs[:, 0].astype("int64") + off], p.pairs[:, 1:]])
              for p, off in zip(parts, offsets, strict=True) if len(p.pairs)]
    pairs = np.concatenate(pieces).astype("float64") if pieces else np.zeros((0, 3))
    return FeatureSupply(merged, nearest, pairs)


def _pairs_within(geoms: np.ndarray, subs: gpd.GeoDataFrame, rows: np.ndarray,
                  radius_m: float) -> np.ndarray:
    """(feature index, substation row, distance m) for every supply substation within reach."""
    if not len(rows) or not len(geoms):
        return np.zeros((0, 3))
    sub_geoms = np.asarray(subs.geometry.array, dtype=object)[rows]
    tree = shapely.STRtree(sub_geoms)
    f, s = tree.query(geoms, predicate="dwithin", distance=radius_m)
    d = shapely.distance(geoms[f], sub_geoms[s])
    keep = d <= radius_m  # the same verdict as the nearest search
    return np.column_stack([f[keep], rows[s[keep]], d[keep]]).astype("float64")


def _assign_capacitated(pairs: np.ndarray, demand: np.ndarray, available: np.ndarray,
                        covered: np.ndarray, time_limit: float
                        ) -> tuple[np.ndarray, np.ndarray, str]:
    """Assign each covered feature to one substation within reach: minimum total overload, then
    minimum demand-weighted distance. Two exact HiGHS solves (``scipy.optimize.milp``)."""
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise MissingDependencyError("capacitated assignment needs scipy: pip install scipy") \
            from exc
    f = pairs[:, 0].astype("int64")
    s = pairs[:, 1].astype("int64")
    dist = pairs[:, 2]
    # deterministic order: feature, substation row
    order = np.lexsort((s, f))
    f, s, dist = f[order], s[order], dist[order]
    n_pairs = len(f)
    capped = np.flatnonzero(np.isfinite(available))
    cap_index = np.full(len(available), -1)
    cap_index[capped] = np.arange(len(capped))
    n_var = n_pairs + len(capped)
    feats_used = np.unique(f)
    feat_index = np.full(int(f.max()) + 1, -1)
    feat_index[feats_used] = np.arange(len(feats_used))

    # each feature exactly once
    a1 = coo_matrix((np.ones(n_pairs), (feat_index[f], np.arange(n_pairs))),
                    shape=(len(feats_used), n_var))
    rows, cols, vals = [], [], []
    has_cap = cap_index[s] >= 0
    rows.append(cap_index[s][has_cap])
    cols.append(np.arange(n_pairs)[has_cap])
    vals.append(demand[f][has_cap])
    rows.append(np.arange(len(capped)))
    cols.append(n_pairs + np.arange(len(capped)))
    vals.append(-np.ones(len(capped)))
    a2 = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                    shape=(len(capped), n_var))
    constraints = [LinearConstraint(a1.tocsr(), 1, 1)]
    if len(capped):
        constraints.append(LinearConstraint(a2.tocsr(), -np.inf, available[capped]))
    integrality = np.r_[np.ones(n_pairs), np.zeros(len(capped))]
    bounds = Bounds(np.zeros(n_var), np.r_[np.ones(n_pairs), np.full(len(capped), np.inf)])
    options = {"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False}

    c1 = np.r_[np.zeros(n_pairs), np.ones(len(capped))]
    r1 = milp(c1, constraints=constraints, integrality=integrality, bounds=bounds,
              options=options)
    if r1.x is None:
        raise PlanError(f"the capacitated assignment found no solution ({r1.message}); run "
                        "without --capacitated or raise time_limit_s in [coverage]")
    best = float(r1.fun)
    limit = LinearConstraint(c1.reshape(1, -1), -np.inf, best + 1e-6 * max(1.0, best))
    c2 = np.r_[(demand[f] + 1e-3) * dist / 1000.0, np.zeros(len(capped))]
    r2 = milp(c2, constraints=[*constraints, limit], integrality=integrality, bounds=bounds,
              options=options)
    result = r2 if r2.x is not None else r1
    x = np.round(result.x[:n_pairs]).astype(bool)
    assigned = np.full(len(demand), -1, dtype="int64")
    assigned_dist = np.full(len(demand), np.nan)
    assigned[f[x]] = s[x]
    assigned_dist[f[x]] = dist[x]
    proven = r1.status == 0 and r2.status == 0
    status = ("capacitated (minimum overload, then minimum demand-weighted distance; "
              + ("optimal)" if proven else f"NOT proven optimal: {result.message})"))
    log.info("capacitated assignment: overload %.2f MW, %s", best, status)
    return assigned, assigned_dist, status


def _feature_table(feats: gpd.GeoDataFrame, subs: gpd.GeoDataFrame,
                   per_level: Mapping[int, pd.DataFrame], settings: CoverageSettings,
                   covered: np.ndarray, assigned_row: np.ndarray, assigned_dist: np.ndarray,
                   headroom: np.ndarray, weak: np.ndarray, crs: Any) -> gpd.GeoDataFrame:
    supply = per_level[settings.supply_level_kv]
    # the assigned substation when covered, else the nearest (out of reach) supply substation
    row = np.where(covered, assigned_row, supply["row"].to_numpy())
    dist = np.where(covered, assigned_dist, supply["distance_m"].to_numpy())
    has = row >= 0
    safe = np.maximum(row, 0)
    none: np.ndarray = np.full(len(row), None, dtype=object)
    sub_id: np.ndarray = subs["id"].to_numpy(dtype=object)[safe] if len(subs) else none
    sub_layer: np.ndarray = subs["layer"].to_numpy(dtype=object)[safe] if len(subs) else none
    kv_all = pd.to_numeric(subs["voltage_kv"], errors="coerce").to_numpy(dtype="float64",
                                                                         na_value=np.nan)
    sub_kv: np.ndarray = kv_all[safe] if len(subs) else np.full(len(row), np.nan)
    out = pd.DataFrame({
        "layer": feats["layer"].to_numpy(dtype=object),
        "feature_id": feats["feature_id"].to_numpy(dtype=object),
        "substation_id": np.where(has, sub_id, none),
        "substation_voltage_kv": pd.array(np.where(has, sub_kv, np.nan)).astype("Int64"),
        "distance_m": dist.astype("float64"),
        "covered": covered.astype(bool),
        "demand_mw": feats["demand_mw"].to_numpy(dtype="float64"),
        "kind": feats["kind"].to_numpy(dtype=object),
        "name": feats["name"].to_numpy(dtype=object),
        "status": feats["status"].to_numpy(dtype=object),
        "substation_layer": np.where(has, sub_layer, none),
        "demand_basis": feats["demand_basis"].to_numpy(dtype=object),
        "weak": weak.astype(bool),
        "headroom_mw": np.where(covered & has, headroom[safe] if len(headroom) else np.nan,
                                np.nan),
    })
    for level, near in per_level.items():
        out[f"nearest_{level}kv_id"] = near["id"].to_numpy(dtype=object)
        out[f"distance_{level}kv_m"] = near["distance_m"].to_numpy(dtype="float64")
        out[f"within_{level}kv"] = near["within"].to_numpy(dtype=bool)
    out["geometry"] = np.asarray(feats.geometry.array, dtype=object)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def _substation_table(subs: gpd.GeoDataFrame, rows: np.ndarray, firm: np.ndarray,
                      background: np.ndarray, load: np.ndarray, headroom: np.ndarray,
                      count: np.ndarray, crs: Any) -> gpd.GeoDataFrame:
    part = subs.iloc[rows]
    out = pd.DataFrame({
        "substation_id": part["id"].to_numpy(dtype=object),
        "voltage_kv": pd.array(part["voltage_kv"], dtype="Int64"),
        "firm_capacity_mw": firm[rows] if len(rows) else np.zeros(0),
        "load_mw": load[rows] if len(rows) else np.zeros(0),
        "headroom_mw": headroom[rows] if len(rows) else np.zeros(0),
        "layer": part["layer"].to_numpy(dtype=object),
        "name": part["name"].to_numpy(dtype=object),
        "status": part["status"].to_numpy(dtype=object),
        "voltage_levels": part["voltage_levels"].to_numpy(dtype=object),
        "voltage_inferred": part["voltage_inferred"].to_numpy(dtype=bool)
        if "voltage_inferred" in part else np.zeros(len(part), dtype=bool),
        "capacity_mva": pd.to_numeric(part["capacity_mva"], errors="coerce")
        .to_numpy(dtype="float64", na_value=np.nan),
        "background_mw": background[rows] if len(rows) else np.zeros(0),
        "n_features": count[rows] if len(rows) else np.zeros(0, dtype="int64"),
    })
    out["overloaded"] = (out["headroom_mw"] < 0).to_numpy(dtype=bool)
    out["geometry"] = np.asarray(part.geometry.array, dtype=object)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


# ============================================================================ service areas


def _service_areas(subs: gpd.GeoDataFrame, settings: CoverageSettings, region: Any,
                   crs: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rows = []
    for level in settings.levels:
        mask = np.array([level in lv for lv in subs["_levels"]], dtype=bool)
        g = np.asarray(subs.geometry.array, dtype=object)[mask]
        if len(g):
            area = shapely.union_all(shapely.buffer(g, settings.radius_m(level), quad_segs=16))
            if region is not None:
                area = shapely.intersection(area, region)
        else:
            area = shapely.Polygon()
        rows.append({"voltage_kv": level, "radius_km": settings.radius_km[level],
                     "n_substations": int(mask.sum()), "area_ha": float(area.area) / 10_000.0,
                     "geometry": area})
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else \
        gpd.GeoDataFrame({"voltage_kv": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    gap_rows: list[dict[str, Any]] = []
    if region is not None:
        served = areas.loc[areas["voltage_kv"] == settings.supply_level_kv, "geometry"]
        rest = shapely.difference(region, served.iloc[0]) if len(served) else region
        parts = shapely.get_parts(rest)
        parts = parts[shapely.area(parts) > 1.0]
        # deterministic order: largest first, then west to east
        cx = shapely.get_x(shapely.centroid(parts)) if len(parts) else np.zeros(0)
        for k, i in enumerate(np.lexsort((cx, -shapely.area(parts)))):
            gap_rows.append({"gap_id": f"GAP-{k + 1}", "area_ha": float(parts[i].area) / 1e4,
                             "geometry": parts[i]})
    gaps = gpd.GeoDataFrame(gap_rows, geometry="geometry", crs=crs) if gap_rows else \
        gpd.GeoDataFrame({"gap_id": [], "area_ha": []}, geometry=gpd.GeoSeries([], crs=crs),
                         crs=crs)
    return areas, gaps


# ============================================================================ population


def population_sums(
    raster: RasterLayer,
    zones: Sequence[Any],
    zone_crs: pyproj.CRS,
    *,
    unit: str = "count",
) -> np.ndarray:
    """Population inside each zone (shapely geometries in ``zone_crs``), from a raster.

    Only the window covering the zones' bounds (transformed to the raster's CRS through
    :mod:`geoplan.crs`) is read; a cell counts when its centre lies inside the zone (the rule of
    ``rasterio.features.geometry_mask`` and of rasterstats). Nodata cells count as 0. With
    ``unit="per_km2"`` each cell's density is multiplied by its area measured in ``zone_crs``.
    """
    try:
        import rasterio
        from rasterio.features import geometry_mask
        from rasterio.windows import Window, from_bounds
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise MissingDependencyError("population needs rasterio: pip install rasterio") from exc
    zones = list(zones)
    sums = np.zeros(len(zones))
    live = [i for i, z in enumerate(zones) if z is not None and not shapely.is_empty(z)]
    if not live:
        return sums
    zone_frame = gpd.GeoDataFrame(geometry=[zones[i] for i in live], crs=zone_crs)
    in_raster = gcrs.to_crs(zone_frame, raster.crs, name=raster.name)
    envelope = shapely.box(*zone_frame.total_bounds)
    env = gcrs.to_crs(gpd.GeoDataFrame(geometry=[shapely.segmentize(
        envelope, max(envelope.length / 400.0, 1e-9))], crs=zone_crs), raster.crs,
        name=raster.name)
    minx, miny, maxx, maxy = env.total_bounds
    with rasterio.open(raster.path) as src:
        win = from_bounds(minx, miny, maxx, maxy, transform=src.transform)
        col0, row0 = math.floor(win.col_off), math.floor(win.row_off)
        col1 = math.ceil(win.col_off + win.width)
        row1 = math.ceil(win.row_off + win.height)
        col0, row0 = max(col0, 0), max(row0, 0)
        col1, row1 = min(col1, src.width), min(row1, src.height)
        if col1 <= col0 or row1 <= row0:
            log.warning("population raster %s does not overlap the province", raster.path)
            return sums
        window = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(raster.band, window=window, masked=True)
        transform = src.window_transform(window)
    values = np.ma.filled(data.astype("float64"), 0.0)
    values[~np.isfinite(values)] = 0.0
    if unit == "per_km2":
        values = values * _cell_areas_km2(transform, values.shape, raster.crs, zone_crs)
    for k, geom in zip(live, in_raster.geometry, strict=False):
        inside = geometry_mask([geom], out_shape=values.shape, transform=transform, invert=True)
        sums[k] = float(values[inside].sum())
    log.debug("population: read a %d × %d window of %s", window.height, window.width,
              raster.path)
    return sums


def _cell_areas_km2(transform: Any, shape: tuple[int, int], raster_crs: Any,
                    metric_crs: Any) -> np.ndarray:
    """Area of each cell in km², measured in ``metric_crs`` (corners transformed, shoelace)."""
    rows, cols = shape
    cc, rr = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1))
    xs = transform.c + cc * transform.a + rr * transform.b
    ys = transform.f + cc * transform.d + rr * transform.e
    x, y = gcrs.transform_points(xs, ys, raster_crs, metric_crs)
    # corners of each cell in ring order: (r,c) (r,c+1) (r+1,c+1) (r+1,c)
    x0, y0 = x[:-1, :-1], y[:-1, :-1]
    x1, y1 = x[:-1, 1:], y[:-1, 1:]
    x2, y2 = x[1:, 1:], y[1:, 1:]
    x3, y3 = x[1:, :-1], y[1:, :-1]
    area = 0.5 * np.abs((x0 * y1 - x1 * y0) + (x1 * y2 - x2 * y1) + (x2 * y3 - x3 * y2)
                        + (x3 * y0 - x0 * y3))
    return area / 1e6


def _population(plan: Plan, settings: CoverageSettings, region: Any,
                service_areas: gpd.GeoDataFrame, gaps: gpd.GeoDataFrame) -> dict[str, Any]:
    rasters = [r for r in plan.rasters.values() if r.kind == "population"]
    service_areas["population"] = np.nan
    service_areas["population_share"] = np.nan
    gaps["population"] = np.nan
    if not rasters or region is None:
        return {"raster": None}
    raster = rasters[0]
    if len(rasters) > 1:
        log.warning("several population rasters; using %s", raster.name)
    zones = [region, *service_areas.geometry, *gaps.geometry]
    sums = population_sums(raster, zones, plan.crs, unit=settings.population_unit)
    total = float(sums[0])
    n_areas = len(service_areas)
    service_areas["population"] = sums[1:1 + n_areas]
    service_areas["population_share"] = (sums[1:1 + n_areas] / total) if total > 0 else np.nan
    gaps["population"] = sums[1 + n_areas:]
    return {"raster": raster.name, "total": total}


# ============================================================================ siting


def _empty_sites(crs: Any) -> gpd.GeoDataFrame:
    cols: dict[str, Any] = {"site_id": pd.Series(dtype=object),
                            "demand_mw": pd.Series(dtype="float64"),
                            "n_features": pd.Series(dtype="int64"),
                            "feature_ids": pd.Series(dtype=object),
                            "connect_layer": pd.Series(dtype=object),
                            "connect_id": pd.Series(dtype=object),
                            "connect_distance_m": pd.Series(dtype="float64"),
                            "firm_capacity_mw": pd.Series(dtype="float64"),
                            "headroom_mw": pd.Series(dtype="float64")}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _candidates(plan: Plan, settings: CoverageSettings, region: Any,
                reach: np.ndarray) -> np.ndarray:
    """Candidate points on a grid aligned to multiples of the spacing, inside the province,
    outside restricted zones and farther than the clearance from every line.

    Only grid nodes inside ``reach`` (rows of minx, miny, maxx, maxy: the uncovered features'
    bounds grown by the service radius) are made: no other node can serve any of them.
    """
    g = settings.site_grid_km * 1000.0
    lo_x = np.ceil(reach[:, 0] / g).astype("int64")
    hi_x = np.floor(reach[:, 2] / g).astype("int64")
    lo_y = np.ceil(reach[:, 1] / g).astype("int64")
    hi_y = np.floor(reach[:, 3] / g).astype("int64")
    nx, ny = np.maximum(hi_x - lo_x + 1, 0), np.maximum(hi_y - lo_y + 1, 0)
    sizes = nx * ny
    if not sizes.sum():
        return np.zeros(0, dtype=object)
    box = np.repeat(np.arange(len(reach)), sizes)
    k = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ix = lo_x[box] + k % nx[box]
    iy = lo_y[box] + k // nx[box]
    nodes = np.unique(np.column_stack([ix, iy]), axis=0)
    gx, gy = nodes[:, 0] * g, nodes[:, 1] * g
    shapely.prepare(region)
    inside = shapely.contains_xy(region, gx, gy)
    points: np.ndarray = np.asarray(shapely.points(gx[inside], gy[inside]), dtype=object)
    keep = np.ones(len(points), dtype="bool")
    zones = plan.frame("restricted_zone")
    if len(zones) and len(points):
        tree = shapely.STRtree(np.asarray(zones.geometry.array, dtype=object))
        hit = tree.query(points, predicate="intersects")[0]
        keep[hit] = False
    lines = plan.frame("grid_line")
    if len(lines) and len(points):
        tree = shapely.STRtree(np.asarray(lines.geometry.array, dtype=object))
        hit = tree.query(points, predicate="dwithin", distance=settings.site_clearance_m)[0]
        keep[hit] = False
    return points[keep]


def _distinct_cover_sets(ci: np.ndarray, fi: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Candidates that reach exactly the same set of features are interchangeable for coverage:
    keep the cheapest of each set (ties: the lowest index). Sets are grouped by two 64-bit
    hashes and then compared element by element, so the reduction is exact."""
    order = np.lexsort((fi, ci))
    ci, fi = ci[order], fi[order]
    starts = np.flatnonzero(np.r_[True, ci[1:] != ci[:-1]])
    cand = ci[starts]
    counts = np.diff(np.r_[starts, len(ci)])
    rng = np.random.default_rng(20250701)
    top = np.iinfo(np.uint64).max
    w1 = rng.integers(0, top, size=int(fi.max()) + 1, dtype=np.uint64)
    w2 = rng.integers(0, top, size=int(fi.max()) + 1, dtype=np.uint64)
    h1 = np.add.reduceat(w1[fi], starts)
    h2 = np.add.reduceat(w2[fi], starts)
    o = np.lexsort((cand, cost[cand], counts, h2, h1))
    new_group = np.r_[True, (h1[o][1:] != h1[o][:-1]) | (h2[o][1:] != h2[o][:-1])
                      | (counts[o][1:] != counts[o][:-1])]
    reps = o[new_group]
    rep_of = reps[np.cumsum(new_group) - 1]  # per sorted member, its representative
    lengths = counts[o]
    j = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    same = fi[np.repeat(starts[o], lengths) + j] == fi[np.repeat(starts[rep_of], lengths) + j]
    if not same.all():  # a hash collision (about 2**-128): keep every candidate
        return np.sort(cand)
    return np.sort(cand[reps])


def _connections(plan: Plan, settings: CoverageSettings) -> gpd.GeoDataFrame:
    """Existing or under-construction substations ≥ site_connect_substation_kv and lines ≥
    site_connect_line_kv: what a new station would be fed from."""
    built = ("existing", "under_construction")
    parts = []
    subs = plan.frame("substation")
    if len(subs):
        kv = pd.to_numeric(subs["voltage_kv"], errors="coerce")
        pick = subs[subs["status"].isin(built) & (kv >= settings.site_connect_substation_kv)]
        parts.append(pd.DataFrame({"layer": pick["layer"].astype(str), "id": pick["id"]
                                   .astype(str), "geometry": pick.geometry.array}))
    lines = plan.frame("grid_line")
    if len(lines):
        kv = pd.to_numeric(lines["voltage_kv"], errors="coerce")
        pick = lines[lines["status"].isin(built) & (kv >= settings.site_connect_line_kv)]
        parts.append(pd.DataFrame({"layer": pick["layer"].astype(str), "id": pick["id"]
                                   .astype(str), "geometry": pick.geometry.array}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return gpd.GeoDataFrame({"layer": [], "id": []}, geometry=gpd.GeoSeries([]),
                                crs=plan.crs)
    frame = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=plan.crs)


def _propose_sites(plan: Plan, settings: CoverageSettings, features: gpd.GeoDataFrame,
                   region: Any, n_sites: int) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix
    except ImportError as exc:  # pragma: no cover - scipy is a dependency
        raise MissingDependencyError("siting needs scipy: pip install scipy") from exc
    crs = plan.crs
    info: dict[str, Any] = {"candidates": 0, "status": "no uncovered demand"}
    want = features[~features["covered"] & (features["demand_mw"] > 0)]
    want = want.sort_values(["layer", "feature_id"], kind="stable").reset_index(drop=True)
    if not len(want) or region is None:
        return _empty_sites(crs), info
    radius = settings.radius_m(settings.supply_level_kv)
    fgeoms = np.asarray(want.geometry.array, dtype=object)
    reach = shapely.bounds(fgeoms) + np.array([-radius, -radius, radius, radius])
    points = _candidates(plan, settings, region, reach)
    info["candidates"] = len(points)
    if not len(points):
        info["status"] = ("no candidate site within reach (restricted zones, line corridors "
                          "or the province edge)")
        return _empty_sites(crs), info
    tree = shapely.STRtree(points)
    fi, ci = tree.query(fgeoms, predicate="dwithin", distance=radius)
    dd = shapely.distance(fgeoms[fi], points[ci])
    fi, ci = fi[dd <= radius], ci[dd <= radius]
    if not len(fi):
        info["status"] = "no candidate site within reach of the uncovered demand"
        return _empty_sites(crs), info

    # connection cost (km) of the candidates that reach some demand; farther than
    # _CONNECT_HORIZON service radii from any connection, all candidates rank alike
    conn = _connections(plan, settings)
    horizon = _CONNECT_HORIZON * radius
    useful = np.unique(ci)
    cost = np.full(len(points), horizon / 1000.0)
    if len(conn):
        near = nearest_substations(points[useful], conn, max_distance=horizon)
        found = near["distance_m"].to_numpy()
        cost[useful] = np.where(np.isfinite(found), found, horizon) / 1000.0

    cands = _distinct_cover_sets(ci, fi, cost)
    local = np.full(len(points), -1)
    local[cands] = np.arange(len(cands))
    use = local[ci] >= 0
    fi_u, ci_u = fi[use], local[ci[use]]
    m, n = len(cands), len(want)
    info["candidates_distinct"] = m
    d = want["demand_mw"].to_numpy(dtype="float64")

    # variables: y (m sites, binary), z (n features, [0, 1]); z_i <= sum_j y_j
    a_cov = coo_matrix((np.r_[-np.ones(len(fi_u)), np.ones(n)],
                        (np.r_[fi_u, np.arange(n)], np.r_[ci_u, m + np.arange(n)])),
                       shape=(n, m + n)).tocsr()
    a_count = coo_matrix((np.ones(m), (np.zeros(m), np.arange(m))), shape=(1, m + n)).tocsr()
    constraints = [LinearConstraint(a_cov, -np.inf, 0), LinearConstraint(a_count, 0, n_sites)]
    integrality = np.r_[np.ones(m), np.zeros(n)]
    bounds = Bounds(np.zeros(m + n), np.ones(m + n))
    options = {"time_limit": settings.time_limit_s, "mip_rel_gap": 0.0, "disp": False}
    c1 = np.r_[np.zeros(m), -d]
    r1 = milp(c1, constraints=constraints, integrality=integrality, bounds=bounds,
              options=options)
    if r1.x is None:
        raise PlanError(f"siting found no solution ({r1.message}); raise time_limit_s in "
                        "[coverage] or ask for fewer sites")
    best = -float(r1.fun)
    # among the best sets: fewest sites, then the shortest connections
    big = float(cost[cands].max()) * n_sites + 1.0
    keep_best = LinearConstraint(c1.reshape(1, -1), -np.inf, -best + 1e-7 * max(1.0, best))
    c2 = np.r_[big + cost[cands], np.zeros(n)]
    r2 = milp(c2, constraints=[*constraints, keep_best], integrality=integrality,
              bounds=bounds, options=options)
    result = r2 if r2.x is not None else r1
    chosen = cands[np.round(result.x[:m]).astype(bool)]
    conn_pos = np.full(len(points), -1)
    conn_dist = np.full(len(points), np.nan)
    if len(conn) and len(chosen):  # exact connection of the chosen sites, no horizon
        near = nearest_substations(points[chosen], conn)
        conn_pos[chosen] = near["position"].to_numpy()
        conn_dist[chosen] = near["distance_m"].to_numpy()
    proven = r1.status == 0 and r2.status == 0
    info["status"] = "optimal" if proven else f"NOT proven optimal: {result.message}"
    info["demand_reachable_mw"] = float(d[np.unique(fi)].sum())

    # report: each picked feature to its nearest chosen site
    chosen = chosen[np.lexsort((shapely.get_x(points[chosen]), -shapely.get_y(points[chosen])))]
    site_pts = points[chosen]
    sub = nearest_substations(fgeoms, gpd.GeoDataFrame(
        {"id": [f"{k:06d}" for k in range(len(chosen))]}, geometry=list(site_pts), crs=crs))
    near_site = np.where(sub["distance_m"].to_numpy() <= radius, sub["position"].to_numpy(), -1)
    firm = float(settings.firm_capacity_mw(settings.site_capacity_mva))
    rows = []
    for k, c in enumerate(chosen):
        mine = np.flatnonzero(near_site == k)
        demand_k = float(d[mine].sum())
        pos = conn_pos[c]
        rows.append({
            "site_id": f"NEW-{k + 1}",
            "demand_mw": demand_k,
            "n_features": len(mine),
            "feature_ids": ";".join(f"{want['layer'].iloc[i]}/{want['feature_id'].iloc[i]}"
                                    for i in mine),
            "connect_layer": conn["layer"].iloc[pos] if pos >= 0 else None,
            "connect_id": conn["id"].iloc[pos] if pos >= 0 else None,
            "connect_distance_m": float(conn_dist[c]) if pos >= 0 else np.nan,
            "firm_capacity_mw": firm,
            "headroom_mw": firm - demand_k,
            "geometry": points[c],
        })
    if not rows:
        return _empty_sites(crs), info
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs), info


# ============================================================================ findings & summary


def _fmt_km(m: float) -> str:
    return "unknown" if not np.isfinite(m) else f"{m / 1000.0:.1f} km"


def _findings(features: gpd.GeoDataFrame, substations: gpd.GeoDataFrame,
              subs: gpd.GeoDataFrame, settings: CoverageSettings, crs: Any) -> gpd.GeoDataFrame:
    supply = settings.supply_level_kv
    r_km = settings.radius_km[supply]
    records: list[dict[str, Any]] = []
    ref_gap = settings.cite("radius_km")
    for row in features[~features["covered"]].itertuples(index=False):
        what = f"{row.kind.replace('_', ' ')} {row.feature_id}"
        if isinstance(row.name, str) and row.name:
            what += f" ({row.name})"
        if row.substation_id is None:
            tail = f"the plan has no {supply} kV substation at all"
        else:
            tail = (f"the nearest, {row.substation_id}, is {_fmt_km(row.distance_m)} from its "
                    "edge")
        records.append({
            "rule": "coverage-gap", "severity": "error", "layer": row.layer,
            "feature_id": row.feature_id, "other_layer": row.substation_layer,
            "other_id": row.substation_id, "value": row.distance_m, "unit": "m",
            "threshold": r_km * 1000.0,
            "message": (f"{what}, {row.status}, {row.demand_mw:.1f} MW: no {supply} kV "
                        f"substation within the {r_km:g} km service radius; {tail}. Plan a "
                        f"{supply} kV substation or a feeder for it (see geoplan coverage "
                        "--site N), or change radius_km in [coverage] if the local grid "
                        "reaches farther."),
            "reference": ref_gap, "geometry": row.geometry,
        })
    ref_cap = settings.cite("power_factor", "loading_limit", "background_load_pct")
    served = pd.DataFrame(features.loc[features["covered"], ["substation_layer",
                                                             "substation_id", "feature_id",
                                                             "demand_mw"]])
    served = served.sort_values(["demand_mw", "feature_id"], ascending=[False, True])
    by_sub = {key: list(group) for key, group in
              served.groupby(["substation_layer", "substation_id"], sort=False)["feature_id"]}
    for row in substations[substations["overloaded"]].itertuples(index=False):
        mine = by_sub.get((row.layer, row.substation_id), [])
        listed = ", ".join(map(str, mine[:5]))
        more = f" and {len(mine) - 5} more" if len(mine) > 5 else ""
        over = -float(row.headroom_mw)
        records.append({
            "rule": "substation-overload", "severity": "error", "layer": row.layer,
            "feature_id": row.substation_id, "value": over, "unit": "MW",
            "threshold": float(row.firm_capacity_mw - row.background_mw),
            "message": (f"substation {row.substation_id}"
                        + (f" ({row.name})" if isinstance(row.name, str) and row.name else "")
                        + f", {row.capacity_mva:g} MVA: the plan assigns it {row.load_mw:.1f} MW"
                        f" ({len(mine)} features: {listed}{more}) against a firm capacity of "
                        f"{row.firm_capacity_mw:.1f} MW ({row.capacity_mva:g} MVA × "
                        f"{settings.power_factor:g} × {settings.loading_limit:g})"
                        + (f" less {row.background_mw:.1f} MW background load"
                           if row.background_mw > 0 else "")
                        + f": overloaded by {over:.1f} MW. Upgrade its transformers, move load "
                        "to a neighbour (try --capacitated) or plan a new substation."),
            "reference": ref_cap, "geometry": row.geometry,
        })
    ref_weak = settings.cite("weak_headroom_pct", "loading_limit")
    firm_of = dict(zip(zip(substations["layer"], substations["substation_id"], strict=False),
                       substations["firm_capacity_mw"], strict=False))
    for row in features[features["weak"]].itertuples(index=False):
        firm = firm_of.get((row.substation_layer, row.substation_id), np.nan)
        records.append({
            "rule": "coverage-weak", "severity": "warning", "layer": row.layer,
            "feature_id": row.feature_id, "other_layer": row.substation_layer,
            "other_id": row.substation_id, "value": row.headroom_mw, "unit": "MW",
            "threshold": firm * settings.weak_headroom_pct / 100.0,
            "message": (f"{row.kind.replace('_', ' ')} {row.feature_id} ({row.demand_mw:.1f} "
                        f"MW) is within reach of {supply} kV substation {row.substation_id}, "
                        f"but every {supply} kV substation within {r_km:g} km has less than "
                        f"{settings.weak_headroom_pct:g} % of its firm capacity left "
                        f"({row.substation_id}: {row.headroom_mw:.1f} MW after the plan's "
                        "demand). Reserve capacity for it in the grid plan."),
            "reference": ref_weak, "geometry": row.geometry,
        })
    return make_findings(records, crs=crs)


def _summary(features: gpd.GeoDataFrame, substations: gpd.GeoDataFrame,
             service_areas: gpd.GeoDataFrame, gaps: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
             settings: CoverageSettings, population: Mapping[str, Any], site: int,
             site_info: Mapping[str, Any], assignment: str, region_how: str) -> dict[str, Any]:
    def share(a: float, b: float) -> float | None:
        return float(a / b) if b > 0 else None

    clusters = features[features["kind"] == "industrial_cluster"]
    area = clusters.geometry.area.to_numpy() / 10_000.0
    cov = clusters["covered"].to_numpy(dtype=bool)
    demand = features["demand_mw"].fillna(0.0)
    out: dict[str, Any] = {
        "supply_level_kv": settings.supply_level_kv,
        "radius_km": {str(k): v for k, v in settings.radius_km.items()},
        "features": len(features),
        "features_covered": int(features["covered"].sum()),
        "share_features_covered": share(float(features["covered"].sum()), len(features)),
        "clusters": len(clusters),
        "clusters_covered": int(cov.sum()),
        "share_clusters_covered": share(float(cov.sum()), len(clusters)),
        "cluster_area_ha": float(area.sum()),
        "share_cluster_area_covered": share(float(area[cov].sum()), float(area.sum())),
        "demand_mw": float(demand.sum()),
        "demand_served_mw": float(demand[features["covered"]].sum()),
        "demand_unserved_mw": float(demand[~features["covered"]].sum()),
        "supply_substations": len(substations),
        "substations_overloaded": int(substations["overloaded"].sum()),
        "overload_mw": float((-substations["headroom_mw"]).clip(lower=0).fillna(0).sum()),
        "substations_capacity_unknown": int(substations["firm_capacity_mw"].isna().sum()),
        "features_weak": int(features["weak"].sum()),
        "assignment": assignment,
        "province": region_how,
        "population_raster": population.get("raster"),
    }
    if population.get("raster"):
        total = float(population["total"])
        out["population_total"] = total
        for row in service_areas.itertuples(index=False):
            out[f"population_within_{row.voltage_kv}kv"] = float(row.population)
            out[f"share_population_within_{row.voltage_kv}kv"] = share(float(row.population),
                                                                      total)
        out["population_in_gaps"] = float(gaps["population"].sum()) if len(gaps) else 0.0
    if site:
        picked = float(sites["demand_mw"].sum()) if len(sites) else 0.0
        out["sites_requested"] = int(site)
        out["sites_proposed"] = len(sites)
        out["site_candidates"] = int(site_info.get("candidates", 0))
        out["siting_status"] = site_info.get("status")
        out["demand_picked_up_mw"] = picked
        out["demand_unserved_after_sites_mw"] = out["demand_unserved_mw"] - picked
    return out
