"""The Department's report on a plan: industry, trade and power figures, as HTML or Excel.

The Ministry asks every province for a six-monthly and yearly report on industry and trade
development; this module computes the figures such a report needs from a loaded plan, with the
findings of the checks and the coverage analysis when given:

* **industrial clusters** and **industrial parks**: number, total and average area, area with an
  approved detailed plan, occupancy, by commune and by status, the list, and those that break a
  rule;
* **trade infrastructure**: counts by type and class, and by commune;
* **power grid**: km of line by voltage and status (inside the province when the plan has a
  province boundary), substations and MVA by voltage and status, coverage of clusters and parks,
  unserved demand, overloaded substations, proposed sites;
* **findings**: every finding, grouped by rule, with its legal reference.

Conventions, stated in the report itself:

* areas and lengths are measured on the geometries in the plan's analysis CRS (metres), never
  taken from the declared ``area_ha``, which is shown beside the measured area;
* occupancy of a group = leased ÷ industrial land (``leased_land_ha`` / ``industrial_land_ha``,
  Decree 32/2024/ND-CP art. 2 [S]) over the features that have both, when any does; else
  occupied area / area of the features whose occupancy is known, where a feature's occupied area
  = measured area × ``occupancy_pct`` / 100 (:func:`geoplan.indicators.group_occupancy`);
* a feature's commune is its ``commune`` field when filled, else the commune polygon of the plan
  that holds the largest part of it (area for polygons, length for lines, the point itself);
  features in no commune are counted under "(unknown commune)".

:func:`build_report` returns a :class:`Report` (sections of headline figures, tables and small
maps); :func:`write_html` writes one self-contained HTML file that prints well (jinja2, maps
embedded as PNG), :func:`write_xlsx` an Excel workbook with one sheet per table (openpyxl:
typed cells, frozen header row, a totals row). Labels are Vietnamese or English (``lang``).

The package: :mod:`~geoplan.report.model` (tables, figures, sections, the labels in both
languages, the ``[report]`` settings), :mod:`~geoplan.report.sections` (the figures computed from
a plan, :func:`build_report`), :mod:`~geoplan.report.html` and :mod:`~geoplan.report.xlsx` (the
writers). Every file is checked with :func:`geoplan.io.check_output`, then written through
:func:`geoplan.io.atomic_path`.
"""

from __future__ import annotations

from pathlib import Path

from geoplan.errors import PlanError
from geoplan.report.html import write_html
from geoplan.report.model import (
    LANGS,
    SETTINGS_KEYS,
    Column,
    Figure,
    Report,
    Section,
    Table,
    format_number,
    validate_settings,
)
from geoplan.report.sections import build_report, commune_of
from geoplan.report.xlsx import write_xlsx

__all__ = [
    "LANGS",
    "SETTINGS_KEYS",
    "Column",
    "Figure",
    "Report",
    "Section",
    "Table",
    "build_report",
    "commune_of",
    "format_number",
    "validate_settings",
    "write_html",
    "write_report",
    "write_xlsx",
]


def write_report(report: Report, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``report`` as HTML or Excel, by the file's suffix (``.html`` / ``.xlsx``)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return write_html(report, path, overwrite=overwrite)
    if suffix == ".xlsx":
        return write_xlsx(report, path, overwrite=overwrite)
    raise PlanError(f"{path}: a report is written as .html or .xlsx; name the file report.html "
                    "or report.xlsx")
