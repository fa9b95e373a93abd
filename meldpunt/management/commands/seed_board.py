"""Seed one synthetic board at the scale of a large school board, with bulk inserts, for performance work.

    manage.py seed_board --schools 40 --users 4000 --pupils 60000 --incidents 100000 [--reset]

Everything lives under one board named by --board (default "Seedbestuur") and user e-mail addresses at
@seed.meldpunt.invalid, so --reset can find and delete exactly what an earlier run made (with plain SQL
deletes: the ORM's cascade would load every row). Rows are made with bulk_create in batches, so model
save() and signals do not run: no history rows, no outbox deliveries. Cases are spread over every step
with dates, step changes, evidence links, involved pupils and notifications that fit the step.

All accounts share the password SEED_PASSWORD. School 1's first school leader is
schoolleider-1@seed.meldpunt.invalid; medewerker-1@seed.meldpunt.invalid is a staff member of school 1 only.
School 1 also has one open case with a long timeline (several hundred records), for the case page.
"""

import datetime
import random
import time
from collections import defaultdict

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone, translation

from incidents.models import (
    Action, ActionKind, Assignment, AssignmentKind, Audience, BreachAssessment, BreachRisk, Category, Decision,
    Evaluation, Evidence, Incident, InformedParty, Involvement, InvolvementRole, Message, Platform, PoliceReport,
    ProtocolWorked, Severity, Takedown, TakedownOutcome, Transition, VictimType, Waiver,
)
from incidents.workflow import MAIN_LINE, STEPS, State, WaivableItem, transition_between
from portal.models import Board, Membership, Notification, NotificationState, Person, PersonKind, Role, School, User

SEED_PASSWORD = "Seed-meldpunt-2026"
DOMAIN = "seed.meldpunt.invalid"
TIMELINE_MARK = "[lange tijdlijn]"

FIRST_NAMES = [
    "Noah", "Emma", "Liam", "Julia", "Lucas", "Mila", "Sem", "Tess", "Finn", "Sara", "Daan", "Zoë", "Levi", "Nora",
    "Milan", "Yara", "Luuk", "Fenna", "Bram", "Lotte", "Jesse", "Sophie", "Thijs", "Anna", "Ruben", "Evi", "Gijs",
    "Lieke", "Mohammed", "Fatima", "Sven", "Roos", "Jayden", "Isa", "Stijn", "Femke", "Ayoub", "Noor", "Timo", "Elif",
]
LAST_NAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
    "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
    "Yilmaz", "El Amrani", "Kaya", "Bouzid", "Nguyen", "Öztürk",
]
PLACES = ["Almere", "Utrecht", "Zwolle", "Amersfoort", "Deventer", "Apeldoorn", "Haarlem", "Leiden", "Tilburg", "Breda"]
SCHOOL_KINDS = ["Het Baken", "De Horizon", "Het Kompas", "De Vlinderboom", "Het Lyceum", "De Regenboog", "Het College"]

CATEGORY_WEIGHTS = {
    Category.BULLYING: 30, Category.INSULTING: 16, Category.IMAGES_WITHOUT_CONSENT: 9, Category.THREATS: 7,
    Category.SEXTING: 5, Category.DISCRIMINATION: 5, Category.DEFAMATION: 4, Category.ACCOUNT_HACKING: 4,
    Category.IDENTITY_FRAUD: 3, Category.STALKING: 3, Category.DATA_BREACH: 3, Category.OFFENSIVE_CONTENT: 4,
    Category.DERAILING_DISCUSSION: 3, Category.INCITEMENT: 1, Category.RADICALISATION: 1, Category.OTHER: 2,
}
PLATFORM_WEIGHTS = {
    Platform.WHATSAPP: 35, Platform.TIKTOK: 18, Platform.SNAPCHAT: 16, Platform.INSTAGRAM: 18, Platform.X: 2,
    Platform.YOUTUBE: 3, Platform.FACEBOOK: 2, Platform.TELEGRAM: 2, Platform.LINKEDIN: 1, Platform.OTHER: 3,
}
DESCRIPTIONS = [
    "In de klassenapp worden gemene berichten en bewerkte foto's over een leerling gedeeld.",
    "Een nepaccount op naam van een leerling plaatst beledigende berichten over docenten.",
    "Een filmpje van een ruzie op het schoolplein gaat rond op sociale media.",
    "Een leerling krijgt 's avonds dreigende privéberichten van een klasgenoot.",
    "Foto's uit de gymles zijn zonder toestemming in een groep gezet.",
    "Een cijferlijst met namen van leerlingen is per ongeluk in een openbare groep gedeeld.",
]


