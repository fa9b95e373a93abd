from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import (
    EvidenceFilesField, FilterForm, LinksField, LoadedModelChoiceField, LocalDateTimeInput, local_datetime_field,
    style_filter_widgets,
)
from portal.models import Membership, Person, Role, School

from .models import (
    Action, Assignment, BreachAssessment, BreachRisk, Evaluation, Incident, InformedParty, Involvement, Message, PoliceReport,
    Takedown, TakedownOutcome, Waiver,
)


def localize_datetime_widgets(form):
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.widget = LocalDateTimeInput()
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]


def _not_in_future(value):
    if value and value > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError(_("This moment lies in the future."))
    return value


class ReportForm(forms.Form):
    """The staff member's report: the few things needed to act, in under a minute."""

    school = LoadedModelChoiceField(label=_("School"), queryset=School.objects.none(), empty_label=None)
    category = forms.ChoiceField(label=_("What kind of incident?"), choices=[("", _("Choose…"))] + list(Incident._meta.get_field("category").choices))
    platform = forms.ChoiceField(label=_("On which platform?"), choices=[("", _("Choose…"))] + list(Incident._meta.get_field("platform").choices))
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000,
        help_text=_("Who, what, when. Names of pupils involved may be given here; the school leader links them to the case."),
    )
    privacy_flag = forms.BooleanField(
        label=_("Personal data was exposed or shared (privacy incident or data breach)"), required=False,
    )
    occurred_at = local_datetime_field(_("When did it happen?"), required=False, help_text=_("Leave empty if unknown."))
    discovered_at = local_datetime_field(_("When was it discovered?"))
    files = EvidenceFilesField(label=_("Screenshots or documents"), help_text=_("PNG, JPEG or PDF, at most 10 MB each."))
    links = LinksField(label=_("Links to the posts"), help_text=_("One link per line."))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            self.fields["school"].initial = schools.first()
            self.fields["school"].widget = forms.HiddenInput()
        self.fields["discovered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_occurred_at(self):
        return _not_in_future(self.cleaned_data.get("occurred_at"))

    def clean_discovered_at(self):
        return _not_in_future(self.cleaned_data.get("discovered_at"))

    def clean(self):
        data = super().clean()
        occurred, discovered = data.get("occurred_at"), data.get("discovered_at")
        if occurred and discovered and discovered < occurred:
            self.add_error("discovered_at", _("It cannot have been discovered before it happened."))
        return data


class TriageForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["severity", "category", "privacy_flag"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].required = True


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
        # A criminal offence without a victim type is refused by services.incident_decide, at that field.


class EvidenceForm(forms.Form):
    files = EvidenceFilesField(label=_("Screenshots or documents"), help_text=_("PNG, JPEG or PDF, at most 10 MB each."))
    links = LinksField(label=_("Links"), help_text=_("One link per line."))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("files") and not data.get("links"):
            raise ValidationError(_("Add a file or a link."))
        return data


class IncidentRecordForm(forms.ModelForm):
    """A record on a case; the service fills in the case, the author and the step."""

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)


