"""Notifications through the API: one's own only, as in the inbox."""

import pytest

from portal.models import Notification

from ..factories import IncidentFactory
from .conftest import token_client


def notification(recipient, **fields):
    return Notification.objects.create(recipient=recipient, kind="test", subject="Onderwerp", body="Tekst",
                                       url="/meldingen/", **fields)


@pytest.mark.django_db
def test_the_list_holds_ones_own_notifications_only(school, leader, staff, board_member):
    incident = IncidentFactory(school=school, reporter=staff)  # tells the leader
    own = set(Notification.objects.filter(recipient=leader).values_list("pk", flat=True))
    assert own
    someone_elses = notification(board_member)
    body = token_client(leader).get("/api/v1/notifications/").json()
    assert {row["id"] for row in body["results"]} == own
    assert someone_elses.pk not in {row["id"] for row in body["results"]}
    [row] = [row for row in body["results"] if row["kind"] == "incident_reported"]
    assert row["incident"] == incident.pk and row["link"].endswith(f"/zaken/{incident.pk}/") and row["read_at"] is None


@pytest.mark.django_db
def test_marking_read_touches_only_ones_own(leader, board_member):
    mine, also_mine = notification(leader), notification(leader)
    theirs = notification(board_member)
    client = token_client(leader)

    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert [row["id"] for row in client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]] == [also_mine.pk]

    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=leader, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
