"""Purposes per board: four defaults, created by the migration or on request (never by a read); changeable."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from consent import selectors, services
from consent.models import ConsentPurpose

from ..factories import BoardFactory

pytestmark = pytest.mark.django_db

CODES = ["social_media", "website", "newsletter", "education_accounts"]


def test_a_board_without_purposes_gets_the_defaults_when_they_are_added_not_when_read():
    board = BoardFactory()
    assert selectors.consent_purposes(board=board) == []
    assert not ConsentPurpose.objects.filter(board=board).exists()
    services.consent_purposes_ensure_defaults(board=board)
    assert [p.code for p in selectors.consent_purposes(board=board)] == CODES
    assert services.consent_purposes_ensure_defaults(board=board) == []
    assert ConsentPurpose.objects.filter(board=board).count() == 4


def test_a_deactivated_purpose_is_not_brought_back():
    board = BoardFactory()
    services.consent_purposes_ensure_defaults(board=board)
    ConsentPurpose.objects.filter(board=board, code="newsletter").update(active=False)
    assert services.consent_purposes_ensure_defaults(board=board) == []
    assert [p.code for p in selectors.consent_purposes(board=board)] == ["social_media", "website", "education_accounts"]


def test_the_data_migration_creates_the_defaults_in_the_interface_language():
    board = BoardFactory()
    migration = importlib.import_module("consent.migrations.0002_default_purposes")
    migration.create_defaults(apps, None)
    created = {p.code: (p.label, p.help_text) for p in ConsentPurpose.objects.filter(board=board)}
    with translation.override("nl"):
        expected = {code: (str(label), str(help_text)) for code, label, help_text in services.DEFAULT_PURPOSES}
    assert created == expected
    assert created["social_media"][0] == "Foto, film en geluid op de sociale media van de school"


def test_the_board_administrator_adds_and_changes_purposes(client, school, board_admin, purposes):
    client.force_login(board_admin)
    url = reverse("consent:purposes", args=[school.board_id])
    response = client.post(url, {"code": "yearbook", "label": "Foto in het jaarboek", "ordering": 50, "active": "on"})
    assert response.status_code == 302
    yearbook = ConsentPurpose.objects.get(board=school.board, code="yearbook")
    response = client.post(url, {"code": "yearbook", "label": "Nog een", "ordering": 60})
    assert response.status_code == 400
    response = client.post(reverse("consent:purpose_edit", args=[school.board_id, yearbook.pk]),
                           {"code": "changed", "label": "Foto in het jaarboek en de schoolgids", "ordering": 5})
    assert response.status_code == 302
    yearbook.refresh_from_db()
    assert (yearbook.code, yearbook.label, yearbook.active) == ("yearbook", "Foto in het jaarboek en de schoolgids", False)
    assert yearbook not in selectors.consent_purposes(board=school.board)


def test_only_the_board_administrator_changes_purposes(client, school, leader, other_school):
    client.force_login(leader)
    assert client.get(reverse("consent:purposes", args=[school.board_id])).status_code == 403
    assert client.get(reverse("consent:purposes", args=[other_school.board_id])).status_code == 404
