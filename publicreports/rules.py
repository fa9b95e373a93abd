"""Who may do what with the public reporting page and its reports (django-rules)."""

import rules

from portal.access import access_for
from portal.models import Role
from portal.rules import administers_a_board, leads_a_school


@rules.predicate
def leads_report_school(user, report):
    return access_for(user).leads(report.school_id)


@rules.predicate
def counsellor_asked_for(user, report):
    """The sender asked that the confidential counsellor reads it, and the user is the school's counsellor."""
    access = access_for(user)
    return report.wants_counsellor and (
        report.school_id in access.school_ids[Role.COUNSELLOR]
        or report.school.board_id in access.board_wide_ids[Role.COUNSELLOR]
    )


@rules.predicate
def is_counsellor(user):
    return bool(access_for(user).board_ids[Role.COUNSELLOR])


@rules.predicate
def looks_after_page(user, school):
    """The school's leader, or an administrator of its board."""
    access = access_for(user)
    return access.leads(school.pk) or school.board_id in access.board_ids[Role.ADMIN]


rules.add_perm("publicreports.view_public_reports", leads_a_school | is_counsellor)
rules.add_perm("publicreports.view_public_report", leads_report_school | counsellor_asked_for)
rules.add_perm("publicreports.handle_public_report", leads_report_school)
rules.add_perm("publicreports.view_reporting_pages", leads_a_school | administers_a_board)
rules.add_perm("publicreports.manage_reporting_page", looks_after_page)
