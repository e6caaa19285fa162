"""Exceptions raised by geoplan.

One root, :class:`GeoplanError`; each specific error also inherits the built-in it refines, so
callers can catch ``ValueError`` or ``OSError`` as they would for any library (the habit of
``rasterio.errors``). Messages say what is wrong, with which value, and the fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.validate import ValidationReport

__all__ = [
    "CRSError",
    "GeoplanError",
    "LayerReadError",
    "MissingDependencyError",
    "OutputExistsError",
    "PlanError",
    "PlanValidationError",
]


class GeoplanError(Exception):
    """Root of every error geoplan raises on purpose."""


class PlanError(GeoplanError, ValueError):
    """The plan file (``plan.toml``) or one of its settings is wrong."""


class LayerReadError(GeoplanError, OSError):
    """A layer's source file cannot be read (missing, wrong format, wrong layer name...)."""


class CRSError(GeoplanError, ValueError):
    """A coordinate reference system is missing, unknown, or unsuitable for the job."""


class OutputExistsError(GeoplanError, FileExistsError):
    """An output exists and ``overwrite`` was not given."""


class MissingDependencyError(GeoplanError, ImportError):
    """An optional dependency is needed for this feature; the message has the install line."""


class PlanValidationError(GeoplanError, ValueError):
    """Validation found errors; ``.report`` lists every problem of the plan."""

    def __init__(self, report: ValidationReport, *args: Any) -> None:
        self.report = report
        super().__init__(report.summary(), *args)
