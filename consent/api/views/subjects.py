"""One subject: its current (or past) state per purpose, and its history."""

import hashlib
from datetime import datetime, tzinfo
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import ISO_8601, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from consent.api import selectors, services
from consent.api.models import Scope
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.api.views.events import FEED_EXAMPLE, EventSerializer, events_as_dicts
from consent.banner.declaration import states_nest
from consent.models import Subject
from consent.services import canonical_json
from ledger import selectors as ledger_selectors

SUBJECT_PARAMETER = OpenApiParameter(
    "subject", str, OpenApiParameter.PATH, description="The id you know the person by (visitor id or user id)"
)


class VendorStateSerializer(serializers.Serializer):
    granted = serializers.BooleanField(help_text="Its purpose is granted and this vendor is not refused")
    since = serializers.DateTimeField(help_text="When the vendor's current decision was recorded")
    expires_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField()  # type: ignore[assignment]
    receipt = serializers.CharField()
    kind = serializers.CharField(help_text="The vendor's own decision: opted_in, opted_out, withdrawn, ...")
    regulation = serializers.CharField(allow_blank=True)


class PurposeStateSerializer(serializers.Serializer):
    granted = serializers.BooleanField()
    since = serializers.DateTimeField(help_text="When the current decision was recorded")
    expires_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="banner, preference_centre, account_settings, api, gpc, import, system"
    )
    receipt = serializers.CharField(help_text="The receipt id of the choice that set this state")
    kind = serializers.CharField(
        help_text="opted_in, defaulted (on by default under an opt-out or notice law), opted_out, withdrawn, "
        "objected, expired"
    )
    regulation = serializers.CharField(
        allow_blank=True, help_text="The regulation the choice was made under (its slug), empty when none applied"
    )
    vendors = serializers.DictField(
        child=VendorStateSerializer(),
        required=False,
        help_text="Per-vendor purposes only: the vendors decided so far, by slug "
        "(an undecided vendor follows its purpose)",
    )


KIND_HELP = "Which namespace the id is in; without it a user's id is looked up first, then a visitor's"
KIND_PARAMETER = OpenApiParameter(
    "kind", str, OpenApiParameter.QUERY, enum=[k.value for k in Subject.Kind], description=KIND_HELP
)


def kind_param(request: Request) -> str | None:
    """Return the `kind` query parameter, or answer 400 naming it when it is not a subject kind."""
    kind = request.query_params.get("kind")
    if kind is not None and kind not in Subject.Kind.values:
        raise serializers.ValidationError({"kind": [f"must be one of {', '.join(Subject.Kind.values)}"]})
    return kind


def subject_or_404(*, view: SiteApiView, external_id: str, kind: str | None = None) -> selectors.Decider:
    """Return who answers for an id on the view's site, or answer 404."""
    subject = selectors.subject_find(site=view.site, external_id=external_id, kind=kind)
    if subject is None:
        raise Http404
    return subject


_WHEN = serializers.DateTimeField()


def rendered(value: Any) -> Any:
    """Return a body as its output serializer renders it (datetimes as ISO 8601 strings), without building one.

    A serializer deep-copies its declared fields each time it is made; on a read this hot, that costs
    more than the state query. The OutputSerializer stays the schema of record.
    """
    zone = _WHEN.default_timezone() if api_settings.DATETIME_FORMAT == ISO_8601 else None
    return _rendered(value, zone)


def _rendered(value: Any, zone: tzinfo | None) -> Any:
    if isinstance(value, datetime):
        if zone is not None and value.utcoffset() is not None:
            # DateTimeField.to_representation's own steps for an aware datetime, the current time zone
            # looked up once per body rather than per value (an audience page holds ten thousand).
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return _WHEN.to_representation(value)
    if isinstance(value, dict):
        return {key: _rendered(item, zone) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rendered(item, zone) for item in value]
    return value


def state_as_dict(rows: Any, regulations: dict[str, str], *, at: datetime) -> dict[str, dict[str, Any]]:
    """Render the ledger's state rows per purpose for the API, granted as of a moment (granted_now).

    `regulations` are the jurisdictions of the rows' deciding events, by event id.
    """
    return states_nest(
        {
            purpose: {
                "granted": ledger_selectors.granted_now(granted=row.granted, expires_at=row.expires_at, now=at),
                "since": row.since,
                "expires_at": row.expires_at,
                "source": row.source,
                "receipt": str(row.receipt_id),
                "kind": row.kind,
                "regulation": regulations.get(str(row.event_id), ""),
            }
            for purpose, row in sorted(rows.items())
        }
    )


