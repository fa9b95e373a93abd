"""Import from the administration system's CSV export: row by row, all or nothing."""

import codecs
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent import imports, services
from consent.models import StudentNumber
from portal.models import AuditEvent, Person, PersonKind

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

HEADER = "leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;klas;ouder_voornaam;ouder_achternaam;ouder_email"
GOOD = "\n".join([
    HEADER,
    "1001;Zoë;van;Dijk;03-04-2012;2A;Anouk;van Dijk;anouk@example.org",
    "1001;Zoë;van;Dijk;03-04-2012;2A;Mark;van Dijk;mark@example.org",
    "1002;Daan;;Jansen;2011-12-31;3B;Petra;Jansen;petra@example.org",
    "1003;Sem;;Bakker;15-1-2010;4C;;;",
]) + "\n"


def people(school):
    return Person.objects.filter(school=school).count()


def run(school, actor, text, *, encoding="utf-8", dry_run=False):
    return services.pupils_import(school=school, actor=actor, data=text.encode(encoding), dry_run=dry_run)


def outcomes(report):
    return [(row.line, row.outcome) for row in report.rows]


def test_a_good_file_creates_pupils_guardians_and_numbers(school, leader):
    report = run(school, leader, GOOD)
    assert report.ok and not report.dry_run
    assert outcomes(report) == [(2, "created"), (3, "updated"), (4, "created"), (5, "created")]
    zoe = StudentNumber.objects.get(school=school, number="1001").person
    assert (zoe.first_name, zoe.last_name, zoe.date_of_birth, zoe.class_name, zoe.kind) == (
        "Zoë", "van Dijk", datetime.date(2012, 4, 3), "2A", PersonKind.PUPIL)
    assert sorted(g.email for g in zoe.guardians.all()) == ["anouk@example.org", "mark@example.org"]
    assert Person.objects.filter(school=school, kind=PersonKind.GUARDIAN).count() == 3
    assert StudentNumber.objects.get(number="1003").person.guardians.count() == 0
    assert AuditEvent.objects.get(action="consent.import").detail["created"] == 3


def test_importing_again_updates_and_duplicates_nothing(school, leader):
    run(school, leader, GOOD)
    before = people(school)
    changed = GOOD.replace("2011-12-31;3B", "2011-12-31;4B")
    report = run(school, leader, changed)
    assert report.ok
    assert outcomes(report) == [(2, "unchanged"), (3, "unchanged"), (4, "updated"), (5, "unchanged")]
    assert "klas" in " ".join(report.rows[2].messages)
    assert people(school) == before
    assert StudentNumber.objects.get(number="1002").person.class_name == "4B"


def test_a_sibling_shares_the_guardian_found_by_email(school, leader):
    run(school, leader, GOOD)
    sibling = HEADER + "\n1004;Lotte;;Jansen;2014-05-05;1A;Petra;Jansen;PETRA@example.org\n"
    report = run(school, leader, sibling)
    assert report.ok and outcomes(report) == [(2, "created")]
    assert Person.objects.filter(school=school, kind=PersonKind.GUARDIAN).count() == 3
    petra = Person.objects.get(school=school, kind=PersonKind.GUARDIAN, email="petra@example.org")
    assert petra.children.count() == 2


def test_a_bad_row_refuses_the_whole_file_and_leaves_nothing_behind(school, leader):
    bad = GOOD.replace("2011-12-31", "31-31-2011").replace("mark@example.org", "mark@")
    before = people(school)
    report = run(school, leader, bad)
    assert not report.ok
    assert outcomes(report) == [(2, "in_order"), (3, "refused"), (4, "refused"), (5, "in_order")]
    assert "31-31-2011" in " ".join(report.rows[2].messages)
    assert "mark@" in " ".join(report.rows[1].messages)
    assert people(school) == before and not StudentNumber.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.import").exists()


def test_missing_columns_refuse_the_file(school, leader):
    report = run(school, leader, "voornaam;achternaam\nZoë;Dijk\n")
    assert not report.ok and "leerlingnummer" in report.errors[0] and "geboortedatum" in report.errors[0]
    assert people(school) == 0


def test_one_pupil_number_with_two_different_pupils_is_refused(school, leader):
    report = run(school, leader, HEADER + "\n1001;Zoë;;Dijk;03-04-2012;2A;;;\n1001;Noah;;Dijk;03-04-2012;2A;;;\n")
    assert outcomes(report) == [(2, "in_order"), (3, "refused")]
    assert people(school) == 0


