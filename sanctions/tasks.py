from celery import shared_task

from . import services


@shared_task(acks_late=True)
def remind_sanction_duties():
    """Daily: open duties to the Inspectie and the leerplichtambtenaar, and removals still searching for another
    school (weeks 6, 7 and 8). Each reminder is written once per day or milestone (dedupe keys)."""
    return services.sanction_reminders_send()
