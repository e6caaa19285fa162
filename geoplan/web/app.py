"""The planner's workbench: routes of the local web app (FastAPI, Jinja2 templates, htmx).

:func:`create_app` builds the app over a data folder; ``geoplan serve`` runs it with uvicorn.
Pages are rendered on the server (Jinja2 with autoescape: every text from a file is escaped);
htmx (vendored under ``static/``) swaps fragments and follows runs over server-sent events.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from geoplan._version import __version__
from geoplan.errors import GeoplanError, PlanError
from geoplan.kinds import KINDS, RASTER_KINDS
from geoplan.web import i18n
from geoplan.web import inspect as insp
from geoplan.web import toml as tomlw
from geoplan.web.guard import DOCUMENT_CSP, LOOPBACK_HOSTS, MAP_CSP, BodyTooLargeError, Guard
from geoplan.web.jobs import JobManager, new_run_id, read_json
from geoplan.web.store import ID_PATTERN, PlanStore, StoredPlan, UploadLimits, input_hashes

log = logging.getLogger(__name__)

__all__ = ["Workbench", "create_app"]

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "geoplan_lang"
_LAYER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
SEVERITIES = ("error", "warning", "info")


class Workbench:
    """What the routes share: the plan store, the jobs, the templates, the secrets."""

    def __init__(self, data_dir: Path, *, token: str | None, limits: UploadLimits) -> None:
        import jinja2

        self.store = PlanStore(data_dir, limits)
        self.compare_dir = self.store.root / "compare"
        self.jobs = JobManager()
        self.token = token
        self.limits = limits
        self.csrf = secrets.token_urlsafe(32)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every {{ value }} is HTML-escaped, whatever its source
            trim_blocks=True, lstrip_blocks=True,
        )
        self.env.globals.update(KINDS=KINDS, RASTER_KINDS=RASTER_KINDS, version=__version__,
                                SEVERITIES=SEVERITIES)
        self.env.filters["num"] = _num
        self.env.filters["when"] = _when

    def render(self, request: Request, name: str, status: int = 200, **context: Any
               ) -> HTMLResponse:
        lang = request_lang(request)
        html = self.env.get_template(name).render(
            request=request, lang=lang, t=i18n.translator(lang), csrf=self.csrf,
            kind_label=lambda k: i18n.kind_label(k, lang),
            field_label=lambda k, f: i18n.field_label(k, f, lang),
            stage_label=lambda name: i18n.stage_label(name, lang),
            path=request.url.path, **context)
        return HTMLResponse(html, status_code=status)

    def fragment(self, request: Request, name: str, **context: Any) -> str:
        return bytes(self.render(request, name, **context).body).decode()


def _num(value: Any, digits: int = 1) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "✓" if value else "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        text = f"{value:,.{digits}f}"
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


def _when(value: Any) -> str:
    """``2026-12-03T09:30:08+00:00`` → ``03/12/2026 09:30 UTC`` (the way Vietnamese write dates)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return moment.strftime("%d/%m/%Y %H:%M") + (" UTC" if moment.utcoffset() is not None and
                                                 not moment.utcoffset() else "")


