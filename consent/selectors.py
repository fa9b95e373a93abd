"""Reads, always scoped to the user, and the rule that turns a person's answers into yes, no or unknown."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from incidents.selectors import PERSON_SEARCH_LIMIT
from portal.access import access_for
from portal.models import Board, Membership, Person, PersonKind, Role, School

from .models import Answer, ConsentPurpose, ConsentRecord, GivenBy, SchoolAccount, SchoolAccountManager, WorkAccount

AGE_OF_CONSENT = 16  # 002 §9 A5–A6, B2–B3; 000 A5: under 16 the guardians decide, from 16 the pupil

YES, NO, UNKNOWN = "yes", "no", "unknown"

# (who answered, what they answered) -> the reason shown to admins and school leaders
_REASONS = {
    ("guardian", "granted"): _("Granted by guardian %(name)s on %(date)s"),
    ("guardian", "refused"): _("Refused by guardian %(name)s on %(date)s"),
    ("guardian", "withdrawn"): _("Withdrawn by guardian %(name)s on %(date)s"),
    ("pupil", "granted"): _("Granted by the pupil on %(date)s"),
    ("pupil", "refused"): _("Refused by the pupil on %(date)s"),
    ("pupil", "withdrawn"): _("Withdrawn by the pupil on %(date)s"),
    ("staff", "granted"): _("Granted by the staff member on %(date)s"),
    ("staff", "refused"): _("Refused by the staff member on %(date)s"),
    ("staff", "withdrawn"): _("Withdrawn by the staff member on %(date)s"),
}
NO_ANSWER = _("No answer")
NO_GUARDIAN_ANSWER = _("No answer from a guardian (under 16 the pupil's own answer does not count)")
PUPIL_TO_CONFIRM = _("Guardian's answer no longer counts: the pupil turned 16 on %(date)s; to be confirmed by the pupil")
PUPIL_TO_ANSWER = _("No answer from the pupil, who is 16 or older and answers themself")
BIRTH_DATE_MISSING = _("Date of birth unknown, so it cannot be told whether the guardians or the pupil decide")


@dataclass(frozen=True)
class ConsentStatus:
    value: str  # YES, NO or UNKNOWN; unknown counts as no
    reason: str
    record: ConsentRecord | None = None
    awaiting_pupil: bool = False  # 16 or older without an answer of their own: "to be confirmed by the pupil"

    @property
    def may_post(self):
        return self.value == YES


def sixteenth_birthday(date_of_birth):
    try:
        return date_of_birth.replace(year=date_of_birth.year + AGE_OF_CONSENT)
    except ValueError:  # born on 29 February: in a year without it, the sixteen years are complete on 1 March
        return datetime.date(date_of_birth.year + AGE_OF_CONSENT, 3, 1)


def birth_dates_turning_16_on(day):
    """The dates of birth of everyone whose sixteenth birthday is ``day``."""
    dates = []
    try:
        dates.append(day.replace(year=day.year - AGE_OF_CONSENT))
    except ValueError:  # 29 February 2040: born 29 February 2024
        pass
    if day.month == 3 and day.day == 1:
        leap_day = datetime.date(day.year - AGE_OF_CONSENT, 2, 28) + datetime.timedelta(days=1)
        if leap_day.month == 2 and sixteenth_birthday(leap_day) == day:
            dates.append(leap_day)
    return dates


def _effect_order(record):
    return (record.given_on, record.recorded_at, record.pk or 0)


def _reason(record, party):
    outcome = "withdrawn" if record.is_withdrawal else record.answer
    name = record.guardian.full_name if record.guardian_id else ""
    return _REASONS[(party, outcome)] % {"name": name, "date": formats.date_format(record.given_on, "DATE_FORMAT")}


def _status_of(record, party, **extra):
    value = YES if record.answer == Answer.GRANTED else NO
    return ConsentStatus(value, _reason(record, party), record, **extra)


def _guardians_decide(answers):
    """Each guardian's latest answer stands until that guardian changes it; one guardian's refusal is a no."""
    latest = {}
    for record in answers:
        latest[record.guardian_id] = record  # answers come in effect order, so the last one wins
    if not latest:
        return None
    refusals = [r for r in latest.values() if r.answer == Answer.REFUSED]
    if refusals:
        return _status_of(max(refusals, key=_effect_order), "guardian")
    return _status_of(max(latest.values(), key=_effect_order), "guardian")


def consent_status(*, person, purpose, on_date, records):
    """Whether ``person`` may be shown for ``purpose`` on ``on_date``, and why: a pure function of its inputs.

    ``records`` are the person's answers (any purpose, any order). Under 16 only a guardian's answer
    counts. From the sixteenth birthday only the pupil's own answers given on or after that day count,
    so the guardians' answers stop counting until the pupil confirms. Without a counting answer the
    status is unknown, which counts as no.
    """
    answers = sorted(
        (r for r in records if r.purpose_id == purpose.pk and r.given_on <= on_date and r.person_id == person.pk),
        key=_effect_order,
    )
    if person.kind != PersonKind.PUPIL:
        own = [r for r in answers if r.given_by == GivenBy.SELF]
        return _status_of(own[-1], "staff") if own else ConsentStatus(UNKNOWN, NO_ANSWER)
    if person.date_of_birth is None:
        return ConsentStatus(UNKNOWN, BIRTH_DATE_MISSING)
    turns_16 = sixteenth_birthday(person.date_of_birth)
    if on_date < turns_16:
        status = _guardians_decide([r for r in answers if r.given_by == GivenBy.GUARDIAN])
        if status:
            return status
        has_own = any(r.given_by == GivenBy.SELF for r in answers)
        return ConsentStatus(UNKNOWN, NO_GUARDIAN_ANSWER if has_own else NO_ANSWER)
    own = [r for r in answers if r.given_by == GivenBy.SELF and r.given_on >= turns_16]
    if own:
        return _status_of(own[-1], "pupil")
    if answers:
        when = formats.date_format(turns_16, "DATE_FORMAT")
        return ConsentStatus(UNKNOWN, PUPIL_TO_CONFIRM % {"date": when}, awaiting_pupil=True)
    return ConsentStatus(UNKNOWN, PUPIL_TO_ANSWER, awaiting_pupil=True)


def consent_records_for(*, people, purposes=None):
    """Every answer of these people (for these purposes), fetched in one query, grouped per person."""
    qs = ConsentRecord.objects.filter(person__in=[p.pk for p in people]).select_related("guardian")
    if purposes is not None:
        qs = qs.filter(purpose__in=[p.pk for p in purposes])
    grouped = defaultdict(list)
    for record in qs:
        grouped[record.person_id].append(record)
    return grouped


def consent_statuses(*, people, purposes, on_date=None):
    """{person pk: {purpose pk: ConsentStatus}} with a fixed number of queries, however many people."""
    on_date = on_date or timezone.localdate()
    records = consent_records_for(people=people, purposes=purposes)
    return {
        person.pk: {
            purpose.pk: consent_status(person=person, purpose=purpose, on_date=on_date, records=records[person.pk])
            for purpose in purposes
        }
        for person in people
    }


def consent_status_for(*, person, purpose, on_date=None):
    return consent_statuses(people=[person], purposes=[purpose], on_date=on_date)[person.pk][purpose.pk]


# Purposes ---------------------------------------------------------------------------------------------

def consent_purposes(*, board, include_inactive=False):
    """The board's purposes in their order. A read: a board without purposes gets them from the board's
    administrator (the defaults) or from the protocol it adopts, never from looking."""
    qs = ConsentPurpose.objects.filter(board=board)
    return list(qs if include_inactive else qs.filter(active=True))


# Scope ------------------------------------------------------------------------------------------------

def consent_managed_school_q(*, user):
    """Schools whose consent pages the user may open: as school leader or administrator there, or as the
    board's administrator."""
    access = access_for(user)
    return (
        Q(pk__in=access.led_school_ids | access.school_ids[Role.ADMIN])
        | Q(board_id__in=access.board_wide_ids[Role.ADMIN])
    )


