"""A record's page (its values and history) is for everyone who sees the whole case; only the school leader
gets the forms to correct or withdraw it. A withdrawn record is not corrected: the service refuses, the page
says why in Dutch."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import Involvement, InvolvementRole
from tests.factories import IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _url(record, name="incidents:record_detail"):
    return reverse(name, args=[record.incident_id, record.record_type(), record.pk])


@pytest.fixture
def involvement(school, leader):
    case = IncidentFactory(school=school, gathering=True)
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    return services.incident_add_record(incident=case, actor=leader,
                                        record=Involvement(person=milan, role=InvolvementRole.PERPETRATOR, note="Eerst"))


def test_the_board_sees_a_records_history_without_the_forms(client, dutch, leader, board_member, involvement):
    services.record_correct(record=involvement, actor=leader, reason="Typfout.", role=involvement.role, note="Later")
    client.force_login(board_member)
    response = client.get(_url(involvement))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Later" in content and "Typfout." in content
    assert response.context["correction_form"] is None and response.context["withdrawal_form"] is None
    assert _url(involvement, "incidents:record_correct") not in content
    assert response["Cache-Control"] == "private, no-store"
    # Correcting and withdrawing stay the school leader's.
    assert client.post(_url(involvement, "incidents:record_correct"),
                       {"correct-role": involvement.role, "correct-note": "x", "correct-correction_reason": "x"}).status_code == 403
    assert client.post(_url(involvement, "incidents:record_withdraw"), {"withdraw-reason": "x"}).status_code == 403


def test_a_withdrawn_record_is_not_corrected_and_the_page_says_why(client, dutch, leader, involvement):
    services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde Milan.")
    with pytest.raises(ValidationError):
        services.record_correct(record=involvement, actor=leader, reason="Toch.", note="Anders")
    client.force_login(leader)
    page = client.get(_url(involvement))
    assert page.status_code == 200 and page.context["correction_form"] is None
    response = client.post(_url(involvement, "incidents:record_correct"),
                           {"correct-role": involvement.role, "correct-note": "Anders", "correct-correction_reason": "Toch."})
    assert response.status_code == 400
    assert "ingetrokken" in response.content.decode()
    involvement.refresh_from_db()
    assert involvement.note == "Eerst"
