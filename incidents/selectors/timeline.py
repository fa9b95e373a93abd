"""A case's records and its timeline: each record as first logged, then every change, newest first."""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext

from ..models import (
    Action, Assignment, CaseEvent, CaseEventKind, Evaluation, Evidence, Incident, InformedParty, Involvement, Message,
    PoliceReport, Takedown, Transition, Waiver, event_value,
)


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    actor: object
    record: object
    withdrawal: object = None  # the event that withdrew the record, when it was
    current: object = None  # the record as it is now (the entry may show it as first recorded)
    correct_url: str = ""  # its page to correct or withdraw it, where the viewer may (set by the case page)
    pk: int = 0  # with ``kind``, what names the entry in the timeline's index (see incident_timeline_page)

    @property
    def sort_key(self):
        """Newest first; of entries at the same moment, the kind later in TIMELINE_KINDS, then the one written last."""
        return (self.at, TIMELINE_RANK[self.kind], self.pk)


RECORD_KINDS = ("evidence", "involvements", "actions", "waivers", "police_reports", "takedowns", "informed_parties",
                "messages", "evaluations", "assignments")
# Every kind of timeline entry, in the order that settles a tie between entries of the same moment.
TIMELINE_KINDS = ("changes", *RECORD_KINDS, "transitions", "sanctions", "sanction_decisions", "report", "events")
TIMELINE_RANK = {kind: rank for rank, kind in enumerate(TIMELINE_KINDS)}


def _record_querysets(incident):
    """Each kind of record of the case, withdrawn ones included, with what its entries show."""
    return {
        "evidence": Evidence.objects.filter(incident=incident).select_related("created_by", "quarantined_by", "destroyed_by"),
        "involvements": Involvement.objects.filter(incident=incident).select_related("person", "created_by"),
        "actions": Action.objects.filter(incident=incident).select_related("created_by"),
        "waivers": Waiver.objects.filter(incident=incident).select_related("created_by"),
        "police_reports": PoliceReport.objects.filter(incident=incident).select_related("created_by"),
        "takedowns": Takedown.objects.filter(incident=incident).select_related("created_by"),
        "informed_parties": InformedParty.objects.filter(incident=incident).select_related("created_by"),
        "messages": Message.objects.filter(incident=incident).select_related("created_by", "approved_by"),
        "evaluations": Evaluation.objects.filter(incident=incident).select_related("created_by"),
        "assignments": Assignment.objects.filter(incident=incident).select_related("user", "created_by"),
        "transitions": Transition.objects.filter(incident=incident).select_related("actor"),
        "sanctions": incident.sanctions.select_related("person", "proposed_by", "decided_by"),
    }


def _history(incident):
    """The case's whole field history, oldest first: its first row is the report as made, and each change made with
    a reason (triage, facts, decision) is shown against the row before it."""
    return list(incident.history.order_by("history_date", "history_id").select_related("history_user"))


def _events():
    return CaseEvent.objects.select_related("actor")


def incident_records(*, incident):
    """Every record of the case, withdrawn ones included, each kind fetched once, and the case's events."""
    return {
        **{kind: list(queryset) for kind, queryset in _record_querysets(incident).items()},
        "history": _history(incident),
        "events": list(_events().filter(incident=incident)),
        "report": [incident],
    }


def incident_summary_records(*, incident, limit):
    """The records the case page lists beside its timeline, as current_records gives them but each list only its
    first ``limit`` (the evidence, the people and the harmful posts that count), with how many it holds in all."""
    current, counts = {}, {}
    lists = {  # with what the lists show of them
        "evidence": Evidence.objects.current().filter(quarantined_at__isnull=True).select_related("created_by"),
        "involvements": Involvement.objects.current().select_related("person"),
        "takedowns": Takedown.objects.current(),
    }
    full = {}
    for kind, queryset in lists.items():
        queryset = queryset.filter(incident=incident)
        current[kind] = list(queryset[:limit])
        counts[kind] = len(current[kind])
        if counts[kind] == limit:  # perhaps more: counted below, all such lists in one query
            full[f"listed_{kind}"] = Subquery(queryset.order_by().values("incident").annotate(n=Count("pk")).values("n"))
    if full:
        counts.update((name.removeprefix("listed_"), n) for name, n in Incident.objects.filter(pk=incident.pk).values(**full).get().items())
    # Rarely any: who quarantined and deleted them is read only when there are.
    current["quarantined"] = list(Evidence.objects.filter(incident=incident, quarantined_at__isnull=False)
                                  .prefetch_related("quarantined_by", "destroyed_by"))
    current["quarantine_pending"] = [e for e in current["quarantined"] if e.destroyed_at is None]
    current["counts"] = counts
    return current


