"""The FG's review: queue, assessment rules, the case showing its state, overdue in red, the register."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import BreachAssessment
from portal.models import AuditEvent, Role

from ..factories import IncidentFactory, SchoolFactory, member

NOW = datetime.datetime(2026, 5, 11, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def fg(school):
    return member(Role.PRIVACY_OFFICER, board=school.board)


@pytest.fixture
def breaches(school, sister_school, leader, time_machine):
    time_machine.move_to(NOW, tick=False)
    return {
        "late": IncidentFactory(school=school, privacy_flag=True, discovered_at=NOW - datetime.timedelta(hours=80)),
        "soon": IncidentFactory(school=sister_school, privacy_flag=True, discovered_at=NOW - datetime.timedelta(hours=60)),
        "fresh": IncidentFactory(school=school, category="data_breach", discovered_at=NOW - datetime.timedelta(hours=2)),
        "foreign": IncidentFactory(school=SchoolFactory(), privacy_flag=True, discovered_at=NOW - datetime.timedelta(hours=90)),
        "not_privacy": IncidentFactory(school=school),
    }


@pytest.mark.django_db
def test_the_fg_queue_is_board_wide_and_ordered_by_deadline(client, fg, breaches):
    client.force_login(fg)
    response = client.get("/datalekken/")
    assert response.status_code == 200
    page = [a.incident for a in response.context["page"]]
    assert page == [breaches["late"], breaches["soon"], breaches["fresh"]]


@pytest.mark.django_db
def test_overdue_breaches_show_in_red_on_every_page_the_fg_sees(client, fg, breaches):
    client.force_login(fg)
    for url in ["/datalekken/", "/zaken/", "/meldingen/", f"/zaken/{breaches['fresh'].pk}/"]:
        content = client.get(url).content.decode()
        assert 'id="breach-overdue"' in content and "alert-danger" in content, url


@pytest.mark.django_db
def test_school_leader_does_not_get_the_fg_banner_or_queue(client, leader, breaches):
    client.force_login(leader)
    assert 'id="breach-overdue"' not in client.get("/zaken/").content.decode()
    assert client.get("/datalekken/").status_code == 403


@pytest.mark.django_db
def test_a_foreign_boards_breach_is_not_found_for_the_fg(client, fg, breaches):
    client.force_login(fg)
    assert client.get(f"/datalekken/{breaches['foreign'].pk}/").status_code == 404
    assert client.get(f"/datalekken/{breaches['not_privacy'].pk}/").status_code == 404


@pytest.mark.django_db
def test_assessment_with_risk_needs_the_ap_reference_and_keeps_what_was_typed(client, fg, breaches):
    client.force_login(fg)
    incident = breaches["soon"]
    response = client.post(f"/datalekken/{incident.pk}/", {
        "breach-risk": "high", "breach-risk_reasoning": "Medische gegevens van 12 leerlingen gedeeld.",
        "breach-data_description": "Zorgdossiers", "breach-ap_notified_at": "2026-05-11T10:00",
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert "Medische gegevens van 12 leerlingen gedeeld." in content
    assert response.context["form"].errors["ap_reference"]
    assert BreachAssessment.objects.get(incident=incident).decided_at is None


@pytest.mark.django_db
def test_a_complete_assessment_settles_the_clock_and_shows_on_the_case(client, fg, leader, breaches):
    client.force_login(fg)
    incident = breaches["late"]
    response = client.post(f"/datalekken/{incident.pk}/", {
        "breach-risk": "high", "breach-risk_reasoning": "Adressen en foto's van leerlingen openbaar.",
        "breach-data_subjects": "Leerlingen van groep 8", "breach-ap_notified_at": "2026-05-11T11:00",
        "breach-ap_reference": "AP-2026-0042", "breach-subjects_informed_at": "2026-05-11T11:30",
        "breach-subjects_informed_how": "Brief aan de ouders",
    })
    assert response.status_code == 302
    review = BreachAssessment.objects.get(incident=incident)
    assert review.decided_by == fg and review.ap_reference == "AP-2026-0042"
    assert not review.ap_decision_open and not review.is_overdue
    assert AuditEvent.objects.filter(action="breach.assess", object_id=str(incident.pk)).exists()

    client.force_login(leader)
    case_page = client.get(f"/zaken/{incident.pk}/").content.decode()
    assert 'id="breach-review"' in case_page and "AP-2026-0042" in case_page


@pytest.mark.django_db
def test_only_the_fg_of_the_board_may_assess(leader, breaches):
    with pytest.raises(PermissionDenied):
        services.breach_assess(incident=breaches["fresh"], actor=leader, risk="none", risk_reasoning="Geen risico.")


@pytest.mark.django_db
def test_no_risk_means_no_ap_report(fg, breaches):
    with pytest.raises(ValidationError) as error:
        services.breach_assess(incident=breaches["fresh"], actor=fg, risk="none", risk_reasoning="Geen risico.",
                               ap_notified_at=timezone.now(), ap_reference="AP-1")
    assert "ap_notified_at" in error.value.error_dict


@pytest.mark.django_db
def test_the_ap_cannot_have_been_told_before_the_breach_was_discovered(client, fg, breaches):
    client.force_login(fg)
    incident = breaches["fresh"]  # discovered at 12:00 Amsterdam time
    response = client.post(f"/datalekken/{incident.pk}/", {
        "breach-risk": "risk", "breach-risk_reasoning": "Namen van leerlingen in een open groep.",
        "breach-ap_notified_at": "2026-05-11T11:00", "breach-ap_reference": "AP-2026-0043",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["ap_notified_at"] == [
        "Het datalek kan niet bij de AP gemeld zijn voordat het werd ontdekt (11-05-2026 12:00). Controleer het tijdstip."]
    assert "Namen van leerlingen in een open groep." in response.content.decode()
    assert not BreachAssessment.objects.filter(incident=incident, decided_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_data_subjects_cannot_have_been_told_before_the_breach_was_discovered(fg, breaches):
    incident = breaches["fresh"]
    with pytest.raises(ValidationError) as error:
        services.breach_assess(incident=incident, actor=fg, risk="high", risk_reasoning="Zorgdossiers gedeeld.",
                               ap_notified_at=incident.discovered_at, ap_reference="AP-1",
                               subjects_informed_at=incident.discovered_at - datetime.timedelta(days=1),
                               subjects_informed_how="Brief aan de ouders")
    assert list(error.value.error_dict) == ["subjects_informed_at"]


@pytest.mark.django_db
def test_a_report_in_the_minute_of_discovery_is_taken(fg, school, time_machine):
    time_machine.move_to(NOW, tick=False)
    incident = IncidentFactory(school=school, privacy_flag=True, discovered_at=NOW - datetime.timedelta(minutes=30, seconds=-40))
    minute = incident.discovered_at.replace(second=0)  # what the form's minutes make of the moment of discovery
    review = services.breach_assess(incident=incident, actor=fg, risk="high", risk_reasoning="Zorgdossiers gedeeld.",
                                    ap_notified_at=minute, ap_reference="AP-1", subjects_informed_at=minute,
                                    subjects_informed_how="Brief aan de ouders")
    assert review.ap_notified_at == minute and review.is_concluded


@pytest.mark.django_db
def test_the_register_keeps_every_breach_filters_and_exports_csv(client, fg, breaches):
    services.breach_assess(incident=breaches["fresh"], actor=fg, risk="none", risk_reasoning="Geen risico.")
    client.force_login(fg)

    everything = client.get("/datalekken/register/")
    assert everything.context["page"].paginator.count == 3  # decided ones stay in the register

    only_decided = client.get("/datalekken/register/?status=decided")
    assert [a.incident for a in only_decided.context["page"]] == [breaches["fresh"]]

    export = client.get("/datalekken/register/?status=overdue&export=csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode()), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [breaches["late"].reference]
    assert AuditEvent.objects.filter(action="export.breaches", actor=fg).exists()


@pytest.mark.django_db
def test_a_school_leader_cannot_open_the_register(client, leader, breaches):
    client.force_login(leader)
    assert client.get("/datalekken/register/").status_code == 403
    assert client.get("/datalekken/register/?export=csv").status_code == 403
