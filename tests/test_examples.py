"""The example files in docs/examples (named in the README) import without a refused row."""

from pathlib import Path

import pytest

from consent.imports import import_plan
from portal.models import Role
from portal.staff_import import staff_import_plan

from .factories import SchoolFactory, member

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["leerlingen.csv", "leerlingen.xlsx"])
def test_the_pupil_examples_import(school, name):
    report = import_plan(school=school, data=(EXAMPLES / name).read_bytes())
    assert report.ok and report.totals["created"] == 3, (report.errors, [r.messages for r in report.rows])


@pytest.mark.parametrize("name", ["medewerkers.csv", "medewerkers.xlsx"])
def test_the_staff_examples_import(name):
    baken = SchoolFactory(name="Het Baken")
    SchoolFactory(board=baken.board, name="De Horizon")
    member(Role.ADMIN, board=baken.board)
    report = staff_import_plan(board=baken.board, data=(EXAMPLES / name).read_bytes())
    assert report.ok and report.totals["created"] == 7, (report.errors, [r.messages for r in report.rows])
