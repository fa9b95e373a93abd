import pytest

from portal.models import Role

from ..factories import member
from .support import purposes_of


@pytest.fixture
def board_admin(school):
    return member(Role.ADMIN, board=school.board)


@pytest.fixture
def school_admin(school):
    return member(Role.ADMIN, school=school)


@pytest.fixture
def purposes(school):
    return purposes_of(school.board)


@pytest.fixture
def social(purposes):
    return purposes["social_media"]
