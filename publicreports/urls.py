from django.urls import path

from . import views

app_name = "publicreports"

urlpatterns = [
    # Public: no account, no session.
    path("m/<str:key>/", views.report_page, name="report"),
    path("melding-volgen/", views.follow, name="follow"),
    path("melding-volgen/aanvullen/", views.add_information, name="add"),
    # The school's side.
    path("meldpagina/", views.pages, name="pages"),
    path("meldpagina/<int:school_id>/", views.page_detail, name="page"),
    path("meldpagina/<int:school_id>/qr.<str:fmt>", views.page_qr, name="qr"),
    path("meldpagina/<int:school_id>/poster/", views.page_poster, name="poster"),
    path("meldpagina/<int:school_id>/pauze/", views.page_pause, name="pause"),
    path("openbare-meldingen/", views.report_list, name="list"),
    path("openbare-meldingen/<int:pk>/", views.report_detail, name="detail"),
    path("openbare-meldingen/<int:pk>/<slug:action>/", views.report_handle, name="handle"),
]
