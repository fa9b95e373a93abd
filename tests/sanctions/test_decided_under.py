"""A sanction keeps the label and the rules it was decided under: adopting another protocol later
(which rewrites the board's catalogue) changes nothing about it in any page, register or export."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from portal.models import ProtocolProfile, Role
from meldpunt.protocols import board_adopt_protocol
from sanctions import services
from sanctions.models import Measure, Sanction
from sanctions.selectors import measures_for
from tests.exports.support import csv_rows, flat, pdf_pages
from tests.factories import IncidentFactory, member
from .support import hear, involve

pytestmark = pytest.mark.django_db

LABEL_004 = "Verwijdering door de algemene directie (op voordracht)"
LABEL_000 = "Verwijdering van school"


@pytest.fixture
def board_admin(school):
    return member(Role.ADMIN, board=school.board)


@pytest.fixture
def removal_decided_under_004(school, leader, board_member, pupil):
    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="cvo-004"), version="2025")
    incident = IncidentFactory(school=school)
    involve(incident, pupil, "perpetrator", leader)
    removal = measures_for(person=pupil).get(code="removal")
    assert removal.label == LABEL_004
    sanction = services.sanction_impose(
        person=pupil, actor=leader, measure=removal, incident=incident, decision="Verwijdering na herhaald pesten.",
        reasoning="Derde keer na twee schriftelijke waarschuwingen.")
    hear(sanction, leader)
    return services.sanction_decide(sanction=sanction, actor=board_member, approve=True, reason="Zwaarwegend belang.")


def adopt_000_at_the_protocol_page(client, board_admin, board):
    client.force_login(board_admin)
    response = client.post(reverse("protocol"), {
        "profile": ProtocolProfile.objects.get(code="vario-000").pk, "version": "2026",
        "adopted_on": timezone.localdate().isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Measure.objects.get(board=board, subject_kind="pupil", code="removal").label == LABEL_000


def test_adopting_another_protocol_leaves_a_decided_removal_as_it_was_decided(
        client, dutch, school, leader, board_member, board_admin, pupil, removal_decided_under_004):
    sanction = removal_decided_under_004
    adopt_000_at_the_protocol_page(client, board_admin, school.board)
    client.force_login(leader)

    detail = client.get(reverse("sanctions:detail", args=[sanction.pk])).content.decode()
    assert LABEL_004 in detail
    # 004 rule 12 stays with the sanction: it waits for contact with the guardians, though 000 has no such rule.
    assert "Wacht op contact met de ouders" in detail

    dossier = client.get(reverse("sanctions:dossier", args=[pupil.pk])).content.decode()
    assert LABEL_004 in dossier and "Wacht op contact met de ouders" in dossier

    register = client.get(reverse("sanctions:list")).content.decode()
    assert LABEL_004 in register and LABEL_000 not in register
    rows = csv_rows(client.get(reverse("sanctions:list"), {"export": "csv"}))
    assert [row[rows[0].index("Maatregel")] for row in rows[1:]] == [LABEL_004]

    pdf = flat(" ".join(pdf_pages(client.get(reverse("sanctions:dossier_export", args=[pupil.pk, "pdf"])))))
    assert LABEL_004 in pdf and LABEL_000 not in pdf

    case_page = client.get(reverse("incidents:detail", args=[sanction.incident_id])).content.decode()
    assert LABEL_004 in case_page and LABEL_000 not in case_page

    sanction.refresh_from_db()
    assert (sanction.measure_label, sanction.board_decides, sanction.needs_guardian_contact) == (LABEL_004, True, True)
    assert str(sanction).startswith(LABEL_004)


def test_a_proposal_keeps_the_board_rule_it_was_proposed_under(school, leader, board_member, pupil):
    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="vario-000"), version="1")
    sanction = services.sanction_impose(
        person=pupil, actor=leader, measure=measures_for(person=pupil).get(code="removal"),
        decision="Verwijdering.", reasoning="Herhaald.")
    assert sanction.status == "proposed" and sanction.board_decides and not sanction.needs_guardian_contact
    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="cvo-004"), version="2")
    hear(sanction, leader)
    decided = services.sanction_decide(sanction=sanction, actor=board_member, approve=True, reason="Akkoord.")
    assert decided.measure_label == LABEL_000
    # It does not wait for the guardians (000 has no such rule); only for what education law asks of a removal.
    from sanctions.models import EFFECT_CONDITIONS
    assert not decided.needs_guardian_contact
    assert decided.waiting_for == [c.waiting for c in EFFECT_CONDITIONS[1:]]


def test_the_data_migration_fills_the_snapshot_from_the_protocol_in_force_when_proposed(school, leader, pupil):
    first = board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="cvo-004"), version="1")
    sanction = services.sanction_impose(
        person=pupil, actor=leader, measure=measures_for(person=pupil).get(code="talk"),
        decision="Gesprek.", reasoning="Eerste keer.")
    Sanction.objects.filter(pk=sanction.pk).update(measure_label="", board_decides=True, guardians_first=False)
    later = board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="vario-000"), version="2")
    later.created_at = timezone.now() + datetime.timedelta(minutes=1)
    later.save()
    assert first.created_at <= sanction.proposed_at < later.created_at

    migration = importlib.import_module("sanctions.migrations.0003_sanction_decided_under")
    migration.fill_snapshot(apps, None)

    sanction.refresh_from_db()
    assert (sanction.measure_label, sanction.board_decides, sanction.guardians_first) == ("Gesprek met de mentor", False, True)
    assert sanction.history.first().measure_label == "Gesprek met de mentor"
