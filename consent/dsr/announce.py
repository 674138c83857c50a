"""Each step of a request, told to the site's webhook destinations through the outbox (dsr.* events)."""

from django.utils import timezone

from consent.dsr.evidence import Step
from consent.dsr.models import DataSubjectRequest, ProofStatus, Right
from consent.hooks import services as hooks_services
from consent.hooks.models import EventType

STEP_EVENTS: dict[Step, EventType] = {
    Step.RECEIVED: EventType.DSR_RECEIVED,
    Step.VERIFIED: EventType.DSR_VERIFIED,
    Step.EXTENDED: EventType.DSR_EXTENDED,
    Step.FULFILLED: EventType.DSR_FULFILLED,
    Step.REFUSED: EventType.DSR_REFUSED,
    Step.EXPIRED: EventType.DSR_EXPIRED,
}
# Rights downstream systems must carry out themselves, announced once the request may be acted on.
PROPAGATED: dict[str, EventType] = {
    Right.ERASURE: EventType.DSR_ERASURE_REQUESTED,
    Right.OPT_OUT_SALE_SHARE: EventType.DSR_OPT_OUT_REQUESTED,
    Right.OBJECTION: EventType.DSR_OBJECTION,
}


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def _propagates(request: DataSubjectRequest, step: Step) -> bool:
    # Identity confirmed and, for an agent, authority accepted: whichever of the two comes last.
    if request.right not in PROPAGATED:
        return False
    if step == Step.VERIFIED:
        return request.proof_status in {ProofStatus.NONE, ProofStatus.ACCEPTED}
    return step == Step.PROOF_ACCEPTED and request.verified_at is not None


def step_announce(*, request: DataSubjectRequest, step: Step) -> int:
    """Queue the dsr.* messages of one step in the caller's transaction; return how many deliveries."""
    event_types = [STEP_EVENTS[step].value] if step in STEP_EVENTS else []
    if _propagates(request, step):
        event_types.append(PROPAGATED[request.right].value)
    if not event_types:
        return 0
    data = {
        "request": str(request.id),
        "right": request.right,
        "jurisdiction": request.jurisdiction,
        "regulation": request.regulation,
        "status": request.status,
        "received_at": _iso(request.received_at),
        "verified_at": _iso(request.verified_at),
        "due_at": _iso(request.due_at),
        "extended_at": _iso(request.extended_at),
        "closed_at": _iso(request.closed_at),
    }
    return hooks_services.request_deliveries_create(
        site=request.site, event_types=event_types, data=data, customer_id=request.customer_id, at=timezone.now()
    )
