"""The e-mails of a request, in the requester's language; sent only after the transaction commits."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from consent.dsr.models import DataSubjectRequest


def _recipients(request: DataSubjectRequest) -> list[str]:
    return sorted({address for address in (request.email, request.agent_email) if address})


def _send(request: DataSubjectRequest, subject: str, body: str, recipients: list[str] | None = None) -> None:
    to = recipients if recipients is not None else _recipients(request)
    if to:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


def verify_link_send(*, request: DataSubjectRequest, link: str) -> None:
    """Ask the person to confirm the request by opening a one-time link (to their own address only)."""
    with translation.override(request.locale):
        subject = _("Confirm your privacy request")
        body = _(
            "We received a %(right)s request for %(site)s with this e-mail address.\n\n"
            "To confirm it is yours, open this link within 24 hours (it works once):\n%(link)s\n\n"
            "If you did not ask for this, ignore this message and nothing will happen."
        ) % {"right": request.get_right_display(), "site": request.site.name, "link": link}
    _send(request, subject, body, [request.email])


def extension_send(*, request: DataSubjectRequest) -> None:
    with translation.override(request.locale):
        subject = _("We need more time for your privacy request")
        body = _(
            "We are extending the time to answer your %(right)s request for %(site)s.\n\n"
            "Reason: %(reason)s\n\nWe will answer by %(due)s (UTC)."
        ) % {
            "right": request.get_right_display(),
            "site": request.site.name,
            "reason": request.extension_reason,
            "due": request.due_at.strftime("%Y-%m-%d"),
        }
    _send(request, subject, body)


def fulfilled_send(*, request: DataSubjectRequest, links: Iterable[str] = ()) -> None:
    with translation.override(request.locale):
        subject = _("Your privacy request is complete")
        body = _("We have completed your %(right)s request for %(site)s.") % {
            "right": request.get_right_display(),
            "site": request.site.name,
        }
        links = list(links)
        if links:
            body += "\n\n" + _("Download your data within 7 days:") + "\n" + "\n".join(links)
    _send(request, subject, body)


def refused_send(*, request: DataSubjectRequest) -> None:
    with translation.override(request.locale):
        subject = _("About your privacy request")
        body = _("We cannot complete your %(right)s request for %(site)s.\n\nReason: %(reason)s") % {
            "right": request.get_right_display(),
            "site": request.site.name,
            "reason": request.refusal_reason,
        }
    _send(request, subject, body)


def due_soon_send(*, recipients: list[str], lines: list[str]) -> None:
    """Tell an organization's owners which requests are due within 7 days."""
    send_mail(
        subject=f"{len(lines)} privacy request(s) due within 7 days",
        message="These data-subject requests are due soon:\n\n" + "\n".join(lines),
        from_email=None,
        recipient_list=recipients,
    )
