"""The involved person is found by a search, not picked from a list of the whole school.

The search answers with people of the case's school only, at most 20, to those who may record on the case;
without JavaScript the "Search" button reloads the case page with the results; a refused record comes back
with the chosen person and the search as typed; the case page does not grow with the school."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from incidents.models import Involvement
from portal.models import Person, PersonKind, Role
from tests.factories import IncidentFactory, PersonFactory, member

from .test_forms import assert_field_error, field_tag

pytestmark = pytest.mark.django_db

PERSON_ID = "id_involvement-person"


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def case(school):
    return IncidentFactory(school=school, gathering=True)


def search_url(incident, text="", **params):
    query = "&".join([f"involvement-person_search={text}", *(f"{k}={v}" for k, v in params.items())])
    return reverse("incidents:person_search", args=[incident.pk]) + "?" + query


def detail(incident):
    return reverse("incidents:detail", args=[incident.pk])


def record_url(incident):
    return reverse("incidents:record", args=[incident.pk, "involvement"])


def choices(content):
    """The people offered: {pk: label text}, from the radio buttons named like the form field."""
    radios = re.findall(r'<input class="form-check-input" type="radio" name="involvement-person" id="([^"]+)" value="(\d+)"', content)
    found = {}
    for html_id, pk in radios:
        label = re.search(rf'<label class="form-check-label" for="{html_id}">(.*?)</label>', content, re.S)
        found[int(pk)] = re.sub(r"<[^>]+>", "", label.group(1)).strip()
    return found


def checked(content):
    return [int(pk) for pk in re.findall(r'name="involvement-person" id="[^"]+" value="(\d+)" checked', content)]


def test_search_finds_people_of_the_cases_school_by_name_and_class(client, leader, case, school, sister_school, other_school):
    pupil = PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B")
    guardian = PersonFactory(school=school, kind=PersonKind.GUARDIAN, first_name="Petra", last_name="de Vries", class_name="")
    classmate = PersonFactory(school=school, first_name="Sanne", last_name="Bakker", class_name="2B")
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, first_name="Ruud", last_name="Vriesman", class_name="")
    PersonFactory(school=school, first_name="Emma", last_name="Jansen", class_name="3A")
    namesakes = [PersonFactory(school=sister_school, first_name="Daan", last_name="de Vries", class_name="2B"),
                 PersonFactory(school=other_school, first_name="Daan", last_name="de Vries", class_name="2B")]
    client.force_login(leader)

    response = client.get(search_url(case, "vries"))
    assert response.status_code == 200
    content = response.content.decode()
    found = choices(content)
    assert set(found) == {pupil.pk, guardian.pk, teacher.pk}
    assert not {p.pk for p in namesakes} & set(found)
    assert found[pupil.pk] == "Daan de Vries · Leerling, klas 2B"
    assert found[guardian.pk] == "Petra de Vries · Ouder/verzorger"
    assert found[teacher.pk] == "Ruud Vriesman · Medewerker"
    assert "3 personen gevonden." in content
    assert 'name="involvement-person_search" value="vries"' in content  # posted along with the choice

    assert set(choices(client.get(search_url(case, "2b")).content.decode())) == {pupil.pk, classmate.pk}
    assert set(choices(client.get(search_url(case, "daan 2B")).content.decode())) == {pupil.pk}
    assert set(choices(client.get(search_url(case, "Vries Petra")).content.decode())) == {guardian.pk}

    nobody = client.get(search_url(case, "Pietersen")).content.decode()
    assert choices(nobody) == {}
    assert "Niemand gevonden." in nobody


def test_an_empty_search_reads_no_one(client, leader, case, school):
    PersonFactory.create_batch(3, school=school)
    client.force_login(leader)
    client.get(search_url(case, "x"))  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(search_url(case, "   "))
    assert response.status_code == 200
    assert choices(response.content.decode()) == {}
    assert not [q for q in queries if "portal_person" in q["sql"]]


def test_search_shows_at_most_twenty(client, leader, case, school):
    Person.objects.bulk_create([Person(school=school, kind=PersonKind.PUPIL, first_name=f"Lid{k:02}", last_name="Jansen",
                                       class_name="1A") for k in range(25)])
    client.force_login(leader)
    content = client.get(search_url(case, "jansen")).content.decode()
    found = choices(content)
    assert len(found) == 20
    assert "Meer dan 20 personen gevonden: typ meer van de naam." in content
    assert sorted(found.values())[0].startswith("Lid00 Jansen")

    content = client.get(search_url(case, "lid2 jansen")).content.decode()  # Lid20 … Lid24
    assert len(choices(content)) == 5 and "5 personen gevonden." in content


def test_search_keeps_the_chosen_person_but_never_shows_another_schools(client, leader, case, school, sister_school):
    chosen = PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    PersonFactory(school=school, first_name="Emma", last_name="Jansen")
    stranger = PersonFactory(school=sister_school, first_name="Geheim", last_name="Buurschool")
    client.force_login(leader)

    content = client.get(search_url(case, "jansen", **{"involvement-person": chosen.pk})).content.decode()
    assert len(choices(content)) == 2 and checked(content) == [chosen.pk]
    assert "1 persoon gevonden." in content  # the chosen one is not counted as found

    content = client.get(search_url(case, "jansen", **{"involvement-person": stranger.pk})).content.decode()
    assert stranger.pk not in choices(content) and "Geheim" not in content
    for nonsense in ["abc", "99999999999999999999", "-1"]:
        response = client.get(search_url(case, "jansen", **{"involvement-person": nonsense}))
        assert response.status_code == 200 and len(choices(response.content.decode())) == 1


def test_another_schools_case_does_not_exist_for_the_search(client, case, school, sister_school, other_school):
    for elsewhere in (sister_school, other_school):
        client.force_login(member(Role.SCHOOL_LEADER, school=elsewhere))
        assert client.get(search_url(case, "a")).status_code == 404


def test_only_those_who_record_on_the_case_may_search(client, school, staff, board_member, leader):
    case = IncidentFactory(school=school, reporter=staff, gathering=True)
    PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    client.force_login(staff)  # the reporter follows the case, but does not record on it
    assert client.get(detail(case)).status_code == 200
    assert client.get(search_url(case, "vries")).status_code == 403
    client.force_login(member(Role.STAFF, school=school))  # a colleague does not see the case at all
    assert client.get(search_url(case, "vries")).status_code == 404
    client.force_login(board_member)  # sees the case, records nothing on it
    assert client.get(search_url(case, "vries")).status_code == 403
    client.logout()
    assert client.get(search_url(case, "vries")).status_code == 302  # to the login page

    closed = IncidentFactory(school=school, closed=True)
    client.force_login(leader)
    assert client.get(search_url(closed, "vries")).status_code == 403


def test_without_javascript_search_reloads_the_case_page_with_the_results(client, leader, school):
    case = IncidentFactory(school=school, assessing=True)  # here the form sits under "other records", folded
    pupil = PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B")
    client.force_login(leader)

    content = client.get(detail(case)).content.decode()
    form = re.search(r'<form id="id_involvement-person_searchform" method="get" action="([^"]+)"', content)
    assert form and form.group(1) == f"{detail(case)}#involvement"
    search_box = field_tag(content, "input", PERSON_ID)
    assert 'type="search"' in search_box and 'form="id_involvement-person_searchform"' in search_box
    assert 'name="involvement-person_search"' in search_box
    assert re.search(r'<button type="submit" class="btn btn-outline-secondary" form="id_involvement-person_searchform">Zoeken</button>', content)
    assert '<label for="id_involvement-person"' in content.replace("\n", " ").replace("  ", "")
    assert re.search(r'<details class="record-form border-bottom" id="involvement"\s*>', content)  # folded
    assert choices(content) == {}

    content = client.get(detail(case) + "?involvement-person_search=vries").content.decode()
    assert re.search(r'<details class="record-form border-bottom" id="involvement"\s*open>', content)
    assert choices(content) == {pupil.pk: "Daan de Vries · Leerling, klas 2B"}
    assert 'value="vries"' in field_tag(content, "input", PERSON_ID)


def post_involvement(client, incident, *, search, person, role, note=""):
    return client.post(record_url(incident), {
        "involvement-person_search": search, "involvement-person": person, "involvement-role": role, "involvement-note": note,
    })


def test_linking_a_found_person(client, leader, case, school):
    pupil = PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    client.force_login(leader)
    response = post_involvement(client, case, search="vries", person=pupil.pk, role="victim", note="Doelwit van de berichten")
    assert response.status_code == 302
    involvement = Involvement.objects.get(incident=case, person=pupil)
    assert (involvement.role, involvement.note, involvement.created_by) == ("victim", "Doelwit van de berichten", leader)


def test_a_person_of_another_school_is_refused_and_the_form_keeps_what_was_typed(client, leader, case, school, sister_school):
    PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    stranger = PersonFactory(school=sister_school, first_name="Geheim", last_name="de Vries")
    client.force_login(leader)
    response = post_involvement(client, case, search="de vries", person=stranger.pk, role="perpetrator",
                                note="Beheerder van het nepaccount")
    assert response.status_code == 400
    content = response.content.decode()
    assert_field_error(content, "input", PERSON_ID, gettext("Choose a person of this case's school from the search results."))
    assert "Kies een persoon van de school van deze zaak" in content
    assert 'value="de vries"' in field_tag(content, "input", PERSON_ID)
    assert '<option value="perpetrator" selected>' in content
    assert 'value="Beheerder van het nepaccount"' in field_tag(content, "input", "id_involvement-note")
    assert "Geheim" not in content and stranger.pk not in choices(content)
    assert not Involvement.objects.filter(incident=case).exists()


def test_a_refused_record_comes_back_with_the_chosen_person_selected(client, leader, case, school):
    chosen = PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B")
    client.force_login(leader)
    # The search box was changed after choosing: the chosen person still shows, and is still chosen.
    response = post_involvement(client, case, search="bakker", person=chosen.pk, role="")
    assert response.status_code == 400
    content = response.content.decode()
    assert choices(content) == {chosen.pk: "Daan de Vries · Leerling, klas 2B"} and checked(content) == [chosen.pk]
    assert 'value="bakker"' in field_tag(content, "input", PERSON_ID)
    assert "is-invalid" not in field_tag(content, "input", PERSON_ID)
    assert 'aria-invalid="true"' in field_tag(content, "select", "id_involvement-role")

    response = post_involvement(client, case, search="", person="", role="victim")
    assert response.status_code == 400
    assert_field_error(response.content.decode(), "input", PERSON_ID,
                       gettext("Search for the person and choose them from the results."))


def _persons(school, n):
    kinds = [PersonKind.PUPIL, PersonKind.PUPIL, PersonKind.GUARDIAN, PersonKind.STAFF]
    Person.objects.bulk_create([
        Person(school=school, kind=kinds[k % 4], first_name=f"Voornaam{k:04}", last_name=f"Achternaam{k:04}",
               class_name="2A" if kinds[k % 4] == PersonKind.PUPIL else "")
        for k in range(n)
    ])


@pytest.mark.parametrize("state", ["gathering", "assessing"])
def test_the_case_page_does_not_grow_with_the_school(client, leader, school, state):
    """10 people or 1,000 in the school: the same queries, and none of their names on the page."""
    case = IncidentFactory(school=school, **{state: True})
    client.force_login(leader)
    client.get(detail(case))
    measured = {}
    for total in (10, 1000):
        _persons(school, total - Person.objects.filter(school=school).count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail(case))
        assert response.status_code == 200
        content = response.content.decode()
        measured[total] = (len(queries), len(content))
        assert "Voornaam" not in content and "Achternaam" not in content
        assert "<option" not in re.search(r'id="involvement".*?</form>', content, re.S).group(0)
    (queries_10, size_10), (queries_1000, size_1000) = measured[10], measured[1000]
    assert queries_10 == queries_1000
    assert abs(size_1000 - size_10) < 200  # only the CSRF token and such differ
