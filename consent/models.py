"""Consent for photo, film and audio per person and purpose, and the registers of social-media accounts.

Consent is kept as append-only rows: an answer is never edited, a changed mind is a new row, so the
history is the table itself and the current answer is always derived (see selectors.consent_status).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models import Platform
from portal import files
from portal.history import HistoricalRecords
from portal.models import Board, Person, School
from portal.validators import BoundedTextField, validate_in_past


def private_storage():
    return files.private_storage()


class ConsentPurpose(models.Model):
    """What consent is asked for, per board: the defaults are created for every board and can be changed."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="consent_purposes", verbose_name=_("board"))
    code = models.SlugField(_("code"), max_length=40, help_text=_("A short fixed name, used in exports. Cannot be changed later."))
    label = models.CharField(_("label"), max_length=200)
    help_text = BoundedTextField(_("explanation"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True, help_text=_("Inactive purposes are no longer asked or checked; their history is kept."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["board", "ordering", "pk"]
        constraints = [models.UniqueConstraint(fields=["board", "code"], name="consent_purpose_unique_code")]

    def __str__(self):
        return self.label


class Answer(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class GivenBy(models.TextChoices):
    GUARDIAN = "guardian", _("A guardian")
    SELF = "self", _("The person themself")


class Evidence(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form (uploaded)")
    SIGNED_IN = "signed_in", _("Confirmed while signed in")
    NOTED = "noted", _("Noted by the school (refusal or withdrawal only)")


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Consent records cannot be changed; record a new answer instead.")

    def delete(self):
        raise PermissionError("Consent records cannot be deleted; record a new answer instead.")

    def in_effect_order(self):
        return self.order_by("given_on", "recorded_at", "pk")


class ConsentRecord(models.Model):
    """One answer about one person and one purpose: who gave it, when, and how it can be shown.

    A grant needs proof (a signed form or a signed-in confirmation); a refusal or withdrawal is
    accepted however it reaches the school, because it must take effect at once.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consent_records", verbose_name=_("person"))
    purpose = models.ForeignKey(ConsentPurpose, on_delete=models.PROTECT, related_name="records", verbose_name=_("purpose"))
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    is_withdrawal = models.BooleanField(_("withdrawal"), default=False, editable=False)
    given_by = models.CharField(_("given by"), max_length=8, choices=GivenBy.choices)
    guardian = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="consent_answers_given",
        verbose_name=_("guardian"),
    )
    given_on = models.DateField(_("given on"), validators=[validate_in_past])
    evidence = models.CharField(_("how it can be shown"), max_length=12, choices=Evidence.choices)
    file = models.FileField(_("signed form"), storage=private_storage, upload_to="consent/%Y/%m/", blank=True)
    content_type = models.CharField(_("type"), max_length=64, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed with account"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent answer")
        verbose_name_plural = _("consent answers")
        ordering = ["-given_on", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["person", "purpose", "given_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(answer="granted") | Q(evidence__in=["signed_form", "signed_in"]),
                name="consent_grant_is_demonstrable",
            ),
            models.CheckConstraint(condition=~Q(evidence="signed_form") | ~Q(file=""), name="consent_form_has_file"),
            models.CheckConstraint(
                condition=~Q(evidence="signed_in") | Q(confirmed_by__isnull=False), name="consent_signed_in_has_account",
            ),
            models.CheckConstraint(
                condition=Q(given_by="guardian", guardian__isnull=False) | Q(given_by="self", guardian__isnull=True),
                name="consent_guardian_named",
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.purpose}: {self.get_answer_display()} ({self.given_on:%d-%m-%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Consent records cannot be changed; record a new answer instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Consent records cannot be deleted; record a new answer instead.")

    @property
    def answer_label(self):
        if self.is_withdrawal:
            return pgettext_lazy("consent answer", "Withdrawn")
        return self.get_answer_display()


class StudentNumber(models.Model):
    """The pupil's number in the school's administration system, so that a new export updates the same pupil."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school"))
    number = models.CharField(_("pupil number"), max_length=32)
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="student_number", verbose_name=_("pupil"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pupil number")
        verbose_name_plural = _("pupil numbers")
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="student_number_unique_per_school")]

    def __str__(self):
        return self.number


class RegisteredAccount(models.Model):
    """What both registers keep of a social-media account: where, under which name, and since when."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    handle = models.CharField(_("account name"), max_length=200)
    ended_on = models.DateField(_("closed on"), null=True, blank=True, validators=[validate_in_past])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["school", "platform", "handle"]

    def __str__(self):
        return f"{self.get_platform_display()}: {self.handle}"


class WorkAccount(RegisteredAccount):
    """A staff member's work account (002 §9 C1–C2): own name with the school, used in a closed group."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="work_accounts", verbose_name=_("school"))
    closed_group = models.BooleanField(
        _("used in a closed group"), default=True,
        help_text=_("Protocol: a work account communicates with pupils only within a closed group."),
    )
    group_name = models.CharField(_("name of the closed group"), max_length=200, blank=True)
    purpose = BoundedTextField(_("what it is used for"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="work_accounts",
        verbose_name=_("owner (account)"),
    )
    owner_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="work_accounts",
        verbose_name=_("owner (staff member)"), limit_choices_to={"kind": "staff"},
    )

    history = HistoricalRecords()

    class Meta(RegisteredAccount.Meta):
        verbose_name = _("work account")
        verbose_name_plural = _("work accounts")
        constraints = [
            models.CheckConstraint(condition=Q(owner__isnull=False) | Q(owner_person__isnull=False), name="work_account_has_owner"),
        ]

    @property
    def owner_name(self):
        return str(self.owner or self.owner_person.full_name)


class SchoolAccount(RegisteredAccount):
    """An account owned by the school (002 §9 C3): it stays with the school when a manager leaves (footnote 4)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="school_accounts", verbose_name=_("owning school"))
    note = BoundedTextField(_("note"), blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SchoolAccountManager", through_fields=("account", "user"),
        related_name="managed_school_accounts", verbose_name=_("managers"),
    )

    history = HistoricalRecords()

    class Meta(RegisteredAccount.Meta):
        verbose_name = _("school account")
        verbose_name_plural = _("school accounts")


class SchoolAccountManager(models.Model):
    """One person managing a school account. When they leave the school, the handover is recorded here."""

    account = models.ForeignKey(SchoolAccount, on_delete=models.CASCADE, related_name="manager_rows", verbose_name=_("school account"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("manager"))
    added_at = models.DateTimeField(_("manager since"), default=timezone.now)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("handover recorded by"),
    )
    handover_note = BoundedTextField(_("handover note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school account manager")
        verbose_name_plural = _("school account managers")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"], condition=Q(handed_over_at__isnull=True), name="school_account_manager_once",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.account}"
