"""Benchmark: the pages a school leader opens every day, at the scale of a whole board, against a bare view.

    .venv/bin/python bench/pages.py [--duration 5] [--rounds 3] [--max-requests 3000] [--connections 4] [--workers 4]
                                    [--only GET|POST]

gunicorn serves the portal on 127.0.0.1 with portal.settings.bench (production settings over plain http,
plus the bare baseline view) on PostgreSQL, and wrk (Debian package ``wrk``) loads one URL at a time:

    bare GET      the baseline: same middleware, login check and context processors, a trivial template
    dashboard     /zaken/ as a school leader (open cases of their school, step counts, pagination)
    case list     /zaken/ with filters (closed cases included, a category, longest in step first, page 2)
    case page     /zaken/<pk>/ of the case with a long timeline (several hundred records)
    small case    /zaken/<pk>/ of a case in step 3 with a few records (no target: the page's cost whatever the timeline)
    bare POST     the POST baseline: the same 1 MB multipart body, parsed, then a redirect
    report POST   /melden/ as a staff member with a 1 MB PNG screenshot (checked, stored, outbox rows; the
                  image is re-encoded later by the worker, which does not run here)

Each wrk run is bounded by --duration seconds and --max-requests requests; every URL is run once per round
(--rounds), so that other load on the machine falls on all of them alike; the GET rounds come before the
POST rounds, whose new cases would otherwise pile up in the school leader's school (--only runs one of the
two). For each URL it prints the median and p95 latency (the median over the rounds), the throughput and
the CPU time per request of gunicorn's processes and of PostgreSQL's, then the ratios to the baseline;
then EXPLAIN (ANALYZE, BUFFERS) of every query the dashboard and the case list run on incidents_incident,
and whether any scans it sequentially.

Targets, each printed with PASS or FAIL (the script exits with 1 when one is missed): the dashboard, the case list
and the case page each at most 3x the bare GET's median; the report POST's p95 at most 2.5x the bare POST's p95
(its throughput is printed, with no target: the history rows, the outbox rows and the broker message a report
costs are what the design requires); no sequential scan of incidents_incident. The ratios of CPU per request
(gunicorn and PostgreSQL) are printed beside them, without a target: they move less with other load.

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meldpunt_perfbench). It is
created and migrated if needed, and seeded with ``manage.py seed_board`` (40 schools, 4,000 users, 60,000
pupils, 100,000 incidents; a few minutes) when it has no seeded board yet; --reseed seeds it anew. The cases
the report POSTs make are deleted at the end. Celery messages go to BENCH_BROKER_URL
(default redis://127.0.0.1:6379/12), which is purged at the end; no worker runs.
"""

import argparse
import datetime
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meldpunt_perfbench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
WORK = ROOT / "var" / "bench"
PRIVATE_MEDIA = Path(tempfile.mkdtemp(prefix="meldpunt-bench-private-"))
REPORT_MARK = "[benchmark-melding]"
HOST = "127.0.0.1"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-any-real-deployment-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_STATIC_ROOT": str(WORK / "static"),
    "MELDPUNT_PRIVATE_MEDIA_ROOT": str(PRIVATE_MEDIA),
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)

TARGET_PAGE_RATIO = 3.0  # dashboard, case list and case page: median <= 3x the bare view's median
TARGET_POST_P95_RATIO = 2.5  # report POST: p95 <= 2.5x the bare POST's p95 (no throughput target: a report
# writes its history rows and outbox rows and sends a broker message, as the design requires)

WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["Cookie"] = "{cookie}"
{body}
local seen, limit = 0, {limit}
function response(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, \\"p99_us\\": %d, "
    .. "\\"status_errors\\": %d, \\"socket_errors\\": %d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
WRK_BODY = """
local f = assert(io.open("{path}", "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "multipart/form-data; boundary={boundary}"
"""


def manage(*args, check=True):
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=ENV, check=check)


# --- database, seed and static files --------------------------------------------------------------


