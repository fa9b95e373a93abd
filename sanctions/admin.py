from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import ReadOnlyAdminMixin

from .models import Correspondence, LviReport, Measure, Sanction


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    """The catalogue comes with the protocol the board adopts. Its wording and order may be changed here (a
    sanction keeps the label it was decided under); what the protocol decides — who decides (the board for a
    removal or dismissal), end date, number of days — and the entries themselves are not."""

    list_display = ["label", "subject_kind", "board", "needs_board_decision", "active", "position"]
    list_filter = ["subject_kind", "board", "active"]
    readonly_fields = ["board", "subject_kind", "code", "needs_board_decision", "needs_end_date", "needs_days"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Sanctions, the dossier's correspondence and LVI reports are written by the services only.


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["person", "measure_label", "status", "school", "proposed_at", "decided_at"]
    list_filter = ["status", "school__board", "school"]
    list_select_related = ["person", "school"]
    search_fields = ["person__last_name", "person__first_name"]


@admin.register(Correspondence)
class CorrespondenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["description", "person", "sanction", "uploaded_by", "uploaded_at"]
    list_select_related = ["person", "sanction", "uploaded_by"]
    exclude = ["file"]


@admin.register(LviReport)
class LviReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["person", "school", "staff_told_at", "reported_at"]
    list_select_related = ["person", "school"]