def consent_checkable_school_q(*, user):
    """Schools where the user may run the check: every school they belong to, and every school of a board
    they serve as a whole."""
    access = access_for(user)
    board_ids = set().union(*access.board_wide_ids.values()) if access.board_wide_ids else set()
    return Q(pk__in=access.reporting_school_ids) | Q(board_id__in=board_ids)


def consent_schools_managed_by(*, user):
    return School.objects.filter(consent_managed_school_q(user=user)).select_related("board").order_by("name")


def consent_schools_checkable_by(*, user):
    return School.objects.filter(consent_checkable_school_q(user=user)).select_related("board").order_by("name")


def consent_boards_served_by(*, user):
    """The boards the user belongs to, at any level (another board's purposes page is a 404)."""
    return Board.objects.filter(pk__in=set().union(*access_for(user).board_ids.values()))


def consent_boards_administered_by(*, user):
    """The boards whose consent purposes the user manages (the permission consent.manage_purposes)."""
    return Board.objects.filter(pk__in=access_for(user).board_wide_ids[Role.ADMIN]).order_by("name")


def consent_school_get_checkable(*, user, pk):
    """The school, or a 404 when the user does not belong to it."""
    return get_object_or_404(consent_schools_checkable_by(user=user), pk=pk)


def consent_person_get_visible(*, user, pk):
    """A pupil or staff member of a school the user belongs to; another school's person is a 404."""
    return get_object_or_404(
        Person.objects.filter(school__in=School.objects.filter(consent_checkable_school_q(user=user)))
        .filter(kind__in=[PersonKind.PUPIL, PersonKind.STAFF])
        .select_related("school__board"),
        pk=pk,
    )


