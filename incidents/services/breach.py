"""The FG's data-breach review (AVG art. 33/34) and its events on the case's timeline."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import has_perm

from portal.audit import audit_record

from ..models import BreachAssessment, CaseEventKind, event_value
from .base import _lock, case_event_record


def breach_assess(*, incident, actor, risk, risk_reasoning, data_description="", data_subjects="",
                  ap_notified_at=None, ap_reference="", subjects_informed_at=None, subjects_informed_how=""):
    """The FG's decision on a privacy incident: the risk, and the reports to the AP and the data subjects."""
    from ..models import BREACH_REPORTABLE

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
        _refuse_told_before_discovery(assessment.discovered_at, ap_notified_at=ap_notified_at,
                                      subjects_informed_at=subjects_informed_at)
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


def _refuse_told_before_discovery(discovered_at, **told):
    """Nobody is told of a breach before it was discovered. The form gives minutes: the minute of discovery counts."""
    first_minute = discovered_at.replace(second=0, microsecond=0)
    messages = {
        "ap_notified_at": _("The breach cannot have been reported to the AP before it was discovered (%(discovered)s). "
                            "Check the time."),
        "subjects_informed_at": _("The data subjects cannot have been informed before the breach was discovered "
                                  "(%(discovered)s). Check the time."),
    }
    discovered = timezone.localtime(discovered_at).strftime("%d-%m-%Y %H:%M")  # as the decision letter's check says it
    errors = {field: messages[field] % {"discovered": discovered}
              for field, moment in told.items() if moment is not None and moment < first_minute}
    if errors:
        raise ValidationError(errors)


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
