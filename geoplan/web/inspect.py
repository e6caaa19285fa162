"""What is in an uploaded file, and how its columns map to the canonical fields.

:func:`inspect_file` lists the layers of a file with their columns, geometry, CRS and the
distinct values of each column (counted over the first :data:`VALUE_ROWS` rows);
:func:`guess_kind` proposes a layer kind from the names and the geometry; :func:`suggest_fields`
proposes a source column for each canonical field, from the canonical name and the Vietnamese
aliases of :data:`geoplan.kinds.KINDS` (exact after folding diacritics and case, else the
closest by :mod:`rapidfuzz`); :func:`check_values` runs a column's values through the kind's
normaliser and lists those it does not accept.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geoplan import io
from geoplan import kinds as gkinds
from geoplan.errors import GeoplanError, LayerReadError
from geoplan.kinds import KINDS, RASTER_KINDS
from geoplan.names import fold

log = logging.getLogger(__name__)

__all__ = ["VALUE_ROWS", "check_values", "guess_kind", "inspect_file", "suggest_coordinates",
           "suggest_fields"]

#: Rows read to count a column's values (the preview and the vocabulary check).
VALUE_ROWS = 50_000
#: Distinct values kept per column.
MAX_DISTINCT = 200
#: Lowest rapidfuzz score (0–100) for a suggested column.
MIN_SCORE = 86.0

ALL_KINDS: tuple[str, ...] = (*KINDS, *RASTER_KINDS)
_RASTER = (".tif", ".tiff", ".vrt")


def _key(text: Any) -> str:
    """Folded, spaces, dashes and dots as one underscore: ``"Cấp điện áp"`` → ``cap_dien_ap``."""
    return re.sub(r"[\s\-./]+", "_", fold(str(text))).strip("_")


def _gdal_path(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        import zipfile

        with zipfile.ZipFile(path) as zf:
            shps = [n for n in zf.namelist() if n.lower().endswith(".shp")
                    and not n.startswith("__MACOSX")]
        if len(shps) != 1:
            raise LayerReadError(f"{path.name}: a zipped layer must hold exactly one .shp")
        return f"/vsizip/{path}/{shps[0]}"
    return str(path)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, (int, bool, str)):
        return value
    return str(value)


def _column_values(frame: Any) -> dict[str, list[list[Any]]]:
    """``{column: [[value, count], ...]}``, most frequent first, missing values left out."""
    out: dict[str, list[list[Any]]] = {}
    for col in frame.columns:
        if col == "geometry":
            continue
        counts: Counter[Any] = Counter()
        for v in frame[col].tolist():
            pv = _plain(v)
            if pv is None or (isinstance(pv, str) and not pv.strip()):
                continue
            counts[pv] += 1
        out[str(col)] = [[v, n] for v, n in counts.most_common(MAX_DISTINCT)]
    return out


def inspect_file(path: Path, label: str) -> list[dict[str, Any]]:
    """The layers of one stored file: ``[{file, layer, type, geometry, features, crs, columns,
    values}]``; raises :class:`~geoplan.errors.LayerReadError` when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in _RASTER:
        info = io.raster_info(path)
        return [{"file": label, "layer": None, "type": "raster", "geometry": "raster",
                 "features": int(info.shape[0] * info.shape[1]),
                 "crs": info.crs.to_string() if info.crs else None, "columns": [],
                 "values": {}, "shape": list(info.shape)}]
    if suffix in io.TABLE_SUFFIXES:
        return [_inspect_table(path, label)]
    import pyogrio

    gdal_path = _gdal_path(path)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(gdal_path)]
    except Exception as exc:
        raise LayerReadError(f"{path.name}: not a readable vector file ({exc})") from exc
    out = []
    for layer in layers:
        try:
            info = pyogrio.read_info(gdal_path, layer=layer)
            frame = pyogrio.read_dataframe(gdal_path, layer=layer, read_geometry=False,
                                           max_features=VALUE_ROWS)
        except Exception as exc:
            raise LayerReadError(f"{path.name}: layer {layer!r} cannot be read ({exc})") from exc
        out.append({
            "file": label, "layer": layer if len(layers) > 1 else None, "layer_name": layer,
            "type": "vector", "geometry": str(info.get("geometry_type") or ""),
            "features": int(info.get("features") or 0), "crs": info.get("crs"),
            "columns": [str(c) for c in info["fields"]], "values": _column_values(frame),
        })
    if not out:
        raise LayerReadError(f"{path.name}: holds no layer")
    return out


