"""Who may do what with sanctions and dossiers (django-rules)."""

import rules

from portal.access import access_for
from portal.rules import administers_a_board, administers_this_board, leads_a_school, on_a_board


@rules.predicate
def leads_school_of(user, obj):
    return access_for(user).leads(obj.school_id)


@rules.predicate
def on_board_of(user, obj):
    return obj.school.board_id in access_for(user).board_ids["board"]


@rules.predicate
def administers_board_of(user, obj):
    return obj.school.board_id in access_for(user).board_ids["admin"]


@rules.predicate
def not_anonymised(user, obj):
    """A tombstone (a sanction or LVI report anonymised at the end of the retention period) is read, never added to
    or changed."""
    return getattr(obj, "anonymised_at", None) is None


# Without an object: whether the user works with dossiers at all (the dossier pages and the links to them).
rules.add_perm("sanctions.view_dossiers", leads_a_school | on_a_board | administers_a_board)
# obj: a Person (dossier subject), a Sanction or an LviReport; each carries .school
rules.add_perm("sanctions.view_dossier", leads_school_of | on_board_of | administers_board_of)
rules.add_perm("sanctions.impose", (leads_school_of | on_board_of) & not_anonymised)
rules.add_perm("sanctions.decide", on_board_of & not_anonymised)


@rules.predicate
def board_decided(user, sanction):
    return sanction.board_decides


# Withdrawing a sanction: the board, or the school leader for what the school decided (a removal or dismissal the
# board decided is the board's to withdraw).
rules.add_perm("sanctions.withdraw", (on_board_of | (leads_school_of & ~board_decided)) & not_anonymised)
# obj: a Board. Its administrator words the decision letters.
rules.add_perm("sanctions.edit_letter_templates", administers_this_board)


@rules.predicate
def administers_board_of_period(user, period):
    """Without a period: whether the user administers a board at all (the admin's list and add pages)."""
    boards = access_for(user).board_ids["admin"]
    return period.board_id in boards if period is not None else bool(boards)


# The school calendar's closed periods (vacations, study days): the board's administrator keeps them in the admin
# (/beheer/), whose permission names these are. A superuser passes every permission; the admin scopes them too
# (selectors.closed_period_boards).
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(f"sanctions.{_action}_closedperiod", administers_board_of_period)
