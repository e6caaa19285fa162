"""The workbench's routes through Starlette's TestClient: plans from uploads, the mapping and
its plan.toml, validation, runs as child processes with progress, downloads, acceptance,
comparison, and the safety of every door (host, token, CSRF, sizes, archives, escaping)."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webapp import (
    HOSTILE,
    SAMPLE,
    SAMPLE_FILES,
    csrf_of,
    geojson_feature_collection,
    mini_plan,
    plan_ids,
    zip_bytes,
)

from geoplan.plan import read_plan_file
from geoplan.web import toml as tomlw
from geoplan.web.store import UploadLimits, safe_stem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from starlette.testclient import TestClient

from geoplan.web import create_app

BASE = "http://127.0.0.1"


def client(data_dir: Path, **kwargs: Any) -> TestClient:
    return TestClient(create_app(data_dir, **kwargs), base_url=BASE)


def upload(c: TestClient, paths: list[Path] | list[tuple[str, bytes]], *, name: str = "Thử",
           crs: str = "", follow: bool = True) -> Any:
    csrf = csrf_of(c.get("/").text)
    files = []
    for p in paths:
        if isinstance(p, tuple):
            files.append(("files", (p[0], p[1], "application/octet-stream")))
        else:
            files.append(("files", (p.name, p.read_bytes(), "application/octet-stream")))
    return c.post("/plans", data={"csrf": csrf, "name": name, "analysis_crs": crs},
                  files=files, follow_redirects=follow)


def mapping_form(html: str) -> dict[str, str]:
    """The values the mapping form would submit as it stands (suggestions taken)."""
    form = html[html.index('id="mapping-form"'):html.index("</form>",
                                                          html.index('id="mapping-form"'))]
    data: dict[str, str] = {}
    for m in re.finditer(r"<input([^>]*)>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "name" not in attrs:
            continue
        if attrs.get("type") == "checkbox":
            if " checked" in m.group(1):
                data[attrs["name"]] = "on"
        else:
            data[attrs["name"]] = _unescape(attrs.get("value", ""))
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        sel = re.search(r'<option value="([^"]*)" selected>', m.group(2))
        data[m.group(1)] = _unescape(sel.group(1)) if sel else ""
    return data


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


# ------------------------------------------------------------------------ the plan file


@settings(max_examples=200, deadline=None)
@given(st.text(), st.dictionaries(st.text(min_size=1), st.text(), max_size=4))
def test_plan_file_writer_round_trips_any_text(text: str, fields: dict[str, str]) -> None:
    doc = {"plan": {"name": text}, "layers": {text or "x": {"kind": "boundary", "path": text,
                                                           "fields": fields}}}
    assert tomllib.loads(tomlw.dumps(doc)) == doc


def test_stored_names_never_come_from_the_client() -> None:
    assert safe_stem("../../etc/passwd.geojson") == "passwd"
    assert safe_stem("C:\\Users\\x\\Cụm CN (2025).gpkg") == "cum_cn_2025"
    assert safe_stem(f"{HOSTILE}.geojson") == "img_src_x_onerror_alert_1"
    assert safe_stem("....geojson") == "file"


# ----------------------------------------------------------------------------- plans


@pytest.fixture(scope="module")
def sample_upload(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, str, str]:
    """The sample's files dropped into a new plan: (client, plan id, mapping page)."""
    c = client(tmp_path_factory.mktemp("data"))
    r = upload(c, [SAMPLE / f for f in SAMPLE_FILES], name="Minh Hà (tải lên)",
               crs="EPSG:9209")
    assert r.status_code == 200 and "/mapping" in str(r.url)
    return c, str(r.url).split("/")[4], r.text


