"""What a row of the case list says: formatted in the view in one pass, so checked here cell by cell."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.workflow import State

pytestmark = pytest.mark.django_db


def _row(content, incident):
    href = reverse("incidents:detail", args=[incident.pk])
    match = re.search(r"<tr>\s*<td[^>]*><a href=\"%s\">.*?</tr>" % re.escape(href), content, re.S)
    assert match, f"no row links to {href}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


def test_a_row_shows_reference_school_labels_dates_and_time_in_step(client, school, leader, staff):
    now = timezone.now()
    reported = timezone.make_aware(datetime.datetime(2026, 3, 9, 10, 30))
    incident = Incident.objects.create(
        school=school, reporter=staff, platform="whatsapp", category="bullying", severity="high", privacy_flag=True,
        description="Berichten in de klassenapp.", discovered_at=reported, state=State.GATHERING,
        state_changed_at=now - datetime.timedelta(days=3, hours=2),
    )
    Incident.objects.filter(pk=incident.pk).update(reported_at=reported)
    unset = Incident.objects.create(school=school, reporter=staff, platform="instagram", category="bullying",
                                    description="Nep-account.", discovered_at=now, state_changed_at=now)
    client.force_login(leader)
    content = client.get(reverse("incidents:dashboard")).content.decode()

    assert _row(content, incident) == (
        f"M-2026-{incident.pk:05d} Privacy Het Baken Pesten (WhatsApp) Hoog 2. Informatie verzamelen 9 mrt 2026 3 dagen"
    )
    assert "nog niet bepaald" in _row(content, unset) and "Privacy" not in _row(content, unset)
    assert ">Duur in deze stap</th>" in content
    # Each cell names its column, for the card a row becomes on a phone.
    assert '<td data-label="Stap">2. Informatie verzamelen</td>' in content
    assert re.search(r'<td data-label="Duur in deze stap">3\s+dagen</td>', content)


def test_the_labels_follow_a_language_switch(client, school, leader, staff, settings):
    Incident.objects.create(school=school, reporter=staff, platform="whatsapp", category="bullying",
                            description="Berichten.", discovered_at=timezone.now())
    client.force_login(leader)
    assert "Pesten" in client.get(reverse("incidents:dashboard")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("incidents:dashboard")).content.decode()
    assert "Bullying" in english and "Pesten" not in english and ">Time in this step</th>" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert "Pesten" in client.get(reverse("incidents:dashboard")).content.decode()


def test_the_school_filter_is_offered_only_to_who_sees_several_schools(client, school, sister_school, leader,
                                                                          board_member, django_assert_num_queries):
    from incidents.exports import incident_filter_form

    # A leader of one school: no school to choose, and no query to find that out.
    fresh = type(leader).objects.get(pk=leader.pk)
    with django_assert_num_queries(1):  # the leader's memberships
        form = incident_filter_form(user=fresh, params={})
    assert "school" not in form.fields
    # A board member sees every school of the board and may pick one.
    form = incident_filter_form(user=board_member, params={"school": sister_school.pk})
    assert list(form.fields["school"].queryset) == sorted([school, sister_school], key=lambda s: s.name)
    assert form.filters() == {"school": sister_school}
    client.force_login(board_member)
    assert 'name="school"' in client.get(reverse("incidents:dashboard")).content.decode()
    client.force_login(leader)
    assert 'name="school"' not in client.get(reverse("incidents:dashboard")).content.decode()


def test_a_row_escapes_what_it_shows(client, school, leader, staff):
    school.name = 'De <b>Brug</b> & "Zon"'
    school.save()
    incident = Incident.objects.create(school=school, reporter=staff, platform="whatsapp", category="bullying",
                                       description="-", discovered_at=timezone.now())
    client.force_login(leader)
    content = client.get(reverse("incidents:dashboard")).content.decode()
    assert "<b>Brug</b>" not in content
    assert '<td data-label="School">De &lt;b&gt;Brug&lt;/b&gt; &amp; &quot;Zon&quot;</td>' in content
    assert _row(content, incident).startswith(f"M-{incident.reported_at:%Y}-{incident.pk:05d} De &lt;b&gt;Brug")
