"""The load stage: a plan file and its layers become a validated :class:`~geoplan.plan.Plan`.

* :mod:`geoplan.load.layer` -- one layer: :func:`validate_layer` resolves its source CRS, maps
  it to the kind's canonical fields, checks values, geometries, text and extent, and collects
  every problem (grouped per field and code, with the first ids);
* :mod:`geoplan.load.loader` -- the plan: the settings sections (checked by the checkers the
  stages registered with :func:`geoplan.plan.register_settings`), the province outline for the
  extent checks, the analysis CRS, the rasters; :func:`load_plan` and :func:`validate_plan`.
"""

from __future__ import annotations

from geoplan.load.layer import resolve_source_crs, validate_layer
from geoplan.load.loader import load_plan, validate_plan

__all__ = ["load_plan", "resolve_source_crs", "validate_layer", "validate_plan"]
