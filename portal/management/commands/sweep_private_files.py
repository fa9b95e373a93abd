import datetime

from django.core.management.base import BaseCommand

from portal.files import private_files_sweep


class Command(BaseCommand):
    help = ("List the files in the private storage that no record names and that are older than the grace period "
            "(a dry run, the default); with --apply, delete them. Celery beat runs this every night.")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Delete instead of only listing.")
        parser.add_argument("--grace-hours", type=float, default=None,
                            help="Leave files younger than this (default: MELDPUNT_FILE_SWEEP_GRACE_HOURS).")

    def handle(self, *args, apply=False, grace_hours=None, **options):
        grace = datetime.timedelta(hours=grace_hours) if grace_hours is not None else None
        stray = private_files_sweep(grace=grace, apply=apply)
        for name in stray:
            self.stdout.write(name)
        self.stdout.write(f"{'Deleted' if apply else 'Would delete'} {len(stray)} file(s).")
