import pytest
import time_machine

from portal.models import Role
from tests.factories import member

from .support import local

# The moment every export in these tests is made: every PDF page must carry this date.
EXPORT_MOMENT = local(2026, 3, 12, 14, 5)
EXPORT_DATE_TEXT = "12 maart 2026 14:05"


@pytest.fixture
def at_export_moment():
    with time_machine.travel(EXPORT_MOMENT, tick=False):
        yield EXPORT_MOMENT


@pytest.fixture
def admin_user(school):
    """The board's administrator (a portal role, not a Django superuser)."""
    return member(Role.ADMIN, board=school.board, first_name="Bram", last_name="Beheerder")


@pytest.fixture
def other_board_admin(other_school):
    return member(Role.ADMIN, board=other_school.board)


@pytest.fixture
def other_leader(other_school):
    return member(Role.SCHOOL_LEADER, school=other_school)


@pytest.fixture
def sister_leader(sister_school):
    return member(Role.SCHOOL_LEADER, school=sister_school)
