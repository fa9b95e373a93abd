"""The demo shows what the consent pages are for: missing answers, a pupil just 16, a handover to do."""

import datetime
import random

import pytest
from django.utils import timezone

from consent import demo, selectors
from consent.models import ConsentRecord, SchoolAccount, WorkAccount
from portal.models import Notification, PersonKind, Role

from ..factories import PersonFactory, SchoolFactory, member
from .support import pupil_with_guardian

pytestmark = pytest.mark.django_db


def test_the_demo_consent_data(school):
    sister = SchoolFactory(board=school.board)
    users = {
        "beheer": member(Role.ADMIN, board=school.board),
        "medewerker": member(Role.STAFF, school=school),
        "communicatie": member(Role.COMMUNICATIONS, board=school.board),
    }
    today = timezone.localdate()
    for target in (school, sister):
        for n in range(8):
            pupil_with_guardian(target, born=today - datetime.timedelta(days=365 * 12 + 40 * n), class_name="1A")
    PersonFactory(school=school, kind=PersonKind.STAFF, class_name="", user=users["medewerker"])

    demo.load(board=school.board, schools=[school, sister], users=users, rng=random.Random(1))

    overview = selectors.consent_overview(school=school)
    assert 0 < overview.missing_total < overview.cells_total
    assert any(cell.awaiting_pupil for row in overview.rows for cell in row.cells)
    assert ConsentRecord.objects.filter(is_withdrawal=True).exists()
    assert ConsentRecord.objects.filter(evidence="signed_in", confirmed_by=users["medewerker"]).exists()
    assert Notification.objects.filter(kind="consent_turning_16", recipient=users["beheer"]).count() == 1
    assert WorkAccount.objects.filter(school=school).exists()
    assert [a.needs_handover for a in selectors.school_accounts_of(school=school)] == [True]
    assert SchoolAccount.objects.filter(school=sister).exists()
