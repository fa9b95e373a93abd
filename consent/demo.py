"""Demo consent: answers for most pupils (some still missing), a withdrawal, a pupil who turns 16 today,
a staff member's own answers, a work account, and a school account whose manager has left."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import Membership, Person, PersonKind, Role, User

from . import selectors, services
from .models import Answer, Evidence, GivenBy

# A one-page PDF standing in for a scanned, signed consent form.
DEMO_FORM = (
    b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def _form():
    return SimpleUploadedFile("toestemmingsformulier.pdf", DEMO_FORM, content_type="application/pdf")


def _answer(pupil, purposes, answer, actor, given_on, guardian=None):
    """Record an answer on paper: a grant with the signed form, a refusal as noted by the school."""
    by_guardian = guardian is not None
    services.consent_record(
        person=pupil, purposes=purposes, answer=answer, actor=actor, given_on=given_on,
        given_by=GivenBy.GUARDIAN if by_guardian else GivenBy.SELF, guardian=guardian,
        evidence=Evidence.SIGNED_FORM if answer == Answer.GRANTED else Evidence.NOTED,
        file=_form() if answer == Answer.GRANTED else None,
    )


def load(*, board, schools, users, rng):
    admin = users["beheer"]
    today = timezone.localdate()
    start_of_year = today - datetime.timedelta(days=60)
    services.consent_purposes_ensure_defaults(board=board)
    purposes = selectors.consent_purposes(board=board)

    # A pupil of the first school turns 16 today: the guardians' answers stop counting.
    birthday = selectors.birth_dates_turning_16_on(today)[0]
    turning = Person.objects.filter(school=schools[0], kind=PersonKind.PUPIL).order_by("pk").first()
    turning.date_of_birth = birthday
    turning.save(update_fields=["date_of_birth"])

    for school in schools:
        pupils = Person.objects.filter(school=school, kind=PersonKind.PUPIL).prefetch_related("guardians").order_by("pk")
        for n, pupil in enumerate(pupils):
            if n % 4 == 3:
                continue  # no answer yet: the campaign's missing answers
            guardian = next(iter(pupil.guardians.all()), None)  # from the prefetch; .first() would query again
            turns_16 = selectors.sixteenth_birthday(pupil.date_of_birth)
            given_on = start_of_year - datetime.timedelta(days=rng.randint(0, 20))
            if turns_16 <= given_on:
                granted = [p for p in purposes if rng.random() < 0.8]
                refused = [p for p in purposes if p not in granted]
                for chosen, answer in ((granted, Answer.GRANTED), (refused, Answer.REFUSED)):
                    if chosen:
                        _answer(pupil, chosen, answer, admin, given_on)
                continue
            granted = purposes[:3] if n % 5 else purposes[:1]
            _answer(pupil, granted, Answer.GRANTED, admin, given_on, guardian)
            if len(granted) < len(purposes):
                _answer(pupil, [p for p in purposes if p not in granted], Answer.REFUSED, admin, given_on, guardian)
            if n == 5:  # a guardian changed their mind: the withdrawal counts from today
                _answer(pupil, purposes[:1], Answer.REFUSED, admin, today, guardian)

    # The staff member answers for her own images while signed in.
    staff_person = Person.objects.filter(school=schools[0], kind=PersonKind.STAFF, user=users["medewerker"]).first()
    if staff_person is not None:
        for purpose, answer in zip(purposes, [Answer.GRANTED, Answer.GRANTED, Answer.REFUSED, Answer.REFUSED]):
            services.consent_confirm_signed_in(user=users["medewerker"], person=staff_person, purpose=purpose, answer=answer)

    services.consent_turning_16_notify(today=today)

    services.work_account_save(
        school=schools[0], actor=admin, platform="instagram", handle="@juf.mila.hetbaken", closed_group=True,
        group_name="Klas 2A – huiswerk en schoolkamp", owner=users["medewerker"], owner_person=staff_person,
        purpose="Huiswerk, lesuitval en het schoolkamp van klas 2A; lessen mediawijsheid.",
    )
    # The school account's former manager left the school last month: the handover is still to do.
    former = User.objects.create_user(
        email="oud-communicatie@demo.meldpunt.nl", password=None, first_name="Olaf", last_name="Oudgediende",
    )
    Membership.objects.create(user=former, board=board, school=schools[0], role=Role.STAFF,
                              starts_on=today - datetime.timedelta(days=800), ends_on=today - datetime.timedelta(days=30))
    account = services.school_account_save(
        school=schools[0], actor=admin, platform="instagram", handle="@hetbaken", note="Het officiële account van Het Baken.",
        add_managers=[former, users["communicatie"]],
    )
    account.manager_rows.filter(user=former).update(added_at=timezone.now() - datetime.timedelta(days=700))
    services.school_account_save(
        school=schools[1], actor=admin, platform="facebook", handle="De Horizon", add_managers=[users["communicatie"]],
    )
