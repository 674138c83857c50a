"""Writes of data-subject requests: intake, the identity check, the clocks, closing, expiry, the access log.

Every function is keyword-only and atomic; e-mail goes out only after the transaction commits. A
state change is a conditional UPDATE from the state it expects, so two operators clicking at once
change a request once and the second is told it already moved.
"""

import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from consent.dsr import clocks, files, fulfilment, mails, selectors
from consent.dsr.announce import step_announce
from consent.dsr.errors import DsrInputError, DsrStateError, TokenInvalid
from consent.dsr.evidence import Step, step_append
from consent.dsr.models import (
    OPEN_STATUSES,
    AccessLogEntry,
    DataSubjectRequest,
    Jurisdiction,
    ProofStatus,
    Right,
    Status,
)
from consent.models import Membership, Site
from consent.regions.resolution import RegionSignal
from consent.regions.selectors import regulation_select
from ledger.rows import Insert, columns, inserts_run

__all__ = [
    "DsrInputError",
    "DsrStateError",
    "TokenInvalid",
    "access_log_purge",
    "access_log_record",
    "request_delete",
    "request_extend",
    "request_fulfil",
    "request_proof_decide",
    "request_receive",
    "request_refuse",
    "request_start",
    "request_verify",
    "requests_due_soon_notify",
    "requests_expire_unverified",
]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(field: str, value: Any, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DsrInputError(field, "must be text")
    value = value.strip()
    if required and not value:
        raise DsrInputError(field, "is required")
    if len(value) > limit:
        raise DsrInputError(field, f"must be at most {limit} characters")
    return value


def _email(field: str, value: Any, *, required: bool) -> str:
    address = _text(field, value, 254, required=required)
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise DsrInputError(field, "must be an e-mail address") from None
    return address


def request_receive(
    *,
    site: Site,
    right: str,
    email: str,
    jurisdiction: str = "",
    customer_id: str = "",
    details: str = "",
    agent_name: str = "",
    agent_email: str = "",
    proof: UploadedFile | None = None,
    locale: str = "en",
    verify_url: str,
    regulation: str = "",
    region: RegionSignal | None = None,
) -> DataSubjectRequest:
    """File a request and e-mail its one-time identity link; `verify_url` has a `{token}` placeholder.

    Its clock is that of the regulation it names, else of the one the requester's region resolves to
    among the site's regulations, else the jurisdiction's default.
    """
    if right not in Right.values:
        raise DsrInputError("right", f"must be one of {', '.join(Right.values)}")
    jurisdiction = jurisdiction or Jurisdiction.OTHER
    if jurisdiction not in Jurisdiction.values:
        raise DsrInputError("jurisdiction", f"must be one of {', '.join(Jurisdiction.values)}")
    address = _email("email", email, required=True)
    rule = _regulation(site, _text("regulation", regulation, 16), region)
    fields = {
        "customer_id": _text("customer_id", customer_id, 128),
        "details": _text("details", details, 4000),
        "agent_name": _text("agent_name", agent_name, 200),
        "agent_email": _email("agent_email", agent_email, required=False),
    }
    is_agent = bool(fields["agent_name"] or fields["agent_email"] or proof is not None)
    if is_agent:
        if not fields["agent_name"]:
            raise DsrInputError("agent_name", "is required when an agent files the request")
        if not fields["agent_email"]:
            raise DsrInputError("agent_email", "is required when an agent files the request")
        if proof is None:
            raise DsrInputError("agent_proof", "is required when an agent files the request")
    content_type = ""
    if proof is not None:
        try:
            content_type = files.proof_sniff(proof)
        except files.ProofRefused as exc:
            raise DsrInputError("agent_proof", str(exc)) from None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    proof_name = ""
    try:
        with transaction.atomic():
            if proof is not None:
                proof_name = files.proof_store(proof)
            request = DataSubjectRequest.objects.create(
                site=site,
                right=right,
                jurisdiction=jurisdiction,
                email=address,
                locale=locale if locale in {code for code, _name in settings.LANGUAGES} else "en",
                proof_file=proof_name,
                proof_content_type=content_type,
                proof_status=ProofStatus.PENDING if is_agent else ProofStatus.NONE,
                token_hash=_token_hash(token),
                token_expires_at=now + clocks.VERIFY_LINK_LIFETIME,
                received_at=now,
                due_at=clocks.due_at(jurisdiction=jurisdiction, received_at=now, regulation=rule),
                regulation=rule["slug"] if rule else "",
                **fields,
            )
            _step(request, Step.RECEIVED)
            link = verify_url.format(token=token)
            transaction.on_commit(lambda: mails.verify_link_send(request=request, link=link))
    except files.ProofRefused as exc:
        raise DsrInputError("agent_proof", str(exc)) from None
    except BaseException:
        files.proof_delete(proof_name)
        raise
    return request


def _regulation(site: Site, slug: str, region: RegionSignal | None) -> Any:
    if slug:
        rule = selectors.regulation_by_slug(site=site, slug=slug)
        if rule is None:
            raise DsrInputError("regulation", "is not a regulation of this site")
        return rule
    if region is None or not (region.country or region.subdivision):
        return None  # an unknown region says nothing about the law: the jurisdiction's clock applies
    return regulation_select(selectors.regulations_of_site(site=site), region)


def _step(request: DataSubjectRequest, step: Step) -> None:
    """Append a step to the ledger and tell the site's destinations, both in the caller's transaction."""
    step_append(request=request, step=step)
    step_announce(request=request, step=step)


def request_verify(*, site: Site, token: str) -> DataSubjectRequest:
    """Confirm the person's identity with the e-mailed link: once, within 24 hours, else TokenInvalid."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise TokenInvalid
    digest = _token_hash(token)
    found = DataSubjectRequest.objects.filter(site=site, token_hash=digest).values_list("pk", flat=True).first()
    if found is None:
        raise TokenInvalid
    now = timezone.now()
    with transaction.atomic():
        # Clearing the hash in the same UPDATE that checks it is what makes the link single-use.
        changed = DataSubjectRequest.objects.filter(
            pk=found, token_hash=digest, status=Status.RECEIVED, token_expires_at__gt=now
        ).update(status=Status.VERIFIED, verified_at=now, token_hash="", token_expires_at=None)
        if changed != 1:
            raise TokenInvalid
        request = DataSubjectRequest.objects.select_related("site").get(pk=found)
        _step(request, Step.VERIFIED)
    return request


def _move(request: DataSubjectRequest, *, allowed: tuple[str, ...], step: Step, **fields: Any) -> None:
    """Change a request's state from one of `allowed`, exactly once, and append the step."""
    changed = DataSubjectRequest.objects.filter(pk=request.pk, status__in=allowed).update(**fields)
    if changed != 1:
        current = DataSubjectRequest.objects.filter(pk=request.pk).values_list("status", flat=True).first()
        raise DsrStateError("status", f"cannot go from {current} to this step")
    request.refresh_from_db()
    _step(request, step)


def _authority_check(request: DataSubjectRequest) -> None:
    if request.proof_status in {ProofStatus.PENDING, ProofStatus.REJECTED}:
        raise DsrStateError("agent_proof", "the agent's proof of authority has not been accepted")


def request_proof_decide(*, request: DataSubjectRequest, accepted: bool, actor: str) -> DataSubjectRequest:
    """Accept or reject an agent's proof of authority (a rejected request still has to be refused)."""
    with transaction.atomic():
        changed = DataSubjectRequest.objects.filter(
            pk=request.pk, proof_status=ProofStatus.PENDING, status__in=OPEN_STATUSES
        ).update(proof_status=ProofStatus.ACCEPTED if accepted else ProofStatus.REJECTED)
        if changed != 1:
            raise DsrStateError("agent_proof", "there is no proof waiting for a decision")
        request.refresh_from_db()
        _step(request, Step.PROOF_ACCEPTED if accepted else Step.PROOF_REJECTED)
        _log(request, actor=actor, action="proof_accepted" if accepted else "proof_rejected")
    return request


def request_start(*, request: DataSubjectRequest, actor: str) -> DataSubjectRequest:
    """Take a verified request into work."""
    _authority_check(request)
    with transaction.atomic():
        _move(request, allowed=(Status.VERIFIED,), step=Step.STARTED, status=Status.IN_PROGRESS)
        _log(request, actor=actor, action="started")
    return request


def request_extend(*, request: DataSubjectRequest, reason: str, actor: str) -> DataSubjectRequest:
    """Extend an open request's deadline once, by its jurisdiction's extension, and tell the requester why."""
    reason = _text("reason", reason, 2000, required=True)
    with transaction.atomic():
        current = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        if current.extended_at is not None:
            raise DsrStateError("reason", "a request can be extended only once")
        rule = selectors.regulation_by_slug(site=current.site, slug=current.regulation)
        due = clocks.extended_due_at(jurisdiction=current.jurisdiction, due_at=current.due_at, regulation=rule)
        changed = DataSubjectRequest.objects.filter(
            pk=request.pk, status__in=OPEN_STATUSES, extended_at__isnull=True
        ).update(extended_at=timezone.now(), extension_reason=reason, due_at=due)
        if changed != 1:
            raise DsrStateError("status", "only an open request can be extended")
        request.refresh_from_db()
        _step(request, Step.EXTENDED)
        _log(request, actor=actor, action="extended")
        transaction.on_commit(lambda: mails.extension_send(request=request))
    return request


def request_fulfil(*, request: DataSubjectRequest, actor: str, download_url: str = "") -> DataSubjectRequest:
    """Carry out a verified request (export, erasure, withdrawal, or the operator's own task) and close it.

    `download_url` has a `{token}` and a `{filename}` placeholder; access and portability need it.
    """
    _authority_check(request)
    if request.status not in {Status.VERIFIED, Status.IN_PROGRESS}:
        raise DsrStateError("status", f"cannot fulfil a request that is {request.status}")
    with transaction.atomic():
        links = fulfilment.carry_out(request=request, download_url=download_url)
        _move(
            request,
            allowed=(Status.VERIFIED, Status.IN_PROGRESS),
            step=Step.FULFILLED,
            status=Status.FULFILLED,
            closed_at=timezone.now(),
            export_dir=request.export_dir,
        )
        _log(request, actor=actor, action=f"fulfilled_{request.right}")
        transaction.on_commit(lambda: mails.fulfilled_send(request=request, links=links))
    return request


def request_refuse(*, request: DataSubjectRequest, reason: str, actor: str) -> DataSubjectRequest:
    """Close an open request without carrying it out, telling the requester why."""
    reason = _text("reason", reason, 2000, required=True)
    with transaction.atomic():
        _move(
            request,
            allowed=OPEN_STATUSES,
            step=Step.REFUSED,
            status=Status.REFUSED,
            refusal_reason=reason,
            closed_at=timezone.now(),
        )
        _log(request, actor=actor, action="refused")
        if request.verified_at is not None:
            # An unverified address may not be the requester's: it learns nothing about the request.
            transaction.on_commit(lambda: mails.refused_send(request=request))
    return request


_PERSONAL_FIELDS = {
    "email": "",
    "customer_id": "",
    "details": "",
    "agent_name": "",
    "agent_email": "",
    "proof_file": "",
    "proof_content_type": "",
    "token_hash": "",
    "token_expires_at": None,
}


def requests_expire_unverified(*, now: datetime | None = None) -> int:
    """Close requests whose identity link lapsed unused, keeping only what counts them; return how many."""
    now = now or timezone.now()
    expired = 0
    lapsed = DataSubjectRequest.objects.filter(status=Status.RECEIVED, token_expires_at__lte=now)
    for request in lapsed.select_related("site").iterator():
        proof = request.proof_file
        with transaction.atomic():
            changed = DataSubjectRequest.objects.filter(
                pk=request.pk, status=Status.RECEIVED, token_expires_at__lte=now
            ).update(status=Status.EXPIRED, closed_at=now, **_PERSONAL_FIELDS)
            if changed != 1:
                continue
            request.refresh_from_db()
            _step(request, Step.EXPIRED)
            transaction.on_commit(lambda name=proof: files.proof_delete(name))  # type: ignore[misc]
        expired += 1
    return expired


def request_delete(*, request: DataSubjectRequest) -> None:
    """Delete a request with its proof and export files (its ledger steps stay: they hold nothing personal)."""
    proof, export = request.proof_file, request.export_dir
    with transaction.atomic():
        DataSubjectRequest.objects.filter(pk=request.pk).delete()
        transaction.on_commit(lambda: _files_delete(proof, export))


def _files_delete(proof: str, export: str) -> None:
    files.proof_delete(proof)
    files.export_delete(export)


def requests_due_soon_notify(*, now: datetime | None = None) -> int:
    """E-mail each organization's owners the open requests due within 7 days; return how many e-mails."""
    now = now or timezone.now()
    due = (
        DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now + clocks.DUE_SOON)
        .select_related("site")
        .order_by("due_at")
    )
    by_organization: dict[int, list[str]] = {}
    for request in due:
        state = "OVERDUE" if request.due_at <= now else "due"
        by_organization.setdefault(request.site.organization_id, []).append(
            f"- {request.site.key}: {request.right} request {request.id} ({request.status}), "
            f"{state} {request.due_at:%Y-%m-%d %H:%M} UTC"
        )
    sent = 0
    for organization_id, lines in sorted(by_organization.items()):
        owners = Membership.objects.filter(organization_id=organization_id, role=Membership.Role.OWNER)
        recipients = sorted({m.user.email for m in owners.select_related("user") if m.user.email})
        if recipients:
            mails.due_soon_send(recipients=recipients, lines=lines)
            sent += 1
    return sent


