"""One small world for the access tests: two boards, each with one school, every role and every kind of object.

``build_side`` fills one board; the access matrix builds it for "our" board and for a foreign board, and
asks for the same object on either side. Everything on the foreign side carries ``FOREIGN_MARKER`` in its
names and texts, so a page that shows any of it can be caught.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import Answer, Evidence as ConsentEvidence, GivenBy, SchoolAccount, SchoolAccountManager, WorkAccount
from incidents import services as incident_services
from incidents.models import Assignment, Involvement, Takedown
from incidents.workflow import State
from portal.files import private_file_names, private_storage
from portal.models import ExportJob, ExportJobState, Notification, PersonKind, Role
from publicreports import services as public_services
from sanctions import services as sanction_services
from sanctions.models import Measure
from tests.factories import BoardFactory, IncidentFactory, PersonFactory, SchoolFactory, member

# The roles of the matrix, in the order of its columns ("anonymous" is handled apart).
ROLES = ("staff", "school_leader", "board", "privacy_officer", "counsellor", "communications", "admin")

FOREIGN_MARKER = "Qwertzland"

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes(size=(40, 30), color=(30, 120, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="schermafbeelding.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name="formulier.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def private_files():
    """Every file in the private storage (evidence, correspondence, signed forms, exports), by name."""
    return private_file_names()


def remove_private_files(names):
    """Delete stored files whose rows were rolled back (through the storage API: a directory or a bucket)."""
    storage = private_storage()
    for name in names:
        storage.delete(name)


def process_uploads():
    """Re-encode the uploaded images as the worker does after the commit (which never comes in a test's
    transaction); until then they are not served."""
    from tests.conftest import process_uploaded_images

    process_uploaded_images()


def measure(kind, code):
    return Measure.objects.get(board__isnull=True, subject_kind=kind, code=code)


@dataclass
class Side:
    """One board with one school: a user per role and an object of every kind the URLs take."""

    label: str
    board: object = None
    school: object = None
    users: dict = field(default_factory=dict)  # role -> user
    case: object = None  # step 4 (containing): a pending harmful post, counsellor and communications asked to help
    reported_case: object = None  # step 1: for a step change
    closed_case: object = None
    privacy_case: object = None  # with the FG's breach review
    takedown: object = None  # pending, on ``case``
    evidence_reporter: object = None  # the reporter's own screenshot on ``case``
    evidence_school: object = None  # a screenshot the school leader added to ``case``
    quarantined_case: object = None  # step 1, marked by the school leader as a minor's nude image: its file quarantined
    evidence_quarantined: object = None  # the quarantined screenshot on ``quarantined_case``
    pupil: object = None
    guardian: object = None
    staff_person: object = None
    sanction: object = None  # a warning for the pupil, guardians not yet contacted
    proposal: object = None  # removal from school, proposed to the board by the school leader
    letter: object = None  # correspondence in the pupil's dossier
    lvi: object = None  # staff member told, LVI not yet called
    suspension: object = None  # a three-day suspension imposed by the school leader: its letter made, not yet sent
    decision_letter: object = None  # the suspension's decision letter
    duty: object = None  # the suspension's duty to report to the Inspectie, open
    objection: object = None  # an objection against the suspension, no outcome yet
    hearing: object = None  # a hearing recorded on ``proposal``
    approved_removal: object = None  # a removal the board approved after the hearing: searching another school
    done_duty: object = None  # the approved removal's report to the Inspectie, done
    purpose: object = None
    consent_record: object = None  # a guardian's grant with a signed form
    work_account: object = None
    school_account: object = None
    notifications: dict = field(default_factory=dict)  # role -> that user's notification
    export_jobs: dict = field(default_factory=dict)  # role -> that user's finished export
    reporting_page: object = None  # the school's public reporting page
    public_report: object = None  # a named pupil's report from it, opened to the counsellor
    public_code: str = ""  # its follow-up code
    public_report_private: object = None  # one the sender did not open to the counsellor


def build_side(label):
    side = Side(label=label)
    side.board = BoardFactory(name=f"Stichting {label}")
    side.school = school = SchoolFactory(board=side.board, name=f"{label} College")
    users = side.users
    users["staff"] = member(Role.STAFF, school=school, last_name=f"Medewerker {label}")
    users["school_leader"] = leader = member(Role.SCHOOL_LEADER, school=school, last_name=f"Schoolleider {label}")
    for role in ("board", "privacy_officer", "counsellor", "communications", "admin"):
        users[role] = member(role, board=side.board, last_name=f"{role} {label}")
    staff = users["staff"]

    # Cases, each reported by the staff member.
    side.case = IncidentFactory(
        school=school, reporter=staff, containing=True, files=[png_upload("melding.png")],
        description=f"Nepaccount met foto's van een leerling ({label}).",
    )
    side.evidence_reporter = side.case.evidence.get(created_by=staff)
    side.evidence_school = incident_services.evidence_add(
        incident=side.case, actor=leader, files=[png_upload("gesprek.png")], description=f"Chat ({label})",
    )[0]
    process_uploads()
    side.takedown = incident_services.incident_add_record(
        incident=side.case, actor=leader, record=Takedown(platform="instagram", description=f"Bericht ({label})"),
    )
    for role, kind in (("counsellor", "aftercare"), ("communications", "communication")):
        incident_services.incident_add_record(incident=side.case, actor=leader, record=Assignment(user=users[role], kind=kind))
    side.reported_case = IncidentFactory(school=school, reporter=staff, description=f"Dreigend bericht ({label}).")
    side.quarantined_case = IncidentFactory(school=school, reporter=staff, files=[png_upload("beeld.png")],
                                            description=f"Doorgestuurde foto ({label}).")
    [side.evidence_quarantined] = incident_services.evidence_quarantine(incident=side.quarantined_case, actor=leader)
    side.closed_case = IncidentFactory(school=school, reporter=staff, closed=True, description=f"Afgesloten zaak ({label}).")
    side.privacy_case = IncidentFactory(
        school=school, reporter=staff, privacy_flag=True, description=f"Cijferlijst gedeeld ({label}).",
    )
    assert side.privacy_case.breach_assessment and side.case.state == State.CONTAINING

    # People, sanctions, correspondence, LVI.
    side.pupil = PersonFactory(school=school, first_name="Sanne", last_name=f"Leerling {label}", date_of_birth=datetime.date(2012, 5, 1))
    side.guardian = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="", last_name=f"Ouder {label}")
    side.pupil.guardians.add(side.guardian)
    side.staff_person = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="", last_name=f"Docent {label}")
    incident_services.incident_add_record(incident=side.case, actor=leader,
                                          record=Involvement(person=side.pupil, role="perpetrator"))
    side.sanction = sanction_services.sanction_impose(
        person=side.pupil, actor=leader, measure=measure("pupil", "warning"), incident=side.case,
        decision=f"Waarschuwing ({label})", reasoning="Kwetsende berichten.",
    )
    side.proposal = sanction_services.sanction_impose(
        person=side.pupil, actor=leader, measure=measure("pupil", "removal"),
        decision=f"Verwijdering ({label})", reasoning="Herhaald en ernstig.",
    )
    side.hearing = sanction_services.hearing_record(
        sanction=side.proposal, actor=leader, held_at=timezone.now() - timezone.timedelta(days=1), heard_pupil=True,
        heard_guardians=True, heard_teacher=True, present=f"Leerling, ouders, mentor ({label})", summary="Gehoord.",
    )
    side.suspension = sanction_services.sanction_impose(
        person=side.pupil, actor=leader, measure=measure("pupil", "suspension"), days=3,
        decision=f"Schorsing ({label})", reasoning="Bedreigingen.",
    )
    side.duty = side.suspension.duties.get()
    side.decision_letter = sanction_services.letter_make(sanction=side.suspension, actor=leader)
    side.objection = sanction_services.objection_record(
        sanction=side.suspension, actor=leader, received_on=timezone.localdate(), lodged_by=f"Ouders ({label})",
        grounds="Te zwaar.",
    )
    removal = sanction_services.sanction_impose(
        person=side.pupil, actor=leader, measure=measure("pupil", "removal"),
        decision=f"Verwijdering, besloten ({label})", reasoning="Ernstig.",
    )
    sanction_services.hearing_record(
        sanction=removal, actor=leader, held_at=timezone.now() - timezone.timedelta(days=1), heard_pupil=True,
        heard_guardians=True, heard_teacher=True, present="Leerling, ouders, mentor", summary="Gehoord.",
    )
    side.approved_removal = sanction_services.sanction_decide(sanction=removal, actor=users["board"], approve=True,
                                                              reason="Na het horen besloten.")
    side.done_duty = sanction_services.duty_record_done(
        duty=side.approved_removal.duties.get(recipient="inspectie"), actor=leader, done_on=timezone.localdate(),
        reference=f"ISD-{label}-1",
    )
    side.letter = sanction_services.correspondence_add(
        person=side.pupil, actor=leader, files=[pdf_upload("brief.pdf")], description=f"Brief aan ouders ({label})",
    )[0]
    side.lvi = sanction_services.lvi_report_start(
        person=side.staff_person, actor=leader, staff_told_at=timezone.now() - timezone.timedelta(hours=2),
        staff_told_how=f"Gesprek ({label})",
    )

    # Consent and the registers.
    consent_services.consent_purposes_ensure_defaults(board=side.board)
    side.purpose = consent_selectors.consent_purposes(board=side.board)[0]
    side.consent_record = consent_services.consent_record(
        person=side.pupil, purposes=[side.purpose], answer=Answer.GRANTED, given_by=GivenBy.GUARDIAN,
        guardian=side.guardian, evidence=ConsentEvidence.SIGNED_FORM, file=pdf_upload(), actor=leader,
    )[0]
    side.work_account = WorkAccount.objects.create(
        school=school, platform="instagram", handle=f"juf.{label.lower()}", purpose="Klassengroep", owner=staff, created_by=leader,
    )
    side.school_account = SchoolAccount.objects.create(school=school, platform="instagram", handle=f"{label.lower()}.college",
                                                       created_by=leader)
    SchoolAccountManager.objects.create(account=side.school_account, user=staff)

    # The public reporting page and two reports from it.
    side.reporting_page = public_services.reporting_page_for(school=school)
    side.public_report, side.public_code = public_services.public_report_submit(
        page=side.reporting_page, sender_role="pupil", description=f"Nepaccount van mij ({label}).", platform="instagram",
        sender_name=f"Sam {label}", wants_counsellor=True,
    )
    side.public_report_private, _code = public_services.public_report_submit(
        page=side.reporting_page, sender_role="guardian", description=f"Mijn kind wordt gepest ({label}).", platform="whatsapp",
    )

    # Per user: a notification in their inbox and a finished export to download.
    for role, user in users.items():
        side.notifications[role] = Notification.objects.create(
            recipient=user, kind="test", subject=f"Bericht voor {role} ({label})", body="Er is iets gebeurd.",
        )
        job = ExportJob.objects.create(user=user, register="incidents", fmt="xlsx", state=ExportJobState.DONE,
                                       filename=f"zaken-{label}.xlsx", total_rows=1, done_rows=1)
        job.file.save("zaken.xlsx", ContentFile(b"PK\x03\x04 export"))
        side.export_jobs[role] = job
    return side
