"""Real parts for the test-suite: a throw-away PostgreSQL/PostGIS server and headless Chromium.

The fixtures in ``tests/conftest.py`` are thin wrappers around this module.

Policy (the project rule)
-------------------------
* On a user's machine without a part, the tests that need it **skip** with the reason and the
  install line.
* With ``CI=true`` a missing part **fails** (same message), and any skip at all fails the session
  unless the skip was allowed on purpose: either the test carries the ``allowed_skip_in_ci`` marker
  or the skip was raised through :func:`skip_allowed_in_ci` (its reason starts with
  :data:`ALLOWED_SKIP_TAG`).

Environment variables
---------------------
``CI``                     ``true`` (or ``1``/``yes``) switches to the CI policy.
``GEOPLAN_CHROMIUM``       path of the Chromium executable (default: ``chromium`` on PATH, then
                           ``/usr/bin/chromium``).
``GEOPLAN_PG_BINDIR``      folder holding ``initdb`` and ``pg_ctl`` (default: newest
                           ``/usr/lib/postgresql/*/bin`` whose server has PostGIS).
``GEOPLAN_SHARED_DATA``    folder of the shared public data (default: ``<repo>/../shared/data``).
``GEOPLAN_TEST_ARTIFACTS`` folder for browser screenshots (default: ``tests/artifacts``).

``tests/`` is not a package: the conftest and the tests import this module as ``realparts``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    import geopandas as gpd
    import psycopg
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, Route

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Prefix of a skip reason that the CI policy accepts (see :func:`skip_allowed_in_ci`).
ALLOWED_SKIP_TAG = "[allowed skip in CI]"
#: Marker name of tests whose skips the CI policy accepts.
ALLOWED_SKIP_MARKER = "allowed_skip_in_ci"

POSTGIS_INSTALL = "apt-get install postgresql-15-postgis-3"
BROWSER_INSTALL = "apt-get install chromium && pip install playwright"
PSYCOPG_INSTALL = 'pip install "psycopg[binary]"'

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces beside the per-context route: no host name resolves, so nothing that slips
    # past the route (the browser's own background traffic) can leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

#: URL schemes a page may load; everything else is aborted and recorded.
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


# ---------------------------------------------------------------------------------------------
# policy
# ---------------------------------------------------------------------------------------------


def in_ci() -> bool:
    """True when the ``CI`` environment variable says we run in continuous integration."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing_part_message(part: str, reason: str, install: str) -> str:
    """The one message format for a missing real part: what, why, and the install line."""
    return f"{part} is not available: {reason}. Install it with: {install}"


def missing_part(part: str, reason: str, install: str) -> NoReturn:
    """Skip (on a user's machine) or fail (with ``CI=true``) because a real part is missing."""
    message = missing_part_message(part, reason, install)
    if in_ci():
        pytest.fail(f"CI=true, so a missing part fails instead of skipping. {message}", False)
    pytest.skip(message)


def skip_allowed_in_ci(reason: str) -> NoReturn:
    """Skip in a way the CI policy accepts (for parts CI is not expected to have)."""
    pytest.skip(f"{ALLOWED_SKIP_TAG} {reason}")


def is_allowed_skip(report: Any) -> bool:
    """Whether a skipped pytest report is one the CI policy accepts."""
    keywords = getattr(report, "keywords", None) or {}
    if ALLOWED_SKIP_MARKER in keywords:
        return True
    return ALLOWED_SKIP_TAG in skip_reason(report)


def skip_reason(report: Any) -> str:
    """The reason text of a skipped test or collection report."""
    longrepr = getattr(report, "longrepr", None)
    text = (
        str(longrepr[2])
        if isinstance(longrepr, tuple) and len(longrepr) == 3
        else str(longrepr or "")
    )
    return text.removeprefix("Skipped: ")


# ---------------------------------------------------------------------------------------------
# shared data
# ---------------------------------------------------------------------------------------------


def shared_data_dir() -> Path:
    """The shared public data folder (``GEOPLAN_SHARED_DATA`` or ``<repo>/../shared/data``)."""
    env = os.environ.get("GEOPLAN_SHARED_DATA")
    return Path(env).expanduser() if env else REPO_ROOT.parent / "shared" / "data"


