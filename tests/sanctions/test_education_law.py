"""Education law on pupils' sanctions (Inrichtingsbesluit WVO art. 13-14, WPO art. 40-40a), at the service level.

- A suspension lasts at most five school days; its end date follows from the school days (weekends skipped; public
  holidays and the school's closed periods too: tests/sanctions/test_school_calendar.py).
- Suspension and removal take effect only once their decision letter is sent; a removal also only once another
  school's admission is recorded.
- The decision letter is made from the board's template, kept as it was made, and stored in the dossier.
- A suspension of more than a day opens a duty to report to the Inspectie; an approved removal one to the Inspectie
  and one to the leerplichtambtenaar. Reminders (Celery beat) until done.
- The board decides a removal only after the hearing of pupil, guardians and teacher.
- Sanctions and their records are withdrawn, never erased.
"""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from incidents.models import CaseEvent, CaseEventKind, InvolvementRole
from incidents.selectors import incident_records, incident_timeline
from portal.models import Notification, PersonKind, Role
from sanctions import schooldays, services, tasks
from sanctions.models import (
    Correspondence, DecisionLetter, Duty, LetterTemplate, Sanction, SanctionStatus,
)
from tests.exports.support import flat, pdf_pages
from tests.factories import IncidentFactory, PersonFactory, member

from .support import hear, impose, involve

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 3, 9)
THURSDAY = datetime.date(2026, 3, 12)
SATURDAY = datetime.date(2026, 3, 14)
AMSTERDAM = timezone.get_default_timezone()


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


def fields_of(error):
    return set(error.value.message_dict)


@pytest.fixture
def board_admin(school):
    return member(Role.ADMIN, board=school.board)


@pytest.fixture
def today(time_machine):
    """Tuesday 10 March 2026, 10:00 in Amsterdam."""
    time_machine.move_to(at(datetime.date(2026, 3, 10)), tick=False)
    return datetime.date(2026, 3, 10)


def send(letter, actor, when=None):
    return services.letter_record_sent(letter=letter, actor=actor, sent_at=when or timezone.now(), sent_how="post",
                                       sent_to="De leerling en beide ouders")


def contact(sanction, actor):
    """The guardians' contact that the demo board's protocol (004 rule 12) asks for too."""
    services.sanction_record_guardian_contact(sanction=sanction, actor=actor, how="Gebeld met de moeder.",
                                              contacted_at=timezone.now() - datetime.timedelta(minutes=30))
    sanction.refresh_from_db()
    return sanction


# School days and the suspension's length -------------------------------------------------------------------

def test_the_end_date_skips_the_weekend(school):
    """Mid-March 2026 holds no public holiday: only the weekend is skipped (holidays and closed periods:
    tests/sanctions/test_school_calendar.py)."""
    assert schooldays.suspension_last_day(school, THURSDAY, 3) == datetime.date(2026, 3, 16)  # Thu, Fri, Mon
    assert schooldays.suspension_last_day(school, SATURDAY, 1) == datetime.date(2026, 3, 16)  # from the Monday after
    assert schooldays.suspension_last_day(school, MONDAY, 5) == datetime.date(2026, 3, 13)


def test_more_than_five_school_days_is_refused_at_the_field(leader, pupil, dutch):
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "suspension", days=6, starts_on=MONDAY)
    assert fields_of(error) == {"days"}
    assert error.value.message_dict["days"] == ["Een schorsing duurt ten hoogste 5 schooldagen (één week); vul 5 of "
                                                "minder in."]
    assert not Sanction.objects.exists()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(min_value=1, max_value=366),
       start=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)))
def test_the_suspension_rule_over_every_length(leader, pupil, days, start):
    from django.db import transaction

    with transaction.atomic():
        if days > schooldays.MAX_SUSPENSION_SCHOOL_DAYS:
            with pytest.raises(ValidationError) as error:
                impose(pupil, leader, "suspension", days=days, starts_on=start)
            assert "days" in fields_of(error)
        else:
            sanction = impose(pupil, leader, "suspension", days=days, starts_on=start)
            assert sanction.ends_on == schooldays.suspension_last_day(pupil.school, start, days)
            assert sanction.legal_kind == "suspension"
        transaction.set_rollback(True)


