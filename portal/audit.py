from django.db.models import Q

from .access import access_for
from .models import AuditEvent, Membership, Role


def audit_record(*, actor, action, obj=None, object_type="", object_id="", board=None, **detail):
    """Write one audit event for a sensitive action on ``obj`` (or on a named thing, like a register).

    ``detail`` holds ids, codes and flags, never free text typed about a case or a person (a reason, a note): audit
    events cannot be changed, so such text would outlive retention. The text stays on its record, whose history
    shows it and which retention anonymises."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        board=board,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else str(object_id),
        detail=detail,
    )


def audit_events_visible_to(*, user, filters=None):
    """Events of the boards the user administers or is the FG of, including those of their board's people
    that name no board."""
    access = access_for(user)
    boards = access.board_ids[Role.ADMIN] | access.privacy_board_ids
    people = Membership.objects.filter(board_id__in=boards).values("user_id")
    events = AuditEvent.objects.filter(Q(board_id__in=boards) | Q(board__isnull=True, actor_id__in=people)).select_related("actor")
    filters = filters or {}
    if filters.get("action"):
        events = events.filter(action__icontains=filters["action"])
    if filters.get("actor"):
        events = events.filter(Q(actor__email__icontains=filters["actor"]) | Q(actor__last_name__icontains=filters["actor"]))
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    if filters.get("date_from"):
        events = events.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(at__date__lte=filters["date_to"])
    return events.order_by("-at", "-pk")
