"""simple-history's HistoricalRecords, with its manager class built once.

Reading ``instance.history`` makes simple-history build a manager class (``Manager.from_queryset``) anew,
and it reads it for every history row it writes: a report writes two, a step change more. The class only
depends on the manager and queryset classes, so it is built once per pair here.
"""

from simple_history import manager, models


class HistoryManager(manager.HistoryManager):
    _classes = {}

    @classmethod
    def from_queryset(cls, queryset_class, class_name=None):
        key = (cls, queryset_class, class_name)
        made = HistoryManager._classes.get(key)
        if made is None:
            made = HistoryManager._classes[key] = super().from_queryset(queryset_class, class_name)
        return made


class HistoricalRecords(models.HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, **kwargs):
        super().__init__(*args, history_manager=history_manager, **kwargs)
