"""The FG's breach queue, the breach register and the overdue count."""

from django.shortcuts import get_object_or_404
from rules import has_perm

from portal.access import access_for

from ..models import Incident


def breach_incident_get_visible(*, user, pk):
    """A privacy case of a board the user is the FG of (its review page), or a 404."""
    return get_object_or_404(
        Incident.objects.filter(privacy_flag=True, school__board_id__in=access_for(user).privacy_board_ids).select_related(
            "school__board", "reporter", "decided_by", "protocol_version__profile"
        ),
        pk=pk,
    )


def breach_register_board_ids(*, user):
    """The boards whose breach register the user keeps: those of their boards the permission allows."""
    from portal.models import Board

    boards = set().union(*access_for(user).board_ids.values())
    return {pk for pk in boards if has_perm("incidents.view_breach_register", user, Board(pk=pk))}


def breach_list_visible_to(*, user, filters=None):
    """The breach register rows a user may see: the whole board of each register they keep."""
    from ..models import BreachAssessment

    boards = breach_register_board_ids(user=user)
    qs = BreachAssessment.objects.filter(incident__school__board_id__in=boards).select_related("incident__school", "decided_by")
    filters = filters or {}
    if filters.get("school"):
        qs = qs.filter(incident__school=filters["school"])
    if filters.get("risk"):
        qs = qs.filter(risk=filters["risk"])
    if filters.get("year"):
        qs = qs.filter(discovered_at__year=filters["year"])
    status = filters.get("status")
    if status == "open":
        qs = qs.ap_decision_open()
    elif status == "overdue":
        qs = qs.overdue()
    elif status == "decided":
        qs = qs.exclude(pk__in=qs.ap_decision_open().values("pk"))
    return qs.order_by(filters.get("order") or "discovered_at", "pk")


def breach_queue_for(*, user):
    """The FG's work list: open privacy reviews of their boards, the nearest deadline first."""
    from ..models import BreachAssessment

    boards = access_for(user).privacy_board_ids
    return (
        BreachAssessment.objects.ap_decision_open()
        .filter(incident__school__board_id__in=boards)
        .select_related("incident__school")
        .order_by("discovered_at", "pk")
    )


def breach_overdue_count(*, user):
    from ..models import BreachAssessment

    return BreachAssessment.objects.overdue().filter(incident__school__board_id__in=access_for(user).privacy_board_ids).count()
