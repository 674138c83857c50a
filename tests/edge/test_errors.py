"""One flattener and one error shape: nested and bare-string messages name their field, never split."""

from django.test import Client
from rest_framework import serializers

from consent.edge.errors import first_message, flatten
from tests.edge.conftest import CONSENTS, consent_body
from tests.factories import visitor_id


def test_a_bare_string_message_under_a_key_is_one_message_not_its_characters():
    detail = serializers.ValidationError({"choices": {"analytics": "must be true or false"}}).detail
    assert flatten(detail) == {"choices.analytics": ["must be true or false"]}


def test_it_names_nested_list_entries_by_index_and_keeps_every_message():
    detail = {"items": [{"url": ["bad", "worse"]}, {}], "name": ["required"], "non_field_errors": ["clash"]}
    assert flatten(detail) == {"items[0].url": ["bad", "worse"], "name": ["required"], "non_field_errors": ["clash"]}


def test_the_summary_names_the_first_field():
    assert first_message({"choices.analytics": ["must be true or false"]}) == "choices.analytics: must be true or false"
    assert first_message({"non_field_errors": ["clash"]}) == "clash"


def test_a_choice_that_is_not_a_boolean_is_named_with_its_whole_message(site):
    response = Client().post(
        CONSENTS, consent_body(site, choices={"analytics": "yes"}), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"choices.analytics": ["must be true or false"]}
    assert error["message"] == "choices.analytics: must be true or false"


def test_identify_names_every_unknown_field_in_the_same_shape(site):
    body = {"subject": visitor_id("v"), "user": "u", "token": "1." + "0" * 64, "extra": 1, "more": 2}
    response = Client().post("/api/v1/public/sites/acme/identify", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"extra": ["is not a known field"], "more": ["is not a known field"]}
