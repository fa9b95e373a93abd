"""portal.exports.write_xlsx (XlsxWriter, constant memory): every value comes back with its type."""

import datetime
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from portal.exports import Column, write_xlsx


def _read(columns, rows):
    target = io.BytesIO()
    written = write_xlsx(columns=columns, rows=rows, sheet_title="Een heel lange bladnaam van meer dan 31 tekens",
                         target=target)
    sheet = load_workbook(io.BytesIO(target.getvalue())).worksheets[0]
    return written, sheet


def test_values_come_back_by_type_and_text_never_as_a_formula():
    aware = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.timezone.utc)  # 12:30 in Amsterdam (summer)
    columns = [Column(f"Kolom {n}", (lambda n: lambda row: row[n])(n)) for n in range(8)]
    rows = [["=HYPERLINK(\"https://example.org\")", "Regel\x00met\x07stuurtekens\tTab", aware, datetime.date(2026, 3, 1),
             True, 42, 2.5, None],
            ["", "+31 6 12345678", datetime.datetime(2026, 1, 5, 8, 30), None, False, 0, -1.25, "https://example.org"]]

    written, sheet = _read(columns, rows)

    assert written == 2
    assert sheet.title == "Een heel lange bladnaam van mee"
    header, first, second = list(sheet.iter_rows())
    assert [c.value for c in header] == [f"Kolom {n}" for n in range(8)]
    assert [c.value for c in first] == ["=HYPERLINK(\"https://example.org\")", "Regelmetstuurtekens\tTab",
                                        datetime.datetime(2026, 7, 1, 12, 30), datetime.datetime(2026, 3, 1),
                                        True, 42, 2.5, None]
    assert [c.data_type for c in first[:2]] == ["s", "s"]  # the formula is text
    assert first[2].is_date and first[3].is_date
    assert first[3].number_format == "yyyy-mm-dd"
    assert [c.value for c in second] == [None, "+31 6 12345678", datetime.datetime(2026, 1, 5, 8, 30), None, False, 0,
                                         -1.25, "https://example.org"]
    assert second[7].hyperlink is None  # a typed address stays text


def test_a_column_reads_the_time_zone_of_the_export(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    winter = datetime.datetime(2026, 1, 5, 7, 30, tzinfo=ZoneInfo("UTC"))
    _, sheet = _read([Column("Gemeld", lambda row: row)], [winter])
    assert sheet["A2"].value == datetime.datetime(2026, 1, 5, 8, 30)
