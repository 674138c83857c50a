"""Everything held about one subject, as the account pages give it to the person themselves."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from consent.accounts.selectors import subject_export
from consent.api import selectors
from consent.api.models import Scope
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.api.views.subjects import KIND_PARAMETER, SUBJECT_PARAMETER, kind_param

EXPORT_EXAMPLE = {
    "format": "assent-subject-export/1",
    "generated_at": "2026-05-01T09:30:00+00:00",
    "site": "acme",
    "controller": "Acme",
    "requested_id": "user-42",
    "found": True,
    "subject": {"id": "user-42", "kind": "user", "ledger_key": "5b0c…"},
    "links": [{"device": "visitor-9", "linked_to": "user-42", "ledger_key": "77ad…"}],
    "state": {"marketing": {"granted": False, "since": "2026-05-01T09:30:00+00:00", "expires_at": None}},
    "events": [],
    "evidence": [],
    "receipts": [],
}


class SubjectExportView(SiteApiView):
    """The subject's export document: links, state, events, evidence and receipts (an access request)."""

    required_scope = Scope.CONSENT_READ

    @extend_schema(
        operation_id="subject_export",
        summary="Export everything held about one subject",
        parameters=[SUBJECT_PARAMETER, KIND_PARAMETER],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The `assent-subject-export/1` document"),
            **errors(400),
        },
        examples=[OpenApiExample("export", response_only=True, status_codes=["200"], value=EXPORT_EXAMPLE)],
    )
    def get(self, request: Request, site_key: str, subject: str) -> Response:
        found = selectors.subject_match(site=self.site, external_id=subject, kind=kind_param(request))
        if found is None:
            raise Http404
        self.personal_data_read("subject_export", found.ledger_key)
        return Response(subject_export(site=self.site, external_id=subject, kind=found.kind))
