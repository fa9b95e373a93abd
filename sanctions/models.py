"""Sanctions, their correspondence, and the report to the Landelijke Vertrouwensinspecteur (LVI).

Protocols 000 (Sancties), 002 §10, 003 (Gevolgen en mogelijke sancties) and 004 (rules 11, 12, 19).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from rules import has_perm

from incidents.models import private_storage
from portal.history import HistoricalRecords
from portal.models import Board, Person, School
from portal.validators import DAY_COUNT_VALIDATORS, BoundedTextField, validate_in_past, validate_within_years_ahead


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


class SanctionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed to the board")
    DECIDED = "decided", _("Imposed")
    REJECTED = "rejected", _("Rejected by the board")


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


class Sanction(ConcurrentTransitionMixin, models.Model):
    """A measure imposed on, or proposed for, a person. ``status`` is a django-fsm state machine: every sanction
    starts as proposed, and its transitions below are the whole table (tests/sanctions/test_workflow.py). They
    only set fields; the services lock, check, notify and audit."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("person"))
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
        return f"{self.measure_label} – {self.person}"

    @transition(field=status, source=SanctionStatus.PROPOSED, target=SanctionStatus.DECIDED,
                conditions=[decided_by_the_school], permission=_may("sanctions.impose"))
    def impose(self, *, by, at):
        self.decided_by, self.decided_at = by, at

    @transition(field=status, source=SanctionStatus.PROPOSED, target=SanctionStatus.DECIDED,
                conditions=[decided_by_the_board], permission=_may("sanctions.decide"))
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

    @property
    def needs_guardian_contact(self):
        """Under protocols like 004 (rule 12) a pupil's measure waits for contact with the guardians: the
        rule of the protocol in force when the measure was proposed."""
        return self.guardians_first

    @property
    def effective_from(self):
        """A pupil's measure takes effect only once the guardians have been contacted (004 rule 12)."""
        if self.status != SanctionStatus.DECIDED:
            return None
        if self.needs_guardian_contact:
            if self.guardians_contacted_at is None:
                return None
            return max(self.starts_on, timezone.localtime(self.guardians_contacted_at).date())
        return self.starts_on

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
            return _("Waiting for contact with the guardians")
        today = timezone.localdate()
        if self.ends_on and self.ends_on < today:
            return _("Ended")
        if self.effective_from > today:
            return _("Takes effect on %(date)s") % {"date": self.effective_from.strftime("%d-%m-%Y")}
        return _("In effect")


class Correspondence(models.Model):
    """A letter or other document in a person's dossier, usually about a sanction."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="correspondence", verbose_name=_("person"))
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

    class Meta:
        verbose_name = _("correspondence")
        verbose_name_plural = _("correspondence")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["person", "-uploaded_at"])]

    def __str__(self):
        return self.description or self.original_name


class LviReport(models.Model):
    """Staff conduct judged cross-the-line, reported by phone to the Landelijke Vertrouwensinspecteur
    after the staff member was told (protocol 000, Sancties 2)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="lvi_reports", verbose_name=_("staff member"))
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
        return f"LVI – {self.person}"
