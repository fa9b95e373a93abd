"""Retention of the public reports: one set aside goes when its last activity is past the board's period, one that
became a case goes with that case, one still to decide stays. A tombstone remains; the follow-up code stops working."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from incidents.retention import incident_anonymise, retention_run
from incidents.tasks import apply_retention
from incidents.walkthrough import walk_to
from portal.models import AuditEvent, Notification
from publicreports import services
from publicreports.models import Outcome, PublicReport, PublicReportAddition, Status
from publicreports.retention import public_reports
from tests.factories import IncidentFactory

from .conftest import submit

pytestmark = pytest.mark.django_db

START = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.timezone.utc)
NAMED = {"sender_name": "Zoë Achternaam", "sender_contact": "zoe@example.org",
         "links": ["https://www.instagram.com/p/zoe123/"], "description": "Een naaktfoto van Zoë wordt gedeeld."}


def follow(code):
    return Client().post(reverse("publicreports:follow"), {"code": code})


def code_works(code):
    return follow(code).status_code == 200


def set_aside(report, leader):
    return services.public_report_set_aside(report=report, actor=leader, reason="Grap van Zoë's broer Tim.")


@pytest.fixture
def world(page, school, leader, time_machine):
    school.board.retention_months = 24
    school.board.save()
    time_machine.move_to(START, tick=False)
    aside_old, aside_old_code = submit(page=page, occurred_on=datetime.date(2024, 1, 8), **NAMED)
    services.public_report_add_information(report=aside_old, text="Tim zit in 3C.", links=["https://example.org/tim"])
    set_aside(aside_old, leader)
    aside_revived, aside_revived_code = submit(page=page, sender_name="Noor")
    set_aside(aside_revived, leader)
    linked, linked_code = submit(page=page, **NAMED)
    linked = services.public_report_open_case(report=linked, actor=leader, category="sexting")
    walk_to(linked.incident, "closed", leader)
    on_open_case, on_open_case_code = submit(page=page, sender_name="Daan")
    services.public_report_add_to_case(report=on_open_case, actor=leader,
                                       incident=IncidentFactory(school=school, gathering=True))
    undecided, undecided_code = submit(page=page, sender_name="Lotte")
    time_machine.move_to(START + datetime.timedelta(days=400), tick=False)
    services.public_report_add_information(report=aside_revived, text="Het gebeurt weer.")
    aside_recent, aside_recent_code = submit(page=page, sender_name="Bram")
    set_aside(aside_recent, leader)
    time_machine.move_to(START + datetime.timedelta(days=800), tick=False)
    reports = {"aside_old": aside_old, "aside_revived": aside_revived, "linked": linked, "on_open_case": on_open_case,
               "undecided": undecided, "aside_recent": aside_recent}
    codes = {"aside_old": aside_old_code, "aside_revived": aside_revived_code, "linked": linked_code,
             "on_open_case": on_open_case_code, "undecided": undecided_code, "aside_recent": aside_recent_code}
    return {name: PublicReport.objects.get(pk=report.pk) for name, report in reports.items()}, codes


def detail_path(report):
    return reverse("publicreports:detail", args=[report.pk])


KEPT = ["aside_revived", "on_open_case", "undecided", "aside_recent"]


def test_the_dry_run_lists_the_reports_past_the_period_and_changes_nothing(world, capsys):
    reports, codes = world
    call_command("anonymise_cases")
    output = capsys.readouterr().out
    listed = [line for line in output.splitlines() if " public report(s): " in line]
    assert len(listed) == 1
    assert detail_path(reports["aside_old"]) in listed[0] and detail_path(reports["linked"]) in listed[0]
    assert not any(detail_path(reports[name]) in output for name in KEPT)
    # The other parts of the run (sanctions, ...) follow in the same line.
    assert output.splitlines()[-1].rstrip(".").split(" and ")[:2] == ["Would anonymise 1 case(s)", "2 public report(s)"]
    for name, report in reports.items():
        assert PublicReport.objects.get(pk=report.pk).description == report.description
        assert PublicReport.objects.get(pk=report.pk).anonymised_at is None
        assert code_works(codes[name])
    assert PublicReportAddition.objects.filter(report=reports["aside_old"]).exists()


def test_a_report_set_aside_past_the_period_is_anonymised_and_its_code_no_longer_works(
        world, leader, dutch, capsys, django_capture_on_commit_callbacks):
    reports, codes = world
    old = reports["aside_old"]
    assert Notification.objects.filter(url=detail_path(old)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_cases", "--apply")
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.rstrip(".").split(" and ")[:2] == ["Anonymised 1 case(s)", "2 public report(s)"]

    tomb = PublicReport.objects.get(pk=old.pk)
    # Every text and contact detail is gone, with what the sender added and who decided.
    assert tomb.anonymised_at is not None
    texts = (tomb.description, tomb.links, tomb.sender_name, tomb.sender_contact, tomb.set_aside_reason)
    assert texts == ("", [], "", "", "")
    assert tomb.handled_by is None and not tomb.is_named
    assert not PublicReportAddition.objects.filter(report=tomb).exists()
    assert not Notification.objects.filter(url=detail_path(old)).exists()
    for text in ("Zoë", "zoe@example.org", "zoe123", "Tim"):
        assert text not in str(PublicReport.objects.filter(pk=old.pk).values().get())
    # The tombstone keeps its school, dates, sender role, platform and outcome.
    assert (tomb.school_id, tomb.received_at, tomb.occurred_on, tomb.handled_at) == (
        old.school_id, old.received_at, old.occurred_on, old.handled_at)
    assert (tomb.sender_role, tomb.platform, tomb.outcome, tomb.status) == (
        "pupil", old.platform, Outcome.SET_ASIDE, Status.CLOSED)
    # The audit trail, which cannot be changed, never held the reason given for setting it aside.
    assert "Tim" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    # Written to the audit trail as a case's anonymisation is.
    assert AuditEvent.objects.filter(action="retention.anonymise", object_type="publicreports.publicreport",
                                     object_id=str(old.pk), actor=None, board=old.school.board).count() == 1
    # The code answers as an unknown one does: nothing to read, nothing to add.
    unknown = follow("0000-0000-0000-0000-0000-0000")
    response = follow(codes["aside_old"])
    assert response.status_code == unknown.status_code == 400
    assert "Met deze code is geen melding gevonden" in response.content.decode()
    added = Client().post(reverse("publicreports:add"), {"code": codes["aside_old"], "text": "Nog iets over Zoë."})
    assert added.status_code == 400 and not PublicReportAddition.objects.filter(report=tomb).exists()
    # The school leader still opens the tombstone, which says what happened to it.
    client = Client()
    client.force_login(leader)
    page = client.get(detail_path(old))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="anonymised"' in body and "geanonimiseerd" in body
    assert "Zoë" not in body and "None" not in body
    # The younger ones, the one added to again, the one on an open case and the one still to decide stay whole.
    for name in KEPT:
        report = PublicReport.objects.get(pk=reports[name].pk)
        assert report.anonymised_at is None and report.description == reports[name].description
        assert report.sender_name == reports[name].sender_name and code_works(codes[name])
    assert PublicReportAddition.objects.filter(report=reports["aside_revived"]).exists()
    # A second run finds nothing more.
    assert retention_run(apply=True).total == 0


def test_a_report_that_became_a_case_goes_with_that_case(world, leader):
    reports, codes = world
    linked = reports["linked"]
    assert apply_retention() == 3  # the nightly task: the case, the report set aside and the case's report

    tomb = PublicReport.objects.get(pk=linked.pk)
    assert tomb.incident.anonymised_at is not None and tomb.anonymised_at == tomb.incident.anonymised_at
    assert tomb.description == "" and tomb.sender_name == "" and tomb.sender_contact == "" and tomb.links == []
    assert (tomb.outcome, tomb.incident_id, tomb.status) == (Outcome.CASE_OPENED, linked.incident_id, Status.CLOSED)
    assert not code_works(codes["linked"])
    assert AuditEvent.objects.filter(action="retention.anonymise", object_type="publicreports.publicreport",
                                     object_id=str(linked.pk)).count() == 1
    # The report on a case that is still open waits for its case.
    assert PublicReport.objects.get(pk=reports["on_open_case"].pk).anonymised_at is None


def test_anonymising_a_case_takes_its_reports_along_in_the_same_transaction(page, school, leader):
    report, code = submit(page=page, **NAMED)
    report = services.public_report_open_case(report=report, actor=leader, category="sexting")
    assert incident_anonymise(incident=report.incident)  # however the case is anonymised
    tomb = PublicReport.objects.get(pk=report.pk)
    assert tomb.anonymised_at is not None and tomb.sender_name == "" and not code_works(code)


def test_a_report_whose_case_was_anonymised_before_is_picked_up_by_the_next_run(world, settings):
    reports, codes = world
    settings.MELDPUNT_RETENTION_PARTS = []  # as before the public reports were covered
    retention_run(apply=True)
    assert PublicReport.objects.get(pk=reports["linked"].pk).incident.anonymised_at is not None
    assert PublicReport.objects.get(pk=reports["linked"].pk).anonymised_at is None

    settings.MELDPUNT_RETENTION_PARTS = ["publicreports.retention.public_reports"]
    report = retention_run(apply=False)
    assert report.references("public report(s)") == [detail_path(reports["aside_old"]), detail_path(reports["linked"])]
    assert report.count("case(s)") == 0
    retention_run(apply=True)
    assert PublicReport.objects.get(pk=reports["linked"].pk).anonymised_at is not None
    assert not code_works(codes["linked"])


def test_a_report_added_to_after_it_was_listed_is_left_for_later(world, school):
    reports, codes = world
    old = reports["aside_old"]
    listed = list(public_reports.candidates(board=school.board, now=None))
    assert old in listed
    services.public_report_add_information(report=old, text="Er is iets nieuws.")
    assert public_reports.anonymise(obj=old, board=school.board, now=None) is False
    assert PublicReport.objects.get(pk=old.pk).anonymised_at is None and code_works(codes["aside_old"])


def test_information_sent_with_a_report_read_before_it_was_anonymised_is_refused(world):
    reports, _codes = world
    stale = reports["aside_old"]  # as the follow page read it, just before the run
    retention_run(apply=True)
    with pytest.raises(ValidationError):
        services.public_report_add_information(report=stale, text="Tim heet eigenlijk Tim de Boer.")
    assert not PublicReportAddition.objects.filter(report=stale).exists()


def test_boards_without_a_retention_period_keep_their_reports(world, school):
    reports, codes = world
    school.board.retention_months = None
    school.board.save()
    assert retention_run(apply=True).total == 0
    assert PublicReport.objects.get(pk=reports["aside_old"].pk).anonymised_at is None
    assert code_works(codes["aside_old"])
