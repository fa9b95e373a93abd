from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import ReadOnlyAdminMixin
from portal.audit import audit_record
from portal.models import School

from .models import ClosedPeriod, Correspondence, LviReport, Measure, Sanction
from .selectors import closed_period_boards, closed_periods_kept_by


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


def _audit_closed_period(request, period, action):
    audit_record(actor=request.user, action=action, obj=period, board=period.board, school=period.school_id,
                 first_day=str(period.first_day), last_day=str(period.last_day))


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(SimpleHistoryAdmin):
    """The days the board's schools are closed besides weekends and public holidays (sanctions/schooldays.py).
    The board's administrator keeps them for the boards they administer only (sanctions/rules.py): another
    board's period is not listed, and its page and history are not found. A sanction already decided keeps the
    dates it was decided with."""

    list_display = ["name", "first_day", "last_day", "school_or_all", "board"]
    list_filter = [("board", admin.RelatedOnlyFieldListFilter), ("school", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "first_day"
    fields = ["board", "school", "name", "first_day", "last_day"]

    @admin.display(description=ClosedPeriod._meta.get_field("school").verbose_name, ordering="school__name")
    def school_or_all(self, period):
        return period.school or _("All schools of the board")

    def get_queryset(self, request):
        return closed_periods_kept_by(user=request.user)

    def has_module_permission(self, request):
        # The permissions are rules (sanctions/rules.py), which the admin's check of the app's stored ones misses.
        return self.has_view_permission(request)

    def _kept(self, request, obj):
        return obj is None or closed_period_boards(user=request.user).filter(pk=obj.board_id).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._kept(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._kept(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._kept(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        boards = closed_period_boards(user=request.user)
        if db_field.name == "board":
            kwargs["queryset"] = boards
        elif db_field.name == "school":
            kwargs["queryset"] = School.objects.filter(board__in=boards)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        boards = list(closed_period_boards(user=request.user)[:2])
        if len(boards) == 1:
            initial.setdefault("board", boards[0].pk)
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_closed_period(request, obj, "calendar.closed_period_change" if change else "calendar.closed_period_add")

    def delete_model(self, request, obj):
        _audit_closed_period(request, obj, "calendar.closed_period_delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for period in queryset:
            _audit_closed_period(request, period, "calendar.closed_period_delete")
        super().delete_queryset(request, queryset)


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
