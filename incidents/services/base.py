"""What every write on a case shares: the row lock, the permission check, storing evidence, case events."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from rules import has_perm

from portal.files import field_file_save
from portal.oncommit import delay_on_commit

from ..imagery import check_no_files
from ..models import CaseEvent, Evidence, Incident


def _lock(incident):
    """Re-read the case under a row lock so concurrent writers queue instead of overwriting each other."""
    return Incident.objects.select_for_update(of=("self",)).select_related("school__board").get(pk=incident.pk)


def _require(user, perm, incident):
    if not has_perm(perm, user, incident):
        raise PermissionDenied(_("You may not do this on this case."))


def _store_evidence(*, incident, actor, uploads=(), links=(), description="", minor_nudity=False):
    """Store checked uploads (inside the caller's atomic_with_files: a rollback deletes them again). Images are
    re-encoded by a worker after commit (the request stays fast); until then they are marked unprocessed and
    never served. A case with a minor's nude image (incidents/imagery.py) takes no file at all.

    Each file keeps the SHA-256 of the bytes as received; a file stored as received (a PDF) has the same hash for
    its stored copy, an image gets that of its re-encoded copy from the worker."""
    check_no_files(uploads, minor_nudity=minor_nudity, incident=incident)
    stored = []
    to_process = []
    for upload in uploads:
        evidence = Evidence(
            incident=incident, created_by=actor, step=incident.state, description=description,
            content_type=upload.content_type, original_name=upload.original_name, size=upload.size,
            processed=not upload.needs_reencode, sha256=upload.sha256, received_size=upload.received_size,
            stored_sha256="" if upload.needs_reencode else upload.sha256,
        )
        field_file_save(evidence.file, upload.content.name, upload.content)
        stored.append(evidence)
        evidence.save()
        if not evidence.processed:
            to_process.append(evidence.pk)
    for url in links:
        _validate_link(url)
        Evidence.objects.create(incident=incident, created_by=actor, step=incident.state, url=url, description=description,
                                minor_nudity=bool(minor_nudity))
    if to_process:
        from ..tasks import process_evidence

        delay_on_commit(process_evidence, to_process)
    return stored


def _validate_link(url):
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"links": _("Only web links (http or https) can be added.")})


def case_event_record(*, incident, actor, kind, record=None, changes=None, reason=""):
    """Append one event to the case's timeline. Called by the service that makes the change, in its transaction,
    after it has checked who may make it."""
    return CaseEvent.objects.create(
        incident=incident, actor=actor, kind=kind, changes=changes or {}, reason=reason,
        record_type=record._meta.model_name if record is not None else "",
        record_id=record.pk if record is not None else None,
    )


def _required_reason(reason, message):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason
