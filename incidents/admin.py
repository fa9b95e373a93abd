from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action, Assignment, CaseEvent, Evaluation, Evidence, Incident, InformedParty, Involvement, Message, PoliceReport, Takedown,
    Transition, Waiver,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = Transition
    fields = ["at", "source", "target", "actor", "note"]
    readonly_fields = fields


class InvolvementInline(ReadOnlyInline):
    model = Involvement
    fields = ["person", "role", "note", "created_by", "created_at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    """The workflow state is protected: cases move through the steps only on the case page."""

    list_display = ["reference", "school", "category", "platform", "severity", "state", "reported_at"]
    list_filter = ["state", "severity", "category", "platform", "privacy_flag", "school__board", "school"]
    search_fields = ["description"]
    list_select_related = ["school"]
    readonly_fields = ["state", "state_changed_at", "reporter", "reported_at", "decided_by", "decided_at"]
    autocomplete_fields = ["school"]
    inlines = [TransitionInline, InvolvementInline]


for model in (Evidence, Action, Waiver, PoliceReport, Takedown, InformedParty, Message, Evaluation, Assignment):
    admin.site.register(
        model,
        type(f"{model.__name__}Admin", (SimpleHistoryAdmin,), {
            "list_display": ["__str__", "incident", "step", "created_by", "created_at"],
            "list_select_related": ["incident", "created_by"],
            "readonly_fields": ["incident", "created_by", "created_at", "step", "withdrawn_at", "withdrawn_by",
                                "withdrawal_reason"],
        }),
    )


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    list_display = ["incident", "source", "target", "actor", "at"]
    list_select_related = ["incident", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(TransitionAdmin):
    """Append-only, like the step changes: written by the services only."""

    list_display = ["incident", "kind", "record_type", "record_id", "actor", "at"]
    list_select_related = ["incident", "actor"]
