from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.permissions import perm_required
from portal.exports import export_format, export_params, register_export_response

from . import statistics


@login_required
@perm_required("incidents.view_statistics", gettext_lazy("Statistics are for school leaders, the board and administrators."))
def statistics_page(request):
    spec = statistics.statistics_register(user=request.user, params=request.GET)
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, spec, fmt)
    figures = statistics.incident_statistics(user=request.user, filters=spec.filters)
    chart_data = {
        "per_month": figures["per_month"], "per_category": figures["per_category"],
        "per_platform": figures["per_platform"], "per_school": figures["per_school"],
        "reached": [(s.label, round(s.share * 100, 1)) for s in figures["steps"]],
        "labels": {"incidents": _("Incidents"), "share": _("Share of cases (%)")},
    }
    return render(request, "incidents/statistics.html", {
        "form": spec.form, "figures": figures, "chart_data": chart_data,
        "querystring": export_params(request).urlencode(),
    })
