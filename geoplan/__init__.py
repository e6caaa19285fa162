"""geoplan: planning layers for industry, trade and power of a Vietnamese province.

Load a plan, analyse it once, deliver the analysis::

    import geoplan
    analysis = geoplan.analyse("layers/sample")     # grid, checks and coverage, computed once
    analysis.findings                                # every finding once
    geoplan.write_map(analysis, "maps/plan.html", offline=True)
    geoplan.export_plan(analysis, "maps/plan-export", findings=True, coverage=True)

Heavy optional parts (folium, matplotlib, click, networkx, scipy, openpyxl, jinja2, rasterio)
are imported only by the functions that need them.
"""

from __future__ import annotations

import logging

from geoplan._version import __version__
from geoplan.analysis import Analysis, analyse
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
from geoplan.load import load_plan, validate_plan
from geoplan.pipeline import (
    build_map,
    diff_plans,
    export_plan,
    report_plan,
    run_checks,
    run_coverage,
    run_demo,
    run_grid,
    run_pdp8,
    write_map,
)
from geoplan.plan import Layer, Plan, RasterLayer, register_settings
from geoplan.results import CheckResult, Result

logging.getLogger(__name__).addHandler(logging.NullHandler())


def _register_settings_checks() -> None:
    """Each settings section of a plan file is checked at load by the stage that reads it.

    The package is the one place that knows every stage, so it registers their checkers with
    the plan file's registry; the load stage calls them without importing any later stage.
    """
    from geoplan import coverage, export, grid, report, rules
    from geoplan.maps import settings as map_settings

    owners = {"rules": rules, "coverage": coverage, "grid": grid, "map": map_settings,
              "export": export, "report": report}
    for section, module in owners.items():
        register_settings(section, module.validate_settings)


_register_settings_checks()

__all__ = [
    "FINDING_COLUMNS",
    "KINDS",
    "Analysis",
    "CRSError",
    "CheckResult",
    "GeoplanError",
    "Layer",
    "LayerReadError",
    "MissingDependencyError",
    "OutputExistsError",
    "Plan",
    "PlanError",
    "PlanValidationError",
    "RasterLayer",
    "Result",
    "__version__",
    "analyse",
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