def consent_record_get_visible(*, user, token):
    """A consent answer whose signed form the user may open: only for schools whose consent pages they manage."""
    return get_object_or_404(
        ConsentRecord.objects.filter(person__school__in=School.objects.filter(consent_managed_school_q(user=user)))
        .select_related("person__school__board"),
        token=token,
    )


# The people and their answers ---------------------------------------------------------------------------

def pupils_of(*, school, class_name=None, pks=None):
    qs = Person.objects.filter(school=school, kind=PersonKind.PUPIL)
    if class_name is not None:
        qs = qs.filter(class_name=class_name)
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    return qs.order_by("class_name", "last_name", "first_name", "pk")


def pupils_matching(*, school, query, limit=PERSON_SEARCH_LIMIT):
    """The school's pupils that ``query`` finds by name or class (Person.objects.matching, as the case page's
    search): at most ``limit``, and whether there were more. Nothing for an empty query."""
    if not query.split():
        return [], False
    found = list(pupils_of(school=school).matching(query).only("pk", "kind", "first_name", "last_name", "class_name")[:limit + 1])
    return found[:limit], len(found) > limit


def pupils_picked(*, school, class_name="", pks=()):
    """A whole class and/or pupils picked one by one."""
    chosen = Q(pk__in=list(pks))
    if class_name:
        chosen |= Q(class_name=class_name)
    return pupils_of(school=school).filter(chosen)


def consent_classes(*, school):
    """The school's classes with their number of pupils, one query."""
    rows = (
        Person.objects.filter(school=school, kind=PersonKind.PUPIL).order_by("class_name")
        .values("class_name").annotate(pupils=Count("pk"))
    )
    return [(row["class_name"], row["pupils"]) for row in rows]


def consent_people_list(*, school, kind=None, search=""):
    qs = Person.objects.filter(school=school, kind__in=[PersonKind.PUPIL, PersonKind.STAFF])
    if kind:
        qs = qs.filter(kind=kind)
    for word in search.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(class_name__iexact=word)
                       | Q(student_number__number=word))
    return qs.select_related("student_number").order_by("kind", "class_name", "last_name", "first_name", "pk")


@dataclass
class CheckRow:
    person: Person
    status: ConsentStatus


