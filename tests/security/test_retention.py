"""Retention: closed cases past the board's period are anonymised after a dry run; a tombstone remains."""

import datetime

import pytest
from django.core.management import call_command
from PIL import Image

from incidents import services
from incidents.models import Evidence, Incident, Involvement
from incidents.retention import retention_run
from incidents.statistics import incident_statistics
from portal.models import AuditEvent, Notification

from ..factories import IncidentFactory, PersonFactory

START = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.timezone.utc)


def png_upload(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = tmp_path / "bewijs.png"
    Image.new("RGB", (20, 20), "red").save(path)
    return SimpleUploadedFile("bewijs.png", path.read_bytes(), content_type="image/png")


@pytest.fixture
def world(school, leader, time_machine, tmp_path):
    school.board.retention_months = 24
    school.board.save()
    time_machine.move_to(START, tick=False)
    old = IncidentFactory(school=school, description="Naaktfoto van Zoë Achternaam gedeeld.", files=[png_upload(tmp_path)])
    pupil = PersonFactory(school=school, first_name="Zoë", last_name="Achternaam")
    services.incident_add_record(incident=old, actor=leader, record=Involvement(person=pupil, role="victim"))
    from incidents.walkthrough import walk_to

    walk_to(old, "closed", leader)
    still_open = IncidentFactory(school=school, gathering=True)
    time_machine.move_to(START + datetime.timedelta(days=400), tick=False)
    recent = IncidentFactory(school=school, closed=True)
    time_machine.move_to(START + datetime.timedelta(days=800), tick=False)
    return {"old": Incident.objects.get(pk=old.pk), "open": still_open, "recent": recent}


@pytest.mark.django_db
def test_the_dry_run_lists_what_would_be_anonymised_and_changes_nothing(world, capsys):
    call_command("anonymise_cases")
    output = capsys.readouterr().out
    assert world["old"].reference in output and world["recent"].reference not in output
    assert world["open"].reference not in output
    old = Incident.objects.get(pk=world["old"].pk)
    assert old.description.startswith("Naaktfoto") and old.anonymised_at is None
    assert Evidence.objects.filter(incident=old).exists()


@pytest.mark.django_db
def test_anonymising_keeps_a_tombstone_and_removes_every_trace(world, leader, school, django_capture_on_commit_callbacks):
    old = world["old"]
    stored_files = [e.file.name for e in Evidence.objects.filter(incident=old).exclude(file="")]
    storage = Evidence._meta.get_field("file").storage
    before = incident_statistics(user=leader)

    with django_capture_on_commit_callbacks(execute=True):  # files are deleted when the anonymisation commits
        report = retention_run(apply=True)

    assert report.total == 1
    tomb = Incident.objects.get(pk=old.pk)
    assert tomb.anonymised_at is not None
    assert (tomb.category, tomb.platform, tomb.state, tomb.school_id) == (old.category, old.platform, "closed", school.pk)
    assert tomb.reported_at == old.reported_at and tomb.state_changed_at == old.state_changed_at
    assert tomb.description == "" and tomb.facts_account == "" and tomb.reporter is None
    assert not Involvement.objects.filter(incident=tomb).exists()
    assert not Evidence.objects.filter(incident=tomb).exists()
    assert not any(storage.exists(name) for name in stored_files)
    assert not Notification.objects.filter(incident=tomb).exists()
    # No old text survives in the field history either.
    assert not Incident.history.filter(id=tomb.pk, description__contains="Zoë").exists()
    assert not Involvement.history.filter(incident_id=tomb.pk).exists()
    # The tombstone still counts in the statistics.
    assert incident_statistics(user=leader)["total"] == before["total"]
    # Recent and open cases are untouched; a second run finds nothing more.
    assert Incident.objects.get(pk=world["recent"].pk).anonymised_at is None
    assert Incident.objects.get(pk=world["open"].pk).anonymised_at is None
    assert retention_run(apply=True).total == 0


@pytest.mark.django_db
def test_boards_without_a_retention_period_keep_their_cases(world, school):
    school.board.retention_months = None
    school.board.save()
    assert retention_run(apply=True).total == 0
    assert Incident.objects.get(pk=world["old"].pk).anonymised_at is None


@pytest.mark.django_db
def test_the_case_page_of_a_tombstone_still_opens(client, world, leader):
    retention_run(apply=True)
    client.force_login(leader)
    page = client.get(f"/zaken/{world['old'].pk}/")
    assert page.status_code == 200
    assert 'id="anonymised"' in page.content.decode()
    assert 'id="anonymised"' not in client.get(f"/zaken/{world['recent'].pk}/").content.decode()


@pytest.mark.django_db
def test_anonymising_also_removes_the_case_events_with_their_old_values_and_reasons(world, leader):
    from incidents.models import CaseEvent

    old = world["old"]
    involvement = Involvement.objects.get(incident=old)
    services.record_correct(record=involvement, actor=leader, reason="Zoë vroeg om een correctie.", note="Zoë Achternaam")
    services.record_withdraw(record=involvement, actor=leader, reason="Zoë was niet betrokken.")
    assert CaseEvent.objects.filter(incident=old).count() == 2
    retention_run(apply=True)
    assert not CaseEvent.objects.filter(incident=old).exists()
    # Nor does the audit trail, which cannot be changed, keep the reasons typed about her.
    assert "Zoë" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
