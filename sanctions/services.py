"""Writes for sanctions, correspondence and LVI reports. Each checks authority first (004 rule 12)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from rules import has_perm

from incidents.notifications import notify
from incidents.models import CaseEventKind, event_value
from incidents.services import case_event_record
from portal.audit import audit_record
from portal.files import atomic_with_files, field_file_save
from portal.uploads import upload_clean
from portal.validators import refusals, validate_in_past

from .models import Correspondence, LviReport, Sanction
from .selectors import measures_for


def _store_letters(*, person, actor, uploads, description, sanction=None, incident=None):
    """Store letters inside the caller's atomic_with_files: a rollback deletes their files again."""
    stored = []
    for upload in uploads:
        clean = upload_clean(upload)
        letter = Correspondence(
            person=person, sanction=sanction, incident=incident, content_type=clean.content_type,
            original_name=clean.original_name, size=clean.size, description=description, uploaded_by=actor,
        )
        field_file_save(letter.file, clean.content.name, clean.content)
        stored.append(letter)
        letter.save()
    return stored


def _check_guardian_contact(person, contacted_at, how):
    errors = {}
    if contacted_at and person.kind != "pupil":
        errors["guardians_contacted_at"] = _("Guardians are contacted for pupils only.")
    if contacted_at and not (how or "").strip():
        errors["guardians_contacted_how"] = _("Record how the guardians were contacted.")
    if how and how.strip() and not contacted_at:
        errors["guardians_contacted_at"] = _("Record when the guardians were contacted.")
    errors.update(refusals(validate_in_past, guardians_contacted_at=contacted_at))
    return errors


def sanction_impose_refusal(*, actor, person, incident=None):
    """Why this actor cannot impose a sanction on this person (for this case), or None. The form's page asks it
    before showing the form; sanction_impose asks it again."""
    return _authority_refusal(actor=actor, person=person) or _incident_refusal(person=person, incident=incident)


def _authority_refusal(*, actor, person):
    if not has_perm("sanctions.impose", actor, person):
        return _("Only the school leader of this school or the board can impose sanctions.")
    return None


def _incident_refusal(*, person, incident):
    if incident is None:
        return None
    if incident.school_id != person.school_id:
        return _("This incident belongs to another school.")
    if not incident.involvements.current().filter(person_id=person.pk).exists():
        return _("%(person)s is not (or no longer) linked to case %(case)s: a sanction for this case is only for a "
                 "person involved in it. Link the person to the case first, or impose the sanction from the "
                 "person's dossier.") % {"person": person, "case": incident.reference}
    return None


def sanction_impose(*, person, actor, measure, decision, reasoning, incident=None, starts_on=None, ends_on=None,
                    days=None, guardians_contacted_at=None, guardians_contacted_how="", letters=(), letter_description=""):
    """Impose a measure, or propose it to the board when the catalogue says the board decides."""
    refusal = _authority_refusal(actor=actor, person=person)
    if refusal:
        raise PermissionDenied(refusal)
    starts_on = starts_on or timezone.localdate()
    errors = {}
    if not measures_for(person=person).filter(pk=measure.pk).exists():
        errors["measure"] = _("This measure is not in the catalogue for this person.")
    if measure.needs_end_date and not ends_on:
        errors["ends_on"] = _("This measure is temporary: give the end date.")
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end date lies before the date it takes effect.")
    if measure.needs_days and not days:
        errors["days"] = _("Give the number of days.")
    incident_refusal = _incident_refusal(person=person, incident=incident)
    if incident_refusal:
        errors["incident"] = incident_refusal
    if not (decision or "").strip():
        errors["decision"] = _("Describe what is imposed.")
    if not (reasoning or "").strip():
        errors["reasoning"] = _("Give the reasoning.")
    errors.update(_check_guardian_contact(person, guardians_contacted_at, guardians_contacted_how))
    if errors:
        raise ValidationError(errors)
    uploads = [upload_clean(f) for f in letters]
    now = timezone.now()
    with atomic_with_files():
        sanction = Sanction(
            person=person, school=person.school, incident=incident, measure=measure, measure_label=measure.label,
            board_decides=measure.needs_board_decision, guardians_first=_guardians_first(person), decision=decision,
            reasoning=reasoning, starts_on=starts_on, ends_on=ends_on if measure.needs_end_date else None,
            days=days if measure.needs_days else None, proposed_by=actor, proposed_at=now,
        )
        by_board = not can_proceed(sanction.impose)  # the catalogue leaves the decision to the board: it stays proposed
        if not by_board:
            sanction.impose(by=actor, at=now)
        if guardians_contacted_at:
            sanction.record_guardian_contact(by=actor, at=guardians_contacted_at, how=guardians_contacted_how)
        sanction.save()
        _store_letters(person=person, actor=actor, uploads=uploads, description=letter_description or str(measure),
                       sanction=sanction, incident=incident)
        if by_board:
            notify("sanction_proposed", school=person.school, url=_url(sanction), dedupe=f"sanction{sanction.pk}",
                   measure=measure.label)
        audit_record(actor=actor, action="sanction.propose" if by_board else "sanction.impose", obj=sanction,
                     board=person.school.board, person=person.pk, measure=measure.code)
    return sanction


