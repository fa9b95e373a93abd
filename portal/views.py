from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .audit import audit_events_visible_to, audit_record
from .exports import XLSX_TYPE
from .forms import AuditFilterForm
from .models import ExportJob
from .notifications import notification_list_for, notification_mark_read
from .permissions import perm_required
from .uploads import private_file_response


@login_required
def inbox(request):
    unread_only = bool(request.GET.get("unread"))
    notifications = notification_list_for(user=request.user, unread_only=unread_only)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page, "unread_only": unread_only})


@require_POST
@login_required
def inbox_mark_read(request, pk=None):
    """Mark one notification (or all) as read; opening its link also takes the user to the case."""
    if pk is not None:
        notification = get_object_or_404(notification_list_for(user=request.user), pk=pk)
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        target = request.POST.get("next") or notification.url
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
    else:
        count = notification_mark_read(user=request.user)
        messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("inbox")


@login_required
@perm_required("portal.view_audit_trail", gettext_lazy("The audit trail is for the administrator and the privacy officer (FG)."))
def audit_trail(request):
    """The audit trail for the administrator and the FG: searchable, never editable."""
    form = AuditFilterForm(request.GET or None)
    events = audit_events_visible_to(user=request.user, filters=form.filters())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/audit_trail.html", {"form": form, "page": page, "querystring": query.urlencode()})


@login_required
def export_job(request, pk):
    """Progress of a large export; the page refreshes itself until the file is ready."""
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    return render(request, "portal/export_job.html", {"job": job, "busy": job.state in ("pending", "running")})


@login_required
def export_job_download(request, pk):
    job = get_object_or_404(ExportJob, pk=pk, user=request.user, state="done")
    if not job.file:
        raise Http404
    audit_record(actor=request.user, action="export.download", obj=job, register=job.register)
    return private_file_response(job.file, content_type=XLSX_TYPE, filename=job.filename, inline=False)


def csrf_failure(request, reason=""):
    """A form refused because its CSRF token was missing or stale (settings.CSRF_FAILURE_VIEW): in the portal's
    layout, saying in Dutch what happened and what to do, instead of Django's English page."""
    from django.middleware.csrf import REASON_NO_CSRF_COOKIE

    if reason == REASON_NO_CSRF_COOKIE:
        explanation = _("Your browser did not send the portal's security cookie. Allow cookies for this site and try again.")
    else:
        explanation = _("The page was open too long, or you signed in again in the meantime, so its security code is no longer valid.")
    return render(request, "403_csrf.html", {"reason": explanation}, status=403)


def login(request, *args, **kwargs):
    """allauth's login page, whose Content-Security-Policy lets the "Inloggen met …" buttons reach the providers."""
    from allauth.account.views import login as allauth_login

    from .sso import sso_form_action_sources

    response = allauth_login(request, *args, **kwargs)
    sources = sso_form_action_sources()
    if sources:
        response._csp_update = {"form-action": sources}
    return response


@login_required
@perm_required("portal.view_onboarding", gettext_lazy("This page is for the board's administrator."))
def onboarding(request):
    """The board's start: the checklist, and the missing roles that make notifications go nowhere."""
    from .onboarding import administered_board_for, onboarding_checklist

    board = administered_board_for(user=request.user)
    steps, gaps = onboarding_checklist(board=board)
    return render(request, "portal/onboarding.html", {"board": board, "steps": steps, "gaps": gaps})


@login_required
@perm_required("portal.view_onboarding", gettext_lazy("Importing staff is for the board's administrator."))
def staff_import_page(request):
    from .forms import StaffImportForm
    from .onboarding import administered_board_for
    from .staff_import import REQUIRED_COLUMNS, staff_import

    board = administered_board_for(user=request.user)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = staff_import(board=board, actor=request.user, data=form.cleaned_data["file"].read(),
                              dry_run=form.cleaned_data["dry_run"])
        if report.errors:
            form.add_error("file", report.errors)
        elif report.ok and not report.dry_run:
            messages.success(request, _("The import is done."))
    failed = form.errors or (report is not None and not report.ok)
    return render(request, "portal/staff_import.html", {
        "board": board, "form": form, "report": report, "columns": REQUIRED_COLUMNS,
    }, status=400 if failed else 200)
