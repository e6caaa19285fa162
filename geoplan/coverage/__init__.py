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

The package's modules follow the stages: :mod:`~geoplan.coverage.settings`,
:mod:`~geoplan.coverage.demand`, :mod:`~geoplan.coverage.assignment` (nearest supply, the
capacitated model), :mod:`~geoplan.coverage.areas` (service areas, population),
:mod:`~geoplan.coverage.siting`, :mod:`~geoplan.coverage.findings` (findings and summary
figures) and :mod:`~geoplan.coverage.compute` (:func:`compute_coverage`, its result).
Substation voltage levels are read by :func:`geoplan.grid.voltage_levels`, the grid's reader
(``substation_levels`` here).
"""

from __future__ import annotations

from geoplan.coverage.areas import population_sums
from geoplan.coverage.assignment import (
    FeatureSupply,
    SupplyStage,
    feature_supply,
    merge_supply,
    nearest_substations,
)
from geoplan.coverage.compute import (
    FEATURE_COLUMNS,
    SUBSTATION_COLUMNS,
    CoverageResult,
    compute_coverage,
    coverage_substations,
)
from geoplan.coverage.demand import DEMAND_KINDS, demand_features, estimate_demand
from geoplan.coverage.settings import (
    CoverageSettings,
    coverage_settings,
    default_parameters,
    validate_settings,
)
from geoplan.grid import voltage_levels as substation_levels
from geoplan.parameters import Parameter

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
