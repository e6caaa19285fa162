"""The version of geoplan, in one place (read by the package, the CLI, exports and reports)."""

__version__ = "0.2.0"