def prepare(args):
    name = DATABASE_URL.rsplit("/", 1)[-1]
    subprocess.run(["createdb", "-h", HOST, "-U", "postgres", name], capture_output=True)
    manage("migrate", "-v", "0")
    import django

    django.setup()
    from portal.models import Board

    if args.reseed or not Board.objects.filter(name=args.board).exists():
        print(f"Seeding {name} (this takes a few minutes)...", flush=True)
        manage("seed_board", "--reset", "--board", args.board, "--schools", str(args.schools), "--users", str(args.users),
               "--pupils", str(args.pupils), "--incidents", str(args.incidents))
    # As autovacuum keeps a live database: no dead rows left by an earlier run (the report POSTs' cases and
    # their notifications are deleted at the end), visibility maps set for index-only scans.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print("Collecting static files...", flush=True)
    manage("collectstatic", "--noinput", "-v", "0")


def session_cookie(email):
    """A signed-in session made directly in the database (the login form would ask school leaders for a TOTP code)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return user, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def screenshot_png(target_bytes=1_000_000):
    """A real PNG like a phone screenshot (1170x2532: bars, text lines, a photo), about ``target_bytes`` large."""
    from PIL import Image, ImageDraw

    rng = random.Random(8)
    width, height = 1170, 2532
    base = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(base)
    draw.rectangle([0, 0, width, 140], fill=(18, 140, 126))
    y = 200
    while y < height - 200:  # chat bubbles with "text"
        left = rng.random() < 0.5
        w = rng.randrange(400, 900)
        x0 = 40 if left else width - 40 - w
        draw.rounded_rectangle([x0, y, x0 + w, y + 120], radius=24, fill=(255, 255, 255) if left else (220, 248, 198))
        for line in range(3):
            draw.rectangle([x0 + 24, y + 20 + line * 32, x0 + 24 + rng.randrange(150, w - 48), y + 38 + line * 32], fill=(60, 60, 60))
        y += 150
    lo, hi = 10, height - 300
    data = b""
    for _ in range(14):  # size the photo so the file lands near the target
        photo_h = (lo + hi) // 2
        image = base.copy()
        noise = Image.effect_noise((width - 160, photo_h), 60).convert("RGB")
        image.paste(noise, (80, 260))
        out = io.BytesIO()
        image.save(out, format="PNG")
        data = out.getvalue()
        if abs(len(data) - target_bytes) < target_bytes * 0.02:
            break
        lo, hi = (photo_h, hi) if len(data) < target_bytes else (lo, photo_h)
    return data


def multipart(fields, file_field, filename, content):
    boundary = "----meldpuntbench" + "".join(random.choice("0123456789abcdef") for _ in range(16))
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode() + content + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return boundary, b"".join(parts)


# --- HTTP helpers -------------------------------------------------------------------------------


def request(port, method, path, cookie, body=None, content_type=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Cookie": cookie}
    if content_type:
        headers["Content-Type"] = content_type
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response, payload


def cookies_from(response):
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


def start_gunicorn(port, workers):
    WORK.mkdir(parents=True, exist_ok=True)
    log = open(WORK / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "portal.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--error-logfile", "-"],
        env=ENV, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {WORK / 'gunicorn.log'}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cpu_seconds():
    """{pid: (kind, CPU seconds used so far)} of the gunicorn processes and of PostgreSQL's (from /proc: Linux,
    like wrk here)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        kind = "gunicorn" if "gunicorn" in command else "postgres" if command.startswith("postgres") else None
        if kind:
            used[pid] = (kind, (int(fields[11]) + int(fields[12])) / tick)  # utime + stime
    return used


def cpu_used(before, after):
    """CPU seconds per kind between two snapshots: what each process still running used meanwhile (a process
    that ended in between, such as an autovacuum worker, is left out rather than counted negative)."""
    used = {"gunicorn": 0.0, "postgres": 0.0}
    for pid, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return used


