"""Cases, sanctions, consent answers and dossier records are read-only in the Django admin: every change goes
through the services (who may, the row lock, the timeline and the audit). What administrators configure —
users, memberships, schools, people, tokens, the wording of the sanction catalogue — stays editable."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from sanctions.models import Measure, Sanction
from tests.factories import IncidentFactory, PersonFactory, UserFactory
from tests.sanctions.support import measure

pytestmark = pytest.mark.django_db

# Models of the domain apps the admin may still change: configuration, not decided history (a closed period of the
# school calendar changes no decided sanction's dates: tests/sanctions/test_school_calendar.py).
EDITABLE = {"sanctions.measure", "sanctions.closedperiod"}


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def registered_records():
    return sorted(
        ((model, model_admin) for model, model_admin in admin.site._registry.items()
         if model._meta.app_label in ("incidents", "sanctions", "consent") and model._meta.label_lower not in EDITABLE),
        key=lambda pair: pair[0]._meta.label_lower,
    )


def test_the_list_covers_the_records():
    labels = {model._meta.label_lower for model, _admin in registered_records()}
    assert {"incidents.incident", "incidents.message", "incidents.assignment", "incidents.transition",
            "incidents.caseevent", "sanctions.sanction", "sanctions.correspondence", "sanctions.lvireport",
            "consent.consentrecord"} <= labels


@pytest.mark.parametrize("model,model_admin", registered_records(), ids=lambda v: getattr(getattr(v, "_meta", None), "label_lower", ""))
def test_records_are_read_only_even_for_a_superuser(superuser, model, model_admin):
    request = RequestFactory().get("/beheer/")
    request.user = superuser
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True
    for inline in model_admin.get_inline_instances(request):
        assert not (inline.has_add_permission(request, None) or inline.has_change_permission(request)
                    or inline.has_delete_permission(request))


def test_a_post_to_a_cases_admin_page_changes_nothing(client, superuser, school):
    incident = IncidentFactory(school=school)
    client.force_login(superuser)
    url = f"/beheer/incidents/incident/{incident.pk}/change/"
    assert client.get(url).status_code == 200  # shown, read-only
    response = client.post(url, {"description": "Overschreven.", "state": "closed", "severity": "high"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.state == "reported" and incident.description != "Overschreven."


def test_the_admin_cannot_switch_off_the_boards_decision_on_a_removal(client, superuser, school):
    removal = Measure.objects.filter(board__isnull=True, needs_board_decision=True).first()  # the default catalogue
    assert removal is not None
    client.force_login(superuser)
    url = f"/beheer/sanctions/measure/{removal.pk}/change/"
    response = client.post(url, {"label": "Verwijdering (nieuw)", "needs_board_decision": "", "position": removal.position,
                                 "active": "on"})
    assert response.status_code == 302
    removal.refresh_from_db()
    assert removal.needs_board_decision is True
    assert removal.label == "Verwijdering (nieuw)"  # the wording is the board's to choose
    assert client.post("/beheer/sanctions/measure/add/", {}).status_code == 403


def test_a_decided_sanction_cannot_be_changed_in_the_admin(client, superuser, school, leader):
    from sanctions import services

    pupil = PersonFactory(school=school)
    sanction = services.sanction_impose(person=pupil, actor=leader, measure=measure("pupil", "warning"),
                                        decision="Waarschuwing.", reasoning="Eerste keer.")
    client.force_login(superuser)
    response = client.post(f"/beheer/sanctions/sanction/{sanction.pk}/change/", {"decision": "Niets.", "status": "rejected"})
    assert response.status_code == 403
    sanction.refresh_from_db()
    assert (sanction.decision, sanction.status) == ("Waarschuwing.", "decided")
    assert client.post(f"/beheer/sanctions/sanction/{sanction.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Sanction.objects.filter(pk=sanction.pk).exists()