def require_shared_data() -> Path:
    """Return the shared data folder, or skip (allowed in CI too) when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        skip_allowed_in_ci(
            f"shared public data not found at {path}; put the shared/ folder beside the "
            "clone or set GEOPLAN_SHARED_DATA"
        )
    return path


# ---------------------------------------------------------------------------------------------
# PostGIS
# ---------------------------------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)


def find_pg_bindir() -> tuple[Path, str]:
    """Find a PostgreSQL ``bin`` folder whose server has PostGIS.

    Returns the folder and the major version. Calls :func:`missing_part` when there is none.
    """
    env = os.environ.get("GEOPLAN_PG_BINDIR")
    candidates = (
        [Path(env)]
        if env
        else sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    )
    found = [c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()]
    if not found:
        where = env or "/usr/lib/postgresql/*/bin"
        missing_part("PostgreSQL", f"no initdb/pg_ctl in {where}", POSTGIS_INSTALL)
    for bindir in found:
        major = bindir.parent.name
        if Path(f"/usr/share/postgresql/{major}/extension/postgis.control").is_file():
            return bindir, major
    if env:  # a custom build: let CREATE EXTENSION tell
        return found[0], found[0].parent.name
    major = found[0].parent.name
    missing_part(
        "PostGIS",
        f"PostgreSQL {major} is installed but its postgis extension is not "
        f"(no /usr/share/postgresql/{major}/extension/postgis.control)",
        f"apt-get install postgresql-{major}-postgis-3",
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostGIS:
    """A running throw-away PostgreSQL server with the ``postgis`` extension.

    The database is shared by all tests of one pytest process: give tables unique names.
    """

    root: Path
    bindir: Path
    port: int
    run_as: str | None
    user: str = "postgres"
    dbname: str = "postgres"
    host: str = "127.0.0.1"
    postgis_version: str = ""

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    @property
    def dsn(self) -> str:
        """libpq connection string (trust authentication, no password)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        """A new psycopg connection (autocommit on unless given); close it, or use ``with``."""
        import psycopg

        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.dsn, **kwargs)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement on a fresh connection and return all rows (``[]`` if none)."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def load_gdf(
        self,
        gdf: gpd.GeoDataFrame,
        table: str,
        *,
        srid: int | None = None,
        geometry_column: str = "geom",
        replace: bool = False,
    ) -> int:
        """Load a GeoDataFrame into ``table`` with its SRID; return the number of rows.

        Geometries travel as WKB through ``ST_GeomFromWKB(%s, srid)``. Attribute columns become
        ``bigint``, ``double precision``, ``boolean`` or ``text`` columns of the same name; the
        frame's row order is kept in a ``_row`` column (0-based). The SRID is ``srid`` or the
        EPSG code of ``gdf.crs``. With ``replace=False`` an existing table is an error.
        """
        import pandas as pd
        import shapely
        from psycopg import sql

        if srid is None:
            epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
            if epsg is None:
                raise ValueError(
                    f"load_gdf({table!r}): the frame's CRS {gdf.crs!r} has no EPSG code; "
                    "pass srid=... explicitly"
                )
            srid = int(epsg)
        geom_name = gdf.geometry.name
        attrs = [c for c in gdf.columns if c != geom_name]
        for name in (geometry_column, "_row"):
            if name in attrs:
                raise ValueError(
                    f"load_gdf({table!r}): column {name!r} clashes with the loader's own "
                    "columns; rename it or pass geometry_column=..."
                )

        def pg_type(series: pd.Series) -> str:
            if pd.api.types.is_bool_dtype(series):
                return "boolean"
            if pd.api.types.is_integer_dtype(series):
                return "bigint"
            if pd.api.types.is_float_dtype(series):
                return "double precision"
            return "text"

        def pg_value(value: Any, kind: str) -> Any:
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                return None
            if kind == "bigint":
                return int(value)
            if kind == "double precision":
                return float(value)
            if kind == "boolean":
                return bool(value)
            return str(value)

        kinds = [pg_type(gdf[c]) for c in attrs]
        column_defs: list[sql.Composable] = [sql.SQL("_row bigint")]
        column_defs += [
            sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(k))
            for c, k in zip(attrs, kinds, strict=True)
        ]
        column_defs.append(
            sql.SQL("{} geometry(Geometry, {})").format(
                sql.Identifier(geometry_column), sql.Literal(srid)
            )
        )
        target = sql.Identifier(table)
        insert_cols = [sql.Identifier("_row")] + [sql.Identifier(str(c)) for c in attrs]
        insert = sql.SQL("INSERT INTO {} ({}, {}) VALUES ({}, ST_GeomFromWKB(%s, {}))").format(
            target,
            sql.SQL(", ").join(insert_cols),
            sql.Identifier(geometry_column),
            sql.SQL(", ").join(sql.Placeholder() * len(insert_cols)),
            sql.Literal(srid),
        )
        wkbs = shapely.to_wkb(gdf.geometry.to_numpy())
        rows = []
        for i, (wkb, (_, record)) in enumerate(zip(wkbs, gdf[attrs].iterrows(), strict=True)):
            values = [pg_value(record[c], k) for c, k in zip(attrs, kinds, strict=True)]
            rows.append([i, *values, wkb])
        with self.connect(autocommit=False) as conn, conn.cursor() as cur:
            if replace:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
            cur.execute(
                sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(column_defs))
            )
            if rows:
                cur.executemany(insert, rows)
            conn.commit()
        return len(rows)

    # -- lifecycle --------------------------------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        return [*prefix, *args]

    def stop_server(self) -> None:
        """Stop the server (immediate shutdown); keep its folder."""
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                self._cmd(
                    str(self.bindir / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.datadir),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    "30",
                ),
                capture_output=True,
                timeout=60,
                check=False,
            )

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self.stop_server()
        shutil.rmtree(self.root, ignore_errors=True)


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0:
        server_log = ""
        if log is not None and log.is_file():
            server_log = "\n--- server log ---\n" + log.read_text(errors="replace")[-3000:]
        raise RuntimeError(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}{server_log}"
        )


