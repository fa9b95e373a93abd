"""Who is told what, and when. Every rule is one row of RULES; services call ``notify(event, ...)``.

event                 recipients                                  why (protocol)
incident_reported     school leaders of the school                002 step 1: report to the school leader
privacy_reported      privacy officers (FG) of the board          002 step 1: privacy incidents go to the FG too
offence_suspected     board members                               000/003/004: any possible offence
aftercare_arranged    confidential counsellors asked + mentors     002 step 3a: aftercare with mentor/counsellor
communication_started communications officers                      002 step 6: consult communications
staff_perpetrator     school leaders (LVI reminder)                000 Sancties 2: report to the LVI
breach_deadline       FG + school leaders                          AVG art. 33: 72 hours
breach_overdue        FG + school leaders, once                    AVG art. 33: the 72 hours have passed
takedown_watch        school leaders                               002 step 4: be alert in the hours after
step_stalled          school leaders                               a case should not sit still
sanction_proposed     board members                                004 rule 12: removal/dismissal by the board
sanction_decided      school leaders                               the board's answer goes back to the school
duty_due              school leaders + board members               WVO art. 13-14: inform Inspectie/leerplicht
removal_search        school leaders + board members               WVO art. 14: eight weeks to find another school
public_report_received school leaders                              000/004: pupils and parents report too (public page)
public_report_added    school leaders                              the sender added information with their code
public_report_counsellor confidential counsellors of the school    the sender asked for the counsellor (report or addition)
"""

import operator
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import Callable

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Membership, Role
from portal.notifications import notification_create, notifications_create
from portal.protocols import protocol_rules


def _members(school, role, *, school_level=True, board_level=True):
    """The active users holding ``role`` at the school (school_level) or board-wide (board_level)."""
    return _members_query(school.pk, school.board_id, role, school_level, board_level, timezone.localdate()).all()


@lru_cache(maxsize=512)
def _members_query(school_id, board_id, role, school_level, board_level, today):
    # Only the query is kept (building it costs more than running it, on every report); .all() above hands
    # out a fresh copy, so every caller reads the memberships as they are now.
    scope = []
    if school_level:
        scope.append(Q(school_id=school_id))
    if board_level:
        scope.append(Q(school__isnull=True, board_id=board_id))
    user_ids = Membership.objects.active(today).filter(reduce(operator.or_, scope), role=role).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def school_leaders(school, incident=None):
    return _members(school, Role.SCHOOL_LEADER, board_level=False)


def privacy_officers(school, incident=None):
    return _members(school, Role.PRIVACY_OFFICER)


def privacy_officer_names(school):
    """The FG(s) of the school's board by name, for messages that send someone to them."""
    from django.utils.text import get_text_list

    names = [str(user) for user in privacy_officers(school)]
    return get_text_list(names, str(_("and"))) if names else str(_("the board's privacy officer"))


def board_members(school, incident=None):
    return _members(school, Role.BOARD)


def leaders_and_board(school, incident=None):
    return school_leaders(school) | board_members(school)


def breach_watchers(school, incident=None):
    return privacy_officers(school) | school_leaders(school)


def aftercare_recipients(school, incident):
    """Counsellors asked for aftercare on this case (or else the school's counsellors), and the victims' mentors."""
    from .models import Assignment, AssignmentKind, InvolvementRole

    User = get_user_model()
    assigned = Assignment.objects.current().filter(incident=incident, kind=AssignmentKind.AFTERCARE).values("user_id")
    counsellors = User.objects.filter(pk__in=assigned)
    if not counsellors.exists():
        counsellors = _members(school, Role.COUNSELLOR)
    mentors = User.objects.filter(
        mentees__involvements__incident=incident, mentees__involvements__role=InvolvementRole.VICTIM,
        mentees__involvements__withdrawn_at__isnull=True, is_active=True,
    )
    return (counsellors | mentors).distinct()


def counsellors(school, incident=None):
    return _members(school, Role.COUNSELLOR)


def communications_officers(school, incident):
    from .models import Assignment, AssignmentKind

    assigned = Assignment.objects.current().filter(incident=incident, kind=AssignmentKind.COMMUNICATION).values("user_id")
    officers = get_user_model().objects.filter(pk__in=assigned)
    return officers if officers.exists() else _members(school, Role.COMMUNICATIONS)