def consent_check(*, purpose, pupils, on_date=None):
    """The teacher's check: for each chosen pupil, whether they may be shown for ``purpose``."""
    pupils = list(pupils)
    statuses = consent_statuses(people=pupils, purposes=[purpose], on_date=on_date)
    return [CheckRow(p, statuses[p.pk][purpose.pk]) for p in pupils]


@dataclass
class OverviewRow:
    pupil: Person
    cells: list  # ConsentStatus per purpose, in the purposes' order


@dataclass
class Overview:
    purposes: list
    rows: list
    missing: list  # per purpose: (purpose, answers missing, percentage of pupils)
    missing_total: int
    cells_total: int

    @property
    def missing_share(self):
        return self.missing_total / self.cells_total if self.cells_total else 0

    @property
    def missing_percent(self):
        return round(self.missing_share * 100)


def consent_overview(*, school, class_name=None, on_date=None):
    """Pupils × purposes for a class (or the whole school), and how many answers are still missing.

    Three queries whatever the size: the purposes, the pupils, and all their answers.
    """
    purposes = consent_purposes(board=school.board)
    pupils = list(pupils_of(school=school, class_name=class_name))
    statuses = consent_statuses(people=pupils, purposes=purposes, on_date=on_date)
    rows = [OverviewRow(p, [statuses[p.pk][purpose.pk] for purpose in purposes]) for p in pupils]
    missing = []
    for index, purpose in enumerate(purposes):
        count = sum(1 for row in rows if row.cells[index].value == UNKNOWN)
        missing.append((purpose, count, round(100 * count / len(rows)) if rows else 0))
    total = sum(count for _p, count, _s in missing)
    return Overview(purposes, rows, missing, total, len(rows) * len(purposes))


def consent_class_summary(*, school, on_date=None):
    """Per class: pupils, answers missing and the share missing, for the yearly campaign."""
    overview = consent_overview(school=school, on_date=on_date)
    per_class = {}
    for row in overview.rows:
        entry = per_class.setdefault(row.pupil.class_name, {"class_name": row.pupil.class_name, "pupils": 0, "missing": 0,
                                                             "awaiting_pupil": 0})
        entry["pupils"] += 1
        entry["missing"] += sum(1 for cell in row.cells if cell.value == UNKNOWN)
        entry["awaiting_pupil"] += any(cell.awaiting_pupil for cell in row.cells)
    purposes = len(overview.purposes)
    for entry in per_class.values():
        cells = entry["pupils"] * purposes
        entry["percent"] = round(100 * entry["missing"] / cells) if cells else 0
    return overview, list(per_class.values())


def consent_person_history(*, person):
    return list(
        ConsentRecord.objects.filter(person=person)
        .select_related("purpose", "guardian", "recorded_by", "confirmed_by")
        .order_by("-given_on", "-recorded_at", "-pk")
    )


def consent_parties_for(*, user):
    """Whom a signed-in user may answer for themselves: their own records (staff member or pupil) and, as a
    guardian, their children. Returns (subject, guardian or None) pairs."""
    mine = Person.objects.filter(user=user).select_related("school__board")
    pairs = [(p, None) for p in mine if p.kind in (PersonKind.PUPIL, PersonKind.STAFF)]
    guardians = [p for p in mine if p.kind == PersonKind.GUARDIAN]
    if guardians:
        children = Person.objects.filter(guardians__in=guardians, kind=PersonKind.PUPIL).select_related("school__board")
        links = Person.guardians.through.objects.filter(from_person__in=children, to_person__in=guardians)
        by_pk = {g.pk: g for g in guardians}
        children_by_pk = {c.pk: c for c in children}
        pairs += [(children_by_pk[link.from_person_id], by_pk[link.to_person_id]) for link in links]
    return pairs


