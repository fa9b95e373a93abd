"""A real OpenID Connect provider for the tests: tests/sso/oidc_provider.mjs (npm package oidc-provider, installed by
``npm ci``) run with the machine's Node.js as a process of its own, on 127.0.0.1 over plain http.

Its accounts are fixed (a login name each, with the claims the provider gives); tests make Meldpunt accounts with
the same e-mail addresses. ``OIDC_TEST_PORT`` picks its port (default: any free one)."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "tests" / "sso" / "oidc_provider.mjs"
CLIENT_ID, CLIENT_SECRET = "meldpunt-test", "meldpunt-test-secret"
# Two providers at the same issuer: one the installation trusts for MFA, one it does not.
PROVIDERS = {"schoolidp": False, "trustedidp": True}
LEADER_EMAIL, STAFF_EMAIL, UNKNOWN_EMAIL = "sso-leider@meldpunt.test", "sso-medewerker@meldpunt.test", "niemand@meldpunt.test"
ACCOUNTS = {
    "leider": {"email": LEADER_EMAIL, "email_verified": True, "amr": ["pwd"]},
    "leider-mfa": {"email": LEADER_EMAIL, "email_verified": True, "amr": ["pwd", "mfa"]},
    "medewerker": {"email": STAFF_EMAIL.upper(), "email_verified": True, "amr": ["pwd"]},
    "onbekend": {"email": UNKNOWN_EMAIL, "email_verified": True},
    "onbevestigd": {"email": STAFF_EMAIL, "email_verified": False},
    "zonder-adres": {},
}


def start_provider(site_urls):
    """Start the provider for clients redirecting to ``site_urls``; return (process, issuer)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed (apt-get install nodejs); the OpenID provider of the tests needs it.", pytrace=False)
    if not (REPO_ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail(f"oidc-provider not found in node_modules. Run `npm ci` in {REPO_ROOT}.", pytrace=False)
    redirect_uris = [f"{site.rstrip('/')}/account/oidc/{provider_id}/login/callback/"
                     for site in site_urls for provider_id in PROVIDERS]
    config = {"clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}],
              "accounts": ACCOUNTS}
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "OIDC_TEST_PORT": os.environ.get("OIDC_TEST_PORT", "0")}
    process = subprocess.Popen([node, str(SCRIPT)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail("The OpenID provider of the tests did not start (node tests/sso/oidc_provider.mjs).", pytrace=False)
    return process, json.loads(line)["issuer"]


def provider_apps(issuer):
    from portal.sso import sso_app

    return [sso_app(provider_id=provider_id, issuer=issuer, client_id=CLIENT_ID, secret=CLIENT_SECRET,
                    button=f"Inloggen met {provider_id}", trust_mfa=trusted)
            for provider_id, trusted in PROVIDERS.items()]


def sign_in_at_provider(authorize_url, login, *, site):
    """What a person does at the provider: open its sign-in page, type the login name, submit. Returns the
    address the provider sends the browser back to (on ``site``)."""
    import requests

    with requests.Session() as browser:
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and "/interaction/" in url:
                response = browser.post(urljoin(url, urlsplit(url).path + "/login"), data={"login": login},
                                        allow_redirects=False, timeout=10)
                if response.status_code == 200:
                    raise AssertionError(f"The provider refused the login {login}: {response.text[:300]}")
            assert response.status_code in (302, 303), (response.status_code, response.text[:300])
            url = urljoin(url, response.headers["Location"])
            if url.startswith(site):
                return url
    raise AssertionError("The provider never sent the browser back")
