"""What a board's protocol means for the portal while a case runs, and the reminder to review it.

A board adopts one of the shipped protocol profiles (``meldpunt.protocols``) through a ProtocolVersion.
Until it has one, the portal applies the strictest rules found in any of the five (STRICTEST), so nothing
a protocol demands is skipped by default.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class ProtocolRules:
    """What the portal needs to know of a board's protocol."""

    police_on_any_suspicion: bool = True
    lvi_report: bool = True
    guardians_before_pupil_measure: bool = True
    guardian_dossier: bool = True
    step_labels: dict = field(default_factory=dict)
    step_help: dict = field(default_factory=dict)
    extra_actions: tuple = ()
    notification_roles: dict = field(default_factory=dict)


# Before a board adopts its protocol, every safeguard of the five protocols applies.
STRICTEST = ProtocolRules()


_RULES_CACHE = {}  # protocol version id -> (expires at, rules); a new version gets a new id
_RULES_TTL = 60.0


def protocol_rules(board):
    """The rules of the board's protocol in force (looked up once a minute per protocol version)."""
    import time

    if not board.protocol_id:
        return STRICTEST
    hit = _RULES_CACHE.get(board.protocol_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    from .models import ProtocolVersion

    version = ProtocolVersion.objects.select_related("profile").filter(pk=board.protocol_id).first()
    if version is None:
        rules = STRICTEST
    else:
        p = version.profile
        rules = ProtocolRules(
            police_on_any_suspicion=p.police_on_any_suspicion, lvi_report=p.lvi_report,
            guardians_before_pupil_measure=p.guardians_before_pupil_measure, guardian_dossier=p.guardian_dossier,
            step_labels=p.step_labels or {}, step_help=p.step_help or {}, extra_actions=tuple(p.extra_actions or ()),
            notification_roles=p.notification_roles or {},
        )
    _RULES_CACHE[board.protocol_id] = (time.monotonic() + _RULES_TTL, rules)
    return rules


def protocol_board_for(*, user):
    """The board whose protocol page the user sees: the first they serve as board member or administrator."""
    from .access import access_for
    from .models import Board, Role

    access = access_for(user)
    boards = Board.objects.filter(pk__in=access.board_ids[Role.ADMIN] | access.board_ids[Role.BOARD])
    return boards.select_related("protocol__profile").first()


def protocol_review_reminders(*, today=None, days_ahead=30):
    """Tell the board (board members and administrators) a month before its protocol is due for review."""
    from .models import Board, Membership, Role
    from .notifications import notification_create

    today = today or timezone.localdate()
    sent = 0
    due = Board.objects.filter(protocol__review_on__isnull=False,
                               protocol__review_on__lte=today + datetime.timedelta(days=days_ahead)).select_related("protocol__profile")
    due = list(due)
    members_by_board = defaultdict(list)
    members = Membership.objects.active().filter(board__in=due, school__isnull=True, role__in=[Role.BOARD, Role.ADMIN])
    for membership in members.select_related("user").order_by("pk"):
        members_by_board[membership.board_id].append(membership)
    for board in due:
        version = board.protocol
        for membership in members_by_board[board.pk]:
            with transaction.atomic():
                row = notification_create(
                    recipient=membership.user, kind="protocol_review",
                    subject=f"Protocol toe aan herziening: {version.profile.name} (versie {version.version})",
                    body=(f"Het protocol '{version.profile.name}', versie {version.version}, vastgesteld op "
                          f"{version.adopted_on:%d-%m-%Y}, moet uiterlijk {version.review_on:%d-%m-%Y} herzien worden."),
                    url="/protocol/", dedupe_key=f"protocol_review:{version.pk}:{membership.user_id}",
                )
            sent += row is not None
    return sent
