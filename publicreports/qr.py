"""The QR code of a school's public reporting page, drawn on the server (qrcode) as SVG or PNG."""

import io

import qrcode
import qrcode.image.svg
from django.urls import reverse

from portal.notifications import absolute_url


def reporting_page_url(page):
    """The page's full address (MELDPUNT_BASE_URL and its path): what the QR code and the poster show."""
    return absolute_url(reverse("publicreports:report", args=[page.key]))


def qr_svg(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode")


def qr_png(text):
    image = qrcode.make(text, box_size=12, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
