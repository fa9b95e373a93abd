"""Private files work the same on the local file system and in an S3-compatible bucket.

Every test runs twice (``private_storage_backend``): once with a directory, once with a bucket on a real S3 server
process (moto_server, started by the test suite). What is stored is read from the server itself, past Django."""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from incidents import services as incident_services
from incidents.models import Evidence, Incident, InvolvementRole
from incidents.retention import retention_run
from portal.files import private_files_sweep, private_storage
from portal.models import AuditEvent, Role
from sanctions import services as sanction_services

from ..conftest import process_uploaded_images
from ..factories import IncidentFactory, PersonFactory, SchoolFactory, member
from ..sanctions.support import involve
from ..security.world import pdf_upload

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: files follow them


def jpeg_with_gps():
    image = Image.new("RGB", (64, 48), (200, 100, 50))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 5.0, 31.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_screenshot_is_stored_re_encoded_and_served_only_through_the_checked_view(
        client, private_storage_backend, school, staff, leader):
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        "school": school.pk, "category": "bullying", "platform": "instagram",
        "description": "Een foto van een leerling gedeeld.", "links": "", "files": [jpeg_with_gps()],
        "discovered_at": (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    original = evidence.file.name
    assert private_storage_backend.stored() == {original}  # on the server: the upload as received

    process_uploaded_images()  # what the worker does
    evidence.refresh_from_db()
    assert evidence.processed and evidence.file.name != original
    assert private_storage_backend.stored() == {evidence.file.name}  # the original with its GPS data is gone

    url = reverse("incidents:evidence_file", args=[evidence.token])
    client.force_login(leader)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    served = b"".join(response.streaming_content)
    with private_storage().open(evidence.file.name, "rb") as handle:
        assert served == handle.read()
    assert b"Canon" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (64, 48) and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert AuditEvent.objects.filter(action="evidence.download", actor=leader).count() == 1
    client.force_login(member(Role.SCHOOL_LEADER, school=SchoolFactory()))
    assert client.get(url).status_code == 404  # another school's leader: nothing there


def test_objects_in_the_bucket_are_not_public(private_storage_on_s3, school, staff):
    from ..processes import s3_client

    incident_services.incident_report(school=school, reporter=staff, platform="tiktok", category="threats",
                                      description="Dreiging.", files=[pdf_upload()])
    (key,) = private_storage_on_s3.stored()
    grants = s3_client(private_storage_on_s3.endpoint).get_object_acl(Bucket=private_storage_on_s3.bucket, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner, and no one else
    assert not any("AllUsers" in grant["Grantee"].get("URI", "") for grant in grants)


def test_a_report_that_fails_after_its_files_were_written_leaves_nothing(private_storage_backend, school, staff):
    """A real failure from PostgreSQL between writing the files and saving their rows."""
    with connection.cursor() as cursor:
        cursor.execute("""CREATE OR REPLACE FUNCTION meldpunt_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                          BEGIN RAISE EXCEPTION 'could not save the record'; END $$""")
        cursor.execute("""CREATE TRIGGER meldpunt_test_refuse BEFORE INSERT ON incidents_evidence
                          FOR EACH ROW EXECUTE FUNCTION meldpunt_test_refuse()""")
    try:
        with pytest.raises(DatabaseError):
            incident_services.incident_report(school=school, reporter=staff, platform="tiktok", category="threats",
                                              description="Dreiging.", files=[pdf_upload(), jpeg_with_gps()])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS meldpunt_test_refuse ON incidents_evidence")
            cursor.execute("DROP FUNCTION IF EXISTS meldpunt_test_refuse()")
    assert private_storage_backend.stored() == set()
    assert not Incident.objects.exists()


def test_the_dossier_zip_holds_the_stored_letters_and_evidence(client, private_storage_backend, school, leader):
    pupil = PersonFactory(school=school)
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, InvolvementRole.VICTIM, leader)
    incident_services.evidence_add(incident=incident, actor=leader, files=[pdf_upload("verslag.pdf")])
    letter = sanction_services.correspondence_add(person=pupil, actor=leader, files=[pdf_upload("brief.pdf")],
                                                  description="Brief aan ouders")[0]
    assert letter.file.name in private_storage_backend.stored()

    client.force_login(leader)
    response = client.get(reverse("sanctions:dossier_export", args=[pupil.pk, "zip"]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    letters = [name for name in archive.namelist() if name.startswith("correspondentie/")]
    evidence = [name for name in archive.namelist() if name.startswith("bewijs/")]
    assert len(letters) == 1 and len(evidence) == 1
    with private_storage().open(letter.file.name, "rb") as handle:
        assert archive.read(letters[0]) == handle.read()
    assert archive.read(evidence[0]).startswith(b"%PDF")


def test_retention_deletes_the_files_of_an_anonymised_case_and_the_sweep_the_strays(
        private_storage_backend, school, leader, time_machine):
    from incidents.walkthrough import walk_to

    school.board.retention_months = 12
    school.board.save()
    start = timezone.now()
    time_machine.move_to(start - datetime.timedelta(days=800), tick=False)
    old = IncidentFactory(school=school, files=[pdf_upload("bewijs.pdf")])
    walk_to(old, "closed", leader)
    time_machine.move_to(start, tick=True)
    kept = IncidentFactory(school=school, files=[pdf_upload("blijft.pdf")])
    old_files = {e.file.name for e in Evidence.objects.filter(incident=old)}
    kept_files = {e.file.name for e in Evidence.objects.filter(incident=kept)}
    assert old_files and private_storage_backend.stored() == old_files | kept_files

    assert retention_run(apply=True).total == 1
    assert private_storage_backend.stored() == kept_files

    stray = private_storage().save("evidence/achtergelaten.pdf", ContentFile(b"%PDF-1.4 wees"))
    assert private_files_sweep(now=timezone.now() + datetime.timedelta(days=2)) == [stray]
    assert private_storage_backend.stored() == kept_files
