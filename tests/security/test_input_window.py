"""One plausible window for every date the portal records, a length limit on every free text, the file-count limit at
the field, and files that are no CSV at the consent import: each refused with a Dutch error at its field, what was
typed shown again, nothing stored, never a 500 (portal.validators holds the window and the limits).

- Dates: nothing before 2000; nothing in the future where the date records the past (discovered, happened, filed,
  informed, sent, guardians contacted ...); sanction dates at most a few years ahead; a year-1 or year-9999 moment
  (with or without an offset) a field error like any other, in the forms and in the API.
- Day counts from 1 up to a school year; texts up to their limit (model, form and API alike).
- 21 files on a report: the form names the limit and refuses at the field, keeping the text; the API answers JSON,
  also for a request with more files than the server reads at all.
- The consent import: an .xlsx, a .zip or a byte that is no text (0x81) is refused at the file field.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from incidents.forms import RECORD_FORMS
from incidents.models import Evidence, Incident
from portal.models import PersonKind, Role
from portal.validators import LONG_TEXT_MAX_LENGTH, MAX_DAYS, TEXT_MAX_LENGTH
from sanctions.models import Measure, Sanction
from tests.api.conftest import png_upload, token_client
from tests.factories import IncidentFactory, PersonFactory, member
from tests.sanctions.support import involve

from .test_bad_input import changed_tables, local, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

TOO_EARLY = "Vul een datum in vanaf 1 januari 2000."
IN_FUTURE = "Dit tijdstip ligt in de toekomst. Vul een tijdstip in dat al voorbij is."
EDGE_MOMENTS = {"0001-01-01T00:00": TOO_EARLY, "1999-12-31T23:59": TOO_EARLY, "9999-12-31T23:59": IN_FUTURE}


def form_errors(response, field):
    """The errors the page shows at ``field`` (of whichever form in the page's context has that field)."""
    for context in response.context:
        for value in context.flatten().values():
            errors = getattr(value, "errors", None)
            if hasattr(value, "fields") and field in value.fields and errors:
                return list(errors.get(field, []))
    return []


def refused_at(response, field, message, *, before, kept=()):
    assert response.status_code == 400, response.status_code
    assert message in form_errors(response, field), form_errors(response, field)
    assert not changed_tables(before, snapshot()), "a refused form left something behind"
    page = response.content.decode()
    for typed in kept:
        assert escape(typed) in page, f"{typed[:40]!r} is gone"


# Dates ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moment", sorted(EDGE_MOMENTS))
@pytest.mark.parametrize("field", ["discovered_at", "occurred_at"])
def test_the_report_form_refuses_a_moment_outside_the_window_and_keeps_the_report(client, school, field, moment):
    client.force_login(member(Role.STAFF, school=school))
    description = "Nepaccount met foto's van de klas, gisteravond gezien."
    data = {"school": school.pk, "category": "identity_fraud", "platform": "instagram", "description": description,
            "discovered_at": local(timezone.now() - timezone.timedelta(hours=1)), field: moment}
    before = snapshot()
    refused_at(client.post("/melden/", data), field, EDGE_MOMENTS[moment], before=before, kept=[description, moment])


RECORDS = {
    "police_report": ("filed_at", {"filed_by": "school", "police_reference": "PL0900-2026-1234", "note": "Aangifte op het bureau."}),
    "informed": ("informed_at", {"who": "Ouders van de leerling", "what_was_said": "Uitleg van de feiten.",
                                 "next_steps": "Gesprek volgende week."}),
    "message": ("sent_at", {"audience": "internal", "channel": "e-mail", "recipients": "Team onderbouw",
                            "summary": "Korte uitleg aan het team."}),
    "action": ("happened_at", {"kind": "confrontation", "with_whom": "De leerling en de mentor",
                               "outcome": "De feiten besproken."}),
}


@pytest.fixture
def case(school):
    return IncidentFactory(school=school, assessing=True)


@pytest.mark.parametrize("moment", sorted(EDGE_MOMENTS))
@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_a_record_form_refuses_a_moment_outside_the_window_and_keeps_the_text(client, leader, case, kind, moment):
    field, values = RECORDS[kind]
    client.force_login(leader)
    data = {f"{kind}-{name}": value for name, value in {**values, field: moment}.items()}
    before = snapshot()
    response = client.post(reverse("incidents:record", args=[case.pk, kind]), data)
    texts = [value for name, value in values.items() if name not in ("filed_by", "audience", "kind", "channel")]
    refused_at(response, field, EDGE_MOMENTS[moment], before=before, kept=texts)


def test_informed_and_sent_in_the_future_do_not_count_for_a_step(client, leader, school):
    """A future "informed at" would satisfy step 5 before anyone was told."""
    incident = IncidentFactory(school=school, informing=True)
    client.force_login(leader)
    tomorrow = local(timezone.now() + timezone.timedelta(days=1))
    before = snapshot()
    response = client.post(reverse("incidents:record", args=[incident.pk, "informed"]), {
        "informed-who": "Ouders", "informed-informed_at": tomorrow, "informed-what_was_said": "Uitleg.",
        "informed-next_steps": "Gesprek.",
    })
    refused_at(response, "informed_at", IN_FUTURE, before=before, kept=["Ouders", tomorrow])


@pytest.fixture
def sanction_world(school, leader):
    pupil = PersonFactory(school=school)
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, "perpetrator", leader)  # a sanction on a case is for someone linked to it
    url = reverse("sanctions:create") + f"?person={pupil.pk}&incident={incident.pk}"
    suspension = Measure.objects.get(board__isnull=True, subject_kind="pupil", code="suspension")
    return url, suspension


