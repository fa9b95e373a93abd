from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rules import has_perm

from portal.audit import audit_record
from portal.uploads import private_file_response
from portal.models import PersonKind

from . import selectors, services
from .forms import AnswerForm, CheckForm, HandoverForm, ImportForm, PurposeForm, SchoolAccountForm, WorkAccountForm
from .imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .models import Answer, ConsentPurpose, SchoolAccountManager


def _apply_validation_error(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _posted_id(request, name):
    """The id a form sends, or a 404: anything that is not a number names nothing."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return int(value)


def _managed_school(request, school_id):
    """The school, if the user may open its consent pages: another school is a 404, a teacher gets a 403."""
    school = selectors.consent_school_get_checkable(user=request.user, pk=school_id)
    if not has_perm("consent.manage_school", request.user, school):
        raise PermissionDenied(_("This page is for the school leader and the administrator. Use the check before posting."))
    return school


def _managed_person(request, pk):
    person = selectors.consent_person_get_visible(user=request.user, pk=pk)
    if not has_perm("consent.manage_school", request.user, person.school):
        raise PermissionDenied(_("This page is for the school leader and the administrator. Use the check before posting."))
    return person


@login_required
def index(request):
    user = request.user
    checkable = list(selectors.consent_schools_checkable_by(user=user))
    managed = {s.pk for s in selectors.consent_schools_managed_by(user=user)}
    boards = selectors.consent_boards_administered_by(user=user)
    return render(request, "consent/index.html", {
        "schools": [(school, school.pk in managed) for school in checkable],
        "boards": boards,
        "answers_for_others": bool(selectors.consent_parties_for(user=user)),
    })


@require_GET
@login_required
def check(request, school_id):
    """Before posting: may these pupils be shown for this purpose? Teachers see yes or no, nothing more."""
    school = selectors.consent_school_get_checkable(user=request.user, pk=school_id)
    purposes = selectors.consent_purposes(board=school.board)
    form = _check_form(request, school, purposes, bound="purpose" in request.GET)
    rows = None
    show_reasons = has_perm("consent.see_reasons", request.user, school)
    if form.is_bound and form.is_valid():
        pupils = selectors.pupils_picked(school=school, class_name=form.cleaned_data["class_name"],
                                         pks=[p.pk for p in form.cleaned_data["pupils"]])
        results = selectors.consent_check(purpose=form.cleaned_data["purpose"], pupils=pupils)
        # Teachers get only whether a pupil may be shown; the reason stays with the leaders and administrators.
        rows = [(r.person, r.status.may_post, r.status if show_reasons else None) for r in results]
    return render(request, "consent/check.html", {
        "school": school, "form": form, "rows": rows, "show_reasons": show_reasons, "no_purposes": not purposes,
        "blocked": sum(1 for _p, may, _s in rows or [] if not may),
        "can_manage": has_perm("consent.manage_school", request.user, school),
    }, status=400 if form.errors else 200)


def _check_form(request, school, purposes, *, bound):
    return CheckForm(request.GET if bound else None, school=school, purposes=purposes, query=request.GET,
                     classes=selectors.consent_classes(school=school), pupils=selectors.pupils_of(school=school))


@require_GET
@login_required
def check_search(request, school_id):
    """The check's pupil search results (an HTML fragment, as the case page's person search): pupils of a school the
    user may check for, found by name or class."""
    school = selectors.consent_school_get_checkable(user=request.user, pk=school_id)
    form = _check_form(request, school, selectors.consent_purposes(board=school.board), bound=False)
    return HttpResponse(form.pupil_results_html())


@require_GET
@login_required
def overview(request, school_id):
    """The class overview for the yearly campaign: pupils × purposes and how many answers are missing."""
    school = _managed_school(request, school_id)
    class_name = request.GET.get("klas")
    if class_name is not None:
        class_name = class_name.replace("\x00", "")  # the database cannot hold NUL; no class name has one
    if class_name is None:
        overview, classes = selectors.consent_class_summary(school=school)
        return render(request, "consent/overview_classes.html", {"school": school, "overview": overview, "classes": classes})
    overview = selectors.consent_overview(school=school, class_name=class_name)
    return render(request, "consent/overview.html", {"school": school, "overview": overview, "class_name": class_name})


@require_GET
@login_required
def people(request, school_id):
    school = _managed_school(request, school_id)
    kind = request.GET.get("soort") if request.GET.get("soort") in (PersonKind.PUPIL, PersonKind.STAFF) else None
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = Paginator(selectors.consent_people_list(school=school, kind=kind, search=search), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "consent/people.html", {
        "school": school, "page": page, "search": search, "kind": kind or "", "querystring": query.urlencode(),
    })


@login_required
def person(request, pk):
    """One person's consent: the answer that counts per purpose and why, the full history, and recording an answer."""
    person = _managed_person(request, pk)
    purposes = selectors.consent_purposes(board=person.school.board)
    form = AnswerForm(request.POST or None, request.FILES or None, person=person, purposes=purposes, prefix="answer")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                person=person, purposes=data["purposes"], answer=data["answer"], given_by=data["given_by"],
                guardian=data.get("guardian"), given_on=data["given_on"], evidence=data["evidence"], file=data["file"],
                note=data["note"], actor=request.user,
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, _("The answer has been recorded."))
            return redirect("consent:person", pk=person.pk)
    statuses = selectors.consent_statuses(people=[person], purposes=purposes)[person.pk]
    today = timezone.localdate()
    turns_16 = selectors.sixteenth_birthday(person.date_of_birth) if person.kind == PersonKind.PUPIL and person.date_of_birth else None
    return render(request, "consent/person.html", {
        "person": person,
        "current": [(purpose, statuses[purpose.pk]) for purpose in purposes],
        "awaiting_pupil": any(s.awaiting_pupil for s in statuses.values()),
        "turns_16": turns_16,
        "is_16": turns_16 is not None and turns_16 <= today,
        "history": selectors.consent_person_history(person=person),
        "guardians": person.guardians.order_by("last_name", "first_name") if person.kind == PersonKind.PUPIL else [],
        "form": form,
    }, status=400 if form.errors else 200)


