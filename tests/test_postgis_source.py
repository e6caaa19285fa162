"""PostGIS tables as plan layers: the sample loaded with ogr2ogr gives the file plan's findings;
every bad connection or source is one clear message, exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pgplans
import pytest
from click.testing import CliRunner

from geoplan.cli import cli
from geoplan.errors import LayerReadError, PlanError
from geoplan.plan import read_plan_file

# ------------------------------------------------------------------ the plan file (no server)

DB = "postgresql://ana@db.so-ct.vn:5432/quyhoach"


def _plan(tmp_path: Path, layer: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(f'[plan]\nname = "t"\n\n[layers.clusters]\nkind = "industrial_cluster"\n'
                    f"{layer}\n", encoding="utf-8")
    return path


def test_database_layer_is_parsed(tmp_path: Path) -> None:
    spec = read_plan_file(_plan(tmp_path, f'path = "{DB}"\ntable = "qh.ccn"')).layers[0]
    assert spec.is_database and spec.database == DB and spec.table == "qh.ccn"
    assert str(spec.path) == f"{DB}#qh.ccn" and not spec.path.exists()
    sql = read_plan_file(_plan(tmp_path, f'path = "{DB}"\nsql = "SELECT 1"')).layers[0]
    assert sql.sql == "SELECT 1" and str(sql.path) == f"{DB} (sql)"


@pytest.mark.parametrize("url", [
    "postgresql://ana:secret@db.so-ct.vn:5432/quyhoach",
    "postgres://ana:@db/quyhoach",
    "postgresql://ana@db/quyhoach?password=secret",
])
def test_password_in_the_plan_is_refused_with_the_reason(tmp_path: Path, url: str) -> None:
    with pytest.raises(PlanError) as err:
        read_plan_file(_plan(tmp_path, f'path = "{url}"\ntable = "qh.ccn"'))
    text = str(err.value)
    assert "holds a password" in text and "PGPASSWORD" in text and "~/.pgpass" in text
    assert "PGSERVICE" in text and "secret" not in text


@pytest.mark.parametrize(("layer", "words"), [
    (f'path = "{DB}"', "neither table nor sql"),
    (f'path = "{DB}"\ntable = "a.b"\nsql = "SELECT 1"', "both table and sql"),
    ('path = "ccn.gpkg"\ntable = "a.b"', "table is for database layers"),
    (f'path = "{DB}"\ntable = "a.b"\nx_field = "X"\ny_field = "Y"', "x_field is for files"),
    ('path = "postgresql://ana@db:54x2/qh"\ntable = "a.b"', "not a valid connection URL"),
    ('path = "postgresql://ana@db"\ntable = "a.b"', "names no database"),
])
def test_bad_database_layers_say_what_to_fix(tmp_path: Path, layer: str, words: str) -> None:
    with pytest.raises(PlanError, match=words):
        read_plan_file(_plan(tmp_path, layer))


# ------------------------------------------------------------------ against a real server


@pytest.fixture(scope="module")
def sample_db(postgis: Any) -> tuple[Any, str, dict[str, Any]]:
    """The sample province in one schema of the test server, loaded with ogr2ogr."""
    schema, data = pgplans.load_sample(postgis)
    return postgis, schema, data


@pytest.fixture(scope="module")
def db_plan(sample_db: tuple[Any, str, dict[str, Any]], tmp_path_factory: Any) -> Path:
    server, schema, data = sample_db
    return pgplans.database_plan(tmp_path_factory.mktemp("dbplan"), server, schema, data)


pg = pytest.mark.postgis


@pytest.fixture(scope="module")
def file_findings(sample_plan: Any) -> Any:
    from geoplan.analysis import analyse

    return analyse(sample_plan, coverage=False).check_findings


@pg
def test_database_plan_gives_the_file_plans_findings(db_plan: Path, sample_plan: Any,
                                                     file_findings: Any) -> None:
    import geoplan
    from geoplan.analysis import analyse

    plan = geoplan.load_plan(db_plan)
    assert [layer.name for layer in plan.layers.values()] == list(sample_plan.layers)
    for name, layer in plan.layers.items():
        assert len(layer.frame) == len(sample_plan.layers[name].frame), name
        assert str(layer.source).startswith("postgresql://"), name
        assert list(layer.frame.columns) == list(sample_plan.layers[name].frame.columns)
    ours = analyse(plan, coverage=False).check_findings
    assert len(file_findings) > 10
    assert pgplans.finding_keys(ours) == pgplans.finding_keys(file_findings)
    np.testing.assert_allclose(ours["value"].to_numpy(), file_findings["value"].to_numpy(),
                               rtol=1e-9)


@pg
def test_check_command_on_the_database_plan(db_plan: Path, file_findings: Any) -> None:
    from geoplan.results import findings_summary

    db = CliRunner().invoke(cli, ["check", str(db_plan), "--format", "json"])
    assert db.exit_code == 3, db.output
    assert json.loads(db.stdout)["summary"]["findings"] == findings_summary(file_findings)


@pg
def test_sql_layer_reads_the_query(sample_db: tuple[Any, str, dict[str, Any]]) -> None:
    from geoplan.io.postgis import read_postgis

    server, schema, _ = sample_db
    frame = read_postgis(pgplans.url(server),
                         sql=f"SELECT ma, ten, geom FROM {schema}.clusters WHERE ma < 'CCN-10'")
    assert list(frame.columns) == ["ma", "ten", "geometry"]
    assert len(frame) and (frame["ma"] < "CCN-10").all()
    assert frame.crs.to_epsg() == 9209  # from spatial_ref_sys, as ogr2ogr registered it
    table = read_postgis(pgplans.url(server), table=f"{schema}.clusters")
    assert {"ma", "ten", "dien_tich", "ogc_fid"} <= set(table.columns)
    assert table.geometry.is_valid.all() and table["dien_tich"].dtype == "float64"


@pg
def test_export_of_a_database_plan_records_its_rows(
        db_plan: Path, sample_db: tuple[Any, str, dict[str, Any]], tmp_path: Path) -> None:
    server, schema, _ = sample_db
    res = CliRunner().invoke(cli, ["export", str(db_plan), "-o", str(tmp_path / "x")])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    clusters = next(i for i in manifest["inputs"] if i["layer"] == "clusters")
    assert clusters["file"] == f"{pgplans.url(server)}#{schema}.clusters"
    assert clusters["of"] == "rows as read" and len(clusters["sha256"]) == 64


def _one_layer(tmp_path: Path, path: str, table: str, kind: str = "industrial_park") -> Path:
    """A plan of one database layer (the error tests need no more)."""
    plan = tmp_path / "p" / "plan.toml"
    plan.parent.mkdir(exist_ok=True)
    plan.write_text(f'[plan]\nname = "t"\nanalysis_crs = "EPSG:9209"\n\n[layers.x]\n'
                    f'kind = "{kind}"\npath = "{path}"\ntable = "{table}"\n'
                    'fields = { id = "ma", name = "ten", status = "trang_thai" }\n',
                    encoding="utf-8")
    return plan


def _check(plan: Path, tmp_path: Path) -> Any:
    out = tmp_path / "findings.geojson"
    res = CliRunner().invoke(cli, ["check", str(plan), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert not out.exists() and "Traceback" not in res.output
    return res


@pg
def test_unreachable_database(sample_db: tuple[Any, str, dict[str, Any]], tmp_path: Path) -> None:
    import realparts

    _, schema, _ = sample_db
    port = realparts.free_port()  # nothing listens there
    plan = _one_layer(tmp_path, f"postgresql://postgres@127.0.0.1:{port}/postgres",
                      f"{schema}.parks")
    res = _check(plan, tmp_path)
    assert f"cannot reach the database 'postgres' on 127.0.0.1:{port}" in res.output
    assert "Is the server running" in res.output


@pg
def test_missing_table_lists_the_tables(sample_db: tuple[Any, str, dict[str, Any]],
                                        tmp_path: Path) -> None:
    server, schema, _ = sample_db
    plan = _one_layer(tmp_path, pgplans.url(server), f"{schema}.khu_cn")
    res = _check(plan, tmp_path)
    assert f"no table '{schema}.khu_cn' in the database" in res.output
    assert f"{schema}.parks" in res.output  # the tables there are listed


@pg
def test_table_without_geometry(sample_db: tuple[Any, str, dict[str, Any]],
                                tmp_path: Path) -> None:
    server, schema, _ = sample_db
    server.query(f"CREATE TABLE {schema}.bang_ke AS SELECT ma, ten FROM {schema}.parks")
    plan = _one_layer(tmp_path, pgplans.url(server), f"{schema}.bang_ke")
    res = _check(plan, tmp_path)
    assert f"table {schema}.bang_ke has no geometry column" in res.output


@pg
def test_password_in_plan_file_exits_1(sample_db: tuple[Any, str, dict[str, Any]],
                                       tmp_path: Path) -> None:
    server, schema, _ = sample_db
    plan = _one_layer(tmp_path, f"postgresql://postgres:hunter2@{server.host}:{server.port}/"
                      "postgres", f"{schema}.parks")
    res = _check(plan, tmp_path)
    assert "holds a password" in res.output and "hunter2" not in res.output


@pytest.fixture(scope="module")
def password_role(sample_db: tuple[Any, str, dict[str, Any]]) -> str:
    """A role that must log in with a password (scram), whatever the server's default."""
    server, schema, _ = sample_db
    role = "geoplan_pw"
    server.query(f"CREATE ROLE {role} LOGIN PASSWORD 'dung-mat-khau'")
    server.query(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    server.query(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    hba = server.datadir / "pg_hba.conf"
    hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    server.query("SELECT pg_reload_conf()")
    return role


@pg
def test_wrong_and_right_password(sample_db: tuple[Any, str, dict[str, Any]], password_role: str,
                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geoplan.io.postgis import read_postgis

    server, schema, _ = sample_db
    plan = _one_layer(tmp_path, pgplans.url(server, password_role), f"{schema}.parks")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    res = _check(plan, tmp_path)
    assert f"asks user '{password_role}' for a password and none was given" in res.output
    monkeypatch.setenv("PGPASSWORD", "sai-mat-khau")
    res = _check(plan, tmp_path)
    assert f"refused the password of user '{password_role}'" in res.output
    assert "sai-mat-khau" not in res.output
    monkeypatch.setenv("PGPASSWORD", "dung-mat-khau")  # the environment's password works
    frame = read_postgis(pgplans.url(server, password_role), table=f"{schema}.clusters")
    assert len(frame) == 47
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"  # and so does ~/.pgpass
    pgpass.write_text(f"{server.host}:{server.port}:*:{password_role}:dung-mat-khau\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert len(read_postgis(pgplans.url(server, password_role), table=f"{schema}.parks")) == 4


@pg
def test_several_geometry_columns_need_a_choice(sample_db: tuple[Any, str, dict[str, Any]]
                                                ) -> None:
    from geoplan.io.postgis import read_postgis

    server, schema, _ = sample_db
    server.query(f"CREATE TABLE {schema}.hai_cot AS SELECT ma, geom, ST_Centroid(geom) AS tam "
                 f"FROM {schema}.parks")
    server.query(f"SELECT Populate_Geometry_Columns('{schema}.hai_cot'::regclass)")
    with pytest.raises(LayerReadError, match=r"has 2 geometry columns .* layer = "):
        read_postgis(pgplans.url(server), table=f"{schema}.hai_cot")
    points = read_postgis(pgplans.url(server), table=f"{schema}.hai_cot", geometry="tam")
    assert set(points.geom_type) == {"Point"} and "geom" not in points.columns
    with pytest.raises(LayerReadError, match="the layer's sql failed in the database"):
        read_postgis(pgplans.url(server), sql="SELECT * FROM nowhere")
