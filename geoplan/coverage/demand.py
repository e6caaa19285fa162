"""Peak demand of the features that draw power: declared, or area × density × utilisation,
or floor area × W/m² (the figures of ``geoplan/data/coverage.toml``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.coverage.settings import CoverageSettings
from geoplan.kinds import fold

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

__all__ = ["DEMAND_KINDS", "demand_features", "estimate_demand"]

#: Kinds whose features draw power (trade facilities only of the types in ``trade_types``).
DEMAND_KINDS: tuple[str, ...] = ("industrial_cluster", "industrial_park", "trade_facility")


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
