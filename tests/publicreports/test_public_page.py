"""The public reporting page: a report without an account, its follow-up code, the status and added information."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import Notification
from publicreports.followup import CODE_LENGTH, code_hash, code_normalise
from publicreports.models import PublicReport, PublicReportAddition, Status

from .conftest import report_data, submit

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r'id="followup-code">([0-9A-Z-]+)<')


def send(client, page, **overrides):
    return client.post(reverse("publicreports:report", args=[page.key]), report_data(**overrides))


def code_from(response):
    return CODE_PATTERN.search(response.content.decode()).group(1)


def test_a_visitor_without_account_sends_a_report_and_gets_a_code_shown_once(page, leader, dutch):
    client = Client(enforce_csrf_checks=True)
    form = client.get(reverse("publicreports:report", args=[page.key]))
    assert form.status_code == 200 and "sessionid" not in form.cookies
    assert "no-store" in form["Cache-Control"]
    assert 'type="file"' not in form.content.decode()
    assert "Alleen de schoolleider" in form.content.decode() or "schoolleider van Het Baken" in form.content.decode()
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("publicreports:report", args=[page.key]),
                           {**report_data(sender_name="Sam", sender_contact="sam@example.org"), "csrfmiddlewaretoken": token})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"] and "sessionid" not in response.cookies
    code = code_from(response)
    report = PublicReport.objects.get()
    # Only the hash is kept; the code is long and random.
    assert len(code_normalise(code)) == CODE_LENGTH and report.code_hash == code_hash(code)
    assert code.replace("-", "") not in str(PublicReport.objects.values_list().get())
    assert report.sender_role == "pupil" and report.links == ["https://www.instagram.com/p/nep123/"]
    assert report.sender_name == "Sam" and report.status == Status.RECEIVED
    # The school leader is told through the outbox, without the report's text or the sender's name.
    note = Notification.objects.get(recipient=leader, kind="public_report_received")
    assert note.url == reverse("publicreports:detail", args=[report.pk])
    assert "Sam" not in note.body and "nepaccount" not in note.body
    # The same form again shows a new code: the first one is never shown a second time.
    assert code not in client.get(reverse("publicreports:report", args=[page.key])).content.decode()


def test_csrf_is_checked_on_the_public_form(page):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("publicreports:report", args=[page.key]), report_data()).status_code == 403
    assert not PublicReport.objects.exists()


def test_the_counsellor_hears_of_it_only_when_the_sender_asks(page, leader, school_counsellor):
    submit(page=page)
    assert not Notification.objects.filter(recipient=school_counsellor).exists()
    submit(page=page, wants_counsellor=True)
    assert Notification.objects.filter(recipient=school_counsellor, kind="public_report_counsellor").count() == 1
    assert Notification.objects.filter(recipient=leader, kind="public_report_received").count() == 2


def test_the_code_shows_the_status_only_and_lets_the_sender_add(page, leader, school_counsellor, dutch):
    report, code = submit(page=page, wants_counsellor=True, sender_name="Sam")
    client = Client()
    response = client.post(reverse("publicreports:follow"), {"code": code.lower().replace("-", " ")})
    body = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert 'id="report-status">Ontvangen<' in body
    assert "gemene berichten" not in body and "Sam" not in body  # nothing of the report itself
    response = client.post(reverse("publicreports:add"), {"code": code, "text": "Het account heet @nep.sam.",
                                                          "links": "https://www.instagram.com/nep.sam/"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    addition = PublicReportAddition.objects.get(report=report)
    assert addition.text == "Het account heet @nep.sam." and addition.links == ["https://www.instagram.com/nep.sam/"]
    assert Notification.objects.filter(recipient=leader, kind="public_report_added").count() == 1
    assert Notification.objects.filter(recipient=school_counsellor, kind="public_report_counsellor").count() == 2


def test_an_addition_with_bad_input_keeps_what_was_typed(page, dutch):
    _report, code = submit(page=page)
    response = Client().post(reverse("publicreports:add"), {"code": code, "text": "Nog iets\x00", "links": "geen link"})
    body = response.content.decode()
    assert response.status_code == 400 and "geen link" in body and "Nog iets" in body
    assert not PublicReportAddition.objects.exists()


def test_bad_input_is_refused_at_its_field_keeping_what_was_typed(page, dutch):
    client = Client()
    response = send(client, page, description="x" * 5001, platform="myspace", occurred_on="2999-01-01",
                    sender_name="Naam die ik typte")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Naam die ik typte" in body and "5000" in body
    assert "Deze datum ligt in de toekomst" in body
    assert not PublicReport.objects.exists()
    response = send(client, page, description="Hallo\x00daar")
    assert response.status_code == 400 and not PublicReport.objects.exists()


def test_the_honeypot_thanks_a_bot_and_keeps_nothing(page, leader):
    response = send(Client(), page, website="http://spam.example/")
    assert response.status_code == 200 and CODE_PATTERN.search(response.content.decode())
    assert not PublicReport.objects.exists() and not Notification.objects.exists()


def test_no_file_is_taken_and_a_large_body_is_refused_unread(page):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    response = client.post(reverse("publicreports:report", args=[page.key]),
                           {**report_data(), "files": SimpleUploadedFile("foto.png", b"\x89PNG" + b"0" * 100)})
    assert response.status_code == 200  # the report is taken; the file is not read and not kept
    assert PublicReport.objects.count() == 1
    big = SimpleUploadedFile("foto.png", b"\x89PNG" + b"0" * 200_000)
    response = client.post(reverse("publicreports:report", args=[page.key]), {**report_data(), "files": big})
    assert response.status_code == 413
    assert PublicReport.objects.count() == 1


def test_a_paused_page_takes_no_reports_but_codes_keep_working(page, leader, dutch):
    from publicreports import services

    _report, code = submit(page=page)
    services.reporting_page_pause(school=page.school, actor=leader, paused=True, reason="Stroom nepmeldingen")
    client = Client()
    response = client.get(reverse("publicreports:report", args=[page.key]))
    assert "neemt even geen meldingen aan" in response.content.decode()
    assert "<textarea" not in response.content.decode()
    assert send(client, page).status_code == 503
    assert PublicReport.objects.count() == 1
    assert client.post(reverse("publicreports:follow"), {"code": code}).status_code == 200


def test_an_unknown_page_key_is_a_404():
    assert Client().get(reverse("publicreports:report", args=["bestaat-niet"])).status_code == 404
