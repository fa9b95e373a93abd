"""Every form and every API write, fed dates, lengths, counts and bytes from the whole range (property-based, with
hypothesis): never a 500, nothing stored on a refusal, and on a page what was typed is shown again.

The report form and the case page's record forms have their own tests in test_bad_input; here are the others: the
sanction form (a pupil's, with the guardians' contact and letters), the guardians' contact on a sanction, the FG's
breach review, a consent answer (with its signed form), a work account, the consent import (any bytes), and the
API's writes (a report, a step change, the consent check). Dates run from year 1 to 9999, with and without an
offset; texts up to far beyond their limits; day counts up to 2**63; file lists up to 21 files.

Each form gets a bounded, derandomized run, so CI makes the same requests every time.
"""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consent.forms import AnswerForm, WorkAccountForm
from incidents.forms import BreachAssessmentForm
from incidents.models import Incident
from portal.models import PersonKind, Role
from sanctions.forms import GuardianContactForm, SanctionForm
from sanctions.models import Measure
from tests.api.conftest import token_client
from tests.factories import IncidentFactory, PersonFactory, member
from tests.sanctions.support import involve

from ..consent.support import pupil_with_guardian, purposes_of
from .test_bad_input import (
    MISSING, changed_tables, dates, field_values, plausible_values, rolled_back, short_texts, shows_again, snapshot, texts,
    without_missing,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

BOUNDED = settings(
    max_examples=15, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Dates of every kind a browser or a program may send, from year 1 to 9999.
day_strings = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(datetime.date.isoformat),
    st.integers(min_value=-3 * 365, max_value=3 * 365).map(lambda d: (timezone.localdate() + datetime.timedelta(days=d)).isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31", "1999-12-31", "2000-01-01", "2026-02-30", "31-12-2025", "", "gisteren"]),
)
counts = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.integers(min_value=-2, max_value=400).map(str),
    st.sampled_from(["2147483648", "32768", "366", "367", "1e3", "1.5", "", "\x00", "١٢"]),
)
file_bytes = st.one_of(st.binary(max_size=64), st.sampled_from([b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04"]))


@st.composite
def file_lists(draw):
    """No file, one or two of any bytes, or one more than the limit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    how_many = draw(st.sampled_from([0, 1, 2, 21]))
    contents = [draw(file_bytes) for _ in range(min(how_many, 2))] + [b"\x00"] * max(0, how_many - 2)
    return [SimpleUploadedFile(f"brief-{n}.pdf", content) for n, content in enumerate(contents)]


def values_for(field):
    """field_values() of test_bad_input, for the field kinds the forms here add."""
    if isinstance(field, forms.FileField):
        return file_lists()
    if isinstance(field, forms.ModelMultipleChoiceField):
        ids = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.lists(st.one_of(st.sampled_from(ids) if ids else st.nothing(), short_texts), max_size=3)
    if isinstance(field, forms.DateTimeField):
        return dates
    if isinstance(field, forms.DateField):
        return day_strings
    if isinstance(field, forms.IntegerField):
        return counts
    return field_values(field)


RANGED = (forms.DateField, forms.DateTimeField, forms.IntegerField)


def plausible_for(field):
    """A value the field takes (a date or count within the window; no file)."""
    if isinstance(field, forms.FileField):
        return st.just([])
    if isinstance(field, forms.ModelMultipleChoiceField):
        ids = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True) if ids else st.just(MISSING)
    if isinstance(field, forms.DateField):
        return st.just(timezone.localdate().isoformat())
    if isinstance(field, forms.IntegerField):
        return st.just("2")
    return plausible_values(field)  # a recent moment for a DateTimeField


@st.composite
def posts_for(draw, form):
    """Mostly a post that is right but for one date or count from the whole range, so that the window decides;
    sometimes anything at all in any field."""
    fields = list(form.fields.items())
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        chosen = {name: draw(st.one_of(values_for(field), values_for(field), values_for(field), st.just(MISSING)))
                  for name, field in fields}
    else:
        ranged = [name for name, field in fields if isinstance(field, RANGED)]
        wild = draw(st.sampled_from(ranged)) if ranged else None
        chosen = {name: draw(values_for(field) if name == wild else plausible_for(field)) for name, field in fields}
    return {form.add_prefix(name): value for name, value in chosen.items()}


def typed_texts(form, data):
    """What was typed in the form's text fields: the page must show it again when it refuses."""
    for name, field in form.fields.items():
        if isinstance(field, forms.CharField) and not isinstance(field, (forms.URLField, forms.ChoiceField)):
            typed = data.get(form.add_prefix(name))
            if isinstance(typed, str) and typed.strip() and "\x00" not in typed:
                yield name, typed


def stored_within_the_window(before, *, rows=()):
    """Every date and day count in the rows a write added (or changed among ``rows``) lies in the window."""
    from django.apps import apps
    from django.db import models

    from portal.validators import EARLIEST_DATE, MAX_DAYS, YEARS_AHEAD

    latest = timezone.localdate() + datetime.timedelta(days=366 * YEARS_AHEAD)
    stored = list(rows)
    for label, counted in before[0].items():
        if " " not in label and not label.split(".")[1].startswith("Historical"):
            stored += list(apps.get_model(label).objects.filter(pk__gt=counted[1]))
    for row in stored:
        row.refresh_from_db()
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            if value is None:
                continue
            if isinstance(field, models.DateTimeField):
                value = timezone.localtime(value).date()
            if isinstance(field, models.DateField) and field.name != "date_of_birth":
                assert EARLIEST_DATE <= value <= latest, (row._meta.label, field.name, value)
            if field.name == "days":
                assert 1 <= value <= MAX_DAYS, (row._meta.label, value)


def check_form(client, url, form, *, rows=(), max_examples=BOUNDED.max_examples):
    """Post what hypothesis draws to ``url``: a 302 (stored) or a 400 that left nothing behind and shows what was typed."""

    @settings(BOUNDED, max_examples=max_examples)
    @given(post=posts_for(form))
    def check(post):
        data = without_missing(post)

        def example():
            before = snapshot(*rows)
            response = client.post(url, data)
            event(f"status {response.status_code}")
            assert response.status_code in (200, 302, 400), response.status_code
            if response.status_code == 302:
                stored_within_the_window(before, rows=rows)
            else:
                assert not changed_tables(before, snapshot(*rows)), "a refused form left something behind"
                for name, typed in typed_texts(form, data):
                    assert shows_again(response, typed), f"the typed {name} is gone"

        rolled_back(example)

    check()


# The pages' forms -------------------------------------------------------------------------------------------

@pytest.fixture
def world(school, leader):
    member(Role.BOARD, board=school.board)
    pupil = pupil_with_guardian(school, class_name="2A")
    incident = IncidentFactory(school=school, gathering=True)
    involve(incident, pupil, "perpetrator", leader)  # a sanction on a case is for someone linked to it
    return pupil, incident


def test_the_sanction_form(client, leader, world):
    pupil, incident = world
    client.force_login(leader)
    measures = Measure.objects.filter(board__isnull=True, subject_kind=PersonKind.PUPIL)
    form = SanctionForm(person=pupil, measures=measures, prefix="sanction")
    check_form(client, reverse("sanctions:create") + f"?person={pupil.pk}&incident={incident.pk}", form, max_examples=40)


def test_the_guardians_contact_on_a_sanction(client, leader, world):
    from sanctions.services import sanction_impose

    pupil, incident = world
    sanction = sanction_impose(person=pupil, actor=leader, incident=incident, decision="Een dag schorsing.",
                               reasoning="Dreigende berichten.", days=1,
                               measure=Measure.objects.get(board__isnull=True, subject_kind="pupil", code="suspension"))
    client.force_login(leader)
    check_form(client, reverse("sanctions:guardians", args=[sanction.pk]), GuardianContactForm(prefix="contact"),
               rows=[sanction])


def test_the_breach_review(client, school, privacy_officer):
    incident = IncidentFactory(school=school, privacy_flag=True)
    client.force_login(privacy_officer)
    check_form(client, reverse("incidents:breach_detail", args=[incident.pk]), BreachAssessmentForm(prefix="breach"))


def test_a_consent_answer(client, school, leader):
    pupil = pupil_with_guardian(school, class_name="2A")
    client.force_login(member(Role.ADMIN, board=school.board))
    form = AnswerForm(person=pupil, purposes=list(purposes_of(school.board).values()), prefix="answer")
    check_form(client, reverse("consent:person", args=[pupil.pk]), form)


def test_a_work_account(client, school):
    PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")
    client.force_login(member(Role.ADMIN, board=school.board))
    check_form(client, reverse("consent:work_account_new", args=[school.pk]), WorkAccountForm(school=school))


CSV_HEADER = "leerlingnummer;voornaam;achternaam;geboortedatum;klas\n"
csv_rows = st.lists(
    st.tuples(st.text(max_size=8), short_texts, short_texts, day_strings, st.text(max_size=4)).map(";".join),
    max_size=4,
).map("\n".join)
import_files = st.one_of(
    st.binary(max_size=512),
    st.tuples(csv_rows, st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"])).map(
        lambda row: (CSV_HEADER + row[0]).encode(row[1], errors="replace")),
    st.tuples(csv_rows, st.binary(min_size=1, max_size=4)).map(lambda row: (CSV_HEADER + row[0]).encode() + row[1]),
    st.sampled_from([b"PK\x03\x04" + b"\x00" * 40, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x81", b"\xef\xbb\xbf", b"\xff\xfe\x00"]),
)


def test_the_consent_import_takes_any_bytes(client, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member(Role.ADMIN, board=school.board))
    url = reverse("consent:import", args=[school.pk])

    @BOUNDED
    @given(content=import_files, dry_run=st.sampled_from(["on", ""]))
    def check(content, dry_run):
        def example():
            before = snapshot()
            response = client.post(url, {"file": SimpleUploadedFile("leerlingen.csv", content), "dry_run": dry_run})
            event(f"status {response.status_code}")
            assert response.status_code in (200, 400), response.status_code
            if response.status_code == 400 or dry_run:
                assert not changed_tables(before, snapshot()), "a refused or checked file left something behind"

        rolled_back(example)

    check()


# The API's writes -------------------------------------------------------------------------------------------

EDGE_MOMENTS = ["0001-01-01T00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59", "9999-12-31T23:59:59-14:00",
                "1999-12-31T23:59:59+01:00", "2000-01-01T00:00:00+01:00"]
json_moments = st.one_of(
    st.sampled_from(EDGE_MOMENTS), st.sampled_from(EDGE_MOMENTS),
    dates,
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59),
                 timezones=st.sampled_from([datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=14)),
                                            datetime.timezone(datetime.timedelta(hours=-14))])).map(datetime.datetime.isoformat),
    st.sampled_from([None, 0, -1, 1e308, True, [], {}]),
)
json_texts = st.one_of(texts, st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))


def api_reports(school_id):
    """Mostly a report that is right but for its dates, texts, counts; sometimes anything at all."""
    plausible = st.fixed_dictionaries({
        "school": st.just(school_id), "category": st.just("bullying"), "platform": st.just("whatsapp"),
        "description": texts, "discovered_at": json_moments,
    }, optional={
        "occurred_at": json_moments,
        "links": st.lists(st.one_of(st.just("https://example.org/p"), texts), max_size=22),
    })
    chaotic = st.fixed_dictionaries({}, optional={
        "school": st.one_of(st.just(school_id), st.integers(min_value=-(2**64), max_value=2**64), short_texts),
        "category": st.one_of(st.sampled_from(["bullying", "sexting"]), json_texts),
        "platform": st.one_of(st.sampled_from(["whatsapp", "x"]), json_texts),
        "description": json_texts,
        "privacy_flag": st.one_of(st.booleans(), json_texts),
        "occurred_at": json_moments,
        "discovered_at": json_moments,
        "links": st.one_of(st.lists(st.one_of(st.just("https://example.org/p"), texts), max_size=22), json_texts),
    })
    return st.one_of(plausible, plausible, chaotic)


def test_the_api_report(school, staff):
    api = token_client(staff)

    @settings(BOUNDED, max_examples=30)
    @given(body=api_reports(school.pk))
    def check(body):
        def example():
            before = snapshot()
            response = api.post("/api/v1/incidents/", body, format="json")
            event(f"status {response.status_code}")
            assert response.status_code in (201, 400, 404), response.status_code
            assert response["Content-Type"] == "application/json"
            if response.status_code == 201:
                stored = Incident.objects.get(pk=response.json()["id"])
                assert stored.description == body["description"].strip()
                stored_within_the_window(before)
            else:
                assert not changed_tables(before, snapshot()), "a refused report left something behind"

        rolled_back(example)

    check()


def test_the_api_step_change_and_consent_check(school, leader):
    incident = IncidentFactory(school=school)
    pupil = pupil_with_guardian(school, class_name="2A")
    api = token_client(leader)

    @BOUNDED
    @given(step=st.fixed_dictionaries({}, optional={"name": st.one_of(st.sampled_from(["start_gathering", "dismiss"]), json_texts),
                                                    "note": json_texts}),
           question=st.fixed_dictionaries({}, optional={
               "school": st.one_of(st.just(school.pk), st.integers(min_value=-(2**64), max_value=2**64), json_texts),
               "purpose": st.one_of(st.just("social_media"), json_texts),
               "class_name": st.one_of(st.just("2A"), json_texts),
               "pupils": st.one_of(st.lists(st.one_of(st.just(pupil.pk), st.integers(min_value=-(2**64), max_value=2**64)),
                                            max_size=1001), json_texts),
           }))
    def check(step, question):
        def example():
            before = snapshot(incident)
            response = api.post(f"/api/v1/incidents/{incident.pk}/transitions/", step, format="json")
            assert response.status_code in (200, 400, 409), response.status_code
            if response.status_code != 200:
                assert not changed_tables(before, snapshot(incident))
            response = api.post("/api/v1/consent/check/", question, format="json")
            event(f"check {response.status_code}")
            assert response.status_code in (200, 400, 404), response.status_code
            assert response["Content-Type"] == "application/json"

        rolled_back(example)

    check()
