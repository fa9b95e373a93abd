"""The core every app shares: boards, schools, users and their memberships, people, the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import BoundedTextField, validate_within_years_ahead


def private_storage_callable():
    from .files import private_storage

    return private_storage()


class Role(models.TextChoices):
    STAFF = "staff", _("Staff member")
    SCHOOL_LEADER = "school_leader", _("School leader")
    BOARD = "board", _("Board member")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer (FG)")
    COUNSELLOR = "counsellor", _("Confidential counsellor")
    COMMUNICATIONS = "communications", _("Communications officer")
    ADMIN = "admin", _("Administrator")


# Roles that act for the whole board rather than for one school.
BOARD_WIDE_ROLES = frozenset({Role.BOARD, Role.PRIVACY_OFFICER, Role.ADMIN})


class Board(models.Model):
    name = models.CharField(_("name"), max_length=200)
    police_on_any_suspicion = models.BooleanField(
        _("police on any suspicion"),
        default=False,
        help_text=_("The board's protocol requires a police report or police contact for every possible offence."),
    )
    protocol = models.ForeignKey(
        "ProtocolVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("protocol in force"),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention period (months)"), null=True, blank=True,
        help_text=_("Closed cases older than this are anonymised, with the public reports, sanctions, dossier "
                    "documents and LVI reports past it; a tombstone with dates and category is kept. Empty: all are "
                    "kept."),
    )

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="schools", verbose_name=_("board"))
    name = models.CharField(_("name"), max_length=200)
    brin = models.CharField(_("BRIN code"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Identified by e-mail address; roles come from memberships."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Membership(models.Model):
    """A user's role at one school, or for the whole board when no school is given."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("board"))
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("school"),
        help_text=_("Leave empty for a role that covers the whole board."),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    starts_on = models.DateField(_("starts on"), null=True, blank=True, validators=[validate_within_years_ahead])
    ends_on = models.DateField(_("ends on"), null=True, blank=True, validators=[validate_within_years_ahead])

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            models.Index(fields=["user", "role"]),
            # Who is notified: the school leaders of a school, the FG or board members of a board.
            models.Index(fields=["school", "role"]),
            models.Index(fields=["board", "role"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False) | ~Q(role__in=["staff", "school_leader"]),
                name="membership_school_role_has_school",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} ({self.school or self.board})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.school_id and self.board_id and self.school.board_id != self.board_id:
            raise ValidationError({"school": _("This school belongs to another board.")})
        if not self.school_id and self.role in (Role.STAFF, Role.SCHOOL_LEADER):
            raise ValidationError({"school": _("Staff members and school leaders belong to a school.")})


class PersonKind(models.TextChoices):
    PUPIL = "pupil", _("Pupil")
    GUARDIAN = "guardian", _("Guardian")
    STAFF = "staff", _("Staff member")
    EXTERNAL = "external", _("External person")


class PersonQuerySet(models.QuerySet):
    def matching(self, query):
        """People of whom every word of ``query`` is part of the first or last name, or is the class."""
        people = self
        for word in query.replace("\x00", " ").split():  # PostgreSQL takes no NUL in a text, and no name has one
            people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(class_name__iexact=word))
        return people


class Person(models.Model):
    """Someone an incident, sanction or consent is about. Not necessarily a user."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="people", verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=16, choices=PersonKind.choices)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    class_name = models.CharField(_("class"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person_records",
        verbose_name=_("user account"),
    )
    guardians = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="children", verbose_name=_("guardians"),
        limit_choices_to={"kind": PersonKind.GUARDIAN},
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentees",
        verbose_name=_("mentor"),
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "kind", "last_name"])]

    def __str__(self):
        label = f"{self.first_name} {self.last_name}"
        if self.kind == PersonKind.PUPIL and self.class_name:
            label += f" ({self.class_name})"
        return label

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who did what to which object, and when."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=64, db_index=True)
    board = models.ForeignKey(Board, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("board"))
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """The outbox: written in the same transaction as the change that causes it, then delivered by a task.

    One row is one message to one person: it is e-mailed once and stays in their in-app inbox.
    """

    # Indexed by the (recipient, read_at, created_at) index below; every report writes these rows.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=48)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications", verbose_name=_("incident"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=NotificationState.choices, default=NotificationState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Deadline reminders carry a key so that a reminder is created once, however often the beat task runs.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)  # set when the sweeper queued it again
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self):
        return f"{self.recipient} – {self.subject}"


class ExportJobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A large export made by a worker; the user follows its progress and downloads the file when ready."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs", verbose_name=_("user"))
    register = models.CharField(_("register"), max_length=32)
    params = models.TextField(_("filters"), blank=True, help_text=_("The list page's query string."))
    fmt = models.CharField(_("format"), max_length=8)
    state = models.CharField(_("state"), max_length=8, choices=ExportJobState.choices, default=ExportJobState.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), storage=private_storage_callable, upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.register} {self.fmt} ({self.get_state_display()})"

    @property
    def percent(self):
        return int(self.done_rows * 100 / self.total_rows) if self.total_rows else (100 if self.state == ExportJobState.DONE else 0)


class ProtocolProfile(models.Model):
    """One school board's social-media protocol as data: what the portal does differently under it.

    The five protocols the portal was built from ship as profiles (meldpunt/protocols.py); a board adopts one
    through a ProtocolVersion."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = BoundedTextField(_("what this protocol adds"), blank=True)
    first_contact_label = models.CharField(
        _("reports go to"), max_length=100, help_text=_("Who is told first, in the protocol's own words."),
    )
    police_on_any_suspicion = models.BooleanField(_("police on any suspicion"), default=False)
    lvi_report = models.BooleanField(_("report cross-the-line staff conduct to the LVI"), default=False)
    guardians_before_pupil_measure = models.BooleanField(_("guardians contacted before a pupil's measure takes effect"), default=False)
    guardian_dossier = models.BooleanField(_("separate guardian dossier"), default=False)
    consent_at_enrolment = models.BooleanField(_("consent asked at enrolment"), default=False)
    review_months = models.PositiveSmallIntegerField(_("review period (months)"), null=True, blank=True)
    step_labels = models.JSONField(_("step labels"), default=dict, blank=True)
    step_help = models.JSONField(_("step help texts"), default=dict, blank=True)
    extra_actions = models.JSONField(_("extra mandatory actions"), default=list, blank=True)
    notification_roles = models.JSONField(_("who is told, per event"), default=dict, blank=True)
    consent_purposes = models.JSONField(_("consent purposes"), default=list, blank=True)
    sanction_catalogue = models.JSONField(_("sanction catalogue"), default=list, blank=True)

    class Meta:
        verbose_name = _("protocol profile")
        verbose_name_plural = _("protocol profiles")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ProtocolVersion(models.Model):
    """The protocol a board runs: its profile, version, adoption date and review date."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="protocol_versions", verbose_name=_("board"))
    profile = models.ForeignKey(ProtocolProfile, on_delete=models.PROTECT, related_name="versions", verbose_name=_("profile"))
    version = models.CharField(_("version"), max_length=40)
    adopted_on = models.DateField(_("adopted on"), validators=[validate_within_years_ahead])
    review_on = models.DateField(_("to be reviewed by"), null=True, blank=True, validators=[validate_within_years_ahead])
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("protocol version")
        verbose_name_plural = _("protocol versions")
        ordering = ["-adopted_on", "-pk"]

    def __str__(self):
        return f"{self.profile.name}, versie {self.version} ({self.adopted_on:%d-%m-%Y})"
