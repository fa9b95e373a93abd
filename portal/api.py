"""The REST API's errors as JSON (also for a request too large to read), and the notifications endpoints. Sign-in, the two-factor rule, throttling
and paging are in api_base. The endpoints reuse the pages' selectors and services: the API shows and
changes exactly what the pages do, for the same people."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_base import id_from_url
from .api_fields import QueryParametersSerializer
from .models import Notification
from .notifications import absolute_url, notification_list_for, notification_mark_read


def exception_handler(exc, context):
    """Every error as JSON: a service's ValidationError is a 400 with its (Dutch) messages per field, and a
    404 says only that nothing was found, never which kind of object was looked for."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig)):
        exc = exceptions.ParseError(gettext("The request is too large: it has too many fields or files, or too much data."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


@csrf_exempt  # it changes nothing, and a POST to a wrong address should get the same JSON 404
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a JSON 404 like the endpoints give."""
    return JsonResponse({"detail": gettext("Not found.")}, status=404)


# Notifications -----------------------------------------------------------------------------------------

class NotificationSerializer(serializers.ModelSerializer):
    link = serializers.SerializerMethodField(help_text="Where the notification points in the portal.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "link", "incident", "created_at", "read_at"]
        read_only_fields = fields

    def get_link(self, notification) -> str:
        return absolute_url(notification.url)


class NotificationFilterSerializer(QueryParametersSerializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notifications.")


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in user's own notifications, as in the inbox: nobody sees or marks anyone else's."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; the rows are always the user's own
    lookup_value_regex = "[^/]+"  # any id reaches id_from_url, which answers a JSON 404 for what is no id

    def get_queryset(self):
        return notification_list_for(user=self.request.user)

    @extend_schema(parameters=[NotificationFilterSerializer])
    def list(self, request):
        params = NotificationFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        notifications = notification_list_for(user=request.user, unread_only=params.validated_data["unread"])
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: OpenApiResponse(description="Not your notification.")})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_queryset().filter(pk=id_from_url(pk)).first()
        if notification is None:
            raise exceptions.NotFound()
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notification_mark_read(user=request.user)})
