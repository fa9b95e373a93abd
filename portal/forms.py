import html
import json

from allauth.account.forms import LoginForm as AllauthLoginForm
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, ProhibitNullCharactersValidator, URLValidator
from django.forms.renderers import DjangoTemplates
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext, ngettext

from .models import PersonKind
from .security import login_attempts_left
from .uploads import upload_check, upload_clean
from .validators import validate_within_years_ahead

filesizeformat_lazy = lazy(filesizeformat, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ChosenFilesBoundField(forms.BoundField):
    """A file field shown again after a refusal: the browser has emptied it, so its help text names the files that
    were chosen and asks to choose them again (a report must not go without its screenshots unnoticed)."""

    @property
    def help_text(self):
        names = self.chosen_before_refusal()
        if not names:
            return self._help_text
        reminder = format_html("<strong>{}</strong>", gettext(
            "Choose these files again; after a refusal the browser does not keep them: %(names)s."
        ) % {"names": ", ".join(names)})
        return format_html("{} {}", self._help_text, reminder) if self._help_text else reminder

    @help_text.setter
    def help_text(self, value):  # BoundField.__init__ sets it
        self._help_text = value

    def chosen_before_refusal(self):
        form = self.form
        if not form.is_bound or not form.errors or self.field.disabled:
            return []
        chosen = self.field.widget.value_from_datadict(form.data, form.files, self.html_name)
        chosen = chosen if isinstance(chosen, (list, tuple)) else [chosen] if chosen else []
        return [uploaded.name for uploaded in chosen if getattr(uploaded, "name", "")]


class EvidenceFilesField(forms.FileField):
    """Several screenshots or documents at once, each checked here, so that a refusal stands at the field.

    By default an image is decoded and re-encoded right away (``upload_clean``): the service that stores it gets
    the clean file. With ``decoded_by_worker`` (incident evidence) the field makes the quick checks only (type
    from content, size, header, pixel count, a PNG's end; ``upload_check``) and the worker that re-encodes the
    image refuses one that is damaged inside; until then it is never served (see portal.uploads)."""

    widget = MultipleFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"})
    bound_field_class = ChosenFilesBoundField

    def __init__(self, *args, decoded_by_worker=False, **kwargs):
        kwargs.setdefault("required", False)
        self.max_files = settings.MELDPUNT_MAX_FILES
        kwargs.setdefault("help_text", format_lazy(
            _("PNG, JPEG or PDF, at most {size} each; at most {count} files."),
            size=filesizeformat_lazy(settings.MELDPUNT_MAX_UPLOAD_BYTES), count=self.max_files,
        ))
        self.file_check = upload_check if decoded_by_worker else upload_clean
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > self.max_files:
            raise ValidationError(
                _("Choose at most %(max)s files at once; you chose %(count)s. Add the others afterwards."),
                code="too_many_files", params={"max": self.max_files, "count": len(files)},
            )
        cleaned, errors = [], []
        for uploaded in files:
            try:
                cleaned.append(self.file_check(super().clean(uploaded, initial)))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class LinksField(forms.CharField):
    """Links to posts, one per line; at most MELDPUNT_MAX_LINKS of them (each becomes an evidence record)."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "https://"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", format_lazy(_("One link per line; at most {count} links."),
                                                   count=settings.MELDPUNT_MAX_LINKS))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value) or ""
        return [line.strip() for line in value.splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > settings.MELDPUNT_MAX_LINKS:
            raise ValidationError(
                _("Give at most %(max)s links at once; you gave %(count)s. Add the others afterwards."),
                code="too_many_links", params={"max": settings.MELDPUNT_MAX_LINKS, "count": len(value)},
            )
        validate = URLValidator(schemes=["http", "https"])
        for url in value:
            # CharField's own NUL check sees the list's repr, where a NUL is written "\\x00": check each link.
            ProhibitNullCharactersValidator()(url)
            if len(url) > 2000:
                raise ValidationError(_("A link may be at most 2000 characters long."), code="too_long")
            try:
                validate(url)
            except ValidationError:
                raise ValidationError(
                    _("“%(url)s” is not a valid link. Copy the full address, starting with https://.") % {"url": url[:100]},
                    code="invalid",
                )

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]


def local_datetime_field(label, required=True, **kwargs):
    return forms.DateTimeField(
        label=label, required=required, widget=LocalDateTimeInput(), input_formats=LOCAL_DATETIME_FORMATS, **kwargs
    )


def localize_datetime_widgets(form):
    """The browser's date-and-time picker on every date-time field of a model form."""
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.widget = LocalDateTimeInput()
            field.input_formats = LOCAL_DATETIME_FORMATS


def bound_number_widgets(form):
    """The browser's min and max on a model form's whole-number fields, taken from the model field's validators (the
    tightest bound wins), so that the widget offers exactly what the server accepts."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.IntegerField):
            continue
        try:
            validators = form._meta.model._meta.get_field(name).validators
        except FieldDoesNotExist:
            continue
        lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
        highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
        if lows:
            field.widget.attrs["min"] = max(lows)
        if highs:
            field.widget.attrs["max"] = min(highs)


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: on its field when it names one, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class LoadedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a few rows the view has loaded already (evaluate the queryset before giving
    it): the submitted choice is looked up among those rows instead of by another query."""

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self._rows = {str(row.pk): row for row in queryset} if queryset is not None and queryset._result_cache is not None else None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def to_python(self, value):
        if self._rows is None or self.to_field_name or value in self.empty_values:
            return super().to_python(value)
        try:
            return self._rows[str(getattr(value, "pk", value))]
        except KeyError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class FilterForm(forms.Form):
    """A list page's filters: every field optional; what is invalid filters nothing."""

    empty_values = (None, "")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and not field.required:
                field.empty_label = _("All")  # not Django's "---------": an empty choice filters nothing

    def filters(self):
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in self.empty_values}


