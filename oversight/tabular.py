"""CSV / XLSX in and out (tablib), with spreadsheet-formula escaping on the way out.

A cell that starts with ``= + - @`` (or a tab / carriage return) is executed as a formula by
Excel and LibreOffice when the export is opened (CSV injection, OWASP). Exported text cells
that start so are prefixed with an apostrophe, which spreadsheets show as plain text.
"""

import codecs
import csv
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


def _decode(raw: bytes) -> str:
    """Text of an uploaded CSV: by its byte-order mark (UTF-8, UTF-16 little or big endian),
    else UTF-8, else Windows-1252 (what Excel writes on Windows). A NUL character left after
    decoding means the guess was wrong (UTF-16 without a mark, or not text at all)."""
    if raw.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # reads the mark, drops it
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise TableError(
        "This CSV file cannot be read as text. Save it from your spreadsheet as "
        '"CSV UTF-8" (or UTF-16 with a byte-order mark) and upload it again.'
    )


def _first_rows(rows, limit: int | None) -> list[list[str]]:
    """Non-empty rows, stopping as soon as there are more than the header plus ``limit``:
    a file of 200,000 rows is refused after reading ``limit + 2`` of them."""
    values = []
    for row in rows:
        cells = ["" if cell is None else str(cell).strip() for cell in row]
        if not any(cells):
            continue
        values.append(cells)
        if limit is not None and len(values) > limit + 1:
            raise TableError(f"At most {limit} rows per import: split the file and try again.")
    return values


def _xlsx_rows_over(raw: bytes, limit: int) -> bool:
    """Whether the first worksheet holds more than ``limit`` non-empty rows, found by streaming
    its XML and stopping at ``limit + 1``. openpyxl cannot be asked this: a sheet without a
    ``<dimension>`` element is parsed to its end before the first row is returned."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(io.BytesIO(raw), read_only=True)
    reader.read_manifest()
    reader.read_workbook()
    path = next(
        (rel.target for _sheet, rel in reader.parser.find_sheets() if "worksheet" in rel.Type),
        None,
    )
    if path is None:
        return False
    rows = 0
    with reader.archive.open(path) as source:
        for _event, element in iterparse(source):
            if element.tag.endswith("}row"):
                if any(child.tag.endswith(("}v", "}is")) for cell in element for child in cell):
                    rows += 1
                    if rows > limit:
                        return True
                element.clear()
    return False


def read_table(upload, *, max_rows: int | None = None) -> list[dict[str, str]]:
    """Rows of an uploaded CSV or XLSX as dicts keyed by the lower-cased header. More than
    ``max_rows`` data rows is refused without reading the rest of the file."""
    name = (upload.name or "").lower()
    raw = upload.read()
    if name.endswith(".xlsx") or raw[:4] == b"PK\x03\x04":
        try:
            import openpyxl

            if max_rows is not None and _xlsx_rows_over(raw, max_rows + 1):  # + the header
                raise TableError(
                    f"At most {max_rows} rows per import: split the file and try again."
                )
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                values = _first_rows(book.worksheets[0].iter_rows(values_only=True), max_rows)
            finally:
                book.close()
        except TableError:
            raise
        except Exception as error:
            raise TableError("This is not a readable XLSX workbook.") from error
    elif name.endswith(".csv") or name.endswith(".txt"):
        text = _decode(raw)
        try:
            values = _first_rows(csv.reader(io.StringIO(text, newline="")), max_rows)
        except csv.Error as error:
            raise TableError(f"This CSV file cannot be read: {error}.") from error
    else:
        raise TableError("Upload a .csv or .xlsx file.")
    if not values:
        raise TableError("The file has no rows.")
    headers = [h.strip().lower().replace(" ", "_") for h in values[0]]
    if not any(headers):
        raise TableError("The first row must hold the column names.")
    return [
        {headers[i]: (row[i] if i < len(row) else "") for i in range(len(headers)) if headers[i]}
        for row in values[1:]
    ]
