"""Writers of filled forms: a table form as an Excel workbook in the form's own layout, an
outline form as one HTML file that prints on A4.

The workbook follows the layout of the statistical report forms attached to Vietnamese
circulars: the form's code and the circular it is attached to at the top left, the reporting
and receiving units at the top right, the title and the reporting period (with the first and
last day of the figures) in the middle, then the table — STT, indicator, unit, figure, note —
and the signing block (the preparer; the place and date; the Department's director). Every cell
goes through :func:`geoplan.report.xlsx._excel_value`; a blank figure carries an Excel comment
naming the fields it lacks. A second sheet says how each figure was computed.

The HTML outline is ``templates/outline.html.j2`` (jinja2, autoescaped): every text from the plan
or a template is escaped; ``@page { size: A4 }`` sets the paper.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from geoplan.errors import MissingDependencyError, PlanError
from geoplan.io import atomic_path, check_output
from geoplan.report.forms import FilledForm, FormValue
from geoplan.report.model import _T, Lang, _t, format_number
from geoplan.report.xlsx import _excel_value

__all__ = ["write_form", "write_form_html", "write_form_xlsx"]

_FORMATS = {"int": "#,##0", "ha": "#,##0.00", "km": "#,##0.00", "pct": "0.0",
            "float": "#,##0.0", "mva": "#,##0.0", "mw": "#,##0.0"}

_X: dict[str, tuple[str, str]] = {
    "no": ("STT", "No."),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "unit": ("Đơn vị tính", "Unit"),
    "figure": ("Số liệu", "Figure"),
    "note": ("Ghi chú", "Note"),
    "reporting": ("Đơn vị báo cáo", "Reporting unit"),
    "receiving": ("Đơn vị nhận báo cáo", "Receiving units"),
    "due": ("Thời hạn gửi báo cáo: trước ngày {due}", "Due before {due}"),
    "figures_dates": ("Số liệu từ ngày {start} đến ngày {end}", "Figures from {start} to {end}"),
    "place_date": ("…, ngày … tháng … năm …", "…, date …"),
    "sign": ("(Ký, ghi rõ họ tên)", "(Signature, full name)"),
    "sign_seal": ("(Ký, đóng dấu, ghi rõ họ tên)", "(Signature, seal, full name)"),
    "computed": ("Số liệu tính bằng {generator} từ quy hoạch “{plan}” (hệ tọa độ {crs}), ngày "
                 "{created}. Ô để trống: thiếu số liệu, chú thích của ô ghi tên trường còn "
                 "thiếu.", "Figures computed with {generator} from the plan “{plan}” (CRS "
                 "{crs}) on {created}. A blank cell lacks data; its comment names the missing "
                 "field."),
    "source": ("Nguồn mẫu biểu", "Source of the form"),
    "method": ("Cách tính", "How computed"),
    "key": ("Mã chỉ tiêu", "Key"),
    "measure": ("Phép tính", "Measure"),
    "fields": ("Trường dữ liệu", "Fields"),
    "certainty": ("Độ tin cậy của chỉ tiêu", "Certainty of the row"),
    "missing": ("Trường còn thiếu", "Missing fields"),
    "certainty_note": ("C: đã đọc trong văn bản; S: nguồn thứ cấp; N: geoplan đặt, chưa đối "
                       "chiếu văn bản.", "C: read in the text; S: secondhand; N: geoplan's own, "
                       "not checked against the text."),
    "contents": ("Mục lục", "Contents"),
    "to_write": ("Phần do Sở biên soạn.", "For the Department to write."),
}


def _x(key: str, lang: Lang, **kw: Any) -> str:
    vi, en = _X[key]
    return (vi if lang == "vi" else en).format(**kw)


def _d(day: Any) -> str:
    return day.strftime("%d/%m/%Y")


def _comment(value: FormValue, lang: Lang) -> str:
    """The comment of a blank cell: its note, which names the missing fields (or says so)."""
    if all(f in value.note for f in value.missing):
        return value.note
    head = "Thiếu trường: " if lang == "vi" else "Missing field: "
    return f"{head}{', '.join(value.missing)}. {value.note}".strip()


def write_form_xlsx(form: FilledForm, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a filled table form as an Excel workbook in the form's own layout."""
    try:
        from openpyxl import Workbook
        from openpyxl.comments import Comment
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        from openpyxl.worksheet.properties import PageSetupProperties
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("forms need openpyxl: pip install openpyxl") from exc

    target = check_output(path, overwrite=overwrite)
    lang = form.lang
    t = form.template

    def text(value: Any) -> Any:
        return _excel_value(value, "text", lang)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(t.head.get("code", t.id))[:31].replace("/", " ")
    bold = Font(bold=True)
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in zip("ABCDE", (7, 58, 12, 15, 48), strict=True):
        ws.column_dimensions[col].width = width

    def put(cell: str, value: Any, *, font: Font | None = None, align: Any = None,
            merge: str | None = None) -> None:
        ws[cell] = value
        if font is not None:
            ws[cell].font = font
        if align is not None:
            ws[cell].alignment = align
        if merge:
            ws.merge_cells(f"{cell}:{merge}")

    province = form.province or ""
    sender = f"{t.text('sender', lang)} {province}".strip()
    recipients = "; ".join(t.text("recipients", lang) or [])
    put("A1", text(t.head.get("code", t.id)), font=bold, merge="B1")
    put("A2", text(t.text("issued_with", lang)), font=Font(italic=True, size=9), align=wrap,
        merge="B2")
    put("A3", text(_x("due", lang, due=_d(form.period.due))), font=Font(size=9), merge="B3")
    put("C1", text(f"{_x('reporting', lang)}: {sender}"), align=wrap, merge="E1")
    put("C2", text(f"{_x('receiving', lang)}: {recipients}"), align=wrap, merge="E2")
    ws.row_dimensions[2].height = 42
    put("A5", text(t.text("title", lang)), font=Font(bold=True, size=13), align=centre,
        merge="E5")
    put("A6", text(form.period.label), font=bold, align=centre, merge="E6")
    put("A7", text(_x("figures_dates", lang, start=_d(form.period.start),
                      end=_d(form.period.end))), font=Font(italic=True), align=centre,
        merge="E7")

    head_row = 9
    heads = [_x(k, lang) for k in ("no", "indicator", "unit", "figure", "note")]
    fill = PatternFill("solid", fgColor="E4E9F0")
    for j, (col, label) in enumerate(zip("ABCDE", heads, strict=True)):
        cell = ws[f"{col}{head_row}"]
        cell.value = text(label)
        cell.font = bold
        cell.fill = fill
        cell.alignment = centre
        cell.border = box
        sub = ws[f"{col}{head_row + 1}"]
        sub.value = text(("A", "B", "C", "1", "2")[j])
        sub.font = Font(italic=True, size=9)
        sub.alignment = centre
        sub.border = box
    r = head_row + 2
    for value in form.values:
        cells = [ws[f"{c}{r}"] for c in "ABCDE"]
        cells[0].value = text(value.no)
        cells[1].value = text(value.label)
        if value.heading:
            for c in cells:
                c.font = bold
        else:
            cells[2].value = text(value.unit)
            cells[3].value = _excel_value(value.value, value.kind, lang)  # type: ignore[arg-type]
            cells[3].number_format = _FORMATS.get(value.kind, "General")
            note = value.note if not value.blank else _comment(value, lang)
            cells[4].value = text(note) if note else None
            if value.blank:
                cells[3].comment = Comment(_comment(value, lang), "geoplan", width=300,
                                           height=110)
        for c in cells:
            c.border = box
            if c.column_letter in ("B", "E"):
                c.alignment = wrap
            elif c.column_letter in ("A", "C"):
                c.alignment = Alignment(horizontal="center", vertical="top")
            else:
                c.alignment = Alignment(vertical="top")
        r += 1
    r += 1
    put(f"B{r}", text(t.text("preparer", lang)), font=bold, align=centre)
    put(f"D{r}", text(_x("place_date", lang)), font=Font(italic=True), align=centre,
        merge=f"E{r}")
    put(f"B{r + 1}", text(_x("sign", lang)), font=Font(italic=True, size=9), align=centre)
    put(f"D{r + 1}", text(t.text("signer", lang)), font=bold, align=centre, merge=f"E{r + 1}")
    put(f"D{r + 2}", text(_x("sign_seal", lang)), font=Font(italic=True, size=9),
        align=centre, merge=f"E{r + 2}")
    r += 6
    put(f"A{r}", text(_x("computed", lang, generator=form.generator, plan=form.plan_name,
                         crs=form.crs, created=form.created)), font=Font(size=9), align=wrap,
        merge=f"E{r}")
    ws.row_dimensions[r].height = 30
    for i, source in enumerate(form.sources, start=1):
        put(f"A{r + i}", text(f"{_x('source', lang)}: {source}"), font=Font(size=9),
            align=wrap, merge=f"E{r + i}")
        ws.row_dimensions[r + i].height = 30
    ws.print_title_rows = f"{head_row}:{head_row + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0

    how = wb.create_sheet(_x("method", lang)[:31])
    how.append([text(_x(k, lang)) for k in ("no", "key", "indicator", "measure", "fields",
                                            "missing", "certainty", "note")])
    for cell in how[1]:
        cell.font = bold
        cell.fill = fill
    for value in form.values:
        if value.heading:
            continue
        how.append([text(value.no), text(value.key), text(value.label), text(value.measure),
                    text(", ".join(value.fields)), text(", ".join(value.missing)),
                    text(value.certainty), text(value.note)])
    how.append([])
    how.append([text(_x("certainty_note", lang))])
    for col, width in zip("ABCDEFGH", (6, 22, 50, 14, 30, 22, 10, 60), strict=True):
        how.column_dimensions[col].width = width
    how.freeze_panes = "A2"
    with atomic_path(target, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return target


def write_form_html(form: FilledForm, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a filled form (outline or table) as one self-contained HTML file for A4."""
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("forms need jinja2: pip install jinja2") from exc

    target = check_output(path, overwrite=overwrite)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("geoplan.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, kind: format_number(v, kind, form.lang)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    env.filters["day"] = _d
    template = env.get_template("outline.html.j2")
    words = {k: _x(k, form.lang) for k in _X if "{" not in _X[k][0]}
    text = template.render(form=form, t=form.template, lang=form.lang, x=words,
                           r={k: _t(k, form.lang) for k in _T},
                           computed=_x("computed", form.lang, generator=form.generator,
                                       plan=form.plan_name, crs=form.crs,
                                       created=form.created),
                           dates=_x("figures_dates", form.lang, start=_d(form.period.start),
                                    end=_d(form.period.end)),
                           due=_x("due", form.lang, due=_d(form.period.due)),
                           numeric=("int", "ha", "km", "mva", "mw", "pct", "float"))
    with atomic_path(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_form(form: FilledForm, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a filled form by the file's suffix: ``.xlsx`` (table forms) or ``.html``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return write_form_html(form, path, overwrite=overwrite)
    if suffix == ".xlsx":
        if form.template.layout != "table":
            raise PlanError(f"{path}: {form.template.id} is an outline; write it as .html (it "
                            "prints on A4)")
        return write_form_xlsx(form, path, overwrite=overwrite)
    raise PlanError(f"{path}: a form is written as .xlsx or .html")
