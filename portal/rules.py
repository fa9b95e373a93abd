"""Who may do what (django-rules): the portal's own pages, and the role predicates the apps compose theirs from.

One permission per capability. Views and services ask ``rules.has_perm(name, user, obj)``; which memberships
grant it is written here (and in each app's rules.py), never in a view.
"""

import rules

from .access import access_for
from .models import Role


@rules.predicate
def leads_a_school(user):
    return bool(access_for(user).led_school_ids)


@rules.predicate
def on_a_board(user):
    return bool(access_for(user).board_ids[Role.BOARD])


@rules.predicate
def administers_a_board(user):
    return bool(access_for(user).board_ids[Role.ADMIN])


@rules.predicate
def is_privacy_officer(user):
    return bool(access_for(user).privacy_board_ids)


@rules.predicate
def administers_this_board(user, board):
    return board.pk in access_for(user).board_ids[Role.ADMIN]


rules.add_perm("portal.view_audit_trail", administers_a_board | is_privacy_officer)
rules.add_perm("portal.view_protocol", on_a_board | administers_a_board)
rules.add_perm("portal.adopt_protocol", administers_this_board)
rules.add_perm("portal.import_staff", administers_this_board)
rules.add_perm("portal.view_onboarding", administers_a_board)
