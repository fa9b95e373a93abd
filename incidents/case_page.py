"""The case page: what the current step still needs, each item with its form, and the forms for other kinds of
record only when asked for.

The checklist is ``workflow.missing_work``: each of its items names the forms that record it (``workflow.Needed``),
so what a step needs is written once, in the workflow, and the page only lays it out. A form is a *slot* on the
page: its element id and its form prefix are the same name (``triage``, ``action-confrontation``, ``takedown-12``),
so a refused form comes back where it was sent from. A slot the page does not show open carries no form: it is
fetched when its disclosure opens (htmx), or with ``?formulier=<slot>`` without JavaScript.
"""

import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from rules import has_perm

from portal.protocols import protocol_rules

from . import selectors, services, workflow
from .forms import (
    FIELD_FORMS, RECORD_FORMS, EvidenceForm, InvolvementForm, QuarantineDestroyForm, QuarantineForm, TakedownOutcomeForm,
)
from .models import WATCHED_TAKEDOWN_OUTCOMES, Takedown, TakedownOutcome

FORM_TITLES = {
    "triage": _("Severity"),
    "facts": _("Account of the facts"),
    "decision": _("Decision on criminality"),
    "evidence": _("Evidence"),
    "involvement": _("Involved person"),
    "action": _("Action"),
    "waiver": _("Not applicable"),
    "police_report": _("Police report"),
    "takedown": _("Harmful post"),
    "informed": _("Informed party"),
    "message": _("Message"),
    "evaluation": _("Evaluation"),
    "assignment": _("Ask someone to help"),
}
# A refused takedown outcome, or one asked for, is the slot of its post.
TAKEDOWN_SLOT = re.compile(r"takedown-(\d+)")
SLOT_PATTERN = re.compile(r"[a-z_]+(-[a-z0-9_]+)*")
# The case page shows the newest entries of the timeline (older ones come a page at a time, htmx) and the first of
# the evidence, the people and the harmful posts; ?alles=1 shows the whole case. The case report PDF holds it all.
TIMELINE_SHOWN = 20
LIST_SHOWN = 10


def slot_name(kind, initial):
    """The slot of a form of ``kind`` with these initial values: unique on the page, and a valid form prefix."""
    return "-".join([kind, *(slugify(str(value)).replace("-", "_") for value in initial.values())])


def posted_slot(kind, value):
    """The slot a record form was sent from (its hidden ``slot``); the kind's own slot for anything else."""
    value = (value or "").strip()
    if len(value) <= 80 and SLOT_PATTERN.fullmatch(value) and (value == kind or value.startswith(f"{kind}-")):
        return value
    return kind


@dataclass
class Slot:
    slot: str
    kind: str
    title: str
    initial: dict = field(default_factory=dict)
    form: object = None  # only for a slot shown open
    takedown: object = None  # the post of a takedown outcome's slot
    place: str = "other"  # "item": open in the checklist; "alternative" or "other": a disclosure; "outcome"

    @property
    def is_outcome(self):
        return self.takedown is not None


@dataclass
class ChecklistItem:
    text: str
    slots: list  # the first shown open with its form, the alternatives as disclosures


def record_form(kind, incident, *, prefix, initial=None, data=None, files=None, query=None):
    """The form of ``kind`` for the case: empty (with ``initial``) or bound to what was posted."""
    bound = data is not None
    if kind == "evidence":
        if bound:
            return EvidenceForm(data, files, prefix=prefix, initial=initial, incident=incident)
        return EvidenceForm(prefix=prefix, initial=initial, incident=incident)
    if kind in FIELD_FORMS:
        return FIELD_FORMS[kind](data, instance=incident, prefix=prefix, initial=initial)
    form_class = RECORD_FORMS[kind]
    extra = {"query": query} if form_class is InvolvementForm and not bound else {}  # the search sent without JavaScript
    return form_class(data, incident=incident, prefix=prefix, initial=initial, **extra)


def record_url(incident_pk):
    """A function giving the address of a record's page on this case, from its type and id (reversed once)."""
    mark = 987654321
    pattern = reverse("incidents:record_detail", args=[incident_pk, "recordtype", mark])
    return lambda record_type, pk: pattern.replace("recordtype", record_type).replace(str(mark), str(pk))


def takedown_outcome_form(takedown, data=None):
    return TakedownOutcomeForm(data, instance=takedown, prefix=f"takedown-{takedown.pk}")


