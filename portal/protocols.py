"""The five school-board protocols as profiles, and what a board's protocol means for the portal.

A board adopts a profile through a ProtocolVersion (adopted on, review date). Until it has one, the
portal applies the strictest rules found in any of the five (STRICTEST), so nothing a protocol demands
is skipped by default.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import has_perm

STEP_LABELS_002 = {
    "reported": "1. Melding", "gathering": "2. Informatie verzamelen", "assessing": "3. Strafbaarheid beoordelen",
    "containing": "4. Sneeuwbal stoppen", "informing": "5. Betrokkenen informeren", "communicating": "6. Communicatie",
    "evaluating": "7. Evalueren",
}

# (subject kind, code, label, decided by the board, has an end date, lasts a number of days)
CATALOGUE_000 = [
    ("pupil", "warning", "Waarschuwing", False, False, False),
    ("pupil", "suspension", "Schorsing", False, False, True),
    ("pupil", "removal", "Verwijdering van school", True, False, False),
    ("guardian", "warning", "Waarschuwing", False, False, False),
    ("staff", "warning", "Waarschuwing", False, False, False),
    ("staff", "suspension", "Schorsing", False, False, True),
    ("staff", "reprimand", "Berisping", False, False, False),
    ("staff", "dismissal", "Ontslag", True, False, False),
    ("staff", "summary_dismissal", "Ontslag op staande voet", True, False, False),
]
CATALOGUE_002 = CATALOGUE_000
CATALOGUE_003 = CATALOGUE_000 + [
    ("guardian", "talk", "Gesprek", False, False, False),
]
CATALOGUE_004 = [
    ("pupil", "talk", "Gesprek met de mentor", False, False, False),
    ("pupil", "phone_confiscated", "Telefoon in beslag genomen", False, False, False),
    ("pupil", "network_suspended", "Toegang tot het schoolnetwerk ontzegd (tijdelijk)", False, True, False),
    ("pupil", "disciplinary", "Disciplinaire maatregel (straf)", False, False, False),
    ("pupil", "removal", "Verwijdering door de algemene directie (op voordracht)", True, False, False),
    ("guardian", "talk", "Gesprek", False, False, False),
    ("staff", "talk", "Gesprek met de direct leidinggevende", False, False, False),
    ("staff", "warning", "Waarschuwing", False, False, False),
    ("staff", "legal_position", "Maatregel met rechtspositionele gevolgen", False, False, False),
    ("staff", "dismissal", "Ontslag", True, False, False),
]
CATALOGUE_001 = [
    ("pupil", "talk", "Gesprek met de leerkracht en ouders", False, False, False),
    ("pupil", "warning", "Waarschuwing", False, False, False),
    ("pupil", "suspension", "Schorsing", False, False, True),
    ("pupil", "removal", "Verwijdering van school", True, False, False),
    ("guardian", "talk", "Gesprek met de directie", False, False, False),
    ("staff", "talk", "Gesprek met de directie", False, False, False),
    ("staff", "warning", "Waarschuwing", False, False, False),
    ("staff", "dismissal", "Ontslag", True, False, False),
]

PROFILES = [
    {
        "code": "vario-000", "name": "VariO — Protocol Social Media en Internet",
        "description": "Toestemming van medewerkers, ouders en leerlingen vanaf 16; rechtspositionele maatregelen "
                       "(personeelsdossier) en maatregelen voor leerlingen (leerlingdossier); grensoverschrijdend gedrag "
                       "van medewerkers telefonisch gemeld bij de Landelijke Vertrouwensinspecteur; aangifte bij elk "
                       "mogelijk strafbaar feit.",
        "first_contact_label": "schoolleider", "police_on_any_suspicion": True, "lvi_report": True,
        "guardians_before_pupil_measure": False, "guardian_dossier": False, "consent_at_enrolment": False,
        "review_months": None, "step_labels": STEP_LABELS_002,
        "step_help": {"assessing": "Bij een mogelijk strafbaar feit doen de scholen altijd aangifte bij de politie (Sancties 6)."},
        "extra_actions": [], "notification_roles": {},
        "consent_purposes": ["social_media", "personal_social_media", "website", "education_accounts"],
        "sanction_catalogue": CATALOGUE_000,
    },
    {
        "code": "kms-001", "name": "KMS De Schoolwerkplaats — Social media protocol",
        "description": "Toestemming voor foto, film en geluid gevraagd bij inschrijving; ontsporende discussies naar "
                       "vertrouwenspersoon of directie; succes gemeten aan 'geen klachten'; herziening eens per 2 jaar.",
        "first_contact_label": "directie", "police_on_any_suspicion": False, "lvi_report": False,
        "guardians_before_pupil_measure": False, "guardian_dossier": False, "consent_at_enrolment": True,
        "review_months": 24, "step_labels": {**STEP_LABELS_002, "reported": "1. Melding bij de directie"},
        "step_help": {"evaluating": "Het protocol werkt als er geen klachten over social media zijn: leg vast of dat zo is."},
        "extra_actions": [],
        "notification_roles": {"incident_reported": ["school_leader", "counsellor"]},
        "consent_purposes": ["social_media", "website", "newsletter"],
        "sanction_catalogue": CATALOGUE_001,
    },
    {
        "code": "buitengewoon-002", "name": "Onderwijsgroep Buitengewoon — Protocol Social Media",
        "description": "Het zevenstappenplan (§11) met de toevoeging bij een strafbaar feit; de FG bij privacy-incidenten "
                       "en datalekken; werkaccounts en schoolaccounts; toestemming onder 16 door ouders.",
        "first_contact_label": "schoolleider", "police_on_any_suspicion": False, "lvi_report": False,
        "guardians_before_pupil_measure": False, "guardian_dossier": False, "consent_at_enrolment": False,
        "review_months": None, "step_labels": STEP_LABELS_002, "step_help": {}, "extra_actions": [],
        "notification_roles": {},
        "consent_purposes": ["social_media", "website", "newsletter", "education_accounts"],
        "sanction_catalogue": CATALOGUE_002,
    },
    {
        "code": "svopl-003", "name": "SVO|PL — Protocol Sociale Media",
        "description": "Sancties voor medewerkers, leerlingen en ouders (een apart dossier voor ouders); aangifte bij elk "
                       "mogelijk strafbaar feit; negatieve berichten eerst intern besproken.",
        "first_contact_label": "schoolleider", "police_on_any_suspicion": True, "lvi_report": False,
        "guardians_before_pupil_measure": False, "guardian_dossier": True, "consent_at_enrolment": False,
        "review_months": None, "step_labels": STEP_LABELS_002,
        "step_help": {"communicating": "Negatieve berichten over de school worden eerst intern besproken."},
        "extra_actions": [], "notification_roles": {},
        "consent_purposes": ["social_media", "website"],
        "sanction_catalogue": CATALOGUE_003,
    },
    {
        "code": "cvo-004", "name": "CVO — Protocol Social Media (maart 2025)",
        "description": "Melding bij de vestigingsdirecteur; eerst een gesprek (leidinggevende of mentor); maatregelen voor "
                       "leerlingen: telefoon in beslag, netwerktoegang ontzegd, disciplinaire maatregel, verwijdering door "
                       "de algemene directie op voordracht; altijd contact met de ouders; politie bij elk vermoeden.",
        "first_contact_label": "vestigingsdirecteur", "police_on_any_suspicion": True, "lvi_report": False,
        "guardians_before_pupil_measure": True, "guardian_dossier": False, "consent_at_enrolment": False,
        "review_months": None, "step_labels": {**STEP_LABELS_002, "reported": "1. Melding bij de vestigingsdirecteur"},
        "step_help": {},
        "extra_actions": [{
            "step": "assessing", "code": "first_talk",
            "label": "Eerst besproken met de betrokkene: door de direct leidinggevende (medewerker) of de mentor (leerling) (regel 11)",
        }],
        "notification_roles": {"offence_suspected": ["board", "school_leader"]},
        "consent_purposes": ["social_media", "website"],
        "sanction_catalogue": CATALOGUE_004,
    },
]


@dataclass(frozen=True)
class ProtocolRules:
    """What the portal needs to know of a board's protocol."""

    police_on_any_suspicion: bool = True
    lvi_report: bool = True
    guardians_before_pupil_measure: bool = True
    guardian_dossier: bool = True
    step_labels: dict = field(default_factory=dict)
    step_help: dict = field(default_factory=dict)
    extra_actions: tuple = ()
    notification_roles: dict = field(default_factory=dict)


