"""Retention of sanctions, dossier documents and LVI reports: a sanction of a case goes with its case; one without a
case goes once its last activity is past the board's period and it no longer runs; documents go with their sanction
or by their own date, their files once the change is committed; LVI reports go by their own date. A tombstone without
the person remains, and every page that shows it still opens."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, InvolvementRole
from incidents.retention import incident_anonymise, retention_run
from incidents.walkthrough import walk_to
from portal.models import AuditEvent, PersonKind
from sanctions import services
from sanctions.models import (
    Correspondence, DecisionLetter, Duty, LviReport, Objection, ObjectionOutcome, Sanction, SanctionStatus,
)
from sanctions.retention import documents, lvi_reports, sanction_anonymise, sanctions
from tests.exports.support import csv_rows
from tests.factories import IncidentFactory, PersonFactory

from .support import impose, involve, png_upload, section

pytestmark = pytest.mark.django_db

START = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
NAME = "Zoë Achternaam"
SANCTIONS, DOCUMENTS, LVI = "sanction(s)", "dossier document(s)", "LVI report(s)"


def sanction_path(sanction):
    return reverse("sanctions:detail", args=[sanction.pk])


def document_path(document):
    return reverse("sanctions:correspondence_file", args=[document.token])


def lvi_path(report):
    return reverse("sanctions:lvi_detail", args=[report.pk])


def stored(document):
    return document.file.storage.exists(document.file.name)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def decided_suspension_with_everything(zoe, leader):
    """A decided two-day suspension with a letter uploaded, the guardians' contact, the decision letter sent, its
    duty to the Inspectie done and an objection decided: every kind of text a sanction can hold, about Zoë."""
    sanction = impose(zoe, leader, "suspension", days=2, decision=f"{NAME} blijft twee dagen thuis.",
                      reasoning=f"{NAME} dreigde een docent.", letters=[png_upload("brief-zoe.png")],
                      letter_description=f"Brief aan de ouders van {NAME}")
    services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=timezone.now() - HOUR,
                                              how=f"Gebeld met de moeder van {NAME}.")
    letter = services.letter_make(sanction=sanction, actor=leader)
    services.letter_record_sent(letter=letter, actor=leader, sent_at=timezone.now(), sent_how="post",
                                sent_to=f"De ouders van {NAME}, Dorpsstraat 1")
    services.duty_record_done(duty=sanction.duties.get(), actor=leader, done_on=timezone.localdate(),
                              reference="ISD-ZOE-1")
    objection = services.objection_record(sanction=sanction, actor=leader, received_on=timezone.localdate(),
                                          lodged_by=f"De vader van {NAME}", grounds="Zoë werd uitgelokt.")
    services.objection_decide(objection=objection, actor=leader, outcome=ObjectionOutcome.DISMISSED,
                              outcome_on=timezone.localdate(), reasoning="Het besluit blijft staan voor Zoë.")
    return Sanction.objects.get(pk=sanction.pk)


@pytest.fixture
def world(school, leader, time_machine):
    """On 10 January 2024 (a 24-month period; the run is 800 days later): a closed case with Zoë's sanction and its
    letter, a decided standalone suspension with all its records, a suspension with an objection still to decide, a
    proposed removal, a suspension whose duty is still open, a document on its own, an LVI report; 400 days later a
    recent warning and LVI report, and a letter added to an old warning."""
    school.board.retention_months = 24
    school.board.save()
    time_machine.move_to(START, tick=False)
    zoe = PersonFactory(school=school, first_name="Zoë", last_name="Achternaam")
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, first_name="Tim", last_name="Docent", class_name="")
    case = IncidentFactory(school=school, gathering=True)
    involve(case, zoe, InvolvementRole.PERPETRATOR, leader)
    on_case = impose(zoe, leader, "warning", incident=case, decision=f"Waarschuwing voor {NAME}.",
                     letters=[png_upload("waarschuwing-zoe.png")], letter_description=f"Waarschuwing {NAME}")
    walk_to(case, "closed", leader)
    decided = decided_suspension_with_everything(zoe, leader)
    objected = impose(zoe, leader, "suspension", days=1)
    services.objection_record(sanction=objected, actor=leader, received_on=timezone.localdate(),
                              lodged_by="De ouders", grounds="Te zwaar.")
    proposed = impose(zoe, leader, "removal")
    open_duty = impose(zoe, leader, "suspension", days=2)
    revived = impose(zoe, leader, "warning")
    alone = services.correspondence_add(person=zoe, actor=leader, files=[png_upload("verslag-zoe.png")],
                                        description=f"Gespreksverslag met {NAME}")[0]
    lvi = services.lvi_report_start(person=teacher, actor=leader, staff_told_at=timezone.now() - HOUR,
                                    staff_told_how="Gesprek met Tim en de teamleider.", reported_at=timezone.now(),
                                    inspector="Mevrouw Inspecteur", summary="Tim Docent deelde een foto van Zoë.")
    time_machine.move_to(START + datetime.timedelta(days=400), tick=False)
    recent = impose(zoe, leader, "warning")
    services.correspondence_add(person=zoe, actor=leader, files=[png_upload()], description="Nabrief",
                                sanction=revived)
    recent_lvi = services.lvi_report_start(person=teacher, actor=leader, staff_told_at=timezone.now() - HOUR,
                                           staff_told_how="Gesprek.")
    time_machine.move_to(START + datetime.timedelta(days=800), tick=False)
    return {
        "zoe": zoe, "teacher": teacher, "case": Incident.objects.get(pk=case.pk), "on_case": fresh(on_case),
        "decided": fresh(decided), "objected": fresh(objected), "proposed": fresh(proposed),
        "open_duty": fresh(open_duty), "revived": fresh(revived), "recent": fresh(recent), "alone": fresh(alone),
        "lvi": fresh(lvi), "recent_lvi": fresh(recent_lvi),
    }


KEPT = ["objected", "proposed", "open_duty", "revived", "recent"]


def gone_documents(world):
    return list(Correspondence.objects.filter(sanction__in=[world["on_case"], world["decided"]])) + [world["alone"]]


def test_the_dry_run_lists_what_goes_and_changes_nothing(world, capsys):
    call_command("anonymise_cases")
    output = capsys.readouterr().out
    lines = {kind: [line for line in output.splitlines() if f" {kind}: " in line]
             for kind in (SANCTIONS, DOCUMENTS, LVI)}
    assert all(len(found) == 1 for found in lines.values()), output
    listed_sanctions = lines[SANCTIONS][0].split(": ")[-1].split(", ")
    assert listed_sanctions == [sanction_path(world["on_case"]), sanction_path(world["decided"])]
    listed_documents = lines[DOCUMENTS][0].split(": ")[-1].split(", ")
    assert sorted(listed_documents) == sorted(document_path(d) for d in gone_documents(world))
    assert len(listed_documents) == 4  # the case's letter, the suspension's letter and decision letter, the lone one
    assert lines[LVI][0].endswith(f": {lvi_path(world['lvi'])}")
    assert not any(sanction_path(world[name]) in output for name in KEPT)
    assert lvi_path(world["recent_lvi"]) not in output
    assert output.splitlines()[-1] == ("Would anonymise 1 case(s) and 0 public report(s) and 2 sanction(s) and "
                                       "4 dossier document(s) and 1 LVI report(s).")
    # Nothing changed.
    assert not Sanction.objects.filter(anonymised_at__isnull=False).exists()
    assert fresh(world["decided"]).person == world["zoe"] and NAME in fresh(world["decided"]).decision
    assert all(stored(document) and fresh(document).description for document in gone_documents(world))
    assert fresh(world["lvi"]).person == world["teacher"] and fresh(world["lvi"]).summary
    assert not AuditEvent.objects.filter(action="retention.anonymise").exists()


def test_a_sanction_of_a_case_goes_with_its_case_in_its_transaction(world, django_capture_on_commit_callbacks):
    on_case = world["on_case"]
    letter = Correspondence.objects.get(sanction=on_case)
    with django_capture_on_commit_callbacks(execute=True):
        assert incident_anonymise(incident=world["case"])  # however the case is anonymised
    case = Incident.objects.get(pk=world["case"].pk)
    tomb = fresh(on_case)
    assert tomb.anonymised_at == case.anonymised_at is not None
    assert tomb.person is None and tomb.decision == "" and tomb.incident_id == case.pk
    assert fresh(letter).anonymised_at == case.anonymised_at and not stored(letter)
    # Only the case's: the standalone sanctions wait for the run.
    assert fresh(world["decided"]).anonymised_at is None


def test_a_sanction_of_a_case_anonymised_before_is_picked_up_by_the_next_run(world, settings):
    settings.MELDPUNT_RETENTION_PARTS = ["publicreports.retention.public_reports"]  # as before sanctions were covered
    retention_run(apply=True)
    assert Incident.objects.get(pk=world["case"].pk).anonymised_at is not None
    assert fresh(world["on_case"]).anonymised_at is None

    settings.MELDPUNT_RETENTION_PARTS = ["sanctions.retention.sanctions", "sanctions.retention.documents"]
    report = retention_run(apply=False)
    assert report.count("case(s)") == 0 and sanction_path(world["on_case"]) in report.references(SANCTIONS)
    retention_run(apply=True)
    assert fresh(world["on_case"]).anonymised_at is not None and fresh(world["on_case"]).person is None


def test_a_decided_sanction_past_the_period_leaves_a_tombstone_and_the_rest_stays(world, school, capsys):
    decided = world["decided"]
    call_command("anonymise_cases", "--apply")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Anonymised 1 case(s) and 0 public report(s) and 2 sanction(s) and 4 dossier document(s) and 1 LVI report(s).")

    tomb = fresh(decided)
    # The person, every text and who decided are gone, with the field history that kept them.
    assert tomb.anonymised_at is not None and tomb.person is None
    texts = (tomb.decision, tomb.reasoning, tomb.board_reason, tomb.guardians_contacted_how, tomb.admitted_by,
             tomb.withdrawal_reason)
    assert texts == ("",) * 6
    assert tomb.decided_by is None and tomb.guardians_contacted_by is None
    assert not Sanction.history.filter(id=tomb.pk).exists()
    assert NAME not in str(Sanction.objects.filter(pk=tomb.pk).values().get())
    # Its records keep their dates and outcome, not their texts.
    letter = DecisionLetter.objects.get(sanction=tomb)
    assert (letter.subject, letter.body, letter.sent_to, letter.objection_to) == ("", "", "", "")
    assert letter.sent_at is not None and letter.kind == "suspension"
    objection = Objection.objects.get(sanction=tomb)
    assert (objection.lodged_by, objection.grounds, objection.outcome_reasoning) == ("", "", "")
    assert (objection.outcome, objection.received_on) == (ObjectionOutcome.DISMISSED, START.date())
    duty = Duty.objects.get(sanction=tomb)
    assert duty.reference == "" and duty.done_on == START.date() and duty.recipient == "inspectie"
    assert not Duty.history.filter(sanction_id=tomb.pk).exists()
    for model in (DecisionLetter, Objection, Duty):
        assert "Zo" not in str(list(model.objects.filter(sanction=tomb).values()))
    # The tombstone keeps what the statistics need.
    kept = ("measure_id", "measure_label", "legal_kind", "school_id", "status", "starts_on", "ends_on", "days",
            "proposed_at", "decided_at", "letter_sent_at")
    assert [getattr(tomb, name) for name in kept] == [getattr(decided, name) for name in kept]
    assert tomb.status == SanctionStatus.DECIDED and tomb.school == school
    assert str(tomb) == decided.measure_label
    # Inside the period, still running (an objection to decide, a proposal, a duty open), or touched since: kept.
    for name in KEPT:
        sanction = fresh(world[name])
        assert sanction.anonymised_at is None and sanction.person == world["zoe"], name
    assert Correspondence.objects.get(sanction=world["revived"]).anonymised_at is None


def test_the_documents_lose_their_files_once_the_run_is_committed(world, django_capture_on_commit_callbacks):
    documents_gone = gone_documents(world)
    assert all(stored(document) for document in documents_gone)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retention_run(apply=True)
    assert all(stored(document) for document in documents_gone), "not before the commit"
    for callback in callbacks:
        callback()
    assert not any(stored(document) for document in documents_gone)
    for document in documents_gone:
        tomb = fresh(document)
        assert tomb.anonymised_at is not None and tomb.person is None
        assert (tomb.file.name, tomb.description, tomb.original_name) == ("", "", "")
        assert tomb.sanction_id == document.sanction_id and tomb.uploaded_at == document.uploaded_at
    # The letter added to the old warning since, and so the warning, stay.
    added = Correspondence.objects.get(sanction=world["revived"])
    assert added.anonymised_at is None and stored(added)


def test_an_lvi_report_past_the_period_is_anonymised(world):
    lvi = world["lvi"]
    retention_run(apply=True)
    tomb = fresh(lvi)
    assert tomb.anonymised_at is not None and tomb.person is None and tomb.reported_by is None
    assert (tomb.staff_told_how, tomb.inspector, tomb.summary) == ("", "", "")
    assert (tomb.staff_told_at, tomb.reported_at, tomb.school_id) == (lvi.staff_told_at, lvi.reported_at, lvi.school_id)
    assert not LviReport.history.filter(id=tomb.pk).exists()
    assert str(tomb) == "LVI"
    recent = fresh(world["recent_lvi"])
    assert recent.anonymised_at is None and recent.person == world["teacher"]


def test_every_anonymisation_is_in_the_audit_trail(world, school):
    retention_run(apply=True)
    for obj in [world["on_case"], world["decided"], *gone_documents(world), world["lvi"]]:
        assert AuditEvent.objects.filter(action="retention.anonymise", object_type=obj._meta.label_lower,
                                         object_id=str(obj.pk), actor=None, board=school.board).count() == 1, obj
    assert not AuditEvent.objects.filter(action="retention.anonymise", object_type="sanctions.sanction",
                                         object_id=str(world["recent"].pk)).exists()


def test_a_second_run_changes_nothing(world, school):
    first = retention_run(apply=True)
    assert (first.count(SANCTIONS), first.count(DOCUMENTS), first.count(LVI)) == (2, 4, 1)
    stamp = fresh(world["decided"]).anonymised_at
    events = AuditEvent.objects.filter(action="retention.anonymise").count()

    assert retention_run(apply=True).total == 0
    assert not sanction_anonymise(sanction=world["decided"])
    assert not sanctions.anonymise(obj=world["decided"], board=school.board, now=None)
    assert not documents.anonymise(obj=world["alone"], board=school.board, now=None)
    assert not lvi_reports.anonymise(obj=world["lvi"], board=school.board, now=None)
    assert fresh(world["decided"]).anonymised_at == stamp
    assert AuditEvent.objects.filter(action="retention.anonymise").count() == events


def test_a_sanction_touched_after_it_was_listed_is_left_for_later(world, school, leader):
    decided = world["decided"]
    assert decided in list(sanctions.candidates(board=school.board, now=None))
    services.correspondence_add(person=world["zoe"], actor=leader, files=[png_upload()], description="Nagekomen",
                                sanction=decided)
    assert sanctions.anonymise(obj=decided, board=school.board, now=None) is False
    assert fresh(decided).anonymised_at is None and fresh(decided).person == world["zoe"]


def test_boards_without_a_retention_period_keep_everything(world, school):
    school.board.retention_months = None
    school.board.save()
    assert retention_run(apply=True).total == 0
    assert fresh(world["decided"]).anonymised_at is None and fresh(world["lvi"]).anonymised_at is None
    assert fresh(world["alone"]).anonymised_at is None


def test_the_pages_show_the_tombstones_without_the_person(world, leader, board_member):
    retention_run(apply=True)
    tomb = fresh(world["decided"])
    client = Client()
    client.force_login(leader)

    def page(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, url
        return response.content.decode()

    # The sanction's page says it was anonymised; no name, no text, no document to download, nothing to record.
    body = page(sanction_path(tomb))
    assert 'id="anonymised"' in body and "geanonimiseerd" in body
    for text in ("Zoë", "Achternaam", "ISD-ZOE-1", "Dorpsstraat", "uitgelokt", "None"):
        assert text not in body, text
    for document in Correspondence.objects.filter(sanction=tomb):
        assert document_path(document) not in body
    assert "verwijderd aan het einde van de bewaartermijn" in section(body, "letters")
    for name in ("letter", "withdraw", "objection", "letter_make"):
        assert reverse(f"sanctions:{name}", args=[tomb.pk]) not in body, name
    assert "Geen." in section(body, "prior-sanctions")  # a tombstone has no earlier sanctions (nor the others')
    # So is the case's sanction, and the case's page lists it without the person.
    assert 'id="anonymised"' in page(sanction_path(world["on_case"]))
    case_page = page(reverse("incidents:detail", args=[world["case"].pk]))
    assert sanction_path(world["on_case"]) in case_page and "Zoë" not in case_page and "— None" not in case_page
    # The register of sanctions and its export.
    register = page(reverse("sanctions:list"))
    assert sanction_path(tomb) in register and sanction_path(world["recent"]) in register
    rows = csv_rows(client.get(reverse("sanctions:list"), {"export": "csv"}))
    tomb_rows = [row for row in rows if row[0] == "" and row[4] == tomb.measure_label]
    assert tomb_rows and not any("Zoë" in cell for row in tomb_rows for cell in row)
    # The duties register, its export and the duty's page.
    duty = Duty.objects.get(sanction=tomb)
    assert reverse("sanctions:duty", args=[duty.pk]) in page(reverse("sanctions:duties"))
    duty_rows = csv_rows(client.get(reverse("sanctions:duties"), {"export": "csv"}))
    assert ["", ""] in [row[2:4] for row in duty_rows[1:]]
    duty_page = page(reverse("sanctions:duty", args=[duty.pk]))
    assert "None" not in duty_page and "ISD-ZOE-1" not in duty_page and 'id="done"' not in duty_page
    # The LVI report's page.
    lvi_page = page(lvi_path(world["lvi"]))
    assert 'id="anonymised"' in lvi_page and "Tim" not in lvi_page and "Inspecteur" not in lvi_page
    assert "None" not in lvi_page
    # Zoë's dossier, its PDF and ZIP no longer hold what was anonymised; what is kept is still there.
    dossier = page(reverse("sanctions:dossier", args=[world["zoe"].pk]))
    entries = section(dossier, "dossier-entries")
    assert sanction_path(tomb) not in entries and sanction_path(world["recent"]) in entries
    assert "Gespreksverslag" not in entries
    for fmt in ("pdf", "zip"):
        assert client.get(reverse("sanctions:dossier_export", args=[world["zoe"].pk, fmt])).status_code == 200
    # The board member sees the same tombstone, without a form to decide or withdraw.
    client.force_login(board_member)
    body = page(sanction_path(tomb))
    assert 'id="withdraw"' not in body and 'id="decide"' not in body and 'id="anonymised"' in body


def test_nothing_can_be_recorded_on_a_tombstone(world, leader, board_member):
    retention_run(apply=True)
    tomb = fresh(world["decided"])
    client = Client()
    client.force_login(leader)
    documents_before = Correspondence.objects.count()
    response = client.post(reverse("sanctions:letter", args=[tomb.pk]),
                           {"letter-description": "Nog een brief over Zoë", "letter-files": png_upload()})
    assert response.status_code == 403
    response = client.post(reverse("sanctions:withdraw", args=[tomb.pk]), {"withdraw-reason": "Zoë"})
    assert response.status_code == 403
    letters_before = DecisionLetter.objects.count()
    assert client.post(reverse("sanctions:letter_make", args=[tomb.pk])).status_code == 403
    assert Correspondence.objects.count() == documents_before and DecisionLetter.objects.count() == letters_before
    assert fresh(tomb).status == SanctionStatus.DECIDED and fresh(tomb).withdrawal_reason == ""
