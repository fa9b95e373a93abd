"""The five school-board protocols as profiles, and a board's adoption of one, which configures every app.

A board adopts a profile through a ProtocolVersion (adopted on, review date): its sanction catalogue
(sanctions), its consent purposes (consent) and its police rule take effect at once. What a protocol
means while a case runs is read from the core (``portal.protocols.protocol_rules``).
"""

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import has_perm

from consent.services import consent_purposes_install
from portal.audit import audit_record
from portal.models import ProtocolVersion
from sanctions.catalogue import install_catalogue
from sanctions.models import Measure

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
        "review_months": None, "step_labels": {},
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
        "review_months": 24, "step_labels": {"reported": "1. Melding bij de directie"},
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
        "review_months": None, "step_labels": {}, "step_help": {}, "extra_actions": [],
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
        "review_months": None, "step_labels": {},
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
        "review_months": None, "step_labels": {"reported": "1. Melding bij de vestigingsdirecteur"},
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


def profiles_install(ProtocolProfile):
    """Create or update the shipped profiles (used by the data migration and the demo)."""
    for data in PROFILES:
        ProtocolProfile.objects.update_or_create(code=data["code"], defaults={k: v for k, v in data.items() if k != "code"})


def board_adopt_protocol(*, board, profile, version, adopted_on=None, review_on=None, actor=None):
    """The board adopts (a new version of) a protocol: its sanction catalogue, consent purposes and
    police rule take effect at once; cases already running keep the version they started under."""
    if actor is not None and not has_perm("portal.adopt_protocol", actor, board):
        raise PermissionDenied(_("Only the board's administrator adopts a protocol."))
    adopted_on = adopted_on or timezone.localdate()
    if review_on is None and profile.review_months:
        review_on = adopted_on + relativedelta(months=profile.review_months)
    protocol = ProtocolVersion(board=board, profile=profile, version=version, adopted_on=adopted_on, review_on=review_on)
    protocol.full_clean()  # the dates' window (portal.validators), for every caller
    with transaction.atomic():
        protocol.save()
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
