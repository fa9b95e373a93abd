"""Who gets what: each row of incidents.notifications.RULES, resolved from memberships."""

import datetime

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Action, ActionKind, Assignment, AssignmentKind, BreachAssessment, Involvement
from incidents.walkthrough import walk_to
from incidents.workflow import State
from portal.models import Membership, Notification, PersonKind, Role

from ..factories import IncidentFactory, PersonFactory, SchoolFactory, member


def recipients(incident, kind):
    return set(Notification.objects.filter(incident=incident, kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def cast(school, sister_school):
    """Everyone who could be told something, at this school, the sister school and board-wide."""
    return {
        "leader": member(Role.SCHOOL_LEADER, school=school, email="leider@a.nl"),
        "sister_leader": member(Role.SCHOOL_LEADER, school=sister_school, email="leider@b.nl"),
        "staff": member(Role.STAFF, school=school, email="docent@a.nl"),
        "fg": member(Role.PRIVACY_OFFICER, board=school.board, email="fg@bestuur.nl"),
        "board": member(Role.BOARD, board=school.board, email="bestuurder@bestuur.nl"),
        "counsellor": member(Role.COUNSELLOR, board=school.board, email="vp@bestuur.nl"),
        "comms": member(Role.COMMUNICATIONS, board=school.board, email="communicatie@bestuur.nl"),
        "other_board_fg": member(Role.PRIVACY_OFFICER, board=SchoolFactory().board, email="fg@ander.nl"),
    }


@pytest.mark.django_db
def test_a_new_report_goes_to_the_school_leaders_of_that_school_only(school, cast):
    incident = IncidentFactory(school=school, reporter=cast["staff"])
    assert recipients(incident, "incident_reported") == {"leider@a.nl"}
    assert recipients(incident, "privacy_reported") == set()
    assert not BreachAssessment.objects.filter(incident=incident).exists()


@pytest.mark.django_db
def test_an_ended_membership_no_longer_receives(school, cast):
    Membership.objects.filter(user=cast["leader"]).update(ends_on=datetime.date(2020, 1, 1))
    incident = IncidentFactory(school=school, reporter=cast["staff"])
    assert recipients(incident, "incident_reported") == set()


@pytest.mark.django_db
def test_every_report_reads_the_memberships_as_they_are_then(school, cast):
    first = IncidentFactory(school=school, reporter=cast["staff"])
    Membership.objects.filter(user=cast["leader"]).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    member(Role.SCHOOL_LEADER, school=school, email="nieuwe-leider@a.nl")
    second = IncidentFactory(school=school, reporter=cast["staff"])
    assert recipients(first, "incident_reported") == {"leider@a.nl"}
    assert recipients(second, "incident_reported") == {"nieuwe-leider@a.nl"}


@pytest.mark.django_db
@pytest.mark.parametrize("fields", [{"privacy_flag": True}, {"category": "data_breach"}])
def test_a_privacy_report_goes_to_the_fg_at_once_and_opens_the_breach_review(school, cast, fields):
    incident = IncidentFactory(school=school, reporter=cast["staff"], **fields)
    assert recipients(incident, "incident_reported") == {"leider@a.nl"}
    assert recipients(incident, "privacy_reported") == {"fg@bestuur.nl"}
    review = BreachAssessment.objects.get(incident=incident)
    assert review.discovered_at == incident.discovered_at
    assert review.deadline == incident.discovered_at + datetime.timedelta(hours=72)


@pytest.mark.django_db
def test_flagging_privacy_at_triage_tells_the_fg_once(school, cast):
    incident = IncidentFactory(school=school, reporter=cast["staff"])
    for _ in range(2):
        services.incident_triage(incident=incident, actor=cast["leader"], severity="high", category="bullying", privacy_flag=True)
    assert Notification.objects.filter(incident=incident, kind="privacy_reported").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("decision,victim_type,told", [
    ("criminal", "school", True), ("possibly_criminal", "", True), ("not_criminal", "", False),
])
def test_a_suspected_offence_goes_to_the_board(school, cast, decision, victim_type, told):
    incident = IncidentFactory(school=school, reporter=cast["staff"], assessing=True)
    services.incident_decide(incident=incident, actor=cast["leader"], decision=decision, victim_type=victim_type)
    assert recipients(incident, "offence_suspected") == ({"bestuurder@bestuur.nl"} if told else set())


@pytest.mark.django_db
def test_aftercare_goes_to_the_counsellor_and_the_mentor_of_the_victim(school, cast):
    mentor = member(Role.STAFF, school=school, email="mentor@a.nl")
    victim = PersonFactory(school=school, kind=PersonKind.PUPIL, mentor=mentor)
    incident = IncidentFactory(school=school, reporter=cast["staff"], gathering=True)
    services.incident_add_record(incident=incident, actor=cast["leader"], record=Involvement(person=victim, role="victim"))
    walk_to(incident, State.ASSESSING, cast["leader"])

    services.incident_add_record(incident=incident, actor=cast["leader"], record=Action(
        kind=ActionKind.AFTERCARE, with_whom="Mentor en vertrouwenspersoon", outcome="Gesprekken gepland."))

    assert recipients(incident, "aftercare_arranged") == {"vp@bestuur.nl", "mentor@a.nl"}


@pytest.mark.django_db
def test_a_counsellor_asked_by_name_is_the_one_told(school, cast):
    second = member(Role.COUNSELLOR, board=school.board, email="vp2@bestuur.nl")
    incident = IncidentFactory(school=school, reporter=cast["staff"], assessing=True)
    services.incident_add_record(incident=incident, actor=cast["leader"], record=Assignment(user=second, kind=AssignmentKind.AFTERCARE))
    assert recipients(incident, "aftercare_arranged") == {"vp2@bestuur.nl"}


@pytest.mark.django_db
def test_entering_step_6_tells_the_communications_officer(school, cast):
    incident = IncidentFactory(school=school, reporter=cast["staff"], informing=True)
    assert recipients(incident, "communication_started") == set()
    walk_to(incident, State.COMMUNICATING, cast["leader"])
    assert recipients(incident, "communication_started") == {"communicatie@bestuur.nl"}


@pytest.mark.django_db
def test_a_staff_member_as_perpetrator_reminds_the_school_leader_of_the_lvi_report(school, cast):
    incident = IncidentFactory(school=school, reporter=cast["staff"], gathering=True)
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF)
    pupil = PersonFactory(school=school, kind=PersonKind.PUPIL)
    services.incident_add_record(incident=incident, actor=cast["leader"], record=Involvement(person=pupil, role="perpetrator"))
    assert recipients(incident, "staff_perpetrator") == set()

    services.incident_add_record(incident=incident, actor=cast["leader"], record=Involvement(person=teacher, role="perpetrator"))

    assert recipients(incident, "staff_perpetrator") == {"leider@a.nl"}
    body = Notification.objects.get(incident=incident, kind="staff_perpetrator").body
    assert "Vertrouwensinspecteur" in body


@pytest.mark.django_db
def test_subjects_carry_no_pupil_names(school, cast):
    pupil = PersonFactory(school=school, kind=PersonKind.PUPIL, first_name="Zoë", last_name="Achternaam")
    incident = IncidentFactory(school=school, reporter=cast["staff"], privacy_flag=True,
                               description="Foto van Zoë Achternaam gedeeld.")
    services.incident_add_record(incident=incident, actor=cast["leader"], record=Involvement(person=pupil, role="victim"))
    subjects = " ".join(Notification.objects.filter(incident=incident).values_list("subject", flat=True))
    assert incident.reference in subjects
    assert "Zoë" not in subjects and "Achternaam" not in subjects


@pytest.mark.django_db
def test_notifications_for_nobody_write_nothing(school, cast):
    from portal.models import User
    from portal.notifications import notifications_create

    assert notifications_create(recipients=User.objects.none(), kind="test", subject="-", body="-") == []
    assert notifications_create(recipients=User.objects.filter(pk__in=[]), kind="test", subject="-", body="-") == []
    assert not Notification.objects.filter(kind="test").exists()


@pytest.mark.django_db
def test_notifications_are_written_the_same_where_the_database_returns_no_ids(school, cast, monkeypatch):
    """SQLite before 3.35 (a demo on an older system) has no INSERT ... RETURNING: one INSERT per row instead."""
    from portal import notifications
    from portal.models import User
    from portal.notifications import notifications_create

    monkeypatch.setattr(notifications, "_insert_returns_ids", lambda connection: False)
    users = User.objects.filter(email__in=["leider@a.nl", "fg@bestuur.nl"])
    ids = notifications_create(recipients=users, kind="test", subject="Onderwerp", body="Tekst", url="/zaken/")
    rows = Notification.objects.filter(pk__in=ids)
    assert sorted(rows.values_list("recipient__email", flat=True)) == ["fg@bestuur.nl", "leider@a.nl"]
    assert set(rows.values_list("state", "subject", "url")) == {("pending", "Onderwerp", "/zaken/")}
