"""The incidents endpoints of the REST API: the case list, one case, filing a report, and the step changes.

Thin, like the pages: reads go through the selectors (so a case of another school does not exist here
either), writes through the services (which check who may do what, lock the row and log it)."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rules import has_perm

from portal.api_base import MAX_ID, Conflict, NotFoundWithErrors, id_from_url
from portal.api_fields import DateTimeField, OptionalChoiceField, OptionalURLField, QueryParametersSerializer
from portal.forms import EvidenceFilesField, LinksField
from portal.models import School
from portal.protocols import protocol_rules
from portal.validators import validate_in_past

from . import imagery, selectors, services, workflow
from .forms import CaseFilterForm, ReportForm
from .models import Category, Decision, Evidence, Incident, Platform, Severity, Transition, VictimType


class SchoolRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class IncidentFilterSerializer(QueryParametersSerializer):
    """The dashboard's filters, as query parameters."""

    state = serializers.ChoiceField(choices=workflow.State.choices, required=False,
                                    help_text="Only cases in this step (a closed step needs no include_closed).")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    school = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    privacy = serializers.BooleanField(required=False, default=False, help_text="Only privacy incidents.")
    include_closed = serializers.BooleanField(required=False, default=False,
                                              help_text="Also closed and dismissed cases.")
    older_than_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    order = serializers.ChoiceField(choices=CaseFilterForm.base_fields["order"].choices, required=False)


class IncidentSummarySerializer(serializers.ModelSerializer):
    """A row of the case list: what the dashboard and "my reports" show."""

    reference = serializers.CharField(read_only=True)
    school = SchoolRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    step_number = serializers.IntegerField(read_only=True, allow_null=True)
    severity = OptionalChoiceField(choices=Severity.choices, read_only=True, help_text="Null until the case is triaged.")

    class Meta:
        model = Incident
        fields = ["id", "reference", "school", "state", "state_label", "step_number", "category", "platform",
                  "severity", "privacy_flag", "reported_at", "state_changed_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    url = OptionalURLField(read_only=True, help_text="The link; null for a file.")
    download = serializers.SerializerMethodField(
        help_text="The file in the portal (signed in to the portal); empty for a link, for an image the worker has "
                  "not yet re-encoded, and for one it could not decode."
    )
    processed = serializers.BooleanField(
        read_only=True, help_text="False while an uploaded image waits for the worker that re-encodes it.")
    processing_error = serializers.CharField(
        read_only=True, help_text="Why the worker refused the image (it could not be decoded); empty otherwise.")
    sha256 = serializers.CharField(read_only=True, help_text=(
        "SHA-256 of the file as received, before any re-encoding; empty for a link (and for files uploaded before "
        "hashes were kept)."))
    stored_sha256 = serializers.CharField(read_only=True, help_text=(
        "SHA-256 of the stored copy that is served (the re-encoded image); empty until the worker has re-encoded it."))
    received_size = serializers.IntegerField(read_only=True, help_text="Size in bytes as received.")

    class Meta:
        model = Evidence
        fields = ["id", "url", "original_name", "content_type", "size", "description", "created_at", "processed",
                  "processing_error", "download", "sha256", "stored_sha256", "received_size"]
        read_only_fields = fields

    def get_download(self, evidence) -> str:
        if not evidence.file or not evidence.processed:  # the file view answers 404 for those
            return ""
        return self.context["request"].build_absolute_uri(reverse("incidents:evidence_file", args=[evidence.token]))


def step_label(incident):
    """The step's name as the case page shows it: in the words of the board's protocol."""
    return protocol_rules(incident.school.board).step_labels.get(incident.state, incident.get_state_display())


class IncidentReportViewSerializer(IncidentSummarySerializer):
    """One case as its reporter follows it: the report, its step and what they sent themselves."""

    state_label = serializers.SerializerMethodField(help_text="The step as the board's protocol names it.")
    full_view = serializers.SerializerMethodField(help_text="Whether this is the whole case or only the report.")
    evidence = serializers.SerializerMethodField()

    class Meta(IncidentSummarySerializer.Meta):
        fields = IncidentSummarySerializer.Meta.fields + [
            "description", "occurred_at", "discovered_at", "anonymised_at", "full_view", "minor_nudity", "evidence",
        ]
        read_only_fields = fields

    def get_state_label(self, incident) -> str:
        return step_label(incident)

    def get_full_view(self, incident) -> bool:
        return self.context["full_view"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, incident):
        return EvidenceSerializer(self.context["evidence"], many=True, context=self.context).data


class IncidentSerializer(IncidentReportViewSerializer):
    """The whole case, for those who see it on the case page."""

    reporter = PersonRefSerializer(read_only=True, allow_null=True)
    decided_by = PersonRefSerializer(read_only=True, allow_null=True)
    protocol_version = serializers.CharField(read_only=True, allow_null=True,
                                             help_text="The protocol version the case runs under.")
    decision = OptionalChoiceField(choices=Decision.choices, read_only=True, help_text="Null until step 3 is decided.")
    victim_type = OptionalChoiceField(choices=VictimType.choices, read_only=True,
                                      help_text="Only for a criminal offence; null otherwise.")

    class Meta(IncidentReportViewSerializer.Meta):
        fields = IncidentReportViewSerializer.Meta.fields + [
            "reporter", "facts_account", "decision", "victim_type", "decision_reasoning", "decided_by", "decided_at",
            "protocol_version",
        ]
        read_only_fields = fields


class IncidentReportSerializer(serializers.Serializer):
    """A new report, with the report page's checks; files (multipart) go through the same upload checks."""

    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.none(),
        error_messages={"does_not_exist": _("You can only report incidents for your own school.")},
    )
    category = serializers.ChoiceField(choices=Category.choices)
    platform = serializers.ChoiceField(choices=Platform.choices)
    description = serializers.CharField(max_length=ReportForm.base_fields["description"].max_length)
    privacy_flag = serializers.BooleanField(required=False, default=False)
    minor_nudity = serializers.BooleanField(required=False, default=False, help_text=(
        "It concerns a nude image of a minor. Such a report, and any sexting report, carries no files: links and "
        "text only (files are refused at the files field)."))
    occurred_at = DateTimeField(required=False, allow_null=True, default=None, validators=[validate_in_past])
    discovered_at = DateTimeField(required=False, allow_null=True, default=None, validators=[validate_in_past],
                                  help_text="Empty: now.")
    links = serializers.ListField(child=serializers.CharField(max_length=2000), required=False, default=list,
                                  help_text=f"At most {settings.MELDPUNT_MAX_LINKS}.")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  max_length=settings.MELDPUNT_MAX_FILES, help_text="PNG, JPEG or PDF, at most 10 MB each.")

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:  # the user's own schools; none when only the schema is being made
            self.fields["school"].queryset = schools

    def validate_links(self, links):
        LinksField().validate(links)
        return links

    def validate_files(self, files):
        return EvidenceFilesField(decoded_by_worker=True).clean(files)  # the report page's own checks, whatever they become

    def validate(self, data):
        try:
            imagery.check_no_files(data.get("files"), category=data.get("category", ""),
                                   minor_nudity=data.get("minor_nudity"))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict)
        return data


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    needs_reason = serializers.BooleanField(help_text="A note with the reason is required.")
    blocked_by = serializers.ListField(child=serializers.CharField(), help_text="What is still needed first.")


