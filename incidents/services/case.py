"""The report, the step changes (django-fsm, table in workflow.py) and the case's own fields."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from rules import has_perm

from portal.audit import audit_record
from portal.files import atomic_with_files
from portal.uploads import upload_check

from .. import workflow
from ..imagery import check_no_files
from ..models import BreachAssessment, Incident, Transition
from ..notifications import notify
from .base import _lock, _require, _store_evidence
from .quarantine import quarantine_files_of_refusing_case


def incident_report(*, school, reporter, platform, category, description, privacy_flag=False,
                    occurred_at=None, discovered_at=None, files=(), links=(), minor_nudity=False):
    """A staff member reports an incident at one of their schools, with screenshots and links; a sexting report, or
    one about a nude image of a minor, with links and text only (incidents/imagery.py)."""
    if not has_perm("incidents.report_incident", reporter, school):
        raise PermissionDenied(_("You can only report incidents for your own school."))
    if occurred_at and discovered_at and discovered_at < occurred_at:
        raise ValidationError({"discovered_at": _("It cannot have been discovered before it happened.")})
    check_no_files(files, category=category, minor_nudity=minor_nudity)
    uploads = [upload_check(f) for f in files]  # all checked before anything is written
    with atomic_with_files():
        incident = Incident.objects.create(
            school=school, reporter=reporter, platform=platform, category=category, description=description,
            minor_nudity=bool(minor_nudity),
            privacy_flag=privacy_flag or category == "data_breach", occurred_at=occurred_at,
            discovered_at=discovered_at or timezone.now(), protocol_version_id=school.board.protocol_id,
        )
        _store_evidence(incident=incident, actor=reporter, uploads=uploads, links=links, minor_nudity=minor_nudity)
        notify("incident_reported", incident=incident)
        if incident.privacy_flag:
            _breach_review_open(incident)
    return incident


def _breach_review_open(incident):
    """A privacy incident opens the FG's review and starts the 72-hour clock from discovery. When the 72 hours
    have already passed, the FG's first message says so (and is the one "term passed" message of the case)."""
    from ..notifications import BREACH_OVERDUE_DEDUPE

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
        locked._history_user = actor  # who made the change, also outside a request (the API, a task)
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
            from ..notifications import privacy_officer_names

            raise ValidationError({"privacy_flag": _(
                "The privacy officer (FG) — %(names)s — reviews this case as a possible data breach, so it stays a "
                "privacy incident. If it is no data breach, ask the FG to conclude the review that way."
            ) % {"names": privacy_officer_names(incident.school)}})
        updated = _update_fields(incident=incident, actor=actor, reason="triage", severity=severity, category=category,
                                 privacy_flag=privacy_flag)
        if updated.privacy_flag:
            _breach_review_open(updated)
        quarantine_files_of_refusing_case(incident=updated, actor=actor)
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


def incident_view_logged(*, incident, actor):
    """Opening a case is itself a sensitive action: it is written to the audit log."""
    audit_record(actor=actor, action="incident.view", obj=incident, board=incident.school.board)