def test_a_typed_end_date_does_not_count_for_a_suspension(leader, pupil):
    sanction = impose(pupil, leader, "suspension", days=2, starts_on=THURSDAY, ends_on=datetime.date(2026, 3, 1))
    assert sanction.ends_on == datetime.date(2026, 3, 13)


def test_a_staff_suspension_keeps_the_protocols_rules(leader, staff_person):
    """No CAO rules: a staff member's suspension is not bound to five school days, has no letter or duty."""
    sanction = impose(staff_person, leader, "suspension", days=10, starts_on=MONDAY)
    assert sanction.legal_kind == "" and sanction.days == 10
    assert sanction.effective_from == MONDAY
    assert not sanction.duties.exists()


# The decision letter and the effect ------------------------------------------------------------------------

def test_a_suspension_takes_effect_once_its_letter_is_sent(today, leader, pupil, dutch):
    sanction = impose(pupil, leader, "suspension", days=2, starts_on=today)
    assert sanction.status == SanctionStatus.DECIDED and sanction.effective_from is None
    assert "Wacht tot de besluitbrief is verstuurd" in str(sanction.state_label)
    contact(sanction, leader)
    letter = services.letter_make(sanction=sanction, actor=leader)
    sanction.refresh_from_db()
    assert sanction.effective_from is None, "made is not sent"
    send(letter, leader)
    sanction.refresh_from_db()
    assert sanction.effective_from == today and str(sanction.state_label) == "Van kracht"


def test_the_letter_is_made_from_the_template_and_stored_in_the_dossier(today, school, leader, pupil):
    sanction = impose(pupil, leader, "suspension", days=3, starts_on=THURSDAY, decision="Drie dagen thuis.",
                      reasoning="Dreigende berichten aan een docent.")
    letter = services.letter_make(sanction=sanction, actor=leader)
    document = letter.document
    assert document.person == pupil and document.sanction == sanction and document.content_type == "application/pdf"
    assert Correspondence.objects.filter(person=pupil).count() == 1
    with document.file.open("rb") as handle:
        text = flat(" ".join(pdf_pages(handle.read())))
    for expected in (pupil.full_name, school.name, "12 maart 2026", "16 maart 2026", "Drie dagen thuis.",
                     "Dreigende berichten aan een docent.", "bezwaar", f"Het bestuur van {school.board.name}"):
        assert expected in text, expected
    assert letter.objection_to == f"Het bestuur van {school.board.name}"
    assert pupil.full_name in letter.body and "{{" not in letter.body


def test_a_template_change_never_alters_a_letter_already_made(today, school, leader, pupil, board_admin):
    sanction = impose(pupil, leader, "suspension", days=2, starts_on=today)
    first = services.letter_make(sanction=sanction, actor=leader)
    send(first, leader)
    with first.document.file.open("rb") as handle:
        first_pdf = handle.read()
    services.letter_template_save(board=school.board, actor=board_admin, kind="suspension",
                                  subject="Nieuw onderwerp voor {{ leerling }}", body="Nieuwe tekst. {{ reden }}",
                                  objection_to="De geschillencommissie")
    first.refresh_from_db()
    assert first.subject.startswith("Besluit tot schorsing") and "Nieuwe tekst" not in first.body
    with first.document.file.open("rb") as handle:
        assert handle.read() == first_pdf

    services.record_withdraw(record=first, actor=leader, reason="Verkeerd adres.")
    second = services.letter_make(sanction=sanction, actor=leader)
    assert second.subject == f"Nieuw onderwerp voor {pupil.full_name}"
    assert second.body == f"Nieuwe tekst. {sanction.reasoning}" and second.objection_to == "De geschillencommissie"