def sanction_post(suspension, **changes):
    data = {"measure": suspension.pk, "decision": "Schorsing van twee dagen.", "reasoning": "Herhaald dreigende berichten.",
            "starts_on": timezone.localdate().isoformat(), "days": "2",
            "guardians_contacted_at": local(timezone.now() - timezone.timedelta(hours=2)),
            "guardians_contacted_how": "Telefonisch met de moeder."}
    data.update(changes)
    return {f"sanction-{name}": value for name, value in data.items()}


@pytest.mark.parametrize("field, value, message", [
    ("starts_on", "0001-01-01", TOO_EARLY),
    ("starts_on", "1999-12-31", TOO_EARLY),
    ("starts_on", "9999-12-31", "Vul een datum in die hoogstens 5 jaar na vandaag ligt."),
    ("days", "2147483648", f"Vul een aantal dagen in van hoogstens {MAX_DAYS}."),
    ("days", str(MAX_DAYS + 1), f"Vul een aantal dagen in van hoogstens {MAX_DAYS}."),
    ("days", "0", "Vul een aantal dagen in van minstens 1."),
    ("guardians_contacted_at", "0001-01-01T00:00", TOO_EARLY),
    ("guardians_contacted_at", "9999-12-31T23:59", IN_FUTURE),
])
def test_the_sanction_form_refuses_dates_and_day_counts_outside_the_window(client, leader, sanction_world, field, value,
                                                                           message):
    url, suspension = sanction_world
    client.force_login(leader)
    before = snapshot()
    response = client.post(url, sanction_post(suspension, **{field: value}))
    refused_at(response, field, message, before=before, kept=["Herhaald dreigende berichten.", "Telefonisch met de moeder."])
    assert not Sanction.objects.exists()


def test_a_sanction_within_the_window_is_recorded(client, school, leader, sanction_world):
    """The whole window for a staff member's suspension; a pupil's is at most 5 school days (education law,
    tests/sanctions/test_education_law.py)."""
    url, suspension = sanction_world
    client.force_login(leader)
    response = client.post(url, sanction_post(suspension, days="5"))
    assert response.status_code == 302
    assert Sanction.objects.get().days == 5
    staff = PersonFactory(school=school, kind="staff", class_name="")
    staff_suspension = Measure.objects.get(board__isnull=True, subject_kind="staff", code="suspension")
    data = {key: value for key, value in sanction_post(staff_suspension, days=str(MAX_DAYS)).items()
            if "guardians" not in key}
    response = client.post(reverse("sanctions:create") + f"?person={staff.pk}", data)
    assert response.status_code == 302
    assert Sanction.objects.get(person=staff).days == MAX_DAYS


# Texts ----------------------------------------------------------------------------------------------------

HUGE = "x" * 100_000


@pytest.mark.parametrize("kind, field", [
    ("police_report", "note"), ("informed", "what_was_said"), ("message", "summary"), ("action", "outcome"),
])
def test_a_record_form_refuses_a_text_beyond_its_limit(client, leader, case, kind, field):
    moment_field, values = RECORDS[kind]
    client.force_login(leader)
    data = {f"{kind}-{name}": value for name, value in {
        **values, moment_field: local(timezone.now() - timezone.timedelta(hours=1)), field: HUGE}.items()}
    before = snapshot()
    response = client.post(reverse("incidents:record", args=[case.pk, kind]), data)
    message = (f"Zorg dat deze waarde niet meer dan {TEXT_MAX_LENGTH} tekens bevat (het zijn er nu {len(HUGE)}).")
    refused_at(response, field, message, before=before)
    assert RECORD_FORMS[kind](incident=case).fields[field].max_length == TEXT_MAX_LENGTH


