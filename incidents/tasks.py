from celery import shared_task

from . import deadlines


@shared_task(acks_late=True)
def remind_breach_deadlines():
    return deadlines.breach_deadline_reminders()


@shared_task(acks_late=True)
def remind_takedowns():
    return deadlines.takedown_reminders()


@shared_task(acks_late=True)
def remind_stalled_cases():
    return deadlines.stalled_case_reminders()


@shared_task(acks_late=True)
def apply_retention():
    from .retention import retention_run

    return retention_run(apply=True).total
