"""The coverage of a plan: :func:`compute_coverage` and its :class:`CoverageResult`."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import progress
from geoplan.coverage.areas import _population, _service_areas
from geoplan.coverage.assignment import SupplyStage, _assign_capacitated, feature_supply
from geoplan.coverage.demand import demand_features
from geoplan.coverage.findings import _findings, _summary
from geoplan.coverage.settings import CoverageSettings, coverage_settings
from geoplan.coverage.siting import _empty_sites, _propose_sites
from geoplan.errors import PlanError
from geoplan.grid import province_polygon, voltage_levels
from geoplan.messages import log_text
from geoplan.results import findings_summary, plain_table

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = ["FEATURE_COLUMNS", "LAYER_IDS", "SUBSTATION_COLUMNS", "CoverageResult",
           "compute_coverage", "coverage_substations"]

#: The per-feature table's leading columns; per-level columns follow.
FEATURE_COLUMNS: tuple[str, ...] = (
    "layer", "feature_id", "substation_id", "substation_voltage_kv", "distance_m", "covered",
    "demand_mw",
)
#: The per-substation table's leading columns.
SUBSTATION_COLUMNS: tuple[str, ...] = (
    "substation_id", "voltage_kv", "firm_capacity_mw", "load_mw", "headroom_mw",
)


#: The column(s) of each output layer that make a feature's id in GeoJSON
#: (``<layer>/<value>``; :func:`geoplan.io.write_geojson_layers`).
LAYER_IDS: Mapping[str, tuple[str, ...]] = {
    "features": ("layer", "feature_id"), "substations": ("layer", "substation_id"),
    "service_areas": ("voltage_kv",), "gaps": ("gap_id",), "sites": ("site_id",),
    "findings": ("rule", "layer", "feature_id", "other_id"),
}


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
    """The province polygon (analysis CRS) and how it was found: the grid's
    :func:`~geoplan.grid.province_polygon`, else the bounding box of all the layers."""
    geom, how = province_polygon(plan)
    if geom is not None:
        return geom, how
    boxes = [layer.frame.total_bounds for layer in plan.layers.values()
             if len(layer.frame) and layer.frame.geometry.notna().any()]
    if not boxes:
        return None, "none"
    b = np.array(boxes)
    log.info("the plan has no boundary layer: the province is taken as the bounding box of "
             "all its layers")
    return shapely.box(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), \
        "bounding box of the layers (no boundary layer)"


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
    missing = np.array([not lv for lv in voltage_levels(frame)], dtype=bool)
    use = missing & pd.notna(found)
    if use.any():
        frame["voltage_levels"] = frame["voltage_levels"].astype(object)
        frame.loc[use, "voltage_levels"] = found[use]
        top = [lv[0] for lv in voltage_levels(pd.DataFrame({"voltage_levels": found[use]}))]
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
    frame["_levels"] = voltage_levels(frame) if len(frame) else []
    unknown = frame[[not lv for lv in frame["_levels"]]]
    if len(unknown):
        log.warning("%s", log_text("log.coverage_no_voltage", n=len(unknown),
                                   ids=", ".join(unknown["id"].head(10))))
    frame = frame.sort_values(["id", "layer"], kind="stable").reset_index(drop=True)
    return frame


def coverage_substations(plan: Plan, settings: CoverageSettings,
                         stations: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The substations the coverage uses (status, voltage levels, sorted by id and layer)."""
    return _substations(plan, settings, stations)


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
        Computes the per-feature stage (:class:`~geoplan.coverage.assignment.FeatureSupply`)
        from the plan, the settings and the coverage substations, instead of
        :func:`~geoplan.coverage.assignment.feature_supply` over
        :func:`~geoplan.coverage.demand.demand_features` in this process; the distributed
        engine (:mod:`geoplan.engine`) passes its own, which runs the same functions on spatial
        partitions and merges them with :func:`~geoplan.coverage.assignment.merge_supply`.

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
        with progress.stage("siting", total=site):
            sites, site_info = _propose_sites(plan, settings, features, region, site)

    findings = _findings(features, substations, subs, settings, crs)
    summary = _summary(features, substations, service_areas, gaps, sites, settings, population,
                       site, site_info, assignment_status, region_how)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    log.info("coverage: %d features, %d supply substations, %d findings in %.2f s",
             len(features), len(substations), len(findings), summary["seconds"])
    return CoverageResult(features, substations, service_areas, gaps, sites, findings, summary,
                          settings)


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
