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

from . import schooldays
from .models import (
    Correspondence, DecisionLetter, Duty, Hearing, LegalKind, LetterTemplate, LviReport, Objection, ObjectionOutcome,
    Sanction, SanctionStatus, legal_kind_of,
)
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
    if ends_on and ends_on < starts_on and legal_kind_of(measure) != LegalKind.SUSPENSION:
        errors["ends_on"] = _("The end date lies before the date it takes effect.")
    if measure.needs_days and not days:
        errors["days"] = _("Give the number of days.")
    legal_kind = legal_kind_of(measure)
    if legal_kind == LegalKind.SUSPENSION and days:
        errors.update(suspension_days_refusals(days))
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
    if legal_kind == LegalKind.SUSPENSION:
        # The end date follows from the school days; whatever was typed there does not count.
        ends_on = schooldays.suspension_last_day(person.school, starts_on, days)
    elif not measure.needs_end_date:
        ends_on = None
    uploads = [upload_clean(f) for f in letters]
    now = timezone.now()
    with atomic_with_files():
        sanction = Sanction(
            person=person, school=person.school, incident=incident, measure=measure, measure_label=measure.label,
            board_decides=measure.needs_board_decision, guardians_first=_guardians_first(person), decision=decision,
            reasoning=reasoning, starts_on=starts_on, ends_on=ends_on, legal_kind=legal_kind,
            days=days if measure.needs_days else None, proposed_by=actor, proposed_at=now,
        )
        by_board = not can_proceed(sanction.impose)  # the catalogue leaves the decision to the board: it stays proposed
        if not by_board:
            sanction.impose(by=actor, at=now)
        if guardians_contacted_at:
            sanction.record_guardian_contact(by=actor, at=guardians_contacted_at, how=guardians_contacted_how)
        sanction.save()
        if not by_board:
            _duties_open(sanction)
        _store_letters(person=person, actor=actor, uploads=uploads, description=letter_description or str(measure),
                       sanction=sanction, incident=incident)
        if by_board:
            notify("sanction_proposed", school=person.school, url=_url(sanction), dedupe=f"sanction{sanction.pk}",
                   measure=measure.label)
        audit_record(actor=actor, action="sanction.propose" if by_board else "sanction.impose", obj=sanction,
                     board=person.school.board, person=person.pk, measure=measure.code)
    return sanction


def suspension_days_refusals(days):
    """{field: message} when a pupil's suspension is longer than the law allows (at most one week)."""
    if days > schooldays.MAX_SUSPENSION_SCHOOL_DAYS:
        return {"days": _("A suspension lasts at most %(max)s school days (one week); give %(max)s or fewer.") % {
            "max": schooldays.MAX_SUSPENSION_SCHOOL_DAYS}}
    return {}


def _duties_open(sanction):
    """Open the duties to inform the Inspectie and the leerplichtambtenaar that this decision brings (inside the
    caller's transaction, after the decision was saved)."""
    recipients = sanction.reported_to_authorities
    if not recipients:
        return
    due_on = schooldays.duty_due_on(sanction.school, timezone.localtime(sanction.decided_at).date())
    for recipient in recipients:
        Duty.objects.create(school=sanction.school, sanction=sanction, recipient=recipient, reason=sanction.legal_kind,
                            due_on=due_on, opened_at=sanction.decided_at)


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
        _refuse_anonymised(locked)
        decide = locked.approve if approve else locked.reject
        if not can_proceed(decide, check_conditions=False):
            raise ValidationError(_("This proposal has already been decided."))
        if locked.proposed_by_id == actor.pk:
            raise PermissionDenied(_("Another board member decides on a proposal you made yourself."))
        if not can_proceed(decide):
            raise ValidationError(_hearing_missing_message(locked))
        decide(by=actor, at=timezone.now(), reason=reason)
        locked.save()
        if approve:
            _duties_open(locked)
        notify("sanction_decided", school=locked.school, url=_url(locked), dedupe=f"sanction{locked.pk}",
               measure=locked.measure_label, outcome=_("approved") if approve else _("rejected"))
        audit_record(actor=actor, action="sanction.approve" if approve else "sanction.reject", obj=locked,
                     board=locked.school.board)
    return locked


