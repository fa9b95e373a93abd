"""One purpose for "accounts for educational use" per board, a merge that loses no answer or history, and
reads that create nothing."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from consent import selectors, services
from consent.models import ConsentPurpose, ConsentRecord
from portal.models import ProtocolProfile, Role
from meldpunt.protocols import board_adopt_protocol
from tests.factories import BoardFactory, SchoolFactory, member

from .support import grant, pupil_with_guardian, purposes_of, refuse

pytestmark = pytest.mark.django_db

merge_migration = importlib.import_module("consent.migrations.0003_merge_education_accounts")


def state_before_merge():
    """The app registry as the merge migration sees it (models without the append-only guards)."""
    return MigrationExecutor(connection).loader.project_state([("consent", "0002_default_purposes")]).apps


@pytest.mark.parametrize("code", ["vario-000", "buitengewoon-002"])
def test_a_board_with_the_defaults_adopting_a_profile_has_one_accounts_purpose(client, dutch, school, leader, code):
    purposes_of(school.board)
    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code=code), version="1")
    codes = list(ConsentPurpose.objects.filter(board=school.board).values_list("code", flat=True))
    assert codes.count("education_accounts") == 1 and "edu_accounts" not in codes
    assert len(codes) == len(set(codes)) == (5 if code == "vario-000" else 4)
    client.force_login(leader)
    page = client.get(reverse("consent:check", args=[school.pk])).content.decode()
    assert page.count("onderwijsdoeleinden") == 1
    assert len([p for p in selectors.consent_purposes(board=school.board) if "accounts" in p.label.lower()]) == 1


def test_the_merge_moves_every_answer_and_the_history_of_the_duplicate(school, leader):
    purposes = purposes_of(school.board)
    kept = purposes["education_accounts"]
    # What adopting a profile used to create next to the default purpose.
    duplicate = ConsentPurpose.objects.create(board=school.board, code="edu_accounts", ordering=5,
                                              label="Sociale-media-accounts voor onderwijsdoeleinden")
    duplicate.label = "Sociale-media-accounts voor de les"
    duplicate.save()
    duplicate_history = list(duplicate.history.values_list("history_id", flat=True))
    ana = pupil_with_guardian(school, first_name="Ana")
    bram = pupil_with_guardian(school, first_name="Bram")
    first = grant(ana, duplicate, actor=leader, given_on=datetime.date(2026, 9, 1))
    withdrawal = refuse(ana, duplicate, actor=leader, given_on=datetime.date(2026, 10, 1))
    bram_answer = grant(bram, kept, actor=leader, given_on=datetime.date(2026, 9, 2))
    other_board = BoardFactory()
    untouched = ConsentPurpose.objects.create(board=other_board, code="edu_accounts", label="Accounts")
    records_before = ConsentRecord.objects.count()
    assert withdrawal.is_withdrawal

    merge_migration.merge(state_before_merge(), None)

    assert not ConsentPurpose.objects.filter(pk=duplicate.pk).exists()
    assert ConsentRecord.objects.count() == records_before
    moved = {r.pk: r.purpose_id for r in ConsentRecord.objects.filter(pk__in=[first.pk, withdrawal.pk, bram_answer.pk])}
    assert moved == {first.pk: kept.pk, withdrawal.pk: kept.pk, bram_answer.pk: kept.pk}
    assert ConsentRecord.objects.get(pk=withdrawal.pk).is_withdrawal
    assert {r.pk for r in ConsentRecord.objects.filter(person=ana, purpose=kept)} == {first.pk, withdrawal.pk}
    ana_now = selectors.consent_status_for(person=ana, purpose=kept)
    assert (ana_now.may_post, ana_now.record.pk) == (False, withdrawal.pk)
    assert selectors.consent_status_for(person=bram, purpose=kept).may_post
    kept.refresh_from_db()
    assert kept.ordering == 5 and kept.active
    history_rows = kept.history.all()
    assert set(duplicate_history) <= set(history_rows.values_list("history_id", flat=True))
    assert "edu_accounts" in history_rows.first().history_change_reason
    # A board that has only the profile's purpose keeps it, under the one code.
    untouched.refresh_from_db()
    assert untouched.code == "education_accounts"
    overview = selectors.consent_overview(school=school)
    assert [p.code for p, _count, _percent in overview.missing].count("education_accounts") == 1


def test_reading_consent_pages_creates_nothing(client, dutch):
    board = BoardFactory()
    school = SchoolFactory(board=board)
    leader = member(Role.SCHOOL_LEADER, school=school)
    admin = member(Role.ADMIN, board=board)
    pupil = pupil_with_guardian(school)
    assert selectors.consent_purposes(board=board) == []
    client.force_login(leader)
    assert "nog geen toestemmingsdoelen" in client.get(reverse("consent:check", args=[school.pk])).content.decode()
    for url in [reverse("consent:index"), reverse("consent:check", args=[school.pk]),
                reverse("consent:overview", args=[school.pk]), reverse("consent:people", args=[school.pk]),
                reverse("consent:person", args=[pupil.pk])]:
        assert client.get(url).status_code in (200, 404), url
    client.force_login(admin)
    assert client.get(reverse("consent:purposes", args=[board.pk])).status_code == 200
    assert not ConsentPurpose.objects.filter(board=board).exists()
    assert ConsentPurpose.history.filter(board=board).count() == 0
    # The administrator's explicit request adds them.
    client.post(reverse("consent:purposes_defaults", args=[board.pk]))
    assert [p.code for p in selectors.consent_purposes(board=board)] == services.DEFAULT_PURPOSE_CODES
