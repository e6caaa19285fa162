"""The real parts really work: PostGIS computes, Chromium renders, the network stays blocked,
and the skip/fail policy says what to install."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import realparts
import shapely

# VN-2000 / UTM zone 48N: metric, so ST_Area / ST_Distance are in square metres / metres.
METRIC_CRS = "EPSG:3405"


# ------------------------------------------------------------------------------------ PostGIS


@pytest.mark.postgis
def test_postgis_intersection_area_of_loaded_squares(postgis: realparts.PostGIS) -> None:
    # Two 100 m squares offset by (60, 30): they share a 40 m x 70 m rectangle.
    squares = gpd.GeoDataFrame(
        {"name": ["a", "b"], "level": [1, 2]},
        geometry=[
            shapely.box(500_000, 1_200_000, 500_100, 1_200_100),
            shapely.box(500_060, 1_200_030, 500_160, 1_200_130),
        ],
        crs=METRIC_CRS,
    )
    assert postgis.load_gdf(squares, "rp_squares") == 2
    rows = postgis.query(
        "SELECT ST_Area(ST_Intersection(a.geom, b.geom)), ST_SRID(a.geom), ST_Area(a.geom) "
        "FROM rp_squares a, rp_squares b WHERE a.name = 'a' AND b.name = 'b'"
    )
    assert rows == [(pytest.approx(2800.0), 3405, pytest.approx(10_000.0))]
    # attributes and row order survive the trip
    assert postgis.query("SELECT _row, name, level FROM rp_squares ORDER BY _row") == [
        (0, "a", 1),
        (1, "b", 2),
    ]


@pytest.mark.postgis
def test_postgis_distance_and_geometry_round_trip(postgis: realparts.PostGIS) -> None:
    pts = gpd.GeoDataFrame(
        {"id": ["p", "q"]},
        geometry=[shapely.Point(500_000, 1_200_000), shapely.Point(500_300, 1_200_400)],
        crs=METRIC_CRS,
    )
    postgis.load_gdf(pts, "rp_points")
    (dist,) = postgis.query(
        "SELECT ST_Distance(p.geom, q.geom) FROM rp_points p, rp_points q "
        "WHERE p.id = 'p' AND q.id = 'q'"
    )[0]
    assert math.isclose(dist, 500.0)
    wkb = postgis.query("SELECT ST_AsBinary(geom) FROM rp_points ORDER BY _row")
    assert [shapely.from_wkb(bytes(w)) for (w,) in wkb] == list(pts.geometry)


@pytest.mark.postgis
def test_postgis_load_gdf_refuses_to_guess(postgis: realparts.PostGIS) -> None:
    no_crs = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)])
    with pytest.raises(ValueError, match=r"has no EPSG code; pass srid="):
        postgis.load_gdf(no_crs, "rp_nocrs")
    one = gpd.GeoDataFrame(geometry=[shapely.Point(1, 2)], crs=METRIC_CRS)
    postgis.load_gdf(one, "rp_twice")
    with pytest.raises(Exception, match=r"already exists"):
        postgis.load_gdf(one, "rp_twice")
    assert postgis.load_gdf(one, "rp_twice", replace=True) == 1


# ------------------------------------------------------------------------------------ browser


def _write(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.browser
def test_browser_runs_inline_script(page: realparts.BrowserPage, tmp_path: Path) -> None:
    html = _write(
        tmp_path / "ok.html",
        """\
        <!doctype html><html><head><meta charset="utf-8"><title>geoplan ok</title></head>
        <body><div id="out"></div>
        <script>
          document.getElementById("out").textContent = "Bắc Ninh " + (6 * 7);
          console.log("geoplan says hello");
        </script></body></html>
        """,
    )
    p = page.open_html(html)
    assert p.title() == "geoplan ok"
    assert p.text_content("#out") == "Bắc Ninh 42"
    assert ("log", "geoplan says hello") in page.console
    page.assert_no_console_errors()
    assert page.blocked_requests == []
    shot = page.screenshot("realparts_ok")
    assert shot.is_file() and shot.stat().st_size > 0


@pytest.mark.browser
def test_browser_records_console_error_and_page_error(
    page: realparts.BrowserPage, tmp_path: Path
) -> None:
    html = _write(
        tmp_path / "bad.html",
        """\
        <!doctype html><html><body>
        <script>console.error("deliberate failure 17");</script>
        <script>undefinedFunctionOfGeoplan();</script>
        </body></html>
        """,
    )
    page.open_html(html)
    assert page.console_errors == ["deliberate failure 17"]
    assert len(page.page_errors) == 1 and "undefinedFunctionOfGeoplan" in page.page_errors[0]
    with pytest.raises(AssertionError, match=r"2 browser error\(s\)[\s\S]*deliberate failure 17"):
        page.assert_no_console_errors()


@pytest.mark.browser
def test_browser_blocks_network(page: realparts.BrowserPage, tmp_path: Path) -> None:
    html = _write(
        tmp_path / "net.html",
        """\
        <!doctype html><html><head>
        <script src="http://example.com/x.js"></script>
        <link rel="stylesheet" href="https://example.com/y.css">
        </head><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <script>window.loadedX = typeof xFromExample !== "undefined";</script>
        </body></html>
        """,
    )
    p = page.open_html(html)
    assert sorted(page.blocked_requests) == ["http://example.com/x.js", "https://example.com/y.css"]
    assert p.evaluate("window.loadedX") is False
    assert any(r.startswith("http://example.com/x.js") for r in page.failed_requests)
    # A blocked script is a console error too: a map that needs a CDN fails the no-error check.
    with pytest.raises(AssertionError, match=r"blocked non-local requests: .*example\.com"):
        page.assert_no_console_errors()


# ------------------------------------------------------------------------------------ policy


def test_missing_part_message_names_the_install_line() -> None:
    msg = realparts.missing_part_message(
        "Chromium", "no executable at /x", realparts.BROWSER_INSTALL
    )
    assert msg == (
        "Chromium is not available: no executable at /x. "
        "Install it with: apt-get install chromium && pip install playwright"
    )


def test_shared_data_fixture_points_beside_the_repo(shared_data: Path) -> None:
    assert (shared_data / "README.md").is_file()


_INNER_SUITE = """\
import pytest
import realparts

