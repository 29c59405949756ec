"""CSV / XLSX in and out (tablib), with spreadsheet-formula escaping on the way out.

A cell that starts with ``= + - @`` (or a tab / carriage return) is executed as a formula by
Excel and LibreOffice when the export is opened (CSV injection, OWASP). Exported text cells
that start so are prefixed with an apostrophe, which spreadsheets show as plain text.
"""

import io
from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def build_dataset(
    headers: Sequence[str], rows: Iterable[Sequence], title: str = ""
) -> tablib.Dataset:
    data = tablib.Dataset(headers=list(headers), title=title[:31] or None)
    for row in rows:
        data.append([escape_formula("" if v is None else v) for v in row])
    return data


def export_response(
    dataset: tablib.Dataset, fmt: str, filename: str, extra_sheets=()
) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise ValueError(fmt)
    if fmt == "xlsx" and extra_sheets:
        book = tablib.Databook([dataset, *extra_sheets])
        content = book.export("xlsx")
    else:
        content = dataset.export(fmt)
    if fmt == "csv":
        content = "\ufeff" + content  # BOM so Excel reads UTF-8
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


class TableError(ValueError):
    """The uploaded table cannot be read at all (not a row-level problem)."""


def read_table(upload) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX as dicts keyed by the lower-cased header."""
    name = (upload.name or "").lower()
    raw = upload.read()
    if name.endswith(".xlsx") or raw[:4] == b"PK\x03\x04":
        try:
            import openpyxl

            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as error:
            raise TableError("This is not a readable XLSX workbook.") from error
        sheet = book.worksheets[0]
        values = [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv") or name.endswith(".txt"):
        import csv

        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as error:
                raise TableError("The CSV file is not UTF-8 or Windows text.") from error
        values = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise TableError("Upload a .csv or .xlsx file.")
    values = [row for row in values if any(cell for cell in row)]
    if not values:
        raise TableError("The file has no rows.")
    headers = [h.strip().lower().replace(" ", "_") for h in values[0]]
    if not any(headers):
        raise TableError("The first row must hold the column names.")
    return [
        {headers[i]: (row[i] if i < len(row) else "") for i in range(len(headers)) if headers[i]}
        for row in values[1:]
    ]
