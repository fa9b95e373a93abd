from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicReportsConfig(AppConfig):
    name = "publicreports"
    verbose_name = _("Public reporting page")
