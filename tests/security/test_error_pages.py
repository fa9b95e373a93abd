"""The error pages are Dutch, in the portal's layout, and a refusal says why."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_a_refusal_is_a_dutch_page_in_the_layout_that_gives_the_reason(client, staff, dutch):
    client.force_login(staff)
    response = client.get(reverse("audit_trail"))
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert 'id="nav-main"' in page  # the portal's menu
    assert "Dit mag je niet doen" in page
    assert "403 Forbidden" not in page


def test_the_reason_of_the_refusal_is_the_one_the_view_gave(client, staff, dutch):
    from django.utils.translation import gettext

    client.force_login(staff)
    page = client.get(reverse("audit_trail")).content.decode()
    reason = gettext("The audit trail is for the administrator and the privacy officer (FG).")
    assert reason != "The audit trail is for the administrator and the privacy officer (FG)."  # translated
    assert f'<p class="lead" id="refusal-reason">{reason}</p>' in page


def test_a_missing_page_or_another_schools_case_is_a_dutch_404_in_the_layout(client, leader, other_school, dutch):
    client.force_login(leader)
    for url in ("/bestaat-niet/", reverse("incidents:detail", args=[IncidentFactory(school=other_school).pk])):
        response = client.get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert "Pagina niet gevonden" in page and 'id="nav-main"' in page
        assert "Not Found" not in page and "matches the given query" not in page


def test_a_server_error_is_a_dutch_page_without_the_request_or_the_database(client, leader, monkeypatch,
                                                                            django_assert_num_queries, dutch):
    from django.views.defaults import server_error

    from incidents import selectors

    def broken(**_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "incident_get_visible", broken)
    client.raise_request_exception = False
    client.force_login(leader)
    response = client.get(reverse("incidents:detail", args=[1]))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Er ging iets mis" in page and "Meldpunt" in page and "meldpunt.css" in page
    assert "Server Error" not in page

    with django_assert_num_queries(0):  # whatever failed (the database, a session) is not asked again
        direct = server_error(RequestFactory().get("/"))
    assert direct.status_code == 500 and "Er ging iets mis" in direct.content.decode()


def test_a_form_sent_with_a_stale_csrf_token_gets_a_dutch_page_in_the_layout(leader, dutch):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    client.get(reverse("inbox"))  # sets the CSRF cookie
    response = client.post(reverse("inbox_mark_all_read"), {"csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Dit formulier kon niet worden verzonden" in page and 'id="nav-main"' in page
    assert "beveiligingscode" in page
    assert "CSRF verification failed" not in page

    cookieless = Client(enforce_csrf_checks=True)
    cookieless.force_login(leader)
    page = cookieless.post(reverse("inbox_mark_all_read")).content.decode()
    assert "beveiligingscookie" in page
