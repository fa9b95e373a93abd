"""A sanction tied to a case is only for a person currently linked to that case; and a person's link is not
withdrawn while a proposed or decided sanction on the case rests on it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import InvolvementRole
from sanctions.models import Sanction
from tests.factories import IncidentFactory, PersonFactory

from .support import impose, involve, measure

pytestmark = pytest.mark.django_db


def _form_url(person, incident):
    return reverse("sanctions:create") + f"?person={person.pk}&incident={incident.pk}"


def test_the_page_refuses_a_sanction_on_a_case_the_person_is_not_linked_to(client, school, leader):
    case = IncidentFactory(school=school, gathering=True)
    outsider = PersonFactory(school=school, first_name="Noor", last_name="Buiten")
    client.force_login(leader)
    response = client.get(_form_url(outsider, case))
    assert response.status_code == 403
    assert "niet (meer) gekoppeld" in response.content.decode()
    response = client.post(_form_url(outsider, case), {
        "sanction-measure": measure("pupil", "network_suspended").pk,
        "sanction-decision": "Geen toegang.", "sanction-reasoning": "Nepaccount.",
        "sanction-starts_on": timezone.localdate().isoformat(),
        "sanction-ends_on": (timezone.localdate() + timezone.timedelta(days=7)).isoformat(),
    })
    assert response.status_code == 403
    assert not Sanction.objects.exists()


def test_the_service_refuses_a_sanction_on_a_case_after_the_link_was_withdrawn(school, leader):
    case = IncidentFactory(school=school, gathering=True)
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    involvement = involve(case, milan, InvolvementRole.PERPETRATOR, leader)
    incident_services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde Milan.")
    with pytest.raises(ValidationError) as refused:
        impose(milan, leader, "warning", incident=case)
    assert "incident" in refused.value.error_dict
    assert not Sanction.objects.exists()
    # From the dossier, without a case, it stays possible.
    assert impose(milan, leader, "warning").incident is None


def test_the_refusal_for_lack_of_authority_comes_from_the_service(school, pupil):
    from sanctions import services
    from tests.factories import member
    from portal.models import Role

    staff = member(Role.STAFF, school=school)
    assert services.sanction_impose_refusal(actor=staff, person=pupil)
    with pytest.raises(PermissionDenied):
        impose(pupil, staff, "warning")


@pytest.mark.parametrize("code", ["warning", "removal"])
def test_a_link_with_a_sanction_on_the_case_is_not_withdrawn(client, dutch, school, leader, code):
    case = IncidentFactory(school=school, gathering=True)
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    involvement = involve(case, milan, InvolvementRole.PERPETRATOR, leader)
    sanction = impose(milan, leader, code, incident=case)
    assert sanction.status == ("decided" if code == "warning" else "proposed")
    with pytest.raises(ValidationError) as refused:
        incident_services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde Milan.")
    assert sanction.measure_label in " ".join(refused.value.messages)
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is None
    # On the page the reason is shown in Dutch.
    client.force_login(leader)
    url = reverse("incidents:record_withdraw", args=[case.pk, involvement.record_type(), involvement.pk])
    response = client.post(url, {"withdraw-reason": "Verkeerde Milan."})
    assert response.status_code == 400
    content = response.content.decode()
    assert "heeft een sanctie in deze zaak" in content and "Verkeerd" in content


def test_a_link_is_withdrawn_once_the_board_rejected_the_proposal(school, leader, board_member):
    from sanctions import services

    case = IncidentFactory(school=school, gathering=True)
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    involvement = involve(case, milan, InvolvementRole.PERPETRATOR, leader)
    sanction = impose(milan, leader, "removal", incident=case)
    assert sanction.status == "proposed"
    services.sanction_decide(sanction=sanction, actor=board_member, approve=False, reason="Geen grond.")
    incident_services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde Milan.")
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is not None