def test_a_withdrawn_letter_no_longer_counts_as_sent(today, leader, pupil):
    sanction = contact(impose(pupil, leader, "suspension", days=2, starts_on=today), leader)
    letter = services.letter_make(sanction=sanction, actor=leader)
    send(letter, leader)
    with pytest.raises(ValidationError):
        services.letter_make(sanction=sanction, actor=leader)  # one current letter
    services.record_withdraw(record=letter, actor=leader, reason="Naar het verkeerde adres gestuurd.")
    sanction.refresh_from_db()
    letter.refresh_from_db()
    assert sanction.letter_sent_at is None and sanction.effective_from is None
    assert (letter.withdrawn_by, letter.withdrawal_reason) == (leader, "Naar het verkeerde adres gestuurd.")
    assert DecisionLetter.objects.filter(pk=letter.pk).exists() and Correspondence.objects.filter(pk=letter.document_id).exists()
    send(services.letter_make(sanction=sanction, actor=leader), leader)
    sanction.refresh_from_db()
    assert sanction.effective_from == today


def test_sending_is_recorded_once_with_when_and_how(today, leader, pupil, dutch):
    sanction = impose(pupil, leader, "suspension", days=2, starts_on=today)
    letter = services.letter_make(sanction=sanction, actor=leader)
    with pytest.raises(ValidationError) as error:
        services.letter_record_sent(letter=letter, actor=leader, sent_at=timezone.now() + datetime.timedelta(days=1),
                                    sent_how="", sent_to=" ")
    assert fields_of(error) == {"sent_at", "sent_how", "sent_to"}
    with pytest.raises(ValidationError) as error:
        services.letter_record_sent(letter=letter, actor=leader, sent_at=timezone.now() - datetime.timedelta(days=2),
                                    sent_how="post", sent_to="Ouders")
    assert fields_of(error) == {"sent_at"}, "not before the letter was made"
    send(letter, leader)
    with pytest.raises(ValidationError):
        send(letter, leader)


def test_letters_are_for_decided_pupils_measures(leader, pupil, staff_person):
    with pytest.raises(ValidationError):
        services.letter_make(sanction=impose(staff_person, leader, "reprimand"), actor=leader)
    with pytest.raises(ValidationError):
        services.letter_make(sanction=impose(pupil, leader, "removal"), actor=leader)  # not decided yet
    letter = services.letter_make(sanction=impose(pupil, leader, "warning"), actor=leader)
    assert letter.kind == "measure" and "Waarschuwing" in letter.subject


def test_only_the_school_leader_or_board_makes_letters(leader, pupil, sister_school):
    sanction = impose(pupil, leader, "suspension", days=2)
    for user in (member(Role.SCHOOL_LEADER, school=sister_school), member(Role.ADMIN, board=pupil.school.board)):
        with pytest.raises(PermissionDenied):
            services.letter_make(sanction=sanction, actor=user)
    assert not DecisionLetter.objects.exists()


def test_the_template_refuses_unknown_placeholders(school, board_admin, leader, dutch):
    with pytest.raises(ValidationError) as error:
        services.letter_template_save(board=school.board, actor=board_admin, kind="removal", subject="{{ leerling }}",
                                      body="Beste {{ ouder }}, {{ leerling.__class__ }}", objection_to="Het bestuur")
    assert fields_of(error) == {"body"}
    assert "{{ ouder }}" in error.value.message_dict["body"][0]
    with pytest.raises(PermissionDenied):
        services.letter_template_save(board=school.board, actor=leader, kind="removal", subject="x", body="y",
                                      objection_to="z")
    assert not LetterTemplate.objects.exists()


# Duties to the Inspectie and the leerplichtambtenaar --------------------------------------------------------

def test_a_suspension_of_more_than_one_day_opens_a_duty_to_the_inspectie(today, leader, pupil):
    assert not impose(pupil, leader, "suspension", days=1).duties.exists()
    sanction = impose(pupil, leader, "suspension", days=2)
    duty = sanction.duties.get()
    assert (duty.recipient, duty.reason, duty.school) == ("inspectie", "suspension", pupil.school)
    assert duty.due_on == datetime.date(2026, 3, 12)  # two school days after Tuesday
    assert duty.is_open and not duty.is_overdue


def test_the_due_date_counts_school_days(school):
    assert schooldays.duty_due_on(school, datetime.date(2026, 3, 12)) == datetime.date(2026, 3, 16)  # Thu -> Mon


