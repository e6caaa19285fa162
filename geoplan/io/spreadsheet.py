"""Spreadsheets that hold no formula made from data (CSV and XLSX outputs).

A text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice ("CSV / formula injection"): a feature named ``=HYPERLINK(...)`` would
become a live link, or worse. Every spreadsheet geoplan writes goes through this module:

* **XLSX** — :func:`text_cells` turns every cell openpyxl took for a formula (or an error code
  such as ``#N/A``) back into a text cell, so the text is shown as written and never evaluated;
  geoplan writes no formula of its own.
* **CSV** — :func:`csv_text` prefixes such a text with an apostrophe, as OWASP recommends (a
  CSV has no cell types); plain numbers such as ``-5`` or ``+84`` stay as they are.
"""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.io.atomic import atomic_path, check_output

__all__ = ["FORMULA_START", "csv_text", "is_formula_text", "text_cells", "write_csv",
           "write_xlsx_table", "xlsx_text"]

#: First characters that make a spreadsheet read a text as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def is_formula_text(value: Any) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula.

    >>> is_formula_text('=HYPERLINK("http://x","y")'), is_formula_text("-5"), is_formula_text("Hà")
    (True, False, False)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return False
    return not _NUMBER.match(value.strip()) and value not in ("-", "+")


def csv_text(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates (a leading apostrophe when needed).

    >>> csv_text("=1+1"), csv_text("@SUM(A1)"), csv_text("-12.5"), csv_text(3)
    ("'=1+1", "'@SUM(A1)", '-12.5', 3)
    """
    return "'" + value if is_formula_text(value) else value


#: Characters an XLSX file cannot hold (XML 1.0 forbids them); openpyxl refuses them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_text(value: str) -> str:
    """``value`` without the control characters an XLSX cell cannot hold (each becomes U+FFFD).

    >>> xlsx_text("a\x01b")
    'a\ufffdb'
    """
    return _XML_ILLEGAL.sub("\ufffd", value)


def text_cells(workbook: Any) -> int:
    """Make every cell of an openpyxl ``workbook`` that holds a formula or an error code made
    from a text into a text cell; returns how many were changed. Call it before saving."""
    changed = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                    cell.data_type = "s"
                    changed += 1
    return changed


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(AttributeError, ValueError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return xlsx_text(value)
    if isinstance(value, (int, float, bool)):
        return value
    return xlsx_text(str(value))


def write_csv(frame: pd.DataFrame, path: str | Path, *, overwrite: bool = False,
              encoding: str = "utf-8-sig") -> Path:
    """Write ``frame`` as CSV (UTF-8 with a byte-order mark, for Excel) through
    :func:`~geoplan.io.atomic_path`, every text that a spreadsheet would evaluate neutralised
    with :func:`csv_text` (column names included)."""
    target = check_output(path, overwrite=overwrite)
    safe = frame.copy()
    safe.columns = [csv_text(str(c)) for c in frame.columns]
    for name in safe.columns:
        column = safe[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            safe[name] = column.map(csv_text, na_action="ignore")
    with atomic_path(target, overwrite=overwrite) as tmp:
        safe.to_csv(tmp, index=False, encoding=encoding)
    return target


def write_xlsx_table(frame: pd.DataFrame, path: str | Path, *, sheet: str = "Sheet1",
                     overwrite: bool = False) -> Path:
    """Write ``frame`` as one sheet of an XLSX workbook (bold, frozen header), every text a
    text cell (:func:`text_cells`), through :func:`~geoplan.io.atomic_path`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    target = check_output(path, overwrite=overwrite)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append([xlsx_text(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False, name=None):
        ws.append([_plain(v) for v in values])
    ws.freeze_panes = "A2"
    text_cells(wb)
    with atomic_path(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target
