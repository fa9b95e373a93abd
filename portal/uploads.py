"""Checks every uploaded file before it is stored: type from the content, size, and images re-encoded.

Re-encoding drops EXIF (GPS position, camera, names) and anything hidden after the image data, so a
file that only pretends to be an image never reaches the disk.
"""

import hashlib
import io
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

ALLOWED_TYPES = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
# A PDF that can run code or open other programs is refused: evidence is read, never executed.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")


class _Sha256WhileReceived:
    """An upload handler that also computes the SHA-256 of each file from the chunks as they come in, so the hash is
    of the bytes the portal received, before any check or re-encoding touched them, whichever storage keeps the file
    later. The file it returns carries it as ``sha256``."""

    def new_file(self, *args, **kwargs):
        self._sha256 = hashlib.sha256()
        super().new_file(*args, **kwargs)  # the memory handler stops the others here, with the hash ready

    def receive_data_chunk(self, raw_data, start):
        passed_on = super().receive_data_chunk(raw_data, start)
        if passed_on is None:  # this handler keeps the data (the memory handler passes big files on)
            self._sha256.update(raw_data)
        return passed_on

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.sha256 = self._sha256.hexdigest()
        return uploaded


class HashingMemoryFileUploadHandler(_Sha256WhileReceived, MemoryFileUploadHandler):
    pass


class HashingTemporaryFileUploadHandler(_Sha256WhileReceived, TemporaryFileUploadHandler):
    pass


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


@dataclass
class CleanUpload:
    content: ContentFile
    content_type: str
    original_name: str
    size: int
    # True while an image has passed the checks but still carries its original bytes (EXIF and all):
    # it must be re-encoded before anyone sees it (upload_clean, or a worker for incident evidence).
    needs_reencode: bool = False
    # The SHA-256 of the file as received (computed by the upload handler while it streamed in) and its size then.
    sha256: str = ""
    received_size: int = 0


def _read_all(uploaded):
    uploaded.seek(0)
    data = uploaded.read(settings.MELDPUNT_MAX_UPLOAD_BYTES + 1)
    uploaded.seek(0)
    return data


def _image_errors():
    # Pillow's decoders raise all sorts on hostile input (IndexError, struct.error, EOFError, ...):
    # whatever it is, the file is refused with the same clear message, never a server error.
    return (Exception, Image.DecompressionBombWarning)


def strict_image_decoding():
    """Pillow's strict mode back on: some libraries (WeasyPrint) switch on its lenient mode (truncated images
    accepted) for the whole process at import. Evidence is always decoded strictly."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False


# How a complete file ends: a PNG with its IEND chunk (length 0, type, CRC), a JPEG with its end-of-image marker
# (which the compressed data cannot contain). A file cut short in sending has lost it. Anything after it (some
# phones append data to a JPEG) is dropped by re-encoding.
IMAGE_END = {"PNG": b"\x00\x00\x00\x00IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}


def _damaged():
    return ValidationError(_("This image is damaged or cannot be read. Take the screenshot again."), code="corrupt")


@contextmanager
def _decoding(data):
    """Pillow's image of ``data``, opened strictly; whatever its decoders raise on the way is a clear refusal."""
    strict_image_decoding()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                yield image
    except ValidationError:
        raise
    except _image_errors():
        raise _damaged()


def _check_image_header(data):
    """The checks made while the reporter waits: a readable header, not too many pixels, and the end of the file
    there (a screenshot cut short is refused at once). Whether every byte in between decodes is checked when the
    image is re-encoded, which decodes the whole picture anyway; for incident evidence that is the worker's job,
    so the request does not read and checksum the megabytes of pixel data a second time."""
    with _decoding(data) as probe:
        if probe.width * probe.height > settings.MELDPUNT_MAX_IMAGE_PIXELS:
            raise ValidationError(_("This image is too large (too many pixels). Send a smaller screenshot."), code="pixels")
        if probe.format in IMAGE_END and data.rfind(IMAGE_END[probe.format]) < 0:
            raise _damaged()


def _reencode_image(data, fmt):
    _check_image_header(data)
    with _decoding(data) as image:
        image.verify()  # chunks and checksums, where the format has them
    with _decoding(data) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.info.pop("comment", None)  # Pillow would copy a JPEG comment into the new file
        out = io.BytesIO()
        image.save(out, format=fmt, optimize=False)
        return out.getvalue()


def reencode_image(data, content_type):
    """Decode and write the image anew: EXIF/GPS, comments and anything after the image data are gone."""
    return _reencode_image(data, "PNG" if content_type == "image/png" else "JPEG")


def _check_pdf(data):
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("This PDF is damaged or incomplete. Save it again and retry."), code="corrupt")
    if any(marker in data for marker in PDF_ACTIVE_CONTENT):
        raise ValidationError(
            _("This PDF contains active content (scripts or embedded files) and is refused. Print it to a new PDF first."),
            code="active",
        )


def upload_clean(uploaded):
    """Validate one uploaded file and re-encode images now; return its safe content, or raise
    ValidationError in Dutch."""
    checked = upload_check(uploaded)
    if checked.needs_reencode:
        data = reencode_image(checked.content.read(), checked.content_type)
        checked = CleanUpload(content=ContentFile(data, name=checked.content.name), content_type=checked.content_type,
                              original_name=checked.original_name, size=len(data), sha256=checked.sha256,
                              received_size=checked.received_size)
    return checked


def upload_check(uploaded):
    """Validate one uploaded file without re-encoding it: type from the content, size, an image header of
    acceptable dimensions and the image's end, a PDF without active content. Images come back marked
    needs_reencode: decoding them whole, which refuses an image damaged inside, is part of re-encoding."""
    if isinstance(uploaded, CleanUpload):  # already checked (the form field checks before the service does)
        uploaded.content.seek(0)
        return uploaded
    name = getattr(uploaded, "name", "") or ""
    limit = settings.MELDPUNT_MAX_UPLOAD_BYTES
    if not uploaded.size:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": name}, code="empty")
    if uploaded.size > limit:
        raise ValidationError(
            _("The file %(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)},
            code="size",
        )
    data = _read_all(uploaded)
    if len(data) > limit:
        raise ValidationError(_("The file %(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)}, code="size")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("The file %(name)s is not a PNG, JPEG or PDF. Only screenshots (PNG, JPEG) and PDF documents are accepted.")
            % {"name": name},
            code="type",
        )
    if kind.mime == "application/pdf":
        _check_pdf(data)
    else:
        _check_image_header(data)  # the rest when the image is re-encoded (upload_clean, or the worker)
    extension = ALLOWED_TYPES[kind.mime]
    original = name.rsplit("/", 1)[-1][:200] or f"bestand.{extension}"
    return CleanUpload(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        content_type=kind.mime,
        original_name=original,
        size=len(data),
        needs_reencode=kind.mime != "application/pdf",
        # A file that came through a request was hashed while it streamed in; one handed over in code (a test, a
        # command) is hashed from the bytes read above.
        sha256=getattr(uploaded, "sha256", None) or sha256_hex(data),
        received_size=len(data),
    )


def private_file_response(fieldfile, *, content_type, filename, inline):
    """Serve a stored upload to someone already checked: never sniffed, scripts sandboxed (never cached: the
    NoStoreForSignedInMiddleware)."""
    from django.http import FileResponse

    response = FileResponse(fieldfile.open("rb"), content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
