"""The FG's data-breach review and the breach queue's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import FilterForm, localize_datetime_widgets
from portal.models import School

from ..models import BreachAssessment, BreachRisk


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
    risk = forms.ChoiceField(label=_("Conclusion"), required=False)
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=School.objects.none())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = [("", _("All"))] + list(BreachRisk.choices)
        self.fields["school"].queryset = schools
