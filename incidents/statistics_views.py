from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.access import access_for
from portal.exports import export_format, tabular_response
from portal.models import School

from . import statistics
from .exports import register_export_logged
from .forms import StatisticsFilterForm


@login_required
def statistics_page(request):
    if not statistics.statistics_allowed(user=request.user):
        raise PermissionDenied(_("Statistics are for school leaders, the board and administrators."))
    access = access_for(request.user)
    boards = access.board_ids["board"] | access.board_ids["admin"]
    schools = (School.objects.filter(pk__in=access.led_school_ids) | School.objects.filter(board__in=boards)).distinct()
    form = StatisticsFilterForm(request.GET or None, schools=schools.order_by("name"))
    filters = form.filters()
    if export_format(request):
        fmt = export_format(request)
        register_export_logged(actor=request.user, register="statistics", fmt=fmt, filters=filters)
        rows = statistics.incidents_for_statistics(user=request.user, filters=filters).select_related("school")
        return tabular_response(columns=statistics.PSEUDONYMISED_COLUMNS, rows=rows.order_by("reported_at").iterator(chunk_size=2000),
                                filename="statistiek-gepseudonimiseerd", fmt=fmt, sheet_title=_("Statistics"))
    figures = statistics.incident_statistics(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("export", None)
    chart_data = {
        "per_month": figures["per_month"], "per_category": figures["per_category"],
        "per_platform": figures["per_platform"], "per_school": figures["per_school"],
        "reached": [(s.label, round(s.share * 100, 1)) for s in figures["steps"]],
        "labels": {"incidents": _("Incidents"), "share": _("Share of cases (%)")},
    }
    return render(request, "incidents/statistics.html", {
        "form": form, "figures": figures, "chart_data": chart_data, "querystring": query.urlencode(),
    })
