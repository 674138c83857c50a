"""Audiences (who may be contacted for what) and bulk checks."""

import dataclasses
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api import selectors
from consent.api.models import Scope
from consent.api.pagination import cursor_decode, cursor_encode
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.api.views.subjects import rendered
from consent.banner.declaration import decision_purpose
from consent.models import Subject
from ledger import selectors as ledger_selectors
from ledger.selectors import AudienceRow

MAX_CHECK_PAIRS = 1000


def vendor_allowed(*, held: dict[str, bool], key: str) -> bool:
    """Answer a `purpose:vendor` key: its purpose granted now and the vendor's own decision not a refusal.

    A vendor never decided follows its purpose; a vendor grant that lapsed counts as refused, as any
    lapsed grant counts as not granted.
    """
    return held.get(decision_purpose(key), False) and held.get(key, True)


def _audience_rows(view: SiteApiView, data: dict[str, Any], after: str) -> tuple[list[AudienceRow], str | None]:
    """Return one page of the audience asked about and the subject key the next starts after (None: last).

    For `purpose:vendor`, the page walks every subject with a state for the purpose, in subject key
    order, and keeps those whose answer for the vendor matches: it may hold fewer than `limit` rows
    while more follow.
    """
    key, limit = data["purpose"], data["limit"]
    common = {"site": view.site.key, "changed_since": data.get("changed_since"), "after": after, "limit": limit}
    if ":" not in key:
        rows = ledger_selectors.audience(purpose=key, granted=data["granted"], **common)
        return rows, rows[-1].subject_key if len(rows) == limit else None
    pages = [ledger_selectors.audience(purpose=decision_purpose(key), granted=g, **common) for g in (True, False)]
    walked = sorted(pages[0] + pages[1], key=lambda row: row.subject_key)[:limit]
    pseudonyms = selectors.pseudonyms_by_ledger_key(
        site=view.site, ledger_keys=[row.subject_key for row in walked if row.granted]
    )
    held = ledger_selectors.states_granted(site=view.site.key, subjects=list(pseudonyms.values()), purposes=[key])
    rows = []
    for row in walked:
        granted = row.granted and held.get(pseudonyms.get(row.subject_key, ""), {}).get(key, True)
        if granted == bool(data["granted"]):
            rows.append(dataclasses.replace(row, granted=granted))
    # The next page starts after the last subject walked, kept or not.
    more = any(len(page) == limit for page in pages)
    return rows, walked[-1].subject_key if more else None


def _plain_ids(items: Any, *, at_most: int, max_length: int) -> bool:
    """Tell whether items is a list a ListField of CharFields would take exactly as it is.

    Plain ASCII strings, not blank, not padded, short enough: the serializer would return them unchanged,
    so a body of such lists skips its per-item validation (1,000 field runs on a bulk check). Anything
    else goes through the serializer, which names what is wrong.
    """
    return (
        type(items) is list
        and 1 <= len(items) <= at_most
        and all(
            type(item) is str and 0 < len(item) <= max_length and item.isascii() and item.isprintable()
            and item.strip() == item
            for item in items
        )
    )  # fmt: skip