def consent_own_answers(*, user, on_date=None):
    """What a signed-in user answers for: per subject (themself, or a child as guardian) the board's purposes
    with the status that counts. A fixed number of queries however many children, at however many boards."""
    on_date = on_date or timezone.localdate()
    parties = consent_parties_for(user=user)
    records = consent_records_for(people=[subject for subject, _guardian in parties])
    purposes_by_board = defaultdict(list)  # in each board's order (ConsentPurpose.Meta.ordering), as consent_purposes
    boards = {subject.school.board_id for subject, _guardian in parties}
    for purpose in ConsentPurpose.objects.filter(board__in=boards, active=True):
        purposes_by_board[purpose.board_id].append(purpose)
    sections = []
    for subject, guardian in parties:
        items = [
            (purpose, consent_status(person=subject, purpose=purpose, on_date=on_date, records=records[subject.pk]))
            for purpose in purposes_by_board[subject.school.board_id]
        ]
        sections.append({"subject": subject, "guardian": guardian, "items": items})
    return sections


# Turning 16 -------------------------------------------------------------------------------------------

def pupils_turning_16(*, on_dates):
    dates = [d for day in on_dates for d in birth_dates_turning_16_on(day)]
    return Person.objects.filter(kind=PersonKind.PUPIL, date_of_birth__in=dates).select_related("school__board")


def consent_admins_of(*, school):
    """The school's administrators: the board's administrators and any administrator of the school itself."""
    from django.contrib.auth import get_user_model

    user_ids = Membership.objects.active().filter(
        Q(school=school) | Q(school__isnull=True, board_id=school.board_id), role=Role.ADMIN,
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True)


# Registers --------------------------------------------------------------------------------------------

def _manager_has_left(on_date):
    """The manager's membership at the account's school has ended and none is active there any more."""
    covering = Membership.objects.filter(user=OuterRef("user")).filter(
        Q(school=OuterRef("account__school")) | Q(school__isnull=True, board=OuterRef("account__school__board"))
    )
    return covering, Exists(covering.filter(ends_on__lt=on_date)) & ~Exists(covering.active(on_date))


def school_account_managers(*, accounts, on_date=None):
    """Every manager row of these accounts, with ``left_on`` and ``needs_handover`` worked out in the query."""
    on_date = on_date or timezone.localdate()
    covering, has_left = _manager_has_left(on_date)
    return (
        SchoolAccountManager.objects.filter(account__in=accounts)
        .annotate(
            left_on=Subquery(covering.filter(ends_on__lt=on_date).order_by("-ends_on").values("ends_on")[:1]),
            needs_handover=ExpressionWrapper(has_left & Q(handed_over_at__isnull=True), output_field=BooleanField()),
        )
        .select_related("user", "handed_over_by", "account")
        .order_by("account", "added_at", "pk")
    )


def school_accounts_of(*, school, on_date=None):
    """The school's accounts, each with ``needs_handover`` (a manager has left and the handover is not done)
    and ``current_managers``: the manager rows not yet handed over, with their users."""
    on_date = on_date or timezone.localdate()
    _covering, has_left = _manager_has_left(on_date)
    pending = SchoolAccountManager.objects.filter(account=OuterRef("pk"), handed_over_at__isnull=True).filter(has_left)
    current = SchoolAccountManager.objects.filter(handed_over_at__isnull=True).select_related("user").order_by("added_at", "pk")
    return (
        SchoolAccount.objects.filter(school=school)
        .annotate(needs_handover=Exists(pending))
        .prefetch_related(Prefetch("manager_rows", queryset=current, to_attr="current_managers"))
        .order_by("ended_on", "platform", "handle")
    )


def school_account_get_managed(*, user, pk):
    return get_object_or_404(
        SchoolAccount.objects.filter(school__in=School.objects.filter(consent_managed_school_q(user=user)))
        .select_related("school__board"),
        pk=pk,
    )


def work_accounts_of(*, school):
    return WorkAccount.objects.filter(school=school).select_related("owner", "owner_person").order_by("ended_on", "platform", "handle")


def work_account_get_managed(*, user, pk):
    return get_object_or_404(
        WorkAccount.objects.filter(school__in=School.objects.filter(consent_managed_school_q(user=user)))
        .select_related("school"),
        pk=pk,
    )
