"""Where the workbench keeps its plans: folders under ``--data-dir``, nothing else.

Layout::

    DATA_DIR/plans/<plan id>/
        plan.toml          the plan made in the workbench (an ordinary plan folder: the CLI
                           runs on it as it is)
        files/             the uploaded files, under names the workbench chose
        draft.json         what the workbench read from the files (columns, values) and the
                           mapping the user chose
        accepted.json      findings marked "accepted", each with its reason
        runs/<run id>/     one analysis (see :mod:`geoplan.web.jobs`)
        link.json          instead of plan.toml and files/: a plan folder opened where it is
                           (``geoplan serve PLAN``); its files are never written

No path from the browser is trusted: plan and run ids must match :data:`ID_PATTERN`, uploaded
files are stored under names made here (only the extension of the client's name is kept, and
only when it is a format geoplan reads), archives are read without extracting anything outside
``files/`` and within size limits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import IO, Any

from geoplan import io
from geoplan.errors import GeoplanError
from geoplan.names import fold
from geoplan.plan import PLAN_FILE, find_plan_file, read_plan_file

log = logging.getLogger(__name__)

__all__ = [
    "ID_PATTERN",
    "SUFFIXES",
    "PlanStore",
    "StoredPlan",
    "UploadError",
    "UploadLimits",
    "file_sha256",
]

#: Plan and run ids: lower-case ASCII, digits and dashes; nothing that can name another folder.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

#: Shapefile parts that travel with a ``.shp``.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
#: Extensions the workbench accepts: what :mod:`geoplan.io` reads, and Shapefile parts.
SUFFIXES: tuple[str, ...] = tuple(dict.fromkeys(
    (*io.VECTOR_SUFFIXES, *io.TABLE_SUFFIXES, *getattr(io, "RASTER_SUFFIXES", (".tif", ".tiff")),
     *SHAPEFILE_PARTS)))
ARCHIVES = (".zip", ".kmz")


class UploadError(GeoplanError, ValueError):
    """An uploaded file was refused; the message says why and what to send instead."""


@dataclass(frozen=True)
class UploadLimits:
    """Size limits of uploads (bytes)."""

    request_bytes: int = 512 * 1024**2
    file_bytes: int = 512 * 1024**2
    unpacked_bytes: int = 2 * 1024**3
    archive_members: int = 2000
    files_per_request: int = 100

    def describe(self) -> str:
        return f"{self.file_bytes / 1024**2:,.0f} MB"


@dataclass
class StoredPlan:
    """One plan of the workbench."""

    id: str
    folder: Path
    external: Path | None = None  # the plan.toml of a plan opened in place

    @property
    def plan_file(self) -> Path:
        return self.external if self.external is not None else self.folder / PLAN_FILE

    @property
    def has_plan_file(self) -> bool:
        return self.plan_file.is_file()

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def runs_dir(self) -> Path:
        """``<data-dir>/runs/<plan id>``: beside the plans, never inside a plan's folder (a
        plan's inputs and its outputs never mix)."""
        return self.folder.parent.parent / "runs" / self.folder.name

    @property
    def editable(self) -> bool:
        """Plans made in the workbench; a plan opened in place is read, never written."""
        return self.external is None

    @property
    def name(self) -> str:
        draft = self.draft()
        if self.has_plan_file:
            try:
                return read_plan_file(self.plan_file).name
            except GeoplanError:
                pass
        return str(draft.get("plan", {}).get("name") or self.id)

    def draft(self) -> dict[str, Any]:
        return _read_json(self.folder / "draft.json", {})

    def save_draft(self, draft: dict[str, Any]) -> None:
        _write_json(self.folder / "draft.json", draft)

    def accepted(self) -> list[dict[str, Any]]:
        data = _read_json(self.folder / "accepted.json", [])
        return data if isinstance(data, list) else []

    def save_accepted(self, records: list[dict[str, Any]]) -> None:
        _write_json(self.folder / "accepted.json", records)


@dataclass
class SavedUpload:
    """What one upload request stored, and what it refused."""

    files: list[str] = field(default_factory=list)  # paths relative to the plan folder
    refused: list[tuple[str, str]] = field(default_factory=list)  # (client name, reason)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable (%s); starting afresh", path, exc)
        return default


def _write_json(path: Path, data: Any) -> None:
    with io.atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str),
                       encoding="utf-8")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def safe_stem(name: str, fallback: str = "file") -> str:
    """An ASCII file stem from any client name: ``"../Cụm CN (2025).gpkg"`` → ``cum_cn_2025``."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    for _ in range(3):  # "a.shp.zip" → "a"
        base, dot, ext = stem.rpartition(".")
        if dot and f".{ext.lower()}" in (*SUFFIXES, ".zip", ".kmz"):
            stem = base
    text = re.sub(r"[^a-z0-9]+", "_", fold(stem)).strip("_")[:48]
    return text or fallback


def suffix_of(name: str) -> str:
    """The extension of a client's file name, lower case (``""`` when none)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return PurePosixPath(base).suffix.lower()