class TransitionSerializer(serializers.ModelSerializer):
    actor = PersonRefSerializer(read_only=True)

    class Meta:
        model = Transition
        fields = ["id", "name", "source", "target", "actor", "at", "note"]
        read_only_fields = fields


class TransitionsSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=workflow.State.choices)
    state_label = serializers.CharField()
    available = TransitionOptionSerializer(many=True, help_text="The step changes this user may take now.")
    history = TransitionSerializer(many=True, help_text="Every step change so far (for those who see the whole case).")


class StepChangeSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=[(change.name, change.label) for change in workflow.TRANSITIONS])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


def _moved_on(name, state):
    """Whether the step change named starts from another step than the one the case is in now."""
    change = workflow.TRANSITIONS_BY_NAME.get(name)
    return change is not None and change.source != state


class IncidentViewSet(viewsets.GenericViewSet):
    """Cases, scoped exactly as on the pages: a case the user may not see answers 404."""

    queryset = Incident.objects.none()  # for the schema; every read goes through the selectors
    lookup_value_regex = "[^/]+"  # any id reaches id_from_url, which answers a JSON 404 for what is no id
    serializer_class = IncidentSerializer
    parser_classes = [JSONParser, MultiPartParser]  # a report may carry screenshots

    def _case(self, pk):
        return selectors.incident_get_visible(user=self.request.user, pk=id_from_url(pk))

    def _case_data(self, incident):
        user = self.request.user
        full_view = selectors.incident_full_view_allowed(user=user, incident=incident)
        evidence = selectors.evidence_for_viewer(user=user, incident=incident, full_view=full_view)
        context = {**self.get_serializer_context(), "full_view": full_view, "evidence": evidence}
        serializer = IncidentSerializer if full_view else IncidentReportViewSerializer
        return serializer(incident, context=context).data

    def _transitions_data(self, incident):
        full_view = selectors.incident_full_view_allowed(user=self.request.user, incident=incident)
        options = services.incident_available_transitions(incident=incident, user=self.request.user)
        history = Transition.objects.filter(incident=incident).select_related("actor") if full_view else []
        return TransitionsSerializer({
            "state": incident.state,
            "state_label": step_label(incident),
            "available": [
                {"name": name, "label": label, "needs_reason": needs_reason, "blocked_by": blocked_by}
                for name, label, needs_reason, blocked_by in options
            ],
            "history": history,
        }).data

    @extend_schema(parameters=[IncidentFilterSerializer], responses=IncidentSummarySerializer(many=True))
    def list(self, request):
        """The cases this user may see, open ones unless asked otherwise, newest first (as on the dashboard)."""
        params = IncidentFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = {key: value for key, value in params.validated_data.items() if value not in (None, "", False)}
        page = self.paginate_queryset(selectors.incident_list_visible_to(user=request.user, filters=filters))
        return self.get_paginated_response(IncidentSummarySerializer(page, many=True).data)

    @extend_schema(responses={
        200: OpenApiResponse(IncidentSerializer, description=(
            "The whole case; its reporter without another role on it gets only the report fields and their own evidence."
        )),
        404: OpenApiResponse(description="No such case, or not one this user may see."),
    })
    def retrieve(self, request, pk=None):
        incident = self._case(pk)
        services.incident_view_logged(incident=incident, actor=request.user)
        return Response(self._case_data(incident))

    @extend_schema(request={"application/json": IncidentReportSerializer, "multipart/form-data": IncidentReportSerializer},
                   responses={201: IncidentSerializer, 403: OpenApiResponse(description="Not linked to a school."),
                              404: OpenApiResponse(description="The school is not one of this user's own schools.")})
    def create(self, request):
        """File a report for one of the user's own schools; the school leader is notified, as from the page."""
        if not has_perm("incidents.report_incident", request.user):
            raise exceptions.PermissionDenied(
                _("You are not linked to a school, so you cannot file a report. Ask your administrator.")
            )
        schools = selectors.incident_report_schools(user=request.user)
        report = IncidentReportSerializer(data=request.data, schools=schools)
        if not report.is_valid():
            if any(error.code == "does_not_exist" for error in report.errors.get("school", [])):
                raise NotFoundWithErrors(report.errors)  # another school does not exist here, as everywhere
            raise exceptions.ValidationError(report.errors)
        data = report.validated_data
        incident = services.incident_report(
            school=data["school"], reporter=request.user, platform=data["platform"], category=data["category"],
            description=data["description"], privacy_flag=data["privacy_flag"], occurred_at=data["occurred_at"],
            discovered_at=data["discovered_at"], files=data["files"], links=data["links"],
            minor_nudity=data["minor_nudity"],
        )
        location = reverse("api:incident-detail", args=[incident.pk])
        return Response(self._case_data(incident), status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(methods=["GET"], responses=TransitionsSerializer)
    @extend_schema(methods=["POST"], request=StepChangeSerializer, responses={
        200: TransitionsSerializer,
        400: OpenApiResponse(description="Blocked: the messages say what is still needed first."),
        403: OpenApiResponse(description="Only the school leader of the case's school changes its step."),
        409: OpenApiResponse(description="The case is no longer in the step this change starts from."),
    })
    @action(detail=True, methods=["get", "post"], parser_classes=[JSONParser])
    def transitions(self, request, pk=None):
        """The step changes this user may take now (with what still blocks them) and the case's history of
        step changes; POST takes one, as the button on the case page does."""
        incident = self._case(pk)
        if request.method == "POST":
            change = StepChangeSerializer(data=request.data)
            change.is_valid(raise_exception=True)
            name = change.validated_data["name"]
            try:
                services.incident_advance(incident=incident, transition=name, actor=request.user,
                                          note=change.validated_data["note"])
            except DjangoValidationError as error:
                incident.refresh_from_db()
                if _moved_on(name, incident.state):
                    raise Conflict(" ".join(error.messages))
                raise
            incident.refresh_from_db()
        return Response(self._transitions_data(incident))
