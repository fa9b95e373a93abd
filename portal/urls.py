from django.contrib import admin
from django.urls import include, path

from incidents import views as incident_views

urlpatterns = [
    path("", incident_views.home, name="home"),
    path("", include("incidents.urls")),
    path("account/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
]
