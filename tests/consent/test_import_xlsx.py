"""The pupil import reads an XLSX workbook (Magister, SOMtoday and ParnasSys export one) with the CSV file's checks;
any other binary, a damaged workbook or a ZIP bomb is refused at the field in Dutch, never a server error."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings, strategies as st

from consent import services
from consent.forms import ImportForm
from consent.models import StudentNumber
from portal.models import Person, PersonKind

from ..tabular import OLD_XLS, other_zip_bytes, xlsx_bytes, zip_bomb_bytes

pytestmark = pytest.mark.django_db

HEADER = ["leerlingnummer", "voornaam", "tussenvoegsel", "achternaam", "geboortedatum", "klas", "ouder_voornaam",
          "ouder_achternaam", "ouder_email"]


def workbook():
    return xlsx_bytes([
        HEADER,
        [1001, "Zoë", "van", "Dijk", datetime.date(2012, 4, 3), "2A", "Anouk", "van Dijk", "anouk@example.org"],
        [],
        ["1002", "Daan", None, "Jansen", "31-12-2011", "3B", None, None, None],
    ])


def test_a_workbook_imports_like_the_csv_file(school, leader):
    report = services.pupils_import(school=school, actor=leader, data=workbook())
    assert report.ok and report.encoding == "XLSX"
    assert [(row.line, row.outcome) for row in report.rows] == [(2, "created"), (4, "created")]  # the sheet's rows
    zoe = StudentNumber.objects.get(school=school, number="1001").person  # a number typed as a number
    assert (zoe.first_name, zoe.last_name, zoe.date_of_birth) == ("Zoë", "van Dijk", datetime.date(2012, 4, 3))
    assert [g.email for g in zoe.guardians.all()] == ["anouk@example.org"]


def test_a_workbook_gets_the_same_row_checks(school, leader):
    data = xlsx_bytes([HEADER, [1001, "Zoë", None, "Dijk", "gisteren", "2A"]])
    report = services.pupils_import(school=school, actor=leader, data=data)
    assert not report.ok and report.rows[0].outcome == "refused"
    assert "gisteren" in " ".join(report.rows[0].messages)
    assert not Person.objects.filter(school=school).exists()


def test_the_page_imports_a_workbook(client, school, leader):
    client.force_login(leader)
    response = client.post(reverse("consent:import", args=[school.pk]),
                           {"file": SimpleUploadedFile("leerlingen.xlsx", workbook())})
    assert response.status_code == 200
    assert Person.objects.filter(school=school, kind=PersonKind.PUPIL).count() == 2


@pytest.mark.parametrize("name, content, message", [
    ("leerlingen.xls", OLD_XLS, "Dit is een oud Excel-bestand (.xls)."),
    ("leerlingen.ods", other_zip_bytes(), "Dit is een ZIP-bestand maar geen XLSX-werkmap"),
    ("leerlingen.xlsx", workbook()[:3000], "Dit XLSX-bestand is beschadigd"),
    ("leerlingen.xlsx", zip_bomb_bytes(), "Dit XLSX-bestand pakt uit tot veel meer dan het weegt"),
    ("leerlingen.xlsx", xlsx_bytes([HEADER]), "Het bestand bevat geen leerlingen"),
])
def test_what_is_no_list_is_refused_at_the_field(client, dutch, school, leader, name, content, message):
    client.force_login(leader)
    response = client.post(reverse("consent:import", args=[school.pk]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any(error.startswith(message) for error in errors), errors
    assert not Person.objects.filter(school=school).exists()


def test_more_rows_than_an_import_takes_are_refused(dutch, school, leader, monkeypatch):
    from consent import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    data = xlsx_bytes([HEADER] + [[n, "A", None, "B", "01-01-2012"] for n in range(1, 6)])
    report = services.pupils_import(school=school, actor=leader, data=data)
    assert report.errors == ["Het bestand heeft meer dan 3 regels. Splits het op in kleinere bestanden."]


ANY_FILE = st.one_of(
    st.binary(max_size=4096),
    st.binary(max_size=2048).map(lambda tail: b"PK\x03\x04" + tail),
    st.integers(min_value=0, max_value=6000).map(lambda cut: XLSX_SAMPLE[:cut]),
    st.tuples(st.integers(min_value=30, max_value=5000), st.binary(min_size=1, max_size=8)).map(
        lambda spot: XLSX_SAMPLE[:spot[0]] + spot[1] + XLSX_SAMPLE[spot[0] + len(spot[1]):]),
)
XLSX_SAMPLE = xlsx_bytes([HEADER, [1001, "Zoë", "van", "Dijk", datetime.date(2012, 4, 3), "2A"]])


def newer_zip_version(data):
    """The workbook with its first member saying it needs a ZIP version Python cannot read (6.4)."""
    at = data.index(b"PK\x01\x02")  # the central directory's first entry; its "version needed" is at +6
    return data[:at + 6] + (64).to_bytes(2, "little") + data[at + 8:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=ANY_FILE)
@example(data=newer_zip_version(XLSX_SAMPLE))
def test_any_bytes_get_an_answer_at_the_field_or_a_report_never_an_exception(school, leader, data):
    form = ImportForm(data={}, files={"file": SimpleUploadedFile("leerlingen.xlsx", data)})
    if not form.is_valid():
        assert form.errors["file"]
        return
    report = services.pupils_import(school=school, actor=leader, data=data, dry_run=True)
    assert report.errors or report.rows
