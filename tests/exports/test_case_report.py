"""The case report PDF: facts, people, every step's records and the full timeline; for those who see the whole case."""

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from incidents import services
from incidents.models import Action, Evaluation, InformedParty, InvolvementRole, PoliceReport, Takedown, Waiver
from incidents.walkthrough import walk_to
from incidents.workflow import State
from portal.models import AuditEvent, Role
from tests.factories import IncidentFactory, PersonFactory, member

from .conftest import EXPORT_DATE_TEXT
from .support import flat, impose, involve, local, pdf_pages, png_upload

pytestmark = pytest.mark.django_db

DESCRIPTION = "Op TikTok staat een nepaccount met foto's van een docent, gedeeld in drie klassenapps."


def report_url(incident):
    return reverse("incidents:case_report", args=[incident.pk])


@pytest.fixture
def case(school, leader, staff):
    """Reported by ``staff``, walked to the evaluation by the school leader, with records of several steps."""
    leader.first_name, leader.last_name = "Marieke", "Jansen-Olthof"
    leader.save()
    staff.first_name, staff.last_name = "Pieter", "Melder"
    staff.save()
    PersonFactory(school=school, first_name="Sanne", last_name="Verbeek")  # the walk links her as the victim
    perpetrator = PersonFactory(school=school, first_name="Daan", last_name="Kok")
    with time_machine.travel(local(2026, 2, 9, 8, 15), tick=False):
        incident = IncidentFactory(school=school, reporter=staff, platform="tiktok", category="identity_fraud",
                                   description=DESCRIPTION, files=[png_upload("nepaccount.png")])
    with time_machine.travel(local(2026, 2, 10, 9, 0), tick=False):
        incident = walk_to(incident, State.EVALUATING, leader)
    with time_machine.travel(local(2026, 2, 11, 11, 30), tick=False):
        involve(incident, perpetrator, InvolvementRole.PERPETRATOR, leader, note="beheerder van het nepaccount")
        for record in [
            PoliceReport(filed_by="guardians", filed_at=local(2026, 2, 11, 9, 0), police_reference="PL-2026-4711",
                         police_contact="Wijkagent De Boer", note="Aangifte wegens identiteitsfraude."),
            Takedown(platform="tiktok", description="Nepaccount docent_fake met zes foto's", outcome="requested",
                     outcome_reason="Gemeld via het formulier van TikTok"),
            InformedParty(who="Ouders van Daan", what_was_said="Het account wordt verwijderd; de school neemt maatregelen.",
                          next_steps="Gesprek op school op maandag."),
            Evaluation(protocol_worked="partly", measures_worked="De klas stopte na het gesprek met doorsturen.",
                       adjustments="De volgende keer eerder de ouders bellen."),
        ]:
            services.incident_add_record(incident=incident, actor=leader, record=record)
        impose(perpetrator, leader, "phone_confiscated", incident=incident, decision="Telefoon een dag ingeleverd.")
    incident.refresh_from_db()
    return incident


def labels(*choices):
    with translation.override("nl"):
        return [str(choice.label) for choice in choices]