def _hearing_missing_message(sanction):
    from django.utils.text import get_text_list

    return _("Before the board decides on a removal, it hears the pupil, the guardians and the teacher involved. "
             "Not heard yet: %(parties)s. Record the hearing first, then decide.") % {
        "parties": get_text_list([str(p) for p in sanction.parties_not_heard()], _("and"))}


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
        _refuse_anonymised(locked)
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


# Education law: withdrawal, hearing, decision letter, duties, admission, objection ------------------------------

def _require(perm, actor, obj, message):
    if not has_perm(perm, actor, obj):
        raise PermissionDenied(message)


def anonymised_refusal():
    return _("This sanction was anonymised at the end of the retention period; nothing can be recorded on it.")


def _refuse_anonymised(sanction):
    """Under the lock: the retention run may have anonymised the sanction since the page was read."""
    if sanction.anonymised_at is not None:
        raise ValidationError(anonymised_refusal())


def _locked(sanction):
    # The person is joined from the nullable side (a tombstone has none), which PostgreSQL does not lock.
    locked = (Sanction.objects.select_for_update(of=("self", "school", "school__board"))
              .select_related("school__board", "person").get(pk=sanction.pk))
    _refuse_anonymised(locked)
    return locked


def _required_text(errors, field, value, message):
    if not (value or "").strip():
        errors[field] = message


