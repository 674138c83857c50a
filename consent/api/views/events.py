"""The site's event feed in log order, and recording a choice made outside the banner."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api import selectors
from consent.api.models import Scope
from consent.api.pagination import MAX_BIGINT
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.models import Subject
from consent.services import consent_record
from ledger import selectors as ledger_selectors

# Where a choice recorded through the API may come from; banner, GPC and system events are the
# platform's own and cannot be asserted by a key.
API_SOURCES = ["api", "import", "account_settings", "preference_centre"]
API_KINDS = ["opted_in", "opted_out", "withdrawn", "objected"]


class JsonBooleanField(serializers.BooleanField):
    """A JSON true or false, nothing else: "yes", "1" or 1 is no one's consent."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class EventSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position in the site's log; null until integrated")
    id = serializers.CharField()
    receipt = serializers.CharField()
    subject = serializers.CharField(allow_null=True, help_text="null once the subject has been erased")
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    kind = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    method = serializers.CharField()
    banner_version = serializers.CharField(allow_blank=True)
    locale = serializers.CharField(allow_blank=True)
    jurisdiction = serializers.CharField(allow_blank=True)
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()


FEED_EXAMPLE = {
    "events": [
        {
            "index": 41,
            "id": "01J9Z8Q4W7H3K2M5N6P7R8S9T1",
            "receipt": "01J9Z8Q4W7H3K2M5N6P7R8S9T0",
            "subject": "user-42",
            "purpose": "marketing",
            "granted": False,
            "kind": "withdrawn",
            "source": "account_settings",
            "method": "custom",
            "banner_version": "9f2c…",
            "locale": "en",
            "jurisdiction": "EU",
            "occurred_at": "2026-05-01T09:30:00Z",
            "recorded_at": "2026-05-01T09:30:00.120Z",
        }
    ],
    "next": 42,
}


class EventsView(SiteApiView):
    """GET: the feed in log order from `since`; POST: record a choice made elsewhere."""

    def get_permissions(self) -> Any:
        self.required_scope = Scope.CONSENT_WRITE if self.request.method == "POST" else Scope.CONSENT_READ
        return super().get_permissions()

    class FeedInputSerializer(serializers.Serializer):
        since = serializers.IntegerField(
            required=False,
            min_value=0,
            max_value=MAX_BIGINT,
            default=0,
            help_text="Log index to start at: `next` of the previous page",
        )
        limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=500)

    class FeedOutputSerializer(serializers.Serializer):
        events = EventSerializer(many=True)
        next = serializers.IntegerField(help_text="Pass as `since` to continue; the log only grows at its end")

    @extend_schema(
        operation_id="events_feed",
        summary="The site's events in log order",
        description="Only events already integrated into the site's Merkle log are listed, so a cursor "
        "never skips a transaction that committed late: an event appears once it has its log index.",
        parameters=[FeedInputSerializer],
        responses={200: FeedOutputSerializer, **errors(400)},
        examples=[OpenApiExample("a page", response_only=True, status_codes=["200"], value=FEED_EXAMPLE)],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.FeedInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        since, limit = params.validated_data["since"], params.validated_data["limit"]
        rows = ledger_selectors.events_feed(site=self.site.key, after=since - 1 if since else None, limit=limit)
        events = events_as_dicts(view=self, rows=rows)
        next_index = events[-1]["index"] + 1 if events else since
        return Response(self.FeedOutputSerializer({"events": events, "next": next_index}).data)

    class RecordInputSerializer(serializers.Serializer):
        subject = serializers.CharField(max_length=128, help_text="The id you know the person by")
        subject_kind = serializers.ChoiceField(choices=[k.value for k in Subject.Kind], default=Subject.Kind.USER)
        choices = serializers.DictField(child=JsonBooleanField(), allow_empty=False)
        source = serializers.ChoiceField(choices=API_SOURCES, default="api")  # type: ignore[assignment]
        method = serializers.ChoiceField(
            choices=["custom", "accept_all", "reject_all", "withdraw_all", "api", "import"], default="api"
        )
        kind = serializers.ChoiceField(choices=API_KINDS, required=False, help_text="Derived when omitted")
        banner_version = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
        locale = serializers.CharField(required=False, allow_blank=True, max_length=16, default="")
        jurisdiction = serializers.CharField(required=False, allow_blank=True, max_length=16, default="")
        occurred_at = serializers.DateTimeField(required=False)
        idempotency_key = serializers.CharField(
            required=False, min_length=1, max_length=128, help_text="Retrying with the same key records once"
        )

    class RecordOutputSerializer(serializers.Serializer):
        receipt = serializers.CharField()
        subject = serializers.CharField()
        state = serializers.DictField(child=serializers.BooleanField(), help_text="Whole state after the choice")
        changed = serializers.ListField(child=serializers.CharField())
        recorded_at = serializers.DateTimeField()
        replayed = serializers.BooleanField(help_text="True when the idempotency key was seen before")

    @extend_schema(
        operation_id="events_record",
        summary="Record a choice made elsewhere",
        request=RecordInputSerializer,
        responses={201: RecordOutputSerializer, 200: RecordOutputSerializer, **errors(400, 413)},
        examples=[
            OpenApiExample(
                "call centre withdrawal",
                request_only=True,
                value={
                    "subject": "user-42",
                    "choices": {"marketing": False},
                    "source": "api",
                    "idempotency_key": "crm-7781",
                },
            ),
            OpenApiExample(
                "recorded",
                response_only=True,
                status_codes=["201"],
                value={
                    "receipt": "01J9Z8Q4W7H3K2M5N6P7R8S9T0",
                    "subject": "user-42",
                    "state": {"essential": True, "marketing": False},
                    "changed": ["marketing"],
                    "recorded_at": "2026-05-01T09:30:00Z",
                    "replayed": False,
                },
            ),
        ],
    )
    def post(self, request: Request, site_key: str) -> Response:
        body = self.RecordInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        idempotency_key = data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        _, receipt = consent_record(
            site=self.site,
            external_id=data["subject"],
            subject_kind=data["subject_kind"],
            choices=data["choices"],
            source=data["source"],
            method=data["method"],
            kind=data.get("kind"),
            banner_version=data["banner_version"],
            locale=data["locale"],
            jurisdiction=data["jurisdiction"],
            occurred_at=data.get("occurred_at"),
            idempotency_key=idempotency_key,
            channel="api",
        )
        out = {
            "receipt": str(receipt.id),
            "subject": data["subject"],
            "state": receipt.state,
            "changed": receipt.changed,
            "recorded_at": receipt.recorded_at,
            "replayed": receipt.replayed,
        }
        return Response(self.RecordOutputSerializer(out).data, status=200 if receipt.replayed else 201)


def events_as_dicts(*, view: SiteApiView, rows: list[Any]) -> list[dict[str, Any]]:
    """Render ledger events with the customer's subject ids."""
    ids = selectors.external_ids_by_ledger_key(site=view.site, ledger_keys=list({row.subject for row in rows}))
    return [
        {
            "index": row.leaf_index,
            "id": str(row.id),
            "receipt": str(row.receipt),
            "subject": ids.get(row.subject),
            "purpose": row.purpose,
            "granted": row.granted,
            "kind": row.kind,
            "source": row.source,
            "method": row.method,
            "banner_version": row.banner_version,
            "locale": row.locale,
            "jurisdiction": row.jurisdiction,
            "occurred_at": row.occurred_at,
            "recorded_at": row.recorded_at,
        }
        for row in rows
    ]
