"""Once the FG has a breach review, it stays theirs: the privacy flag stays, the FG keeps the case, only the FG
concludes the review (also as "no data breach"), and the case is not closed while the review is open."""

import csv
import datetime
import importlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents import deadlines, services
from incidents.models import BreachAssessment, Evaluation, Incident
from incidents.walkthrough import walk_to
from portal.models import Notification, Role

from ..api.conftest import token_client
from ..factories import IncidentFactory, member

DISCOVERED = datetime.datetime(2026, 5, 11, 8, 0, tzinfo=datetime.timezone.utc)
CLOSING_REFUSED = "Fenna Gerritsen — heeft de beoordeling van het datalek nog niet afgerond"


@pytest.fixture
def fg(school):
    return member(Role.PRIVACY_OFFICER, board=school.board, first_name="Fenna", last_name="Gerritsen",
                  email="fg@bestuur.nl")


@pytest.fixture
def breach(school, leader, fg, time_machine):
    time_machine.move_to(DISCOVERED, tick=False)
    return IncidentFactory(school=school, privacy_flag=True, discovered_at=DISCOVERED)


def triage(client, incident, **fields):
    data = {"triage-severity": "high", "triage-category": "bullying", **fields}
    return client.post(reverse("incidents:record", args=[incident.pk, "triage"]), data)


def conclude_no_breach(fg, incident):
    return services.breach_assess(incident=incident, actor=fg, risk="no_breach",
                                  risk_reasoning="Alleen een klassenlijst zonder persoonsgegevens; geen datalek.")


@pytest.mark.django_db
def test_clearing_the_privacy_box_of_a_case_under_review_is_refused_at_the_field(client, leader, breach, dutch):
    client.force_login(leader)
    response = triage(client, breach, **{"triage-severity": "critical"})  # the box left empty

    assert response.status_code == 400
    form = response.context["forms"]["triage"]
    error = " ".join(form.errors["privacy_flag"])
    assert "Fenna Gerritsen" in error and "vraag de FG" in error
    assert 'value="critical" selected' in response.content.decode()  # what was typed comes back
    breach.refresh_from_db()
    assert breach.privacy_flag and breach.severity == ""

    with pytest.raises(ValidationError) as refused:
        services.incident_triage(incident=breach, actor=leader, severity="high", category="bullying", privacy_flag=False)
    assert "privacy_flag" in refused.value.error_dict


@pytest.mark.django_db
def test_the_case_page_says_why_the_box_stays(client, leader, breach, dutch):
    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[breach.pk])).content.decode()
    assert "Alleen de FG rondt de beoordeling af, ook als het geen datalek is." in content


@pytest.mark.django_db
def test_after_a_try_to_clear_the_box_the_fg_keeps_the_case_the_queue_the_register_and_the_overdue_count(
        client, leader, fg, breach, time_machine):
    client.force_login(leader)
    triage(client, breach)  # the box left empty
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=80), tick=False)

    client.force_login(fg)
    assert client.get(reverse("incidents:detail", args=[breach.pk])).status_code == 200
    assert client.get(reverse("incidents:breach_detail", args=[breach.pk])).status_code == 200
    assert token_client(fg).get(f"/api/v1/incidents/{breach.pk}/").status_code == 200
    queue = client.get(reverse("incidents:breach_queue"))
    assert [a.incident for a in queue.context["page"]] == [breach]
    register = client.get(reverse("incidents:breach_register"))
    assert [a.incident for a in register.context["page"]] == [breach]
    assert queue.context["nav_breaches_overdue"] == 1
    privacy_cases = client.get(reverse("incidents:dashboard"), {"privacy": "on"})
    assert f"/zaken/{breach.pk}/" in privacy_cases.content.decode()


@pytest.mark.django_db
def test_a_case_whose_box_was_cleared_before_is_flagged_again_by_the_migration(fg, breach):
    from django.apps import apps

    Incident.objects.filter(pk=breach.pk).update(privacy_flag=False)  # as the old triage left it
    unflagged = IncidentFactory(school=breach.school)
    migration = importlib.import_module("incidents.migrations.0009_breach_review_stays_with_the_fg")
    migration.flag_cases_under_review(apps, None)
    assert Incident.objects.get(pk=breach.pk).privacy_flag
    assert not Incident.objects.get(pk=unflagged.pk).privacy_flag