def request_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in i18n.LANGS else "vi"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_csrf(wb: Workbench, request: Request, form: FormData | None = None) -> None:
    """Every state-changing request carries the page's token (a form field or the header htmx
    sends); a request from another site has neither, and its Origin says so."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise HTTPException(403, "cross-site request refused")
    given = request.headers.get("x-csrf-token")
    if given is None and form is not None:
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not given or not secrets.compare_digest(given, wb.csrf):
        raise HTTPException(403, "the form's security token is missing or stale; reload the page")


def _form_text(form: FormData, key: str, default: str = "", limit: int = 500) -> str:
    value = form.get(key, default)
    return value.strip()[:limit] if isinstance(value, str) else default


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _safe_layer_name(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", insp._key(text)).strip("_")[:40] or "layer"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


# ------------------------------------------------------------------------------ sources


def _inspect_new(plan: StoredPlan, files: list[str], plan_crs: str) -> list[dict[str, Any]]:
    """Read each newly stored file and propose a layer (kind, fields, coordinates) for each of
    its layers."""
    draft = plan.draft()
    sources: list[dict[str, Any]] = draft.get("sources", [])
    taken = {s["choice"]["name"] for s in sources if s.get("choice")}
    for rel in files:
        path = plan.folder / rel
        try:
            found = insp.inspect_file(path, rel)
        except (GeoplanError, OSError, ValueError) as exc:
            sources.append({"id": len(sources), "file": rel, "error": str(exc)})
            continue
        except Exception as exc:  # a hostile or broken file must give a message, not a 500
            log.warning("%s: cannot be inspected: %s", path, exc, exc_info=True)
            sources.append({"id": len(sources), "file": rel,
                            "error": f"cannot be read ({type(exc).__name__}: {exc})"})
            continue
        for src in found:
            src["id"] = len(sources)
            kind = insp.guess_kind(src)
            name = _safe_layer_name(src.get("layer_name") or Path(rel).stem, taken)
            taken.add(name)
            choice: dict[str, Any] = {"include": True, "name": name, "kind": kind,
                                      "fields": insp.suggest_fields(kind, src["columns"]),
                                      "x_field": None, "y_field": None, "crs": None}
            if src["type"] == "table":
                choice.update(insp.suggest_coordinates(src, plan_crs))
            src["choice"] = choice
            sources.append(src)
    draft["sources"] = sources
    plan.save_draft(draft)
    return sources


def _plan_document(plan_head: dict[str, str], sources: list[dict[str, Any]]) -> dict[str, Any]:
    head = {"name": plan_head["name"]}
    for key in ("province", "analysis_crs"):
        if plan_head.get(key):
            head[key] = plan_head[key]
    layers: dict[str, Any] = {}
    for src in sources:
        choice = src.get("choice")
        if not choice or not choice.get("include") or src.get("error"):
            continue
        table: dict[str, Any] = {"kind": choice["kind"], "path": src["file"]}
        if src.get("layer"):
            table["layer"] = src["layer"]
        if choice.get("crs"):
            table["crs"] = choice["crs"]
        if src["type"] == "table":
            table["x_field"] = choice["x_field"]
            table["y_field"] = choice["y_field"]
        fields = {k: v for k, v in (choice.get("fields") or {}).items() if v}
        if fields:
            table["fields"] = fields
        layers[choice["name"]] = table
    return {"plan": head, "layers": layers}


def _apply_mapping(form: FormData, draft: dict[str, Any]) -> list[str]:
    """Take the mapping form into the draft; return what is wrong (nothing from the form is
    trusted: kinds, columns and names are checked against what the files hold)."""
    errors: list[str] = []
    head = draft.setdefault("plan", {})
    head["name"] = _form_text(form, "plan_name", head.get("name", ""), 200)
    head["province"] = _form_text(form, "province", "", 100)
    head["analysis_crs"] = _form_text(form, "analysis_crs", "", 100)
    if not head["name"]:
        errors.append("name")
    names: set[str] = set()
    for src in draft.get("sources", []):
        if src.get("error"):
            continue
        i = src["id"]
        choice = src["choice"]
        choice["include"] = form.get(f"s{i}_include") == "on"
        name = _form_text(form, f"s{i}_name", choice["name"], 60)
        kind = _form_text(form, f"s{i}_kind", choice["kind"], 40)
        if not choice["include"]:
            continue
        if not _LAYER_NAME.match(name) or name in names:
            errors.append(f"layer-name:{src['file']}")
            name = _safe_layer_name(name, names)
        names.add(name)
        if kind not in insp.kinds_for(src):
            errors.append(f"kind:{src['file']}")
            kind = insp.guess_kind(src)
        columns = set(src["columns"])
        fields: dict[str, str | None] = {}
        for f in (KINDS[kind].field_names if kind in KINDS else ()):
            col = _form_text(form, f"s{i}_f_{f}", "", 200)
            fields[f] = col if col in columns else None
        choice.update(name=name, kind=kind, fields=fields,
                      crs=_form_text(form, f"s{i}_crs", "", 100) or None)
        if src["type"] == "table":
            x = _form_text(form, f"s{i}_x", "", 200)
            y = _form_text(form, f"s{i}_y", "", 200)
            choice["x_field"] = x if x in columns else None
            choice["y_field"] = y if y in columns else None
            if not (choice["x_field"] and choice["y_field"]) or x == y:
                errors.append(f"coordinates:{src['file']}")
    if not names:
        errors.append("no-layer")
    return errors


# --------------------------------------------------------------------------------- runs


def _run_meta(folder: Path, jobs: JobManager) -> dict[str, Any]:
    meta = read_json(folder / "meta.json", {}) or {}
    job = jobs.get(folder.name)
    if job is not None:
        meta["status"] = job.status
    elif meta.get("status") == "running":
        meta["status"] = "interrupted"
    meta.setdefault("id", folder.name)
    return meta


def _runs(plan: StoredPlan, jobs: JobManager) -> list[dict[str, Any]]:
    if not plan.runs_dir.is_dir():
        return []
    return [_run_meta(f, jobs) for f in sorted(plan.runs_dir.iterdir(), reverse=True)
            if f.is_dir() and ID_PATTERN.match(f.name)]


def _latest_done(plan: StoredPlan, jobs: JobManager) -> dict[str, Any] | None:
    return next((r for r in _runs(plan, jobs) if r.get("status") == "done"), None)


def _sse(event: str, data: str) -> str:
    lines = data.replace("\r", "").split("\n")
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


def _download(path: Path, filename: str, media_type: str, *, inline: bool = False
              ) -> FileResponse:
    if not path.is_file():
        raise HTTPException(404, "no such file in this run")
    disposition = "inline" if inline else "attachment"
    headers = {"content-disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"}
    if media_type.startswith("text/html"):
        headers["content-security-policy"] = DOCUMENT_CSP if path.name.startswith("report") \
            else MAP_CSP
    return FileResponse(path, media_type=media_type, headers=headers)


# ------------------------------------------------------------------------------ the app


def create_app(data_dir: str | Path, *, token: str | None = None,
               plans: tuple[str | Path, ...] = (), limits: UploadLimits | None = None,
               allowed_hosts: tuple[str, ...] | None = None) -> Any:
    """The workbench as an ASGI app.

    Parameters
    ----------
    data_dir
        Where plans made in the app, runs and acceptances are stored (created if needed).
    token
        Required on every request when given (``geoplan serve --host`` other than loopback).
    plans
        Plan files or folders to open where they are (read only); a folder without a
        ``plan.toml`` opens each sub-folder that has one.
    limits
        Upload size limits (:class:`~geoplan.web.store.UploadLimits`).
    allowed_hosts
        ``Host`` header values served; default: the loopback names without a token, any with.
    """
    limits = limits or UploadLimits()
    wb = Workbench(Path(data_dir), token=token, limits=limits)
    for p in plans:
        _open_plans(wb, Path(p))
    api = FastAPI(title="geoplan", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.workbench = wb
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _routes(api, wb)
    if allowed_hosts is None and token is None:
        allowed_hosts = LOOPBACK_HOSTS
    guarded = Guard(api, token=token, allowed_hosts=allowed_hosts, max_body=limits.request_bytes)
    guarded.workbench = wb  # type: ignore[attr-defined]
    guarded.api = api  # type: ignore[attr-defined]
    return guarded


def _open_plans(wb: Workbench, path: Path) -> list[StoredPlan]:
    if path.is_dir() and not (path / "plan.toml").is_file():
        found = [wb.store.link(sub) for sub in sorted(path.iterdir())
                 if sub.is_dir() and (sub / "plan.toml").is_file()]
        if not found:
            raise PlanError(f"{path}: neither a plan folder (no plan.toml) nor a folder of plan "
                            "folders")
        return found
    return [wb.store.link(path)]


def _routes(api: FastAPI, wb: Workbench) -> None:
    store, jobs = wb.store, wb.jobs

    def get_plan(plan_id: str) -> StoredPlan:
        try:
            return store.get(plan_id)
        except KeyError:
            raise HTTPException(404, "no such plan") from None

    def run_folder(plan: StoredPlan, run_id: str) -> Path:
        if not ID_PATTERN.match(run_id) or not (plan.runs_dir / run_id).is_dir():
            raise HTTPException(404, "no such run")
        return plan.runs_dir / run_id

    def compare_folder(run_id: str) -> Path:
        folder = wb.compare_dir / run_id
        if not ID_PATTERN.match(run_id) or not folder.is_dir():
            raise HTTPException(404, "no such comparison")
        return folder

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.headers.get("hx-request"):
            return HTMLResponse(f'<p class="error">{_escape(str(exc.detail))}</p>',
                                status_code=exc.status_code)
        return wb.render(request, "error.html", status=exc.status_code,
                         status_code=exc.status_code, message=str(exc.detail))

    @api.exception_handler(GeoplanError)
    async def geoplan_error(request: Request, exc: GeoplanError) -> Response:
        return wb.render(request, "error.html", status=400, status_code=400, message=str(exc))

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return wb.render(request, "error.html", status=500, status_code=500,
                         message=f"{type(exc).__name__}: {exc}")

    # ---------------------------------------------------------------------- language

    @api.get("/lang/{code}")
    def set_lang(code: str, next: str = "/") -> Response:
        response = RedirectResponse(_safe_next(next), status_code=303)
        if code in i18n.LANGS:
            response.set_cookie(LANG_COOKIE, code, samesite="strict", httponly=True,
                                max_age=365 * 86400)
        return response

    # ---------------------------------------------------------------------- home

    @api.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        rows = []
        for plan in store.plans():
            runs = _runs(plan, jobs)
            rows.append({"plan": plan, "name": plan.name, "last": runs[0] if runs else None,
                         "ready": plan.has_plan_file})
        return wb.render(request, "home.html", rows=rows, limit=limits_text(wb))

    @api.post("/plans")
    async def create_plan(request: Request) -> Response:
        form = await _read_form(request, wb)
        if isinstance(form, Response):
            return form
        _check_csrf(wb, request, form)
        name = _form_text(form, "name", "", 200) or "Quy hoạch mới"
        plan = store.create(name, province=_form_text(form, "province", "", 100),
                            analysis_crs=_form_text(form, "analysis_crs", "", 100))
        await _store_uploads(wb, plan, form)
        return RedirectResponse(f"/plans/{plan.id}/mapping", status_code=303)

    @api.post("/plans/{plan_id}/files")
    async def add_files(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await _read_form(request, wb)
        if isinstance(form, Response):
            return form
        _check_csrf(wb, request, form)
        if not plan.editable:
            raise HTTPException(400, "this plan is opened where it is and only read")
        await _store_uploads(wb, plan, form)
        return RedirectResponse(f"/plans/{plan.id}/mapping", status_code=303)

    @api.post("/plans/{plan_id}/delete")
    async def delete_plan(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        if jobs.active_for(plan.id):
            raise HTTPException(409, "a run of this plan is in progress; cancel it first")
        await run_in_threadpool(store.delete, plan)
        return RedirectResponse("/", status_code=303)

    # ---------------------------------------------------------------------- mapping

    @api.get("/plans/{plan_id}/mapping", response_class=HTMLResponse)
    def mapping(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        if not plan.editable:
            return RedirectResponse(f"/plans/{plan.id}", status_code=303)
        draft = plan.draft()
        messages = draft.pop("upload_messages", [])
        if messages:  # said once, after the upload
            plan.save_draft(draft)
        return wb.render(request, "mapping.html", plan=plan, draft=draft, errors=[],
                         messages=messages, insp=insp)

    @api.get("/plans/{plan_id}/mapping/{source}/fields", response_class=HTMLResponse)
    def mapping_fields(request: Request, plan_id: str, source: int, kind: str = "") -> Response:
        plan = get_plan(plan_id)
        src = _source(plan, source)
        kind = kind or request.query_params.get(f"s{source}_kind", "")  # what htmx sends
        if kind not in insp.kinds_for(src):
            raise HTTPException(400, "this kind does not fit the file's geometry")
        choice = dict(src["choice"], kind=kind, fields=insp.suggest_fields(kind, src["columns"]))
        return wb.render(request, "_fields.html", plan=plan, src=src, choice=choice, insp=insp)

    @api.get("/plans/{plan_id}/mapping/{source}/preview", response_class=HTMLResponse)
    def mapping_preview(request: Request, plan_id: str, source: int, kind: str = "",
                        field: str = "", column: str = "") -> Response:
        plan = get_plan(plan_id)
        src = _source(plan, source)
        column = column or request.query_params.get(f"s{source}_f_{field}", "")  # from htmx
        if kind not in KINDS or field not in KINDS[kind].field_names:
            raise HTTPException(400, "unknown kind or field")
        if column and column not in src["columns"]:
            raise HTTPException(400, "no such column in this file")
        return wb.render(request, "_preview.html", src=src, kind=kind, field=field,
                         column=column, check=_value_check(src, kind, field, column))

    @api.post("/plans/{plan_id}/mapping")
    async def save_mapping(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await request.form(max_fields=5000)
        _check_csrf(wb, request, form)
        if not plan.editable:
            raise HTTPException(400, "this plan is opened where it is and only read")
        draft = plan.draft()
        errors = _apply_mapping(form, draft)
        plan.save_draft(draft)
        if errors:
            return wb.render(request, "mapping.html", status=400, plan=plan, draft=draft,
                             errors=errors, messages=[], insp=insp)
        document = _plan_document(draft["plan"], draft["sources"])
        text = tomlw.dumps(document, header=(
            "Written by the geoplan workbench; an ordinary plan file: run\n"
            "`geoplan validate`, `geoplan check` ... on this folder to repeat what the app did."))
        from geoplan import io

        with io.atomic_path(plan.plan_file, overwrite=True) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return RedirectResponse(f"/plans/{plan.id}/validate", status_code=303)

    # ---------------------------------------------------------------------- plan pages

    @api.get("/plans/{plan_id}", response_class=HTMLResponse)
    def plan_page(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        spec, error = _spec(plan)
        return wb.render(request, "plan.html", plan=plan, spec=spec, spec_error=error,
                         runs=_runs(plan, jobs), active=jobs.active_for(plan.id),
                         accepted=plan.accepted(), toml_text=_plan_text(plan))

    @api.get("/plans/{plan_id}/plan.toml")
    def plan_toml(plan_id: str) -> Response:
        plan = get_plan(plan_id)
        if not plan.has_plan_file:
            raise HTTPException(404, "no plan file yet: map the files first")
        return _download(plan.plan_file, "plan.toml", "text/plain; charset=utf-8")

    @api.get("/plans/{plan_id}/validate", response_class=HTMLResponse)
    def validate_page(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        if not plan.has_plan_file:
            return RedirectResponse(f"/plans/{plan.id}/mapping", status_code=303)
        from geoplan.load import validate_plan

        problems: list[Any] = []
        fatal = None
        summary = ""
        try:
            report = validate_plan(plan.plan_file)
        except GeoplanError as exc:
            fatal = str(exc)
        else:
            order = {"error": 0, "warning": 1, "info": 2}
            problems = sorted(report.problems, key=lambda p: (order[p.severity], p.layer or "",
                                                              p.code))
            summary = report.summary(request_lang(request))
        layer_sources = _layer_sources(plan)
        template = "_validation.html" if request.headers.get("hx-request") else "validate.html"
        return wb.render(request, template, plan=plan, problems=problems, fatal=fatal,
                         summary=summary, latest=_latest_done(plan, jobs),
                         layer_sources=layer_sources, rel=lambda f: _relative(plan, f),
                         checked=_now())

    @api.get("/plans/{plan_id}/map", response_class=HTMLResponse)
    def focus_map(request: Request, plan_id: str, layer: str = "", feature: str = "") -> Response:
        plan = get_plan(plan_id)
        latest = _latest_done(plan, jobs)
        if latest is None:
            raise HTTPException(404, i18n.translator(request_lang(request))("no-run-yet"))
        return wb.render(request, "focus.html", plan=plan, run=latest, layer=layer[:100],
                         feature=feature[:200])

    # ---------------------------------------------------------------------- runs

    @api.post("/plans/{plan_id}/runs")
    async def start_run(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        if not plan.has_plan_file:
            raise HTTPException(400, "map the files first: the plan has no plan.toml yet")
        try:
            site = max(0, min(50, int(_form_text(form, "site", "0", 5) or 0)))
        except ValueError:
            site = 0
        options = {"plan_file": str(plan.plan_file), "checks": form.get("checks") == "on",
                   "grid": form.get("grid") == "on", "coverage": form.get("coverage") == "on",
                   "site": site, "xlsx": form.get("xlsx") == "on",
                   "lang": request_lang(request)}
        if not (options["checks"] or options["grid"] or options["coverage"]):
            options.update(checks=True, grid=True, coverage=True)
        existing = jobs.active_for(plan.id)
        if existing is not None:
            return RedirectResponse(f"/plans/{plan.id}/runs/{existing.id}", status_code=303)
        try:
            inputs = await run_in_threadpool(input_hashes, plan.plan_file)
        except GeoplanError as exc:
            raise HTTPException(400, str(exc)) from exc
        try:
            job = jobs.start("analysis", plan.id, plan.runs_dir / new_run_id(), options,
                             {"plan": plan.id, "plan_name": plan.name, "inputs": inputs})
        except RuntimeError as exc:
            return RedirectResponse(f"/plans/{plan.id}/runs/{exc}", status_code=303)
        return RedirectResponse(f"/plans/{plan.id}/runs/{job.id}", status_code=303)

    def run_context(plan: StoredPlan, folder: Path) -> dict[str, Any]:
        meta = _run_meta(folder, jobs)
        job = jobs.get(folder.name)
        ctx: dict[str, Any] = {"plan": plan, "run": meta, "job": job, "base":
                               f"/plans/{plan.id}/runs/{folder.name}"}
        if meta.get("status") == "done":
            findings = read_json(folder / "findings.json", []) or []
            ctx["findings"] = findings
            ctx["rules"] = sorted({f["rule"] for f in findings})
            ctx["communes"] = sorted({f["commune"] for f in findings if f.get("commune")})
            ctx["coverage"] = read_json(folder / "coverage.json", {}) or {}
            ctx["summary"] = read_json(folder / "summary.json", {}) or {}
            ctx["accepted"] = {a["key"]: a for a in plan.accepted()}
            ctx["files"] = {n: (folder / n).is_file() for n in
                            ("map.html", "report.html", "report.xlsx", "export.zip",
                             "findings.geojson")}
            try:
                ctx["stale"] = plan.has_plan_file and input_hashes(plan.plan_file) != \
                    meta.get("inputs")
            except GeoplanError:
                ctx["stale"] = True
        return ctx

    @api.get("/plans/{plan_id}/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, plan_id: str, run_id: str) -> Response:
        plan = get_plan(plan_id)
        folder = run_folder(plan, run_id)
        template = "_run_panel.html" if request.headers.get("hx-request") else "run.html"
        return wb.render(request, template, filters={}, **run_context(plan, folder))

    @api.get("/plans/{plan_id}/runs/{run_id}/events")
    async def run_events(request: Request, plan_id: str, run_id: str) -> Response:
        plan = get_plan(plan_id)
        folder = run_folder(plan, run_id)
        from fastapi.responses import StreamingResponse

        return StreamingResponse(_events(request, wb, folder.name, plan), media_type=
                                 "text/event-stream", headers={"cache-control": "no-cache",
                                                               "x-accel-buffering": "no"})

    @api.post("/plans/{plan_id}/runs/{run_id}/cancel")
    async def cancel_run(request: Request, plan_id: str, run_id: str) -> Response:
        plan = get_plan(plan_id)
        folder = run_folder(plan, run_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        job = jobs.get(folder.name)
        if job is not None:
            await run_in_threadpool(jobs.cancel, job)
        return RedirectResponse(f"/plans/{plan.id}/runs/{folder.name}", status_code=303)

    @api.get("/plans/{plan_id}/runs/{run_id}/findings", response_class=HTMLResponse)
    def findings_rows(request: Request, plan_id: str, run_id: str, rule: str = "",
                      severity: str = "", commune: str = "", state: str = "") -> Response:
        plan = get_plan(plan_id)
        ctx = run_context(plan, run_folder(plan, run_id))
        filters = {"rule": rule, "severity": severity, "commune": commune, "state": state}
        return wb.render(request, "_findings.html", filters=filters, **ctx)

    @api.get("/plans/{plan_id}/runs/{run_id}/findings/{index}.geojson")
    def finding_geometry(plan_id: str, run_id: str, index: int) -> Response:
        plan = get_plan(plan_id)
        findings = read_json(run_folder(plan, run_id) / "findings.json", []) or []
        if not 0 <= index < len(findings):
            raise HTTPException(404, "no such finding")
        rec = findings[index]
        return JSONResponse({"type": "Feature", "geometry": rec.get("geometry"),
                             "bbox": rec.get("bbox"),
                             "properties": {"rule": rec["rule"], "layer": rec.get("layer"),
                                            "feature_id": rec.get("feature_id")}},
                            media_type="application/geo+json")

    @api.get("/plans/{plan_id}/runs/{run_id}/{name}")
    def run_file(plan_id: str, run_id: str, name: str, download: int = 0) -> Response:
        plan = get_plan(plan_id)
        folder = run_folder(plan, run_id)
        types = {"map.html": "text/html; charset=utf-8",
                 "report.html": "text/html; charset=utf-8",
                 "report.xlsx": "application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet",
                 "export.zip": "application/zip",
                 "findings.geojson": "application/geo+json",
                 "meta.json": "application/json"}
        if name not in types:
            raise HTTPException(404, "no such file in this run")
        inline = name.endswith(".html") and not download
        stem = f"{plan.id}-{folder.name}"
        filename = {"map.html": f"{stem}-map.html", "report.html": f"{stem}-report.html",
                    "report.xlsx": f"{stem}-report.xlsx", "export.zip": f"{stem}-export.zip",
                    "findings.geojson": f"{stem}-findings.geojson",
                    "meta.json": f"{stem}-meta.json"}[name]
        return _download(folder / name, filename, types[name], inline=inline)

    # ---------------------------------------------------------------------- accepted

    @api.post("/plans/{plan_id}/accepted", response_class=HTMLResponse)
    async def accept(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        run_id = _form_text(form, "run", "", 80)
        index_text = _form_text(form, "index", "", 10)
        reason = _form_text(form, "reason", "", 1000)
        findings = read_json(run_folder(plan, run_id) / "findings.json", []) or []
        if not index_text.isdigit() or int(index_text) >= len(findings):
            raise HTTPException(400, "no such finding")
        if not reason:
            raise HTTPException(400, i18n.translator(request_lang(request))("reason-needed"))
        rec = findings[int(index_text)]
        records = [a for a in plan.accepted() if a.get("key") != rec["key"]]
        records.append({"key": rec["key"], "rule": rec["rule"], "severity": rec["severity"],
                        "layer": rec.get("layer"), "feature_id": rec.get("feature_id"),
                        "other_layer": rec.get("other_layer"), "other_id": rec.get("other_id"),
                        "message": rec.get("message"), "reason": reason, "at": _now(),
                        "run": run_id})
        await run_in_threadpool(plan.save_accepted, records)
        if request.headers.get("hx-request"):
            ctx = run_context(plan, run_folder(plan, run_id))
            return wb.render(request, "_finding_row.html", f=rec, **ctx)
        return RedirectResponse(f"/plans/{plan.id}/runs/{run_id}", status_code=303)

    @api.post("/plans/{plan_id}/accepted/remove")
    async def unaccept(request: Request, plan_id: str) -> Response:
        plan = get_plan(plan_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        key = _form_text(form, "key", "", 1000)
        await run_in_threadpool(plan.save_accepted,
                                [a for a in plan.accepted() if a.get("key") != key])
        return RedirectResponse(_safe_next(_form_text(form, "next", f"/plans/{plan.id}")),
                                status_code=303)

    # ---------------------------------------------------------------------- compare

    @api.get("/compare", response_class=HTMLResponse)
    def compare_form(request: Request, a: str = "", b: str = "") -> Response:
        plans = [p for p in store.plans() if p.has_plan_file]
        return wb.render(request, "compare_form.html", plans=plans, a=a, b=b)

    @api.post("/compare")
    async def start_compare(request: Request) -> Response:
        form = await request.form()
        _check_csrf(wb, request, form)
        before = get_plan(_form_text(form, "a", "", 80))
        after = get_plan(_form_text(form, "b", "", 80))
        if not (before.has_plan_file and after.has_plan_file):
            raise HTTPException(400, "both plans need a plan file")
        if before.id == after.id:
            raise HTTPException(400, i18n.translator(request_lang(request))("compare-same"))
        wb.compare_dir.mkdir(parents=True, exist_ok=True)
        options = {"before_file": str(before.plan_file), "after_file": str(after.plan_file)}
        try:
            job = jobs.start("compare", f"compare:{before.id}", wb.compare_dir / new_run_id(),
                             options, {"before": before.id, "after": after.id,
                                       "before_name": before.name, "after_name": after.name})
        except RuntimeError as exc:
            return RedirectResponse(f"/compare/{exc}", status_code=303)
        return RedirectResponse(f"/compare/{job.id}", status_code=303)

    def compare_context(folder: Path) -> dict[str, Any]:
        meta = _run_meta(folder, jobs)
        ctx: dict[str, Any] = {"run": meta, "job": jobs.get(folder.name),
                               "base": f"/compare/{folder.name}"}
        if meta.get("status") == "done":
            ctx["diff"] = read_json(folder / "diff.json", {}) or {}
        return ctx

    @api.get("/compare/{run_id}", response_class=HTMLResponse)
    def compare_page(request: Request, run_id: str) -> Response:
        folder = compare_folder(run_id)
        template = "_compare_panel.html" if request.headers.get("hx-request") else "compare.html"
        return wb.render(request, template, **compare_context(folder))

    @api.get("/compare/{run_id}/events")
    async def compare_events(request: Request, run_id: str) -> Response:
        folder = compare_folder(run_id)
        from fastapi.responses import StreamingResponse

        return StreamingResponse(_events(request, wb, folder.name, None),
                                 media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})

    @api.get("/compare/{run_id}/{name}")
    def compare_file(run_id: str, name: str, download: int = 0) -> Response:
        folder = compare_folder(run_id)
        types = {"compare.html": "text/html; charset=utf-8",
                 "diff.geojson": "application/geo+json"}
        if name not in types:
            raise HTTPException(404, "no such file")
        return _download(folder / name, f"compare-{folder.name}-{name}", types[name],
                         inline=name.endswith(".html") and not download)

    @api.post("/compare/{run_id}/cancel")
    async def cancel_compare(request: Request, run_id: str) -> Response:
        folder = compare_folder(run_id)
        form = await request.form()
        _check_csrf(wb, request, form)
        job = jobs.get(folder.name)
        if job is not None:
            await run_in_threadpool(jobs.cancel, job)
        return RedirectResponse(f"/compare/{folder.name}", status_code=303)


def limits_text(wb: Workbench) -> str:
    return wb.limits.describe()


def _escape(text: str) -> str:
    import html

    return html.escape(text)


async def _read_form(request: Request, wb: Workbench) -> FormData | Response:
    """The multipart form of an upload, or the 413 page when it passes the size limit."""
    try:
        return await request.form(max_files=wb.limits.files_per_request + 1, max_fields=200)
    except BodyTooLargeError:
        t = i18n.translator(request_lang(request))
        return wb.render(request, "error.html", status=413, status_code=413,
                         message=t("upload-too-large").format(limit=wb.limits.describe()))


async def _store_uploads(wb: Workbench, plan: StoredPlan, form: FormData) -> None:
    uploads = [(u.filename or "", u.file) for u in form.getlist("files")
               if isinstance(u, UploadFile) and u.filename]
    try:
        saved = await run_in_threadpool(wb.store.save_uploads, plan, uploads)
    finally:
        for u in form.getlist("files"):
            if isinstance(u, UploadFile):
                await u.close()
    draft = plan.draft()
    head = draft.get("plan", {})
    await run_in_threadpool(_inspect_new, plan, saved.files, head.get("analysis_crs", ""))
    draft = plan.draft()
    draft["upload_messages"] = [{"file": n, "reason": r} for n, r in saved.refused]
    if not uploads:
        draft["upload_messages"].append({"file": "", "reason": "no-files"})
    plan.save_draft(draft)


def _source(plan: StoredPlan, source: int) -> dict[str, Any]:
    sources = plan.draft().get("sources", [])
    if not 0 <= source < len(sources) or sources[source].get("error"):
        raise HTTPException(404, "no such source")
    return dict(sources[source])


def _value_check(src: dict[str, Any], kind: str, field: str, column: str | None
                 ) -> dict[str, Any] | None:
    if not column:
        return None
    return insp.check_values(kind, field, src.get("values", {}).get(column, []))


def _spec(plan: StoredPlan) -> tuple[Any, str | None]:
    if not plan.has_plan_file:
        return None, None
    from geoplan.plan import read_plan_file

    try:
        return read_plan_file(plan.plan_file), None
    except GeoplanError as exc:
        return None, str(exc)


def _plan_text(plan: StoredPlan) -> str:
    if not plan.has_plan_file:
        return ""
    try:
        return plan.plan_file.read_text(encoding="utf-8")[:20000]
    except (OSError, UnicodeDecodeError):
        return ""


def _layer_sources(plan: StoredPlan) -> dict[str, int]:
    """Layer name → index of the draft source it came from (links to its mapping)."""
    out = {}
    for src in plan.draft().get("sources", []):
        choice = src.get("choice")
        if choice and choice.get("include"):
            out[choice["name"]] = src["id"]
    return out


def _relative(plan: StoredPlan, file: str | None) -> str:
    if not file:
        return ""
    try:
        return Path(file).resolve().relative_to(plan.plan_file.parent.resolve()).as_posix()
    except (ValueError, OSError):
        return Path(file).name


async def _events(request: Request, wb: Workbench, job_id: str, plan: StoredPlan | None
                  ) -> AsyncIterator[str]:
    """Server-sent events of one run: ``progress`` (the progress fragment) while it runs,
    then ``done``."""
    last = None
    while True:
        job = wb.jobs.get(job_id)
        if job is None:  # finished before this server started, or unknown
            yield _sse("done", "")
            return
        html = wb.fragment(request, "_progress.html", job=job)
        if html != last:
            last = html
            yield _sse("progress", html)
        if job.finished is not None:
            yield _sse("done", "")
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.3)
