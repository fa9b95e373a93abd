"""What a user's active memberships allow, computed once per request and cached on the user."""

from collections import defaultdict
from django.db.models import Q

from .models import Membership, Role


class Access:
    def __init__(self, user):
        self.user = user
        self.school_ids = defaultdict(set)  # role -> schools where the user holds it
        self.board_ids = defaultdict(set)  # role -> boards where the user holds it (at any level)
        self.board_wide_ids = defaultdict(set)  # role -> boards where the user holds it board-wide
        if not user.is_authenticated:
            return
        for m in Membership.objects.active().filter(user=user).only("school_id", "board_id", "role"):
            self.board_ids[m.role].add(m.board_id)
            if m.school_id:
                self.school_ids[m.role].add(m.school_id)
            else:
                self.board_wide_ids[m.role].add(m.board_id)

    def has_role(self, *roles):
        return any(self.board_ids[r] for r in roles)

    @property
    def led_school_ids(self):
        return self.school_ids[Role.SCHOOL_LEADER]

    @property
    def reporting_school_ids(self):
        """Schools where the user may file a report: every school they belong to."""
        ids = set()
        for role_ids in self.school_ids.values():
            ids |= role_ids
        return ids

    @property
    def overseen_board_ids(self):
        """Boards whose every case the user may read: board members and administrators."""
        return self.board_ids[Role.BOARD] | self.board_ids[Role.ADMIN]

    @property
    def opens_dossiers(self):
        """Dossiers are for school leaders (their schools), board members and administrators (their board)."""
        return bool(self.led_school_ids or self.overseen_board_ids)

    @property
    def privacy_board_ids(self):
        return self.board_ids[Role.PRIVACY_OFFICER]

    @property
    def works_cases(self):
        """Whether the user handles cases beyond their own reports (any role other than staff member)."""
        return any(ids for role, ids in self.board_ids.items() if role != Role.STAFF)

    def _filter_boards(self, with_privacy_boards):
        boards = set(self.overseen_board_ids)
        if with_privacy_boards:
            boards |= self.privacy_board_ids
        return boards

    def filter_schools(self, *, with_privacy_boards=False):
        """The schools a list page may filter on: those the user leads, and every school of the boards
        they oversee (and, for the case list, of the boards they are FG of)."""
        from .models import School

        boards = self._filter_boards(with_privacy_boards)
        return School.objects.filter(Q(pk__in=self.led_school_ids) | Q(board_id__in=boards)).order_by("name")

    def may_filter_on_several_schools(self, *, with_privacy_boards=False):
        """False when filter_schools() can hold one school at most (a leader of one school, no board),
        which is known without a query."""
        return bool(self._filter_boards(with_privacy_boards)) or len(self.led_school_ids) > 1

    def leads(self, school_id):
        return school_id in self.led_school_ids


def access_for(user):
    cached = getattr(user, "_meldpunt_access", None)
    if cached is None:
        cached = Access(user)
        if user.is_authenticated:
            user._meldpunt_access = cached
    return cached
