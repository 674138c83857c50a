"""Who may file a request right now: each one sends an e-mail, so a client gets a few a minute."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from consent.edge.address import client_key
from consent.edge.errors import too_many
from consent.edge.ratelimit import limit_client, limit_site, rate_limit_hit
from consent.models import Site

SCOPE = "requests"
# A proof of at most 5 MB plus the form's other fields; anything longer is refused before it is read.
MAX_UPLOAD_BODY = 5 * 1024 * 1024 + 64 * 1024


def body_too_large(request: HttpRequest) -> bool:
    """Tell whether a request declares a body larger than any acceptable request (or none we can trust)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    return not declared.isdigit() or int(declared) > MAX_UPLOAD_BODY


def admit(request: HttpRequest, *, site: Site) -> JsonResponse | None:
    """Refuse (429) a client or site past its rate this minute, else None."""
    if refused := limit_client(request, scope=SCOPE):
        return refused
    retry_after = rate_limit_hit(
        key=f"public:{SCOPE}:mail:{client_key(request)}", limit=settings.ASSENT_DSR_RATE_PER_CLIENT
    )
    if retry_after:
        return too_many(retry_after)
    return limit_site(site.key, scope=SCOPE)
