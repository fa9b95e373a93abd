"""Pupils and guardians from the school administration system's export, as CSV or XLSX (Magister, SOMtoday and
ParnasSys export either; an XLSX workbook's first sheet is read as if it were the CSV, portal.tabular).

The format (one row per pupil and guardian; a pupil with two guardians is on two rows):

    leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;klas;ouder_voornaam;ouder_tussenvoegsel;ouder_achternaam;ouder_email;ouder_telefoon

Required: leerlingnummer, voornaam, achternaam, geboortedatum. The other columns may be left out or
empty. Column order is free; names are matched without regard to case, spaces or hyphens. Dates as
31-12-2010 or 2010-12-31. Separated by ; or , (or a tab); UTF-8 (with or without BOM) or Windows-1252.

Checking (``import_plan``) reads the database but never writes; ``import_apply`` writes a checked plan.
A pupil is found again by their number; a pupil already in the portal without a number is found by
name and date of birth and gets the number. A guardian is found by e-mail address at the school, or by
name among the pupil's guardians. Nothing is ever removed: a guardian missing from the file stays linked.
"""

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Person, PersonKind

from portal.tabular import CREATED, IN_ORDER, REFUSED, UNCHANGED, UPDATED, RowOutcome, sniff_delimiter
from portal.tabular import ImportReport as TableImportReport

from .models import StudentNumber

REQUIRED_COLUMNS = ["leerlingnummer", "voornaam", "achternaam", "geboortedatum"]
OPTIONAL_COLUMNS = ["tussenvoegsel", "klas", "ouder_voornaam", "ouder_tussenvoegsel", "ouder_achternaam", "ouder_email",
                    "ouder_telefoon"]
COLUMN_ALIASES = {"stamnummer": "leerlingnummer", "roepnaam": "voornaam", "groep": "klas", "geboorte_datum": "geboortedatum"}
GUARDIAN_COLUMNS = ["ouder_voornaam", "ouder_tussenvoegsel", "ouder_achternaam", "ouder_email", "ouder_telefoon"]
DATE_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$")
EMAIL_MAX_LENGTH = Person._meta.get_field("email").max_length  # validate_email accepts longer addresses



@dataclass
class RowReport(RowOutcome):
    number: str = ""
    name: str = ""


@dataclass
class GuardianPlan:
    fields: dict
    person: Person | None = None
    changes: dict = field(default_factory=dict)
    changes_reported: bool = False

    @property
    def name(self):
        return f"{self.fields['first_name']} {self.fields['last_name']}"


@dataclass
class PupilPlan:
    number: str
    fields: dict
    person: Person | None = None
    changes: dict = field(default_factory=dict)
    adopt_number: bool = False  # an existing pupil without a number gets this one
    guardians: list = field(default_factory=list)  # GuardianPlans to link (not yet linked)


@dataclass
class ImportReport(TableImportReport):
    delimiter: str = ""
    pupils: list = field(default_factory=list)
    guardians: list = field(default_factory=list)


def normalise_column(name):
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return COLUMN_ALIASES.get(key, key)


def parse_date(value):
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _join_name(prefix, last):
    return f"{prefix} {last}".strip() if prefix else last


