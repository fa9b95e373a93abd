"""The person dossier as a PDF (read back) and as a ZIP with every attachment, scoped like the dossier page."""

import hashlib
import io
import json
import re
import zipfile

import pytest

from tests.conftest import process_uploaded_images
import time_machine
from django.urls import reverse
from django.utils import translation
from PIL import Image

from incidents.models import Evidence, InvolvementRole
from portal.models import AuditEvent, PersonKind
from sanctions import exports, services
from sanctions.models import Correspondence
from tests.factories import IncidentFactory, PersonFactory

from .conftest import EXPORT_DATE_TEXT
from .support import body, flat, impose, involve, local, pdf_pages, png_upload

pytestmark = pytest.mark.django_db

ROLES = [InvolvementRole.VICTIM, InvolvementRole.PERPETRATOR, InvolvementRole.WITNESS]
SANCTIONS = [
    ("talk", "Gesprek met de mentor", "Gesprek met mentor en leerling op dinsdagmiddag na het zevende uur."),
    ("warning", "Waarschuwing", "Schriftelijke waarschuwing na de berichten over een klasgenoot in de groepsapp."),
    ("phone_confiscated", "Telefoon in beslag genomen", "Telefoon een schooldag ingeleverd bij de conciërge."),
]


def export_url(person, fmt):
    return reverse("sanctions:dossier_export", args=[person.pk, fmt])


@pytest.fixture
def subject(school):
    return PersonFactory(school=school, kind=PersonKind.PUPIL, first_name="Sanne", last_name="Verbeek", class_name="3B")


@pytest.fixture
def exporter(leader):
    leader.first_name, leader.last_name = "Marieke", "Jansen-Olthof"
    leader.save()
    return leader


@pytest.fixture
def dossier(school, exporter, subject):
    """A dossier long enough for several pages: 24 incidents (three with screenshots), three sanctions and two
    letters; plus a classmate's case with evidence that is not part of it."""
    with time_machine.travel(local(2026, 2, 2, 9, 0), tick=True):
        incidents = []
        for n in range(24):
            files = [png_upload(f"screenshot-{n}.png", color=(10 * n, 90, 160))] if n % 8 == 0 else []
            incident = IncidentFactory(school=school, files=files)
            involve(incident, subject, ROLES[n % 3], exporter)
            incidents.append(incident)
        sanctions = [impose(subject, exporter, code, decision=decision) for code, _label, decision in SANCTIONS]
        letters = []
        for name, description, color in [("brief-ouders.png", "Brief aan de ouders over de waarschuwing", (200, 10, 10)),
                                         ("verslag gesprek.png", "Verslag van het gesprek met de mentor", (10, 200, 10))]:
            letters += services.correspondence_add(person=subject, actor=exporter, files=[png_upload(name, color)],
                                                   description=description)
        classmate = PersonFactory(school=school, first_name="Tijn", last_name="Ruisdael")
        foreign_case = IncidentFactory(school=school, files=[png_upload("niet-van-sanne.png")])
        involve(foreign_case, classmate, InvolvementRole.VICTIM, exporter)
    return {"incidents": incidents, "sanctions": sanctions, "letters": letters, "foreign_case": foreign_case}


# --- the PDF ------------------------------------------------------------------------------------------


