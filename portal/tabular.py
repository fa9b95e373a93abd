"""Uploaded tables as text: a CSV file (UTF-8 or Windows-1252) or an XLSX workbook (its first sheet), read the
same way for every import (pupils, staff), so that both get the same checks.

``table_text`` turns the bytes into CSV text and says what it read. Anything else (an old .xls, an .ods, another
archive, a damaged workbook, a ZIP that unpacks to far more than it weighs, more rows than an import takes) is
refused with a ValidationError in Dutch that says what to do, for the form to show at its field.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_START = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls (or .doc)
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # a workbook of 10,000 rows unpacks to a few MB
MAX_PACKING_RATIO = 200  # XML packs well, but not a thousandfold: that is a ZIP bomb
MAX_COLUMNS = 60


def decode(data):
    """Text and the encoding it was read as: UTF-8 (a BOM is dropped), else Windows-1252."""
    if data.startswith(ZIP_STARTS + (OLE2_START,)):
        raise ValidationError(
            _("This is a spreadsheet or ZIP file, not a CSV file. Open it in the spreadsheet program and save it as "
              "CSV (separated by semicolons), then choose that file."), code="spreadsheet",
        )
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "UTF-16"
        try:
            return data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("This file cannot be read as text (byte %(position)s is not a letter in UTF-8 or Windows-1252). Save the "
              "export as CSV in UTF-8 and choose that file."), code="encoding", params={"position": error.start + 1},
        )


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a pupil number typed as a number
    return re.sub(r"[\r\n]+", " ", str(value))


def _refuse_unsafe_archive(data):
    damaged = ValidationError(
        _("This XLSX file is damaged and cannot be read. Open it in the spreadsheet program, save it again as XLSX "
          "(or as CSV) and choose that file."), code="damaged")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as error:  # (a newer ZIP version)
        raise damaged from error
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise ValidationError(
            _("This is a ZIP file but no XLSX workbook (an .ods or another archive?). Save the list as XLSX or as "
              "CSV and choose that file."), code="no_xlsx")
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_PACKING_RATIO:
        raise ValidationError(
            _("This XLSX file unpacks to far more than it weighs (%(size)s MB), more than any list of people: it is "
              "not read. Save the list again as XLSX or CSV and choose that file.")
            % {"size": unpacked // (1024 * 1024)}, code="zip_bomb")
    return damaged


def xlsx_text(data, *, max_rows):
    """The first sheet of an XLSX workbook as CSV text separated by semicolons (one line per row; dates as
    31-12-2010, whole numbers without decimals). Empty rows are kept, so line numbers match the sheet's rows."""
    from openpyxl import load_workbook

    damaged = _refuse_unsafe_archive(data)
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\n")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            filled = empty = 0
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                cells = [_cell_text(value) for value in row]
                if not any(cells):
                    empty += 1
                    if empty > 1000:  # a formatted but empty stretch: the list has ended
                        break
                    continue
                filled += 1
                if filled > max_rows + 1:
                    raise ValidationError(_("The file has more than %(max)s rows. Split it into smaller files.")
                                          % {"max": max_rows}, code="too_many_rows")
                output.write("\n" * empty)  # the empty rows before this one: line numbers stay the sheet's
                empty = 0
                writer.writerow(cells)
        finally:
            book.close()
    except ValidationError:
        raise
    except Exception as error:  # openpyxl and the XML parser raise many kinds for a damaged workbook
        raise damaged from error
    return output.getvalue()


def table_text(data, *, max_rows):
    """(text, what was read): CSV text from a CSV file or an XLSX workbook, or a ValidationError in Dutch."""
    if data.startswith(ZIP_STARTS):
        return xlsx_text(data, max_rows=max_rows), "XLSX"
    if data.startswith(OLE2_START):
        raise ValidationError(
            _("This is an old Excel file (.xls). Save it in the spreadsheet program as XLSX or as CSV and choose that "
              "file."), code="xls")
    return decode(data)


def sniff_delimiter(text):
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max([";", ",", "\t"], key=header.count)


# What became of a row of an import: the outcomes, and the report both imports give (check first, then all or nothing).
CREATED, UPDATED, UNCHANGED, REFUSED = "created", "updated", "unchanged", "refused"
IN_ORDER = "in_order"  # a row without problems in a file that is refused as a whole


@dataclass
class RowOutcome:
    line: int
    outcome: str = ""
    messages: list = field(default_factory=list)

    def refuse(self, message):
        self.outcome = REFUSED
        self.messages.append(message)


@dataclass
class ImportReport:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # problems with the file as a whole
    notes: list = field(default_factory=list)
    encoding: str = ""
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors and bool(self.rows) and all(r.outcome != REFUSED for r in self.rows)

    @property
    def totals(self):
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REFUSED: 0, IN_ORDER: 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def read(self, data, *, max_bytes, max_rows):
        """The file's CSV text (NUL dropped: the database cannot hold it, and no name has one), or None with the
        reason in ``errors``."""
        if len(data) > max_bytes:
            self.errors.append(_("The file is larger than 5 MB. Split it into smaller files."))
            return None
        try:
            text, self.encoding = table_text(data, max_rows=max_rows)
        except ValidationError as error:
            self.errors.extend(error.messages)
            return None
        return text.replace("\x00", "")

    def refused_as_a_whole(self):
        """A file with a refused row is refused whole: every other row is only "in order"."""
        for row in self.rows:
            if row.outcome != REFUSED:
                row.outcome, row.messages = IN_ORDER, []
