"""Sanctions, their correspondence, and the report to the Landelijke Vertrouwensinspecteur (LVI).

Protocols 000 (Sancties), 002 §10, 003 (Gevolgen en mogelijke sancties) and 004 (rules 11, 12, 19). At the end of the
board's retention period they are anonymised (``sanctions/retention.py``): a tombstone without the person stays.
"""

import uuid
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from rules import has_perm

from incidents.models import private_storage
from portal.history import HistoricalRecords
from portal.models import Board, Person, School
from portal.validators import (
    DAY_COUNT_VALIDATORS, LONG_TEXT_MAX_LENGTH, BoundedTextField, validate_in_past, validate_within_years_ahead,
)

from . import schooldays


class SubjectKind(models.TextChoices):
    PUPIL = "pupil", _("Pupil")
    GUARDIAN = "guardian", _("Guardian")
    STAFF = "staff", _("Staff member")


class Measure(models.Model):
    """One entry of a sanction catalogue. Entries without a board form the default catalogue.

    The label is data (a board may word its own catalogue), so it is stored in the board's language.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, null=True, blank=True, related_name="measures", verbose_name=_("board"))
    subject_kind = models.CharField(_("for"), max_length=16, choices=SubjectKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    needs_board_decision = models.BooleanField(
        _("decided by the board"), default=False,
        help_text=_("The school leader proposes; the board approves or rejects (removal of a pupil, dismissal)."),
    )
    needs_end_date = models.BooleanField(_("has an end date"), default=False)
    needs_days = models.BooleanField(_("lasts a number of days"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["subject_kind", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["board", "subject_kind", "code"], name="measure_unique_per_board")]

    def __str__(self):
        return self.label


class ClosedPeriodQuerySet(models.QuerySet):
    def for_school(self, school):
        """The periods that close this school: its board's for all its schools, and its own."""
        return self.filter(models.Q(school__isnull=True) | models.Q(school=school), board_id=school.board_id)


