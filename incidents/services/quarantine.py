"""Quarantine: files of a case that (may) show a minor's nudity are opened by nobody and deleted for good.

The school leader marks the whole case (every file on it) or one evidence item. From then on the file is served to
nobody — school leader, FG and administrator included — and is left out of the case page, the PDFs, the ZIPs, the
exports and the API (``Evidence.objects.servable()``). It is deleted irreversibly when the leader records the handover
to the police, or at once if the leader chooses. The evidence row stays: the timeline keeps that the file existed,
its SHA-256 and size, who quarantined and who deleted it, and when (append-only case events). The file itself is
deleted only once the transaction commits (portal/files.py)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.files import atomic_with_files, field_file_delete_on_commit

from ..imagery import files_refused
from ..models import CaseEventKind, Evidence
from .base import _lock, _require, case_event_record


def _file_facts(item):
    """What the timeline keeps of a file that nobody may open: that it existed, its hashes and sizes."""
    facts = {"original_name": item.original_name, "sha256": item.sha256, "received_size": item.received_size,
             "stored_sha256": item.stored_sha256, "size": item.size}
    return {name: [None, value] for name, value in facts.items() if value not in ("", None, 0)}


def _quarantine(*, incident, actor, items, reason):
    now = timezone.now()
    for item in items:
        item.quarantined_at = now
        item.quarantined_by = actor
        item._history_user = actor
        item._change_reason = "quarantine"
        item.save()
        case_event_record(incident=incident, actor=actor, kind=CaseEventKind.EVIDENCE_QUARANTINED, record=item,
                          changes=_file_facts(item), reason=reason)
    return items


def _destroy(*, incident, actor, items, handed_over_to_police, reason):
    now = timezone.now()
    for item in items:
        facts = _file_facts(item)
        field_file_delete_on_commit(item.file)  # the file goes once this is committed, never before
        item.file = ""
        item.destroyed_at = now
        item.destroyed_by = actor
        item._history_user = actor
        item._change_reason = "destroyed"
        item.save()
        kind = CaseEventKind.EVIDENCE_HANDED_OVER if handed_over_to_police else CaseEventKind.EVIDENCE_DESTROYED
        case_event_record(incident=incident, actor=actor, kind=kind, record=item, changes=facts, reason=reason)
    audit_record(actor=actor, action="evidence.destroy", obj=incident, board=incident.school.board,
                 evidence=[item.pk for item in items], handed_over_to_police=bool(handed_over_to_police))
    return items


def evidence_quarantine(*, incident, actor, evidence=None, reason="", destroy_now=False):
    """Mark the case (``evidence`` None: every file on it, and no file may be added to it any more) or one evidence
    item as showing a minor's nudity, and quarantine the files at once; ``destroy_now`` deletes them right away.
    Returns the evidence items quarantined now."""
    reason = (reason or "").strip()
    with atomic_with_files():
        locked = _lock(incident)
        _require(actor, "incidents.quarantine_evidence", locked)
        files = (Evidence.objects.select_for_update().filter(incident=locked, quarantined_at__isnull=True)
                 .exclude(file="").order_by("pk"))
        if evidence is None:
            if not locked.minor_nudity:
                locked.minor_nudity = True
                locked._history_user = actor
                locked._change_reason = ""  # the case event below is the timeline's entry for it
                locked.save()
                case_event_record(incident=locked, actor=actor, kind=CaseEventKind.MINOR_NUDITY_MARKED, reason=reason)
            elif not files:
                raise ValidationError(_("This case is already marked, and none of its files is left outside quarantine."))
        else:
            files = files.filter(pk=evidence.pk)
            if not files:
                raise ValidationError(_("This file is already quarantined or has no file to quarantine."))
        items = _quarantine(incident=locked, actor=actor, items=list(files), reason=reason)
        audit_record(actor=actor, action="evidence.quarantine", obj=locked, board=locked.school.board,
                     evidence=[item.pk for item in items], whole_case=evidence is None)
        if destroy_now and items:
            _destroy(incident=locked, actor=actor, items=items, handed_over_to_police=False, reason=reason)
    return items


def quarantine_files_of_refusing_case(*, incident, actor):
    """A case that has become one that refuses files (imagery.files_refused: its category is now sexting) keeps none
    outside quarantine: the files added before are quarantined at once, in the caller's transaction, with the reason
    said on the timeline. Returns the items quarantined now."""
    if not files_refused(incident=incident):
        return []
    files = list(Evidence.objects.select_for_update().filter(incident=incident, quarantined_at__isnull=True)
                 .exclude(file="").order_by("pk"))
    if not files:
        return []
    items = _quarantine(incident=incident, actor=actor, items=files, reason=_(
        "The case is now a sexting case: no file is kept outside quarantine (a file may show a nude image of a minor)."))
    audit_record(actor=actor, action="evidence.quarantine", obj=incident, board=incident.school.board,
                 evidence=[item.pk for item in items], whole_case=True, because="sexting")
    return items


def quarantine_destroy(*, incident, actor, handed_over_to_police, reason=""):
    """Delete every quarantined file of the case for good: at the handover to the police (``handed_over_to_police``)
    or at once. The rows stay with their hashes; the timeline says who deleted them and when."""
    reason = (reason or "").strip()
    with atomic_with_files():
        locked = _lock(incident)
        _require(actor, "incidents.quarantine_evidence", locked)
        items = list(Evidence.objects.select_for_update()
                     .filter(incident=locked, quarantined_at__isnull=False, destroyed_at__isnull=True).order_by("pk"))
        if not items:
            raise ValidationError(_("There are no quarantined files left on this case."))
        return _destroy(incident=locked, actor=actor, items=items, handed_over_to_police=handed_over_to_police,
                        reason=reason)
