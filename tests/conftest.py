"""Shared pytest fixtures and hooks. Each section is owned by one engineer: edit only your own."""

from __future__ import annotations

# ============================================================================================
# BEGIN real parts (owner: real-parts infrastructure; implementations in tests/realparts.py)
# Fixtures: postgis, browser, page, shared_data. Hooks: report header, CI skip policy,
# screenshot on failure. Other sections go below the END line.
# ============================================================================================
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import realparts


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    try:
        import geoplan

        lines.append(f"geoplan {getattr(geoplan, '__version__', '(no __version__)')}")
    except Exception as exc:  # the header must never break collection
        lines.append(f"geoplan not importable: {exc}")
    versions = []
    try:
        import pyogrio

        versions.append(f"GDAL {pyogrio.__gdal_version_string__} (pyogrio {pyogrio.__version__})")
    except Exception as exc:
        versions.append(f"GDAL unknown ({exc})")
    try:
        import shapely

        versions.append(f"GEOS {shapely.geos_version_string} (shapely {shapely.__version__})")
    except Exception as exc:
        versions.append(f"GEOS unknown ({exc})")
    try:
        import pyproj

        versions.append(f"PROJ {pyproj.proj_version_str} (pyproj {pyproj.__version__})")
    except Exception as exc:
        versions.append(f"PROJ unknown ({exc})")
    lines.append(", ".join(versions))
    policy = (
        "CI=true: a missing real part FAILS and any skip not marked allowed_skip_in_ci fails"
        if realparts.in_ci()
        else "local run: tests needing a missing real part skip with the install line"
    )
    lines.append(f"real parts policy: {policy}")
    return lines


_SKIPS_NOT_ALLOWED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and not realparts.is_allowed_skip(report):
        _SKIPS_NOT_ALLOWED.append(f"{report.nodeid}: {realparts.skip_reason(report)}")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and not realparts.is_allowed_skip(report):
        _SKIPS_NOT_ALLOWED.append(f"{report.nodeid}: {realparts.skip_reason(report)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under xdist the controller sees every report; the workers' status does not matter.
    if hasattr(session.config, "workerinput"):
        return
    if realparts.in_ci() and _SKIPS_NOT_ALLOWED and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not realparts.in_ci() or not _SKIPS_NOT_ALLOWED:
        return
    terminalreporter.section("skips are failures in CI", sep="=", red=True, bold=True)
    terminalreporter.line(
        f"CI=true and {len(_SKIPS_NOT_ALLOWED)} test(s) skipped without the "
        f"{realparts.ALLOWED_SKIP_MARKER} marker, so the session fails:"
    )
    for line in _SKIPS_NOT_ALLOWED:
        terminalreporter.line(f"  {line}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"_realparts_rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``<repo>/../shared/data`` (or ``GEOPLAN_SHARED_DATA``); skips, also in CI, when absent."""
    return realparts.require_shared_data()


@pytest.fixture(scope="session")
def postgis() -> Iterator[realparts.PostGIS]:
    """A real PostgreSQL+PostGIS for this test process: ``.dsn``, ``.connect()``, ``.query()``,
    ``.load_gdf(gdf, table)``. The database is shared: use unique table names."""
    with realparts.postgis_server() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium via Playwright (playwright ``Browser``)."""
    with realparts.chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[realparts.BrowserPage]:
    """A fresh context + page; non-local requests are blocked and recorded. ``.page`` is the
    playwright Page; ``.open_html(path)``, ``.assert_no_console_errors()``, ``.screenshot()``.
    A screenshot is saved to the artifacts folder when the test fails."""
    bp = realparts.open_page(browser, name=request.node.nodeid)
    try:
        yield bp
    finally:
        rep = getattr(request.node, "_realparts_rep_call", None)
        if rep is not None and rep.failed:
            try:
                shot = bp.screenshot()
                print(f"screenshot of the failing page: {shot}")
            except Exception as exc:  # a dead page must not hide the test's own failure
                print(f"no screenshot: {exc}")
        bp.context.close()


# ============================================================================================
# END real parts
# ============================================================================================


# ============================================================================================
# BEGIN sample plan (owner: lead): the bundled sample province, loaded once per session
# ============================================================================================

SAMPLE_PLAN_PATH = Path(__file__).resolve().parents[1] / "layers" / "sample"


@pytest.fixture(scope="session")
def sample_plan_path() -> Path:
    """The folder of the bundled sample province (holds plan.toml)."""
    return SAMPLE_PLAN_PATH


@pytest.fixture(scope="session")
def sample_plan(sample_plan_path: Path) -> Any:
    """The sample province loaded with geoplan.load_plan (shared: do not modify its frames)."""
    import geoplan

    return geoplan.load_plan(sample_plan_path)


# ============================================================================================
# END sample plan
# ============================================================================================


@pytest.fixture(scope="session")
def sample_results(sample_plan: Any) -> dict[str, Any]:
    """What the default map of the sample draws: check findings, coverage (one site) and the
    grid audit (:func:`geoplan.pipeline.map_results`)."""
    from geoplan import pipeline

    return pipeline.map_results(sample_plan, sites=1)


@pytest.fixture(scope="session")
def sample_map(sample_plan: Any, sample_results: dict[str, Any],
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline map of the sample province with findings, coverage and the grid audit."""
    from geoplan.maps import interactive

    folder = tmp_path_factory.mktemp("maps")
    return interactive.write_map(sample_plan, folder / "sample.html", offline=True,
                                 date="2025-07-01", **sample_results)
