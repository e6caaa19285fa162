"""Plain tables (CSV, Excel) read as stored: every cell as text or number, no geometry.

What a Department keeps beside its layers — a sheet of figures per cluster keyed by the cluster's
id — is read here; :mod:`geoplan.attributes` joins it onto a layer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geoplan.errors import LayerReadError

__all__ = ["ATTRIBUTE_SUFFIXES", "read_attribute_table"]

ATTRIBUTE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def read_attribute_table(path: str | Path, *, sheet: str | None = None,
                         encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV or Excel table as stored (object dtype, column names stripped).

    Raises :class:`~geoplan.errors.LayerReadError` naming the file and the fix when it is
    missing, not a table, or has no such sheet.
    """
    p = Path(path)
    if not p.exists():
        raise LayerReadError(f"{p}: attribute table not found (check attributes = \"...\" in the "
                             "plan, relative to the plan file)")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            raw = pd.read_excel(p, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
        except ValueError as exc:
            raise LayerReadError(f"{p}: {_short(exc)}; name the sheet with attributes = "
                                 "{ path = \"...\", sheet = \"...\" }") from exc
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise LayerReadError(f"{p}: not a readable Excel workbook ({_short(exc)})") from exc
    elif suffix in (".csv", ".txt"):
        try:
            raw = pd.read_csv(p, dtype=object, encoding=encoding or "utf-8-sig", sep=None,
                              engine="python")
        except UnicodeDecodeError as exc:
            raise LayerReadError(f"{p}: text is not valid {encoding or 'UTF-8'} ({exc.reason}); "
                                 "re-save it as UTF-8 or give attributes = { path = \"...\", "
                                 "encoding = \"cp1258\" }") from exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise LayerReadError(f"{p}: not a readable CSV table ({_short(exc)})") from exc
    else:
        raise LayerReadError(f"{p}: an attribute table is a CSV or Excel file "
                             f"({', '.join(ATTRIBUTE_SUFFIXES)}), not {suffix or 'this file'}")
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.dropna(how="all").reset_index(drop=True)
