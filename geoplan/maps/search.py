"""The search index of the interactive map: which layers the search box looks through.

The map's search box (``assets/controls.js``) finds a feature by its name, its id or the
commune it lies in, with accents, ``đ`` and case ignored: ``hoa tien`` finds "Hòa Tiến",
``ccn-24`` and ``ccn24`` find the id "CCN-24". The names, ids and communes are already in the
layers' own documents (:mod:`geoplan.maps.codec`), so the page carries nothing more: the browser
folds them the first time the box is used (``G.fold`` in ``controls.js``, each distinct text
once), with the rules of :func:`geoplan.names.fold`, the project's one normaliser (a browser
test compares the two on every label of the sample plan and on hostile texts). Matches rank
by how well they match (an id or name exactly; whole words ending the name, then inside it;
begun words; a begun id; a part of the name; every word; the commune), then by layer (clusters
and parks, power works, communes, lines, zones, trade points), then shorter names first.

The document
------------
``v``
    Format version (2).
``layers``
    One entry per searchable map layer, in drawing order: ``{"name": key}`` (the layer's key,
    ``geoplan.layers[name]`` in the page). Features without geometry are not found (there is
    nothing to zoom to), nor features with neither a name nor an id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from geoplan.maps.model import MapLayer

__all__ = ["SEARCH_COLUMNS", "SEARCH_KINDS", "search_index"]

#: Layer kinds whose features the search box finds.
SEARCH_KINDS = frozenset({"boundary", "industrial_cluster", "industrial_park", "trade_facility",
                          "grid_line", "substation", "power_plant", "restricted_zone"})
#: Columns searched, in order of preference of a match.
SEARCH_COLUMNS = ("name", "id", "commune")


def search_index(layers: Sequence[MapLayer]) -> dict[str, Any] | None:
    """The search document of a map's layers (see the module docstring), or ``None`` when
    no layer has anything to find.

    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"id": ["CCN-24"], "name": ["Cụm Hòa Tiến"]},
    ...                          geometry=[shapely.Point(0, 0)])
    >>> search_index([MapLayer("clusters", "clusters", "industrial_cluster", frame)])
    {'v': 2, 'layers': [{'name': 'clusters'}]}
    """
    out = []
    for layer in layers:
        frame = layer.frame
        if layer.kind not in SEARCH_KINDS or not len(frame):
            continue
        found = np.zeros(len(frame), dtype=bool)
        for column in ("name", "id"):
            if column in frame.columns:
                values = frame[column]
                found |= (values.notna() & (values.astype(str).str.strip() != "")).to_numpy()
        geoms = np.asarray(frame.geometry.values, dtype=object)
        import shapely

        found &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if found.any():
            out.append({"name": layer.name})
    return {"v": 2, "layers": out} if out else None