RECORD_MODELS_BY_KIND = dict(zip(RECORD_KINDS, (
    Evidence, Involvement, Action, Waiver, PoliceReport, Takedown, InformedParty, Message, Evaluation, Assignment,
)))
RECORD_MODELS = {model.record_type(): model for model in RECORD_MODELS_BY_KIND.values()}


def record_get_visible(*, user, incident, record_type, pk):
    """A record of a case the user sees (the case comes from incident_get_visible); anything else is a 404."""
    model = RECORD_MODELS.get(record_type)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.filter(incident=incident), pk=pk)


def record_events(*, record):
    """The corrections, outcome changes and withdrawal of one record, oldest first, with their lines."""
    events = list(CaseEvent.objects.filter(incident=record.incident_id, record_type=record.record_type(), record_id=record.pk)
                  .select_related("actor"))
    for event in events:
        event.lines = _event_lines(event, type(record))
    return events


def record_fields(*, record):
    """(label, value in words) of the fields a correction may change."""
    model = type(record)
    return [(capfirst(model._meta.get_field(name).verbose_name), event_value_display(model, name, event_value(record, name)))
            for name in model.correctable_fields]


def current_records(*, records):
    """The records that count, per kind: what the case's summary and report list (withdrawn ones only in the
    timeline). Quarantined evidence is never among them: it is listed apart (``quarantined``), without its file."""
    current = {kind: [r for r in records.get(kind, ()) if not r.is_withdrawn] for kind in RECORD_KINDS}
    current["evidence"] = [e for e in current["evidence"] if not e.is_quarantined]
    current["quarantined"] = [e for e in records.get("evidence", ()) if e.is_quarantined]
    current["quarantine_pending"] = [e for e in current["quarantined"] if e.destroyed_at is None]
    current["counts"] = {kind: len(current[kind]) for kind in RECORD_KINDS}
    return current


def _record_model(record_type):
    for app_label in ("incidents", "sanctions", "publicreports"):
        try:
            return apps.get_model(app_label, record_type)
        except LookupError:
            continue
    return None


