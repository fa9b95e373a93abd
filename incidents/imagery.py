"""The one rule on images of a minor's nudity: a sexting report, and any report or record where the box "het gaat om
een naaktbeeld van een minderjarige" is ticked, carries no file at all. Having, viewing or forwarding a sexual image
of a minor is a criminal offence in the Netherlands, also for a school collecting "evidence". A PDF can hold the
image as well as a screenshot can, so every file is refused; links and text stay possible.

The report and evidence forms, the services and the API all ask ``files_refused``/``check_no_files`` here; the
guidance the forms show is ``GUIDANCE``."""

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SEXTING = "sexting"  # models.Category.SEXTING; the value, so that the forms can use it before any model is loaded

MINOR_NUDITY_LABEL = _("It concerns a nude image of a minor")

# Where a school, a pupil or a parent turns to: the police (aangifte, advice), Helpwanted (online sexual abuse,
# advice and removal) and Offlimits (the Meldpunt Kinderporno, reporting an image online).
HELP_LINKS = (
    ("https://www.politie.nl/aangifte-of-melding-doen", "politie.nl"),
    ("https://www.helpwanted.nl", "Helpwanted.nl"),
    ("https://www.offlimits.nl", "Offlimits.nl"),
)


def _guidance_html():
    links = format_html(", ".join(['<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>'] * len(HELP_LINKS)),
                        *[part for link in HELP_LINKS for part in link])
    return format_html(
        '<span class="nudity-guidance" data-nudity-guidance><strong>{}</strong> {} {} {}</span>',
        gettext("Do not make or keep a screenshot of a nude image of a minor, and do not forward it: that is a "
                "criminal offence, also for the school."),
        gettext("Describe it instead: where it was seen, who sent it, who received it, and when. Add a link if "
                "there is one. Files cannot be added."),
        gettext("Call the police (0900-8844) for advice or to report it. Help for pupils and parents:"),
        links,
    )


GUIDANCE = lazy(_guidance_html, SafeString)()


def files_refused(*, category="", minor_nudity=False, incident=None):
    """Whether files are refused: the category is sexting, the box is ticked, or the case is such a case."""
    if incident is not None and (incident.category == SEXTING or incident.minor_nudity):
        return True
    return category == SEXTING or bool(minor_nudity)


def refusal_message():
    return gettext("No files with sexting or a nude image of a minor: not a screenshot, not a PDF. Describe what "
                   "was seen instead, and add a link if there is one. Everything else you typed is kept.")


REFUSAL = lazy(refusal_message, str)()


def check_no_files(files, **case):
    """Refuse ``files`` at the files field when the rule applies (``case``: category, minor_nudity, incident)."""
    if files and files_refused(**case):
        raise ValidationError({"files": refusal_message()}, code="minor_nudity")
