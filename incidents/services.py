"""Writes. Each one checks who may do it, takes the case's row lock, and leaves nothing half-written."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from rules import has_perm

from portal.audit import audit_record
from portal.files import atomic_with_files, field_file_save, stored_file_delete_on_commit
from portal.oncommit import delay_now, delay_on_commit
from portal.protocols import protocol_rules
from portal.uploads import reencode_image, upload_check

from . import workflow
from .models import (
    Action, ActionKind, Assignment, AssignmentKind, Audience, BreachAssessment, CaseEvent, CaseEventKind,
    Evidence, Incident, Involvement, InvolvementRole, Message, Takedown, TakedownOutcome, Transition, event_value,
    private_storage,
)
from .notifications import notify
from .selectors import incident_assignable_users


def _lock(incident):
    """Re-read the case under a row lock so concurrent writers queue instead of overwriting each other."""
    return Incident.objects.select_for_update(of=("self",)).select_related("school__board").get(pk=incident.pk)


def _require(user, perm, incident):
    if not has_perm(perm, user, incident):
        raise PermissionDenied(_("You may not do this on this case."))


def _store_evidence(*, incident, actor, uploads=(), links=(), description=""):
    """Store checked uploads (inside the caller's atomic_with_files: a rollback deletes them again). Images are
    re-encoded by a worker after commit (the request stays fast); until then they are marked unprocessed and
    never served."""
    stored = []
    to_process = []
    for upload in uploads:
        evidence = Evidence(
            incident=incident, created_by=actor, step=incident.state, description=description,
            content_type=upload.content_type, original_name=upload.original_name, size=upload.size,
            processed=not upload.needs_reencode,
        )
        field_file_save(evidence.file, upload.content.name, upload.content)
        stored.append(evidence)
        evidence.save()
        if not evidence.processed:
            to_process.append(evidence.pk)
    for url in links:
        _validate_link(url)
        Evidence.objects.create(incident=incident, created_by=actor, step=incident.state, url=url, description=description)
    if to_process:
        from .tasks import process_evidence

        delay_on_commit(process_evidence, to_process)
    return stored


def _validate_link(url):
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"links": _("Only web links (http or https) can be added.")})


def incident_report(*, school, reporter, platform, category, description, privacy_flag=False,
                    occurred_at=None, discovered_at=None, files=(), links=()):
    """A staff member reports an incident at one of their schools, with screenshots and links."""
    if not has_perm("incidents.report_incident", reporter, school):
        raise PermissionDenied(_("You can only report incidents for your own school."))
    if occurred_at and discovered_at and discovered_at < occurred_at:
        raise ValidationError({"discovered_at": _("It cannot have been discovered before it happened.")})
    uploads = [upload_check(f) for f in files]  # all checked before anything is written
    with atomic_with_files():
        incident = Incident.objects.create(
            school=school, reporter=reporter, platform=platform, category=category, description=description,
            privacy_flag=privacy_flag or category == "data_breach", occurred_at=occurred_at,
            discovered_at=discovered_at or timezone.now(), protocol_version_id=school.board.protocol_id,
        )
        _store_evidence(incident=incident, actor=reporter, uploads=uploads, links=links)
        notify("incident_reported", incident=incident)
        if incident.privacy_flag:
            _breach_review_open(incident)
    return incident


def _breach_review_open(incident):
    """A privacy incident opens the FG's review and starts the 72-hour clock from discovery. When the 72 hours
    have already passed, the FG's first message says so (and is the one "term passed" message of the case)."""
    from .notifications import BREACH_OVERDUE_DEDUPE

    assessment, created = BreachAssessment.objects.get_or_create(
        incident=incident, defaults={"discovered_at": incident.discovered_at}
    )
    if created:
        incident.breach_assessment = assessment
        if assessment.is_overdue:
            notify("breach_overdue", incident=incident, dedupe=BREACH_OVERDUE_DEDUPE)
        else:
            notify("privacy_reported", incident=incident)
    return assessment


def incident_available_transitions(*, incident, user, missing=None):
    """The step changes this user may take from the current step: (name, label, needs_reason, blocked_by).

    ``missing`` is ``workflow.missing_work(incident)`` when the caller already has it."""
    if not workflow.may_transition(incident, user):
        return []
    return [
        (change.name, change.label, change.needs_reason, workflow.transition_blockers(incident, change.name, missing=missing))
        for change in workflow.TRANSITIONS
        if can_proceed(getattr(incident, change.name), check_conditions=False)
    ]


def incident_advance(*, incident, transition, actor, note=""):
    """Move the case to its next step (or dismiss/reopen it), logging who, when and why."""
    change = workflow.TRANSITIONS_BY_NAME.get(transition)
    if change is None:
        raise ValidationError(_("Unknown step change."))
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(incident)
        if not workflow.may_transition(locked, actor):
            raise PermissionDenied(_("Only the school leader of this school can move the case to another step."))
        method = getattr(locked, transition)
        if not can_proceed(method, check_conditions=False):
            raise ValidationError(
                _("This case is now in step “%(state)s”; this step change is no longer possible. Reload the page.")
                % {"state": locked.get_state_display()}
            )
        if change.needs_reason and not note:
            raise ValidationError({"note": _("Give the reason for this step change.")})
        if not can_proceed(method):  # the transition's condition: nothing in the table's guard blocks it
            raise ValidationError(workflow.transition_blockers(locked, transition))
        source = locked.state
        method()
        locked.state_changed_at = timezone.now()
        locked._change_reason = ""
        locked.save()
        Transition.objects.create(incident=locked, name=transition, source=source, target=locked.state, actor=actor, note=note)
        if locked.state == workflow.State.COMMUNICATING:
            notify("communication_started", incident=locked, dedupe="communication")
        audit_record(actor=actor, action="incident.transition", obj=locked, board=locked.school.board,
                     transition=transition, source=source, target=locked.state)
    incident.refresh_from_db()
    return locked


def _update_fields(*, incident, actor, reason, only_in_state=None, refusal="", **fields):
    with transaction.atomic():
        locked = _lock(incident)
        _require(actor, "incidents.manage_incident", locked)
        if only_in_state and locked.state != only_in_state:
            raise ValidationError(refusal)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked._change_reason = reason
        locked.save()
    incident.refresh_from_db()
    return locked


def incident_triage(*, incident, actor, severity, category, privacy_flag):
    """Step 1: the school leader judges the severity (and may correct the category or privacy flag).

    A privacy flag that opened the FG's review stays: the review is the FG's, and only the FG concludes it
    (also as "no data breach"). Clearing the flag would take the case away from the FG."""
    privacy_flag = privacy_flag or category == "data_breach"
    with transaction.atomic():
        _require(actor, "incidents.manage_incident", _lock(incident))  # the flag is judged against the review as it is now
        if not privacy_flag and BreachAssessment.objects.filter(incident_id=incident.pk).exists():
            from .notifications import privacy_officer_names

            raise ValidationError({"privacy_flag": _(
                "The privacy officer (FG) — %(names)s — reviews this case as a possible data breach, so it stays a "
                "privacy incident. If it is no data breach, ask the FG to conclude the review that way."
            ) % {"names": privacy_officer_names(incident.school)}})
        updated = _update_fields(incident=incident, actor=actor, reason="triage", severity=severity, category=category,
                                 privacy_flag=privacy_flag)
        if updated.privacy_flag:
            _breach_review_open(updated)
    return updated


def incident_record_facts(*, incident, actor, facts_account):
    return _update_fields(incident=incident, actor=actor, reason="facts", facts_account=facts_account)


def incident_decide(*, incident, actor, decision, victim_type="", reasoning=""):
    """Step 3: is this a criminal offence? For a criminal offence the victim type decides what follows."""
    if decision == "criminal" and not victim_type:
        raise ValidationError({"victim_type": _("Choose who the victim is: a pupil, a staff member or the school.")})
    with transaction.atomic():
        updated = _update_fields(
            incident=incident, actor=actor, reason="decision",
            only_in_state=workflow.State.ASSESSING,
            refusal=_("The decision on criminality is made in step 3; the case is in another step now."),
            decision=decision,
            victim_type=victim_type if decision == "criminal" else "", decision_reasoning=reasoning,
            decided_by=actor, decided_at=timezone.now(),
        )
        if decision in ("criminal", "possibly_criminal"):
            notify("offence_suspected", incident=updated, dedupe="offence")
    return updated


def evidence_add(*, incident, actor, files=(), links=(), description=""):
    if not files and not links:
        raise ValidationError(_("Add a file or a link."))
    uploads = [upload_check(f) for f in files]
    with atomic_with_files():
        locked = _lock(incident)
        _require(actor, "incidents.add_evidence", locked)
        return _store_evidence(incident=locked, actor=actor, uploads=uploads, links=links, description=description)


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


def case_event_record(*, incident, actor, kind, record=None, changes=None, reason=""):
    """Append one event to the case's timeline. Called by the service that makes the change, in its transaction,
    after it has checked who may make it."""
    return CaseEvent.objects.create(
        incident=incident, actor=actor, kind=kind, changes=changes or {}, reason=reason,
        record_type=record._meta.model_name if record is not None else "",
        record_id=record.pk if record is not None else None,
    )


def _lock_record(*, record, actor):
    """Lock the case and the record; only a school leader of the case's school corrects or withdraws, also
    after the case was closed (a correction under AVG art. 16 may come later)."""
    locked = _lock(record.incident)
    _require(actor, "incidents.correct_record", locked)
    current = type(record).objects.select_for_update().get(pk=record.pk, incident=locked)
    if current.is_withdrawn:
        raise ValidationError(_("This record has been withdrawn; it can no longer be changed."))
    return locked, current


def _required_reason(reason, message):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def record_withdraw(*, record, actor, reason):
    """Withdraw a record logged on the case (a person linked by mistake, a wrong police report, ...). It stays
    in the history and the timeline, struck through, but no longer counts anywhere."""
    reason = _required_reason(reason, _("Give the reason for withdrawing this record."))
    with transaction.atomic():
        locked, current = _lock_record(record=record, actor=actor)
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = actor
        current.withdrawal_reason = reason
        current._change_reason = reason
        current._history_user = actor
        current.save()
        case_event_record(incident=locked, actor=actor, kind=CaseEventKind.RECORD_WITHDRAWN, record=current, reason=reason)
        audit_record(actor=actor, action="record.withdraw", obj=current, board=locked.school.board,
                     incident=locked.pk, reason=reason)
    return current


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


def incident_view_logged(*, incident, actor):
    """Opening a case is itself a sensitive action: it is written to the audit log."""
    audit_record(actor=actor, action="incident.view", obj=incident, board=incident.school.board)


def breach_assess(*, incident, actor, risk, risk_reasoning, data_description="", data_subjects="",
                  ap_notified_at=None, ap_reference="", subjects_informed_at=None, subjects_informed_how=""):
    """The FG's decision on a privacy incident: the risk, and the reports to the AP and the data subjects."""
    from .models import BREACH_REPORTABLE

    errors = {}
    if not risk:
        errors["risk"] = _("Choose the risk for the data subjects.")
    if not (risk_reasoning or "").strip():
        errors["risk_reasoning"] = _("Explain how you reached this assessment.")
    if risk and risk not in BREACH_REPORTABLE and (ap_notified_at or ap_reference):
        errors["ap_notified_at"] = _("Without risk the breach is not reported to the AP; clear the AP fields or change the risk.")
    if ap_notified_at and not ap_reference.strip():
        errors["ap_reference"] = _("Enter the reference the AP gave to the report.")
    if ap_reference.strip() and not ap_notified_at:
        errors["ap_notified_at"] = _("Enter when the breach was reported to the AP.")
    if subjects_informed_at and not subjects_informed_how.strip():
        errors["subjects_informed_how"] = _("Describe how the data subjects were informed.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(incident)
        if not has_perm("incidents.assess_breach", actor, locked):
            raise PermissionDenied(_("Only the privacy officer (FG) of this board assesses data breaches."))
        assessment = BreachAssessment.objects.select_for_update().filter(incident=locked).first()
        if assessment is None:
            assessment = BreachAssessment(incident=locked, discovered_at=locked.discovered_at)
        before = _breach_review_facts(assessment)
        assessment.risk = risk
        assessment.risk_reasoning = risk_reasoning
        assessment.data_description = data_description
        assessment.data_subjects = data_subjects
        assessment.ap_notified_at = ap_notified_at if risk in BREACH_REPORTABLE else None
        assessment.ap_reference = ap_reference if risk in BREACH_REPORTABLE else ""
        assessment.subjects_informed_at = subjects_informed_at
        assessment.subjects_informed_how = subjects_informed_how
        assessment.decided_by = actor
        assessment.decided_at = timezone.now()
        assessment.save()
        _breach_review_events(incident=locked, actor=actor, assessment=assessment, before=before)
        audit_record(actor=actor, action="breach.assess", obj=locked, board=locked.school.board, risk=risk,
                     ap_notified=bool(assessment.ap_notified_at))
    return assessment


_BREACH_ASSESSMENT_FIELDS = ("risk", "risk_reasoning", "data_description", "data_subjects")
_BREACH_AP_FIELDS = ("ap_notified_at", "ap_reference")
_BREACH_SUBJECTS_FIELDS = ("subjects_informed_at", "subjects_informed_how")
# The FG's texts stay in the review (the FG's and the register's pages); the case's timeline, which everyone
# working on the case reads, says only that they changed.
_BREACH_TEXT_FIELDS = ("risk_reasoning", "data_description", "data_subjects", "subjects_informed_how")


def _breach_review_facts(assessment):
    facts = {name: event_value(assessment, name)
             for name in _BREACH_ASSESSMENT_FIELDS + _BREACH_AP_FIELDS + _BREACH_SUBJECTS_FIELDS}
    facts["decided"] = assessment.decided_at is not None
    facts["concluded"] = assessment.is_concluded
    return facts


def _breach_review_events(*, incident, actor, assessment, before):
    """The FG's review on the case's timeline: the assessment, the report to the AP, the data subjects informed
    and the conclusion, each an event when it is made or changed."""
    after = _breach_review_facts(assessment)

    def changed(names):
        return {name: [None, {"changed": True}] if name in _BREACH_TEXT_FIELDS else [before[name], after[name]]
                for name in names if before[name] != after[name]}

    assessed = changed(_BREACH_ASSESSMENT_FIELDS)
    if assessed or not before["decided"]:
        case_event_record(incident=incident, actor=actor, kind=CaseEventKind.BREACH_ASSESSED, record=assessment,
                          changes=assessed or {"risk": [before["risk"], after["risk"]]})
    for names, kind, done in ((_BREACH_AP_FIELDS, CaseEventKind.BREACH_AP_NOTIFIED, assessment.ap_notified_at),
                              (_BREACH_SUBJECTS_FIELDS, CaseEventKind.BREACH_SUBJECTS_INFORMED, assessment.subjects_informed_at)):
        if changed(names) and (done or any(before[name] for name in names)):
            case_event_record(incident=incident, actor=actor, kind=kind, record=assessment, changes=changed(names))
    if after["concluded"] and not before["concluded"]:
        case_event_record(incident=incident, actor=actor, kind=CaseEventKind.BREACH_CONCLUDED, record=assessment,
                          changes={"risk": [None, after["risk"]]})


def evidence_queue_processing(*, evidence_id):
    """Hand an uploaded image to a worker, in a message of its own; a broker failure leaves it for the sweeper."""
    from .tasks import process_evidence

    return delay_now(process_evidence, [evidence_id])


def evidence_process(*, evidence_id):
    """Re-encode an uploaded image (dropping EXIF/GPS and anything hidden in the file). Idempotent.

    The original is deleted only once the re-encoded copy and the record naming it are committed; if anything
    fails before, the copy is deleted again and the record still names the original, so a retry starts afresh."""
    with atomic_with_files():
        evidence = Evidence.objects.select_for_update().filter(pk=evidence_id, processed=False).first()
        if evidence is None:
            return False
        original = evidence.file.name
        with evidence.file.open("rb") as handle:
            data = handle.read()
        try:
            clean = reencode_image(data, evidence.content_type)
        except ValidationError as error:
            evidence.file = ""
            evidence.size = 0
            evidence.processing_error = " ".join(error.messages)[:300]
        else:
            # A new name (the storage never overwrites): the original stays whole until the commit.
            field_file_save(evidence.file, original.rsplit("/", 1)[-1], ContentFile(clean))
            evidence.size = len(clean)
        stored_file_delete_on_commit(private_storage(), original)
        evidence.processed = True
        evidence.save()
    return True


def evidence_requeue_unprocessed(*, older_than=None):
    """Queue again the images still unprocessed after a while (the broker was down, a worker died)."""
    older_than = older_than if older_than is not None else timezone.timedelta(minutes=2)
    ids = list(Evidence.objects.filter(processed=False, created_at__lt=timezone.now() - older_than)
               .values_list("pk", flat=True)[:500])
    for evidence_id in ids:
        evidence_queue_processing(evidence_id=evidence_id)
    return len(ids)
