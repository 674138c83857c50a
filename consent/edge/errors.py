"""The one error shape every refusal takes, and the one flattener that fills its `fields`."""

from typing import Any

from django.http import JsonResponse

# What a client is told to wait when the database is unreachable: long enough for a failover.
OUTAGE_RETRY_AFTER = 10


class Refused(Exception):
    """Stop handling a request and answer with this response (the edge middleware returns it)."""

    def __init__(self, response: JsonResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Return the one error shape: {"error": {"code", "message", "fields"}}."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None, **headers: str
) -> JsonResponse:
    """Return the one error shape as a response; `Retry_After="5"` becomes a `Retry-After` header."""
    response = JsonResponse(error_body(code, message, fields), status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn nested validation errors into {"choices.analytics": ["message", ...]}.

    A message may come as a bare string (`ValidationError({"analytics": "must be ..."})`): it is one
    message, never a sequence of characters.
    """
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors" and prefix:
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten(value, name).items():
                fields.setdefault(field, []).extend(messages)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for field, messages in flatten(item, f"{prefix}[{index}]").items():
                    fields.setdefault(field, []).extend(messages)
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return {field: messages for field, messages in fields.items() if messages}


def first_message(fields: dict[str, list[str]]) -> str:
    """Return the summary line of validation errors: the first field and its first message."""
    field, messages = next(iter(fields.items()), ("non_field_errors", ["invalid"]))
    return messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"


def invalid(fields: dict[str, list[str]]) -> JsonResponse:
    """Return a 400 naming every field that is wrong."""
    return error_response(400, "invalid", first_message(fields), fields)


def too_many(retry_after: int) -> JsonResponse:
    """Return a 429 that says when to come back."""
    return error_response(
        429, "rate_limited", f"Too many requests; retry in {retry_after} s.", Retry_After=str(retry_after)
    )


def unavailable() -> JsonResponse:
    """Return a 503 for a database outage: the client should retry, nothing was recorded."""
    return error_response(
        503,
        "unavailable",
        "The service is briefly unavailable; nothing was recorded. Retry later.",
        Retry_After=str(OUTAGE_RETRY_AFTER),
    )
