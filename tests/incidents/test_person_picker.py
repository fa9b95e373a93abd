"""The involved person is found by a search, not picked from a list of the whole school.

The search answers with people of the case's school only, at most 20, to those who may record on the case;
without JavaScript the "Search" button reloads the case page with the results; a refused record comes back
with the chosen person and the search as typed; the case page does not grow with the school. Only the short
status sentence is a live region; a refusal or an expired session makes the page reload instead of swapping
something wrong into it."""

import re
from html import escape
from urllib.parse import urlencode

import pytest
from django import forms
from django.contrib import messages
from django.db import connection
from django.forms.renderers import get_default_renderer
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from incidents.forms import InvolvementForm
from incidents.models import Involvement
from portal.models import Person, PersonKind, Role
from tests.factories import IncidentFactory, PersonFactory, member

from .test_forms import assert_field_error, field_tag

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

PERSON_ID = "id_involvement-person"


@pytest.fixture
def case(school):
    return IncidentFactory(school=school, gathering=True)


def search_url(incident, text="", **params):
    return reverse("incidents:person_search", args=[incident.pk]) + "?" + urlencode({"involvement-person_search": text, **params})


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


def ordered(content):
    """The pks of the people offered, in the order of the page."""
    return [int(pk) for pk in re.findall(r'type="radio" name="involvement-person" id="[^"]+" value="(\d+)"', content)]


