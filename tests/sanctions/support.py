"""Helpers shared by the sanctions tests."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from incidents import services as incident_services
from incidents.models import Involvement
from sanctions import services
from sanctions.models import Measure


def measure(kind, code):
    """An entry of the default catalogue (installed by migration 0002)."""
    return Measure.objects.get(board__isnull=True, subject_kind=kind, code=code)


def impose(person, actor, code, *, kind=None, **kwargs):
    kwargs.setdefault("decision", "De leerling krijgt de maatregel zoals besproken.")
    kwargs.setdefault("reasoning", "Herhaald kwetsende berichten in de klassenapp.")
    return services.sanction_impose(person=person, actor=actor, measure=measure(kind or person.kind, code), **kwargs)


def png_bytes(color=(30, 120, 200), size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name="brief-ouders.png", color=(30, 120, 200)):
    return SimpleUploadedFile(name, png_bytes(color), content_type="image/png")


def involve(incident, person, role, actor):
    return incident_services.incident_add_record(incident=incident, actor=actor, record=Involvement(person=person, role=role))


def dossier_url(person):
    return reverse("sanctions:dossier", args=[person.pk])


def sanction_url(sanction, action=""):
    names = {"": "sanctions:detail", "decide": "sanctions:decide", "guardians": "sanctions:guardians",
             "letter": "sanctions:letter"}
    return reverse(names[action], args=[sanction.pk])


def section(html, element_id, attribute="id"):
    """The HTML inside the element whose ``attribute`` is ``element_id``, up to its closing tag (the sections
    and lists of these templates do not nest an element of the same tag)."""
    match = re.search(rf'<(\w+)[^>]*\b{attribute}="{re.escape(element_id)}"[^>]*>', html)
    if match is None:
        return None
    tag = match.group(1)
    end = html.index(f"</{tag}>", match.end())
    return html[match.end():end]


def list_items(html):
    """The <li> contents of a flat list."""
    return [item.split("</li>")[0] for item in html.split("<li>")[1:]]


def hear(sanction, actor, **kwargs):
    """Record the hearing of pupil, guardians and teacher that a removal needs before the board decides it."""
    import datetime

    from django.utils import timezone

    values = dict(held_at=timezone.now() - datetime.timedelta(hours=1), heard_pupil=True, heard_guardians=True,
                  heard_teacher=True, present="De leerling, beide ouders, de mentor en de schoolleider.",
                  summary="De leerling erkent de berichten; de ouders vragen om een tweede kans.")
    values.update(kwargs)
    services.hearing_record(sanction=sanction, actor=actor, **values)
    return sanction
