"""Nothing a signed-in user receives may be kept by a browser or proxy cache: pages, PDFs, ZIPs, CSV/XLSX exports,
downloads, refusals and the API. Walks every URL of the access matrix as every role, GET and POST, plus the
register exports and the API signed in with a token."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .test_access_matrix import ROLES, ROWS, request, world  # noqa: F401 - world is the module's fixture

# The API's schema is public and describes the API, never its data (it signs nobody in).
PUBLIC = {"api:schema"}
PERSONAL_ROWS = [row for row in ROWS if row.name not in PUBLIC]

EXPORTS = [
    ("incidents:dashboard", "school_leader"),
    ("incidents:breach_register", "privacy_officer"),
    ("incidents:statistics", "school_leader"),
    ("sanctions:list", "school_leader"),
    ("sanctions:police_register", "school_leader"),
]


def assert_no_store(response, what):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (what, response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize("row", PERSONAL_ROWS, ids=[row.id for row in PERSONAL_ROWS])
def test_every_response_to_a_signed_in_user_is_not_stored(world, db, row):  # noqa: F811
    statuses = set()
    for role in ROLES:
        for method in ("get", "post"):
            if getattr(row, method) is None:
                continue
            response = request(world.clients[role], row, world.ours, role, method)
            statuses.add(response.status_code)
            assert_no_store(response, (row.id, role, method))
            # Another school's object (a 404 or 403) is no more cacheable than one's own.
            assert_no_store(request(world.clients[role], row, world.foreign, role, method), (row.id, role, method, "foreign"))
    assert statuses


@pytest.mark.parametrize("name, role", EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_register_exports_are_not_stored(world, db, name, role, fmt):  # noqa: F811
    response = world.clients[role].get(reverse(name), {"export": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert_no_store(response, (name, fmt))


def test_the_api_signed_in_with_a_token_is_not_stored(world, db):  # noqa: F811
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.ours.users['school_leader'])[0].key}")
    for url in (reverse("api:incident-list"), reverse("api:incident-detail", args=[world.ours.case.pk]),
                reverse("api:incident-transitions", args=[world.ours.case.pk]), reverse("api:notification-list")):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_store(response, url)


def test_pages_for_visitors_who_are_not_signed_in_are_not_marked(world, db):  # noqa: F811
    """The rule is about signed-in users: the public API schema keeps its own caching."""
    assert "no-store" not in world.anonymous.get(reverse("api:schema")).get("Cache-Control", "")
    assert "no-store" not in world.clients["school_leader"].get(reverse("api:schema")).get("Cache-Control", "")
