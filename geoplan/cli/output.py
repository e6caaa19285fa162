"""How every command prints: one JSON serializer, one table printer, one finding format.

``--format json`` of ``check``, ``coverage`` and ``grid`` prints one shape, that of every
:class:`geoplan.results.Result` (:func:`echo_result`)::

    {"summary": {"stage": ..., "findings": {"total", "error", "warning", "info", "by_rule"},
                 ...the stage's own figures},
     "findings": [{"rule", "severity", "layer", "feature_id", ...}, ...],
     "tables": {"<name>": [{...}, ...], ...}}

Missing values become ``null`` (never a bare ``NaN``), numpy scalars plain numbers. Data goes
to stdout; the commands write their one-line summaries to stderr themselves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import numpy as np

    #: The fields of a finding that ``--format json`` prints (module ``__getattr__`` below).
    FINDING_FIELDS: list[str]

__all__ = [
    "FINDING_FIELDS",
    "echo_findings",
    "echo_json",
    "echo_result",
    "echo_section",
    "echo_table",
    "finding_records",
    "finding_text",
    "findings_text",
    "pct",
    "records",
]


def _finding_fields() -> list[str]:
    from geoplan.findings import FINDING_COLUMNS

    return [c for c in FINDING_COLUMNS if c != "geometry"]


def __getattr__(name: str) -> Any:
    """:data:`FINDING_FIELDS`, the fields of a finding that ``--format json`` prints (the common
    schema without geometry), told by :mod:`geoplan.findings` when first asked for: importing
    this module (every command's ``--help``) does not import geopandas."""
    if name == "FINDING_FIELDS":
        return _finding_fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: Width of the rule column in the finding text (the longest plan rule id).
RULE_WIDTH = 17


# ------------------------------------------------------------------------------ values


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN/NA -> None, numpy scalars -> Python."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    """``json.dumps`` ``default=``: plain scalars, anything else (dates, paths) as text."""
    plain = _plain(value)
    if plain is None or isinstance(plain, (bool, int, float, str)):
        return plain
    return str(value)


def records(frame: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of ``frame`` without geometry, missing values as None (vectorised: national
    tables are large). ``columns`` picks and orders the columns; absent ones are skipped."""
    import pandas as pd

    cols = [c for c in (columns or list(frame.columns)) if c != "geometry" and c in frame]
    part = pd.DataFrame(frame[cols]).astype(object)
    return [{str(k): v for k, v in row.items()}
            for row in part.where(part.notna(), None).to_dict("records")]


def _plain_column(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """A column's values as :func:`_plain` makes them, computed for the whole column: an object
    array of Python scalars, None where missing, and the mask of the missing ones."""
    import numpy as np

    values = column.to_numpy(dtype=object)  # numeric columns: Python scalars
    kinds = set(map(type, values))
    if kinds <= {str}:  # text, nothing missing (most columns of findings)
        return values, np.zeros(len(values), dtype=bool)
    missing = column.isna().to_numpy(dtype=bool)
    values = (values.copy() if kinds <= _PYTHON_SCALARS
              else np.frompyfunc(_plain, 1, 1)(values).astype(object))
    values[missing] = None
    return values, missing


#: The value types that :func:`_plain` returns unchanged (numpy scalars become these).
_PYTHON_SCALARS = {str, int, float, bool, type(None)}


def finding_records(findings: Any) -> list[dict[str, Any]]:
    """Findings (the common schema) as records of :data:`FINDING_FIELDS`, values plain."""
    cols = [c for c in _finding_fields() if c in findings.columns]
    values = [_plain_column(findings[c])[0].tolist() for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]

def pct(value: Any, lang: str = "en") -> str:
    """A share in [0, 1] as ``"12.3 %"`` (``"12,3 %"`` in Vietnamese); ``"n/a"`` (``"không
    rõ"``) when unknown."""
    if value is None:
        return "không rõ" if lang == "vi" else "n/a"
    text = f"{100 * value:.1f} %"
    return text.replace(".", ",") if lang == "vi" else text


# -------------------------------------------------------------------------------- JSON


def _clean(data: Any) -> Any:
    """``data`` with every NaN float (at any depth) as None."""
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_clean(v) for v in data]
    if isinstance(data, float) and math.isnan(data):
        return None
    return data


def echo_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (small documents: validation reports, diffs)."""
    click.echo(json.dumps(_clean(data), ensure_ascii=False, indent=2, allow_nan=False,
                          default=_json_default))


def echo_result(result: Any, findings: Any = None) -> None:
    """The one ``--format json`` shape of check, coverage and grid: ``summary`` (the result's
    ``summary()``), ``findings`` (records of the common findings schema) and ``tables`` (each
    of the result's ``tables()``, as records).

    One line through the C encoder: the indented form is several times slower on national
    tables.
    """
    data = {
        "summary": _clean(result.summary()),
        "findings": finding_records(result.findings if findings is None else findings),
        "tables": {name: records(table) for name, table in result.tables().items()},
    }
    click.echo(json.dumps(data, ensure_ascii=False, allow_nan=False, default=_json_default))


# ------------------------------------------------------------------------------- tables


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None, *,
               lang: str = "vi") -> None:
    """Print rows as an aligned plain-text table (columns at most 80 characters wide);
    "(không có)" / "(none)" in ``lang`` when there is no row."""
    if not rows:
        click.echo(_said("cli.none", lang))
        return
    columns = columns or list(rows[0])
    text = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [min(max(len(c), *(len(t[i]) for t in text)), 80) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for t in text:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(t, widths, strict=True)))


def echo_section(title: str, rows: list[dict[str, Any]], columns: list[str] | None = None,
                 *, lang: str = "vi") -> None:
    """A blank line, ``title (n)``, then the table of ``rows``."""
    click.echo(f"\n{title} ({len(rows)})")
    echo_table(rows, columns, lang=lang)


def _said(key: str, lang: str, **fields: Any) -> str:
    from geoplan.messages import message

    return message(key, capital=False, **fields).get(lang)


# ----------------------------------------------------------------------------- findings


def finding_text(rec: dict[str, Any], *, rule_width: int = RULE_WIDTH) -> str:
    """One finding as three lines: severity, rule, features and measure; the message; the
    reference. ``rec`` is one of :func:`finding_records`."""
    who = f"{rec['layer']}:{rec['feature_id']}" if rec["feature_id"] is not None else "(plan)"
    if rec["other_id"] is not None:
        who += f" ↔ {rec['other_layer']}:{rec['other_id']}"
    value = rec["value"]
    amount = "" if value is None else f"  {value:,.2f} {rec['unit'] or ''}".rstrip()
    text = (f"{rec['severity'].upper():<7} {rec['rule']:<{rule_width}} {who}{amount}\n"
            f"        {rec['message']}")
    if rec["reference"]:
        text += f"\n        [{rec['reference']}]"
    return text


def _texts(values: np.ndarray, fmt: Callable[[Any], str] | None = None) -> np.ndarray:
    """``fmt`` of each value, once per distinct value (for the columns of few values: rules,
    layers, units, references); without ``fmt``, ``str`` of each (``None`` as ``"None"``, as an
    f-string shows it)."""
    import numpy as np

    kinds = set(map(type, values))
    if fmt is None:
        return values if kinds <= {str} else np.frompyfunc(str, 1, 1)(values).astype(object)
    if kinds <= {str, type(None)}:
        text = {v: fmt(v) for v in set(values)}
        return np.fromiter(map(text.__getitem__, values), dtype=object, count=len(values))
    return np.frompyfunc(fmt, 1, 1)(values).astype(object)


def findings_text(findings: Any, *, rule_width: int = RULE_WIDTH) -> str:
    """Every finding of ``findings`` in the format of :func:`finding_text`, each followed by
    a newline: ``"".join(finding_text(r) + "\\n" for r in finding_records(findings))``, built
    column by column (national plans print tens of thousands of findings): the pieces of
    every line side by side, joined once."""
    import numpy as np

    def col(name: str) -> tuple[np.ndarray, np.ndarray]:
        return _plain_column(findings[name])

    n = len(findings)
    value, no_value = col("value")
    feature_id, no_feature = col("feature_id")
    other_id, no_other = col("other_id")
    measured, feature, other = ~no_value, ~no_feature, ~no_other
    pieces = np.full((11, n), "", dtype=object)  # the pieces of finding i are pieces[:, i]
    pieces[0] = _texts(col("severity")[0], lambda s: f"{s.upper():<7} ")
    pieces[1] = _texts(col("rule")[0], lambda r: f"{r:<{rule_width}} ")
    pieces[2, ~feature] = "(plan)"
    pieces[2, feature] = _texts(col("layer")[0][feature], lambda lyr: f"{lyr}:")
    pieces[3, feature] = _texts(feature_id[feature])
    pieces[4, other] = _texts(col("other_layer")[0][other], lambda lyr: f" ↔ {lyr}:")
    pieces[5, other] = _texts(other_id[other])
    # `f"  {value:,.2f} {unit or ''}".rstrip()`: the figure never ends in a space
    pieces[6, measured] = np.frompyfunc("  {:,.2f}".format, 1, 1)(value[measured])
    pieces[7, measured] = _texts(col("unit")[0][measured], lambda u: f" {u or ''}".rstrip())
    pieces[8] = "\n        "
    pieces[9] = _texts(col("message")[0])
    pieces[10] = _texts(col("reference")[0], lambda r: f"\n        [{r}]\n" if r else "\n")
    return "".join(pieces.ravel(order="F").tolist())


def echo_findings(findings: Any, *, rule_width: int | None = RULE_WIDTH,
                  lang: str = "vi") -> None:
    """Print every finding in the text format of :func:`finding_text` ("Không có phát hiện
    nào." / "No findings." when there is none, in ``lang``), in one write. ``rule_width=None``
    fits the rule column to the longest rule present."""
    if not len(findings):
        click.echo(_said("cli.no_findings", lang))
        return
    width = (max(RULE_WIDTH, *(len(r) for r in findings["rule"])) if rule_width is None
             else rule_width)
    click.echo(findings_text(findings, rule_width=width), nl=False)
