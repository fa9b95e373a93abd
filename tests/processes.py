"""Real server processes for the tests: an S3-compatible object store (moto_server), gunicorn, Celery workers.

Ports: the first free one of MELDPUNT_TEST_PORTS (e.g. ``8150-8169``), or one the system picks without it.
Every process is started in a session of its own and ended with its whole process group."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
_taken = set()


def _bindable(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port():
    spec = os.environ.get("MELDPUNT_TEST_PORTS", "")
    if spec:
        low, high = (int(part) for part in spec.split("-"))
        for port in range(low, high + 1):
            if port not in _taken and _bindable(port):
                _taken.add(port)
                return port
        raise RuntimeError(f"No free port in {spec}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended ({process.returncode}): {read_output(process)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def read_output(process):
    log = getattr(process, "log_path", None)
    return Path(log).read_text(errors="replace")[-4000:] if log and Path(log).exists() else ""


@contextmanager
def started(args, *, env=None, log_path, cwd=ROOT):
    """Run ``args`` as its own process group for the duration of the block; its output goes to ``log_path``."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    process.log_path = log_path
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def database_url():
    """The test database of this run, as a URL for processes started by a test."""
    return "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")})


# S3 ------------------------------------------------------------------------------------------------------

S3_ACCESS_KEY = "meldpunt-test"
S3_SECRET_KEY = "meldpunt-test-secret"
S3_REGION = "eu-central-1"


def s3_environ(endpoint, bucket):
    """The environment that configures the private storage as a bucket (portal/settings/storage.py)."""
    return {
        "MELDPUNT_S3_BUCKET": bucket,
        "MELDPUNT_S3_ENDPOINT_URL": endpoint,
        "MELDPUNT_S3_REGION": S3_REGION,
        "MELDPUNT_S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "MELDPUNT_S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "MELDPUNT_S3_ADDRESSING_STYLE": "path",
    }


def s3_client(endpoint):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION, aws_access_key_id=S3_ACCESS_KEY,
                        aws_secret_access_key=S3_SECRET_KEY, config=Config(s3={"addressing_style": "path"}))


def bucket_keys(endpoint, bucket):
    """Every key in the bucket, read from the server itself (not through Django)."""
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


@contextmanager
def moto_s3_server(log_dir):
    """moto's S3-compatible server as a process of its own (``moto_server``); yields its endpoint URL."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with started([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                 env={**os.environ, "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY},
                 log_path=Path(log_dir) / "moto_server.log") as process:
        wait_for_http(f"{endpoint}/moto-api/", process=process)
        yield endpoint


# The application as processes ------------------------------------------------------------------------------

def app_environ(settings, **extra):
    """The environment of a web or worker process on this test run's PostgreSQL database and Redis broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


@contextmanager
def web_processes(count, *, env, log_dir):
    """``count`` gunicorn servers of the portal (one worker process each), as docker-compose scales ``web``;
    yields their base URLs."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        urls = []
        for number in range(count):
            port = free_port()
            process = stack.enter_context(started(
                [str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--timeout", "60", "--access-logfile", "-"],
                env=env, log_path=Path(log_dir) / f"web{number + 1}.log"))
            urls.append((f"http://127.0.0.1:{port}", process))
        for url, process in urls:
            wait_for_http(f"{url}/account/login/", timeout=60, process=process)
        yield [url for url, _process in urls]


@contextmanager
def celery_workers(count, *, env, log_dir):
    """``count`` Celery workers on the broker, as docker-compose scales ``worker``; yields their log files."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        logs = []
        for number in range(count):
            log = Path(log_dir) / f"worker{number + 1}.log"
            stack.enter_context(started(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
                 f"--hostname=worker{number + 1}@%h", "--without-gossip", "--without-mingle"],
                env=env, log_path=log))
            logs.append(log)
        deadline = time.monotonic() + 60
        while not all("ready." in log.read_text(errors="replace") for log in logs if log.exists()) or not all(
                log.exists() for log in logs):
            if time.monotonic() > deadline:
                raise RuntimeError("The workers did not start: " + " ".join(log.read_text()[-2000:] for log in logs))
            time.sleep(0.2)
        yield logs


def form_sign_in(browser, url, email, password):
    """Sign in through the login form of the server at ``url`` with a ``requests.Session``; returns the answer."""
    import re

    page = browser.get(f"{url}/account/login/", timeout=20)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.post(f"{url}/account/login/", data={"login": email, "password": password, "csrfmiddlewaretoken": csrf},
                        headers={"Referer": f"{url}/account/login/"}, allow_redirects=False, timeout=20)
