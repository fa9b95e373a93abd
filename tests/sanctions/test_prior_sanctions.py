"""When deciding, the earlier sanctions of the same person are shown (repeat behaviour)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from tests.factories import IncidentFactory, PersonFactory

from .support import impose, involve, list_items, sanction_url, section

pytestmark = pytest.mark.django_db


def create_url(person, incident=None):
    return reverse("sanctions:create") + f"?person={person.pk}" + (f"&incident={incident.pk}" if incident else "")


def prior_on(response):
    assert response.status_code == 200
    return section(response.content.decode(), "prior-sanctions")


def test_the_sanction_form_lists_earlier_sanctions(client, school, leader, pupil):
    earlier_case = IncidentFactory(school=school)
    involve(earlier_case, pupil, "perpetrator", leader)
    earlier = impose(pupil, leader, "warning", incident=earlier_case)
    classmate = PersonFactory(school=school)
    classmates = impose(classmate, leader, "talk")
    new_case = IncidentFactory(school=school)
    involve(new_case, pupil, "perpetrator", leader)

    client.force_login(leader)
    prior = prior_on(client.get(create_url(pupil, new_case)))
    items = list_items(prior)
    assert len(items) == 1
    assert sanction_url(earlier) in items[0]
    assert escape(earlier.measure.label) in items[0]
    assert earlier_case.reference in items[0]
    assert sanction_url(classmates) not in prior

    # Someone without earlier sanctions: the section says so.
    prior = prior_on(client.get(create_url(PersonFactory(school=school))))
    assert list_items(prior) == []
    assert escape(gettext("None.")) in prior


def test_the_board_sees_earlier_sanctions_when_deciding(client, leader, board_member, pupil):
    warning = impose(pupil, leader, "warning")
    suspension = impose(pupil, leader, "suspension", days=3)
    proposal = impose(pupil, leader, "removal")

    client.force_login(board_member)
    response = client.get(sanction_url(proposal))
    assert response.context["decision_form"] is not None
    prior = prior_on(response)
    assert sanction_url(warning) in prior
    assert sanction_url(suspension) in prior
    assert sanction_url(proposal) not in prior, "the proposal itself is not an earlier sanction"
    # Newest first.
    assert prior.index(sanction_url(suspension)) < prior.index(sanction_url(warning))


def test_the_list_of_earlier_sanctions_costs_no_query_per_sanction(client, school, leader):
    one, many = PersonFactory(school=school), PersonFactory(school=school)
    impose(one, leader, "warning")
    for code in ["talk", "warning", "phone_confiscated", "disciplinary", "talk", "warning"]:
        impose(many, leader, code)
    client.force_login(leader)
    client.get(create_url(one))  # warm the per-process caches
    with CaptureQueriesContext(connection) as for_one:
        assert len(list_items(prior_on(client.get(create_url(one))))) == 1
    with CaptureQueriesContext(connection) as for_many:
        assert len(list_items(prior_on(client.get(create_url(many))))) == 6
    assert len(for_many) == len(for_one)
