"""The planner's workbench: ``geoplan serve``, a local web app over geoplan.

Plans are made by dropping files and mapping their columns (an ordinary ``plan.toml`` folder is
written under the data folder), validated, analysed in background runs, and delivered: the map,
the report and the exports geoplan writes, and the comparison of two plans. Its parts:

* :mod:`geoplan.web.app`     the routes (FastAPI, Jinja2 templates, htmx); :func:`create_app`
* :mod:`geoplan.web.guard`   host, token, size limits and security headers of every request
* :mod:`geoplan.web.store`   the plans under ``--data-dir`` and safe uploads
* :mod:`geoplan.web.inspect` what a file holds and which column is which canonical field
* :mod:`geoplan.web.jobs`    runs in child processes, progress, cancellation
* :mod:`geoplan.web.toml`    the plan.toml writer
* :mod:`geoplan.web.i18n`    Vietnamese and English words

Importing :mod:`geoplan.web` does not import FastAPI; :func:`create_app` does.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The workbench as an ASGI app (see :func:`geoplan.web.app.create_app`)."""
    from geoplan.web.app import create_app as _create_app

    return _create_app(*args, **kwargs)
