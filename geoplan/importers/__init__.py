"""Bringing a Department's real files in: OpenStreetMap, legacy encodings, MapInfo, CAD, mergers.

* :mod:`geoplan.importers.osm` -- ``import-osm``: a province's power grid from an Open
  Infrastructure Map / OpenStreetMap export, written as a plan folder;
* :mod:`geoplan.importers.dxf` -- ``import-dxf``: AutoCAD DXF drawings to a plan, one layer per
  kind;
* :mod:`geoplan.importers.merge` -- ``merge-plans``: the 2025 merger of old provinces' plans
  drawn in different TM-3 zones.

The importers sit after :mod:`geoplan.load` (they read through :mod:`geoplan.io`, reproject
through :mod:`geoplan.crs` and check what they write with :func:`geoplan.validate_plan`); they
are imported on demand, never by ``import geoplan``. Reading legacy files is the readers' job:
:mod:`geoplan.io.encodings` (TCVN3/ABC, VNI and Windows-1258 text to Unicode) and
:mod:`geoplan.io.mapinfo` (MapInfo ``CoordSys`` to a VN-2000 EPSG code).
"""

from __future__ import annotations

__all__: list[str] = []
