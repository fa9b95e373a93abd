"""Load a living demo: one board, two schools, one account per role, pupils with guardians, ~30 cases."""

import datetime
import random

import time_machine
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from consent import demo as consent_demo
from incidents import services
from incidents.models import Category, Involvement, InvolvementRole, Platform
from incidents.walkthrough import walk_to
from incidents.workflow import MAIN_LINE, State
from portal.models import Board, Membership, Person, PersonKind, ProtocolProfile, Role, School, User
from sanctions import demo as sanctions_demo

from ...protocols import board_adopt_protocol

DEMO_PASSWORD = "Demo-meldpunt-2026"
DOMAIN = "demo.meldpunt.nl"

# (e-mail, first name, last name, role, school index or None for board-wide, Django admin access)
ACCOUNTS = [
    ("medewerker", "Mila", "de Leraar", Role.STAFF, (0, 1), False),
    ("schoolleider", "Sanne", "Schoolleider", Role.SCHOOL_LEADER, (0,), False),
    ("schoolleider2", "Bram", "Vestigingsdirecteur", Role.SCHOOL_LEADER, (1,), False),
    ("bestuur", "Bert", "Bestuurder", Role.BOARD, None, False),
    ("fg", "Fatima", "Gegevensbescherming", Role.PRIVACY_OFFICER, None, False),
    ("vertrouwenspersoon", "Vera", "Vertrouwen", Role.COUNSELLOR, None, False),
    ("communicatie", "Cas", "Communicatie", Role.COMMUNICATIONS, None, False),
    ("beheer", "Bo", "Beheerder", Role.ADMIN, None, True),
]

FIRST_NAMES = ["Noah", "Emma", "Liam", "Julia", "Lucas", "Mila", "Sem", "Tess", "Finn", "Sara", "Daan", "Zoë",
               "Levi", "Nora", "Milan", "Yara", "Luuk", "Fenna", "Bram", "Lotte"]
LAST_NAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]

# (state to reach, category, platform, privacy flag, decision, victim type)
CASES = (
    [(State.REPORTED, c, p, c == Category.DATA_BREACH, None, None) for c, p in [
        (Category.BULLYING, Platform.WHATSAPP), (Category.INSULTING, Platform.TIKTOK), (Category.DATA_BREACH, Platform.OTHER),
        (Category.SEXTING, Platform.SNAPCHAT), (Category.THREATS, Platform.INSTAGRAM), (Category.DEFAMATION, Platform.X)]]
    + [(State.GATHERING, c, p, pr, None, None) for c, p, pr in [
        (Category.IMAGES_WITHOUT_CONSENT, Platform.INSTAGRAM, True), (Category.ACCOUNT_HACKING, Platform.INSTAGRAM, False),
        (Category.STALKING, Platform.SNAPCHAT, False), (Category.DISCRIMINATION, Platform.TIKTOK, False),
        (Category.DERAILING_DISCUSSION, Platform.FACEBOOK, False)]]
    + [(State.ASSESSING, Category.IDENTITY_FRAUD, Platform.INSTAGRAM, False, None, None),
       (State.ASSESSING, Category.BULLYING, Platform.WHATSAPP, False, None, None),
       (State.ASSESSING, Category.RADICALISATION, Platform.TELEGRAM, False, None, None),
       (State.ASSESSING, Category.OFFENSIVE_CONTENT, Platform.YOUTUBE, False, None, None)]
    + [(State.CONTAINING, Category.THREATS, Platform.INSTAGRAM, False, "possibly_criminal", None),
       (State.CONTAINING, Category.SEXTING, Platform.SNAPCHAT, True, "criminal", "pupil"),
       (State.CONTAINING, Category.BULLYING, Platform.WHATSAPP, False, None, None)]
    + [(State.INFORMING, Category.INCITEMENT, Platform.TIKTOK, False, "criminal", "school"),
       (State.INFORMING, Category.INSULTING, Platform.WHATSAPP, False, None, None),
       (State.INFORMING, Category.DEFAMATION, Platform.FACEBOOK, False, None, None)]
    + [(State.COMMUNICATING, Category.IMAGES_WITHOUT_CONSENT, Platform.INSTAGRAM, True, None, None),
       (State.COMMUNICATING, Category.BULLYING, Platform.TIKTOK, False, None, None)]
    + [(State.EVALUATING, Category.ACCOUNT_HACKING, Platform.SNAPCHAT, False, None, None),
       (State.EVALUATING, Category.OTHER, Platform.LINKEDIN, False, None, None)]
    + [(State.CLOSED, Category.BULLYING, Platform.WHATSAPP, False, None, None),
       (State.CLOSED, Category.THREATS, Platform.INSTAGRAM, False, "criminal", "staff"),
       (State.CLOSED, Category.DATA_BREACH, Platform.OTHER, True, None, None)]
    + [(State.DISMISSED, Category.OTHER, Platform.YOUTUBE, False, None, None),
       (State.DISMISSED, Category.OFFENSIVE_CONTENT, Platform.X, False, None, None)]
)