class SubjectStateView(SiteApiView):
    """Current state per purpose, or the state at a past moment with `?at=`."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        at = serializers.DateTimeField(required=False, help_text="Answer as of this moment (ISO 8601)")
        kind = serializers.ChoiceField(choices=[k.value for k in Subject.Kind], required=False, help_text=KIND_HELP)

    class OutputSerializer(serializers.Serializer):
        subject = serializers.CharField()
        at = serializers.DateTimeField(allow_null=True, help_text="The moment asked about; null for now")
        purposes = serializers.DictField(child=PurposeStateSerializer())

    @extend_schema(
        operation_id="subject_state",
        summary="Consent state of one subject",
        parameters=[SUBJECT_PARAMETER, InputSerializer],
        responses={200: OutputSerializer, 304: None, **errors(400)},
        examples=[
            OpenApiExample(
                "granted analytics, refused marketing",
                response_only=True,
                status_codes=["200"],
                value={
                    "subject": "user-42",
                    "at": None,
                    "purposes": {
                        "analytics": {
                            "granted": True,
                            "since": "2026-05-01T09:30:00Z",
                            "expires_at": "2027-05-01T09:30:00Z",
                            "source": "banner",
                            "receipt": "01J9Z8Q4W7H3K2M5N6P7R8S9T0",
                            "vendors": {
                                "ga": {
                                    "granted": True,
                                    "since": "2026-05-01T09:30:00Z",
                                    "expires_at": "2027-05-01T09:30:00Z",
                                    "source": "banner",
                                    "receipt": "01J9Z8Q4W7H3K2M5N6P7R8S9T0",
                                    "kind": "opted_in",
                                    "regulation": "",
                                }
                            },
                        },
                        "marketing": {
                            "granted": False,
                            "since": "2026-05-01T09:30:00Z",
                            "expires_at": None,
                            "source": "banner",
                            "receipt": "01J9Z8Q4W7H3K2M5N6P7R8S9T0",
                        },
                    },
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str, subject: str) -> Response:
        given: dict[str, Any] = {}
        if request.query_params:  # most lookups ask about now: no parameters to validate
            params = self.InputSerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            given = params.validated_data
        at: datetime | None = given.get("at")
        if at is None:
            # The subject, the access-log entry and the state: one statement (see subject_state_read).
            known, rows, regulations = services.subject_state_read(
                site=self.site, external_id=subject, kind=given.get("kind"), **self.access("subject_state")
            )
            if not known:
                raise Http404
        else:
            found = subject_or_404(view=self, external_id=subject, kind=given.get("kind"))
            self.personal_data_read("subject_state", found.ledger_key)
            rows = ledger_selectors.subject_state_at(site=self.site.key, subject=found.pseudonym, at=at)
            event_ids = [row.event_id for row in rows.values()]
            regulations = ledger_selectors.event_jurisdictions(site=self.site.key, event_ids=event_ids)
        purposes = state_as_dict(rows, regulations, at=at or timezone.now())
        body = rendered({"subject": subject, "at": at, "purposes": purposes})
        etag = '"' + hashlib.sha256(canonical_json(body)).hexdigest()[:32] + '"'
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag})


class SubjectEventsView(SiteApiView):
    """The subject's history, newest first, with the banner version each choice was made under."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)
        kind = serializers.ChoiceField(choices=[k.value for k in Subject.Kind], required=False, help_text=KIND_HELP)

    class OutputSerializer(serializers.Serializer):
        subject = serializers.CharField()
        events = EventSerializer(many=True)

    @extend_schema(
        operation_id="subject_events",
        summary="History of one subject, newest first",
        parameters=[SUBJECT_PARAMETER, InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "history",
                response_only=True,
                status_codes=["200"],
                value={"subject": "user-42", "events": FEED_EXAMPLE["events"]},
            )
        ],
    )
    def get(self, request: Request, site_key: str, subject: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = subject_or_404(view=self, external_id=subject, kind=params.validated_data.get("kind"))
        self.personal_data_read("subject_history", found.ledger_key)
        rows = ledger_selectors.subject_events(
            site=self.site.key, subject=found.pseudonym, limit=params.validated_data["limit"]
        )
        events = events_as_dicts(view=self, rows=rows)
        return Response(self.OutputSerializer({"subject": subject, "events": events}).data)
