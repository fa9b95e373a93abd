"""Statistics for school leaders and the board: counts, time per step, share reaching each step.

Everything is aggregated in the database; the only rows that come back one by one are the step
durations, as (step, seconds) pairs, for the medians.
"""

import hashlib
import hmac
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import Lead, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import access_for
from portal.exports import Column, RegisterExport, choice_label, yes_no

from .models import Category, Incident, Platform, Transition
from .workflow import STEPS, State


def statistics_scope_q(*, user):
    """School leaders count their schools; board members and administrators their board."""
    access = access_for(user)
    q = Q(pk__in=[])
    if access.led_school_ids:
        q |= Q(school_id__in=access.led_school_ids)
    boards = access.board_ids["board"] | access.board_ids["admin"]
    if boards:
        q |= Q(school__board_id__in=boards)
    return q


def incidents_for_statistics(*, user, filters=None):
    filters = filters or {}
    qs = Incident.objects.filter(statistics_scope_q(user=user))
    if filters.get("date_from"):
        qs = qs.filter(reported_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(reported_at__date__lte=filters["date_to"])
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    return qs


@dataclass
class StepFigure:
    state: str
    label: str
    reached: int
    share: float
    median_hours: float | None


def _counts(qs, field, labels):
    rows = qs.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
    return [(str(labels.get(row[field], row[field])), row["n"]) for row in rows]


def _step_durations(qs):
    """Seconds spent in each step, for every step a case has left."""
    durations = {state: [] for state in STEPS}
    first_moves = qs.order_by().annotate(first_move=Min("transitions__at")).values_list("reported_at", "first_move")
    durations[State.REPORTED] = [(moved - reported).total_seconds() for reported, moved in first_moves if moved]
    moves = (
        Transition.objects.filter(incident__in=qs.values("pk"))
        .annotate(left_at=Window(Lead("at"), partition_by=[F("incident_id")], order_by=[F("at").asc(), F("pk").asc()]))
        .values_list("target", "at", "left_at")
    )
    for target, entered, left in moves.iterator(chunk_size=5000):
        if left is not None and target in durations:
            durations[target].append((left - entered).total_seconds())
    return durations


def incident_statistics(*, user, filters=None):
    qs = incidents_for_statistics(user=user, filters=filters)
    total = qs.count()
    per_month = [
        (row["month"].strftime("%Y-%m"), row["n"])
        for row in qs.order_by().annotate(month=TruncMonth("reported_at")).values("month").annotate(n=Count("pk")).order_by("month")
    ]
    reached_rows = (
        Transition.objects.filter(incident__in=qs.values("pk")).order_by().values("target")
        .annotate(n=Count("incident_id", distinct=True))
    )
    reached = {row["target"]: row["n"] for row in reached_rows}
    reached[State.REPORTED] = total
    durations = _step_durations(qs)
    steps = [
        StepFigure(
            state=state, label=str(state.label), reached=reached.get(state, 0),
            share=(reached.get(state, 0) / total) if total else 0.0,
            median_hours=round(statistics.median(durations[state]) / 3600, 1) if durations[state] else None,
        )
        for state in STEPS
    ]
    return {
        "total": total,
        "per_month": per_month,
        "per_category": _counts(qs, "category", dict(Category.choices)),
        "per_platform": _counts(qs, "platform", dict(Platform.choices)),
        "per_school": _counts(qs, "school__name", {}),
        "steps": steps,
        "closed": reached.get(State.CLOSED, 0),
    }


def pseudonym(incident_id):
    """A stable code for a case that cannot be traced back without the site's secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"incident:{incident_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:12]


PSEUDONYMISED_COLUMNS = [
    Column(_("Case (pseudonym)"), lambda i: pseudonym(i.pk)),
    Column(_("School"), lambda i: i.school.name),
    Column(_("Month"), lambda i: timezone.localtime(i.reported_at).strftime("%Y-%m")),
    Column(_("Category"), choice_label("category")),
    Column(_("Platform"), choice_label("platform")),
    Column(_("Severity"), choice_label("severity")),
    Column(_("Privacy incident"), yes_no("privacy_flag")),
    Column(_("Step"), choice_label("state")),
    Column(_("Decision"), choice_label("decision")),
]


def statistics_register(*, user, params):
    from .forms import StatisticsFilterForm

    form = StatisticsFilterForm(params or None, schools=access_for(user).filter_schools())
    filters = form.filters()
    rows = incidents_for_statistics(user=user, filters=filters).select_related("school").order_by("reported_at", "pk")
    return RegisterExport(name="statistics", rows=rows, columns=PSEUDONYMISED_COLUMNS,
                          filename="statistiek-gepseudonimiseerd", title=_("Statistics"), filters=filters, form=form)
