"""Building blocks for exports: PDFs with a header on every page, and streamed CSV/XLSX registers."""

import csv
import datetime
import re
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from .files import atomic_with_files, field_file_delete_on_commit, field_file_save

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_pdf(*, template, context, school_name, exported_by):
    """Render a template to PDF; the school, the date and the exporter are printed on every page."""
    import weasyprint

    from .uploads import strict_image_decoding

    strict_image_decoding()  # importing WeasyPrint switched Pillow to lenient for the whole process

    html = render_to_string(template, {
        **context,
        "export_school": school_name,
        "export_by": str(exported_by),
        "export_at": timezone.localtime(),
    })
    return weasyprint.HTML(string=html).write_pdf()


class _PerExport:
    """A column value whose words depend on the language: an export looks them up once (``for_export``), not
    once per row and column; called directly it looks them up on every call."""

    def __call__(self, obj):
        return self.for_export()(obj)


class choice_label(_PerExport):  # noqa: N801 - used as a function: choice_label("state")
    """A column value: the display label of a choices field."""

    def __init__(self, field_name):
        self.field_name = field_name

    def for_export(self):
        field_name, labels = self.field_name, None

        def value(obj):
            nonlocal labels
            if labels is None:  # the model is known from the first row
                labels = {key: str(label) for key, label in obj._meta.get_field(field_name).flatchoices}
            raw = getattr(obj, field_name)
            return labels.get(raw, raw)

        return value


class yes_no(_PerExport):  # noqa: N801 - used as a function: yes_no("privacy_flag")
    def __init__(self, attribute):
        self.attribute = attribute

    def for_export(self):
        from django.utils.translation import gettext

        attribute, yes, no = self.attribute, gettext("yes"), gettext("no")
        return lambda obj: yes if getattr(obj, attribute) else no


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def _values(columns):
    """Each column's value function for one export, in the language now active."""
    return [c.value.for_export() if isinstance(c.value, _PerExport) else c.value for c in columns]


def _plain(value, tz=None):
    """Cell values both CSV and XLSX can hold: local naive datetimes, text for everything else odd."""
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is None:
            return value
        return value.astimezone(tz or timezone.get_current_timezone()).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, datetime.date, str)):
        return value
    return str(value)


class _Echo:
    def write(self, value):
        return value


# A CSV cell starting with one of these is a formula to a spreadsheet program; typed text must never run.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(columns, rows):
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow([str(c.header) for c in columns])
    getters, tz = _values(columns), timezone.get_current_timezone()
    for row in rows:
        values = []
        for get in getters:
            value = _plain(get(row), tz)
            if isinstance(value, datetime.datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, str) and value.startswith(CSV_FORMULA_STARTS):
                value = "'" + value
            values.append(value)
        yield writer.writerow(values)


