"""POST /api/v1/public/sites/<key>/requests: the request form as a JSON (or multipart) endpoint, CORS to the site."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from consent.dsr import services
from consent.dsr.admission import admit, body_too_large
from consent.dsr.errors import DsrInputError
from consent.dsr.views import verify_url
from consent.edge.errors import error_response
from consent.models import Site
from consent.regions.request import request_region

MAX_JSON_BODY = 16 * 1024
FIELDS = {"right", "jurisdiction", "email", "customer_id", "details", "agent_name", "agent_email", "locale"}


def request_summary(dsr: Any) -> dict[str, Any]:
    """Return what a requester may see of their request: no personal field."""
    return {
        "id": str(dsr.id),
        "right": dsr.right,
        "jurisdiction": dsr.jurisdiction,
        "status": dsr.status,
        "received_at": dsr.received_at.isoformat(),
        "due_at": dsr.due_at.isoformat(),
    }


def _invalid(field: str, message: str) -> JsonResponse:
    return error_response(400, "invalid", f"{field}: {message}", {field: [message]})


def _body(request: HttpRequest) -> tuple[dict[str, Any] | None, JsonResponse | None]:
    """Return the fields sent as JSON or as a multipart form (the only way to attach a proof)."""
    if request.content_type == "multipart/form-data":
        return {name: request.POST.get(name) for name in request.POST}, None
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_JSON_BODY or len(request.body) > MAX_JSON_BODY:
        return None, error_response(413, "too_large", f"The body may be at most {MAX_JSON_BODY} bytes.")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None, _invalid("body", "is not JSON")
    if not isinstance(data, dict):
        return None, _invalid("body", "must be a JSON object")
    return data, None


@method_decorator(csrf_exempt, name="dispatch")
class RequestCreateView(View):
    """File a data-subject request from the site's own page; the identity link is e-mailed."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        site = Site.objects.filter(key=key).first()
        if site is None:
            return error_response(404, "not_found", f"No site {key!r}.")
        if refused := admit(request, site=site):
            return refused
        if body_too_large(request):
            return error_response(413, "too_large", "The body may be at most 5 MB plus the form's fields.")
        data, refused = _body(request)
        if refused or data is None:
            return refused or _invalid("body", "is missing")
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            return _invalid(unknown[0], "is not a known field")
        try:
            dsr = services.request_receive(
                site=site,
                right=data.get("right") or "",
                jurisdiction=data.get("jurisdiction") or "",
                email=data.get("email") or "",
                customer_id=data.get("customer_id") or "",
                details=data.get("details") or "",
                agent_name=data.get("agent_name") or "",
                agent_email=data.get("agent_email") or "",
                proof=request.FILES.get("agent_proof"),
                locale=str(data.get("locale") or "en"),
                verify_url=verify_url(request, site),
                region=request_region(request),
            )
        except DsrInputError as exc:
            return _invalid(exc.field, exc.message)
        return JsonResponse(request_summary(dsr), status=201)
