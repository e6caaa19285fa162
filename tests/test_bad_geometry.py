"""Bad geometry input never ends in a traceback: a located problem (file, layer, feature id,
field, fix) instead.

Hypothesis writes GeoJSON, GeoPackage and CSV layers holding what real files hold when something
went wrong upstream -- NaN and infinite coordinates, lines of one point, rings that are not
closed or too short, bow-ties, empty parts, collections, 3D positions, huge numbers -- and
``validate_plan`` / ``geoplan validate`` must report them as problems, never raise.
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geoplan
from geoplan.cli import cli

LON, LAT = 106.05, 21.15  # inside Bắc Ninh

#: Problem codes that concern one feature: they must name it.
FEATURE_CODES = {"non-finite-coordinates", "unreadable-geometry", "null-geometry",
                 "empty-geometry", "geometry-type", "invalid-geometry", "repaired-geometry",
                 "outside-vietnam"}

numbers = st.one_of(
    st.floats(-0.05, 0.05).map(lambda d: round(d, 6)),          # near the province
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 0.0, 1e-300]),
)


@st.composite
def positions(draw: st.DrawFn) -> list[float]:
    dims = draw(st.sampled_from([2, 2, 2, 3, 1]))
    dx, dy = draw(numbers), draw(numbers)
    out = [LON + dx if math.isfinite(dx) and abs(dx) < 1 else dx,
           LAT + dy if math.isfinite(dy) and abs(dy) < 1 else dy]
    if dims == 3:
        out.append(draw(st.sampled_from([0.0, 12.5, math.nan])))
    return out[:dims]


def rings(min_size: int = 0) -> st.SearchStrategy[list[list[float]]]:
    def close(ring: list[list[float]], closed: bool) -> list[list[float]]:
        return [*ring, ring[0]] if closed and ring else ring

    return st.tuples(st.lists(positions(), min_size=min_size, max_size=5), st.booleans()).map(
        lambda t: close(*t))


GEOMETRIES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, positions()),
    st.builds(lambda c: {"type": "LineString", "coordinates": c},
              st.lists(positions(), max_size=4)),
    st.builds(lambda r: {"type": "Polygon", "coordinates": r}, st.lists(rings(), max_size=2)),
    st.builds(lambda c: {"type": "MultiPoint", "coordinates": c},
              st.lists(positions(), max_size=3)),
    st.builds(lambda c: {"type": "MultiLineString", "coordinates": c},
              st.lists(st.lists(positions(), max_size=3), max_size=2)),
    st.builds(lambda c: {"type": "MultiPolygon", "coordinates": c},
              st.lists(st.lists(rings(3), min_size=1, max_size=2), max_size=2)),
    st.builds(lambda g: {"type": "GeometryCollection", "geometries": g},
              st.lists(st.builds(lambda p: {"type": "Point", "coordinates": p}, positions()),
                       max_size=2)),
)

KINDS = st.sampled_from(["substation", "grid_line", "industrial_cluster"])


def _plan(folder: Path, kind: str, filename: str, extra: str = "") -> Path:
    voltage = ", voltage_kv = 110" if kind in ("substation", "grid_line") else ""
    (folder / "plan.toml").write_text(f"""[plan]
name = "Dữ liệu hỏng"

