"""Uploads through the real report form: refused files leave nothing behind, accepted images lose their EXIF."""

import io
import os
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import ExifTags, Image

from incidents.models import Evidence, Incident
from portal.files import private_file_names, private_storage
from portal.models import Role
from tests.conftest import process_uploaded_images
from tests.factories import IncidentFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

DESCRIPTION = "In de groepsapp van 3B staat een nepaccount dat foto's van Sanne deelt met gemene teksten."
TYPE_ERROR = "The file %(name)s is not a PNG, JPEG or PDF. Only screenshots (PNG, JPEG) and PDF documents are accepted."
CORRUPT_IMAGE = "This image is damaged or cannot be read. Take the screenshot again."
PDF_ACTIVE = "This PDF contains active content (scripts or embedded files) and is refused. Print it to a new PDF first."
TOO_LARGE = "The file %(name)s is larger than %(limit)s."
EMPTY_OURS = "The file %(name)s is empty."
EMPTY_DJANGO = "The submitted file is empty."


def private_files():
    return private_file_names()


def png_bytes(size=(40, 30), noisy=False):
    if noisy:
        rng = random.Random(7)
        image = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    else:
        image = Image.new("RGB", size, (30, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif():
    image = Image.new("RGB", (64, 48), (200, 100, 50))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.Artist] = "Sanne de Vries"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 5.0, 31.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (4.0, 54.0, 12.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the test file really carries what must be removed
        assert check.getexif()[ExifTags.Base.Make] == "Canon"
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"3 0 obj\n<< /S /JavaScript /JS (app.alert('hallo')) >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
CLEAN_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def login(client, user):
    client.force_login(user)
    client.session_user = user


def report(client, *files, description=DESCRIPTION):
    discovered = (timezone.localtime() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    school = client.session_user.memberships.get().school_id
    data = {
        "school": school, "category": "identity_fraud", "platform": "whatsapp", "description": description,
        "discovered_at": discovered, "links": "", "files": list(files),
    }
    return client.post(reverse("incidents:report"), data)


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_refused(response, *messages, before):
    content = response.content.decode()
    assert response.status_code == 400
    assert any(escape(m) in content for m in messages), messages
    assert escape(DESCRIPTION) in content  # what was typed is still there
    assert Incident.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert private_files() == before


@pytest.mark.parametrize("name,content,content_type", [
    ("screenshot.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + os.urandom(512), "image/png"),
    ("screenshot.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00"
     + b"\x00" * 64 + b"PE\x00\x00" + os.urandom(256), "image/png"),
    ("kaart.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
    ("bewijs.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png"),
    ("pagina.html", b"<!DOCTYPE html><html><body><script>document.cookie</script></body></html>", "text/html"),
])
def test_files_that_are_not_png_jpeg_or_pdf_are_refused(client, staff, name, content, content_type):
    login(client, staff)
    before = private_files()
    response = report(client, upload(name, content, content_type))
    assert_refused(response, gettext(TYPE_ERROR) % {"name": name}, before=before)


def test_an_oversize_file_is_refused(client, staff):
    login(client, staff)
    data = png_bytes((80, 80), noisy=True)
    limit = 4096
    assert len(data) > limit
    before = private_files()
    with override_settings(MELDPUNT_MAX_UPLOAD_BYTES=limit):
        response = report(client, upload("groot.png", data))
        expected = gettext(TOO_LARGE) % {"name": "groot.png", "limit": filesizeformat(limit)}
    assert_refused(response, expected, before=before)


def test_an_empty_file_is_refused(client, staff):
    login(client, staff)
    before = private_files()
    response = report(client, upload("leeg.png", b""))
    assert_refused(response, gettext(EMPTY_DJANGO), gettext(EMPTY_OURS) % {"name": "leeg.png"}, before=before)


def test_a_truncated_png_is_refused(client, staff):
    login(client, staff)
    data = png_bytes((120, 120), noisy=True)
    before = private_files()
    response = report(client, upload("afgebroken.png", data[: len(data) // 2]))
    assert_refused(response, gettext(CORRUPT_IMAGE), before=before)


def test_a_pdf_with_javascript_is_refused(client, staff):
    login(client, staff)
    before = private_files()
    response = report(client, upload("brief.pdf", PDF_WITH_JAVASCRIPT, "application/pdf"))
    assert_refused(response, gettext(PDF_ACTIVE), before=before)


def test_one_bad_file_among_good_ones_stores_nothing(client, staff):
    login(client, staff)
    before = private_files()
    response = report(client, upload("goed.png", png_bytes()), upload("virus.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 100))
    assert_refused(response, gettext(TYPE_ERROR) % {"name": "virus.png"}, before=before)


def test_a_clean_pdf_and_png_are_accepted_and_stored_privately(client, staff):
    login(client, staff)
    before = private_files()
    response = report(client, upload("brief.pdf", CLEAN_PDF, "application/pdf"), upload("scherm.png", png_bytes()))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.reporter == staff and incident.description == DESCRIPTION
    kinds = sorted(Evidence.objects.filter(incident=incident).values_list("content_type", "original_name"))
    assert kinds == [("application/pdf", "brief.pdf"), ("image/png", "scherm.png")]
    assert len(private_files() - before) == 2


def test_an_accepted_jpeg_is_served_without_exif_and_only_to_those_who_may_see_the_case(client, school, sister_school, staff, leader):
    original = jpeg_with_exif()
    login(client, staff)
    before = private_files()
    response = report(client, upload("foto.jpg", original, "image/jpeg"))
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/jpeg"
    assert evidence.original_name == "foto.jpg"
    url = reverse("incidents:evidence_file", args=[evidence.token])
    assert not evidence.processed
    assert client.get(url).status_code == 404  # never served before the worker re-encoded it
    process_uploaded_images()
    (stored,) = private_files() - before  # the original bytes are gone; only the re-encoded file remains

    for user in (staff, leader):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        served = b"".join(response.streaming_content)
        with Image.open(io.BytesIO(served)) as image:
            assert image.format == "JPEG"
            assert image.size == (64, 48)
            assert len(image.getexif()) == 0
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert b"Canon" not in served and b"Sanne" not in served
    with private_storage().open(stored, "rb") as handle:
        on_disk = handle.read()
    assert b"Exif" not in on_disk and b"Canon" not in on_disk

    outsiders = [
        member(Role.STAFF, school=school),  # a colleague who did not report it
        member(Role.SCHOOL_LEADER, school=sister_school),
        member(Role.SCHOOL_LEADER, school=IncidentFactory().school),
    ]
    for outsider in outsiders:
        login(client, outsider)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_case_page_evidence_form_refuses_a_disguised_executable(client, school, leader):
    incident = IncidentFactory(school=school)
    login(client, leader)
    before = private_files()
    response = client.post(
        reverse("incidents:record", args=[incident.pk, "evidence"]),
        {"evidence-files": [upload("scherm.png", b"MZ\x90\x00" + b"\x00" * 200)], "evidence-description": "Tweede screenshot"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert escape(gettext(TYPE_ERROR) % {"name": "scherm.png"}) in content
    assert "Tweede screenshot" in content
    assert not Evidence.objects.filter(incident=incident).exists()
    assert private_files() == before


def test_after_a_refusal_elsewhere_the_form_says_which_files_to_choose_again(client, staff):
    """A browser shows a file field empty again after a refusal: without a word the report would go without them."""
    login(client, staff)
    response = report(client, upload("groepsapp.png", png_bytes()), upload("nep<script>.png", png_bytes()), description="")
    assert response.status_code == 400
    content = response.content.decode()
    assert ("Kies deze bestanden opnieuw; na een foutmelding houdt de browser ze niet vast: groepsapp.png, "
            "nep&lt;script&gt;.png.") in content
    assert "nep<script>" not in content

    response = report(client, description="")  # nothing chosen: nothing to choose again
    assert response.status_code == 400 and "Kies deze bestanden opnieuw" not in response.content.decode()
