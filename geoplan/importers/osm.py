"""``import-osm``: a province's power grid from OpenStreetMap, written as a plan folder.

The grid a consultant can get today is OpenStreetMap's. This importer takes an Open
Infrastructure Map export (the per-country GeoPackage ``VNM.gpkg``, or a folder of its layers
such as ``power_line.gpkg``, ``power_plant.gpkg`` and a substation file) or an ``.osm.pbf`` /
``.osm`` extract (through GDAL's OSM driver, with geoplan's own ``osmconf.ini``), and writes a
plan folder for one province:

* **lines that touch the province, whole** -- never cut at the boundary: a clipped line would
  end in the middle of nowhere and the grid audit would report it as dangling, while the whole
  line reaches the substation or the neighbouring grid it really connects to;
* **voltages normalised**: OSM writes volts (``110000``), several levels as ``"220000;110000"``;
  they become kV levels (``"220;110"``); circuits come from ``circuits`` or, failing that, from
  ``cables`` (three per AC circuit); underground cables and lines of unknown voltage are kept and
  counted; levels not used in Vietnam (115/230 kV across the borders, 25 kV railways ...) are
  kept and declared in the plan (``accept_voltages_kv``); sub-kV levels are dropped from the
  level list (the line is kept);
* **substations and plants inside the province plus a buffer** (metres, measured in the
  province's VN-2000 TM-3 zone), points and polygons; plant capacity in MW (the Open
  Infrastructure Map export's ``output`` is in kW; OSM's ``plant:output:electricity`` carries
  its own unit);
* **the 2025 province boundary** and, where the boundary folder has them, its communes, plus the
  neighbouring provinces (so the grid audit can name where a line leaves to);
* the attribution "© OpenStreetMap contributors (ODbL)" on every OpenStreetMap layer (a column,
  the GeoPackage layer description and metadata, the layer title shown on maps), and a
  ``README.md`` saying what was taken and what was dropped, with counts.

Selections are done in the province's metric CRS; the geometries are written as they came
(EPSG:4326), so nothing is moved or simplified. The folder is written atomically.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import crs as gcrs
from geoplan import io
from geoplan.errors import LayerReadError, PlanError
from geoplan.kinds import PLANT_SOURCES, VOLTAGES_KV
from geoplan.names import fold, place_key
from geoplan.progress import stage

log = logging.getLogger(__name__)

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_BUFFER_M",
    "OsmImport",
    "OsmSource",
    "counts_table",
    "default_admin",
    "default_source",
    "find_source",
    "import_osm",
    "parse_capacity_mw",
    "parse_circuits",
    "parse_voltages",
    "read_osm_xml_safely",
]

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
LICENCE_NOTE = ("OpenStreetMap data, Open Database License (ODbL) 1.0: "
                "https://www.openstreetmap.org/copyright")
#: Substations and plants this far outside the province (metres) are taken too.
DEFAULT_BUFFER_M = 2000.0
#: Provinces whose polygon lies within this distance (metres) are written as neighbours.
NEIGHBOUR_GAP_M = 1000.0
PROVINCES_FILE = "vn_provinces_34_2025.geojson"
ADMIN_ATTRIBUTION = ("vietnamese-provinces-database (Thang Le Quoc, MIT licence); boundaries "
                     "derived from sapnhap.bando.com.vn")

_LINE_POWER = ("line", "cable", "minor_line")


# ------------------------------------------------------------------------------ parsing


def parse_voltages(value: Any) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """kV levels of an OSM ``voltage`` value (volts, ``;``-separated), highest first, and the
    parts that were dropped (sub-kV, unreadable, non-integer kV).

    >>> parse_voltages("220000;110000")
    ((220, 110), ())
    >>> parse_voltages(500000.0)
    ((500,), ())
    >>> parse_voltages("110000;400;unknown")
    ((110,), ('400', 'unknown'))
    >>> parse_voltages("35 kV")
    ((35,), ())
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (), ()
    parts = [value] if isinstance(value, (int, float)) else \
        [p.strip() for p in re.split(r"[;,]", str(value)) if p.strip()]
    levels: set[int] = set()
    dropped: list[str] = []
    for part in parts:
        text = str(part).strip().lower().replace(" ", "")
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(kv|v)?", text)
        if isinstance(part, (int, float)):
            number, unit = float(part), "v"
        elif m:
            number, unit = float(m.group(1)), m.group(2) or "v"
        else:
            dropped.append(str(part))
            continue
        kv = number if unit == "kv" else number / 1000
        if kv < 1 or abs(kv - round(kv)) > 1e-9:
            dropped.append(_plain(part))
            continue
        levels.add(round(kv))
    return tuple(sorted(levels, reverse=True)), tuple(dropped)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_circuits(circuits: Any, cables: Any) -> int | None:
    """Circuits from OSM ``circuits``, else from ``cables`` (three per AC circuit), else None.

    >>> parse_circuits(2.0, "6"), parse_circuits(None, "6"), parse_circuits(None, "3;6")
    (2, 2, 3)
    >>> parse_circuits(None, "4") is None, parse_circuits("0", None) is None
    (True, True)
    """
    for value in (circuits,):
        n = _number(value)
        if n is not None and n.is_integer() and 1 <= n <= 8:
            return int(n)
    if cables is None or (isinstance(cables, float) and math.isnan(cables)):
        return None
    total = 0
    for part in re.split(r"[;,]", str(cables)):
        n = _number(part)
        if n is None or not n.is_integer() or n < 3 or n % 3:
            return None
        total += int(n) // 3
    return total if 1 <= total <= 8 else None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return None if math.isnan(v) else v
    try:
        return float(str(value).strip())
    except ValueError:
        return None


