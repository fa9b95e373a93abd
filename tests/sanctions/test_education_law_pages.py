"""Education law on pupils' sanctions over HTTP: refusals at the field with everything typed kept, the letter,
the duties register and its exports, the hearing, the search clock, the letters page and withdrawing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from incidents.models import InvolvementRole
from portal.models import Role
from sanctions import services
from sanctions.models import DecisionLetter, Duty, Hearing, LetterTemplate, Sanction
from tests.exports.support import csv_rows, pdf_pages, xlsx_rows
from tests.factories import IncidentFactory, member

from .support import dossier_url, hear, impose, involve, measure, sanction_url, section

pytestmark = pytest.mark.django_db

AMSTERDAM = timezone.get_default_timezone()


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=AMSTERDAM), tick=False)
    return datetime.date(2026, 3, 10)


@pytest.fixture
def board_admin(school):
    return member(Role.ADMIN, board=school.board)


def test_a_suspension_of_six_days_is_refused_at_the_field_with_everything_kept(client, today, leader, pupil):
    client.force_login(leader)
    url = reverse("sanctions:create") + f"?person={pupil.pk}"
    response = client.post(url, {
        "sanction-measure": measure("pupil", "suspension").pk, "sanction-decision": "Zes dagen thuis.",
        "sanction-reasoning": "Bedreiging van een docent.", "sanction-starts_on": "2026-03-12", "sanction-days": "6",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["days"] == [
        "Een schorsing duurt ten hoogste 5 schooldagen (één week); vul 5 of minder in."]
    html = response.content.decode()
    assert "Zes dagen thuis." in html and "Bedreiging van een docent." in html and 'value="6"' in html
    assert not Sanction.objects.exists()

    response = client.post(url, {
        "sanction-measure": measure("pupil", "suspension").pk, "sanction-decision": "Drie dagen thuis.",
        "sanction-reasoning": "Bedreiging van een docent.", "sanction-starts_on": "2026-03-12", "sanction-days": "3",
    })
    sanction = Sanction.objects.get()
    assert response.status_code == 302 and sanction.ends_on == datetime.date(2026, 3, 16)
    page = client.get(sanction_url(sanction)).content.decode()
    assert "12 mrt 2026 – 16 mrt 2026 (3 schooldagen)" in section(page, "sanction-dates")
    assert "Wacht tot de besluitbrief is verstuurd" in section(page, "sanction-state")


def test_the_letter_is_made_downloaded_and_recorded_as_sent_on_the_page(client, today, leader, pupil):
    sanction = impose(pupil, leader, "suspension", days=2, starts_on=today)
    services.sanction_record_guardian_contact(sanction=sanction, actor=leader, how="Gebeld.",
                                              contacted_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(leader)
    assert client.post(reverse("sanctions:letter_make", args=[sanction.pk])).status_code == 302
    letter = DecisionLetter.objects.get()
    pdf = client.get(reverse("sanctions:correspondence_file", args=[letter.document.token]))
    assert pupil.full_name in " ".join(pdf_pages(pdf))
    dossier = client.get(dossier_url(pupil)).content.decode()
    assert escape(letter.subject) in dossier, "the letter is correspondence in the pupil's dossier"

    url = reverse("sanctions:letter_sent", args=[letter.pk])
    prefix = f"sent-{letter.pk}"
    response = client.post(url, {f"{prefix}-sent_at": "2026-03-11T09:00", f"{prefix}-sent_how": "post",
                                 f"{prefix}-sent_to": "Beide ouders, huisadres"})
    assert response.status_code == 400, "not in the future"
    html = section(response.content.decode(), "decision-letter")
    assert 'value="2026-03-11T09:00"' in html and "Beide ouders, huisadres" in html
    response = client.post(url, {f"{prefix}-sent_at": "2026-03-10T10:00", f"{prefix}-sent_how": "email",
                                 f"{prefix}-sent_to": "Beide ouders"})
    assert response.status_code == 302
    page = client.get(sanction_url(sanction)).content.decode()
    assert "Van kracht" in section(page, "sanction-state")
    assert "Besluitbrief verstuurd" in section(page, "sanction-history")


def test_the_board_is_refused_a_removal_without_the_hearing_on_the_page(client, today, leader, board_member, pupil):
    removal = impose(pupil, leader, "removal")
    client.force_login(board_member)
    page = client.get(sanction_url(removal)).content.decode()
    assert "Nog niet gehoord:" in section(page, "not-heard")
    response = client.post(sanction_url(removal, "decide"), {"decide-approve": "yes", "decide-reason": "Akkoord."})
    assert response.status_code == 400
    assert "Leg eerst het horen vast en besluit dan." in response.content.decode()
    assert "Akkoord." in section(response.content.decode(), "decide")

    hearing_url = reverse("sanctions:hearing", args=[removal.pk])
    response = client.post(hearing_url, {"hearing-held_at": "2026-03-09T15:00", "hearing-heard_pupil": "on",
                                         "hearing-present": "Leerling en mentor", "hearing-summary": "a\x00b"})
    assert response.status_code == 400 and "Leerling en mentor" in section(response.content.decode(), "hearings")
    response = client.post(hearing_url, {"hearing-held_at": "2026-03-09T15:00", "hearing-heard_pupil": "on",
                                         "hearing-heard_guardians": "on", "hearing-heard_teacher": "on",
                                         "hearing-present": "Leerling, ouders, mentor", "hearing-summary": "Gehoord."})
    assert response.status_code == 302 and Hearing.objects.count() == 1
    response = client.post(sanction_url(removal, "decide"), {"decide-approve": "yes", "decide-reason": "Akkoord."})
    assert response.status_code == 302
    assert sorted(Duty.objects.values_list("recipient", flat=True)) == ["inspectie", "leerplicht"]


def test_the_search_clock_shows_on_the_sanction_and_the_dossier(client, today, leader, board_member, pupil):
    removal = hear(impose(pupil, leader, "removal"), leader)
    services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    client.force_login(leader)
    page = client.get(sanction_url(removal)).content.decode()
    assert "5 mei 2026" in section(page, "search-clock")
    assert "Zoekt een andere school tot 5 mei 2026" in client.get(dossier_url(pupil)).content.decode()
    response = client.post(reverse("sanctions:admission", args=[removal.pk]),
                           {"admission-admitted_by": "Het Anker", "admission-admitted_on": "2026-03-20"})
    assert response.status_code == 400, "not in the future"
    assert "Het Anker" in section(response.content.decode(), "admission")
    response = client.post(reverse("sanctions:admission", args=[removal.pk]),
                           {"admission-admitted_by": "Het Anker", "admission-admitted_on": "2026-03-10"})
    assert response.status_code == 302
    assert section(client.get(sanction_url(removal)).content.decode(), "search-clock") is None


def test_the_duties_register_is_scoped_and_exported(client, today, school, sister_school, leader, board_member, pupil):
    from tests.factories import PersonFactory

    duty = impose(pupil, leader, "suspension", days=3).duties.get()
    sister_leader = member(Role.SCHOOL_LEADER, school=sister_school)
    sister_pupil = PersonFactory(school=sister_school, last_name="Zusterschool")
    impose(sister_pupil, sister_leader, "suspension", days=2)

    client.force_login(leader)
    register = client.get(reverse("sanctions:duties")).content.decode()
    assert pupil.full_name in register and "Zusterschool" not in register
    rows = csv_rows(client.get(reverse("sanctions:duties"), {"export": "csv"}))
    assert rows[0][:3] == ["Melden aan", "Vanwege", "Leerling"] and len(rows) == 2
    assert rows[1][2] == pupil.full_name and rows[1][5] == "2026-03-12"
    assert len(xlsx_rows(client.get(reverse("sanctions:duties"), {"export": "xlsx"}))) == 2

    client.force_login(board_member)
    assert len(csv_rows(client.get(reverse("sanctions:duties"), {"export": "csv", "state": "open"}))) == 3

    client.force_login(sister_leader)
    assert client.get(reverse("sanctions:duty", args=[duty.pk])).status_code == 404

    client.force_login(leader)
    url = reverse("sanctions:duty", args=[duty.pk])
    response = client.post(url, {"done-done_on": "2026-03-10", "done-reference": ""})
    assert response.status_code == 400 and 'value="2026-03-10"' in section(response.content.decode(), "done")
    assert client.post(url, {"done-done_on": "2026-03-10", "done-reference": "ISD-77"}).status_code == 302
    response = client.post(reverse("sanctions:duty_correct", args=[duty.pk]),
                           {"correct-done_on": "2026-03-10", "correct-reference": "ISD-78", "correct-reason": ""})
    assert response.status_code == 400 and "ISD-78" in section(response.content.decode(), "correct")
    response = client.post(reverse("sanctions:duty_correct", args=[duty.pk]),
                           {"correct-done_on": "2026-03-10", "correct-reference": "ISD-78",
                            "correct-reason": "Verkeerd kenmerk."})
    assert response.status_code == 302
    history = section(client.get(url).content.decode(), "duty-history")
    assert "ISD-77" in history and "ISD-78" in history and "Verkeerd kenmerk." in history


def test_the_boards_administrator_words_the_letters(client, school, leader, board_admin):
    url = reverse("sanctions:letter_template", args=[school.board.pk, "suspension"])
    client.force_login(leader)
    assert client.get(url).status_code == 403
    client.force_login(board_admin)
    page = client.get(url).content.decode()
    assert "Besluit tot schorsing van {{ leerling }}" in page and "{{ aantal_dagen }}" in section(page, "placeholders")
    data = {"subject": "Schorsing {{ leerling }}", "body": "Beste {{ ouders }},\nTekst.", "objection_to": "Het bestuur"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Onbekende invulplek: {{ ouders }}" in response.content.decode()
    assert "Beste {{ ouders }}," in response.content.decode()
    data["body"] = "Beste ouders van {{ leerling }},\nTekst."
    assert client.post(url, data).status_code == 302
    template = LetterTemplate.objects.get(board=school.board, kind="suspension")
    assert (template.body, template.updated_by) == ("Beste ouders van {{ leerling }},\nTekst.", board_admin)
    assert "Schorsing {{ leerling }}" in client.get(reverse("sanctions:letter_templates", args=[school.board.pk])).content.decode()


def test_a_sanction_withdrawn_on_the_page_stays_struck_through(client, today, school, leader, pupil):
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, InvolvementRole.PERPETRATOR, leader)
    sanction = impose(pupil, leader, "warning", incident=incident)
    client.force_login(leader)
    response = client.post(reverse("sanctions:withdraw", args=[sanction.pk]), {"withdraw-reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("sanctions:withdraw", args=[sanction.pk]),
                           {"withdraw-reason": "Verkeerde leerling gekozen."})
    assert response.status_code == 302
    page = client.get(sanction_url(sanction)).content.decode()
    assert "Verkeerde leerling gekozen." in section(page, "sanction-withdrawn")
    dossier = client.get(dossier_url(pupil)).content.decode()
    assert '<del class="withdrawn">' in dossier and "Verkeerde leerling gekozen." in dossier
    case = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Verkeerde leerling gekozen." in case


def test_a_withdrawn_sanction_and_an_open_duty_read_as_such_apart_from_consent_and_the_inbox(
        client, today, school, leader, pupil, dutch):
    """"Withdrawn" and "Open" name a sanction's or a duty's status here; consent has its own withdrawal ("Toestemming
    ingetrokken") and the inbox its button ("Openen")."""
    from tests.consent.support import grant, purposes_of, refuse

    withdrawn = impose(pupil, leader, "warning")
    services.sanction_withdraw(sanction=withdrawn, actor=leader, reason="Dubbel vastgelegd.")
    duty = impose(pupil, leader, "suspension", days=2).duties.get()
    client.force_login(leader)
    page = client.get(sanction_url(withdrawn)).content.decode()
    assert "Ingetrokken" in page and "Toestemming ingetrokken" not in page
    assert "Toestemming ingetrokken" not in client.get(reverse("sanctions:list")).content.decode()
    duty_page = client.get(reverse("sanctions:duty", args=[duty.pk])).content.decode()
    assert 'id="duty-state">Open</span>' in duty_page
    states = dict(client.get(reverse("sanctions:duties")).context["form"].fields["state"].choices)
    assert (states["open"], states["withdrawn"]) == ("Open", "Ingetrokken")

    from portal.models import PersonKind
    from tests.factories import PersonFactory

    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")
    social = purposes_of(school.board)["social_media"]
    grant(teacher, social, actor=leader, by_guardian=False)
    record = refuse(teacher, social, actor=leader, by_guardian=False)
    assert record.is_withdrawal and str(record.answer_label) == "Toestemming ingetrokken"
