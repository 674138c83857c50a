"""The answer to a recorded choice is what the DRF serializer it replaced rendered, field for field."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.test import Client
from rest_framework import serializers

from consent.banner.views.public import receipt_body
from ledger.receipts import Receipt
from tests.edge.conftest import CONSENTS, consent_body


class _Oracle(serializers.Serializer[Any]):
    """The output serializer the view used before, kept as the reference."""

    receipt = serializers.CharField(source="id")
    state = serializers.DictField(child=serializers.BooleanField())
    changed = serializers.ListField(child=serializers.CharField())
    recorded_at = serializers.DateTimeField()
    event_ids = serializers.ListField(child=serializers.CharField())
    leaf_hashes = serializers.ListField(child=serializers.CharField())
    replayed = serializers.BooleanField()
    signature = serializers.CharField()
    key_id = serializers.CharField()


def _receipt(recorded_at: datetime, *, replayed: bool) -> Receipt:
    return Receipt(
        id="0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        site="acme",
        origin="assent/ledger/acme",
        event_ids=["0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d"],
        leaf_hashes=["ab" * 32, "cd" * 32],
        recorded_at=recorded_at,
        state={"analytics": True, "marketing": False},
        changed=["analytics"],
        replayed=replayed,
        signature="c2lnbmF0dXJl",
        key_id="a1b2c3d4",
    )


@pytest.mark.parametrize(
    "recorded_at",
    [
        datetime(2026, 11, 30, 8, 1, 2, 345678, tzinfo=UTC),
        datetime(2026, 11, 30, 8, 1, 2, tzinfo=UTC),  # no fraction: isoformat leaves it out, as DRF did
        datetime(2026, 11, 30, 17, 1, 2, 5, tzinfo=timezone(timedelta(hours=9))),
    ],
)
@pytest.mark.parametrize("replayed", [False, True])
def test_the_answer_renders_a_receipt_as_the_drf_serializer_did(recorded_at, replayed):
    receipt = _receipt(recorded_at, replayed=replayed)
    assert receipt_body(receipt, subject="0" * 32) == {**_Oracle(receipt).data, "subject": "0" * 32}


@pytest.mark.django_db
def test_a_recorded_choice_answers_with_every_field_of_its_receipt(site):
    response = Client().post(CONSENTS, consent_body(site), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {*_Oracle().fields, "subject"}
    assert body["recorded_at"].endswith("Z")
    assert body["state"] == {"analytics": True, "marketing": False, "essential": True}
