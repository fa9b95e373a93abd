"""The sanction form shows a suspension's last day, counted on the school's calendar, as the school leader fills in
the measure, the date and the number of days: before anything is saved."""

import pytest
from playwright.sync_api import expect

from sanctions.models import Sanction
from tests.sanctions.support import measure

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_day_shows_as_the_dates_change(live_server, new_context, login, axe, leader, pupil, default_catalogue):
    page = login(new_context(), leader)
    page.goto(f"{live_server.url}/sancties/nieuw/?person={pupil.pk}")
    preview = page.locator("#suspension-preview")
    expect(preview).to_be_empty()
    page.select_option("#id_sanction-measure", str(measure("pupil", "suspension").pk))
    page.fill("#id_sanction-starts_on", "2026-04-02")
    page.fill("#id_sanction-days", "3")
    page.press("#id_sanction-days", "Tab")
    expect(preview).to_contain_text("van donderdag 2 april 2026 tot en met dinsdag 7 april 2026")
    expect(preview).to_contain_text("maandag 6 april (Tweede paasdag)")
    axe(page, "the sanction form with its preview")
    page.fill("#id_sanction-days", "1")
    page.press("#id_sanction-days", "Tab")
    expect(preview).to_contain_text("De schorsing duurt één schooldag: donderdag 2 april 2026.")
    assert not Sanction.objects.exists()
