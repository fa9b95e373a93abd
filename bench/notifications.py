"""Benchmark: notification latency from commit to e-mail sent, and the time to drain 1,000 notifications.

Runs the real pipeline on this machine: PostgreSQL, Redis, a Celery worker process (prefork, 4 processes by default)
and an SMTP server on localhost that accepts and discards mail.

    .venv/bin/python bench/notifications.py [--samples 50] [--drain 1000]

Targets: p95 from commit to e-mail sent <= 1 s; 1,000 notifications written in one transaction drained in <= 10 s;
none delivered twice. It prints a verdict per target and exits with 1 when one is missed.
The drain also prints the CPU time the worker's processes and the SMTP sink used (less sensitive to other load than
the wall clock).

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meldpunt_bench) and
BENCH_BROKER_URL (default redis://127.0.0.1:6379/14). The database is created and migrated if needed.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meldpunt_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT", "2525"))

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "DJANGO_EMAIL_HOST": "127.0.0.1",
    "DJANGO_EMAIL_PORT": str(SMTP_PORT),
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_CONN_MAX_AGE": "60",
}
os.environ.update(ENV)

SMTP_SINK = f"""
import asyncio

async def handle(reader, writer):
    writer.write(b"220 sink\\r\\n")
    data = False
    while line := await reader.readline():
        if data:
            if line == b".\\r\\n":
                data = False
                writer.write(b"250 ok\\r\\n")
            continue
        verb = line[:4].upper()
        if verb == b"DATA":
            data = True
            writer.write(b"354 go\\r\\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\\r\\n")
            await writer.drain()
            break
        elif verb == b"EHLO":
            writer.write(b"250-sink\\r\\n250 8BITMIME\\r\\n")
        else:
            writer.write(b"250 ok\\r\\n")
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", {SMTP_PORT})
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def _ensure_database():
    import django
    from django.core.management import call_command

    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE_URL.rsplit("/", 1)[-1]],
                   capture_output=True, check=False)
    django.setup()
    call_command("migrate", verbosity=0)


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


TARGET_P95_SECONDS = 1.0
TARGET_DRAIN_SECONDS = 10.0


def _cpu_seconds(pid):
    """CPU seconds used so far by a process and its children (the worker's pool processes), from Linux's /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _children(pid):
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--drain", type=int, default=1000)
    args = parser.parse_args()

    _ensure_database()
    from django.db import transaction
    from django.utils import timezone

    from portal.celery import app
    from portal.models import Notification, NotificationState, User
    from portal.notifications import notification_create

    user, _ = User.objects.get_or_create(email="bench-recipient@example.org", defaults={"first_name": "Bench"})
    Notification.objects.filter(recipient=user).delete()
    app.control.purge()

    sink = subprocess.Popen([sys.executable, "-c", SMTP_SINK], start_new_session=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", f"--concurrency={os.environ.get('BENCH_WORKER_CONCURRENCY', '4')}",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=ENV, start_new_session=True,
    )
    try:
        # Warm up: the worker is ready when it has delivered one notification.
        with transaction.atomic():
            warm = notification_create(recipient=user, kind="bench", subject="Warm-up", body="x")
        _wait(lambda: Notification.objects.filter(pk=warm.pk, state=NotificationState.SENT).exists(), 60)

        latencies = []
        for i in range(args.samples):
            with transaction.atomic():
                row = notification_create(recipient=user, kind="bench", subject=f"Latency {i}", body="x")
            committed = timezone.now()
            _wait(lambda: Notification.objects.filter(pk=row.pk, state=NotificationState.SENT).exists(), 30, 0.002)
            sent_at = Notification.objects.values_list("sent_at", flat=True).get(pk=row.pk)
            latencies.append((sent_at - committed).total_seconds())

        with transaction.atomic():
            ids = [notification_create(recipient=user, kind="bench", subject=f"Drain {i}", body="x").pk for i in range(args.drain)]
            cpu_before = _cpu_seconds(worker.pid), _cpu_seconds(sink.pid)
        started = time.perf_counter()
        _wait(lambda: Notification.objects.filter(pk__in=ids, state=NotificationState.SENT).count() == len(ids), 300, 0.05)
        drained = time.perf_counter() - started
        worker_cpu = _cpu_seconds(worker.pid) - cpu_before[0]
        sink_cpu = _cpu_seconds(sink.pid) - cpu_before[1]
        duplicates = Notification.objects.filter(pk__in=ids, attempts__gt=1).count()
    finally:
        for process in (worker, sink):
            os.killpg(process.pid, signal.SIGTERM)
        worker.wait(30)
        sink.wait(30)

    p95 = _percentile(latencies, 0.95)
    verdicts = [p95 <= TARGET_P95_SECONDS, drained <= TARGET_DRAIN_SECONDS, duplicates == 0]
    print(f"commit -> e-mail sent, {len(latencies)} samples: median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms (target p95 <= {TARGET_P95_SECONDS * 1000:.0f} ms: {_verdict(verdicts[0])})")
    print(f"drain {args.drain} notifications: {drained:.2f} s; CPU used meanwhile: worker {worker_cpu:.2f} s, "
          f"SMTP sink {sink_cpu:.2f} s, on {os.cpu_count()} CPUs "
          f"(target <= {TARGET_DRAIN_SECONDS:g} s: {_verdict(verdicts[1])})")
    print(f"rows delivered more than once: {duplicates} (target 0: {_verdict(verdicts[2])})")
    print(f"notifications: {_verdict(all(verdicts))}")
    return 0 if all(verdicts) else 1


def _verdict(ok):
    return "PASS" if ok else "FAIL"


def _wait(condition, timeout, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s")


if __name__ == "__main__":
    sys.exit(main())
