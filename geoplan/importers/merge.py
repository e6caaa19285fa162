"""``merge-plans``: the plans of old provinces combined into the new province's plan (2025).

Since 1 July 2025, 63 provinces became 34. The plan of a new province must combine data drawn in
the TM-3 zones of the provinces it absorbed: Hải Phòng's (105°45′) with Hải Dương's (105°30′),
for example. :func:`merge_plans` loads every old plan as it is (each layer read and validated in
its own declared CRS, through :func:`geoplan.load_plan`), reprojects every layer to the new
province's zone through :func:`geoplan.crs.to_crs` (VN-2000 ↔ WGS 84 only ever through the
pinned EPSG:6960), and writes one plan folder:

* layers of the same name in several old plans become one layer; each feature keeps where it
  came from: ``old_province``, ``old_plan``, ``old_id`` and, for kinds with a commune field or
  commune boundaries, ``old_commune`` (the old names are the aliases planners search by);
* ids stay unique: when two old plans use the same id in one merged layer, every id of that
  layer is prefixed with its old province's short code (``HD-CCN01``), the old id kept;
* the old provinces' outlines are dissolved into the new province's boundary; old communes are
  kept; the old plans' neighbouring provinces are left out (they are pre-2025 units);
* features that look like the same thing across the old boundary (same kind, from different old
  plans, overlapping, or points a few metres apart, or the same name close by) are listed in
  ``duplicates.csv`` and the README -- never dropped: a planner decides;
* the meridian: when the new province's central meridian is disputed (Quảng Trị, Tây Ninh, Lai
  Châu, domain facts §1.5) the choice is written to ``plan.toml`` and the README names the
  alternatives; every old plan's zone and the new zone are listed.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import crs as gcrs
from geoplan import io
from geoplan.errors import CRSError, PlanError
from geoplan.kinds import KINDS
from geoplan.names import fold, place_key, place_words
from geoplan.progress import stage

log = logging.getLogger(__name__)

__all__ = ["DUPLICATE_DISTANCE_M", "MergeResult", "merge_plans", "province_code"]

#: Points of one kind from different old plans this close (metres) are reported as duplicates;
#: features with the same name within ten times this distance too.
DUPLICATE_DISTANCE_M = 25.0
#: Polygons (lines) sharing this share of the smaller area (shorter length) are duplicates.
DUPLICATE_SHARE = 0.5
_LINE_TOLERANCE_M = 5.0


def province_code(name: str) -> str:
    """A short code for a province: the initials of its words (``"Hải Dương"`` -> ``"HD"``).

    >>> province_code("Hải Dương"), province_code("Thừa Thiên Huế"), province_code("TP HCM")
    ('HD', 'TTH', 'HCM')
    """
    words = place_words(name).split()
    if len(words) == 1 and len(words[0]) <= 4:
        return words[0].upper()
    return "".join(w[0] for w in words).upper() or "X"


@dataclass(frozen=True)
class _Source:
    path: Path
    plan: Any
    province: str
    code: str
    zone: str


@dataclass
class MergeResult:
    """What :func:`merge_plans` wrote."""

    folder: Path
    province: str
    crs_epsg: int
    sources: list[dict[str, Any]] = field(default_factory=list)
    layers: dict[str, dict[str, int]] = field(default_factory=dict)
    prefixed: list[str] = field(default_factory=list)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "province": self.province,
                "analysis_crs": f"EPSG:{self.crs_epsg}", "sources": self.sources,
                "layers": self.layers, "prefixed_layers": self.prefixed,
                "duplicates": len(self.duplicates), "notes": self.notes}


def _old_province(plan: Any) -> str:
    name = plan.province or plan.name
    for scheme in ("1999", "2025"):
        try:
            return gcrs.province_name(name, scheme=scheme)
        except CRSError:
            continue
    return str(name)


def merge_plans(
    plans: Sequence[str | Path],
    province: str,
    output: str | Path,
    *,
    meridian_choice: float | str | None = None,
    overwrite: bool = False,
) -> MergeResult:
    """Merge the plans of old provinces into a plan folder for the 2025 province ``province``.

    Raises
    ------
    PlanError
        Fewer than two plans, an old province that is not part of ``province``, or an unknown
        province; :class:`~geoplan.errors.PlanValidationError` when an old plan has errors.
    """
    target = io.check_output(output, overwrite=overwrite)
    if len(plans) < 2:
        raise PlanError("merge-plans needs at least two old plans (one per old province)")
    new = gcrs.province_name(province, scheme="2025")
    conflict = gcrs.MERIDIAN_CONFLICTS.get(new)
    crs = gcrs.province_crs(new, choice=meridian_choice)
    result = MergeResult(folder=target, province=new, crs_epsg=int(crs.to_epsg() or 0))
    if conflict is not None:
        chosen = gcrs.province_meridian(new, choice=meridian_choice)
        result.notes.append(
            f"the central meridian of {new} is disputed ("
            + ", ".join(f"{k} {gcrs.format_meridian(v)}" for k, v in conflict.options.items())
            + f"); the merged plan uses {gcrs.format_meridian(chosen)} (EPSG:{result.crs_epsg})"
            + ("" if meridian_choice is not None else ", geoplan's default: pass "
               "--meridian to choose"))

    sources: list[_Source] = []
    codes: dict[str, str] = {}
    with stage("source", total=len(plans)) as step:
        for path in plans:
            sources.append(_read_old_plan(path, new, codes, result))
            step.advance(item=sources[-1].province)
    zones = {s.zone for s in sources}
    if len(zones) > 1 or gcrs.crs_label(crs) not in zones:
        result.notes.append("old plans drawn in " + ", ".join(
            f"{s.province} {s.zone} ({_meridian(s.plan.crs)})" for s in sources)
            + f"; all reprojected to EPSG:{result.crs_epsg} ({_meridian(crs)})")

    frames, specs = _merged_frames(sources, crs, result)
    with stage("duplicates"):
        result.duplicates = _duplicates(frames, specs)
    with stage("boundaries"):
        boundary = _boundary(sources, crs, new, result)
    if boundary is not None:
        frames = {"boundary": boundary, **{k: v for k, v in frames.items() if k != "boundary"}}
        specs.setdefault("boundary", ("boundary", ()))

    settings = _settings(sources, result)
    with stage("write", total=len(frames) + 1) as step, \
            io.atomic_dir(target, overwrite=overwrite) as tmp:
        for name, frame in frames.items():
            io.write_vector(frame, tmp / f"{name}.gpkg", layer=name, driver="GPKG")
            step.advance(item=name)
        if len(result.duplicates):
            with io.atomic_path(tmp / "duplicates.csv") as out:
                result.duplicates.to_csv(out, index=False, encoding="utf-8")
        _text(tmp / "plan.toml", _plan_toml(result, frames, specs, conflict, settings,
                                            meridian_choice))
        _text(tmp / "README.md", _readme(result))
        step.advance(item="plan.toml, README.md")
    return result


def _read_old_plan(path: str | Path, new: str, codes: dict[str, str], result: MergeResult
                   ) -> _Source:
    """One old plan, loaded and checked against the new province (its code kept in
    ``codes``; its row and notes in ``result``)."""
    from geoplan.load import load_plan

    plan = load_plan(path)
    old = _old_province(plan)
    merged_into = gcrs.MERGED_INTO_2025.get(old)
    if merged_into is None and place_key(old) != place_key(new):
        result.notes.append(f"{plan.path}: province {old!r} is not a pre-2025 province; "
                            f"taken as part of {new}")
    elif merged_into is not None and merged_into != new:
        raise PlanError(f"{plan.path}: {old} became part of {merged_into} on 1 July 2025, "
                        f"not of {new}; merge it into {merged_into}'s plan")
    code = province_code(old)
    if code in codes.values() and codes.get(old) != code:
        code = place_key(old).upper()
    codes[old] = code
    source = _Source(Path(plan.path), plan, old, code, gcrs.crs_label(plan.crs))
    result.sources.append({"plan": str(plan.path), "province": old, "code": code,
                           "crs": gcrs.crs_label(plan.crs),
                           "meridian": _meridian(plan.crs)})
    for name in plan.rasters:
        result.notes.append(f"{plan.path}: raster layer {name!r} not merged (rasters are "
                            "not reprojected); add it to the new plan by hand")
    return source


def _meridian(crs: Any) -> str:
    op = crs.coordinate_operation
    if op is None:
        return "?"
    for p in op.params:
        if p.name == "Longitude of natural origin":
            return gcrs.format_meridian(float(p.value))
    return "?"


_Spec = tuple[str, tuple[float, ...]]  # kind, accepted extra voltage levels


def _merged_frames(sources: list[_Source], crs: Any, result: MergeResult
                   ) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, _Spec]]:
    by_name: dict[str, list[tuple[_Source, Any]]] = {}
    for s in sources:
        for name, layer in s.plan.layers.items():
            by_name.setdefault(name, []).append((s, layer))
    frames: dict[str, gpd.GeoDataFrame] = {}
    specs: dict[str, _Spec] = {}
    with stage("merge", total=len(by_name)) as step:
        for name, parts in by_name.items():
            _merge_layer(name, parts, sources, crs, result, frames, specs)
            step.advance(item=name)
    return frames, specs


def _merge_layer(name: str, parts: list[tuple[_Source, Any]], sources: list[_Source], crs: Any,
                 result: MergeResult, frames: dict[str, gpd.GeoDataFrame],
                 specs: dict[str, _Spec]) -> None:
    """Layer ``name`` of every old plan, reprojected and merged into ``frames`` (not the
    boundary, merged by :func:`_boundary`)."""
    kinds = {layer.kind for _, layer in parts}
    if len(kinds) > 1:
        raise PlanError(f"layer {name!r} is of kinds {', '.join(sorted(kinds))} in the old "
                        "plans; rename one so each merged layer has one kind")
    kind = kinds.pop()
    if kind == "boundary":
        return
    pieces = []
    for s, layer in parts:
        frame = gcrs.to_crs(layer.frame, crs, name=f"{s.province}:{name}")
        frame = frame.assign(old_province=s.province, old_plan=str(s.path))
        if "id" in frame:
            frame["old_id"] = frame["id"].astype(object)
        if "commune" in frame:
            frame["old_commune"] = frame["commune"]
        pieces.append(frame)
        result.layers.setdefault(name, {})[s.province] = len(frame)
    merged = gpd.GeoDataFrame(pd.concat(pieces, ignore_index=True), geometry="geometry",
                              crs=crs)
    if "id" in merged:
        ids = merged["id"].astype(str)
        if ids.duplicated().any():
            code = merged["old_province"].map({s.province: s.code for s in sources})
            merged["id"] = code + "-" + ids
            result.prefixed.append(name)
    if "voltage_levels" in merged:  # keep every level, not only the highest
        highest = merged["voltage_kv"].map(lambda v: None if pd.isna(v) else str(int(v)))
        merged["voltage_kv"] = merged["voltage_levels"].where(
            merged["voltage_levels"].notna(), highest).astype(object)
        merged = merged.drop(columns=["voltage_levels"])
    extra: set[float] = set()
    for _, layer in parts:
        extra.update(layer.spec.accept_voltages_kv)
    frames[name] = merged
    specs[name] = (kind, tuple(sorted(extra)))


def _boundary(sources: list[_Source], crs: Any, new: str, result: MergeResult
              ) -> gpd.GeoDataFrame | None:
    outlines = []
    communes = []
    dropped = 0
    for s in sources:
        own = s.plan.boundary
        if own is not None and len(own):
            outlines.append(gcrs.to_crs(own, crs).geometry.union_all())
        comm = s.plan.communes
        if comm is not None and len(comm):
            part = gcrs.to_crs(comm, crs)
            communes.append(part.assign(old_province=s.province, old_commune=part["name"],
                                        old_plan=str(s.path)))
        others = s.plan.neighbours
        dropped += 0 if others is None else len(others)
    if dropped:
        result.notes.append(f"{dropped} neighbouring-province outline(s) of the old plans left "
                            "out (pre-2025 units)")
    if not outlines and not communes:
        result.notes.append("no old plan has a boundary layer: the merged plan has none")
        return None
    rows = []
    if outlines:
        union = shapely.union_all(outlines)
        rows.append(gpd.GeoDataFrame({"name": [new], "level": ["province"], "code": [None],
                                      "old_province": [", ".join(s.province for s in sources)],
                                      "old_commune": [None], "old_plan": [None]},
                                     geometry=[union], crs=crs))
        result.layers["boundary"] = {"province (dissolved)": 1}
    for part in communes:
        rows.append(part[["name", "level", "code", "old_province", "old_commune", "old_plan",
                          "geometry"]])
        result.layers.setdefault("boundary", {})[str(part["old_province"].iloc[0])] = len(part)
    out = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), geometry="geometry", crs=crs)
    return out


def _duplicates(frames: dict[str, gpd.GeoDataFrame],
                specs: dict[str, tuple[str, tuple[float, ...]]]) -> pd.DataFrame:
    """Pairs of features of one kind from different old plans that look like one feature."""
    rows: list[dict[str, Any]] = []
    layers = list(frames.items())
    for i, (name_a, a) in enumerate(layers):
        for name_b, b in layers[i:]:
            if not len(a) or not len(b) or specs[name_a][0] != specs[name_b][0]:
                continue
            rows.extend(_pairs(name_a, a, name_b, b))
    columns = ["layer_a", "id_a", "old_province_a", "layer_b", "id_b", "old_province_b",
               "name_a", "name_b", "how", "value"]
    return pd.DataFrame(rows, columns=columns)


def _pairs(name_a: str, a: gpd.GeoDataFrame, name_b: str, b: gpd.GeoDataFrame
           ) -> list[dict[str, Any]]:
    ga = np.asarray(a.geometry.values, dtype=object)
    gb = np.asarray(b.geometry.values, dtype=object)
    near = max(DUPLICATE_DISTANCE_M * 10, _LINE_TOLERANCE_M)
    tree = shapely.STRtree(gb)
    ia, ib = tree.query(ga, predicate="dwithin", distance=near)
    out = []
    prov_a = a["old_province"].to_numpy()
    prov_b = b["old_province"].to_numpy()
    names_a = a["name"].to_numpy() if "name" in a else np.full(len(a), None)
    names_b = b["name"].to_numpy() if "name" in b else np.full(len(b), None)
    ids_a = a["id"].to_numpy() if "id" in a else np.arange(len(a))
    ids_b = b["id"].to_numpy() if "id" in b else np.arange(len(b))
    for x, y in zip(ia, ib, strict=True):
        if prov_a[x] == prov_b[y] or (name_a == name_b and x >= y):
            continue
        how, value = _same(ga[x], gb[y], names_a[x], names_b[y])
        if how:
            out.append({"layer_a": name_a, "id_a": ids_a[x], "old_province_a": prov_a[x],
                        "layer_b": name_b, "id_b": ids_b[y], "old_province_b": prov_b[y],
                        "name_a": names_a[x], "name_b": names_b[y], "how": how,
                        "value": round(float(value), 3)})
    return out


def _same(a: Any, b: Any, name_a: Any, name_b: Any) -> tuple[str | None, float]:
    ta, tb = shapely.get_type_id(a), shapely.get_type_id(b)
    if ta in (3, 6) and tb in (3, 6):
        inter = float(shapely.area(shapely.intersection(a, b)))
        smaller = min(float(a.area), float(b.area))
        if smaller > 0 and inter / smaller >= DUPLICATE_SHARE:
            return "overlap share", inter / smaller
    elif ta in (1, 5) and tb in (1, 5):
        shared = float(shapely.length(shapely.intersection(
            a, shapely.buffer(b, _LINE_TOLERANCE_M))))
        shorter = min(float(a.length), float(b.length))
        if shorter > 0 and shared / shorter >= DUPLICATE_SHARE:
            return "shared length", shared / shorter
    else:
        d = float(shapely.distance(a, b))
        if d <= DUPLICATE_DISTANCE_M:
            return "distance m", d
    if isinstance(name_a, str) and isinstance(name_b, str) and fold(name_a) == fold(name_b):
        return "same name, distance m", float(shapely.distance(a, b))
    return None, math.nan


def _settings(sources: list[_Source], result: MergeResult) -> dict[str, Any]:
    first = dict(sources[0].plan.settings)
    if all(dict(s.plan.settings) == first for s in sources[1:]):
        return first
    result.notes.append("the old plans' settings sections differ; none copied (set [rules], "
                        "[coverage], [grid] ... of the new plan by hand)")
    return {}


def _text(path: Path, text: str) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    out = str(value).replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(ch if ch >= " " and ch != "\x7f" else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


def _plan_toml(result: MergeResult, frames: dict[str, gpd.GeoDataFrame],
               specs: dict[str, tuple[str, tuple[float, ...]]], conflict: Any,
               settings: dict[str, Any], meridian_choice: Any) -> str:
    olds = ", ".join(s["province"] for s in result.sources)
    out = [f"# Written by geoplan merge-plans on {_dt.date.today().isoformat()} from the plans "
           f"of {olds}.", "# See README.md for the zones, renamed ids and possible duplicates.",
           "", "[plan]", f"name = {_toml(f'{result.province} (hợp nhất {olds})')}",
           f"province = {_toml(result.province)}", 'province_scheme = "2025"',
           f'analysis_crs = "EPSG:{result.crs_epsg}"']
    if conflict is not None:
        chosen = gcrs.province_meridian(result.province, choice=meridian_choice)
        out.append(f"meridian_choice = {chosen}  # disputed: see README.md")
    for name, frame in frames.items():
        kind, extra = specs[name]
        fields = {f: f for f in KINDS[kind].field_names if f in frame.columns}
        out += ["", f"[layers.{name}]", f"kind = {_toml(kind)}", f'path = "{name}.gpkg"',
                f'layer = "{name}"', f"fields = {_toml(fields)}"]
        if extra:
            out.append(f"accept_voltages_kv = {_toml([int(v) if float(v).is_integer() else v for v in extra])}")  # noqa: E501
    for section, values in settings.items():
        out += ["", f"[{section}]"] + [f"{k} = {_toml(v)}" for k, v in values.items()]
    return "\n".join(out) + "\n"


def _md(value: Any) -> str:
    import html

    return html.escape(str(value), quote=False).replace("|", "\\|").replace("*", "\\*") \
        .replace("_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")


def _readme(result: MergeResult) -> str:
    out = [f"# {result.province}: kế hoạch hợp nhất (merged plan)", "",
           f"Written by `geoplan merge-plans` on {_dt.date.today().isoformat()}. Analysis CRS "
           f"EPSG:{result.crs_epsg} (VN-2000 / TM-3 {_md(result.province)}); every layer was "
           "read in its old plan's CRS and reprojected with the pinned VN-2000 ↔ WGS 84 "
           "operation EPSG:6960 where a datum change is involved.", "",
           "## Old plans", "", "| old province | code | CRS | meridian | plan |",
           "|---|---|---|---|---|"]
    for s in result.sources:
        out.append(f"| {_md(s['province'])} | {s['code']} | {s['crs']} | {s['meridian']} | "
                   f"`{_md(s['plan'])}` |")
    out += ["", "## Layers", "", "| layer | from | features |", "|---|---|---|"]
    for name, counts in result.layers.items():
        for old, n in counts.items():
            out.append(f"| {_md(name)} | {_md(old)} | {n:,} |")
    if result.prefixed:
        out += ["", "Ids prefixed with the old province's code (the same id was used in two old "
                "plans; the old id is kept in `old_id`): " + ", ".join(map(_md, result.prefixed))
                + "."]
    out += ["", "Every feature keeps `old_province`, `old_plan` and, where it has one, "
            "`old_commune` and `old_id`."]
    out += ["", f"## Possible duplicates across the old boundary ({len(result.duplicates)})", ""]
    if len(result.duplicates):
        out += ["Listed in `duplicates.csv`; none was removed.", "",
                "| layer | id | old province | layer | id | old province | how | value |",
                "|---|---|---|---|---|---|---|---|"]
        for r in result.duplicates.head(50).itertuples():
            out.append(f"| {_md(r.layer_a)} | {_md(r.id_a)} | {_md(r.old_province_a)} | "
                       f"{_md(r.layer_b)} | {_md(r.id_b)} | {_md(r.old_province_b)} | {r.how} | "
                       f"{r.value} |")
    else:
        out.append("None found.")
    if result.notes:
        out += ["", "## Notes", ""] + [f"- {_md(n)}" for n in result.notes]
    return "\n".join(out) + "\n"
