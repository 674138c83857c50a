"""Each request and each of its steps, appended to the site's ledger as evidence without personal data.

A step is one ledger event under a pseudonymous subject made for the request alone (`dsr-<request
id>`), on a purpose that names the right (`dsr.<right>`), never granted, from the `system` source.
Its evidence, which the event commits to by hash, holds only the request id, the right, the
jurisdiction, the step and the dates. No e-mail address, name, customer id or free text ever reaches
the ledger, so erasing a person leaves these proofs intact and harmless. The idempotency key
`dsr:<request id>:<step>` makes each step appear at most once, whatever is retried.
"""

from enum import StrEnum

from django.utils import timezone

from consent.dsr.models import DataSubjectRequest
from ledger import services as ledger_services


class Step(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    PROOF_ACCEPTED = "proof_accepted"
    PROOF_REJECTED = "proof_rejected"
    STARTED = "in_progress"
    EXTENDED = "extended"
    FULFILLED = "fulfilled"
    REFUSED = "refused"
    EXPIRED = "expired"


def ledger_subject(request: DataSubjectRequest) -> str:
    """Return the pseudonymous subject a request's steps are filed under."""
    return f"dsr-{request.id}"


def ledger_purpose(request: DataSubjectRequest) -> str:
    return f"dsr.{request.right}"


def step_append(*, request: DataSubjectRequest, step: Step) -> str:
    """Append one step of a request to the ledger (inside the caller's transaction); return the receipt id."""
    purpose = ledger_purpose(request)
    receipt = ledger_services.event_append(
        site=request.site.key,
        subject=ledger_subject(request),
        decisions={purpose: False},
        known_purposes=[purpose],
        source="system",
        method="",
        banner_version="",
        locale="",
        jurisdiction=request.jurisdiction,
        idempotency_key=f"dsr:{request.id}:{step}",
        evidence={
            "request": str(request.id),
            "step": str(step),
            "right": request.right,
            "jurisdiction": request.jurisdiction,
            "received_at": request.received_at.isoformat(),
            "due_at": request.due_at.isoformat(),
            "at": timezone.now().isoformat(),
        },
    )
    return str(receipt.id)
