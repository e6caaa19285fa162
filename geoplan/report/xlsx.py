"""The report as an Excel workbook (openpyxl): an "about" sheet, then one sheet per table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geoplan.errors import MissingDependencyError
from geoplan.io import atomic_path, check_output
from geoplan.io.spreadsheet import text_cells, xlsx_text
from geoplan.report.model import ColumnKind, Lang, Report, _isna, _t

__all__ = ["write_xlsx"]


_EXCEL_FORMATS: dict[str, str] = {
    "int": "#,##0", "ha": "#,##0.00", "km": "#,##0.00", "mva": "#,##0.0", "mw": "#,##0.0",
    "pct": "0.0", "float": "#,##0.00",
}


def _sheet_name(index: int, title: str, used: set[str]) -> str:
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    name = f"{index:02d} {clean}"[:31].rstrip()
    n = 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name = f"{index:02d} {clean}"[:31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(name.casefold())
    return name


def _excel_value(value: Any, kind: ColumnKind, lang: Lang) -> Any:
    """The value of one cell: every cell :func:`write_xlsx` writes passes here (headings, labels
    and notes as ``"text"``), numbers as numbers, booleans as the words yes / no; text without
    the control characters XLSX cannot hold. Before saving, :func:`~geoplan.io.spreadsheet.
    text_cells` makes every text that looks like a formula a text cell."""
    if _isna(value):
        return None
    if kind == "bool":
        return _t("yes" if bool(value) else "no", lang)
    if kind == "text":
        return xlsx_text(str(value))
    if kind == "int":
        return int(value)
    return float(value)


def write_xlsx(report: Report, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the report as an Excel workbook: an "about" sheet, then one sheet per table.

    Numbers are numeric cells with a number format (units in the headings), the header row is
    bold and frozen with an auto-filter, and tables with totals end with a bold totals row.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("the Excel report needs openpyxl: pip install openpyxl"
                                     ) from exc

    target = check_output(path, overwrite=overwrite)
    lang = report.lang

    def text(value: Any) -> Any:
        return _excel_value(value, "text", lang)

    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = _t("about", lang)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE5F0")
    about.append([text(_t("item", lang)), text(_t("value", lang))])
    for cell in about[1]:
        cell.font = bold
        cell.fill = head_fill
    for key, value in (("report", report.title), ("plan", report.plan_name),
                       ("province", report.province or "–"), ("crs", report.crs),
                       ("created", report.created), ("generator", report.generator),
                       ("sources", " · ".join(report.sources) or "–"),
                       ("method", _t("method_text", lang))):
        about.append([text(_t(key, lang)), text(value)])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    for row in about.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    about.freeze_panes = "A2"

    used = {about.title.casefold()}
    for index, table in enumerate(report.tables(), start=1):
        ws = wb.create_sheet(_sheet_name(index, table.title, used))
        ws.append([text(c.heading) for c in table.columns])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for values in table.rows.itertuples(index=False, name=None):
            ws.append([_excel_value(v, c.kind, lang)
                       for v, c in zip(values, table.columns, strict=True)])
        last_data = ws.max_row
        if table.total is not None:
            ws.append([text(_t("total", lang)) if i == 0 else
                       _excel_value(table.total.get(c.key), c.kind, lang)
                       for i, c in enumerate(table.columns)])
            for cell in ws[ws.max_row]:
                cell.font = bold
        for j, column in enumerate(table.columns, start=1):
            fmt = _EXCEL_FORMATS.get(column.kind)
            letter = get_column_letter(j)
            if fmt:
                for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    row[0].number_format = fmt
            width = max([len(column.heading) * 0.9] + [
                len(str(v)) for v in table.rows[column.key].head(200) if not _isna(v)])
            ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
        ws.freeze_panes = "A2"
        if last_data > 1:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{last_data}"
        if table.note:
            ws.append([])
            ws.append([text(table.note)])
    text_cells(wb)  # a name such as =HYPERLINK(...) stays text, never a live formula
    with atomic_path(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target
