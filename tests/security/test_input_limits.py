"""The window and the limits of portal.validators, held wherever a value comes in:

- the protocol's adoption and review dates (form and service);
- the number of links on a report (form and API), named at the field;
- the consent import: an oversized field and control characters in a cell, refused in Dutch;
- the browser's bounds on a day count, taken from its validators;
- the services' "not in the future" check, which is the fields' own validator;
- the breach register: who keeps which board's register is the permission's answer.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rules import has_perm

from consent.models import StudentNumber
from incidents.models import Evidence, Incident
from incidents.selectors import breach_list_visible_to
from meldpunt.protocols import board_adopt_protocol
from portal.models import PersonKind, ProtocolProfile, ProtocolVersion, Role
from portal.validators import MAX_DAYS
from sanctions.models import LviReport, Measure, Sanction
from sanctions.services import lvi_report_start, sanction_impose
from tests.api.conftest import token_client
from tests.factories import BoardFactory, IncidentFactory, MembershipFactory, PersonFactory, SchoolFactory, member

from .test_bad_input import changed_tables, snapshot
from .test_input_window import TOO_EARLY, form_errors, refused_at, sanction_world  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

TOO_LATE = "Vul een datum in die hoogstens 5 jaar na vandaag ligt."


# The protocol's dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("adopted_on", "0001-01-01", TOO_EARLY),
    ("adopted_on", "9999-12-31", TOO_LATE),
    ("review_on", "9999-12-31", TOO_LATE),
])
def test_the_protocol_adoption_refuses_a_date_outside_the_window(client, school, field, value, message):
    client.force_login(member(Role.ADMIN, board=school.board))
    profile = ProtocolProfile.objects.get(code="vario-000")
    data = {"profile": profile.pk, "version": "2026.1", "adopted_on": "2026-09-01", field: value}
    before = snapshot()
    refused_at(client.post("/protocol/", data), field, message, before=before, kept=["2026.1", value])
    assert not ProtocolVersion.objects.filter(board=school.board).exists()


def test_the_adoption_service_holds_the_window_for_every_caller(school):
    profile = ProtocolProfile.objects.get(code="vario-000")
    with pytest.raises(ValidationError) as error:
        board_adopt_protocol(board=school.board, profile=profile, version="1", adopted_on=datetime.date(9999, 12, 31))
    assert list(error.value.message_dict) == ["adopted_on"]
    assert not ProtocolVersion.objects.filter(board=school.board).exists()


# Links on a report ----------------------------------------------------------------------------------------

def test_a_report_with_more_links_than_the_limit_is_refused_at_the_field(client, school):
    client.force_login(member(Role.STAFF, school=school))
    assert "hoogstens 20 links" in client.get("/melden/").content.decode()
    description = "Een groepsapp met honderden doorgestuurde berichten."
    links = "\n".join(f"https://example.org/post/{n}" for n in range(500))
    data = {"school": school.pk, "category": "bullying", "platform": "whatsapp", "description": description,
            "discovered_at": timezone.localtime(timezone.now() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "links": links}
    before = snapshot()
    response = client.post("/melden/", data)
    refused_at(response, "links", "Geef hoogstens 20 links tegelijk; je gaf er 500. Voeg de andere daarna toe.",
               before=before, kept=[description, "https://example.org/post/499"])
    assert not Evidence.objects.exists()


def test_twenty_links_are_taken(client, school):
    client.force_login(member(Role.STAFF, school=school))
    links = "\n".join(f"https://example.org/post/{n}" for n in range(20))
    response = client.post("/melden/", {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Twintig berichten.",
        "discovered_at": timezone.localtime(timezone.now() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "links": links})
    assert response.status_code == 302
    assert Evidence.objects.count() == 20


def test_the_api_holds_the_same_link_limit_with_json(school, staff):
    api = token_client(staff)
    report = {"school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Veel links."}
    response = api.post("/api/v1/incidents/", {**report, "links": [f"https://example.org/{n}" for n in range(500)]},
                        format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"links": ["Geef hoogstens 20 links tegelijk; je gaf er 500. Voeg de andere daarna toe."]}
    with override_settings(MELDPUNT_MAX_LINKS=3):  # the one setting decides
        response = api.post("/api/v1/incidents/", {**report, "links": [f"https://example.org/{n}" for n in range(4)]},
                            format="json")
    assert response.status_code == 400 and list(response.json()) == ["links"]
    assert not Incident.objects.exists() and not Evidence.objects.exists()


# The consent import ---------------------------------------------------------------------------------------

HEADER = "leerlingnummer;voornaam;achternaam;geboortedatum"


@pytest.fixture
def administrator(client, school):
    client.force_login(member(Role.ADMIN, board=school.board))


def import_post(client, school, content):
    return client.post(reverse("consent:import", args=[school.pk]),
                       {"file": SimpleUploadedFile("leerlingen.csv", content), "dry_run": ""})


def test_a_field_beyond_the_csv_limit_is_a_dutch_error_at_the_file(client, school, administrator):
    before = snapshot()
    response = import_post(client, school, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 400
    errors = form_errors(response, "file")
    assert any(error.startswith("Regel 1 bevat een veld van meer dan 131072 tekens") for error in errors), errors
    assert "field limit" not in response.content.decode()
    assert not changed_tables(before, snapshot())


def test_a_control_character_in_a_name_refuses_the_row_by_its_line(client, school, administrator):
    content = f"{HEADER}\n1001;Zoë;Dijk;03-04-2012\n1002;Da\x07an;Jansen;31-12-2011\n".encode()
    before = snapshot()
    response = import_post(client, school, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert escape("Regel 3 bevat een onzichtbaar stuurteken in voornaam.") in page
    assert not changed_tables(before, snapshot())
    assert not StudentNumber.objects.filter(school=school).exists()
    assert not PersonFactory._meta.model.objects.filter(school=school, kind=PersonKind.PUPIL).exists()


# A day count's bounds in the browser ----------------------------------------------------------------------

def test_the_day_count_widget_offers_what_the_server_accepts(client, leader, sanction_world):  # noqa: F811
    url, _suspension = sanction_world
    client.force_login(leader)
    page = client.get(url).content.decode()
    days = re.search(r"<input[^>]*name=\"sanction-days\"[^>]*>", page).group(0)
    assert 'min="1"' in days and f'max="{MAX_DAYS}"' in days, days


# The services check a moment with the fields' own validator -----------------------------------------------

def test_the_services_refuse_a_moment_before_2000_like_the_fields(school, leader):
    pupil = PersonFactory(school=school)
    suspension = Measure.objects.get(board__isnull=True, subject_kind="pupil", code="suspension")
    long_ago = timezone.make_aware(datetime.datetime(1999, 6, 1, 10, 0))
    with pytest.raises(ValidationError) as error:
        sanction_impose(person=pupil, actor=leader, measure=suspension, decision="Schorsing.", reasoning="Dreiging.",
                        days=2, guardians_contacted_at=long_ago, guardians_contacted_how="Telefonisch.")
    assert error.value.message_dict["guardians_contacted_at"] == [TOO_EARLY]
    assert not Sanction.objects.exists()
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF)
    with pytest.raises(ValidationError) as error:
        lvi_report_start(person=teacher, actor=leader, staff_told_at=long_ago, staff_told_how="In een gesprek.")
    assert error.value.message_dict["staff_told_at"] == [TOO_EARLY]
    assert not LviReport.objects.exists()


# Who keeps which breach register ---------------------------------------------------------------------------

def test_the_breach_register_permission_answers_per_board(school):
    other_board = BoardFactory()
    other_school = SchoolFactory(board=other_board)
    officer = member(Role.PRIVACY_OFFICER, board=school.board)
    MembershipFactory(user=officer, role=Role.STAFF, school=other_school, board=other_board)
    assert has_perm("incidents.view_breach_register", officer)
    assert has_perm("incidents.view_breach_register", officer, school.board)
    assert not has_perm("incidents.view_breach_register", officer, other_board)
    ours = IncidentFactory(school=school, privacy_flag=True)
    theirs = IncidentFactory(school=other_school, privacy_flag=True)
    from incidents.models import BreachAssessment

    for incident in (ours, theirs):
        BreachAssessment.objects.get_or_create(incident=incident, defaults={"discovered_at": incident.discovered_at})
    assert [row.incident for row in breach_list_visible_to(user=officer)] == [ours]
