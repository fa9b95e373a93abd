"""Re-encoding an image never loses it: the original goes only after the clean copy and its record are committed.

The failure is a real one from PostgreSQL: a trigger refuses to save the processed record, as a lock timeout or a
lost connection would."""

import contextlib
import io
import posixpath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from PIL import Image

from incidents import services
from incidents.models import Evidence
from portal.files import private_file_names, private_storage
from portal.models import Role

from ..conftest import wait_for
from ..factories import SchoolFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def png_with_text_chunk():
    image = Image.new("RGB", (30, 20), "green")
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jan de Vries")
    image.save(out, format="PNG", pnginfo=info)
    return SimpleUploadedFile("schermafbeelding.png", out.getvalue(), content_type="image/png")


@contextlib.contextmanager
def saving_processed_evidence_fails(*, times=None):
    """PostgreSQL refuses to save evidence marked processed: always, or the first ``times`` attempts."""
    condition = "true" if times is None else f"nextval('meldpunt_test_attempts') <= {int(times)}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS meldpunt_test_attempts")
        cursor.execute(f"""
            CREATE OR REPLACE FUNCTION meldpunt_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {condition} THEN RAISE EXCEPTION 'could not save the record'; END IF;
                RETURN NEW;
            END $$""")
        cursor.execute("""CREATE TRIGGER meldpunt_test_refuse BEFORE UPDATE ON incidents_evidence FOR EACH ROW
                          WHEN (NEW.processed) EXECUTE FUNCTION meldpunt_test_refuse()""")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS meldpunt_test_refuse ON incidents_evidence")
            cursor.execute("DROP FUNCTION IF EXISTS meldpunt_test_refuse()")
            cursor.execute("DROP SEQUENCE IF EXISTS meldpunt_test_attempts")


def evidence_files(evidence):
    """The files in the folder of this evidence."""
    directory = posixpath.dirname(evidence.file.name)
    return {name for name in private_file_names() if posixpath.dirname(name) == directory}


def report_with_image():
    school = SchoolFactory()
    staff = member(Role.STAFF, school=school)
    incident = services.incident_report(school=school, reporter=staff, platform="instagram", category="bullying",
                                        description="Schermafbeelding.", files=[png_with_text_chunk()])
    return staff, Evidence.objects.get(incident=incident)


def test_a_failed_save_keeps_the_original_and_a_second_run_succeeds(client):
    staff, evidence = report_with_image()
    original = evidence.file.name
    before = evidence_files(evidence)
    assert original in before

    with saving_processed_evidence_fails(), pytest.raises(DatabaseError):
        services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert not evidence.processed and evidence.file.name == original  # the record still names the original
    assert private_storage().exists(original)
    assert evidence_files(evidence) == before  # and the clean copy of the failed run is gone

    assert services.evidence_process(evidence_id=evidence.pk) is True
    evidence.refresh_from_db()
    assert evidence.processed and evidence.file.name != original
    assert evidence_files(evidence) == before - {original} | {evidence.file.name}  # original deleted on commit
    client.force_login(staff)
    served = b"".join(client.get(f"/bewijs/{evidence.token}/").streaming_content)
    assert b"Jan de Vries" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (30, 20)


def test_the_worker_runs_a_failed_processing_again(celery_worker_on_redis):
    with saving_processed_evidence_fails(times=1):
        _staff, evidence = report_with_image()
        original = evidence.file.name
        before = evidence_files(evidence)
        processed = wait_for(lambda: Evidence.objects.filter(pk=evidence.pk, processed=True).first(), timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM meldpunt_test_attempts")
            assert cursor.fetchone()[0] == 2  # the first run failed, the second succeeded
    assert processed.file.name != original and not processed.processing_error
    assert evidence_files(processed) == before - {original} | {processed.file.name}
