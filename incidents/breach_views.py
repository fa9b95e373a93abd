"""The privacy officer's pages: the queue of open breach reviews, the assessment, and the breach register."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_record
from portal.exports import export_format, register_export_response
from portal.forms import add_service_errors
from portal.permissions import perm_required

from . import exports, selectors, services
from .forms import BreachAssessmentForm
from .models import BreachAssessment


fg_pages = perm_required("incidents.review_breaches", gettext_lazy("This page is for the privacy officer (FG)."))


@login_required
@fg_pages
def breach_queue(request):
    page = Paginator(selectors.breach_queue_for(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/breach_queue.html", {"page": page, "now": timezone.now()})


@login_required
@fg_pages
def breach_detail(request, pk):
    incident = selectors.breach_incident_get_visible(user=request.user, pk=pk)
    assessment = BreachAssessment.objects.filter(incident=incident).first() or BreachAssessment(
        incident=incident, discovered_at=incident.discovered_at
    )
    form = BreachAssessmentForm(request.POST or None, instance=assessment, prefix="breach")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.breach_assess(incident=incident, actor=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment has been saved."))
            return redirect("incidents:breach_detail", pk=incident.pk)
    if request.method == "GET":
        audit_record(actor=request.user, action="breach.view", obj=incident, board=incident.school.board)
    return render(request, "incidents/breach_detail.html", {"incident": incident, "assessment": assessment, "form": form},
                  status=400 if form.errors else 200)


@login_required
@perm_required("incidents.view_breach_register",
               gettext_lazy("The breach register is for the privacy officer (FG) and the administrator."))
def breach_register(request):
    spec = exports.breach_register(user=request.user, params=request.GET)
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, spec, fmt)
    filter_form, assessments = spec.form, spec.rows
    page = Paginator(assessments, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/breach_register.html", {
        "filter_form": filter_form, "page": page, "querystring": query.urlencode(),
    })
