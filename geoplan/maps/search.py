"""The search index of the interactive map: names, ids and communes, folded once in Python.

The map's search box (``assets/controls.js``) finds a feature by its name, its id or the
commune it lies in, with accents, ``đ`` and case ignored: ``hoa tien`` finds "Hòa Tiến",
``ccn-24`` and ``ccn24`` find the id "CCN-24". The texts are folded here with
:func:`geoplan.names.fold` (the project's one normaliser) and sent once, in one document; the
browser folds only what is typed, with the same rules (``G.fold`` in ``controls.js``; a
browser test compares the two). Names, ids and communes shown in the suggestions are read
from the layers' own documents (:mod:`geoplan.maps.codec`), so nothing is sent twice but the
folded keys.

The document
------------
``v``
    Format version (1).
``communes``
    The distinct folded commune names of the indexed features, sorted.
``layers``
    One entry per searchable map layer, in drawing order:

    ``name``
        The layer's key (``geoplan.layers[name]`` in the page).
    ``i``
        Feature indices in the layer document of the indexed features; absent when every
        feature is indexed (features without geometry are not: there is nothing to zoom to).
    ``k``
        Folded names of the indexed features, one per line (an empty line when a feature has
        none): one string rather than a list of them, and folding leaves no line break.
    ``id``
        Folded ids of the indexed features, one per line likewise; absent when no feature
        has an id.
    ``c``
        Index into ``communes`` of each indexed feature's commune (-1 when none); absent
        when the layer has no commune column.

A feature with neither a name nor an id is not indexed. The document weighs less than the
names, ids and communes it indexes (folded text is ASCII, communes are written once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoplan.maps.model import MapLayer
from geoplan.names import fold

__all__ = ["SEARCH_COLUMNS", "SEARCH_KINDS", "search_index"]

#: Layer kinds whose features the search box finds.
SEARCH_KINDS = frozenset({"boundary", "industrial_cluster", "industrial_park", "trade_facility",
                          "grid_line", "substation", "power_plant", "restricted_zone"})
#: Columns searched, in order of preference of a match.
SEARCH_COLUMNS = ("name", "id", "commune")


class _Folder:
    """:func:`geoplan.names.fold` of many labels, each distinct word folded once.

    ``fold`` works character by character and never across white space (decomposition,
    dropping marks, ``đ``, case and separators all act within a word; white space runs become
    one space and the ends are stripped), so folding a label is folding its words and joining
    the non-empty results with single spaces. A national plan's 30,000 labels share a few
    thousand words, so this is several times faster than folding each label whole
    (tests/test_map_controls.py checks the identity on random labels).
    """

    def __init__(self) -> None:
        self._words: dict[str, str] = {}

    def word(self, w: str) -> str:
        out = self._words.get(w)
        if out is None:
            out = self._words[w] = fold(w)
        return out

    def __call__(self, value: Any) -> str:
        words = (self.word(w) for w in str(value).split())
        return " ".join(w for w in words if w)

    def column(self, frame: pd.DataFrame, column: str) -> list[str]:
        """The column folded (``""`` for a missing value); each distinct value folded once."""
        if column not in frame.columns:
            return [""] * len(frame)
        codes, uniques = pd.factorize(frame[column].astype(object), use_na_sentinel=True)
        folded = np.array([self(v) for v in uniques] + [""], dtype=object)
        return folded[codes].tolist()  # code -1 (missing) takes the last, ""


def search_index(layers: Sequence[MapLayer]) -> dict[str, Any] | None:
    r"""The search document of a map's layers (see the module docstring), or ``None`` when
    no layer has anything to find.

    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"id": ["CCN-24", "CCN-25"],
    ...                           "name": ["Cụm Hòa Tiến", None],
    ...                           "commune": ["Xã Hòa Tiến", "Đông Hà"]},
    ...                          geometry=[shapely.Point(0, 0), shapely.Point(1, 1)])
    >>> doc = search_index([MapLayer("clusters", "clusters", "industrial_cluster", frame)])
    >>> doc["communes"], doc["layers"][0]["k"], doc["layers"][0]["id"], doc["layers"][0]["c"]
    (['dong ha', 'xa hoa tien'], 'cum hoa tien\n', 'ccn 24\nccn 25', [1, 0])
    """
    import shapely

    folder = _Folder()
    rows: list[tuple[MapLayer, np.ndarray, list[str], list[str], list[str] | None]] = []
    for layer in layers:
        frame = layer.frame
        if layer.kind not in SEARCH_KINDS or not len(frame):
            continue
        names, ids = folder.column(frame, "name"), folder.column(frame, "id")
        communes = folder.column(frame, "commune") if "commune" in frame.columns else None
        geoms = np.asarray(frame.geometry.values, dtype=object)
        drawn = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        keep = np.flatnonzero(drawn & np.array([bool(n or i) for n, i in zip(names, ids,
                                                                             strict=True)]))
        if len(keep):
            rows.append((layer, keep, names, ids, communes))
    if not rows:
        return None
    commune_names = sorted({c for *_, cs in rows if cs is not None for c in cs if c})
    code = {c: i for i, c in enumerate(commune_names)}
    out = []
    for layer, keep, names, ids, communes in rows:
        entry: dict[str, Any] = {"name": layer.name}
        if len(keep) != len(layer.frame):
            entry["i"] = keep.tolist()
        entry["k"] = "\n".join(names[i] for i in keep)
        if any(ids[i] for i in keep):
            entry["id"] = "\n".join(ids[i] for i in keep)
        if communes is not None:
            entry["c"] = [code.get(communes[i], -1) for i in keep]
        out.append(entry)
    return {"v": 1, "communes": commune_names, "layers": out}
