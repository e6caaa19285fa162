"""``--engine dask``: the checks and the coverage on a real dask.distributed LocalCluster (two
worker processes on 127.0.0.1) give the in-memory engine's results: the same findings, areas
and distances equal to 1e-9 relative, whatever the number of spatial partitions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pgplans
import pytest
import realparts
from click.testing import CliRunner

from geoplan.analysis import analyse
from geoplan.cli import cli

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
DASK_INSTALL = "pip install dask-geopandas distributed"
REL = 1e-9


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    """A DaskEngine on a LocalCluster of 2 worker processes on 127.0.0.1."""
    try:
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        realparts.missing_part("dask-geopandas + distributed", str(exc), DASK_INSTALL)
    from geoplan.engine import DaskEngine

    with DaskEngine.connect(workers=2) as running:
        assert len(running.client.nthreads()) == 2  # two worker processes
        yield running


def _same_findings(ours: Any, theirs: Any) -> None:
    assert len(ours) == len(pgplans.finding_keys(ours)), "a finding came twice"
    assert pgplans.finding_keys(ours) == pgplans.finding_keys(theirs)
    cols = ["rule", "layer", "feature_id", "other_layer", "other_id", "message"]
    a = ours.sort_values(cols, na_position="first").reset_index(drop=True)
    b = theirs.sort_values(cols, na_position="first").reset_index(drop=True)
    np.testing.assert_allclose(a["value"].to_numpy(), b["value"].to_numpy(), rtol=REL)
    np.testing.assert_allclose(a["threshold"].to_numpy(), b["threshold"].to_numpy(), rtol=REL)
    area = [g.area if g is not None else np.nan for g in a.geometry]
    np.testing.assert_allclose(area, [g.area if g is not None else np.nan for g in b.geometry],
                               rtol=REL)


@pytest.fixture(scope="module")
def in_memory(sample_plan: Any) -> Any:
    """The sample's analysis by the in-memory engine (checks, grid audit, coverage)."""
    return analyse(sample_plan)


def test_sample_checks_and_coverage_equal_in_memory(engine: Any, sample_plan: Any,
                                                    in_memory: Any) -> None:
    engine._partitions = 3
    ours = analyse(sample_plan, engine=engine)
    theirs = in_memory
    _same_findings(ours.checks.findings, theirs.checks.findings)
    _same_findings(ours.coverage.findings, theirs.coverage.findings)
    a, b = ours.coverage, theirs.coverage
    assert list(a.features.columns) == list(b.features.columns)
    assert a.features["feature_id"].tolist() == b.features["feature_id"].tolist()
    for col in ("distance_m", "demand_mw", "headroom_mw", "distance_110kv_m"):
        np.testing.assert_allclose(a.features[col].to_numpy(float),
                                   b.features[col].to_numpy(float), rtol=REL)
    assert a.features["substation_id"].tolist() == b.features["substation_id"].tolist()
    np.testing.assert_allclose(a.substations["load_mw"], b.substations["load_mw"], rtol=REL)
    fa = {k: v for k, v in a.figures.items() if k != "seconds"}
    fb = {k: v for k, v in b.figures.items() if k != "seconds"}
    assert json.dumps(fa, sort_keys=True, default=str) == json.dumps(fb, sort_keys=True,
                                                                     default=str)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: Any) -> Any:
    """The national workload at scale 0.25, loaded, with its in-memory findings."""
    import geoplan

    sys.path.insert(0, str(SCRIPTS))
    from workload import make_workload

    plan = geoplan.load_plan(make_workload(tmp_path_factory.mktemp("wl"), scale=0.25))
    return plan, analyse(plan, coverage=False, grid=False).checks.findings


