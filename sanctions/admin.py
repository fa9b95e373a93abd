from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Correspondence, LviReport, Measure, Sanction


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["label", "subject_kind", "board", "needs_board_decision", "active", "position"]
    list_filter = ["subject_kind", "board", "active"]


@admin.register(Sanction)
class SanctionAdmin(SimpleHistoryAdmin):
    list_display = ["person", "measure_label", "status", "school", "proposed_at", "decided_at"]
    list_filter = ["status", "school__board", "school"]
    list_select_related = ["person", "school"]
    search_fields = ["person__last_name", "person__first_name"]
    readonly_fields = ["status", "proposed_by", "proposed_at", "decided_by", "decided_at", "board_reason"]
    raw_id_fields = ["person", "incident"]


@admin.register(Correspondence)
class CorrespondenceAdmin(admin.ModelAdmin):
    list_display = ["description", "person", "sanction", "uploaded_by", "uploaded_at"]
    list_select_related = ["person", "sanction", "uploaded_by"]
    raw_id_fields = ["person", "sanction", "incident"]
    readonly_fields = ["file", "content_type", "original_name", "size", "uploaded_by", "uploaded_at"]


@admin.register(LviReport)
class LviReportAdmin(SimpleHistoryAdmin):
    list_display = ["person", "school", "staff_told_at", "reported_at"]
    list_select_related = ["person", "school"]
    raw_id_fields = ["person", "incident"]