def _guardians_first(person):
    """Whether the protocol in force makes this person's measure wait for contact with the guardians."""
    from portal.protocols import protocol_rules

    return person.kind == "pupil" and protocol_rules(person.school.board).guardians_before_pupil_measure


def _url(sanction):
    from django.urls import reverse

    return reverse("sanctions:detail", args=[sanction.pk])


def sanction_decide(*, sanction, actor, approve, reason):
    """The board approves or rejects a proposed removal or dismissal, with its reason (004 rule 12)."""
    if not has_perm("sanctions.decide", actor, sanction):
        raise PermissionDenied(_("Only the board decides on removal from school and dismissal."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the board's reason.")})
    with transaction.atomic():
        locked = Sanction.objects.select_for_update().select_related("school").get(pk=sanction.pk)
        decide = locked.approve if approve else locked.reject
        if not can_proceed(decide):
            raise ValidationError(_("This proposal has already been decided."))
        if locked.proposed_by_id == actor.pk:
            raise PermissionDenied(_("Another board member decides on a proposal you made yourself."))
        decide(by=actor, at=timezone.now(), reason=reason)
        locked.save()
        notify("sanction_decided", school=locked.school, url=_url(locked), dedupe=f"sanction{locked.pk}",
               measure=locked.measure_label, outcome=_("approved") if approve else _("rejected"))
        audit_record(actor=actor, action="sanction.approve" if approve else "sanction.reject", obj=locked,
                     board=locked.school.board)
    return locked


def sanction_record_guardian_contact(*, sanction, actor, contacted_at, how):
    if not has_perm("sanctions.impose", actor, sanction):
        raise PermissionDenied(_("Only the school leader of this school or the board can record this."))
    errors = _check_guardian_contact(sanction.person, contacted_at, how)
    if not contacted_at:
        errors["guardians_contacted_at"] = _("Record when the guardians were contacted.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Sanction.objects.select_for_update().select_related("school__board").get(pk=sanction.pk)
        if not can_proceed(locked.record_guardian_contact, check_conditions=False):
            raise ValidationError(_("The board rejected this measure; there is nothing to take effect."))
        if not can_proceed(locked.record_guardian_contact):
            raise ValidationError(_("The contact with the guardians has already been recorded."))
        locked.record_guardian_contact(by=actor, at=contacted_at, how=how)
        locked.save()
        audit_record(actor=actor, action="sanction.guardians_contacted", obj=locked, board=locked.school.board)
    return locked


def correspondence_add(*, person, actor, files, description, sanction=None, incident=None):
    if not has_perm("sanctions.impose", actor, person):
        raise PermissionDenied(_("Only the school leader of this school or the board can add correspondence."))
    if not files:
        raise ValidationError({"files": _("Choose a file.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe the document.")})
    uploads = [upload_clean(f) for f in files]
    with atomic_with_files():
        letters = _store_letters(person=person, actor=actor, uploads=uploads, description=description,
                                 sanction=sanction, incident=incident)
        audit_record(actor=actor, action="correspondence.add", obj=person, board=person.school.board, count=len(letters))
    return letters


def lvi_report_refusal(*, person):
    """Why no report to the LVI can be started about this person, or None: it concerns a staff member, and
    only under a protocol that has the report (the pages offer it only then; the service refuses it too)."""
    from portal.protocols import protocol_rules

    if person.kind != "staff":
        return _("An LVI report concerns a staff member.")
    if not protocol_rules(person.school.board).lvi_report:
        return _("Your board's protocol has no report to the Landelijke Vertrouwensinspecteur.")
    return None


def lvi_report_start(*, person, actor, staff_told_at, staff_told_how, incident=None, reported_at=None,
                     inspector="", summary=""):
    """Record that the staff member was told; the phone report to the LVI may follow, never precede."""
    if not has_perm("sanctions.impose", actor, person):
        raise PermissionDenied(_("Only the school leader of this school or the board can record an LVI report."))
    errors = {}
    refusal = lvi_report_refusal(person=person)
    if refusal:
        errors["person"] = refusal
    if not staff_told_at:
        errors["staff_told_at"] = _("First tell the staff member, then report to the LVI: record when they were told.")
    else:
        errors.update(refusals(validate_in_past, staff_told_at=staff_told_at))
    if not (staff_told_how or "").strip():
        errors["staff_told_how"] = _("Record how the staff member was told.")
    if incident is not None and incident.school_id != person.school_id:
        errors["incident"] = _("This incident belongs to another school.")
    errors.update(_check_lvi_call(staff_told_at, reported_at))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = LviReport.objects.create(
            person=person, school=person.school, incident=incident, staff_told_at=staff_told_at,
            staff_told_how=staff_told_how, staff_told_by=actor, reported_at=reported_at,
            reported_by=actor if reported_at else None, inspector=inspector, summary=summary,
        )
        if incident is not None:
            case_event_record(incident=incident, actor=actor, kind=CaseEventKind.LVI_REPORT, record=report,
                              changes=_lvi_changes(report, "person", "staff_told_at", "reported_at", "inspector"))
        audit_record(actor=actor, action="lvi.record", obj=report, board=person.school.board)
    return report


def _lvi_changes(report, *names):
    return {name: [None, event_value(report, name)] for name in names if getattr(report, name) not in (None, "")}


def _check_lvi_call(staff_told_at, reported_at):
    if reported_at is None:
        return {}
    refused = refusals(validate_in_past, reported_at=reported_at)
    if refused:
        return refused
    if staff_told_at and reported_at < staff_told_at:
        return {"reported_at": _("The report to the LVI comes after the staff member has been told, not before.")}
    return {}


def lvi_report_record_call(*, report, actor, reported_at, inspector="", summary=""):
    if not has_perm("sanctions.impose", actor, report):
        raise PermissionDenied(_("Only the school leader of this school or the board can record an LVI report."))
    errors = {} if reported_at else {"reported_at": _("Record when the LVI was called.")}
    errors.update(_check_lvi_call(report.staff_told_at, reported_at))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = LviReport.objects.select_for_update().get(pk=report.pk)
        if locked.reported_at is not None:
            raise ValidationError(_("The report to the LVI has already been recorded."))
        locked.reported_at = reported_at
        locked.reported_by = actor
        locked.inspector = inspector
        locked.summary = summary
        locked.save()
        if locked.incident_id is not None:
            case_event_record(incident=locked.incident, actor=actor, kind=CaseEventKind.LVI_CALL, record=locked,
                              changes=_lvi_changes(locked, "person", "reported_at", "inspector"))
        audit_record(actor=actor, action="lvi.report", obj=locked, board=report.school.board)
    return locked


def dossier_view_logged(*, person, actor):
    audit_record(actor=actor, action="dossier.view", obj=person, board=person.school.board)


def correspondence_download_logged(*, letter, actor):
    audit_record(actor=actor, action="correspondence.download", obj=letter, board=letter.person.school.board)
