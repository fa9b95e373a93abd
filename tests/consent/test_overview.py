"""The class overview for the yearly campaign: pupils × purposes, the share still missing, constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent import selectors
from consent.models import Answer, ConsentRecord, Evidence, GivenBy
from portal.models import Person, PersonKind

from .support import grant, pupil_with_guardian, refuse

pytestmark = pytest.mark.django_db


def test_the_grid_and_the_share_missing(school, purposes, leader):
    a = pupil_with_guardian(school, class_name="1A")
    b = pupil_with_guardian(school, class_name="1A")
    pupil_with_guardian(school, class_name="1B")
    for purpose in purposes.values():
        grant(a, purpose, actor=leader)
    refuse(b, purposes["website"], actor=leader)
    overview = selectors.consent_overview(school=school, class_name="1A")
    assert [row.pupil for row in overview.rows] == sorted([a, b], key=lambda p: (p.last_name, p.first_name, p.pk))
    assert overview.cells_total == 8 and overview.missing_total == 3  # b: three purposes unanswered; a refusal is an answer
    assert overview.missing_percent == 38
    per_purpose = {purpose.code: (count, percent) for purpose, count, percent in overview.missing}
    assert per_purpose == {"social_media": (1, 50), "website": (0, 0), "newsletter": (1, 50), "education_accounts": (1, 50)}


def test_the_class_summary_counts_missing_answers_per_class(client, school, purposes, leader):
    a = pupil_with_guardian(school, class_name="1A")
    pupil_with_guardian(school, class_name="1B")
    for purpose in purposes.values():
        grant(a, purpose, actor=leader)
    client.force_login(leader)
    response = client.get(reverse("consent:overview", args=[school.pk]))
    assert response.status_code == 200
    classes = {entry["class_name"]: (entry["pupils"], entry["missing"], entry["percent"]) for entry in response.context["classes"]}
    assert classes == {"1A": (1, 0, 0), "1B": (1, 4, 100)}


def _class_of(school, size, purposes, actor):
    """``size`` pupils in class 4C, each with a guardian's answers for every purpose (bulk, to keep the test fast)."""
    guardian = Person.objects.create(school=school, kind=PersonKind.GUARDIAN, first_name="Ouder", last_name="Test")
    pupils = Person.objects.bulk_create([
        Person(school=school, kind=PersonKind.PUPIL, first_name=f"Kind{n}", last_name="Test", class_name="4C",
               date_of_birth=datetime.date(2012, 1, 1) + datetime.timedelta(days=n))
        for n in range(size)
    ])
    Person.guardians.through.objects.bulk_create([Person.guardians.through(from_person=p, to_person=guardian) for p in pupils])
    ConsentRecord.objects.bulk_create([
        ConsentRecord(person=p, purpose=purpose, answer=Answer.REFUSED, given_by=GivenBy.GUARDIAN, guardian=guardian,
                      given_on=datetime.date(2025, 9, 1), evidence=Evidence.NOTED, recorded_by=actor)
        for p in pupils for purpose in list(purposes.values())[:2]
    ])


@pytest.mark.parametrize("size", [10, 100])
def test_the_class_overview_takes_the_same_few_queries_for_10_or_100_pupils(
    client, school, purposes, leader, size, django_assert_max_num_queries,
):
    _class_of(school, size, purposes, leader)
    client.force_login(leader)
    url = reverse("consent:overview", args=[school.pk]) + "?klas=4C"
    client.get(url)  # warm up the session and the caches
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-status="no"') == size * 2
    assert response.context["overview"].missing_total == size * 2


def test_the_query_count_does_not_grow_with_the_class(client, school, purposes, leader):
    client.force_login(leader)
    url = reverse("consent:overview", args=[school.pk]) + "?klas=4C"
    counts = []
    for added in (10, 90):  # 10 pupils, then 100
        _class_of(school, added, purposes, leader)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"] for q in queries.captured_queries]
