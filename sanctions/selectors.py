"""Reads for dossiers and sanctions, scoped to the user's schools and board."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from incidents.models import Involvement, PoliceReport
from portal.access import access_for
from portal.models import Board, Person

from .models import (
    ClosedPeriod, Correspondence, DecisionLetter, Duty, Hearing, LegalKind, LviReport, Measure, Objection, Sanction,
    SanctionStatus,
)


DOSSIER_TITLES = {
    "pupil": gettext_lazy("Pupil dossier"),
    "staff": gettext_lazy("Staff dossier"),
    "guardian": gettext_lazy("Guardian dossier"),
}


def dossier_title(person):
    return DOSSIER_TITLES.get(person.kind, gettext_lazy("Dossier"))


def dossier_scope_q(*, user, prefix=""):
    """Dossiers are for school leaders (their schools), board members and administrators (their board)."""
    access = access_for(user)
    q = Q(pk__in=[])
    if access.led_school_ids:
        q |= Q(**{f"{prefix}school_id__in": access.led_school_ids})
    boards = access.board_ids["board"] | access.board_ids["admin"]
    if boards:
        q |= Q(**{f"{prefix}school__board_id__in": boards})
    return q


def person_list_visible_to(*, user, query="", kind=""):
    people = Person.objects.filter(dossier_scope_q(user=user)).select_related("school")
    if kind:
        people = people.filter(kind=kind)
    return people.matching(query).order_by("last_name", "first_name", "pk")


def person_get_visible(*, user, pk):
    return get_object_or_404(Person.objects.filter(dossier_scope_q(user=user)).select_related("school__board"), pk=pk)


def sanction_get_visible(*, user, pk):
    return get_object_or_404(
        Sanction.objects.filter(dossier_scope_q(user=user)).select_related(
            "person", "school__board", "incident", "proposed_by", "decided_by", "guardians_contacted_by",
        ),
        pk=pk,
    )


def lvi_report_get_visible(*, user, pk):
    return get_object_or_404(
        LviReport.objects.filter(dossier_scope_q(user=user)).select_related("person", "school", "incident", "staff_told_by", "reported_by"),
        pk=pk,
    )


def correspondence_get_visible(*, user, token):
    return get_object_or_404(
        Correspondence.objects.filter(dossier_scope_q(user=user, prefix="person__")).select_related("person__school__board"),
        token=token,
    )


def measures_for(*, person):
    """The catalogue that applies to this person: the board's own entries, or else the default ones."""
    board_id = person.school.board_id
    own = Measure.objects.filter(board_id=board_id, subject_kind=person.kind, active=True)
    if own.exists():
        return own
    return Measure.objects.filter(board__isnull=True, subject_kind=person.kind, active=True)


def prior_sanctions(*, person, exclude=None):
    """Earlier sanctions of the same person, shown when deciding (repeat behaviour). A tombstone has no person, so
    no earlier sanctions either."""
    if person is None:
        return Sanction.objects.none()
    qs = Sanction.objects.filter(person=person).select_related("person", "incident", "school__board").order_by("-proposed_at")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


@dataclass
class DossierEntry:
    at: datetime
    kind: str
    record: object


def dossier_entries(*, person):
    """Everything about the person in time order, newest first: incidents (with their role), sanctions,
    correspondence and LVI reports. A fixed number of queries, whatever the size of the dossier."""
    involvements = Involvement.objects.current().filter(person=person).select_related("incident__school")
    sanctions = Sanction.objects.filter(person=person).select_related(
        "person", "incident", "proposed_by", "decided_by", "school__board", "withdrawn_by",
    )
    letters = Correspondence.objects.filter(person=person).select_related("uploaded_by", "sanction")
    lvi = LviReport.objects.filter(person=person).select_related("staff_told_by", "reported_by", "incident")
    entries = [DossierEntry(i.incident.reported_at, "incident", i) for i in involvements]
    entries += [DossierEntry(s.decided_at or s.proposed_at, "sanction", s) for s in sanctions]
    entries += [DossierEntry(c.uploaded_at, "correspondence", c) for c in letters]
    entries += [DossierEntry(r.staff_told_at, "lvi", r) for r in lvi]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def police_report_list_visible_to(*, user, filters=None):
    """The register of police reports across cases, scoped like the cases themselves for leaders and board."""
    qs = PoliceReport.objects.current().filter(dossier_scope_q(user=user, prefix="incident__")).select_related(
        "incident__school", "created_by"
    )
    filters = filters or {}
    if filters.get("filed_by"):
        qs = qs.filter(filed_by=filters["filed_by"])
    if filters.get("school"):
        qs = qs.filter(incident__school=filters["school"])
    if filters.get("year"):
        qs = qs.filter(filed_at__year=filters["year"])
    return qs.order_by("-filed_at", "-pk")


