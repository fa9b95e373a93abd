from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeldpuntConfig(AppConfig):
    name = "meldpunt"
    verbose_name = _("Meldpunt")

    def ready(self):
        # Celery registers the apps' tasks lazily, when a worker starts. A web process with eager tasks
        # (the embedded demo) runs them itself and must know them too.
        from portal.celery import app

        app.autodiscover_tasks(force=True)
