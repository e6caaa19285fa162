"""``--to-postgis``: runs appended in one transaction each, both CRSs, indexes, QGIS styles."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pgplans
import pytest
import shapely
from click.testing import CliRunner

from geoplan.cli import cli

pytestmark = pytest.mark.postgis
_schemas = itertools.count()


def _schema() -> str:
    return f"kq_{next(_schemas)}"


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_check_twice_gives_two_runs(postgis: Any, sample_plan_path: Path, sample_plan: Any,
                                    tmp_path: Path) -> None:
    from geoplan.analysis import analyse
    from geoplan.crs import to_wgs84

    url, schema = pgplans.url(postgis), _schema()
    out = tmp_path / "findings.geojson"
    first = _run("check", str(sample_plan_path), "--to-postgis", url, "--schema", schema,
                 "-o", str(out))
    assert first.exit_code == 3, first.output
    assert f"đã được thêm vào {url} (lược đồ {schema})" in first.output and out.exists()
    second = _run("check", str(sample_plan_path), "--to-postgis", url, "--schema", schema)
    assert second.exit_code == 3, second.output

    runs = postgis.query(f"SELECT run_id, command, as_of, rules_version, inputs_sha256, "
                         f"plan_sha256, inputs FROM {schema}.runs ORDER BY started_at")
    assert len(runs) == 2 and runs[0][0] != runs[1][0]
    assert {r[1] for r in runs} == {"check"}
    assert runs[0][2] is not None and runs[0][3] and len(runs[0][4]) == 64
    layers = {i["layer"] for i in runs[0][6] if i["layer"]}
    assert layers == set(sample_plan.layers) | set(sample_plan.rasters)

    expected = analyse(sample_plan, coverage=False).check_findings
    for run_id, *_ in runs:
        rows = postgis.query(f"SELECT rule, severity, layer, feature_id, other_layer, other_id, "
                             f"message, value, as_of, inputs_sha256, rules_version "
                             f"FROM {schema}.findings WHERE run_id = %s", [run_id])
        assert {tuple(r[:7]) for r in rows} == pgplans.finding_keys(expected)
        assert {(r[8], r[9], r[10]) for r in rows} == {(runs[0][2], runs[0][4], runs[0][3])}
    # geometry in the analysis CRS as computed, and in WGS 84 through the pinned transformation
    row = postgis.query(f"SELECT feature_id, other_id, rule, message, ST_AsBinary(geom), "
                        f"ST_AsBinary(geom_wgs84), ST_SRID(geom), ST_SRID(geom_wgs84) FROM "
                        f"{schema}.findings WHERE rule = 'overlap' LIMIT 1")[0]
    assert (row[6], row[7]) == (9209, 4326)
    ours = expected[(expected["rule"] == "overlap") & (expected["message"] == row[3])]
    assert shapely.from_wkb(bytes(row[4])).equals_exact(ours.geometry.iloc[0], 1e-9)
    wgs = to_wgs84(ours[["geometry"]]).geometry.iloc[0]
    np.testing.assert_allclose(shapely.get_coordinates(shapely.from_wkb(bytes(row[5]))),
                               shapely.get_coordinates(wgs), rtol=0, atol=1e-9)
    # the plan's layers too, and every table has its spatial indexes and QGIS styles
    n = postgis.query(f"SELECT count(*) FROM {schema}.plan_industrial_cluster")[0][0]
    assert n == 2 * len(sample_plan.layers["clusters"].frame)
    tables = {r[0] for r in postgis.query(
        "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = %s", [schema])}
    assert {"findings", "plan_industrial_cluster", "grid_edges"} <= tables
    gist = {r[0] for r in postgis.query("SELECT indexname FROM pg_indexes WHERE schemaname = %s "
                                        "AND indexdef LIKE '%%USING gist%%'", [schema])}
    for table in tables:
        assert {f"{table}_geom_gist", f"{table}_geom_wgs84_gist"} <= gist, table
    styles = postgis.query("SELECT f_table_name, f_geometry_column, styleqml::text, useasdefault "
                           "FROM public.layer_styles WHERE f_table_schema = %s", [schema])
    assert {(r[0], r[1]) for r in styles} == {(t, c) for t in tables
                                              for c in ("geom", "geom_wgs84")}
    assert all(r[3] and "<qgis " in r[2] for r in styles)  # once per table, not per run


def test_a_failed_run_leaves_no_rows(postgis: Any, sample_plan: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from geoplan.analysis import Analysis
    from geoplan.db import DatabaseWriteError, sink, write_analysis

    url, schema = pgplans.url(postgis), _schema()
    analysis = Analysis(sample_plan)
    write_analysis(analysis, url, schema=schema, command="export")
    before = postgis.query(f"SELECT count(*) FROM {schema}.plan_industrial_cluster")[0][0]
    real = sink._copy_rows
    calls = itertools.count()

    def failing(conn: Any, *args: Any) -> int:
        if next(calls) == 3:  # the fourth table: three were written in this transaction
            raise psycopg.errors.DiskFull("could not extend file: No space left on device")
        return real(conn, *args)

    monkeypatch.setattr(sink, "_copy_rows", failing)
    with pytest.raises(DatabaseWriteError, match="rolled back, nothing of this run was kept"):
        write_analysis(analysis, url, schema=schema, command="export")
    assert postgis.query(f"SELECT count(*) FROM {schema}.runs")[0][0] == 1
    assert postgis.query(f"SELECT count(*) FROM {schema}.plan_industrial_cluster")[0][0] == before
    counts = postgis.query(f"SELECT count(DISTINCT run_id) FROM {schema}.plan_boundary")
    assert counts[0][0] == 1


def test_coverage_grid_and_export_append(postgis: Any, sample_plan_path: Path,
                                         tmp_path: Path) -> None:
    url, schema = pgplans.url(postgis), _schema()
    res = _run("coverage", str(sample_plan_path), "--to-postgis", url, "--schema", schema)
    assert res.exit_code in (0, 3), res.output
    res = _run("grid", str(sample_plan_path), "--to-postgis", url, "--schema", schema)
    assert res.exit_code in (0, 3), res.output
    res = _run("export", str(sample_plan_path), "-o", str(tmp_path / "x"), "--to-postgis", url,
               "--schema", schema)
    assert res.exit_code == 0, res.output
    runs = postgis.query(f"SELECT command, tables FROM {schema}.runs")
    assert sorted(r[0] for r in runs) == ["coverage", "export", "grid"]
    tables = {r[0]: r[1] for r in runs}
    assert tables["coverage"]["coverage_features"] > 0
    assert tables["grid"]["grid_edges"] > 0 and "coverage_features" not in tables["grid"]
    assert "findings" in tables["export"] and tables["export"]["plan_boundary"] > 0
    covered = postgis.query(f"SELECT count(*) FROM {schema}.coverage_features WHERE covered")
    assert covered[0][0] > 0  # booleans stay booleans


@pytest.mark.parametrize("case", ["password", "unreachable"])
def test_bad_sink_exits_1_and_writes_nothing(postgis: Any, sample_plan_path: Path,
                                             tmp_path: Path, case: str) -> None:
    import realparts

    if case == "password":
        url = f"postgresql://postgres:hunter2@{postgis.host}:{postgis.port}/postgres"
        words = "the URL holds a password"
    else:
        url = f"postgresql://postgres@127.0.0.1:{realparts.free_port()}/postgres"
        words = "cannot reach the database 'postgres' on 127.0.0.1"
    out = tmp_path / "findings.geojson"
    schema = _schema()
    res = _run("check", str(sample_plan_path), "-o", str(out), "--to-postgis", url,
               "--schema", schema)
    assert res.exit_code == 1, res.output
    assert words in res.output and "hunter2" not in res.output and not out.exists()
    assert not postgis.query("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