# A breach's "the 72 hours have passed" message goes to each recipient once, whoever sends it first.
BREACH_OVERDUE_DEDUPE = "overdue"


@dataclass(frozen=True)
class Rule:
    event: str
    recipients: Callable
    subject: str
    body: str
    # Links the FG to the breach review page, everyone else to the review as the case page shows it.
    links_to_breach_review: bool = False
    # What the case's reporter reads instead of ``body``, when they are among the recipients (a school leader's
    # own report is theirs, not "a staff member's").
    reporter_body: str = ""


RULES = [
    Rule("incident_reported", school_leaders,
         _("New report %(ref)s: %(category)s (%(school)s)"),
         _("%(reporter)s filed a new report at %(school)s. Judge its severity and start the protocol."),
         reporter_body=_("You filed a new report at %(school)s. Judge its severity and start the protocol.")),
    Rule("privacy_reported", privacy_officers,
         _("Privacy incident %(ref)s (%(school)s): 72-hour clock running"),
         _("A report at %(school)s concerns personal data. Assess whether it is a data breach that must be reported to the Autoriteit Persoonsgegevens within 72 hours of discovery (deadline %(deadline)s)."), links_to_breach_review=True),
    Rule("offence_suspected", board_members,
         _("Possible criminal offence in case %(ref)s (%(school)s)"),
         _("The school leader judged case %(ref)s to be %(decision)s. Your protocol may require a police report or police contact.")),
    Rule("aftercare_arranged", aftercare_recipients,
         _("Aftercare asked for case %(ref)s (%(school)s)"),
         _("You are asked to help with aftercare in case %(ref)s. The school leader will contact you.")),
    Rule("communication_started", communications_officers,
         _("Communication advice asked for case %(ref)s (%(school)s)"),
         _("Case %(ref)s has reached step 6 (communication). Advise on the message: internal first, then external.")),
    Rule("staff_perpetrator", school_leaders,
         _("Staff member involved as perpetrator in case %(ref)s"),
         _("A staff member is linked as perpetrator in case %(ref)s. If the conduct is judged cross-the-line, tell the staff member and then report it by phone to the Landelijke Vertrouwensinspecteur (protocol 000).")),
    Rule("breach_deadline", breach_watchers,
         _("Data breach %(ref)s: %(hours)s hours since discovery"),
         _("The decision whether to report case %(ref)s to the Autoriteit Persoonsgegevens is still open. The 72 hours end on %(deadline)s, in %(left)s."),
         links_to_breach_review=True),
    # Also the FG's first message about a breach that was reported or flagged only after its 72 hours had passed.
    Rule("breach_overdue", breach_watchers,
         _("Data breach %(ref)s: the 72-hour term has passed"),
         _("Case %(ref)s at %(school)s concerns personal data. It was discovered on %(discovered)s; the 72 hours for reporting a data breach to the Autoriteit Persoonsgegevens ended on %(deadline)s, and neither a report to the AP nor the decision that none is needed has been recorded. Assess it now: if it must be reported, report it without further delay and record the reasons for the delay (AVG art. 33(1))."),
         links_to_breach_review=True),
    Rule("takedown_watch", school_leaders,
         _("Harmful post in case %(ref)s not yet removed"),
         _("A harmful post logged in case %(ref)s (%(platform)s) has not been removed yet. Check it again and watch for new postings.")),
    Rule("step_stalled", school_leaders,
         _("Case %(ref)s has been in one step for %(days)s days"),
         _("Case %(ref)s has been in step “%(step)s” since %(since)s. Pick it up or record why it waits.")),
    Rule("sanction_proposed", board_members,
         _("Decision asked: %(measure)s proposed (%(school)s)"),
         _("The school leader of %(school)s proposes a measure that the board decides on: %(measure)s. Approve or reject it with your reasoning.")),
    Rule("sanction_decided", school_leaders,
         _("The board decided on the proposed %(measure)s (%(school)s)"),
         _("The board has %(outcome)s the proposed measure: %(measure)s.")),
    Rule("duty_due", leaders_and_board,
         _("Still to report to the %(recipient)s (%(school)s)"),
         _("A decision on a pupil (%(measure)s) at %(school)s must be reported to the %(recipient)s, due %(due)s, and "
           "has not been recorded as done. Report it and record the date and reference; this reminder repeats daily "
           "until then.")),
    Rule("removal_search", leaders_and_board,
         _("Removal at %(school)s: week %(weeks)s of the search for another school"),
         _("The board approved the removal of a pupil of %(school)s; no other school's admission has been recorded. "
           "The eight weeks to find one end on %(deadline)s. Record the admission once a school has agreed.")),
    # Reports from the school's public page: no text of the report in the message (e-mail), only where to read it.
    Rule("public_report_received", school_leaders,
         _("New report via the public reporting page (%(school)s)"),
         _("Someone (%(sender)s) reported something on the public reporting page of %(school)s. Read it in Meldpunt and decide: make it a case, add it to a case or set it aside with a reason.")),
    Rule("public_report_added", school_leaders,
         _("Information added to a report via the public reporting page (%(school)s)"),
         _("The sender of a report on the public reporting page of %(school)s added information with their follow-up code. Read it in Meldpunt.")),
    Rule("public_report_counsellor", counsellors,
         _("A sender asks for the confidential counsellor (%(school)s)"),
         _("Someone who reported on the public reporting page of %(school)s asked that the confidential counsellor reads their report. It has been sent or added to just now; read it in Meldpunt.")),
]
RULES_BY_EVENT = {}
for _rule in RULES:
    RULES_BY_EVENT.setdefault(_rule.event, []).append(_rule)


