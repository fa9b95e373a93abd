"""The faster <select> and <input> rendering writes exactly Django's HTML; cached choice labels still follow
the language."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from incidents.forms import CaseFilterForm
from incidents.models import Incident
from portal.forms import PortalFormRenderer
from portal.models import School


class SampleForm(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Kies…"), ("x<y", "A & B"), ("Groep", [("1", "een"), ("2", 'twee "2"')])], required=False)
    several = forms.MultipleChoiceField(choices=[("p", "P"), ("q", "Q")], required=False)
    maybe = forms.NullBooleanField(widget=forms.NullBooleanSelect())
    number = forms.TypedChoiceField(choices=[(1, 1), (2, 2)], coerce=int)
    empty = forms.ChoiceField(choices=[], required=False)
    disabled = forms.ChoiceField(choices=[("a", "A")], disabled=True, required=False)


class InputForm(forms.Form):
    text = forms.CharField(required=False, max_length=20, widget=forms.TextInput(attrs={"placeholder": 'a "b" <c>', "autofocus": True}))
    count = forms.IntegerField(required=False, min_value=0)
    tick = forms.BooleanField(required=False)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-x": False}))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mail = forms.EmailField(required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    off = forms.CharField(required=False, disabled=True, initial="vast & zeker")
    safe = forms.CharField(required=False, initial=mark_safe("al &amp; veilig"))


@pytest.mark.parametrize("data", [
    None,
    {"text": "Tom & Jerry <b>", "count": "3", "tick": "on", "secret": "x\"y", "hidden": "1", "day": "2026-03-09",
     "mail": "a@b.nl", "link": "https://voorbeeld.nl/?a=1&b=2"},
    {"text": "", "count": "-1", "mail": "geen adres", "day": "2026-02-30"},
])
def test_input_html_is_djangos(data):
    django_form, portal_form = InputForm(data, renderer=DjangoTemplates()), InputForm(data, renderer=PortalFormRenderer())
    for name in django_form.fields:
        assert str(portal_form[name]) == str(django_form[name]), name


@pytest.mark.parametrize("data", [None, {"plain": "2", "several": ["p", "q"], "maybe": "true", "number": "2"}, {"plain": "x<y"}])
def test_select_html_is_djangos(data):
    django_form, portal_form = SampleForm(data, renderer=DjangoTemplates()), SampleForm(data, renderer=PortalFormRenderer())
    for name in django_form.fields:
        assert str(portal_form[name]) == str(django_form[name])


@pytest.mark.django_db
def test_case_filter_form_html_is_djangos(school, sister_school):
    schools = School.objects.order_by("name")
    data = {"state": "reported", "school": school.pk, "category": "bullying", "older_than_days": "7", "include_closed": "on"}
    django_form = CaseFilterForm(data, schools=schools, renderer=DjangoTemplates())
    portal_form = CaseFilterForm(data, schools=schools, renderer=PortalFormRenderer())
    for name in django_form.fields:
        assert str(portal_form[name]) == str(django_form[name])


def test_choice_labels_follow_the_active_language():
    incident = Incident(category="bullying", state="reported", platform="other", severity="")
    with translation.override("en"):
        assert incident.get_category_display() == "Bullying"
        assert incident.get_platform_display() == "Other"
    with translation.override("nl"):
        assert incident.get_category_display() != "Bullying"
    incident.category = "no-such-category"
    assert incident.get_category_display() == "no-such-category"
    assert incident.get_severity_display() == ""


@pytest.mark.django_db
def test_no_select_offers_djangos_dashes(school):
    """Django names the empty choice of a model field with choices, and of a model choice, "---------"; the portal
    writes "Kies…" (the case page's record forms, the correction forms, the breach review, the registers)."""
    from incidents.forms import RECORD_FORMS, DecisionForm, TriageForm, record_correction_form
    from incidents.forms.breach import BreachAssessmentForm
    from incidents.models import Evaluation, PoliceReport
    from tests.factories import IncidentFactory

    incident = IncidentFactory(school=school, assessing=True)
    forms_to_render = [TriageForm(instance=incident), DecisionForm(instance=incident)]
    forms_to_render += [form_class(incident=incident) for form_class in RECORD_FORMS.values()]
    forms_to_render.append(record_correction_form(Evaluation)(instance=Evaluation(incident=incident, protocol_worked="yes")))
    forms_to_render.append(record_correction_form(PoliceReport)(instance=PoliceReport(incident=incident)))
    forms_to_render.append(BreachAssessmentForm())
    with translation.override("nl"):
        for form in forms_to_render:
            for bound in form:
                if isinstance(bound.field.widget, forms.Select):
                    html = str(bound)
                    assert "---------" not in html, (type(form).__name__, bound.name)
                    if '<option value="">' in html or '<option value="" selected>' in html:
                        assert ">Kies…</option>" in html, (type(form).__name__, bound.name, html[:300])