def _check_row(values, report):
    """The pupil's and guardian's fields from one row, or refusals on ``report``."""
    number = values.get("leerlingnummer", "")
    first, last = values.get("voornaam", ""), _join_name(values.get("tussenvoegsel", ""), values.get("achternaam", ""))
    report.number, report.name = number, f"{first} {last}".strip()
    if not number:
        report.refuse(_("The pupil number (leerlingnummer) is missing."))
    elif not NUMBER_PATTERN.match(number):
        report.refuse(_("The pupil number “%(value)s” is not valid: use at most 32 letters and digits.") % {"value": number[:40]})
    if not first or not values.get("achternaam"):
        report.refuse(_("The pupil's first name and last name are both required."))
    if len(first) > 100 or len(last) > 150:
        report.refuse(_("The pupil's name is too long."))
    born_text = values.get("geboortedatum", "")
    born = parse_date(born_text) if born_text else None
    if not born_text:
        report.refuse(_("The date of birth (geboortedatum) is missing."))
    elif born is None:
        report.refuse(_("The date of birth “%(value)s” cannot be read; write it as 31-12-2010.") % {"value": born_text[:20]})
    elif born > timezone.localdate() or born.year < 1900:
        report.refuse(_("The date of birth %(value)s is not possible.") % {"value": born_text})
    class_name = values.get("klas", "")
    if len(class_name) > 32:
        report.refuse(_("The class name is longer than 32 characters."))
    pupil = {"first_name": first, "last_name": last, "date_of_birth": born, "class_name": class_name}

    guardian = None
    if any(values.get(column) for column in GUARDIAN_COLUMNS):
        g_first = values.get("ouder_voornaam", "")
        g_last = _join_name(values.get("ouder_tussenvoegsel", ""), values.get("ouder_achternaam", ""))
        email, phone = values.get("ouder_email", "").lower(), values.get("ouder_telefoon", "")
        if not g_first or not values.get("ouder_achternaam"):
            report.refuse(_("The guardian's first name and last name are both required when a guardian is given."))
        if len(g_first) > 100 or len(g_last) > 150:
            report.refuse(_("The guardian's name is too long."))
        if email:
            try:
                validate_email(email)
                if len(email) > EMAIL_MAX_LENGTH:
                    raise ValidationError(email)
            except ValidationError:
                report.refuse(_("The guardian's e-mail address “%(value)s” is not valid.") % {"value": email[:100]})
        if len(phone) > 32:
            report.refuse(_("The guardian's phone number is too long."))
        guardian = {"first_name": g_first, "last_name": g_last, "email": email, "phone": phone}
    return pupil, guardian


def _csv_error(error, line):
    """A Dutch sentence for what the csv module refuses (its own messages are English)."""
    if "field larger than field limit" in str(error):
        return _("Line %(line)s holds a field of more than %(limit)s characters: this is no export of pupils. Is a closing "
                 "quotation mark (\") missing? Export the pupils again as CSV and choose that file.") % {
            "line": line, "limit": csv.field_size_limit()}
    return _("The file cannot be read as CSV (line %(line)s). Export the pupils again as CSV and choose that file.") % {
        "line": line}


def _control_characters(values):
    """The columns whose cell holds an invisible control character (a bell, a backspace ...)."""
    return [column for column, value in values.items() if any(unicodedata.category(char) == "Cc" for char in value)]


