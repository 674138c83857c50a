"""What fulfilling each right does: export, erasure, a withdrawal in the ledger, or the operator's own task."""

import json

from django.core import signing
from django.template.loader import render_to_string

from consent import services as consent_services
from consent.accounts import selectors as accounts_selectors
from consent.accounts import services as accounts_services
from consent.dsr import files
from consent.dsr.errors import DsrStateError
from consent.dsr.models import DataSubjectRequest, Right
from consent.models import Purpose

DOWNLOAD_SALT = "consent.dsr.download"
# Rights the operator carries out by hand (in the customer's own systems) and then marks done.
OPERATOR_TASKS = frozenset({Right.RECTIFICATION, Right.RESTRICTION, Right.NON_DISCRIMINATION})
_NEEDS_CUSTOMER_ID = frozenset(
    {Right.ACCESS, Right.PORTABILITY, Right.ERASURE, Right.OBJECTION, Right.OPT_OUT_SALE_SHARE}
)


def download_token(request: DataSubjectRequest) -> str:
    """Return the signed, expiring token of a request's export download."""
    return signing.dumps({"request": str(request.id), "export": request.export_dir}, salt=DOWNLOAD_SALT)


def carry_out(*, request: DataSubjectRequest, download_url: str) -> list[str]:
    """Do what the request's right asks (inside the caller's transaction); return links to e-mail."""
    if request.right in _NEEDS_CUSTOMER_ID and not request.customer_id:
        raise DsrStateError("customer_id", "is needed to find the person's data; fill it in first")
    if request.right in {Right.ACCESS, Right.PORTABILITY}:
        return _export(request, download_url)
    if request.right == Right.ERASURE:
        accounts_services.subject_erase(site=request.site, external_id=request.customer_id, source="system")
    elif request.right == Right.OPT_OUT_SALE_SHARE:
        _withdraw(request, Purpose.objects.filter(site=request.site, sale_share=True, required=False))
    elif request.right == Right.OBJECTION:
        # Art. 21: processing on legitimate interests, and direct marketing (what a sale/share purpose is).
        objected = Purpose.objects.filter(site=request.site, required=False).filter(
            legal_basis=Purpose.LegalBasis.LEGITIMATE_INTEREST
        ) | Purpose.objects.filter(site=request.site, required=False, sale_share=True)
        _withdraw(request, objected)
    return []


def _withdraw(request: DataSubjectRequest, purposes: object) -> None:
    # No explicit kind: consent_record adds the required purposes as granted, which an explicit
    # non-granting kind ("objected") would contradict; the ledger derives withdrawn/opted_out, and
    # the request's own step in the ledger says it was an objection or an opt-out.
    slugs = sorted({p.slug for p in purposes})  # type: ignore[attr-defined]
    if not slugs:
        return
    consent_services.consent_record(
        site=request.site,
        external_id=request.customer_id,
        choices=dict.fromkeys(slugs, False),
        source="system",
        method="",
        locale="",
        jurisdiction=request.jurisdiction,
        subject_kind="user",
        idempotency_key=f"dsr:{request.id}:withdrawal",
    )


def _export(request: DataSubjectRequest, download_url: str) -> list[str]:
    if not download_url:
        raise DsrStateError("download_url", "is needed to send the export")
    document = accounts_selectors.subject_export(site=request.site, external_id=request.customer_id)
    summary = render_to_string("dsr/summary.html", {"document": document, "request": request})
    files.export_delete(request.export_dir)
    request.export_dir = files.export_write(
        document=json.dumps(document, indent=2, ensure_ascii=False).encode(), summary=summary.encode()
    )
    token = download_token(request)
    return [download_url.format(token=token, filename=name) for name in ("export.json", "summary.html")]