def picker(content):
    """The person field's markup on the case page: its label, search box, results, status, error and help."""
    match = re.search(r'<div id="div_id_involvement-person".*?(?=<div id="div_id_involvement-role")', content, re.S)
    assert match, "no person field"
    return match.group(0)


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
    assert list(found.values()) == [f"Lid{k:02} Jansen · Leerling, klas 1A" for k in range(20)]

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
    # Folded, and not written until asked for: by its disclosure (htmx), or without JavaScript by the link in it.
    folded = re.search(r'<details class="record-slot record-form border-bottom" id="involvement" hx-disinherit="\*" hx-get="([^"]+)"', content)
    assert folded and folded.group(1) == reverse("incidents:record_slot", args=[case.pk, "involvement"])
    assert 'href="?formulier=involvement#involvement"' in content
    assert "id_involvement-person" not in content

    content = client.get(detail(case) + "?formulier=involvement").content.decode()
    form = re.search(r'<form id="id_involvement-person_searchform" method="get" action="([^"]+)"', content)
    assert form and form.group(1) == f"{detail(case)}#involvement"
    search_box = field_tag(content, "input", PERSON_ID)
    assert 'type="search"' in search_box and 'form="id_involvement-person_searchform"' in search_box
    assert 'name="involvement-person_search"' in search_box
    assert re.search(r'<button type="submit" class="btn btn-outline-secondary" form="id_involvement-person_searchform">Zoeken</button>', content)
    assert '<label for="id_involvement-person"' in content.replace("\n", " ").replace("  ", "")
    assert re.search(r'<details class="record-slot record-form border-bottom" id="involvement" hx-disinherit="\*" open>', content)
    assert choices(content) == {}

    content = client.get(detail(case) + "?involvement-person_search=vries").content.decode()
    assert re.search(r'<details class="record-slot record-form border-bottom" id="involvement" hx-disinherit="\*" open>', content)
    assert choices(content) == {pupil.pk: "Daan de Vries · Leerling, klas 2B"}
    assert 'value="vries"' in field_tag(content, "input", PERSON_ID)

    # The disclosure's own request gets the same form, without the page around it.
    fragment = client.get(folded.group(1)).content.decode()
    assert "<html" not in fragment and 'name="involvement-person_search"' in field_tag(fragment, "input", PERSON_ID)


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
    message = gettext("Choose a person of this case's school from the search results. Search again if the person is not "
                      "among them.")
    assert_field_error(content, "input", PERSON_ID, message)
    assert message == "Kies een persoon van de school van deze zaak uit de zoekresultaten. Zoek opnieuw als de persoon er niet bij staat."
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
    url = detail(case) + "?formulier=involvement"  # the form written on the page, wherever the step puts it
    client.get(url)
    measured = {}
    for total in (10, 1000):
        _persons(school, total - Person.objects.filter(school=school).count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        measured[total] = (len(queries), len(content))
        assert "Voornaam" not in content and "Achternaam" not in content
        field = picker(content)
        assert 'type="search"' in field_tag(field, "input", PERSON_ID)
        assert "<select" not in field and "<option" not in field
        assert not re.search(r'<select[^>]*name="involvement-person"', content)
    (queries_10, size_10), (queries_1000, size_1000) = measured[10], measured[1000]
    assert queries_10 == queries_1000
    assert abs(size_1000 - size_10) < 200  # only the CSRF token and such differ


def test_results_come_by_last_name_then_first_name_with_the_chosen_person_first(client, leader, case, school):
    # Made in another order than they are shown, so that neither the order of making nor the pk decides.
    made = {key: PersonFactory(school=school, first_name=first, last_name=last, class_name="2B") for key, first, last in [
        ("sanne", "Sanne", "Vries"), ("anna", "Anna", "Vriesema"), ("bram", "Bram", "Vries"),
        ("daan", "Daan", "Bakker-Vries"), ("cor", "Cor", "Vries"),
    ]}
    twin = PersonFactory(school=school, first_name="Bram", last_name="Vries", class_name="2B")  # same name: by pk
    client.force_login(leader)

    expected = [made["daan"], made["bram"], twin, made["cor"], made["sanne"], made["anna"]]
    assert ordered(client.get(search_url(case, "vries")).content.decode()) == [p.pk for p in expected]
    content = client.get(detail(case) + "?" + urlencode({"involvement-person_search": "vries"})).content.decode()
    assert ordered(content) == [p.pk for p in expected]

    chosen = PersonFactory(school=school, first_name="Zoë", last_name="Jansen")  # chosen earlier, not found now
    content = client.get(search_url(case, "vries", **{"involvement-person": chosen.pk})).content.decode()
    assert ordered(content) == [chosen.pk, *(p.pk for p in expected)]


MARKUP_NAME = ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>')
MARKUP_SEARCH = '"><img src=x onerror=alert(1)>'


def test_names_and_searches_with_markup_are_escaped_in_the_results_and_on_the_page(client, leader, case, school):
    person = PersonFactory(school=school, first_name=MARKUP_NAME[0], last_name=MARKUP_NAME[1], class_name="<b>2B</b>")
    client.force_login(leader)
    by_name = urlencode({"involvement-person_search": "script"})
    pages = {
        "fragment": client.get(search_url(case, "script")).content.decode(),
        "page": client.get(f"{detail(case)}?{by_name}").content.decode(),
        "fragment, searched with markup": client.get(search_url(case, MARKUP_SEARCH)).content.decode(),
        "page, searched with markup": client.get(f"{detail(case)}?{urlencode({'involvement-person_search': MARKUP_SEARCH})}").content.decode(),
    }
    for where, content in pages.items():
        for raw in [*MARKUP_NAME, MARKUP_SEARCH, "<b>2B</b>"]:
            assert raw not in content, where
        assert "<script>alert" not in content and "<img src=x" not in content, where
    for where in ["fragment", "page"]:
        assert choices(pages[where]) == {person.pk: f"{escape(MARKUP_NAME[0])} {escape(MARKUP_NAME[1])} · Leerling, klas {escape('<b>2B</b>')}"}, where
    for where in ["fragment, searched with markup", "page, searched with markup"]:
        assert f'name="involvement-person_search" value="{escape(MARKUP_SEARCH)}"' in pages[where], where
        assert choices(pages[where]) == {}, where  # "img", "src=x" and the rest are no name of anyone here
    assert f'value="{escape(MARKUP_SEARCH)}"' in field_tag(pages["page, searched with markup"], "input", PERSON_ID)


def test_a_search_longer_than_100_characters_is_cut_to_100(client, leader, case, school):
    pupil = PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="")
    client.force_login(leader)
    text = "vries".ljust(100) + "Pietersen"  # the word after the 100th character is no part of the search
    kept = text[:InvolvementForm.SEARCH_MAX_LENGTH]
    assert len(kept) == 100

    fragment = client.get(search_url(case, text)).content.decode()
    assert choices(fragment) == {pupil.pk: "Daan de Vries · Leerling"}
    assert re.findall(r'name="involvement-person_search" value="([^"]*)"', fragment) == [kept]

    page = client.get(f"{detail(case)}?{urlencode({'involvement-person_search': text})}").content.decode()
    assert choices(page) == {pupil.pk: "Daan de Vries · Leerling"}
    assert f'value="{kept}"' in field_tag(page, "input", PERSON_ID)
    assert 'maxlength="100"' in field_tag(page, "input", PERSON_ID)

    response = post_involvement(client, case, search=text, person="", role="victim")
    assert response.status_code == 400
    assert f'value="{kept}"' in field_tag(response.content.decode(), "input", PERSON_ID)


