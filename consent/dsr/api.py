"""The marketer API of requests: file, list and read them; read the access log. Under /api/v1/sites/<key>/."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api.exceptions import RequestTooLarge
from consent.api.models import Scope
from consent.api.pagination import cursor_decode, cursor_encode, id_page
from consent.api.parsers import LimitedJSONParser
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.dsr import selectors, services
from consent.dsr.admission import body_too_large
from consent.dsr.errors import DsrInputError
from consent.dsr.models import Jurisdiction, ProofStatus, Right, Status
from consent.dsr.views import request_file

REQUEST_PARAMETER = OpenApiParameter("request_id", str, OpenApiParameter.PATH, description="The request's id (UUID)")
REQUEST_EXAMPLE = {
    "id": "0b8f8a8e-6a55-4a47-9a4e-5b7f8f0c1d2e",
    "right": "access",
    "jurisdiction": "eu",
    "regulation": "gdpr",
    "status": "verified",
    "proof_status": "none",
    "received_at": "2026-05-01T09:30:00Z",
    "verified_at": "2026-05-01T09:41:00Z",
    "due_at": "2026-05-31T09:30:00Z",
    "extended_at": None,
    "closed_at": None,
}

CREATE_EXAMPLE = {
    "right": "access",
    "jurisdiction": "eu",
    "email": "ann@example.net",
    "customer_id": "user-42",
    "details": "Please send me what you hold.",
}
DETAIL_EXAMPLE = {
    **REQUEST_EXAMPLE,
    "email": "ann@example.net",
    "customer_id": "user-42",
    "details": "Please send me what you hold.",
    "agent_name": "",
    "agent_email": "",
    "extension_reason": "",
    "refusal_reason": "",
}
ACCESS_LOG_EXAMPLE = {
    "id": 17,
    "actor": "operator:dpo@example.com",
    "action": "dsr.viewed",
    "subject_ref": "request:0b8f8a8e-6a55-4a47-9a4e-5b7f8f0c1d2e",
    "ip": "192.0.2.0",
    "recorded_at": "2026-05-02T10:00:00Z",
}


class RequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    right = serializers.ChoiceField(choices=Right.choices)
    jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices)
    regulation = serializers.CharField(help_text="The site's regulation whose clock runs; empty: the jurisdiction's")
    status = serializers.ChoiceField(choices=Status.choices)
    proof_status = serializers.ChoiceField(choices=ProofStatus.choices, help_text="An agent's proof of authority")
    received_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True, help_text="When the person confirmed the e-mailed link")
    due_at = serializers.DateTimeField(help_text="The answer is due by then (after any extension)")
    extended_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class RequestDetailSerializer(RequestSerializer):
    email = serializers.EmailField(allow_blank=True)
    customer_id = serializers.CharField(allow_blank=True)
    details = serializers.CharField(allow_blank=True)
    agent_name = serializers.CharField(allow_blank=True)
    agent_email = serializers.CharField(allow_blank=True)
    extension_reason = serializers.CharField(allow_blank=True)
    refusal_reason = serializers.CharField(allow_blank=True)


def _client_ip(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class RequestListView(SiteApiView):
    """GET: the site's requests, newest first; POST: file one (the person confirms it by e-mail)."""

    parser_classes = [LimitedJSONParser, MultiPartParser]

    def get_permissions(self) -> Sequence[Any]:
        self.required_scope = Scope.CONSENT_WRITE if self.request.method == "POST" else Scope.CONSENT_READ
        return super().get_permissions()

    class ListInputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Status.choices, required=False)
        cursor = serializers.CharField(required=False, max_length=512, help_text="`next` from the previous page")
        limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)

    class ListOutputSerializer(serializers.Serializer):
        results = RequestSerializer(many=True)
        next = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page; null at the end")

    class CreateInputSerializer(serializers.Serializer):
        right = serializers.ChoiceField(choices=Right.choices)
        jurisdiction = serializers.ChoiceField(choices=Jurisdiction.choices, required=False, default=Jurisdiction.OTHER)
        regulation = serializers.RegexField(
            r"^[a-z0-9_-]{1,16}$",
            required=False,
            default="",
            help_text="A regulation of the site (its slug) whose clock applies; else the jurisdiction's table",
        )
        email = serializers.EmailField(max_length=254, help_text="The person's address; the identity link goes there")
        customer_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
        details = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
        agent_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        agent_email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
        agent_proof = serializers.FileField(
            required=False, help_text="Multipart only: PDF, PNG or JPEG, at most 5 MB; required for an agent"
        )
        locale = serializers.ChoiceField(choices=["en", "ja"], required=False, default="en")

    @extend_schema(
        operation_id="requests_list",
        summary="The site's data-subject requests, newest first",
        parameters=[ListInputSerializer],
        responses={200: ListOutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "list", response_only=True, status_codes=["200"], value={"results": [REQUEST_EXAMPLE], "next": None}
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.ListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = selectors.requests_of_site(site=self.site, status=data.get("status"))
        if data.get("cursor"):
            position = cursor_decode(data["cursor"], keys={"received_at": str, "id": str})
            try:
                moment = datetime.fromisoformat(position["received_at"])
            except ValueError:
                raise ValidationError({"cursor": ["is not a cursor this endpoint returned"]}) from None
            rows = rows.filter(Q(received_at__lt=moment) | Q(received_at=moment, id__lt=position["id"]))
        page = list(rows[: data["limit"]])
        next_cursor = None
        if len(page) == data["limit"]:
            next_cursor = cursor_encode({"received_at": page[-1].received_at.isoformat(), "id": str(page[-1].id)})
        return Response(self.ListOutputSerializer({"results": page, "next": next_cursor}).data)

    @extend_schema(
        operation_id="requests_create",
        summary="File a data-subject request (the person confirms it through an e-mailed link)",
        request={"application/json": CreateInputSerializer, "multipart/form-data": CreateInputSerializer},
        responses={201: RequestSerializer, **errors(400, 413)},
        examples=[
            OpenApiExample("an access request", request_only=True, value=CREATE_EXAMPLE),
            OpenApiExample(
                "filed", response_only=True, status_codes=["201"], value={**REQUEST_EXAMPLE, "status": "received"}
            ),
        ],
    )
    def post(self, request: Request, site_key: str) -> Response:
        if body_too_large(request._request):
            raise RequestTooLarge("The body may be at most 5 MB plus the form's fields.")
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            dsr = request_file(request._request, site=self.site, data=data, locale=data["locale"])
        except DsrInputError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        return Response(RequestSerializer(dsr).data, status=201)


class RequestDetailView(SiteApiView):
    """One request with its personal fields; every read is written to the access log."""

    required_scope = Scope.CONSENT_READ

    @extend_schema(
        operation_id="requests_read",
        summary="One data-subject request",
        parameters=[REQUEST_PARAMETER],
        responses={200: RequestDetailSerializer, **errors()},
        examples=[OpenApiExample("one", response_only=True, status_codes=["200"], value=DETAIL_EXAMPLE)],
    )
    def get(self, request: Request, site_key: str, request_id: str) -> Response:
        dsr = selectors.request_of_site(site=self.site, request_id=request_id)
        if dsr is None:
            raise NotFound
        services.access_log_record(
            actor=f"api_key:{self.api_key.prefix}",
            action="dsr.read",
            subject_ref=f"request:{dsr.id}",
            site=self.site,
            ip=_client_ip(request),
        )
        return Response(RequestDetailSerializer(dsr).data)


class AccessLogEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = serializers.CharField()
    action = serializers.CharField()
    subject_ref = serializers.CharField(allow_blank=True)
    ip = serializers.IPAddressField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class AccessLogView(SiteApiView):
    """Who read or changed personal data of the site in the last ASSENT_ACCESS_LOG_DAYS days, newest first."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        cursor = serializers.CharField(required=False, max_length=512, help_text="`next` from the previous page")
        limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)

    class OutputSerializer(serializers.Serializer):
        results = AccessLogEntrySerializer(many=True)
        next = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page; null at the end")

    @extend_schema(
        operation_id="access_log_list",
        summary="The site's access log (kept 30 days)",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "entries",
                response_only=True,
                status_codes=["200"],
                value={"results": [ACCESS_LOG_EXAMPLE], "next": None},
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = selectors.access_log_of_site(site=self.site)
        page, next_cursor = id_page(rows, cursor=data.get("cursor"), limit=data["limit"])
        return Response(self.OutputSerializer({"results": page, "next": next_cursor}).data)
