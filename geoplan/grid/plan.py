"""The grid of a loaded plan: its province and neighbours, the build, the audit, the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.errors import CRSError, PlanError
from geoplan.grid.audit import _audit
from geoplan.grid.build import Grid, build_grid
from geoplan.grid.crossings import interconnections
from geoplan.grid.output import components_table
from geoplan.grid.settings import GridSettings, grid_settings
from geoplan.names import place_key
from geoplan.results import findings_summary, plain_table

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

__all__ = ["GridResult", "analyse_plan", "province_and_neighbours", "province_polygon"]


@dataclass(frozen=True)
class GridResult:
    """What :func:`geoplan.pipeline.run_grid` returns."""

    grid: Grid
    findings: gpd.GeoDataFrame
    components: pd.DataFrame
    interconnections: gpd.GeoDataFrame
    scenarios: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """``stage``, ``findings`` (counts), then the headline figures: nodes, edges,
        components, dangling and external ends, inferred substation voltages."""
        comps = self.components
        with_lines = comps[comps["lines"] > 0]
        return {
            "stage": "grid",
            "findings": findings_summary(self.findings),
            "nodes": len(self.grid.nodes),
            "edges": int((self.grid.edges["kind"] == "line").sum()),
            "components": len(comps),
            "components_with_lines": len(with_lines),
            "isolated_substations": int(((comps["lines"] == 0)
                                         & (comps["substations"] > 0)).sum()),
            "dangling_ends": int(self.grid.ends.drop_duplicates(
                ["layer", "feature_id", "part", "end"])["reaches"].eq("dangling").sum()),
            "external_ends": int(self.grid.ends.drop_duplicates(
                ["layer", "feature_id", "part", "end"])["reaches"].eq("external").sum()),
            "inferred_substations": int(self.grid.stations["voltage_inferred"].sum()),
            "interconnections": len(self.interconnections),
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """``nodes``, ``edges`` (lines and transformers), ``stations`` (with their levels,
        ``voltage_inferred``), ``interconnections`` and ``findings``."""
        return {"nodes": self.grid.nodes.reset_index(drop=True),
                "edges": self.grid.edges.reset_index(drop=True),
                "stations": self.grid.stations, "interconnections": self.interconnections,
                "findings": self.findings}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``components``, ``scenarios``, ``interconnections``, ``substations`` (the
        substations and plants with their levels, inferred or declared), ``nodes`` and
        ``edges`` of the graph."""
        st = self.grid.stations
        substations = plain_table(st.assign(id=st["feature_id"]))[
            ["layer", "id", "name", "kind", "voltage_levels", "voltage_inferred", "status",
             "period"]]
        return {"components": self.components, "scenarios": self.scenarios,
                "interconnections": plain_table(self.interconnections),
                "substations": substations.reset_index(drop=True),
                "nodes": plain_table(self.grid.nodes).reset_index(drop=True),
                "edges": plain_table(self.grid.edges).reset_index(drop=True)}


def province_polygon(plan: Plan) -> tuple[Any, str]:
    """The plan's province polygon (analysis CRS) and where it came from.

    The boundary layers' province rows named like ``[plan] province`` (all of them when the plan
    names none, or only one row is there: :attr:`geoplan.plan.Plan.boundary`), else the union
    of the communes; ``(None, "none")`` when the plan has neither.
    """
    for frame, how in ((plan.boundary, "province boundary"),
                       (plan.communes, "union of the communes")):
        if frame is not None and len(frame):
            geom = shapely.union_all(np.asarray(frame.geometry.values, dtype=object))
            if not geom.is_empty:
                return geom, how
    return None, "none"


def province_and_neighbours(plan: Plan, settings: GridSettings
                            ) -> tuple[Any, gpd.GeoDataFrame | None]:
    """The plan's province polygon (:func:`province_polygon`) and the polygons of its
    neighbours (``name`` column): the other province rows, plus the ``[grid] neighbours`` layer
    (rows that are the province itself are left out).
    """
    from geoplan.crs import to_crs
    from geoplan.io import read_vector

    own_key = place_key(plan.province) if plan.province else None
    province, _how = province_polygon(plan)
    parts: list[gpd.GeoDataFrame] = []
    others = plan.neighbours
    if others is not None and len(others):
        parts.append(gpd.GeoDataFrame({"name": others["name"].astype(object)},
                                      geometry=others.geometry, crs=plan.crs))
    if settings.neighbours is not None:
        raw = read_vector(settings.neighbours)
        if settings.neighbours_field not in raw:
            raise PlanError(f"{settings.neighbours}: no column {settings.neighbours_field!r} "
                            f"for the province names (columns: {', '.join(map(str, raw.columns))}"
                            "); set [grid] neighbours_field")
        if raw.crs is None:
            raise CRSError(f"{settings.neighbours}: the neighbours layer has no CRS; save it "
                           "with one (GeoJSON is WGS 84)")
        other = to_crs(raw[[settings.neighbours_field, raw.geometry.name]], plan.crs,
                       name=str(settings.neighbours))
        other = gpd.GeoDataFrame({"name": other[settings.neighbours_field].astype(object)},
                                 geometry=other.geometry.values, crs=plan.crs)
        keep = np.ones(len(other), dtype=bool)
        if own_key is not None:
            keep &= other["name"].map(place_key).to_numpy() != own_key
        if province is not None and len(other):
            area = shapely.area(np.asarray(other.geometry.values, dtype=object))
            inside = shapely.area(shapely.intersection(
                np.asarray(other.geometry.values, dtype=object), province))
            keep &= ~(inside > 0.5 * np.maximum(area, 1e-9))
        parts.append(other[keep])
    neighbours = None
    if parts:
        neighbours = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                      crs=plan.crs)
    return province, neighbours


def analyse_plan(plan: Plan, *, settings: GridSettings | None = None) -> GridResult:
    """Build and audit the grid of a loaded plan (what ``geoplan grid`` runs)."""
    settings = settings or grid_settings(plan.settings.get("grid"), base=plan.path.parent)
    province, neighbours = province_and_neighbours(plan, settings)
    lines = plan.frame("grid_line")
    grid = build_grid(lines, plan.frame("substation"), plan.frame("power_plant"),
                      province=province, settings=settings)
    table = interconnections(lines, province, neighbours)
    findings, states = _audit(grid, table)
    scen = pd.DataFrame([{
        "scenario": sc.key, "label": sc.label, "unfed": len(s.unfed), "islands": len(s.islands),
        "single_supply": len(s.single),
    } for sc, s in ((s.scenario, s) for s in states)])
    return GridResult(grid=grid, findings=findings, components=components_table(grid),
                      interconnections=table, scenarios=scen)