@require_GET
@login_required
def form_file(request, token):
    """Serve a signed consent form to the school's leader or administrator, never from a public URL."""
    record = selectors.consent_record_get_visible(user=request.user, token=token)
    if not record.file:
        raise Http404
    audit_record(actor=request.user, action="consent.form_view", obj=record, board=record.person.school.board)
    is_image = record.content_type.startswith("image/")
    return private_file_response(record.file, content_type=record.content_type, filename=record.original_name,
                                 inline=is_image and "download" not in request.GET)


@login_required
def mine(request):
    """Answer while signed in: staff members for their own images, guardians for their children,
    pupils of 16 and older for themselves. The account and the moment are the proof."""
    if request.method == "POST":
        choices = {str(subject.pk): subject for subject, _guardian in selectors.consent_parties_for(user=request.user)}
        subject = choices.get(request.POST.get("person"))
        if subject is None or request.POST.get("answer") not in Answer.values:
            raise Http404
        purpose = get_object_or_404(ConsentPurpose, pk=_posted_id(request, "purpose"), board=subject.school.board_id, active=True)
        try:
            services.consent_confirm_signed_in(user=request.user, person=subject, purpose=purpose, answer=request.POST["answer"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your answer has been recorded."))
        return redirect("consent:mine")
    return render(request, "consent/mine.html", {"sections": selectors.consent_own_answers(user=request.user)})


@login_required
def import_pupils(request, school_id):
    school = _managed_school(request, school_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        report = services.pupils_import(school=school, actor=request.user, data=uploaded.read(),
                                        dry_run=form.cleaned_data["dry_run"])
        if report.errors:  # the file as a whole is refused: say so at the file field
            form.add_error("file", report.errors)
        elif report.ok and not report.dry_run:
            messages.success(request, _("The import is done."))
    failed = form.errors or (report is not None and not report.ok)
    return render(request, "consent/import.html", {
        "school": school, "form": form, "report": report,
        "required_columns": REQUIRED_COLUMNS, "optional_columns": OPTIONAL_COLUMNS,
    }, status=400 if failed else 200)


@require_GET
@login_required
def registers(request, school_id):
    school = _managed_school(request, school_id)
    accounts = list(selectors.school_accounts_of(school=school))
    return render(request, "consent/registers.html", {
        "school": school,
        "work_accounts": selectors.work_accounts_of(school=school),
        "school_accounts": accounts,
        "handovers": [row for row in selectors.school_account_managers(accounts=accounts) if row.needs_handover],
    })


def _register_edit(request, school_id, pk, *, form_class, get_account, save, title):
    school = _managed_school(request, school_id)
    account = get_account(user=request.user, pk=pk) if pk else None
    if account is not None and account.school_id != school.pk:
        raise Http404
    form = form_class(request.POST or None, instance=account, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(school=school, actor=request.user, account=account, **form.cleaned_data)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            if hasattr(saved, "manager_rows"):
                return redirect("consent:school_account", pk=saved.pk)
            return redirect("consent:registers", school_id=school.pk)
    return render(request, "consent/register_form.html", {"school": school, "form": form, "title": title, "account": account},
                  status=400 if form.errors else 200)


@login_required
def work_account_edit(request, school_id, pk=None):
    return _register_edit(request, school_id, pk, form_class=WorkAccountForm, get_account=selectors.work_account_get_managed,
                          save=services.work_account_save, title=_("Work account"))


@login_required
def school_account_edit(request, school_id, pk=None):
    return _register_edit(request, school_id, pk, form_class=SchoolAccountForm, get_account=selectors.school_account_get_managed,
                          save=services.school_account_save, title=_("School account"))


@login_required
def school_account(request, pk):
    """A school account and its managers; a manager who left the school shows the handover still to do."""
    account = selectors.school_account_get_managed(user=request.user, pk=pk)
    rows = list(selectors.school_account_managers(accounts=[account]))
    bound = None
    if request.method == "POST":
        row = get_object_or_404(SchoolAccountManager, pk=_posted_id(request, "manager"), account=account)
        bound = (row.pk, HandoverForm(request.POST, prefix=f"handover-{row.pk}"))
        if bound[1].is_valid():
            try:
                services.school_account_handover_done(manager_row=row, actor=request.user, note=bound[1].cleaned_data["handover_note"])
            except ValidationError as error:
                _apply_validation_error(bound[1], error)
            else:
                messages.success(request, _("The handover has been recorded."))
                return redirect("consent:school_account", pk=account.pk)
    managers = [
        (row, bound[1] if bound and bound[0] == row.pk else HandoverForm(prefix=f"handover-{row.pk}"))
        for row in rows
    ]
    return render(request, "consent/school_account.html", {
        "account": account, "school": account.school, "managers": managers,
        "needs_handover": any(row.needs_handover for row in rows),
    }, status=400 if bound and bound[1].errors else 200)


def _administered_board(request, board_id):
    """A board the user serves; only its administrator may change the purposes (403 for the others)."""
    board = get_object_or_404(selectors.consent_boards_served_by(user=request.user), pk=board_id)
    if not has_perm("consent.manage_purposes", request.user, board):
        raise PermissionDenied(_("Only the board's administrator can change the consent purposes."))
    return board


@login_required
def purposes(request, board_id, pk=None):
    """The board's purposes: add one, change the wording or order, or stop asking one (history is kept)."""
    board = _administered_board(request, board_id)
    existing = selectors.consent_purposes(board=board, include_inactive=True)
    purpose = get_object_or_404(ConsentPurpose, pk=pk, board=board) if pk else None
    form = PurposeForm(request.POST or None, instance=purpose)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_purpose_save(board=board, actor=request.user, purpose=purpose, code=data.get("code", ""),
                                          label=data["label"], help_text=data["help_text"], ordering=data["ordering"],
                                          active=data["active"])
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("consent:purposes", board_id=board.pk)
    return render(request, "consent/purposes.html", {"board": board, "purposes": existing, "form": form, "purpose": purpose},
                  status=400 if form.errors else 200)


@require_POST
@login_required
def purposes_defaults(request, board_id):
    board = _administered_board(request, board_id)
    created = services.consent_purposes_ensure_defaults(board=board)
    messages.success(request, _("%(count)s default purposes added.") % {"count": len(created)})
    return redirect("consent:purposes", board_id=board.pk)
