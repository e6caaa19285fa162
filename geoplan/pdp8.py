"""Reconcile the provincial 220/500 kV grid with the national power development plan (PDP8).

The national list comes in the layout of the grid appendix of Decision 768/QĐ-TTg (PDP8
revised; appendix III.2, tables 3-14, see ``docs`` of the domain facts §6): one table per
region, voltage and kind, each with a title row, a header row and rows grouped under phase
headers::

    Bảng 5. Danh mục trạm biến áp 220 kV khu vực miền Bắc
    TT | Tên trạm biến áp | Công suất (MVA) | Ghi chú
    I  | Giai đoạn 2026-2030
    1  | Hòa Tiến 2        | 250             | Xây dựng mới
    ...
    Table 6. 220 kV lines - North
    No. | Line name | No. of circuits × km | Note
    I   | Phase 2025-2030
    1   | Minh Hà – Rẽ Hiệp Hòa – Phố Nối | 4x5 | New construction

Vietnamese and English headings are both read; a flat table with ``kind``/``voltage``/``phase``
columns works too. There is no province column in PDP8: an item concerns the plan when it
matches a provincial item, or names the province or one of its communes (a province column,
when a list has one, is used as well).

Names are compared after normalisation (:func:`normalise_name`: diacritics folded, "TBA",
"ĐZ", "500kV", "xây dựng mới", "(*)"... removed; a line "A – B" is the set of its two ends; a
loop-in "A – Rẽ B – C" stands for the lines A–B and A–C; "X 500 kV nối cấp" is the 220 kV side
of the 500 kV station X; "Nâng khả năng tải ..." an uprating) and matched one to one with
:class:`difflib.SequenceMatcher`; the score (0-100) is shown.

Reading the national list lives here, not in :mod:`geoplan.io`, because it is a document
table, not a layer.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.errors import LayerReadError
from geoplan.findings import make_findings
from geoplan.io import check_source
from geoplan.kinds import fold, normalise_period, period_end
from geoplan.messages import Text, check_lang, message, plan_lang, term
from geoplan.names import place_words

if TYPE_CHECKING:  # pragma: no cover
    from geoplan.plan import Plan

log = logging.getLogger(__name__)

__all__ = [
    "KM_TOLERANCE",
    "MIN_SCORE",
    "MVA_TOLERANCE",
    "RESULT_COLUMNS",
    "Pdp8Result",
    "line_ends",
    "normalise_name",
    "parse_capacity",
    "parse_circuits_km",
    "plan_items",
    "read_national_list",
    "reconcile",
    "reconcile_plan",
]

#: Default lowest score (0-100) of a fuzzy name match.
MIN_SCORE = 85.0
#: Capacities within this share are the same.
MVA_TOLERANCE = 0.01
#: PDP8 line lengths are indicative (fixed at project preparation): lengths within this share
#: of each other are the same.
KM_TOLERANCE = 0.20

REFERENCE = "Decision 768/QĐ-TTg (PDP8 revised), appendix III.2 grid tables"
#: :data:`REFERENCE` in Vietnamese and in English.
REFERENCE_TEXT = message("pdp8.reference")

NATIONAL_COLUMNS = ["row", "table", "kind", "voltage_kv", "name", "capacity_mva",
                    "capacity_text", "switching", "circuits", "km", "note", "phase", "province"]

RESULT_COLUMNS = [
    "result", "kind", "voltage_kv", "national_name", "national_row", "plan_layer", "plan_id",
    "plan_name", "score", "national_phase", "plan_status", "plan_period", "phase",
    "national_mva", "plan_mva", "mva", "national_circuits", "plan_circuits", "national_km",
    "plan_km", "circuits_km", "note", "remarks",
]

# ------------------------------------------------------------------------------ names

_VOLTAGE_TOKEN = re.compile(r"\b\d{2,4}\s*/?\s*(?:\d{2,4}\s*)?kv\b")
_STRIP_PHRASES = (
    "tram bien ap", "tram cat", "duong day", "nha may dien", "xay dung moi", "xay moi",
    "mo rong", "nang cong suat", "cai tao", "new construction", "substation", "line",
    "switching station", "tba", "dz", "nmd", "tram",
)
_UPRATE = ("nang kha nang tai", "nang cap", "uprating", "upgrade")
_NOI_CAP = "noi cap"
_LINE_SPLIT = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")


def _clean(folded: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", folded)
    text = text.replace("*", " ")
    text = _VOLTAGE_TOKEN.sub(" ", text)
    text = re.sub(r"\bmach \d\b", " ", text)
    for phrase in (*_UPRATE, _NOI_CAP, *_STRIP_PHRASES):
        text = re.sub(rf"\b{re.escape(phrase)}\b", " ", text)
    text = re.sub(r"[^\w ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise_name(name: Any) -> str:
    """A station (or line end) name reduced for matching.

    >>> normalise_name("TBA 500kV Minh Hà (*)")
    'minh ha'
    >>> normalise_name("Trạm biến áp 220 kV Hoà Tiến - xây dựng mới")
    'hoa tien'
    >>> normalise_name("Phố Nối 500kV nối cấp")
    'pho noi'
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    return _clean(fold(str(name)))


