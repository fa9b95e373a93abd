"""Writes. Each checks who may do it, leaves nothing half-written, and records consent changes in the audit log."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rules import has_perm

from portal.audit import audit_record
from portal.files import atomic_with_files, stored_file_save
from portal.models import Person, PersonKind
from portal.notifications import notification_create
from portal.uploads import upload_clean
from portal.validators import refusals, validate_in_past

from . import imports, selectors
from .models import (
    Answer, ConsentPurpose, ConsentRecord, Evidence, GivenBy, SchoolAccount, SchoolAccountManager, WorkAccount,
    private_storage,
)

# Every purpose the portal ships, by code: the one place where a purpose's wording is defined. The
# protocol profiles name the ones they ask for by code; a board may change or add to them.
PURPOSES = {
    "social_media": (gettext_lazy("Photo, film and audio on the school's social media"),
                     gettext_lazy("Recordings of school-related situations in which the person can be seen or heard, on the social-media accounts of the school.")),
    "website": (gettext_lazy("Photo, film and audio on the school website"),
                gettext_lazy("Recordings of school-related situations in which the person can be seen or heard, on the website of the school.")),
    "newsletter": (gettext_lazy("Photo, film and audio in the newsletter"),
                   gettext_lazy("Recordings of school-related situations in which the person can be seen or heard, in the newsletter to parents.")),
    "education_accounts": (gettext_lazy("Creating social-media accounts for educational use"),
                           gettext_lazy("The school creates a social-media account for the pupil for lessons, for example in media literacy.")),
    "personal_social_media": (gettext_lazy("Photo, film and audio on staff members' personal social media"),
                              gettext_lazy("Only school-related situations (protocol 000, A5).")),
}

# The four purposes every board starts with (002 §9 A5–A6, 001, 000 A5).
DEFAULT_PURPOSE_CODES = ["social_media", "website", "newsletter", "education_accounts"]
DEFAULT_PURPOSES = [(code, *PURPOSES[code]) for code in DEFAULT_PURPOSE_CODES]

# How far back the daily check looks for sixteenth birthdays, so a day the scheduler was down is caught up.
TURNING_16_LOOK_BACK_DAYS = 7


def _require_manager(actor, school):
    if not has_perm("consent.manage_school", actor, school):
        raise PermissionDenied(_("Only the school leader or an administrator can change consent and registers for this school."))


# Purposes ---------------------------------------------------------------------------------------------

def consent_purposes_install(*, board, codes):
    """Create the purposes of ``codes`` (keys of PURPOSES) the board does not have yet, in the interface
    language; a purpose the board has, changed or deactivated, is left as it is. Returns the ones created."""
    created = []
    existing = set(ConsentPurpose.objects.filter(board=board).values_list("code", flat=True))
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for ordering, code in enumerate(codes, start=1):
            if code in existing:
                continue
            label, help_text = PURPOSES[code]
            purpose, was_created = ConsentPurpose.objects.get_or_create(
                board=board, code=code, defaults={"label": str(label), "help_text": str(help_text), "ordering": ordering * 10},
            )
            if was_created:
                created.append(purpose)
    return created


def consent_purposes_ensure_defaults(*, board):
    """Create the default purposes the board does not have yet (by code). Returns the ones created."""
    return consent_purposes_install(board=board, codes=DEFAULT_PURPOSE_CODES)


def consent_purpose_save(*, board, actor, purpose=None, code="", label, help_text="", ordering=0, active=True):
    """Add a purpose to the board, or change one; the code of an existing purpose stays as it is."""
    if not has_perm("consent.manage_purposes", actor, board):
        raise PermissionDenied(_("Only the board's administrator can change the consent purposes."))
    with transaction.atomic():
        if purpose is None:
            if ConsentPurpose.objects.filter(board=board, code=code).exists():
                raise ValidationError({"code": _("This board already has a purpose with this code. Choose another code.")})
            purpose = ConsentPurpose(board=board, code=code)
        elif purpose.board_id != board.pk:
            raise PermissionDenied
        purpose.label, purpose.help_text, purpose.ordering, purpose.active = label, help_text, ordering, active
        purpose.save()
        audit_record(actor=actor, action="consent.purpose_change", obj=purpose, board=board,
                     code=purpose.code, label=label, active=active)
    return purpose


# Answers ----------------------------------------------------------------------------------------------

def _check_answer(*, person, purpose, answer, given_by, guardian, given_on, evidence):
    """Refuse an answer that cannot count, with a sentence that says what to do."""
    if person.kind not in (PersonKind.PUPIL, PersonKind.STAFF):
        raise ValidationError(_("Consent is recorded for pupils and staff members only."))
    if purpose.board_id != person.school.board_id or not purpose.active:
        raise ValidationError({"purposes": _("Choose one of the board's active purposes.")})
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Choose granted or refused.")})
    if person.kind == PersonKind.STAFF and given_by != GivenBy.SELF:
        raise ValidationError({"given_by": _("A staff member answers for themself.")})
    if given_by == GivenBy.GUARDIAN:
        if guardian is None:
            raise ValidationError({"guardian": _("Choose the guardian who gave this answer.")})
        if not person.guardians.filter(pk=guardian.pk).exists():
            raise ValidationError({"guardian": _("This person is not one of the pupil's guardians. Link the guardian to the pupil first.")})
    elif given_by != GivenBy.SELF:
        raise ValidationError({"given_by": _("Choose who gave this answer.")})
    refused = refusals(validate_in_past, given_on=given_on)
    if refused:
        raise ValidationError(refused)
    if person.date_of_birth and given_on < person.date_of_birth:
        raise ValidationError({"given_on": _("This date lies before the date of birth.")})
    if answer == Answer.GRANTED and evidence == Evidence.NOTED:
        raise ValidationError({"evidence": _("Consent must be demonstrable: upload the signed form, or let the person confirm while signed in.")})


def _write_answers(*, person, purposes, answer, given_by, guardian, given_on, evidence, actor, upload=None,
                   confirmed_by=None, note=""):
    """One row per purpose; a signed form covering several purposes is stored once and shared by their rows."""
    with atomic_with_files():  # a rollback deletes the stored form again
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer per person at a time
        stored_name = None
        if upload is not None:
            stored_name = stored_file_save(private_storage(), f"consent/{timezone.localdate():%Y/%m}/{upload.content.name}",
                                           upload.content)
        records = []
        for purpose in purposes:
            previous = (
                ConsentRecord.objects.filter(person=person, purpose=purpose, given_by=given_by, guardian=guardian,
                                             given_on__lte=given_on)
                .in_effect_order().last()
            )
            record = ConsentRecord.objects.create(
                person=person, purpose=purpose, answer=answer, given_by=given_by, guardian=guardian,
                given_on=given_on, evidence=evidence, confirmed_by=confirmed_by, recorded_by=actor, note=note,
                is_withdrawal=answer == Answer.REFUSED and previous is not None and previous.answer == Answer.GRANTED,
                file=stored_name or "", content_type=upload.content_type if upload else "",
                original_name=upload.original_name if upload else "",
            )
            audit_record(
                actor=actor, action="consent.change", obj=record, board=person.school.board, person=person.pk,
                purpose=purpose.code, answer=answer, withdrawal=record.is_withdrawal, given_by=given_by,
                guardian=guardian.pk if guardian else None, given_on=given_on.isoformat(), evidence=evidence,
            )
            records.append(record)
    return records


def consent_record(*, person, purposes, answer, given_by, actor, guardian=None, given_on=None,
                   evidence=Evidence.NOTED, file=None, note=""):
    """The school records an answer for one or more purposes: a grant with its signed form, or a refusal
    or withdrawal, which takes effect at once. Returns the new rows."""
    _require_manager(actor, person.school)
    given_on = given_on or timezone.localdate()
    purposes = list(purposes)
    if not purposes:
        raise ValidationError({"purposes": _("Choose at least one purpose.")})
    if evidence == Evidence.SIGNED_IN:
        raise ValidationError({"evidence": _("Only the person themself can confirm while signed in.")})
    for purpose in purposes:
        _check_answer(person=person, purpose=purpose, answer=answer, given_by=given_by, guardian=guardian,
                      given_on=given_on, evidence=evidence)
    upload = upload_clean(file) if file else None
    if evidence == Evidence.SIGNED_FORM and upload is None:
        raise ValidationError({"file": _("Upload the signed form (PDF, PNG or JPEG).")})
    return _write_answers(person=person, purposes=purposes, answer=answer, given_by=given_by, guardian=guardian,
                          given_on=given_on, evidence=evidence, actor=actor, upload=upload, note=note)


def consent_confirm_signed_in(*, user, person, purpose, answer):
    """A person answers for themself (or a guardian for their child) while signed in: the account and the
    moment are the proof."""
    matches = [guardian for subject, guardian in selectors.consent_parties_for(user=user) if subject.pk == person.pk]
    if not matches:
        raise PermissionDenied(_("You can only answer for yourself or for your own children."))
    guardian = matches[0]
    given_by = GivenBy.GUARDIAN if guardian else GivenBy.SELF
    today = timezone.localdate()
    _check_answer(person=person, purpose=purpose, answer=answer, given_by=given_by, guardian=guardian,
                  given_on=today, evidence=Evidence.SIGNED_IN)
    return _write_answers(person=person, purposes=[purpose], answer=answer, given_by=given_by, guardian=guardian,
                          given_on=today, evidence=Evidence.SIGNED_IN, actor=user, confirmed_by=user)[0]


# Turning 16 -------------------------------------------------------------------------------------------

def consent_turning_16_notify(*, today=None):
    """Tell the school's administrators about each pupil who turned 16 and has not yet answered themself.

    Each administrator hears once per pupil (dedupe key), however often this runs; the subject and the
    message name the school, never the pupil.
    """
    today = today or timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in range(TURNING_16_LOOK_BACK_DAYS)]
    pupils_by_board = {}
    for pupil in selectors.pupils_turning_16(on_dates=days):
        pupils_by_board.setdefault(pupil.school.board, []).append(pupil)
    admins_by_school = {}
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for board, pupils in pupils_by_board.items():
            purposes = selectors.consent_purposes(board=board)
            statuses = selectors.consent_statuses(people=pupils, purposes=purposes, on_date=today)  # one query per board
            for pupil in pupils:
                if any(status.awaiting_pupil for status in statuses[pupil.pk].values()):
                    if pupil.school_id not in admins_by_school:
                        admins_by_school[pupil.school_id] = list(selectors.consent_admins_of(school=pupil.school))
                    sent += _turning_16_notify_admins(pupil=pupil, admins=admins_by_school[pupil.school_id])
    return sent


def _turning_16_notify_admins(*, pupil, admins):
    """One notification per administrator about this pupil, never twice (dedupe key). Returns how many were new."""
    values = {
        "school": pupil.school.name,
        "date": formats.date_format(selectors.sixteenth_birthday(pupil.date_of_birth), "DATE_FORMAT"),
    }
    sent = 0
    with transaction.atomic():
        for admin in admins:
            row = notification_create(
                recipient=admin, kind="consent_turning_16",
                subject=_("A pupil at %(school)s has turned 16: consent to be confirmed by the pupil") % values,
                body=_("A pupil at %(school)s turned 16 on %(date)s. From that day only the pupil's own answers "
                       "count, no longer the guardians'. Ask the pupil to confirm or refuse each purpose; until "
                       "then the answer counts as no. The link opens the pupil's consent page.") % values,
                url=reverse("consent:person", args=[pupil.pk]),
                dedupe_key=f"consent_turning_16:{pupil.pk}:{admin.pk}",
            )
            sent += row is not None
    return sent


# Import -----------------------------------------------------------------------------------------------

def pupils_import(*, school, actor, data, dry_run=False):
    """Import pupils and guardians from the administration system's CSV export: all rows or none.

    Every row is checked first; if any is refused, nothing is written. A dry run reports what would happen.
    """
    _require_manager(actor, school)
    report = imports.import_plan(school=school, data=data)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    try:
        with transaction.atomic():
            imports.import_apply(school=school, report=report)
            audit_record(actor=actor, action="consent.import", obj=school, board=school.board, **report.totals)
    except IntegrityError:  # another import of the same pupils finished in between
        report.errors.append(_("The pupils changed while this file was being imported; nothing was imported. Upload the file again."))
    return report


# Registers --------------------------------------------------------------------------------------------

def _account_save(model, *, school, actor, account, fields):
    """Create or change a register entry of ``school``; the caller holds the transaction."""
    _require_manager(actor, school)
    if account is not None and account.school_id != school.pk:
        raise PermissionDenied
    account = account or model(school=school, created_by=actor)
    for name, value in fields.items():
        setattr(account, name, value)
    account.full_clean()
    account.save()
    return account


def work_account_save(*, school, actor, account=None, **fields):
    """Register a staff member's work account, or change it (closing it sets ``ended_on``)."""
    with transaction.atomic():
        account = _account_save(WorkAccount, school=school, actor=actor, account=account, fields=fields)
        audit_record(actor=actor, action="consent.register_change", obj=account, board=school.board)
    return account