def wrk(port, path, cookie, args, *, method="GET", body_file=None, boundary=None, label=""):
    body = WRK_BODY.format(path=body_file, boundary=boundary) if body_file else ""
    script = WORK / f"wrk-{re.sub(r'[^a-z]+', '-', label.lower())}.lua"
    script.write_text(WRK_SCRIPT.format(method=method, cookie=cookie, body=body, limit=args.max_requests))
    command = ["wrk", "-t", "1", "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout", "30s",
               "-s", str(script), f"http://{HOST}:{port}{path}"]
    before = cpu_seconds()
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60).stdout
    after = cpu_seconds()
    line = next((x for x in output.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {label}:\n{output}")
    result = json.loads(line[len("BENCHJSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu"] = cpu_used(before, after)
    if result["status_errors"] or result["socket_errors"]:
        print(f"  !! {label}: {result['status_errors']} non-2xx/3xx responses, {result['socket_errors']} socket errors")
    return result


def combine(runs):
    """One figure per URL from its rounds: requests and time add up; the latencies are the rounds' medians."""
    middle = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    if not requests:  # not one answer within --duration: as slow as can be, a miss
        inf = float("inf")
        return {"requests": 0, "rps": 0.0, "p50_us": inf, "p95_us": inf, "cpu_ms": {kind: inf for kind in runs[0]["cpu"]}}
    cpu_ms = {kind: sum(r["cpu"][kind] for r in runs) / requests * 1000 for kind in runs[0]["cpu"]}
    return {"requests": requests, "rps": requests / seconds, "p50_us": middle([r["p50_us"] for r in runs]),
            "p95_us": middle([r["p95_us"] for r in runs]), "cpu_ms": cpu_ms}


def warm(port, method, path, cookie, expect, n=5, **kw):
    for _ in range(n):
        response, payload = request(port, method, path, cookie, **kw)
        if response.status != expect:
            raise SystemExit(f"{method} {path} answered {response.status}, expected {expect}:\n{payload[:2000].decode(errors='replace')}")
    return response, payload


# --- EXPLAIN ----------------------------------------------------------------------------------------


def explain_pages(leader, paths):
    """EXPLAIN (ANALYZE, BUFFERS) every SELECT on incidents_incident that the pages run, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(leader, backend="django.contrib.auth.backends.ModelBackend")
    seq_scans, lines, full = 0, [], []
    for path in paths:
        client.get(path)  # warm caches, like the served pages
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        lines.append(f"{path}  ({len(captured.captured_queries)} queries)")
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip("( ").upper().startswith("SELECT") or '"incidents_incident"' not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            full.append(f"-- {path}\n{sql}\n" + "\n".join(plan) + "\n")
            # Scans of the table and of its indexes (named incidents_incident_* or, by Django, incidents_i_*).
            nodes = sorted({re.sub(r"\s+\(.*", "", p.strip().lstrip("-> ").strip()) for p in plan
                            if re.search(r" on (incidents_incident\w*|incidents_i_\w+)", p)})
            seq = [n for n in nodes if n.startswith("Seq Scan on incidents_incident")]
            seq_scans += len(seq)
            exec_ms = next((p.split(":")[1].strip() for p in plan if p.startswith("Execution Time")), "?")
            buffers = next((p.strip() for p in plan if p.strip().startswith("Buffers:")), "")
            kind = "GROUP BY" if "GROUP BY" in sql.upper() else ("COUNT" if "COUNT(" in sql.upper() else "rows")
            lines.append(f"  {kind:<8} {exec_ms:>10}  {'; '.join(nodes) or '(no scan of incidents_incident)'}  [{buffers}]")
    (WORK / "explain.txt").write_text("\n".join(full))
    return seq_scans, lines


# --- main -----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="Seconds per URL and round (default 5).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds over all URLs (default 3).")
    parser.add_argument("--max-requests", type=int, default=3000, help="At most this many requests per URL and round.")
    cpus = os.cpu_count() or 2
    parser.add_argument("--connections", type=int, default=cpus * 2, help="Concurrent connections (default 2 per CPU).")
    parser.add_argument("--workers", type=int, default=cpus * 2, help="gunicorn sync workers (default 2 per CPU).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reseed", action="store_true", help="Seed the board anew even if it exists.")
    parser.add_argument("--only", choices=["GET", "POST"], help="Run only the GET pages or only the two POSTs.")
    parser.add_argument("--board", default="Seedbestuur")
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--pupils", type=int, default=60000)
    parser.add_argument("--incidents", type=int, default=100000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    prepare(args)
    from django.db import connection

    from incidents.models import Incident
    from meldpunt.management.commands.seed_board import DOMAIN, TIMELINE_MARK, purge

    leader, leader_cookie = session_cookie(f"schoolleider-1@{DOMAIN}")
    staff, staff_cookie = session_cookie(f"medewerker-1@{DOMAIN}")
    school_id = staff.memberships.get().school_id
    case = Incident.objects.get(school_id=school_id, description__startswith=TIMELINE_MARK)
    small = Incident.objects.filter(school_id=school_id, state="assessing").exclude(pk=case.pk).order_by("pk").first()
    visible = Incident.objects.filter(school_id=school_id).count()
    connection.close()  # no idle connection of ours during the load

    png = screenshot_png()
    gunicorn = start_gunicorn(args.port, args.workers)
    results = {}
    try:
        response, page = warm(args.port, "GET", "/melden/", staff_cookie, 200, n=1)
        cookies = cookies_from(response)
        csrf_name = next(name for name in cookies if "csrftoken" in name)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        post_cookie = f"{staff_cookie}; {csrf_name}={cookies[csrf_name]}"
        discovered = (datetime.datetime.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        boundary, body = multipart({
            "csrfmiddlewaretoken": token, "school": school_id, "category": "bullying", "platform": "whatsapp",
            "description": f"{REPORT_MARK} Screenshot van berichten in de klassenapp.", "discovered_at": discovered,
            "links": "",
        }, "files", "screenshot.png", png)
        body_file = WORK / "report-body.bin"
        body_file.write_bytes(body)
        content_type = f"multipart/form-data; boundary={boundary}"

        filters = "?include_closed=on&category=bullying&order=state_changed_at&page=2"
        scenarios = [
            ("bare GET", "GET", "/bench/bare/", leader_cookie, 200, None),
            ("dashboard", "GET", "/zaken/", leader_cookie, 200, None),
            ("case list", "GET", "/zaken/" + filters, leader_cookie, 200, None),
            ("case page", "GET", f"/zaken/{case.pk}/", leader_cookie, 200, None),
            ("small case", "GET", f"/zaken/{small.pk}/", leader_cookie, 200, None),
            ("bare POST", "POST", "/bench/bare/", post_cookie, 302, body_file),
            ("report POST", "POST", "/melden/", post_cookie, 302, body_file),
        ]
        print(f"\nBoard: {args.schools} schools, {Incident.objects.count():,} incidents; the school leader's school has "
              f"{visible:,} cases; the long-timeline case is /zaken/{case.pk}/. Screenshot: {len(png):,} bytes PNG.")
        print(f"gunicorn: {args.workers} sync workers; wrk: {args.connections} connections; {args.rounds} rounds of at most "
              f"{args.duration} s and {args.max_requests} requests per URL; {os.cpu_count()} CPUs shared by all.\n")
        scenarios = [scenario for scenario in scenarios if args.only in (None, scenario[1])]
        for label, method, path, cookie, expect, payload in scenarios:
            kw = {"body": body, "content_type": content_type} if payload else {}
            response, _ = warm(args.port, method, path, cookie, expect, **kw)
            if label == "report POST" and "/ontvangen/" not in response.getheader("Location", ""):
                raise SystemExit(f"The report was not accepted: {response.getheader('Location')}")
        # Rounds: every URL once per round, so a burst of other load on the machine hits all of them alike.
        # The pages are read first: the cases the report POSTs make land in the school leader's school,
        # hundreds within minutes, which is not the board the pages should be measured on.
        runs = {label: [] for label, *_ in scenarios}
        for phase in [args.only] if args.only else ["GET", "POST"]:
            for round_number in range(args.rounds):
                for label, method, path, cookie, expect, payload in scenarios:
                    if method == phase:
                        runs[label].append(wrk(args.port, path, cookie, args, method=method,
                                               body_file=payload and str(payload), boundary=boundary, label=label))
                print(f"  {phase} round {round_number + 1} of {args.rounds} done", flush=True)
        for label, *_ in scenarios:
            results[label] = r = combine(runs[label])
            print(f"  {label:<12} {r['requests']:>6} requests  median {r['p50_us'] / 1000:7.1f} ms  "
                  f"p95 {r['p95_us'] / 1000:7.1f} ms  {r['rps']:7.1f} req/s   CPU per request: gunicorn "
                  f"{r['cpu_ms']['gunicorn']:5.1f} ms, PostgreSQL {r['cpu_ms']['postgres']:4.1f} ms", flush=True)
    finally:
        stop(gunicorn)

    print("\nRatios to the baseline (bare view, same stack):")
    verdicts = []
    if "bare GET" in results:
        base = results["bare GET"]
        for label in ("dashboard", "case list", "case page"):
            r = results[label]
            ratio = r["p50_us"] / base["p50_us"]
            verdicts.append((label, ratio <= TARGET_PAGE_RATIO))
            print(f"  {label:<12} median {ratio:5.2f}x  p95 {r['p95_us'] / base['p95_us']:5.2f}x  "
                  f"throughput {r['rps'] / base['rps']:5.2f}x  CPU {cpu_ratio(r, base):5.2f}x   "
                  f"(target median <= {TARGET_PAGE_RATIO:g}x: "
                  f"{verdict(verdicts[-1][1])})")
        r = results["small case"]  # what the case page costs whatever its timeline: its forms, checklist and layout
        print(f"  {'small case':<12} median {r['p50_us'] / base['p50_us']:5.2f}x  p95 {r['p95_us'] / base['p95_us']:5.2f}x  "
              f"throughput {r['rps'] / base['rps']:5.2f}x  CPU {cpu_ratio(r, base):5.2f}x   (no target: a case in step 3 "
              f"with a few records, for comparison)")
    if "bare POST" in results:
        base_post, r = results["bare POST"], results["report POST"]
        ratio = r["p95_us"] / base_post["p95_us"]
        verdicts.append(("report POST", ratio <= TARGET_POST_P95_RATIO))
        print(f"  {'report POST':<12} median {r['p50_us'] / base_post['p50_us']:5.2f}x  p95 {ratio:5.2f}x  "
              f"throughput {r['rps'] / base_post['rps']:5.2f}x  CPU {cpu_ratio(r, base_post):5.2f}x   "
              f"(target p95 <= {TARGET_POST_P95_RATIO:g}x of the bare "
              f"POST: {verdict(verdicts[-1][1])})")

    made = Incident.objects.filter(description__startswith=REPORT_MARK)
    count = made.count()
    purge(Incident, made)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would, before the next run
    from portal.celery import app

    app.control.purge()
    shutil.rmtree(PRIVATE_MEDIA, ignore_errors=True)
    print(f"\nRemoved the {count} cases the report POSTs made.")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the dashboard's queries on incidents_incident (full plans in var/bench/explain.txt):")
    seq_scans, lines = explain_pages(leader, ["/zaken/", "/zaken/" + filters])
    print("\n".join(lines))
    verdicts.append(("no sequential scan", not seq_scans))
    print(f"  sequential scans of incidents_incident: {seq_scans} ({verdict(not seq_scans)})")

    missed = [label for label, ok in verdicts if not ok]
    print(f"\npages: {verdict(not missed)}" + (f" (missed: {', '.join(missed)})" if missed else ""))
    return 0 if not missed else 1


def cpu_ratio(result, base):
    """CPU per request (gunicorn and PostgreSQL) against the baseline's: no target, but less sensitive than the
    latencies to other load on the machine."""
    return sum(result["cpu_ms"].values()) / sum(base["cpu_ms"].values())


def verdict(ok):
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
