"""CORS for the public endpoints, decided per request from the site's allowed origins."""

import re
from typing import Any

from django.http import HttpRequest

from consent.banner.selectors import allowed_origins

PUBLIC_PATH = re.compile(r"^/api/v1/public/sites/(?P<key>[a-z0-9_-]{1,64})/")


def cors_allow_site_origin(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """Let a browser call /api/v1/public/sites/<key>/... only from one of that site's origins."""
    match = PUBLIC_PATH.match(request.path)
    origin = request.headers.get("Origin", "").rstrip("/").lower()
    if match is None or not origin:
        return False
    return origin in allowed_origins(key=match["key"])
