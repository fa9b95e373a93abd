from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import EvidenceFilesField, PersonPicker, TableImportForm
from portal.models import Membership, Person, PersonKind

from .imports import MAX_BYTES, MAX_ROWS
from .models import Answer, ConsentPurpose, ConsentRecord, Evidence, GivenBy, SchoolAccount, SchoolAccountManager, WorkAccount
from .selectors import PERSON_SEARCH_LIMIT, pupils_matching, sixteenth_birthday


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput(), input_formats=["%Y-%m-%d", "%d-%m-%Y"], **kwargs)


def school_members(school):
    """Users who currently belong to the school: at the school itself or for its whole board."""
    user_ids = Membership.objects.active().filter(Q(school=school) | Q(school__isnull=True, board_id=school.board_id)).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("last_name", "first_name", "email")


class SignedFormField(EvidenceFilesField):
    """One scanned form: checked like evidence (type from content, size, images re-encoded)."""

    widget = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"})

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        return cleaned[0] if cleaned else None


class CheckForm(forms.Form):
    """What the teacher asks before posting: these pupils (or this class), for this purpose. The pupils are found by
    name or class with the case page's person search (incidents.forms.PersonPicker), never listed school-wide."""

    SEARCH_MAX_LENGTH = 100

    purpose = forms.ModelChoiceField(label=_("Where will the photo, film or recording appear?"), queryset=ConsentPurpose.objects.none(),
                                     empty_label=None)
    class_name = forms.ChoiceField(label=_("Whole class"), required=False)
    pupils = forms.ModelMultipleChoiceField(
        label=_("Or pick pupils"), queryset=Person.objects.none(), required=False,
        widget=PersonPicker(multiple=True),
        help_text=_("Search by name or class and tick the pupils in the results; a new search keeps those ticked."),
        error_messages={"invalid_choice": _("Choose pupils of this school from the search results.")},
    )

    def __init__(self, *args, school, purposes, classes, pupils, query=None, **kwargs):
        """``query``: the GET parameters of a search (the check page's or the search endpoint's)."""
        super().__init__(*args, **kwargs)
        self.fields["purpose"].queryset = ConsentPurpose.objects.filter(pk__in=[p.pk for p in purposes])
        self.fields["class_name"].choices = [("", _("No class: only the pupils picked below"))] + [
            (name, name) for name, _count in classes if name
        ]
        self.fields["pupils"].queryset = pupils
        source = self.data if self.is_bound else (query or {})
        if not self.is_bound and hasattr(source, "getlist") and source.getlist("pupils"):
            self.initial["pupils"] = source.getlist("pupils")  # the ticked pupils, kept through a new search
        search = (source.get("pupils_search") or "").replace("\x00", "")  # no name holds a NUL
        picker = self.fields["pupils"].widget
        picker.search = search[:self.SEARCH_MAX_LENGTH]
        picker.search_max_length = self.SEARCH_MAX_LENGTH
        picker.search_url = reverse("consent:check_search", args=[school.pk])
        picker.page_url = reverse("consent:check", args=[school.pk])
        picker.find = lambda text: pupils_matching(school=school, query=text)
        picker.chosen = lambda value: list(pupils.filter(pk__in=[int(v) for v in value if str(v).isdigit()][:PERSON_SEARCH_LIMIT * 5]))

    def search_form_html(self):
        """Written by the page before the check's own form: forms do not nest."""
        bound = self["pupils"]
        return bound.field.widget.search_form_html(bound.html_name, bound.auto_id, invalid=bool(bound.errors))

    def pupil_results_html(self):
        bound = self["pupils"]
        return bound.field.widget.render_results(bound.html_name, bound.value(), bound.build_widget_attrs({"id": bound.auto_id}))

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("class_name") and not data.get("pupils"):
            raise forms.ValidationError(_("Choose a class or pick at least one pupil."))
        return data


