import pytest

from portal.models import PersonKind, Role
from tests.factories import PersonFactory, member


@pytest.fixture(autouse=True)
def _in_dutch(dutch):
    """Every test here reads the pages in Dutch."""


@pytest.fixture
def staff_person(school):
    """A teacher as the subject of a dossier (not necessarily a user of the portal)."""
    return PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")


@pytest.fixture
def guardian(school, pupil):
    person = PersonFactory(school=school, kind=PersonKind.GUARDIAN, class_name="")
    pupil.guardians.add(person)
    return person


@pytest.fixture
def sister_leader(sister_school):
    """School leader of another school of the same board."""
    return member(Role.SCHOOL_LEADER, school=sister_school)


@pytest.fixture
def other_board_member(other_school):
    return member(Role.BOARD, board=other_school.board)


@pytest.fixture
def other_leader(other_school):
    return member(Role.SCHOOL_LEADER, school=other_school)
