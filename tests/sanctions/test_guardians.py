"""For a pupil, the guardians are contacted before a measure takes effect (004 rule 12)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape
from django.utils.translation import gettext

from sanctions import services
from sanctions.models import Sanction, SanctionStatus

from .support import hear, impose, sanction_url, section

pytestmark = pytest.mark.django_db

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=AMS)
WAITING = "Waiting for contact with the guardians"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=AMS)


def test_a_pupils_measure_waits_for_contact_with_the_guardians(leader, pupil):
    sanction = impose(pupil, leader, "warning", starts_on=datetime.date(2026, 3, 9))
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.DECIDED
    assert sanction.guardians_contacted_at is None
    assert sanction.effective_from is None
    assert str(sanction.state_label) == gettext(WAITING)


def test_recording_the_contact_makes_it_effective_from_the_contact_date(leader, pupil):
    """The measure was to start yesterday; the guardians were called this morning: it takes effect today."""
    sanction = impose(pupil, leader, "phone_confiscated", starts_on=datetime.date(2026, 3, 9))

    updated = services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=at(10, 9, 15),
                                                        how="Telefonisch met de moeder gesproken.")

    sanction.refresh_from_db()
    assert updated.pk == sanction.pk
    assert sanction.guardians_contacted_at == at(10, 9, 15)
    assert sanction.guardians_contacted_how == "Telefonisch met de moeder gesproken."
    assert sanction.guardians_contacted_by == leader
    assert sanction.effective_from == datetime.date(2026, 3, 10)
    assert str(sanction.state_label) == gettext("In effect")


def test_a_later_start_date_still_counts_after_the_contact(leader, pupil):
    sanction = impose(pupil, leader, "disciplinary", starts_on=datetime.date(2026, 3, 16))
    sanction = services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=at(10, 9),
                                                         how="Gesprek op school met beide ouders.")
    assert sanction.effective_from == datetime.date(2026, 3, 16)
    assert str(sanction.state_label) == gettext("Takes effect on %(date)s") % {"date": "16-03-2026"}


def test_the_contact_date_is_the_date_in_the_netherlands(leader, pupil):
    """00:30 in Amsterdam is still the previous day in UTC; the measure takes effect on the Dutch date."""
    sanction = impose(pupil, leader, "warning", starts_on=datetime.date(2026, 3, 1))
    contacted = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    sanction = services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=contacted,
                                                         how="Mail aan de ouders, 's avonds beantwoord.")
    assert sanction.effective_from == datetime.date(2026, 3, 10)


def test_contact_recorded_when_imposing_takes_effect_at_once(leader, pupil):
    sanction = impose(pupil, leader, "warning", starts_on=datetime.date(2026, 3, 10),
                      guardians_contacted_at=at(10, 8), guardians_contacted_how="Vader gebeld.")
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_by == leader
    assert sanction.effective_from == datetime.date(2026, 3, 10)


@pytest.mark.parametrize("how", ["", "   "])
def test_contact_without_how_is_refused(leader, pupil, how):
    sanction = impose(pupil, leader, "warning")
    with pytest.raises(ValidationError) as error:
        services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=at(10, 9), how=how)
    assert set(error.value.message_dict) == {"guardians_contacted_how"}
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None
    assert sanction.effective_from is None

    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "warning", guardians_contacted_at=at(10, 9), guardians_contacted_how=how)
    assert set(error.value.message_dict) == {"guardians_contacted_how"}
    assert Sanction.objects.count() == 1


def test_contact_without_when_or_in_the_future_is_refused(leader, pupil):
    sanction = impose(pupil, leader, "warning")
    for moment in (None, at(11, 9)):
        with pytest.raises(ValidationError) as error:
            services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=moment,
                                                      how="Gebeld.")
        assert set(error.value.message_dict) == {"guardians_contacted_at"}
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "warning", guardians_contacted_how="Gebeld.")
    assert set(error.value.message_dict) == {"guardians_contacted_at"}
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None


def test_only_the_school_leader_or_board_records_the_contact(leader, staff, sister_leader, board_member, pupil):
    sanction = impose(pupil, leader, "warning")
    for outsider in (staff, sister_leader):
        with pytest.raises(PermissionDenied):
            services.sanction_record_guardian_contact(sanction=sanction, actor=outsider, contacted_at=at(10, 9),
                                                      how="Gebeld.")
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None
    services.sanction_record_guardian_contact(sanction=sanction, actor=board_member, contacted_at=at(10, 9), how="Gebeld.")
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_by == board_member


def test_guardian_fields_are_refused_for_staff(leader, staff_person):
    with pytest.raises(ValidationError) as error:
        impose(staff_person, leader, "reprimand", guardians_contacted_at=at(10, 9),
               guardians_contacted_how="Ouders gebeld.")
    assert "guardians_contacted_at" in error.value.message_dict
    assert not Sanction.objects.exists()

    sanction = impose(staff_person, leader, "reprimand", starts_on=datetime.date(2026, 3, 10))
    with pytest.raises(ValidationError) as error:
        services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=at(10, 9),
                                                  how="Ouders gebeld.")
    assert "guardians_contacted_at" in error.value.message_dict
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None
    # A staff member's measure does not wait for anyone's guardians.
    assert sanction.effective_from == datetime.date(2026, 3, 10)
    assert str(sanction.state_label) == gettext("In effect")


def test_a_guardians_own_measure_does_not_wait_for_guardians(leader, guardian):
    sanction = impose(guardian, leader, "warning", starts_on=datetime.date(2026, 3, 10))
    assert sanction.effective_from == datetime.date(2026, 3, 10)


def test_a_removal_needs_both_the_board_and_the_guardians(leader, board_member, pupil):
    sanction = impose(pupil, leader, "removal", starts_on=datetime.date(2026, 3, 10))
    services.sanction_record_guardian_contact(sanction=sanction, actor=leader, contacted_at=at(10, 9),
                                              how="Gesprek met de ouders op school.")
    sanction.refresh_from_db()
    assert sanction.effective_from is None, "a proposal is not in effect, whatever the guardians know"
    hear(sanction, leader)
    services.sanction_decide(sanction=sanction, actor=board_member, approve=True, reason="Akkoord.")
    sanction.refresh_from_db()
    # Education law adds the letter and another school's admission (tests/sanctions/test_education_law.py).
    assert gettext(WAITING) not in str(sanction.state_label)
    assert sanction.effective_from is None and len(sanction.waiting_for) == 2

    approved_first = hear(impose(pupil, leader, "removal", starts_on=datetime.date(2026, 3, 10)), leader)
    services.sanction_decide(sanction=approved_first, actor=board_member, approve=True, reason="Akkoord.")
    approved_first.refresh_from_db()
    assert approved_first.effective_from is None
    assert gettext(WAITING) in str(approved_first.state_label)


def test_the_contact_form_on_the_sanction_page(client, leader, pupil):
    sanction = impose(pupil, leader, "disciplinary", starts_on=datetime.date(2026, 3, 9))
    client.force_login(leader)
    page = client.get(sanction_url(sanction))
    html = page.content.decode()
    assert page.status_code == 200
    assert escape(gettext(WAITING)) in section(html, "sanction-state")
    assert section(html, "guardians") is not None

    # Missing 'how': refused, and what was typed comes back.
    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "2026-03-10T09:05",
                                                                 "contact-guardians_contacted_how": ""})
    assert response.status_code == 400
    form = response.context["contact_form"]
    assert "guardians_contacted_how" in form.errors
    assert 'value="2026-03-10T09:05"' in section(response.content.decode(), "guardians")

    # Missing 'when': refused, the description is kept.
    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "",
                                                                 "contact-guardians_contacted_how": "Moeder gebeld om 9 uur."})
    assert response.status_code == 400
    assert "guardians_contacted_at" in response.context["contact_form"].errors
    assert "Moeder gebeld om 9 uur." in section(response.content.decode(), "guardians")

    # A moment in the future is refused by the service; the input is kept and the error is on the field.
    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "2026-03-12T09:00",
                                                                 "contact-guardians_contacted_how": "Moeder gebeld."})
    assert response.status_code == 400
    assert "guardians_contacted_at" in response.context["contact_form"].errors
    assert 'value="2026-03-12T09:00"' in section(response.content.decode(), "guardians")
    assert "Moeder gebeld." in section(response.content.decode(), "guardians")

    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None

    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "2026-03-10T09:05",
                                                                 "contact-guardians_contacted_how": "Moeder gebeld."})
    assert response.status_code == 302
    assert response["Location"] == sanction_url(sanction)
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at == at(10, 9, 5)
    assert sanction.guardians_contacted_how == "Moeder gebeld."
    assert sanction.guardians_contacted_by == leader
    assert sanction.effective_from == datetime.date(2026, 3, 10)

    page = client.get(sanction_url(sanction))
    assert page.context["contact_form"] is None
    assert escape(gettext("In effect")) in section(page.content.decode(), "sanction-state")


def test_staff_cannot_post_the_contact_form(client, leader, staff, pupil):
    sanction = impose(pupil, leader, "warning")
    client.force_login(staff)
    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "2026-03-10T09:05",
                                                                 "contact-guardians_contacted_how": "Gebeld."})
    assert response.status_code in (403, 404)
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None


def test_no_contact_form_for_a_staff_members_sanction(client, leader, staff_person):
    sanction = impose(staff_person, leader, "warning")
    client.force_login(leader)
    page = client.get(sanction_url(sanction))
    assert page.context["contact_form"] is None
    response = client.post(sanction_url(sanction, "guardians"), {"contact-guardians_contacted_at": "2026-03-10T09:05",
                                                                 "contact-guardians_contacted_how": "Gebeld."})
    assert response.status_code == 400
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_at is None


def test_guardian_contact_is_recorded_once_and_not_on_a_rejected_measure(school, leader, board_member):
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from portal.models import AuditEvent
    from sanctions import services as sanction_services
    from sanctions.selectors import measures_for
    from tests.factories import PersonFactory

    pupil = PersonFactory(school=school)
    warning = sanction_services.sanction_impose(person=pupil, actor=leader, measure=measures_for(person=pupil).get(code="warning"),
                                                decision="Waarschuwing.", reasoning="Eerste keer.")
    contacted = timezone.now() - datetime.timedelta(hours=1)
    sanction_services.sanction_record_guardian_contact(sanction=warning, actor=leader, contacted_at=contacted, how="Telefonisch")
    assert AuditEvent.objects.filter(action="sanction.guardians_contacted", object_id=str(warning.pk)).exists()
    with pytest.raises(ValidationError):
        sanction_services.sanction_record_guardian_contact(sanction=warning, actor=leader, contacted_at=timezone.now(), how="Brief")
    warning.refresh_from_db()
    assert warning.guardians_contacted_at == contacted

    removal = sanction_services.sanction_impose(person=pupil, actor=leader, measure=measures_for(person=pupil).get(code="removal"),
                                                decision="Verwijdering.", reasoning="Herhaling.")
    sanction_services.sanction_decide(sanction=removal, actor=board_member, approve=False, reason="Te zwaar.")
    with pytest.raises(ValidationError):
        sanction_services.sanction_record_guardian_contact(sanction=removal, actor=leader, contacted_at=contacted, how="Telefonisch")
