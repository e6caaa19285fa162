"""geoplan: planning layers for industry, trade and power of a Vietnamese province.

Load a plan, check it, map it, export it::

    import geoplan
    plan = geoplan.load_plan("layers/sample")
    findings = geoplan.run_checks(plan)
    geoplan.write_map(plan, "maps/plan.html", offline=True)

Heavy optional parts (folium, matplotlib, click, networkx, scipy, openpyxl, jinja2, rasterio)
are imported only by the functions that need them.
"""

from __future__ import annotations

import logging

from geoplan._version import __version__
from geoplan.errors import (
    CRSError,
    GeoplanError,
    LayerReadError,
    MissingDependencyError,
    OutputExistsError,
    PlanError,
    PlanValidationError,
)
from geoplan.findings import FINDING_COLUMNS
from geoplan.kinds import KINDS
from geoplan.pipeline import (
    build_map,
    diff_plans,
    export_plan,
    load_plan,
    report_plan,
    run_checks,
    run_coverage,
    run_demo,
    run_grid,
    run_pdp8,
    validate_plan,
    write_map,
)
from geoplan.plan import Layer, Plan, RasterLayer

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "FINDING_COLUMNS",
    "KINDS",
    "CRSError",
    "GeoplanError",
    "Layer",
    "LayerReadError",
    "MissingDependencyError",
    "OutputExistsError",
    "Plan",
    "PlanError",
    "PlanValidationError",
    "RasterLayer",
    "__version__",
    "build_map",
    "diff_plans",
    "export_plan",
    "load_plan",
    "report_plan",
    "run_checks",
    "run_coverage",
    "run_demo",
    "run_grid",
    "run_pdp8",
    "validate_plan",
    "write_map",
]