def line_ends(name: Any) -> tuple[tuple[str, ...], str | None, bool]:
    """The normalised ends of a line name, the end the line loops into, and whether it is an
    uprating.

    ``"A – B"`` gives ``(("a", "b"), None, False)``; the loop-in ``"A – Rẽ B – C"`` gives
    ``(("b", "c"), "a", False)`` (station A cut into the line B–C).

    >>> line_ends("ĐZ 220kV Minh Hà – Bắc Minh")
    (('bac minh', 'minh ha'), None, False)
    >>> line_ends("Minh Hà – Rẽ Hiệp Hòa – Phố Nối")
    (('hiep hoa', 'pho noi'), 'minh ha', False)
    >>> line_ends("Nâng khả năng tải đường dây 220 kV Minh Hà - Bắc Minh")
    (('bac minh', 'minh ha'), None, True)
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return (), None, False
    raw = str(name)
    folded_all = fold(raw)
    uprate = any(p in folded_all for p in _UPRATE)
    parts = [p for p in _LINE_SPLIT.split(raw.strip()) if p.strip()]
    ends: list[str] = []
    loop_into: str | None = None
    rest: list[str] = []
    for k, part in enumerate(parts):
        f = fold(part)
        if re.match(r"^(re|loop in( to)?|re nhanh)\b", f):
            loop_into = _clean(fold(parts[0])) if k == 1 else loop_into
            rest = [_clean(re.sub(r"^(re nhanh|re|loop in( to)?)\b", " ", f))] + [
                _clean(fold(p)) for p in parts[k + 1:]]
            break
    if loop_into is not None:
        ends = [e for e in rest if e]
    else:
        ends = [e for e in (_clean(fold(p)) for p in parts) if e]
    return tuple(sorted(ends)), loop_into, uprate


def _ratio(a: str, b: str) -> float:
    """Similarity 0-100; names whose numbers differ ("Minh Hà 2", "Minh Hà") never match."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    if re.findall(r"\d+", a) != re.findall(r"\d+", b):
        return 0.0
    return 100.0 * difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _ends_score(a: Sequence[str], b: Sequence[str]) -> float:
    if len(a) != 2 or len(b) != 2:
        return _ratio(" ".join(a), " ".join(b))
    return max((_ratio(a[0], b[0]) + _ratio(a[1], b[1])) / 2,
               (_ratio(a[0], b[1]) + _ratio(a[1], b[0])) / 2)


# ------------------------------------------------------------------------------ values

_MULT = re.compile(r"(\d+)\s*[x×*]\s*(\d+(?:[.,]\d+)?)")


