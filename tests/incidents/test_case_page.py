"""The case page leads with the workflow's checklist, each item with its form; other forms come when asked for; a
save with htmx answers with the page's parts in place, without JavaScript with the redirect as before."""

import re

import pytest
from django.urls import reverse

from incidents import services, workflow
from incidents.case_page import FORM_TITLES, TIMELINE_SHOWN, posted_slot
from incidents.models import Action, Waiver
from incidents.selectors import timeline_cursor
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(case):
    return reverse("incidents:detail", args=[case.pk])


def record(case, kind):
    return reverse("incidents:record", args=[case.pk, kind])


@pytest.fixture
def not_criminal(school, leader):
    """Step 3 with the decision "not criminal": it asks for three actions, each of which may be waived."""
    case = IncidentFactory(school=school, assessing=True)
    from incidents import services

    services.incident_decide(incident=case, actor=leader, decision="not_criminal", victim_type="", reasoning="Geen strafbaar feit.")
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("state", ["reported", "gathering", "assessing", "containing", "informing", "communicating",
                                   "evaluating"])
def test_the_checklist_is_the_workflows_missing_work_with_the_forms_it_names(client, school, leader, state):
    case = IncidentFactory(school=school, **({} if state == "reported" else {state: True}))
    client.force_login(leader)
    response = client.get(detail(case))
    checklist = response.context["checklist"]
    missing = workflow.missing_work(case)
    assert [str(item.text) for item in checklist] == [str(m) for m in missing]
    for item, needed in zip(checklist, missing):
        named = [kind for kind, _initial in getattr(needed, "forms", ())]
        assert [slot.kind for slot in item.slots if not slot.is_outcome] == [k for k in named if k != "takedown_outcome"]
        if item.slots:
            assert item.slots[0].form is not None  # the first form open beside its item
            assert all(slot.form is None for slot in item.slots[1:] if not slot.is_outcome)  # the alternatives folded


def test_every_form_the_workflow_names_is_one_the_page_has():
    """A kind named by a checklist item that the page cannot show would leave the item without its form."""
    import inspect

    source = inspect.getsource(workflow)
    named = set(re.findall(r'\("([a-z_]+)", \{', source)) | {"action", "waiver"}
    assert named <= set(FORM_TITLES) | {"takedown_outcome"}, named - set(FORM_TITLES)


def test_a_step_with_alternatives_opens_the_first_and_folds_the_other(client, not_criminal, leader):
    client.force_login(leader)
    content = client.get(detail(not_criminal)).content.decode()
    assert re.search(r'<div class="record-slot" id="action-confrontation">', content)
    assert 'name="action-confrontation-kind"' in content
    assert re.search(r'<option value="confrontation" selected>', content)
    assert re.search(r'<details class="record-slot record-form border-bottom-0" id="waiver-confrontation" hx-disinherit="\*" '
                     r'hx-get="/zaken/\d+/formulier/waiver-confrontation/"', content)
    assert 'name="waiver-confrontation-reason"' not in content  # not written until asked for
    # The other kinds are offered folded, none written.
    others = {slot.kind for slot in client.get(detail(not_criminal)).context["other_slots"]}
    assert {"evidence", "takedown", "message", "evaluation"} <= others
    assert 'name="evaluation-measures_worked"' not in content

    fragment = client.get(reverse("incidents:record_slot", args=[not_criminal.pk, "waiver-confrontation"]))
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and 'name="waiver-confrontation-reason"' in html
    assert '<input type="hidden" name="slot" value="waiver-confrontation">' in html
    assert re.search(r'<option value="confrontation" selected>', html)


def test_a_form_the_page_does_not_offer_is_a_404(client, not_criminal, leader):
    client.force_login(leader)
    for slot in ("waiver-nothing", "triagex", "takedown-999999", "decision-x"):
        assert client.get(reverse("incidents:record_slot", args=[not_criminal.pk, slot])).status_code == 404


