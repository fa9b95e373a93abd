"""The public reporting page (no account, no session) and the school's side of it: the QR code, the poster,
the pause switch, and the list of reports with their triage."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rules import has_perm

from portal.forms import add_service_errors
from portal.permissions import perm_required, require_perm

from . import abuse, selectors, services
from .followup import code_new
from .forms import AdditionForm, CodeForm, JoinCaseForm, OpenCaseForm, PauseForm, PublicReportForm, SetAsideForm
from .qr import qr_png, qr_svg, reporting_page_url

# The public side -----------------------------------------------------------------------------------------


def _too_large(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > settings.MELDPUNT_PUBLIC_MAX_REQUEST_BYTES
    except ValueError:
        return True


def _refused_as_too_large(request, page=None):
    return render(request, "publicreports/too_large.html", {"page": page}, status=413)


@never_cache
def report_page(request, key):
    """The school's public page: tell what happened, get a follow-up code. Nothing is uploaded, no session used."""
    page = selectors.reporting_page_by_key(key=key)
    context = {"page": page, "school": page.school}
    if page.paused:
        return render(request, "publicreports/paused.html", context, status=503 if request.method == "POST" else 200)
    status = 200
    if request.method == "POST":
        if _too_large(request):
            return _refused_as_too_large(request, page)
        form = PublicReportForm(request.POST)
        if request.POST.get("website"):  # the honeypot: a bot is thanked and nothing is kept
            return render(request, "publicreports/sent.html", {**context, "code": code_new()})
        if form.is_valid():
            data = form.cleaned_data
            if not abuse.report_allowed(request, school=page.school):
                form.add_error(None, _("Too many reports have been sent just now. Try again in an hour; what you "
                                       "typed is still here. In danger? Call 112."))
                status = 429
            else:
                try:
                    _report, code = services.public_report_submit(
                        page=page, sender_role=data["sender_role"], description=data["description"],
                        platform=data["platform"], links=data["links"], occurred_on=data["occurred_on"],
                        sender_name=data["sender_name"], sender_contact=data["sender_contact"],
                        wants_counsellor=data["wants_counsellor"],
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    return render(request, "publicreports/sent.html", {**context, "code": code})
        status = status if status != 200 else 400
    else:
        form = PublicReportForm()
    return render(request, "publicreports/report_form.html", {**context, "form": form}, status=status)


def _code_refused(request, form, status):
    return render(request, "publicreports/follow.html", {"form": form}, status=status)


def _found_by_code(request, form):
    """(report, None) for a right code; (None, response) otherwise. Wrong codes are counted per visitor, and
    once too many are tried every code is refused for a while: the answer never tells more than "not found"."""
    if not abuse.code_tries_left(request):
        form.errors.clear()
        form.add_error(None, _("Too many codes were tried from this connection. Try again in an hour."))
        return None, _code_refused(request, form, 429)
    if not form.is_valid() and "code" in form.errors:
        abuse.code_try_failed(request)
        return None, _code_refused(request, form, 400)
    report = selectors.public_report_by_code(code=form.data.get("code", ""))
    if report is None:
        abuse.code_try_failed(request)
        form.add_error("code", _("No report was found with this code. Check it and try again."))
        return None, _code_refused(request, form, 400)
    return report, None


@never_cache
def follow(request):
    """The sender's view of their report with the code: its status only, and a form to add information."""
    if request.method != "POST":
        return render(request, "publicreports/follow.html", {"form": CodeForm()})
    if _too_large(request):
        return _refused_as_too_large(request)
    form = CodeForm(request.POST)
    report, refused = _found_by_code(request, form)
    if refused:
        return refused
    addition_form = AdditionForm(initial={"code": form.cleaned_data["code"]})
    return render(request, "publicreports/status.html", {"report": report, "form": addition_form})


@never_cache
@require_POST
def add_information(request):
    if _too_large(request):
        return _refused_as_too_large(request)
    form = AdditionForm(request.POST)
    report, refused = _found_by_code(request, CodeForm(request.POST))
    if refused:
        return refused
    status, added = 400, False
    if form.is_valid():
        try:
            services.public_report_add_information(report=report, text=form.cleaned_data["text"],
                                                   links=form.cleaned_data["links"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            status, added = 200, True
            form = AdditionForm(initial={"code": form.cleaned_data["code"]})
    return render(request, "publicreports/status.html", {"report": report, "form": form, "added": added}, status=status)


# The school's side ---------------------------------------------------------------------------------------

PAGES_REFUSAL = gettext_lazy("The public reporting page is looked after by the school leader and the administrator.")


@login_required
@perm_required("publicreports.view_reporting_pages", PAGES_REFUSAL)
def pages(request):
    schools = list(selectors.reporting_page_schools(user=request.user))
    if len(schools) == 1:
        return redirect("publicreports:page", school_id=schools[0].pk)
    return render(request, "publicreports/pages.html", {"schools": schools})


def _school_page(request, school_id):
    require_perm("publicreports.view_reporting_pages", request.user, message=PAGES_REFUSAL)
    school = selectors.reporting_page_school_get(user=request.user, school_id=school_id)
    return school, services.reporting_page_for(school=school)


@login_required
def page_detail(request, school_id):
    school, page = _school_page(request, school_id)
    return render(request, "publicreports/page.html", {
        "school": school, "page": page, "url": reporting_page_url(page), "pause_form": PauseForm(),
    })


@login_required
def page_qr(request, school_id, fmt):
    _school, page = _school_page(request, school_id)
    url = reporting_page_url(page)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    elif fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    else:
        raise Http404
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="meldpagina-qr.{fmt}"'
    return response


@login_required
def page_poster(request, school_id):
    school, page = _school_page(request, school_id)
    return render(request, "publicreports/poster.html", {"school": school, "page": page, "url": reporting_page_url(page)})


@require_POST
@login_required
def page_pause(request, school_id):
    school, page = _school_page(request, school_id)
    form = PauseForm(request.POST)
    paused = request.POST.get("paused") == "1"
    if form.is_valid():
        try:
            services.reporting_page_pause(school=school, actor=request.user, paused=paused, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reporting page is paused: it takes no reports until you open it again.")
                             if paused else _("The reporting page takes reports again."))
            return redirect("publicreports:page", school_id=school.pk)
    return render(request, "publicreports/page.html", {
        "school": school, "page": page, "url": reporting_page_url(page), "pause_form": form,
    }, status=400)


REPORTS_REFUSAL = gettext_lazy("Reports from the public page are read by the school leader, and by the confidential "
                               "counsellor when the sender asks for them.")


@login_required
@perm_required("publicreports.view_public_reports", REPORTS_REFUSAL)
def report_list(request):
    show_all = request.GET.get("alle") == "1"
    reports = selectors.public_reports_visible_to(user=request.user, open_only=not show_all)
    page = Paginator(reports, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "publicreports/report_list.html", {"page": page, "show_all": show_all,
                                                               "querystring": "alle=1" if show_all else ""})


def _detail_context(request, report, forms=None):
    can_handle = has_perm("publicreports.handle_public_report", request.user, report) and not report.outcome
    context = {"report": report, "additions": list(report.additions.all()), "can_handle": can_handle}
    if can_handle:
        cases = selectors.public_report_cases_to_join(report=report)
        context.update({
            "open_form": OpenCaseForm(prefix="open"),
            "join_form": JoinCaseForm(prefix="join", cases=cases),
            "aside_form": SetAsideForm(prefix="aside"),
            **(forms or {}),
        })
    return context


@login_required
@perm_required("publicreports.view_public_reports", REPORTS_REFUSAL)
def report_detail(request, pk):
    report = selectors.public_report_get_visible(user=request.user, pk=pk)
    services.public_report_view_logged(report=report, actor=request.user)
    return render(request, "publicreports/report_detail.html", _detail_context(request, report))


@require_POST
@login_required
def report_handle(request, pk, action):
    require_perm("publicreports.view_public_reports", request.user, message=REPORTS_REFUSAL)
    report = selectors.public_report_get_visible(user=request.user, pk=pk)
    if not has_perm("publicreports.handle_public_report", request.user, report):
        raise PermissionDenied(_("Only the school leader of this school decides what happens with this report."))
    if action == "zaak":
        form = OpenCaseForm(request.POST, prefix="open")
        key = "open_form"
    elif action == "bij-zaak":
        form = JoinCaseForm(request.POST, prefix="join", cases=selectors.public_report_cases_to_join(report=report))
        key = "join_form"
    elif action == "terzijde":
        form = SetAsideForm(request.POST, prefix="aside")
        key = "aside_form"
    else:
        raise Http404
    if form.is_valid():
        try:
            if action == "zaak":
                handled = services.public_report_open_case(report=report, actor=request.user, **form.cleaned_data)
            elif action == "bij-zaak":
                handled = services.public_report_add_to_case(report=report, actor=request.user, **form.cleaned_data)
            else:
                handled = services.public_report_set_aside(report=report, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if handled.incident_id:
                messages.success(request, _("The report is now part of case %(ref)s.") % {"ref": handled.incident.reference})
                return redirect("incidents:detail", pk=handled.incident_id)
            messages.success(request, _("The report has been set aside. The sender sees “dealt with”."))
            return redirect("publicreports:list")
    report.refresh_from_db()
    if report.outcome:
        # Decided meanwhile (a second click, a colleague): the page has no forms left to show the refusal at.
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect("publicreports:detail", pk=report.pk)
    return render(request, "publicreports/report_detail.html", _detail_context(request, report, {key: form}), status=400)