def _new_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:40] or "plan"
    return f"{slug}-{secrets.token_hex(3)}"


class PlanStore:
    """The plans under ``DATA_DIR/plans``."""

    def __init__(self, data_dir: str | Path, limits: UploadLimits | None = None) -> None:
        self.root = Path(data_dir).expanduser().resolve()
        self.plans_dir = self.root / "plans"
        self.plans_dir.mkdir(parents=True, exist_ok=True)
        self.limits = limits or UploadLimits()

    # ----------------------------------------------------------------------------- plans

    def plans(self) -> list[StoredPlan]:
        out = []
        for folder in sorted(self.plans_dir.iterdir()):
            if folder.is_dir() and ID_PATTERN.match(folder.name):
                with contextlib.suppress(KeyError):
                    out.append(self.get(folder.name))
        return out

    def get(self, plan_id: str) -> StoredPlan:
        """The plan ``plan_id``; :class:`KeyError` when there is none (or the id is not one)."""
        if not ID_PATTERN.match(plan_id or ""):
            raise KeyError(plan_id)
        folder = self.plans_dir / plan_id
        if not folder.is_dir() or folder.resolve().parent != self.plans_dir:
            raise KeyError(plan_id)
        link = _read_json(folder / "link.json", None)
        external = Path(link["plan_file"]) if isinstance(link, dict) and "plan_file" in link \
            else None
        return StoredPlan(plan_id, folder, external)

    def create(self, name: str, *, province: str = "", analysis_crs: str = "") -> StoredPlan:
        plan_id = _new_id(name)
        folder = self.plans_dir / plan_id
        (folder / "files").mkdir(parents=True)
        plan = StoredPlan(plan_id, folder)
        plan.save_draft({"plan": {"name": name.strip() or plan_id, "province": province.strip(),
                                  "analysis_crs": analysis_crs.strip()},
                         "sources": [], "created": _now()})
        return plan

    def link(self, path: str | Path) -> StoredPlan:
        """Open a plan folder where it is (read only); the same folder gives the same plan."""
        plan_file = find_plan_file(path).resolve()
        for plan in self.plans():
            if plan.external == plan_file:
                return plan
        spec = read_plan_file(plan_file)
        plan_id = _new_id(plan_file.parent.name or spec.name)
        folder = self.plans_dir / plan_id
        folder.mkdir(parents=True)
        _write_json(folder / "link.json", {"plan_file": str(plan_file), "linked": _now()})
        return StoredPlan(plan_id, folder, plan_file)

    def delete(self, plan: StoredPlan) -> None:
        """Remove the workbench's folder of ``plan`` (a plan opened in place keeps its files)."""
        if plan.folder.resolve().parent == self.plans_dir:
            shutil.rmtree(plan.folder)
            if plan.runs_dir.is_dir():
                shutil.rmtree(plan.runs_dir)

    # --------------------------------------------------------------------------- uploads

    def save_uploads(self, plan: StoredPlan, uploads: Iterable[tuple[str, IO[bytes]]]
                     ) -> SavedUpload:
        """Store uploaded files under ``files/``; refuse (with the reason) what is not a
        format geoplan reads, too large, or an unsafe archive. Names come from here: only the
        client's extension is kept, and Shapefile parts keep a common stem."""
        if not plan.editable:
            raise UploadError("this plan is opened where it is and is only read; make a new plan "
                              "to upload files")
        result = SavedUpload()
        items = list(uploads)
        if len(items) > self.limits.files_per_request:
            raise UploadError(f"{len(items)} files in one upload; send at most "
                              f"{self.limits.files_per_request}")
        stems: dict[str, str] = {}  # client stem → stored stem, so .shp/.dbf/.prj stay together
        for client_name, fileobj in items:
            suffix = suffix_of(client_name)
            if suffix not in SUFFIXES:
                result.refused.append((client_name, _format_hint(suffix)))
                continue
            client_stem = fold(PurePosixPath(client_name.replace("\\", "/")).stem)
            stem = stems.get(client_stem) or self._free_stem(plan, safe_stem(client_name),
                                                             suffix)
            stems[client_stem] = stem
            target = plan.files_dir / f"{stem}{suffix}"
            try:
                self._copy_limited(fileobj, target)
                if suffix in ARCHIVES:
                    result.files += self._archive(plan, target, client_name)
                else:
                    result.files.append(target.relative_to(plan.folder).as_posix())
            except UploadError as exc:
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                result.refused.append((client_name, str(exc)))
        return result

    def _free_stem(self, plan: StoredPlan, stem: str, suffix: str) -> str:
        plan.files_dir.mkdir(parents=True, exist_ok=True)
        taken = {p.stem for p in plan.files_dir.iterdir()}
        candidate, n = stem, 1
        while candidate in taken:
            n += 1
            candidate = f"{stem}_{n}"
        return candidate

    def _copy_limited(self, fileobj: IO[bytes], target: Path) -> None:
        limit = self.limits.file_bytes
        written = 0
        with io.atomic_path(target) as tmp, open(tmp, "wb") as out:
            while chunk := fileobj.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise UploadError(f"larger than the limit of {self.limits.describe()} per "
                                      "file (geoplan serve --max-upload-mb raises it)")
                out.write(chunk)
        if written == 0:
            target.unlink()
            raise UploadError("the file is empty")

    # -------------------------------------------------------------------------- archives

    def _archive(self, plan: StoredPlan, path: Path, client_name: str) -> list[str]:
        """Check an archive; keep a zipped Shapefile or a KMZ as it is (GDAL reads inside it),
        unpack any other zip's readable files into ``files/`` (flat, names made here)."""
        members = self.check_archive(path)
        names = [m.filename for m in members]
        shps = [n for n in names if n.lower().endswith(".shp")]
        rel = path.relative_to(plan.folder).as_posix()
        if path.suffix.lower() == ".kmz" or (len(shps) == 1 and all(
                suffix_of(n) in SHAPEFILE_PARTS or _ignorable(n) for n in names)):
            return [rel]
        saved: list[str] = []
        stems: dict[str, str] = {}
        with zipfile.ZipFile(path) as zf:
            for info in members:
                suffix = suffix_of(info.filename)
                if suffix not in SUFFIXES or suffix in ARCHIVES or _ignorable(info.filename):
                    continue
                client_stem = PurePosixPath(info.filename).with_suffix("").as_posix().lower()
                stem = stems.get(client_stem) or self._free_stem(
                    plan, safe_stem(info.filename), suffix)
                stems[client_stem] = stem
                target = plan.files_dir / f"{stem}{suffix}"
                with zf.open(info) as src:
                    self._copy_limited(src, target)
                if suffix not in SHAPEFILE_PARTS or suffix == ".shp":
                    saved.append(target.relative_to(plan.folder).as_posix())
        path.unlink()
        if not saved:
            raise UploadError(f"{client_name}: the archive holds no file geoplan reads "
                              f"({', '.join(names[:8]) or 'nothing'})")
        return saved

    def check_archive(self, path: Path) -> list[zipfile.ZipInfo]:
        """The members of a zip archive, or :class:`UploadError` when it is not safe to read:
        too many members, a path that leaves the archive (absolute, ``..``, a drive), a link,
        encryption, or more unpacked bytes than the limit."""
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, OSError) as exc:
            raise UploadError(f"not a readable zip archive ({exc})") from exc
        if len(members) > self.limits.archive_members:
            raise UploadError(f"{len(members)} files in the archive; at most "
                              f"{self.limits.archive_members}")
        total = 0
        for m in members:
            name = m.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise UploadError(f"the archive member {m.filename!r} points outside the archive;"
                                  " such archives are refused")
            if stat.S_ISLNK(m.external_attr >> 16):
                raise UploadError(f"the archive member {m.filename!r} is a link; links are "
                                  "refused")
            if m.flag_bits & 0x1:
                raise UploadError(f"the archive member {m.filename!r} is encrypted; send it "
                                  "without a password")
            total += m.file_size
            if total > self.limits.unpacked_bytes:
                raise UploadError(f"the archive unpacks to more than "
                                  f"{self.limits.unpacked_bytes / 1024**3:,.1f} GB")
        return members


