"""Object permissions (django-rules). Visibility itself is a query in selectors; these reuse it."""

import rules

from portal.access import access_for

from .selectors import incident_visibility_q


@rules.predicate
def can_view_incident(user, incident):
    from .models import Incident

    return Incident.objects.filter(incident_visibility_q(user=user), pk=incident.pk).exists()


@rules.predicate
def leads_incident_school(user, incident):
    return access_for(user).leads(incident.school_id)


@rules.predicate
def is_reporter(user, incident):
    return incident.reporter_id == user.pk


@rules.predicate
def is_open(user, incident):
    return incident.is_open


rules.add_perm("incidents.view_incident", can_view_incident)
rules.add_perm("incidents.manage_incident", leads_incident_school & is_open)
rules.add_perm("incidents.add_evidence", (leads_incident_school | is_reporter) & is_open)
# Corrections and withdrawals (AVG art. 16) may come after a case was closed.
rules.add_perm("incidents.correct_record", leads_incident_school)
