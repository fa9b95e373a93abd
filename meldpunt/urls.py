from django.contrib import admin
from django.urls import include, path

from incidents import views as incident_views

from portal import views

from . import views as wiring_views

urlpatterns = [
    path("", incident_views.home, name="home"),
    path("", include("incidents.urls")),
    path("", include("sanctions.urls")),
    path("toestemming/", include("consent.urls")),
    path("", include("publicreports.urls")),
    path("meldingen/", views.inbox, name="inbox"),
    path("meldingen/gelezen/", views.inbox_mark_read, name="inbox_mark_all_read"),
    path("meldingen/<int:pk>/gelezen/", views.inbox_mark_read, name="inbox_mark_read"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("protocol/", wiring_views.protocol_page, name="protocol"),
    path("bestuur/start/", views.onboarding, name="onboarding"),
    path("bestuur/medewerkers/importeren/", views.staff_import_page, name="staff_import"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    path("api/v1/", include("meldpunt.api_urls")),
    path("account/login/", views.login, name="account_login"),  # allauth's, with the providers in its CSP
    path("account/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
]