def test_the_search_box_takes_its_length_from_the_form(client, leader, case, monkeypatch):
    monkeypatch.setattr(InvolvementForm, "SEARCH_MAX_LENGTH", 40)
    client.force_login(leader)
    assert 'maxlength="40"' in field_tag(client.get(detail(case)).content.decode(), "input", PERSON_ID)


def status_node(content):
    """The picker's live region on the case page: (its opening tag, its text)."""
    match = re.search(r'(<p id="id_involvement-person_status"[^>]*>)(.*?)</p>', content, re.S)
    assert match, "no status node"
    return match.group(1), match.group(2)


def oob_status(fragment):
    """The sentences a results fragment sends into the page's live region (its out-of-band part)."""
    return re.findall(r'<p id="id_involvement-person_status" hx-swap-oob="innerHTML">([^<]*)</p>', fragment)


def test_only_the_status_sentence_is_read_out(client, leader, case, school):
    """A live region over the results would have a screen reader read every name after each pause in typing:
    only the sentence is live, in a node that stays; the results fragment brings its new text out of band."""
    PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    PersonFactory(school=school, first_name="Petra", last_name="de Vries")
    client.force_login(leader)

    page = client.get(detail(case) + "?involvement-person_search=vries").content.decode()
    field = picker(page)
    assert "aria-live" not in field
    tag, text = status_node(page)
    assert 'role="status"' in tag and text == "2 personen gevonden."
    results = re.search(r'<div id="id_involvement-person_results"[^>]*>(.*?)</div>\s*<p id="id_involvement-person_status"', field, re.S)
    assert results, "the status node is no part of the swapped results"
    assert "gevonden" not in results.group(1)

    tag, text = status_node(client.get(detail(case)).content.decode())
    assert 'role="status"' in tag and text == ""  # there from the start: a live region added later is not read

    fragment = client.get(search_url(case, "vries")).content.decode()
    assert "aria-live" not in fragment and 'role="status"' not in fragment
    assert oob_status(fragment) == ["2 personen gevonden."]
    assert len(choices(fragment)) == 2
    fragment = client.get(search_url(case, "Pietersen")).content.decode()
    assert oob_status(fragment) == [
        "Niemand gevonden. Controleer de spelling, of zoek op een deel van de naam of op de klas."]
    fragment = client.get(search_url(case, "")).content.decode()
    assert oob_status(fragment) == [""]


