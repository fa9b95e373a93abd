"""Each protocol profile changes the portal's behaviour as its protocol says."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import Action, Involvement
from portal.models import Notification, ProtocolProfile, Role
from meldpunt.protocols import PROFILES, board_adopt_protocol
from portal.protocols import protocol_review_reminders
from sanctions import services as sanction_services
from sanctions.models import Measure
from sanctions.selectors import measures_for

from ..factories import IncidentFactory, PersonFactory, member


def adopt(board, code, **kwargs):
    return board_adopt_protocol(board=board, profile=ProtocolProfile.objects.get(code=code), version="1.0", **kwargs)


@pytest.mark.django_db
def test_all_five_protocols_ship_as_profiles():
    assert set(ProtocolProfile.objects.values_list("code", flat=True)) == {p["code"] for p in PROFILES}
    assert ProtocolProfile.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize("code,reminded", [("vario-000", True), ("buitengewoon-002", False)])
def test_under_000_a_staff_perpetrator_brings_the_lvi_step(client, school, leader, code, reminded):
    adopt(school.board, code)
    incident = IncidentFactory(school=school, gathering=True)
    teacher = PersonFactory(school=school, kind="staff")
    services.incident_add_record(incident=incident, actor=leader, record=Involvement(person=teacher, role="perpetrator"))

    assert Notification.objects.filter(incident=incident, kind="staff_perpetrator").exists() is reminded
    client.force_login(leader)
    page = client.get(f"/zaken/{incident.pk}/").content.decode()
    assert ("/lvi/nieuw/" in page) is reminded
    assert client.get(f"/lvi/nieuw/?person={teacher.pk}&incident={incident.pk}").status_code == (200 if reminded else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("code,waits", [("cvo-004", True), ("buitengewoon-002", False)])
def test_under_004_a_pupil_measure_waits_for_contact_with_the_guardians(school, leader, code, waits):
    adopt(school.board, code)
    pupil = PersonFactory(school=school, kind="pupil")
    measure = measures_for(person=pupil).filter(needs_board_decision=False, needs_days=False, needs_end_date=False).first()
    sanction = sanction_services.sanction_impose(person=pupil, actor=leader, measure=measure, decision="Telefoon ingenomen.",
                                                 reasoning="Filmde een klasgenoot.")
    if waits:
        assert sanction.effective_from is None
        sanction_services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=timezone.now(),
                                                           how="Telefonisch met vader")
        sanction.refresh_from_db()
    assert sanction.effective_from == timezone.localdate()


@pytest.mark.django_db
def test_before_any_protocol_is_adopted_the_strictest_rules_apply(school, leader):
    pupil = PersonFactory(school=school, kind="pupil")
    sanction = sanction_services.sanction_impose(person=pupil, actor=leader, measure=measures_for(person=pupil).get(code="warning"),
                                                 decision="Waarschuwing.", reasoning="Eerste keer.")
    assert sanction.effective_from is None


@pytest.mark.django_db
def test_under_004_step_3_needs_the_first_talk_with_mentor_or_manager(school, leader):
    adopt(school.board, "cvo-004")
    incident = IncidentFactory(school=school, assessing=True)
    from incidents.walkthrough import do_step_work

    do_step_work(incident, leader)
    with pytest.raises(ValidationError) as refused:
        services.incident_advance(incident=incident, transition="start_containing", actor=leader)
    assert any("regel 11" in message for message in refused.value.messages)
    services.incident_add_record(incident=incident, actor=leader, record=Action(
        kind="protocol", protocol_code="first_talk", with_whom="Mentor", outcome="Gesprek met de leerling gevoerd."))
    assert services.incident_advance(incident=incident, transition="start_containing", actor=leader).state == "containing"


@pytest.mark.django_db
def test_the_protocol_action_can_be_recorded_on_the_case_page(client, school, leader):
    adopt(school.board, "cvo-004")
    incident = IncidentFactory(school=school, assessing=True)
    client.force_login(leader)
    page = client.get(f"/zaken/{incident.pk}/").content.decode()
    assert 'value="protocol:first_talk"' in page and "1. Melding bij de vestigingsdirecteur" in page
    response = client.post(f"/zaken/{incident.pk}/vastleggen/action/", {
        "action-kind": "protocol:first_talk", "action-happened_at": "2026-03-02T10:00", "action-with_whom": "Mentor",
        "action-outcome": "Gesprek gevoerd.",
    })
    assert response.status_code == 302
    assert Action.objects.filter(incident=incident, kind="protocol", protocol_code="first_talk").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code,police_required", [("svopl-003", True), ("buitengewoon-002", False)])
def test_boards_000_003_004_need_police_for_any_possible_offence(school, leader, code, police_required):
    adopt(school.board, code)
    incident = IncidentFactory(school=school, assessing=True)
    services.incident_decide(incident=incident, actor=leader, decision="criminal", victim_type="pupil")
    services.incident_add_record(incident=incident, actor=leader, record=Action(
        kind="victim_consultation", outcome="Ouders willen geen aangifte.", wants_police_report=False))
    services.incident_add_record(incident=incident, actor=leader, record=Action(kind="stay_informed", outcome="Wekelijks contact."))
    from incidents.workflow import missing_work

    incident.refresh_from_db()
    assert bool(missing_work(incident)) is police_required


@pytest.mark.django_db
def test_adopting_a_profile_installs_its_catalogue_and_consent_purposes(school):
    adopt(school.board, "cvo-004")
    pupil = PersonFactory(school=school, kind="pupil")
    assert measures_for(person=pupil).filter(code="phone_confiscated").exists()
    adopt(school.board, "vario-000")
    assert not measures_for(person=pupil).filter(code="phone_confiscated").exists()
    assert Measure.objects.filter(board=school.board, code="phone_confiscated", active=False).exists()
    assert school.board.consent_purposes.filter(code="personal_social_media").exists()


@pytest.mark.django_db
def test_001_tells_the_counsellor_of_new_reports_too(school, leader, counsellor):
    adopt(school.board, "kms-001")
    incident = IncidentFactory(school=school)
    assert set(Notification.objects.filter(incident=incident, kind="incident_reported").values_list("recipient", flat=True)) == {
        leader.pk, counsellor.pk}


@pytest.mark.django_db
def test_a_case_keeps_the_protocol_version_it_started_under(client, school, leader):
    first = adopt(school.board, "buitengewoon-002")
    incident = IncidentFactory(school=school)
    adopt(school.board, "cvo-004")
    later = IncidentFactory(school=school)
    incident.refresh_from_db()
    assert incident.protocol_version == first and later.protocol_version != first
    client.force_login(leader)
    assert "Onderwijsgroep Buitengewoon" in client.get(f"/zaken/{incident.pk}/").content.decode()


@pytest.mark.django_db
def test_the_board_is_reminded_once_before_the_review_date(school, time_machine):
    admin = member(Role.ADMIN, board=school.board)
    time_machine.move_to("2026-01-10 09:00:00+01:00", tick=False)
    version = adopt(school.board, "kms-001", adopted_on=datetime.date(2024, 3, 1))
    assert version.review_on == datetime.date(2026, 3, 1)  # 001: every two years
    assert protocol_review_reminders() == 0
    time_machine.move_to("2026-02-05 09:00:00+01:00", tick=False)
    assert protocol_review_reminders() == 1
    assert protocol_review_reminders() == 0
    assert Notification.objects.get(kind="protocol_review").recipient == admin


@pytest.mark.django_db
def test_the_administrator_switches_the_protocol_on_its_page(client, school):
    admin = member(Role.ADMIN, board=school.board)
    client.force_login(admin)
    profile = ProtocolProfile.objects.get(code="svopl-003")
    response = client.post("/protocol/", {"profile": profile.pk, "version": "2025", "adopted_on": "2025-09-01"})
    assert response.status_code == 302
    school.board.refresh_from_db()
    assert school.board.protocol.profile == profile and school.board.police_on_any_suspicion
    client.force_login(member(Role.BOARD, board=school.board))
    assert client.post("/protocol/", {"profile": profile.pk, "version": "x", "adopted_on": "2025-09-01"}).status_code == 403
    client.force_login(member(Role.SCHOOL_LEADER, school=school))
    assert client.get("/protocol/").status_code == 403




@pytest.mark.django_db
def test_each_board_is_reminded_of_its_own_protocol(school, time_machine):
    from ..factories import SchoolFactory

    other_school = SchoolFactory()
    admin = member(Role.ADMIN, board=school.board)
    board = member(Role.BOARD, board=school.board)
    other_admin = member(Role.ADMIN, board=other_school.board)
    member(Role.SCHOOL_LEADER, school=school)  # a school leader is not reminded
    time_machine.move_to("2026-02-05 09:00:00+01:00", tick=False)
    adopt(school.board, "kms-001", adopted_on=datetime.date(2024, 3, 1))
    adopt(other_school.board, "kms-001", adopted_on=datetime.date(2024, 2, 20))
    assert protocol_review_reminders() == 3
    reminded = {(n.recipient, n.dedupe_key.split(":")[1]) for n in Notification.objects.filter(kind="protocol_review")}
    assert reminded == {(admin, str(school.board.protocol_id)), (board, str(school.board.protocol_id)),
                        (other_admin, str(other_school.board.protocol_id))}


@pytest.mark.django_db
def test_a_report_is_kept_when_no_one_holds_the_roles_the_protocol_names(school, staff):
    """001 sends new reports to the school leaders and the counsellors; with neither in post the report is
    still filed, and no one is notified."""
    adopt(school.board, "kms-001")
    incident = services.incident_report(school=school, reporter=staff, platform="whatsapp", category="bullying",
                                        description="Berichten in de klassenapp.")
    assert incident.pk and not Notification.objects.filter(incident=incident).exists()