[layers.bad]
kind = "{kind}"
path = "{filename}"
defaults = {{ status = "existing", name = "x"{voltage} }}
{extra}""", encoding="utf-8")
    return folder / "plan.toml"


def assert_located(report: geoplan.ValidationReport, path: Path, ids: set[str]) -> None:
    for p in report.problems:
        assert p.file is not None and Path(p.file).name == path.name, p
        assert p.layer == "bad", p
        assert p.message and (p.fix or p.severity == "info"), p
        if p.code in FEATURE_CODES:
            assert p.feature is not None, p
            named = {part.strip() for part in p.feature.replace(" and ", ", ").split(",")}
            assert named <= ids | {f"{n} more" for n in range(1, 100)}, p


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=KINDS, geometries=st.lists(GEOMETRIES, min_size=1, max_size=4))
def test_geojson_pathologies_are_located_problems(tmp_path_factory: pytest.TempPathFactory,
                                                  kind: str, geometries: list[Any]) -> None:
    folder = tmp_path_factory.mktemp("geojson")
    ids = [f"F{i}" for i in range(len(geometries))]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": i}, "geometry": g}
        for i, g in zip(ids, geometries, strict=True)]}
    path = folder / "bad.geojson"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    report = geoplan.validate_plan(_plan(folder, kind, path.name))
    assert_located(report, path, set(ids))


SHAPES = st.one_of(
    st.builds(lambda x, y: shapely.Point(x, y), numbers, numbers),
    st.builds(lambda x: shapely.LineString([(LON, LAT), (LON + x, LAT)]), numbers),
    st.builds(lambda x: shapely.Polygon([(LON, LAT), (LON + 0.01, LAT + x), (LON + 0.01, LAT),
                                         (LON, LAT + 0.01)]), numbers),  # bow-ties too
    st.just(shapely.LineString()), st.just(shapely.Polygon()), st.none(),
    st.just(shapely.MultiPolygon([shapely.box(LON, LAT, LON + 0.01, LAT + 0.01),
                                  shapely.box(LON + 0.005, LAT, LON + 0.02, LAT + 0.01)])),
    st.just(shapely.GeometryCollection([shapely.Point(LON, LAT),
                                        shapely.LineString([(LON, LAT), (LON, LAT)])])),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=KINDS, geometries=st.lists(SHAPES, min_size=1, max_size=4))
def test_geopackage_pathologies_are_located_problems(tmp_path_factory: pytest.TempPathFactory,
                                                     kind: str, geometries: list[Any]) -> None:
    folder = tmp_path_factory.mktemp("gpkg")
    ids = [f"F{i}" for i in range(len(geometries))]
    path = folder / "bad.gpkg"
    with _no_check():  # GDAL warns about NaN coordinates: expected here
        gpd.GeoDataFrame({"id": ids}, geometry=geometries, crs="EPSG:4326").to_file(path)
    report = geoplan.validate_plan(_plan(folder, kind, path.name))
    assert_located(report, path, set(ids))


@contextlib.contextmanager
def _no_check() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


CELLS = st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "", "21,15", "106.05",
                         " 21.15 ", "abc", "1e308"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(CELLS, CELLS), min_size=1, max_size=4))
def test_csv_pathologies_are_located_problems(tmp_path_factory: pytest.TempPathFactory,
                                              rows: list[tuple[str, str]]) -> None:
    folder = tmp_path_factory.mktemp("csv")
    lines = ["id;lon;lat"] + [f"F{i};{x};{y}" for i, (x, y) in enumerate(rows)]
    path = folder / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = _plan(folder, "substation", path.name,
                 'x_field = "lon"\ny_field = "lat"\ncrs = "EPSG:4326"\n')
    report = geoplan.validate_plan(plan)
    assert_located(report, path, {f"F{i}" for i in range(len(rows))})
    if any(c == "abc" for row in rows for c in row):
        (p,) = report.problems
        assert p.code == "unreadable" and "must hold numbers" in p.message_en
        assert "row " in p.message_en and p.message.startswith("không đọc được tệp: ")


# ------------------------------------------------------------------ the cases of the report


def test_nan_longitude_in_a_geopackage_is_a_located_error(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"id": ["A", "B"], "voltage_kv": [110, 110]},
                             geometry=[shapely.Point(math.nan, LAT), shapely.Point(LON, LAT)],
                             crs="EPSG:4326")
    with _no_check():
        frame.to_file(tmp_path / "subs.gpkg")
    plan = _plan(tmp_path, "substation", "subs.gpkg")
    (p,) = [p for p in geoplan.validate_plan(plan).errors]
    assert (p.code, p.feature, p.field, p.layer) == ("non-finite-coordinates", "A", "geometry",
                                                     "bad")
    assert p.file is not None and p.file.endswith("subs.gpkg")
    assert "not a number (NaN) or infinite" in p.message_en
    assert "correct the coordinates" in p.fix_en
    assert p.message == "hình học có tọa độ không phải là số (NaN) hoặc vô hạn"
    assert p.fix.startswith("sửa tọa độ trong dữ liệu nguồn")
    res = CliRunner().invoke(cli, ["validate", "--lang", "en", str(plan)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "non-finite-coordinates" in res.output and "feature A" in res.output
    res = CliRunner().invoke(cli, ["validate", str(plan)])
    assert res.exit_code == 1 and "đối tượng A trường 'geometry'" in res.output


def test_a_line_of_one_point_is_read_and_named(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "L1"},
         "geometry": {"type": "LineString", "coordinates": [[LON, LAT]]}},
        {"type": "Feature", "properties": {"id": "L2"},
         "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]}},
        {"type": "Feature", "properties": {"id": "P1"},
         "geometry": {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 0.01, LAT],
                                                          [LON, LAT + 0.01]]]}}]}
    (tmp_path / "lines.geojson").write_text(json.dumps(doc), encoding="utf-8")
    report = geoplan.validate_plan(_plan(tmp_path, "grid_line", "lines.geojson"))
    by_code = {p.code: p for p in report.problems}
    assert by_code["unreadable-geometry"].feature == "L1"
    assert "point array must contain 0 or >1 elements" in by_code["unreadable-geometry"].message_en
    assert by_code["repaired-geometry"].feature == "P1"  # the ring closed on reading
    assert "null-geometry" not in by_code
