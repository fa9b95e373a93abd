"""After-commit jobs travel as one broker message per transaction (portal.jobs), read back from Redis."""

import base64
import json

import pytest
from django.core import mail
from django.db import transaction

from incidents import services
from incidents.models import Evidence
from portal import jobs
from portal.celery import app
from portal.models import Notification, NotificationState, Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member
from ..sanctions.support import png_upload

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_report_with_a_screenshot_and_two_notified_roles_is_one_broker_message(empty_queue):
    school = SchoolFactory()
    member(Role.SCHOOL_LEADER, school=school)
    member(Role.SCHOOL_LEADER, school=school)
    member(Role.PRIVACY_OFFICER, board=school.board)
    reporter = member(Role.STAFF, school=school)

    incident = _report(school, reporter, files=[png_upload()])

    notifications = sorted(Notification.objects.filter(incident=incident).values_list("pk", flat=True))
    evidence = Evidence.objects.get(incident=incident)
    assert len(notifications) == 3  # two school leaders and the FG
    [(task, args)] = _queued_messages()
    assert task == "portal.tasks.run_jobs"
    [queued] = args
    assert sorted(object_id for kind, object_id in queued if kind == "notification") == notifications
    assert [object_id for kind, object_id in queued if kind == "evidence"] == [evidence.pk]


def test_each_transaction_sends_its_own_message_and_a_rolled_back_one_sends_none(empty_queue):
    school = SchoolFactory()
    leader = member(Role.SCHOOL_LEADER, school=school)
    from portal.notifications import notification_create

    with pytest.raises(RuntimeError), transaction.atomic():
        notification_create(recipient=leader, kind="test", subject="Teruggedraaid", body="-")
        raise RuntimeError("rolled back")
    assert _queued_messages() == []

    with transaction.atomic():
        first = notification_create(recipient=leader, kind="test", subject="Een", body="-")
    with transaction.atomic():
        second = notification_create(recipient=leader, kind="test", subject="Twee", body="-")
        third = notification_create(recipient=leader, kind="test", subject="Drie", body="-")

    assert _queued_messages() == [
        ("portal.tasks.run_jobs", [[["notification", first.pk]]]),
        ("portal.tasks.run_jobs", [[["notification", second.pk], ["notification", third.pk]]]),
    ]


def test_outside_a_transaction_a_job_is_sent_at_once(empty_queue):
    jobs.queue_after_commit("notification", 12345)
    assert _queued_messages() == [("portal.tasks.run_jobs", [[["notification", 12345]]])]
    with pytest.raises(ValueError):
        jobs.queue_after_commit("something_else", 1)


def test_the_worker_delivers_every_job_and_skips_what_a_savepoint_rolled_back(celery_worker_on_redis):
    school = SchoolFactory()
    leader = member(Role.SCHOOL_LEADER, school=school, email="leider@school.nl")
    from portal.notifications import notification_create

    with transaction.atomic():
        kept = notification_create(recipient=leader, kind="test", subject="Blijft", body="-")
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_create(recipient=leader, kind="test", subject="Teruggedraaid", body="-")
            raise RuntimeError("savepoint rolled back")

    wait_for(lambda: Notification.objects.get(pk=kept.pk).state == NotificationState.SENT)
    assert [m.subject for m in mail.outbox] == ["[Meldpunt] Blijft"]
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_jobs_after_captured_hooks_start_a_new_batch(django_capture_on_commit_callbacks, empty_queue):
    """Test helpers run the on-commit hooks without removing them: a batch that was sent is never reused."""
    school = SchoolFactory()
    leader = member(Role.SCHOOL_LEADER, school=school)
    from portal.notifications import notification_create

    with django_capture_on_commit_callbacks(execute=True) as first:
        one = notification_create(recipient=leader, kind="test", subject="Een", body="-")
    with django_capture_on_commit_callbacks(execute=True) as second:
        two = notification_create(recipient=leader, kind="test", subject="Twee", body="-")
    assert (len(first), len(second)) == (1, 1)
    assert _queued_messages() == [
        ("portal.tasks.run_jobs", [[["notification", one.pk]]]),
        ("portal.tasks.run_jobs", [[["notification", two.pk]]]),
    ]
