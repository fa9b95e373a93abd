"""The worker's side of evidence: re-encoding uploaded images, and finding the ones left unprocessed."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from portal.files import atomic_with_files, field_file_save, stored_file_delete_on_commit
from portal.oncommit import delay_now
from portal.uploads import reencode_image, sha256_hex

from ..models import Evidence, private_storage


def evidence_queue_processing(*, evidence_id):
    """Hand an uploaded image to a worker, in a message of its own; a broker failure leaves it for the sweeper."""
    from ..tasks import process_evidence

    return delay_now(process_evidence, [evidence_id])


def evidence_process(*, evidence_id):
    """Re-encode an uploaded image (dropping EXIF/GPS and anything hidden in the file). Idempotent.

    The original is deleted only once the re-encoded copy and the record naming it are committed; if anything
    fails before, the copy is deleted again and the record still names the original, so a retry starts afresh."""
    with atomic_with_files():
        evidence = (Evidence.objects.select_for_update()
                    .filter(pk=evidence_id, processed=False, quarantined_at__isnull=True).first())
        if evidence is None:  # done already, or quarantined: an image of a minor's nudity is not even decoded
            return False
        original = evidence.file.name
        with evidence.file.open("rb") as handle:
            data = handle.read()
        try:
            clean = reencode_image(data, evidence.content_type)
        except ValidationError as error:
            evidence.file = ""
            evidence.size = 0
            evidence.processing_error = " ".join(error.messages)[:300]
        else:
            # A new name (the storage never overwrites): the original stays whole until the commit.
            field_file_save(evidence.file, original.rsplit("/", 1)[-1], ContentFile(clean))
            evidence.size = len(clean)
            evidence.stored_sha256 = sha256_hex(clean)
        stored_file_delete_on_commit(private_storage(), original)
        evidence.processed = True
        evidence.save()
    return True


def evidence_requeue_unprocessed(*, older_than=None):
    """Queue again the images still unprocessed after a while (the broker was down, a worker died)."""
    older_than = older_than if older_than is not None else timezone.timedelta(minutes=2)
    ids = list(Evidence.objects.filter(processed=False, quarantined_at__isnull=True, created_at__lt=timezone.now() - older_than)
               .values_list("pk", flat=True)[:500])
    for evidence_id in ids:
        evidence_queue_processing(evidence_id=evidence_id)
    return len(ids)
