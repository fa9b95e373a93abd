"""Whatever is typed on the public page gives a page or a Dutch refusal, never a 500, and what is stored is exactly
what was typed (property-based, with hypothesis): lengths around the limits, any bytes, odd dates, odd codes."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from publicreports.followup import CODE_LENGTH, code_hash, code_new, code_normalise
from publicreports.models import PublicReport, PublicReportAddition
from tests.security.test_bad_input import MODEST, long_texts, rolled_back, short_texts, shows_again

from .conftest import report_data, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

texts = st.one_of(short_texts, long_texts, st.sampled_from(["a" * 4999, "a" * 5000, "a" * 5001, "é" * 5000]))
dates = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(lambda d: d.strftime("%Y-%m-%d")),
    st.integers(min_value=-3, max_value=400).map(lambda n: (datetime.date.today() - datetime.timedelta(days=n)).isoformat()),
    st.sampled_from(["2026-02-30", "0000-00-00", "31-12-2025", "gisteren", "", " "]),
    short_texts,
)


@pytest.fixture
def no_rate_limit(settings):
    settings.MELDPUNT_PUBLIC_REPORTS_PER_IP = settings.MELDPUNT_PUBLIC_REPORTS_PER_SCHOOL = "100000/h"


@MODEST
@given(description=texts, name=st.one_of(short_texts, long_texts), occurred_on=dates,
       role=st.one_of(st.sampled_from(["pupil", "guardian", "other"]), short_texts))
def test_a_report_is_stored_as_typed_or_refused_keeping_it(page, no_rate_limit, description, name, occurred_on, role):
    data = report_data(description=description, sender_name=name, occurred_on=occurred_on, sender_role=role)

    def example():
        before = PublicReport.objects.count()
        response = Client().post(reverse("publicreports:report", args=[page.key]), data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 400, 413)
        if response.status_code == 200:
            report = PublicReport.objects.get()
            assert report.description == description.strip() and report.sender_name == name.strip()
            assert report.occurred_on is None or report.occurred_on <= datetime.date.today()
            assert len(report.description) <= 5000
        else:
            assert PublicReport.objects.count() == before
            if response.status_code == 400 and description.strip() and "\x00" not in description and len(description) <= 5000:
                assert shows_again(response, description)

    rolled_back(example)


@MODEST
@given(text=texts)
def test_an_addition_is_stored_as_typed_or_refused(page, text):
    _report, code = submit(page=page)

    def example():
        response = Client().post(reverse("publicreports:add"), {"code": code, "text": text, "links": ""})
        assert response.status_code in (200, 400, 413)
        stored = list(PublicReportAddition.objects.values_list("text", flat=True))
        assert stored == ([text.strip()] if response.status_code == 200 else [])

    rolled_back(example)


@MODEST
@given(typed=st.one_of(short_texts, st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
def test_any_typed_code_is_refused_without_a_500(page, settings, typed):
    settings.MELDPUNT_PUBLIC_CODE_TRIES_PER_IP = "100000/h"
    response = Client().post(reverse("publicreports:follow"), {"code": typed})
    assert response.status_code == 400


@given(st.data())
def test_a_code_is_found_however_it_is_typed_back(data):
    code = code_new()
    assert len(code_normalise(code)) == CODE_LENGTH
    typed = "".join(data.draw(st.sampled_from([ch.lower(), ch, f" {ch}", f"{ch}-"])) if ch != "-" else ""
                    for ch in code)
    typed = typed.replace("0", data.draw(st.sampled_from(["0", "o", "O"]))).replace("1", data.draw(st.sampled_from(["1", "i", "L"])))
    assert code_hash(typed) == code_hash(code)
