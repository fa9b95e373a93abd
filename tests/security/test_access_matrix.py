"""The access matrix: every URL of the app × every role × an object of our own school and one of a foreign board.

The table below has one row per URL name (a few names have a second row for another object). The
expected status codes are for our own school's object, one per role in the order of ``world.ROLES``:

    staff  school_leader  board  privacy_officer  counsellor  communications  admin

For an object of a foreign board every role gets 404: the object does not exist for them. The only other
answer allowed is the 403 a role gets for the page as such — for our own object too, and just the same for
an id that does not exist — so it tells nothing about the foreign object either. Anonymous visitors are sent
to the login page (the REST API answers them 401).

The URL names are read from the URL configuration: a new URL without a row here fails
``test_every_url_of_the_app_has_a_row``.

Rows with ``get=None`` take POST only: a GET gets 405 (the API answers a visitor without sign-in 401 first). A ``post`` row's expected codes are for a valid POST;
every refused POST (403 or 404, own or foreign object) must leave the database and the private files as they
were. Each POST runs in a savepoint that is rolled back, so the world stays the same for the next request.
"""

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from .world import FOREIGN_MARKER, ROLES, build_side, private_files, png_upload, remove_private_files

# Parts of the URL configuration that are not the app's own pages.
NOT_OURS = ("account/", "beheer/", "i18n/", "static/")
REFUSED = (403, 404)


def app_url_names():
    """Every URL name of the app, namespaced (``incidents:detail``), from meldpunt.urls."""
    names = set()

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern).lstrip("^")
            if route.startswith(NOT_OURS):
                continue
            if isinstance(entry, URLResolver):
                walk(entry, route, ":".join(filter(None, [namespace, entry.namespace])))
            else:
                assert entry.name, f"The URL {route} has no name, so the access matrix cannot cover it."
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver("meldpunt.urls"), "", "")
    return names


# Object builders: (side, role) -> URL kwargs or query parameters -------------------------------------

def pk(attribute, **extra):
    return lambda side, role: {"pk": getattr(side, attribute).pk, **extra}


def record(case, attribute):
    """A record on a case, for the pages that correct or withdraw it."""
    def build(side, role):
        item = getattr(side, attribute)
        return {"pk": getattr(side, case).pk, "record_type": item.record_type(), "record_pk": item.pk}
    return build


def token(attribute):
    return lambda side, role: {"token": getattr(side, attribute).token}


def own(attribute):
    """The requesting user's own object of this kind (their notification, their export)."""
    return lambda side, role: {"pk": getattr(side, attribute)[role].pk}


def school(attribute=None):
    def build(side, role):
        kwargs = {"school_id": side.school.pk}
        if attribute:
            kwargs["pk"] = getattr(side, attribute).pk
        return kwargs
    return build


def board(attribute=None):
    def build(side, role):
        kwargs = {"board_id": side.board.pk}
        if attribute:
            kwargs["pk"] = getattr(side, attribute).pk
        return kwargs
    return build


def person(attribute):
    return lambda side, role: {"person": getattr(side, attribute).pk}


# POST bodies: (side, role) -> data --------------------------------------------------------------------

