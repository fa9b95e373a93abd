"""A form per kind of record on a case, and the forms that correct or withdraw a record."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.forms import EvidenceFilesField, LinksField, PersonPicker, localize_datetime_widgets

from .. import imagery, selectors
from .case import refuse_files_at_field
from ..models import (
    Action, Assignment, Evaluation, InformedParty, Involvement, Message, PoliceReport, Takedown, TakedownOutcome,
    Waiver,
)


class EvidenceForm(forms.Form):
    minor_nudity = forms.BooleanField(label=imagery.MINOR_NUDITY_LABEL, required=False, help_text=imagery.GUIDANCE)
    files = EvidenceFilesField(label=_("Screenshots or documents"),
                               decoded_by_worker=True)
    links = LinksField(label=_("Links"))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        if incident is not None and imagery.files_refused(incident=incident):
            # A sexting case, or one marked as a minor's nude image: links and text only.
            self.fields["minor_nudity"].initial = True
            self.fields["minor_nudity"].disabled = True
            self.fields["files"].widget.attrs["disabled"] = True
            self.fields["files"].help_text = imagery.REFUSAL

    def clean(self):
        data = super().clean()
        refuse_files_at_field(self, minor_nudity=data.get("minor_nudity"), incident=self.incident)
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
    """Links a person of the case's school. The field still accepts anyone of that school and no one else;
    only its widget shows no more than a search's worth of them."""

    SEARCH_MAX_LENGTH = 100

    person = forms.ModelChoiceField(
        label=_("Person"), queryset=None, widget=PersonPicker,
        help_text=_("Search by name, or by class for a pupil, and choose the person from the results."),
        error_messages={
            "required": _("Search for the person and choose them from the results."),
            "invalid_choice": _("Choose a person of this case's school from the search results. Search again if the person is "
                                "not among them."),
        },
    )

    class Meta:
        model = Involvement
        fields = ["person", "role", "note"]

    def __init__(self, *args, query=None, **kwargs):
        """``query``: the GET parameters of a search (the case page's or the search endpoint's)."""
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = selectors.incident_people(incident=self.incident)
        source = self.data if self.is_bound else (query or {})
        if not self.is_bound and source.get(self.add_prefix("person")):
            self.initial["person"] = source.get(self.add_prefix("person"))  # the choice kept through a new search
        search = (source.get(self.add_prefix("person_search")) or "").replace("\x00", "")  # no name holds a NUL
        self.person_search = search[:self.SEARCH_MAX_LENGTH]
        self.search_params = query or {}
        picker = field.widget
        picker.search = self.person_search
        picker.search_max_length = self.SEARCH_MAX_LENGTH
        picker.search_url = reverse("incidents:person_search", args=[self.incident.pk])
        picker.page_url = reverse("incidents:detail", args=[self.incident.pk]) + f"#{self.prefix}"
        picker.find = lambda text: selectors.incident_people_matching(incident=self.incident, query=text)
        picker.chosen = self._chosen_person

    def _chosen_person(self, value):
        """The person ``value`` names, if they are of the case's school (never anyone else's name)."""
        person = getattr(self, "cleaned_data", {}).get("person")
        if person is not None and str(person.pk) == str(value):
            return person
        try:
            pk = int(str(value))
        except ValueError:
            return None
        return self.fields["person"].queryset.filter(pk=pk).first()

    def search_form_html(self):
        """Written by the page before this form: forms do not nest."""
        bound = self["person"]
        return bound.field.widget.search_form_html(bound.html_name, bound.auto_id, invalid=bool(bound.errors))

    def person_results_html(self):
        """A search's results. While the page shows an error at the field (the search form says so), the radio
        buttons that replace the marked ones are marked too."""
        bound = self["person"]
        attrs = bound.build_widget_attrs({"id": bound.auto_id})
        if self.search_params.get(PersonPicker.invalid_param(bound.html_name)) == "true":
            # What Django writes for a field with errors (BoundField.aria_describedby).
            attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(filter(None, [
                attrs.get("aria-describedby"), f"{bound.auto_id}_error",
            ]))})
        return bound.field.widget.render_results(bound.html_name, bound.value(), attrs)

    def clean(self):
        data = super().clean()
        if data.get("person") and data.get("role") and Involvement.objects.current().filter(
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


def _https_formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class TakedownForm(IncidentRecordForm):
    class Meta:
        model = Takedown
        fields = ["platform", "url", "description", "outcome", "outcome_reason"]
        formfield_callback = _https_formfield


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
        self.fields["approved_by"].queryset = selectors.incident_spokespeople(incident=self.incident)
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
        self.fields["user"].queryset = selectors.incident_assignable_users(incident=self.incident)

    def clean(self):
        data = super().clean()
        if data.get("user") and data.get("kind") and Assignment.objects.current().filter(
            incident=self.incident, user=data["user"], kind=data["kind"]
        ).exists():
            raise ValidationError(_("This person has already been asked for this."))
        return data


class RecordCorrectionForm(forms.ModelForm):
    """Base of the correction form of each kind of record: its correctable fields and the reason."""

    correction_reason = forms.CharField(label=_("Reason for the correction"), max_length=2000,
                                        widget=forms.Textarea(attrs={"rows": 2}),
                                        help_text=_("For example: the wrong reference was typed; the parents asked for a correction."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_datetime_widgets(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.DateTimeField) and data.get(name):
                stored = getattr(self.instance, name, None)
                if stored is not None and data[name] == stored.replace(second=0, microsecond=0):
                    data[name] = stored  # the field shows minutes: an untouched moment is no correction
        return data  # the model fields' validators keep every moment inside its window


def record_correction_form(model):
    return forms.modelform_factory(model, form=RecordCorrectionForm, fields=model.correctable_fields,
                                   formfield_callback=_https_formfield)


class RecordWithdrawalForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example: the wrong pupil was linked. The record stays in the history."))


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