@pytest.mark.browser
def test_needs_browser(page):
    pass

def test_plain():
    pass

def test_skips():
    pytest.skip("no reason good enough")

@pytest.mark.allowed_skip_in_ci
def test_skips_on_purpose():
    pytest.skip("allowed by marker")

def test_skips_allowed_by_helper():
    realparts.skip_allowed_in_ci("allowed by helper")
"""


def _run_inner_pytest(tmp_path: Path, env_ci: str | None) -> str:
    """Run pytest on a tiny suite with this conftest and Chromium pointed at a missing path
    (as a user would with GEOPLAN_CHROMIUM=/nonexistent); return exit code and output."""
    tests = tmp_path / "suite"
    tests.mkdir()
    here = Path(__file__).parent
    for name in ("conftest.py", "realparts.py"):
        (tests / name).write_text((here / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tests / "test_inner.py").write_text(_INNER_SUITE, encoding="utf-8")
    (tests / "pytest.ini").write_text(
        "[pytest]\naddopts = -ra --strict-markers\nmarkers =\n    browser: x\n"
        f"    {realparts.ALLOWED_SKIP_MARKER}: x\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("CI", None)
    if env_ci is not None:
        env["CI"] = env_ci
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["GEOPLAN_CHROMIUM"] = str(tmp_path / "nonexistent-chromium")
    env["GEOPLAN_TEST_ARTIFACTS"] = str(tmp_path / "artifacts")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tests,
        timeout=120,
        check=False,
    )
    return f"exit code {proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_missing_part_skips_locally_with_install_line(tmp_path: Path) -> None:
    out = _run_inner_pytest(tmp_path, None)
    assert out.startswith("exit code 0\n"), out
    assert re.search(r"= 1 passed, 4 skipped in ", out), out
    assert (
        "Chromium is not available: no executable at "
        f"{tmp_path / 'nonexistent-chromium'}. "
        "Install it with: apt-get install chromium && pip install playwright"
    ) in out
    assert "skips are failures in CI" not in out


def test_missing_part_fails_in_ci_and_so_does_any_unallowed_skip(tmp_path: Path) -> None:
    out = _run_inner_pytest(tmp_path, "true")
    assert out.startswith("exit code 1\n"), out
    assert "CI=true, so a missing part fails instead of skipping. Chromium is not available" in out
    assert "apt-get install chromium && pip install playwright" in out
    assert re.search(r"= 1 passed, 3 skipped, 1 error in ", out), out
    ci_section = out.split("skips are failures in CI")[1]
    assert "test_inner.py::test_skips: no reason good enough" in ci_section
    assert "test_skips_on_purpose" not in ci_section
    assert "test_skips_allowed_by_helper" not in ci_section
