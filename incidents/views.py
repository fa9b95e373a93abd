from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget
from rules import has_perm

from portal.onboarding import notification_gaps_for
from portal.forms import add_service_errors
from portal.permissions import require_perm
from portal.audit import audit_record
from portal.exports import export_format, register_export_response
from portal.uploads import private_file_response
from portal.templatetags.portal_tags import url_with_pk

from . import exports, selectors, services
from .case_page import (
    FORM_TITLES, CasePage, Slot, posted_slot, record_form, takedown_outcome_form,
)
from .forms import (
    InvolvementForm, QuarantineDestroyForm, QuarantineForm, RecordWithdrawalForm, ReportForm, TransitionForm,
    record_correction_form,
)
from .models import Incident, Takedown

@login_required
def home(request):
    if has_perm("incidents.view_case_list", request.user):
        return redirect("incidents:dashboard")
    return redirect("incidents:my_reports")


@login_required
def report_create(request):
    require_perm("incidents.report_incident", request.user,
                 message=_("You are not linked to a school, so you cannot file a report. Ask your administrator."))
    schools = selectors.incident_report_schools(user=request.user)
    list(schools)  # loaded here, so that validating the choice needs no query (LoadedModelChoiceField)
    usual = selectors.incident_usual_school(user=request.user, schools=schools) if request.method != "POST" and len(schools) > 1 else None
    form = ReportForm(request.POST or None, request.FILES or None, schools=schools, usual_school=usual)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                school=data["school"], reporter=request.user, platform=data["platform"], category=data["category"],
                description=data["description"], privacy_flag=data["privacy_flag"], occurred_at=data["occurred_at"],
                discovered_at=data["discovered_at"], files=data["files"], links=data["links"],
                minor_nudity=data["minor_nudity"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("incidents:report_done", pk=incident.pk)
    return render(request, "incidents/report_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def report_done(request, pk):
    incident = get_object_or_404(selectors.incident_reported_by(user=request.user), pk=pk)
    return render(request, "incidents/report_done.html", {"incident": incident})


@login_required
def my_reports(request):
    page = Paginator(selectors.incident_reported_by(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "incidents/my_reports.html", {"page": page})


@login_required
def dashboard(request):
    if not has_perm("incidents.view_case_list", request.user):
        return redirect("incidents:my_reports")
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, exports.incident_register(user=request.user, params=request.GET), fmt)
    filter_form = exports.incident_filter_form(user=request.user, params=request.GET)
    cases = selectors.IncidentList(user=request.user, filters=filter_form.filters())
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/dashboard.html", {
        "filter_form": filter_form,
        "page": page,
        "rows": _case_rows_html(page.object_list),
        "step_counts": cases.step_counts(),
        "querystring": query.urlencode(),
        "gaps": notification_gaps_for(user=request.user),  # an administrator sees roles whose absence mutes notifications
    })


def _case_rows_html(rows):
    """The dashboard's table rows (its tbody), written here in one pass rather than by the template: 25 rows
    of a dozen cells cost the template engine more than the page's queries. Every value is a str and is
    escaped; choice labels come from the models' per-language lookup (ChoiceLabelsMixin)."""
    now, labels = timezone.now(), Incident.choice_labels
    categories, platforms, severities, steps = labels("category"), labels("platform"), labels("severity"), labels("state")
    case_url = url_with_pk("incidents:detail")
    privacy, unset = escape(_("Privacy")), escape(_("not yet set"))  # (outside the f-strings, where makemessages finds them)
    privacy = f' <span class="badge text-bg-warning">{privacy}</span>'
    unset = f'<span class="text-body-secondary">{unset}</span>'
    months = {}  # "j b Y" as date_format writes it, with the month's name looked up once per month
    # Each cell names its column (data-label): on a phone the row is a card that shows the names (table-stack).
    cell = {key: f'<td data-label="{escape(str(label))}">' for key, label in (
        ("reference", _("Reference")), ("school", _("School")), ("category", _("Category")), ("severity", _("Severity")),
        ("step", _("Step")), ("reported", _("Reported")), ("in_step", _("Time in this step")),
    )}

    def reported(moment):
        day = timezone.localtime(moment)
        if day.month not in months:
            months[day.month] = date_format(day, "b")
        return f"{day.day} {months[day.month]} {day.year}"

    html = []
    for row in rows:
        severity = row["severity"]
        html.append(
            f'<tr>\n{cell["reference"]}<a href="{escape(case_url(row["pk"]))}">{escape(Incident.make_reference(row["pk"], row["reported_at"]))}</a>'
            f'{privacy if row["privacy_flag"] else ""}</td>\n'
            f'{cell["school"]}{escape(row["school__name"])}</td>\n'
            f'{cell["category"]}{escape(categories.get(row["category"], row["category"]))} '
            f'<span class="text-body-secondary small">({escape(platforms.get(row["platform"], row["platform"]))})</span></td>\n'
            f'{cell["severity"]}{escape(severities.get(severity, severity)) if severity else unset}</td>\n'
            f'{cell["step"]}{escape(steps.get(row["state"], row["state"]))}</td>\n'
            f'{cell["reported"]}{escape(reported(row["reported_at"]))}</td>\n'
            f'{cell["in_step"]}{escape(timesince(row["state_changed_at"], now, depth=1))}</td>\n</tr>\n'
        )
    return mark_safe("".join(html))  # every value above is escaped


