"""`kindred worker`: run background tasks from the database queue (django-tasks-db).

It is also the scheduler: the functions the apps declare in `scheduled` (contrib.py) run when the worker starts and then
every SCHEDULE_INTERVAL seconds in a background thread (also once before a `--batch` run,
so a cron job running `kindred worker --batch` schedules too). Each one only enqueues tasks
and must be idempotent: safe to call any number of times, from any number of workers
(e.g. the daily retention purge records its day, privacy/tasks.py)."""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from kindred.core import declarations

logger = logging.getLogger("kindred.worker")

# Seconds between two rounds (each job is cheap and idempotent): a daily job starts at most
# this late after midnight, and a job whose worker died is failed within LEASE + this.
SCHEDULE_INTERVAL = settings.KINDRED_SCHEDULE_INTERVAL  # KINDRED_SCHEDULE_INTERVAL, default 60


def run_scheduled() -> None:
    for job in declarations.scheduled_jobs():
        try:
            job()
        except Exception:
            # One failing schedule (a locked SQLite file, a bad row) must not stop the
            # others or the thread: it is logged and tried again at the next tick.
            logger.exception("Scheduled job %s.%s failed", job.__module__, job.__qualname__)
        finally:
            close_old_connections()


def _schedule_forever() -> None:
    while True:
        time.sleep(SCHEDULE_INTERVAL)
        run_scheduled()


class Command(DbWorkerCommand):
    help = "Run Kindred's background tasks. Start one beside the web server in production."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not run the scheduled jobs (e.g. the daily retention purge) from this worker.",
        )

    def handle(self, *args, **options):
        if options.pop("schedule", True):
            run_scheduled()
            # With --reload, the parent process only watches files: the child schedules.
            in_worker = not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV)
            if not options.get("batch") and in_worker:
                threading.Thread(target=_schedule_forever, name="scheduler", daemon=True).start()
        return super().handle(*args, **options)
