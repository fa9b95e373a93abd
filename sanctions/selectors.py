"""Reads for dossiers and sanctions, scoped to the user's schools and board."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Involvement, PoliceReport
from portal.access import access_for
from portal.models import Person

from .models import Correspondence, LviReport, Measure, Sanction


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


def dossier_access_any(*, user):
    return access_for(user).opens_dossiers


def _require_dossier_role(user):
    if not dossier_access_any(user=user):
        raise PermissionDenied(_("Dossiers are for school leaders, the board and administrators."))


def person_list_visible_to(*, user, query="", kind=""):
    _require_dossier_role(user)
    people = Person.objects.filter(dossier_scope_q(user=user)).select_related("school")
    if kind:
        people = people.filter(kind=kind)
    return people.matching(query).order_by("last_name", "first_name", "pk")


def person_get_visible(*, user, pk):
    _require_dossier_role(user)
    return get_object_or_404(Person.objects.filter(dossier_scope_q(user=user)).select_related("school__board"), pk=pk)


def sanction_get_visible(*, user, pk):
    _require_dossier_role(user)
    return get_object_or_404(
        Sanction.objects.filter(dossier_scope_q(user=user)).select_related(
            "person", "school__board", "incident", "proposed_by", "decided_by", "guardians_contacted_by",
        ),
        pk=pk,
    )


def lvi_report_get_visible(*, user, pk):
    _require_dossier_role(user)
    return get_object_or_404(
        LviReport.objects.filter(dossier_scope_q(user=user)).select_related("person", "school", "incident", "staff_told_by", "reported_by"),
        pk=pk,
    )


def correspondence_get_visible(*, user, token):
    _require_dossier_role(user)
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
    """Earlier sanctions of the same person, shown when deciding (repeat behaviour)."""
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
        "person", "incident", "proposed_by", "decided_by", "school__board"
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
    _require_dossier_role(user)
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
    _require_dossier_role(user)
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