_UNITS_MW = {"w": 1e-6, "kw": 1e-3, "mw": 1.0, "gw": 1e3, "kwp": 1e-3, "mwp": 1.0, "gwp": 1e3,
             "wp": 1e-6}


def parse_capacity_mw(value: Any, *, unit: str = "kW") -> float | None:
    """Capacity in MW: a bare number is in ``unit`` (the Open Infrastructure Map export's
    ``output`` is in kW); OSM's ``plant:output:electricity`` carries its own unit.

    >>> parse_capacity_mw(3975000.0), parse_capacity_mw("50 MW"), parse_capacity_mw("1.2 GW")
    (3975.0, 50.0, 1200.0)
    >>> parse_capacity_mw("600 kW"), parse_capacity_mw("yes"), parse_capacity_mw("49,5 MWp")
    (0.6, None, 49.5)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) * _UNITS_MW[unit.lower()] if value >= 0 else None
    text = str(value).strip().lower().replace(" ", "").replace(",", ".")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", text)
    if not m:
        return None
    factor = _UNITS_MW.get(m.group(2) or unit.lower())
    return round(float(m.group(1)) * factor, 6) if factor is not None else None


_SOURCE_TABLE = {fold(alias): canon for canon, aliases in PLANT_SOURCES.items()
                 for alias in (canon, *aliases)}


def _plant_source(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    for part in re.split(r"[;,]", value):
        found = _SOURCE_TABLE.get(fold(part))
        if found:
            return found
    return "other"


def _status(construction: Any, power: Any = None) -> str:
    text = str(construction).strip() if isinstance(construction, str) else ""
    if (text and text.lower() not in ("no", "none")) or str(power) == "construction":
        return "under_construction"
    return "existing"


def _location(value: Any, power: Any = None) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text in ("underground", "underwater", "submarine"):
        return "underground"
    if not text and str(power) == "cable":
        return "underground"
    return "overhead"


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


# ------------------------------------------------------------------------------ sources


@dataclass(frozen=True)
class OsmSource:
    """Where the lines, substations and plants are read from (file, layer) and in which shape:
    ``"oim"`` (Open Infrastructure Map export) or ``"osm"`` (GDAL's OSM driver)."""

    path: Path
    format: str
    lines: tuple[tuple[Path, str | None], ...] = ()
    substations: tuple[tuple[Path, str | None], ...] = ()
    plants: tuple[tuple[Path, str | None], ...] = ()


def default_source() -> Path:
    """The Open Infrastructure Map export used when ``--source`` is not given:
    ``$GEOPLAN_OSM_SOURCE``, else ``vn-power-osm`` in ``$GEOPLAN_SHARED_DATA`` or in
    ``../shared/data`` (the project's shared public data)."""
    env = os.environ.get("GEOPLAN_OSM_SOURCE")
    if env:
        return Path(env)
    return _shared_root() / "vn-power-osm"


def default_admin(source: Path | None = None) -> Path:
    """The folder of 2025 boundaries: ``$GEOPLAN_ADMIN``, else ``vn-admin`` beside the source
    folder, else in the shared data."""
    env = os.environ.get("GEOPLAN_ADMIN")
    if env:
        return Path(env)
    if source is not None:
        base = source if source.is_dir() else source.parent
        beside = base.parent / "vn-admin"
        if (beside / PROVINCES_FILE).exists():
            return beside
    return _shared_root() / "vn-admin"


def _shared_root() -> Path:
    env = os.environ.get("GEOPLAN_SHARED_DATA")
    return Path(env) if env else Path.cwd().parent / "shared" / "data"


def _layer_role(name: str) -> str | None:
    key = name.lower()
    if "substation" in key:
        return "substations"
    if "plant" in key:
        return "plants"
    if key in ("power_line", "power_cable", "power_minor_line") or key.endswith("_line") \
            or "power_line" in key or "cable" in key:
        return "lines"
    return None


def find_source(path: str | Path) -> OsmSource:
    """Recognise an OpenStreetMap power source: a folder of layer files, an Open Infrastructure
    Map GeoPackage, or an ``.osm.pbf`` / ``.osm`` file."""
    p = Path(path)
    if not p.exists():
        raise LayerReadError(f"{p}: no such file or folder; give --source an Open Infrastructure "
                             "Map export (VNM.gpkg or a folder with power_line.gpkg ...) or an "
                             ".osm.pbf extract")
    name = p.name.lower()
    if name.endswith((".osm.pbf", ".pbf", ".osm")):
        if name.endswith(".osm"):
            read_osm_xml_safely(p)
        return OsmSource(p, "osm", ((p, "lines"),), ((p, "points"), (p, "multipolygons")),
                         ((p, "points"), (p, "multipolygons")))
    files: list[Path]
    if p.is_dir():
        files = sorted(x for x in p.iterdir() if x.suffix.lower() in (".gpkg", ".geojson",
                                                                         ".json", ".fgb"))
    else:
        files = [p]
    roles: dict[str, list[tuple[Path, str | None]]] = {"lines": [], "substations": [],
                                                       "plants": []}
    for f in files:
        layers = io.list_layers(f)
        for layer in layers:
            role = _layer_role(layer) or (_layer_role(f.stem) if len(layers) == 1 else None)
            if role:
                roles[role].append((f, layer if len(layers) > 1 or f.suffix == ".gpkg"
                                    else None))
    if not roles["lines"]:
        found = ", ".join(x.name for x in files) or "nothing"
        raise LayerReadError(f"{p}: no power line layer found (found {found}); an Open "
                             "Infrastructure Map export has a power_line layer")
    return OsmSource(p, "oim", tuple(roles["lines"]), tuple(roles["substations"]),
                     tuple(roles["plants"]))


_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def read_osm_xml_safely(path: Path) -> None:
    """Refuse an ``.osm`` XML file that declares a DOCTYPE or entities (entity expansion is never
    needed by OSM XML and is how "billion laughs" and external-entity attacks work)."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    start = head.find(b"<osm")
    prolog = head if start < 0 else head[:start]
    if _ENTITY.search(prolog):
        raise LayerReadError(f"{path}: the OSM XML declares a DOCTYPE or entities; geoplan does "
                             "not expand XML entities. Export the data again (osmium, JOSM or "
                             "Overpass write plain OSM XML)")


def _osmconf() -> str:
    from importlib import resources

    return str(resources.files("geoplan.importers").joinpath("data", "osmconf.ini"))


def _read(file: Path, layer: str | None, bbox: tuple[float, float, float, float], *,
          osm: bool, where: str | None = None) -> gpd.GeoDataFrame:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    kwargs: dict[str, Any] = {"bbox": bbox}
    if osm:
        kwargs["CONFIG_FILE"] = _osmconf()
        if where:
            kwargs["where"] = where
        try:
            frame = pyogrio.read_dataframe(str(file), layer=layer, **kwargs)
        except (DataSourceError, DataLayerError) as exc:
            raise LayerReadError(f"{file}: cannot read the OSM layer {layer!r} ({exc})") from exc
        return frame
    return io.read_vector(file, layer=layer, bbox=bbox)


def _feature_count(file: Path, layer: str | None) -> int | None:
    import pyogrio

    try:
        return int(pyogrio.read_info(str(file), layer=layer)["features"])
    except Exception:  # a count is for the README only
        return None


# ------------------------------------------------------------------------------ import


@dataclass
class _Tally:
    source: int | None = 0
    considered: int = 0
    taken: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    kept_notes: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "near": self.considered, "taken": self.taken,
                "dropped": dict(self.dropped), "notes": dict(self.kept_notes)}


@dataclass(frozen=True)
class OsmImport:
    """What :func:`import_osm` wrote."""

    folder: Path
    province: str
    crs_epsg: int
    buffer_m: float
    layers: Mapping[str, int]
    counts: Mapping[str, Mapping[str, Any]]
    voltages: Mapping[str, int]
    accept_voltages_kv: tuple[int, ...]

    def summary(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "province": self.province,
                "analysis_crs": f"EPSG:{self.crs_epsg}", "buffer_m": self.buffer_m,
                "layers": dict(self.layers), "counts": {k: dict(v) for k, v in self.counts.items()},
                "voltages_kv": dict(self.voltages),
                "accept_voltages_kv": list(self.accept_voltages_kv)}


def _province_rows(admin: Path, province: str) -> tuple[gpd.GeoDataFrame, int]:
    file = admin / PROVINCES_FILE
    if not file.exists():
        raise LayerReadError(f"{file}: the 2025 province boundaries are needed to select the "
                             "province; give --admin the folder holding "
                             f"{PROVINCES_FILE}")
    frame = io.read_vector(file)
    name_col = "name" if "name" in frame.columns else None
    if name_col is None:
        raise LayerReadError(f"{file}: no 'name' column; cannot find {province!r}")
    own = frame[name_col].map(place_key) == place_key(province)
    if not own.any():
        raise PlanError(f"{file}: no province named {province!r}; names there: "
                        f"{', '.join(map(str, frame[name_col].tolist()))}")
    return frame, int(np.flatnonzero(own.to_numpy())[0])


def _communes(admin: Path, code_name: str | None, province: str) -> gpd.GeoDataFrame | None:
    keys = {place_key(province)}
    if code_name:
        keys.add(place_key(code_name))
    for f in sorted(admin.glob("vn_wards_*_2025.geojson")):
        stem = f.name[len("vn_wards_"):-len("_2025.geojson")]
        if place_key(stem) in keys:
            return io.read_vector(f)
    return None


def _meta(attribution: str, what: str) -> dict[str, Any]:
    return {"layer_options": {"DESCRIPTION": f"{what} · {attribution}"},
            "layer_metadata": {"attribution": attribution, "licence": LICENCE_NOTE
                               if attribution == ATTRIBUTION else attribution}}


def import_osm(
    province: str,
    output: str | Path,
    *,
    source: str | Path | None = None,
    admin: str | Path | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
    overwrite: bool = False,
) -> OsmImport:
    """Write a plan folder for ``province`` from an OpenStreetMap power export.

    Parameters
    ----------
    province
        A province of the 34 since 1 July 2025 (matched loosely: "Thanh Hoa", "TP HCM").
    output
        The plan folder to write (must not exist unless ``overwrite``).
    source
        See :func:`find_source`; default :func:`default_source`.
    admin
        Folder with ``vn_provinces_34_2025.geojson`` (and ``vn_wards_<name>_2025.geojson``
        files); default :func:`default_admin`.
    buffer_m
        Substations and plants up to this distance outside the province are taken (metres, in
        the province's VN-2000 TM-3 zone).

    Raises
    ------
    OutputExistsError, LayerReadError, PlanError, CRSError (see their messages)
    """
    target = io.check_output(output, overwrite=overwrite)
    if not (buffer_m >= 0 and math.isfinite(buffer_m)):
        raise PlanError(f"buffer of {buffer_m!r} m: give a distance in metres ≥ 0")
    official = gcrs.province_name(province, scheme="2025")
    conflict = gcrs.MERIDIAN_CONFLICTS.get(official)
    crs = gcrs.province_crs(official)
    src = find_source(source if source is not None else default_source())
    admin_dir = Path(admin) if admin is not None else default_admin(src.path)
    with stage("boundaries", total=2) as step:
        provinces, own_i = _province_rows(admin_dir, official)
        step.advance(item=official)
        metric = gcrs.to_crs(provinces[["geometry"]], crs)
        region = shapely.make_valid(metric.geometry.iloc[own_i])
        buffered = region.buffer(buffer_m) if buffer_m > 0 else region
        near = shapely.buffer(region, NEIGHBOUR_GAP_M)
        neighbour_mask = np.asarray(metric.geometry.intersects(near)).copy()
        neighbour_mask[own_i] = False
        bbox_poly = gcrs.to_wgs84(gpd.GeoDataFrame(geometry=[buffered], crs=crs)
                                  ).geometry.iloc[0]
        x0, y0, x1, y1 = (float(v) for v in bbox_poly.bounds)
        bbox = (x0, y0, x1, y1)
        # the province's communes where available
        code_name = provinces["codeName"].iloc[own_i] if "codeName" in provinces else None
        communes = _communes(admin_dir, code_name, official)
        step.advance(item="communes")

    osm = src.format == "osm"
    with stage("filter", total=3) as step:
        lines, line_tally, accept, volts = _lines(src, bbox, region, crs, osm=osm)
        step.advance(item="lines")
        points, areas, sub_tally = _substations(src, bbox, buffered, crs, osm=osm)
        step.advance(item="substations")
        plants, plant_tally = _plants(src, bbox, buffered, crs, osm=osm)
        step.advance(item="plants")

    # boundary: the province, its communes where available, the neighbouring provinces
    rows = [provinces.iloc[[own_i]].assign(level="province")]
    if neighbour_mask.any():
        rows.append(provinces[neighbour_mask].assign(level="province"))
    if communes is not None:
        rows.append(communes.assign(level="commune"))
    boundary = pd.concat([gcrs.to_wgs84(r[["name", "code", "level", "geometry"]] if "code" in r
                                        else r.assign(code=None)[["name", "code", "level",
                                                                  "geometry"]])
                          for r in rows], ignore_index=True)
    boundary = gpd.GeoDataFrame(boundary, geometry="geometry", crs=gcrs.WGS84)
    boundary["attribution"] = ADMIN_ATTRIBUTION

    written: dict[str, int] = {}
    files = [("boundary", boundary, ADMIN_ATTRIBUTION, "Ranh giới hành chính 2025"),
             ("lines", lines, ATTRIBUTION, "Đường dây (OpenStreetMap)")]
    files += [(name, frame, ATTRIBUTION, what) for name, frame, what in (
        ("substations", points, "Trạm biến áp (OpenStreetMap)"),
        ("substation_areas", areas, "Trạm biến áp, ranh giới (OpenStreetMap)"),
        ("plants", plants, "Nhà máy điện (OpenStreetMap)")) if len(frame)]
    with stage("write", total=len(files) + 1) as step, \
            io.atomic_dir(target, overwrite=overwrite) as tmp:
        for name, frame, attribution, what in files:
            io.write_vector(frame, tmp / f"{name}.gpkg", layer=name, driver="GPKG",
                            **_meta(attribution, what))
            written[name] = len(frame)
            step.advance(item=name)
        result = OsmImport(
            folder=target, province=official, crs_epsg=int(crs.to_epsg() or 0),
            buffer_m=float(buffer_m), layers=written,
            counts={"lines": line_tally.as_dict(), "substations": sub_tally.as_dict(),
                    "plants": plant_tally.as_dict(),
                    "boundary": {"province": 1, "neighbours": int(neighbour_mask.sum()),
                                 "communes": 0 if communes is None else len(communes)}},
            voltages=volts, accept_voltages_kv=accept,
        )
        _write_text(tmp / "plan.toml", _plan_toml(result, src, conflict))
        _write_text(tmp / "README.md", _readme(result, src, admin_dir, conflict))
        step.advance(item="plan.toml, README.md")
    log.info("import-osm %s: %s", official, written)
    return result


def _write_text(path: Path, text: str) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _lines(src: OsmSource, bbox: tuple[float, float, float, float], region: Any, crs: Any, *,
           osm: bool) -> tuple[gpd.GeoDataFrame, _Tally, tuple[int, ...], dict[str, int]]:
    tally = _Tally(source=None)
    parts = []
    total: int | None = 0
    for file, layer in src.lines:
        raw = _read(file, layer, bbox, osm=osm,
                    where="power IN ('line', 'cable', 'minor_line')" if osm else None)
        if not osm:
            count = _feature_count(file, layer)
            total = total + count if count is not None and total is not None else None
        parts.append(_line_rows(raw, osm=osm))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=gcrs.WGS84)
    tally.source = total if not osm else None
    tally.considered = len(frame)
    frame, _ = _drop_missing(frame, tally)
    metric = gcrs.to_crs(frame[["geometry"]], crs)
    touch = np.asarray(metric.geometry.intersects(region), dtype=bool)
    tally.dropped["outside the province"] = _outside(tally, int((~touch).sum()))
    frame = frame[touch].reset_index(drop=True)
    frame["id"] = _unique(frame["id"])
    levels = frame.pop("_levels")
    dropped_parts = frame.pop("_dropped")
    foreign = sorted({kv for t in levels for kv in t if kv not in VOLTAGES_KV}, reverse=True)
    frame["voltage_kv"] = levels.map(lambda t: ";".join(map(str, t)) if t else None)
    volts: Counter[str] = Counter()
    for t in levels:
        volts[str(t[0]) if t else "unknown"] += 1
    tally.taken = len(frame)
    tally.kept_notes["unknown voltage"] = int(sum(1 for t in levels if not t))
    tally.kept_notes["underground"] = int((frame["location"] == "underground").sum())
    tally.kept_notes["under construction"] = int((frame["status"] == "under_construction").sum())
    tally.kept_notes["several voltage levels"] = int(sum(1 for t in levels if len(t) > 1))
    tally.kept_notes["circuits unknown"] = int(frame["circuits"].isna().sum())
    if foreign:
        tally.kept_notes["levels not used in Vietnam (" + ", ".join(f"{v} kV" for v in foreign)
                         + ")"] = int(sum(1 for t in levels if any(v in foreign for v in t)))
    dropped_levels = int(sum(1 for d in dropped_parts if d))
    if dropped_levels:
        tally.kept_notes["sub-kV or unreadable voltage parts dropped from the level list"] = \
            dropped_levels
    tally.kept_notes = Counter({k: v for k, v in tally.kept_notes.items() if v})
    frame["circuits"] = frame["circuits"].astype("Int64")
    frame["attribution"] = ATTRIBUTION
    columns = ["id", "name", "voltage_kv", "status", "circuits", "location", "operator", "ref",
               "voltage_osm", "cables", "attribution", "geometry"]
    return (gpd.GeoDataFrame(frame[columns], geometry="geometry", crs=gcrs.WGS84), tally,
            tuple(foreign), dict(sorted(volts.items(), key=lambda kv: _volt_key(kv[0]))))


def _volt_key(label: str) -> tuple[int, int]:
    return (1, 0) if label == "unknown" else (0, -int(label))


def _drop_missing(frame: gpd.GeoDataFrame, tally: _Tally) -> tuple[gpd.GeoDataFrame, int]:
    geoms = np.asarray(frame.geometry.values, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        tally.dropped["no geometry"] = int(bad.sum())
    return frame[~bad].reset_index(drop=True), int(bad.sum())


def _tags(raw: gpd.GeoDataFrame) -> list[dict[str, str]]:
    """The ``other_tags`` hstore column of GDAL's OSM driver as dicts."""
    if "other_tags" not in raw:
        return [{} for _ in range(len(raw))]
    pattern = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
    return [dict(pattern.findall(v)) if isinstance(v, str) else {} for v in raw["other_tags"]]


def _tag(raw: pd.DataFrame, tags: list[dict[str, str]], key: str) -> list[Any]:
    """An OSM tag: its column (osmconf ``attributes``) when there is one, else ``other_tags``."""
    column = list(_col(raw, key))
    return [_text(v) or t.get(key) for v, t in zip(column, tags, strict=True)]


def _col(raw: pd.DataFrame, name: str) -> pd.Series:
    return raw[name] if name in raw else pd.Series([None] * len(raw), index=raw.index,
                                                   dtype=object)


def _line_rows(raw: gpd.GeoDataFrame, *, osm: bool) -> pd.DataFrame:
    n = len(raw)
    if osm:
        tags = _tags(raw)
        ids = [f"way/{v}" for v in _col(raw, "osm_id")]
        voltage = _tag(raw, tags, "voltage")
        circuits_raw = _tag(raw, tags, "circuits")
        cables = _tag(raw, tags, "cables")
        location = _tag(raw, tags, "location")
        construction = _tag(raw, tags, "construction")
        power = list(_col(raw, "power"))
        operator = _tag(raw, tags, "operator")
        ref = _tag(raw, tags, "ref")
    else:
        ids = [f"way/{v}" for v in _col(raw, "id")]
        volts_text = _col(raw, "voltages")
        max_v = _col(raw, "max_voltage")
        voltage = [_text(a) or (None if b is None or (isinstance(b, float) and math.isnan(b))
                                else b) for a, b in zip(volts_text, max_v, strict=True)]
        circuits_raw = list(_col(raw, "circuits"))
        cables = list(_col(raw, "cables"))
        location = list(_col(raw, "location"))
        construction = list(_col(raw, "construction"))
        power = [None] * n
        operator = list(_col(raw, "operator"))
        ref = list(_col(raw, "ref"))
    parsed = [parse_voltages(v) for v in voltage]
    return pd.DataFrame({
        "id": ids,
        "name": [_text(v) for v in _col(raw, "name")],
        "_levels": [p[0] for p in parsed],
        "_dropped": [p[1] for p in parsed],
        "status": [_status(c, p) for c, p in zip(construction, power, strict=True)],
        "circuits": [parse_circuits(c, k) for c, k in zip(circuits_raw, cables, strict=True)],
        "location": [_location(v, p) for v, p in zip(location, power, strict=True)],
        "operator": [_text(v) for v in operator],
        "ref": [_text(v) for v in ref],
        "voltage_osm": [_text(_plain(v)) if v is not None else None for v in voltage],
        "cables": [_text(_plain(v)) if v is not None else None for v in cables],
        "geometry": np.asarray(raw.geometry.values, dtype=object),
    })


def _unique(ids: pd.Series) -> pd.Series:
    seen: Counter[str] = Counter()
    out = []
    for v in ids.astype(str):
        seen[v] += 1
        out.append(v if seen[v] == 1 else f"{v}-{seen[v]}")
    return pd.Series(out, index=ids.index, dtype=object)


def _outside(tally: _Tally, near_but_outside: int) -> int:
    """Features outside: those read near the province that are not in it, plus (when the source
    count is known) those never read because they lie beyond its bounding box."""
    if tally.source is None:
        return near_but_outside
    return near_but_outside + max(tally.source - tally.considered, 0)


def _select(frame: gpd.GeoDataFrame, buffered: Any, crs: Any, tally: _Tally) -> gpd.GeoDataFrame:
    frame, _ = _drop_missing(frame, tally)
    if not len(frame):
        if _outside(tally, 0):
            tally.dropped["outside the province and its buffer"] = _outside(tally, 0)
        return frame
    metric = gcrs.to_crs(frame[["geometry"]], crs)
    keep = np.asarray(metric.geometry.intersects(buffered), dtype=bool)
    tally.dropped["outside the province and its buffer"] = _outside(tally, int((~keep).sum()))
    return frame[keep].reset_index(drop=True)


def _substations(src: OsmSource, bbox: tuple[float, float, float, float], buffered: Any,
                 crs: Any, *, osm: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, _Tally]:
    tally = _Tally(source=None if osm else 0)
    parts = []
    for file, layer in src.substations:
        raw = _read(file, layer, bbox, osm=osm, where="power = 'substation'" if osm else None)
        if not osm:
            count = _feature_count(file, layer)
            tally.source = (tally.source or 0) + count if count is not None else None
        tags = _tags(raw) if osm else [{} for _ in range(len(raw))]
        if osm:
            prefix = "node" if layer == "points" else None
            ids = [f"{prefix}/{v}" if prefix else _area_id(r) for v, r in
                   zip(_col(raw, "osm_id"), raw.to_dict("records"), strict=True)]
        elif "id" in raw:
            ids = [f"osm/{v}" for v in raw["id"]]
        else:
            seq = raw["seq"] if "seq" in raw else pd.Series(range(1, len(raw) + 1))
            ids = [f"substation/{v}" for v in seq]
        voltage = _tag(raw, tags, "voltage") if "voltage" in raw or osm else \
            list(_col(raw, "max_voltage"))
        parsed = [parse_voltages(v) for v in voltage]
        parts.append(pd.DataFrame({
            "id": ids,
            "name": [_text(v) for v in _col(raw, "name")],
            "voltage_kv": [";".join(map(str, p[0])) if p[0] else None for p in parsed],
            "status": [_status(c) for c in _tag(raw, tags, "construction")],
            "operator": _tag(raw, tags, "operator"),
            "voltage_osm": [_text(_plain(v)) if v is not None else None for v in voltage],
            "geometry": np.asarray(raw.geometry.values, dtype=object),
        }))
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True) if parts else
                             pd.DataFrame({"id": [], "name": [], "voltage_kv": [], "status": [],
                                           "operator": [], "voltage_osm": [], "geometry": []}),
                             geometry="geometry", crs=gcrs.WGS84)
    tally.considered = len(frame)
    frame = _select(frame, buffered, crs, tally)
    frame["id"] = _unique(frame["id"]) if len(frame) else frame["id"]
    frame["attribution"] = ATTRIBUTION
    types = frame.geom_type
    points = frame[types.isin(["Point", "MultiPoint"])].reset_index(drop=True)
    areas = frame[types.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    other = len(frame) - len(points) - len(areas)
    if other:
        tally.dropped["neither point nor polygon"] = other
    if len(points) and len(areas):  # one substation mapped twice: keep the polygon
        pm = gcrs.to_crs(points[["geometry"]], crs).geometry
        am = gcrs.to_crs(areas[["geometry"]], crs).geometry.union_all()
        inside = np.asarray(pm.within(am), dtype=bool)
        if inside.any():
            tally.dropped["points inside a substation polygon (same station)"] = int(inside.sum())
            points = points[~inside].reset_index(drop=True)
    tally.taken = len(points) + len(areas)
    tally.kept_notes["points"] = len(points)
    tally.kept_notes["polygons"] = len(areas)
    tally.kept_notes["unknown voltage"] = int(points["voltage_kv"].isna().sum()
                                             + areas["voltage_kv"].isna().sum())
    tally.kept_notes = Counter({k: v for k, v in tally.kept_notes.items() if v})
    return points, areas, tally


def _area_id(record: Mapping[str, Any]) -> str:
    way = record.get("osm_way_id")
    if way is not None and not (isinstance(way, float) and math.isnan(way)):
        return f"way/{_plain(way)}"
    return f"relation/{_plain(record.get('osm_id'))}"


def _plants(src: OsmSource, bbox: tuple[float, float, float, float], buffered: Any, crs: Any,
            *, osm: bool) -> tuple[gpd.GeoDataFrame, _Tally]:
    tally = _Tally(source=None if osm else 0)
    parts = []
    for file, layer in src.plants:
        raw = _read(file, layer, bbox, osm=osm, where="power = 'plant'" if osm else None)
        if not osm:
            count = _feature_count(file, layer)
            tally.source = (tally.source or 0) + count if count is not None else None
        if osm:
            tags = _tags(raw)
            prefix = "node" if layer == "points" else None
            ids = [f"{prefix}/{v}" if prefix else _area_id(r) for v, r in
                   zip(_col(raw, "osm_id"), raw.to_dict("records"), strict=True)]
            output = _tag(raw, tags, "plant:output:electricity")
            capacity = [parse_capacity_mw(v, unit="W") for v in output]
            source = _tag(raw, tags, "plant:source")
            construction = _tag(raw, tags, "construction")
        else:
            ids = [f"osm/{v}" for v in _col(raw, "id")]
            output = list(_col(raw, "output"))
            capacity = [parse_capacity_mw(v, unit="kW") for v in output]
            source = list(_col(raw, "source"))
            construction = list(_col(raw, "construction"))
        parts.append(pd.DataFrame({
            "id": ids,
            "name": [_text(v) for v in _col(raw, "name")],
            "source": [_plant_source(v) for v in source],
            "source_osm": [_text(v) for v in source],
            "capacity_mw": capacity,
            "output_osm": [_text(_plain(v)) if v is not None else None for v in output],
            "status": [_status(c) for c in construction],
            "geometry": np.asarray(raw.geometry.values, dtype=object),
        }))
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True) if parts else
                             pd.DataFrame({"id": [], "name": [], "source": [], "source_osm": [],
                                           "capacity_mw": [], "output_osm": [], "status": [],
                                           "geometry": []}),
                             geometry="geometry", crs=gcrs.WGS84)
    tally.considered = len(frame)
    frame = _select(frame, buffered, crs, tally)
    if len(frame):
        frame["id"] = _unique(frame["id"])
    frame["capacity_mw"] = pd.to_numeric(frame["capacity_mw"], errors="coerce").astype("float64")
    frame["attribution"] = ATTRIBUTION
    tally.taken = len(frame)
    tally.kept_notes["capacity unknown"] = int(frame["capacity_mw"].isna().sum())
    tally.kept_notes["source unknown"] = int(frame["source"].isna().sum())
    tally.kept_notes["under construction"] = int((frame["status"] == "under_construction").sum())
    tally.kept_notes = Counter({k: v for k, v in tally.kept_notes.items() if v})
    return frame, tally


