"""Helpers for the consent tests: purposes, pupils with guardians, signed forms and answers."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from consent import selectors, services
from consent.models import Answer, Evidence, GivenBy
from portal.models import PersonKind

from ..factories import PersonFactory

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def signed_form(name="formulier.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def purposes_of(board):
    """The board's purposes, after its administrator has added the defaults."""
    services.consent_purposes_ensure_defaults(board=board)
    return {p.code: p for p in selectors.consent_purposes(board=board)}


def pupil_with_guardian(school, *, born=datetime.date(2012, 5, 1), class_name="2A", guardians=1, **fields):
    pupil = PersonFactory(school=school, date_of_birth=born, class_name=class_name, **fields)
    for n in range(guardians):
        pupil.guardians.add(PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="", first_name=f"Ouder{n + 1}"))
    return pupil


def answer(person, purpose, answer_value, *, actor, by_guardian=True, guardian=None, given_on=None, note=""):
    """Record an answer the way the school does: a grant with a signed form, a refusal as noted."""
    granted = answer_value == Answer.GRANTED
    if by_guardian and guardian is None:
        guardian = person.guardians.order_by("pk").first()
    return services.consent_record(
        person=person, purposes=[purpose], answer=answer_value, actor=actor, given_on=given_on,
        given_by=GivenBy.GUARDIAN if by_guardian else GivenBy.SELF, guardian=guardian if by_guardian else None,
        evidence=Evidence.SIGNED_FORM if granted else Evidence.NOTED, file=signed_form() if granted else None, note=note,
    )[0]


def grant(person, purpose, **kwargs):
    return answer(person, purpose, Answer.GRANTED, **kwargs)


def refuse(person, purpose, **kwargs):
    return answer(person, purpose, Answer.REFUSED, **kwargs)
