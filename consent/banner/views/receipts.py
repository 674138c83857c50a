"""The visitor's own proof of a choice: GET /api/v1/public/sites/<key>/receipts/<id>?signature=...

Public and unauthenticated, so it answers only a caller who holds the receipt's signature (which the
banner received with the receipt and nobody else did): receipt ids are time-ordered, and a stranger
must not be able to walk them. A wrong signature and an unknown id get the same 404.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from consent.banner import selectors
from consent.edge.errors import error_response
from consent.edge.ratelimit import limit_client
from ledger import selectors as ledger_selectors
from ledger.errors import ProofUnavailable, ReceiptUnknown

SIGNATURE_MAX = 128


@require_safe
def receipt_bundle(request: HttpRequest, key: str, receipt: str) -> HttpResponse:
    """Return the portable, offline-verifiable bundle of the visitor's receipt, or 202 while it is pending."""
    if refused := limit_client(request, scope="receipts", read=True):
        return refused
    signature = request.GET.get("signature", "")
    if not signature or len(signature) > SIGNATURE_MAX:
        message = f"must be the receipt's signature (base64, at most {SIGNATURE_MAX} characters)"
        return error_response(400, "invalid", f"signature: {message}", {"signature": [message]})
    site = selectors.site_public_get(key=key)
    try:
        if site is None:
            raise ReceiptUnknown(str(receipt))
        bundle = ledger_selectors.receipt_bundle(site=site.key, receipt_id=receipt, signature=signature)
    except ReceiptUnknown:
        return error_response(404, "not_found", "No receipt with this id and signature.")
    except ProofUnavailable as exc:
        retry = str(settings.LEDGER_CHECKPOINT_INTERVAL)
        body = {"status": "pending", "message": f"{exc}; try again later.", "retry_after": int(retry)}
        return JsonResponse(body, status=202, headers={"Retry-After": retry, "Cache-Control": "no-store"})
    return JsonResponse(
        bundle,
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{bundle["receipt"]}.json"',
            # The bundle only grows more recent checkpoints; nothing in it may be shared by caches.
            "Cache-Control": "private, no-store",
        },
    )