DESCRIPTIONS = {
    Category.BULLYING: "In de klassenapp worden steeds berichten gestuurd over een leerling uit de klas.",
    Category.INSULTING: "Onder een filmpje van de schoolreis staan kwetsende opmerkingen over een leerling.",
    Category.DATA_BREACH: "Een lijst met namen en telefoonnummers van ouders is per ongeluk naar een verkeerde groep gestuurd.",
    Category.SEXTING: "Een naaktfoto van een leerling gaat rond in een Snapchat-groep.",
    Category.THREATS: "Een account dreigt een docent iets aan te doen na de les van vrijdag.",
    Category.DEFAMATION: "Er worden leugens over een medewerker verspreid.",
    Category.IMAGES_WITHOUT_CONSENT: "Een foto van leerlingen tijdens gym is zonder toestemming online gezet.",
    Category.ACCOUNT_HACKING: "Het Instagram-account van een leerling is overgenomen en plaatst berichten.",
    Category.STALKING: "Een leerling wordt dagelijks via een anoniem account benaderd.",
    Category.DISCRIMINATION: "Een filmpje met discriminerende uitspraken over een groep leerlingen.",
    Category.DERAILING_DISCUSSION: "Een discussie op de Facebookpagina van de school loopt uit de hand.",
    Category.IDENTITY_FRAUD: "Iemand heeft een nepaccount aangemaakt op naam van de schoolleider.",
    Category.RADICALISATION: "Een leerling deelt extremistische filmpjes in een groep.",
    Category.OFFENSIVE_CONTENT: "Een aanstootgevend filmpje is in de klas rondgestuurd.",
    Category.INCITEMENT: "Een account roept op tot een vechtpartij bij de school.",
    Category.OTHER: "Een bericht over de school dat misschien niet klopt.",
}


