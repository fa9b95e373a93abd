"""The worker and beat as real processes, as docker-compose runs them: beat's sweep delivers what is pending."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from portal import notifications
from portal.models import Notification, NotificationState, Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_processes_sweep_and_deliver_a_pending_notification(tmp_path, settings):
    leader = member(Role.SCHOOL_LEADER, school=SchoolFactory(), email="leider@school.nl")
    # A row whose delivery was never queued (as if the broker was down at commit), two minutes old.
    row = Notification.objects.create(recipient=leader, kind="test", subject="Nieuwe melding", body="Tekst",
                                      created_at=timezone.now() - timezone.timedelta(minutes=5))
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
        ),
        "MELDPUNT_SWEEP_INTERVAL_SECONDS": "1",
        "MELDPUNT_TEST_EMAIL_FILE_PATH": str(mail_dir),
    }
    from portal.celery import app

    app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "--pool=solo", "--loglevel=WARNING",
         f"--schedule={tmp_path / 'beat-schedule'}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: Notification.objects.get(pk=row.pk).state == NotificationState.SENT, timeout=45)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1, output
    assert "leider@school.nl" in sent[0].read_text()
    assert notifications.notifications_sweep(older_than=timezone.timedelta(0)) == 0
