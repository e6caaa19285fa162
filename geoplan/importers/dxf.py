"""``import-dxf``: an AutoCAD DXF drawing of a plan as a plan folder, one layer per kind.

Cluster, park and grid drawings of the 2023–2024 provincial plans are often AutoCAD files. GDAL's
DXF driver reads them as one table of entities with the CAD ``Layer`` of each; this importer:

* maps **CAD layer names to kinds** -- by the usual Vietnamese and English words
  (``CCN``/"cụm công nghiệp" -> ``industrial_cluster``, ``KCN`` -> ``industrial_park``,
  ``DZ``/"đường dây"/``110KV`` -> ``grid_line``, ``TBA``/"trạm" -> ``substation`` ...) or by the
  mapping given (``--layer "CAD NAME=kind"``); CAD layers of no kind are counted and left out;
* **closes polylines into polygons** for polygon kinds (a closed LWPOLYLINE/POLYLINE is a
  line in GDAL); open ones on a polygon layer are reported and left out;
* uses **text entities as ids or labels by proximity**: a TEXT/MTEXT inside a polygon, or within
  ``label_distance_m`` of a line or point, on the same CAD layer (or on a layer of no kind, such
  as ``TEXT``), labels it -- an id-like text (``CCN-01``, ``T12``) becomes the id, another the
  name; a voltage written as ``110kV`` in a label or in the CAD layer name becomes the voltage;
* takes **the VN-2000 zone from the caller** (``--crs``): a DXF carries no CRS.

Text in the drawing goes through :mod:`geoplan.io.encodings` (drawings made with ABC/VNI
fonts hold TCVN3/VNI bytes). GDAL's DXF reader does not follow external references (XREFs); the
importer reads the drawing only. The folder is written atomically with a README of what was
taken and left out (CAD layer names escaped). Writing DXF is out of scope.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
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
from geoplan.errors import CRSError, LayerReadError, PlanError
from geoplan.io.encodings import convert_frame, undo_utf8_misread
from geoplan.kinds import KINDS, VOLTAGES_KV
from geoplan.names import fold
from geoplan.progress import stage

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_LABEL_DISTANCE_M", "DxfImport", "cad_layer_kind", "import_dxf"]

#: A text this far (metres) from a line or point still labels it.
DEFAULT_LABEL_DISTANCE_M = 50.0
#: CAD entities sorted between two progress reports.
_STEP_ENTITIES = 1000

#: CAD layer words -> kind, first match wins (folded, word boundaries).
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("industrial_cluster", ("ccn", "cum cong nghiep", "cum cn", "cluster")),
    ("industrial_park", ("kcn", "khu cong nghiep", "khu cn", "industrial park", "park")),
    ("substation", ("tba", "tram bien ap", "tram", "substation")),
    ("power_plant", ("nha may dien", "nmd", "thuy dien", "nhiet dien", "power plant", "plant")),
    ("grid_line", ("dz", "duong day", "ddk", "line", "500kv", "220kv", "110kv", "cap ngam")),
    ("trade_facility", ("cho", "sieu thi", "tttm", "trung tam thuong mai", "market",
                        "xang dau", "logistics", "thuong mai")),
    ("restricted_zone", ("vung han che", "cam xay dung", "restricted", "hanh lang bao ve")),
    ("boundary", ("ranh gioi", "dia gioi", "boundary", "rg tinh", "rg xa")),
)
_POLYGON_KINDS = ("industrial_cluster", "industrial_park", "boundary", "restricted_zone")
_ID_TEXT = re.compile(r"^(?=.*\d)[\w\-./]{1,24}$")  # one word with a digit: "CCN-01", "T12"
_VOLTAGE = re.compile(r"(\d{2,4})\s*kv", re.IGNORECASE)
_MTEXT_CODES = re.compile(r"\\[ACFHQTWfhqtwac][^;]*;|\\[LlOoKkPpNX~]|[{}]")


def cad_layer_kind(name: str) -> str | None:
    """The layer kind a CAD layer name stands for, or ``None``.

    >>> cad_layer_kind("CCN_QUY_HOACH"), cad_layer_kind("DZ 110KV"), cad_layer_kind("TEXT")
    ('industrial_cluster', 'grid_line', None)
    """
    words = f" {re.sub(r'[^a-z0-9]+', ' ', fold(name))} "
    for kind, keys in _KIND_WORDS:
        for key in keys:
            if f" {key} " in words or f" {key.replace(' ', '')} " in words:
                return kind
    return None


def _status_of(name: str, default: str) -> str:
    words = f" {re.sub(r'[^a-z0-9]+', ' ', fold(name))} "
    if any(f" {w} " in words for w in ("dang xay dung", "dxd", "thi cong")):
        return "under_construction"
    if any(f" {w} " in words for w in ("quy hoach", "qh", "du kien", "de xuat", "mo rong",
                                       "planned")):
        return "planned"
    if any(f" {w} " in words for w in ("hien trang", "ht", "hien huu", "existing")):
        return "existing"
    return default


def _clean_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = _MTEXT_CODES.sub("", undo_utf8_misread(value))
    text = text.replace("%%c", "Ø").replace("%%d", "°").strip()
    return re.sub(r"\s+", " ", text) or None


@dataclass
class DxfImport:
    """What :func:`import_dxf` wrote."""

    folder: Path
    crs_epsg: int | None
    layers: dict[str, int] = field(default_factory=dict)
    cad_layers: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)
    labelled: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "crs": f"EPSG:{self.crs_epsg}",
                "layers": self.layers,
                "cad_layers": {k: {"kind": v[0], "entities": v[1]}
                               for k, v in self.cad_layers.items()},
                "dropped": dict(self.dropped), "labelled": self.labelled, "notes": self.notes}


def import_dxf(
    drawing: str | Path,
    output: str | Path,
    *,
    crs: Any,
    layer_kinds: Mapping[str, str] | None = None,
    status: str = "existing",
    label_distance_m: float = DEFAULT_LABEL_DISTANCE_M,
    province: str | None = None,
    overwrite: bool = False,
) -> DxfImport:
    """Write a plan folder from a DXF drawing; see the module docstring.

    Parameters
    ----------
    crs
        The VN-2000 zone of the drawing's coordinates (e.g. ``"EPSG:9209"``); required.
    layer_kinds
        CAD layer name -> kind, overriding the name rules (``{"0": "industrial_cluster"}``);
        a kind of ``"none"`` leaves the CAD layer out.
    status
        The status of features whose CAD layer name says none ("hiện trạng", "quy hoạch" ...).
    province
        Written to the plan (optional).
    """
    target = io.check_output(output, overwrite=overwrite)
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        raise CRSError("a DXF drawing carries no CRS: give its VN-2000 zone, e.g. --crs "
                       "EPSG:9209 (TM-3 105°30′); the zone is the one the drawing was made in")
    zone = gcrs.parse_crs(crs, where="the DXF drawing (--crs)")
    if not gcrs.is_metric(zone):
        raise CRSError(f"{zone.name} is not projected in metres; a CAD drawing is in metres: "
                       "give its VN-2000 TM-3 zone, e.g. EPSG:9209")
    mapping = {str(k): str(v) for k, v in (layer_kinds or {}).items()}
    for cad, kind in mapping.items():
        if kind != "none" and kind not in KINDS:
            raise PlanError(f"--layer {cad}={kind}: {kind!r} is not a layer kind; valid: "
                            f"{', '.join(KINDS)} (or none)")
    path = Path(drawing)
    if path.suffix.lower() != ".dxf":
        raise LayerReadError(f"{path}: not a .dxf file (DWG must be saved as DXF first)")
    with stage("source", total=1) as step:
        raw = io.read_vector(path)
        step.advance(item=path.name)
    if "Layer" not in raw:
        raise LayerReadError(f"{path}: no CAD layer column; is this a DXF written by AutoCAD?")
    result = DxfImport(folder=target, crs_epsg=zone.to_epsg())
    raw = raw.copy()
    raw["Text"] = raw["Text"].map(_clean_text) if "Text" in raw else None
    raw["Layer"] = raw["Layer"].map(lambda v: undo_utf8_misread(v) if isinstance(v, str) else v)
    raw, conversions = convert_frame(raw, columns=["Text", "Layer"])
    for c in conversions:
        result.notes.append(c.message())
    geoms = np.asarray(raw.geometry.values, dtype=object)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    is_text = present & raw["Text"].notna().to_numpy() & np.isin(shapely.get_type_id(geoms),
                                                                 (0, 4))
    texts = raw[is_text]
    shapes = raw[present & ~is_text]
    result.dropped["entities without geometry"] = int((~present).sum())

    kinds_of: dict[str, str | None] = {}
    for cad in sorted(set(raw["Layer"].astype(str))):
        named = mapping.get(cad, cad_layer_kind(cad))
        kinds_of[cad] = None if named == "none" else named
    for cad, n in shapes["Layer"].astype(str).value_counts().sort_index().items():
        result.cad_layers[str(cad)] = (kinds_of[str(cad)], int(n))

    per_kind: dict[str, list[dict[str, Any]]] = {}
    with stage("classify", total=len(shapes)) as step:
        for i, row in enumerate(shapes.itertuples(index=False), start=1):
            if i % _STEP_ENTITIES == 0:
                step.advance(_STEP_ENTITIES)
            cad = str(row.Layer)
            found = kinds_of.get(cad)
            if found is None:
                result.dropped[f"CAD layer {cad!r} of no kind"] += 1
                continue
            kind = found
            geom = _shape(row.geometry, kind)
            if geom is None:
                result.dropped[f"{_geometry_word(row.geometry)} on a {kind} layer"] += 1
                continue
            per_kind.setdefault(kind, []).append({
                "cad_layer": cad, "cad_handle": getattr(row, "EntityHandle", None),
                "status": _status_of(cad, status), "geometry": geom})
        step.advance(len(shapes) % _STEP_ENTITIES)

    frames: dict[str, gpd.GeoDataFrame] = {}
    with stage("label", total=len(per_kind)) as step:
        for kind, rows in per_kind.items():
            frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=zone)
            frame = _label(frame, texts, kinds_of, label_distance_m, kind, result)
            frames[kind] = frame
            result.layers[kind] = len(frame)
            step.advance(item=kind)
    result.dropped = Counter({k: v for k, v in result.dropped.items() if v})
    if not frames:
        raise PlanError(f"{path}: no CAD layer maps to a kind (layers: "
                        f"{', '.join(sorted(kinds_of)) or 'none'}); name them with --layer "
                        "\"CAD NAME=industrial_cluster\" (kinds: " + ", ".join(KINDS) + ")")
    with stage("write", total=len(frames) + 1) as step, \
            io.atomic_dir(target, overwrite=overwrite) as tmp:
        for kind, frame in frames.items():
            io.write_vector(frame, tmp / f"{kind}.gpkg", layer=kind, driver="GPKG")
            step.advance(item=kind)
        _text(tmp / "plan.toml", _plan_toml(result, frames, path, province))
        _text(tmp / "README.md", _readme(result, path))
        step.advance(item="plan.toml, README.md")
    return result


def _geometry_word(geom: Any) -> str:
    if geom is None:
        return "no geometry"
    t = geom.geom_type
    if t in ("LineString", "MultiLineString"):
        return "open polyline" if not geom.is_closed else "closed polyline"
    return t.lower()


def _shape(geom: Any, kind: str) -> Any:
    """The geometry the kind wants, or ``None`` when it cannot have it."""
    t = geom.geom_type
    allowed = KINDS[kind].geometry
    if t in ("Polygon", "MultiPolygon"):
        return geom if "polygon" in allowed else None
    if t in ("LineString", "MultiLineString", "LinearRing"):
        if "line" in allowed:
            return geom
        if "polygon" in allowed:
            parts = shapely.get_parts(geom)
            rings = [p for p in parts if p.is_closed and len(p.coords) >= 4]
            if len(rings) != len(parts):
                return None
            polys = [shapely.make_valid(shapely.Polygon(r.coords)) for r in rings]
            out = shapely.union_all(polys)
            return out if out.geom_type in ("Polygon", "MultiPolygon") and out.area > 0 else None
        return None
    if t in ("Point", "MultiPoint"):
        return geom if "point" in allowed else None
    return None


def _label(frame: gpd.GeoDataFrame, texts: pd.DataFrame, kinds_of: Mapping[str, str | None],
           distance: float, kind: str, result: DxfImport) -> gpd.GeoDataFrame:
    """ids, names and voltages from the texts next to each feature."""
    n = len(frame)
    ids: list[str | None] = [None] * n
    names: list[str | None] = [None] * n
    volts: list[set[int]] = [set() for _ in range(n)]
    geoms = np.asarray(frame.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    layer_of = frame["cad_layer"].to_numpy()
    used = 0
    text_points = np.asarray(texts.geometry.values, dtype=object)
    for t, point in zip(texts[["Layer", "Text"]].itertuples(index=False), text_points,
                        strict=True):
        cad = str(t.Layer)
        near = tree.query(point, predicate="dwithin", distance=distance)
        candidates = [int(c) for c in near if layer_of[c] == cad or kinds_of.get(cad) is None]
        if not candidates:
            continue
        best = min(candidates, key=lambda c: (not bool(shapely.covers(geoms[c], point)),
                                              float(shapely.distance(geoms[c], point))))
        text = str(t.Text)
        used += 1
        for kv in _VOLTAGE.findall(text):
            if int(kv) in VOLTAGES_KV:
                volts[best].add(int(kv))
        if _VOLTAGE.fullmatch(text.strip()):
            continue
        if ids[best] is None and _ID_TEXT.match(text):
            ids[best] = text
        elif names[best] is None:
            names[best] = text
    out = frame.copy()
    generated = 0
    final_ids = []
    seen: Counter[str] = Counter()
    for i in range(n):
        value = ids[i]
        if value is None:
            generated += 1
            value = f"{kind}-{i + 1}"
        seen[value] += 1
        final_ids.append(value if seen[value] == 1 else f"{value}-{seen[value]}")
    out.insert(0, "id", final_ids)
    out.insert(1, "name", names)
    if kind in ("grid_line", "substation", "power_plant"):
        from_layer = [{int(v) for v in _VOLTAGE.findall(str(c)) if int(v) in VOLTAGES_KV}
                      for c in layer_of]
        out["voltage_kv"] = [";".join(map(str, sorted(v or w, reverse=True))) or None
                             for v, w in zip(volts, from_layer, strict=True)]
    if kind == "boundary":
        out["level"] = ["commune" if any(w in f" {fold(c)} " for w in (" xa ", " phuong "))
                        else "province" for c in layer_of]
    result.labelled[kind] = n - generated
    if generated:
        result.notes.append(f"{kind}: {generated} of {n} features have no id text nearby; ids "
                            f"generated as {kind}-N")
    return out


def _text(path: Path, text: str) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _toml(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(ch if ch >= " " and ch != "\x7f" else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


def _plan_toml(result: DxfImport, frames: Mapping[str, gpd.GeoDataFrame], drawing: Path,
               province: str | None) -> str:
    out = [f"# Written by geoplan import-dxf on {_dt.date.today().isoformat()} from "
           f"{_toml(drawing.name)}; see README.md.", "", "[plan]",
           f"name = {_toml(drawing.stem + ' (DXF)')}"]
    if province:
        out.append(f"province = {_toml(province)}")
    out.append(f'analysis_crs = "EPSG:{result.crs_epsg}"')
    for kind, frame in frames.items():
        fields = [f for f in KINDS[kind].field_names if f in frame.columns]
        out += ["", f"[layers.{kind}]", f'kind = "{kind}"', f'path = "{kind}.gpkg"',
                f'layer = "{kind}"',
                "fields = { " + ", ".join(f'{f} = "{f}"' for f in fields) + " }"]
    return "\n".join(out) + "\n"


def _md(value: Any) -> str:
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("*", "\\*") \
        .replace("_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")


def _readme(result: DxfImport, drawing: Path) -> str:
    out = [f"# {_md(drawing.name)}: plan from a DXF drawing", "",
           f"Written by `geoplan import-dxf` on {_dt.date.today().isoformat()}; coordinates "
           f"taken as EPSG:{result.crs_epsg} (the DXF carries no CRS).", "",
           "## CAD layers", "", "| CAD layer | kind | entities |", "|---|---|---|"]
    for cad, (kind, n) in result.cad_layers.items():
        out.append(f"| {_md(cad)} | {kind or '— (left out)'} | {n:,} |")
    out += ["", "## Layers written", "", "| layer | features | labelled by a text |",
            "|---|---|---|"]
    for kind, n in result.layers.items():
        out.append(f"| {kind} | {n:,} | {result.labelled.get(kind, 0):,} |")
    if result.dropped:
        out += ["", "## Left out", ""] + [f"- {_md(k)}: {v:,}" for k, v in result.dropped.items()]
    if result.notes:
        out += ["", "## Notes", ""] + [f"- {_md(n)}" for n in result.notes]
    return "\n".join(out) + "\n"