def _ignorable(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(p == "__MACOSX" or p.startswith(".") for p in parts) or \
        suffix_of(name) in (".xml", ".txt", ".md", ".pdf", ".qmd", ".qml", ".sld", ".lyr")


def _format_hint(suffix: str) -> str:
    readable = ", ".join(s for s in SUFFIXES if s not in SHAPEFILE_PARTS[1:])
    return (f"{suffix or 'a file without extension'} is not a format geoplan reads; send one of "
            f"{readable} (a Shapefile as .shp with its .shx, .dbf, .prj, or zipped)")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def input_hashes(plan_file: Path) -> dict[str, str]:
    """sha256 of the plan file and of every file its layers read (Shapefile parts included),
    by path relative to the plan's folder (absolute for files outside it)."""
    spec = read_plan_file(plan_file)
    folder = spec.folder
    files: list[Path] = [spec.path]
    for layer in spec.layers:
        p = Path(layer.path)
        files.append(p)
        if p.suffix.lower() == ".shp":
            files += [q for s in SHAPEFILE_PARTS[1:] if (q := p.with_suffix(s)).exists()]
    out: dict[str, str] = {}
    for p in files:
        try:
            label = p.resolve().relative_to(folder).as_posix()
        except ValueError:
            label = str(p)
        if label not in out and p.is_file():
            out[label] = file_sha256(p)
    return out
