"""The power grid as a network: graph build, topology audit and interconnections.

Lines drawn on a map are not yet a grid. :func:`build_grid` turns the ``grid_line``,
``substation`` and ``power_plant`` frames of a plan (all in the plan's metric analysis CRS) into
a :mod:`networkx` multigraph:

* a **line end** within ``tolerance_m`` of a substation (or plant) is snapped to it; among the
  stations in reach, one that carries the line's voltage is preferred, then the nearest;
* a line **passing through** a substation that carries its voltage (within
  ``through_tolerance_m`` of the line) is split there, so the station sits on the path;
* a line end within ``join_tolerance_m`` of another line of the same voltage (its end or its
  interior: a tap) joins it; the tapped line is split at that point;
* a **substation** has one node per voltage level; the levels of a multi-voltage station
  (500/220, 220/110 kV) are joined by transformer edges;
* a substation **without a voltage** (as in OpenStreetMap data) gets the levels of the lines that
  end at it (``voltage_inferred``);
* a line carrying several voltages (``"500;220"``, shared towers) becomes one edge per level;
* **plants** are sources; line ends outside the province boundary lead into the neighbouring
  grid and count as supply unless ``external_supply = false``.

:func:`audit_grid` returns findings in the common schema (:mod:`geoplan.findings`):

``grid-dangling`` (error)
    a line end that reaches no substation, no plant and no other line, inside the province;
``grid-unfed`` (error)
    a substation below the source voltage (110 kV) without a path to a 220/500 kV substation,
    a plant or the neighbouring grid -- as existing today, and as planned by the end of each
    period of the plan;
``grid-voltage-mismatch`` (error)
    a line that ends at a substation without that voltage level (or on a line of another
    voltage);
``grid-island`` (warning)
    a connected part with lines and load but no source;
``grid-single-supply`` (info)
    a 110 kV substation that depends on one line (N-1 not met); a line of two circuits counts
    as two;
``grid-interconnection`` (info)
    a line crossing the province boundary, with the neighbouring province's name.

Settings come from the plan's ``[grid]`` table (see :data:`SETTINGS`) over the documented
defaults of ``geoplan/data/grid.toml``; every distance is in metres in the analysis CRS.

The package's modules follow the stages: :mod:`~geoplan.grid.settings`,
:mod:`~geoplan.grid.build` (line parts, stations, snapping, splitting, the graph),
:mod:`~geoplan.grid.scenario` (existing, by the end of each period, the whole plan),
:mod:`~geoplan.grid.audit` (the findings of each rule), :mod:`~geoplan.grid.crossings`
(interconnections), :mod:`~geoplan.grid.output` (tables, GeoJSON) and
:mod:`~geoplan.grid.plan` (the grid of a loaded plan, :class:`GridResult`).
"""


from __future__ import annotations

from geoplan.grid._common import voltage_levels
from geoplan.grid.audit import REFERENCE, audit_grid
from geoplan.grid.build import Grid, build_grid, snap_lines, split_lines
from geoplan.grid.crossings import interconnections
from geoplan.grid.output import components_table, grid_geojson, write_grid_geojson
from geoplan.grid.plan import (
    GridResult,
    analyse_plan,
    province_and_neighbours,
    province_polygon,
)
from geoplan.grid.scenario import Scenario, scenarios
from geoplan.grid.settings import (
    SETTINGS,
    GridSettings,
    default_parameters,
    grid_settings,
    validate_settings,
)

__all__ = [
    "REFERENCE",
    "SETTINGS",
    "Grid",
    "GridResult",
    "GridSettings",
    "Scenario",
    "analyse_plan",
    "audit_grid",
    "build_grid",
    "components_table",
    "default_parameters",
    "grid_geojson",
    "grid_settings",
    "interconnections",
    "province_and_neighbours",
    "province_polygon",
    "scenarios",
    "snap_lines",
    "split_lines",
    "validate_settings",
    "voltage_levels",
    "write_grid_geojson",
]
