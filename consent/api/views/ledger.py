"""The site's signed checkpoints and the proofs that tie events and checkpoints together."""

import uuid

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api.models import Scope
from consent.api.pagination import MAX_BIGINT
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from ledger import selectors as ledger_selectors
from ledger.errors import ProofUnavailable, ReceiptUnknown

NOTE = "assent.example/acme\n42\nq1w2e3...=\n\n\u2014 assent-ledger AbCdEf...=\n"


class CheckpointSerializer(serializers.Serializer):
    origin = serializers.CharField()
    size = serializers.IntegerField()
    root = serializers.CharField(help_text="Root hash, hex")  # type: ignore[assignment]
    note = serializers.CharField(help_text="The C2SP signed note")
    key_id = serializers.CharField()
    signed_at = serializers.DateTimeField()


class CheckpointsView(SiteApiView):
    """Signed checkpoints, newest first, and the public keys that verify them."""

    required_scope = Scope.LEDGER_READ

    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)

    class OutputSerializer(serializers.Serializer):
        class KeySerializer(serializers.Serializer):
            key_id = serializers.CharField()
            key_name = serializers.CharField()
            pem = serializers.CharField()
            current = serializers.BooleanField()

        public_keys = KeySerializer(many=True)
        checkpoints = CheckpointSerializer(many=True)

    @extend_schema(
        operation_id="ledger_checkpoints",
        summary="Signed checkpoints of the site's log",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "checkpoints",
                response_only=True,
                status_codes=["200"],
                value={
                    "public_keys": [
                        {"key_id": "a1b2c3d4", "key_name": "assent-ledger", "pem": "-----BEGIN...", "current": True}
                    ],
                    "checkpoints": [
                        {
                            "origin": "assent.example/acme",
                            "size": 42,
                            "root": "9f2c...",
                            "note": NOTE,
                            "key_id": "a1b2c3d4",
                            "signed_at": "2026-05-01T09:31:00Z",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = ledger_selectors.checkpoints(site=self.site.key, limit=params.validated_data["limit"])
        keys = [key.as_dict() for key in ledger_selectors.public_keys()]
        return Response(self.OutputSerializer({"public_keys": keys, "checkpoints": rows}).data)


class InclusionProofView(SiteApiView):
    """The audit path of one event to a signed checkpoint."""

    required_scope = Scope.LEDGER_READ

    class InputSerializer(serializers.Serializer):
        event = serializers.UUIDField(help_text="The event id")
        size = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_BIGINT, help_text="A signed tree size; default newest"
        )

    class OutputSerializer(serializers.Serializer):
        event_id = serializers.CharField()
        leaf_index = serializers.IntegerField()
        tree_size = serializers.IntegerField()
        leaf_hash = serializers.CharField()
        root = serializers.CharField()  # type: ignore[assignment]
        proof = serializers.ListField(child=serializers.CharField(), help_text="Hashes, hex, leaf to root")
        checkpoint = serializers.CharField(help_text="The signed note of tree_size")

    @extend_schema(
        operation_id="ledger_inclusion_proof",
        summary="Inclusion proof of one event (RFC 9162)",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "proof",
                response_only=True,
                status_codes=["200"],
                value={
                    "event_id": "01890a5d-ac96-774b-bcce-b302099a8057",
                    "leaf_index": 7,
                    "tree_size": 42,
                    "leaf_hash": "5e1f...",
                    "root": "9f2c...",
                    "proof": ["aa01...", "bb02..."],
                    "checkpoint": NOTE,
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            proof = ledger_selectors.prove_inclusion(
                event_id=params.validated_data["event"], size=params.validated_data.get("size")
            )
        except ProofUnavailable as exc:
            raise NotFound(str(exc)) from None
        if proof.site != self.site.key:
            raise NotFound
        return Response(self.OutputSerializer(proof.as_dict()).data)


class ConsistencyProofView(SiteApiView):
    """Proof that the log at one size is a prefix of the log at a later size."""

    required_scope = Scope.LEDGER_READ

    class InputSerializer(serializers.Serializer):
        from_ = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text="The smaller tree size")
        to = serializers.IntegerField(
            min_value=1, max_value=MAX_BIGINT, help_text="The larger tree size, at most the newest checkpoint's"
        )

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = fields.pop("from_")
            return fields

    class OutputSerializer(serializers.Serializer):
        size1 = serializers.IntegerField()
        size2 = serializers.IntegerField()
        root1 = serializers.CharField()
        root2 = serializers.CharField()
        proof = serializers.ListField(child=serializers.CharField())
        checkpoint1 = serializers.CharField(allow_null=True)
        checkpoint2 = serializers.CharField(allow_null=True)

    @extend_schema(
        operation_id="ledger_consistency_proof",
        summary="Consistency proof between two tree sizes (RFC 9162)",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "proof",
                response_only=True,
                status_codes=["200"],
                value={
                    "size1": 10,
                    "size2": 42,
                    "root1": "11aa...",
                    "root2": "9f2c...",
                    "proof": ["cc03...", "dd04..."],
                    "checkpoint1": None,
                    "checkpoint2": NOTE,
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        size1, size2 = params.validated_data["from"], params.validated_data["to"]
        if size1 > size2:
            raise ValidationError({"from": ["must not be larger than to"]})
        try:
            proof = ledger_selectors.prove_consistency(site=self.site.key, size1=size1, size2=size2)
        except ProofUnavailable as exc:
            raise ValidationError({"to": [str(exc)]}) from None
        return Response(self.OutputSerializer(proof.as_dict()).data)


class ReceiptBundleView(SiteApiView):
    """The portable proof of one receipt, verifiable offline with `python -m ledger.verify`."""

    required_scope = Scope.LEDGER_READ

    class OutputSerializer(serializers.Serializer):
        format = serializers.CharField(help_text="assent-receipt-bundle/1")
        site = serializers.CharField()
        origin = serializers.CharField()
        receipt = serializers.CharField()
        recorded_at = serializers.CharField()
        signature = serializers.CharField(help_text="Ed25519 over the receipt text, base64")
        key_id = serializers.CharField()
        event_shared = serializers.DictField(help_text="The fields every event of the receipt has in common")
        events = serializers.ListField(
            child=serializers.DictField(), help_text="Each event's own fields; merged with event_shared, canonical"
        )
        leaves = serializers.ListField(
            child=serializers.ListField(), help_text="Per event: [leaf index, [positions in hashes]]"
        )
        hashes = serializers.ListField(child=serializers.CharField(), help_text="Inclusion proof hashes, base64")
        checkpoint = serializers.CharField(help_text="The C2SP signed note every proof leads to")

    class PendingSerializer(serializers.Serializer):
        status = serializers.CharField()
        message = serializers.CharField()
        retry_after = serializers.IntegerField()

    @extend_schema(
        operation_id="ledger_receipt_bundle",
        summary="Receipt bundle: one choice's events, signed receipt, inclusion proofs and checkpoint",
        parameters=[OpenApiParameter("receipt", uuid.UUID, OpenApiParameter.PATH, description="The receipt id")],
        responses={
            200: OutputSerializer,
            202: OpenApiResponse(PendingSerializer, description="Not yet covered by a signed checkpoint"),
            **errors(404),
        },
        examples=[
            OpenApiExample(
                "bundle",
                response_only=True,
                status_codes=["200"],
                value={
                    "format": "assent-receipt-bundle/1",
                    "site": "acme",
                    "origin": "assent.example/ledger/acme",
                    "receipt": "01890a5d-ac96-774b-bcce-b302099a8056",
                    "recorded_at": "2026-05-01T09:30:00.000000Z",
                    "signature": "pQ3v...==",
                    "key_id": "a1b2c3d4",
                    "event_shared": {"receipt": "01890a5d-ac96-774b-bcce-b302099a8056", "site": "acme", "v": 1},
                    "events": [{"event": "01890a5d-ac96-774b-bcce-b302099a8057", "purpose": "marketing"}],
                    "leaves": [[7, [0, 1]]],
                    "hashes": ["qgE...=", "uwI...="],
                    "checkpoint": NOTE,
                },
            ),
            OpenApiExample(
                "pending",
                response_only=True,
                status_codes=["202"],
                value={"status": "pending", "message": "receipt ... is not in the log yet", "retry_after": 60},
            ),
        ],
    )
    def get(self, request: Request, site_key: str, receipt: str) -> Response:
        try:
            bundle = ledger_selectors.receipt_bundle(site=self.site.key, receipt_id=receipt)
        except ReceiptUnknown:
            raise NotFound(f"No receipt {receipt} on this site.") from None
        except ProofUnavailable as exc:
            retry = settings.LEDGER_CHECKPOINT_INTERVAL
            body = {"status": "pending", "message": f"{exc}; try again later.", "retry_after": retry}
            return Response(self.PendingSerializer(body).data, status=202, headers={"Retry-After": str(retry)})
        return Response(bundle)