def test_dropped_sample_files_get_the_sample_plans_mapping(
        sample_upload: tuple[TestClient, str, str]) -> None:
    c, pid, page = sample_upload
    form = mapping_form(page)
    r = c.post(f"/plans/{pid}/mapping", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{pid}/validate"
    data_dir = Path(c.app.workbench.store.root)  # type: ignore[attr-defined]
    made = read_plan_file(data_dir / "plans" / pid / "plan.toml")
    sample = read_plan_file(SAMPLE / "plan.toml")
    by_source = {(Path(s.path).name, s.layer): s for s in sample.layers}
    assert len(made.layers) == len(sample.layers)
    for layer in made.layers:
        ref = by_source[(Path(layer.path).name, layer.layer)]
        assert layer.kind == ref.kind, layer.name
        # the suggestions find every column of the dropped file that the sample's own plan
        # file maps, and no other (the sample's attribute table is a separate, joined file)
        joined: set[str] = set()
        if ref.attributes is not None:
            import pandas as pd

            table = pd.read_excel(ref.attributes.path, sheet_name=ref.attributes.sheet or 0)
            joined = {str(c) for c in table.columns}
        expected = {k: v for k, v in dict(ref.fields).items() if v not in joined}
        assert dict(layer.fields) == expected, layer.name
        assert (layer.x_field, layer.y_field) == (ref.x_field, ref.y_field)  # Y is the easting
    trade = next(s for s in made.layers if s.kind == "trade_facility")
    assert trade.crs == "EPSG:9209"
    # the folder is an ordinary plan: what the CLI validates, the page shows
    from geoplan.load import validate_plan

    report = validate_plan(made.path)
    assert not report.has_errors, report.to_text()
    page = c.get(f"/plans/{pid}/validate").text
    assert report.summary() in page


def test_the_mapping_page_suggests_and_previews(sample_upload: tuple[TestClient, str, str]
                                                ) -> None:
    c, pid, page = sample_upload
    assert "Cụm công nghiệp" in page  # the kind's Vietnamese label
    form = mapping_form(page)
    i = next(k.split("_")[0][1:] for k, v in form.items()
             if k.endswith("_kind") and v == "industrial_cluster")
    assert form[f"s{i}_f_status"] == "trang_thai"
    r = c.get(f"/plans/{pid}/mapping/{i}/preview",
              params={"kind": "industrial_cluster", "field": "status", "column": "trang_thai"})
    assert r.status_code == 200
    assert "Hiện trạng → existing" in r.text and "Không khớp" not in r.text
    # a column that is not a status: every value listed as not recognised, with the vocabulary
    r = c.get(f"/plans/{pid}/mapping/{i}/preview",
              params={"kind": "industrial_cluster", "field": "status", "column": "ten"})
    assert "Không khớp" in r.text and "existing, under_construction, planned" in r.text
    # another kind: its own fields, with new suggestions
    r = c.get(f"/plans/{pid}/mapping/{i}/fields", params={f"s{i}_kind": "industrial_park"})
    assert r.status_code == 200 and f'name="s{i}_f_phased"' in r.text
    assert c.get(f"/plans/{pid}/mapping/{i}/fields",
                 params={"kind": "grid_line"}).status_code == 400  # polygons are not lines
    # a column the file does not have is refused
    assert c.get(f"/plans/{pid}/mapping/{i}/preview", params={
        "kind": "industrial_cluster", "field": "status", "column": "nope"}).status_code == 400


def test_a_mapping_form_is_checked_against_the_files(tmp_path: Path) -> None:
    c = client(tmp_path / "data")
    r = upload(c, [SAMPLE / "trade_facilities.csv"])
    pid = str(r.url).split("/")[4]
    form = mapping_form(r.text)
    form.update({"s0_kind": "grid_line", "s0_x": "X", "s0_y": "X", "s0_f_id": "../../x",
                 "s0_name": "a b"})
    r = c.post(f"/plans/{pid}/mapping", data=form)
    assert r.status_code == 400
    for text in ("loại lớp không phù hợp", "hai cột tọa độ khác nhau", "tên lớp"):
        assert text in r.text
    assert not (tmp_path / "data" / "plans" / pid / "plan.toml").exists()


# --------------------------------------------------------------------------- uploads


def test_uploads_are_refused_with_a_reason_never_a_500(tmp_path: Path) -> None:
    c = client(tmp_path / "data", limits=UploadLimits(file_bytes=50_000, archive_members=5))
    r = upload(c, [
        ("notes.exe", b"MZ"),
        ("empty.geojson", b""),
        ("big.geojson", b" " * 60_000),
        ("broken.gpkg", b"not a geopackage"),
        ("escape.zip", zip_bytes({"../../outside.geojson": geojson_feature_collection(["a"])})),
        ("link.zip", zip_bytes({"a.geojson": b"{}"}, symlink="b.geojson")),
        ("many.zip", zip_bytes({f"{i}.geojson": b"{}" for i in range(6)})),
        ("bad.zip", b"PK\x03\x04 broken"),
        (f"{HOSTILE}.geojson", geojson_feature_collection([HOSTILE])),
    ])
    assert r.status_code == 200
    page = r.text
    for reason in ("not a format geoplan reads", "the file is empty", "larger than the limit",
                   "points outside the archive", "is a link", "6 files in the archive",
                   "not a readable zip archive", "Không đọc được tệp"):
        assert reason in page, reason
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    files = sorted(p.name for p in (tmp_path / "data").rglob("*") if p.is_file()
                   and "files" in p.parts)
    assert files == ["broken.gpkg", "img_src_x_onerror_alert_1.geojson"]
    assert not list(tmp_path.rglob("outside.geojson"))


def test_a_zip_of_several_files_is_unpacked_flat_inside_the_plan(tmp_path: Path) -> None:
    c = client(tmp_path / "data")
    payload = zip_bytes({"data/ranh_gioi/han_che.geojson": geojson_feature_collection(["A"]),
                         "data/khac/di_tich.geojson": geojson_feature_collection(["B", "C"]),
                         "__MACOSX/._x.geojson": b"junk", "README.txt": b"hi"})
    r = upload(c, [("du_lieu.zip", payload)])
    pid = str(r.url).split("/")[4]
    folder = tmp_path / "data" / "plans" / pid / "files"
    assert sorted(p.name for p in folder.iterdir()) == ["di_tich.geojson", "han_che.geojson"]
    form = mapping_form(r.text)
    assert {v for k, v in form.items() if k.endswith("_kind")} == {"restricted_zone"}


def test_a_zipped_shapefile_is_kept_whole(tmp_path: Path, sample_plan: Any) -> None:
    shp = tmp_path / "shp"
    shp.mkdir()
    frame = sample_plan.layers["restricted"].frame
    frame.rename(columns={"id": "ma", "name": "ten"}).to_file(shp / "vung.shp")
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in shp.iterdir():
            zf.write(p, p.name)
    c = client(tmp_path / "data")
    r = upload(c, [("vung_han_che.zip", buf.getvalue())])
    assert "vung_han_che.zip" in r.text and "Vùng hạn chế phát triển" in r.text


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    c = client(tmp_path / "data", limits=UploadLimits(request_bytes=10_000))
    r = upload(c, [("big.geojson", b"x" * 20_000)])
    assert r.status_code == 413 and "Upload too large" in r.text
    assert not list((tmp_path / "data" / "plans").iterdir())


# ------------------------------------------------------------------------------ doors


def test_only_loopback_host_names_are_served(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    assert TestClient(app, base_url="http://evil.example").get("/").status_code == 421
    assert TestClient(app, base_url="http://localhost:8765").get("/").status_code == 200
    r = TestClient(app, base_url=BASE).get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "unsafe-eval" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_token_is_needed_on_every_request_when_given(tmp_path: Path) -> None:
    c = TestClient(create_app(tmp_path, token="s3cret"), base_url="http://10.0.0.5:8765")
    for path in ("/", "/static/htmx.min.js", "/compare"):
        assert c.get(path).status_code == 401, path
    assert c.get("/?token=wrong").status_code == 401
    r = c.get("/compare?token=s3cret&a=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/compare?a=1"
    assert "HttpOnly" in r.headers["set-cookie"]
    assert c.get("/static/htmx.min.js").status_code == 200  # the cookie is kept
    fresh = TestClient(create_app(tmp_path, token="s3cret"), base_url="http://10.0.0.5:8765")
    assert fresh.get("/", headers={"authorization": "Bearer s3cret"}).status_code == 200


def test_forms_need_the_pages_token_and_the_same_origin(tmp_path: Path) -> None:
    c = client(tmp_path)
    assert c.post("/plans", data={"name": "x"}).status_code == 403
    csrf = csrf_of(c.get("/").text)
    r = c.post("/plans", data={"name": "x", "csrf": csrf},
               headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    assert c.post("/plans", data={"name": "x", "csrf": "guess"}).status_code == 403
    assert not list((tmp_path / "plans").iterdir())
    assert c.post("/plans", data={"name": "x", "csrf": csrf}).status_code == 200


def test_ids_from_the_address_are_never_paths(tmp_path: Path) -> None:
    c = client(tmp_path / "data")
    for path in ("/plans/..%2F..%2Fetc/validate", "/plans/x/runs/..%2F..%2Fplans/map.html",
                 "/plans/UPPER", "/compare/..%2Fplans"):
        assert c.get(path).status_code == 404, path
    assert c.get("/lang/en?next=//evil.example/", follow_redirects=False
                 ).headers["location"] == "/"


def test_vietnamese_first_english_on_request(tmp_path: Path) -> None:
    c = client(tmp_path)
    assert "Bàn làm việc quy hoạch" in c.get("/").text
    r = c.get("/lang/en?next=/compare")
    assert r.status_code == 200 and "Planner&#39;s workbench" in r.text
    assert "Compare two plans" in r.text


def test_every_word_of_the_templates_is_in_both_languages() -> None:
    from geoplan.web import i18n

    folder = Path(i18n.__file__).parent / "templates"
    used = set()
    for tpl in folder.glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z0-9-]+)["']\)""", tpl.read_text()))
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert missing == []
    for prefix, values in (("status-", ("queued", "running", "done", "failed", "cancelled",
                                        "interrupted")),
                           ("sev-", ("error", "warning", "info")),
                           ("step-", ("load", "analyse", "findings", "map", "report", "export",
                                      "diff")),
                           ("change-", ("added", "removed", "moved", "changed")),
                           ("err-", ("name", "layer-name", "kind", "coordinates", "no-layer"))):
        for v in values:
            assert prefix + v in i18n.MESSAGES
    assert all(vi and en for vi, en in i18n.MESSAGES.values())


# ------------------------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished run of the small province (opened in place) with checks, grid and coverage."""
    root = tmp_path_factory.mktemp("mini")
    plan_file = mini_plan(root / "tinh_thu")
    mini_plan(root / "tinh_thu_b", name="Tỉnh Thử Nghiệm (phương án B)", moved=True)
    c = client(root / "data", plans=(root,))
    pids = dict(zip([read_plan_file(c.app.workbench.store.get(p).plan_file).name  # type: ignore
                     for p in plan_ids(c.get("/").text)], plan_ids(c.get("/").text),
                    strict=True))
    pid = pids["Tỉnh Thử Nghiệm 2021–2030"]
    csrf = csrf_of(c.get(f"/plans/{pid}").text)
    r = c.post(f"/plans/{pid}/runs", data={"csrf": csrf, "checks": "on", "grid": "on",
                                           "coverage": "on", "site": "0"},
               follow_redirects=False)
    assert r.status_code == 303
    base = r.headers["location"]
    # a second start while it runs goes to the same run: one job per plan
    again = c.post(f"/plans/{pid}/runs", data={"csrf": csrf, "checks": "on"},
                   follow_redirects=False)
    assert again.headers["location"] == base
    events = []
    fragments: list[str] = []  # the progress fragments as streamed, one per event
    with c.stream("GET", base + "/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
                fragments.append("")
            elif line.startswith("data:") and fragments:
                fragments[-1] += line[5:] + "\n"
    return {"client": c, "pid": pid, "pids": pids, "base": base, "events": events,
            "fragments": fragments,
            "csrf": csrf, "plan_file": plan_file, "root": root,
            "folder": root / "data" / "runs" / pid / base.rsplit("/", 1)[1]}


def test_a_run_streams_its_progress_then_shows_the_results(mini_run: dict[str, Any]) -> None:
    assert mini_run["events"][0] == "progress" and mini_run["events"][-1] == "done"
    assert mini_run["events"].count("done") == 1
    page = mini_run["client"].get(mini_run["base"]).text
    assert 'data-status="done"' in page
    findings = json.loads((mini_run["folder"] / "findings.json").read_text())
    import geoplan

    expected = geoplan.analyse(mini_run["plan_file"], tolerate=True).findings
    assert [(f["rule"], f["feature_id"]) for f in findings] == \
        list(zip(expected["rule"], expected["feature_id"], strict=True))
    assert f"Kết quả kiểm tra: <strong>{len(findings)}</strong>" in page
    # the grid audit is part of the run (the line ending on the province boundary is an
    # interconnection, not a dangling end)
    assert {f["rule"] for f in findings} >= {"corridor", "grid-interconnection"}
    assert all(f["commune"] in (None, "Xã Đông Tiến", "Phường Bắc Sơn", "Xã Nam Hà",
                                "Xã Tây Hồ") for f in findings)
    assert "coverage-substations" in page and 'id="map-frame"' in page


def test_a_run_shows_the_librarys_stages_as_it_goes(mini_run: dict[str, Any]) -> None:
    meta = json.loads((mini_run["folder"] / "meta.json").read_text(encoding="utf-8"))
    # every stage the child heard, in order: the analysis, then the deliveries
    assert meta["stages"][:4] == ["read", "grid", "checks", "coverage"]
    assert {"map", "report", "export"} <= set(meta["stages"])
    streamed = [f for e, f in zip(mini_run["events"], mini_run["fragments"], strict=True)
                if e == "progress"]
    # the stages are named in Vietnamese, each fragment lists those passed so far
    last = streamed[-1]
    assert 'id="stages-seen"' in last and "Các giai đoạn đã qua" in last
    seen = re.findall(r'<span data-stage="([a-z0-9-]+)">', last)
    assert seen and seen == meta["stages"][:len(seen)]
    assert "Đọc các lớp" in "".join(streamed)


def test_the_stage_sender_reports_the_open_stages_and_the_page_escapes_them(tmp_path: Path
                                                                           ) -> None:
    from geoplan.progress import listening, stage
    from geoplan.web import i18n
    from geoplan.web.jobs import Job, JobManager, StageSender

    sent: list[dict[str, Any]] = []
    sender = StageSender(sent.append)
    sender.EVERY = 0.0  # every step is sent
    with listening(sender), stage("read", total=2) as s:
        s.advance(item=HOSTILE)
        with stage("grid"):
            pass
    assert [m["started"] for m in sent if m["started"]] == ["read", "grid"]
    assert sent[1]["stages"] == [{"name": "read", "total": 2, "done": 1, "item": HOSTILE}]
    assert [len(m["stages"]) for m in sent] == [1, 1, 2, 1, 0]
    job = Job("j", "analysis", "p", Path("."), ("load", "analyse"), status="running")
    manager = JobManager()
    for msg in sent[:3]:
        assert manager._apply(job, msg) is None
    assert job.stages_seen == ["read", "grid"] and job.stages[-1]["name"] == "grid"
    env = client(tmp_path / "data").app.workbench.env  # type: ignore[attr-defined]
    html = env.get_template("_progress.html").render(
        job=job, t=i18n.translator("vi"), stage_label=lambda n: i18n.stage_label(n, "vi"))
    assert "Đọc các lớp" in html and "Lưới điện" in html and "1/2" in html
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    english = env.get_template("_progress.html").render(
        job=job, t=i18n.translator("en"), stage_label=lambda n: i18n.stage_label(n, "en"))
    assert "Reading layers" in english and "Stages so far" in english


def test_the_findings_filter_by_rule_severity_and_commune(mini_run: dict[str, Any]) -> None:
    c, base = mini_run["client"], mini_run["base"]
    findings = json.loads((mini_run["folder"] / "findings.json").read_text())

    def shown(**params: str) -> list[str]:
        return re.findall(r'id="finding-(\d+)"', c.get(base + "/findings", params=params).text)

    assert len(shown()) == len(findings)
    assert shown(rule="corridor") == [str(f["index"]) for f in findings
                                      if f["rule"] == "corridor"]
    assert shown(severity="error") == [str(f["index"]) for f in findings
                                       if f["severity"] == "error"]
    commune = next(f["commune"] for f in findings if f["commune"])
    assert shown(commune=commune) == [str(f["index"]) for f in findings
                                      if f["commune"] == commune]
    feature = c.get(f"{base}/findings/0.geojson").json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"]
    assert c.get(f"{base}/findings/999.geojson").status_code == 404


def test_downloads_are_exactly_what_was_analysed(mini_run: dict[str, Any]) -> None:
    c, base, folder = mini_run["client"], mini_run["base"], mini_run["folder"]
    meta = c.get(base + "/meta.json").json()
    plan_dir = mini_run["plan_file"].parent
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in plan_dir.iterdir() if p.suffix in (".gpkg", ".toml")}
    assert meta["inputs"] == expected
    from importlib import resources

    rules = tomllib.loads(resources.files("geoplan").joinpath("data/rules.toml").read_text())
    assert meta["rules"]["version"] == rules["meta"]["version"]
    r = c.get(base + "/export.zip")
    assert r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    with zipfile.ZipFile(BytesIO(r.content)) as zf:
        names = zf.namelist()
        findings = json.loads(zf.read("export/findings.geojson"))
        assert "export/manifest.json" in names
    assert len(findings["features"]) == len(json.loads((folder / "findings.json").read_text()))
    for name in ("map.html", "report.html"):
        r = c.get(f"{base}/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "connect-src" not in r.headers["content-security-policy"]
        assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "attachment" in c.get(base + "/report.html?download=1").headers[
        "content-disposition"]
    assert c.get(base + "/report.xlsx").status_code == 404  # not asked for
    assert c.get(base + "/..%2F..%2Fplan.toml").status_code == 404


def test_a_finding_accepted_with_its_reason_is_kept_beside_the_plan(
        mini_run: dict[str, Any]) -> None:
    c, pid, base = mini_run["client"], mini_run["pid"], mini_run["base"]
    run_id = base.rsplit("/", 1)[1]
    assert c.post(f"/plans/{pid}/accepted", data={"csrf": mini_run["csrf"], "run": run_id,
                                                  "index": "0", "reason": ""}).status_code == 400
    r = c.post(f"/plans/{pid}/accepted", headers={"hx-request": "true"},
               data={"csrf": mini_run["csrf"], "run": run_id, "index": "0",
                     "reason": f"đã có văn bản chấp thuận {HOSTILE}"})
    assert r.status_code == 200 and 'id="finding-0"' in r.text and "✓ đã có văn bản" in r.text
    assert HOSTILE not in r.text
    stored = c.app.workbench.store.get(pid).accepted()  # type: ignore[attr-defined]
    assert [a["reason"] for a in stored] == [f"đã có văn bản chấp thuận {HOSTILE}"]
    accepted_rows = re.findall(r'id="finding-(\d+)"',
                               c.get(base + "/findings", params={"state": "accepted"}).text)
    assert accepted_rows == ["0"]
    assert "đã có văn bản" in c.get(f"/plans/{pid}").text
    c.post(f"/plans/{pid}/accepted/remove", data={"csrf": mini_run["csrf"],
                                                  "key": stored[0]["key"]})
    assert c.app.workbench.store.get(pid).accepted() == []  # type: ignore[attr-defined]


def test_a_run_knows_when_its_inputs_changed(mini_run: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    c = client(tmp_path / "data", plans=(mini_run["plan_file"].parent,))
    pid = plan_ids(c.get("/").text)[0]
    plan = c.app.workbench.store.get(pid)  # type: ignore[attr-defined]
    run = plan.runs_dir / mini_run["folder"].name
    shutil.copytree(mini_run["folder"], run)
    assert 'id="stale"' not in c.get(f"/plans/{pid}/runs/{run.name}").text
    toml = mini_run["plan_file"]
    original = toml.read_text(encoding="utf-8")
    try:
        toml.write_text(original + "\n# edited\n", encoding="utf-8")
        assert 'id="stale"' in c.get(f"/plans/{pid}/runs/{run.name}").text
    finally:
        toml.write_text(original, encoding="utf-8")


def test_validation_links_features_to_the_map_of_the_last_run(mini_run: dict[str, Any]
                                                              ) -> None:
    c, pid = mini_run["client"], mini_run["pid"]
    page = c.get(f"/plans/{pid}/validate").text
    assert "phương án tải thành công" in page
    r = c.get(f"/plans/{pid}/map", params={"layer": "clusters", "feature": "CCN-01"})
    assert r.status_code == 200 and 'data-layer="clusters"' in r.text


def test_a_run_can_be_cancelled(tmp_path: Path) -> None:
    plan_file = mini_plan(tmp_path / "p")
    c = client(tmp_path / "data", plans=(plan_file,))
    pid = plan_ids(c.get("/").text)[0]
    csrf = csrf_of(c.get(f"/plans/{pid}").text)
    base = c.post(f"/plans/{pid}/runs", data={"csrf": csrf, "checks": "on"},
                  follow_redirects=False).headers["location"]
    r = c.post(base + "/cancel", data={"csrf": csrf})
    assert 'data-status="cancelled"' in r.text
    wb = c.app.workbench  # type: ignore[attr-defined]
    job = wb.jobs.wait(wb.jobs.get(base.rsplit("/", 1)[1]), timeout=60)
    assert job.status == "cancelled" and not job.process.is_alive()
    folder = wb.store.get(pid).runs_dir / job.id
    assert [p.name for p in folder.iterdir()] == ["meta.json"]
    assert json.loads((folder / "meta.json").read_text())["status"] == "cancelled"
    assert wb.jobs.active_for(pid) is None


def test_a_plan_that_does_not_load_fails_its_run_with_the_problems(tmp_path: Path) -> None:
    c = client(tmp_path / "data")
    r = upload(c, [("vung.geojson", geojson_feature_collection(["A", "B"]))])
    pid = str(r.url).split("/")[4]
    form = mapping_form(r.text)
    assert form["s0_kind"] == "restricted_zone"
    form["s0_kind"] = "trade_facility"  # the wrong kind: no status, "Di tích" is no trade type
    c.post(f"/plans/{pid}/mapping", data=form)
    page = c.get(f"/plans/{pid}/validate").text
    assert "missing-field" in page and "bad-value" in page and "sev-error" in page
    assert "không tìm thấy trường bắt buộc" in page and "phương án có lỗi" in page
    english = c.get("/lang/en?next=" + f"/plans/{pid}/validate").text
    assert "required field &#39;status&#39; not found" in english
    assert "the plan has errors" in english
    c.get("/lang/vi")
    csrf = csrf_of(page)
    base = c.post(f"/plans/{pid}/runs", data={"csrf": csrf, "checks": "on"},
                  follow_redirects=False).headers["location"]
    wb = c.app.workbench  # type: ignore[attr-defined]
    wb.jobs.wait(wb.jobs.get(base.rsplit("/", 1)[1]), timeout=120)
    page = c.get(base).text
    assert 'id="run-error"' in page and "phương án có lỗi" in page


def test_two_plans_compared(mini_run: dict[str, Any]) -> None:
    c, pids = mini_run["client"], mini_run["pids"]
    a, b = pids["Tỉnh Thử Nghiệm 2021–2030"], pids["Tỉnh Thử Nghiệm (phương án B)"]
    assert c.post("/compare", data={"csrf": mini_run["csrf"], "a": a, "b": a}).status_code == 400
    r = c.post("/compare", data={"csrf": mini_run["csrf"], "a": a, "b": b},
               follow_redirects=False)
    base = r.headers["location"]
    wb = c.app.workbench  # type: ignore[attr-defined]
    wb.jobs.wait(wb.jobs.get(base.rsplit("/", 1)[1]), timeout=120)
    page = c.get(base).text
    assert 'data-status="done"' in page
    assert "CCN-02" in page and "dịch chuyển" in page
    diff = c.get(base + "/diff.geojson").json()
    assert [f["properties"]["change"] for f in diff["features"]] == ["moved"]
    assert c.get(base + "/compare.html").status_code == 200


def test_text_from_files_is_escaped_on_every_page(tmp_path: Path) -> None:
    plan_file = mini_plan(tmp_path / "hostile", hostile=True)
    c = client(tmp_path / "data")
    r = upload(c, [plan_file.parent / f"{n}.gpkg" for n in ("boundary", "clusters")])
    assert HOSTILE not in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text
    pid = str(r.url).split("/")[4]
    form = mapping_form(r.text)
    i = next(k[1:].split("_")[0] for k, v in form.items()
             if k.endswith("_kind") and v == "industrial_cluster")
    r = c.get(f"/plans/{pid}/mapping/{i}/preview", params={
        "kind": "industrial_cluster", "field": "name", "column": "ten"})
    assert HOSTILE not in r.text and "&lt;img" in r.text
    r = c.post(f"/plans/{pid}/mapping", data=form)
    assert HOSTILE not in r.text
    assert HOSTILE not in c.get(f"/plans/{pid}").text


def test_every_asset_a_page_names_is_served_from_the_package(tmp_path: Path) -> None:
    c = client(tmp_path)
    page = c.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert {"/static/htmx.min.js", "/static/htmx-ext-sse.js", "/static/workbench.js",
            "/static/workbench.css"} <= set(assets)
    for asset in assets:
        r = c.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing from any server
    assert 'version:"2.0.11"' in c.get("/static/htmx.min.js").text  # as static/README.md says


def test_a_plan_made_here_can_be_removed_and_one_opened_in_place_keeps_its_files(
        tmp_path: Path) -> None:
    plan_file = mini_plan(tmp_path / "p")
    c = client(tmp_path / "data", plans=(plan_file,))
    upload(c, [("vung.geojson", geojson_feature_collection(["A"]))])
    ids = plan_ids(c.get("/").text)
    assert len(set(ids)) == 2
    csrf = csrf_of(c.get("/").text)
    for pid in set(ids):
        c.post(f"/plans/{pid}/delete", data={"csrf": csrf})
    assert plan_ids(c.get("/").text) == []
    assert plan_file.is_file() and (plan_file.parent / "clusters.gpkg").is_file()


def test_serve_on_another_host_prints_a_token_and_asks_for_it(tmp_path: Path) -> None:
    import os
    import subprocess

    import httpx

    from geoplan.cli.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(repo), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-m", "geoplan", "serve", "--host", "0.0.0.0",
                             "--port", "0", "--data-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        m = re.match(r"geoplan workbench: http://0\.0\.0\.0:(\d+)/\?token=(\S+)$", first)
        assert m, first
        port, token = m.groups()
        local = f"http://127.0.0.1:{port}"
        assert httpx.get(local + "/").status_code == 401
        r = httpx.get(f"{local}/?token={token}", follow_redirects=True)
        assert r.status_code == 200 and "Bàn làm việc quy hoạch" in r.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize(("file", "geometry", "columns", "kind"), [
    ("vung.geojson", "Polygon", ["ma", "ten", "loai"], "restricted_zone"),
    ("du_lieu.gpkg", "Point", ["ma", "ten", "loai_hinh", "hang", "trang_thai"], "trade_facility"),
    ("tba.shp", "Point", ["ma", "ten", "cap_dien_ap", "cong_suat"], "substation"),
    ("x.geojson", "MultiLineString", ["ten"], "grid_line"),
    ("ranh_gioi_xa.geojson", "Polygon", ["ten", "cap"], "boundary"),
    ("clusters.gpkg", "Polygon", ["ma", "ten", "trang_thai", "dien_tich"], "industrial_cluster"),
    ("parks.gpkg", "Polygon", ["ma", "ten", "trang_thai", "dien_tich"], "industrial_park"),
    ("dan_so.tif", "raster", [], "population"),
])
def test_the_kind_is_guessed_from_names_geometry_and_columns(file: str, geometry: str,
                                                             columns: list[str],
                                                             kind: str) -> None:
    from geoplan.web.inspect import guess_kind

    source = {"type": "raster" if geometry == "raster" else "vector", "geometry": geometry,
              "file": file, "columns": columns}
    assert guess_kind(source) == kind
