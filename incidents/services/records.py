"""The records of the seven steps: adding them, correcting or withdrawing them (never erasing), takedown outcomes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import has_perm

from portal.audit import audit_record
from portal.files import atomic_with_files
from portal.protocols import protocol_rules
from portal.uploads import upload_check

from ..imagery import check_no_files
from ..models import (
    Action, ActionKind, Assignment, AssignmentKind, Audience, CaseEventKind, Involvement, InvolvementRole, Message,
    Takedown, TakedownOutcome, event_value,
)
from ..notifications import notify
from ..selectors import incident_assignable_users
from .base import _lock, _require, _store_evidence, case_event_record, _required_reason


def evidence_add(*, incident, actor, files=(), links=(), description="", minor_nudity=False):
    """Add screenshots, documents or links to a case. With the box "a nude image of a minor" ticked, or on a sexting
    case, files are refused (incidents/imagery.py): before any file is read."""
    if not files and not links:
        raise ValidationError(_("Add a file or a link."))
    check_no_files(files, minor_nudity=minor_nudity, incident=incident)
    uploads = [upload_check(f) for f in files]
    with atomic_with_files():
        locked = _lock(incident)
        _require(actor, "incidents.add_evidence", locked)
        return _store_evidence(incident=locked, actor=actor, uploads=uploads, links=links, description=description,
                               minor_nudity=minor_nudity)


def _check_message(*, incident, message):
    if message.audience != Audience.INTERNAL:
        has_internal = Message.objects.current().filter(
            incident=incident, audience=Audience.INTERNAL, sent_at__lte=message.sent_at
        ).exists()
        if not has_internal:
            raise ValidationError({"audience": _("Communicate internally first: log the internal message before any external one.")})
    if message.audience in (Audience.EXTERNAL, Audience.PRESS):
        if message.approved_by is None:
            raise ValidationError({"approved_by": _("External messages and press statements are made or approved by the spokesperson (the board).")})
        if not has_perm("incidents.speak_for_board", message.approved_by, incident):
            raise ValidationError({"approved_by": _("The spokesperson is a board member of this board.")})


def incident_add_record(*, incident, actor, record):
    """Add one record (person, action, police report, harmful post, informed party, message, evaluation, ...)."""
    with transaction.atomic():
        locked = _lock(incident)
        _require(actor, "incidents.manage_incident", locked)
        record.incident = locked
        record.created_by = actor
        record.step = locked.state
        _check_record(incident=locked, record=record)
        if isinstance(record, Takedown) and record.outcome != TakedownOutcome.PENDING:
            record.outcome_at = timezone.now()
        _save_checked(record)
        _notify_for_record(locked, record)
    return record


def _check_record(*, incident, record):
    """The rules a record must meet beyond its fields, when it is logged and when it is corrected."""
    if isinstance(record, Message):
        _check_message(incident=incident, message=record)
    if isinstance(record, Assignment) and not incident_assignable_users(incident=incident).filter(pk=record.user_id).exists():
        raise ValidationError({"user": _("Only someone of the case's school can be asked: a staff member, school leader, counsellor or communications officer.")})
    if isinstance(record, Involvement) and record.person.school_id != incident.school_id:
        raise ValidationError({"person": _("Only a person of the case's school can be linked to the case.")})
    if isinstance(record, Takedown) and record.outcome != TakedownOutcome.PENDING:
        _check_takedown_outcome(record)


def _save_checked(record):
    record.full_clean(exclude=["incident", "created_by"])
    try:
        with transaction.atomic():  # the unique constraints (same person, same role) are checked here
            record.save()
    except IntegrityError:
        raise ValidationError(_("This has already been recorded on the case."))


def _lock_record(*, record, actor):
    """Lock the case and the record; only a school leader of the case's school corrects or withdraws, also
    after the case was closed (a correction under AVG art. 16 may come later)."""
    locked = _lock(record.incident)
    _require(actor, "incidents.correct_record", locked)
    current = type(record).objects.select_for_update().get(pk=record.pk, incident=locked)
    if current.is_withdrawn:
        raise ValidationError(_("This record has been withdrawn; it can no longer be changed."))
    return locked, current


def record_withdraw(*, record, actor, reason):
    """Withdraw a record logged on the case (a person linked by mistake, a wrong police report, ...). It stays
    in the history and the timeline, struck through, but no longer counts anywhere."""
    reason = _required_reason(reason, _("Give the reason for withdrawing this record."))
    with transaction.atomic():
        locked, current = _lock_record(record=record, actor=actor)
        if isinstance(current, Involvement):
            _check_no_sanction_rests_on(incident=locked, involvement=current)
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = actor
        current.withdrawal_reason = reason
        current._change_reason = reason
        current._history_user = actor
        current.save()
        case_event_record(incident=locked, actor=actor, kind=CaseEventKind.RECORD_WITHDRAWN, record=current, reason=reason)
        audit_record(actor=actor, action="record.withdraw", obj=current, board=locked.school.board,
                     incident=locked.pk)
    return current


def _check_no_sanction_rests_on(*, incident, involvement):
    """A person's link to the case is not withdrawn while a proposed or decided sanction on this case rests on it."""
    if incident.involvements.current().filter(person_id=involvement.person_id).exclude(pk=involvement.pk).exists():
        return  # still linked in another role
    sanctions = list(incident.sanctions.filter(person_id=involvement.person_id, status__in=("proposed", "decided"))
                     .order_by("proposed_at"))
    if sanctions:
        raise ValidationError(_(
            "%(person)s has a sanction on this case: %(sanctions)s. Deal with it first: a proposal is rejected by the "
            "board; a decided sanction must first be dealt with in the person's dossier. Then withdraw this involvement.") % {"person": involvement.person, "sanctions": ", ".join(
                f"{s.measure_label} ({s.get_status_display()})" for s in sanctions)})


