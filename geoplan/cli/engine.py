"""What ``--engine`` and ``--scheduler`` do for check and coverage: the engine to analyse with.

``memory`` (the default) is this process; ``dask`` is :class:`geoplan.engine.DaskEngine` on the
scheduler given (``--scheduler tcp://host:8786``) or on a local cluster of two worker
processes on 127.0.0.1 started for the command and closed after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["open_engine"]


@contextlib.contextmanager
def open_engine(engine: str, scheduler: str | None) -> Iterator[Any]:
    """``None`` for the in-memory engine, else a running :class:`~geoplan.engine.DaskEngine`."""
    if engine == "memory":
        if scheduler is not None:
            import click

            raise click.UsageError("--scheduler needs --engine dask")
        yield None
        return
    from geoplan.engine import DaskEngine

    with DaskEngine.connect(scheduler) as running:
        yield running
