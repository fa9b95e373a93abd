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
    path("sancties/<int:pk>/", views.sanction_detail, name="detail"),
    path("sancties/<int:pk>/besluit/", views.sanction_decide, name="decide"),
    path("sancties/<int:pk>/ouders/", views.sanction_guardians, name="guardians"),
    path("sancties/<int:pk>/documenten/", views.sanction_letter, name="letter"),
    path("lvi/nieuw/", views.lvi_create, name="lvi_create"),
    path("lvi/<int:pk>/", views.lvi_detail, name="lvi_detail"),
    path("aangiften/", views.police_register, name="police_register"),
]
