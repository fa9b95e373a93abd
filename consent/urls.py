from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("", views.index, name="index"),
    path("mijn-antwoorden/", views.mine, name="mine"),
    path("school/<int:school_id>/controleren/", views.check, name="check"),
    path("school/<int:school_id>/controleren/leerlingen/", views.check_search, name="check_search"),
    path("school/<int:school_id>/overzicht/", views.overview, name="overview"),
    path("school/<int:school_id>/personen/", views.people, name="people"),
    path("school/<int:school_id>/importeren/", views.import_pupils, name="import"),
    path("school/<int:school_id>/registers/", views.registers, name="registers"),
    path("school/<int:school_id>/werkaccounts/nieuw/", views.work_account_edit, name="work_account_new"),
    path("school/<int:school_id>/werkaccounts/<int:pk>/", views.work_account_edit, name="work_account_edit"),
    path("school/<int:school_id>/schoolaccounts/nieuw/", views.school_account_edit, name="school_account_new"),
    path("school/<int:school_id>/schoolaccounts/<int:pk>/wijzigen/", views.school_account_edit, name="school_account_edit"),
    path("schoolaccount/<int:pk>/", views.school_account, name="school_account"),
    path("persoon/<int:pk>/", views.person, name="person"),
    path("formulier/<uuid:token>/", views.form_file, name="form_file"),
    path("bestuur/<int:board_id>/doelen/", views.purposes, name="purposes"),
    path("bestuur/<int:board_id>/doelen/<int:pk>/", views.purposes, name="purpose_edit"),
    path("bestuur/<int:board_id>/doelen/standaard/", views.purposes_defaults, name="purposes_defaults"),
]