def _number(text: str) -> float | None:
    t = text.strip().replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}([. ]\d{3})+", t):  # 1.800 / 4 500: thousands
        t = re.sub(r"[. ]", "", t)
    t = t.replace(" ", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def parse_capacity(value: Any) -> tuple[float | None, bool]:
    """Capacity in MVA from ``"1800"``, ``"2x900"``, ``"1.800"``, ``"900 (*)"``; and whether the
    cell says it is a switching station ("Trạm cắt").

    >>> parse_capacity("2x250"), parse_capacity("Trạm cắt"), parse_capacity("4 500")
    ((500.0, False), (None, True), (4500.0, False))
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, False
    if isinstance(value, (int, float)):
        return float(value), False
    text = fold(str(value))
    if "tram cat" in text or "switching" in text:
        return None, True
    text = re.sub(r"\([^)]*\)|\*|mva", " ", text).strip()
    total = 0.0
    found = False
    for n, size in _MULT.findall(text):
        total += int(n) * float(size.replace(",", "."))
        found = True
    if found:
        return total, False
    number = _number(text)
    return number, False


def parse_circuits_km(value: Any) -> tuple[int | None, float | None]:
    """``(circuits, km)`` from ``"2x35"``, ``"4 × 5"``, ``"1x75,5"``; ``(None, km)`` from a bare
    length.

    >>> parse_circuits_km("2x35"), parse_circuits_km("4 × 5"), parse_circuits_km("12,5")
    ((2, 35.0), (4, 5.0), (None, 12.5))
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    text = fold(str(value))
    m = _MULT.search(text)
    if m:
        return int(m.group(1)), float(m.group(2).replace(",", "."))
    return None, _number(re.sub(r"km", "", text))


# ------------------------------------------------------------------------ reading the list

_HEADER_ROLES: dict[str, tuple[str, ...]] = {
    "no": ("tt", "stt", "no", "no.", "so tt", "#"),
    "name": ("ten tram bien ap", "ten duong day", "ten cong trinh", "danh muc", "ten",
             "substation name", "line name", "name", "project", "hang muc", "ten du an"),
    "capacity": ("cong suat (mva)", "capacity (mva)", "quy mo (mva)", "cong suat", "capacity",
                 "mva"),
    "circuits_km": ("so mach x km", "so mach km", "no. of circuits x km",
                    "no. of circuits km", "quy mo (so mach km)", "quy mo (so mach x km)",
                    "circuits x km", "quy mo"),
    "note": ("ghi chu", "note", "notes", "remarks"),
    "phase": ("giai doan", "phase", "period"),
    "voltage": ("cap dien ap", "voltage", "voltage (kv)", "kv", "cap dien ap (kv)"),
    "kind": ("loai", "kind", "type"),
    "province": ("tinh", "province", "dia phuong", "tinh thanh pho"),
}


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", " ", fold(cell).replace("×", "x").replace("*", "x")).strip()


def _roles(row: Sequence[str]) -> dict[str, int] | None:
    """Column roles when ``row`` is a header row (it has a name column), else ``None``."""
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = _header_key(cell)
        if not key:
            continue
        for role, words in _HEADER_ROLES.items():
            if role in found:
                continue
            if key in words or (role in ("capacity", "circuits_km") and any(
                    key.startswith(w) for w in words if len(w) > 4)):
                found[role] = i
                break
    return found if "name" in found and len(found) >= 2 else None


_PHASE = re.compile(r"(?:giai doan|phase|period)\s*(\d{4}\s*(?:-|–|—| den | to )?\s*\d{4})")
_KV = re.compile(r"(\d{3,4})\s*kv")


def _section(text: str) -> tuple[str | None, int | None]:
    f = fold(text)
    kind = None
    if re.search(r"\b(tram bien ap|tba|substations?)\b", f):
        kind = "substation"
    elif re.search(r"\b(duong day|lines?|dz)\b", f):
        kind = "line"
    m = _KV.search(f) or _KV.search(f.replace(" ", ""))
    return kind, int(m.group(1)) if m else None


def _kind_from_header(roles: dict[str, int], cells: Sequence[str]) -> str | None:
    if "kind" in roles or ("capacity" in roles and "circuits_km" in roles):
        return None  # a flat table: the kind is per row
    name = _header_key(cells[roles["name"]])
    if "tram" in name or "substation" in name or "capacity" in roles:
        return "substation"
    if "duong day" in name or "line" in name or "circuits_km" in roles:
        return "line"
    return None


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV whose rows may have different lengths (title rows, tables one after another);
    UTF-8 (with or without BOM) or Windows-1258; comma, semicolon or tab separated."""
    import csv

    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise LayerReadError(f"{path}: not UTF-8 or Windows-1258 text; save it as UTF-8"
                                 ) from exc
    sep = max((",", ";", "\t"), key=text.count)
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


#: The most bytes a national list may hold (an appendix of PDP8 is a few hundred kilobytes).
_MAX_LIST_BYTES = 200_000_000


def _read_raw(path: Path, sheet: str | None) -> list[tuple[str, pd.DataFrame]]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise LayerReadError(f"{path}: no such national list; pass --list with a CSV or XLSX "
                             "file in the layout of the PDP8 grid appendix")
    check_source(path, max_bytes=_MAX_LIST_BYTES)  # no FIFO, device or zip bomb
    try:
        if suffix in (".csv", ".txt"):
            return [(path.name, _read_csv(path))]
        if suffix in (".xlsx", ".xlsm"):
            try:
                import openpyxl  # noqa: F401
            except ImportError as exc:  # pragma: no cover - a declared dependency
                from geoplan.errors import MissingDependencyError

                raise MissingDependencyError("reading .xlsx needs openpyxl: pip install "
                                             "openpyxl") from exc
            sheets = pd.read_excel(path, sheet_name=sheet if sheet else None, header=None,
                                   dtype=str, keep_default_na=False, engine="openpyxl")
            if isinstance(sheets, pd.DataFrame):
                return [(str(sheet), sheets)]
            return [(str(k), v) for k, v in sheets.items()]
    except LayerReadError:
        raise
    except (ValueError, OSError) as exc:
        raise LayerReadError(f"{path}: cannot be read as a table ({exc})") from exc
    raise LayerReadError(f"{path}: a national list must be .csv or .xlsx, not {suffix!r}")


def read_national_list(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a national project list in the layout of the PDP8 grid appendix.

    Returns one row per project: ``row`` (``sheet:line`` in the file), ``table`` (the title
    it sits under), ``kind`` (``substation`` | ``line``), ``voltage_kv``, ``name``,
    ``capacity_mva``, ``capacity_text``, ``switching`` (a "Trạm cắt"), ``circuits``, ``km``,
    ``note``, ``phase`` (``"2026-2030"``) and ``province`` (when the list has that column).
    Provisions ("Dự phòng ...") and subtotal rows are left out.

    Raises
    ------
    LayerReadError
        The file cannot be read, has no header row with a name column, or a project's kind
        or voltage cannot be told (the message names the row).
    """
    p = Path(path)
    items: list[dict[str, Any]] = []
    headers_seen = False
    for sheet_name, raw in _read_raw(p, sheet):
        roles: dict[str, int] | None = None
        kind: str | None = None
        kv: int | None = None
        table = ""
        phase: str | None = None
        kind_sheet, kv_sheet = _section(sheet_name)
        for r, values in enumerate(raw.itertuples(index=False), start=1):
            cells = [unicodedata.normalize("NFC", str(v)).strip() if v is not None else ""
                     for v in values]
            filled = [c for c in cells if c]
            if not filled:
                continue
            new_roles = _roles(cells)
            if new_roles is not None:
                roles = new_roles
                headers_seen = True
                kind = _kind_from_header(roles, cells) or kind
                continue
            joined = " ".join(filled)
            folded = fold(joined)
            m = _PHASE.search(folded)
            if m and (roles is None or len(filled) <= 3) and not any(
                    parse_capacity(c)[0] for c in filled[2:]):
                phase = normalise_period(m.group(1))
                continue
            if roles is None or len(filled) == 1:
                sk, skv = _section(joined)
                if sk or skv:
                    table = joined
                    kind, kv = sk or kind, skv or kv
                    phase = None
                continue
            name = cells[roles["name"]] if roles["name"] < len(cells) else ""
            if not name:
                continue
            fname = fold(name)
            if re.match(r"^(tong|total|cong|subtotal)\b", fname):
                continue
            if re.match(r"^(du phong|provision)\b", fname):
                continue
            if fname in ("mien bac", "mien trung", "mien nam", "north", "central", "south"):
                continue

            def cell(role: str, cells: list[str] = cells, roles: dict[str, int] = roles
                     ) -> str | None:
                i = roles.get(role)
                return cells[i] if i is not None and i < len(cells) and cells[i] else None

            row_kind = kind or kind_sheet
            if cell("kind"):
                row_kind = _section(cell("kind") or "")[0] or row_kind
            if row_kind is None:
                row_kind = _section(name)[0]
            row_kv = kv or kv_sheet
            if cell("voltage"):
                levels = [int(x) for x in re.findall(r"\d{3,4}", fold(cell("voltage") or ""))]
                row_kv = levels[0] if levels else row_kv
            if row_kv is None:
                m2 = _KV.search(fname)
                row_kv = int(m2.group(1)) if m2 else None
            if row_kind is None or row_kv is None:
                raise LayerReadError(
                    f"{p}: row {sheet_name}:{r} ({name!r}): cannot tell whether it is a "
                    "substation or a line, or its voltage; put it under a title row such as "
                    "\"Bảng 5. Trạm biến áp 220 kV\" / \"220 kV lines\", or add the columns "
                    "\"Loại\" (kind) and \"Cấp điện áp\" (voltage)")
            capacity, switching = parse_capacity(cell("capacity"))
            circuits, km = parse_circuits_km(cell("circuits_km"))
            if row_kind == "line" and cell("circuits_km") is None and cell("capacity"):
                circuits, km = parse_circuits_km(cell("capacity"))
                capacity = None
            row_phase = normalise_period(cell("phase")) if cell("phase") else phase
            items.append({
                "row": f"{sheet_name}:{r}", "table": table, "kind": row_kind,
                "voltage_kv": int(row_kv), "name": name,
                "capacity_mva": capacity if row_kind == "substation" else None,
                "capacity_text": cell("capacity") if row_kind == "substation" else None,
                "switching": switching, "circuits": circuits if row_kind == "line" else None,
                "km": km if row_kind == "line" else None, "note": cell("note"),
                "phase": row_phase, "province": cell("province"),
            })
    if not headers_seen:
        raise LayerReadError(
            f"{p}: no header row found; the list needs a row of column titles with a name "
            "column (\"Tên trạm biến áp\", \"Tên đường dây\", \"Danh mục\", \"Substation name\""
            ", \"Line name\")")
    frame = pd.DataFrame(items, columns=NATIONAL_COLUMNS)
    frame["voltage_kv"] = frame["voltage_kv"].astype("Int64")
    frame["circuits"] = frame["circuits"].astype("Int64")
    frame["capacity_mva"] = frame["capacity_mva"].astype("float64")
    frame["km"] = frame["km"].astype("float64")
    log.info("pdp8: %d projects read from %s", len(frame), p)
    return frame


# ------------------------------------------------------------------------- plan side


def plan_items(lines: gpd.GeoDataFrame, substations: gpd.GeoDataFrame, *,
               min_kv: int = 220) -> gpd.GeoDataFrame:
    """The provincial items compared with PDP8: substations whose highest level and lines whose
    voltage is ``min_kv`` or more (PDP8 covers the grid from 220 kV up).

    Columns: ``layer, id, name, kind, voltage_kv, levels, capacity_mva, circuits, km, status,
    period`` and the geometry; ``km`` is the length drawn in the plan.
    """
    rows = []
    crs = lines.crs if lines is not None and lines.crs is not None else substations.crs
    if substations is not None and len(substations):
        s = substations[substations["voltage_kv"].astype("Float64").fillna(0) >= min_kv]
        for _, r in s.iterrows():
            levels = str(r.get("voltage_levels") or r["voltage_kv"])
            rows.append({"layer": r.get("layer", "substation"), "id": str(r["id"]),
                         "name": r.get("name"), "kind": "substation",
                         "voltage_kv": int(r["voltage_kv"]),
                         "levels": tuple(int(x) for x in levels.split(";") if x),
                         "capacity_mva": r.get("capacity_mva"), "circuits": None, "km": None,
                         "status": r.get("status"), "period": r.get("period"),
                         "geometry": r.geometry})
    if lines is not None and len(lines):
        ln = lines[lines["voltage_kv"].astype("Float64").fillna(0) >= min_kv]
        for _, r in ln.iterrows():
            circuits = r.get("circuits")
            rows.append({"layer": r.get("layer", "grid_line"), "id": str(r["id"]),
                         "name": r.get("name"), "kind": "line",
                         "voltage_kv": int(r["voltage_kv"]), "levels": (int(r["voltage_kv"]),),
                         "capacity_mva": None,
                         "circuits": None if pd.isna(circuits) else int(circuits),
                         "km": float(r.geometry.length) / 1000 if r.geometry is not None
                         else None, "status": r.get("status"), "period": r.get("period"),
                         "geometry": r.geometry})
    columns = ["layer", "id", "name", "kind", "voltage_kv", "levels", "capacity_mva",
               "circuits", "km", "status", "period", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=crs)


# ------------------------------------------------------------------------------ matching


@dataclass(frozen=True)
class Pdp8Result:
    """What :func:`reconcile` returns.

    ``table`` has one row per item in both lists, in the national list only (and concerning
    the province), or in the provincial plan only (see :data:`RESULT_COLUMNS`); ``findings``
    the differences in the common schema; ``elsewhere`` the national projects that do not
    concern the province.
    """

    table: pd.DataFrame
    findings: gpd.GeoDataFrame
    elsewhere: pd.DataFrame
    national: pd.DataFrame

    def counts(self) -> dict[str, int]:
        c = self.table["result"].value_counts()
        return {k: int(c.get(k, 0)) for k in ("both", "national only", "plan only")} | {
            "elsewhere": len(self.elsewhere)}


def _candidates(n: pd.Series, plan: gpd.GeoDataFrame) -> np.ndarray:
    """Plan rows a national item may match: same kind and voltage (the 220 kV side of a 500 kV
    station for "nối cấp")."""
    kind = plan["kind"].to_numpy()
    kv = plan["voltage_kv"].to_numpy()
    levels = plan["levels"].to_numpy()
    if n["kind"] == "substation" and _NOI_CAP in fold(n["name"]):
        return np.flatnonzero((kind == "substation") & np.array(
            [int(n["voltage_kv"]) in lv and max(lv) > int(n["voltage_kv"]) for lv in levels],
            dtype=bool))
    return np.flatnonzero((kind == n["kind"]) & (kv == int(n["voltage_kv"])))


def _new_construction(note: Any) -> bool:
    f = fold(str(note or ""))
    return "xay dung moi" in f or "new construction" in f or f.startswith("xay moi")


def _compare(n: pd.Series, rows: pd.DataFrame, loop: bool) -> dict[str, Any]:
    """Compare one national item with the plan row(s) matched to it."""
    remarks: list[Text] = []
    first = rows.iloc[0]
    out: dict[str, Any] = {}
    # phase
    n_end = period_end(n["phase"]) if isinstance(n["phase"], str) else None
    statuses = {s for s in rows["status"] if isinstance(s, str)}
    periods = [p for p in rows["period"] if isinstance(p, str)]
    p_end = max((period_end(p) or 0) for p in periods) if periods else None
    if statuses == {"existing"}:
        if _new_construction(n["note"]):
            out["phase"] = "differs"
            remarks.append(_remark("existing_new", phase=n["phase"]))
        else:
            out["phase"] = "existing"
    elif n_end is None or p_end is None:
        out["phase"] = "unknown"
        remarks.append(_remark("no_phase" if n_end is None else "no_period"))
    elif n_end == p_end:
        out["phase"] = "same"
    else:
        out["phase"] = "differs"
        remarks.append(_remark("phase", phase=n["phase"], plan=_join_text(periods)))
    # capacity
    if n["kind"] == "substation":
        plan_mva = first["capacity_mva"]
        out["plan_mva"] = None if pd.isna(plan_mva) else float(plan_mva)
        if _NOI_CAP in fold(n["name"]):
            out["mva"] = "not compared"
            remarks.append(_remark("side", kv=int(n["voltage_kv"]),
                                   top=int(max(first["levels"]))))
        elif n["switching"]:
            out["mva"] = "switching station"
        elif pd.isna(n["capacity_mva"]) or pd.isna(plan_mva):
            out["mva"] = "unknown"
        elif abs(float(plan_mva) - n["capacity_mva"]) <= MVA_TOLERANCE * n["capacity_mva"]:
            out["mva"] = "same"
        else:
            out["mva"] = "differs"
            remarks.append(_remark("capacity", national=float(n["capacity_mva"]),
                                   plan=float(plan_mva)))
    else:
        circuits = [c for c in rows["circuits"] if c is not None and not pd.isna(c)]
        plan_circuits = int(sum(circuits)) if circuits else None
        plan_km = float(rows["km"].sum())
        out["plan_circuits"], out["plan_km"] = plan_circuits, plan_km
        checks = []
        if not pd.isna(n["circuits"]) and plan_circuits is not None:
            same = int(n["circuits"]) == plan_circuits
            checks.append(same)
            if not same:
                remarks.append(_remark("circuits", national=int(n["circuits"]),
                                       plan=plan_circuits))
        if not loop and not pd.isna(n["km"]) and plan_km:
            same = abs(plan_km - n["km"]) <= KM_TOLERANCE * n["km"]
            checks.append(same)
            if not same:
                remarks.append(_remark("length", national=float(n["km"]), drawn=plan_km,
                                       tolerance=KM_TOLERANCE))
        out["circuits_km"] = ("unknown" if not checks else
                              "same" if all(checks) else "differs")
        if loop:
            remarks.append(_remark("loop_matched", n=len(rows)))
    if line_ends(n["name"])[2]:
        remarks.append(_remark("uprating"))
    out["remarks"] = Text.join("; ", remarks) if remarks else None
    return out


def _remark(name: str, **fields: Any) -> Text:
    """One remark of the comparison (``pdp8.remark_*`` in the message table)."""
    return message(f"pdp8.remark_{name}", capital=False, **fields)


def _work(kind: Any, kv: Any) -> Text:
    """``trạm biến áp 500 kV`` / ``500 kV substation``."""
    return message("pdp8.work", kind=term("kind", "grid_line" if kind == "line" else kind),
                   kv=int(kv), capital=False)


def _finding_text(msg: Text, lang: str) -> dict[str, str]:
    return {"message": msg.get(lang), "message_vi": msg.vi, "message_en": msg.en,
            "reference": REFERENCE_TEXT.get(lang), "reference_vi": REFERENCE_TEXT.vi,
            "reference_en": REFERENCE_TEXT.en}


def _join_text(values: Sequence[str]) -> str:
    return ", ".join(dict.fromkeys(values))


def _province_key(name: str) -> str:
    """``"Tỉnh Minh Hà (sample)"`` -> ``"minh ha"``."""
    return normalise_name(place_words(name))


def _relevant(n: pd.Series, province: str | None, places: Sequence[str]) -> bool:
    text = f" {normalise_name(n['name'])} {normalise_name(n['note'])} "
    if province and isinstance(n.get("province"), str) and n["province"].strip():
        return normalise_name(n["province"]) == province
    if province and f" {province} " in text:
        return True
    return any(f" {p} " in text for p in places)


def reconcile(national: pd.DataFrame, plan_side: gpd.GeoDataFrame, *,
              province: str | None = None, places: Sequence[str] = (),
              min_score: float = MIN_SCORE, lang: str = "vi") -> Pdp8Result:
    """Match the national list with the provincial items and compare them.

    Parameters
    ----------
    national
        From :func:`read_national_list`.
    plan_side
        From :func:`plan_items`.
    province, places
        The province's name and the names of its communes (any spelling): a national project
        that matches nothing concerns the province only when it names one of them (or its
        ``province`` column names the province).
    min_score
        Lowest name-match score (0-100) accepted.
    lang
        Language of the table's ``remarks`` and of the findings' ``message`` /
        ``reference`` (``"vi"``, the default, or ``"en"``); the findings carry both languages
        in ``message_vi`` / ``message_en``.
    """
    lang = check_lang(lang)
    prov_key = _province_key(province) if province else None
    place_keys = sorted({k for k in (normalise_name(re.sub(
        r"^(xa|phuong|thi tran|dac khu|thi xa|huyen)\s+", "", fold(p))) for p in places) if k})
    plan_side = plan_side.reset_index(drop=True)
    national = national.reset_index(drop=True)
    plan_norm = [normalise_name(nm if isinstance(nm, str) else i)
                 for nm, i in zip(plan_side["name"], plan_side["id"], strict=True)]
    plan_ends = [line_ends(nm)[0] if k == "line" else () for nm, k in
                 zip(plan_side["name"], plan_side["kind"], strict=True)]

    # every (national item, half, plan row, score) above the bar; halves for loop-ins
    # a station can be matched once as itself and once as the 220 kV side of itself (nối cấp)
    pairs: list[tuple[float, int, int, int, int]] = []
    loops: dict[int, int] = {}
    for i, (_, n) in enumerate(national.iterrows()):
        cand = _candidates(n, plan_side)
        if n["kind"] == "substation":
            key = normalise_name(n["name"])
            role = int(_NOI_CAP in fold(n["name"]))
            for j in cand:
                s = _ratio(key, plan_norm[j])
                if s >= min_score:
                    pairs.append((s, int(i), 0, int(j), role))
            continue
        ends, into, _ = line_ends(n["name"])
        wanted = [ends] if into is None else [tuple(sorted((into, e))) for e in ends]
        if into is not None:
            loops[int(i)] = len(wanted)
        for h, w in enumerate(wanted):
            for j in cand:
                s = _ends_score(w, plan_ends[j]) if plan_ends[j] else _ratio(
                    " ".join(w), plan_norm[j])
                if s >= min_score:
                    pairs.append((s, int(i), h, int(j), 0))
    pairs.sort(key=lambda t: (-t[0], t[4], t[1], t[2], t[3]))
    taken_half: set[tuple[int, int]] = set()
    taken_plan: set[tuple[int, int]] = set()
    matched: dict[int, list[tuple[int, float]]] = {}
    for s, i, h, j, role in pairs:
        if (i, h) in taken_half or (j, role) in taken_plan:
            continue
        taken_half.add((i, h))
        taken_plan.add((j, role))
        matched.setdefault(i, []).append((j, s))
    plan_matched = {j for j, _role in taken_plan}

    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    elsewhere = []
    for i, (_, n) in enumerate(national.iterrows()):
        base = {"kind": n["kind"], "voltage_kv": n["voltage_kv"], "national_name": n["name"],
                "national_row": n["row"], "national_phase": n["phase"],
                "national_mva": n["capacity_mva"], "national_circuits": n["circuits"],
                "national_km": n["km"], "note": n["note"]}
        if int(i) in matched:
            js = sorted(j for j, _ in matched[int(i)])
            sub = plan_side.iloc[js]
            score = min(s for _, s in matched[int(i)])
            comp = _compare(n, sub, loop=int(i) in loops)
            if int(i) in loops and len(js) < loops[int(i)]:
                comp["remarks"] = Text.join("; ", [t for t in (
                    comp.get("remarks"), _remark("loop_partial")) if t is not None])
            remarks: Text | None = comp["remarks"]
            comp["remarks"] = None if remarks is None else remarks.get(lang)
            row = base | {
                "result": "both", "plan_layer": _join_text(list(sub["layer"])),
                "plan_id": ", ".join(sub["id"]), "plan_name": " | ".join(map(str, sub["name"])),
                "score": round(score, 1), "plan_status": _join_text(
                    [s for s in sub["status"] if isinstance(s, str)]),
                "plan_period": _join_text([p for p in sub["period"] if isinstance(p, str)]) or
                None} | comp
            rows.append(row)
            if "differs" in (row.get("phase"), row.get("mva"), row.get("circuits_km")):
                records.append({
                    "rule": "pdp8-differs", "severity": "warning",
                    "layer": sub["layer"].iat[0], "feature_id": sub["id"].iat[0],
                    "other_id": n["row"], "value": round(score, 1), "unit": "score",
                    **_finding_text(message(
                        "pdp8.differs", work=_work(n["kind"], n["voltage_kv"]),
                        name=repr(n["name"]), row=str(n["row"]), plan_id=row["plan_id"],
                        remarks=remarks if remarks is not None else Text.same("")), lang),
                    "geometry": sub.geometry.iat[0]})
        elif _relevant(n, prov_key, place_keys):
            rows.append(base | {"result": "national only", "remarks": (
                _remark("loop_add").get(lang) if int(i) in loops else None)})
            records.append({
                "rule": "pdp8-national-only", "severity": "warning", "layer": None,
                "feature_id": None, "other_id": n["row"], "unit": None,
                **_finding_text(message(
                    "pdp8.national_only", work=_work(n["kind"], n["voltage_kv"]),
                    name=repr(n["name"]), row=str(n["row"]),
                    phase=(Text.same(n["phase"]) if isinstance(n["phase"], str) and n["phase"] else
                           message("pdp8.no_phase", capital=False))), lang),
                "geometry": None})
        else:
            elsewhere.append(n)
    for j, (_, p) in enumerate(plan_side.iterrows()):
        if j in plan_matched:
            continue
        existing = p["status"] == "existing"
        rows.append({"result": "plan only", "kind": p["kind"], "voltage_kv": p["voltage_kv"],
                     "plan_layer": p["layer"], "plan_id": p["id"], "plan_name": p["name"],
                     "plan_status": p["status"], "plan_period": p["period"],
                     "plan_mva": p["capacity_mva"], "plan_circuits": p["circuits"],
                     "plan_km": p["km"],
                     "remarks": (_remark("existing").get(lang) if existing else None)})
        records.append({
            "rule": "pdp8-plan-only", "severity": "info" if existing else "warning",
            "layer": p["layer"], "feature_id": p["id"], "unit": None,
            **_finding_text(message(
                "pdp8.plan_only_existing" if existing else "pdp8.plan_only",
                work=_work(p["kind"], p["voltage_kv"]), id=str(p["id"]), name=str(p["name"]),
                status=term("status", p["status"]), kv=int(p["voltage_kv"])), lang),
            "geometry": p.geometry})
    order = {"both": 0, "national only": 1, "plan only": 2}
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if len(table):
        table = table.assign(_o=table["result"].map(order), _k=-table["voltage_kv"].astype(
            "float64")).sort_values(["_o", "kind", "_k", "national_row", "plan_id"],
                                    na_position="last", kind="stable").drop(
            columns=["_o", "_k"]).reset_index(drop=True)
    crs = plan_side.crs
    return Pdp8Result(table=table, findings=make_findings(records, crs=crs),
                      elsewhere=pd.DataFrame(elsewhere, columns=national.columns).reset_index(
                          drop=True), national=national)


def reconcile_plan(plan: Plan, national: str | Path | pd.DataFrame, *,
                   min_score: float = MIN_SCORE, sheet: str | None = None,
                   lang: str | None = None) -> Pdp8Result:
    """:func:`reconcile` a loaded plan's 220/500 kV layers with a national list (a path or a
    frame from :func:`read_national_list`), in ``lang`` (default ``[report] lang``, else
    Vietnamese)."""
    frame = national if isinstance(national, pd.DataFrame) else read_national_list(
        national, sheet=sheet)
    side = plan_items(plan.frame("grid_line"), plan.frame("substation"))
    communes = plan.communes
    places = list(communes["name"].dropna()) if communes is not None else []
    return reconcile(frame, side, province=plan.province, places=places, min_score=min_score,
                     lang=plan_lang(plan, lang))
