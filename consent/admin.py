from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import ReadOnlyAdminMixin

from .models import ConsentPurpose, ConsentRecord, SchoolAccount, SchoolAccountManager, StudentNumber, WorkAccount

# Consent answers, the purposes and the registers are changed on the consent pages (/toestemming/), whose services
# check who may, keep the history and write the audit trail; here they are shown only.


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["label", "code", "board", "ordering", "active"]
    list_filter = ["board", "active"]
    search_fields = ["label", "code"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: an answer is never changed; a new answer is recorded on the person's consent page."""

    list_display = ["person", "purpose", "answer", "is_withdrawal", "given_by", "given_on", "evidence", "recorded_by", "recorded_at"]
    list_filter = ["answer", "evidence", "purpose__board"]
    search_fields = ["person__last_name", "person__first_name"]
    list_select_related = ["person", "purpose", "recorded_by"]
    exclude = ["file"]


@admin.register(StudentNumber)
class StudentNumberAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "person", "school"]
    list_filter = ["school"]
    search_fields = ["number", "person__last_name"]
    autocomplete_fields = ["person"]


@admin.register(WorkAccount)
class WorkAccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["handle", "platform", "school", "owner", "owner_person", "closed_group", "ended_on"]
    list_filter = ["platform", "closed_group", "school"]
    search_fields = ["handle"]
    autocomplete_fields = ["owner", "owner_person"]


class SchoolAccountManagerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SchoolAccountManager
    fk_name = "account"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["handed_over_at", "handed_over_by"]


@admin.register(SchoolAccount)
class SchoolAccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["handle", "platform", "school", "ended_on"]
    list_filter = ["platform", "school"]
    search_fields = ["handle"]
    inlines = [SchoolAccountManagerInline]
