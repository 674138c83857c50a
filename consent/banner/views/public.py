"""The browser endpoints under /api/v1/public/sites/<key>/: no login, CORS to the site's own origins."""

import dataclasses
import hashlib
import json
import re
from datetime import UTC, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework import serializers

from consent.banner import selectors, services
from consent.edge.address import client_address
from consent.edge.admission import admit
from consent.edge.caching import cached_response
from consent.edge.errors import error_response, invalid
from consent.edge.ratelimit import limit_client
from consent.models import Subject
from consent.regions.request import region_vary, request_region
from consent.services import ConsentInputError
from ledger.services import IdempotencyConflict, Receipt

MAX_BODY = 16 * 1024
MAX_IMPRESSION_BODY = 512
CONFIG_CACHE = "public, max-age=60, stale-while-revalidate=600"
LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def _not_found(key: str) -> JsonResponse:
    return error_response(404, "not_found", f"No published banner for site {key!r}.")


@require_safe
def config(request: HttpRequest, key: str) -> HttpResponse:
    """Return the configuration of the site's latest published banner."""
    if refused := limit_client(request, scope="config", read=True):
        return refused
    site = selectors.site_public_get(key=key)
    version = selectors.version_latest(site=site) if site else None
    if site is None or version is None:
        return _not_found(key)
    region = request_region(request)
    config = selectors.banner_config(site=site, version=version, region=region)
    body = json.dumps(config, ensure_ascii=False, sort_keys=True).encode()
    response = cached_response(
        request,
        body,
        content_type="application/json",
        etag=hashlib.sha256(body).hexdigest()[:32],
        cache_control=CONFIG_CACHE,
    )
    region_vary(response, request)
    return response


@require_safe
def embed(request: HttpRequest, key: str) -> HttpResponse:
    """Return the embed tag's URLs: the live one, and the pinned one with its SRI hash."""
    if refused := limit_client(request, scope="config", read=True):
        return refused
    site = selectors.site_public_get(key=key)
    version = selectors.version_latest(site=site) if site else None
    if site is None or version is None:
        return _not_found(key)
    body = selectors.script_render(config=selectors.banner_config(site=site, version=version))
    pinned = reverse(
        "banner:script-pinned", kwargs={"key": key, "number": version.number, "digest": selectors.script_digest(body)}
    )
    return JsonResponse(
        {
            "script": request.build_absolute_uri(reverse("banner:script", kwargs={"key": key})),
            "pinned": {"src": request.build_absolute_uri(pinned), "integrity": selectors.script_integrity(body)},
            "banner_version": version.content_hash,
        }
    )


def receipt_body(receipt: Receipt, *, subject: str) -> dict[str, Any]:
    """Return the answer to a recorded choice: its receipt, signed, and the state after it.

    Built by hand rather than by a DRF serializer (made anew per response, it cost more than the
    rest of the answer); times as DRF renders them, ISO 8601 in UTC with a Z.
    """
    recorded_at = receipt.recorded_at.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"
    return {
        "receipt": str(receipt.id),
        "state": {purpose: bool(granted) for purpose, granted in receipt.state.items()},
        "changed": [str(purpose) for purpose in receipt.changed],
        "recorded_at": recorded_at,
        "event_ids": [str(event_id) for event_id in receipt.event_ids],
        "leaf_hashes": [str(leaf) for leaf in receipt.leaf_hashes],
        "replayed": bool(receipt.replayed),
        "signature": str(receipt.signature),
        "key_id": str(receipt.key_id),
        "subject": subject,
    }


