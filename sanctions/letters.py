"""The written decision on a pupil's measure: the board's Dutch template, its placeholders, and the text and PDF
made from it. Nothing here writes; services.letter_make stores what this makes.

A template is plain text with ``{{ placeholder }}`` for the facts of the sanction. Only the names of PLACEHOLDERS
are filled in (no template language: an administrator's text cannot reach anything else); an unknown name is
refused when the template is saved.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.exports import render_pdf

from .models import LegalKind, LetterKind, LetterTemplate

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")

PLACEHOLDERS = {
    "school": gettext_lazy("the school's name"),
    "bestuur": gettext_lazy("the board's name"),
    "leerling": gettext_lazy("the pupil's full name"),
    "klas": gettext_lazy("the pupil's class"),
    "maatregel": gettext_lazy("the measure as decided"),
    "besluit": gettext_lazy("what was decided"),
    "reden": gettext_lazy("the reasoning"),
    "ingangsdatum": gettext_lazy("the date it takes effect"),
    "einddatum": gettext_lazy("the last day (suspension)"),
    "aantal_dagen": gettext_lazy("the number of school days (suspension)"),
    "datum_besluit": gettext_lazy("the date of the decision"),
    "besluit_bestuur": gettext_lazy("the board's reasoning (removal)"),
    "bezwaar_bij": gettext_lazy("to whom an objection goes"),
    "datum": gettext_lazy("today's date"),
}

_OBJECTION = (
    "Bent u het niet eens met dit besluit, dan kunt u binnen zes weken na de datum van deze brief schriftelijk "
    "bezwaar maken bij:\n{{ bezwaar_bij }}\n\nVermeld in uw bezwaarschrift uw naam en adres, de datum, het besluit "
    "waartegen u bezwaar maakt en waarom u het er niet mee eens bent, en onderteken het."
)

# The texts a board starts from (kind -> subject, body); its administrator changes them on the letters page.
DEFAULT_TEMPLATES = {
    LetterKind.SUSPENSION: (
        "Besluit tot schorsing van {{ leerling }}",
        "Geachte ouder(s)/verzorger(s), beste {{ leerling }},\n\n"
        "Hierbij delen wij u mee dat de schoolleiding van {{ school }} heeft besloten {{ leerling }} (klas {{ klas }}) "
        "te schorsen voor {{ aantal_dagen }} schooldag(en), van {{ ingangsdatum }} tot en met {{ einddatum }}.\n\n"
        "Wat is besloten:\n{{ besluit }}\n\nDe reden van dit besluit:\n{{ reden }}\n\n"
        "Een schorsing van meer dan één dag melden wij, met de redenen, aan de Inspectie van het Onderwijs.\n\n"
        + _OBJECTION + "\n\nMet vriendelijke groet,\n\nDe schoolleiding van {{ school }}",
    ),
    LetterKind.REMOVAL: (
        "Besluit tot verwijdering van {{ leerling }}",
        "Geachte ouder(s)/verzorger(s), beste {{ leerling }},\n\n"
        "Het bestuur van {{ bestuur }} heeft op {{ datum_besluit }} besloten {{ leerling }} (klas {{ klas }}) van "
        "{{ school }} te verwijderen, nadat u, {{ leerling }} en de betrokken leraar zijn gehoord.\n\n"
        "Wat is besloten:\n{{ besluit }}\n\nDe reden van dit besluit:\n{{ reden }}\n\n"
        "De overwegingen van het bestuur:\n{{ besluit_bestuur }}\n\n"
        "De verwijdering gaat pas in wanneer een andere school heeft toegezegd {{ leerling }} toe te laten. Het "
        "bestuur zoekt gedurende acht weken naar zo'n school. Wij informeren de Inspectie van het Onderwijs en de "
        "leerplichtambtenaar over dit besluit.\n\n"
        + _OBJECTION + "\n\nMet vriendelijke groet,\n\nHet bestuur van {{ bestuur }}",
    ),
    LetterKind.MEASURE: (
        "Besluit: {{ maatregel }} voor {{ leerling }}",
        "Geachte ouder(s)/verzorger(s), beste {{ leerling }},\n\n"
        "Hierbij delen wij u mee dat de schoolleiding van {{ school }} de volgende maatregel heeft genomen: "
        "{{ maatregel }}, met ingang van {{ ingangsdatum }}.\n\n"
        "Wat is besloten:\n{{ besluit }}\n\nDe reden van dit besluit:\n{{ reden }}\n\n"
        + _OBJECTION + "\n\nMet vriendelijke groet,\n\nDe schoolleiding van {{ school }}",
    ),
}
DEFAULT_OBJECTION_TO = "Het bestuur van {{ bestuur }}"


def letter_kind_for(sanction):
    return {LegalKind.SUSPENSION: LetterKind.SUSPENSION, LegalKind.REMOVAL: LetterKind.REMOVAL}.get(
        sanction.legal_kind, LetterKind.MEASURE)


def template_for(*, board, kind):
    """The board's own template of this kind, or an unsaved one with the default text."""
    own = LetterTemplate.objects.filter(board=board, kind=kind).first()
    if own is not None:
        return own
    subject, body = DEFAULT_TEMPLATES[kind]
    return LetterTemplate(board=board, kind=kind, subject=subject, body=body, objection_to=DEFAULT_OBJECTION_TO)


def unknown_placeholders(text):
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


def check_template_text(**texts):
    """{field: message} for the texts that name a placeholder that does not exist."""
    errors = {}
    for field, text in texts.items():
        unknown = unknown_placeholders(text)
        if unknown:
            errors[field] = _("Unknown placeholder: %(names)s. Use only the placeholders listed on this page.") % {
                "names": ", ".join("{{ %s }}" % name for name in unknown)}
    return errors


def _date(day):
    return formats.date_format(day, "j F Y") if day else ""


def placeholder_values(sanction, *, objection_to=""):
    person, school = sanction.person, sanction.school
    values = {
        "school": school.name,
        "bestuur": school.board.name,
        "leerling": person.full_name,
        "klas": person.class_name or "",
        "maatregel": sanction.measure_label,
        "besluit": sanction.decision,
        "reden": sanction.reasoning,
        "ingangsdatum": _date(sanction.starts_on),
        "einddatum": _date(sanction.ends_on),
        "aantal_dagen": str(sanction.days or ""),
        "datum_besluit": _date(timezone.localtime(sanction.decided_at).date() if sanction.decided_at else None),
        "besluit_bestuur": sanction.board_reason,
        "datum": _date(timezone.localdate()),
    }
    values["bezwaar_bij"] = fill(objection_to, values) if objection_to else ""
    return values


def fill(text, values):
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def letter_texts(sanction):
    """(kind, subject, body, objection_to) of the sanction's decision letter, from the board's template now."""
    kind = letter_kind_for(sanction)
    template = template_for(board=sanction.school.board, kind=kind)
    values = placeholder_values(sanction, objection_to=template.objection_to)
    return kind, fill(template.subject, values), fill(template.body, values), values["bezwaar_bij"]


def letter_pdf(*, sanction, subject, body, actor):
    return render_pdf(
        template="sanctions/letter_pdf.html",
        context={"sanction": sanction, "person": sanction.person, "subject": subject, "body": body,
                 "header_right": subject},
        school_name=sanction.school.name, exported_by=actor,
    )


def letter_filename(sanction):
    return f"besluit-{sanction.legal_kind or 'maatregel'}-{sanction.pk}.pdf"


def template_refusal(value):
    """A template text is refused before saving when it would not make a letter (raises ValidationError)."""
    errors = check_template_text(**value)
    if errors:
        raise ValidationError(errors)
