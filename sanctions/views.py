from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_fsm import has_transition_perm
from rules import has_perm

from incidents.selectors import incident_get_visible
from portal.forms import add_service_errors
from portal.permissions import perm_required
from portal.protocols import protocol_rules
from portal.exports import export_format, export_params, register_export_response
from portal.uploads import private_file_response

from . import exports, schooldays, selectors, services
from .forms import (
    AdmissionForm, CorrespondenceForm, DossierSearchForm, DutyCorrectForm, DutyDoneForm, GuardianContactForm,
    HearingForm, LetterSentForm, LetterTemplateForm, LviCallForm, LviReportForm, ObjectionForm, ObjectionOutcomeForm,
    ReasonForm, SanctionDecisionForm, SanctionForm, SuspensionPreviewForm,
)
from .models import LegalKind, LetterKind, SanctionStatus, legal_kind_of

dossier_pages = perm_required("sanctions.view_dossiers",
                             gettext_lazy("Dossiers are for school leaders, the board and administrators."))


@login_required
@dossier_pages
def dossier_list(request):
    form = DossierSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    people = selectors.person_list_visible_to(user=request.user, query=query, kind=kind)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "sanctions/dossier_list.html", {"form": form, "page": page, "querystring": params.urlencode()})


def _dossier_context(request, person, correspondence_form=None):
    can_act = has_perm("sanctions.impose", request.user, person)
    return {
        "person": person,
        "title": selectors.dossier_title(person),
        "entries": selectors.dossier_entries(person=person),
        "can_act": can_act,
        "correspondence_form": correspondence_form or (CorrespondenceForm(prefix="letter") if can_act else None),
        "lvi_applies": protocol_rules(person.school.board).lvi_report,
    }


@require_GET
@login_required
@dossier_pages
def dossier_detail(request, pk):
    person = selectors.person_get_visible(user=request.user, pk=pk)
    services.dossier_view_logged(person=person, actor=request.user)
    return render(request, "sanctions/dossier_detail.html", _dossier_context(request, person))


