from celery import shared_task

from . import services


@shared_task(acks_late=True)
def notify_pupils_turning_16():
    """Daily: tell the administrators which pupils turned 16 and must now answer themselves (once each)."""
    return services.consent_turning_16_notify()
