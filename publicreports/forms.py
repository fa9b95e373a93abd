from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Category, Platform
from portal.forms import LinksField
from portal.validators import validate_in_past

from .followup import CODE_LENGTH, GROUP
from .models import CONTACT_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, SenderRole

CODE_INPUT_MAX_LENGTH = 64  # the code with spaces or dashes, pasted from wherever it was kept


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PublicReportForm(forms.Form):
    """What a pupil, parent or anyone else can tell without an account. No files: text and links only, so that no
    image of a minor ends up here."""

    sender_role = forms.ChoiceField(label=_("Who are you?"), choices=SenderRole.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("What happened?"), max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Tell what you saw or what happened to you: who, what and where. Do not send pictures."),
    )
    platform = forms.ChoiceField(label=_("Where did it happen?"), choices=[("", _("Choose…"))] + list(Platform.choices))
    links = LinksField(label=_("Links (if you have them)"))
    occurred_on = forms.DateField(label=_("When did it happen?"), required=False, widget=DateInput(),
                                  validators=[validate_in_past], help_text=_("Leave empty if you do not know."))
    sender_name = forms.CharField(label=_("Your name (optional)"), max_length=NAME_MAX_LENGTH, required=False)
    sender_contact = forms.CharField(label=_("How can we reach you? (optional)"), max_length=CONTACT_MAX_LENGTH,
                                     required=False, help_text=_("An e-mail address or phone number."))
    wants_counsellor = forms.BooleanField(label=_("I want the confidential counsellor to read this too"), required=False)
    # A field people never see or fill in (hidden by the style sheet, skipped by the keyboard): only bots do.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Your follow-up code"), max_length=CODE_INPUT_MAX_LENGTH,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false"}),
                           help_text=_("%(length)s letters and digits, in groups of %(group)s.")
                           % {"length": CODE_LENGTH, "group": GROUP})


class AdditionForm(CodeForm):
    text = forms.CharField(label=_("What do you want to add?"), max_length=DESCRIPTION_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))
    links = LinksField(label=_("Links (if you have them)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Why?"), max_length=500, required=False)


class OpenCaseForm(forms.Form):
    category = forms.ChoiceField(label=_("What kind of incident?"), choices=[("", _("Choose…"))] + list(Category.choices))
    privacy_flag = forms.BooleanField(label=_("Personal data was exposed or shared (privacy incident or data breach)"),
                                      required=False)


class JoinCaseForm(forms.Form):
    incident = forms.ModelChoiceField(label=_("Case"), queryset=None, empty_label=_("Choose…"))

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = cases


class SetAsideForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