# ------------------------------------------------------------------------------ writing


def _toml(value: str) -> str:
    """A TOML basic string."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(ch if ch >= " " and ch != "\x7f" else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


def _plan_toml(result: OsmImport, src: OsmSource, conflict: Any) -> str:
    today = _dt.date.today().isoformat()
    layers = result.layers
    out = [
        f"# Written by geoplan import-osm on {today} from {src.path.name} ({src.format}).",
        f"# OpenStreetMap layers: {ATTRIBUTION}. See README.md for what was taken and dropped.",
        "",
        "[plan]",
        f"name = {_toml(result.province + ' — lưới điện OpenStreetMap')}",
        f"province = {_toml(result.province)}",
        f"description = {_toml('Lưới điện từ OpenStreetMap; ' + ATTRIBUTION)}",
    ]
    if conflict is not None:
        out.insert(-3, f"# The central meridian of {result.province} is disputed "
                       f"({', '.join(f'{k} {gcrs.format_meridian(v)}' for k, v in conflict.options.items())}); "  # noqa: E501
                       "geoplan's default is chosen explicitly below.")
        out.append(f"meridian_choice = {conflict.default}")
    out += [
        "",
        "[layers.boundary]",
        'kind = "boundary"',
        'path = "boundary.gpkg"',
        'layer = "boundary"',
        f"title = {_toml('Ranh giới hành chính 2025 · ' + ADMIN_ATTRIBUTION)}",
        'fields = { name = "name", level = "level", code = "code" }',
        "",
        "[layers.lines]",
        'kind = "grid_line"',
        'path = "lines.gpkg"',
        'layer = "lines"',
        f"title = {_toml('Đường dây (OpenStreetMap) · ' + ATTRIBUTION)}",
        'fields = { id = "id", name = "name", voltage_kv = "voltage_kv", status = "status", '
        'circuits = "circuits", location = "location" }',
    ]
    if result.accept_voltages_kv:
        out.append("# levels of cross-border and railway lines, not Vietnamese levels")
        out.append(f"accept_voltages_kv = [{', '.join(map(str, result.accept_voltages_kv))}]")
    for name, title in (("substations", "Trạm biến áp (OpenStreetMap)"),
                        ("substation_areas", "Trạm biến áp, ranh giới (OpenStreetMap)")):
        if name in layers:
            out += ["", f"[layers.{name}]", 'kind = "substation"', f'path = "{name}.gpkg"',
                    f'layer = "{name}"', f"title = {_toml(title + ' · ' + ATTRIBUTION)}",
                    'fields = { id = "id", name = "name", voltage_kv = "voltage_kv", '
                    'status = "status" }']
    if "plants" in layers:
        out += ["", "[layers.plants]", 'kind = "power_plant"', 'path = "plants.gpkg"',
                'layer = "plants"',
                f"title = {_toml('Nhà máy điện (OpenStreetMap) · ' + ATTRIBUTION)}",
                'fields = { id = "id", name = "name", source = "source", '
                'capacity_mw = "capacity_mw", status = "status" }']
    return "\n".join(out) + "\n"


def _md(text: Any) -> str:
    """Text from files, safe inside Markdown (and the HTML a viewer makes of it)."""
    import html

    return html.escape(str(text), quote=False).replace("|", "\\|").replace("*", "\\*") \
        .replace("_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")


def _readme(result: OsmImport, src: OsmSource, admin: Path, conflict: Any) -> str:
    c = result.counts
    lines = c["lines"]
    subs = c["substations"]
    plants = c["plants"]
    today = _dt.date.today().isoformat()
    out = [
        f"# {result.province}: lưới điện OpenStreetMap",
        "",
        f"Written by `geoplan import-osm --province \"{result.province}\"` on {today}.",
        "",
        f"- **Source**: `{_md(src.path.name)}` ({'Open Infrastructure Map export' if src.format == 'oim' else 'OpenStreetMap extract, GDAL OSM driver'}).",  # noqa: E501
        f"- **Attribution**: {ATTRIBUTION} on every OpenStreetMap layer (column `attribution`, "
        "GeoPackage layer description and metadata, layer titles). " + LICENCE_NOTE + ". "
        "A public database derived from this data must also be offered under the ODbL.",
        f"- **Boundaries**: `{_md(admin.name)}/{PROVINCES_FILE}`: {ADMIN_ATTRIBUTION}.",
        f"- **Analysis CRS**: EPSG:{result.crs_epsg} (VN-2000 / TM-3 of {result.province}); "
        f"the files keep the source's EPSG:4326 geometries unchanged.",
        f"- **Selection**: lines that touch the province, whole (not cut); substations and "
        f"plants inside the province or within {result.buffer_m:,.0f} m of it.",
    ]
    if conflict is not None:
        opts = ", ".join(f"{k} {gcrs.format_meridian(v)}" for k, v in conflict.options.items())
        out.append(f"- **Meridian**: disputed ({opts}); the plan sets meridian_choice = "
                   f"{conflict.default}. {conflict.note}")
    out += ["", "## What was taken", "", "| layer | file | features |", "|---|---|---|"]
    for name, n in result.layers.items():
        out.append(f"| {name} | `{name}.gpkg` | {n:,} |")
    b = c["boundary"]
    out += ["", f"Boundary: the province, {b['neighbours']} neighbouring provinces "
                f"(for the grid audit), {b['communes']} communes and wards"
                + ("" if b["communes"] else " (none available for this province)") + "."]
    out += ["", "Lines by highest voltage:", "", "| kV | lines |", "|---|---|"]
    for kv, n in result.voltages.items():
        out.append(f"| {kv} | {n:,} |")
    for title, tally in (("Lines", lines), ("Substations", subs), ("Plants", plants)):
        out += ["", f"## {title}", ""]
        if tally.get("source") is not None:
            out.append(f"- in the source: {tally['source']:,}")
        out.append(f"- read near the province (bounding box): {tally['near']:,}")
        out.append(f"- **taken: {tally['taken']:,}**")
        for why, n in tally["notes"].items():
            out.append(f"  - of which {_md(why)}: {n:,} (kept, reported)")
        for why, n in tally["dropped"].items():
            out.append(f"- dropped, {_md(why)}: {n:,}")
    out += ["", "## Caveats", "",
            "- OpenStreetMap's 110 kV grid in Vietnam is incomplete; 500 and 220 kV are much "
            "more complete. Lines are OSM ways (segments), not whole circuits.",
            "- Lines of unknown voltage are kept; the grid and corridor checks cannot use them "
            "until their voltage is filled in.",
            "- Substations without a voltage get one inferred from the lines that reach them "
            "by the coverage analysis."]
    return "\n".join(out) + "\n"


def counts_table(result: OsmImport) -> list[dict[str, Any]]:
    """One row per layer: what the CLI prints."""
    rows = []
    for name in ("lines", "substations", "plants"):
        tally = result.counts[name]
        rows.append({"layer": name, "source": tally.get("source"), "near": tally["near"],
                     "taken": tally["taken"],
                     "dropped": sum(tally["dropped"].values()),
                     "notes": "; ".join(f"{k} {v}" for k, v in tally["notes"].items())})
    return rows