@require_GET
@login_required
def incident_detail(request, pk):
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    services.incident_view_logged(incident=incident, actor=request.user)
    return render(request, "incidents/incident_detail.html", CasePage(request, incident).context())


@require_GET
@login_required
def record_slot(request, pk, slot):
    """One form of the case page, fetched when its disclosure opens (htmx); without JavaScript the page itself
    shows it open (?formulier=<slot>). Only a form the page offers this user now; anything else is a 404."""
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    page = CasePage(request, incident)
    if not page.kinds():
        raise PermissionDenied(_("You cannot add records to this case."))
    shown = page.slot_asked(slot)
    if shown is None:
        raise Http404
    return render(request, "incidents/partials/slot_form.html", {"incident": incident, "slot": shown})


@require_GET
@login_required
def timeline_page(request, pk):
    """The next entries of the case's timeline (htmx "more"), for those who see the whole case."""
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    require_perm("incidents.view_whole_incident", request.user, incident)
    services.incident_view_logged(incident=incident, actor=request.user)
    page = CasePage(request, incident)
    after = selectors.parse_timeline_cursor(request.GET.get("na", ""))
    return render(request, "incidents/partials/timeline_entries.html", {
        "incident": incident, **page.timeline_more(*page.timeline(after)),
        "can_correct": has_perm("incidents.correct_record", request.user, incident),
        "can_open_dossiers": has_perm("sanctions.view_dossiers", request.user),
    })


@require_GET
@login_required
def person_search(request, pk):
    """The involved-person form's search results (an HTML fragment): people of the case's school only, for
    those who may record on the case, as on the case page. A refusal or a redirect (an expired session) makes the
    page reload instead (portal.middleware.HtmxReloadMiddleware)."""
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    if not has_perm("incidents.manage_incident", request.user, incident):
        raise PermissionDenied
    form = InvolvementForm(incident=incident, prefix="involvement", query=request.GET)
    return HttpResponse(form.person_results_html())


def _refused(request, incident, slot, form, message=None):
    """A refused form comes back at its slot with what was typed and its errors: with htmx only that slot, else the
    whole page."""
    message = message or _("Not saved: correct the marked fields.")
    incident.refresh_from_db()
    page = CasePage(request, incident, bound=(slot, form))
    if request.htmx:
        shown = page.slot_asked(slot) or Slot(slot, "", "", form=form)
        shown.form = form
        return render(request, "incidents/partials/slot.html", {"incident": incident, "slot": shown, "refusal": message},
                      status=400)
    messages.error(request, message)
    return render(request, "incidents/incident_detail.html", page.context(), status=400)


def _saved(request, incident, slot, anchor):
    """After a save: with htmx the checklist, the records, the timeline and the other forms anew, in place;
    without, back to the page (its full reload is the fallback)."""
    if not request.htmx:
        messages.success(request, _("Saved."))
        return redirect(reverse("incidents:detail", args=[incident.pk]) + f"#{anchor}")
    incident.refresh_from_db()
    context = CasePage(request, incident).context()
    response = render(request, "incidents/partials/case_updated.html", {**context, "saved": slot})
    return reswap(retarget(response, "#case-work"), "outerHTML")


@require_POST
@login_required
def incident_transition(request, pk, name):
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    form = TransitionForm(request.POST, prefix="transition")
    try:
        if not form.is_valid():
            # A refused note (too long) is not dropped silently: the step stays and the note comes back.
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        note = form.cleaned_data["note"]
        services.incident_advance(incident=incident, transition=name, actor=request.user, note=note)
    except ValidationError as error:
        note = form.data.get(form.add_prefix("note"), "")
        messages.error(request, " ".join(error.messages))
        incident.refresh_from_db()
        context = CasePage(request, incident, transition_note=(name, note)).context()
        return render(request, "incidents/incident_detail.html", context, status=400)
    incident.refresh_from_db()
    messages.success(request, _("The case is now in step: %(state)s.") % {"state": incident.get_state_display()})
    return redirect("incidents:detail", pk=incident.pk)