def school_account_save(*, school, actor, account=None, add_managers=(), **fields):
    """Register a school account, or change it; ``add_managers`` become managers from now on."""
    with transaction.atomic():
        account = _account_save(SchoolAccount, school=school, actor=actor, account=account, fields=fields)
        current = set(account.manager_rows.filter(handed_over_at__isnull=True).values_list("user_id", flat=True))
        added = [user for user in add_managers if user.pk not in current]
        for user in added:
            SchoolAccountManager.objects.create(account=account, user=user)
        audit_record(actor=actor, action="consent.register_change", obj=account, board=school.board,
                     managers_added=[user.pk for user in added])
    return account


def school_account_handover_done(*, manager_row, actor, note):
    """Record that a manager handed the account over (password changed, contacts passed on) and is no
    longer a manager (002 §9 footnote 4)."""
    account = manager_row.account
    _require_manager(actor, account.school)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"handover_note": _("Describe what was handed over, for example: password changed, contacts passed on.")})
    with transaction.atomic():
        row = SchoolAccountManager.objects.select_for_update().get(pk=manager_row.pk)
        if row.handed_over_at is not None:
            raise ValidationError(_("This handover has already been recorded."))
        row.handed_over_at, row.handed_over_by, row.handover_note = timezone.now(), actor, note
        row.save()
        audit_record(actor=actor, action="consent.handover", obj=account, board=account.school.board,
                     manager=row.user_id)
    return row
