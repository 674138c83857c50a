"""Webhook destinations of a site: create (secret shown once), list, read, change, delete, rotate."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api.models import Scope
from consent.api.pagination import MAX_BIGINT
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.hooks import selectors as hooks_selectors
from consent.hooks import services as hooks_services
from consent.hooks.models import ALL_EVENT_TYPES, Destination

DESTINATION_PARAMETER = OpenApiParameter("destination_id", int, OpenApiParameter.PATH, description="The destination id")

DESTINATION_EXAMPLE = {
    "id": 7,
    "name": "CRM",
    "url": "https://hooks.example.com/assent",
    "purposes": ["marketing"],
    "event_types": ["consent.expired", "consent.updated", "subject.erased"],
    "active": True,
    "disabled_reason": "",
    "failing_since": None,
    "created_at": "2026-05-01T09:30:00Z",
    "updated_at": "2026-05-01T09:30:00Z",
}
# An illustration for the docs, not a real secret.
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105


class DestinationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    url = serializers.CharField()
    purposes = serializers.ListField(child=serializers.CharField(), help_text="Purpose slugs; empty: every purpose")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=ALL_EVENT_TYPES))
    active = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_blank=True)
    failing_since = serializers.DateTimeField(allow_null=True, help_text="Start of the current run of failures")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def destination_or_404(view: SiteApiView, destination_id: int) -> Destination:
    """Return the destination when it belongs to the view's site, else answer 404."""
    if destination_id > MAX_BIGINT:
        raise NotFound
    destination = hooks_selectors.destination_get(organization=view.site.organization, destination_id=destination_id)
    if destination is None or destination.site_id != view.site.pk:
        raise NotFound
    return destination


class DestinationListView(SiteApiView):
    """GET: the site's destinations; POST: add one and see its signing secret this once."""

    required_scope = Scope.HOOKS_MANAGE

    class CreateInputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=500, help_text="https URL that receives the webhooks")
        purposes = serializers.ListField(
            child=serializers.CharField(max_length=64), max_length=100, help_text="Purpose slugs; empty: every purpose"
        )
        event_types = serializers.ListField(
            child=serializers.ChoiceField(choices=ALL_EVENT_TYPES),
            required=False,
            min_length=1,
            help_text="Default: consent.updated, consent.expired, subject.erased",
        )
        name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    class CreateOutputSerializer(DestinationSerializer):
        secret = serializers.CharField(help_text="The signing secret (Standard Webhooks); shown only now")

    class ListOutputSerializer(serializers.Serializer):
        results = DestinationSerializer(many=True)

    @extend_schema(
        operation_id="destinations_list",
        summary="The site's webhook destinations",
        responses={200: ListOutputSerializer, **errors()},
        examples=[
            OpenApiExample("list", response_only=True, status_codes=["200"], value={"results": [DESTINATION_EXAMPLE]})
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        rows = hooks_selectors.destinations_of(site=self.site)
        return Response(self.ListOutputSerializer({"results": rows}).data)

    @extend_schema(
        operation_id="destinations_create",
        summary="Add a webhook destination",
        request=CreateInputSerializer,
        responses={201: CreateOutputSerializer, **errors(400, 413)},
        examples=[
            OpenApiExample(
                "CRM hears about marketing",
                request_only=True,
                value={"url": "https://hooks.example.com/assent", "purposes": ["marketing"], "name": "CRM"},
            ),
            OpenApiExample(
                "created",
                response_only=True,
                status_codes=["201"],
                value={**DESTINATION_EXAMPLE, "secret": SECRET_EXAMPLE},
            ),
        ],
    )
    def post(self, request: Request, site_key: str) -> Response:
        body = self.CreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        destination, secret = hooks_services.destination_create(site=self.site, **body.validated_data)
        out = {**DestinationSerializer(destination).data, "secret": secret}
        return Response(self.CreateOutputSerializer(out).data, status=201)


class DestinationDetailView(SiteApiView):
    """GET, PATCH or DELETE one destination."""

    required_scope = Scope.HOOKS_MANAGE

    class UpdateInputSerializer(serializers.Serializer):
        url = serializers.CharField(required=False, max_length=500)
        purposes = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=100)
        event_types = serializers.ListField(
            child=serializers.ChoiceField(choices=ALL_EVENT_TYPES), required=False, min_length=1
        )
        name = serializers.CharField(required=False, allow_blank=True, max_length=100)
        active = serializers.BooleanField(required=False, help_text="false pauses sending; true resumes it")

    @extend_schema(
        operation_id="destinations_retrieve",
        summary="One webhook destination",
        parameters=[DESTINATION_PARAMETER],
        responses={200: DestinationSerializer, **errors()},
        examples=[OpenApiExample("destination", response_only=True, status_codes=["200"], value=DESTINATION_EXAMPLE)],
    )
    def get(self, request: Request, site_key: str, destination_id: int) -> Response:
        return Response(DestinationSerializer(destination_or_404(self, destination_id)).data)

    @extend_schema(
        operation_id="destinations_update",
        summary="Change a webhook destination (only the fields sent)",
        parameters=[DESTINATION_PARAMETER],
        request=UpdateInputSerializer,
        responses={200: DestinationSerializer, **errors(400, 413)},
        examples=[
            OpenApiExample("pause", request_only=True, value={"active": False}),
            OpenApiExample(
                "paused",
                response_only=True,
                status_codes=["200"],
                value={**DESTINATION_EXAMPLE, "active": False, "disabled_reason": "disabled by an operator"},
            ),
        ],
    )
    def patch(self, request: Request, site_key: str, destination_id: int) -> Response:
        destination = destination_or_404(self, destination_id)
        body = self.UpdateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        destination = hooks_services.destination_update(destination=destination, **body.validated_data)
        return Response(DestinationSerializer(destination).data)

    @extend_schema(
        operation_id="destinations_delete",
        summary="Delete a webhook destination with its deliveries",
        parameters=[DESTINATION_PARAMETER],
        responses={204: None, **errors()},
    )
    def delete(self, request: Request, site_key: str, destination_id: int) -> Response:
        hooks_services.destination_delete(destination=destination_or_404(self, destination_id))
        return Response(status=204)


class DestinationRotateSecretView(SiteApiView):
    """Give a destination a new secret; the old one keeps signing for a day so receivers can switch."""

    required_scope = Scope.HOOKS_MANAGE

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        secret = serializers.CharField(help_text="The new signing secret; shown only now")

    @extend_schema(
        operation_id="destinations_rotate_secret",
        summary="Rotate a destination's signing secret",
        description="Refused (400) while five replaced secrets are still within their 24 hours of signing.",
        parameters=[DESTINATION_PARAMETER],
        request=None,
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "rotated", response_only=True, status_codes=["200"], value={"id": 7, "secret": SECRET_EXAMPLE}
            )
        ],
    )
    def post(self, request: Request, site_key: str, destination_id: int) -> Response:
        destination = destination_or_404(self, destination_id)
        secret = hooks_services.destination_secret_rotate(destination=destination)
        return Response(self.OutputSerializer({"id": destination.pk, "secret": secret}).data)
