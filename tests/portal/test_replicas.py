"""Two web servers and two workers on one PostgreSQL, one Redis and one bucket behave as one portal.

As ``docker compose up --scale web=2 --scale worker=2`` runs it: gunicorn twice, a Celery worker twice, the private
files in an S3-compatible bucket (moto_server, a process of its own). Reports with a screenshot are filed on
either web server, re-encoded by whichever worker takes the task, and opened on the other web server; every
notification is delivered exactly once."""

import io
import re
from pathlib import Path

import pytest
import redis
import requests
from PIL import ExifTags, Image
from rest_framework.authtoken.models import Token

from incidents.models import Evidence
from portal.models import Notification, NotificationState, Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member
from ..processes import app_environ, bucket_keys, celery_workers, form_sign_in, web_processes

pytestmark = pytest.mark.django_db(transaction=True)

REPORTS = 4


def screenshot(number):
    image = Image.new("RGB", (80, 60), (40 * number, 90, 160))
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Leerling Geheim"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def mails_to(mail_dir, address):
    texts = [path.read_text(errors="replace") for path in Path(mail_dir).iterdir()] if Path(mail_dir).exists() else []
    return sum(len(re.findall(rf"^To: .*{re.escape(address)}", text, flags=re.M)) for text in texts)


def signed_in(url, email):
    """A browser session of ``email``, signed in through the login form of the server at ``url``."""
    browser = requests.Session()
    response = form_sign_in(browser, url, email, "test-password-123")
    assert response.status_code == 302, response.text
    return browser


def test_two_web_servers_and_two_workers_share_files_tasks_and_notifications(
        settings, tmp_path, private_storage_on_s3):
    from portal.celery import app

    school = SchoolFactory()
    staff = member(Role.STAFF, school=school, email="docent@school.example.nl")
    leader = member(Role.SCHOOL_LEADER, school=school, email="directie@school.example.nl")
    staff_token, leader_token = (Token.objects.create(user=user).key for user in (staff, leader))
    mail_dir = tmp_path / "mail"
    redis.Redis.from_url("redis://127.0.0.1:6379/11").flushdb()
    app.control.purge()
    env = app_environ(settings, MELDPUNT_CACHE_URL="redis://127.0.0.1:6379/11",
                      MELDPUNT_TEST_EMAIL_FILE_PATH=str(mail_dir), **private_storage_on_s3.environ)

    with celery_workers(2, env=env, log_dir=tmp_path) as worker_logs, \
            web_processes(2, env=env, log_dir=tmp_path) as (web1, web2):
        filed = []
        for number in range(REPORTS):
            here, there = (web1, web2) if number % 2 == 0 else (web2, web1)
            response = requests.post(f"{here}/api/v1/incidents/", headers={"Authorization": f"Token {staff_token}"},
                                     data={"school": school.pk, "category": "bullying", "platform": "instagram",
                                           "description": f"Melding {number} met schermafbeelding."},
                                     files={"files": (f"scherm{number}.jpg", screenshot(number), "image/jpeg")},
                                     timeout=30)
            assert response.status_code == 201, response.text
            filed.append((response.json()["id"], there))

        leader_headers = {"Authorization": f"Token {leader_token}"}
        browser = signed_in(web1, leader.email)
        for incident_id, there in filed:
            def processed(incident_id=incident_id, there=there):
                body = requests.get(f"{there}/api/v1/incidents/{incident_id}/", headers=leader_headers, timeout=20).json()
                files = [item for item in body["evidence"] if item.get("download")]
                return files if files and all(item["processed"] for item in body["evidence"]) else None

            (item,) = wait_for(processed, timeout=60, interval=0.3)
            download = browser.get(item["download"], timeout=20)  # the session made on the other server
            assert download.status_code == 200
            assert download.headers["Content-Type"] == "image/jpeg"
            assert download.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in download.headers["Content-Security-Policy"]
            assert "no-store" in download.headers["Cache-Control"]
            assert b"Leerling Geheim" not in download.content
            with Image.open(io.BytesIO(download.content)) as image:
                assert image.size == (80, 60)

        leader_notifications = Notification.objects.filter(recipient=leader)
        wait_for(lambda: leader_notifications.count() == REPORTS and not leader_notifications.exclude(
            state=NotificationState.SENT).exists(), timeout=60, interval=0.3)
        wait_for(lambda: mails_to(mail_dir, leader.email) >= REPORTS, timeout=30, interval=0.3)

    # The files live in the bucket, re-encoded: one object per screenshot, the originals deleted.
    stored = set(bucket_keys(private_storage_on_s3.endpoint, private_storage_on_s3.bucket))
    assert stored == set(Evidence.objects.values_list("file", flat=True)) and len(stored) == REPORTS
    # Each image was re-encoded once, by one worker or the other; each notification mailed once.
    logs = [log.read_text(errors="replace") for log in worker_logs]
    done = [len(re.findall(r"incidents\.tasks\.process_evidence\[[^\]]+\] succeeded", log)) for log in logs]
    assert sum(done) == REPORTS, logs
    assert mails_to(mail_dir, leader.email) == REPORTS
    assert mails_to(mail_dir, staff.email) == Notification.objects.filter(recipient=staff).count()
