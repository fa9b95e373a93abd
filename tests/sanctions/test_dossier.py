"""A dossier shows everything about the person in time order: incidents (with the role), sanctions,
correspondence and, for staff, LVI reports. Correspondence is uploaded on the page and served only to those who
may see the dossier."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from incidents.models import InvolvementRole
from portal.models import PersonKind, Role
from sanctions import services
from sanctions.models import Correspondence
from tests.factories import IncidentFactory, PersonFactory, member

from .support import dossier_url, impose, involve, list_items, png_upload, sanction_url, section

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def role_label(role):
    return escape(str(InvolvementRole(role).label))


def entries_on(response):
    assert response.status_code == 200
    return list_items(section(response.content.decode(), "dossier-entries"))


def letter_url(letter):
    return reverse("sanctions:correspondence_file", args=[letter.token])


@pytest.fixture
def base():
    return timezone.now() - 10 * DAY


def test_pupil_dossier_shows_everything_newest_first(client, school, leader, pupil, base):
    classmate = PersonFactory(school=school)
    with time_machine.travel(base + DAY, tick=False):
        first_case = IncidentFactory(school=school)
        involve(first_case, pupil, InvolvementRole.VICTIM, leader)
        involve(first_case, classmate, InvolvementRole.PERPETRATOR, leader)
    with time_machine.travel(base + 2 * DAY, tick=False):
        second_case = IncidentFactory(school=school)
        involve(second_case, pupil, InvolvementRole.PERPETRATOR, leader)
        classmate_sanction = impose(classmate, leader, "warning", incident=first_case)
    with time_machine.travel(base + 3 * DAY, tick=False):
        sanction = impose(pupil, leader, "phone_confiscated", incident=second_case,
                          decision="Telefoon een week inleveren bij de mentor.")
    with time_machine.travel(base + 4 * DAY, tick=False):
        client.force_login(leader)
        response = client.post(reverse("sanctions:correspondence_create", args=[pupil.pk]),
                               {"letter-files": png_upload("brief-ouders.png"),
                                "letter-description": "Brief aan de ouders over de inname van de telefoon"})
        assert response.status_code == 302
        assert response["Location"] == dossier_url(pupil)

    letter = Correspondence.objects.get()
    assert letter.person == pupil
    assert letter.uploaded_by == leader
    assert letter.content_type == "image/png"
    assert letter.original_name == "brief-ouders.png"

    client.force_login(leader)
    response = client.get(dossier_url(pupil))
    assert gettext("Pupil dossier") in response.content.decode()
    items = entries_on(response)
    assert len(items) == 4, items
    newest, second, third, oldest = items
    assert letter_url(letter) in newest and "Brief aan de ouders over de inname van de telefoon" in newest
    assert sanction_url(sanction) in second and escape(sanction.measure.label) in second
    assert second_case.reference in second, "the sanction names its case"
    assert escape(str(sanction.state_label)) in second
    assert second_case.reference in third and role_label("perpetrator") in third
    assert first_case.reference in oldest and role_label("victim") in oldest
    # Nothing of the classmate's dossier in this one.
    page = response.content.decode()
    assert sanction_url(classmate_sanction) not in page


def test_sanction_letters_land_in_the_dossier(client, leader, pupil):
    sanction = impose(pupil, leader, "warning")
    client.force_login(leader)
    response = client.post(sanction_url(sanction, "letter"), {"letter-files": png_upload("waarschuwing.png"),
                                                              "letter-description": "Waarschuwingsbrief"})
    assert response.status_code == 302
    letter = Correspondence.objects.get()
    assert letter.sanction == sanction and letter.person == pupil
    assert letter_url(letter) in section(client.get(sanction_url(sanction)).content.decode(), "letters")
    items = entries_on(client.get(dossier_url(pupil)))
    assert any(letter_url(letter) in item and "Waarschuwingsbrief" in item for item in items)


def test_letters_given_when_imposing_land_in_the_dossier(client, leader, pupil):
    sanction = impose(pupil, leader, "warning", letters=[png_upload("besluit.png")], letter_description="Besluit")
    letter = Correspondence.objects.get()
    assert letter.sanction == sanction
    client.force_login(leader)
    items = entries_on(client.get(dossier_url(pupil)))
    assert any(letter_url(letter) in item for item in items)


def test_a_refused_upload_stores_nothing(client, leader, pupil):
    client.force_login(leader)
    response = client.post(reverse("sanctions:correspondence_create", args=[pupil.pk]),
                           {"letter-files": png_upload("brief.png"), "letter-description": ""})
    assert response.status_code == 400
    assert "description" in response.context["correspondence_form"].errors
    fake = SimpleUploadedFile("brief.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(reverse("sanctions:correspondence_create", args=[pupil.pk]),
                           {"letter-files": fake, "letter-description": "Brief"})
    assert response.status_code == 400
    assert "files" in response.context["correspondence_form"].errors
    assert not Correspondence.objects.exists()


def test_correspondence_is_served_only_to_those_who_see_the_dossier(client, school, leader, board_member, staff,
                                                                    sister_leader, other_board_member, other_leader,
                                                                    privacy_officer, counsellor, pupil):
    [letter] = services.correspondence_add(person=pupil, actor=leader, files=[png_upload("brief.png")],
                                           description="Brief aan de ouders")
    admin = member(Role.ADMIN, board=school.board)
    for user in (leader, board_member, admin):
        client.force_login(user)
        response = client.get(letter_url(letter))
        assert response.status_code == 200, user
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\x89PNG\r\n\x1a\n")
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment")
        assert "brief.png" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (sister_leader, other_board_member, other_leader):
        client.force_login(user)
        assert client.get(letter_url(letter)).status_code == 404, user
    for user in (staff, privacy_officer, counsellor):
        client.force_login(user)
        assert client.get(letter_url(letter)).status_code in (403, 404), user
    client.logout()
    response = client.get(letter_url(letter))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_outsiders_cannot_add_correspondence(client, school, sister_leader, staff, pupil):
    url = reverse("sanctions:correspondence_create", args=[pupil.pk])
    client.force_login(sister_leader)
    assert client.post(url, {"letter-files": png_upload(), "letter-description": "Brief"}).status_code == 404
    client.force_login(staff)
    assert client.post(url, {"letter-files": png_upload(), "letter-description": "Brief"}).status_code in (403, 404)
    # The administrator reads dossiers but does not add to them.
    admin = member(Role.ADMIN, board=school.board)
    client.force_login(admin)
    assert client.get(dossier_url(pupil)).status_code == 200
    assert client.post(url, {"letter-files": png_upload(), "letter-description": "Brief"}).status_code == 403
    assert not Correspondence.objects.exists()


def test_staff_dossier_shows_lvi_reports(client, school, leader, staff_person, base):
    with time_machine.travel(base + DAY, tick=False):
        case = IncidentFactory(school=school)
        involve(case, staff_person, InvolvementRole.PERPETRATOR, leader)
    with time_machine.travel(base + 2 * DAY, tick=False):
        sanction = impose(staff_person, leader, "reprimand", incident=case)
    with time_machine.travel(base + 3 * DAY, tick=False):
        told = services.lvi_report_start(person=staff_person, actor=leader, incident=case,
                                         staff_told_at=timezone.now() - datetime.timedelta(hours=2),
                                         staff_told_how="Gesprek met de docent.")
    with time_machine.travel(base + 4 * DAY, tick=False):
        reported = services.lvi_report_start(person=staff_person, actor=leader,
                                             staff_told_at=timezone.now() - datetime.timedelta(hours=2),
                                             staff_told_how="Gesprek.", reported_at=timezone.now() - datetime.timedelta(hours=1))

    client.force_login(leader)
    response = client.get(dossier_url(staff_person))
    assert gettext("Staff dossier") in response.content.decode()
    items = entries_on(response)
    assert len(items) == 4, items
    lvi_url = lambda r: reverse("sanctions:lvi_detail", args=[r.pk])  # noqa: E731
    assert lvi_url(reported) in items[0]
    assert lvi_url(told) in items[1]
    assert escape(gettext("staff member told; report to the LVI still to be made")) in items[1]
    assert sanction_url(sanction) in items[2]
    assert case.reference in items[3] and role_label("perpetrator") in items[3]
    # The LVI report page itself is there for the same people.
    assert client.get(lvi_url(told)).status_code == 200


def test_guardian_dossier(client, school, leader, board_member, guardian, pupil):
    sanction = impose(guardian, leader, "warning", decision="Waarschuwing na bedreigende berichten aan de mentor.")
    [letter] = services.correspondence_add(person=guardian, actor=leader, files=[png_upload("brief.png")],
                                           description="Brief aan de ouder")
    impose(pupil, leader, "talk")  # the child's own dossier is separate
    for user in (leader, board_member):
        client.force_login(user)
        response = client.get(dossier_url(guardian))
        assert gettext("Guardian dossier") in response.content.decode()
        items = entries_on(response)
        assert len(items) == 2
        assert letter_url(letter) in items[0]
        assert sanction_url(sanction) in items[1]
        # A guardian's own measure does not wait for guardians.
        assert escape(gettext("In effect")) in items[1]
    response = client.get(reverse("sanctions:dossiers"), {"kind": "guardian"})
    assert dossier_url(guardian) in response.content.decode()
    assert dossier_url(pupil) not in response.content.decode()


def test_an_empty_dossier(client, leader, pupil):
    client.force_login(leader)
    response = client.get(dossier_url(pupil))
    assert entries_on(response) == [escape(gettext("This dossier is empty."))]


# --- a fixed number of queries, whatever the size of the dossier -----------------------------------------

# The page needs about a dozen queries (session, user, memberships, navigation, audit entry, the four kinds of
# entry); one query per entry would add at least seven for the large dossier.
BOUND = 16


def fill_dossier(person, leader, entries):
    """``entries`` records of every kind a dossier shows, in turn."""
    school = person.school
    kinds = ["incident", "sanction", "letter"] + (["lvi"] if person.kind == PersonKind.STAFF else [])
    case = None
    sanction = None
    for number in range(entries):
        kind = kinds[number % len(kinds)]
        if kind == "incident":
            case = IncidentFactory(school=school, reporter=member(Role.STAFF, school=school))
            involve(case, person, [InvolvementRole.PERPETRATOR, InvolvementRole.VICTIM,
                                   InvolvementRole.WITNESS][number % 3], leader)
        elif kind == "sanction":
            code = {"pupil": "warning", "staff": "reprimand"}[person.kind]
            contact = {}
            if person.kind == PersonKind.PUPIL and number % 2:
                contact = {"guardians_contacted_at": timezone.now(), "guardians_contacted_how": "Gebeld."}
            sanction = impose(person, leader, code, incident=case, **contact)
        elif kind == "letter":
            services.correspondence_add(person=person, actor=leader, sanction=sanction,
                                        files=[png_upload(f"brief-{number}.png", color=(number, 0, 0))],
                                        description=f"Brief {number}")
        else:
            services.lvi_report_start(person=person, actor=leader, staff_told_at=timezone.now(),
                                      staff_told_how="Gesprek.", reported_at=timezone.now() if number % 2 else None)


@pytest.mark.parametrize("kind", [PersonKind.PUPIL, PersonKind.STAFF])
def test_dossier_queries_do_not_grow_with_its_entries(client, django_assert_max_num_queries, school, leader, kind):
    small = PersonFactory(school=school, kind=kind)
    large = PersonFactory(school=school, kind=kind)
    fill_dossier(small, leader, 3)
    fill_dossier(large, leader, 30)
    client.force_login(leader)
    client.get(dossier_url(small))  # warm the per-process caches

    with django_assert_max_num_queries(BOUND) as small_queries:
        assert len(entries_on(client.get(dossier_url(small)))) == 3
    with django_assert_max_num_queries(BOUND) as large_queries:
        assert len(entries_on(client.get(dossier_url(large)))) == 30
    assert len(large_queries) == len(small_queries)

