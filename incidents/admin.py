from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import ReadOnlyAdminMixin

from .models import (
    Action, Assignment, CaseEvent, Evaluation, Evidence, Incident, InformedParty, Involvement, Message, PoliceReport, Takedown,
    Transition, Waiver,
)

# Cases and their records are read-only here: every change goes through the services, which check who may
# make it, lock the case, write the timeline event and the audit record (a correction: "Corrigeren of
# intrekken" on the case page).


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["at", "source", "target", "actor", "note"]
    readonly_fields = fields


class InvolvementInline(ReadOnlyInline):
    model = Involvement
    fields = ["person", "role", "note", "created_by", "created_at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["reference", "school", "category", "platform", "severity", "state", "reported_at"]
    list_filter = ["state", "severity", "category", "platform", "privacy_flag", "school__board", "school"]
    search_fields = ["description"]
    list_select_related = ["school"]
    inlines = [TransitionInline, InvolvementInline]


for model in (Evidence, Action, Waiver, PoliceReport, Takedown, InformedParty, Message, Evaluation, Assignment):
    admin.site.register(
        model,
        type(f"{model.__name__}Admin", (ReadOnlyAdminMixin, SimpleHistoryAdmin), {
            "list_display": ["__str__", "incident", "step", "created_by", "created_at"],
            "list_select_related": ["incident", "created_by"],
        }),
    )


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["incident", "source", "target", "actor", "at"]
    list_select_related = ["incident", "actor"]


@admin.register(CaseEvent)
class CaseEventAdmin(TransitionAdmin):
    """Append-only, like the step changes: written by the services only."""

    list_display = ["incident", "kind", "record_type", "record_id", "actor", "at"]
    list_select_related = ["incident", "actor"]