def test_a_duty_is_done_with_date_and_reference_and_corrected_with_a_reason(today, leader, pupil, dutch):
    duty = impose(pupil, leader, "suspension", days=3).duties.get()
    with pytest.raises(ValidationError) as error:
        services.duty_record_done(duty=duty, actor=leader, done_on=today - datetime.timedelta(days=1), reference="")
    assert fields_of(error) == {"done_on", "reference"}, "not before the decision, and with a reference"
    done = services.duty_record_done(duty=duty, actor=leader, done_on=today, reference="ISD-2026-041")
    assert (done.done_on, done.reference, done.done_by) == (today, "ISD-2026-041", leader)
    with pytest.raises(ValidationError):
        services.duty_record_done(duty=duty, actor=leader, done_on=today, reference="ISD-2")
    with pytest.raises(ValidationError) as error:
        services.duty_correct(duty=duty, actor=leader, done_on=today, reference="ISD-2026-014", reason="")
    assert fields_of(error) == {"reason"}
    services.duty_correct(duty=duty, actor=leader, done_on=today, reference="ISD-2026-014", reason="Cijfers omgedraaid.")
    rows = list(duty.history.order_by("history_date", "history_id").values_list("reference", "history_change_reason",
                                                                                "history_user"))
    assert rows[-2:] == [("ISD-2026-041", "", leader.pk), ("ISD-2026-014", "Cijfers omgedraaid.", leader.pk)]


def test_reminders_until_the_duty_is_done(time_machine, school, leader, board_member, sister_school, pupil):
    sister_leader = member(Role.SCHOOL_LEADER, school=sister_school)
    time_machine.move_to(at(datetime.date(2026, 3, 10)), tick=False)  # Tuesday: due Thursday
    duty = impose(pupil, leader, "suspension", days=2).duties.get()

    def reminded():
        return sorted(Notification.objects.filter(kind="duty_due").values_list("recipient_id", flat=True))

    assert tasks.remind_sanction_duties() == 0 and reminded() == [], "not yet: due on Thursday"
    time_machine.move_to(at(datetime.date(2026, 3, 11), 7), tick=False)  # the day before
    assert tasks.remind_sanction_duties() == 2
    assert tasks.remind_sanction_duties() == 0, "once a day"
    assert reminded() == sorted([leader.pk, board_member.pk]) and sister_leader.pk not in reminded()
    note = Notification.objects.filter(kind="duty_due").first()
    assert note.url == f"/meldplichten/{duty.pk}/" and pupil.last_name not in note.subject + note.body
    time_machine.move_to(at(datetime.date(2026, 3, 13), 7), tick=False)  # overdue: again
    assert tasks.remind_sanction_duties() == 2
    services.duty_record_done(duty=duty, actor=leader, done_on=datetime.date(2026, 3, 13), reference="ISD-1")
    time_machine.move_to(at(datetime.date(2026, 3, 16), 7), tick=False)
    assert tasks.remind_sanction_duties() == 0


def test_the_reminders_run_daily_on_the_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["sanction-duties"]
    assert entry["task"] == tasks.remind_sanction_duties.name == "sanctions.tasks.remind_sanction_duties"


# Removal ---------------------------------------------------------------------------------------------------

@pytest.fixture
def removal(today, leader, pupil):
    return impose(pupil, leader, "removal", decision="Verwijdering van school.", reasoning="Ernstige bedreigingen.")


def test_the_board_cannot_approve_a_removal_before_the_hearing(leader, board_member, removal, dutch):
    with pytest.raises(ValidationError) as error:
        services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    assert error.value.messages == [
        "Voordat het bestuur over een verwijdering besluit, hoort het de leerling, de ouders/verzorgers en de "
        "betrokken leraar. Nog niet gehoord: de leerling, de ouders/verzorgers en de betrokken leraar. Leg eerst het "
        "horen vast en besluit dan."]
    hear(removal, leader, heard_guardians=False, heard_teacher=False)
    with pytest.raises(ValidationError) as error:
        services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    assert "Nog niet gehoord: de ouders/verzorgers en de betrokken leraar." in error.value.messages[0]
    removal.refresh_from_db()
    assert removal.status == SanctionStatus.PROPOSED and not removal.duties.exists()

    # A hearing recorded in error and withdrawn does not count.
    hearing = services.hearing_record(sanction=removal, actor=leader, held_at=timezone.now(), heard_guardians=True,
                                      heard_teacher=True, present="Ouders en mentor", summary="Gehoord.")
    services.record_withdraw(record=hearing, actor=leader, reason="Dit was een ander gesprek.")
    with pytest.raises(ValidationError):
        services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")

    hear(removal, leader, heard_pupil=False)
    decided = services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    assert decided.status == SanctionStatus.DECIDED