def event_value_display(model, name, value):
    """A value as a case event keeps it (models.event_value), in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):  # a related row by its name, or a text that is not repeated here
        return value.get("text") or gettext("changed")
    if isinstance(value, list):  # links, one after the other
        return ", ".join(str(item) for item in value) or "—"
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        field = None
    if field is not None and field.choices:
        if hasattr(model, "choice_label"):
            return model.choice_label(name, value)
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and field is not None and field.get_internal_type() == "DateTimeField":
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "j b Y H:i")
    return str(value)


def _event_lines(event, model):
    """(field label, old value, new value) per change; old is None where there was none."""
    lines = []
    for name, change in event.changes.items():
        if name.startswith("_"):  # a marker, not a field
            continue
        old, new = change
        try:
            label = capfirst(model._meta.get_field(name).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            label = name
        shown_old = None if old is None or old == "" else event_value_display(model, name, old)
        lines.append((label, shown_old, event_value_display(model, name, new)))
    return lines


# A change of the case's own fields shows what differs from the row before, except what the entry says by itself
# (its time and actor) or another entry shows (the step).
_UNSHOWN_CHANGES = {"id", "state", "decided_by", "decided_at", "reported_at", "anonymised_at"}


def _incident_field_changes(before, after):
    """{field: [old, new]} between two history rows of a case, as a case event keeps them (nothing without a row
    before: what changed is not known then)."""
    changes = {}
    if before is None:
        return changes
    for field in Incident._meta.concrete_fields:
        name = field.name
        if name in _UNSHOWN_CHANGES or field.is_relation:
            continue
        try:
            new = event_value(after, name)
        except FieldDoesNotExist:  # not kept in the history
            continue
        old = event_value(before, name)
        if old != new:
            changes[name] = [old, new]
    return changes


def _incident_history_entries(rows):
    """The case as reported (its first history row, or None) and an entry per change made with a reason, each
    with the lines of what changed (old → new; a text's earlier version stays readable)."""
    first, entries, before = None, [], None
    for row in rows:
        if row.history_type == "+" and first is None:
            first = row
        elif row.history_change_reason:
            row.changes = _incident_field_changes(before, row)
            row.compared = before is not None
            row.lines = _event_lines(row, Incident)
            entries.append(TimelineEntry(row.history_date, "changes", row.history_user, row, pk=row.pk))
        before = row
    return first, entries


def _as_first_recorded(record, events):
    """The record with the values it was logged with: every field a later correction or outcome changed is put
    back to the old value of the first such change. The timeline's first entry never shows a later value."""
    import copy

    first = {}
    for event in events:  # oldest first
        if event.kind in (CaseEventKind.RECORD_CORRECTED, CaseEventKind.TAKEDOWN_OUTCOME):
            for name, change in event.changes.items():
                if not name.startswith("_"):
                    first.setdefault(name, change[0])
    if not first:
        return record
    shown = copy.copy(record)
    for name, old in first.items():
        field = record._meta.get_field(name)
        if not field.is_relation:
            setattr(shown, field.attname, field.to_python(old) if old is not None else None)
    return shown


def incident_timeline(*, records):
    """Everything that happened on the case, newest first: the report, each record as first logged (struck
    through when withdrawn), the step changes and field changes, and every event (outcomes, corrections,
    withdrawals, the FG's review, LVI reports). No query: it works on what incident_records read."""
    events = records.get("events", [])
    per_record = {}
    for event in events:
        if event.record_id is not None:
            per_record.setdefault((event.record_type, event.record_id), []).append(event)
    entries, by_key = [], {}
    as_reported, changes = _incident_history_entries(records.get("history", ()))
    entries.extend(changes)
    for kind, items in records.items():
        for item in items:
            if kind in ("events", "history"):
                continue
            if kind == "report":  # the category, platform and flag as reported, not as triage later set them
                entries.append(TimelineEntry(item.reported_at, kind, item.reporter, as_reported or item, pk=item.pk))
            elif kind == "transitions":
                entries.append(TimelineEntry(item.at, kind, item.actor, item, pk=item.pk))
            elif kind == "sanctions":
                # Its first entry keeps what it was when proposed; the board's decision is an entry of its own. A
                # withdrawn sanction is struck through, and its withdrawal is an event of the case.
                key = (item._meta.model_name, item.pk)
                by_key[key] = item
                withdrawal = next((e for e in per_record.get(key, ()) if e.kind == CaseEventKind.RECORD_WITHDRAWN), None)
                entries.append(TimelineEntry(item.proposed_at, kind, item.proposed_by, item, withdrawal=withdrawal, pk=item.pk))
                if item.board_decides and item.decided_at is not None:
                    entries.append(TimelineEntry(item.decided_at, "sanction_decisions", item.decided_by, item, pk=item.pk))
            else:
                key = (item.record_type(), item.pk)
                by_key[key] = item
                own = per_record.get(key, ())
                withdrawal = next((e for e in own if e.kind == CaseEventKind.RECORD_WITHDRAWN), None)
                entries.append(TimelineEntry(item.created_at, kind, item.created_by, _as_first_recorded(item, own),
                                             withdrawal=withdrawal, current=item, pk=item.pk))
    models = {}
    for event in events:
        if event.record_type not in models:
            models[event.record_type] = _record_model(event.record_type) if event.record_type else None
        model = models[event.record_type]
        event.subject = by_key.get((event.record_type, event.record_id))
        event.record_label = model._meta.verbose_name if model is not None else ""
        event.lines = _event_lines(event, model)
        entries.append(TimelineEntry(event.at, "events", event.actor, event, pk=event.pk))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries


# --- one page of the timeline ---------------------------------------------------------------------------------

KIND_OF_RECORD_TYPE = {model.record_type(): kind for kind, model in RECORD_MODELS_BY_KIND.items()}


def _index_part(model, kind, at, *, case_column="incident_id", where=""):
    """SELECT (moment, rank, id) of one kind's entries of a case (its id the parameter)."""
    table, quote = model._meta.db_table, connection.ops.quote_name
    return (f"SELECT {quote(model._meta.get_field(at).column)} AS t_at, {TIMELINE_RANK[kind]} AS t_rank, "
            f"{quote(model._meta.pk.column)} AS t_id FROM {quote(table)} WHERE {quote(case_column)} = %s{where}")


@functools.cache
def _index_parts():
    """The parts of the timeline's index, one per kind of entry: what incident_timeline makes entries of."""
    sanction = Incident._meta.get_field("sanctions").related_model  # the case's sanctions, by its own relation
    history = Incident.history.model
    return (
        # As _incident_history_entries: a change made with a reason, not the row of the report itself.
        _index_part(history, "changes", "history_date", case_column="id",
                    where=" AND history_change_reason IS NOT NULL AND history_change_reason <> '' AND history_type <> '+'"),
        *(_index_part(RECORD_MODELS_BY_KIND[kind], kind, "created_at") for kind in RECORD_KINDS),
        _index_part(Transition, "transitions", "at"),
        _index_part(sanction, "sanctions", "proposed_at"),
        _index_part(sanction, "sanction_decisions", "decided_at", where=" AND board_decides AND decided_at IS NOT NULL"),
        _index_part(Incident, "report", "reported_at", case_column="id"),
        _index_part(CaseEvent, "events", "at"),
    )


def timeline_cursor(entry):
    """What names ``entry`` in the timeline's index, for the address of the entries after it ("rank-id")."""
    return f"{TIMELINE_RANK[entry.kind]}-{entry.pk}"


def parse_timeline_cursor(value):
    """(rank, id) from a timeline_cursor, or None for anything else."""
    rank, _, pk = (value or "").partition("-")
    if not (rank.isascii() and rank.isdigit() and pk.isascii() and pk.isdigit() and len(pk) <= 18):
        return None
    if int(rank) >= len(TIMELINE_KINDS):
        return None
    return int(rank), int(pk)


def _timeline_index(incident, after, size):
    """(rank, id) of the ``size`` entries that follow the entry ``after`` names ((rank, id); None: from the newest),
    newest first as TimelineEntry.sort_key orders them; how many entries there are in all; and how many come before
    those. One query, reading no entry. The page follows that entry, not a position: an entry added meanwhile does
    not push one already shown onto the next page. An ``after`` that names no entry of the case gives nothing."""
    union = " UNION ALL ".join(_index_parts())
    params = [incident.pk] * len(_index_parts())
    following, cursor_params = "", []
    if after is not None:
        following = ("WHERE (t_at, t_rank, t_id) < "
                     "(SELECT t_at, t_rank, t_id FROM timeline WHERE t_rank = %s AND t_id = %s)")
        cursor_params = list(after)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH timeline AS ({union}) "
                       f"SELECT t_rank, t_id, COUNT(*) OVER (), (SELECT COUNT(*) FROM timeline) FROM timeline {following} "
                       f"ORDER BY t_at DESC, t_rank DESC, t_id DESC LIMIT %s", [*params, *cursor_params, size])
        rows = cursor.fetchall()
        if rows:
            _rank, _pk, remaining, total = rows[0]
            return [(rank, pk) for rank, pk, _remaining, _total in rows], total, total - remaining
        cursor.execute(f"SELECT COUNT(*) FROM ({union}) AS timeline", params)
        total = cursor.fetchone()[0]
        return [], total, total


