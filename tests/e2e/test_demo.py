"""The embedded demo as a new user starts it: ``bash scripts/run.sh`` (SQLite, tasks in-process, no worker,
demo data), used in Chromium through its own demo accounts."""

import io
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import REPO_ROOT

DEMO_PASSWORD = "Demo-meldpunt-2026"
SECRET_TEXT = b"Schoolplein 52.3702N 4.8952E"  # stands in for the camera's EXIF data, GPS position included


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``scripts/run.sh`` in a process of its own, its database and files in a folder of this test."""
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    # Only what a new user's shell has: none of the test suite's settings (PostgreSQL, Redis, test settings).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "MELDPUNT_"))}
    env.update(
        PORT=str(port), PYTHON=str(Path(REPO_ROOT, ".venv/bin/python")) if Path(REPO_ROOT, ".venv/bin/python").exists()
        else env.get("PYTHON", "python3"),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        MELDPUNT_PRIVATE_MEDIA_ROOT=str(folder / "private"),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
    )
    log = open(folder / "run.log", "wb")
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while True:
        try:
            urllib.request.urlopen(f"{url}/account/login/", timeout=5)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("scripts/run.sh did not start:\n" + (folder / "run.log").read_text()[-3000:])
            time.sleep(0.5)
    yield {"url": url, "folder": folder, "log": folder / "run.log"}
    os.killpg(process.pid, 15)
    process.wait(timeout=20)
    log.close()


@pytest.fixture
def photo_with_exif(tmp_path):
    path = tmp_path / "screenshot.png"
    exif = Image.Exif()
    exif[0x010E] = SECRET_TEXT.decode()  # ImageDescription
    Image.new("RGB", (240, 160), "#dcf8c6").save(path, format="PNG", exif=exif)
    assert SECRET_TEXT in path.read_bytes()
    return path


def sign_in(context, url, email):
    page = context.new_page()
    page.goto(f"{url}/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert "/account/login/" not in page.url, f"{email} could not sign in"
    return page


def test_a_report_with_a_screenshot_reaches_the_school_leader_in_the_demo(demo, new_context, photo_with_exif):
    url = demo["url"]

    page = sign_in(new_context(), url, "medewerker@demo.meldpunt.nl")
    page.goto(f"{url}/melden/")
    page.select_option("#id_school", label="Het Baken")
    page.select_option("#id_category", "bullying")
    page.select_option("#id_platform", "instagram")
    page.fill("#id_description", "Een foto van een leerling wordt in een groepsapp belachelijk gemaakt.")
    page.set_input_files("#id_files", photo_with_exif)
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/melden/\d+/ontvangen/$"))
    reference = re.search(r"M-\d{4}-\d+", page.locator("main").inner_text()).group(0)

    # The school leader finds the case and opens the screenshot: the tasks ran in-process.
    page = sign_in(new_context(), url, "schoolleider@demo.meldpunt.nl")
    page.goto(f"{url}/zaken/")
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    thumb = page.locator("img.evidence-thumb")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 240

    response = page.request.get(url + thumb.get_attribute("src"))
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    served = Image.open(io.BytesIO(response.body()))
    assert served.size == (240, 160)
    assert SECRET_TEXT not in response.body()

    # The original, with its EXIF data, is gone from disk; only the re-encoded copy is kept.
    stored = [path for path in (demo["folder"] / "private").rglob("*") if path.is_file()]
    assert stored, "the re-encoded screenshot is missing"
    assert not [path for path in stored if SECRET_TEXT in path.read_bytes()]
    assert b"NotRegistered" not in demo["log"].read_bytes()


def test_the_demo_answers_a_missing_page_in_dutch_in_the_portals_layout(demo, new_context):
    page = sign_in(new_context(), demo["url"], "schoolleider@demo.meldpunt.nl")
    for path in ("/zaken/99999/", "/bestaat-niet/"):
        response = page.goto(demo["url"] + path)
        assert response.status == 404
        text = page.locator("body").inner_text()
        assert "Pagina niet gevonden" in text and "Meldpunt" in text
        assert "URLconf" not in text and "Page not found" not in text
    # The layout's own stylesheet is served (whitenoise, without collectstatic).
    stylesheet = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert page.request.get(demo["url"] + stylesheet).status == 200
