from .models import AuditEvent


def audit_record(*, actor, action, obj, board=None, **detail):
    """Write one audit event for a sensitive action on ``obj``."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        board=board,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail,
    )
