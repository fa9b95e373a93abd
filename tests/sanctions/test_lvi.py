"""The report to the Landelijke Vertrouwensinspecteur (000, Sancties 2): the staff member is told first, then the
LVI is called. The report can never be recorded before the telling, not by the service and not in the database."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, PersonKind
from sanctions import services
from sanctions.models import LviReport
from tests.factories import IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def told_at():
    return (timezone.now() - 5 * HOUR).replace(microsecond=0)


def start(person, actor, told_at, **kwargs):
    kwargs.setdefault("staff_told_how", "Gesprek met de docent en de teamleider.")
    return services.lvi_report_start(person=person, actor=actor, staff_told_at=told_at, **kwargs)


def test_tell_first_then_report(leader, staff_person, told_at):
    report = start(staff_person, leader, told_at)
    report.refresh_from_db()
    assert report.reported_at is None
    assert report.staff_told_by == leader

    report = services.lvi_report_record_call(report=report, actor=leader, reported_at=told_at + HOUR,
                                             inspector="Mevrouw De Vries", summary="Gemeld; de inspecteur belt terug.")
    report.refresh_from_db()
    assert report.reported_at == told_at + HOUR
    assert report.reported_by == leader
    assert report.inspector == "Mevrouw De Vries"
    assert set(AuditEvent.objects.filter(object_id=str(report.pk), object_type="sanctions.lvireport")
               .values_list("action", flat=True)) == {"lvi.record", "lvi.report"}


def test_both_at_once_in_the_right_order(leader, staff_person, told_at):
    report = start(staff_person, leader, told_at, reported_at=told_at + HOUR, inspector="Dhr. Jansen")
    assert report.reported_by == leader
    same_moment = start(staff_person, leader, told_at, reported_at=told_at)
    assert same_moment.reported_at == same_moment.staff_told_at


def test_report_before_the_staff_member_was_told_is_refused(leader, staff_person, told_at):
    with pytest.raises(ValidationError) as error:
        start(staff_person, leader, told_at, reported_at=told_at - datetime.timedelta(minutes=1))
    assert set(error.value.message_dict) == {"reported_at"}
    assert not LviReport.objects.exists()


def test_recording_the_call_before_the_telling_is_refused(leader, staff_person, told_at):
    report = start(staff_person, leader, told_at)
    with pytest.raises(ValidationError) as error:
        services.lvi_report_record_call(report=report, actor=leader, reported_at=told_at - HOUR)
    assert set(error.value.message_dict) == {"reported_at"}
    report.refresh_from_db()
    assert report.reported_at is None
    assert report.reported_by is None


def test_telling_is_required_and_not_in_the_future(leader, staff_person, told_at):
    with pytest.raises(ValidationError) as error:
        services.lvi_report_start(person=staff_person, actor=leader, staff_told_at=None, staff_told_how="")
    assert {"staff_told_at", "staff_told_how"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        start(staff_person, leader, timezone.now() + 3 * HOUR)
    assert "staff_told_at" in error.value.message_dict
    report = start(staff_person, leader, told_at)
    with pytest.raises(ValidationError) as error:
        services.lvi_report_record_call(report=report, actor=leader, reported_at=None)
    assert "reported_at" in error.value.message_dict
    assert LviReport.objects.count() == 1


def test_the_database_refuses_a_report_before_the_telling(leader, staff_person, told_at):
    report = start(staff_person, leader, told_at, reported_at=told_at + HOUR)

    with pytest.raises(IntegrityError, match="lvi_reported_after_staff_told"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE sanctions_lvireport SET reported_at = staff_told_at - interval '1 minute' WHERE id = %s",
                    [report.pk],
                )
    with pytest.raises(IntegrityError, match="lvi_reported_after_staff_told"):
        with transaction.atomic():
            LviReport.objects.filter(pk=report.pk).update(reported_at=told_at - HOUR)
    with pytest.raises(IntegrityError, match="lvi_reported_after_staff_told"):
        with transaction.atomic():
            LviReport.objects.create(person=staff_person, school=staff_person.school, staff_told_at=told_at,
                                     staff_told_how="Gesprek.", staff_told_by=leader, reported_at=told_at - HOUR)
    report.refresh_from_db()
    assert report.reported_at == told_at + HOUR
    assert LviReport.objects.count() == 1


@pytest.mark.parametrize("kind", [PersonKind.PUPIL, PersonKind.GUARDIAN, PersonKind.EXTERNAL])
def test_lvi_reports_concern_staff_members_only(leader, school, told_at, kind):
    subject = PersonFactory(school=school, kind=kind)
    with pytest.raises(ValidationError) as error:
        start(subject, leader, told_at)
    assert "person" in error.value.message_dict
    assert not LviReport.objects.exists()


def test_only_the_school_leader_or_board_records_it(staff, sister_leader, other_board_member, board_member,
                                                   staff_person, told_at):
    for outsider in (staff, sister_leader, other_board_member):
        with pytest.raises(PermissionDenied):
            start(staff_person, outsider, told_at)
    assert not LviReport.objects.exists()
    assert start(staff_person, board_member, told_at).staff_told_by == board_member


def test_incident_of_another_school_is_refused(leader, staff_person, sister_school, told_at):
    foreign_case = IncidentFactory(school=sister_school)
    with pytest.raises(ValidationError) as error:
        start(staff_person, leader, told_at, incident=foreign_case)
    assert "incident" in error.value.message_dict


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_lvi_pages_keep_the_order(client, leader, staff_person, pupil, told_at):
    told_at = told_at.replace(second=0)
    client.force_login(leader)
    url = reverse("sanctions:lvi_create") + f"?person={staff_person.pk}"
    assert client.get(url).status_code == 200

    data = {"lvi-staff_told_at": local(told_at), "lvi-staff_told_how": "Gesprek met de docent.",
            "lvi-reported_at": local(told_at - HOUR), "lvi-inspector": "", "lvi-summary": ""}
    response = client.post(url, data)
    assert response.status_code == 400
    # The rule's own explanation, on the field; not the database constraint's technical name.
    assert "reported_at" in response.context["form"].errors
    assert "lvi_reported_after_staff_told" not in response.content.decode()
    assert not LviReport.objects.exists()

    response = client.post(url, {**data, "lvi-reported_at": ""})
    assert response.status_code == 302
    report = LviReport.objects.get()
    assert response["Location"] == reverse("sanctions:lvi_detail", args=[report.pk])
    assert report.staff_told_at == told_at

    detail = reverse("sanctions:lvi_detail", args=[report.pk])
    response = client.post(detail, {"call-reported_at": local(told_at - HOUR), "call-inspector": "X", "call-summary": ""})
    assert response.status_code == 400
    assert "reported_at" in response.context["form"].errors
    report.refresh_from_db()
    assert report.reported_at is None

    response = client.post(detail, {"call-reported_at": local(told_at + HOUR), "call-inspector": "Mevrouw De Vries",
                                    "call-summary": "Gemeld."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.reported_at == told_at + HOUR
    assert report.inspector == "Mevrouw De Vries"

    # A pupil is no subject for the LVI: the page refuses before anything is typed.
    assert client.get(reverse("sanctions:lvi_create") + f"?person={pupil.pk}").status_code == 403
    response = client.post(reverse("sanctions:lvi_create") + f"?person={pupil.pk}", {**data, "lvi-reported_at": ""})
    assert response.status_code == 403
    assert LviReport.objects.count() == 1


def test_the_call_to_the_lvi_is_recorded_once(leader, staff_person, told_at):
    from django.core.exceptions import ValidationError

    report = services.lvi_report_start(person=staff_person, actor=leader, staff_told_at=told_at, staff_told_how="Gesprek.")
    services.lvi_report_record_call(report=report, actor=leader, reported_at=told_at + HOUR, inspector="A")
    with pytest.raises(ValidationError):
        services.lvi_report_record_call(report=report, actor=leader, reported_at=told_at + 2 * HOUR, inspector="B")
    report.refresh_from_db()
    assert report.reported_at == told_at + HOUR and report.inspector == "A"


def test_the_service_refuses_a_report_the_boards_protocol_does_not_have(school, leader, staff_person, told_at):
    """Under a protocol without the report to the LVI (002), the service refuses it too, not only the page."""
    from portal.models import ProtocolProfile
    from meldpunt.protocols import board_adopt_protocol

    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="buitengewoon-002"), version="1.0")
    with pytest.raises(ValidationError) as error:
        start(staff_person, leader, told_at)
    assert "Landelijke Vertrouwensinspecteur" in " ".join(error.value.message_dict["person"])
    assert not LviReport.objects.exists()
