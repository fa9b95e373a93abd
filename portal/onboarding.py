"""A board's start in the portal: what its administrator still has to set up, and the missing roles that make
notifications go nowhere (a school without a school leader, a board without an FG or a confidential counsellor).

Reads only; a constant number of queries whatever the board's size."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .access import access_for
from .models import AuditEvent, Board, Membership, PersonKind, Role, School
from .sso import sso_providers_configured


@dataclass
class Step:
    key: str
    label: str
    done: bool
    detail: str = ""
    links: list = field(default_factory=list)  # (text, url name, args)


def _active_roles(board):
    return Membership.objects.active().filter(board=board)


def notification_gaps(*, board, schools=None):
    """Dutch sentences for each missing role that leaves a notification without anyone to receive it."""
    if schools is None:
        schools = _schools_with_counts(board)
    gaps = [_("%(school)s has no school leader: reports from this school reach no one who can handle them.")
            % {"school": school.name} for school in schools if not school.leaders]
    board_roles = set(_active_roles(board).filter(school__isnull=True).values_list("role", flat=True).distinct())
    if Role.PRIVACY_OFFICER not in board_roles:
        gaps.append(_("The board has no privacy officer (FG): possible data breaches are reported to no one, and the "
                      "72-hour deadline runs unseen."))
    if Role.COUNSELLOR not in board_roles:
        gaps.append(_("The board has no confidential counsellor: reports that need one reach no one."))
    return gaps


def notification_gaps_for(*, user):
    """The gaps of the boards the user administers (nothing, and no query beyond the user's roles, for anyone else)."""
    board_ids = access_for(user).board_ids[Role.ADMIN]
    return [gap for board in Board.objects.filter(pk__in=board_ids) for gap in notification_gaps(board=board)] if board_ids else []


def _schools_with_counts(board):
    today_active = Membership.objects.active().values("pk")
    return list(School.objects.filter(board=board).annotate(
        leaders=Count("memberships", filter=Q(memberships__role=Role.SCHOOL_LEADER, memberships__in=today_active), distinct=True),
        staff_count=Count("memberships", filter=Q(memberships__in=today_active), distinct=True),
        pupils=Count("people", filter=Q(people__kind=PersonKind.PUPIL), distinct=True),
    ).order_by("name"))


def onboarding_checklist(*, board):
    """The steps of the board's start, each done or not, with where to do it."""
    schools = _schools_with_counts(board)
    board_roles = set(_active_roles(board).filter(school__isnull=True).values_list("role", flat=True).distinct())
    staff_imported = AuditEvent.objects.filter(board=board, action="staff.import").exists()
    no_leader = [s for s in schools if not s.leaders]
    no_pupils = [s for s in schools if not s.pupils]
    return [
        Step("schools", _("Schools"), bool(schools),
             _("%(count)s schools.") % {"count": len(schools)} if schools else _("The board has no schools yet."),
             [(_("Add a school"), "admin:portal_school_add", [])]),
        Step("protocol", _("Protocol adopted"), board.protocol_id is not None,
             str(board.protocol) if board.protocol_id else _("No protocol adopted yet."), [(_("Protocol"), "protocol", [])]),
        Step("staff", _("Staff imported"), staff_imported or all(s.staff_count for s in schools) and bool(schools),
             _("Imported.") if staff_imported else _("Not imported yet."), [(_("Import staff"), "staff_import", [])]),
        Step("leaders", _("A school leader at every school"), bool(schools) and not no_leader,
             ", ".join(s.name for s in no_leader), [(_("Import staff"), "staff_import", [])]),
        Step("privacy_officer", _("A privacy officer (FG)"), Role.PRIVACY_OFFICER in board_roles, "",
             [(_("Import staff"), "staff_import", [])]),
        Step("counsellor", _("A confidential counsellor"), Role.COUNSELLOR in board_roles, "",
             [(_("Import staff"), "staff_import", [])]),
        Step("pupils", _("Pupils imported"), bool(schools) and not no_pupils, ", ".join(s.name for s in no_pupils),
             [(_("Import pupils: %(school)s") % {"school": s.name}, "consent:import", [s.pk]) for s in no_pupils]),
        Step("sso", _("Sign-in with the school's account"), sso_providers_configured(),
             _("Set up in the environment (MELDPUNT_SSO_PROVIDERS); the README says how for Microsoft Entra ID, "
               "Google Workspace and Entree Federatie."), [(_("Login page"), "account_login", [])]),
    ], notification_gaps(board=board, schools=schools)


def administered_board_for(*, user):
    """The first board the user administers."""
    return Board.objects.filter(pk__in=access_for(user).board_ids[Role.ADMIN]).select_related("protocol__profile").first()
