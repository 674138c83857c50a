"""Opaque cursors: a position to continue after, never an offset, so new rows cannot shift pages."""

import base64
import binascii
import json
from typing import Any

from rest_framework.exceptions import ValidationError


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
        if not isinstance(position[name], kind) or isinstance(position[name], bool):
            raise ValidationError({"cursor": ["is not a cursor this endpoint returned"]})
    return position
