"""The report as one self-contained HTML file that prints well (jinja2, maps as base64 PNG).

The template is ``geoplan/report/templates/report.html.j2``; every text is escaped by jinja2's
autoescape.
"""

from __future__ import annotations

import base64
from pathlib import Path

from geoplan.errors import MissingDependencyError
from geoplan.io import atomic_path, check_output
from geoplan.report.model import _T, Report, _t, format_number

__all__ = ["write_html"]

#: The column kinds the template right-aligns as numbers.
_NUMERIC = ("int", "ha", "km", "mva", "mw", "pct", "float")


def write_html(report: Report, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the report as one self-contained HTML file (inline CSS, maps as base64 PNG)."""
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("the HTML report needs jinja2: pip install jinja2") from exc

    target = check_output(path, overwrite=overwrite)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("geoplan.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, kind: format_number(v, kind, report.lang)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    template = env.get_template("report.html.j2")
    labels = {k: _t(k, report.lang) for k in _T}
    text = template.render(report=report, t=labels, numeric=_NUMERIC)
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