class AnswerForm(forms.Form):
    """The school records an answer that reached it on paper, by mail or by phone."""

    purposes = forms.ModelMultipleChoiceField(
        label=_("Purposes"), queryset=ConsentPurpose.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every purpose this answer covers; one signed form often covers several."),
    )
    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices, widget=forms.RadioSelect)
    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices, widget=forms.RadioSelect)
    guardian = forms.ModelChoiceField(label=_("Guardian"), queryset=Person.objects.none(), required=False, empty_label=_("Choose…"))
    given_on = _date_field(_("Date of the answer"), help_text=_("The date on the form, or the day the withdrawal reached the school."),
                           validators=ConsentRecord._meta.get_field("given_on").validators)
    evidence = forms.ChoiceField(label=_("How it can be shown"), choices=[c for c in Evidence.choices if c[0] != Evidence.SIGNED_IN],
                                 widget=forms.RadioSelect)
    file = SignedFormField(label=_("Signed form"), help_text=_("PDF, PNG or JPEG, at most 10 MB. Required for a grant."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, person, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purposes"].queryset = ConsentPurpose.objects.filter(pk__in=[p.pk for p in purposes])
        self.fields["given_on"].initial = timezone.localdate()
        self.fields["evidence"].initial = Evidence.SIGNED_FORM
        if person.kind == PersonKind.STAFF:
            self.fields["given_by"].choices = [(GivenBy.SELF, _("The staff member"))]
            self.fields["given_by"].initial = GivenBy.SELF
            del self.fields["guardian"]
        else:
            self.fields["given_by"].choices = [(GivenBy.GUARDIAN, _("A guardian")), (GivenBy.SELF, _("The pupil"))]
            self.fields["guardian"].queryset = person.guardians.order_by("last_name", "first_name")
            decides_alone = person.date_of_birth and sixteenth_birthday(person.date_of_birth) <= timezone.localdate()
            self.fields["given_by"].initial = GivenBy.SELF if decides_alone else GivenBy.GUARDIAN

    def clean(self):
        data = super().clean()
        if data.get("given_by") == GivenBy.GUARDIAN and "guardian" in self.fields and not data.get("guardian"):
            self.add_error("guardian", _("Choose the guardian who gave this answer."))
        if data.get("given_by") == GivenBy.SELF:
            data["guardian"] = None
        if data.get("answer") == Answer.GRANTED and data.get("evidence") == Evidence.NOTED:
            self.add_error("evidence", _("Consent must be demonstrable: upload the signed form."))
        if data.get("evidence") == Evidence.SIGNED_FORM and not data.get("file") and "file" not in self.errors:
            self.add_error("file", _("Upload the signed form (PDF, PNG or JPEG)."))
        return data


class ImportForm(TableImportForm):
    max_bytes, max_rows = MAX_BYTES, MAX_ROWS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("CSV or XLSX file from the administration system")


class PurposeForm(forms.ModelForm):
    class Meta:
        model = ConsentPurpose
        fields = ["code", "label", "help_text", "ordering", "active"]
        widgets = {"help_text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def validate_unique(self):
        pass  # the service checks the code within the board, with a Dutch sentence


class WorkAccountForm(forms.ModelForm):
    class Meta:
        model = WorkAccount
        fields = ["platform", "handle", "closed_group", "group_name", "purpose", "owner", "owner_person", "ended_on"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 2}), "ended_on": DateInput()}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = school_members(school)
        self.fields["owner_person"].queryset = Person.objects.filter(school=school, kind=PersonKind.STAFF).order_by("last_name", "first_name")
        if not self.instance.pk:
            del self.fields["ended_on"]

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("owner_person"):
            self.add_error("owner", _("Choose whose work account this is."))
        return data


class SchoolAccountForm(forms.ModelForm):
    add_managers = forms.ModelMultipleChoiceField(
        label=_("Managers"), queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Who keeps the password and posts for the school."),
    )

    class Meta:
        model = SchoolAccount
        fields = ["platform", "handle", "note", "ended_on"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2}), "ended_on": DateInput()}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        members = school_members(school)
        if self.instance.pk:
            current = self.instance.manager_rows.filter(handed_over_at__isnull=True).values("user_id")
            members = members.exclude(pk__in=current)
            self.fields["add_managers"].label = _("Add managers")
        else:
            del self.fields["ended_on"]
        self.fields["add_managers"].queryset = members


class HandoverForm(forms.Form):
    handover_note = forms.CharField(
        label=_("What was handed over"), widget=forms.Textarea(attrs={"rows": 2}),
        max_length=SchoolAccountManager._meta.get_field("handover_note").max_length,
        help_text=_("For example: password changed, recovery e-mail and phone number changed, contacts passed on."),
    )
