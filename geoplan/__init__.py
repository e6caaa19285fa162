"""geoplan: planning layers for industry, trade and power of a Vietnamese province.

Load a plan, analyse it once, deliver the analysis::

    import geoplan
    analysis = geoplan.analyse("layers/sample")     # grid, checks and coverage, computed once
    analysis.findings                                # every finding once
    geoplan.write_map(analysis, "maps/plan.html", offline=True)
    geoplan.export_plan(analysis, "maps/plan-export", findings=True, coverage=True)

``import geoplan`` is light: the errors, the plan file and the version are imported at once;
every other public name and every stage (``geoplan.pipeline``, ``geoplan.grid`` ...) is
imported the first time it is used (PEP 562 module ``__getattr__``, as geopandas and pyogrio
do), so ``geoplan --version`` or ``geoplan check --help`` does not pay for geopandas, pyproj or
the coverage. Heavy optional parts (folium, matplotlib, click, networkx, scipy, openpyxl,
jinja2, rasterio) are imported only by the functions that need them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

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
from geoplan.plan import Layer, Plan, RasterLayer, register_settings

if TYPE_CHECKING:  # what the lazy names below are, for type checkers and readers
    from geoplan.analysis import Analysis, analyse
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
    from geoplan.results import CheckResult, Result

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: The public names imported on first use, by the stage that defines them.
_LAZY_NAMES = {
    "Analysis": "analysis", "analyse": "analysis",
    "FINDING_COLUMNS": "findings",
    "KINDS": "kinds",
    "load_plan": "load", "validate_plan": "load",
    "build_map": "pipeline", "diff_plans": "pipeline", "export_plan": "pipeline",
    "report_plan": "pipeline", "run_checks": "pipeline", "run_coverage": "pipeline",
    "run_demo": "pipeline", "run_grid": "pipeline", "run_pdp8": "pipeline",
    "write_map": "pipeline",
    "CheckResult": "results", "Result": "results",
}


def _stage(name: str) -> ModuleType | None:
    """The library module ``geoplan.<name>``, imported now; None when there is none.

    Each import is spelled out (no ``importlib``): the import layers are read from the source
    (``tests/test_imports.py``). The command line and the workbench (``geoplan.cli``,
    ``geoplan.web``) are not library stages and are imported by name.
    """
    if name == "analysis":
        import geoplan.analysis
    elif name == "attributes":
        import geoplan.attributes
    elif name == "attribution":
        import geoplan.attribution
    elif name == "checks":
        import geoplan.checks
    elif name == "coverage":
        import geoplan.coverage
    elif name == "crs":
        import geoplan.crs
    elif name == "db":
        import geoplan.db
    elif name == "diff":
        import geoplan.diff
    elif name == "engine":
        import geoplan.engine
    elif name == "export":
        import geoplan.export
    elif name == "findings":
        import geoplan.findings
    elif name == "grid":
        import geoplan.grid
    elif name == "importers":
        import geoplan.importers
    elif name == "indicators":
        import geoplan.indicators
    elif name == "io":
        import geoplan.io
    elif name == "kinds":
        import geoplan.kinds
    elif name == "load":
        import geoplan.load
    elif name == "maps":
        import geoplan.maps
    elif name == "markup":
        import geoplan.markup
    elif name == "messages":
        import geoplan.messages
    elif name == "names":
        import geoplan.names
    elif name == "parameters":
        import geoplan.parameters
    elif name == "pdp8":
        import geoplan.pdp8
    elif name == "pipeline":
        import geoplan.pipeline
    elif name == "problems":
        import geoplan.problems
    elif name == "progress":
        import geoplan.progress
    elif name == "report":
        import geoplan.report
    elif name == "results":
        import geoplan.results
    elif name == "rules":
        import geoplan.rules
    else:
        return None
    module: ModuleType = getattr(geoplan, name)  # bound by the import above
    return module


def __getattr__(name: str) -> Any:
    """A public name or a stage, imported the first time it is asked for (PEP 562)."""
    owner = _LAZY_NAMES.get(name)
    module = _stage(owner if owner is not None else name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name) if owner is not None else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# ------------------------------------------------------------- the settings of a plan file


def _check_rules(mapping: Mapping[str, Any]) -> None:
    from geoplan.rules import validate_settings

    validate_settings(mapping)


def _check_coverage(mapping: Mapping[str, Any]) -> None:
    from geoplan.coverage import validate_settings

    validate_settings(mapping)


def _check_grid(mapping: Mapping[str, Any]) -> None:
    from geoplan.grid import validate_settings

    validate_settings(mapping)


def _check_map(mapping: Mapping[str, Any]) -> None:
    from geoplan.maps.settings import validate_settings

    validate_settings(mapping)


def _check_export(mapping: Mapping[str, Any]) -> None:
    from geoplan.export import validate_settings

    validate_settings(mapping)


def _check_report(mapping: Mapping[str, Any]) -> None:
    from geoplan.report import validate_settings

    validate_settings(mapping)


def _register_settings_checks() -> None:
    """Each settings section of a plan file is checked at load by the stage that reads it.

    The package is the one place that knows every stage, so it registers their checkers with
    the plan file's registry; the load stage calls them without importing any later stage.
    Each checker imports its stage when a plan file has that section, not at ``import
    geoplan``.
    """
    owners = {"rules": _check_rules, "coverage": _check_coverage, "grid": _check_grid,
              "map": _check_map, "export": _check_export, "report": _check_report}
    for section, check in owners.items():
        register_settings(section, check)


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
