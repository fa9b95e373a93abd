"""Uploaded images are re-encoded by a real worker after the report is saved; until then nobody sees them."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from incidents import services
from incidents.models import Evidence
from portal.models import Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member


def jpeg_with_gps():
    image = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 1.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db(transaction=True)
def test_the_worker_reencodes_an_uploaded_photo_without_its_gps(client, celery_worker_on_redis):
    school = SchoolFactory()
    staff = member(Role.STAFF, school=school)
    incident = services.incident_report(school=school, reporter=staff, platform="instagram", category="bullying",
                                        description="Foto met locatie.", files=[jpeg_with_gps()])
    evidence = Evidence.objects.get(incident=incident)

    wait_for(lambda: Evidence.objects.get(pk=evidence.pk).processed)

    client.force_login(staff)
    served = b"".join(client.get(f"/bewijs/{evidence.token}/").streaming_content)
    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (40, 30) and len(image.getexif()) == 0
    assert b"Canon" not in served


@pytest.mark.django_db
def test_images_left_unprocessed_are_queued_again_by_the_sweeper(school, staff, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+01:00", tick=False)
    incident = services.incident_report(school=school, reporter=staff, platform="tiktok", category="threats",
                                        description="Dreiging.", files=[jpeg_with_gps()])
    assert services.evidence_requeue_unprocessed() == 0  # too fresh: its own task is on its way
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=5), tick=False)
    assert services.evidence_requeue_unprocessed() == 1
    evidence = Evidence.objects.get(incident=incident)
    assert services.evidence_process(evidence_id=evidence.pk) is True
    assert services.evidence_process(evidence_id=evidence.pk) is False  # a second run changes nothing
    assert services.evidence_requeue_unprocessed() == 0


@pytest.mark.django_db
def test_an_image_that_fails_to_decode_is_refused_on_the_case_and_removed(client, school, staff, leader,
                                                                          django_capture_on_commit_callbacks):
    # A PNG whose chunks are intact but whose image data is not: the checks pass, decoding fails.
    good = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(good, format="PNG")
    data = bytearray(good.getvalue())
    start = data.index(b"IDAT") + 4
    data[start:start + 8] = b"\x00" * 8
    import zlib

    length = int.from_bytes(data[start - 8:start - 4], "big")
    crc = zlib.crc32(bytes(data[start - 4:start + length])) & 0xFFFFFFFF
    data[start + length:start + length + 4] = crc.to_bytes(4, "big")
    try:
        incident = services.incident_report(school=school, reporter=staff, platform="tiktok", category="threats",
                                            description="Kapotte schermafbeelding.",
                                            files=[SimpleUploadedFile("kapot.png", bytes(data), content_type="image/png")])
    except ValidationError:
        pytest.skip("Pillow already refuses this file at the first check")
    evidence = Evidence.objects.get(incident=incident)
    storage, name = evidence.file.storage, evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):  # the file goes when the record's change commits
        services.evidence_process(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    assert evidence.processed and not evidence.file and evidence.processing_error
    assert not storage.exists(name)
    client.force_login(leader)
    assert "kapot.png" in client.get(f"/zaken/{incident.pk}/").content.decode()