def _weighted(rng, weights):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def purge(model, queryset, _depth=0):
    """Delete the rows of ``queryset`` with SQL, after the rows that point at them (children first):
    PROTECT and CASCADE both mean "delete the child too", SET_NULL clears the link, and history rows of
    models with simple-history go along. For synthetic data only: no signals, no audit, no ORM cascade."""
    if _depth > 12:
        raise CommandError(f"Relations nest too deep while deleting {model.__name__}.")
    ids = queryset.values("pk")
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        child, field = rel.related_model, rel.field
        children = child._base_manager.filter(**{f"{field.name}__in": ids})
        if rel.on_delete is models.SET_NULL:
            children.update(**{field.name: None})
        elif rel.on_delete is not models.DO_NOTHING and child is not model:
            purge(child, children, _depth + 1)
    history = getattr(model, "history", None)
    if history is not None and hasattr(history, "model"):
        _delete(history.model._base_manager.filter(id__in=ids))
    _delete(queryset)


def _delete(queryset):
    opts = queryset.model._meta
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{opts.db_table}" WHERE "{opts.pk.column}" IN ({sql})', params)


class Command(BaseCommand):
    help = "Seed one synthetic board at scale (bulk inserts) for benchmarks; --reset deletes an earlier seed first."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=40)
        parser.add_argument("--users", type=int, default=4000)
        parser.add_argument("--pupils", type=int, default=60000)
        parser.add_argument("--incidents", type=int, default=100000)
        parser.add_argument("--timeline-records", type=int, default=400,
                            help="Records on the one long-timeline case of school 1.")
        parser.add_argument("--years", type=float, default=6.0, help="How many years of cases.")
        parser.add_argument("--board", default="Seedbestuur", help="Name of the seeded board.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same arguments make the same data.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--reset", action="store_true", help="Delete the board seeded earlier under this name first.")

    # --- entry point -------------------------------------------------------------------------------

    def handle(self, *args, **opts):
        with translation.override("en"):  # the summary uses the models' names
            self._handle(opts)

    def _handle(self, opts):
        if opts["schools"] < 1 or opts["incidents"] < 1 or opts["pupils"] < opts["schools"] * 4:
            raise CommandError("Need at least one school, one incident and four pupils per school.")
        minimum_users = opts["schools"] * 4 + 13
        if opts["users"] < minimum_users:
            raise CommandError(f"Need at least {minimum_users} users for {opts['schools']} schools.")
        self.rng = random.Random(opts["seed"])
        self.batch = opts["batch_size"]
        self.now = timezone.now()
        self.counts = defaultdict(int)
        started = time.monotonic()

        exists = Board.objects.filter(name=opts["board"]).exists() or User.objects.filter(email__endswith="@" + DOMAIN).exists()
        if exists and not opts["reset"]:
            raise CommandError(f"A seeded board “{opts['board']}” already exists; pass --reset to replace it.")
        if exists:
            t = time.monotonic()
            self._reset(opts["board"])
            self.stdout.write(f"Deleted the earlier seed in {time.monotonic() - t:.1f} s")

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")  # this session only: a crash loses seed data at most
        steps = [
            ("board, schools and users", lambda: self._people(opts)),
            ("pupils and guardians", lambda: self._pupils(opts["pupils"])),
            ("incidents and their records", lambda: self._incidents(opts["incidents"], opts["years"])),
            ("long-timeline case", lambda: self._timeline_case(opts["timeline_records"])),
        ]
        for label, step in steps:
            t = time.monotonic()
            with transaction.atomic():
                step()
            self.stdout.write(f"  {label}: {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        self._analyze()
        self.stdout.write(f"  ANALYZE: {time.monotonic() - t:.1f} s")

        self.stdout.write(self.style.SUCCESS(f"Seeded board “{opts['board']}” in {time.monotonic() - started:.1f} s:"))
        for label, n in self.counts.items():
            self.stdout.write(f"  {n:>9,} {label}")
        self.stdout.write(f"  password of every account: {SEED_PASSWORD}")
        self.stdout.write(f"  school leader: schoolleider-1@{DOMAIN}; staff member: medewerker-1@{DOMAIN}")
        self.stdout.write(f"  long-timeline case: /zaken/{self.timeline_case.pk}/")

    # --- reset -------------------------------------------------------------------------------------

    def _reset(self, board_name):
        """Delete the seeded board and users with SQL, children first: audit events and other apps' rows
        that point at them go too. Only rows under this board or of @DOMAIN accounts are touched."""
        with transaction.atomic():
            purge(Board, Board.objects.filter(name=board_name))
            purge(User, User.objects.filter(email__endswith="@" + DOMAIN))

    # --- people ------------------------------------------------------------------------------------

    def _name(self):
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _bulk(self, model, objs, label=None):
        made = model.objects.bulk_create(objs, batch_size=self.batch)
        self.counts[label or str(model._meta.verbose_name_plural)] += len(made)
        return made

    def _people(self, opts):
        rng = self.rng
        self.board = Board.objects.create(name=opts["board"])
        self.counts["boards"] += 1
        self.schools = self._bulk(School, [
            School(board=self.board, name=f"{SCHOOL_KINDS[i % len(SCHOOL_KINDS)]} {PLACES[i % len(PLACES)]} {i + 1}",
                   brin=f"{10 + i:02d}AB")
            for i in range(opts["schools"])
        ])
        password = make_password(SEED_PASSWORD)  # hashed once: thousands of slow hashes would take minutes
        accounts = []  # (local part, role, school indexes or None)
        for role, n in [(Role.BOARD, 3), (Role.PRIVACY_OFFICER, 2), (Role.ADMIN, 2), (Role.COUNSELLOR, 4),
                        (Role.COMMUNICATIONS, 2)]:
            accounts += [(f"{role.replace('_', '')}-{k + 1}", role, None) for k in range(n)]
        for i in range(len(self.schools)):
            for k in range(1 + (i % 3 == 0)):  # one school leader, two at every third school
                accounts.append((f"schoolleider-{i + 1}" + (f"-{k + 1}" if k else ""), Role.SCHOOL_LEADER, (i,)))
        n_staff = opts["users"] - len(accounts)
        for k in range(n_staff):
            school = k % len(self.schools)
            schools = (school,)
            if k >= len(self.schools) and rng.random() < 0.1:  # some teach at two schools of the board
                schools = (school, rng.randrange(len(self.schools)))
            local = f"medewerker-{k + 1}"
            accounts.append((local, Role.STAFF, tuple(dict.fromkeys(schools))))
        users = []
        for local, role, _schools in accounts:
            first, last = self._name()
            users.append(User(email=f"{local}@{DOMAIN}", first_name=first, last_name=last, password=password,
                              is_staff=role == Role.ADMIN, date_joined=self.now))
        users = self._bulk(User, users)
        memberships = []
        self.leaders = defaultdict(list)  # school index -> users
        self.staff = defaultdict(list)
        self.board_wide = defaultdict(list)
        for user, (local, role, schools) in zip(users, accounts):
            starts = (self.now - datetime.timedelta(days=rng.randrange(30, 3000))).date()
            if schools is None:
                memberships.append(Membership(user=user, board=self.board, role=role, starts_on=starts))
                self.board_wide[role].append(user)
                continue
            for i in schools:
                memberships.append(Membership(user=user, board=self.board, school=self.schools[i], role=role, starts_on=starts))
                (self.leaders if role == Role.SCHOOL_LEADER else self.staff)[i].append(user)
        self._bulk(Membership, memberships)
        self._second_factor([u for u, a in zip(users, accounts) if a[1] != Role.STAFF])

    def _second_factor(self, users):
        """Where two-factor authentication is installed, give every role that must use it an authenticator."""
        if not apps.is_installed("allauth.mfa"):
            return
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import generate_totp_secret
        from allauth.mfa.utils import encrypt

        self._bulk(Authenticator, [
            Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": encrypt(generate_totp_secret())})
            for u in users
        ], label="TOTP authenticators")

    def _pupils(self, n_pupils):
        rng = self.rng
        self.pupils = defaultdict(list)  # school index -> pupil ids
        per_school = [n_pupils // len(self.schools) + (i < n_pupils % len(self.schools)) for i in range(len(self.schools))]
        today = self.now.date()
        through = Person.guardians.through
        for i, count in enumerate(per_school):
            school = self.schools[i]
            mentors = self.staff[i] or self.leaders[i]
            pupils, families = [], []
            for _ in range(count):
                first, last = self._name()
                age_days = rng.randrange(11 * 365, 19 * 365)
                pupils.append(Person(
                    school=school, kind=PersonKind.PUPIL, first_name=first, last_name=last,
                    date_of_birth=today - datetime.timedelta(days=age_days),
                    class_name=f"{rng.randint(1, 6)}{rng.choice('ABCDEF')}", mentor=rng.choice(mentors),
                ))
                families.append(last)
            pupils = self._bulk(Person, pupils, label="pupils")
            guardians, links = [], []
            for pupil, last in zip(pupils, families):
                for g in range(2 if rng.random() < 0.7 else 1):
                    first = rng.choice(FIRST_NAMES)
                    guardians.append(Person(school=school, kind=PersonKind.GUARDIAN, first_name=first, last_name=last,
                                            email=f"ouder{pupil.pk}-{g}@example.invalid", phone="0612345678"))
                    links.append(pupil.pk)
            guardians = self._bulk(Person, guardians, label="guardians")
            self._bulk(through, [through(from_person_id=p, to_person_id=g.pk) for p, g in zip(links, guardians)],
                       label="guardian links")
            self.pupils[i] = [p.pk for p in pupils]

    # --- incidents ---------------------------------------------------------------------------------

    def _state_for(self, age_days):
        rng = self.rng
        if age_days < 3:
            return _weighted(rng, {State.REPORTED: 55, State.GATHERING: 30, State.ASSESSING: 5, State.DISMISSED: 10})
        if age_days < 14:
            return _weighted(rng, {State.REPORTED: 8, State.GATHERING: 22, State.ASSESSING: 20, State.CONTAINING: 15,
                                   State.INFORMING: 8, State.COMMUNICATING: 4, State.EVALUATING: 3,
                                   State.DISMISSED: 10, State.CLOSED: 10})
        if age_days < 60:
            return _weighted(rng, {State.GATHERING: 5, State.ASSESSING: 5, State.CONTAINING: 6, State.INFORMING: 6,
                                   State.COMMUNICATING: 5, State.EVALUATING: 8, State.DISMISSED: 10, State.CLOSED: 55})
        if rng.random() < 0.005:  # a few old cases were never finished
            return rng.choice(STEPS[1:])
        return State.DISMISSED if rng.random() < 0.07 else State.CLOSED

    @staticmethod
    def _path(state, reopened):
        if state == State.DISMISSED:
            return [State.REPORTED, State.DISMISSED]
        if state == State.CLOSED:
            return [*MAIN_LINE, *MAIN_LINE[1:]] if reopened else list(MAIN_LINE)
        return STEPS[: STEPS.index(state) + 1]

    def _incidents(self, n_incidents, years):
        rng = self.rng
        span_days = years * 365
        chunk = max(self.batch, 10000)
        privacy_officers = self.board_wide[Role.PRIVACY_OFFICER]
        for start in range(0, n_incidents, chunk):
            plans = []
            for _ in range(min(chunk, n_incidents - start)):
                i = rng.randrange(len(self.schools))
                age_days = (rng.random() ** 1.2) * span_days  # more cases in recent years
                reported_at = self.now - datetime.timedelta(days=age_days, seconds=rng.randrange(86400))
                state = self._state_for(age_days)
                path = self._path(state, reopened=state == State.CLOSED and rng.random() < 0.03)
                # Step changes fall between the report and now: finished cases took days to weeks.
                age_s = (self.now - reported_at).total_seconds()
                total = min(age_s * rng.uniform(0.3, 0.95), rng.uniform(2, 45) * 86400) if state in (State.CLOSED, State.DISMISSED) \
                    else age_s * rng.uniform(0.2, 0.95)
                cuts = sorted(rng.random() for _ in range(len(path) - 1))
                times = [reported_at] + [reported_at + datetime.timedelta(seconds=total * c) for c in cuts]
                plans.append((i, reported_at, state, path, times))
            incidents = []
            for i, reported_at, state, path, times in plans:
                category = _weighted(rng, CATEGORY_WEIGHTS)
                beyond_report = len(path) > 1 and state != State.DISMISSED
                decided = state not in (State.REPORTED, State.GATHERING, State.DISMISSED) and (
                    state != State.ASSESSING or rng.random() < 0.5)
                decision = _weighted(rng, {Decision.NOT_CRIMINAL: 70, Decision.POSSIBLY_CRIMINAL: 20, Decision.CRIMINAL: 10}) if decided else ""
                leader = rng.choice(self.leaders[i])
                occurred = reported_at - datetime.timedelta(hours=rng.uniform(1, 96))
                incidents.append(Incident(
                    school=self.schools[i], reporter=rng.choice(self.staff[i] or self.leaders[i]),
                    reported_at=reported_at, occurred_at=occurred if rng.random() < 0.8 else None,
                    discovered_at=reported_at - datetime.timedelta(hours=rng.uniform(0, 24)),
                    platform=_weighted(rng, PLATFORM_WEIGHTS), category=category,
                    severity=_weighted(rng, {Severity.LOW: 35, Severity.MEDIUM: 40, Severity.HIGH: 20, Severity.CRITICAL: 5})
                    if beyond_report or (state == State.REPORTED and rng.random() < 0.3) else "",
                    privacy_flag=category == Category.DATA_BREACH or rng.random() < 0.03,
                    description=rng.choice(DESCRIPTIONS),
                    facts_account="Gesprekken gevoerd met de betrokken leerlingen; screenshots vastgelegd." if beyond_report else "",
                    state=state, state_changed_at=times[-1],
                    decision=decision,
                    victim_type=rng.choice([VictimType.PUPIL, VictimType.STAFF, VictimType.SCHOOL]) if decision == Decision.CRIMINAL else "",
                    decision_reasoning="Afgewogen aan het protocol." if decision else "",
                    decided_by=leader if decision else None,
                    decided_at=times[min(3, len(times) - 1)] if decision else None,
                ))
            incidents = self._bulk(Incident, incidents)
            self._records(incidents, plans, privacy_officers)

    def _records(self, incidents, plans, privacy_officers):
        rng = self.rng
        transitions, evidence, involvements, notifications, breaches = [], [], [], [], []
        for incident, (i, reported_at, state, path, times) in zip(incidents, plans):
            leaders = self.leaders[i]
            actor = leaders[0]
            for (source, target), at in zip(zip(path, path[1:]), times[1:]):
                transitions.append(Transition(
                    incident=incident, name=transition_between(source, target), source=source, target=target, actor=actor,
                    at=at, note="Geen incident in de zin van het protocol." if target == State.DISMISSED else
                    ("Nieuwe berichten opgedoken." if target == State.GATHERING and source == State.CLOSED else ""),
                ))
            for k in range(rng.choice((1, 1, 2, 3))):
                evidence.append(Evidence(
                    incident=incident, created_by=incident.reporter, created_at=reported_at, step=State.REPORTED,
                    url=f"https://www.{incident.platform}.example/p/{incident.pk}-{k}", description="Link naar het bericht",
                ))
            if len(path) > 1 and state != State.DISMISSED and (state != State.GATHERING or rng.random() < 0.6):
                at = times[1] + (times[-1] - times[1]) * 0.2
                pupils = rng.sample(self.pupils[i], 3)
                roles = [InvolvementRole.VICTIM, InvolvementRole.PERPETRATOR] + ([InvolvementRole.WITNESS] if rng.random() < 0.3 else [])
                for person_id, role in zip(pupils, roles):
                    involvements.append(Involvement(incident=incident, person_id=person_id, role=role, created_by=actor,
                                                    created_at=at, step=State.GATHERING))
            age = self.now - reported_at
            url = f"/zaken/{incident.pk}/"
            subject = f"Nieuwe melding {incident.reference}"
            for leader in leaders:
                read = age.days > 14 or rng.random() < 0.5
                notifications.append(Notification(
                    recipient=leader, kind="incident_reported", incident=incident, subject=subject,
                    body="Een medewerker heeft een nieuwe melding gedaan.", url=url, state=NotificationState.SENT,
                    attempts=1, created_at=reported_at, queued_at=reported_at, sent_at=reported_at,
                    read_at=reported_at + datetime.timedelta(hours=rng.uniform(1, 72)) if read else None,
                ))
            if incident.privacy_flag:
                decided = age.days > 7
                breaches.append(BreachAssessment(
                    incident=incident, discovered_at=incident.discovered_at, created_at=reported_at,
                    risk=rng.choice([BreachRisk.NONE, BreachRisk.RISK]) if decided else "",
                    risk_reasoning="Beperkte kring ontvangers." if decided else "",
                    decided_by=privacy_officers[0] if decided else None,
                    decided_at=reported_at + datetime.timedelta(hours=rng.uniform(2, 60)) if decided else None,
                    ap_notified_at=reported_at + datetime.timedelta(hours=70) if decided else None,
                ))
                for officer in privacy_officers:
                    notifications.append(Notification(
                        recipient=officer, kind="privacy_reported", incident=incident,
                        subject=f"Privacy-incident {incident.reference}", body="72-uursklok loopt.", url=url,
                        state=NotificationState.SENT, attempts=1, created_at=reported_at, sent_at=reported_at,
                        read_at=reported_at + datetime.timedelta(hours=2) if decided else None,
                    ))
            if state in STEPS and age.days > 30:
                for leader in leaders:
                    notifications.append(Notification(
                        recipient=leader, kind="step_stalled", incident=incident,
                        subject=f"Zaak {incident.reference} staat stil", body="Pak de zaak op.", url=url,
                        state=NotificationState.SENT, attempts=1, created_at=self.now, sent_at=self.now,
                        dedupe_key=f"seed-stalled:{incident.pk}:{leader.pk}",
                    ))
        self._bulk(Transition, transitions)
        self._bulk(Evidence, evidence, label="evidence links")
        self._bulk(Involvement, involvements)
        self._bulk(Notification, notifications)
        self._bulk(BreachAssessment, breaches)

    # --- the long-timeline case --------------------------------------------------------------------

    def _timeline_case(self, n_records):
        """An open case of school 1 in step 7 that went round the protocol once before being reopened."""
        rng = self.rng
        leader = self.leaders[0][0]
        reporter = (self.staff[0] or self.leaders[0])[0]
        start = self.now - datetime.timedelta(days=120)
        path = MAIN_LINE + STEPS[1:]
        times = [start + datetime.timedelta(days=6 * k) for k in range(len(path))]
        incident = Incident.objects.create(
            school=self.schools[0], reporter=reporter, reported_at=start, discovered_at=start,
            platform=Platform.INSTAGRAM, category=Category.BULLYING, severity=Severity.HIGH,
            description=f"{TIMELINE_MARK} Langlopende zaak: een nepaccount blijft beelden van leerlingen plaatsen.",
            facts_account="Meerdere accounts, steeds nieuwe berichten.", state=State.EVALUATING,
            state_changed_at=times[-1], decision=Decision.NOT_CRIMINAL, decision_reasoning="Geen strafbaar feit vastgesteld.",
            decided_by=leader, decided_at=times[2],
        )
        self.counts["incidents"] += 1
        self.timeline_case = incident
        self._bulk(Transition, [
            Transition(incident=incident, name=transition_between(s, t), source=s, target=t, actor=leader, at=at)
            for (s, t), at in zip(zip(path, path[1:]), times[1:])
        ])
        History = Incident.history.model
        fields = [f.attname for f in History._meta.concrete_fields if not f.name.startswith("history_")]
        self._bulk(History, [
            History(**{f: getattr(incident, f) for f in fields}, history_date=times[k % len(times)],
                    history_type="~", history_change_reason=("triage", "facts", "decision")[k % 3], history_user=leader)
            for k in range(9)
        ], label="incident history rows")
        per_kind = max(1, n_records // 9)
        when = lambda k: start + datetime.timedelta(minutes=17 * k + 1)  # noqa: E731
        pupils = self.pupils[0]
        helpers = (self.staff[0] + self.board_wide[Role.COUNSELLOR] + self.board_wide[Role.COMMUNICATIONS])[:3]
        record_sets = [
            (Evidence, [Evidence(url=f"https://www.instagram.example/p/lang-{k}", description="Nieuw bericht",
                                 step=State.GATHERING) for k in range(per_kind)]),
            (Involvement, [Involvement(person_id=pupils[k % len(pupils)], role=InvolvementRole.WITNESS if k else InvolvementRole.VICTIM,
                                       step=State.GATHERING) for k in range(min(per_kind, len(pupils)))]),
            (Action, [Action(kind=rng.choice(list(ActionKind)), happened_at=when(k), with_whom="Mentor en ouders",
                             outcome="Besproken wat er is gebeurd en afspraken gemaakt.", step=State.ASSESSING)
                      for k in range(per_kind)]),
            (Waiver, [Waiver(item=rng.choice(list(WaivableItem)), reason="Niet van toepassing in deze fase.",
                             step=State.CONTAINING) for _ in range(per_kind)]),
            (PoliceReport, [PoliceReport(filed_by="school", filed_at=when(k), police_reference=f"PL-{k:04d}",
                                         step=State.ASSESSING) for k in range(max(1, per_kind // 4))]),
            (Takedown, [Takedown(platform=Platform.INSTAGRAM, url=f"https://www.instagram.example/p/weg-{k}",
                                 description="Bericht met foto van leerling", outcome=TakedownOutcome.REMOVED_BY_PLATFORM,
                                 outcome_at=when(k), step=State.CONTAINING) for k in range(per_kind)]),
            (InformedParty, [InformedParty(who=f"Ouders van leerling {k}", informed_at=when(k), what_was_said="Toelichting gegeven.",
                                           next_steps="Volgend gesprek over twee weken.", step=State.INFORMING)
                             for k in range(per_kind)]),
            (Message, [Message(audience=Audience.INTERNAL, sent_at=when(k), channel="e-mail", recipients="Team",
                               summary="Stand van zaken gedeeld.", step=State.COMMUNICATING) for k in range(per_kind)]),
            (Evaluation, [Evaluation(protocol_worked=ProtocolWorked.PARTLY, measures_worked="Grotendeels.",
                                     step=State.EVALUATING) for _ in range(max(1, per_kind // 10))]),
            (Assignment, [Assignment(user=u, kind=kind, step=State.ASSESSING)
                          for u, kind in zip(helpers, [AssignmentKind.COLLEAGUE, AssignmentKind.AFTERCARE, AssignmentKind.COMMUNICATION])]),
        ]
        for model, objs in record_sets:
            for k, obj in enumerate(objs):
                obj.incident = incident
                obj.created_by = leader
                obj.created_at = when(k) + datetime.timedelta(seconds=model.__name__.__len__())
            self._bulk(model, objs, label=f"timeline {model._meta.verbose_name_plural}")

    def _analyze(self):
        """Fresh planner statistics, as autovacuum would have them on a live system."""
        tables = {m._meta.db_table for m in (Incident, Transition, Evidence, Involvement, Notification, Person,
                                             Person.guardians.through, User, Membership, School, BreachAssessment)}
        with connection.cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f'ANALYZE "{table}"')
