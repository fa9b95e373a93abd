"""Importing a board's staff and their roles (CSV or XLSX): checked first, then all or nothing; people missing from
the file are listed for the administrator, never ended by the import; audit-logged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from portal.forms import StaffImportForm
from portal.models import AuditEvent, Membership, Role, User
from portal.staff_import import staff_import, staff_import_plan

from ..factories import SchoolFactory, member
from ..tabular import OLD_XLS, xlsx_bytes, zip_bomb_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(school):
    return member(Role.ADMIN, board=school.board, email="beheer@bestuur.example")


def csv_file(*rows):
    return ("\n".join(["naam;email;school;rol", *rows]) + "\n").encode()


def outcomes(report):
    return [(row.line, row.outcome) for row in report.rows]


def test_a_good_file_makes_accounts_and_roles(dutch, school, sister_school, admin):
    school.brin = "12AB"
    school.save()
    data = csv_file(
        f"Jan van Dijk;Jan.van.Dijk@school.example;{school.name};medewerker",
        "Jan van Dijk;jan.van.dijk@school.example;12ab;Schoolleider",  # the BRIN code, and a second role
        "Fatima El Amrani;fatima@school.example;De Horizon;schoolleider",
        "Piet Privé;fg@bestuur.example;;FG",
        "Vera Vertrouwd;vp@bestuur.example;;vertrouwenspersoon",
    )
    report = staff_import(board=school.board, actor=admin, data=data)
    assert report.ok and outcomes(report) == [(2, "created"), (3, "created"), (4, "created"), (5, "created"), (6, "created")]
    jan = User.objects.get(email="jan.van.dijk@school.example")
    assert (jan.first_name, jan.last_name, jan.has_usable_password()) == ("Jan", "van Dijk", False)
    assert sorted(jan.memberships.values_list("role", "school__name")) == [
        (Role.SCHOOL_LEADER, school.name), (Role.STAFF, school.name)]
    assert Membership.objects.get(user__email="fg@bestuur.example").school is None
    event = AuditEvent.objects.get(action="staff.import")
    assert event.actor == admin and event.board == school.board
    assert event.detail["created"] == 5 and event.detail["accounts_created"] == 4


def test_importing_again_changes_nothing_and_a_new_name_is_an_update(school, admin):
    data = csv_file(f"Jan van Dijk;jan@school.example;{school.name};medewerker")
    staff_import(board=school.board, actor=admin, data=data)
    again = staff_import(board=school.board, actor=admin, data=data)
    assert outcomes(again) == [(2, "unchanged")] and Membership.objects.filter(user__email="jan@school.example").count() == 1
    renamed = staff_import(board=school.board, actor=admin, data=csv_file(f"Jan de Vries;jan@school.example;{school.name};medewerker"))
    assert outcomes(renamed) == [(2, "updated")]
    assert User.objects.get(email="jan@school.example").last_name == "de Vries"


def test_people_missing_from_the_file_are_listed_and_keep_their_role(dutch, school, sister_school, admin):
    leaving = member(Role.STAFF, school=school, email="weg@school.example")
    elsewhere = member(Role.STAFF, school=sister_school, email="horizon@school.example")  # a school not in the file
    report = staff_import(board=school.board, actor=admin, data=csv_file(f"Jan van Dijk;jan@school.example;{school.name};medewerker"))
    assert report.ok
    assert [m.user for m in report.missing] == [leaving]
    assert Membership.objects.active().filter(user=leaving).exists() and Membership.objects.active().filter(user=elsewhere).exists()


def test_the_missing_are_shown_on_the_page_with_where_to_end_them(client, dutch, school, admin):
    leaving = member(Role.STAFF, school=school, email="weg@school.example")
    client.force_login(admin)
    response = client.post(reverse("staff_import"), {"file": SimpleUploadedFile(
        "medewerkers.csv", csv_file(f"Jan van Dijk;jan@school.example;{school.name};medewerker")), "dry_run": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "weg@school.example" in page
    assert reverse("admin:portal_user_change", args=[leaving.pk]) in page
    assert not User.objects.filter(email="jan@school.example").exists()  # a dry run


@pytest.mark.parametrize("row, message", [
    ("Jan;jan@school.example;{school};conciërge", "De rol “conciërge” is onbekend."),
    ("Jan;jan@school.example;Onbekende School;medewerker", "Er is geen school “Onbekende School” in dit bestuur."),
    ("Jan;jan@school.example;;schoolleider", "Een schoolleider hoort bij een school: vul de school in."),
    ("Jan;fg@school.example;{school};fg", "Een functionaris gegevensbescherming (fg) werkt voor het hele bestuur: laat de school leeg."),
    ("Jan;geen-adres;{school};medewerker", "Het e-mailadres “geen-adres” is ongeldig."),
    (";jan@school.example;{school};medewerker", "De naam ontbreekt."),
    ("Jan\x07;jan@school.example;{school};medewerker", "Deze regel bevat een onzichtbaar stuurteken."),
])
def test_a_bad_row_refuses_the_whole_file(dutch, school, admin, row, message):
    data = csv_file(f"Piet Goed;piet@school.example;{school.name};medewerker", row.format(school=school.name))
    report = staff_import(board=school.board, actor=admin, data=data)
    assert not report.ok and outcomes(report) == [(2, "in_order"), (3, "refused")]
    assert any(m.startswith(message) for m in report.rows[1].messages), report.rows[1].messages
    assert not User.objects.filter(email__endswith="@school.example").exists()
    assert not AuditEvent.objects.filter(action="staff.import").exists()


def test_another_boards_school_is_not_found(dutch, school, admin):
    foreign = SchoolFactory(name="Ander College")
    report = staff_import(board=school.board, actor=admin, data=csv_file(f"Jan;jan@school.example;{foreign.name};medewerker"))
    assert report.rows[0].outcome == "refused" and not Membership.objects.filter(school=foreign).exists()


def test_a_workbook_is_read_like_the_csv_file(school, admin):
    data = xlsx_bytes([["Naam", "E-mail", "School", "Rol"], ["Jan van Dijk", "jan@school.example", school.name, "medewerker"]])
    report = staff_import(board=school.board, actor=admin, data=data)
    assert report.ok and report.encoding == "XLSX"
    assert Membership.objects.filter(user__email="jan@school.example", school=school, role=Role.STAFF).exists()


def test_only_the_boards_administrator_imports(client, school, leader):
    client.force_login(leader)
    assert client.get(reverse("staff_import")).status_code == 403
    with pytest.raises(Exception):
        staff_import(board=school.board, actor=leader, data=csv_file())


@pytest.mark.parametrize("name, content, message", [
    ("medewerkers.xls", OLD_XLS, "Dit is een oud Excel-bestand (.xls)."),
    ("medewerkers.xlsx", zip_bomb_bytes(), "Dit XLSX-bestand pakt uit tot veel meer dan het weegt"),
    ("medewerkers.csv", b"naam;email\nJan;jan@school.example\n", "Deze verplichte kolommen ontbreken: school, rol."),
])
def test_what_is_no_staff_list_is_refused_at_the_field(client, dutch, school, admin, name, content, message):
    client.force_login(admin)
    response = client.post(reverse("staff_import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any(error.startswith(message) for error in errors), errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=4096), st.binary(max_size=2048).map(lambda tail: b"PK\x03\x04" + tail),
                      st.text(max_size=500).map(lambda text: ("naam;email;school;rol\n" + text).encode())))
def test_any_bytes_get_an_answer_at_the_field_or_a_report(school, data):
    form = StaffImportForm(data={}, files={"file": SimpleUploadedFile("medewerkers.csv", data)})
    if not form.is_valid():
        assert form.errors["file"]
        return
    report = staff_import_plan(board=school.board, data=data)
    assert report.errors or report.rows


def test_an_account_of_another_board_too_keeps_its_name(dutch, school, admin):
    other_board_school = SchoolFactory(name="Ander College")
    shared = member(Role.STAFF, school=other_board_school, email="gedeeld@school.example", first_name="Els", last_name="Oud")
    report = staff_import(board=school.board, actor=admin, data=csv_file(f"Els Nieuw;gedeeld@school.example;{school.name};medewerker"))
    assert report.ok and outcomes(report) == [(2, "created")]
    assert "blijft staan" in " ".join(report.rows[0].messages)
    shared.refresh_from_db()
    assert shared.last_name == "Oud" and Membership.objects.filter(user=shared, school=school).exists()