def offences_without_police_contact(*, user):
    """Cases judged (possibly) criminal at boards whose protocol requires police on any suspicion,
    with neither a police report nor a police consultation recorded yet."""
    from incidents.models import Action, ActionKind, Incident

    return (
        Incident.objects.filter(dossier_scope_q(user=user))
        .filter(decision__in=["criminal", "possibly_criminal"], school__board__police_on_any_suspicion=True)
        .exclude(pk__in=PoliceReport.objects.current().values("incident_id"))
        .exclude(pk__in=Action.objects.current().filter(kind=ActionKind.POLICE_CONSULTATION).values("incident_id"))
        .select_related("school")
        .distinct()
        .order_by("-reported_at")
    )


def sanction_list_visible_to(*, user, filters=None):
    qs = Sanction.objects.filter(dossier_scope_q(user=user)).select_related(
        "person", "school__board", "incident", "proposed_by", "decided_by"
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(person__kind=filters["kind"])
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    if filters.get("year"):
        qs = qs.filter(proposed_at__year=filters["year"])
    return qs.order_by("-proposed_at", "-pk")


def sanction_records(*, sanction):
    """The records of one sanction for its page, each kind read once: hearings, decision letters, duties,
    objections (withdrawn ones included: the page shows them struck through)."""
    return {
        "hearings": list(Hearing.objects.filter(sanction=sanction).select_related("recorded_by", "withdrawn_by")),
        "decision_letters": list(DecisionLetter.objects.filter(sanction=sanction).select_related(
            "document", "made_by", "sent_recorded_by", "withdrawn_by")),
        "duties": list(Duty.objects.filter(sanction=sanction).select_related("done_by", "withdrawn_by")),
        "objections": list(Objection.objects.filter(sanction=sanction).select_related(
            "recorded_by", "outcome_by", "withdrawn_by")),
    }


@dataclass
class SanctionEvent:
    at: datetime
    actor: object
    what: str
    detail: str = ""
    withdrawn: bool = False


def sanction_history(*, sanction, records):
    """The sanction's own timeline, oldest first, built from its rows and its records (no query)."""
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _

    def day(value):
        return formats.date_format(value, "j b Y") if value else ""

    events = [SanctionEvent(sanction.proposed_at, sanction.proposed_by,
                            _("Proposed to the board") if sanction.board_decides else _("Imposed"))]
    if sanction.decided_at and sanction.board_decides:
        events.append(SanctionEvent(sanction.decided_at, sanction.decided_by,
                                    _("Rejected by the board") if sanction.status == SanctionStatus.REJECTED
                                    else _("Approved by the board"), sanction.board_reason))
    if sanction.guardians_contacted_at:
        events.append(SanctionEvent(sanction.guardians_contacted_at, sanction.guardians_contacted_by,
                                    _("Guardians contacted"), sanction.guardians_contacted_how))
    for hearing in records["hearings"]:
        events.append(SanctionEvent(hearing.held_at, hearing.recorded_by, _("Hearing"),
                                    ", ".join(str(p) for p in hearing.parties), hearing.is_withdrawn))
    for letter in records["decision_letters"]:
        events.append(SanctionEvent(letter.made_at, letter.made_by, _("Decision letter made"), letter.subject,
                                    letter.is_withdrawn))
        if letter.sent_at:
            events.append(SanctionEvent(letter.sent_at, letter.sent_recorded_by, _("Decision letter sent"),
                                        f"{letter.get_sent_how_display()}: {letter.sent_to}", letter.is_withdrawn))
    for duty in records["duties"]:
        events.append(SanctionEvent(duty.opened_at, None, _("Duty opened: report to the %(recipient)s by %(due)s") % {
            "recipient": duty.get_recipient_display(), "due": day(duty.due_on)}, "", duty.is_withdrawn))
        if duty.done_on:
            moment = timezone.make_aware(datetime.combine(duty.done_on, datetime.min.time()))
            events.append(SanctionEvent(moment, duty.done_by, _("Reported to the %(recipient)s") % {
                "recipient": duty.get_recipient_display()}, duty.reference, duty.is_withdrawn))
    if sanction.admitted_on:
        moment = timezone.make_aware(datetime.combine(sanction.admitted_on, datetime.min.time()))
        events.append(SanctionEvent(moment, sanction.admission_recorded_by, _("Admitted by another school"),
                                    sanction.admitted_by))
    for objection in records["objections"]:
        moment = timezone.make_aware(datetime.combine(objection.received_on, datetime.min.time()))
        events.append(SanctionEvent(moment, objection.recorded_by, _("Objection received"), objection.lodged_by,
                                    objection.is_withdrawn))
        if objection.outcome_on:
            moment = timezone.make_aware(datetime.combine(objection.outcome_on, datetime.min.time()))
            events.append(SanctionEvent(moment, objection.outcome_by, _("Decision on the objection"),
                                        objection.get_outcome_display(), objection.is_withdrawn))
    withdrawn = [r for kind in records.values() for r in kind if r.is_withdrawn]
    for record in withdrawn:
        events.append(SanctionEvent(record.withdrawn_at, record.withdrawn_by, _("Withdrawn: %(what)s") % {
            "what": record._meta.verbose_name}, record.withdrawal_reason))
    if sanction.is_withdrawn:
        events.append(SanctionEvent(sanction.withdrawn_at, sanction.withdrawn_by, _("Sanction withdrawn"),
                                    sanction.withdrawal_reason))
    events.sort(key=lambda e: e.at)
    return events


def duty_scope_q(*, user):
    return dossier_scope_q(user=user, prefix="sanction__")


def duty_list_visible_to(*, user, filters=None):
    """The register of duties to the Inspectie and the leerplichtambtenaar, scoped like every register."""
    from django.utils import timezone

    qs = Duty.objects.filter(duty_scope_q(user=user)).select_related(
        "school", "sanction__person", "done_by", "withdrawn_by")
    filters = filters or {}
    state = filters.get("state")
    if state == "open":
        qs = qs.current().filter(done_on__isnull=True)
    elif state == "overdue":
        qs = qs.current().filter(done_on__isnull=True, due_on__lt=timezone.localdate())
    elif state == "done":
        qs = qs.current().filter(done_on__isnull=False)
    elif state == "withdrawn":
        qs = qs.filter(withdrawn_at__isnull=False)
    if filters.get("recipient"):
        qs = qs.filter(recipient=filters["recipient"])
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    if filters.get("year"):
        qs = qs.filter(due_on__year=filters["year"])
    return qs.order_by("-due_on", "-pk")


def duty_get_visible(*, user, pk):
    return get_object_or_404(
        Duty.objects.filter(duty_scope_q(user=user)).select_related(
            "school__board", "sanction__person", "sanction__school__board", "done_by", "withdrawn_by"),
        pk=pk,
    )


def sanction_record_get_visible(*, user, model, pk):
    """A hearing, letter, duty or objection of a sanction the user sees; anything else is a 404."""
    return get_object_or_404(
        model.objects.filter(dossier_scope_q(user=user, prefix="sanction__")).select_related(
            "sanction__school__board", "sanction__person"),
        pk=pk,
    )


def open_duties_count(*, user):
    return Duty.objects.filter(duty_scope_q(user=user)).current().filter(done_on__isnull=True).count()


def duties_to_remind(*, on):
    """Open duties due tomorrow or earlier, of sanctions that still stand (a tombstone is not followed up)."""
    import datetime as dt

    return (Duty.objects.current().filter(done_on__isnull=True, due_on__lte=on + dt.timedelta(days=1),
                                          sanction__anonymised_at__isnull=True)
            .select_related("school__board", "sanction").order_by("pk"))


def removals_searching(*, on):
    """Approved removals without another school's admission yet (their eight-week search is running); not a
    tombstone."""
    return (Sanction.objects.filter(legal_kind=LegalKind.REMOVAL, status=SanctionStatus.DECIDED,
                                    admitted_on__isnull=True, decided_at__isnull=False, anonymised_at__isnull=True)
            .select_related("school__board").order_by("pk"))


def letter_templates_for(*, board):
    """Every kind of decision letter with the text the board uses now: its own, or the default."""
    from .letters import template_for
    from .models import LetterKind

    return [template_for(board=board, kind=kind) for kind in LetterKind.values]


def boards_served_by(*, user):
    """The boards the user belongs to, at any level (another board's letters page is a 404)."""
    from portal.models import Board

    return Board.objects.filter(pk__in=set().union(*access_for(user).board_ids.values()))


def closed_period_boards(*, user):
    """The boards whose closed periods the user keeps in the admin: those they administer. A superuser who
    administers no board (whoever runs the portal) keeps every board's."""
    administered = access_for(user).board_ids["admin"]
    if user.is_superuser and not administered:
        return Board.objects.all()
    return Board.objects.filter(pk__in=administered)


def closed_periods_kept_by(*, user):
    """The closed periods the user sees in the admin; another board's is not there (a 404)."""
    return ClosedPeriod.objects.filter(board__in=closed_period_boards(user=user)).select_related("board", "school")
