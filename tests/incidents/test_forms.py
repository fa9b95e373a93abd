"""A refused form comes back with what was typed, and the error sits at the field it is about."""

import re

import pytest
from django.forms import ModelChoiceField
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from incidents.models import Incident, Message, Takedown, Waiver
from incidents.workflow import State
from portal.models import Role
from tests.factories import IncidentFactory, MembershipFactory, SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]


def record_url(incident, kind):
    return reverse("incidents:record", args=[incident.pk, kind])


def field_tag(content, tag, html_id):
    """The opening tag of the element with ``html_id``."""
    match = re.search(rf"<{tag}\b[^>]*\bid=\"{re.escape(html_id)}\"[^>]*>", content)
    assert match, f"no <{tag} id={html_id}>"
    return match.group(0)


def error_block(content, html_id):
    """The text of the error block that belongs to the field ``html_id``."""
    match = re.search(rf"<div id=\"{re.escape(html_id)}_error\"[^>]*>(.*?)</div>", content, re.S)
    assert match, f"no error block for {html_id}"
    return match.group(1)


def assert_field_error(content, tag, html_id, message):
    tag_html = field_tag(content, tag, html_id)
    assert "is-invalid" in tag_html
    assert 'aria-invalid="true"' in tag_html
    assert f"{html_id}_error" in tag_html  # aria-describedby points at the error
    assert escape(message) in error_block(content, html_id)