class ClosedPeriod(models.Model):
    """Days a school is closed besides the weekends and public holidays (schooldays.py): a vacation, a study day.
    The board's administrator records them, for all the board's schools or for one. A sanction decided before a
    period was recorded or changed keeps the dates it was decided with."""

    MAX_DAYS = 12 * 7  # the summer vacation lasts six weeks; a longer period is most likely a typing error

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="closed_periods", verbose_name=_("board"))
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="closed_periods", verbose_name=_("school"),
        help_text=_("Empty: all schools of the board are closed."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. Kerstvakantie or Studiedag."))
    first_day = models.DateField(_("first day"), validators=[validate_within_years_ahead])
    last_day = models.DateField(_("last day"), validators=[validate_within_years_ahead],
                                help_text=_("The last day the school is closed (the same day for a single day)."))

    objects = ClosedPeriodQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods (vacations and study days)")
        ordering = ["-first_day", "pk"]
        indexes = [models.Index(fields=["board", "first_day"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")),
                                   name="closed_period_ends_after_it_starts"),
        ]

    def __str__(self):
        return f"{self.name} ({self.first_day:%d-%m-%Y} – {self.last_day:%d-%m-%Y})"

    def clean(self):
        errors = {}
        if self.first_day and self.last_day:
            if self.last_day < self.first_day:
                errors["last_day"] = _("The last day lies before the first day.")
            elif (self.last_day - self.first_day).days + 1 > self.MAX_DAYS:
                errors["last_day"] = _("A closed period lasts at most %(weeks)s weeks; record a longer closure as "
                                       "several periods.") % {"weeks": self.MAX_DAYS // 7}
        if self.school_id and self.board_id and self.school.board_id != self.board_id:
            errors["school"] = _("This school belongs to another board.")
        if errors:
            raise ValidationError(errors)


class SanctionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed to the board")
    DECIDED = "decided", _("Imposed")
    REJECTED = "rejected", _("Rejected by the board")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LegalKind(models.TextChoices):
    """The pupil's measures that education law rules (Inrichtingsbesluit WVO art. 13-14, WPO art. 40-40a)."""

    SUSPENSION = "suspension", _("Suspension of a pupil")
    REMOVAL = "removal", _("Removal of a pupil")


# Which catalogue entries for pupils the law rules, by their code (every shipped protocol uses these codes).
LEGAL_KIND_BY_PUPIL_MEASURE = {"suspension": LegalKind.SUSPENSION, "removal": LegalKind.REMOVAL}


def legal_kind_of(measure):
    """The rules of education law a measure falls under ("" for none); snapshot on the sanction when proposed."""
    if measure.subject_kind != SubjectKind.PUPIL:
        return ""
    return LEGAL_KIND_BY_PUPIL_MEASURE.get(measure.code, "")


def _may(permission):
    """A transition's permission: the user holds the rules permission on this sanction."""

    def check(sanction, user):
        return has_perm(permission, user, sanction)

    check.__name__ = check.__qualname__ = f"may_{permission.rsplit('.', 1)[-1]}"
    return check


def decided_by_the_school(sanction):
    """The school leader imposes the measure: its catalogue entry does not leave the decision to the board."""
    return not sanction.board_decides


def decided_by_the_board(sanction):
    """Removal of a pupil and dismissal of staff: the school leader proposes, the board decides (004 rule 12)."""
    return sanction.board_decides


def guardians_not_contacted_yet(sanction):
    """The contact with the guardians is recorded once (004 rule 12: it comes before the measure takes effect)."""
    return sanction.guardians_contacted_at is None


def hearing_held_before_removal(sanction):
    """Before deciding a removal the board hears the pupil, the guardians and the teacher involved (WVO art. 14,
    WPO art. 40): the hearing must be on record before the board can approve it."""
    return sanction.legal_kind != LegalKind.REMOVAL or not sanction.parties_not_heard()


def a_removal(sanction):
    return sanction.legal_kind == LegalKind.REMOVAL


def admission_not_recorded_yet(sanction):
    """Another school's admission is recorded once; a mistake is corrected by withdrawing the removal."""
    return sanction.admitted_on is None


@dataclass(frozen=True)
class EffectCondition:
    """Something that must have happened before a decided measure takes effect: ``applies`` to which sanctions,
    ``met_on`` the date it happened (None while it has not), ``waiting`` what the sanction's label says meanwhile."""

    applies: Callable
    met_on: Callable
    waiting: object


def _local_date(moment):
    return timezone.localtime(moment).date() if moment is not None else None


# The one list of what a decided measure waits for. It takes effect on the latest of its start date and these dates.
EFFECT_CONDITIONS = (
    # 004 rule 12: a pupil's measure waits for contact with the guardians (under protocols with that rule).
    EffectCondition(lambda s: s.guardians_first, lambda s: _local_date(s.guardians_contacted_at),
                    _("Waiting for contact with the guardians")),
    # Suspension and removal are decided in writing: they take effect once the decision letter is sent.
    EffectCondition(lambda s: bool(s.legal_kind), lambda s: _local_date(s.letter_sent_at),
                    _("Waiting until the decision letter is sent")),
    # A pupil is removed only once another school has agreed to admit them (WVO art. 14 (2), WPO art. 40 (11)).
    EffectCondition(lambda s: s.legal_kind == LegalKind.REMOVAL, lambda s: s.admitted_on,
                    _("Waiting until another school admits the pupil")),
)


class Sanction(ConcurrentTransitionMixin, models.Model):
    """A measure imposed on, or proposed for, a person. ``status`` is a django-fsm state machine: every sanction
    starts as proposed, and its transitions below are the whole table (tests/sanctions/test_workflow.py). They
    only set fields; the services lock, check, notify and audit."""

    # None only on a tombstone: anonymised at the end of the board's retention period (sanctions/retention.py).
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions",
                               verbose_name=_("person"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("school"))
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions", verbose_name=_("incident"),
    )
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+", verbose_name=_("measure"))
    # What the catalogue and the protocol said when the measure was proposed or imposed. A catalogue or
    # protocol adopted later never changes how a sanction reads or which rules apply to it.
    measure_label = models.CharField(_("measure as decided"), max_length=120)
    board_decides = models.BooleanField(_("decided by the board"), default=False)
    guardians_first = models.BooleanField(_("takes effect after contact with the guardians"), default=False)
    decision = BoundedTextField(_("decision"), help_text=_("What exactly is imposed."))
    reasoning = BoundedTextField(_("reasoning"))
    starts_on = models.DateField(_("takes effect on"), default=timezone.localdate, validators=[validate_within_years_ahead])
    ends_on = models.DateField(_("ends on"), null=True, blank=True, validators=[validate_within_years_ahead])
    days = models.PositiveSmallIntegerField(_("number of days"), null=True, blank=True, validators=DAY_COUNT_VALIDATORS)
    status = FSMField(_("status"), max_length=12, choices=SanctionStatus.choices, default=SanctionStatus.PROPOSED,
                      protected=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    board_reason = BoundedTextField(_("board's reason"), blank=True)
    guardians_contacted_at = models.DateTimeField(_("guardians contacted at"), null=True, blank=True,
                                                  validators=[validate_in_past])
    guardians_contacted_how = BoundedTextField(_("how the guardians were contacted"), blank=True)
    guardians_contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contacted by"),
    )
    # Snapshot: which rules of education law apply, as the catalogue entry said when the measure was proposed.
    legal_kind = models.CharField(_("rules of education law"), max_length=12, choices=LegalKind.choices, blank=True)
    # When the current decision letter was sent (kept by the letter's services; None while no letter is sent).
    letter_sent_at = models.DateTimeField(_("decision letter sent at"), null=True, blank=True)
    admitted_by = models.CharField(_("school that admits the pupil"), max_length=200, blank=True)
    admitted_on = models.DateField(_("admission agreed on"), null=True, blank=True, validators=[validate_in_past])
    admission_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("admission recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("withdrawn by"))
    withdrawal_reason = BoundedTextField(_("reason for withdrawal"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-proposed_at"]),
            models.Index(fields=["school", "status", "-proposed_at"]),
        ]

    def __str__(self):
        if self.person_id is None:  # a tombstone says what, not whom
            return self.measure_label
        return f"{self.measure_label} – {self.person}"

    @transition(field=status, source=SanctionStatus.PROPOSED, target=SanctionStatus.DECIDED,
                conditions=[decided_by_the_school], permission=_may("sanctions.impose"))
    def impose(self, *, by, at):
        self.decided_by, self.decided_at = by, at

    @transition(field=status, source=SanctionStatus.PROPOSED, target=SanctionStatus.DECIDED,
                conditions=[decided_by_the_board, hearing_held_before_removal], permission=_may("sanctions.decide"))
    def approve(self, *, by, at, reason):
        self.decided_by, self.decided_at, self.board_reason = by, at, reason

    @transition(field=status, source=SanctionStatus.PROPOSED, target=SanctionStatus.REJECTED,
                conditions=[decided_by_the_board], permission=_may("sanctions.decide"))
    def reject(self, *, by, at, reason):
        self.decided_by, self.decided_at, self.board_reason = by, at, reason

    # Recording the contact leaves the status as it is (target=None); a rejected measure has nothing to take effect.
    @transition(field=status, source=[SanctionStatus.PROPOSED, SanctionStatus.DECIDED], target=None,
                conditions=[guardians_not_contacted_yet], permission=_may("sanctions.impose"))
    def record_guardian_contact(self, *, by, at, how):
        self.guardians_contacted_by, self.guardians_contacted_at, self.guardians_contacted_how = by, at, how

    @transition(field=status, source=[SanctionStatus.PROPOSED, SanctionStatus.DECIDED], target=SanctionStatus.WITHDRAWN,
                permission=_may("sanctions.withdraw"))
    def withdraw(self, *, by, at, reason):
        self.withdrawn_by, self.withdrawn_at, self.withdrawal_reason = by, at, reason

    @transition(field=status, source=SanctionStatus.DECIDED, target=None,
                conditions=[a_removal, admission_not_recorded_yet], permission=_may("sanctions.impose"))
    def record_admission(self, *, by, school_name, on):
        self.admission_recorded_by, self.admitted_by, self.admitted_on = by, school_name, on

    @property
    def is_withdrawn(self):
        return self.status == SanctionStatus.WITHDRAWN

    def parties_not_heard(self):
        """Who of pupil, guardians and teacher no recorded (not withdrawn) hearing of this sanction has heard."""
        heard = {"pupil": False, "guardians": False, "teacher": False}
        if self.pk is not None:
            for hearing in self.hearings.current():
                for party in heard:
                    heard[party] |= getattr(hearing, f"heard_{party}")
        return [Hearing.PARTY_LABELS[party] for party, done in heard.items() if not done]

    @property
    def reported_to_authorities(self):
        """Which duties to the Inspectie and the leerplichtambtenaar this decision opens (schooldays.py)."""
        if self.legal_kind == LegalKind.SUSPENSION and (self.days or 0) > schooldays.SUSPENSION_REPORTED_AFTER_DAYS:
            return [DutyRecipient.INSPECTIE]
        if self.legal_kind == LegalKind.REMOVAL:
            return [DutyRecipient.INSPECTIE, DutyRecipient.LEERPLICHT]
        return []

    @property
    def search_ends_on(self):
        """A removal approved by the board: the end of the eight weeks to find another school (None otherwise)."""
        if self.legal_kind != LegalKind.REMOVAL or self.status != SanctionStatus.DECIDED or self.decided_at is None:
            return None
        return schooldays.removal_search_ends_on(_local_date(self.decided_at))

    @property
    def search_open(self):
        """The search for another school is running: approved, no admission recorded yet."""
        return self.search_ends_on is not None and self.admitted_on is None

    @property
    def search_overdue(self):
        return self.search_open and self.search_ends_on < timezone.localdate()

    @property
    def waiting_for(self):
        """What the decided measure still waits for before it takes effect (EFFECT_CONDITIONS), in words."""
        return [c.waiting for c in EFFECT_CONDITIONS if c.applies(self) and c.met_on(self) is None]

    @property
    def needs_guardian_contact(self):
        """Under protocols like 004 (rule 12) a pupil's measure waits for contact with the guardians: the
        rule of the protocol in force when the measure was proposed."""
        return self.guardians_first

    @property
    def effective_from(self):
        """The day a decided measure takes effect: its start date, or later when it waits for something of
        EFFECT_CONDITIONS (the guardians' contact, the letter, another school's admission); None until then."""
        if self.status != SanctionStatus.DECIDED:
            return None
        dates = [self.starts_on]
        for condition in EFFECT_CONDITIONS:
            if condition.applies(self):
                met = condition.met_on(self)
                if met is None:
                    return None
                dates.append(met)
        return max(dates)

    @property
    def status_when_recorded(self):
        """What it was when first recorded: proposed to the board, or imposed at once by the school leader (the
        case's timeline shows the board's decision as an entry of its own)."""
        return SanctionStatus.PROPOSED.label if self.board_decides else SanctionStatus.DECIDED.label

    @property
    def state_label(self):
        if self.status != SanctionStatus.DECIDED:
            return self.get_status_display()
        if self.effective_from is None:
            return "; ".join(str(waiting) for waiting in self.waiting_for)
        today = timezone.localdate()
        if self.ends_on and self.ends_on < today:
            return _("Ended")
        if self.effective_from > today:
            return _("Takes effect on %(date)s") % {"date": self.effective_from.strftime("%d-%m-%Y")}
        return _("In effect")


class Correspondence(models.Model):
    """A letter or other document in a person's dossier, usually about a sanction."""

    # None only on a tombstone (sanctions/retention.py), which has neither file nor description.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="correspondence",
                               verbose_name=_("person"))
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("sanction"))
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="correspondence", verbose_name=_("incident"),
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="correspondence/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=64)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    description = models.CharField(_("description"), max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correspondence")
        verbose_name_plural = _("correspondence")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["person", "-uploaded_at"])]

    def __str__(self):
        return self.description or self.original_name or str(self._meta.verbose_name)


