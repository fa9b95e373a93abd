"""The check before posting finds pupils by name or class, as the case page finds a person: no list of the
whole school, no "hold Ctrl"; the ticked pupils stay ticked through a new search."""

import pytest
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(school, sister_school):
    return {
        "daan": PersonFactory(school=school, first_name="Daan", last_name="de Vries", class_name="2B"),
        "emma": PersonFactory(school=school, first_name="Emma", last_name="Jansen", class_name="3A"),
        "elsewhere": PersonFactory(school=sister_school, first_name="Daan", last_name="de Vries", class_name="2B"),
    }


def search(client, school, **params):
    return client.get(reverse("consent:check_search", args=[school.pk]), params).content.decode()


def test_the_page_lists_no_pupil_until_searched(client, dutch, school, staff, pupils):
    client.force_login(staff)
    page = client.get(reverse("consent:check", args=[school.pk])).content.decode()
    assert "<select" in page and 'multiple' not in page  # the purpose and the class; no list of pupils
    assert "Ctrl" not in page and "Daan" not in page and "Emma" not in page
    assert 'type="search" name="pupils_search"' in page
    assert f'hx-get="{reverse("consent:check_search", args=[school.pk])}"' in page


def test_a_search_finds_the_schools_pupils_by_name_or_class(client, dutch, school, staff, pupils):
    client.force_login(staff)
    found = search(client, school, pupils_search="vries")
    assert f'value="{pupils["daan"].pk}"' in found and 'type="checkbox" name="pupils"' in found
    assert f'value="{pupils["elsewhere"].pk}"' not in found and "Emma" not in found
    assert "1 persoon gevonden." in found
    by_class = search(client, school, pupils_search="3a")
    assert f'value="{pupils["emma"].pk}"' in by_class and "Daan" not in by_class
    assert "Niemand gevonden" in search(client, school, pupils_search="zzz\x00")


def test_a_new_search_keeps_the_ticked_pupils(client, dutch, school, staff, pupils):
    client.force_login(staff)
    found = search(client, school, pupils_search="jansen", pupils=[pupils["daan"].pk, pupils["elsewhere"].pk])
    assert f'value="{pupils["daan"].pk}" checked' in found  # ticked before, still offered and ticked
    assert f'value="{pupils["emma"].pk}"' in found and f'value="{pupils["emma"].pk}" checked' not in found
    assert f'value="{pupils["elsewhere"].pk}"' not in found  # never another school's pupil


def test_without_javascript_the_search_reloads_the_check_with_the_results(client, dutch, school, staff, pupils):
    client.force_login(staff)
    page = client.get(reverse("consent:check", args=[school.pk]), {"pupils_search": "2b"}).content.decode()
    assert f'value="{pupils["daan"].pk}"' in page and 'value="2b"' in page
