from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Celery registers the apps' tasks lazily, when a worker starts. A web process with eager tasks
        # (the embedded demo) runs them itself and must know them too.
        from .celery import app

        app.autodiscover_tasks(force=True)
