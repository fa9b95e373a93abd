"""Benchmark: a pupil dossier PDF with 50 incidents (target <= 2 s) and an XLSX register of 100,000
incidents (targets: written in <= 20 s, peak memory <= 300 MB).

    .venv/bin/python bench/exports.py [--incidents 100000] [--dossier-incidents 50]

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meldpunt_bench), created and
migrated if needed. The seeded rows are bulk-inserted and removed again at the end.
The XLSX is the incident register as the export job makes it (``register_build``, ``write_xlsx``), written by a
child process so that its peak resident memory (ru_maxrss) is the export's own, interpreter and Django included;
its CPU time is printed too (less sensitive to other load on the machine than the wall clock).
Each target is printed with PASS or FAIL; the script exits with 1 when one is missed.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meldpunt_bench")
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
    "DATABASE_URL": DATABASE_URL,
    "CELERY_TASK_ALWAYS_EAGER": "true",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DJANGO_LOG_LEVEL": "WARNING",
})

BOARD_NAME = "Benchmark-bestuur"
TARGET_PDF_SECONDS = 2.0
TARGET_XLSX_SECONDS = 20.0
TARGET_XLSX_MB = 300


def setup():
    import django

    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE_URL.rsplit("/", 1)[-1]], capture_output=True)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n_incidents, n_dossier):
    import datetime
    import random

    from django.utils import timezone

    from incidents.models import Category, Incident, Involvement, Platform, Transition
    from incidents.workflow import State
    from portal.models import Board, Membership, Person, Role, School, User
    from sanctions.models import Sanction, SanctionStatus
    from sanctions.selectors import measures_for

    cleanup()
    board = Board.objects.create(name=BOARD_NAME)
    school = School.objects.create(board=board, name="Benchmarkschool")
    leader = User.objects.create_user(email="bench-leider@example.org", first_name="Bench", last_name="Leider")
    Membership.objects.create(user=leader, board=board, school=school, role=Role.SCHOOL_LEADER)
    Membership.objects.create(user=leader, board=board, role=Role.ADMIN)
    pupil = Person.objects.create(school=school, kind="pupil", first_name="Sam", last_name="Bench", class_name="3A")
    rng = random.Random(1)
    now = timezone.now()
    states = list(State)
    batch = []
    for i in range(n_incidents):
        at = now - datetime.timedelta(minutes=i * 7)
        batch.append(Incident(
            school=school, reporter=leader, reported_at=at, discovered_at=at, platform=rng.choice(Platform.values),
            category=rng.choice(Category.values), severity=rng.choice(["low", "medium", "high"]),
            description="Berichten in de klassenapp " * 4, state=rng.choice(states), state_changed_at=at,
        ))
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    Incident.objects.bulk_create(batch)
    dossier_cases = list(Incident.objects.filter(school=school).order_by("pk")[:n_dossier])
    Involvement.objects.bulk_create([
        Involvement(incident=i, person=pupil, role="perpetrator" if k % 2 else "victim", created_by=leader, step=i.state)
        for k, i in enumerate(dossier_cases)
    ])
    Transition.objects.bulk_create([
        Transition(incident=i, name="start_gathering", source="reported", target="gathering", actor=leader)
        for i in dossier_cases
    ])
    warning = measures_for(person=pupil).get(code="warning")
    Sanction.objects.bulk_create([
        Sanction(person=pupil, school=school, incident=i, measure=warning, measure_label=warning.label,
                 guardians_first=True, decision="Schriftelijke waarschuwing.",
                 reasoning="Herhaald gedrag.", status=SanctionStatus.DECIDED, proposed_by=leader, decided_by=leader,
                 decided_at=now, guardians_contacted_at=now, guardians_contacted_how="Telefonisch")
        for i in dossier_cases[: n_dossier // 2]
    ])
    return leader, pupil


def cleanup():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM portal_board WHERE name = %s", [BOARD_NAME])
        if not cursor.fetchone():
            return
    from incidents.models import Incident
    from portal.models import AuditEvent, Board, Person, User
    from sanctions.models import Sanction

    board = Board.objects.get(name=BOARD_NAME)
    Sanction.objects.filter(school__board=board).delete()
    Incident.objects.filter(school__board=board).delete()
    Person.objects.filter(school__board=board).delete()
    AuditEvent.objects.filter(board=board)._raw_delete(AuditEvent.objects.db)
    users = list(User.objects.filter(memberships__board=board).values_list("pk", flat=True))
    AuditEvent.objects.filter(actor_id__in=users)._raw_delete(AuditEvent.objects.db)
    board.schools.all().delete()
    board.delete()
    User.objects.filter(pk__in=users).delete()


def xlsx_child(user_id, target):
    """Run in a child process: write the incident register of the benchmark board as XLSX, as the export job does."""
    import django

    django.setup()
    from django.conf import settings
    from django.http import QueryDict
    from django.utils import translation

    from portal.exports import register_build, write_xlsx
    from portal.models import User

    user = User.objects.get(pk=user_id)
    translation.activate(settings.LANGUAGE_CODE)
    cpu, started = time.process_time(), time.perf_counter()
    spec = register_build("incidents", user=user, params=QueryDict("include_closed=on"))
    with open(target, "wb") as handle:
        written = write_xlsx(columns=spec.columns, rows=spec.rows.iterator(chunk_size=2000), sheet_title=spec.title,
                             target=handle)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{written} {elapsed:.2f} {cpu:.2f} {peak_mb:.1f}")


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--xlsx-child":
        return xlsx_child(int(sys.argv[2]), sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--dossier-incidents", type=int, default=50)
    args = parser.parse_args()
    setup()
    print(f"seeding {args.incidents} incidents ...", flush=True)
    leader, pupil = seed(args.incidents, args.dossier_incidents)
    try:
        from sanctions.exports import dossier_pdf

        dossier_pdf(person=pupil, actor=leader)  # warm-up: fonts and templates loaded once per process
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            pdf = dossier_pdf(person=pupil, actor=leader)
            timings.append(time.perf_counter() - started)
        timings.sort()
        verdicts = [timings[2] <= TARGET_PDF_SECONDS]
        print(f"dossier PDF with {args.dossier_incidents} incidents: median {timings[2]:.2f} s, worst {timings[-1]:.2f} s, "
              f"{len(pdf) // 1024} KB (target median <= {TARGET_PDF_SECONDS:g} s: {verdict(verdicts[-1])})")
        target = "/tmp/meldpunt-bench-register.xlsx"
        result = subprocess.run([sys.executable, __file__, "--xlsx-child", str(leader.pk), target],
                                capture_output=True, text=True, check=True, env=os.environ)
        written, elapsed, cpu, peak = result.stdout.split()[-4:]
        elapsed, peak = float(elapsed), float(peak)
        size = os.path.getsize(target) / (1024 * 1024)
        verdicts += [int(written) == args.incidents, elapsed <= TARGET_XLSX_SECONDS, peak <= TARGET_XLSX_MB]
        print(f"XLSX of {int(written):,} incidents: {elapsed:.1f} s (CPU {float(cpu):.1f} s), {size:.1f} MB file "
              f"(all rows: {verdict(verdicts[-3])}; target <= {TARGET_XLSX_SECONDS:g} s: {verdict(verdicts[-2])})")
        print(f"XLSX peak memory {peak:.0f} MB (target <= {TARGET_XLSX_MB} MB: {verdict(verdicts[-1])})")
        print(f"exports: {verdict(all(verdicts))}")
        os.remove(target)
    finally:
        cleanup()
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