def _inspect_table(path: Path, label: str) -> dict[str, Any]:
    import pandas as pd

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object, engine="openpyxl", nrows=VALUE_ROWS)
        else:
            frame = pd.read_csv(path, dtype=object, encoding="utf-8-sig", sep=None,
                                engine="python", nrows=VALUE_ROWS)
    except UnicodeDecodeError as exc:
        raise LayerReadError(f"{path.name}: text is not UTF-8 ({exc.reason}); save the table as "
                             "UTF-8 (Excel: CSV UTF-8)") from exc
    except Exception as exc:
        raise LayerReadError(f"{path.name}: not a readable table ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return {"file": label, "layer": None, "type": "table", "geometry": "Point",
            "features": len(frame), "crs": None, "columns": list(frame.columns),
            "values": _column_values(frame)}


# ------------------------------------------------------------------------------ the kind

#: Words in a file or layer name that say its kind (folded, as :func:`_key` writes them).
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "boundary": ("ranh_gioi", "boundary", "dvhc", "hanh_chinh", "admin", "xa_phuong", "tinh",
                 "ranh"),
    "industrial_cluster": ("cum_cong_nghiep", "ccn", "cum_cn", "cluster"),
    "industrial_park": ("khu_cong_nghiep", "kcn", "khu_cn", "industrial_park", "park"),
    "trade_facility": ("thuong_mai", "trade", "cho", "sieu_thi", "xang_dau", "market",
                       "ha_tang_thuong_mai", "tm"),
    "grid_line": ("duong_day", "dz", "line", "power_line", "luoi_dien", "tuyen"),
    "substation": ("tram_bien_ap", "tba", "substation", "tram"),
    "power_plant": ("nha_may", "nha_may_dien", "plant", "power_plant", "nguon_dien"),
    "restricted_zone": ("han_che", "restricted", "di_tich", "bao_ton", "cam", "rung"),
    "population": ("dan_so", "population", "pop", "worldpop"),
}

def geometry_family(geometry: str) -> str | None:
    """``point``, ``line``, ``polygon`` from GDAL's geometry type (``None`` when unknown)."""
    g = geometry.lower()
    for word, family in (("polygon", "polygon"), ("linestring", "line"), ("point", "point")):
        if word in g:
            return family
    return None


def kinds_for(source: dict[str, Any]) -> list[str]:
    """The kinds a source can be: its geometry must be allowed by the kind."""
    if source["type"] == "raster":
        return list(RASTER_KINDS)
    family = geometry_family(source.get("geometry") or "")
    return [k for k, lk in KINDS.items() if family is None or family in lk.geometry]


def guess_kind(source: dict[str, Any]) -> str:
    """The likeliest kind: the words of the file and layer name, then how many canonical
    fields find a column, among the kinds its geometry allows."""
    allowed = kinds_for(source)
    if len(allowed) == 1:
        return allowed[0]
    words = _key(f"{source.get('layer_name') or ''} {Path(source['file']).stem}")
    tokens = set(words.split("_"))

    def name_score(kind: str) -> int:
        best = 0
        for w in _KIND_WORDS.get(kind, ()):
            plural = len(w) >= 4 and any(t in (w + "s", w + "es") for t in tokens)
            if w in tokens or plural or ("_" in w and w in words):
                best = max(best, len(w))
        return best

    def field_score(kind: str) -> tuple[int, float]:
        # how many fields find a column, then which share of the kind's fields (a restricted
        # zone's id, name and type beat a trade facility's id, name and type)
        found = sum(1 for v in suggest_fields(kind, source["columns"]).values() if v)
        return found, found / len(KINDS[kind].fields)

    return max(allowed, key=lambda k: (name_score(k), *field_score(k), -allowed.index(k)))


# ---------------------------------------------------------------------------- the fields


def _candidates(field: gkinds.Field) -> list[str]:
    names = [field.name, *field.aliases]
    if field.label_vi:
        names.append(field.label_vi)
    if field.label_en:
        names.append(field.label_en)
    return list(dict.fromkeys(_key(n) for n in names if n))


def suggest_fields(kind: str, columns: Sequence[str]) -> dict[str, str | None]:
    """For each canonical field of ``kind``, the suggested source column (or ``None``).

    A column whose folded name equals the field's name or one of its aliases wins; otherwise
    the closest by :func:`rapidfuzz.fuzz.ratio` above :data:`MIN_SCORE`. No column is proposed
    for two fields."""
    from rapidfuzz import fuzz

    if kind not in KINDS:
        return {}
    lk = KINDS[kind]
    keys = {c: _key(c) for c in columns}
    scored: list[tuple[float, int, str, str]] = []
    for order, f in enumerate(lk.fields):
        cands = _candidates(f)
        for col, ck in keys.items():
            if not ck:
                continue
            if ck in cands:
                score = 200.0 - cands.index(ck)  # exact: the canonical name before the aliases
            elif any(len(c) >= 3 and (ck.startswith(c + "_") or ck.endswith("_" + c))
                     for c in cands):
                score = 90.0  # "nganh_chinh" for sector ("nganh"), "ten_cum" for name
            else:
                score = max(fuzz.ratio(ck, c) for c in cands)
                if score < MIN_SCORE:
                    continue
            scored.append((score, -order, f.name, col))
    out: dict[str, str | None] = dict.fromkeys(lk.field_names)
    used: set[str] = set()
    for _score, _order, name, col in sorted(scored, reverse=True):
        if out[name] is None and col not in used:
            out[name] = col
            used.add(col)
    return out


