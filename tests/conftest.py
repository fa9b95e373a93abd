import pytest

from portal.models import Role

from .factories import PersonFactory, SchoolFactory, member


@pytest.fixture
def school(db):
    return SchoolFactory(name="Het Baken")


@pytest.fixture
def other_school(db):
    """A school of another board: its cases must not exist for our users."""
    return SchoolFactory(name="Ver Weg College")


@pytest.fixture
def sister_school(school):
    """Another school of the same board."""
    return SchoolFactory(board=school.board, name="De Horizon")


@pytest.fixture
def leader(school):
    return member(Role.SCHOOL_LEADER, school=school)


@pytest.fixture
def staff(school):
    return member(Role.STAFF, school=school)


@pytest.fixture
def board_member(school):
    return member(Role.BOARD, board=school.board)


@pytest.fixture
def privacy_officer(school):
    return member(Role.PRIVACY_OFFICER, board=school.board)


@pytest.fixture
def counsellor(school):
    return member(Role.COUNSELLOR, board=school.board)


@pytest.fixture
def pupil(school):
    return PersonFactory(school=school)
