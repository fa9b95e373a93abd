"""A form per kind of record on a case, and the forms that correct or withdraw a record."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.forms import EvidenceFilesField, LinksField, attrs_html, localize_datetime_widgets
from portal.models import PersonKind

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


class PersonPicker(forms.Widget):
    """A search box and the people it found, as radio buttons named like the field: the page holds one search's
    people (at most selectors.PERSON_SEARCH_LIMIT, and the chosen one), never the school's whole list.

    The box and its "Search" button belong to a GET form of their own (the form's ``search_form_html``, written
    outside the record's POST form, since forms do not nest): without JavaScript the button reloads the case
    page with the query; with htmx that form fetches the results from ``search_url`` while one types, and on
    Enter or the button (one request either way). The query that found the results is posted along (hidden,
    with the results), so a refused record comes back with both.

    Only the short status sentence ("3 people found.") is a live region, a node that stays while the results are
    swapped and gets its new text out of band: a screen reader reads that sentence after a search, not every name."""

    template_name = "incidents/widgets/person_picker.html"
    results_template_name = "incidents/widgets/person_results.html"

    def __init__(self, attrs=None, *, multiple=False):
        """``multiple``: check boxes for several people (the consent check's pupils) instead of radio buttons for one;
        ``chosen`` then takes and returns lists."""
        super().__init__(attrs)
        self.allow_multiple_selected = multiple
        self.search, self.search_url, self.page_url = "", "", ""
        self.search_max_length = None
        self.find = lambda query: ([], False)  # the form sets these two
        self.chosen = lambda value: None

    def use_required_attribute(self, initial):
        return False  # an empty search box is no error; the field checks that someone was chosen

    def value_from_datadict(self, data, files, name):
        if self.allow_multiple_selected and hasattr(data, "getlist"):
            return data.getlist(name)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False if self.allow_multiple_selected else super().value_omitted_from_data(data, files, name)

    def render(self, name, value, attrs=None, renderer=None):
        # From the site's templates: the form renderer's engine reads only Django's and the apps' own.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        context["widget"].update(self.choices_context(name, value, attrs), attrs_html=mark_safe(attrs_html(attrs)))
        return context

    @staticmethod
    def ids(base_id):
        return {
            "search_form_id": f"{base_id}_searchform", "results_id": f"{base_id}_results", "status_id": f"{base_id}_status",
        }

    @staticmethod
    def invalid_param(name):
        """Tells the search endpoint that the field shows an error, so that the results it sends say so too."""
        return f"{name}_invalid"

    def search_form_html(self, name, base_id, *, invalid):
        """The GET form that the search box and its button join by their ``form`` attribute. With htmx it sends
        the search itself, for typing (after a pause) and for Enter or the button alike: a submit cancels the
        pending typing request, and ``hx-sync`` drops a request still under way, so one search is one result set."""
        ids = self.ids(base_id)
        hx_vals = format_html(' hx-vals="{}"', json.dumps({self.invalid_param(name): "true"})) if invalid else ""
        return format_html(
            '<form id="{}" method="get" action="{}" hx-get="{}" hx-trigger="submit, input changed delay:300ms from:#{}" '
            'hx-target="#{}" hx-include="#{} input:checked" hx-sync="this:replace"{}></form>',
            ids["search_form_id"], self.page_url, self.search_url, base_id, ids["results_id"], ids["results_id"], hx_vals,
        )

    def choices_context(self, name, value, attrs):
        found, more = self.find(self.search)
        if self.allow_multiple_selected:
            chosen = list(self.chosen(value or []))
            people = chosen + [person for person in found if person not in chosen]
            checked = {person.pk for person in chosen}
        else:
            chosen = self.chosen(value)
            people = found if chosen is None or chosen in found else [chosen, *found]
            checked = {chosen.pk} if chosen is not None else set()
        if more:
            status = gettext("More than %(limit)s people found: type more of the name.") % {"limit": len(found)}
        elif found:
            status = ngettext("%(count)s person found.", "%(count)s people found.", len(found)) % {"count": len(found)}
        elif self.search.split():
            status = gettext("No one found. Check the spelling, or search for part of the name or for the class.")
        else:
            status = ""
        return {
            "name": name,
            "search": self.search,
            "search_name": f"{name}_search",
            "search_max_length": self.search_max_length,
            **self.ids(attrs["id"]),
            "people": [(person, person.pk in checked) for person in people],
            "input_type": "checkbox" if self.allow_multiple_selected else "radio",
            "legend": gettext("Choose the pupils") if self.allow_multiple_selected else gettext("Choose the person"),
            "pupil": PersonKind.PUPIL,
            "status": status,
            "invalid": attrs.get("aria-invalid") == "true",
            "describedby": attrs.get("aria-describedby", ""),
        }

    def render_results(self, name, value, attrs):
        """The results and the status sentence for its live region (what the search endpoint returns)."""
        return mark_safe(render_to_string(self.results_template_name, {"widget": self.choices_context(name, value, attrs)}))


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