def test_the_search_form_sends_each_search_once(client, leader, case):
    """Typing (after a pause), Enter and the button all go through the one GET form: a submit cancels the pending
    typing request and hx-sync drops one under way. The search box sends nothing itself."""
    client.force_login(leader)
    content = client.get(detail(case)).content.decode()
    form = field_tag(content, "form", "id_involvement-person_searchform")
    assert f'hx-get="{reverse("incidents:person_search", args=[case.pk])}"' in form
    assert 'hx-trigger="submit, input changed delay:300ms from:#id_involvement-person"' in form
    assert 'hx-sync="this:replace"' in form
    assert "hx-vals" not in form
    assert not re.search(r"\bhx-", field_tag(content, "input", PERSON_ID))


def test_new_results_stay_marked_while_the_field_shows_its_error(client, leader, case, school):
    PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    client.force_login(leader)
    content = post_involvement(client, case, search="vries", person="", role="victim").content.decode()
    assert 'aria-invalid="true"' in re.search(r'<input class="form-check-input" type="radio"[^>]*>', content).group(0)
    form = field_tag(content, "form", "id_involvement-person_searchform")
    assert 'hx-vals="{&quot;involvement-person_invalid&quot;: &quot;true&quot;}"' in form

    # htmx sends the form's hx-vals along with the next search: its radios are marked as the ones they replace.
    fragment = client.get(search_url(case, "daan", **{"involvement-person_invalid": "true"})).content.decode()
    radio = re.search(r'<input class="form-check-input" type="radio"[^>]*>', fragment).group(0)
    assert 'aria-invalid="true"' in radio
    assert '<fieldset aria-describedby="id_involvement-person_helptext id_involvement-person_error">' in fragment

    fragment = client.get(search_url(case, "daan")).content.decode()
    assert "aria-invalid" not in fragment and "aria-describedby" not in fragment


def test_the_picker_renders_through_the_public_widget_api(leader, case, monkeypatch):
    """Django's Widget.render calls a private _render: should that change, the picker must still render."""
    def render_without_private_hook(self, name, value, attrs=None, renderer=None):
        return (renderer or get_default_renderer()).render(self.template_name, self.get_context(name, value, attrs))

    monkeypatch.setattr(forms.Widget, "render", render_without_private_hook)
    monkeypatch.setattr(forms.Widget, "_render", lambda *args, **kwargs: pytest.fail("the private hook was used"))
    html = str(InvolvementForm(incident=case, prefix="involvement")["person"])
    assert 'type="search"' in field_tag(html, "input", PERSON_ID)


HX = {"HTTP_HX_REQUEST": "true"}


def test_an_expired_session_reloads_the_page_instead_of_showing_the_login_page_in_the_results(client, leader, case, school):
    PersonFactory(school=school, first_name="Daan", last_name="de Vries")
    response = client.get(search_url(case, "vries"), **HX)  # not signed in (any more)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    assert response.content == b""
    # The reloaded page then goes to the login page, and back to the case after it.
    response = client.get(detail(case))
    assert response.status_code == 302 and response["Location"] == f"{reverse('account_login')}?next={detail(case)}"

    assert client.get(search_url(case, "vries")).status_code == 302  # without htmx: as before
    client.force_login(leader)
    response = client.get(search_url(case, "vries"), **HX)
    assert response.status_code == 200 and "HX-Refresh" not in response and len(choices(response.content.decode())) == 1