def _log(request: DataSubjectRequest, *, actor: str, action: str) -> None:
    access_log_record(actor=actor, action=f"dsr.{action}", subject_ref=f"request:{request.id}", site=request.site)


_ACCESS_LOG_FIELDS = ("site", "actor", "action", "subject_ref", "ip", "recorded_at")


def access_log_row(
    *, actor: str, action: str, subject_ref: str = "", site: Site | None = None, ip: str | None = None
) -> tuple[Any, ...]:
    """Return an access-log entry's values in _ACCESS_LOG_FIELDS order, cut to their columns' lengths."""
    try:
        address = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        address = None
    return (site.pk if site is not None else None, actor[:200], action[:64], subject_ref[:200], address, timezone.now())


def access_log_record(
    *, actor: str, action: str, subject_ref: str = "", site: Site | None = None, ip: str | None = None
) -> None:
    """Record that `actor` did `action` to the personal data of `subject_ref`; kept ASSENT_ACCESS_LOG_DAYS.

    One plain INSERT (no RETURNING, no model built): every API read of personal data writes one, and
    it commits before the answer goes out.
    """
    row = access_log_row(actor=actor, action=action, subject_ref=subject_ref, site=site, ip=ip)
    inserts_run([Insert(AccessLogEntry, _ACCESS_LOG_FIELDS, [row])])


def access_log_select(subject_ref: str) -> str:
    """Return `INSERT INTO <access log> (…) SELECT …` whose subject reference is the SQL expression given.

    For a statement that logs a read in the same round trip as the read (PostgreSQL: a data-modifying
    WITH). Its five placeholders take access_log_row()'s values less the subject reference; they are
    typed, since a SELECT list gives PostgreSQL nothing to infer their types from.
    """
    return (
        f"INSERT INTO {AccessLogEntry._meta.db_table} ({columns(AccessLogEntry, _ACCESS_LOG_FIELDS)})"
        f" SELECT %s::bigint, %s, %s, {subject_ref}, %s::inet, %s::timestamptz"
    )


def access_log_purge(*, now: datetime | None = None) -> int:
    """Delete access-log entries older than ASSENT_ACCESS_LOG_DAYS; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ASSENT_ACCESS_LOG_DAYS)
    deleted, _ = AccessLogEntry.objects.filter(recorded_at__lt=cutoff).delete()
    return deleted
