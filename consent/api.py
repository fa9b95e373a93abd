"""The consent check of the REST API: the check page's question, asked by a program.

Same school scope (another school is a 404), same validation (the page's form), same answer: everyone
who may run the check gets yes or no per pupil; only the school's leaders and administrators also get
the status and the reason behind it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rules import has_perm

from portal.api_base import MAX_ID, NotFoundWithErrors

from . import selectors
from .forms import CheckForm


def document_class_or_pupils(result, generator, request, public):
    """The question names a class or at least one pupil (CheckForm's rule), written into the OpenAPI schema,
    which a serializer's fields cannot say."""
    question = result.get("components", {}).get("schemas", {}).get("ConsentQuestionRequest")
    if question is not None:
        question["anyOf"] = [
            {"required": ["class_name"], "properties": {"class_name": {"minLength": 1}}},
            {"required": ["pupils"], "properties": {"pupils": {"minItems": 1}}},
        ]
    return result


class ConsentQuestionSerializer(serializers.Serializer):
    school = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    purpose = serializers.CharField(max_length=40, help_text="The code of one of the board's consent purposes.")
    class_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=32,
                                       help_text="Whole class")
    pupils = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                   default=list, max_length=1000, help_text="Or pick pupils")


class ConsentCheckRowSerializer(serializers.Serializer):
    pupil = serializers.IntegerField()
    name = serializers.CharField()
    class_name = serializers.CharField()
    may_post = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=[(selectors.YES, "Yes"), (selectors.NO, "No"), (selectors.UNKNOWN, "Unknown")], required=False,
        help_text="Only for the school's leaders and administrators.",
    )
    reason = serializers.CharField(required=False, help_text="Only for the school's leaders and administrators.")


class ConsentCheckSerializer(serializers.Serializer):
    school = serializers.IntegerField()
    purpose = serializers.CharField()
    show_reasons = serializers.BooleanField()
    blocked = serializers.IntegerField(help_text="How many of these pupils may not be shown.")
    results = ConsentCheckRowSerializer(many=True)


def _form_errors(form):
    return {("non_field_errors" if field == "__all__" else field): errors for field, errors in form.errors.items()}


class ConsentCheckView(APIView):
    @extend_schema(request=ConsentQuestionSerializer, responses={
        200: ConsentCheckSerializer,
        404: OpenApiResponse(description="Not a school this user belongs to, or a purpose, class or pupil it does not have."),
    })
    def post(self, request):
        """Before posting: may these pupils (or this class) be shown for this purpose?"""
        question = ConsentQuestionSerializer(data=request.data)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        school = selectors.consent_school_get_checkable(user=request.user, pk=data["school"])
        purposes = {purpose.code: purpose for purpose in selectors.consent_purposes(board=school.board)}
        purpose = purposes.get(data["purpose"])
        if purpose is None:  # like another school: a purpose the board does not have does not exist here
            raise NotFoundWithErrors({"purpose": [_("Unknown purpose: give the code of one of the board's consent purposes.")]})
        form = CheckForm(
            {"purpose": purpose.pk, "class_name": data["class_name"], "pupils": data["pupils"]},
            school=school, purposes=list(purposes.values()), classes=selectors.consent_classes(school=school),
            pupils=selectors.pupils_of(school=school),
        )
        if not form.is_valid():
            if any(form.has_error(name, "invalid_choice") for name in ("class_name", "pupils")):
                raise NotFoundWithErrors(_form_errors(form))  # a class or pupil this school does not have
            raise serializers.ValidationError(_form_errors(form))
        pupils = selectors.pupils_picked(school=school, class_name=form.cleaned_data["class_name"],
                                         pks=[p.pk for p in form.cleaned_data["pupils"]])
        show_reasons = has_perm("consent.see_reasons", request.user, school)
        rows = []
        for row in selectors.consent_check(purpose=purpose, pupils=pupils):
            result = {"pupil": row.person.pk, "name": row.person.full_name, "class_name": row.person.class_name,
                      "may_post": row.status.may_post}
            if show_reasons:  # teachers get yes or no; why stays with the leaders and administrators
                result.update(status=row.status.value, reason=str(row.status.reason))
            rows.append(result)
        return Response(ConsentCheckSerializer({
            "school": school.pk, "purpose": purpose.code, "show_reasons": show_reasons,
            "blocked": sum(1 for result in rows if not result["may_post"]), "results": rows,
        }).data)
