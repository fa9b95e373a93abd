"""The report, the case's own fields (triage, facts, decision), step changes and the case and statistics filters."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import (
    EvidenceFilesField, FilterForm, LinksField, LoadedModelChoiceField, local_datetime_field, style_filter_widgets,
)
from portal.models import School
from portal.validators import validate_in_past

from .. import imagery
from ..models import Incident


class ReportForm(forms.Form):
    """The staff member's report: the few things needed to act, in under a minute."""

    school = LoadedModelChoiceField(label=_("School"), queryset=School.objects.none(), empty_label=None)
    category = forms.ChoiceField(label=_("What kind of incident?"), choices=[("", _("Choose…"))] + list(Incident._meta.get_field("category").choices))
    platform = forms.ChoiceField(label=_("On which platform?"), choices=[("", _("Choose…"))] + list(Incident._meta.get_field("platform").choices))
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=Incident._meta.get_field("description").max_length,
        help_text=_("Who, what, when. Names of pupils involved may be given here; the school leader links them to the case."),
    )
    privacy_flag = forms.BooleanField(
        label=_("Personal data was exposed or shared (privacy incident or data breach)"), required=False,
    )
    occurred_at = local_datetime_field(_("When did it happen?"), required=False, help_text=_("Leave empty if unknown."),
                                       validators=[validate_in_past])
    discovered_at = local_datetime_field(_("When was it discovered?"), validators=[validate_in_past])
    minor_nudity = forms.BooleanField(label=imagery.MINOR_NUDITY_LABEL, required=False, help_text=imagery.GUIDANCE)
    files = EvidenceFilesField(label=_("Screenshots or documents"),
                               decoded_by_worker=True)
    links = LinksField(label=_("Links to the posts"))

    def __init__(self, *args, schools, usual_school=None, **kwargs):
        """``usual_school``: the school chosen to start with (selectors.incident_usual_school)."""
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].initial = usual_school
        if len(schools) == 1:
            self.fields["school"].initial = schools.first()
            self.fields["school"].widget = forms.HiddenInput()
        self.fields["discovered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean(self):
        data = super().clean()
        refuse_files_at_field(self, category=data.get("category", ""), minor_nudity=data.get("minor_nudity"))
        return data


def refuse_files_at_field(form, **case):
    """The rule of incidents/imagery.py at the form's files field: no file with a minor's nudity or sexting."""
    try:
        imagery.check_no_files(form.cleaned_data.get("files"), **case)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field, message)


class TriageForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["severity", "category", "privacy_flag"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].required = True
        if self.instance.privacy_flag:  # a flagged case has the FG's review (services.incident_triage)
            self.fields["privacy_flag"].help_text = _(
                "The privacy officer (FG) reviews this case. Only the FG concludes the review, also when it is no data breach."
            )


class FactsForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["facts_account"]
        widgets = {"facts_account": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facts_account"].required = True


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["decision", "victim_type", "decision_reasoning"]
        widgets = {"decision_reasoning": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"victim_type": _("Only for a criminal offence: this decides who files a police report.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = True


class TransitionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class CaseFilterForm(FilterForm):
    state = forms.ChoiceField(label=_("Step"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())
    privacy = forms.BooleanField(label=_("Privacy incidents only"), required=False)
    older_than_days = forms.IntegerField(label=_("Older than (days)"), required=False, min_value=0, max_value=3650)
    include_closed = forms.BooleanField(label=_("Include closed and dismissed cases"), required=False)
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("-reported_at", _("Newest first")),
        ("reported_at", _("Oldest first")),
        ("state_changed_at", _("Longest in this step")),
    ])

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_widgets(self)
        blank = [("", _("All"))]
        self.fields["state"].choices = blank + list(Incident._meta.get_field("state").choices)
        self.fields["severity"].choices = blank + list(Incident._meta.get_field("severity").choices)
        self.fields["category"].choices = blank + list(Incident._meta.get_field("category").choices)
        if schools is None or len(schools) <= 1:  # None: the user sees one school at most
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools

    empty_values = (None, "", False)  # an unticked box filters nothing


FIELD_FORMS = {"triage": TriageForm, "facts": FactsForm, "decision": DecisionForm}


class StatisticsFilterForm(FilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