def notify(event, *, incident=None, school=None, url=None, dedupe=None, **context):
    """Create the outbox rows for ``event`` (inside the caller's transaction). Returns the ids of the rows created.

    An event is about a case (``incident``) or, without one, about a school (``school`` and ``url``).
    """
    from django.utils import formats, timezone

    school = school or incident.school
    values = {"school": school.name, **context}
    if incident is not None:
        breach = getattr(incident, "breach_assessment", None) if incident.privacy_flag else None
        values.update({
            "ref": incident.reference,
            "reporter": str(incident.reporter) if incident.reporter_id else str(_("A staff member")),
            "category": incident.get_category_display(),
            "decision": incident.get_decision_display().lower() if incident.decision else "",
            "deadline": formats.date_format(timezone.localtime(breach.deadline), "DATETIME_FORMAT") if breach else "",
            "discovered": formats.date_format(timezone.localtime(breach.discovered_at), "DATETIME_FORMAT") if breach else "",
            **context,
        })
        url = url or reverse("incidents:detail", args=[incident.pk])
    subject_key = incident.pk if incident is not None else f"s{school.pk}"
    created = []
    # A board's protocol may name other roles for an event (for example 001: the counsellor hears of reports too).
    roles = protocol_rules(school.board).notification_roles.get(event)
    for rule in RULES_BY_EVENT[event]:
        recipients = rule.recipients(school, incident)
        if roles:
            recipients = reduce(operator.or_, [
                _members(school, role, board_level=role not in ("school_leader", "staff")) for role in roles
            ])
        subject = str(rule.subject) % values
        for group, link, body in _worded_groups(rule, recipients, school, incident, url or "", values):
            if dedupe is None:
                created += notifications_create(recipients=group, kind=event, incident=incident, subject=subject,
                                                body=body, url=link)
                continue
            for user in group:
                row = notification_create(
                    recipient=user, kind=event, incident=incident, subject=subject, body=body, url=link,
                    dedupe_key=f"{event}:{subject_key}:{dedupe}:{user.pk}",
                )
                if row is not None:
                    created.append(row.pk)
    return created


def _worded_groups(rule, recipients, school, incident, url, values):
    """The recipients in groups that get the same link and text: (users, url, body) triples."""
    body = str(rule.body) % values
    reporter_id = incident.reporter_id if incident is not None and rule.reporter_body else None
    for group, link in _linked_groups(rule, recipients, school, incident, url):
        if reporter_id is None:
            yield group, link, body
        else:
            yield group.exclude(pk=reporter_id), link, body
            yield group.filter(pk=reporter_id), link, str(rule.reporter_body) % values


def _linked_groups(rule, recipients, school, incident, url):
    """The recipients in groups that get the same link: (users, url) pairs."""
    if not rule.links_to_breach_review:
        return [(recipients, url)]
    officers = privacy_officers(school).values("pk")
    return [
        (recipients.filter(pk__in=officers), reverse("incidents:breach_detail", args=[incident.pk])),
        (recipients.exclude(pk__in=officers), reverse("incidents:detail", args=[incident.pk]) + "#breach-review"),
    ]
