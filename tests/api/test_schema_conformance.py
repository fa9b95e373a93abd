"""The API does what its schema says: schemathesis with every check, run against the live server on PostgreSQL.

The schemathesis command line runs its phases (the schema's examples, the coverage of every documented value and
boundary, fuzzing, and stateful sequences along the schema's links) against a real server thread of this test
process, signed in with a school leader's token, while a second school's cases and notifications exist too.
Every check is on: no server error, every status code and content type documented, every response matching its
schema, valid requests accepted, invalid ones refused, no resource that the schema promises missing, no other
school's object reachable. The run is bounded (examples per operation) and seeded, so it makes the same requests
every time.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from portal.models import Notification

from ..consent.support import grant, pupil_with_guardian, purposes_of
from ..factories import IncidentFactory, member
from .conftest import png_upload

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)  # the same ids in every run

MAX_EXAMPLES = 25
SEED = 20260401


@pytest.fixture
def api_world(school, other_school, leader, staff, settings):
    """A school leader's token; cases in several steps, notifications and pupils at their school; the same at a
    school of another board, whose objects must stay out of reach."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None}}
    IncidentFactory(school=school, reporter=staff, files=[png_upload()], links=["https://example.org/post"])
    IncidentFactory(school=school, gathering=True)
    IncidentFactory(school=school, closed=True)
    IncidentFactory(school=school, privacy_flag=True)
    IncidentFactory(school=school, assessing=True)
    Notification.objects.create(recipient=leader, kind="test", subject="Onderwerp", body="Tekst", url="/meldingen/")
    pupil = pupil_with_guardian(school, class_name="2A")
    grant(pupil, purposes_of(school.board)["social_media"], actor=leader)

    foreign_leader = member(leader.memberships.first().role, school=other_school)
    IncidentFactory(school=other_school, reporter=foreign_leader, links=["https://example.org/elders"])
    Notification.objects.create(recipient=foreign_leader, kind="test", subject="Elders", body="Niet van jou", url="/")
    pupil_with_guardian(other_school, class_name="2A")
    return Token.objects.create(user=leader).key


def test_schemathesis_with_every_check_finds_nothing(live_server, api_world, tmp_path):
    report = tmp_path / "report.json"
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/v1/schema/",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--header", f"Authorization: Token {api_world}", "--request-timeout", "30",
        "--suppress-health-check", "all", "--no-color", "--generation-deterministic",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = result.stdout
    assert result.returncode == 0, output[output.find("FAILURES"):][:60000] or output[-5000:] + result.stderr[-5000:]
    assert re.search(r"Operations:\s+9 selected / 9 total", output), output[:3000]
    for phase in ("Coverage", "Fuzzing", "Stateful"):  # every phase ran, none was skipped
        assert re.search(rf"✅\s+{phase}", output), output[-5000:]
    assert all(json.loads(line) for line in report.read_text().splitlines())  # the run was recorded