def test_a_dry_run_reports_but_writes_nothing(school, leader):
    report = run(school, leader, GOOD, dry_run=True)
    assert report.ok and report.dry_run and report.totals["created"] == 3
    assert people(school) == 0


def test_windows_1252_with_commas_is_read(school, leader):
    text = GOOD.replace(";", ",").replace("\n", "\r\n")
    report = run(school, leader, text, encoding="cp1252")
    assert report.ok and report.encoding == "Windows-1252" and report.delimiter == ","
    assert StudentNumber.objects.get(number="1001").person.first_name == "Zoë"


def test_utf8_with_a_byte_order_mark_is_read(school, leader):
    report = services.pupils_import(school=school, actor=leader, data=codecs.BOM_UTF8 + GOOD.encode())
    assert report.ok and report.encoding == "UTF-8"
    assert StudentNumber.objects.filter(school=school).count() == 3


def test_a_pupil_already_in_the_portal_gets_their_number(school, leader):
    existing = PersonFactory(school=school, first_name="Daan", last_name="Jansen", date_of_birth=datetime.date(2011, 12, 31), class_name="3B")
    report = run(school, leader, GOOD)
    assert report.ok and report.rows[2].outcome == "updated"
    assert StudentNumber.objects.get(number="1002").person == existing
    assert Person.objects.filter(school=school, kind=PersonKind.PUPIL).count() == 3


def test_the_same_number_at_another_school_is_another_pupil(school, sister_school, leader, board_admin):
    run(school, leader, GOOD)
    report = run(sister_school, board_admin, GOOD)
    assert report.ok and report.totals["created"] == 3
    assert StudentNumber.objects.filter(number="1001").count() == 2


def test_the_import_page(client, school, leader):
    client.force_login(leader)
    url = reverse("consent:import", args=[school.pk])
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("export.csv", GOOD.replace("03-04-2012", "gisteren").encode())
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "gisteren" in response.content.decode()
    assert people(school) == 0
    response = client.post(url, {"file": SimpleUploadedFile("export.csv", GOOD.encode()), "dry_run": "on"})
    assert response.status_code == 200 and people(school) == 0
    response = client.post(url, {"file": SimpleUploadedFile("export.csv", GOOD.encode())})
    assert response.status_code == 200 and StudentNumber.objects.filter(school=school).count() == 3


def test_teachers_cannot_import(client, school, staff):
    client.force_login(staff)
    url = reverse("consent:import", args=[school.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": SimpleUploadedFile("export.csv", GOOD.encode())}).status_code == 403
    assert people(school) == 0


def test_the_parser_on_its_own():
    assert imports.parse_date("3-4-2012") == datetime.date(2012, 4, 3)
    assert imports.parse_date("2012-04-03") == datetime.date(2012, 4, 3)
    assert imports.parse_date("04/03/2012") == datetime.date(2012, 3, 4)
    assert imports.parse_date("gisteren") is None
    assert imports.normalise_column(" Leerling-Nummer ") == "leerling_nummer"
    assert imports.normalise_column("Roepnaam") == "voornaam"
    assert imports.sniff_delimiter("a,b,c\n") == ","


def test_a_nul_character_in_a_cell_is_dropped_not_a_server_error(school, leader):
    text = HEADER + "\n1001;Zo\x00ë;;Dijk;03-04-2012;2\x00A;;;\n"
    report = run(school, leader, text)
    assert report.ok, [row.messages for row in report.rows]
    zoe = StudentNumber.objects.get(school=school, number="1001").person
    assert (zoe.first_name, zoe.class_name) == ("Zoë", "2A")


def test_an_email_address_too_long_to_keep_is_refused_and_nothing_is_written(client, school, leader):
    too_long = "a" * 250 + "@example.org"  # passes validate_email, but the column holds 254 characters
    text = HEADER + f"\n1001;Zoë;;Dijk;03-04-2012;2A;Anouk;Dijk;{too_long}\n"
    report = run(school, leader, text)
    assert not report.ok and outcomes(report) == [(2, "refused")]
    assert "e-mail" in " ".join(report.rows[0].messages)
    assert people(school) == 0
    client.force_login(leader)
    response = client.post(reverse("consent:import", args=[school.pk]), {"file": SimpleUploadedFile("export.csv", text.encode())})
    assert response.status_code == 400 and people(school) == 0