def _read_rows(text, report):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as error:
        report.errors.append(_csv_error(error, 1))
        return []
    columns = [normalise_column(c) for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if not any(columns):
        report.errors.append(_("The file is empty."))
        return []
    if missing:
        report.errors.append(
            _("These required columns are missing: %(columns)s. The first line must name the columns, for example: %(example)s.")
            % {"columns": ", ".join(missing), "example": ";".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS[:2])}
        )
        return []
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        report.errors.append(_("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(duplicates)})
        return []
    unknown = [h for h, c in zip(header, columns) if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        report.notes.append(_("These columns are not used: %(columns)s.") % {"columns": ", ".join(unknown)})
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                report.errors.append(_("The file has more than %(max)s rows. Split it into smaller files.") % {"max": MAX_ROWS})
                return []
            row = RowReport(line=reader.line_num)
            if len(cells) > len(columns):
                row.refuse(_("This line has more fields than the header (%(found)s instead of %(expected)s). Is there a separator in a name?")
                           % {"found": len(cells), "expected": len(columns)})
            values = {c: cell.strip() for c, cell in zip(columns, cells) if c}
            controlled = _control_characters(values)
            if controlled:
                row.refuse(_("Line %(line)s holds an invisible control character in %(columns)s. Remove it in the "
                             "administration system and export again.") % {"line": row.line, "columns": ", ".join(controlled)})
            rows.append((row, values))
    except csv.Error as error:
        report.errors.append(_csv_error(error, reader.line_num))
        return []
    return rows


def _guardian_key(fields):
    if fields["email"]:
        return ("email", fields["email"])
    return ("name", fields["first_name"].lower(), fields["last_name"].lower())


def _diff(person, fields):
    """What the file changes: a value in the file replaces the portal's; an empty cell leaves it as it is."""
    return {name: value for name, value in fields.items() if value not in ("", None) and getattr(person, name) != value}


def import_plan(*, school, data):
    """Check every row and work out what the import would do. Reads the database, writes nothing."""
    report = ImportReport()
    text = report.read(data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if text is None:
        return report
    report.delimiter = sniff_delimiter(text)
    parsed = _read_rows(text, report)
    if not parsed and not report.errors:
        report.errors.append(_("The file has no pupils below the line with the column names."))
    if report.errors:
        return report

    checked = []  # (row report, pupil fields, guardian fields)
    first_seen = {}
    for row, values in parsed:
        pupil, guardian = _check_row(values, row)
        report.rows.append(row)
        if row.outcome == REFUSED:
            continue
        earlier = first_seen.get(row.number)
        if earlier is not None and earlier[1] != pupil:
            row.refuse(_("Pupil number %(number)s is also on line %(line)s, with other details.")
                       % {"number": row.number, "line": earlier[0].line})
            continue
        first_seen.setdefault(row.number, (row, pupil))
        checked.append((row, pupil, guardian))
    if not report.ok:
        for row, _p, _g in checked:
            row.outcome = row.outcome or IN_ORDER
        return report

    numbers = {row.number for row, _p, _g in checked}
    known = {sn.number: sn.person for sn in StudentNumber.objects.filter(school=school, number__in=numbers).select_related("person")}
    births = {pupil["date_of_birth"] for _r, pupil, _g in checked}
    unnumbered = {}
    for person in Person.objects.filter(school=school, kind=PersonKind.PUPIL, student_number__isnull=True, date_of_birth__in=births):
        unnumbered.setdefault((person.first_name.lower(), person.last_name.lower(), person.date_of_birth), []).append(person)
    emails = {g["email"] for _r, _p, g in checked if g and g["email"]}
    guardians_by_email = {}
    for person in (Person.objects.filter(school=school, kind=PersonKind.GUARDIAN).annotate(email_lower=Lower("email"))
                   .filter(email_lower__in=emails).order_by("pk")):
        guardians_by_email.setdefault(person.email_lower, person)
    candidates = [p.pk for p in known.values()] + [p.pk for group in unnumbered.values() for p in group]
    linked = {}  # pupil pk -> their guardians now
    for link in Person.guardians.through.objects.filter(from_person__in=candidates).select_related("to_person"):
        linked.setdefault(link.from_person_id, []).append(link.to_person)

    pupil_plans = {}
    guardian_plans = {}
    for row, pupil_fields, guardian_fields in checked:
        plan = pupil_plans.get(row.number)
        if plan is None:
            plan = _plan_pupil(row, pupil_fields, known, unnumbered)
            pupil_plans[row.number] = plan
        elif row.outcome == "":
            row.outcome = UNCHANGED
        if guardian_fields:
            _plan_guardian(row, plan, guardian_fields, guardian_plans, guardians_by_email, linked)
    _refuse_double_adoptions(pupil_plans, report)
    if not report.ok:
        report.refused_as_a_whole()
    report.pupils = list(pupil_plans.values())
    report.guardians = list(guardian_plans.values())
    return report


def _plan_pupil(row, fields, known, unnumbered):
    plan = PupilPlan(number=row.number, fields=fields, person=known.get(row.number))
    if plan.person is None:
        matches = unnumbered.get((fields["first_name"].lower(), fields["last_name"].lower(), fields["date_of_birth"]), [])
        if len(matches) == 1:
            plan.person, plan.adopt_number = matches[0], True
            row.messages.append(_("Found without a pupil number; the number is added."))
    if plan.person is None:
        row.outcome = CREATED
        row.messages.append(_("New pupil."))
        return plan
    plan.changes = _diff(plan.person, fields)
    if plan.changes:
        row.messages.append(_("Changed: %(fields)s.") % {"fields": ", ".join(_COLUMN_OF[name] for name in plan.changes)})
    row.outcome = UPDATED if plan.changes or plan.adopt_number else UNCHANGED
    return plan


_COLUMN_OF = {"first_name": "voornaam", "last_name": "achternaam", "date_of_birth": "geboortedatum", "class_name": "klas"}
_GUARDIAN_COLUMN_OF = {"first_name": "ouder_voornaam", "last_name": "ouder_achternaam", "email": "ouder_email",
                       "phone": "ouder_telefoon"}


def _plan_guardian(row, plan, fields, guardian_plans, guardians_by_email, linked):
    key = _guardian_key(fields)
    current = linked.get(plan.person.pk, []) if plan.person else []
    guardian = guardian_plans.get(key)
    if guardian is None:
        existing = guardians_by_email.get(fields["email"]) if fields["email"] else None
        if existing is None:
            name = (fields["first_name"].lower(), fields["last_name"].lower())
            existing = next((g for g in current if (g.first_name.lower(), g.last_name.lower()) == name), None)
        guardian = GuardianPlan(fields=fields, person=existing)
        if existing is not None:
            guardian.changes = _diff(existing, fields)
        guardian_plans[key] = guardian
    already_linked = guardian.person is not None and any(g.pk == guardian.person.pk for g in current)
    if already_linked or any(g is guardian for g in plan.guardians):
        row.messages.append(_("Guardian %(name)s is already linked.") % {"name": guardian.name})
    else:
        plan.guardians.append(guardian)
        message = _("Guardian %(name)s linked.") if guardian.person else _("New guardian %(name)s.")
        row.messages.append(message % {"name": guardian.name})
        if row.outcome == UNCHANGED:
            row.outcome = UPDATED
    if guardian.changes and not guardian.changes_reported:
        guardian.changes_reported = True
        row.messages.append(_("Guardian's details changed: %(fields)s.")
                            % {"fields": ", ".join(_GUARDIAN_COLUMN_OF[name] for name in guardian.changes)})
        if row.outcome == UNCHANGED:
            row.outcome = UPDATED


def _refuse_double_adoptions(pupil_plans, report):
    """Two numbers in the file must not both claim the same pupil found by name and date of birth."""
    claimed = {}
    for plan in pupil_plans.values():
        if plan.adopt_number:
            claimed.setdefault(plan.person.pk, []).append(plan.number)
    for numbers in claimed.values():
        if len(numbers) > 1:
            for row in report.rows:
                if row.number in numbers:
                    row.refuse(_("Pupil numbers %(numbers)s both match the same pupil in the portal (same name and date of birth).")
                               % {"numbers": ", ".join(numbers)})


def import_apply(*, school, report):
    """Write a checked plan. Call inside a transaction: an error leaves nothing behind."""
    for guardian in report.guardians:
        if guardian.person is None:
            guardian.person = Person.objects.create(school=school, kind=PersonKind.GUARDIAN, **guardian.fields)
        elif guardian.changes:
            for name, value in guardian.changes.items():
                setattr(guardian.person, name, value)
            guardian.person.save(update_fields=list(guardian.changes))
    for plan in report.pupils:
        if plan.person is None:
            plan.person = Person.objects.create(school=school, kind=PersonKind.PUPIL, **plan.fields)
            StudentNumber.objects.create(school=school, number=plan.number, person=plan.person)
        else:
            if plan.changes:
                for name, value in plan.changes.items():
                    setattr(plan.person, name, value)
                plan.person.save(update_fields=list(plan.changes))
            if plan.adopt_number:
                StudentNumber.objects.create(school=school, number=plan.number, person=plan.person)
        if plan.guardians:
            plan.person.guardians.add(*[g.person for g in plan.guardians])