@require_POST
@login_required
def incident_record(request, pk, kind):
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    if kind not in FORM_TITLES:
        raise Http404
    permission = "incidents.add_evidence" if kind == "evidence" else "incidents.manage_incident"
    if not has_perm(permission, request.user, incident):
        raise PermissionDenied
    slot = posted_slot(kind, request.POST.get("slot"))
    form = record_form(kind, incident, prefix=slot, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            _save_record(kind, form, incident, request.user)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _refused(request, incident, slot, form)
    return _saved(request, incident, slot, slot)


def _save_record(kind, form, incident, actor):
    data = form.cleaned_data
    if kind == "evidence":
        services.evidence_add(incident=incident, actor=actor, files=data["files"], links=data["links"],
                              description=data["description"], minor_nudity=data["minor_nudity"])
    elif kind == "triage":
        services.incident_triage(incident=incident, actor=actor, severity=data["severity"], category=data["category"],
                                 privacy_flag=data["privacy_flag"])
    elif kind == "facts":
        services.incident_record_facts(incident=incident, actor=actor, facts_account=data["facts_account"])
    elif kind == "decision":
        services.incident_decide(incident=incident, actor=actor, decision=data["decision"],
                                 victim_type=data["victim_type"], reasoning=data["decision_reasoning"])
    else:
        services.incident_add_record(incident=incident, actor=actor, record=form.save(commit=False))


@require_POST
@login_required
def takedown_outcome(request, pk, takedown_pk):
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    takedown = get_object_or_404(Takedown, pk=takedown_pk, incident=incident)
    if not has_perm("incidents.manage_incident", request.user, incident):
        raise PermissionDenied
    form = takedown_outcome_form(takedown, data=request.POST)
    if form.is_valid():
        try:
            services.takedown_resolve(takedown=takedown, actor=request.user, outcome=form.cleaned_data["outcome"],
                                      reason=form.cleaned_data["outcome_reason"])
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        # The form comes back with the choice and the reason as typed, the error at its field.
        return _refused(request, incident, form.prefix, form, " ".join(form.non_field_errors()) or None)
    return _saved(request, incident, form.prefix, "takedowns")


def _record_to_view(request, pk, record_type, record_pk):
    """A record's page is for those who see the whole case; correcting or withdrawing it is for fewer."""
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    if not has_perm("incidents.view_whole_incident", request.user, incident):  # before the lookup: no hint of ids
        raise PermissionDenied(_("Only those who see the whole case can see the history of its records."))
    record = selectors.record_get_visible(user=request.user, incident=incident, record_type=record_type, pk=record_pk)
    return incident, record


def _record_to_correct(request, pk, record_type, record_pk):
    incident, record = _record_to_view(request, pk, record_type, record_pk)
    if not has_perm("incidents.correct_record", request.user, incident):
        raise PermissionDenied(_("Only the school leader of this school can correct or withdraw records of this case."))
    return incident, record


def _record_page(request, incident, record, correction_form=None, withdrawal_form=None):
    model = type(record)
    if not record.is_withdrawn and has_perm("incidents.correct_record", request.user, incident):
        if correction_form is None and model.correctable_fields:
            correction_form = record_correction_form(model)(instance=record, prefix="correct")
        withdrawal_form = withdrawal_form or RecordWithdrawalForm(prefix="withdraw")
    status = 400 if any(f is not None and f.errors for f in (correction_form, withdrawal_form)) else 200
    return render(request, "incidents/record_detail.html", {  # no-store: NoStoreForSignedInMiddleware
        "incident": incident, "record": record, "record_label": model._meta.verbose_name,
        "fields": selectors.record_fields(record=record), "events": selectors.record_events(record=record),
        "correction_form": correction_form, "withdrawal_form": withdrawal_form,
    }, status=status)


@require_GET
@login_required
def record_detail(request, pk, record_type, record_pk):
    """One record of a case: its values, its corrections, and for the school leader the forms to correct or withdraw it."""
    incident, record = _record_to_view(request, pk, record_type, record_pk)
    services.incident_view_logged(incident=incident, actor=request.user)
    return _record_page(request, incident, record)


def _record_saved(request, incident, message):
    messages.success(request, message)
    return redirect(reverse("incidents:detail", args=[incident.pk]) + "#timeline-title")


@require_POST
@login_required
def record_correct(request, pk, record_type, record_pk):
    incident, record = _record_to_correct(request, pk, record_type, record_pk)
    model = type(record)
    form = record_correction_form(model)(request.POST, instance=model.objects.get(pk=record.pk), prefix="correct")
    if form.is_valid():
        try:
            services.record_correct(record=record, actor=request.user, reason=form.cleaned_data["correction_reason"],
                                    **{name: form.cleaned_data[name] for name in model.correctable_fields})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _record_saved(request, incident, _("The record has been corrected; the old values stay in the history."))
    messages.error(request, " ".join(form.non_field_errors()) or _("Not saved: correct the marked fields."))
    return _record_page(request, incident, record, correction_form=form)


@require_POST
@login_required
def record_withdraw(request, pk, record_type, record_pk):
    incident, record = _record_to_correct(request, pk, record_type, record_pk)
    form = RecordWithdrawalForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            services.record_withdraw(record=record, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _record_saved(request, incident, _("The record has been withdrawn; it stays in the history."))
    messages.error(request, " ".join(form.non_field_errors()) or _("Not saved: correct the marked fields."))
    return _record_page(request, incident, record, withdrawal_form=form)


@require_GET
@login_required
def evidence_file(request, token):
    """Serve an evidence file to someone who may see its case, never from a public URL."""
    evidence = selectors.evidence_get_visible(user=request.user, token=token)
    if not evidence.file or not evidence.processed:
        raise Http404  # an image is served only once it has been re-encoded
    audit_record(actor=request.user, action="evidence.download", obj=evidence, board=evidence.incident.school.board)
    return private_file_response(evidence.file, content_type=evidence.content_type, filename=evidence.original_name,
                                 inline=evidence.is_image and "download" not in request.GET)


def _quarantine_refused(request, incident, name, form):
    messages.error(request, " ".join(form.non_field_errors()) or _("Not saved: correct the marked fields."))
    incident.refresh_from_db()
    return render(request, "incidents/incident_detail.html",
                  CasePage(request, incident, bound_quarantine=(name, form)).context(), status=400)


def _case_for_quarantine(request, pk):
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    if not has_perm("incidents.quarantine_evidence", request.user, incident):
        raise PermissionDenied(_("Only the school leader of this school can quarantine or delete files of this case."))
    return incident


@require_POST
@login_required
def quarantine(request, pk):
    """Mark the case, or one file, as a minor's nude image: its files are quarantined at once."""
    incident = _case_for_quarantine(request, pk)
    form = QuarantineForm(request.POST, incident=incident, prefix="quarantine")
    if form.is_valid():
        data = form.cleaned_data
        try:
            items = services.evidence_quarantine(incident=incident, actor=request.user, evidence=data["evidence"],
                                                 reason=data["reason"], destroy_now=data["destroy_now"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, ngettext(
                "%(count)s file is quarantined: nobody can open it any more.",
                "%(count)s files are quarantined: nobody can open them any more.", len(items)) % {"count": len(items)})
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#evidence-title")
    return _quarantine_refused(request, incident, "quarantine", form)


@require_POST
@login_required
def quarantine_destroy(request, pk):
    """Delete the case's quarantined files for good: at the handover to the police, or at once."""
    incident = _case_for_quarantine(request, pk)
    form = QuarantineDestroyForm(request.POST, prefix="destroy")
    if form.is_valid():
        try:
            items = services.quarantine_destroy(incident=incident, actor=request.user, reason=form.cleaned_data["reason"],
                                                handed_over_to_police=form.cleaned_data["when"] == "handover")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, ngettext(
                "%(count)s quarantined file has been deleted for good; the timeline keeps its SHA-256.",
                "%(count)s quarantined files have been deleted for good; the timeline keeps their SHA-256.",
                len(items)) % {"count": len(items)})
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#evidence-title")
    return _quarantine_refused(request, incident, "quarantine_destroy", form)


@require_GET
@login_required
def police_package(request, pk):
    """The police package (aangiftepakket): case report PDF, evidence files and their manifest, as one ZIP."""
    from django.http import FileResponse

    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    require_perm("incidents.download_police_package", request.user, incident,
                 message=_("Only the school leader of this school can download the police package."))
    archive = exports.police_package_zip(incident=incident, actor=request.user)
    return FileResponse(archive, as_attachment=True, filename=f"aangiftepakket-{incident.reference}.zip",
                        content_type="application/zip")


@require_GET
@login_required
def case_report(request, pk):
    """The case report PDF: for those who see the whole case, not for the reporter's own view."""
    incident = selectors.incident_get_visible(user=request.user, pk=pk)
    require_perm("incidents.view_whole_incident", request.user, incident)
    response = HttpResponse(exports.case_report_pdf(incident=incident, actor=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="zaakrapport-{incident.reference}.pdf"'
    return response
