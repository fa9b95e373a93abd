import pytest

from portal.models import Role
from publicreports import services
from tests.factories import member


@pytest.fixture
def page(school):
    return services.reporting_page_for(school=school)


@pytest.fixture
def school_counsellor(school):
    return member(Role.COUNSELLOR, board=school.board)


def report_data(**overrides):
    data = {
        "sender_role": "pupil", "description": "In de groepsapp van 2B wordt een nepaccount van mij gebruikt.",
        "platform": "instagram", "links": "https://www.instagram.com/p/nep123/", "occurred_on": "",
        "sender_name": "", "sender_contact": "", "website": "",
    }
    data.update(overrides)
    return data


def submit(*, page, **overrides):
    """A report as the service stores it; returns (report, code)."""
    fields = {"sender_role": "pupil", "description": "Er worden gemene berichten over mij gestuurd.",
              "platform": "whatsapp", "links": []}
    fields.update(overrides)
    return services.public_report_submit(page=page, **fields)
