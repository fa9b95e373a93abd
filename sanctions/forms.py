from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models import PoliceReportFiler
from portal.forms import EvidenceFilesField, FilterForm, bound_number_widgets, localize_datetime_widgets
from portal.models import PersonKind, School
from portal.validators import validate_within_years_ahead

from . import schooldays
from .models import (
    DecisionLetter, Duty, DutyRecipient, Hearing, LetterTemplate, LviReport, Objection, ObjectionOutcome, Sanction,
    SanctionStatus, SubjectKind,
)


class SanctionForm(forms.ModelForm):
    letters = EvidenceFilesField(label=_("Letters or other correspondence"))

    class Meta:
        model = Sanction
        fields = ["measure", "decision", "reasoning", "starts_on", "ends_on", "days", "guardians_contacted_at",
                  "guardians_contacted_how"]
        widgets = {
            "decision": forms.Textarea(attrs={"rows": 2}),
            "reasoning": forms.Textarea(attrs={"rows": 3}),
            "guardians_contacted_how": forms.Textarea(attrs={"rows": 2}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, person, measures, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        bound_number_widgets(self)
        self.fields["measure"].queryset = measures
        self.fields["measure"].empty_label = _("Choose…")
        self.fields["days"].help_text = _(
            "A pupil's suspension: at most 5 school days; the end date follows from the school days (weekends, public "
            "holidays and the days the school is closed skipped)."
        ) if person.kind == PersonKind.PUPIL else ""
        if person.kind != PersonKind.PUPIL:
            del self.fields["guardians_contacted_at"]
            del self.fields["guardians_contacted_how"]
        else:
            self.fields["guardians_contacted_at"].help_text = _(
                "A pupil's measure takes effect only after the guardians have been contacted."
            )


class SuspensionPreviewForm(forms.Form):
    """The fields of the sanction form that decide a suspension's dates, read for the preview of its last day."""

    measure = forms.ModelChoiceField(queryset=None)
    starts_on = forms.DateField()
    days = forms.IntegerField(min_value=1, max_value=schooldays.MAX_SUSPENSION_SCHOOL_DAYS)

    def __init__(self, *args, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures

    def clean_starts_on(self):
        value = self.cleaned_data["starts_on"]
        validate_within_years_ahead(value)
        return value


class SanctionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
    )
    reason = forms.CharField(label=_("Reasoning of the board"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=Sanction._meta.get_field("board_reason").max_length)


class GuardianContactForm(forms.ModelForm):
    class Meta:
        model = Sanction
        fields = ["guardians_contacted_at", "guardians_contacted_how"]
        widgets = {"guardians_contacted_how": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        self.fields["guardians_contacted_at"].required = True
        self.fields["guardians_contacted_how"].required = True


class CorrespondenceForm(forms.Form):
    files = EvidenceFilesField(label=_("Document"), required=True)
    description = forms.CharField(label=_("Description"), max_length=300)


class LviReportForm(forms.ModelForm):
    class Meta:
        model = LviReport
        fields = ["staff_told_at", "staff_told_how", "reported_at", "inspector", "summary"]
        widgets = {"staff_told_how": forms.Textarea(attrs={"rows": 2}), "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"reported_at": _("Leave empty until the LVI has been called; the call comes after telling the staff member.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)

    def clean(self):
        # The order rule with its own message on the field; otherwise the model's check constraint would show
        # only its technical name at the top of the form.
        from .services import _check_lvi_call

        cleaned = super().clean()
        for field, message in _check_lvi_call(cleaned.get("staff_told_at"), cleaned.get("reported_at")).items():
            self.add_error(field, message)
        return cleaned


class LviCallForm(forms.ModelForm):
    class Meta:
        model = LviReport
        fields = ["reported_at", "inspector", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        self.fields["reported_at"].required = True


class DossierSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or class"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All"))] + [c for c in PersonKind.choices if c[0] != PersonKind.EXTERNAL])


class PoliceReportFilterForm(FilterForm):
    filed_by = forms.ChoiceField(label=_("Filed by"), required=False, choices=[("", _("All"))] + list(PoliceReportFiler.choices))
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class SanctionFilterForm(PoliceReportFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("For"), required=False)
    field_order = ["status", "kind", "school", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["filed_by"]
        self.fields["status"].choices = [("", _("All"))] + list(SanctionStatus.choices)
        self.fields["kind"].choices = [("", _("All"))] + list(SubjectKind.choices)


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReasonForm(forms.Form):
    """Withdrawing a sanction or one of its records: the reason is required."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=Sanction._meta.get_field("withdrawal_reason").max_length)


class HearingForm(forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ["held_at", "heard_pupil", "heard_guardians", "heard_teacher", "present", "summary"]
        widgets = {"present": forms.Textarea(attrs={"rows": 2}), "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)


class LetterSentForm(forms.ModelForm):
    class Meta:
        model = DecisionLetter
        fields = ["sent_at", "sent_how", "sent_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        for name in self.fields:
            self.fields[name].required = True
        self.fields["sent_to"].help_text = _("For example: the pupil and both parents, at their home address.")


class DutyDoneForm(forms.ModelForm):
    class Meta:
        model = Duty
        fields = ["done_on", "reference"]
        widgets = {"done_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].required = True
        self.fields["reference"].required = True


class DutyCorrectForm(DutyDoneForm):
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=Sanction._meta.get_field("withdrawal_reason").max_length)


class AdmissionForm(forms.ModelForm):
    class Meta:
        model = Sanction
        fields = ["admitted_by", "admitted_on"]
        widgets = {"admitted_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admitted_by"].required = True
        self.fields["admitted_on"].required = True


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["received_on", "lodged_by", "grounds"]
        widgets = {"received_on": DATE_WIDGET, "grounds": forms.Textarea(attrs={"rows": 3})}


class ObjectionOutcomeForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["outcome", "outcome_on", "outcome_reasoning"]
        widgets = {"outcome_on": DATE_WIDGET, "outcome_reasoning": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [c for c in ObjectionOutcome.choices if c[0] != ObjectionOutcome.PENDING]
        for name in self.fields:
            self.fields[name].required = True


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["subject", "body", "objection_to"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18}), "objection_to": forms.Textarea(attrs={"rows": 3})}


class DutyFilterForm(PoliceReportFilterForm):
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("open", pgettext_lazy("status", "Open")), ("overdue", _("Overdue")), ("done", _("Done")),
        ("withdrawn", _("Withdrawn")),
    ])
    recipient = forms.ChoiceField(label=_("Report to"), required=False,
                                  choices=[("", _("All"))] + list(DutyRecipient.choices))
    field_order = ["state", "recipient", "school", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["filed_by"]
