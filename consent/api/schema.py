"""OpenAPI pieces every view shares: the bearer scheme, the error shape, the common refusals."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "consent.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ak_live_…",
            "description": "An API key from `manage.py create_api_key` or the admin.",
        }


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, throttled")
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Input field (dotted path) → what is wrong with it",
    )


ErrorSerializer = inline_serializer("Error", {"error": ErrorDetailSerializer()})

_EXAMPLES = {
    400: ("invalid", "purpose: is not a purpose of this site", {"purpose": ["is not a purpose of this site"]}),
    401: ("not_authenticated", "Send your API key as `Authorization: Bearer <key>`.", {}),
    403: ("permission_denied", "This API key lacks the 'consent:write' scope.", {}),
    404: ("not_found", "Not found.", {}),
    409: ("conflict", "The request conflicts with the current state.", {}),
    413: ("request_too_large", "The request body is larger than 262144 bytes.", {}),
    429: ("throttled", "Request was throttled. Expected available in 12 seconds.", {}),
}
_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each field at fault. Nothing was written.",
    401: "Missing, malformed, unknown, revoked or expired API key.",
    403: "The key lacks the scope this endpoint needs.",
    404: "No such site for this key (or no such object on it).",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    429: "Too many requests for this key; see `Retry-After`.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Return documented error responses: the given codes plus 401, 403, 404 and 429 every view can give."""
    wanted = sorted({401, 403, 404, 429, *codes})
    return {
        code: OpenApiResponse(
            response=ErrorSerializer,
            description=_DESCRIPTIONS[code],
            examples=[
                OpenApiExample(
                    f"error {code}",
                    value={"error": {"code": c, "message": m, "fields": f}},
                    response_only=True,
                    status_codes=[str(code)],
                )
                for c, m, f in [_EXAMPLES[code]]
            ],
        )
        for code in wanted
    }


class ApiAutoSchema(AutoSchema):
    """Name each view's nested serializers after the view, so `InputSerializer`s never collide."""

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) == 1:
            return str(super().get_serializer_name(serializer, direction))
        return "".join(part.removesuffix("Serializer").removesuffix("View") for part in parts)