def sanction_withdraw(*, sanction, actor, reason):
    """Withdraw a proposed or decided sanction (recorded in error, revoked): kept with who, when and why. Its open
    duties are withdrawn with it; what was done stays."""
    _require("sanctions.withdraw", actor, sanction, _("A measure the board decided is withdrawn by the board; another "
                                                      "by the school leader of its school or the board."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(sanction)
        if not can_proceed(locked.withdraw):
            raise ValidationError(_("This sanction can no longer be withdrawn: it was rejected or withdrawn already."))
        locked.withdraw(by=actor, at=now, reason=reason)
        locked._change_reason = reason
        locked.save()
        reason_open = _("The sanction was withdrawn: %(reason)s") % {"reason": reason}
        Duty.objects.current().filter(sanction=locked, done_on__isnull=True).update(
            withdrawn_at=now, withdrawn_by=actor, withdrawal_reason=reason_open[:5000])
        if locked.incident_id is not None:
            case_event_record(incident=locked.incident, actor=actor, kind=CaseEventKind.RECORD_WITHDRAWN, record=locked,
                              reason=reason)
        audit_record(actor=actor, action="sanction.withdraw", obj=locked, board=locked.school.board)
    return locked


def hearing_record(*, sanction, actor, held_at, present, summary, heard_pupil=False, heard_guardians=False,
                   heard_teacher=False):
    """Record a hearing before the board decides a removal (who was heard, when, who was there, what was said)."""
    _require("sanctions.impose", actor, sanction, _("Only the school leader of this school or the board can record "
                                                    "a hearing."))
    errors = {}
    if not held_at:
        errors["held_at"] = _("Record when the hearing was held.")
    else:
        errors.update(refusals(validate_in_past, held_at=held_at))
    if not (heard_pupil or heard_guardians or heard_teacher):
        errors["heard_pupil"] = _("Tick who was heard: the pupil, the guardians and/or the teacher involved.")
    _required_text(errors, "present", present, _("Record who was there."))
    _required_text(errors, "summary", summary, _("Summarise what was said."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(sanction)
        if locked.legal_kind != LegalKind.REMOVAL or locked.status != SanctionStatus.PROPOSED:
            raise ValidationError(_("A hearing is recorded for a proposed removal, before the board decides."))
        hearing = Hearing.objects.create(
            sanction=locked, held_at=held_at, heard_pupil=heard_pupil, heard_guardians=heard_guardians,
            heard_teacher=heard_teacher, present=present, summary=summary, recorded_by=actor,
        )
        audit_record(actor=actor, action="sanction.hearing", obj=hearing, board=locked.school.board)
    return hearing


def letter_refusal(sanction, letters=None):
    """Why no decision letter can be made for this sanction now, or None. ``letters``: its decision letters, when
    the caller has read them already."""
    if sanction.person.kind != "pupil":
        return _("Decision letters are for pupils' measures.")
    if sanction.status != SanctionStatus.DECIDED:
        return _("A decision letter is made once the measure has been decided.")
    letters = sanction.decision_letters.all() if letters is None else letters
    if any(not letter.is_withdrawn for letter in letters):
        return _("This measure has a decision letter. Withdraw it first to make a new one.")
    return None


def letter_make(*, sanction, actor):
    """Make the decision letter from the board's template as it is now: its text is kept with the letter and its
    PDF stored in the pupil's dossier. A later change of the template changes neither."""
    from django.core.files.base import ContentFile

    from .letters import letter_filename, letter_pdf, letter_texts

    _require("sanctions.impose", actor, sanction, _("Only the school leader of this school or the board can make "
                                                    "the decision letter."))
    with atomic_with_files():
        locked = _locked(sanction)
        refusal = letter_refusal(locked)
        if refusal:
            raise ValidationError(refusal)
        kind, subject, body, objection_to = letter_texts(locked)
        pdf = letter_pdf(sanction=locked, subject=subject, body=body, actor=actor)
        document = Correspondence(
            person=locked.person, sanction=locked, incident=locked.incident, content_type="application/pdf",
            original_name=letter_filename(locked), size=len(pdf), description=subject[:300], uploaded_by=actor,
        )
        field_file_save(document.file, letter_filename(locked), ContentFile(pdf))
        document.save()
        letter = DecisionLetter.objects.create(
            sanction=locked, document=document, kind=kind, subject=subject[:300], body=body, objection_to=objection_to,
            made_by=actor,
        )
        audit_record(actor=actor, action="sanction.letter_make", obj=letter, board=locked.school.board)
    return letter


def letter_record_sent(*, letter, actor, sent_at, sent_how, sent_to):
    """Record when and how the decision letter was sent; a suspension or removal can take effect from then."""
    _require("sanctions.impose", actor, letter.sanction, _("Only the school leader of this school or the board can "
                                                           "record this."))
    errors = {}
    if not sent_at:
        errors["sent_at"] = _("Record when the letter was sent.")
    else:
        errors.update(refusals(validate_in_past, sent_at=sent_at))
        if not errors and sent_at < letter.made_at.replace(second=0, microsecond=0):
            errors["sent_at"] = _("The letter was made on %(made)s; it cannot have been sent before.") % {
                "made": timezone.localtime(letter.made_at).strftime("%d-%m-%Y %H:%M")}
    if not sent_how:
        errors["sent_how"] = _("Record how the letter was sent.")
    _required_text(errors, "sent_to", sent_to, _("Record to whom the letter was sent."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sanction = _locked(letter.sanction)
        locked = DecisionLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.is_withdrawn:
            raise ValidationError(_("This letter was withdrawn."))
        if locked.sent_at is not None:
            raise ValidationError(_("The sending of this letter has already been recorded."))
        locked.sent_at, locked.sent_how, locked.sent_to, locked.sent_recorded_by = sent_at, sent_how, sent_to, actor
        locked.save()
        sanction.letter_sent_at = sent_at
        sanction.save()
        audit_record(actor=actor, action="sanction.letter_sent", obj=locked, board=sanction.school.board)
    return locked


def duty_record_done(*, duty, actor, done_on, reference):
    """Record that the Inspectie or the leerplichtambtenaar was informed: the date and the reference."""
    _require("sanctions.impose", actor, duty.sanction, _("Only the school leader of this school or the board can "
                                                         "record this."))
    errors = _check_duty_done(duty, done_on, reference)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Duty.objects.select_for_update().select_related("school__board").get(pk=duty.pk)
        if locked.is_withdrawn:
            raise ValidationError(_("This duty was withdrawn."))
        if locked.done_on is not None:
            raise ValidationError(_("This duty has already been recorded as done; correct it if it is wrong."))
        locked.done_on, locked.reference, locked.done_by = done_on, reference, actor
        locked._change_reason, locked._history_user = "", actor
        locked.save()
        audit_record(actor=actor, action="sanction.duty_done", obj=locked, board=locked.school.board)
    return locked


def _check_duty_done(duty, done_on, reference):
    errors = {}
    if not done_on:
        errors["done_on"] = _("Record when it was done.")
    else:
        errors.update(refusals(validate_in_past, done_on=done_on))
        opened_on = timezone.localtime(duty.opened_at).date()
        if not errors and done_on < opened_on:
            errors["done_on"] = _("The decision was taken on %(date)s; it cannot have been reported before.") % {
                "date": opened_on.strftime("%d-%m-%Y")}
    _required_text(errors, "reference", reference, _("Record the reference of the report."))
    return errors


def duty_correct(*, duty, actor, done_on, reference, reason):
    """Correct the date or reference of a duty that was recorded as done; the old values stay in its history."""
    _require("sanctions.impose", actor, duty.sanction, _("Only the school leader of this school or the board can "
                                                         "correct this."))
    errors = _check_duty_done(duty, done_on, reference)
    _required_text(errors, "reason", reason, _("Give the reason for the correction."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Duty.objects.select_for_update().select_related("school__board").get(pk=duty.pk)
        if locked.is_withdrawn or locked.done_on is None:
            raise ValidationError(_("Only a duty recorded as done can be corrected."))
        locked.done_on, locked.reference = done_on, reference
        locked._change_reason, locked._history_user = reason, actor
        locked.save()
        audit_record(actor=actor, action="sanction.duty_correct", obj=locked, board=locked.school.board)
    return locked


def admission_record(*, sanction, actor, school_name, admitted_on):
    """Another school agreed to admit the pupil: the removal can take effect, the search clock stops."""
    _require("sanctions.impose", actor, sanction, _("Only the school leader of this school or the board can record "
                                                    "this."))
    errors = {}
    _required_text(errors, "admitted_by", school_name, _("Name the school that admits the pupil."))
    if not admitted_on:
        errors["admitted_on"] = _("Record when the school agreed.")
    else:
        errors.update(refusals(validate_in_past, admitted_on=admitted_on))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(sanction)
        if not can_proceed(locked.record_admission):
            raise ValidationError(_("An admission is recorded once, for a removal the board has approved."))
        if admitted_on < timezone.localtime(locked.decided_at).date():
            raise ValidationError({"admitted_on": _("The admission comes after the board's decision.")})
        locked.record_admission(by=actor, school_name=school_name, on=admitted_on)
        locked.save()
        audit_record(actor=actor, action="sanction.admission", obj=locked, board=locked.school.board)
    return locked


def objection_record(*, sanction, actor, received_on, lodged_by, grounds):
    """A bezwaar against a suspension or removal was received."""
    _require("sanctions.impose", actor, sanction, _("Only the school leader of this school or the board can record "
                                                    "an objection."))
    errors = {}
    if not received_on:
        errors["received_on"] = _("Record when the objection was received.")
    else:
        errors.update(refusals(validate_in_past, received_on=received_on))
    _required_text(errors, "lodged_by", lodged_by, _("Record who lodged the objection."))
    _required_text(errors, "grounds", grounds, _("Summarise the grounds."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(sanction)
        if not locked.legal_kind or locked.decided_at is None or locked.status == SanctionStatus.REJECTED:
            raise ValidationError(_("An objection is recorded against a decided suspension or removal."))
        objection = Objection.objects.create(sanction=locked, received_on=received_on, lodged_by=lodged_by,
                                             grounds=grounds, recorded_by=actor)
        audit_record(actor=actor, action="sanction.objection", obj=objection, board=locked.school.board)
    return objection


def objection_decide(*, objection, actor, outcome, outcome_on, reasoning):
    """Record the decision on an objection. An upheld objection is followed by withdrawing the sanction."""
    _require("sanctions.impose", actor, objection.sanction, _("Only the school leader of this school or the board can "
                                                              "record this."))
    errors = {}
    if outcome not in ObjectionOutcome.values or outcome == ObjectionOutcome.PENDING:
        errors["outcome"] = _("Choose the outcome.")
    if not outcome_on:
        errors["outcome_on"] = _("Record when it was decided.")
    else:
        errors.update(refusals(validate_in_past, outcome_on=outcome_on))
        if not errors.get("outcome_on") and outcome_on < objection.received_on:
            errors["outcome_on"] = _("The decision comes after the objection was received.")
    _required_text(errors, "outcome_reasoning", reasoning, _("Give the reasoning of the decision."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Objection.objects.select_for_update().select_related("sanction__school__board").get(pk=objection.pk)
        if locked.is_withdrawn or locked.outcome != ObjectionOutcome.PENDING:
            raise ValidationError(_("The outcome of this objection has already been recorded."))
        locked.outcome, locked.outcome_on, locked.outcome_reasoning, locked.outcome_by = outcome, outcome_on, reasoning, actor
        locked.save()
        audit_record(actor=actor, action="sanction.objection_outcome", obj=locked, board=locked.sanction.school.board)
    return locked


# The records of a sanction that are withdrawn rather than erased, by the name the URLs use.
WITHDRAWABLE = {"hearing": Hearing, "letter": DecisionLetter, "duty": Duty, "objection": Objection}


def record_withdraw(*, record, actor, reason):
    """Withdraw a hearing, decision letter, duty or objection recorded in error: kept, with who, when and why. A
    withdrawn letter no longer counts as sent; a withdrawn hearing no longer counts as heard."""
    _require("sanctions.impose", actor, record.sanction, _("Only the school leader of this school or the board can "
                                                           "withdraw this."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal.")})
    model = type(record)
    with transaction.atomic():
        sanction = _locked(record.sanction)
        locked = model.objects.select_for_update().get(pk=record.pk)
        if locked.is_withdrawn:
            raise ValidationError(_("This has already been withdrawn."))
        if model is Hearing and sanction.status != SanctionStatus.PROPOSED:
            raise ValidationError(_("The board has decided on this removal; its hearings stay as they were."))
        locked.withdrawn_at, locked.withdrawn_by, locked.withdrawal_reason = timezone.now(), actor, reason
        if model is Duty:
            locked._change_reason, locked._history_user = reason, actor
        locked.save()
        if model is DecisionLetter:
            still_sent = (DecisionLetter.objects.current().filter(sanction=sanction, sent_at__isnull=False)
                          .order_by("-sent_at").values_list("sent_at", flat=True).first())
            sanction.letter_sent_at = still_sent
            sanction.save()
        audit_record(actor=actor, action=f"sanction.{model._meta.model_name}_withdraw", obj=locked,
                     board=sanction.school.board)
    return locked


def letter_template_save(*, board, actor, kind, subject, body, objection_to):
    """The board's administrator words a decision letter. Letters already made keep their own text."""
    from .letters import check_template_text

    _require("sanctions.edit_letter_templates", actor, board, _("Only the board's administrator can change the "
                                                                "letters."))
    errors = check_template_text(subject=subject, body=body, objection_to=objection_to)
    _required_text(errors, "subject", subject, _("Give the subject."))
    _required_text(errors, "body", body, _("Write the letter."))
    _required_text(errors, "objection_to", objection_to, _("Say to whom an objection goes."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        template, _created = LetterTemplate.objects.select_for_update().get_or_create(
            board=board, kind=kind,
            defaults={"subject": subject, "body": body, "objection_to": objection_to, "updated_by": actor},
        )
        template.subject, template.body, template.objection_to = subject, body, objection_to
        template.updated_by, template.updated_at = actor, timezone.now()
        template.save()
        audit_record(actor=actor, action="sanction.letter_template", obj=template, board=board, kind=kind)
    return template


# Reminders (Celery beat) ----------------------------------------------------------------------------------------

def sanction_reminders_send(*, today=None):
    """Remind the school leaders and the board of every open duty from the day before it is due, once a day until
    it is done; and of each removal whose search for another school reaches week 6, 7 and 8 without an admission.
    Returns how many notifications were written."""
    from django.urls import reverse
    from django.utils import formats, translation
    from django.conf import settings

    from .selectors import duties_to_remind, removals_searching

    today = today or timezone.localdate()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for duty in duties_to_remind(on=today):
            sent += len(notify(
                "duty_due", school=duty.school, url=reverse("sanctions:duty", args=[duty.pk]),
                dedupe=f"duty{duty.pk}:{today.isoformat()}", recipient=duty.get_recipient_display(),
                measure=duty.sanction.measure_label, due=formats.date_format(duty.due_on, "j F Y"),
            ))
        for sanction in removals_searching(on=today):
            weeks = (today - timezone.localtime(sanction.decided_at).date()).days // 7
            reached = [w for w in schooldays.REMOVAL_SEARCH_REMINDER_WEEKS if weeks >= w]
            if not reached:
                continue
            sent += len(notify(
                "removal_search", school=sanction.school, url=reverse("sanctions:detail", args=[sanction.pk]),
                dedupe=f"search{sanction.pk}:{reached[-1]}", weeks=reached[-1],
                deadline=formats.date_format(sanction.search_ends_on, "j F Y"),
            ))
    return sent