def test_decision_criminal_without_victim_keeps_the_reasoning(client, school, leader):
    incident = IncidentFactory(school=school, assessing=True)
    reasoning = 'Bedreiging met geweld in een "grap" van twee leerlingen & hun vrienden.'
    client.force_login(leader)
    response = client.post(record_url(incident, "decision"), {
        "decision-decision": "criminal", "decision-victim_type": "", "decision-decision_reasoning": reasoning,
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert escape(reasoning) in field_textarea(content, "id_decision-decision_reasoning")
    assert '<option value="criminal" selected>' in content
    assert_field_error(content, "select", "id_decision-victim_type",
                       gettext("Choose who the victim is: a pupil, a staff member or the school."))
    # The other fields of the form are not marked.
    assert "is-invalid" not in field_tag(content, "select", "id_decision-decision")
    assert "is-invalid" not in field_tag(content, "textarea", "id_decision-decision_reasoning")
    incident.refresh_from_db()
    assert incident.decision == "" and incident.decision_reasoning == ""


def field_textarea(content, html_id):
    match = re.search(rf"<textarea\b[^>]*\bid=\"{re.escape(html_id)}\"[^>]*>(.*?)</textarea>", content, re.S)
    assert match, f"no textarea {html_id}"
    return match.group(1)


def test_a_service_refusal_lands_on_the_field_and_keeps_the_message_text(client, school, leader):
    """External before internal is refused by the service; the page ties it to the audience field."""
    incident = IncidentFactory(school=school, communicating=True)
    summary = "Brief aan alle ouders van klas 3B over het nepaccount."
    client.force_login(leader)
    response = client.post(record_url(incident, "message"), {
        "message-audience": "external",
        "message-sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "message-channel": "brief", "message-recipients": "Ouders klas 3B", "message-summary": summary,
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert_field_error(content, "select", "id_message-audience",
                       gettext("Communicate internally first: log the internal message before any external one."))
    assert escape(summary) in field_textarea(content, "id_message-summary")
    assert 'value="Ouders klas 3B"' in field_tag(content, "input", "id_message-recipients")
    assert not Message.objects.filter(incident=incident).exists()


def test_takedown_not_possible_without_reason_keeps_the_description(client, school, leader):
    incident = IncidentFactory(school=school, containing=True)
    client.force_login(leader)
    response = client.post(record_url(incident, "takedown"), {
        "takedown-platform": "tiktok", "takedown-url": "https://www.tiktok.com/@nep/video/1",
        "takedown-description": "Filmpje in de kleedkamer", "takedown-outcome": "not_possible", "takedown-outcome_reason": "",
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert_field_error(content, "textarea", "id_takedown-outcome_reason", gettext("Explain why removal is not possible."))
    assert 'value="Filmpje in de kleedkamer"' in field_tag(content, "input", "id_takedown-description")
    assert not Takedown.objects.filter(incident=incident, description="Filmpje in de kleedkamer").exists()


def test_waiver_without_reason_is_refused_at_the_reason_field(client, school, leader):
    incident = IncidentFactory(school=school, assessing=True)
    client.force_login(leader)
    response = client.post(record_url(incident, "waiver"), {"waiver-item": "sanctions", "waiver-reason": ""})
    assert response.status_code == 400
    content = response.content.decode()
    tag = field_tag(content, "textarea", "id_waiver-reason")
    assert "is-invalid" in tag and 'aria-invalid="true"' in tag
    assert '<option value="sanctions" selected>' in content
    assert not Waiver.objects.filter(incident=incident).exists()


def test_report_form_keeps_everything_typed_when_a_field_is_wrong(client, school, staff):
    description = "Iemand zet foto's van de gymles op Snapchat."
    links = "https://www.snapchat.com/add/nep\nhttps://www.snapchat.com/add/nep2"
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        "school": school.pk, "category": "", "platform": "snapchat", "description": description,
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "links": links,
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert escape(description) in field_textarea(content, "id_description")
    assert escape(links) in field_textarea(content, "id_links")
    assert '<option value="snapchat" selected>' in content
    tag = field_tag(content, "select", "id_category")
    assert "is-invalid" in tag and 'aria-invalid="true"' in tag


def test_a_refused_step_change_keeps_its_note(client, school, leader):
    incident = IncidentFactory(school=school)
    note = "Direct oppakken: ouders hebben al gebeld."
    client.force_login(leader)
    response = client.post(reverse("incidents:transition", args=[incident.pk, "start_gathering"]), {"transition-note": note})
    assert response.status_code == 400
    content = response.content.decode()
    assert escape(note) in field_textarea(content, "note-start_gathering")
    assert escape(gettext("Set the severity of the report.")) in content
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert not incident.transitions.exists()


@pytest.mark.parametrize("bad_link", ["javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x"])
def test_report_form_refuses_links_that_are_not_web_addresses(client, school, staff, bad_link):
    description = "Nepaccount op Instagram."
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        "school": school.pk, "category": "identity_fraud", "platform": "instagram", "description": description,
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "links": f"https://www.instagram.com/nep\n{bad_link}",
    })
    assert response.status_code == 400
    content = response.content.decode()
    tag = field_tag(content, "textarea", "id_links")
    assert "is-invalid" in tag and 'aria-invalid="true"' in tag
    assert escape(description) in field_textarea(content, "id_description")
    assert not Incident.objects.exists()


def test_a_refused_takedown_outcome_comes_back_with_what_was_typed(client, school, leader):
    """"Not possible" without a reason: the page returns with the choice kept and the error at the reason."""
    incident = IncidentFactory(school=school, containing=True)
    takedown = Takedown.objects.create(incident=incident, created_by=leader, step=incident.state, platform="tiktok",
                                       description="Filmpje in de kleedkamer")
    prefix = f"takedown-{takedown.pk}"
    client.force_login(leader)
    response = client.post(reverse("incidents:takedown_outcome", args=[incident.pk, takedown.pk]), {
        f"{prefix}-outcome": "not_possible", f"{prefix}-outcome_reason": "   ",
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert '<option value="not_possible" selected>' in content
    assert_field_error(content, "textarea", f"id_{prefix}-outcome_reason", gettext("Explain why removal is not possible."))
    takedown.refresh_from_db()
    assert takedown.outcome == "pending" and takedown.outcome_at is None

    reason = "Het account staat in een ander land; TikTok reageert niet."
    response = client.post(reverse("incidents:takedown_outcome", args=[incident.pk, takedown.pk]), {
        f"{prefix}-outcome": "not_possible", f"{prefix}-outcome_reason": reason,
    })
    assert response.status_code == 302
    takedown.refresh_from_db()
    assert (takedown.outcome, takedown.outcome_reason) == ("not_possible", reason)


def test_a_step_change_with_a_refused_note_does_not_drop_the_note(client, school, leader):
    """A note over the limit is refused; the step does not change without it and the note comes back."""
    from incidents.walkthrough import do_step_work

    incident = IncidentFactory(school=school)
    do_step_work(incident, leader)
    note = "Ouders hebben gebeld. " * 300  # over the 5,000 characters a note may hold
    client.force_login(leader)
    response = client.post(reverse("incidents:transition", args=[incident.pk, "start_gathering"]), {"transition-note": note})
    assert response.status_code == 400
    assert escape(note) in field_textarea(response.content.decode(), "note-start_gathering")
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert not incident.transitions.exists()


@pytest.mark.parametrize("chosen", ["other", "nonsense", "999999"])
def test_a_report_for_a_school_that_is_not_yours_is_refused_at_the_school_field(client, school, staff, chosen):
    """The school list is read once; a choice outside it gets Django's own Dutch refusal, and nothing is saved."""
    other = SchoolFactory(board=school.board)
    second = SchoolFactory(board=school.board)
    MembershipFactory(user=staff, role=Role.STAFF, school=second, board=school.board)  # two schools: a visible choice
    value = {"other": other.pk, "nonsense": "abc", "999999": 999999}[chosen]
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        "school": value, "category": "bullying", "platform": "snapchat", "description": "Nepaccount.",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 400
    assert_field_error(response.content.decode(), "select", "id_school",
                       str(ModelChoiceField.default_error_messages["invalid_choice"]))
    assert not Incident.objects.exists()

    response = client.post(reverse("incidents:report"), {
        "school": second.pk, "category": "bullying", "platform": "snapchat", "description": "Nepaccount.",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 302
    assert Incident.objects.get().school == second


@pytest.mark.django_db
def test_the_report_form_starts_at_the_usual_school(client, school, sister_school):
    """The school last reported for; before any report, the first school the user joined (not the alphabet's first)."""
    from portal.models import Role
    from tests.factories import IncidentFactory, MembershipFactory, member

    reporter = member(Role.STAFF, school=school)  # Het Baken, then De Horizon
    MembershipFactory(user=reporter, school=sister_school, role=Role.STAFF)
    client.force_login(reporter)

    def chosen():
        form = client.get("/melden/").context["form"]
        return form["school"].value()

    assert chosen() == school.pk
    IncidentFactory(school=sister_school, reporter=reporter)
    assert chosen() == sister_school.pk
    IncidentFactory(school=school, reporter=reporter)
    assert chosen() == school.pk
