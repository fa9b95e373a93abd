"""Recording answers: demonstrable grants, withdrawal at once with the history kept, signed-in confirmation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from consent import selectors, services
from consent.models import Answer, ConsentRecord, Evidence, GivenBy
from portal.models import AuditEvent, PersonKind, Role

from ..factories import PersonFactory, member
from .support import grant, pupil_with_guardian, refuse, signed_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(school):
    return pupil_with_guardian(school, born=datetime.date(2013, 6, 1))


def test_withdrawal_takes_effect_at_once_and_the_history_is_kept(pupil, social, leader):
    granted = grant(pupil, social, actor=leader)
    assert selectors.consent_status_for(person=pupil, purpose=social).value == "yes"
    withdrawn = refuse(pupil, social, actor=leader, note="Moeder belde.")
    assert withdrawn.is_withdrawal and withdrawn.evidence == Evidence.NOTED
    status = selectors.consent_status_for(person=pupil, purpose=social)
    assert status.value == "no" and status.record == withdrawn
    history = selectors.consent_person_history(person=pupil)
    assert history == [withdrawn, granted]
    granted.refresh_from_db()
    assert granted.answer == Answer.GRANTED  # the old answer is still there, unchanged


def test_a_first_refusal_is_not_a_withdrawal(pupil, social, leader):
    assert not refuse(pupil, social, actor=leader).is_withdrawal


def test_answers_cannot_be_changed_or_deleted(pupil, social, leader):
    record = grant(pupil, social, actor=leader)
    record.answer = Answer.REFUSED
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        ConsentRecord.objects.filter(pk=record.pk).update(answer=Answer.REFUSED)
    with pytest.raises(PermissionError):
        ConsentRecord.objects.filter(pk=record.pk).delete()


def test_a_grant_must_be_demonstrable(pupil, social, leader):
    with pytest.raises(ValidationError) as error:
        services.consent_record(person=pupil, purposes=[social], answer=Answer.GRANTED, actor=leader,
                                given_by=GivenBy.GUARDIAN, guardian=pupil.guardians.get(), evidence=Evidence.NOTED)
    assert "evidence" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.consent_record(person=pupil, purposes=[social], answer=Answer.GRANTED, actor=leader,
                                given_by=GivenBy.GUARDIAN, guardian=pupil.guardians.get(), evidence=Evidence.SIGNED_FORM)
    assert "file" in error.value.error_dict
    assert not ConsentRecord.objects.exists()
    # The database refuses it too, whatever code path tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.create(person=pupil, purpose=social, answer=Answer.GRANTED, given_by=GivenBy.SELF,
                                     given_on=datetime.date(2025, 9, 1), evidence=Evidence.NOTED, recorded_by=leader)


def test_only_the_pupils_own_guardians_can_answer(pupil, social, leader, school):
    stranger = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="")
    with pytest.raises(ValidationError) as error:
        grant(pupil, social, actor=leader, guardian=stranger)
    assert "guardian" in error.value.error_dict


def test_a_staff_member_answers_for_themself(school, social, leader):
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")
    guardian = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="")
    with pytest.raises(ValidationError):
        services.consent_record(person=teacher, purposes=[social], answer=Answer.REFUSED, actor=leader,
                                given_by=GivenBy.GUARDIAN, guardian=guardian)


def test_dates_in_the_future_are_refused(pupil, social, leader):
    with pytest.raises(ValidationError) as error:
        refuse(pupil, social, actor=leader, given_on=datetime.date.today() + datetime.timedelta(days=3))
    assert "given_on" in error.value.error_dict


def test_one_signed_form_can_cover_several_purposes(pupil, purposes, leader):
    chosen = [purposes["social_media"], purposes["website"]]
    records = services.consent_record(
        person=pupil, purposes=chosen, answer=Answer.GRANTED, actor=leader, given_by=GivenBy.GUARDIAN,
        guardian=pupil.guardians.get(), evidence=Evidence.SIGNED_FORM, file=signed_form(),
    )
    assert len(records) == 2 and records[0].file.name == records[1].file.name
    assert records[0].file.storage.exists(records[0].file.name)


def test_every_change_is_in_the_audit_log(pupil, social, leader):
    record = refuse(pupil, social, actor=leader)
    event = AuditEvent.objects.get(action="consent.change")
    assert event.actor == leader and event.object_id == str(record.pk) and event.board == pupil.school.board
    assert event.detail["purpose"] == "social_media" and event.detail["answer"] == "refused"


def test_a_teacher_cannot_record_answers(pupil, social, staff):
    with pytest.raises(PermissionDenied):
        refuse(pupil, social, actor=staff)
    assert not ConsentRecord.objects.exists()


def test_the_person_page_records_an_answer_with_its_signed_form(client, pupil, purposes, leader):
    client.force_login(leader)
    url = reverse("consent:person", args=[pupil.pk])
    response = client.post(url, {
        "answer-purposes": [purposes["social_media"].pk, purposes["newsletter"].pk], "answer-answer": "granted",
        "answer-given_by": "guardian", "answer-guardian": pupil.guardians.get().pk, "answer-given_on": "2025-09-01",
        "answer-evidence": "signed_form", "answer-file": signed_form(),
    })
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(person=pupil, answer="granted").count() == 2
    page = client.get(url).content.decode()
    record = ConsentRecord.objects.filter(person=pupil).first()
    assert reverse("consent:form_file", args=[record.token]) in page


def test_the_person_page_keeps_the_input_when_the_form_is_missing(client, pupil, social, leader):
    client.force_login(leader)
    response = client.post(reverse("consent:person", args=[pupil.pk]), {
        "answer-purposes": [social.pk], "answer-answer": "granted", "answer-given_by": "guardian",
        "answer-guardian": pupil.guardians.get().pk, "answer-given_on": "2025-09-01", "answer-evidence": "signed_form",
        "answer-note": "Formulier volgt",
    })
    assert response.status_code == 400
    assert 'value="Formulier volgt"' in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_the_signed_form_is_served_only_to_who_manages_the_school(client, pupil, social, leader, staff, sister_school):
    record = grant(pupil, social, actor=leader)
    url = reverse("consent:form_file", args=[record.token])
    client.force_login(leader)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="consent.form_view", actor=leader).exists()
    for user in (staff, member(Role.SCHOOL_LEADER, school=sister_school)):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_staff_member_confirms_their_own_consent_while_signed_in(client, school, social, staff):
    me = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="", user=staff)
    client.force_login(staff)
    response = client.post(reverse("consent:mine"), {"person": me.pk, "purpose": social.pk, "answer": "granted"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get(person=me)
    assert record.evidence == Evidence.SIGNED_IN and record.confirmed_by == staff and record.given_by == GivenBy.SELF
    assert selectors.consent_status_for(person=me, purpose=social).value == "yes"
    client.post(reverse("consent:mine"), {"person": me.pk, "purpose": social.pk, "answer": "refused"})
    assert selectors.consent_status_for(person=me, purpose=social).value == "no"
    assert ConsentRecord.objects.filter(person=me).count() == 2


def test_a_guardian_with_an_account_answers_for_their_child_only(client, school, social, pupil):
    parent_user = member(Role.STAFF, school=school)
    guardian = pupil.guardians.get()
    guardian.user = parent_user
    guardian.save()
    other_child = pupil_with_guardian(school)
    client.force_login(parent_user)
    assert client.post(reverse("consent:mine"), {"person": pupil.pk, "purpose": social.pk, "answer": "granted"}).status_code == 302
    record = ConsentRecord.objects.get(person=pupil)
    assert record.given_by == GivenBy.GUARDIAN and record.guardian == guardian and record.confirmed_by == parent_user
    assert client.post(reverse("consent:mine"), {"person": other_child.pk, "purpose": social.pk, "answer": "granted"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.consent_confirm_signed_in(user=parent_user, person=other_child, purpose=social, answer="granted")
    assert not ConsentRecord.objects.filter(person=other_child).exists()


def test_a_guardians_answers_page_does_not_query_per_child(client, school, social, leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent_user = member(Role.STAFF, school=school)
    guardian = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="", user=parent_user)
    client.force_login(parent_user)
    counts = []
    for _n in range(2):  # one child, then three
        for _child in range(1 if not counts else 2):
            child = pupil_with_guardian(school, guardians=0)
            child.guardians.add(guardian)
            grant(child, social, actor=leader, guardian=guardian)
        client.get(reverse("consent:mine"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("consent:mine"))
        counts.append(len(queries))
    assert response.status_code == 200 and len(response.context["sections"]) == 3
    assert all(status.value == "yes" for section in response.context["sections"] for purpose, status in section["items"]
               if purpose == social)
    assert counts[0] == counts[1], [q["sql"] for q in queries.captured_queries]