def record_correct(*, record, actor, reason, **fields):
    """Correct fields of a record. The old values stay in its history and in the timeline's event."""
    not_correctable = sorted(set(fields) - set(type(record).correctable_fields))
    if not_correctable:
        raise ValidationError(_("These fields cannot be corrected: %(fields)s. Withdraw the record and record it anew.")
                              % {"fields": ", ".join(not_correctable)})
    reason = _required_reason(reason, _("Give the reason for this correction."))
    with transaction.atomic():
        locked, current = _lock_record(record=record, actor=actor)
        changes = {}
        for name, value in fields.items():
            before = event_value(current, name)
            setattr(current, name, value)
            after = event_value(current, name)
            if before != after:
                changes[name] = [before, after]
        if not changes:
            raise ValidationError(_("Nothing was changed. Change a field, or leave the record as it is."))
        _check_record(incident=locked, record=current)
        current._change_reason = reason
        current._history_user = actor
        _save_checked(current)
        case_event_record(incident=locked, actor=actor, kind=CaseEventKind.RECORD_CORRECTED, record=current,
                          changes=changes, reason=reason)
        audit_record(actor=actor, action="record.correct", obj=current, board=locked.school.board,
                     incident=locked.pk, fields=sorted(changes))
    return current


def _notify_for_record(incident, record):
    if isinstance(record, Action) and record.kind == ActionKind.AFTERCARE:
        notify("aftercare_arranged", incident=incident, dedupe="aftercare")
    elif isinstance(record, Assignment) and record.kind == AssignmentKind.AFTERCARE:
        notify("aftercare_arranged", incident=incident, dedupe="aftercare")
    elif isinstance(record, Assignment) and record.kind == AssignmentKind.COMMUNICATION:
        notify("communication_started", incident=incident, dedupe="communication")
    elif (isinstance(record, Involvement) and record.role == InvolvementRole.PERPETRATOR and record.person.kind == "staff"
          and protocol_rules(incident.school.board).lvi_report):
        notify("staff_perpetrator", incident=incident, dedupe=f"perpetrator-{record.person_id}")


def _check_takedown_outcome(takedown):
    if takedown.outcome == TakedownOutcome.NOT_POSSIBLE and not takedown.outcome_reason.strip():
        raise ValidationError({"outcome_reason": _("Explain why removal is not possible.")})


def takedown_resolve(*, takedown, actor, outcome, reason=""):
    """Record what happened to a harmful post: removed, removal requested, or not possible (with reason)."""
    with transaction.atomic():
        locked = _lock(takedown.incident)
        _require(actor, "incidents.manage_incident", locked)
        takedown = Takedown.objects.select_for_update().get(pk=takedown.pk, incident=locked)
        if takedown.is_withdrawn:
            raise ValidationError(_("This record has been withdrawn; it can no longer be changed."))
        before = {"outcome": takedown.outcome, "outcome_reason": takedown.outcome_reason}
        takedown.outcome = outcome
        takedown.outcome_reason = reason
        if before == {"outcome": takedown.outcome, "outcome_reason": takedown.outcome_reason}:
            raise ValidationError({"outcome": _("This outcome has already been recorded.")})
        _check_takedown_outcome(takedown)
        takedown.outcome_at = timezone.now()
        takedown._history_user = actor
        takedown.save()
        # Its own event: the post's first entry on the timeline keeps the outcome it was logged with.
        case_event_record(incident=locked, actor=actor, kind=CaseEventKind.TAKEDOWN_OUTCOME, record=takedown, changes={
            name: [old, getattr(takedown, name)] for name, old in before.items() if old != getattr(takedown, name)
        })
    return takedown