class InvolvementForm(IncidentRecordForm):
    class Meta:
        model = Involvement
        fields = ["person", "role", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(school=self.incident.school_id).order_by("kind", "last_name", "first_name")

    def clean(self):
        data = super().clean()
        if data.get("person") and data.get("role") and Involvement.objects.filter(
            incident=self.incident, person=data["person"], role=data["role"]
        ).exists():
            raise ValidationError(_("This person is already linked to the case in this role."))
        return data


class ActionForm(IncidentRecordForm):
    class Meta:
        model = Action
        fields = ["kind", "happened_at", "with_whom", "outcome", "wants_police_report"]
        widgets = {"wants_police_report": forms.NullBooleanSelect()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.protocols import protocol_rules

        # The board's protocol may add actions of its own (for example 004: first a talk with the mentor).
        extras = [(f"protocol:{a['code']}", a["label"]) for a in protocol_rules(self.incident.school.board).extra_actions]
        base = [c for c in self.fields["kind"].choices if c[0] != "protocol"]
        self.fields["kind"] = forms.ChoiceField(label=self.fields["kind"].label, choices=base + extras)

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind.startswith("protocol:"):
            self.instance.protocol_code = kind.split(":", 1)[1]
            return "protocol"
        return kind

    def clean_happened_at(self):
        return _not_in_future(self.cleaned_data.get("happened_at"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == "victim_consultation" and data.get("wants_police_report") is None:
            self.add_error("wants_police_report", _("Record whether they want a police report to be filed."))
        return data


class WaiverForm(IncidentRecordForm):
    class Meta:
        model = Waiver
        fields = ["item", "reason"]


class PoliceReportForm(IncidentRecordForm):
    class Meta:
        model = PoliceReport
        fields = ["filed_by", "filed_at", "police_reference", "police_contact", "note"]

    def clean_filed_at(self):
        return _not_in_future(self.cleaned_data.get("filed_at"))


def _https_formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class TakedownForm(IncidentRecordForm):
    class Meta:
        model = Takedown
        fields = ["platform", "url", "description", "outcome", "outcome_reason"]
        formfield_callback = _https_formfield
        # "Not possible" without a reason is refused by the service (services._check_takedown_outcome).


class TakedownOutcomeForm(forms.ModelForm):
    class Meta:
        model = Takedown
        fields = ["outcome", "outcome_reason"]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == TakedownOutcome.PENDING:
            self.add_error("outcome", _("Choose what happened to the post."))
        return data  # "not possible" needs a reason: services.takedown_resolve checks it


class InformedPartyForm(IncidentRecordForm):
    class Meta:
        model = InformedParty
        fields = ["who", "informed_at", "what_was_said", "next_steps"]


class MessageForm(IncidentRecordForm):
    class Meta:
        model = Message
        fields = ["audience", "sent_at", "channel", "recipients", "summary", "approved_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        board_members = Membership.objects.active().filter(board=self.incident.school.board_id, role=Role.BOARD)
        self.fields["approved_by"].queryset = self.fields["approved_by"].queryset.filter(
            pk__in=board_members.values("user_id")
        )
        self.fields["approved_by"].help_text = _("Required for the press: the spokesperson (board member) makes or approves it.")


class EvaluationForm(IncidentRecordForm):
    class Meta:
        model = Evaluation
        fields = ["protocol_worked", "measures_worked", "adjustments", "propose_protocol_change"]


class AssignmentForm(IncidentRecordForm):
    class Meta:
        model = Assignment
        fields = ["user", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        school = self.incident.school
        members = Membership.objects.active().filter(
            role__in=[Role.COUNSELLOR, Role.COMMUNICATIONS, Role.STAFF, Role.SCHOOL_LEADER], board=school.board_id,
        ).filter(Q(school=school) | Q(school__isnull=True))
        self.fields["user"].queryset = self.fields["user"].queryset.filter(pk__in=members.values("user_id")).distinct()

    def clean(self):
        data = super().clean()
        if data.get("user") and data.get("kind") and Assignment.objects.filter(
            incident=self.incident, user=data["user"], kind=data["kind"]
        ).exists():
            raise ValidationError(_("This person has already been asked for this."))
        return data


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


RECORD_FORMS = {
    "involvement": InvolvementForm,
    "action": ActionForm,
    "waiver": WaiverForm,
    "police_report": PoliceReportForm,
    "takedown": TakedownForm,
    "informed": InformedPartyForm,
    "message": MessageForm,
    "evaluation": EvaluationForm,
    "assignment": AssignmentForm,
}
FIELD_FORMS = {"triage": TriageForm, "facts": FactsForm, "decision": DecisionForm}


class BreachAssessmentForm(forms.ModelForm):
    class Meta:
        model = BreachAssessment
        fields = [
            "data_description", "data_subjects", "risk", "risk_reasoning", "ap_notified_at", "ap_reference",
            "subjects_informed_at", "subjects_informed_how",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
        self.fields["risk"].required = True
        self.fields["risk_reasoning"].required = True


class BreachFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("open", _("Decision open")), ("overdue", _("Overdue")), ("decided", _("Decided")),
    ])
    risk = forms.ChoiceField(label=_("Risk"), required=False)
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = [("", _("All"))] + list(BreachRisk.choices)
        self.fields["school"].queryset = schools


class StatisticsFilterForm(FilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
