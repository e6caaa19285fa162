"""Where an analysis runs: in this process (the default), or distributed on dask.

:class:`DaskEngine` (:mod:`geoplan.engine.dask_engine`) runs the plan rules and the coverage on
dask-geopandas spatial partitions and a ``dask.distributed`` cluster, with the results of the
in-memory engine: the same findings, the same areas and distances. Pass it to
:func:`geoplan.analyse` (``engine=``), or use ``--engine dask [--scheduler ADDRESS]`` on
``geoplan check`` and ``geoplan coverage``::

    from geoplan.engine import DaskEngine
    with DaskEngine.connect() as engine:     # a local cluster: 2 worker processes, 127.0.0.1
        analysis = geoplan.analyse("national/plan.toml", engine=engine)

The grid network (:mod:`geoplan.grid`) is one graph of the small grid layers and stays in the
calling process.
"""

from __future__ import annotations

from geoplan.engine.dask_engine import AGGREGATE_RULES, DaskEngine
from geoplan.engine.partition import PARTITIONED_KINDS, Partitioning, partition_plan

__all__ = ["AGGREGATE_RULES", "PARTITIONED_KINDS", "DaskEngine", "Partitioning",
           "partition_plan"]