def test_the_second_factor_redirect_reloads_the_page_with_one_warning(client, leader, case, settings):
    settings.MELDPUNT_MFA_REQUIRED = True
    client.force_login(leader)  # a school leader without an authenticator app
    response = client.get(search_url(case, "vries"), **HX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    response = client.get(detail(case))  # the reloaded page
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    warnings = [str(m) for m in messages.get_messages(response.wsgi_request)]
    assert warnings == [gettext("Your role requires two-factor authentication. Set up an authenticator app first.")]


def test_a_refusal_reloads_the_page_and_says_why(client, leader, school, board_member):
    closed = IncidentFactory(school=school, closed=True)  # closed in the meantime: no more records on it
    client.force_login(leader)
    response = client.get(search_url(closed, "vries"), **HX)
    assert response.status_code == 403 and response["HX-Refresh"] == "true"
    content = client.get(detail(closed)).content.decode()
    assert "Dat kan hier niet (meer), bijvoorbeeld omdat de zaak intussen is gesloten." in content
    assert 'id="id_involvement-person"' not in content

    assert client.get(search_url(closed, "vries")).status_code == 403  # without htmx: as before
    assert "Dat kan hier niet" not in client.get(detail(closed)).content.decode()

    client.force_login(member(Role.SCHOOL_LEADER, school=IncidentFactory().school))  # another school's case
    response = client.get(search_url(closed, "vries"), **HX)
    assert response.status_code == 404 and response["HX-Refresh"] == "true"


def test_the_service_links_only_people_of_the_cases_school(school, other_school, sister_school, leader):
    """The form offers the school's people only; the service refuses anyone else whoever calls it."""
    from django.core.exceptions import ValidationError

    from incidents import services
    from incidents.models import Involvement, InvolvementRole
    from tests.factories import PersonFactory

    incident = IncidentFactory(school=school, gathering=True)
    for outsider in (PersonFactory(school=sister_school), PersonFactory(school=other_school)):
        with pytest.raises(ValidationError) as refused:
            services.incident_add_record(incident=incident, actor=leader,
                                         record=Involvement(person=outsider, role=InvolvementRole.WITNESS))
        assert refused.value.message_dict["person"] == [gettext("Only a person of the case's school can be linked to the case.")]
    assert not Involvement.objects.exists()
    own = PersonFactory(school=school)
    services.incident_add_record(incident=incident, actor=leader, record=Involvement(person=own, role=InvolvementRole.WITNESS))
    assert Involvement.objects.get().person == own


def test_a_search_with_a_nul_character_is_searched_without_it(client, leader, case, school):
    """PostgreSQL refuses a NUL in a text: the search drops it instead of failing, on every path that reads it."""
    jan = PersonFactory(school=school, first_name="Jan", last_name="Visser")
    client.force_login(leader)
    assert set(choices(client.get(search_url(case, "Jan\x00")).content.decode())) == {jan.pk}
    page = client.get(reverse("incidents:detail", args=[case.pk]), {"involvement-person_search": "Vis\x00ser"})
    assert page.status_code == 200 and set(choices(page.content.decode())) == {jan.pk}
    response = client.post(reverse("incidents:record", args=[case.pk, "involvement"]), {
        "involvement-person_search": "Jan\x00", "involvement-role": "witness", "involvement-note": "Zag het gebeuren.",
    })
    assert response.status_code == 400
    content = response.content.decode()
    assert 'value="Jan"' in content and "Zag het gebeuren." in content


def test_guardians_of_the_same_name_are_told_apart_by_their_children(client, leader, case, school):
    """Two parents both called Kees Jansen: the results name each one's children, read in one query for all."""
    first, second = (PersonFactory(school=school, kind=PersonKind.GUARDIAN, first_name="Kees", last_name="Jansen")
                     for _ in range(2))
    first.children.add(PersonFactory(school=school, kind=PersonKind.PUPIL, first_name="Daan", last_name="Jansen", class_name="2B"),
                       PersonFactory(school=school, kind=PersonKind.PUPIL, first_name="Anna", last_name="Jansen", class_name="1A"))
    second.children.add(PersonFactory(school=school, kind=PersonKind.PUPIL, first_name="Mila", last_name="Jansen", class_name="3C"))
    client.force_login(leader)
    client.get(search_url(case, "x"))  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        content = client.get(search_url(case, "Kees Jansen")).content.decode()
    assert "Ouder/verzorger van Anna Jansen (1A), Daan Jansen (2B)" in content
    assert "Ouder/verzorger van Mila Jansen (3C)" in content
    assert len([q for q in queries if "portal_person" in q["sql"]]) == 2  # the people found, then all their children
