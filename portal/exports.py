"""Building blocks for exports: PDFs with a header on every page, and streamed CSV/XLSX registers."""

import csv
import datetime
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

from django.http import FileResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_pdf(*, template, context, school_name, exported_by):
    """Render a template to PDF; the school, the date and the exporter are printed on every page."""
    import weasyprint

    html = render_to_string(template, {
        **context,
        "export_school": school_name,
        "export_by": str(exported_by),
        "export_at": timezone.localtime(),
    })
    return weasyprint.HTML(string=html).write_pdf()


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def _plain(value):
    """Cell values both CSV and XLSX can hold: local naive datetimes, text for everything else odd."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float, datetime.date, str)):
        return value
    return str(value)


class _Echo:
    def write(self, value):
        return value


def _csv_rows(columns, rows):
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow([str(c.header) for c in columns])
    for row in rows:
        values = []
        for column in columns:
            value = _plain(column.value(row))
            values.append(value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime.datetime) else value)
        yield writer.writerow(values)


def write_xlsx(*, columns, rows, sheet_title, target):
    """Write rows to an XLSX file in openpyxl's write-only mode: memory stays flat however many rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31])
    sheet.append([str(c.header) for c in columns])
    for row in rows:
        sheet.append([_plain(column.value(row)) for column in columns])
    workbook.save(target)


def tabular_response(*, columns, rows, filename, fmt, sheet_title):
    """A register as CSV (streamed) or XLSX (spooled to a temporary file, then streamed)."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        target = tempfile.TemporaryFile(suffix=".xlsx")
        write_xlsx(columns=columns, rows=rows, sheet_title=sheet_title, target=target)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=f"{filename}-{stamp}.xlsx", content_type=XLSX_TYPE)
    response = StreamingHttpResponse(_csv_rows(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def export_format(request):
    """The format asked for with ?export=csv|xlsx, or None for the normal page."""
    fmt = request.GET.get("export")
    return fmt if fmt in ("csv", "xlsx") else None
