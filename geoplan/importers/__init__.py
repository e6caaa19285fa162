"""Bringing a Department's real files in: OpenStreetMap, legacy encodings, MapInfo, CAD, mergers.

* :mod:`geoplan.importers.encodings` -- TCVN3 (ABC), VNI and Windows-1258 text detected and
  converted to Unicode (a leaf module: reading and validation use it);
* :mod:`geoplan.importers.osm` -- ``import-osm``: a province's power grid from an Open
  Infrastructure Map / OpenStreetMap export, written as a plan folder;
* :mod:`geoplan.importers.mapinfo` -- MapInfo TAB/MIF: ``CoordSys`` to a VN-2000 EPSG code;
* :mod:`geoplan.importers.dxf` -- ``import-dxf``: AutoCAD DXF drawings to a plan, one layer per
  kind;
* :mod:`geoplan.importers.merge` -- ``merge-plans``: the 2025 merger of old provinces' plans
  drawn in different TM-3 zones.

The importers sit after :mod:`geoplan.load` (they read through :mod:`geoplan.io`, reproject
through :mod:`geoplan.crs` and check what they write with :func:`geoplan.validate_plan`); they
are imported on demand, never by ``import geoplan``.
"""

from __future__ import annotations

__all__: list[str] = []
