"""Private files follow their database transaction (portal.files): nothing orphaned on rollback, nothing deleted
before commit, and a sweep for what escaped."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.files import atomic_with_files, private_files_sweep, stored_file_delete_on_commit, stored_file_save
from sanctions import services as sanction_services
from sanctions.models import Correspondence

from ..factories import PersonFactory, SchoolFactory, member
from ..security.world import pdf_upload

pytestmark = pytest.mark.django_db(transaction=True)  # real commits and rollbacks, as in production


@pytest.fixture
def storage(private_storage_backend):
    """Every test here runs on the local file system and on a bucket of a real S3 server."""
    return storages["private"]


def write(storage, name="test/brief.txt"):
    return stored_file_save(storage, name, ContentFile(b"inhoud"))


def test_a_file_written_in_a_block_that_commits_stays(storage):
    with atomic_with_files():
        name = write(storage)
    assert storage.exists(name)


def test_a_file_written_in_a_block_that_fails_is_deleted(storage):
    with pytest.raises(RuntimeError), atomic_with_files():
        name = write(storage)
        assert storage.exists(name)
        raise RuntimeError("the row could not be saved")
    assert not storage.exists(name)


def test_a_file_written_in_a_block_marked_for_rollback_is_deleted(storage):
    with atomic_with_files():
        name = write(storage)
        transaction.set_rollback(True)
    assert not storage.exists(name)


def test_a_rolled_back_savepoint_deletes_its_files_and_keeps_the_others(storage):
    with atomic_with_files():
        kept = write(storage, "test/blijft.txt")
        with pytest.raises(IntegrityError):
            with transaction.atomic():  # a plain savepoint inside
                dropped = write(storage, "test/weg.txt")
                raise IntegrityError("duplicate key")
        with pytest.raises(RuntimeError), atomic_with_files():  # a tracked savepoint inside
            dropped_too = write(storage, "test/ook-weg.txt")
            raise RuntimeError
        assert not storage.exists(dropped_too)
    assert storage.exists(kept)
    assert not storage.exists(dropped)


def test_files_of_an_inner_block_go_when_the_outer_block_is_rolled_back(storage):
    with pytest.raises(RuntimeError), atomic_with_files():
        with atomic_with_files():
            inner = write(storage)
        assert storage.exists(inner)  # the inner block committed into the outer one, which is not committed yet
        raise RuntimeError
    assert not storage.exists(inner)


def test_a_file_is_deleted_only_when_the_transaction_commits(storage):
    name = write(storage)
    with pytest.raises(RuntimeError), transaction.atomic():
        stored_file_delete_on_commit(storage, name)
        raise RuntimeError
    assert storage.exists(name)  # rolled back: the record still names it
    with transaction.atomic():
        stored_file_delete_on_commit(storage, name)
        assert storage.exists(name)
    assert not storage.exists(name)


def test_a_letter_refused_after_its_file_was_written_leaves_no_file(storage, private_storage_backend):
    """A real failure between writing the file and saving the row: a letter for a person who does not exist."""
    school = SchoolFactory()
    leader = member("school_leader", school=school)
    pupil = PersonFactory(school=school)
    before = private_storage_backend.stored()
    ghost = PersonFactory.build(pk=2_000_000_000, school=school)
    with pytest.raises(IntegrityError), atomic_with_files():
        sanction_services._store_letters(person=ghost, actor=leader, uploads=[pdf_upload()], description="Brief")
    assert private_storage_backend.stored() == before
    letters = sanction_services.correspondence_add(person=pupil, actor=leader, files=[pdf_upload()], description="Brief")
    assert storage.exists(letters[0].file.name) and Correspondence.objects.count() == 1


def _written_apart(storage, first, then):
    """Write the files of ``first``, wait until the storage's clock (S3: whole seconds) has moved on, write the files
    of ``then``; return the moment between the two as the storage tells it."""
    names = [write(storage, name) for name in first]
    before = max(storage.get_modified_time(name) for name in names)
    time.sleep(1.1)
    later = [write(storage, name) for name in then]
    after = min(storage.get_modified_time(name) for name in later)
    assert after > before
    return names, later, before + (after - before) / 2


def test_the_sweep_removes_old_files_no_record_names(storage):
    school = SchoolFactory()
    leader = member("school_leader", school=school)
    pupil = PersonFactory(school=school)
    letter = sanction_services.correspondence_add(person=pupil, actor=leader, files=[pdf_upload()], description="Brief")[0]
    (stray_old,), (stray_new,), between = _written_apart(
        storage, ["evidence/2026/01/verweesd.png"], ["evidence/2026/01/net-geschreven.png"])

    grace = timezone.now() - between  # the letter and stray_old are older than this, stray_new younger
    assert private_files_sweep(apply=False, grace=grace) == [stray_old]  # a dry run lists, deletes nothing
    assert storage.exists(stray_old)
    call_command("sweep_private_files", "--apply", f"--grace-hours={(timezone.now() - between).total_seconds() / 3600}",
                 stdout=open(os.devnull, "w"))
    assert not storage.exists(stray_old)
    assert storage.exists(stray_new)  # within the grace period: its transaction may still be running
    assert storage.exists(letter.file.name)  # named by a record


def test_the_sweep_runs_from_celery_beat(settings, storage):
    assert settings.CELERY_BEAT_SCHEDULE["sweep-private-files"]["task"] == "portal.tasks.sweep_private_files"
    from portal.tasks import sweep_private_files

    settings.MELDPUNT_FILE_SWEEP_GRACE_HOURS = 0
    stray = write(storage, "evidence/2026/01/achtergelaten.png")
    time.sleep(1.1)  # older than "now" on a storage that keeps whole seconds
    assert sweep_private_files.apply().get() >= 1  # files older tests left behind may go with it
    assert not storage.exists(stray)


def test_an_anonymisation_that_is_rolled_back_keeps_the_files_its_records_name(storage):
    from incidents import services as incident_services
    from incidents.models import Evidence, Incident
    from incidents.retention import incident_anonymise

    from ..security.world import png_upload

    school = SchoolFactory()
    staff = member("staff", school=school)
    incident = incident_services.incident_report(school=school, reporter=staff, platform="tiktok", category="threats",
                                                 description="Dreiging.", files=[png_upload()])
    name = Evidence.objects.get(incident=incident).file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_anonymise(incident=incident)
        raise RuntimeError("the audit record could not be written")
    assert storage.exists(name) and Evidence.objects.filter(incident=incident).exists()
    assert incident_anonymise(incident=incident) is True
    assert not storage.exists(name) and Incident.objects.get(pk=incident.pk).anonymised_at is not None