def test_dossier_pdf_holds_the_dossier_and_a_header_and_footer_on_every_page(client, school, exporter, subject, dossier,
                                                                            at_export_moment):
    client.force_login(exporter)
    response = client.get(export_url(subject, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    pages = pdf_pages(response)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert school.name in text, f"school missing on page {number}"
        assert "Marieke Jansen-Olthof" in text, f"exporter missing on page {number}"
        assert EXPORT_DATE_TEXT in text, f"export date missing on page {number}"

    text = flat(" ".join(pages))
    assert "Sanne Verbeek" in text
    for _code, label, decision in SANCTIONS:
        assert label in text
        assert decision in text
    with translation.override("nl"):
        role_labels = {role: str(role.label) for role in ROLES}
    for n, incident in enumerate(dossier["incidents"]):
        # the case's entry names the role the person had in it, before the next entry starts
        entry = re.search(rf"{re.escape(incident.reference)}(.*?)(?:\d+ \w+ 2026 \d\d:\d\d|$)", text)
        assert entry, incident.reference
        assert role_labels[ROLES[n % 3]] in entry.group(1), (incident.reference, entry.group(1))
    assert dossier["foreign_case"].reference not in text
    assert "Tijn Ruisdael" not in text


def test_dossier_pdf_of_a_staff_member_names_the_staff_dossier(client, school, exporter, at_export_moment):
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, first_name="Joost", last_name="Hendriks", class_name="")
    impose(teacher, exporter, "reprimand", decision="Berisping wegens een bericht over een leerling op Instagram.")
    client.force_login(exporter)

    response = client.get(export_url(teacher, "pdf"))

    assert response.status_code == 200
    text = flat(" ".join(pdf_pages(response)))
    assert "Joost Hendriks" in text
    assert "Berisping" in text
    assert "Berisping wegens een bericht over een leerling op Instagram." in text


# --- the ZIP ------------------------------------------------------------------------------------------


def test_dossier_zip_holds_the_pdf_the_correspondence_and_the_evidence_in_folders(client, exporter, subject, dossier,
                                                                                 at_export_moment):
    process_uploaded_images()  # images enter exports only once re-encoded
    client.force_login(exporter)
    response = client.get(export_url(subject, "zip"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    names = archive.namelist()

    pdf_name = exports.dossier_filename(subject, "pdf")
    assert [n for n in names if "/" not in n] == [pdf_name, "bewijs-manifest.csv", "bewijs-manifest.json"]
    assert "Sanne Verbeek" in flat(" ".join(pdf_pages(archive.read(pdf_name))))
    assert {n.split("/")[0] for n in names if "/" in n} == {"correspondentie", "bewijs"}

    letters = [n for n in names if n.startswith("correspondentie/")]
    assert len(letters) == 2
    for letter in Correspondence.objects.filter(person=subject):
        [name] = [n for n in letters if n.endswith(f"-{letter.pk}-{letter.original_name}")]
        with letter.file.open("rb") as handle:
            assert archive.read(name) == handle.read()
        image = Image.open(io.BytesIO(archive.read(name)))
        assert image.format == "PNG" and image.size == (40, 30)
    assert any(n.endswith("brief-ouders.png") for n in letters)
    assert any(n.endswith("verslag gesprek.png") for n in letters)

    evidence = [n for n in names if n.startswith("bewijs/")]
    expected = Evidence.objects.filter(incident__in=dossier["incidents"]).exclude(file="")
    assert expected.count() == 3
    assert len(evidence) == 3
    for item in expected:
        [name] = [n for n in evidence if n.startswith(f"bewijs/{item.incident.reference}/")]
        assert name.endswith(item.original_name)
        with item.file.open("rb") as handle:
            assert archive.read(name) == handle.read()
        assert Image.open(io.BytesIO(archive.read(name))).format == "PNG"
    # The manifest names each file with the SHA-256 of the bytes in the ZIP and of the upload as received.
    manifest = {row["file"]: row for row in json.loads(archive.read("bewijs-manifest.json"))["files"]}
    assert set(manifest) == set(evidence)
    for item in expected:
        row = next(r for name, r in manifest.items() if name.startswith(f"bewijs/{item.incident.reference}/"))
        assert row["sha256"] == hashlib.sha256(archive.read(row["file"])).hexdigest() == item.stored_sha256
        assert row["sha256_as_received"] == item.sha256 and len(item.sha256) == 64
    assert not any(dossier["foreign_case"].reference in n for n in names)
    assert not any("niet-van-sanne" in n for n in names)


def test_dossier_zip_of_an_empty_dossier_holds_only_the_pdf(client, school, exporter, at_export_moment):
    person = PersonFactory(school=school, first_name="Lieke", last_name="Smit")
    client.force_login(exporter)

    response = client.get(export_url(person, "zip"))

    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.namelist() == [exports.dossier_filename(person, "pdf")]


# --- scoping ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "zip"])
def test_a_foreign_schools_dossier_cannot_be_exported(client, school, sister_school, other_school, leader,
                                                      board_member, sister_leader, other_leader, fmt):
    foreign = PersonFactory(school=other_school)
    sister_pupil = PersonFactory(school=sister_school)

    for user, person in [(leader, foreign), (board_member, foreign), (leader, sister_pupil), (other_leader, sister_pupil)]:
        client.force_login(user)
        assert client.get(export_url(person, fmt)).status_code == 404, (user, person)
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()

    client.force_login(sister_leader)
    assert client.get(export_url(sister_pupil, fmt)).status_code == 200


@pytest.mark.parametrize("fmt", ["pdf", "zip"])
def test_staff_and_the_privacy_officer_cannot_export_a_dossier(client, staff, privacy_officer, pupil, fmt):
    for user in (staff, privacy_officer):
        client.force_login(user)
        assert client.get(export_url(pupil, fmt)).status_code == 403, user
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_the_board_exports_a_dossier_of_any_of_its_schools(client, sister_school, board_member, admin_user):
    person = PersonFactory(school=sister_school)
    for user in (board_member, admin_user):
        client.force_login(user)
        assert client.get(export_url(person, "pdf")).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, pupil):
    response = client.get(export_url(pupil, "pdf"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- the audit trail ----------------------------------------------------------------------------------


def test_the_pdf_export_writes_one_audit_event_with_the_actor(client, school, exporter, subject, at_export_moment):
    client.force_login(exporter)
    client.get(export_url(subject, "pdf"))

    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert event.action == "export.dossier_pdf"
    assert event.actor == exporter
    assert event.board == school.board
    assert (event.object_type, event.object_id) == ("portal.person", str(subject.pk))
    assert event.at == at_export_moment


def test_the_zip_export_writes_one_audit_event_with_the_actor(client, school, exporter, subject, dossier, at_export_moment):
    client.force_login(exporter)
    body(client.get(export_url(subject, "zip")))

    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert event.action == "export.dossier_zip"
    assert event.actor == exporter
    assert event.board == school.board
    assert (event.object_type, event.object_id) == ("portal.person", str(subject.pk))