_X_WORDS = ("x", "lon", "lng", "long", "longitude", "kinh_do", "easting", "toa_do_x", "e")
_Y_WORDS = ("y", "lat", "latitude", "vi_do", "northing", "toa_do_y", "n")


def _numbers(values: list[list[Any]]) -> list[float]:
    out = []
    for v, _n in values:
        try:
            out.append(float(str(v).replace(",", ".").replace(" ", "")))
        except ValueError:
            continue
    return out


def suggest_coordinates(source: dict[str, Any], plan_crs: str = "") -> dict[str, str | None]:
    """The point columns of a table and its likely CRS, judged by the values: degrees of
    Vietnam (longitude 102–110, latitude 8–24) or VN-2000 metres (northing 0.9–2.7 million,
    easting 0.1–0.9 million) — so a Vietnamese table whose "X" is the northing gets
    ``y_field = "X"``."""
    cols = source["columns"]
    values = source.get("values", {})
    stats = {}
    for c in cols:
        nums = _numbers(values.get(c, []))
        if nums and len(nums) >= 0.8 * len(values.get(c, [])):
            stats[c] = (min(nums), max(nums))

    def within(c: str, lo: float, hi: float) -> bool:
        return c in stats and lo <= stats[c][0] and stats[c][1] <= hi

    def named(c: str, words: tuple[str, ...]) -> bool:
        return _key(c) in words

    lon = [c for c in stats if within(c, 102, 110)]
    lat = [c for c in stats if within(c, 8, 24)]
    north = [c for c in stats if within(c, 900_000, 2_700_000)]
    east = [c for c in stats if within(c, 100_000, 900_000)]

    def pick(found: list[str], words: tuple[str, ...]) -> str | None:
        named_first = [c for c in found if named(c, words)] + found
        return named_first[0] if named_first else None

    if lon and lat:
        x, y = pick(lon, _X_WORDS), pick([c for c in lat if c not in lon], _Y_WORDS)
        if x and y:
            return {"x_field": x, "y_field": y, "crs": "EPSG:4326"}
    if north and east:
        y = pick(north, _X_WORDS + _Y_WORDS)
        x = pick([c for c in east if c != y], _Y_WORDS + _X_WORDS)
        if x and y:
            return {"x_field": x, "y_field": y, "crs": plan_crs or None}
    x = next((c for c in cols if named(c, _X_WORDS)), None)
    y = next((c for c in cols if named(c, _Y_WORDS)), None)
    return {"x_field": x, "y_field": y, "crs": None}


# ---------------------------------------------------------------------------- the values


def _normaliser(kind: str, field: gkinds.Field) -> Callable[[Any], Any] | None:
    if field.type == "status":
        return lambda v: gkinds.normalise_status(v, allowed=field.vocabulary)
    if field.type == "voltage":
        return lambda v: ";".join(str(x) for x in gkinds.normalise_voltages(v))
    if field.type == "vocab":
        try:
            table = gkinds.alias_table(f"{kind}.{field.name}")
        except KeyError:
            table = {fold(v): v for v in field.vocabulary}
        return lambda v: gkinds.normalise_vocabulary(v, table, field.vocabulary)
    if field.type == "bool":
        return gkinds.normalise_bool
    if field.type == "class":
        return gkinds.normalise_class
    if field.type == "period":
        return gkinds.normalise_period
    if field.type in ("float", "int"):
        return gkinds.normalise_number
    return None


def check_values(kind: str, field_name: str, values: list[list[Any]]) -> dict[str, Any]:
    """How the values of a column read as the canonical field: ``matched`` (value, canonical
    value, count), ``unmatched`` (value, count, why) and the ``vocabulary`` accepted."""
    if kind not in KINDS:
        return {"matched": [], "unmatched": [], "vocabulary": []}
    field = KINDS[kind].get(field_name)
    norm = _normaliser(kind, field)
    matched: list[list[Any]] = []
    unmatched: list[list[Any]] = []
    for value, count in values:
        if norm is None:
            matched.append([value, value, count])
            continue
        try:
            result = norm(value)
        except (ValueError, TypeError, GeoplanError) as exc:
            unmatched.append([value, count, str(exc)])
        else:
            matched.append([value, result, count])
    vocab = list(field.vocabulary)
    if field.type == "voltage":
        vocab = [str(v) for v in gkinds.VOLTAGES_KV]
    return {"matched": matched, "unmatched": unmatched, "vocabulary": vocab,
            "type": field.type}
