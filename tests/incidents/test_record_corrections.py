"""Records are corrected, never erased (AVG art. 16): the school leader withdraws any record on a case with a
reason, or corrects its fields; the history keeps what was there before, who changed it, when and why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services, workflow
from incidents.models import (
    Action, ActionKind, Assignment, AssignmentKind, CaseEvent, Evidence, InformedParty, Involvement, InvolvementRole,
    Message, PoliceReport, Takedown, Waiver,
)
from portal.models import AuditEvent, Role
from tests.factories import IncidentFactory, PersonFactory, member

pytestmark = pytest.mark.django_db


def _record_url(record, action=""):
    name = {"": "incidents:record_detail", "correct": "incidents:record_correct", "withdraw": "incidents:record_withdraw"}[action]
    return reverse(name, args=[record.incident_id, record.record_type(), record.pk])


def _link(incident, leader, person, role=InvolvementRole.PERPETRATOR):
    return services.incident_add_record(incident=incident, actor=leader, record=Involvement(person=person, role=role))


@pytest.fixture
def case(school, leader):
    return IncidentFactory(school=school, gathering=True)


def test_a_wrongly_linked_pupil_is_withdrawn_from_the_case_page_with_a_reason(client, dutch, case, leader, school):
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    involvement = _link(case, leader, milan)
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    assert _record_url(involvement) in page  # "Corrigeren of intrekken" on the timeline entry

    response = client.post(_record_url(involvement, "withdraw"), {"withdraw-reason": "Verkeerde Milan gekoppeld; het is Mila."})
    assert response.status_code == 302
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is not None and involvement.withdrawn_by == leader
    assert involvement.withdrawal_reason == "Verkeerde Milan gekoppeld; het is Mila."
    assert Involvement.objects.filter(pk=involvement.pk).exists()  # never erased

    # The timeline still shows the link, struck through, with who, when and why; the summary no longer lists it.
    response = client.get(reverse("incidents:detail", args=[case.pk]))
    entry = next(e for e in response.context["timeline"] if e.kind == "involvements" and e.current == involvement)
    assert entry.withdrawal.actor == leader and entry.withdrawal.reason == "Verkeerde Milan gekoppeld; het is Mila."
    content = response.content.decode()
    assert '<del class="withdrawn">' in content and "Ingetrokken door" in content and "het is Mila" in content
    assert involvement not in response.context["current"]["involvements"]
    # Audit-logged.
    assert AuditEvent.objects.filter(action="record.withdraw", object_id=str(involvement.pk), actor=leader).exists()


def test_a_withdrawn_record_no_longer_counts_for_the_step(case, leader, pupil):
    services.incident_record_facts(incident=case, actor=leader, facts_account="Gesprekken gevoerd.")
    case.refresh_from_db()
    for involvement in case.involvements.all():  # the one the walk to this step linked
        services.record_withdraw(record=involvement, actor=leader, reason="Niet betrokken.")
    involvement = _link(case, leader, pupil, InvolvementRole.VICTIM)
    assert workflow.missing_work(case) == []

    services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde leerling.")
    assert len(workflow.missing_work(case)) == 1  # "link the people involved"
    assert not workflow.step_done(case)


def test_withdrawn_work_of_step_3_no_longer_satisfies_its_guard(school, leader):
    incident = IncidentFactory(school=school, containing=True)  # step 3 was done with not_criminal actions
    for action in incident.actions.filter(kind=ActionKind.CONFRONTATION):
        services.record_withdraw(record=action, actor=leader, reason="Het gesprek ging over een andere zaak.")
    assert not workflow._done_or_waived(incident, ActionKind.CONFRONTATION)


def test_the_same_person_can_be_linked_again_once_the_wrong_link_is_withdrawn(case, leader, pupil):
    wrong = _link(case, leader, pupil)
    services.record_withdraw(record=wrong, actor=leader, reason="Rol verkeerd; opnieuw vastgelegd.")
    again = _link(case, leader, pupil)
    assert again.pk != wrong.pk
    assert list(case.involvements.current().filter(person=pupil)) == [again]


def test_a_withdrawn_assignment_no_longer_gives_access_to_the_case(client, case, leader, school):
    colleague = member(Role.STAFF, school=school)
    assignment = services.incident_add_record(incident=case, actor=leader,
                                              record=Assignment(user=colleague, kind=AssignmentKind.COLLEAGUE))
    client.force_login(colleague)
    assert client.get(reverse("incidents:detail", args=[case.pk])).status_code == 200
    services.record_withdraw(record=assignment, actor=leader, reason="Verkeerde collega gevraagd.")
    assert client.get(reverse("incidents:detail", args=[case.pk])).status_code == 404


def test_any_kind_of_record_can_be_withdrawn(school, leader):
    incident = IncidentFactory(school=school, evaluating=True)
    services.evidence_add(incident=incident, actor=leader, links=["https://example.org/bericht"])
    services.incident_add_record(incident=incident, actor=leader, record=Message(
        audience="internal", channel="e-mail", recipients="Team", summary="Intern bericht."))
    services.incident_add_record(incident=incident, actor=leader, record=PoliceReport(
        filed_by="guardians", filed_at=timezone.now(), police_reference="PL-1"))
    kinds = [Evidence, Involvement, Action, Waiver, PoliceReport, Takedown, InformedParty, Message]
    for model in kinds:
        for record in model.objects.filter(incident=incident):
            services.record_withdraw(record=record, actor=leader, reason="Test van intrekken.")
    for model in kinds:
        assert model.objects.filter(incident=incident).exists()
        assert not model.objects.current().filter(incident=incident).exists(), model


def test_a_correction_keeps_the_old_value_in_the_history_and_the_timeline(client, dutch, school, leader):
    incident = IncidentFactory(school=school, containing=True)
    report = services.incident_add_record(incident=incident, actor=leader, record=PoliceReport(
        filed_by="school", filed_at=timezone.now() - datetime.timedelta(hours=2), police_reference="PL-2026-0001"))
    client.force_login(leader)
    form = client.get(_record_url(report)).context["correction_form"]
    data = {f"correct-{name}": value for name, value in form.initial.items() if value is not None}
    data["correct-filed_at"] = timezone.localtime(report.filed_at).strftime("%Y-%m-%dT%H:%M")
    data.update({"correct-police_reference": "PL-2026-0100", "correct-correction_reason": "Kenmerk verkeerd overgenomen."})
    response = client.post(_record_url(report, "correct"), data)
    assert response.status_code == 302, response.context and response.context["correction_form"].errors

    report.refresh_from_db()
    assert report.police_reference == "PL-2026-0100"
    old = report.history.order_by("history_date")
    assert [h.police_reference for h in old] == ["PL-2026-0001", "PL-2026-0100"]
    assert old.last().history_change_reason == "Kenmerk verkeerd overgenomen." and old.last().history_user == leader
    event = CaseEvent.objects.get(incident=incident, kind="record_corrected", record_id=report.pk)
    assert event.actor == leader and event.changes == {"police_reference": ["PL-2026-0001", "PL-2026-0100"]}

    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    timeline = response.context["timeline"]
    created = next(e for e in timeline if e.kind == "police_reports")
    assert created.record.police_reference == "PL-2026-0001"  # the entry shows what was first recorded
    correction = next(e for e in timeline if e.kind == "events" and e.record == event)
    assert correction.actor == leader
    assert correction.record.lines == [("Kenmerk politie", "PL-2026-0001", "PL-2026-0100")]
    content = response.content.decode()
    assert "<del>PL-2026-0001</del> → PL-2026-0100" in content and "Kenmerk verkeerd overgenomen." in content
    assert AuditEvent.objects.filter(action="record.correct", object_id=str(report.pk)).exists()


def test_a_correction_without_a_reason_or_with_a_future_date_is_refused_at_the_field(client, dutch, school, leader):
    incident = IncidentFactory(school=school, informing=True)
    informed = incident.informed_parties.first() or services.incident_add_record(
        incident=incident, actor=leader, record=InformedParty(who="Ouders", what_was_said="Uitleg.", next_steps="Gesprek."))
    client.force_login(leader)
    future = (timezone.localtime() + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(_record_url(informed, "correct"), {
        "correct-who": "Ouders van de dader", "correct-informed_at": future, "correct-what_was_said": "Nieuwe uitleg",
        "correct-next_steps": "Gesprek", "correct-correction_reason": "",
    })
    assert response.status_code == 400
    form = response.context["correction_form"]
    assert "toekomst" in " ".join(form.errors["informed_at"])
    assert form.errors["correction_reason"]
    content = response.content.decode()
    assert "Ouders van de dader" in content and "Nieuwe uitleg" in content  # nothing typed is lost
    informed.refresh_from_db()
    assert informed.who != "Ouders van de dader"
    assert not CaseEvent.objects.filter(kind="record_corrected").exists()


def test_a_withdrawal_without_a_reason_is_refused_at_the_field(client, dutch, case, leader, pupil):
    involvement = _link(case, leader, pupil)
    client.force_login(leader)
    response = client.post(_record_url(involvement, "withdraw"), {"withdraw-reason": "   "})
    assert response.status_code == 400
    assert response.context["withdrawal_form"].errors["reason"]
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is None


def test_a_withdrawn_record_cannot_be_withdrawn_or_corrected_again(case, leader, pupil):
    from django.core.exceptions import ValidationError

    involvement = _link(case, leader, pupil)
    services.record_withdraw(record=involvement, actor=leader, reason="Verkeerd.")
    with pytest.raises(ValidationError):
        services.record_withdraw(record=involvement, actor=leader, reason="Nog eens.")
    with pytest.raises(ValidationError):
        services.record_correct(record=involvement, actor=leader, reason="Toch.", note="Anders")


def test_what_a_record_is_cannot_be_corrected_only_withdrawn(case, leader, pupil, school):
    from django.core.exceptions import ValidationError

    involvement = _link(case, leader, pupil)
    with pytest.raises(ValidationError):
        services.record_correct(record=involvement, actor=leader, reason="Andere leerling.", person=PersonFactory(school=school))


def test_records_of_a_closed_case_can_still_be_corrected(school, leader):
    incident = IncidentFactory(school=school, closed=True)
    evaluation = incident.evaluations.get()
    services.record_correct(record=evaluation, actor=leader, reason="Ouders vroegen om aanvulling.",
                            adjustments="Eerder de mentor betrekken.")
    evaluation.refresh_from_db()
    assert evaluation.adjustments == "Eerder de mentor betrekken."


def test_only_the_school_leader_of_the_school_corrects_and_another_school_sees_nothing(
        client, case, leader, pupil, staff, privacy_officer, other_school):
    involvement = _link(case, leader, pupil)
    case.reporter and client.force_login(case.reporter)
    assert client.post(_record_url(involvement, "withdraw"), {"withdraw-reason": "x"}).status_code in (403, 404)
    client.force_login(member(Role.BOARD, board=case.school.board))
    assert client.post(_record_url(involvement, "withdraw"), {"withdraw-reason": "x"}).status_code == 403
    client.force_login(member(Role.SCHOOL_LEADER, school=other_school))
    for url in (_record_url(involvement), _record_url(involvement, "withdraw")):
        response = client.get(url) if url == _record_url(involvement) else client.post(url, {"withdraw-reason": "x"})
        assert response.status_code == 404
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is None


def test_a_record_of_another_case_is_a_404_on_this_case(client, case, leader, pupil, school):
    involvement = _link(case, leader, pupil)
    other = IncidentFactory(school=school)
    client.force_login(leader)
    url = reverse("incidents:record_detail", args=[other.pk, "involvement", involvement.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("incidents:record_detail", args=[case.pk, "incident", case.pk])).status_code == 404


def test_the_record_page_is_not_cached(client, case, leader, pupil):
    involvement = _link(case, leader, pupil)
    client.force_login(leader)
    response = client.get(_record_url(involvement))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_the_record_page_of_every_kind_opens_with_its_forms(client, dutch, school, leader, time_machine):
    incident = IncidentFactory(school=school, evaluating=True)
    services.evidence_add(incident=incident, actor=leader, links=["https://example.org/bericht"])
    services.incident_add_record(incident=incident, actor=leader, record=Assignment(
        user=member(Role.COUNSELLOR, board=school.board), kind=AssignmentKind.AFTERCARE))
    services.incident_add_record(incident=incident, actor=leader, record=Message(
        audience="internal", channel="e-mail", recipients="Team", summary="Intern bericht."))
    client.force_login(leader)
    seen = set()
    for model in (Evidence, Involvement, Action, Waiver, Takedown, InformedParty, Message, Assignment):
        record = model.objects.filter(incident=incident).first()
        response = client.get(_record_url(record))
        assert response.status_code == 200, model
        assert (response.context["correction_form"] is not None) == bool(model.correctable_fields)
        assert response.context["withdrawal_form"] is not None
        seen.add(model)
    assert len(seen) == 8


def test_a_message_corrected_to_before_the_first_internal_one_is_refused(school, leader, time_machine):
    from django.core.exceptions import ValidationError

    incident = IncidentFactory(school=school, communicating=True)
    board_member = member(Role.BOARD, board=school.board)
    now = timezone.now()
    services.incident_add_record(incident=incident, actor=leader, record=Message(
        audience="internal", sent_at=now - datetime.timedelta(hours=2), channel="e-mail", recipients="Team", summary="Intern."))
    external = services.incident_add_record(incident=incident, actor=leader, record=Message(
        audience="external", sent_at=now - datetime.timedelta(hours=1), channel="brief", recipients="Ouders",
        summary="Extern.", approved_by=board_member))
    with pytest.raises(ValidationError):
        services.record_correct(record=external, actor=leader, reason="Tijd verkeerd.", sent_at=now - datetime.timedelta(hours=3))
    external.refresh_from_db()
    assert external.sent_at == now - datetime.timedelta(hours=1)