def test_rejecting_needs_no_hearing(board_member, removal):
    assert services.sanction_decide(sanction=removal, actor=board_member, approve=False, reason="Eerst schorsen.").status == "rejected"


def test_a_hearing_is_for_a_proposed_removal(leader, pupil, board_member, removal):
    with pytest.raises(ValidationError):
        hear(impose(pupil, leader, "warning"), leader)
    with pytest.raises(ValidationError) as error:
        services.hearing_record(sanction=removal, actor=leader, held_at=timezone.now(), present="", summary="")
    assert fields_of(error) == {"heard_pupil", "present", "summary"}
    hear(removal, leader)
    services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    with pytest.raises(ValidationError):
        hear(removal, leader)


def test_after_approval_the_duties_open_and_the_removal_waits_for_letter_and_admission(
        time_machine, leader, board_member, removal, dutch):
    time_machine.move_to(at(datetime.date(2026, 3, 10)), tick=False)
    hear(removal, leader)
    decided = services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Na het horen.")
    assert sorted(decided.duties.values_list("recipient", flat=True)) == ["inspectie", "leerplicht"]
    assert decided.search_ends_on == datetime.date(2026, 5, 5) and decided.search_open
    assert decided.effective_from is None
    assert str(decided.state_label).endswith("Wacht tot de besluitbrief is verstuurd; Wacht tot een andere school de "
                                             "leerling toelaat")
    contact(decided, leader)
    letter = services.letter_make(sanction=decided, actor=leader)
    assert letter.kind == "removal" and "Na het horen." in letter.body and "acht weken" in letter.body
    send(letter, leader)
    decided.refresh_from_db()
    assert decided.effective_from is None and decided.waiting_for == [
        "Wacht tot een andere school de leerling toelaat"]

    with pytest.raises(ValidationError):
        services.admission_record(sanction=decided, actor=leader, school_name="Het Anker",
                                  admitted_on=datetime.date(2026, 3, 9))  # before the decision
    time_machine.move_to(at(datetime.date(2026, 4, 1)), tick=False)
    services.admission_record(sanction=decided, actor=leader, school_name="Het Anker",
                              admitted_on=datetime.date(2026, 3, 30))
    decided.refresh_from_db()
    assert decided.effective_from == datetime.date(2026, 3, 30) and not decided.search_open
    with pytest.raises(ValidationError):
        services.admission_record(sanction=decided, actor=leader, school_name="De Brug",
                                  admitted_on=datetime.date(2026, 3, 31))


def test_the_search_clock_reminds_at_weeks_six_seven_and_eight(time_machine, leader, board_member, removal):
    time_machine.move_to(at(datetime.date(2026, 3, 10)), tick=False)
    hear(removal, leader)
    services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    for duty in removal.duties.all():
        services.duty_record_done(duty=duty, actor=leader, done_on=datetime.date(2026, 3, 10), reference="R")

    def search_reminders():
        return Notification.objects.filter(kind="removal_search").count()

    for day, expected in ((datetime.date(2026, 4, 20), 0), (datetime.date(2026, 4, 21), 2),
                          (datetime.date(2026, 4, 25), 2), (datetime.date(2026, 4, 28), 4),
                          (datetime.date(2026, 5, 6), 6), (datetime.date(2026, 5, 20), 6)):
        time_machine.move_to(at(day, 7), tick=False)
        tasks.remind_sanction_duties()
        assert search_reminders() == expected, day
    removal.refresh_from_db()
    assert removal.search_overdue


