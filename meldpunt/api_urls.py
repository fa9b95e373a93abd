"""The REST API, version 1, mounted at /api/v1/: one router for every app's endpoints and the OpenAPI schema."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from consent.api import ConsentCheckView
from incidents.api import IncidentViewSet

from portal.api import NotificationViewSet, not_found

app_name = "api"

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("consent/check/", ConsentCheckView.as_view(), name="consent-check"),
    *router.urls,
    re_path(r"^.*/$", not_found, name="not-found"),
]
