"""Operators' reads of personal data in the console go to the access log (kept ASSENT_ACCESS_LOG_DAYS)."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from consent.dsr.services import access_log_record
from consent.edge.address import client_address


class AccessLogged:
    """Log each list and object page of a model that holds personal data: who, what, whose, from where.

    `access_log_subject(obj)` names whose data an object holds, by the ledger key of the subject (a
    pseudonym, so the log itself leads to no one once the subject is erased).
    """

    access_log_name = ""

    def access_log_subject(self, obj: Any) -> str:
        raise NotImplementedError

    def _access_logged(self, request: HttpRequest, action: str, obj: Any = None) -> None:
        site = getattr(obj, "site", None) if obj is not None else None
        access_log_record(
            actor=f"operator:{request.user.get_username()}",
            action=f"console_{self.access_log_name}_{action}",
            subject_ref=self.access_log_subject(obj) if obj is not None else "",
            site=site if hasattr(site, "pk") else None,
            ip=client_address(request),
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if response.status_code == 200:
            self._access_logged(request, "listed")
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if response.status_code == 200:
            self._access_logged(request, "viewed", self.get_object(request, object_id))  # type: ignore[attr-defined]
        return response
