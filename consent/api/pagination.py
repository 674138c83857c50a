"""Opaque cursors: a position to continue after, never an offset, so new rows cannot shift pages."""

import base64
import binascii
import json
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.exceptions import ValidationError

# The largest value a database's signed 64-bit integer column holds: bigger numbers are refused, not
# sent to PostgreSQL (which would fail the query).
MAX_BIGINT = 2**63 - 1

M = TypeVar("M", bound=Model)


def cursor_encode(position: dict[str, Any]) -> str:
    """Return an opaque, URL-safe cursor for position."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, *, keys: dict[str, type]) -> dict[str, Any]:
    """Return the position in cursor, refusing one this endpoint did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError({"cursor": ["is not a cursor this endpoint returned"]}) from None
    if not isinstance(position, dict) or set(position) != set(keys):
        raise ValidationError({"cursor": ["is not a cursor this endpoint returned"]})
    for name, kind in keys.items():
        value = position[name]
        if (
            not isinstance(value, kind)
            or isinstance(value, bool)
            or (isinstance(value, int) and not 0 <= value <= MAX_BIGINT)
        ):
            raise ValidationError({"cursor": ["is not a cursor this endpoint returned"]})
    return position


def id_page(rows: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """Return a page of rows ordered newest id first, and the cursor of the next page (None at the end)."""
    if cursor:
        rows = rows.filter(id__lt=cursor_decode(cursor, keys={"id": int})["id"])
    page = list(rows[:limit])
    return page, cursor_encode({"id": page[-1].pk}) if len(page) == limit else None
