"""Who may do what with consent (django-rules). The object is a school, or a board for the purposes.

Consent pages (answers, overview, import, registers) are for the school's leaders and administrators
and the board's administrators. Everyone who belongs to the school may run the check (which schools
that is, is a query: selectors.consent_checkable_school_q), but sees no more than yes or no per pupil.
"""

import rules

from portal.access import access_for
from portal.models import Role


@rules.predicate
def manages_consent_at(user, school):
    access = access_for(user)
    return (
        school.pk in access.led_school_ids
        or school.pk in access.school_ids[Role.ADMIN]
        or school.board_id in access.board_wide_ids[Role.ADMIN]
    )


@rules.predicate
def administers_board(user, board):
    return board.pk in access_for(user).board_wide_ids[Role.ADMIN]


rules.add_perm("consent.manage_school", manages_consent_at)
# Seeing why a pupil may or may not be shown is part of managing consent; the others get yes or no.
rules.add_perm("consent.see_reasons", manages_consent_at)
rules.add_perm("consent.manage_purposes", administers_board)
