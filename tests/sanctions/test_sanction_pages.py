"""The sanction form, started from the case page: imposing, proposing, and keeping what was typed on an error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from incidents.models import InvolvementRole
from portal.models import Notification
from sanctions.models import Correspondence, Sanction, SanctionStatus
from tests.factories import IncidentFactory, PersonFactory

from .support import impose, involve, measure, png_upload, sanction_url

pytestmark = pytest.mark.django_db


def create_url(person, incident=None):
    return reverse("sanctions:create") + f"?person={person.pk}" + (f"&incident={incident.pk}" if incident else "")


@pytest.fixture
def case(school, leader, pupil):
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, InvolvementRole.PERPETRATOR, leader)
    return incident


def test_the_case_page_leads_to_the_sanction_form(client, leader, pupil, case):
    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    assert f"{reverse('sanctions:create')}?person={pupil.pk}&amp;incident={case.pk}" in content
    assert client.get(create_url(pupil, case)).status_code == 200


def test_impose_through_the_page(client, leader, pupil, case):
    client.force_login(leader)
    today = timezone.localdate()
    response = client.post(create_url(pupil, case), {
        "sanction-measure": measure("pupil", "network_suspended").pk,
        "sanction-decision": "Geen toegang tot het schoolnetwerk.",
        "sanction-reasoning": "Nepaccount aangemaakt via het schoolnetwerk.",
        "sanction-starts_on": today.isoformat(),
        "sanction-ends_on": (today + timezone.timedelta(days=14)).isoformat(),
        "sanction-guardians_contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "sanction-guardians_contacted_how": "Moeder gebeld.",
        "sanction-letters": png_upload("brief.png"),
    })
    assert response.status_code == 302
    sanction = Sanction.objects.get()
    assert response["Location"] == sanction_url(sanction)
    assert sanction.incident == case
    assert sanction.person == pupil
    assert sanction.status == SanctionStatus.DECIDED
    assert sanction.ends_on == today + timezone.timedelta(days=14)
    assert sanction.guardians_contacted_by == leader
    assert sanction.effective_from == today
    letter = Correspondence.objects.get()
    assert letter.sanction == sanction and letter.person == pupil and letter.incident == case


def test_a_removal_through_the_page_goes_to_the_board(client, leader, board_member, pupil, case):
    client.force_login(leader)
    response = client.post(create_url(pupil, case), {
        "sanction-measure": measure("pupil", "removal").pk,
        "sanction-decision": "Verwijdering van school.",
        "sanction-reasoning": "Herhaalde bedreigingen ondanks schorsing.",
        "sanction-starts_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302
    sanction = Sanction.objects.get()
    assert sanction.status == SanctionStatus.PROPOSED
    assert Notification.objects.filter(kind="sanction_proposed", recipient=board_member).count() == 1


def test_an_error_keeps_what_was_typed(client, leader, pupil, case):
    client.force_login(leader)
    response = client.post(create_url(pupil, case), {
        "sanction-measure": measure("pupil", "network_suspended").pk,
        "sanction-decision": "Geen toegang tot het schoolnetwerk.",
        "sanction-reasoning": "Nepaccount aangemaakt via het schoolnetwerk.",
        "sanction-starts_on": timezone.localdate().isoformat(),
        "sanction-ends_on": "",
    })
    assert response.status_code == 400
    assert "ends_on" in response.context["form"].errors
    content = response.content.decode()
    assert "Geen toegang tot het schoolnetwerk." in content
    assert "Nepaccount aangemaakt via het schoolnetwerk." in content
    assert not Sanction.objects.exists()


def test_no_guardian_fields_for_a_staff_member(client, leader, staff_person):
    client.force_login(leader)
    form = client.get(create_url(staff_person)).context["form"]
    assert "guardians_contacted_at" not in form.fields
    assert {m.subject_kind for m in form.fields["measure"].queryset} == {"staff"}


def _listed_sanctions(response):
    assert response.status_code == 200
    return response.context["page"].object_list


def test_the_sanction_list_costs_no_query_per_row(client, school, leader, pupil, staff_person):
    impose(pupil, leader, "warning")
    client.force_login(leader)
    client.get(reverse("sanctions:list"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as for_one:
        assert len(_listed_sanctions(client.get(reverse("sanctions:list")))) == 1

    impose(staff_person, leader, "reprimand")
    impose(PersonFactory(school=school), leader, "removal")
    for code in ["talk", "phone_confiscated", "disciplinary"]:
        impose(PersonFactory(school=school), leader, code, guardians_contacted_at=timezone.now(),
               guardians_contacted_how="Gebeld.")
    with CaptureQueriesContext(connection) as for_many:
        content = client.get(reverse("sanctions:list"))
        assert len(_listed_sanctions(content)) == 6
    assert len(for_many) == len(for_one)
    assert sanction_url(Sanction.objects.get(measure__code="removal")) in content.content.decode()


def test_a_letter_damaged_inside_is_refused_at_its_field(client, leader, pupil, case):
    """Letters are re-encoded while the school leader waits: a PNG whose pixel data is damaged (complete, so the
    quick checks pass) is refused at the letters field, with the rest of the form kept, and nothing is stored."""
    from tests.portal.test_upload_checks import png_with_damaged_pixel_data

    client.force_login(leader)
    response = client.post(create_url(pupil, case), {
        "sanction-measure": measure("pupil", "warning").pk,
        "sanction-decision": "Schriftelijke waarschuwing.",
        "sanction-reasoning": "Beledigende berichten in de klassenapp.",
        "sanction-starts_on": timezone.localdate().isoformat(),
        "sanction-guardians_contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "sanction-guardians_contacted_how": "Vader gebeld.",
        "sanction-letters": SimpleUploadedFile("brief.png", png_with_damaged_pixel_data(), content_type="image/png"),
    })
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["letters"]
    assert errors["letters"] == [gettext("This image is damaged or cannot be read. Take the screenshot again.")]
    assert "Beledigende berichten in de klassenapp." in response.content.decode()
    assert not Sanction.objects.exists() and not Correspondence.objects.exists()
