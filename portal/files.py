"""Private files follow their database transaction: nothing orphaned on rollback, nothing deleted before commit.

A file is written to disk at once, but the row that names it exists only once the transaction commits; a row
that is removed (or points to a new file) is gone only then too. So:

- ``atomic_with_files()`` is ``transaction.atomic()`` that also knows the files written inside it: when the
  block (or a savepoint inside it) is rolled back, the files written in it are deleted again. Django has no
  on-rollback hook; this block sees its own outcome, and a savepoint inside it that was rolled back is recognised
  by the on-commit hook its file registered, which Django drops with the savepoint.
- ``field_file_save()`` / ``stored_file_save()`` write a file and register it with the enclosing block.
- ``stored_file_delete_on_commit()`` deletes a file only once the transaction commits (Django's on_commit,
  which forgets the deletion when the transaction or its savepoint is rolled back).
- ``private_files_sweep()`` removes what escaped all this (a process killed between writing a file and the
  commit, a row deleted in the admin): files in the private storage that no row names, older than a grace
  period. It runs from Celery beat and as ``manage.py sweep_private_files``.
- ``private_storage()`` is the storage every private file field names: the local file system or an S3-compatible
  bucket (``STORAGES["private"]``, from the environment). Everything here goes through Django's storage API
  (save, open, delete, exists, listdir, get_modified_time), never a path on disk, so it works the same on both.
"""

import datetime
import logging

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

logger = logging.getLogger(__name__)


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up when first used: a model field keeps this one object, and a change of
    ``STORAGES`` (a test running on the other backend) reaches every field at once."""

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage():
    """The storage of evidence, letters, consent forms and export files. Model fields name this function."""
    return _private


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


class _Written:
    """One file written in a transaction. Registered as a (no-op) on-commit hook: if it is no longer among the
    connection's hooks when the block ends, a savepoint around the write was rolled back."""

    def __init__(self, storage, name):
        self.storage = storage
        self.name = name

    def __call__(self):
        pass


def _stack(connection):
    if not hasattr(connection, "_meldpunt_file_blocks"):
        connection._meldpunt_file_blocks = []
    return connection._meldpunt_file_blocks


def _delete(storage, name):
    try:
        storage.delete(name)
    except Exception:  # noqa: BLE001 - the sweep removes what could not be deleted now
        logger.warning("Could not delete %s; the file sweep will remove it.", name, exc_info=True)


class atomic_with_files(transaction.Atomic):  # noqa: N801 - used like transaction.atomic
    """``transaction.atomic()`` that deletes the files written inside it when it is rolled back."""

    def __init__(self, using=None, savepoint=True, durable=False):
        super().__init__(using or DEFAULT_DB_ALIAS, savepoint, durable)

    def __enter__(self):
        super().__enter__()
        _stack(transaction.get_connection(self.using)).append([])

    def __exit__(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        written = _stack(connection).pop()
        # A file whose hook is gone was written in a savepoint inside this block that was rolled back.
        hooks = {id(hook) for _sids, hook, _robust in connection.run_on_commit}
        kept = [item for item in written if id(item) in hooks]
        for item in written:
            if id(item) not in hooks:
                _delete(item.storage, item.name)
        rolled_back = exc_type is not None or connection.needs_rollback
        try:
            super().__exit__(exc_type, exc_value, traceback)
        except Exception:
            rolled_back = True  # the commit itself failed
            raise
        finally:
            if rolled_back:
                for item in kept:
                    _delete(item.storage, item.name)
            elif connection.in_atomic_block and _stack(connection):
                _stack(connection)[-1].extend(kept)  # the enclosing block answers for them now
            # Committed: the files stay. Inside a plain outer transaction that this module cannot watch: if that
            # is rolled back, private_files_sweep removes the files.


def _register(storage, name, using):
    connection = transaction.get_connection(using)
    stack = _stack(connection)
    if not connection.in_atomic_block:
        return  # autocommit: the caller saves its row next, or the sweep finds the file
    item = _Written(storage, name)
    transaction.on_commit(item, using=using)
    if stack:
        stack[-1].append(item)


def stored_file_save(storage, name, content, *, using=DEFAULT_DB_ALIAS):
    """Write ``content`` under (about) ``name``; deleted again if the enclosing atomic_with_files rolls back.
    Returns the name it was stored under."""
    stored = storage.save(name, content)
    _register(storage, stored, using)
    return stored


def field_file_save(fieldfile, name, content, *, using=DEFAULT_DB_ALIAS):
    """``FieldFile.save(name, content, save=False)``, registered like stored_file_save. The caller saves the row."""
    fieldfile.save(name, content, save=False)
    _register(fieldfile.storage, fieldfile.name, using)
    return fieldfile.name


def stored_file_delete_on_commit(storage, name, *, using=DEFAULT_DB_ALIAS):
    """Delete a stored file once the current transaction commits (at once outside one); kept if it rolls back."""
    if name:
        transaction.on_commit(lambda: _delete(storage, name), using=using, robust=True)


def field_file_delete_on_commit(fieldfile, *, using=DEFAULT_DB_ALIAS):
    """Delete the file of ``fieldfile`` once the transaction commits; the caller clears or deletes the row."""
    if fieldfile:
        stored_file_delete_on_commit(fieldfile.storage, fieldfile.name, using=using)


# The sweep ---------------------------------------------------------------------------------------------

def _private_file_fields():
    """Every model field that stores its files in the private storage, whichever app it belongs to."""
    from django.apps import apps
    from django.db.models import FileField

    private = private_storage()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField) and _same_storage(model_field.storage, private):
                yield model, model_field


def _same_storage(storage, private):
    if storage is private:
        return True
    same_place = ("location", "bucket_name", "endpoint_url")
    return storage.__class__ is private.__class__ and all(
        getattr(storage, attr, None) == getattr(private, attr, None) for attr in same_place)


def _walk(storage, directory=""):
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def private_file_names(storage=None):
    """The names of every file in the private storage (or ``storage``), read through the storage API."""
    storage = storage if storage is not None else private_storage()
    try:
        return set(_walk(storage))
    except FileNotFoundError:  # a directory not made yet: nothing stored
        return set()


def private_files_sweep(*, grace=None, apply=True, now=None):
    """Delete the files in the private storage that no row names and that are older than ``grace`` (default: the
    setting MELDPUNT_FILE_SWEEP_GRACE_HOURS), so that a file still in a transaction is never touched. Returns
    the names found (deleted when ``apply``)."""
    from django.conf import settings

    grace = grace if grace is not None else datetime.timedelta(hours=settings.MELDPUNT_FILE_SWEEP_GRACE_HOURS)
    cutoff = (now or timezone.now()) - grace
    storage = private_storage()
    referenced = set()
    for model, model_field in _private_file_fields():
        referenced.update(model._base_manager.exclude(**{model_field.attname: ""})
                          .values_list(model_field.attname, flat=True).distinct().iterator())
    stray = []
    for name in sorted(private_file_names(storage)):
        if name in referenced or storage.get_modified_time(name) >= cutoff:
            continue
        stray.append(name)
        if apply:
            _delete(storage, name)
    if stray and apply:
        logger.info("Removed %d private files that no record names.", len(stray))
    return stray