def now_local(hours_ago=0):
    return (timezone.localtime() - timezone.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def report_data(side, role):
    return {"school": side.school.pk, "category": "bullying", "platform": "whatsapp", "description": "Gemene berichten.",
            "discovered_at": now_local(1)}


def sanction_data(side, role):
    from .world import measure

    return {"sanction-measure": measure("pupil", "warning").pk, "sanction-decision": "Waarschuwing.",
            "sanction-reasoning": "Kwetsende berichten.", "sanction-starts_on": timezone.localdate().isoformat()}


def letter_data(side, role):
    return {"letter-files": png_upload("brief.png"), "letter-description": "Brief aan de ouders"}


def takedown_data(side, role):
    return {f"takedown-{side.takedown.pk}-outcome": "removed_by_platform", f"takedown-{side.takedown.pk}-outcome_reason": ""}


def answer_data(side, role):
    return {"answer-purposes": [side.purpose.pk], "answer-answer": "refused", "answer-given_by": "guardian",
            "answer-guardian": side.guardian.pk, "answer-given_on": timezone.localdate().isoformat(), "answer-evidence": "noted"}


def import_data(side, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "leerlingnummer;voornaam;achternaam;geboortedatum\n991;Kees;Nieuw;01-02-2012\n".encode()
    return {"file": SimpleUploadedFile("leerlingen.csv", csv, content_type="text/csv")}


def staff_import_data(side, role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = f"naam;email;school;rol\nKees Nieuw;kees.nieuw.{role}@example.org;{side.school.name};medewerker\n".encode()
    return {"file": SimpleUploadedFile("medewerkers.csv", rows, content_type="text/csv")}


def work_account_data(side, role):
    return {"platform": "tiktok", "handle": "meester.nieuw", "closed_group": "on", "purpose": "Klassengroep",
            "owner": side.users["staff"].pk}


def school_account_data(side, role):
    return {"platform": "tiktok", "handle": "school.nieuw", "note": ""}


def purpose_data(side, role):
    return {"code": "nieuw_doel", "label": "Nieuw doel", "help_text": "", "ordering": 9, "active": "on"}


def protocol_data(side, role):
    from portal.models import ProtocolProfile

    return {"profile": ProtocolProfile.objects.order_by("pk").first().pk, "version": "2026-1",
            "adopted_on": timezone.localdate().isoformat()}


def api_report_data(side, role):
    return {"school": side.school.pk, "category": "bullying", "platform": "whatsapp", "description": "Gemene berichten."}


def const(data):
    return lambda side, role: dict(data)


@dataclass
class Row:
    name: str
    get: str | None  # expected GET status per role (own school); None: the URL takes POST only
    kwargs: object = None  # (side, role) -> URL kwargs
    query: object = None  # (side, role) -> query parameters that name the object
    post: str | None = None  # expected status of a valid POST per role (own school)
    data: object = None  # (side, role) -> POST body
    label: str = ""
    anonymous: object = "login"  # what a visitor who is not signed in gets: sent to the login page, or a status
    json: bool = False  # the POST body is JSON (the REST API)
    object_in_body: bool = False  # the POST body names the object (the API's consent check)
    public: bool = False  # a page for everyone, without sign-in: another school's page is as open as ours

    @property
    def id(self):
        return f"{self.name}[{self.label}]" if self.label else self.name

    @property
    def has_object(self):
        return self.kwargs is not None or self.query is not None or self.object_in_body


def expected(codes):
    values = [int(code) for code in codes.split()]
    assert len(values) == len(ROLES), codes
    return dict(zip(ROLES, values))


ROWS = [
    # URL name                          staff leader board fg couns comms admin
    Row("home", get="302 302 302 302 302 302 302"),
    Row("inbox", get="200 200 200 200 200 200 200"),
    Row("inbox_mark_all_read", get=None, post="302 302 302 302 302 302 302"),
    Row("inbox_mark_read", get=None, kwargs=own("notifications"), post="302 302 302 302 302 302 302"),
    Row("audit_trail", get="403 403 403 200 403 403 200"),
    Row("protocol", get="403 403 200 403 403 403 200", post="403 403 403 403 403 403 302", data=protocol_data),
    Row("onboarding", get="403 403 403 403 403 403 200"),
    Row("staff_import", get="403 403 403 403 403 403 200", post="403 403 403 403 403 403 200", data=staff_import_data),
    Row("export_job", get="200 200 200 200 200 200 200", kwargs=own("export_jobs")),
    Row("export_job_download", get="200 200 200 200 200 200 200", kwargs=own("export_jobs")),

    # Incidents. ``case`` is in step 4, reported by the staff member; the counsellor and the communications
    # officer were asked to help; it is not a privacy incident, so the FG does not see it.
    Row("incidents:report", get="200 200 403 403 403 403 403", post="302 302 403 403 403 403 403", data=report_data),
    Row("incidents:report_done", get="200 404 404 404 404 404 404", kwargs=pk("case")),
    Row("incidents:my_reports", get="200 200 200 200 200 200 200"),
    Row("incidents:dashboard", get="302 200 200 200 200 200 200"),
    Row("incidents:detail", get="200 200 200 404 200 200 200", kwargs=pk("case")),
    Row("incidents:case_report", get="403 200 200 404 200 200 200", kwargs=pk("case")),
    # The involved-person search: for those who record on the case, as its forms are.
    Row("incidents:person_search", get="403 200 403 404 403 403 403", kwargs=pk("case")),
    Row("incidents:record_slot", get="200 200 403 404 403 403 403", kwargs=pk("case", slot="evidence")),
    Row("incidents:record_slot", label="leader only", get="404 200 403 404 403 403 403", kwargs=pk("case", slot="waiver")),
    Row("incidents:timeline_page", get="403 200 200 404 200 200 200", kwargs=pk("case")),
    Row("incidents:transition", get=None, kwargs=pk("reported_case", name="dismiss"),
        post="403 302 403 404 404 404 403", data=const({"transition-note": "Geen incident."})),
    Row("incidents:record", get=None, kwargs=pk("case", kind="waiver"),
        post="403 302 403 404 403 403 403",
        data=const({"waiver-item": "forward_request", "waiver-reason": "Niemand heeft het bericht ontvangen."})),
    Row("incidents:record", label="evidence", get=None, kwargs=pk("case", kind="evidence"),
        post="302 302 403 404 403 403 403", data=const({"evidence-links": "https://www.instagram.com/p/abc123/"})),
    Row("incidents:record", label="closed case", get=None, kwargs=pk("closed_case", kind="waiver"),
        post="403 403 403 404 404 404 403", data=const({"waiver-item": "messages", "waiver-reason": "Niet nodig."})),
    Row("incidents:takedown_outcome", get=None,
        kwargs=lambda side, role: {"pk": side.case.pk, "takedown_pk": side.takedown.pk},
        post="403 302 403 404 403 403 403", data=takedown_data),
    # A record's page (its history) for all who see the whole case; correcting and withdrawing it: the school
    # leader of the school, also of a closed case.
    Row("incidents:record_detail", get="403 200 200 404 200 200 200", kwargs=record("case", "takedown")),
    Row("incidents:record_correct", get=None, kwargs=record("case", "takedown"), post="403 302 403 404 403 403 403",
        data=const({"correct-platform": "tiktok", "correct-url": "https://www.tiktok.com/@x/video/1",
                    "correct-description": "Filmpje met de klas", "correct-correction_reason": "Platform verkeerd."})),
    Row("incidents:record_withdraw", get=None, kwargs=record("case", "takedown"), post="403 302 403 404 403 403 403",
        data=const({"withdraw-reason": "Dubbel vastgelegd."})),
    # A screenshot the school leader added is the school's file: the reporter does not get it.
    Row("incidents:evidence_file", get="404 200 200 404 200 200 200", kwargs=token("evidence_school")),
    Row("incidents:evidence_file", label="reporter's own", get="200 200 200 404 200 200 200", kwargs=token("evidence_reporter")),
    # A quarantined file (a minor's nudity) is opened by nobody, whatever their role.
    Row("incidents:evidence_file", label="quarantined", get="404 404 404 404 404 404 404",
        kwargs=token("evidence_quarantined")),
    # Quarantining, deleting quarantined files and the police package: the school leader of the school.
    Row("incidents:quarantine", get=None, kwargs=pk("case"), post="403 302 403 404 403 403 403",
        data=const({"quarantine-reason": "Naaktfoto van een leerling."})),
    Row("incidents:quarantine", label="one file", get=None, kwargs=pk("case"), post="403 302 403 404 403 403 403",
        data=lambda side, role: {"quarantine-evidence": side.evidence_school.pk}),
    Row("incidents:quarantine_destroy", get=None, kwargs=pk("quarantined_case"), post="403 302 403 404 404 404 403",
        data=const({"destroy-when": "handover", "destroy-reason": "Overgedragen aan de politie."})),
    Row("incidents:police_package", get="403 200 403 404 403 403 403", kwargs=pk("case")),
    Row("incidents:statistics", get="403 200 200 403 403 403 200"),
    Row("incidents:breach_queue", get="403 403 403 200 403 403 403"),
    Row("incidents:breach_register", get="403 403 403 200 403 403 200"),
    Row("incidents:breach_detail", get="403 403 403 200 403 403 403", kwargs=pk("privacy_case"),
        post="403 403 403 302 403 403 403", data=const({"breach-risk": "none", "breach-risk_reasoning": "Alleen namen."})),
    Row("incidents:breach_detail", label="not a privacy case", get="403 403 403 404 403 403 403", kwargs=pk("case")),

    # Sanctions and dossiers: school leader and board; the administrator reads but does not act.
    Row("sanctions:dossiers", get="403 200 200 403 403 403 200"),
    Row("sanctions:dossier", get="403 200 200 403 403 403 200", kwargs=pk("pupil")),
    Row("sanctions:dossier_export", get="403 200 200 403 403 403 200", kwargs=pk("pupil", fmt="pdf")),
    Row("sanctions:dossier_export", label="zip", get="403 200 200 403 403 403 200", kwargs=pk("pupil", fmt="zip")),
    Row("sanctions:correspondence_create", get=None, kwargs=pk("pupil"), post="403 302 302 403 403 403 403", data=letter_data),
    Row("sanctions:correspondence_file", get="403 200 200 403 403 403 200", kwargs=token("letter")),
    Row("sanctions:list", get="403 200 200 403 403 403 200"),
    Row("sanctions:create", get="403 200 200 403 403 403 403", query=person("pupil"),
        post="403 302 302 403 403 403 403", data=sanction_data),
    # The form's preview of a suspension's last day: for those who may impose it.
    Row("sanctions:preview", get="403 200 200 403 403 403 403", query=person("pupil")),
    Row("sanctions:detail", get="403 200 200 403 403 403 200", kwargs=pk("sanction")),
    # The school leader proposed the removal; another member of the board decides.
    Row("sanctions:decide", get=None, kwargs=pk("proposal"), post="403 403 302 403 403 403 403",
        data=const({"decide-approve": "no", "decide-reason": "Eerst een schorsing."})),
    Row("sanctions:guardians", get=None, kwargs=pk("sanction"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"contact-guardians_contacted_at": now_local(1), "contact-guardians_contacted_how": "Telefoon"}),
    Row("sanctions:letter", get=None, kwargs=pk("sanction"), post="403 302 302 403 403 403 403", data=letter_data),
    Row("sanctions:lvi_create", get="403 200 200 403 403 403 403", query=person("staff_person"),
        post="403 302 302 403 403 403 403",
        data=lambda side, role: {"lvi-staff_told_at": now_local(1), "lvi-staff_told_how": "In een gesprek."}),
    Row("sanctions:lvi_detail", get="403 200 200 403 403 403 200", kwargs=pk("lvi"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"call-reported_at": now_local(0), "call-inspector": "Inspecteur", "call-summary": "Gemeld."}),
    Row("sanctions:police_register", get="403 200 200 403 403 403 200"),
    # Education law: withdrawing, the hearing, the decision letter, admission, objection, the duties register. The
    # school leader imposed the warning: the school leader or the board withdraws it.
    Row("sanctions:withdraw", get=None, kwargs=pk("sanction"), post="403 302 302 403 403 403 403",
        data=const({"withdraw-reason": "Ten onrechte vastgelegd."})),
    Row("sanctions:hearing", get=None, kwargs=pk("proposal"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"hearing-held_at": now_local(2), "hearing-heard_teacher": "on",
                                 "hearing-present": "De mentor.", "hearing-summary": "De mentor is gehoord."}),
    Row("sanctions:letter_make", get=None, kwargs=pk("sanction"), post="403 302 302 403 403 403 403"),
    Row("sanctions:letter_sent", get=None, kwargs=pk("decision_letter"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {f"sent-{side.decision_letter.pk}-sent_at": now_local(0),
                                 f"sent-{side.decision_letter.pk}-sent_how": "post",
                                 f"sent-{side.decision_letter.pk}-sent_to": "De ouders"}),
    Row("sanctions:admission", get=None, kwargs=pk("approved_removal"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"admission-admitted_by": "Het Anker", "admission-admitted_on": timezone.localdate().isoformat()}),
    Row("sanctions:objection", get=None, kwargs=pk("suspension"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"objection-received_on": timezone.localdate().isoformat(),
                                 "objection-lodged_by": "De moeder", "objection-grounds": "Te zwaar."}),
    Row("sanctions:objection_outcome", get=None, kwargs=pk("objection"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {f"outcome-{side.objection.pk}-outcome": "dismissed",
                                 f"outcome-{side.objection.pk}-outcome_on": timezone.localdate().isoformat(),
                                 f"outcome-{side.objection.pk}-outcome_reasoning": "Het besluit blijft."}),
    *[Row("sanctions:record_withdraw", label=kind, get=None, post="403 302 302 403 403 403 403",
          kwargs=lambda side, role, kind=kind, attribute=attribute: {"kind": kind, "pk": getattr(side, attribute).pk},
          data=lambda side, role, kind=kind, attribute=attribute: {
              f"withdraw-{kind}-{getattr(side, attribute).pk}-reason": "Ten onrechte vastgelegd."})
      for kind, attribute in (("hearing", "hearing"), ("letter", "decision_letter"), ("duty", "duty"),
                              ("objection", "objection"))],
    Row("sanctions:duties", get="403 200 200 403 403 403 200"),
    Row("sanctions:duty", get="403 200 200 403 403 403 200", kwargs=pk("duty"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"done-done_on": timezone.localdate().isoformat(), "done-reference": "ISD-123"}),
    Row("sanctions:duty_correct", get=None, kwargs=pk("done_duty"), post="403 302 302 403 403 403 403",
        data=lambda side, role: {"correct-done_on": timezone.localdate().isoformat(), "correct-reference": "ISD-124",
                                 "correct-reason": "Tikfout in het kenmerk."}),
    # The board's administrator words the decision letters.
    Row("sanctions:letter_templates", get="403 403 403 403 403 403 200", kwargs=board()),
    Row("sanctions:letter_template", get="403 403 403 403 403 403 200",
        kwargs=lambda side, role: {"board_id": side.board.pk, "kind": "suspension"}, post="403 403 403 403 403 403 302",
        data=const({"subject": "Schorsing van {{ leerling }}", "body": "Beste ouders, {{ leerling }} is geschorst.",
                    "objection_to": "Het bestuur"})),

    # Consent: everyone of the school runs the check; the school leader and the administrator manage.
    Row("consent:index", get="200 200 200 200 200 200 200"),
    Row("consent:mine", get="200 200 200 200 200 200 200"),
    Row("consent:check", get="200 200 200 200 200 200 200", kwargs=school()),
    Row("consent:check_search", get="200 200 200 200 200 200 200", kwargs=school()),
    Row("consent:overview", get="403 200 403 403 403 403 200", kwargs=school()),
    Row("consent:people", get="403 200 403 403 403 403 200", kwargs=school()),
    Row("consent:import", get="403 200 403 403 403 403 200", kwargs=school(), post="403 200 403 403 403 403 200",
        data=import_data),
    Row("consent:registers", get="403 200 403 403 403 403 200", kwargs=school()),
    Row("consent:work_account_new", get="403 200 403 403 403 403 200", kwargs=school(),
        post="403 302 403 403 403 403 302", data=work_account_data),
    Row("consent:work_account_edit", get="403 200 403 403 403 403 200", kwargs=school("work_account"),
        post="403 302 403 403 403 403 302", data=work_account_data),
    Row("consent:school_account_new", get="403 200 403 403 403 403 200", kwargs=school(),
        post="403 302 403 403 403 403 302", data=school_account_data),
    Row("consent:school_account_edit", get="403 200 403 403 403 403 200", kwargs=school("school_account"),
        post="403 302 403 403 403 403 302", data=school_account_data),
    Row("consent:school_account", get="404 200 404 404 404 404 200", kwargs=pk("school_account")),
    Row("consent:person", get="403 200 403 403 403 403 200", kwargs=pk("pupil"), post="403 302 403 403 403 403 302",
        data=answer_data),
    Row("consent:form_file", get="404 200 404 404 404 404 200", kwargs=token("consent_record")),
    Row("consent:purposes", get="403 403 403 403 403 403 200", kwargs=board(), post="403 403 403 403 403 403 302",
        data=purpose_data),
    Row("consent:purpose_edit", get="403 403 403 403 403 403 200", kwargs=board("purpose"),
        post="403 403 403 403 403 403 302", data=lambda side, role: {**purpose_data(side, role), "code": side.purpose.code}),
    Row("consent:purposes_defaults", get=None, kwargs=board(), post="403 403 403 403 403 403 302"),

    # The public reporting page: for everyone, without sign-in (another school's page is just as public). The
    # school leader and the administrator look after it; its reports are for the school leader, and for the
    # counsellor only when the sender asked for them. POSTing a report is tested in tests/publicreports (rate limits).
    Row("publicreports:report", get="200 200 200 200 200 200 200", anonymous=200, public=True,
        kwargs=lambda side, role: {"key": side.reporting_page.key}),
    Row("publicreports:follow", get="200 200 200 200 200 200 200", anonymous=200, public=True,
        post="200 200 200 200 200 200 200", data=lambda side, role: {"code": side.public_code}),
    Row("publicreports:add", get=None, anonymous=200, public=True, post="200 200 200 200 200 200 200",
        data=lambda side, role: {"code": side.public_code, "text": "Het account heet @nep.", "links": ""}),
    Row("publicreports:pages", get="403 302 403 403 403 403 302"),
    Row("publicreports:page", get="403 200 403 403 403 403 200", kwargs=school()),
    Row("publicreports:qr", get="403 200 403 403 403 403 200", kwargs=lambda side, role: {"school_id": side.school.pk, "fmt": "svg"}),
    Row("publicreports:qr", label="png", get="403 200 403 403 403 403 200",
        kwargs=lambda side, role: {"school_id": side.school.pk, "fmt": "png"}),
    Row("publicreports:poster", get="403 200 403 403 403 403 200", kwargs=school()),
    Row("publicreports:pause", get=None, kwargs=school(), post="403 302 403 403 403 403 302",
        data=const({"paused": "1", "reason": "Een stroom nepmeldingen."})),
    Row("publicreports:list", get="403 200 403 403 200 403 403"),
    Row("publicreports:detail", get="403 200 403 403 200 403 403", kwargs=pk("public_report")),
    Row("publicreports:detail", label="not opened to the counsellor", get="403 200 403 403 404 403 403",
        kwargs=pk("public_report_private")),
    Row("publicreports:handle", get=None, kwargs=pk("public_report", action="terzijde"), post="403 302 403 403 403 403 403",
        data=const({"aside-reason": "Een grap."})),
    Row("publicreports:handle", label="case", get=None, kwargs=pk("public_report", action="zaak"),
        post="403 302 403 403 403 403 403", data=const({"open-category": "identity_fraud"})),
    Row("publicreports:handle", label="join", get=None, kwargs=pk("public_report", action="bij-zaak"),
        post="403 302 403 403 403 403 403", data=lambda side, role: {"join-incident": side.case.pk}),

    # The REST API: the same rules as the pages. Without sign-in a 401 (JSON), not a redirect.
    Row("api:schema", get="200 200 200 200 200 200 200", anonymous=200),
    Row("api:not-found", get="404 404 404 404 404 404 404", post="404 404 404 404 404 404 404", anonymous=404, json=True),
    Row("api:incident-list", get="200 200 200 200 200 200 200", anonymous=401, json=True,
        post="201 201 403 403 403 403 403", data=api_report_data),
    Row("api:incident-detail", get="200 200 200 404 200 200 200", kwargs=pk("case"), anonymous=401),
    Row("api:incident-transitions", get="200 200 200 404 404 404 200", kwargs=pk("reported_case"), anonymous=401, json=True,
        post="403 200 403 404 404 404 403", data=const({"name": "dismiss", "note": "Geen incident."})),
    Row("api:notification-list", get="200 200 200 200 200 200 200", anonymous=401),
    Row("api:notification-read", get=None, kwargs=own("notifications"), post="200 200 200 200 200 200 200", anonymous=401,
        json=True),
    Row("api:notification-read-all", get=None, post="200 200 200 200 200 200 200", anonymous=401, json=True),
    Row("api:consent-check", get=None, post="200 200 200 200 200 200 200", anonymous=401, json=True, object_in_body=True,
        data=lambda side, role: {"school": side.school.pk, "purpose": side.purpose.code, "pupils": [side.pupil.pk]}),
]


# The world -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end; every test runs in a
    savepoint of it. One logged-in client per role."""
    with django_db_blocker.unblock(), transaction.atomic():
        ours, foreign = build_side("Baken"), build_side(FOREIGN_MARKER)
        clients = {}
        for role in ROLES:
            clients[role] = Client()
            clients[role].force_login(ours.users[role])
        yield SimpleNamespace(ours=ours, foreign=foreign, clients=clients, anonymous=Client())
        transaction.set_rollback(True)


def snapshot():
    """Every row of the app's tables (history included) and the private files."""
    rows = {}
    for label in ("portal", "incidents", "sanctions", "consent", "publicreports"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = list(model._base_manager.order_by("pk").values_list())
    return rows, private_files()


def changes(before, after):
    changed = sorted(label for label in before[0] if before[0][label] != after[0][label])
    if before[1] != after[1]:
        changed.append("private files")
    return changed


def missing(value):
    """An id or token that names nothing."""
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, int):
        return 2_000_000_000
    return value


def request(client, row, side, role, method, *, absent=False):
    kwargs = row.kwargs(side, role) if row.kwargs else {}
    query = row.query(side, role) if row.query else {}
    data = row.data(side, role) if row.data else {}
    if absent:
        kwargs, query, data = ({k: missing(v) for k, v in d.items()} for d in (kwargs, query, data))
    url = reverse(row.name, kwargs=kwargs)
    if method == "get":
        return client.get(url, query)
    if query:
        url += "?" + urlencode(query)
    options = {"content_type": "application/json"} if row.json else {}
    files = private_files()
    with transaction.atomic():  # a POST that is let through changes nothing for the next request
        response = client.post(url, data, **options)
        transaction.set_rollback(True)
    remove_private_files(private_files() - files)  # what it stored belongs to rows that were just rolled back
    return response


def body_text(response):
    if response.streaming or not response.get("Content-Type", "").startswith(("text/", "application/json")):
        return ""
    return response.content.decode()


# The tests -------------------------------------------------------------------------------------------

def test_every_url_of_the_app_has_a_row():
    names = app_url_names()
    assert {"incidents", "sanctions", "consent"} <= {name.split(":")[0] for name in names if ":" in name}
    assert {"home", "inbox", "audit_trail", "export_job_download"} <= names
    covered = {row.name for row in ROWS}
    assert not names - covered, f"URLs without a row in the access matrix: {sorted(names - covered)}"
    assert not covered - names, f"Rows for URLs that no longer exist: {sorted(covered - names)}"
    assert len({row.id for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_access_matrix(world, db, row):
    ours, foreign = world.ours, world.foreign
    methods = (["get"] if row.get else []) + (["post"] if row.post else [])
    wrong = []
    before = None

    def check_unchanged(what):
        changed = changes(before, snapshot())
        if changed:
            wrong.append(f"{what}: a refused POST changed {changed}")

    cache.clear()  # the API's request counters: this test's requests are not throttled by earlier ones
    if row.get is None:
        for role in ("anonymous",) + ROLES:
            client = world.anonymous if role == "anonymous" else world.clients[role]
            status = request(client, row, ours, "staff" if role == "anonymous" else role, "get").status_code
            want = 405 if role != "anonymous" or row.anonymous == "login" or row.public else row.anonymous
            if status != want:
                wrong.append(f"{role} GET on a POST-only URL: {status}, expected {want}")

    for method in methods:
        if method == "post":
            before = snapshot()  # after the GETs, which may write to the audit log
        # Anonymous visitors: to the login page, whatever they ask for (the API answers 401).
        response = request(world.anonymous, row, ours, "staff", method)
        if row.anonymous == "login":
            login = reverse("account_login") + "?next="
            if response.status_code != 302 or not response["Location"].startswith(login):
                wrong.append(f"anonymous {method.upper()}: {response.status_code} {response.get('Location', '')}")
        elif response.status_code != row.anonymous:
            wrong.append(f"anonymous {method.upper()}: {response.status_code}, expected {row.anonymous}")
        if method == "post" and response.status_code in (302, 401, 403, 404):
            check_unchanged("anonymous")

        want = expected(row.get if method == "get" else row.post)
        for role in ROLES:
            client = world.clients[role]
            response = request(client, row, ours, role, method)
            if response.status_code != want[role]:
                wrong.append(f"{role} {method.upper()} own school: {response.status_code}, expected {want[role]}")
            if response.status_code in (200, 201) and FOREIGN_MARKER in body_text(response):
                wrong.append(f"{role} {method.upper()} own school: the page shows something of the foreign board")
            if method == "post" and response.status_code in REFUSED:
                check_unchanged(f"{role} own school")
            if not row.has_object or row.public:
                continue
            response = request(client, row, foreign, role, method)
            status = response.status_code
            if status == 404:
                pass
            elif status == 403 and want[role] == 403 and request(client, row, ours, role, method, absent=True).status_code == 403:
                pass  # refused the page as such: the same answer for our object and for one that does not exist
            else:
                wrong.append(f"{role} {method.upper()} foreign board: {status}, expected 404")
            if method == "post" and status in REFUSED:
                check_unchanged(f"{role} foreign board")

    assert not wrong, "\n".join([row.id] + wrong)


def test_mixed_ids_do_not_reach_a_foreign_object(world, db):
    """Our own case or school in the URL with a foreign object behind it: still 404, and nothing changes."""
    ours, foreign = world.ours, world.foreign
    leader, admin = world.clients["school_leader"], world.clients["admin"]
    before = snapshot()
    takedown = foreign.takedown
    url = reverse("incidents:takedown_outcome", args=[ours.case.pk, takedown.pk])
    assert leader.post(url, {f"takedown-{takedown.pk}-outcome": "removed_by_platform"}).status_code == 404
    for client in (leader, admin):
        for name, account in (("consent:work_account_edit", foreign.work_account),
                              ("consent:school_account_edit", foreign.school_account)):
            url = reverse(name, args=[ours.school.pk, account.pk])
            assert client.get(url).status_code == 404, (name, client)
            assert client.post(url, {"platform": "tiktok", "handle": "overgenomen", "purpose": "x"}).status_code == 404
    assert admin.get(reverse("consent:purpose_edit", args=[ours.board.pk, foreign.purpose.pk])).status_code == 404
    # A sanction for our pupil attached to a foreign case, or a foreign pupil with our case.
    create = reverse("sanctions:create")
    assert leader.get(create, {"person": ours.pupil.pk, "incident": foreign.case.pk}).status_code == 404
    assert leader.get(create, {"person": foreign.pupil.pk, "incident": ours.case.pk}).status_code == 404
    # Someone else's notification of the same board.
    colleague = ours.notifications["board"]
    assert leader.post(reverse("inbox_mark_read", args=[colleague.pk])).status_code == 404
    assert not changes(before, snapshot())


def test_a_school_leader_does_not_see_the_other_school_of_the_board(world, db):
    """The board's other school is as closed to a school leader as a foreign board's."""
    from tests.factories import IncidentFactory, PersonFactory, SchoolFactory

    ours = world.ours
    sister = SchoolFactory(board=ours.board, name="Horizon College")
    case = IncidentFactory(school=sister)
    pupil = PersonFactory(school=sister)
    leader = world.clients["school_leader"]
    for url in (reverse("incidents:detail", args=[case.pk]), reverse("incidents:case_report", args=[case.pk]),
                reverse("sanctions:dossier", args=[pupil.pk]), reverse("consent:person", args=[pupil.pk]),
                reverse("consent:overview", args=[sister.pk])):
        assert leader.get(url).status_code == 404, url
    assert world.clients["board"].get(reverse("incidents:detail", args=[case.pk])).status_code == 200
