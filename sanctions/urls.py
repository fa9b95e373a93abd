from django.urls import path, re_path

from . import views

app_name = "sanctions"

urlpatterns = [
    path("dossiers/", views.dossier_list, name="dossiers"),
    path("dossiers/<int:pk>/", views.dossier_detail, name="dossier"),
    re_path(r"^dossiers/(?P<pk>\d+)/export\.(?P<fmt>pdf|zip)$", views.dossier_export, name="dossier_export"),
    path("dossiers/<int:pk>/documenten/", views.correspondence_create, name="correspondence_create"),
    path("documenten/<uuid:token>/", views.correspondence_file, name="correspondence_file"),
    path("sancties/", views.sanction_list, name="list"),
    path("sancties/nieuw/", views.sanction_create, name="create"),
    path("sancties/nieuw/einddatum/", views.sanction_preview, name="preview"),
    path("sancties/<int:pk>/", views.sanction_detail, name="detail"),
    path("sancties/<int:pk>/besluit/", views.sanction_decide, name="decide"),
    path("sancties/<int:pk>/ouders/", views.sanction_guardians, name="guardians"),
    path("sancties/<int:pk>/documenten/", views.sanction_letter, name="letter"),
    path("sancties/<int:pk>/intrekken/", views.sanction_withdraw, name="withdraw"),
    path("sancties/<int:pk>/hoorzitting/", views.sanction_hearing, name="hearing"),
    path("sancties/<int:pk>/besluitbrief/", views.sanction_letter_make, name="letter_make"),
    path("sancties/<int:pk>/toelating/", views.sanction_admission, name="admission"),
    path("sancties/<int:pk>/bezwaar/", views.sanction_objection, name="objection"),
    path("besluitbrieven/<int:pk>/verzonden/", views.letter_sent, name="letter_sent"),
    path("bezwaren/<int:pk>/uitkomst/", views.objection_outcome, name="objection_outcome"),
    re_path(r"^sancties/intrekken/(?P<kind>hearing|letter|duty|objection)/(?P<pk>\d+)/$", views.record_withdraw,
            name="record_withdraw"),
    path("meldplichten/", views.duty_list, name="duties"),
    path("meldplichten/<int:pk>/", views.duty_detail, name="duty"),
    path("meldplichten/<int:pk>/corrigeren/", views.duty_correct, name="duty_correct"),
    path("bestuur/<int:board_id>/besluitbrieven/", views.letter_templates, name="letter_templates"),
    path("bestuur/<int:board_id>/besluitbrieven/<str:kind>/", views.letter_template_edit, name="letter_template"),
    path("lvi/nieuw/", views.lvi_create, name="lvi_create"),
    path("lvi/<int:pk>/", views.lvi_detail, name="lvi_detail"),
    path("aangiften/", views.police_register, name="police_register"),
]
