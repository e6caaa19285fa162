"""Runs as background jobs: one child process per run, progress through a queue, cancellable.

A run of a plan writes everything into its own folder ``runs/<run id>/`` of the plan::

    meta.json          options, status, steps, times, the sha256 of every input file and the
                       rule table version: what was analysed
    summary.json       Analysis.summary()
    findings.json      every finding (WGS 84 geometry, the commune it lies in), the table
    findings.geojson   the same as RFC 7946 GeoJSON
    coverage.json      the coverage tables
    map.html           the offline map geoplan writes (pipeline.write_map on the Analysis)
    report.html/.xlsx  the report (pipeline.report_plan on the Analysis)
    export.zip         the export folder (pipeline.export_plan on the Analysis), zipped

The child follows the library's stages (:mod:`geoplan.progress`: reading the layers, the grid,
the checks, the coverage, the map ...) with a listener that sends the open stages, their steps
and the item just done, to the server; the run's page follows the job (its progress fragment over
server-sent events) and shows them.

A comparison of two plans writes ``compare/<run id>/`` with ``diff.json``, ``diff.geojson`` and
``compare.html`` (pipeline.diff_plans). The child process is started with the ``spawn`` method
(no fork of the threaded server); cancelling terminates it and deletes what it wrote.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import queue as queue_mod
import secrets
import shutil
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from geoplan._version import __version__
from geoplan.errors import GeoplanError, PlanValidationError
from geoplan.progress import Listener

log = logging.getLogger(__name__)

__all__ = ["ANALYSIS_STEPS", "COMPARE_STEPS", "Job", "JobManager", "StageSender",
           "rules_version"]

ANALYSIS_STEPS = ("load", "analyse", "findings", "map", "report", "export")
COMPARE_STEPS = ("load", "diff", "map")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def rules_version() -> dict[str, Any]:
    """The version of the rule table (``[meta] version`` of geoplan/data/rules.toml) and its
    sha256."""
    import hashlib
    from importlib import resources

    from geoplan.web.toml import tomllib

    try:
        data = resources.files("geoplan").joinpath("data/rules.toml").read_bytes()
    except OSError:
        return {"version": None, "sha256": None}
    try:
        meta = tomllib.loads(data.decode("utf-8")).get("meta", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        meta = {}
    return {"version": meta.get("version"), "sha256": hashlib.sha256(data).hexdigest()}


def write_json(path: Path, data: Any) -> None:
    from geoplan import io

    with io.atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=_json_default),
                       encoding="utf-8")


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------------ the child side


def _plain(value: Any) -> Any:
    import math

    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _records(frame: Any) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c != "geometry"]
    return [{str(c): _plain(v) for c, v in zip(cols, row, strict=True)}
            for row in frame[cols].itertuples(index=False, name=None)]


def _finding_communes(findings: Any, plan: Any) -> list[str | None]:
    """The commune each finding lies in (its representative point), ``None`` when outside
    every commune or the plan has no commune boundaries."""
    import geopandas as gpd

    communes = plan.communes
    out: list[str | None] = [None] * len(findings)
    if communes is None or not len(communes) or not len(findings):
        return out
    geoms = findings.geometry
    ok = ~(geoms.isna() | geoms.is_empty)
    if not ok.any():
        return out
    points = gpd.GeoDataFrame({"i": range(len(findings))}, geometry=geoms.representative_point()
                              .where(ok, None), crs=findings.crs)[ok.to_numpy()]
    joined = gpd.sjoin(points, communes[["name", "geometry"]].reset_index(drop=True),
                       how="left", predicate="within")
    for i, name in zip(joined["i"], joined["name"], strict=True):
        if out[int(i)] is None and isinstance(name, str):
            out[int(i)] = name
    return out


def finding_key(record: dict[str, Any]) -> str:
    """What identifies a finding across runs (for "accepted"): rule and the features."""
    return "|".join(str(record.get(k) or "") for k in ("rule", "layer", "feature_id",
                                                       "other_layer", "other_id"))


def _findings_records(analysis: Any) -> list[dict[str, Any]]:
    import shapely
    from shapely.geometry import mapping

    from geoplan.crs import to_wgs84

    findings = analysis.findings
    records = _records(findings)
    communes = _finding_communes(findings, analysis.plan)
    wgs = to_wgs84(findings) if len(findings) else findings
    for i, rec in enumerate(records):
        geom = wgs.geometry.iloc[i] if len(wgs) else None
        rec["index"] = i
        rec["commune"] = communes[i]
        rec["key"] = finding_key(rec)
        if geom is None or geom.is_empty:
            rec["geometry"] = None
            rec["bbox"] = None
        else:
            geom = shapely.set_precision(geom, 1e-7)
            rec["geometry"] = mapping(geom)
            rec["bbox"] = [round(float(v), 7) for v in geom.bounds]
    return records


def _zip_folder(folder: Path, target: Path) -> None:
    from geoplan import io

    with io.atomic_path(target, overwrite=True) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")


def run_analysis(options: dict[str, Any], out: Path,
                 step: Callable[[str], None]) -> dict[str, Any]:
    """The work of one analysis run (in the child process)."""
    from geoplan import io, pipeline
    from geoplan.analysis import analyse
    from geoplan.load import load_plan

    step("load")
    plan = load_plan(options["plan_file"])
    step("analyse")
    analysis = analyse(plan, checks=options["checks"], grid=options["grid"],
                       coverage=options["coverage"], site=int(options["site"]), tolerate=True)
    step("findings")
    write_json(out / "findings.json", _findings_records(analysis))
    io.write_geojson(analysis.findings, out / "findings.geojson", id_field=None, overwrite=True)
    coverage = {}
    if analysis.coverage is not None:
        coverage = {k: _records(v) for k, v in analysis.coverage.tables().items()}
    write_json(out / "coverage.json", coverage)
    write_json(out / "summary.json", analysis.summary())
    step("map")
    pipeline.write_map(analysis, out / "map.html", offline=True, overwrite=True)
    step("report")
    lang = options.get("lang") or None
    pipeline.report_plan(analysis, out / "report.html", lang=lang, overwrite=True)
    if options.get("xlsx", True):
        pipeline.report_plan(analysis, out / "report.xlsx", lang=lang, overwrite=True)
    step("export")
    pipeline.export_plan(analysis, out / "export", findings=True, coverage=True, overwrite=True)
    _zip_folder(out / "export", out / "export.zip")
    shutil.rmtree(out / "export")
    return {"findings": len(analysis.findings), "notes": list(analysis.notes)}


def run_compare(options: dict[str, Any], out: Path,
                step: Callable[[str], None]) -> dict[str, Any]:
    """The work of one comparison of two plans (in the child process)."""
    from geoplan import pipeline
    from geoplan.load import load_plan

    step("load")
    before = load_plan(options["before_file"])
    after = load_plan(options["after_file"])
    step("diff")
    result = pipeline.diff_plans(before, after, output=out / "diff.geojson", overwrite=True)
    records = result.to_records()
    write_json(out / "diff.json", {"records": records,
                                   "summary": _records(result.summary())})
    step("map")
    pipeline.diff_plans(before, after, map_output=out / "compare.html", offline=True,
                        overwrite=True)
    return {"differences": len(records)}


WORKERS: dict[str, Callable[[dict[str, Any], Path, Callable[[str], None]], dict[str, Any]]] = {
    "analysis": run_analysis,
    "compare": run_compare,
}


class StageSender(Listener):
    """The child's listener: sends the stack of open stages (``name``, ``total``, ``done``,
    ``item``) whenever a stage starts or ends, and after a step at most every
    :attr:`EVERY` seconds (a stage of thousands of steps does not flood the channel)."""

    EVERY = 0.2

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self.send = send
        self.open: list[dict[str, Any]] = []
        self._sent = 0.0

    def _send(self, started: str | None = None) -> None:
        self._sent = time.monotonic()
        self.send({"type": "stage", "stages": [dict(s) for s in self.open],
                   "started": started})

    def on_stage(self, name: str, total: int | None) -> None:
        self.open.append({"name": name, "total": total, "done": 0, "item": None})
        self._send(started=name)

    def advance(self, n: int = 1, item: str | None = None) -> None:
        if not self.open:
            return
        top = self.open[-1]
        top["done"] += n
        if item is not None:
            top["item"] = item[:200]
        if time.monotonic() - self._sent >= self.EVERY:
            self._send()

    def on_end(self, name: str) -> None:
        if self.open and self.open[-1]["name"] == name:
            self.open.pop()
        self._send()


def child_main(kind: str, options: dict[str, Any], folder: str, channel: Any) -> None:
    """Entry point of the child process: run the job, report each step, the library's stages
    and the end."""
    import logging as _logging

    from geoplan.progress import listening

    _logging.basicConfig(level=_logging.WARNING)
    out = Path(folder)

    def step(name: str) -> None:
        channel.put({"type": "step", "step": name, "at": time.time()})

    try:
        with listening(StageSender(channel.put)):
            result = WORKERS[kind](options, out, step)
    except PlanValidationError as exc:
        lang = options.get("lang") or "vi"
        channel.put({"type": "error", "code": "invalid", "message": exc.report.summary(lang),
                     "problems": [p.to_text(lang) for p in exc.report.problems[:50]]})
    except GeoplanError as exc:
        channel.put({"type": "error", "code": "geoplan", "message": str(exc)})
    except Exception as exc:  # the page must say something, never hang
        channel.put({"type": "error", "code": "crash", "message": f"{type(exc).__name__}: {exc}",
                     "trace": traceback.format_exc()[-4000:]})
    else:
        channel.put({"type": "done", "result": result})


# ----------------------------------------------------------------------- the server side


@dataclass
class Job:
    """A run in progress or finished (what the pages show)."""

    id: str
    kind: str
    owner: str  # the plan id the job belongs to (its lock)
    folder: Path
    steps: tuple[str, ...]
    status: str = "queued"  # queued, running, done, failed, cancelled
    step: str | None = None
    done_steps: list[str] = field(default_factory=list)
    message: str = ""
    details: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    process: Any = None
    #: the library's stages open now, outermost first: name, total, done, item
    stages: list[dict[str, Any]] = field(default_factory=list)
    #: every stage started so far, in order
    stages_seen: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def fraction(self) -> float:
        if self.status == "done":
            return 1.0
        return len(self.done_steps) / max(1, len(self.steps))

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started


class JobManager:
    """Starts jobs in child processes, one per plan at a time, and follows them."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._active: dict[str, str] = {}  # owner → job id
        self._lock = threading.Lock()
        self._ctx = multiprocessing.get_context("spawn")

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def active_for(self, owner: str) -> Job | None:
        with self._lock:
            job_id = self._active.get(owner)
            return self._jobs.get(job_id) if job_id else None

    def start(self, kind: str, owner: str, folder: Path, options: dict[str, Any],
              meta: dict[str, Any]) -> Job:
        """Start a job; :class:`RuntimeError` when the owner already has one running."""
        steps = ANALYSIS_STEPS if kind == "analysis" else COMPARE_STEPS
        with self._lock:
            if owner in self._active:
                raise RuntimeError(self._active[owner])
            folder.mkdir(parents=True, exist_ok=False)
            job = Job(folder.name, kind, owner, folder, steps)
            self._jobs[job.id] = job
            self._active[owner] = job.id
        meta = {**meta, "id": job.id, "kind": kind, "status": "running", "started": _now(),
                "options": options, "geoplan": __version__, "rules": rules_version()}
        write_json(folder / "meta.json", meta)
        channel = self._ctx.Queue()
        process = self._ctx.Process(target=child_main, args=(kind, options, str(folder), channel),
                                    name=f"geoplan-{kind}-{job.id}", daemon=True)
        job.process = process
        job.status = "running"
        process.start()
        threading.Thread(target=self._follow, args=(job, channel), daemon=True,
                         name=f"follow-{job.id}").start()
        return job

    def _follow(self, job: Job, channel: Any) -> None:
        ended: dict[str, Any] | None = None
        while True:
            try:
                msg = channel.get(timeout=0.25)
            except queue_mod.Empty:
                if not job.process.is_alive():
                    with contextlib.suppress(queue_mod.Empty):
                        while True:  # what it said just before it ended
                            msg = channel.get(timeout=0.1)
                            ended = self._apply(job, msg) or ended
                    break
                continue
            ended = self._apply(job, msg) or ended
            if ended is not None:
                break
        job.process.join(timeout=30)
        self._finish(job, ended)

    def _apply(self, job: Job, msg: dict[str, Any]) -> dict[str, Any] | None:
        if msg["type"] == "step":
            if job.step is not None:
                job.done_steps.append(job.step)
            job.step = msg["step"]
            return None
        if msg["type"] == "stage":
            job.stages = msg["stages"]
            if msg.get("started"):
                job.stages_seen.append(msg["started"])
            return None
        return msg

    def _finish(self, job: Job, ended: dict[str, Any] | None) -> None:
        if job.status == "cancelled":
            pass
        elif ended is not None and ended["type"] == "done":
            if job.step is not None:
                job.done_steps.append(job.step)
            job.step = None
            job.status = "done"
            job.result = ended.get("result", {})
        else:
            job.status = "failed"
            if ended is not None:
                job.message = ended.get("message", "")
                job.details = ended.get("problems", []) or (
                    [ended["trace"]] if ended.get("trace") else [])
                if ended.get("trace"):
                    log.error("job %s failed:\n%s", job.id, ended["trace"])
            else:
                job.message = f"the job's process ended with exit code {job.process.exitcode}"
        job.stages = []
        job.finished = time.time()
        meta = read_json(job.folder / "meta.json", {}) or {}
        meta.update({"status": job.status, "finished": _now(), "seconds": round(job.elapsed, 1),
                     "message": job.message, "details": job.details, "result": job.result,
                     "steps": job.done_steps, "stages": job.stages_seen})
        if job.folder.is_dir():
            write_json(job.folder / "meta.json", meta)
        with self._lock:
            if self._active.get(job.owner) == job.id:
                del self._active[job.owner]

    def cancel(self, job: Job) -> None:
        """Stop a running job and delete what it wrote (its meta.json says "cancelled")."""
        if not job.active:
            return
        job.status = "cancelled"
        if job.process is not None and job.process.is_alive():
            job.process.terminate()
            job.process.join(timeout=10)
        for p in job.folder.iterdir():
            if p.name != "meta.json":
                shutil.rmtree(p) if p.is_dir() else p.unlink()

    def wait(self, job: Job, timeout: float = 300) -> Job:
        """Block until ``job`` has ended (tests, scripts)."""
        t0 = time.time()
        while (job.active or job.finished is None) and time.time() - t0 < timeout:
            time.sleep(0.1)
        return job

    def shutdown(self) -> None:
        for job in list(self._jobs.values()):
            if job.active:
                self.cancel(job)
