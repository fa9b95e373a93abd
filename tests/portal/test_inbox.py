import pytest

from portal.models import Notification, Role

from ..factories import IncidentFactory, member


@pytest.mark.django_db
def test_unread_count_in_the_header_and_marking_read(client, school, leader):
    incident = IncidentFactory(school=school)
    IncidentFactory(school=school)
    client.force_login(leader)

    page = client.get("/meldingen/").content.decode()
    assert 'id="unread-count">2' in page
    assert incident.reference in page

    mine = Notification.objects.filter(recipient=leader, incident=incident).get()
    response = client.post(f"/meldingen/{mine.pk}/gelezen/")
    assert response.status_code == 302 and response["Location"] == f"/zaken/{incident.pk}/"
    assert 'id="unread-count">1' in client.get("/meldingen/").content.decode()

    client.post("/meldingen/gelezen/")
    assert 'id="unread-count"' not in client.get("/meldingen/").content.decode()


@pytest.mark.django_db
def test_someone_elses_notification_cannot_be_touched(client, school, leader):
    other = member(Role.SCHOOL_LEADER, school=school)
    IncidentFactory(school=school)
    theirs = Notification.objects.get(recipient=other)
    client.force_login(leader)
    assert client.post(f"/meldingen/{theirs.pk}/gelezen/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert f"/meldingen/{theirs.pk}/gelezen/" not in client.get("/meldingen/").content.decode()


@pytest.mark.django_db
def test_the_inbox_can_show_the_unread_notifications_only(client, school, leader):
    read_case = IncidentFactory(school=school)
    unread_case = IncidentFactory(school=school)
    Notification.objects.filter(recipient=leader, incident=read_case).update(read_at=read_case.reported_at)
    client.force_login(leader)

    everything = client.get("/meldingen/").content.decode()
    assert read_case.reference in everything and unread_case.reference in everything
    unread = client.get("/meldingen/?unread=1")
    assert unread.context["unread_only"] is True
    assert [n.incident for n in unread.context["page"].object_list] == [unread_case]
