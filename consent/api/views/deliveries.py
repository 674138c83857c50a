"""A destination's deliveries and their attempts, and sending them again."""

import json
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api.models import Scope
from consent.api.pagination import MAX_BIGINT, id_page
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.api.views.destinations import DESTINATION_PARAMETER, destination_or_404
from consent.hooks import selectors as hooks_selectors
from consent.hooks import services as hooks_services
from consent.hooks.models import Delivery

DELIVERY_PARAMETER = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="The delivery id")

DELIVERY_EXAMPLE = {
    "id": 311,
    "message_id": "msg_2fQbq1xk7YH6T3VnLwA9",
    "event_type": "consent.updated",
    "status": "failed",
    "attempts": 8,
    "next_attempt_at": "2026-05-02T09:30:00Z",
    "last_status_code": 503,
    "last_error": "HTTP 503",
    "created_at": "2026-05-01T09:30:00Z",
    "delivered_at": None,
    "redacted_at": None,
}


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message_id = serializers.CharField(help_text="The webhook-id header; the same on every attempt and replay")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=Delivery.Status.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    redacted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the payload lost the subject's id and state (delivered or erased): no replay"
    )


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    latency_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    response_body = serializers.CharField(allow_blank=True, help_text="The first 1,000 characters of the answer")


def delivery_or_404(view: SiteApiView, destination_id: int, delivery_id: int) -> Delivery:
    """Return a delivery of the view's site's destination, else answer 404."""
    destination = destination_or_404(view, destination_id)
    if delivery_id > MAX_BIGINT:
        raise NotFound
    delivery = hooks_selectors.delivery_get(organization=view.site.organization, delivery_id=delivery_id)
    if delivery is None or delivery.destination_id != destination.pk:
        raise NotFound
    return delivery


class DeliveryListView(SiteApiView):
    """A destination's deliveries, newest first, by a cursor (new deliveries never shift a page)."""

    required_scope = Scope.HOOKS_MANAGE

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Delivery.Status.choices, required=False)
        cursor = serializers.CharField(required=False, max_length=512, help_text="`next` from the previous page")
        limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)

    class OutputSerializer(serializers.Serializer):
        results = DeliverySerializer(many=True)
        next = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page; null at the end")

    @extend_schema(
        operation_id="deliveries_list",
        summary="A destination's deliveries, newest first",
        parameters=[DESTINATION_PARAMETER, InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "failed ones",
                response_only=True,
                status_codes=["200"],
                value={"results": [DELIVERY_EXAMPLE], "next": None},
            )
        ],
    )
    def get(self, request: Request, site_key: str, destination_id: int) -> Response:
        destination = destination_or_404(self, destination_id)
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = hooks_selectors.deliveries_of(destination=destination, status=data.get("status"))
        page, next_cursor = id_page(rows, cursor=data.get("cursor"), limit=data["limit"])
        return Response(self.OutputSerializer({"results": page, "next": next_cursor}).data)


class DeliveryDetailView(SiteApiView):
    """One delivery: the message as sent and every attempt at sending it."""

    required_scope = Scope.HOOKS_MANAGE

    class OutputSerializer(DeliverySerializer):
        payload = serializers.JSONField(help_text="The JSON body that is signed and sent")
        attempt_log = AttemptSerializer(many=True, help_text="Every attempt, first first")

    @extend_schema(
        operation_id="deliveries_retrieve",
        summary="One delivery with its attempts",
        parameters=[DESTINATION_PARAMETER, DELIVERY_PARAMETER],
        responses={200: OutputSerializer, **errors()},
        examples=[
            OpenApiExample(
                "two attempts",
                response_only=True,
                status_codes=["200"],
                value={
                    **DELIVERY_EXAMPLE,
                    "payload": {"type": "consent.updated", "timestamp": "2026-05-01T09:30:00Z", "data": {}},
                    "attempt_log": [
                        {
                            "number": 1,
                            "started_at": "2026-05-01T09:30:01Z",
                            "latency_ms": 212,
                            "status_code": 503,
                            "error": "HTTP 503",
                            "response_body": "busy",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str, destination_id: int, delivery_id: int) -> Response:
        delivery = delivery_or_404(self, destination_id, delivery_id)
        out: dict[str, Any] = {
            **DeliverySerializer(delivery).data,
            "payload": json.loads(delivery.body),
            "attempt_log": AttemptSerializer(hooks_selectors.attempts_of(delivery=delivery), many=True).data,
        }
        return Response(self.OutputSerializer(out).data)


class DeliveryReplayView(SiteApiView):
    """Send one delivery again, with the same webhook-id so receivers can tell it is the same message."""

    required_scope = Scope.HOOKS_MANAGE

    @extend_schema(
        operation_id="deliveries_replay",
        summary="Send one delivery again",
        parameters=[DESTINATION_PARAMETER, DELIVERY_PARAMETER],
        request=None,
        responses={202: DeliverySerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "queued",
                response_only=True,
                status_codes=["202"],
                value={**DELIVERY_EXAMPLE, "status": "pending", "last_error": ""},
            )
        ],
    )
    def post(self, request: Request, site_key: str, destination_id: int, delivery_id: int) -> Response:
        delivery = hooks_services.delivery_replay(delivery=delivery_or_404(self, destination_id, delivery_id))
        return Response(DeliverySerializer(delivery).data, status=202)


class DeliveriesReplayFailedView(SiteApiView):
    """Send every failed delivery of a destination again."""

    required_scope = Scope.HOOKS_MANAGE

    class OutputSerializer(serializers.Serializer):
        replayed = serializers.IntegerField(help_text="How many failed deliveries were queued again")

    @extend_schema(
        operation_id="deliveries_replay_failed",
        summary="Send every failed delivery again",
        parameters=[DESTINATION_PARAMETER],
        request=None,
        responses={202: OutputSerializer, **errors(400)},
        examples=[OpenApiExample("queued", response_only=True, status_codes=["202"], value={"replayed": 12})],
    )
    def post(self, request: Request, site_key: str, destination_id: int) -> Response:
        count = hooks_services.deliveries_replay_failed(destination=destination_or_404(self, destination_id))
        return Response(self.OutputSerializer({"replayed": count}).data, status=202)
