"""The school leader's forms for files showing a minor's nudity: quarantine them, and delete them for good."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.validators import TEXT_MAX_LENGTH

from ..models import Evidence


class QuarantineForm(forms.Form):
    """Mark the case (no file chosen: every file on it) or one of its files as a minor's nude image."""

    evidence = forms.ModelChoiceField(queryset=Evidence.objects.none(), required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Note (optional)"), required=False, max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))
    destroy_now = forms.BooleanField(label=_("Delete the files for good at once (not only at the handover to the police)"),
                                     required=False)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(incident=incident)


class QuarantineDestroyForm(forms.Form):
    when = forms.ChoiceField(label=_("Why now?"), widget=forms.RadioSelect, choices=[
        ("handover", _("The police have been informed (handover recorded): delete the files")),
        ("now", _("Delete the files now")),
    ])
    reason = forms.CharField(label=_("Note (optional)"), required=False, max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example the police reference or who at the police was informed."))
