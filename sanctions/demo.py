"""Demo sanctions: an imposed warning, a removal awaiting the board, an LVI report in progress."""

import datetime

from django.utils import timezone

from portal.models import Person, PersonKind
from portal.protocols import protocol_rules

from . import services
from .selectors import measures_for


def load(*, schools, leaders):
    school = schools[0]
    leader = leaders[school.pk]
    pupils = list(Person.objects.filter(school=school, kind=PersonKind.PUPIL).order_by("pk")[:3])
    incident = pupils[1].involvements.current().select_related("incident").first()
    incident = incident.incident if incident else None
    now = timezone.now()
    services.sanction_impose(
        person=pupils[1], actor=leader, incident=incident, measure=measures_for(person=pupils[1]).get(code="warning"),
        decision="Schriftelijke waarschuwing; bij herhaling volgt schorsing.",
        reasoning="Heeft berichten over een klasgenoot gedeeld in de klassenapp.",
        guardians_contacted_at=now - datetime.timedelta(hours=2), guardians_contacted_how="Telefonisch met moeder.",
    )
    services.sanction_impose(
        person=pupils[2], actor=leader, measure=measures_for(person=pupils[2]).get(code="removal"),
        decision="Verwijdering van school na herhaalde bedreigingen.",
        reasoning="Derde incident dit schooljaar; eerdere schorsing heeft niet geholpen.",
    )
    staff = Person.objects.filter(school=school, kind=PersonKind.STAFF).first()
    if staff is not None and protocol_rules(school.board).lvi_report:
        services.lvi_report_start(
            person=staff, actor=leader, staff_told_at=now - datetime.timedelta(days=1),
            staff_told_how="In een gesprek met de schoolleider en een collega als getuige.",
        )