def test_an_objection_and_its_outcome(today, leader, board_member, pupil, dutch):
    sanction = impose(pupil, leader, "suspension", days=2)
    with pytest.raises(ValidationError):
        services.objection_record(sanction=impose(pupil, leader, "warning"), actor=leader, received_on=today,
                                  lodged_by="Ouders", grounds="Oneens.")
    objection = services.objection_record(sanction=sanction, actor=leader, received_on=today, lodged_by="De vader",
                                          grounds="De schorsing is te zwaar.")
    with pytest.raises(ValidationError) as error:
        services.objection_decide(objection=objection, actor=board_member, outcome="pending",
                                  outcome_on=today - datetime.timedelta(days=1), reasoning="")
    assert fields_of(error) == {"outcome", "outcome_on", "outcome_reasoning"}
    decided = services.objection_decide(objection=objection, actor=board_member, outcome="dismissed", outcome_on=today,
                                        reasoning="De schorsing was redelijk.")
    assert (decided.outcome, decided.outcome_by) == ("dismissed", board_member)
    with pytest.raises(ValidationError):
        services.objection_decide(objection=objection, actor=board_member, outcome="upheld", outcome_on=today,
                                  reasoning="Toch.")


# Withdrawing a sanction ------------------------------------------------------------------------------------

def test_a_sanction_is_withdrawn_with_who_when_why_and_its_open_duties_with_it(today, school, leader, pupil):
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, InvolvementRole.PERPETRATOR, leader)
    sanction = impose(pupil, leader, "suspension", days=2, incident=incident)
    duty = sanction.duties.get()
    with pytest.raises(ValidationError) as error:
        services.sanction_withdraw(sanction=sanction, actor=leader, reason=" ")
    assert fields_of(error) == {"reason"}
    withdrawn = services.sanction_withdraw(sanction=sanction, actor=leader, reason="De verkeerde leerling.")
    assert (withdrawn.status, withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        "withdrawn", leader, "De verkeerde leerling.")
    assert withdrawn.effective_from is None and Sanction.objects.filter(pk=sanction.pk).exists()
    duty.refresh_from_db()
    assert duty.is_withdrawn and not duty.is_open
    with pytest.raises(ValidationError):
        services.sanction_withdraw(sanction=withdrawn, actor=leader, reason="Nog eens.")

    event = CaseEvent.objects.get(incident=incident, kind=CaseEventKind.RECORD_WITHDRAWN)
    assert (event.record_type, event.record_id, event.reason) == ("sanction", sanction.pk, "De verkeerde leerling.")
    timeline = incident_timeline(records=incident_records(incident=incident))
    entry = next(e for e in timeline if e.kind == "sanctions")
    assert entry.withdrawal == event


def test_a_done_duty_stays_when_the_sanction_is_withdrawn(today, leader, pupil):
    sanction = impose(pupil, leader, "suspension", days=2)
    services.duty_record_done(duty=sanction.duties.get(), actor=leader, done_on=today, reference="ISD-9")
    services.sanction_withdraw(sanction=sanction, actor=leader, reason="Bezwaar gegrond.")
    assert Duty.objects.get(sanction=sanction).withdrawn_at is None


def test_the_board_withdraws_what_the_board_decided(leader, board_member, removal):
    hear(removal, leader)
    services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    with pytest.raises(PermissionDenied):
        services.sanction_withdraw(sanction=removal, actor=leader, reason="Toch niet.")
    assert services.sanction_withdraw(sanction=removal, actor=board_member, reason="Bezwaar gegrond.").is_withdrawn
    assert not removal.duties.current().exists()


def test_a_withdrawn_sanction_frees_the_case_link(school, leader, pupil):
    from incidents import services as incident_services

    incident = IncidentFactory(school=school, gathering=True)
    involvement = involve(incident, pupil, InvolvementRole.PERPETRATOR, leader)
    sanction = impose(pupil, leader, "warning", incident=incident)
    with pytest.raises(ValidationError):
        incident_services.record_withdraw(record=involvement, actor=leader,
                                                   reason="Verkeerde leerling.")
    services.sanction_withdraw(sanction=sanction, actor=leader, reason="Verkeerde leerling.")
    incident_services.record_withdraw(record=involvement, actor=leader,
                                               reason="Verkeerde leerling.")


def test_guardians_are_for_pupils_and_a_legal_kind_only_for_pupils(leader, school):
    guardian = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="")
    assert impose(guardian, leader, "warning").legal_kind == ""
