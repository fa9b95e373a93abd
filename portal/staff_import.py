"""Staff and their roles from a CSV or XLSX list (portal.tabular): check every row first, then write all or nothing.

The format (one row per role; someone with two roles is on two rows)::

    naam;email;school;rol

``school`` is the school's name or BRIN code, left empty for a role of the whole board. ``rol`` is one of the
portal's roles in Dutch (medewerker, schoolleider, bestuurder, fg, vertrouwenspersoon, communicatie, beheerder).

A person is found by e-mail address; one not in the portal gets an account without a password (they sign in
with the school's account, or set a password through "Wachtwoord vergeten"). A role already held is left as it
is. Nothing is ever ended by the import: the roles at the schools in the file (and the board's roles, when the
file has any) held by people who are not in the file are listed, for the administrator to end in the admin.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Membership, Role
from .tabular import CREATED, REFUSED, UNCHANGED, UPDATED, ImportReport, RowOutcome, sniff_delimiter

REQUIRED_COLUMNS = ["naam", "email", "school", "rol"]
COLUMN_ALIASES = {"e_mail": "email", "e_mailadres": "email", "emailadres": "email", "functie": "rol", "role": "rol",
                  "name": "naam", "school_brin": "school", "brin": "school"}
ROLE_NAMES = {
    "medewerker": Role.STAFF, "leraar": Role.STAFF, "docent": Role.STAFF,
    "schoolleider": Role.SCHOOL_LEADER, "directeur": Role.SCHOOL_LEADER, "schooldirecteur": Role.SCHOOL_LEADER,
    "bestuurder": Role.BOARD, "bestuur": Role.BOARD, "bestuurslid": Role.BOARD,
    "fg": Role.PRIVACY_OFFICER, "functionaris gegevensbescherming": Role.PRIVACY_OFFICER, "privacy officer": Role.PRIVACY_OFFICER,
    "vertrouwenspersoon": Role.COUNSELLOR,
    "communicatie": Role.COMMUNICATIONS, "communicatiemedewerker": Role.COMMUNICATIONS, "woordvoerder": Role.COMMUNICATIONS,
    "beheerder": Role.ADMIN, "beheer": Role.ADMIN,
    **{role.value: role for role in Role},
}
SCHOOL_ROLES = (Role.STAFF, Role.SCHOOL_LEADER)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
EMAIL_MAX_LENGTH = 254



@dataclass
class StaffRow(RowOutcome):
    email: str = ""
    name: str = ""
    role: str = ""
    school: object = None

    @property
    def role_label(self):
        return Role(self.role).label if self.role else ""


@dataclass
class StaffReport(ImportReport):
    missing: list = field(default_factory=list)  # active memberships of people not in the file, to be ended by hand
    new_users: dict = field(default_factory=dict)  # e-mail -> (first name, last name)
    renamed: dict = field(default_factory=dict)  # user -> (first name, last name)
    new_memberships: list = field(default_factory=list)  # (e-mail, role, school)


def _key(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).strip().lower())


def _column(name):
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return COLUMN_ALIASES.get(key, key)


def split_name(name):
    """'Jan van Dijk' -> ('Jan', 'van Dijk'): the first word is the first name."""
    first, _space, last = name.strip().partition(" ")
    return first, last.strip()


def _read(text, report):
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        columns = [_column(c) for c in header]
        if not any(columns):
            report.errors.append(_("The file is empty."))
            return []
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            report.errors.append(
                _("These required columns are missing: %(columns)s. The first line must name the columns, for example: %(example)s.")
                % {"columns": ", ".join(missing), "example": ";".join(REQUIRED_COLUMNS)})
            return []
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                report.errors.append(_("The file has more than %(max)s rows. Split it into smaller files.") % {"max": MAX_ROWS})
                return []
            rows.append((reader.line_num, {c: cell.strip() for c, cell in zip(columns, cells) if c}))
    except csv.Error:
        report.errors.append(_("The file cannot be read as CSV (line %(line)s). Export the list again and choose that file.")
                             % {"line": reader.line_num})
        return []
    return rows


def _check(row, values, schools):
    name = values.get("naam", "")
    row.name, row.email = name[:250], values.get("email", "").lower()
    if any(unicodedata.category(char) == "Cc" for value in values.values() for char in value):
        row.refuse(_("This line holds an invisible control character. Remove it and export again."))
        return
    first, last = split_name(name)
    if not first:
        row.refuse(_("The name is missing."))
    elif len(first) > 150 or len(last) > 150:
        row.refuse(_("The name is too long."))
    try:
        validate_email(row.email)
        if len(row.email) > EMAIL_MAX_LENGTH:
            raise ValidationError(row.email)
    except ValidationError:
        row.refuse(_("The e-mail address “%(value)s” is not valid.") % {"value": row.email[:100]}
                   if row.email else _("The e-mail address is missing."))
    role_text = values.get("rol", "")
    row.role = ROLE_NAMES.get(_key(role_text), "")
    if not row.role:
        row.refuse(_("The role “%(value)s” is not known. Use one of: %(roles)s.")
                   % {"value": role_text[:50], "roles": "medewerker, schoolleider, bestuurder, fg, vertrouwenspersoon, "
                                                        "communicatie, beheerder"})
        return
    school_text = values.get("school", "")
    if row.role in SCHOOL_ROLES:
        row.school = schools.get(_key(school_text)) if school_text else None
        if not school_text:
            row.refuse(_("A %(role)s belongs to a school: fill in the school.") % {"role": row.role_label.lower()})
        elif row.school is None:
            row.refuse(_("There is no school “%(value)s” in this board. Use the school's name or BRIN code as in the portal.")
                       % {"value": school_text[:100]})
    elif school_text:
        row.refuse(_("A %(role)s works for the whole board: leave the school empty.") % {"role": row.role_label.lower()})


def staff_import_plan(*, board, data):
    """Check every row and work out what the import would do. Reads the database, writes nothing."""
    report = StaffReport()
    text = report.read(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if text is None:
        return report
    parsed = _read(text, report)
    if not parsed and not report.errors:
        report.errors.append(_("The file has no people below the line with the column names."))
    if report.errors:
        return report

    schools = {}
    for school in board.schools.all():
        schools[_key(school.name)] = school
        if school.brin:
            schools[_key(school.brin)] = school
    names = {}
    seen = {}
    for line, values in parsed:
        row = StaffRow(line=line)
        report.rows.append(row)
        _check(row, values, schools)
        if row.outcome == REFUSED:
            continue
        name = split_name(values["naam"])
        if names.setdefault(row.email, (line, name))[1] != name:
            row.refuse(_("%(email)s is also on line %(line)s, with another name.") % {"email": row.email, "line": names[row.email][0]})
            continue
        key = (row.email, row.role, row.school.pk if row.school else None)
        if key in seen:
            row.outcome = UNCHANGED
            row.messages.append(_("The same role as on line %(line)s.") % {"line": seen[key]})
            continue
        seen[key] = line
    if not report.ok:
        report.refused_as_a_whole()
        return report

    users = {user.email_lower: user for user in
             get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=list(names))}
    held = set(Membership.objects.active().filter(board=board, user__in=users.values())
               .values_list("user__email", "role", "school_id"))
    held = {(email.lower(), role, school) for email, role, school in held}
    elsewhere = set(Membership.objects.filter(user__in=users.values()).exclude(board=board).values_list("user_id", flat=True))
    for row in report.rows:
        if row.outcome:
            continue
        first, last = names[row.email][1]
        user = users.get(row.email)
        renamed_here = False
        if user is None and row.email not in report.new_users:
            report.new_users[row.email] = (first, last)
            row.messages.append(_("New account (signs in with the school's account, or sets a password)."))
        elif user is not None and (user.first_name, user.last_name) != (first, last) and user not in report.renamed:
            if user.pk in elsewhere:  # another board's account too: its name is not this board's to change
                row.messages.append(_("The name in the portal (%(old)s) is kept: this account also works for another "
                                      "board.") % {"old": user.get_full_name() or "—"})
            else:
                report.renamed[user] = (first, last)
                renamed_here = True
                row.messages.append(_("Name changed from %(old)s.") % {"old": user.get_full_name() or "—"})
        if (row.email, row.role, row.school.pk if row.school else None) in held:
            row.outcome = UPDATED if renamed_here else UNCHANGED
            row.messages.append(_("Already has this role."))
        else:
            row.outcome = CREATED
            report.new_memberships.append((row.email, row.role, row.school))
            row.messages.append(_("Role added."))

    in_file = set(seen)
    school_ids = {row.school.pk for row in report.rows if row.school}
    board_wide = any(row.school is None for row in report.rows)
    scope = Q(school_id__in=school_ids) | (Q(school__isnull=True) if board_wide else Q(pk__in=[]))
    for membership in (Membership.objects.active().filter(scope, board=board).select_related("user", "school")
                       .order_by("school__name", "role", "user__last_name", "user__email")):
        if (membership.user.email.lower(), membership.role, membership.school_id) not in in_file:
            report.missing.append(membership)
    return report


def staff_import(*, board, actor, data, dry_run=False):
    """Import staff and their roles for ``board``: all rows or none; a dry run reports what would happen."""
    import rules

    if not rules.has_perm("portal.import_staff", actor, board):
        raise PermissionDenied
    report = staff_import_plan(board=board, data=data)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    User = get_user_model()
    try:
        with transaction.atomic():
            accounts = {}
            for email, (first, last) in report.new_users.items():
                user = User(email=email, first_name=first, last_name=last)
                user.set_unusable_password()
                user.save()
                accounts[email] = user
            for user, (first, last) in report.renamed.items():
                user.first_name, user.last_name = first, last
                user.save(update_fields=["first_name", "last_name"])
                accounts[user.email.lower()] = user
            for email in {email for email, _role, _school in report.new_memberships} - set(accounts):
                accounts[email] = User.objects.get(email__iexact=email)
            Membership.objects.bulk_create([
                Membership(user=accounts[email], board=board, school=school, role=role)
                for email, role, school in report.new_memberships])
            audit_record(actor=actor, action="staff.import", obj=board, board=board, **report.totals,
                         accounts_created=len(report.new_users), missing=len(report.missing))
    except IntegrityError:  # someone made the same account in between
        report.errors.append(_("The staff changed while this file was being imported; nothing was imported. Upload the file again."))
    return report
