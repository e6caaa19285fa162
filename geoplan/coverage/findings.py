"""The coverage findings (``coverage-gap``, ``substation-overload``, ``coverage-weak``) and the
summary figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.coverage.settings import CoverageSettings
from geoplan.findings import make_findings
from geoplan.messages import Text, label, message


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _row_text(msg: Text, ref: Text) -> dict[str, str]:
    return {"message": msg.vi, "message_vi": msg.vi, "message_en": msg.en,
            "reference": ref.vi, "reference_vi": ref.vi, "reference_en": ref.en}


def _findings(features: gpd.GeoDataFrame, substations: gpd.GeoDataFrame,
              subs: gpd.GeoDataFrame, settings: CoverageSettings, crs: Any) -> gpd.GeoDataFrame:
    """The coverage findings, Vietnamese in ``message``/``reference`` with both languages in
    ``message_vi``/``message_en`` (templates in ``geoplan/data/messages.toml``)."""
    supply = settings.supply_level_kv
    r_km = settings.radius_km[supply]
    records: list[dict[str, Any]] = []
    ref_gap = settings.cite_text("radius_km")
    for row in features[~features["covered"]].itertuples(index=False):
        what = label(row.kind, row.feature_id, _name(row.name), row.status)
        if row.substation_id is None:
            tail = message("coverage.gap_none", kv=supply, capital=False)
        else:
            tail = message("coverage.gap_nearest", sub=str(row.substation_id),
                           km=float(row.distance_m) / 1000.0, capital=False)
        msg = message("coverage.gap", what=what, demand=float(row.demand_mw), kv=supply,
                      radius=r_km, tail=tail)
        records.append({
            "rule": "coverage-gap", "severity": "error", "layer": row.layer,
            "feature_id": row.feature_id, "other_layer": row.substation_layer,
            "other_id": row.substation_id, "value": row.distance_m, "unit": "m",
            "threshold": r_km * 1000.0, **_row_text(msg, ref_gap), "geometry": row.geometry,
        })
    ref_cap = settings.cite_text("power_factor", "loading_limit", "background_load_pct")
    served = pd.DataFrame(features.loc[features["covered"], ["substation_layer",
                                                             "substation_id", "feature_id",
                                                             "demand_mw"]])
    served = served.sort_values(["demand_mw", "feature_id"], ascending=[False, True])
    by_sub = {key: list(group) for key, group in
              served.groupby(["substation_layer", "substation_id"], sort=False)["feature_id"]}
    for row in substations[substations["overloaded"]].itertuples(index=False):
        mine = by_sub.get((row.layer, row.substation_id), [])
        over = -float(row.headroom_mw)
        more = (message("coverage.overload_more", n=len(mine) - 5, capital=False)
                if len(mine) > 5 else Text.same(""))
        background = (message("coverage.overload_background", mw=float(row.background_mw),
                              capital=False)
                      if row.background_mw > 0 else Text.same(""))
        msg = message("coverage.overload",
                      what=label("substation", row.substation_id, _name(row.name)),
                      mva=float(row.capacity_mva), load=float(row.load_mw), n=len(mine),
                      listed=", ".join(map(str, mine[:5])), more=more,
                      firm=float(row.firm_capacity_mw), pf=settings.power_factor,
                      limit=settings.loading_limit, background=background, over=over)
        records.append({
            "rule": "substation-overload", "severity": "error", "layer": row.layer,
            "feature_id": row.substation_id, "value": over, "unit": "MW",
            "threshold": float(row.firm_capacity_mw - row.background_mw),
            **_row_text(msg, ref_cap), "geometry": row.geometry,
        })
    ref_weak = settings.cite_text("weak_headroom_pct", "loading_limit")
    firm_of = dict(zip(zip(substations["layer"], substations["substation_id"], strict=False),
                       substations["firm_capacity_mw"], strict=False))
    for row in features[features["weak"]].itertuples(index=False):
        firm = firm_of.get((row.substation_layer, row.substation_id), np.nan)
        msg = message("coverage.weak", what=label(row.kind, row.feature_id, _name(row.name)),
                      demand=float(row.demand_mw), kv=supply, sub=str(row.substation_id),
                      radius=r_km, pct=settings.weak_headroom_pct,
                      headroom=float(row.headroom_mw))
        records.append({
            "rule": "coverage-weak", "severity": "warning", "layer": row.layer,
            "feature_id": row.feature_id, "other_layer": row.substation_layer,
            "other_id": row.substation_id, "value": row.headroom_mw, "unit": "MW",
            "threshold": firm * settings.weak_headroom_pct / 100.0,
            **_row_text(msg, ref_weak), "geometry": row.geometry,
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
        if population.get("warning"):
            out["population_warning"] = population["warning"]
        unit = population.get("unit")
        if unit is not None:
            out["population_unit"] = unit.unit
            out["population_unit_basis"] = unit.basis
            out["population_unit_assumed"] = unit.assumed
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
