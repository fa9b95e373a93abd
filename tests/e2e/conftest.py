"""Browser tests: the real pages in Chromium, driven by Playwright against pytest-django's live server.

Chromium comes from the system (PLAYWRIGHT_CHROMIUM_EXECUTABLE, default /usr/bin/chromium) and axe-core from
node_modules (``npm ci``). Without either the tests fail with a message saying what is missing."""

import json
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium"))
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "test-password-123"  # tests.factories.UserFactory
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install it (apt-get install chromium) or point "
            "PLAYWRIGHT_CHROMIUM_EXECUTABLE at a Chromium binary.", pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright Python package is not installed (pip install -e '.[dev]').", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Make a fresh browser context (own cookies: one user each); all are closed after the test.

    Every page the test opens runs under the site's Content-Security-Policy: a violation reported by the
    browser fails the test."""
    contexts = []
    violations = []

    def make(viewport=DESKTOP, **kwargs):
        context = browser.new_context(viewport=viewport, locale="nl-NL", **kwargs)
        context.set_default_timeout(10_000)
        context.on("console", lambda message: violations.append(message.text)
                   if "Content Security Policy" in message.text else None)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def login(live_server):
    """Sign ``user`` in through the real login form in ``context``; return the page, now on the home page."""

    def sign_in(context, user, password=PASSWORD):
        page = context.new_page()
        page.goto(f"{live_server.url}/account/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        assert "/account/login/" not in page.url, f"Login failed for {user.email}: still on {page.url}"
        return page

    return sign_in


@pytest.fixture
def axe():
    """Run axe-core on the page; fail with a readable list of violations."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}. Run `npm ci` in {REPO_ROOT}.", pytrace=False)

    def check(page, context=""):
        # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays in force.
        page.evaluate(AXE_JS.read_text())
        # Colours are judged once they have settled: a button still fading into its hover colour is not the page.
        page.evaluate("async () => await Promise.all(document.getAnimations().map(a => a.finished))")
        result = page.evaluate("async () => await axe.run(document)")
        violations = result["violations"]
        assert not violations, f"axe-core violations on {context or page.url}:\n" + format_violations(violations)
        # axe-core no longer reports duplicate ids that no ARIA attribute or label refers to; labels need unique ids.
        duplicates = page.evaluate("""() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
            return Object.keys(seen).filter(id => seen[id] > 1);
        }""")
        assert not duplicates, f"Duplicate ids on {context or page.url}: {duplicates}"

    return check


def format_violations(violations):
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


@pytest.fixture
def default_catalogue():
    """The default sanction catalogue: a transactional test's database starts empty, without migration 0002's rows."""
    from sanctions.catalogue import install_default_catalogue
    from sanctions.models import Measure

    install_default_catalogue(Measure)