class CasePage:
    """What the case page shows to ``request.user``. ``bound`` is a refused form as (slot, form), shown at its slot
    with its errors; ``transition_note`` keeps the note typed for a refused step change."""

    def __init__(self, request, incident, *, bound=None, transition_note=None, bound_quarantine=None):
        self.request, self.incident, self.user = request, incident, request.user
        self.bound_quarantine = bound_quarantine
        self.bound_slot, self.bound_form = bound or (None, None)
        self.transition_note = transition_note
        self.can_manage = has_perm("incidents.manage_incident", self.user, incident)
        self.can_add_evidence = has_perm("incidents.add_evidence", self.user, incident)
        self.full_view = selectors.incident_full_view_allowed(user=self.user, incident=incident)
        self.whole = request.GET.get("alles") == "1"
        asked = request.GET.get("formulier", "")
        self.asked = asked if SLOT_PATTERN.fullmatch(asked) and len(asked) <= 80 else ""
        self._records = None
        self._missing = None
        self._checklist = None
        self._watched = None
        self._whole_case = None

    # --- what the user may record ------------------------------------------------------------------------------

    def kinds(self):
        """The kinds of record this user may add to the case now."""
        kinds = []
        if self.can_manage:
            kinds += [k for k in FIELD_FORMS if k != "decision" or self.incident.state == workflow.State.ASSESSING]
        if self.can_add_evidence:
            kinds.append("evidence")
        if self.can_manage:
            kinds += list(RECORD_FORMS)
        return kinds

    def missing(self):
        """The current step's checklist as the workflow says it (None where the user does not work the case)."""
        if self._missing is None and self.incident.is_open and self.can_manage:
            self._missing = workflow.missing_work(self.incident)
        return self._missing

    def _slot(self, kind, initial=None, *, shown=False, place="other"):
        initial = initial or {}
        name = slot_name(kind, initial)
        slot = Slot(name, kind, FORM_TITLES[kind], initial, place=place)
        if name == self.bound_slot:
            slot.form = self.bound_form
        elif shown or name == self.asked or self._searched(name):
            slot.form = record_form(kind, self.incident, prefix=name, initial=initial, query=self.request.GET)
        return slot

    def _searched(self, name):
        """A form's own search (the involved person's), sent without JavaScript, reloads the page with its query."""
        return any(key.startswith(f"{name}-") for key in self.request.GET)

    def _outcome_slot(self, takedown, *, shown, place="outcome"):
        slot = Slot(f"takedown-{takedown.pk}", "takedown_outcome", takedown.description, takedown=takedown, place=place)
        if slot.slot == self.bound_slot:
            slot.form = self.bound_form
        elif shown or slot.slot == self.asked:
            slot.form = takedown_outcome_form(takedown)
        return slot

    def checklist(self):
        """Each item still needed, with the slots of the forms that record it (the first one open)."""
        if self._checklist is None:
            self._checklist = self._build_checklist()
        return self._checklist

    def _build_checklist(self):
        allowed = set(self.kinds())
        items = []
        for needed in self.missing() or []:
            slots = []
            for kind, initial in getattr(needed, "forms", ()):
                if kind == "takedown_outcome":
                    slots += [self._outcome_slot(t, shown=True, place="item") for t in self.pending_takedowns()]
                elif kind in allowed:
                    slots.append(self._slot(kind, initial, shown=not slots, place="alternative" if slots else "item"))
            items.append(ChecklistItem(needed, slots))
        return items

    def other_slots(self, checklist):
        """The kinds not already offered as themselves in the checklist, each closed until asked for."""
        taken = {slot.slot for item in checklist for slot in item.slots}
        return [self._slot(kind) for kind in self.kinds() if kind not in taken]

    # --- the records -------------------------------------------------------------------------------------------

    def records(self):
        """The records the page lists beside the timeline, those that count (selectors.incident_summary_records)."""
        if self._records is None:
            if self.full_view and self.whole:
                self._records = selectors.current_records(records=self.whole_case())
            elif self.full_view:
                self._records = selectors.incident_summary_records(incident=self.incident, limit=LIST_SHOWN)
            else:
                # The reporter follows their own report: its step and what they sent, not the school's file on it.
                self._records = {"evidence": list(selectors.evidence_for_viewer(user=self.user, incident=self.incident, full_view=False))}
        return self._records

    def whole_case(self):
        """Every record and event of the case (?alles=1): what the whole timeline and all the lists are made of."""
        if self._whole_case is None:
            self._whole_case = selectors.incident_records(incident=self.incident)
        return self._whole_case

    def watched_takedowns(self):
        """The posts whose removal is still watched (not yet handled, or requested), all of them."""
        if self._watched is None:
            listed = self.records().get("takedowns", [])
            if len(listed) == self.records().get("counts", {}).get("takedowns"):  # every post listed (?alles=1 too)
                self._watched = [t for t in listed if not t.outcome_is_final]
            else:
                self._watched = list(Takedown.objects.current().filter(incident=self.incident,
                                                                      outcome__in=WATCHED_TAKEDOWN_OUTCOMES))
        return self._watched

    def pending_takedowns(self):
        """The posts whose takedown outcome the step still waits for."""
        return [t for t in self.watched_takedowns() if t.outcome == TakedownOutcome.PENDING]

    def outcome_slots(self):
        """Every harmful post's outcome can be updated at any later step: those still watched open, the settled ones
        closed until asked for (the pending ones are in the checklist while it asks for them)."""
        if not self.can_manage:
            return []
        in_checklist = {slot.slot for item in self.checklist() for slot in item.slots if slot.is_outcome}
        settled = [t for t in self.records().get("takedowns", []) if t.outcome_is_final]  # those the page lists
        return [self._outcome_slot(t, shown=not t.outcome_is_final) for t in self.watched_takedowns() + settled
                if f"takedown-{t.pk}" not in in_checklist]

    def timeline(self, after=None, *, whole=False):
        """One page of the timeline: (its entries, the entries after ``after`` (a parsed timeline cursor; None: the
        newest), all of them if ``whole``; how many there are in all; how many are shown up to the page's end)."""
        if not self.full_view:
            return [], 0, 0
        if whole:
            shown = selectors.incident_timeline(records=self.whole_case())
            total, before = len(shown), 0
        else:
            shown, total, before = selectors.incident_timeline_page(incident=self.incident, after=after, size=TIMELINE_SHOWN)
        if has_perm("incidents.correct_record", self.user, self.incident):
            # Each shown record's own page, where it is corrected or withdrawn: the address reversed once.
            address = record_url(self.incident.pk)
            for entry in shown:
                if entry.current is not None and entry.withdrawal is None:
                    entry.correct_url = address(entry.current.record_type(), entry.current.pk)
        return shown, total, before + len(shown)

    @staticmethod
    def timeline_more(timeline, total, through):
        """The template's words for the way to older entries: how many in all and shown, and the cursor of the last
        one shown (None when none are left)."""
        return {"timeline": timeline, "timeline_total": total, "timeline_shown": through,
                "timeline_next": selectors.timeline_cursor(timeline[-1]) if timeline and through < total else None}

    # --- the page ----------------------------------------------------------------------------------------------

    def context(self):
        incident, rules = self.incident, protocol_rules(self.incident.school.board)
        current = self.records()
        checklist = self.checklist()
        missing = self.missing()
        timeline, total, through = self.timeline(whole=self.whole)
        other_slots, outcome_slots = self.other_slots(checklist), self.outcome_slots()
        shown = [s for item in checklist for s in item.slots] + other_slots + outcome_slots
        return {
            "incident": incident,
            "current": current,
            "listed_in_all": current.get("counts", {}),
            "lists_whole": self.whole,
            "can_correct": self.full_view and has_perm("incidents.correct_record", self.user, incident),
            **self.timeline_more(timeline, total, through),
            "missing": missing or [],
            "checklist": checklist,
            # Computed once: the step-change buttons are blocked by the same list the page shows.
            "transitions": services.incident_available_transitions(incident=incident, user=self.user, missing=missing),
            "transition_note": self.transition_note or ("", ""),
            "other_slots": other_slots,
            "outcome_slots": outcome_slots,
            "forms": {slot.slot: slot.form for slot in shown if slot.form is not None},  # the forms written on the page
            "steps": [(s, rules.step_labels.get(s, s.label)) for s in workflow.STEPS],
            "current_step_label": rules.step_labels.get(incident.state, incident.get_state_display()),
            "step_help": rules.step_help.get(incident.state, ""),
            "lvi_applies": rules.lvi_report,
            "can_manage": self.can_manage,
            "can_record": self.can_manage or self.can_add_evidence,
            "full_view": self.full_view,
            "can_open_dossiers": has_perm("sanctions.view_dossiers", self.user),
            **self.evidence_tools(),
        }

    def evidence_tools(self):
        """The school leader's tools of the evidence section: quarantine, deletion, the police package."""
        if not (self.full_view and has_perm("incidents.quarantine_evidence", self.user, self.incident)):
            return {"can_quarantine": False, "can_download_police_package": False}
        forms = {"quarantine": QuarantineForm(incident=self.incident, prefix="quarantine"),
                 "quarantine_destroy": QuarantineDestroyForm(prefix="destroy")}
        if self.bound_quarantine:
            forms[self.bound_quarantine[0]] = self.bound_quarantine[1]
        return {"can_quarantine": True, "quarantine_form": forms["quarantine"],
                "quarantine_destroy_form": forms["quarantine_destroy"],
                "can_download_police_package": has_perm("incidents.download_police_package", self.user, self.incident)}

    def slot_asked(self, name):
        """The slot ``name`` with its form, if the page offers it now (for its disclosure); else None."""
        self.asked = name
        match = TAKEDOWN_SLOT.fullmatch(name)
        if match:
            if not self.can_manage:
                return None
            takedown = Takedown.objects.current().filter(incident=self.incident, pk=int(match[1])).first()
            if takedown is None:
                return None
            in_checklist = [s for item in self.checklist() for s in item.slots if s.slot == name]
            return in_checklist[0] if in_checklist else self._outcome_slot(takedown, shown=True)
        checklist = self.checklist()
        for slot in [s for item in checklist for s in item.slots] + self.other_slots(checklist):
            if slot.slot == name:
                return slot
        return None