@method_decorator(csrf_exempt, name="dispatch")  # no cookies are sent or read: nothing to forge
class ConsentCreateView(View):
    """Record a visitor's choice: POST /api/v1/public/sites/<key>/consents."""

    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer[Any]):
        subject = serializers.RegexField(Subject.VISITOR_ID_PATTERN, max_length=32)
        choices = serializers.DictField(child=serializers.JSONField(), allow_empty=False)
        banner_version = serializers.RegexField(r"^[0-9a-f]{64}$")
        method = serializers.ChoiceField(sorted(services.PUBLIC_METHODS))
        regulation = serializers.RegexField(r"^[a-z0-9_-]{1,16}$", required=False, default="")
        locale = serializers.RegexField(LOCALE.pattern, max_length=16)
        idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_.:-]{8,64}$", required=False)
        occurred_at = serializers.DateTimeField(required=False)
        page_url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
        source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, not Field.source
            sorted(services.PUBLIC_SOURCES), required=False, default="banner"
        )

        def validate_choices(self, value: dict[str, Any]) -> dict[str, bool]:
            if len(value) > 100:
                raise serializers.ValidationError("may name at most 100 purposes")
            for slug, granted in value.items():
                if not isinstance(granted, bool):
                    raise serializers.ValidationError({slug: "must be true or false"})
            return value

        def validate_occurred_at(self, value: Any) -> Any:
            now = timezone.now()
            # A queued choice may arrive days later; a clock far ahead is wrong.
            if value > now + timedelta(minutes=5) or value < now - timedelta(days=30):
                raise serializers.ValidationError("must be within the last 30 days")
            return value

        def validate_page_url(self, value: str) -> str:
            if value and not value.lower().startswith(("http://", "https://")):
                raise serializers.ValidationError("must be an http(s) URL")
            return value

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        admitted = admit(request, key=key, scope="consents", serializer_class=self.InputSerializer, body_limit=MAX_BODY)
        site, valid = admitted.site, admitted.data
        evidence = {
            "ip": services.ip_truncate(client_address(request)),
            "user_agent": request.headers.get("User-Agent", "")[:512],
            "page_url": valid.get("page_url", ""),
            "sec_gpc": request.headers.get("Sec-GPC", "") == "1",
            # Where the server placed the visitor when the choice arrived (the header or file it read).
            "region": dataclasses.asdict(request_region(request)),
        }
        try:
            _subject, receipt = services.choice_submit(
                site=site,
                subject=valid["subject"],
                choices=valid["choices"],
                banner_version=valid["banner_version"],
                method=valid["method"],
                locale=valid["locale"],
                source=valid["source"],
                evidence=evidence,
                idempotency_key=valid.get("idempotency_key"),
                occurred_at=valid.get("occurred_at"),
                regulation=valid["regulation"],
                gpc_signal=evidence["sec_gpc"],
            )
        except IdempotencyConflict as exc:
            message = f"{exc.field}: {exc.message}"
            return error_response(409, "idempotency_conflict", message, {exc.field: [exc.message]})
        except ConsentInputError as exc:
            return invalid({exc.field: [exc.message]})
        return JsonResponse(receipt_body(receipt, subject=valid["subject"]), status=201)


@method_decorator(csrf_exempt, name="dispatch")
class ImpressionCreateView(View):
    """Count one showing of the banner: POST /api/v1/public/sites/<key>/impressions (nothing personal)."""

    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer[Any]):
        banner_version = serializers.RegexField(r"^[0-9a-f]{64}$")
        locale = serializers.RegexField(LOCALE.pattern, max_length=16)

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        # Sent as text/plain so the browser needs no preflight; the body is JSON all the same.
        admitted = admit(
            request,
            key=key,
            scope="impressions",
            serializer_class=self.InputSerializer,
            body_limit=MAX_IMPRESSION_BODY,
            unknown_fields=True,
        )
        site, valid = admitted.site, admitted.data
        version = selectors.version_by_hash(site=site, content_hash=valid["banner_version"])
        if version is None:
            return invalid({"banner_version": ["is not a published version of this site"]})
        if valid["locale"] not in version.content["locales"]:
            return invalid({"locale": [f"must be one of {version.content['locales']}"]})
        services.daily_count_add(
            site=site, banner_version=valid["banner_version"], locale=valid["locale"], counter="shown"
        )
        return HttpResponse(status=204)


@require_safe
def gpc_json(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """Serve a Global Privacy Control support resource (/.well-known/gpc.json), for a site or this server."""
    if refused := limit_client(request, scope="config", read=True):
        return refused
    honoured = True
    if key is not None:
        site = selectors.site_public_get(key=key)
        if site is None:
            return _not_found(key)
        honoured = site.honour_gpc
    return JsonResponse(
        {"gpc": honoured, "lastUpdate": "2026-11-01"}, headers={"Cache-Control": "public, max-age=86400"}
    )