def test_the_sanction_reasoning_has_a_limit(client, leader, sanction_world):
    url, suspension = sanction_world
    client.force_login(leader)
    before = snapshot()
    response = client.post(url, sanction_post(suspension, reasoning=HUGE))
    refused_at(response, "reasoning", f"Zorg dat deze waarde niet meer dan {TEXT_MAX_LENGTH} tekens bevat "
                                      f"(het zijn er nu {len(HUGE)}).", before=before)


def test_every_free_text_of_the_domain_has_a_limit_that_model_form_and_api_share():
    from django.apps import apps
    from django.core.validators import MaxLengthValidator
    from django.db import models

    # Written by the portal itself, never typed: its outbox, its errors and a list page's query string.
    system = {"portal.Notification.body", "portal.Notification.last_error", "portal.ExportJob.params",
              "portal.ExportJob.error"}
    unbounded = []
    for label in ("portal", "incidents", "sanctions", "consent"):
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField) and f"{model._meta.label}.{field.name}" not in system:
                    if not field.max_length or not any(isinstance(v, MaxLengthValidator) for v in field.validators):
                        unbounded.append(f"{model._meta.label}.{field.name}")
    assert not unbounded
    assert Incident._meta.get_field("description").max_length == LONG_TEXT_MAX_LENGTH


# Files ----------------------------------------------------------------------------------------------------

def test_the_report_form_names_the_file_limit(client, school):
    client.force_login(member(Role.STAFF, school=school))
    assert "maximaal 20 bestanden" in client.get("/melden/").content.decode()


def test_21_files_on_a_report_are_refused_at_the_field_and_the_report_is_kept(client, school):
    client.force_login(member(Role.STAFF, school=school))
    description = "Screenshots van de groepsapp, 21 stuks."
    before = snapshot()
    response = client.post("/melden/", {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": description,
        "discovered_at": local(timezone.now() - timezone.timedelta(hours=1)),
        "files": [png_upload(f"scherm-{n}.png") for n in range(21)],
    })
    refused_at(response, "files", "Kies maximaal 20 bestanden tegelijk; je koos er 21. Voeg de andere daarna toe.",
               before=before, kept=[description])


def test_the_api_answers_json_for_too_many_files(school, staff):
    api = token_client(staff)
    report = {"school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Veel bestanden."}
    for count, field in ((21, "files"), (101, "detail")):
        response = api.post("/api/v1/incidents/", {**report, "files": [png_upload(f"s{n}.png") for n in range(count)]},
                            format="multipart")
        assert response.status_code == 400, count
        assert response["Content-Type"] == "application/json"
        assert field in response.json(), response.json()
    assert not Incident.objects.exists() and not Evidence.objects.exists()


# The API's dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00", "0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59",
    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z", "1999-12-31T22:59:00Z",
])
@pytest.mark.parametrize("field", ["discovered_at", "occurred_at"])
def test_the_api_refuses_a_moment_outside_the_window_with_json(school, staff, field, moment):
    response = token_client(staff).post("/api/v1/incidents/", {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Datum aan de rand.",
        field: moment,
    }, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert not Incident.objects.exists()


# The consent import -----------------------------------------------------------------------------------------

def xlsx_bytes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["leerlingnummer", "voornaam", "achternaam", "geboortedatum"])
    book.save(buffer)
    return buffer.getvalue()


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("leerlingen.csv", "leerlingnummer;voornaam;achternaam;geboortedatum\n")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("leerlingen.xlsx", xlsx_bytes(), "Het bestand bevat geen leerlingen onder de regel met de kolomnamen."),
    ("leerlingen.zip", zip_bytes(), "Dit is een ZIP-bestand maar geen XLSX-werkmap"),
    ("leerlingen.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Dit is een oud Excel-bestand (.xls)."),
    ("leerlingen.csv", "leerlingnummer;voornaam;achternaam;geboortedatum\n1;Jo".encode() + b"\x81" + b";Smit;01-02-2012\n",
     "Dit bestand is niet als tekst te lezen (byte 54 is geen teken in UTF-8 of Windows-1252)."),
])
def test_the_consent_import_refuses_what_is_no_list_of_pupils_at_the_field(client, school, leader, name, content, message):
    client.force_login(member(Role.ADMIN, board=school.board))
    before = snapshot()
    response = client.post(reverse("consent:import", args=[school.pk]),
                           {"file": SimpleUploadedFile(name, content), "dry_run": ""})
    assert response.status_code == 400
    assert any(error.startswith(message) for error in form_errors(response, "file")), form_errors(response, "file")
    assert not changed_tables(before, snapshot())
    assert not PersonFactory._meta.model.objects.filter(school=school, kind=PersonKind.PUPIL).exists()