class AudienceView(SiteApiView):
    """Subjects and their state for one purpose, by a cursor over the ledger's subject keys."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        purpose = serializers.CharField(
            max_length=64, help_text="The purpose slug, or `purpose:vendor` for one vendor of a per-vendor purpose"
        )
        granted = serializers.BooleanField(required=False, allow_null=True, default=True)
        changed_since = serializers.DateTimeField(required=False, help_text="Only states set at or after this")
        cursor = serializers.CharField(required=False, max_length=512, help_text="`next` from the previous page")
        limit = serializers.IntegerField(required=False, min_value=1, max_value=5000, default=1000)

    class OutputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            subject = serializers.CharField()
            kind = serializers.CharField(help_text="user or visitor: the namespace of `subject`")
            granted = serializers.BooleanField()
            since = serializers.DateTimeField()
            expires_at = serializers.DateTimeField(allow_null=True)

        purpose = serializers.CharField()
        results = ItemSerializer(many=True)
        next = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for the next page; null at the end")

    @extend_schema(
        operation_id="audience_list",
        summary="Audience: subjects whose state for a purpose matches",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "one page",
                response_only=True,
                status_codes=["200"],
                value={
                    "purpose": "marketing",
                    "results": [
                        {
                            "subject": "user-42",
                            "kind": "user",
                            "granted": True,
                            "since": "2026-05-01T09:30:00Z",
                            "expires_at": "2027-05-01T09:30:00Z",
                        }
                    ],
                    "next": "eyJrIjoiYWJjIn0",
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data["purpose"] not in selectors.decision_keys(site=self.site):
            raise serializers.ValidationError({"purpose": ["is not a purpose (or purpose:vendor) of this site"]})
        self.personal_data_read("audience")
        after = cursor_decode(data["cursor"], keys={"k": str})["k"] if data.get("cursor") else ""
        rows, last = _audience_rows(self, data, after)
        # A device linked to a user is answered for by the user's own state, never by its stale one;
        # erased subjects drop out too (nothing names them).
        deciding = selectors.deciding_subjects_by_ledger_key(site=self.site, ledger_keys=[row.subject for row in rows])
        results = [
            {
                "subject": deciding[row.subject].external_id,
                "kind": deciding[row.subject].kind,
                "granted": row.granted,
                "since": row.since,
                "expires_at": row.expires_at,
            }
            for row in rows
            if row.subject in deciding
        ]
        next_cursor = cursor_encode({"k": last}) if last is not None else None
        # Rendered as OutputSerializer declares it, without running five fields per subject.
        return Response(rendered({"purpose": data["purpose"], "results": results, "next": next_cursor}))


class CheckView(SiteApiView):
    """May I use these subjects' data for these purposes, right now? Up to 1,000 pairs per call."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        subjects = serializers.ListField(
            child=serializers.CharField(max_length=128), min_length=1, max_length=MAX_CHECK_PAIRS
        )
        purposes = serializers.ListField(
            child=serializers.CharField(max_length=64),
            min_length=1,
            max_length=100,
            help_text="Purpose slugs, or `purpose:vendor` keys for vendors of per-vendor purposes",
        )
        subject_kind = serializers.ChoiceField(
            choices=[k.value for k in Subject.Kind],
            required=False,
            help_text="The namespace of every id; without it a user's id is looked up first, then a visitor's",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            pairs = len(set(attrs["subjects"])) * len(set(attrs["purposes"]))
            if pairs > MAX_CHECK_PAIRS:
                raise serializers.ValidationError(
                    {"subjects": [f"subjects times purposes is {pairs}, more than {MAX_CHECK_PAIRS}"]}
                )
            return attrs

    class OutputSerializer(serializers.Serializer):
        class ResultSerializer(serializers.Serializer):
            subject = serializers.CharField()
            known = serializers.BooleanField(help_text="False when the subject has never chosen anything here")
            purposes = serializers.DictField(child=serializers.BooleanField())

        results = ResultSerializer(many=True)

    @extend_schema(
        operation_id="consents_check",
        summary="Check many subjects against many purposes at once",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(400, 413)},
        examples=[
            OpenApiExample(
                "two subjects",
                request_only=True,
                value={"subjects": ["user-42", "user-43"], "purposes": ["marketing", "analytics"]},
            ),
            OpenApiExample(
                "answer",
                response_only=True,
                status_codes=["200"],
                value={
                    "results": [
                        {"subject": "user-42", "known": True, "purposes": {"marketing": True, "analytics": False}},
                        {"subject": "user-43", "known": False, "purposes": {"marketing": False, "analytics": False}},
                    ]
                },
            ),
        ],
    )
    def post(self, request: Request, site_key: str) -> Response:
        data = request.data
        plain = (
            isinstance(data, dict)
            and set(data) <= {"subjects", "purposes"}
            and _plain_ids(data.get("subjects"), at_most=MAX_CHECK_PAIRS, max_length=128)
            and _plain_ids(data.get("purposes"), at_most=100, max_length=64)
            and len(set(data["subjects"])) * len(set(data["purposes"])) <= MAX_CHECK_PAIRS
        )
        given: dict[str, Any]
        if plain and isinstance(data, dict):
            given = data
        else:
            body = self.InputSerializer(data=data)
            body.is_valid(raise_exception=True)
            given = body.validated_data
        subjects = list(dict.fromkeys(given["subjects"]))
        purposes = list(dict.fromkeys(given["purposes"]))
        unknown = sorted(set(purposes) - selectors.decision_keys(site=self.site))
        if unknown:
            raise serializers.ValidationError(
                {"purposes": [f"not purposes (or purpose:vendor keys) of this site: {', '.join(unknown)}"]}
            )
        self.personal_data_read("check")  # only a check that reads states is an access
        pseudonyms = selectors.pseudonyms_by_external_id(
            site=self.site, external_ids=subjects, kind=given.get("subject_kind")
        )
        # A vendor's answer needs its purpose's too.
        asked = {*purposes, *(decision_purpose(key) for key in purposes)}
        granted = ledger_selectors.states_granted(
            site=self.site.key, subjects=list(set(pseudonyms.values())), purposes=list(asked)
        )
        results = []
        for external_id in subjects:
            pseudonym = pseudonyms.get(external_id)
            held = granted.get(pseudonym, {}) if pseudonym else {}
            results.append(
                {
                    "subject": external_id,
                    "known": pseudonym is not None,
                    "purposes": {
                        key: vendor_allowed(held=held, key=key) if ":" in key else bool(held.get(key, False))
                        for key in purposes
                    },
                }
            )
        # Plain strings and booleans already: rendered as OutputSerializer declares them, without building it.
        return Response({"results": results})