@require_POST
@login_required
@dossier_pages
def correspondence_create(request, pk):
    person = selectors.person_get_visible(user=request.user, pk=pk)
    form = CorrespondenceForm(request.POST, request.FILES, prefix="letter")
    if form.is_valid():
        try:
            services.correspondence_add(person=person, actor=request.user, files=form.cleaned_data["files"],
                                        description=form.cleaned_data["description"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document has been added to the dossier."))
            return redirect("sanctions:dossier", pk=person.pk)
    return render(request, "sanctions/dossier_detail.html", _dossier_context(request, person, form), status=400)


@require_GET
@login_required
@dossier_pages
def correspondence_file(request, token):
    letter = selectors.correspondence_get_visible(user=request.user, token=token)
    services.correspondence_download_logged(letter=letter, actor=request.user)
    return private_file_response(letter.file, content_type=letter.content_type, filename=letter.original_name,
                                 inline=False)


def _id_param(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        raise Http404


def _person_and_incident(request):
    """The sanction form starts from a case (and a person on it) or from a dossier."""
    person = selectors.person_get_visible(user=request.user, pk=_id_param(request, "person"))
    incident = None
    if request.GET.get("incident"):
        incident = incident_get_visible(user=request.user, pk=_id_param(request, "incident"))
    return person, incident


@login_required
@dossier_pages
def sanction_create(request):
    person, incident = _person_and_incident(request)
    refusal = services.sanction_impose_refusal(actor=request.user, person=person, incident=incident)
    if refusal:
        raise PermissionDenied(refusal)
    measures = selectors.measures_for(person=person)
    form = SanctionForm(request.POST or None, request.FILES or None, person=person, measures=measures, prefix="sanction")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sanction = services.sanction_impose(
                person=person, actor=request.user, incident=incident, measure=data["measure"],
                decision=data["decision"], reasoning=data["reasoning"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], days=data["days"],
                guardians_contacted_at=data.get("guardians_contacted_at"),
                guardians_contacted_how=data.get("guardians_contacted_how", ""), letters=data["letters"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if sanction.status == "proposed":
                messages.success(request, _("The proposal has been sent to the board for a decision."))
            else:
                messages.success(request, _("The sanction has been recorded in the dossier."))
            return redirect("sanctions:detail", pk=sanction.pk)
    return render(request, "sanctions/sanction_form.html", {
        "form": form, "person": person, "incident": incident,
        "prior": selectors.prior_sanctions(person=person),
        "preview": _suspension_preview(person, measures, request.POST) if request.method == "POST" else None,
    }, status=400 if form.errors else 200)


def _suspension_preview(person, measures, data):
    """A pupil's suspension as the form stands: its first and last school day at the person's school, and the days
    skipped because the school is closed; None when the form does not (yet) hold a suspension that can be counted."""
    form = SuspensionPreviewForm(data, measures=measures, prefix="sanction")
    if not form.is_valid() or legal_kind_of(form.cleaned_data["measure"]) != LegalKind.SUSPENSION:
        return None
    days = form.cleaned_data["days"]
    first, last, closed = schooldays.calendar_for(person.school).suspension_span(form.cleaned_data["starts_on"], days)
    return {"days": days, "first": first, "last": last, "closed": closed}


@require_GET
@login_required
@dossier_pages
def sanction_preview(request):
    """The sanction form's preview of a suspension's last day (an HTML fragment, fetched as the dates change), for
    those who may impose the sanction."""
    person, incident = _person_and_incident(request)
    refusal = services.sanction_impose_refusal(actor=request.user, person=person, incident=incident)
    if refusal:
        raise PermissionDenied(refusal)
    preview = _suspension_preview(person, selectors.measures_for(person=person), request.GET)
    return render(request, "sanctions/partials/suspension_preview.html", {"preview": preview})


def _withdraw_prefix(kind, pk):
    return f"withdraw-{kind}-{pk}"


def _sanction_context(request, sanction, decision_form=None, contact_form=None, letter_form=None, bound=None):
    """The sanction page. ``bound`` is the one form that was posted with errors: (prefix, form)."""
    user = request.user
    bound_prefix, bound_form = bound or (None, None)

    def form_for(prefix, form_class, **kwargs):
        return bound_form if prefix == bound_prefix else form_class(prefix=prefix, **kwargs)

    can_decide = has_transition_perm(sanction.reject, user)  # the hearing rule refuses an approval with its reason
    can_act = has_perm("sanctions.impose", user, sanction)
    needs_contact = sanction.needs_guardian_contact and has_transition_perm(sanction.record_guardian_contact, user)
    records = selectors.sanction_records(sanction=sanction)
    if can_act and sanction.status != SanctionStatus.WITHDRAWN:
        for kind, items in (("hearing", records["hearings"]), ("letter", records["decision_letters"]),
                            ("duty", records["duties"]), ("objection", records["objections"])):
            for item in items:
                if not item.is_withdrawn and not (kind == "hearing" and sanction.status != SanctionStatus.PROPOSED):
                    item.withdraw_form = form_for(_withdraw_prefix(kind, item.pk), ReasonForm)
        for letter in records["decision_letters"]:
            if not letter.is_withdrawn and letter.sent_at is None:
                letter.sent_form = form_for(f"sent-{letter.pk}", LetterSentForm)
        for objection in records["objections"]:
            if not objection.is_withdrawn and objection.outcome == "pending":
                objection.outcome_form = form_for(f"outcome-{objection.pk}", ObjectionOutcomeForm)
    removal_proposed = sanction.legal_kind == LegalKind.REMOVAL and sanction.status == SanctionStatus.PROPOSED
    return {
        "sanction": sanction,
        "prior": selectors.prior_sanctions(person=sanction.person, exclude=sanction),
        "letters": sanction.letters.select_related("uploaded_by"),
        "decision_form": decision_form or (SanctionDecisionForm(prefix="decide") if can_decide else None),
        "contact_form": contact_form or (GuardianContactForm(prefix="contact") if needs_contact else None),
        "letter_form": letter_form or (CorrespondenceForm(prefix="letter") if can_act else None),
        "records": records,
        "history": selectors.sanction_history(sanction=sanction, records=records),
        "not_heard": sanction.parties_not_heard() if removal_proposed else [],
        "hearing_form": form_for("hearing", HearingForm) if can_act and removal_proposed else None,
        "can_make_letter": can_act and services.letter_refusal(sanction, letters=records["decision_letters"]) is None,
        "admission_form": (form_for("admission", AdmissionForm)
                           if can_act and has_transition_perm(sanction.record_admission, user) else None),
        "objection_form": (form_for("objection", ObjectionForm)
                           if can_act and sanction.legal_kind and sanction.decided_at
                           and sanction.status != SanctionStatus.REJECTED else None),
        "withdraw_form": (form_for("withdraw", ReasonForm) if has_transition_perm(sanction.withdraw, user) else None),
    }


@require_GET
@login_required
@dossier_pages
def sanction_detail(request, pk):
    sanction = selectors.sanction_get_visible(user=request.user, pk=pk)
    return render(request, "sanctions/sanction_detail.html", _sanction_context(request, sanction))


def _sanction_post(request, pk, *, form, context_key, perform, success, sanction=None):
    """One of the forms on the sanction page: call the service, or show the page again with the errors (and
    everything typed). ``context_key`` names the form's place on the page, or is None for a form that is ``bound``
    by its prefix."""
    sanction = sanction or selectors.sanction_get_visible(user=request.user, pk=pk)
    if sanction.anonymised_at is not None:  # a tombstone: no person to add a document for, nothing to record
        raise PermissionDenied(services.anonymised_refusal())
    if form.is_valid():
        try:
            perform(sanction, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("sanctions:detail", pk=sanction.pk)
    sanction = selectors.sanction_get_visible(user=request.user, pk=sanction.pk)
    extra = {context_key: form} if context_key else {"bound": (form.prefix, form)}
    context = _sanction_context(request, sanction, **extra)
    return render(request, "sanctions/sanction_detail.html", context, status=400)


@require_POST
@login_required
@dossier_pages
def sanction_decide(request, pk):
    return _sanction_post(
        request, pk, form=SanctionDecisionForm(request.POST, prefix="decide"), context_key="decision_form",
        perform=lambda sanction, data: services.sanction_decide(
            sanction=sanction, actor=request.user, approve=data["approve"], reason=data["reason"]),
        success=_("The board's decision has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_guardians(request, pk):
    return _sanction_post(
        request, pk, form=GuardianContactForm(request.POST, prefix="contact"), context_key="contact_form",
        perform=lambda sanction, data: services.sanction_record_guardian_contact(
            sanction=sanction, actor=request.user, contacted_at=data["guardians_contacted_at"],
            how=data["guardians_contacted_how"]),
        success=_("The contact with the guardians has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_letter(request, pk):
    return _sanction_post(
        request, pk, form=CorrespondenceForm(request.POST, request.FILES, prefix="letter"), context_key="letter_form",
        perform=lambda sanction, data: services.correspondence_add(
            person=sanction.person, actor=request.user, files=data["files"], description=data["description"],
            sanction=sanction, incident=sanction.incident),
        success=_("The document has been added to the dossier."),
    )


@login_required
@dossier_pages
def lvi_create(request):
    person, incident = _person_and_incident(request)
    if not has_perm("sanctions.impose", request.user, person):
        raise PermissionDenied(_("Only the school leader of this school or the board can record an LVI report."))
    refusal = services.lvi_report_refusal(person=person)
    if refusal:
        raise PermissionDenied(refusal)
    form = LviReportForm(request.POST or None, prefix="lvi")
    if request.method == "POST" and form.is_valid():
        try:
            report = services.lvi_report_start(person=person, actor=request.user, incident=incident, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The LVI report has been recorded."))
            return redirect("sanctions:lvi_detail", pk=report.pk)
    return render(request, "sanctions/lvi_form.html", {"form": form, "person": person, "incident": incident},
                  status=400 if form.errors else 200)


@login_required
@dossier_pages
def lvi_detail(request, pk):
    report = selectors.lvi_report_get_visible(user=request.user, pk=pk)
    can_act = has_perm("sanctions.impose", request.user, report)
    form = LviCallForm(request.POST or None, instance=report, prefix="call") if can_act and not report.reported_at else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.lvi_report_record_call(report=report, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The report to the LVI has been recorded."))
                return redirect("sanctions:lvi_detail", pk=report.pk)
        report.refresh_from_db()
    return render(request, "sanctions/lvi_detail.html", {"report": report, "form": form},
                  status=400 if form is not None and form.errors else 200)


@login_required
@dossier_pages
def sanction_list(request):
    spec = exports.sanction_register(user=request.user, params=request.GET)
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, spec, fmt)
    page = Paginator(spec.rows, 25).get_page(request.GET.get("page"))
    return render(request, "sanctions/sanction_list.html", {
        "form": spec.form, "page": page, "querystring": export_params(request).urlencode(),
        "letter_boards": [board for board in selectors.boards_served_by(user=request.user)
                          if has_perm("sanctions.edit_letter_templates", request.user, board)],
    })


@login_required
@dossier_pages
def police_register(request):
    spec = exports.police_report_register(user=request.user, params=request.GET)
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, spec, fmt)
    page = Paginator(spec.rows, 25).get_page(request.GET.get("page"))
    return render(request, "sanctions/police_register.html", {
        "form": spec.form, "page": page, "querystring": export_params(request).urlencode(),
        "missing_police": selectors.offences_without_police_contact(user=request.user)[:50],
    })


@require_GET
@login_required
@dossier_pages
def dossier_export(request, pk, fmt):
    """The dossier as a PDF, or a ZIP with the PDF and every attachment; scoped like the dossier page."""
    person = selectors.person_get_visible(user=request.user, pk=pk)
    if fmt == "pdf":
        pdf = exports.dossier_pdf(person=person, actor=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{exports.dossier_filename(person, "pdf")}"'
    else:
        response = FileResponse(exports.dossier_zip(person=person, actor=request.user), as_attachment=True,
                                filename=exports.dossier_filename(person, "zip"), content_type="application/zip")
    return response


@require_POST
@login_required
@dossier_pages
def sanction_withdraw(request, pk):
    return _sanction_post(
        request, pk, form=ReasonForm(request.POST, prefix="withdraw"), context_key=None,
        perform=lambda sanction, data: services.sanction_withdraw(sanction=sanction, actor=request.user,
                                                                  reason=data["reason"]),
        success=_("The sanction has been withdrawn."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_hearing(request, pk):
    return _sanction_post(
        request, pk, form=HearingForm(request.POST, prefix="hearing"), context_key=None,
        perform=lambda sanction, data: services.hearing_record(sanction=sanction, actor=request.user, **data),
        success=_("The hearing has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_letter_make(request, pk):
    sanction = selectors.sanction_get_visible(user=request.user, pk=pk)
    try:
        services.letter_make(sanction=sanction, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The decision letter has been made and added to the dossier. Send it, then "
                                    "record when and how."))
    return redirect(reverse("sanctions:detail", args=[sanction.pk]) + "#decision-letter")


@require_POST
@login_required
@dossier_pages
def letter_sent(request, pk):
    from .models import DecisionLetter

    letter = selectors.sanction_record_get_visible(user=request.user, model=DecisionLetter, pk=pk)
    return _sanction_post(
        request, letter.sanction_id, sanction=letter.sanction, form=LetterSentForm(request.POST, prefix=f"sent-{pk}"),
        context_key=None,
        perform=lambda sanction, data: services.letter_record_sent(letter=letter, actor=request.user, **data),
        success=_("The sending of the letter has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_admission(request, pk):
    return _sanction_post(
        request, pk, form=AdmissionForm(request.POST, prefix="admission"), context_key=None,
        perform=lambda sanction, data: services.admission_record(
            sanction=sanction, actor=request.user, school_name=data["admitted_by"], admitted_on=data["admitted_on"]),
        success=_("The admission by another school has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def sanction_objection(request, pk):
    return _sanction_post(
        request, pk, form=ObjectionForm(request.POST, prefix="objection"), context_key=None,
        perform=lambda sanction, data: services.objection_record(sanction=sanction, actor=request.user, **data),
        success=_("The objection has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def objection_outcome(request, pk):
    from .models import Objection

    objection = selectors.sanction_record_get_visible(user=request.user, model=Objection, pk=pk)
    return _sanction_post(
        request, objection.sanction_id, sanction=objection.sanction, context_key=None,
        form=ObjectionOutcomeForm(request.POST, prefix=f"outcome-{pk}"),
        perform=lambda sanction, data: services.objection_decide(
            objection=objection, actor=request.user, outcome=data["outcome"], outcome_on=data["outcome_on"],
            reasoning=data["outcome_reasoning"]),
        success=_("The decision on the objection has been recorded."),
    )


@require_POST
@login_required
@dossier_pages
def record_withdraw(request, kind, pk):
    """Withdraw a hearing, decision letter, duty or objection of a sanction (kept, struck through)."""
    model = services.WITHDRAWABLE.get(kind)
    if model is None:
        raise Http404
    record = selectors.sanction_record_get_visible(user=request.user, model=model, pk=pk)
    return _sanction_post(
        request, record.sanction_id, sanction=record.sanction, context_key=None,
        form=ReasonForm(request.POST, prefix=_withdraw_prefix(kind, pk)),
        perform=lambda sanction, data: services.record_withdraw(record=record, actor=request.user,
                                                                reason=data["reason"]),
        success=_("Withdrawn; it stays on record, struck through."),
    )


@login_required
@dossier_pages
def duty_list(request):
    spec = exports.duty_register(user=request.user, params=request.GET)
    fmt = export_format(request)
    if fmt:
        return register_export_response(request, spec, fmt)
    page = Paginator(spec.rows, 25).get_page(request.GET.get("page"))
    return render(request, "sanctions/duty_list.html", {
        "form": spec.form, "page": page, "querystring": export_params(request).urlencode(),
    })


def _duty_context(request, duty, done_form=None, correct_form=None):
    can_act = has_perm("sanctions.impose", request.user, duty.sanction) and not duty.is_withdrawn
    return {
        "duty": duty,
        "history": duty.history.select_related("history_user").order_by("-history_date", "-history_id"),
        "done_form": done_form or (DutyDoneForm(prefix="done") if can_act and duty.done_on is None else None),
        "correct_form": correct_form or (DutyCorrectForm(prefix="correct", instance=duty)
                                         if can_act and duty.done_on is not None else None),
    }


@login_required
@dossier_pages
def duty_detail(request, pk):
    duty = selectors.duty_get_visible(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "sanctions/duty_detail.html", _duty_context(request, duty))
    form = DutyDoneForm(request.POST, prefix="done")
    if form.is_valid():
        try:
            services.duty_record_done(duty=duty, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report has been recorded as done."))
            return redirect("sanctions:duty", pk=duty.pk)
    return render(request, "sanctions/duty_detail.html", _duty_context(request, duty, done_form=form), status=400)


@require_POST
@login_required
@dossier_pages
def duty_correct(request, pk):
    duty = selectors.duty_get_visible(user=request.user, pk=pk)
    form = DutyCorrectForm(request.POST, prefix="correct")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.duty_correct(duty=duty, actor=request.user, done_on=data["done_on"], reference=data["reference"],
                                  reason=data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The correction has been recorded; the old values stay in the history."))
            return redirect("sanctions:duty", pk=duty.pk)
    return render(request, "sanctions/duty_detail.html", _duty_context(request, duty, correct_form=form), status=400)


def _letters_board(request, board_id):
    board = get_object_or_404(selectors.boards_served_by(user=request.user), pk=board_id)
    if not has_perm("sanctions.edit_letter_templates", request.user, board):
        raise PermissionDenied(_("Only the board's administrator can change the decision letters."))
    return board


@require_GET
@login_required
def letter_templates(request, board_id):
    board = _letters_board(request, board_id)
    return render(request, "sanctions/letter_templates.html", {
        "board": board, "templates": selectors.letter_templates_for(board=board),
    })


@login_required
def letter_template_edit(request, board_id, kind):
    from .letters import PLACEHOLDERS, template_for

    board = _letters_board(request, board_id)
    if kind not in LetterKind.values:
        raise Http404
    template = template_for(board=board, kind=kind)
    form = LetterTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_template_save(board=board, actor=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The letter has been saved. Letters already made keep their own text."))
            return redirect("sanctions:letter_templates", board_id=board.pk)
    return render(request, "sanctions/letter_template_form.html", {
        "board": board, "template": template, "form": form, "placeholders": PLACEHOLDERS.items(),
        "kind_label": LetterKind(kind).label,
    }, status=400 if form.errors else 200)
