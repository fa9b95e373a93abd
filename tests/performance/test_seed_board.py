"""manage.py seed_board: the generator of a board at scale, run small. What it makes must be what the pages and
the benchmark expect: every step, evidence, step changes and notifications, school 1's long timeline, logins
that work, and --reset replacing an earlier seed without touching anything else."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import Evidence, Incident, Transition
from incidents.workflow import State
from meldpunt.management.commands.seed_board import DOMAIN, SEED_PASSWORD, TIMELINE_MARK
from portal.models import Board, Membership, Notification, Person, PersonKind, Role, School, User
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = dict(schools=3, users=40, pupils=60, incidents=300, timeline_records=30, batch_size=100, years=0.25)


def seed(**options):
    out = StringIO()
    call_command("seed_board", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def test_a_small_board_has_what_the_pages_and_the_benchmark_need(client):
    output = seed()
    board = Board.objects.get(name="Seedbestuur")
    schools = School.objects.filter(board=board)
    assert schools.count() == 3
    assert User.objects.filter(email__endswith="@" + DOMAIN).count() == 40
    assert Person.objects.filter(school__board=board, kind=PersonKind.PUPIL).count() == 60
    incidents = Incident.objects.filter(school__board=board)
    assert incidents.count() == 300 + 1  # and the long-timeline case
    assert set(incidents.values_list("state", flat=True)) == {state.value for state in State}
    assert Evidence.objects.filter(incident__school__board=board).exists()
    assert Transition.objects.filter(incident__school__board=board).exists()
    assert Notification.objects.filter(incident__school__board=board).exists()
    # A case's step changes end in the step it is in.
    moved = incidents.exclude(state=State.REPORTED).order_by("pk").first()
    assert moved.transitions.order_by("at", "pk").last().target == moved.state

    leader = User.objects.get(email=f"schoolleider-1@{DOMAIN}")
    staff = User.objects.get(email=f"medewerker-1@{DOMAIN}")
    assert leader.check_password(SEED_PASSWORD) and staff.check_password(SEED_PASSWORD)
    assert Membership.objects.get(user=staff).role == Role.STAFF
    school_1 = Membership.objects.get(user=leader, role=Role.SCHOOL_LEADER).school
    timeline = incidents.get(description__startswith=TIMELINE_MARK)
    assert timeline.school == school_1 and timeline.is_open
    assert f"/zaken/{timeline.pk}/" in output

    client.force_login(leader)
    assert client.get(reverse("incidents:dashboard")).status_code == 200
    assert client.get(reverse("incidents:detail", args=[timeline.pk])).status_code == 200


def test_reset_replaces_the_seed_and_leaves_other_boards_alone():
    other = IncidentFactory()
    seed()
    with pytest.raises(CommandError):
        seed()  # a second seed without --reset is refused, not doubled
    seed(reset=True, incidents=120)
    board = Board.objects.get(name="Seedbestuur")
    assert Board.objects.filter(name="Seedbestuur").count() == 1
    assert Incident.objects.filter(school__board=board).count() == 120 + 1
    assert User.objects.filter(email__endswith="@" + DOMAIN).count() == 40
    assert Incident.objects.filter(pk=other.pk).exists() and Board.objects.filter(pk=other.school.board_id).exists()


def test_too_small_a_board_is_refused_with_the_reason():
    with pytest.raises(CommandError, match="users"):
        seed(users=5)