# Characters a worksheet cannot hold (the C0 controls but tab, line feed and carriage return), as openpyxl's.
XLSX_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def write_xlsx(*, columns, rows, sheet_title, target, progress=None, every=2000):
    """Write rows to an XLSX file with XlsxWriter in constant-memory mode (each row goes to a temporary file as it
    is written): memory stays flat however many rows. Every value is written by its type, so typed text is
    always a text cell, never a formula, a number or a link."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet(str(sheet_title)[:31])
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd h:mm:ss"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    tz = timezone.get_current_timezone()
    write_string, write_number, write_boolean, write_datetime = (
        sheet.write_string, sheet.write_number, sheet.write_boolean, sheet.write_datetime)

    for number, column in enumerate(columns):
        write_string(0, number, str(column.header))
    written = 0
    getters = _values(columns)
    for row in rows:
        written += 1
        for number, get in enumerate(getters):
            value = _plain(get(row), tz)
            if value is None:
                continue
            if isinstance(value, str):
                if value:
                    write_string(written, number, XLSX_ILLEGAL_CHARACTERS.sub("", value))
            elif isinstance(value, datetime.datetime):
                write_datetime(written, number, value, datetime_format)
            elif isinstance(value, datetime.date):
                write_datetime(written, number, value, date_format)
            elif isinstance(value, bool):
                write_boolean(written, number, value)
            else:  # int, float
                write_number(written, number, value)
        if progress is not None and written % every == 0:
            progress(written)
    workbook.close()
    return written


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


@dataclass
class RegisterExport:
    """A list page's rows as an export: built from the page's query string for one user."""

    name: str
    rows: Any  # a QuerySet, already scoped to the user and filtered
    columns: list
    filename: str
    title: str
    filters: dict
    form: Any = None


def register_build(name, *, user, params):
    """The export ``name`` of settings.MELDPUNT_EXPORT_REGISTERS (the apps' registers, named by the wiring),
    rebuilt from its parameters, so that a worker makes the same export."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.MELDPUNT_EXPORT_REGISTERS[name])(user=user, params=params)


def export_params(request):
    params = request.GET.copy()
    for key in ("export", "page"):
        params.pop(key, None)
    return params


def register_export_response(request, spec, fmt):
    """Answer ?export=csv|xlsx for a register: CSV streams; a large XLSX is made by a worker."""
    from django.conf import settings
    from django.shortcuts import redirect

    from .audit import audit_record

    audit_record(actor=request.user, action=f"export.{spec.name}", object_type=spec.name, format=fmt,
                 filters={k: str(v) for k, v in spec.filters.items()})
    if fmt == "xlsx" and spec.rows.count() > settings.MELDPUNT_EXPORT_BACKGROUND_ROWS:
        job = export_job_start(user=request.user, register=spec.name, params=export_params(request).urlencode(), fmt=fmt)
        return redirect("export_job", pk=job.pk)
    rows = spec.rows.iterator(chunk_size=2000)
    return tabular_response(columns=spec.columns, rows=rows, filename=spec.filename, fmt=fmt, sheet_title=spec.title)


def export_job_start(*, user, register, params, fmt):
    from django.db import transaction

    from .models import ExportJob

    with transaction.atomic():
        job = ExportJob.objects.create(user=user, register=register, params=params, fmt=fmt)
        transaction.on_commit(lambda: _queue_export(job.pk))
    return job


def _queue_export(job_id):
    import logging

    from .tasks import run_export_job

    try:
        run_export_job.apply_async(args=[job_id], retry=False)
    except Exception:  # noqa: BLE001 - the page shows the job as waiting; the sweeper queues it again
        logging.getLogger(__name__).warning("Export job %s could not be queued.", job_id, exc_info=True)


def export_job_run(*, job_id):
    """Make the file of one export job. Safe to run twice: only a waiting job is taken."""
    from django.conf import settings
    from django.core.files import File
    from django.db import transaction
    from django.http import QueryDict
    from django.utils import translation

    from .models import ExportJob, ExportJobState

    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id, state=ExportJobState.PENDING).first()
        if job is None:
            return False
        job.state = ExportJobState.RUNNING
        job.save(update_fields=["state"])
    try:
        with translation.override(None):
            translation.activate(settings.LANGUAGE_CODE)
            spec = register_build(job.register, user=job.user, params=QueryDict(job.params))
            total = spec.rows.count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

            def progress(done):
                ExportJob.objects.filter(pk=job.pk).update(done_rows=done)

            with tempfile.TemporaryFile(suffix=".xlsx") as target:
                written = write_xlsx(columns=spec.columns, rows=spec.rows.iterator(chunk_size=2000),
                                     sheet_title=spec.title, target=target, progress=progress)
                target.seek(0)
                filename = f"{spec.filename}-{timezone.localdate():%Y%m%d}.xlsx"
                with atomic_with_files():  # the file and the row naming it, or neither
                    field_file_save(job.file, filename, File(target))
                    job.filename = filename
                    job.done_rows = written
                    job.total_rows = max(total, written)
                    job.state = ExportJobState.DONE
                    job.finished_at = timezone.now()
                    job.save(update_fields=["file", "filename", "done_rows", "total_rows", "state", "finished_at"])
    except Exception as error:
        ExportJob.objects.filter(pk=job.pk).update(state=ExportJobState.FAILED, error=str(error)[:2000],
                                                   finished_at=timezone.now())
        raise
    return True


def export_jobs_purge(*, older_than=datetime.timedelta(days=1)):
    """Exports hold personal data: their files are deleted a day after they were made."""
    from .models import ExportJob

    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=timezone.now() - older_than):
        with transaction.atomic():
            field_file_delete_on_commit(job.file)
            job.delete()
        purged += 1
    return purged


def export_jobs_requeue(*, older_than=datetime.timedelta(minutes=2)):
    """Queue again the jobs still waiting after a while (the broker was down when they were made)."""
    from .models import ExportJob, ExportJobState

    ids = list(ExportJob.objects.filter(state=ExportJobState.PENDING, created_at__lt=timezone.now() - older_than)
               .values_list("pk", flat=True)[:100])
    for job_id in ids:
        _queue_export(job_id)
    return len(ids)