# Before a board adopts its protocol, every safeguard of the five protocols applies.
STRICTEST = ProtocolRules()


_RULES_CACHE = {}  # protocol version id -> (expires at, rules); a new version gets a new id
_RULES_TTL = 60.0


def protocol_rules(board):
    """The rules of the board's protocol in force (looked up once a minute per protocol version)."""
    import time

    if not board.protocol_id:
        return STRICTEST
    hit = _RULES_CACHE.get(board.protocol_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    from .models import ProtocolVersion

    version = ProtocolVersion.objects.select_related("profile").filter(pk=board.protocol_id).first()
    if version is None:
        rules = STRICTEST
    else:
        p = version.profile
        rules = ProtocolRules(
            police_on_any_suspicion=p.police_on_any_suspicion, lvi_report=p.lvi_report,
            guardians_before_pupil_measure=p.guardians_before_pupil_measure, guardian_dossier=p.guardian_dossier,
            step_labels=p.step_labels or {}, step_help=p.step_help or {}, extra_actions=tuple(p.extra_actions or ()),
            notification_roles=p.notification_roles or {},
        )
    _RULES_CACHE[board.protocol_id] = (time.monotonic() + _RULES_TTL, rules)
    return rules


def profiles_install(ProtocolProfile):
    """Create or update the shipped profiles (used by the data migration and the demo)."""
    for data in PROFILES:
        ProtocolProfile.objects.update_or_create(code=data["code"], defaults={k: v for k, v in data.items() if k != "code"})


def protocol_board_for(*, user):
    """The board whose protocol page the user sees: the first they serve as board member or administrator."""
    from .access import access_for
    from .models import Board, Role

    access = access_for(user)
    boards = Board.objects.filter(pk__in=access.board_ids[Role.ADMIN] | access.board_ids[Role.BOARD])
    return boards.select_related("protocol__profile").first()


def board_adopt_protocol(*, board, profile, version, adopted_on=None, review_on=None, actor=None):
    """The board adopts (a new version of) a protocol: its sanction catalogue, consent purposes and
    police rule take effect at once; cases already running keep the version they started under."""
    from consent.services import consent_purposes_install
    from sanctions.catalogue import install_catalogue
    from sanctions.models import Measure

    from .audit import audit_record
    from .models import ProtocolVersion

    if actor is not None and not has_perm("portal.adopt_protocol", actor, board):
        raise PermissionDenied(_("Only the board's administrator adopts a protocol."))
    adopted_on = adopted_on or timezone.localdate()
    if review_on is None and profile.review_months:
        review_on = adopted_on + relativedelta(months=profile.review_months)
    with transaction.atomic():
        protocol = ProtocolVersion.objects.create(board=board, profile=profile, version=version, adopted_on=adopted_on,
                                                  review_on=review_on)
        board.protocol = protocol
        board.police_on_any_suspicion = profile.police_on_any_suspicion
        board.save(update_fields=["protocol", "police_on_any_suspicion"])
        wanted = install_catalogue(Measure, profile.sanction_catalogue, board=board)
        dropped = [pk for pk, kind, code in Measure.objects.filter(board=board, active=True)
                   .values_list("pk", "subject_kind", "code") if (kind, code) not in wanted]
        Measure.objects.filter(pk__in=dropped).update(active=False)  # kept for the sanctions that used them
        consent_purposes_install(board=board, codes=profile.consent_purposes)
        audit_record(actor=actor, action="protocol.adopt", obj=protocol, board=board, profile=profile.code, version=version)
    return protocol


def protocol_review_reminders(*, today=None, days_ahead=30):
    """Tell the board (board members and administrators) a month before its protocol is due for review."""
    from .models import Board, Membership, Role
    from .notifications import notification_create

    today = today or timezone.localdate()
    sent = 0
    due = Board.objects.filter(protocol__review_on__isnull=False,
                               protocol__review_on__lte=today + datetime.timedelta(days=days_ahead)).select_related("protocol__profile")
    due = list(due)
    members_by_board = defaultdict(list)
    members = Membership.objects.active().filter(board__in=due, school__isnull=True, role__in=[Role.BOARD, Role.ADMIN])
    for membership in members.select_related("user").order_by("pk"):
        members_by_board[membership.board_id].append(membership)
    for board in due:
        version = board.protocol
        for membership in members_by_board[board.pk]:
            with transaction.atomic():
                row = notification_create(
                    recipient=membership.user, kind="protocol_review",
                    subject=f"Protocol toe aan herziening: {version.profile.name} (versie {version.version})",
                    body=(f"Het protocol '{version.profile.name}', versie {version.version}, vastgesteld op "
                          f"{version.adopted_on:%d-%m-%Y}, moet uiterlijk {version.review_on:%d-%m-%Y} herzien worden."),
                    url="/protocol/", dedupe_key=f"protocol_review:{version.pk}:{membership.user_id}",
                )
            sent += row is not None
    return sent
