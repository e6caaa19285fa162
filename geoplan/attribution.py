"""Who to credit for a layer's data, told from the plan and from the data's own marks.

A map, a sheet or a report made from OpenStreetMap data must say "© OpenStreetMap contributors"
(the ODbL asks it), and a Department's own layers may name their author. The credit of a layer
is, first found wins:

1. the layer's ``attribution = "..."`` key in ``plan.toml`` (the planner's word: nothing is
   guessed then);
2. the values of an ``attribution`` column (geoplan's OpenStreetMap importer writes one on
   every layer, ``© OpenStreetMap contributors (ODbL)``);
3. the marks OpenStreetMap and Open Infrastructure Map exports leave in the data: an
   ``osm_id``, ``osm_type``, ``osm_way_id`` or ``@id`` column (GDAL's OSM driver, osmium,
   Overpass turbo, QuickOSM), ids such as ``way/123``, Open Infrastructure Map's columns
   (``wd_operator``; ``max_voltage`` with ``voltages``), or a ``source`` column that says
   OpenStreetMap;
4. the layer metadata of a GeoPackage (``attribution``, or a description naming
   OpenStreetMap, as the importer writes them);
5. the file's path: a name with ``osm``, ``openstreetmap`` or ``openinframap`` as a word
   (``vn-power-osm/``, ``osm_lines.gpkg``) — and ``worldpop`` for WorldPop rasters.

:func:`merge_credits` puts the credits of several layers together, each once: a credit already
said inside a longer one is left out (``© OpenStreetMap contributors`` inside
``© OpenStreetMap contributors (ODbL)``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

log = logging.getLogger(__name__)

__all__ = [
    "OIM_MARK_COLUMNS",
    "OSM_CREDIT",
    "OSM_MARK_COLUMNS",
    "WORLDPOP_CREDIT",
    "detect_credit",
    "layer_metadata",
    "merge_credits",
    "path_credit",
]

#: The credit OpenStreetMap asks for (https://www.openstreetmap.org/copyright).
OSM_CREDIT = "© OpenStreetMap contributors"
#: The credit WorldPop's CC BY 4.0 licence asks for.
WORLDPOP_CREDIT = "WorldPop (www.worldpop.org), CC BY 4.0"
#: Columns that only OpenStreetMap-derived data has (compared without regard to case).
OSM_MARK_COLUMNS = ("osm_id", "osm_type", "osm_way_id", "osm_node_id", "osm_relation_id",
                    "@id", "@type", "osm_uid", "osm_version", "osm_changeset")
#: Sets of columns that together are the schema of Open Infrastructure Map's exports (its
#: power layers carry ``wd_operator``; its lines ``max_voltage`` beside ``voltages``).
OIM_MARK_COLUMNS = (("wd_operator",), ("max_voltage", "voltages"))
#: The longest credit kept from data (a longer cell is not a credit but a note).
MAX_CREDIT_CHARS = 300
#: How many distinct values of an ``attribution`` column are kept.
MAX_COLUMN_CREDITS = 5

_OSM_WORD = re.compile(r"(?<![a-z0-9])(osm|openstreetmap|openinframap|open ?infrastructure ?map)"
                       r"(?![a-z])", re.IGNORECASE)
_OSM_TEXT = re.compile(r"openstreetmap|open ?infrastructure ?map|openinframap|\bosm\b",
                       re.IGNORECASE)
_WORLDPOP = re.compile(r"worldpop", re.IGNORECASE)
_OSM_ID = re.compile(r"(node|way|relation)/\d+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if text and len(text) <= MAX_CREDIT_CHARS else None


def _column(frame: pd.DataFrame, name: str) -> str | None:
    """The column of ``frame`` called ``name``, compared without regard to case."""
    for col in frame.columns:
        if isinstance(col, str) and col.casefold() == name:
            return col
    return None


def _column_credits(frame: pd.DataFrame) -> list[str]:
    col = _column(frame, "attribution")
    if col is None:
        return []
    values = frame[col].dropna()
    found: list[str] = []
    for value in values.drop_duplicates().head(50):
        text = _clean(value)
        if text and text not in found:
            found.append(text)
        if len(found) >= MAX_COLUMN_CREDITS:
            break
    return found


def _some_text(frame: pd.DataFrame, col: str, n: int) -> list[str]:
    return [v for v in frame[col].dropna().drop_duplicates().head(n) if isinstance(v, str)]


def _has_osm_marks(frame: pd.DataFrame) -> bool:
    if any(_column(frame, c) is not None for c in OSM_MARK_COLUMNS):
        return True
    if any(all(_column(frame, c) is not None for c in names) for names in OIM_MARK_COLUMNS):
        return True
    ids = _column(frame, "id")
    if ids is not None:  # OpenStreetMap's own ids: node/1, way/2, relation/3
        sample = _some_text(frame, ids, 20)
        if sample and all(_OSM_ID.fullmatch(v) for v in sample):
            return True
    col = _column(frame, "source")
    return col is not None and any(_OSM_TEXT.search(v) for v in _some_text(frame, col, 200))


def layer_metadata(path: str | Path, layer: str | None = None) -> dict[str, str]:
    """The layer and dataset metadata of a GeoPackage (``{}`` for other files, or when it
    cannot be read: metadata never stops a load)."""
    p = Path(path)
    if p.suffix.lower() != ".gpkg" or not p.is_file():
        return {}
    import pyogrio

    try:
        info = pyogrio.read_info(str(p), layer=layer)
    except Exception as exc:  # pyogrio's errors: the layer itself is read (and judged) elsewhere
        log.debug("%s: no metadata read (%s)", p, exc)
        return {}
    out: dict[str, str] = {}
    for key in ("dataset_metadata", "layer_metadata"):
        meta = info.get(key) or {}
        out.update({str(k): str(v) for k, v in meta.items() if v is not None})
    return out


def _metadata_credit(metadata: Mapping[str, str]) -> str | None:
    for key, value in metadata.items():
        if key.casefold() == "attribution":
            text = _clean(value)
            if text:
                return text
    for key, value in metadata.items():
        if key.casefold() in ("description", "licence", "license", "source") and \
                _OSM_TEXT.search(value):
            return OSM_CREDIT
    return None


def path_credit(path: str | Path) -> str | None:
    """The credit a source's path tells: OpenStreetMap for a path with ``osm``,
    ``openstreetmap`` or ``openinframap`` as a word, WorldPop for ``worldpop``.

    >>> path_credit("data/vn-power-osm/power_line.gpkg")
    '© OpenStreetMap contributors'
    >>> path_credit("layers/cosmos/lines.gpkg") is None
    True
    """
    text = str(path)
    if _OSM_WORD.search(text):
        return OSM_CREDIT
    if _WORLDPOP.search(text):
        return WORLDPOP_CREDIT
    return None


def detect_credit(frame: pd.DataFrame | None, path: str | Path | None, *,
                  layer: str | None = None, metadata: Mapping[str, str] | None = None,
                  within: str | Path | None = None) -> str | None:
    """The credit of a layer's data as read (before its columns are mapped), or ``None``.

    Parameters
    ----------
    frame
        The layer as read, with its own columns.
    path
        Where it was read from (a file; ``None`` for a database table).
    layer
        The layer of a multi-layer source (for its metadata).
    metadata
        The source's metadata (:func:`layer_metadata`); read from ``path`` (``layer``) when
        ``None`` and the data itself says nothing.
    within
        The plan's folder: a path inside it is judged by its part below it (the folder a
        plan happens to sit in credits nothing).

    Returns
    -------
    str or None
        One credit; several values of an ``attribution`` column are joined with ``"; "``.
    """
    if frame is not None:
        credits = _column_credits(frame)
        if credits:
            return "; ".join(merge_credits(credits))
        if _has_osm_marks(frame):
            return OSM_CREDIT
    if path is None:
        return None
    meta = metadata if metadata is not None else layer_metadata(path, layer)
    found = _metadata_credit(meta)
    return found or path_credit(_below(Path(path), within))


def _below(path: Path, folder: str | Path | None) -> Path:
    if folder is None:
        return path
    try:
        return path.resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError):
        return path


def merge_credits(credits: Iterable[str | None]) -> tuple[str, ...]:
    """The credits in order, each once; one said inside a longer one (case aside) is dropped.

    >>> merge_credits(["© OpenStreetMap contributors", "Sở Công Thương",
    ...                "© OpenStreetMap contributors (ODbL)", None])
    ('Sở Công Thương', '© OpenStreetMap contributors (ODbL)')
    """
    given = [c.strip() for c in credits if c and c.strip()]
    kept: list[str] = []
    for i, credit in enumerate(given):
        low = credit.casefold()
        if any(low == k.casefold() for k in kept):
            continue
        if any(low in other.casefold() and low != other.casefold()
               for j, other in enumerate(given) if j != i):
            continue
        kept.append(credit)
    return tuple(kept)