@pytest.mark.slow
@pytest.mark.parametrize("partitions", [1, 2, 3, 7])
def test_national_quarter_same_findings_for_any_partitions(engine: Any, quarter: Any,
                                                           partitions: int) -> None:
    plan, expected = quarter
    engine._partitions = partitions
    found = analyse(plan, coverage=False, grid=False, engine=engine).checks.findings
    assert len(expected) > 500
    assert set(expected["rule"]) >= {"overlap", "corridor", "cluster-size", "cluster-new"}
    _same_findings(found, expected)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: Any) -> Any:
    """A row of 24 clusters each overlapping the next, and trade points in near-identical
    pairs: with several partitions, some pairs must straddle a partition boundary."""
    import geopandas as gpd
    from builders import plans as pb

    import geoplan

    b = pb.PlanBuilder(tmp_path_factory.mktemp("chain"))
    n = 24
    b.add("clusters", "industrial_cluster", gpd.GeoDataFrame(
        {"id": [f"C{i:02d}" for i in range(n)], "name": [f"Cụm {i}" for i in range(n)],
         "status": ["planned"] * n},
        geometry=[pb.square(pb.X0 + 1000 + 380 * i, pb.Y0 + 5000, 400) for i in range(n)],
        crs=pb.ZONE))
    xs = [pb.X0 + 800 * (i // 2) + 2.0 * (i % 2) for i in range(2 * n)]
    b.add("trade", "trade_facility", pb.points(
        xs, [pb.Y0 + 9000.0] * len(xs), pb.ZONE, id=[f"T{i:02d}" for i in range(len(xs))],
        name=[f"Chợ {i // 2}" for i in range(len(xs))], type=["market"] * len(xs),
        status=["planned"] * len(xs)))
    return geoplan.load_plan(b.write())


def test_pairs_across_partition_boundaries_are_found_once(engine: Any, chain: Any) -> None:
    from geoplan.engine import DaskEngine, partition_plan

    expected = analyse(chain, coverage=False, grid=False).checks.findings
    assert (expected["rule"] == "overlap").sum() == 23
    assert (expected["rule"] == "duplicate").sum() == 24
    found = DaskEngine(engine.client, partitions=7).run_checks(chain)
    _same_findings(found, expected)
    parts = partition_plan(chain, 7)
    owner = {(name, fid): p for name in parts.owner
             for fid, p in zip(chain.layers[name].frame["id"], parts.owner[name], strict=True)}
    pairs = found[found["rule"].isin(["overlap", "duplicate"])]
    across = [owner[(r.layer, r.feature_id)] != owner[(r.other_layer, r.other_id)]
              for r in pairs.itertuples()]
    assert sum(across) >= 3, "no pair straddles a partition boundary"


def test_geohash_ordering_gives_the_same(engine: Any, sample_plan: Any, in_memory: Any
                                        ) -> None:
    from geoplan.engine import DaskEngine

    plan_rules = in_memory.checks.findings
    plan_rules = plan_rules[~plan_rules["rule"].str.startswith("grid-")]
    other = DaskEngine(engine.client, partitions=4, by="geohash")
    _same_findings(other.run_checks(sample_plan), plan_rules)


def test_check_command_on_the_cluster(engine: Any, sample_plan_path: Path, in_memory: Any
                                      ) -> None:
    from geoplan.cli.output import finding_records

    address = engine.client.scheduler.address
    res = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--engine", "dask",
                                   "--scheduler", address, "--format", "json"])
    assert res.exit_code == 3, res.output
    assert json.loads(res.stdout)["findings"] == json.loads(json.dumps(
        finding_records(in_memory.checks.findings)))
    bad = CliRunner().invoke(cli, ["check", str(sample_plan_path), "--scheduler", address])
    assert bad.exit_code == 2 and "--scheduler needs --engine dask" in bad.output


def test_unreachable_scheduler_is_a_clear_error() -> None:
    from geoplan.engine import DaskEngine
    from geoplan.errors import GeoplanError

    address = f"tcp://127.0.0.1:{realparts.free_port()}"
    with pytest.raises(GeoplanError, match=f"cannot reach the dask scheduler at {address}"), \
            DaskEngine.connect(address, timeout=1):
        pass
