"""PostGIS as a result sink: every run appended, in one transaction (:mod:`geoplan.db.sink`).

``geoplan check|coverage|grid|export PLAN --to-postgis URL [--schema geoplan]`` calls
:func:`write_analysis` with the command's :class:`~geoplan.analysis.Analysis`::

    import geoplan
    from geoplan.db import write_analysis
    run = write_analysis(geoplan.analyse("layers/sample"), "postgresql://ana@db/quyhoach")
    run.run_id, run.rows        # the run's id, rows per table
"""

from __future__ import annotations

from geoplan.db.sink import (
    DEFAULT_SCHEMA,
    RUN_COLUMNS,
    DatabaseWriteError,
    RunRecord,
    check_url,
    input_hashes,
    write_analysis,
)

__all__ = [
    "DEFAULT_SCHEMA",
    "RUN_COLUMNS",
    "DatabaseWriteError",
    "RunRecord",
    "check_url",
    "input_hashes",
    "write_analysis",
]