@pytest.mark.django_db
def test_only_the_fg_concludes_no_data_breach_and_it_stays_in_the_register_with_that_conclusion(
        client, leader, fg, breach, dutch):
    with pytest.raises(PermissionDenied):
        services.breach_assess(incident=breach, actor=leader, risk="no_breach", risk_reasoning="Niets aan de hand.")

    client.force_login(fg)
    response = client.post(reverse("incidents:breach_detail", args=[breach.pk]), {
        "breach-risk": "no_breach", "breach-risk_reasoning": "Een lijst met alleen voornamen; geen datalek.",
    })
    assert response.status_code == 302
    review = BreachAssessment.objects.get(incident=breach)
    assert (review.risk, review.decided_by, review.ap_decision_open) == ("no_breach", fg, False)

    register = client.get(reverse("incidents:breach_register"))
    assert [a.incident for a in register.context["page"]] == [breach]
    assert "Geen datalek" in register.content.decode()
    export = client.get(reverse("incidents:breach_register"), {"export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff")), delimiter=";"))
    assert [(row["Kenmerk"], row["Conclusie"], row["Status"]) for row in rows] == [(breach.reference, "Geen datalek", "Afgerond")]
    assert client.get(reverse("incidents:breach_queue")).context["page"].paginator.count == 0

    client.force_login(leader)
    case_page = client.get(reverse("incidents:detail", args=[breach.pk])).content.decode()
    assert "Geen datalek" in case_page


@pytest.mark.django_db
def test_no_data_breach_is_not_reported_to_the_ap(fg, breach):
    with pytest.raises(ValidationError) as refused:
        services.breach_assess(incident=breach, actor=fg, risk="no_breach", risk_reasoning="Geen datalek.",
                               ap_notified_at=DISCOVERED, ap_reference="AP-1")
    assert "ap_notified_at" in refused.value.error_dict


@pytest.fixture
def evaluated_breach(breach, leader):
    walk_to(breach, "evaluating", leader)
    services.incident_add_record(incident=breach, actor=leader,
                                 record=Evaluation(protocol_worked="yes", measures_worked="De maatregelen werkten."))
    breach.refresh_from_db()
    return breach


@pytest.mark.django_db
def test_a_case_with_an_open_review_cannot_be_closed_on_the_page(client, leader, fg, evaluated_breach, dutch):
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[evaluated_breach.pk]))
    assert any(CLOSING_REFUSED in str(item) for item in page.context["missing"])
    [(name, _label, _reason, blocked_by)] = page.context["transitions"]
    assert name == "close" and any(CLOSING_REFUSED in str(item) for item in blocked_by)

    response = client.post(reverse("incidents:transition", args=[evaluated_breach.pk, "close"]),
                           {"transition-note": "Alles afgehandeld."})
    assert response.status_code == 400
    assert CLOSING_REFUSED in response.content.decode()
    assert "Alles afgehandeld." in response.content.decode()
    evaluated_breach.refresh_from_db()
    assert evaluated_breach.state == "evaluating"

    conclude_no_breach(fg, evaluated_breach)
    response = client.post(reverse("incidents:transition", args=[evaluated_breach.pk, "close"]), {"transition-note": ""})
    assert response.status_code == 302
    evaluated_breach.refresh_from_db()
    assert evaluated_breach.state == "closed"


@pytest.mark.django_db
def test_a_case_with_an_open_review_cannot_be_closed_through_the_api(leader, fg, evaluated_breach, dutch):
    api = token_client(leader)
    url = f"/api/v1/incidents/{evaluated_breach.pk}/transitions/"
    [option] = api.get(url).json()["available"]
    assert option["name"] == "close" and any(CLOSING_REFUSED in item for item in option["blocked_by"])

    response = api.post(url, {"name": "close", "note": ""}, format="json")
    assert response.status_code == 400
    assert any(CLOSING_REFUSED in message for message in response.json()["non_field_errors"])

    conclude_no_breach(fg, evaluated_breach)
    assert api.get(url).json()["available"][0]["blocked_by"] == []
    assert api.post(url, {"name": "close", "note": ""}, format="json").json()["state"] == "closed"


@pytest.mark.django_db
def test_a_report_under_review_cannot_be_dismissed_either(client, leader, fg, breach, dutch):
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[breach.pk])).content.decode()
    assert 'id="blocked-dismiss"' in page and CLOSING_REFUSED in page
    assert 'aria-describedby="blocked-dismiss" data-transition="dismiss"' in page

    response = token_client(leader).post(f"/api/v1/incidents/{breach.pk}/transitions/",
                                         {"name": "dismiss", "note": "Geen incident."}, format="json")
    assert response.status_code == 400 and CLOSING_REFUSED in response.json()["non_field_errors"][0]
    breach.refresh_from_db()
    assert breach.state == "reported"

    conclude_no_breach(fg, breach)
    response = token_client(leader).post(f"/api/v1/incidents/{breach.pk}/transitions/",
                                         {"name": "dismiss", "note": "Geen incident."}, format="json")
    assert response.json()["state"] == "dismissed"


@pytest.mark.django_db
def test_reminders_stop_when_the_fg_concludes_not_when_the_box_is_cleared(client, leader, fg, breach, time_machine):
    client.force_login(leader)
    triage(client, breach)  # the box left empty
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=24), tick=False)
    deadlines.breach_deadline_reminders()
    assert Notification.objects.filter(kind="breach_deadline", recipient=fg).count() == 1

    conclude_no_breach(fg, breach)
    for hours in (48, 66, 80):
        time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours), tick=False)
        deadlines.breach_deadline_reminders()
    assert Notification.objects.filter(kind__in=["breach_deadline", "breach_overdue"], recipient=fg).count() == 1
