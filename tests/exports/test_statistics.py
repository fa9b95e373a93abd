"""The statistics page against a seeded data set, and its pseudonymised export."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from incidents.models import Category
from incidents.statistics import PSEUDONYMISED_COLUMNS
from incidents.walkthrough import walk_to
from incidents.workflow import STEPS, State
from portal.models import AuditEvent
from tests.factories import IncidentFactory, PersonFactory

from .support import column, csv_rows, headers, local, xlsx_rows

pytestmark = pytest.mark.django_db

STATISTICS = reverse("incidents:statistics")


def at(*moment):
    return time_machine.travel(local(*moment), tick=False)


def report(school, moment, category, platform, description):
    with at(*moment):
        return IncidentFactory(school=school, category=category, platform=platform, description=description)


def walk(incident, target, moment, actor):
    with at(*moment):
        return walk_to(incident, target, actor)


@pytest.fixture
def seeded(school, sister_school, other_school, leader, sister_leader, other_leader):
    """Six cases of the board (four at Het Baken, two at De Horizon) and one of another board.

    Time in step 1 (report → first step change): A 2 h, B 4 h, C 10 h, E 1 h (dismissed) → median 3.0 h.
    Time in step 2: A 24 h, B 48 h (C is still in it) → median 36.0 h. Step 3: A 5 h. Step 4: A 18 h.
    Steps 5-7: A 0 h (walked through at one moment). The other board's case spends 100 h in step 1.
    """
    pupil = PersonFactory(school=school, first_name="Sanne", last_name="Verbeek")  # linked as victim by the walk
    a = report(school, (2026, 1, 10, 9, 0), "bullying", "whatsapp", "Beschrijving A: gemene berichten over Sanne.")
    walk(a, State.GATHERING, (2026, 1, 10, 11, 0), leader)
    walk(a, State.ASSESSING, (2026, 1, 11, 11, 0), leader)
    walk(a, State.CONTAINING, (2026, 1, 11, 16, 0), leader)
    walk(a, State.CLOSED, (2026, 1, 12, 10, 0), leader)

    b = report(school, (2026, 1, 20, 12, 0), "threats", "instagram", "Beschrijving B: bedreiging via Instagram.")
    walk(b, State.GATHERING, (2026, 1, 20, 16, 0), leader)
    walk(b, State.ASSESSING, (2026, 1, 22, 16, 0), leader)

    c = report(sister_school, (2026, 2, 3, 8, 0), "bullying", "tiktok", "Beschrijving C: filmpje op TikTok.")
    walk(c, State.GATHERING, (2026, 2, 3, 18, 0), sister_leader)

    d = report(sister_school, (2026, 2, 14, 15, 0), "sexting", "instagram", "Beschrijving D: doorgestuurde foto.")

    e = report(school, (2026, 3, 2, 10, 0), "bullying", "instagram", "Beschrijving E: geen incident.")
    walk(e, State.DISMISSED, (2026, 3, 2, 11, 0), leader)

    # half past midnight on 1 April in Amsterdam is still 31 March in UTC: it counts for April
    f = report(school, (2026, 4, 1, 0, 30), "insulting", "whatsapp", "Beschrijving F: scheldpartij in de groepsapp.")

    x = report(other_school, (2026, 1, 15, 9, 0), "bullying", "whatsapp", "Beschrijving X: andere stichting.")
    walk(x, State.GATHERING, (2026, 1, 19, 13, 0), other_leader)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "x": x, "pupil": pupil}


def label(choice):
    with translation.override("nl"):
        return str(choice.label)


def steps_by_state(figures):
    return {step.state: step for step in figures["steps"]}


def test_the_board_sees_the_figures_of_its_schools(client, board_member, seeded):
    client.force_login(board_member)
    response = client.get(STATISTICS)

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["total"] == 6
    assert figures["per_month"] == [("2026-01", 2), ("2026-02", 2), ("2026-03", 1), ("2026-04", 1)]
    assert figures["per_category"] == [
        (label(Category.BULLYING), 3), (label(Category.INSULTING), 1), (label(Category.SEXTING), 1),
        (label(Category.THREATS), 1),
    ]
    assert figures["per_platform"] == [("Instagram", 3), ("WhatsApp", 2), ("TikTok", 1)]
    assert figures["per_school"] == [("Het Baken", 4), ("De Horizon", 2)]
    assert figures["closed"] == 1

    steps = steps_by_state(figures)
    assert [s.state for s in figures["steps"]] == STEPS
    assert {state: steps[state].reached for state in STEPS} == {
        State.REPORTED: 6, State.GATHERING: 3, State.ASSESSING: 2, State.CONTAINING: 1,
        State.INFORMING: 1, State.COMMUNICATING: 1, State.EVALUATING: 1,
    }
    assert steps[State.REPORTED].share == 1.0
    assert steps[State.GATHERING].share == pytest.approx(0.5)
    assert steps[State.ASSESSING].share == pytest.approx(1 / 3)
    assert steps[State.EVALUATING].share == pytest.approx(1 / 6)
    assert {state: steps[state].median_hours for state in STEPS} == {
        State.REPORTED: 3.0, State.GATHERING: 36.0, State.ASSESSING: 5.0, State.CONTAINING: 18.0,
        State.INFORMING: 0.0, State.COMMUNICATING: 0.0, State.EVALUATING: 0.0,
    }


def test_a_school_leader_sees_the_figures_of_their_school(client, leader, seeded):
    client.force_login(leader)
    figures = client.get(STATISTICS).context["figures"]

    assert figures["total"] == 4
    assert figures["per_month"] == [("2026-01", 2), ("2026-03", 1), ("2026-04", 1)]
    assert figures["per_school"] == [("Het Baken", 4)]
    assert figures["per_platform"] == [("Instagram", 2), ("WhatsApp", 2)]
    steps = steps_by_state(figures)
    assert steps[State.GATHERING].reached == 2 and steps[State.GATHERING].share == pytest.approx(0.5)
    assert steps[State.REPORTED].median_hours == 2.0  # A 2 h, B 4 h, E 1 h
    assert steps[State.GATHERING].median_hours == 36.0


def test_the_figures_follow_the_date_and_school_filters(client, board_member, sister_school, seeded):
    client.force_login(board_member)
    figures = client.get(STATISTICS, {"date_from": "2026-02-01", "date_to": "2026-03-31"}).context["figures"]
    assert figures["total"] == 3
    assert figures["per_month"] == [("2026-02", 2), ("2026-03", 1)]
    assert steps_by_state(figures)[State.REPORTED].median_hours == 5.5  # C 10 h, E 1 h

    figures = client.get(STATISTICS, {"school": sister_school.pk}).context["figures"]
    assert figures["total"] == 2
    assert figures["per_school"] == [("De Horizon", 2)]
    assert steps_by_state(figures)[State.GATHERING].median_hours is None  # C has not left it


def test_an_empty_selection_has_no_shares_and_no_medians(client, board_member):
    client.force_login(board_member)
    figures = client.get(STATISTICS).context["figures"]
    assert figures["total"] == 0
    assert all(step.reached == 0 and step.share == 0.0 and step.median_hours is None for step in figures["steps"])


def test_statistics_are_not_for_staff_or_the_fg(client, staff, privacy_officer):
    for user in (staff, privacy_officer):
        client.force_login(user)
        assert client.get(STATISTICS).status_code == 403
        assert client.get(STATISTICS, {"export": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


# --- the pseudonymised export -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_is_pseudonymised(client, board_member, leader, seeded, fmt):
    client.force_login(board_member)
    response = client.get(STATISTICS, {"export": fmt})
    assert response.status_code == 200
    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)

    assert rows[0] == headers(PSEUDONYMISED_COLUMNS)
    assert len(rows) == 7
    dump = repr(rows)
    for name in ("a", "b", "c", "d", "e", "f", "x"):
        incident = seeded[name]
        assert incident.description not in dump
        assert incident.description.split(":")[0] not in dump
        assert incident.reference not in dump
        assert str(incident.reporter) not in dump
        assert incident.reporter.email not in dump
    for secret in ("Sanne", "Verbeek", str(leader), str(board_member)):
        assert secret not in dump
    assert "Beschrijving" not in dump
    assert "andere stichting" not in dump

    names = headers(PSEUDONYMISED_COLUMNS)
    # the same months as the page, in the portal's time zone
    assert column(rows, names[2]) == ["2026-01", "2026-01", "2026-02", "2026-02", "2026-03", "2026-04"]
    assert sorted(column(rows, names[1])) == ["De Horizon"] * 2 + ["Het Baken"] * 4
    pseudonyms = column(rows, names[0])
    assert len(set(pseudonyms)) == 6
    assert all(len(p) == 12 and not p.isdigit() for p in pseudonyms)
    assert not any(str(seeded[n].pk) == p for n in "abcdef" for p in pseudonyms)


def test_pseudonyms_are_stable_across_exports_and_formats(client, board_member, leader, seeded):
    client.force_login(board_member)
    first = xlsx_rows(client.get(STATISTICS, {"export": "xlsx"}))
    second = csv_rows(client.get(STATISTICS, {"export": "csv"}))
    client.force_login(leader)
    mine = xlsx_rows(client.get(STATISTICS, {"export": "xlsx"}))

    pseudonym = headers(PSEUDONYMISED_COLUMNS)[0]
    assert column(first, pseudonym) == column(second, pseudonym)
    by_month_first = dict(zip(column(first, pseudonym), column(first, headers(PSEUDONYMISED_COLUMNS)[1])))
    assert set(column(mine, pseudonym)) < set(column(first, pseudonym))
    assert {by_month_first[p] for p in column(mine, pseudonym)} == {"Het Baken"}


def test_the_export_follows_the_filters_and_is_audited(client, board_member, sister_school, seeded):
    client.force_login(board_member)
    rows = xlsx_rows(client.get(STATISTICS, {"export": "xlsx", "school": sister_school.pk}))
    assert sorted(column(rows, headers(PSEUDONYMISED_COLUMNS)[1])) == ["De Horizon", "De Horizon"]

    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert (event.action, event.actor) == ("export.statistics", board_member)
    assert event.detail == {"format": "xlsx", "filters": {"school": "De Horizon"}}