class LviReport(models.Model):
    """Staff conduct judged cross-the-line, reported by phone to the Landelijke Vertrouwensinspecteur
    after the staff member was told (protocol 000, Sancties 2)."""

    # None only on a tombstone (sanctions/retention.py).
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="lvi_reports",
                               verbose_name=_("staff member"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="lvi_reports", verbose_name=_("incident"),
    )
    staff_told_at = models.DateTimeField(_("staff member told at"), validators=[validate_in_past])
    staff_told_how = BoundedTextField(_("how the staff member was told"))
    staff_told_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("told by"))
    reported_at = models.DateTimeField(_("reported to the LVI at"), null=True, blank=True, validators=[validate_in_past])
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reported by"),
    )
    inspector = models.CharField(_("confidential inspector spoken to"), max_length=200, blank=True)
    summary = BoundedTextField(_("what was reported and agreed"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("LVI report")
        verbose_name_plural = _("LVI reports")
        ordering = ["-staff_told_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reported_at__isnull=True) | models.Q(reported_at__gte=models.F("staff_told_at")),
                name="lvi_reported_after_staff_told",
            ),
        ]

    def __str__(self):
        return f"LVI – {self.person}" if self.person_id is not None else "LVI"


class WithdrawableQuerySet(models.QuerySet):
    def current(self):
        """The records that count: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Withdrawable(models.Model):
    """A record of a sanction that is never erased: it is withdrawn, with who, when and why."""

    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("withdrawn by"))
    withdrawal_reason = BoundedTextField(_("reason for withdrawal"), blank=True)

    objects = WithdrawableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def school(self):
        return self.sanction.school


class Hearing(Withdrawable):
    """The hearing of the pupil, the guardians and the teacher involved before the board decides a removal."""

    PARTY_LABELS = {"pupil": _("the pupil"), "guardians": _("the guardians"), "teacher": _("the teacher involved")}

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("sanction"))
    held_at = models.DateTimeField(_("held at"), validators=[validate_in_past])
    heard_pupil = models.BooleanField(_("the pupil was heard"), default=False)
    heard_guardians = models.BooleanField(_("the guardians were heard"), default=False)
    heard_teacher = models.BooleanField(_("the teacher involved was heard"), default=False)
    present = BoundedTextField(_("who was there"))
    summary = BoundedTextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["held_at", "pk"]

    def __str__(self):
        return _("Hearing of %(date)s") % {"date": timezone.localtime(self.held_at).strftime("%d-%m-%Y")}

    @property
    def parties(self):
        return [label for party, label in self.PARTY_LABELS.items() if getattr(self, f"heard_{party}")]


class LetterKind(models.TextChoices):
    SUSPENSION = "suspension", _("Suspension")
    REMOVAL = "removal", _("Removal")
    MEASURE = "measure", _("Other measure")


class LetterTemplate(models.Model):
    """A board's wording of a decision letter; the board's administrator edits it. A letter keeps the text it was
    made with (DecisionLetter.subject/body), so a later change never alters a letter that was sent."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="letter_templates", verbose_name=_("board"))
    kind = models.CharField(_("letter for"), max_length=12, choices=LetterKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = BoundedTextField(_("text"), max_length=LONG_TEXT_MAX_LENGTH)
    objection_to = BoundedTextField(_("objections go to"), max_length=1000,
                                    help_text=_("Who decides on an objection, with the address to send it to."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [models.UniqueConstraint(fields=["board", "kind"], name="letter_template_unique_per_board")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.board}"


class SentHow(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By e-mail")
    HAND = "hand", _("Handed over")
    OTHER = "other", _("Otherwise")


class DecisionLetter(Withdrawable):
    """The written decision on a measure: its text as made from the board's template (kept here), the PDF in the
    pupil's dossier (a Correspondence), and when and how it was sent."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="decision_letters",
                                 verbose_name=_("sanction"))
    document = models.OneToOneField(Correspondence, on_delete=models.PROTECT, related_name="decision_letter",
                                    verbose_name=_("document"))
    kind = models.CharField(_("letter for"), max_length=12, choices=LetterKind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = BoundedTextField(_("text"), max_length=LONG_TEXT_MAX_LENGTH)
    objection_to = BoundedTextField(_("objections go to"), max_length=1000)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("made by"))
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, validators=[validate_in_past])
    sent_how = models.CharField(_("sent how"), max_length=8, choices=SentHow.choices, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=300, blank=True)
    sent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("sending recorded by"))

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")
        ordering = ["made_at", "pk"]

    def __str__(self):
        return self.subject


class DutyRecipient(models.TextChoices):
    INSPECTIE = "inspectie", _("Inspectie van het Onderwijs")
    LEERPLICHT = "leerplicht", _("Leerplichtambtenaar")


class Duty(Withdrawable):
    """A duty to inform the Inspectie or the leerplichtambtenaar of a suspension or removal, with its due date;
    done with the date and the reference. A correction keeps the old values in the history, with the reason."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="duties", verbose_name=_("sanction"))
    recipient = models.CharField(_("report to"), max_length=12, choices=DutyRecipient.choices)
    reason = models.CharField(_("because of"), max_length=12, choices=LegalKind.choices)
    due_on = models.DateField(_("due on"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=[validate_in_past])
    reference = models.CharField(_("reference"), max_length=200, blank=True,
                                 help_text=_("The reference of the report, e.g. the number in the Internet Schooldossier."))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("recorded by"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duty to report")
        verbose_name_plural = _("duties to report")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["school", "due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["sanction", "recipient"], condition=models.Q(withdrawn_at__isnull=True),
                                    name="duty_one_current_per_recipient"),
        ]

    def __str__(self):
        return f"{self.get_recipient_display()} – {self.sanction.measure_label}"

    @property
    def is_open(self):
        return self.done_on is None and not self.is_withdrawn

    @property
    def is_overdue(self):
        return self.is_open and self.due_on < timezone.localdate()


class ObjectionOutcome(models.TextChoices):
    PENDING = "pending", _("Not decided yet")
    UPHELD = "upheld", _("Upheld: the decision is revoked")
    PARTLY = "partly", _("Partly upheld")
    DISMISSED = "dismissed", _("Dismissed: the decision stands")
    RETRACTED = "retracted", _("Retracted by the objector")


class Objection(Withdrawable):
    """A bezwaar against a suspension or removal, and the board's decision on it."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="objections", verbose_name=_("sanction"))
    received_on = models.DateField(_("received on"), validators=[validate_in_past])
    lodged_by = models.CharField(_("lodged by"), max_length=200)
    grounds = BoundedTextField(_("grounds"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ObjectionOutcome.choices,
                               default=ObjectionOutcome.PENDING)
    outcome_on = models.DateField(_("decided on"), null=True, blank=True, validators=[validate_in_past])
    outcome_reasoning = BoundedTextField(_("reasoning of the decision"), blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("outcome recorded by"))

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "pk"]

    def __str__(self):
        return _("Objection of %(date)s") % {"date": self.received_on.strftime("%d-%m-%Y")}
