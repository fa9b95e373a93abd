"""Who may do what with cases (django-rules). Visibility itself is a query in selectors; these reuse it."""

import rules

from portal.access import access_for
from portal.models import Role
from portal.rules import administers_a_board, is_privacy_officer, leads_a_school, on_a_board

from .selectors import incident_full_view_allowed, incident_visibility_q


@rules.predicate
def can_view_incident(user, incident):
    from .models import Incident

    return Incident.objects.filter(incident_visibility_q(user=user), pk=incident.pk).exists()


@rules.predicate
def sees_whole_incident(user, incident):
    return incident_full_view_allowed(user=user, incident=incident)


@rules.predicate
def leads_incident_school(user, incident):
    return access_for(user).leads(incident.school_id)


@rules.predicate
def on_incident_board(user, incident):
    return incident.school.board_id in access_for(user).board_ids[Role.BOARD]


@rules.predicate
def privacy_officer_of_incident_board(user, incident):
    return incident.school.board_id in access_for(user).privacy_board_ids


@rules.predicate
def is_reporter(user, incident):
    return incident.reporter_id == user.pk


@rules.predicate
def is_open(user, incident):
    return incident.is_open


@rules.predicate
def keeps_breach_register(user, board):
    """The privacy officer (FG) or an administrator of ``board``; without a board: of any board."""
    access = access_for(user)
    boards = access.privacy_board_ids | access.board_ids[Role.ADMIN]
    return bool(boards) if board is None else board.pk in boards


@rules.predicate
def reports_at(user, school):
    """Staff report for every school they belong to; without a school: for any school at all."""
    school_ids = access_for(user).reporting_school_ids
    return bool(school_ids) if school is None else school.pk in school_ids


@rules.predicate
def works_cases(user):
    return access_for(user).works_cases


rules.add_perm("incidents.report_incident", reports_at)
rules.add_perm("incidents.view_case_list", works_cases)
rules.add_perm("incidents.view_incident", can_view_incident)
rules.add_perm("incidents.view_whole_incident", sees_whole_incident)
rules.add_perm("incidents.manage_incident", leads_incident_school & is_open)
rules.add_perm("incidents.transition_incident", leads_incident_school)
rules.add_perm("incidents.add_evidence", (leads_incident_school | is_reporter) & is_open)
# Corrections and withdrawals (AVG art. 16) may come after a case was closed.
rules.add_perm("incidents.correct_record", leads_incident_school)
# A file showing a minor's nudity: the school leader quarantines and deletes it, also after closing (it must go).
rules.add_perm("incidents.quarantine_evidence", leads_incident_school)
# The police package (case report, evidence files, manifest with their hashes) for a police report.
rules.add_perm("incidents.download_police_package", leads_incident_school)
# External messages and press statements are made or approved by the spokesperson: a member of the board.
rules.add_perm("incidents.speak_for_board", on_incident_board)
rules.add_perm("incidents.review_breaches", is_privacy_officer)
rules.add_perm("incidents.assess_breach", privacy_officer_of_incident_board)
rules.add_perm("incidents.view_breach_register", keeps_breach_register)
rules.add_perm("incidents.view_statistics", leads_a_school | on_a_board | administers_a_board)
