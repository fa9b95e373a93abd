from .models import AuditEvent


def audit_record(*, actor, action, obj=None, object_type="", object_id="", board=None, **detail):
    """Write one audit event for a sensitive action on ``obj`` (or on a named thing, like a register)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        board=board,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else str(object_id),
        detail=detail,
    )