class Command(BaseCommand):
    help = "Load the demo board, schools, accounts (one per role), pupils and about 30 cases."

    def handle(self, *args, **options):
        if User.objects.filter(email=f"schoolleider@{DOMAIN}").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            # The demo's notifications go to the in-app inboxes; their e-mails are not printed.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
                self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_accounts()

    def _print_accounts(self):
        self.stdout.write("\nDemo accounts (password for all: %s)" % DEMO_PASSWORD)
        for local, first, last, role, schools, _admin in ACCOUNTS:
            where = "whole board" if schools is None else ", ".join(("Het Baken", "De Horizon")[i] for i in schools)
            self.stdout.write(f"  {local + '@' + DOMAIN:<40} {Role(role).label} ({where})")

    def _load(self):
        rng = random.Random(2026)
        board = Board.objects.create(name="Onderwijsgroep Buitengewoon (demo)")
        schools = [School.objects.create(board=board, name="Het Baken", brin="00AA"),
                   School.objects.create(board=board, name="De Horizon", brin="00BB")]
        # The demo board runs protocol 002; an administrator can switch to another at /protocol/.
        board_adopt_protocol(board=board, profile=ProtocolProfile.objects.get(code="buitengewoon-002"), version="2024.1",
                             adopted_on=timezone.localdate() - datetime.timedelta(days=700))
        users = {}
        for local, first, last, role, school_indexes, is_admin in ACCOUNTS:
            user = User.objects.create_user(
                email=f"{local}@{DOMAIN}", password=DEMO_PASSWORD, first_name=first, last_name=last,
                is_staff=is_admin, is_superuser=is_admin,
            )
            users[local] = user
            for index in school_indexes or [None]:
                school = schools[index] if index is not None else None
                Membership.objects.create(user=user, board=board, school=school, role=role)
        today = timezone.localdate()
        for school in schools:
            Person.objects.create(school=school, kind=PersonKind.STAFF, first_name="Mila", last_name="de Leraar",
                                  user=users["medewerker"], email=f"medewerker@{DOMAIN}")
            for i in range(20):
                last = rng.choice(LAST_NAMES)
                pupil = Person.objects.create(
                    school=school, kind=PersonKind.PUPIL, first_name=rng.choice(FIRST_NAMES), last_name=last,
                    date_of_birth=today - datetime.timedelta(days=365 * rng.randint(12, 17) + rng.randint(0, 364)),
                    class_name=rng.choice(["1A", "1B", "2A", "3C", "4B"]), mentor=users["medewerker"],
                )
                guardian = Person.objects.create(
                    school=school, kind=PersonKind.GUARDIAN, first_name=rng.choice(["Anouk", "Mark", "Petra", "Kees"]),
                    last_name=last, email=f"ouder{school.pk}{i}@example.org",
                )
                pupil.guardians.add(guardian)
        leaders = {schools[0].pk: users["schoolleider"], schools[1].pk: users["schoolleider2"]}
        now = timezone.now()
        for n, (state, category, platform, privacy, decision, victim_type) in enumerate(CASES):
            school = schools[n % 2]
            reported = now - datetime.timedelta(days=len(CASES) - n, hours=rng.randint(0, 12))
            # Each case is reported, and taken through its steps, at the demo's own dates: its timeline, the time
            # in each step and the statistics read as weeks of work, not as one moment.
            clock = _case_clock(start=reported, end=now - datetime.timedelta(minutes=30), steps=_steps_to(state), rng=rng)
            with time_machine.travel(reported, tick=False):
                incident = services.incident_report(
                    school=school, reporter=users["medewerker"], platform=platform, category=category,
                    description=DESCRIPTIONS[category], privacy_flag=privacy,
                    occurred_at=reported - datetime.timedelta(hours=5), discovered_at=reported - datetime.timedelta(hours=1),
                    links=[f"https://www.{platform}.com/p/demo{n}"] if platform not in ("other", "whatsapp") else [],
                )
            leader = leaders[school.pk]
            if state in (State.CLOSED, State.EVALUATING) or n % 3 == 0:
                pupils = list(Person.objects.filter(school=school, kind=PersonKind.PUPIL)[:2])
                with clock():
                    services.incident_add_record(incident=incident, actor=leader, record=Involvement(person=pupils[0], role=InvolvementRole.VICTIM))
                    services.incident_add_record(incident=incident, actor=leader, record=Involvement(person=pupils[1], role=InvolvementRole.PERPETRATOR))
            if state not in (State.REPORTED, State.DISMISSED):
                walk_to(incident, State.ASSESSING if state != State.GATHERING else State.GATHERING, leader, clock=clock)
                incident.refresh_from_db()
                if decision and incident.state == State.ASSESSING:
                    with clock():
                        services.incident_decide(incident=incident, actor=leader, decision=decision, victim_type=victim_type or "",
                                                 reasoning="Beoordeeld met de vertrouwenspersoon.")
            walk_to(incident, state, leader, clock=clock)
        sanctions_demo.load(schools=schools, leaders=leaders)
        consent_demo.load(board=board, schools=schools, users=users, rng=rng)


def _steps_to(state):
    """How many times a demo case's clock moves on: the involved people, each step change and the decision."""
    return 2 + (1 if state == State.DISMISSED else MAIN_LINE.index(state))


def _case_clock(*, start, end, steps, rng):
    """A clock for one case: each call gives a context in which it is a later moment between ``start`` and ``end``,
    spread over the case's ``steps`` (hours to days apart, never past ``end``)."""
    gap = (end - start) / (steps + 1)
    moment = [start]

    def clock():
        moment[0] = min(moment[0] + gap * rng.uniform(0.5, 1.0), end)
        return time_machine.travel(moment[0], tick=False)

    return clock