def test_the_case_report_holds_facts_people_records_and_timeline(client, school, leader, case, at_export_moment):
    client.force_login(leader)
    response = client.get(report_url(case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="zaakrapport-{case.reference}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    pages = pdf_pages(response)
    assert len(pages) >= 2
    for page in pages:
        text = flat(page)
        assert school.name in text and case.reference in text
        assert "Marieke Jansen-Olthof" in text and EXPORT_DATE_TEXT in text

    text = flat(" ".join(pages))
    with translation.override("nl"):
        timeline_heading = str(translation.gettext("Timeline"))
    before, timeline = text.split(f" {timeline_heading} ", 1)

    # the facts
    assert DESCRIPTION in before
    assert case.facts_account and flat(case.facts_account) in before
    assert "Pieter Melder" in before  # the reporter
    assert "9 februari 2026 08:15" in before
    # the people, with their roles
    victim, perpetrator = labels(InvolvementRole.VICTIM, InvolvementRole.PERPETRATOR)
    assert re.search(rf"Sanne Verbeek \(2A\) — {victim}", before)
    assert re.search(rf"Daan Kok \(2A\) — {perpetrator} \(beheerder van het nepaccount\)", before)
    # every step's records
    for record_text in ["nepaccount.png", "PL-2026-4711", "Wijkagent De Boer", "Aangifte wegens identiteitsfraude.",
                        "Nepaccount docent_fake met zes foto's", "Gemeld via het formulier van TikTok",
                        "Ouders van Daan", "Het account wordt verwijderd; de school neemt maatregelen.",
                        "Gesprek op school op maandag.", "De klas stopte na het gesprek met doorsturen.",
                        "De volgende keer eerder de ouders bellen."]:
        assert record_text in before, record_text

    # the full timeline: every step change, every record, newest first
    steps = labels(*State)
    for source, target in zip(steps[:6], steps[1:7]):
        assert f"{source} → {target}" in timeline, (source, target)
    for record_text in ["Daan Kok", "Sanne Verbeek", "PL-2026-4711", "Nepaccount docent_fake met zes foto's",
                        "Ouders van Daan", "De klas stopte na het gesprek met doorsturen.", "nepaccount.png"]:
        assert record_text in timeline, record_text
    # the step 3 and 4 actions and the waivers are told in the timeline, with what was said or agreed
    actions = Action.objects.filter(incident=case)
    assert actions.count() >= 3
    for action in actions:
        assert flat(action.outcome) in timeline
    for waiver in Waiver.objects.filter(incident=case):
        assert flat(waiver.reason) in timeline
    assert re.search(r"Telefoon in beslag genomen — Daan Kok", timeline)  # the sanction of the case
    assert timeline.index("11 feb 2026 11:30") < timeline.index("10 feb 2026 09:00") < timeline.index("9 feb 2026 08:15")


def test_the_board_and_the_fg_of_a_privacy_case_get_the_case_report(client, school, sister_school, board_member,
                                                                    privacy_officer):
    incident = IncidentFactory(school=sister_school, category="data_breach")
    for user in (board_member, privacy_officer):
        client.force_login(user)
        assert client.get(report_url(incident)).status_code == 200, user


def test_the_reporter_who_sees_only_their_own_report_gets_403(client, staff, case):
    client.force_login(staff)
    assert client.get(reverse("incidents:detail", args=[case.pk])).status_code == 200  # the reporter's own view
    assert client.get(report_url(case)).status_code == 403
    assert not AuditEvent.objects.filter(action="export.case_report").exists()


def test_a_foreign_schools_case_report_is_404(client, school, sister_school, other_school, leader, board_member,
                                              privacy_officer, other_leader):
    foreign = IncidentFactory(school=other_school)
    sister_case = IncidentFactory(school=sister_school)
    ordinary_case = IncidentFactory(school=school)  # not a privacy case: the FG does not see it
    colleague = member(Role.STAFF, school=school)  # did not file it

    for user, incident in [(leader, foreign), (board_member, foreign), (leader, sister_case),
                           (other_leader, ordinary_case), (privacy_officer, ordinary_case), (colleague, ordinary_case)]:
        client.force_login(user)
        assert client.get(report_url(incident)).status_code == 404, (user, incident)
    assert not AuditEvent.objects.filter(action="export.case_report").exists()


def test_the_case_report_writes_an_audit_event_with_the_actor(client, school, board_member, case, at_export_moment):
    client.force_login(board_member)
    client.get(report_url(case))

    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert event.action == "export.case_report"
    assert event.actor == board_member
    assert event.board == school.board
    assert (event.object_type, event.object_id) == ("incidents.incident", str(case.pk))
    assert event.at == at_export_moment
