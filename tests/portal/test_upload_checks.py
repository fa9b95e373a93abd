"""portal.uploads.upload_clean on its own: what reaches the disk is only the picture or a passive PDF."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image, PngImagePlugin

from portal.uploads import CleanUpload, upload_clean

SECRET = b"Sanne de Vries, Dorpsstraat 1"


def uploaded(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def cleaned_bytes(name, data):
    return upload_clean(uploaded(name, data)).content.read()


def test_a_jpeg_loses_exif_xmp_and_comment():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 5.0, 31.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>52,5.31N</exif:GPSLatitude></x:xmpmeta>'
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buffer, format="JPEG", exif=exif, xmp=xmp,
                                            comment=SECRET + b" <script>alert(1)</script>")
    source = buffer.getvalue()
    assert SECRET in source and b"GPSLatitude" in source and b"Canon" in source

    clean = upload_clean(uploaded("foto.jpeg", source, "image/jpeg"))
    out = clean.content.read()
    assert clean.content_type == "image/jpeg"
    assert clean.content.name.endswith(".jpg")
    assert clean.original_name == "foto.jpeg"
    assert clean.size == len(out)
    for marker in (SECRET, b"<script", b"GPSLatitude", b"Canon", b"Exif"):
        assert marker not in out, marker
    with Image.open(io.BytesIO(out)) as image:
        assert len(image.getexif()) == 0
        assert "comment" not in image.info and "xmp" not in image.info
        assert image.size == (32, 24)


def test_a_png_loses_text_chunks_exif_and_anything_after_the_image():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(buffer, format="PNG", pnginfo=info, exif=exif)
    source = buffer.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    out = cleaned_bytes("scherm.png", source)
    for marker in (SECRET, b"Canon", b"<script"):
        assert marker not in out, marker
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "PNG" and image.size == (20, 20)


def test_exif_orientation_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise for display
    buffer = io.BytesIO()
    Image.new("RGB", (40, 10), "green").save(buffer, format="JPEG", exif=exif)
    with Image.open(io.BytesIO(cleaned_bytes("telefoon.jpg", buffer.getvalue()))) as image:
        assert image.size == (10, 40)
        assert len(image.getexif()) == 0


@override_settings(MELDPUNT_MAX_IMAGE_PIXELS=100 * 100)
def test_an_image_with_too_many_pixels_is_refused():
    buffer = io.BytesIO()
    Image.new("L", (101, 100)).save(buffer, format="PNG")
    with pytest.raises(ValidationError) as excinfo:
        upload_clean(uploaded("groot.png", buffer.getvalue()))
    assert excinfo.value.code == "pixels"


@pytest.mark.parametrize("marker", [b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA"])
def test_pdfs_with_active_content_are_refused(marker):
    data = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog " + marker + b" 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(ValidationError) as excinfo:
        upload_clean(uploaded("brief.pdf", data, "application/pdf"))
    assert excinfo.value.code == "active"


def test_an_incomplete_pdf_is_refused():
    data = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"  # cut off: no %%EOF
    with pytest.raises(ValidationError) as excinfo:
        upload_clean(uploaded("brief.pdf", data, "application/pdf"))
    assert excinfo.value.code == "corrupt"


def test_a_passive_pdf_is_kept_as_it_is():
    data = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    clean = upload_clean(uploaded("../../etc/brief.pdf", data, "application/pdf"))
    assert clean.content.read() == data
    assert clean.content_type == "application/pdf"
    assert clean.original_name == "brief.pdf"  # no directories from the client's file name
    assert "/" not in clean.content.name and clean.content.name.endswith(".pdf")


@pytest.mark.parametrize("name,data,code", [
    ("leeg.png", b"", "empty"),
    ("foto.png", b"GIF89a" + b"\x00" * 64, "type"),
    ("foto.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "corrupt"),  # a JPEG header and nothing else
])
def test_other_refusals(name, data, code):
    with pytest.raises(ValidationError) as excinfo:
        upload_clean(uploaded(name, data))
    assert excinfo.value.code == code


def test_a_checked_upload_passes_a_second_check_unchanged():
    """The form field checks the files, and the service checks again: the second check must not break it."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    first = upload_clean(uploaded("a.png", buffer.getvalue()))
    assert isinstance(first, CleanUpload)
    assert upload_clean(first) is first


def png_with_damaged_pixel_data():
    """A complete PNG (every chunk, the end chunk last) whose pixel data fails its checksum."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (40, 40), bytes(range(256)) * 18 + bytes(192)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    start = data.index(b"IDAT") + 4
    data[start + 2] ^= 0xFF  # one byte of the compressed pixels flipped; the chunk's CRC no longer matches
    return bytes(data)


def test_the_quick_check_refuses_an_image_cut_short_and_leaves_the_pixels_to_re_encoding():
    """upload_check (a reporter waits for it) refuses an image that lost its end, but leaves the pixel data to
    re-encoding, which decodes it anyway: a file damaged inside passes the quick check and not the full one."""
    from portal.uploads import upload_check

    damaged = png_with_damaged_pixel_data()
    checked = upload_check(uploaded("scherm.png", damaged))
    assert checked.needs_reencode and checked.content_type == "image/png"
    with pytest.raises(ValidationError) as excinfo:
        upload_clean(uploaded("scherm.png", damaged))
    assert excinfo.value.code == "corrupt"

    for fmt, name in (("PNG", "scherm.png"), ("JPEG", "foto.jpg")):
        complete = io.BytesIO()
        Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48).save(complete, format=fmt)
        data = complete.getvalue()
        assert upload_check(uploaded(name, data)).size == len(data)
        for cut in (len(data) - 12, len(data) // 2):
            with pytest.raises(ValidationError) as excinfo:
                upload_check(uploaded(name, data[:cut]))
            assert excinfo.value.code == "corrupt", (fmt, cut)
