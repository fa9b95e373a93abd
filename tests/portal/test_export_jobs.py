"""Large XLSX exports are made by a real worker; the user follows the progress and downloads the file."""

import io

import openpyxl
import pytest
from django.utils import timezone

from portal.exports import export_jobs_purge
from portal.models import AuditEvent, ExportJob, Role

from ..conftest import wait_for
from ..factories import IncidentFactory, SchoolFactory, member


@pytest.mark.django_db(transaction=True)
def test_a_large_xlsx_export_is_made_by_the_worker_and_downloaded_by_its_owner_only(client, settings, celery_worker_on_redis):
    settings.MELDPUNT_EXPORT_BACKGROUND_ROWS = 2
    school = SchoolFactory()
    leader = member(Role.SCHOOL_LEADER, school=school)
    cases = [IncidentFactory(school=school) for _ in range(3)]
    IncidentFactory(school=SchoolFactory())  # another board's case never appears
    client.force_login(leader)

    response = client.get("/zaken/?export=xlsx&include_closed=on")

    job = ExportJob.objects.get(user=leader)
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    wait_for(lambda: ExportJob.objects.get(pk=job.pk).state == "done")
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert f"/exports/{job.pk}/download/" in page

    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    references = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert references == sorted(case.reference for case in cases)
    assert AuditEvent.objects.filter(action="export.incidents", actor=leader).exists()
    assert AuditEvent.objects.filter(action="export.download", actor=leader).exists()

    client.force_login(member(Role.SCHOOL_LEADER, school=school))
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_export_files_are_deleted_after_a_day(school, leader, time_machine, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    job = ExportJob.objects.create(user=leader, register="incidents", fmt="xlsx", state="done")
    job.file.save("oud.xlsx", ContentFile(b"x"))
    stored = job.file.name
    storage = job.file.storage
    time_machine.move_to(timezone.now() + timezone.timedelta(hours=23), tick=False)
    assert export_jobs_purge() == 0
    time_machine.move_to(timezone.now() + timezone.timedelta(hours=2), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes when its row's deletion commits
        assert export_jobs_purge() == 1
    assert not storage.exists(stored)
    assert not ExportJob.objects.filter(pk=job.pk).exists()