def test_a_saved_record_with_htmx_updates_the_parts_in_place(client, not_criminal, leader):
    client.force_login(leader)
    response = client.post(record(not_criminal, "waiver"), {
        "slot": "waiver-sanctions", "waiver-sanctions-item": "sanctions", "waiver-sanctions-reason": "Dader onbekend.",
    }, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#case-work" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith("<div id=\"case-work\">")
    for part in ('id="case-records" hx-swap-oob="true"', 'id="case-timeline" hx-swap-oob="true"',
                 'id="other-records" hx-swap-oob="true"', 'id="case-badges" hx-swap-oob="true"',
                 'id="case-status" hx-swap-oob="innerHTML"'):
        assert part in html, part
    assert Waiver.objects.filter(incident=not_criminal, item="sanctions").exists()
    assert 'id="action-sanctions"' not in html and 'id="action-confrontation"' in html  # the item is done
    assert "Dader onbekend." in html  # on the timeline


def test_a_refused_record_with_htmx_comes_back_at_its_slot_with_what_was_typed(client, not_criminal, leader, dutch):
    client.force_login(leader)
    response = client.post(record(not_criminal, "action"), {
        "slot": "action-aftercare", "action-aftercare-kind": "aftercare", "action-aftercare-with_whom": "Mentor <b>X</b>",
        "action-aftercare-outcome": "",
    }, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div class="record-slot" id="action-aftercare">')
    assert 'value="Mentor &lt;b&gt;X&lt;/b&gt;"' in html
    assert 'aria-invalid="true"' in html and "Niet opgeslagen" in html
    assert not Action.objects.filter(incident=not_criminal, kind="aftercare").exists()


def test_without_javascript_a_save_redirects_and_a_refusal_shows_the_page(client, not_criminal, leader):
    client.force_login(leader)
    saved = client.post(record(not_criminal, "waiver"), {
        "slot": "waiver-aftercare", "waiver-aftercare-item": "aftercare", "waiver-aftercare-reason": "Niet nodig.",
    })
    assert saved.status_code == 302 and saved["Location"] == detail(not_criminal) + "#waiver-aftercare"
    refused = client.post(record(not_criminal, "waiver"), {"slot": "waiver-sanctions", "waiver-sanctions-item": "sanctions"})
    assert refused.status_code == 400
    assert "<html" in refused.content.decode()
    assert refused.context["forms"]["waiver-sanctions"].errors["reason"]


@pytest.mark.parametrize("value, expected", [
    ("action-confrontation", "action-confrontation"), ("", "action"), (None, "action"), ("waiver-sanctions", "action"),
    ("action-x\x00", "action"), ("action-" + "a" * 100, "action"), ("action-<script>", "action"), ("ACTION", "action"),
])
def test_a_posted_slot_is_the_kinds_own_or_falls_back_to_it(value, expected):
    assert posted_slot("action", value) == expected


def test_the_timeline_comes_a_page_at_a_time(client, school, leader):
    from tests.performance.test_query_counts import _long_case

    case = _long_case({"school": school, "leader": leader, "staff": leader}, 130)
    client.force_login(leader)
    whole = client.get(detail(case) + "?alles=1").context["timeline"]
    page = client.get(detail(case))
    assert page.context["timeline"] == whole[:TIMELINE_SHOWN] and page.context["timeline_shown"] == TIMELINE_SHOWN
    url = reverse("incidents:timeline_page", args=[case.pk])
    shown = list(page.context["timeline"])
    cursor = timeline_cursor(shown[-1])
    assert f'hx-get="{url}?na={cursor}"' in page.content.decode()
    while True:
        more = client.get(url + f"?na={cursor}", **HTMX)
        assert more.context["timeline"] == whole[len(shown):len(shown) + TIMELINE_SHOWN]
        shown += more.context["timeline"]
        if len(shown) >= len(whole):
            assert 'id="timeline-more"' not in more.content.decode()
            break
        cursor = timeline_cursor(shown[-1])
        assert f'hx-get="{url}?na={cursor}"' in more.content.decode()
        assert more.context["timeline_shown"] == len(shown)
    assert shown == whole and len(whole) > 150
    for odd in ("-5", "abc", "99999999999", "1\x00", "3-", "-3", "99-1", "3-99999999999999999999999", "١-٢"):
        response = client.get(url + "?na=" + odd, **HTMX)  # not a cursor: the newest; a cursor of no entry: nothing
        assert response.status_code == 200
        assert response.context["timeline"] in (whole[:TIMELINE_SHOWN], [])


def test_an_entry_added_while_the_page_is_open_does_not_repeat_one_already_shown(client, school, leader):
    """The way to older entries follows the last entry shown: a record added meanwhile by someone else (the newest
    entry now) neither repeats that entry on the next page nor hides the one after it."""
    from incidents.models import InformedParty
    from tests.performance.test_query_counts import _long_case

    case = _long_case({"school": school, "leader": leader, "staff": leader}, 60)
    client.force_login(leader)
    page = client.get(detail(case))
    before = client.get(detail(case) + "?alles=1").context["timeline"]
    services.incident_add_record(incident=case, actor=leader,
                                 record=InformedParty(who="Mentor", what_was_said="Op de hoogte.", next_steps="-"))
    more = client.get(reverse("incidents:timeline_page", args=[case.pk]) + "?na=" + page.context["timeline_next"], **HTMX)
    assert more.context["timeline"] == before[TIMELINE_SHOWN:2 * TIMELINE_SHOWN]
    assert more.context["timeline_total"] == len(before) + 1


def test_long_lists_show_their_first_entries_and_the_way_to_all(client, school, leader):
    """Evidence, people and harmful posts: the first LIST_SHOWN of each, how many there are in all, and ?alles=1
    with every one of them. A post whose removal is still watched keeps its open outcome form wherever it is in the
    list; a withdrawn record is in no list."""
    from django.utils import timezone

    from incidents.case_page import LIST_SHOWN
    from incidents.models import Evidence, Involvement, InvolvementRole, Takedown
    from portal.models import Person

    case = IncidentFactory(school=school, informing=True)
    n = LIST_SHOWN + 3
    common = {"incident": case, "created_by": leader, "step": "gathering"}
    people = Person.objects.bulk_create([Person(school=school, kind="pupil", first_name="Lln", last_name=f"Nr{k:02d}")
                                         for k in range(n)])
    Involvement.objects.bulk_create([Involvement(**common, person=p, role=InvolvementRole.WITNESS) for p in people])
    Evidence.objects.bulk_create([Evidence(**common, url=f"https://example.org/bewijs-{k}") for k in range(n)])
    Takedown.objects.bulk_create([Takedown(**common, platform="tiktok", description=f"Bericht {k:02d}",
                                           outcome="pending" if k == n - 1 else "removed_by_platform") for k in range(n)])
    Evidence.objects.filter(url="https://example.org/bewijs-0").update(withdrawn_at=timezone.now(), withdrawn_by=leader,
                                                                      withdrawal_reason="Dubbel.")
    watched = Takedown.objects.get(description=f"Bericht {n - 1:02d}")
    in_all = {kind: model.objects.filter(incident=case).current().count()
              for kind, model in (("evidence", Evidence), ("involvements", Involvement), ("takedowns", Takedown))}
    assert min(in_all.values()) > LIST_SHOWN and in_all["evidence"] == n - 1
    watched_in_all = Takedown.objects.filter(incident=case, outcome__in=["pending", "requested"]).count()
    client.force_login(leader)

    page = client.get(detail(case))
    content = page.content.decode()
    current = page.context["current"]
    assert [len(current[kind]) for kind in ("evidence", "involvements", "takedowns")] == [LIST_SHOWN] * 3
    assert page.context["listed_in_all"] == in_all
    assert "bewijs-0\"" not in content and "bewijs-1\"" in content and f"bewijs-{LIST_SHOWN + 1}\"" not in content
    assert f'href="?alles=1#people-title">Toon alle {in_all["involvements"]}</a>' in content
    assert f'href="?alles=1#evidence-title">Toon alle {n - 1}</a>' in content
    outcomes = {slot.takedown.pk: slot for slot in page.context["outcome_slots"]}
    assert outcomes[watched.pk].form is not None  # the 13th post, still watched: its form open
    settled_listed = sum(1 for t in current["takedowns"] if t.outcome_is_final)
    assert len(outcomes) == watched_in_all + settled_listed

    whole = client.get(detail(case) + "?alles=1")
    content = whole.content.decode()
    assert {kind: len(whole.context["current"][kind]) for kind in in_all} == in_all
    assert "Toon alle" not in content and f"Nr{n - 1:02d}" in content and f"bewijs-{n - 1}\"" in content
    assert len(whole.context["outcome_slots"]) == in_all["takedowns"]

    asked = client.get(reverse("incidents:record_slot", args=[case.pk, f"takedown-{watched.pk}"]), **HTMX)
    assert asked.status_code == 200 and f"takedown-{watched.pk}-outcome" in asked.content.decode()
