"""History rows are still written and read per object, with the manager class built once."""

import pytest

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_each_case_reads_its_own_history_through_one_manager_class(school):
    first, second = IncidentFactory(school=school), IncidentFactory(school=school)
    first.description = "Aangevuld."
    first.save()

    assert type(first.history) is type(second.history)
    assert first.history.count() == 2 and second.history.count() == 1
    assert list(first.history.values_list("history_type", flat=True).order_by("history_id")) == ["+", "~"]
    assert first.history.first().description == "Aangevuld."
    assert Incident.history.filter(id__in=[first.pk, second.pk]).count() == 3
