"""What ``--to-postgis`` does for every command: check the database first, then append the run.

:func:`preflight` connects once before anything is computed or written, so an unreachable
server, a refused login or a password in the URL stops the command (exit 1) with nothing
written; :func:`deliver` then appends the run (:func:`geoplan.db.write_analysis`, one
transaction) and says so on stderr.
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["deliver", "preflight"]


def preflight(url: str | None) -> None:
    """Refuse a bad ``--to-postgis`` URL or an unreachable database before any work."""
    if url is None:
        return
    from geoplan.db import DatabaseWriteError, check_url
    from geoplan.io.postgis import connect

    check_url(url)
    with connect(url, error=DatabaseWriteError):
        pass


def deliver(analysis: Any, url: str | None, schema: str, command: str) -> None:
    """Append ``analysis`` to the database at ``url`` (nothing when ``url`` is None)."""
    if url is None:
        return
    from geoplan.db import write_analysis
    from geoplan.io.postgis import redact

    run = write_analysis(analysis, url, schema=schema, command=command)
    click.echo(f"{command}: run {run.run_id} appended to {redact(url)} (schema {schema}): "
               f"{run.total} row(s) in {len(run.rows)} table(s)", err=True)