class AuditFilterForm(FilterForm):
    action = forms.CharField(label=_("Action"), required=False, max_length=64, help_text=_("For example: dossier.view, export"))
    actor = forms.CharField(label=_("By (name or e-mail)"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _esc(value):
    """conditional_escape(), with a short way for a plain str (most of what a form writes): the same html.escape,
    without the checks for lazy and safe strings that cost more than the escaping."""
    return html.escape(value) if type(value) is str else conditional_escape(value)


def attrs_html(attrs):
    """What django/forms/widgets/attrs.html writes (every name and value escaped)."""
    return "".join(
        f" {_esc(name)}" if value is True else f' {_esc(name)}="{_esc(str(value))}"'
        for name, value in attrs.items() if value is not False
    )


DJANGO_EMPTY_LABEL = "---------"  # models.BLANK_CHOICE_DASH and ModelChoiceField.empty_label


def name_empty_choice(widget):
    """A <select>'s empty choice that Django calls "---------" (a model field with choices, a model choice)
    reads "Choose…" instead; a label a form gives it itself ("All", "Unknown") stays."""
    for _group_name, options, _index in widget["optgroups"]:
        for option in options:
            if option["value"] in ("", None) and option["label"] == DJANGO_EMPTY_LABEL:
                option["label"] = gettext("Choose…")


class PortalFormRenderer(DjangoTemplates):
    """Django's form renderer, except that a <select> and an <input> are written in Python, to the same HTML
    as Django's select.html, select_option.html, input.html and attrs.html templates. Those include one
    template per option, which costs tens of milliseconds for the long lists of people and users on the case
    page, and a template per input on every filter form. The one difference: no empty choice reads
    Django's "---------" (name_empty_choice)."""

    select_template = "django/forms/widgets/select.html"
    option_template = "django/forms/widgets/select_option.html"
    # Widget templates that are input.html and nothing else (django/forms/widgets/<name>.html).
    input_templates = frozenset(f"django/forms/widgets/{name}.html" for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "checkbox",
        "search", "tel", "color",
    ))

    def render(self, template_name, context, request=None):
        if template_name == self.select_template and "widget" in context:
            name_empty_choice(context["widget"])
        if template_name in self.input_templates and "widget" in context:
            widget = context["widget"]  # what input.html writes
            value = widget["value"]
            if value is not None:  # stringformat:'s' keeps a safe string safe
                value = f' value="{_esc(value if isinstance(value, SafeData) else "%s" % (value,))}"'
            else:
                value = ""
            return mark_safe(
                f'<input type="{_esc(widget["type"])}" name="{_esc(widget["name"])}"'
                f"{value}{attrs_html(widget['attrs'])}>"
            )
        widget = context.get("widget") if template_name == self.select_template else None
        if widget is None or any(o["template_name"] != self.option_template for _g, group, _i in widget["optgroups"] for o in group):
            return super().render(template_name, context, request=request)
        parts = [f'<select name="{_esc(widget["name"])}"{attrs_html(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_esc(localize(group_name))}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{_esc("%s" % option["value"])}"{attrs_html(option["attrs"])}>'
                    f"{_esc(localize(option['label']))}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # stripped, as BaseRenderer.render strips the template's output


class ProtocolAdoptForm(forms.Form):
    profile = forms.ModelChoiceField(label=_("Protocol"), queryset=None, empty_label=_("Choose…"))
    version = forms.CharField(label=_("Version"), max_length=40)
    adopted_on = forms.DateField(label=_("Adopted on"), widget=forms.DateInput(attrs={"type": "date"}),
                                 validators=[validate_within_years_ahead])
    review_on = forms.DateField(label=_("To be reviewed by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[validate_within_years_ahead],
                                help_text=_("Leave empty to use the protocol's own review period, if it has one."))

    def __init__(self, *args, **kwargs):
        from .models import ProtocolProfile

        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = ProtocolProfile.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("review_on") and data.get("adopted_on") and data["review_on"] <= data["adopted_on"]:
            self.add_error("review_on", _("The review date lies after the adoption date."))
        return data


def style_filter_widgets(form):
    """Bootstrap classes on a filter form's widgets, so that the list page renders the fields directly
    (partials/filter_fields.html) instead of through a template per field: the dashboard is opened all day."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class LoginForm(AllauthLoginForm):
    """allauth's login form, which warns before the last attempt this browser has for the account, and refuses
    every password when the installation signs in with the school's own account only (MELDPUNT_PASSWORD_LOGIN)."""

    def clean(self):
        if not settings.MELDPUNT_PASSWORD_LOGIN:  # before allauth authenticates: no attempt is made or counted
            raise ValidationError(_("Signing in with a password is switched off here. Use the button for your "
                                    "school's account."), code="password_login_off")
        try:
            return super().clean()
        except ValidationError as error:
            if login_attempts_left(self.request) == 1:
                minutes = int(get_cool_off(self.request).total_seconds() // 60)
                warning = ngettext(
                    "Careful: one more wrong password and signing in to this account from this browser is blocked "
                    "for %(minutes)s minute.",
                    "Careful: one more wrong password and signing in to this account from this browser is blocked "
                    "for %(minutes)s minutes.", minutes) % {"minutes": minutes}
                raise ValidationError([*error.error_list, ValidationError(warning, code="last_attempt")]) from error
            raise


class TableImportForm(forms.Form):
    """A CSV or XLSX list and the dry-run box; a file that is no readable list is refused at its field."""

    max_bytes, max_rows = 5 * 1024 * 1024, 20_000
    file = forms.FileField(widget=forms.ClearableFileInput(
        attrs={"accept": ".csv,text/csv,.txt,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing (dry run)"), required=False, initial=True)

    def clean_file(self):
        from .tabular import table_text

        uploaded = self.cleaned_data["file"]
        if uploaded.size > self.max_bytes:
            raise forms.ValidationError(_("The file is larger than 5 MB. Split it into smaller files."))
        table_text(uploaded.read(), max_rows=self.max_rows)  # an .xls, another archive, a damaged workbook: here
        uploaded.seek(0)
        return uploaded


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
            "guardian": PersonKind.GUARDIAN,
            "status": status,
            "invalid": attrs.get("aria-invalid") == "true",
            "describedby": attrs.get("aria-describedby", ""),
        }

    def render_results(self, name, value, attrs):
        """The results and the status sentence for its live region (what the search endpoint returns)."""
        return mark_safe(render_to_string(self.results_template_name, {"widget": self.choices_context(name, value, attrs)}))


class StaffImportForm(TableImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("CSV or XLSX file with the staff")
