from django.urls import path

from . import breach_views, statistics_views, views

app_name = "incidents"

urlpatterns = [
    path("melden/", views.report_create, name="report"),
    path("melden/<int:pk>/ontvangen/", views.report_done, name="report_done"),
    path("mijn-meldingen/", views.my_reports, name="my_reports"),
    path("zaken/", views.dashboard, name="dashboard"),
    path("zaken/<int:pk>/", views.incident_detail, name="detail"),
    path("zaken/<int:pk>/zaakrapport.pdf", views.case_report, name="case_report"),
    path("zaken/<int:pk>/aangiftepakket.zip", views.police_package, name="police_package"),
    path("zaken/<int:pk>/quarantaine/", views.quarantine, name="quarantine"),
    path("zaken/<int:pk>/quarantaine/verwijderen/", views.quarantine_destroy, name="quarantine_destroy"),
    path("zaken/<int:pk>/personen/", views.person_search, name="person_search"),
    path("zaken/<int:pk>/stap/<slug:name>/", views.incident_transition, name="transition"),
    path("zaken/<int:pk>/vastleggen/<slug:kind>/", views.incident_record, name="record"),
    path("zaken/<int:pk>/formulier/<slug:slot>/", views.record_slot, name="record_slot"),
    path("zaken/<int:pk>/tijdlijn/", views.timeline_page, name="timeline_page"),
    path("zaken/<int:pk>/berichten/<int:takedown_pk>/uitkomst/", views.takedown_outcome, name="takedown_outcome"),
    path("zaken/<int:pk>/vastleggingen/<slug:record_type>/<int:record_pk>/", views.record_detail, name="record_detail"),
    path("zaken/<int:pk>/vastleggingen/<slug:record_type>/<int:record_pk>/corrigeren/", views.record_correct,
         name="record_correct"),
    path("zaken/<int:pk>/vastleggingen/<slug:record_type>/<int:record_pk>/intrekken/", views.record_withdraw,
         name="record_withdraw"),
    path("bewijs/<uuid:token>/", views.evidence_file, name="evidence_file"),
    path("statistiek/", statistics_views.statistics_page, name="statistics"),
    path("datalekken/", breach_views.breach_queue, name="breach_queue"),
    path("datalekken/register/", breach_views.breach_register, name="breach_register"),
    path("datalekken/<int:pk>/", breach_views.breach_detail, name="breach_detail"),
]
