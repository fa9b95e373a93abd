"""Helpers for the export tests: read PDFs, spreadsheets and CSV files back, and build dossiers."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from incidents import services as incident_services
from incidents.models import Involvement
from sanctions import services as sanction_services
from sanctions.models import Measure

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(*args):
    """An aware moment in the portal's time zone."""
    return datetime.datetime(*args, tzinfo=AMSTERDAM)


def body(response):
    """The bytes of a normal, file or streaming response."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def pdf_pages(response_or_bytes):
    """The extracted text of every page of a PDF."""
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body(response_or_bytes)
    assert data.startswith(b"%PDF"), data[:40]
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text):
    """Text with all runs of whitespace made single spaces (PDF lines break wherever they like)."""
    return " ".join(text.split())


def xlsx_rows(response):
    """All rows of the only sheet of an XLSX response, as lists of cell values."""
    workbook = load_workbook(io.BytesIO(body(response)), read_only=True)
    assert len(workbook.worksheets) == 1
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def csv_rows(response):
    """All rows of a CSV response: UTF-8 with a byte-order mark, ';' as the delimiter."""
    data = body(response)
    assert data.startswith("\ufeff".encode()), data[:10]
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def headers(columns):
    """The header row the portal writes (in Dutch, the language of the requests)."""
    with translation.override("nl"):
        return [str(column.header) for column in columns]


def column(rows, header):
    """The values of one column (by its header) of rows read back with the header row first."""
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def png_upload(name="brief.png", color=(30, 120, 200), size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def measure(kind, code):
    """An entry of the default catalogue."""
    return Measure.objects.get(board__isnull=True, subject_kind=kind, code=code)


def impose(person, actor, code, *, decision, reasoning="Herhaald kwetsende berichten.", **kwargs):
    return sanction_services.sanction_impose(person=person, actor=actor, measure=measure(person.kind, code),
                                             decision=decision, reasoning=reasoning, **kwargs)


def involve(incident, person, role, actor, note=""):
    return incident_services.incident_add_record(
        incident=incident, actor=actor, record=Involvement(person=person, role=role, note=note)
    )
