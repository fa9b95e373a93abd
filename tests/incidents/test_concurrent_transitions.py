"""Several school leaders change the step of one case at the same moment, on a threaded server.

The live server answers every request in a thread of its own, with its own database connection, as the demo's
runserver and gunicorn with threads do. Each leader has their own signed-in session; a barrier lets their
requests leave together. Exactly one step change is written, and every other leader gets the page of the case
in its new step with a Dutch message, never a server error."""

import html
import re
import threading

import pytest
import requests
from django.test import Client
from rest_framework.authtoken.models import Token

from incidents.models import Incident, Transition
from incidents.workflow import State
from portal.models import Role

from ..factories import IncidentFactory, SchoolFactory, member

RACES = 6
LEADERS = 4

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def race_school():
    return SchoolFactory(name="Het Baken")


@pytest.fixture
def leaders(race_school):
    return [member(Role.SCHOOL_LEADER, school=race_school) for _ in range(LEADERS)]


def _triaged_case(school):
    incident = IncidentFactory(school=school)
    Incident.objects.filter(pk=incident.pk).update(severity="high")
    return incident


def _browser(live_server, user, incident):
    """A requests session signed in as ``user``, with the CSRF token of the case page's forms."""
    django_client = Client()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}/zaken/{incident.pk}/", timeout=30)
    assert page.status_code == 200
    session.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session


def _race(send, count):
    """Run ``send(i)`` in ``count`` threads released together; return their responses."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def run(i):
        barrier.wait()
        responses[i] = send(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return responses


def test_leaders_changing_the_step_at_once_get_the_new_step_and_a_dutch_message(live_server, race_school, leaders):
    for _race_number in range(RACES):
        incident = _triaged_case(race_school)
        browsers = [_browser(live_server, leader, incident) for leader in leaders]
        url = f"{live_server.url}/zaken/{incident.pk}/stap/start_gathering/"

        def send(i):
            return browsers[i].post(url, data={"csrfmiddlewaretoken": browsers[i].csrf, "transition-note": ""},
                                    headers={"Referer": url}, allow_redirects=False, timeout=60)

        responses = _race(send, LEADERS)

        statuses = sorted(response.status_code for response in responses)
        assert 500 not in statuses, [r.text[:500] for r in responses if r.status_code == 500]
        assert statuses == [302] + [400] * (LEADERS - 1)
        for response in responses:
            if response.status_code == 400:
                text = html.unescape(response.text)
                assert "Deze zaak staat nu in stap “2. Informatie verzamelen”" in text
                assert 'aria-current="step"' in text  # the case page itself, in its new step
        assert Transition.objects.filter(incident=incident, name="start_gathering").count() == 1
        incident.refresh_from_db()
        assert incident.state == State.GATHERING


def test_the_api_answers_a_409_to_every_leader_but_the_first(live_server, race_school, leaders):
    tokens = [Token.objects.get_or_create(user=leader)[0].key for leader in leaders]
    for _race_number in range(RACES):
        incident = _triaged_case(race_school)
        url = f"{live_server.url}/api/v1/incidents/{incident.pk}/transitions/"

        def send(i):
            return requests.post(url, json={"name": "start_gathering", "note": ""},
                                 headers={"Authorization": f"Token {tokens[i]}"}, timeout=60)

        responses = _race(send, LEADERS)

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [409] * (LEADERS - 1), [r.text[:300] for r in responses]
        for response in responses:
            if response.status_code == 409:
                assert "Informatie verzamelen" in response.json()["detail"]
        assert Transition.objects.filter(incident=incident, name="start_gathering").count() == 1