def start_postgis() -> PostGIS:
    """Start a throw-away PostgreSQL+PostGIS server in a new temporary folder.

    ``initdb -A trust -U postgres --no-sync``, listening on 127.0.0.1 on a free port with its
    unix socket inside the folder. As root the server runs as the ``postgres`` system user
    (PostgreSQL refuses to run as root). Calls :func:`missing_part` when a part is missing.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        missing_part("psycopg (v3)", f"cannot import psycopg ({exc})", PSYCOPG_INSTALL)
    bindir, _major = find_pg_bindir()

    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            missing_part(
                "PostgreSQL",
                "running as root and there is no 'postgres' system user to run the server as",
                POSTGIS_INSTALL,
            )
        if shutil.which("runuser") is None:
            missing_part(
                "PostgreSQL", "running as root and runuser is missing", "apt-get install util-linux"
            )
        run_as = "postgres"

    # /tmp itself, not pytest's tmp_path: pytest's base folder is 0700 and the postgres user
    # could not enter it.
    root = Path(tempfile.mkdtemp(prefix="geoplan-postgis-"))
    if run_as is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    root.chmod(0o755)

    last_error: Exception | None = None
    for _attempt in range(3):  # the free port may be taken between probing and binding
        server = PostGIS(root=root, bindir=bindir, port=free_port(), run_as=run_as)
        try:
            if not (server.datadir / "PG_VERSION").is_file():
                _run(
                    server._cmd(
                        str(bindir / "initdb"),
                        "-D",
                        str(server.datadir),
                        "-A",
                        "trust",
                        "-U",
                        "postgres",
                        "-E",
                        "UTF8",
                        "--no-locale",
                        "--no-sync",
                    ),
                    "initdb",
                )
            options = (
                f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            _run(
                server._cmd(
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(server.datadir),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(server.logfile),
                    "-o",
                    options,
                ),
                "pg_ctl start",
                server.logfile,
            )
            server.postgis_version = _create_postgis(server)
            return server
        except Exception as exc:
            last_error = exc
            server.stop_server()
            time.sleep(0.2)
        except BaseException:  # skip/fail from missing_part, KeyboardInterrupt
            server.stop()
            raise
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"could not start PostgreSQL+PostGIS: {last_error}") from last_error


def _create_postgis(server: PostGIS) -> str:
    import psycopg

    try:
        with server.connect() as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            row = conn.execute("SELECT postgis_full_version()").fetchone()
    except psycopg.Error as exc:
        missing_part("PostGIS", f"CREATE EXTENSION postgis failed: {exc}", POSTGIS_INSTALL)
    return str(row[0]) if row else ""


@contextlib.contextmanager
def postgis_server() -> Iterator[PostGIS]:
    """Context manager: a running :class:`PostGIS`, stopped and deleted on exit."""
    server = start_postgis()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Browser
# ---------------------------------------------------------------------------------------------


def chromium_executable() -> Path:
    """The Chromium executable (``GEOPLAN_CHROMIUM``, ``chromium`` on PATH, /usr/bin/chromium)."""
    env = os.environ.get("GEOPLAN_CHROMIUM")
    if env:
        path = Path(env)
    else:
        found = shutil.which("chromium")
        path = Path(found) if found else Path("/usr/bin/chromium")
    if not (path.is_file() and os.access(path, os.X_OK)):
        missing_part("Chromium", f"no executable at {path}", BROWSER_INSTALL)
    return path


def artifacts_dir() -> Path:
    """Folder for screenshots (``GEOPLAN_TEST_ARTIFACTS``, default ``tests/artifacts``)."""
    env = os.environ.get("GEOPLAN_TEST_ARTIFACTS")
    path = Path(env).expanduser() if env else REPO_ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Launch headless Debian Chromium through Playwright; close it on exit."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        missing_part("Playwright", f"cannot import playwright ({exc})", BROWSER_INSTALL)
    manager = sync_playwright()
    pw: Playwright = manager.start()
    try:
        try:
            browser = pw.chromium.launch(
                executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS)
            )
        except PlaywrightError as exc:
            missing_part("Chromium", f"{executable} did not start ({exc})", BROWSER_INSTALL)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        manager.__exit__(None, None, None)


@dataclass
class BrowserPage:
    """One browser page in its own context, with every non-local request blocked.

    Attributes
    ----------
    page : playwright Page
    console : list of (type, text) of every console message
    console_errors : texts of console messages of type ``error``
    page_errors : uncaught exceptions thrown in the page
    failed_requests : ``"URL (failure)"`` of every request that failed, blocked ones included
    blocked_requests : URLs that were aborted because they would have left the machine
    """

    context: BrowserContext
    page: Page
    name: str = "page"
    console: list[tuple[str, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def open_html(self, path: str | os.PathLike[str]) -> Page:
        """Open a local HTML file and wait for its ``load`` event; return the playwright Page."""
        file = Path(path).resolve()
        if not file.is_file():
            raise FileNotFoundError(f"open_html: no file {file}")
        self.page.goto(file.as_uri(), wait_until="load")
        return self.page

    def assert_no_console_errors(self) -> None:
        """Fail when the page logged a console error or threw an uncaught exception."""
        problems = [f"console.error: {t}" for t in self.console_errors]
        problems += [f"page error: {t}" for t in self.page_errors]
        if problems:
            extra = (
                f"\n(blocked non-local requests: {', '.join(self.blocked_requests)})"
                if self.blocked_requests
                else ""
            )
            raise AssertionError(
                f"{len(problems)} browser error(s) in {self.page.url}:\n  "
                + "\n  ".join(problems)
                + extra
            )

    def screenshot(self, name: str | None = None) -> Path:
        """Save a full-page PNG in :func:`artifacts_dir` and return its path."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name or self.name)[:150]
        out = artifacts_dir() / f"{stem}.png"
        self.page.screenshot(path=str(out), full_page=True)
        return out


def open_page(browser: Browser, name: str = "page") -> BrowserPage:
    """A new context and page on ``browser`` that blocks and records every non-local request."""
    context = browser.new_context(service_workers="block")
    context.set_default_timeout(15_000)
    page = context.new_page()
    bp = BrowserPage(context=context, page=page, name=name)

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            bp.blocked_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(msg: Any) -> None:
        bp.console.append((msg.type, msg.text))
        if msg.type == "error":
            bp.console_errors.append(msg.text)

    def on_failed(request: Request) -> None:
        bp.failed_requests.append(f"{request.url} ({request.failure})")

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: bp.page_errors.append(str(exc)))
    page.on("requestfailed", on_failed)
    return bp
