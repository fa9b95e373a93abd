"""After-commit work travels as one broker message per task and transaction (per 25 rows; portal.oncommit), read back from Redis."""

import base64
import json

import pytest
from django.core import mail
from django.db import transaction

from incidents import services
from incidents.models import Evidence
from portal.celery import app
from portal.models import Notification, NotificationState, Role
from portal.notifications import notification_create

from ..conftest import wait_for
from ..factories import SchoolFactory, member
from ..sanctions.support import png_upload

pytestmark = pytest.mark.django_db(transaction=True)

DELIVER = "portal.tasks.deliver_notifications"


def _queued_messages():
    """The task messages waiting on the default queue: [(task name, args)]."""
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        raw = client.lrange(app.conf.task_default_queue, 0, -1)
    messages = []
    for item in reversed(raw):  # kombu pushes on the left: the oldest is last
        envelope = json.loads(item)
        body = json.loads(base64.b64decode(envelope["body"]))
        messages.append((envelope["headers"]["task"], body[0]))
    return messages


@pytest.fixture
def empty_queue():
    app.control.purge()
    yield
    app.control.purge()


def _report(school, reporter, **extra):
    return services.incident_report(school=school, reporter=reporter, platform="whatsapp", category="data_breach",
                                    description="Klassenlijst met adressen gedeeld in een groepsapp.", **extra)


def test_a_report_with_screenshots_and_three_notifications_is_one_message_per_task(empty_queue):
    school = SchoolFactory()
    member(Role.SCHOOL_LEADER, school=school)
    member(Role.SCHOOL_LEADER, school=school)
    member(Role.PRIVACY_OFFICER, board=school.board)
    reporter = member(Role.STAFF, school=school)

    incident = _report(school, reporter, files=[png_upload(), png_upload()])

    notifications = sorted(Notification.objects.filter(incident=incident).values_list("pk", flat=True))
    evidence = sorted(Evidence.objects.filter(incident=incident).values_list("pk", flat=True))
    assert len(notifications) == 3 and len(evidence) == 2  # two school leaders and the FG (two notify calls)
    assert sorted(_queued_messages()) == [
        ("incidents.tasks.process_evidence", [evidence]),
        (DELIVER, [notifications]),
    ]


def test_each_transaction_sends_its_own_message_and_a_rolled_back_one_sends_none(empty_queue):
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory())

    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = notification_create(recipient=leader, kind="test", subject="Teruggedraaid", body="-")
        raise RuntimeError("rolled back")
    assert _queued_messages() == []

    with transaction.atomic():
        first = notification_create(recipient=leader, kind="test", subject="Een", body="-")
    with transaction.atomic():
        second = notification_create(recipient=leader, kind="test", subject="Twee", body="-")
        third = notification_create(recipient=leader, kind="test", subject="Drie", body="-")

    # The rolled-back row's id travels with the next message of the thread, and names no row.
    assert _queued_messages() == [
        (DELIVER, [[rolled_back.pk, first.pk]]),
        (DELIVER, [[second.pk, third.pk]]),
    ]
    assert not Notification.objects.filter(pk=rolled_back.pk).exists()


def test_outside_a_transaction_the_ids_are_sent_at_once(empty_queue):
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory())
    row = notification_create(recipient=leader, kind="test", subject="Meteen", body="-")
    assert _queued_messages() == [(DELIVER, [[row.pk]])]


def test_the_worker_delivers_every_row_and_skips_what_a_savepoint_rolled_back(celery_worker_on_redis):
    school = SchoolFactory()
    leader = member(Role.SCHOOL_LEADER, school=school, email="leider@school.nl")

    with transaction.atomic():
        kept = notification_create(recipient=leader, kind="test", subject="Blijft", body="-")
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_create(recipient=leader, kind="test", subject="Teruggedraaid", body="-")
            raise RuntimeError("savepoint rolled back")

    wait_for(lambda: Notification.objects.get(pk=kept.pk).state == NotificationState.SENT)
    assert [m.subject for m in mail.outbox] == ["[Meldpunt] Blijft"]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_rows_after_captured_hooks_go_in_a_new_message(django_capture_on_commit_callbacks, empty_queue):
    """Test helpers run the on-commit hooks without removing them: ids that were sent are never sent again."""
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory())

    with django_capture_on_commit_callbacks(execute=True) as first:
        one = notification_create(recipient=leader, kind="test", subject="Een", body="-")
    with django_capture_on_commit_callbacks(execute=True) as second:
        two = notification_create(recipient=leader, kind="test", subject="Twee", body="-")
    assert (len(first), len(second)) == (1, 1)
    assert _queued_messages() == [(DELIVER, [[one.pk]]), (DELIVER, [[two.pk]])]


def test_many_rows_of_one_transaction_are_shared_out_in_messages_of_at_most_25(empty_queue):
    """So that the worker's processes deliver a long list together, instead of one process row after row."""
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory())

    with transaction.atomic():
        rows = [notification_create(recipient=leader, kind="test", subject=f"Rij {n}", body="-").pk for n in range(60)]

    messages = _queued_messages()
    assert [name for name, _ in messages] == [DELIVER] * 3
    assert [ids for _, (ids,) in messages] == [rows[:25], rows[25:50], rows[50:]]