def incident_timeline_page(*, incident, after=None, size):
    """(the ``size`` entries of incident_timeline after the entry ``after`` names (a (rank, id), None: the newest),
    how many entries there are in all, how many come before the page), reading only what those entries show: a
    bounded number of queries however long the timeline is."""
    shown, total, before = _timeline_index(incident, after, size)
    ids = {kind: set() for kind in TIMELINE_KINDS}
    for rank, pk in shown:
        ids[TIMELINE_KINDS[rank]].add(pk)
    events = list(_events().filter(incident=incident, pk__in=ids["events"])) if ids["events"] else []
    # What a shown event is about is named on it: read those records too (they make no entry of their own here).
    wanted = {kind: set(ids[kind]) for kind in (*RECORD_KINDS, "transitions")}
    wanted["sanctions"] = ids["sanctions"] | ids["sanction_decisions"]
    for event in events:
        kind = "sanctions" if event.record_type == "sanction" else KIND_OF_RECORD_TYPE.get(event.record_type)
        if kind is not None and event.record_id is not None:
            wanted[kind].add(event.record_id)
    records = {kind: list(queryset.filter(pk__in=wanted[kind])) if wanted[kind] else []
               for kind, queryset in _record_querysets(incident).items()}
    # Each shown record's own events: its withdrawal, and the corrections that tell what it was first logged as.
    about = Q()
    for kind in (*RECORD_KINDS, "sanctions"):
        if ids[kind] or (kind == "sanctions" and ids["sanction_decisions"]):
            record_type = "sanction" if kind == "sanctions" else RECORD_MODELS_BY_KIND[kind].record_type()
            about |= Q(record_type=record_type, record_id__in=[r.pk for r in records[kind]])
    if about:
        known = {event.pk for event in events}
        events += [e for e in _events().filter(about, incident=incident) if e.pk not in known]
    events.sort(key=lambda e: (e.at, e.pk))
    records.update(events=events, report=[incident] if ids["report"] else [],
                   history=_history(incident) if ids["changes"] or ids["report"] else [])
    entries = [e for e in incident_timeline(records=records) if e.pk in ids[e.kind]]
    return entries, total, before
