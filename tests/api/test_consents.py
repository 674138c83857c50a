"""Audiences by cursor and bulk checks."""

import pytest

pytestmark = pytest.mark.django_db


def audience(api, **params):
    response = api.get("/api/v1/sites/acme/consents", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_audience_lists_the_subjects_who_granted_a_purpose(api, record):
    record("a", {"marketing": True})
    record("b", {"marketing": False})
    record("c", {"marketing": True, "analytics": False})
    body = audience(api, purpose="marketing")
    assert sorted(item["subject"] for item in body["results"]) == ["a", "c"]
    assert all(item["granted"] for item in body["results"])
    assert body["next"] is None
    refused = audience(api, purpose="marketing", granted="false")
    assert [item["subject"] for item in refused["results"]] == ["b"]


def test_the_audience_pages_by_cursor_and_loses_and_repeats_nothing_while_events_arrive(api, record):
    for n in range(7):
        record(f"s{n}", {"marketing": True})
    seen: list[str] = []
    page = audience(api, purpose="marketing", limit=3)
    seen += [item["subject"] for item in page["results"]]
    # New subjects arrive while the client pages.
    for n in range(7, 10):
        record(f"s{n}", {"marketing": True})
    while page["next"]:
        page = audience(api, purpose="marketing", limit=3, cursor=page["next"])
        seen += [item["subject"] for item in page["results"]]
    assert len(seen) == len(set(seen))
    assert {f"s{n}" for n in range(7)} <= set(seen)


def test_the_audience_can_ask_only_for_recent_changes(api, record):
    from django.utils import timezone

    record("old", {"marketing": True})
    cut = timezone.now()
    record("new", {"marketing": True})
    body = audience(api, purpose="marketing", changed_since=cut.isoformat())
    assert [item["subject"] for item in body["results"]] == ["new"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "purpose"),
        ({"purpose": "nonsense"}, "purpose"),
        ({"purpose": "marketing", "limit": "0"}, "limit"),
        ({"purpose": "marketing", "limit": "100000"}, "limit"),
        ({"purpose": "marketing", "granted": "maybe"}, "granted"),
        ({"purpose": "marketing", "changed_since": "soon"}, "changed_since"),
        ({"purpose": "marketing", "cursor": "!!!"}, "cursor"),
        ({"purpose": "marketing", "cursor": "eyJ4IjoxfQ"}, "cursor"),
    ],
)
def test_the_audience_names_the_bad_parameter(api, site, params, field):
    response = api.get("/api/v1/sites/acme/consents", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_bulk_check_answers_each_pair_and_marks_unknown_subjects(api, record):
    record("a", {"marketing": True, "analytics": False})
    response = api.post(
        "/api/v1/sites/acme/consents/check",
        {"subjects": ["a", "ghost"], "purposes": ["marketing", "analytics"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"subject": "a", "known": True, "purposes": {"marketing": True, "analytics": False}},
        {"subject": "ghost", "known": False, "purposes": {"marketing": False, "analytics": False}},
    ]


def test_a_bulk_check_takes_a_thousand_pairs_and_refuses_more(api, site):
    subjects = [f"s{n}" for n in range(1000)]
    ok = api.post("/api/v1/sites/acme/consents/check", {"subjects": subjects, "purposes": ["marketing"]}, format="json")
    assert ok.status_code == 200
    assert len(ok.json()["results"]) == 1000
    too_many = api.post(
        "/api/v1/sites/acme/consents/check",
        {"subjects": subjects[:501], "purposes": ["marketing", "analytics"]},
        format="json",
    )
    assert too_many.status_code == 400
    assert "subjects" in too_many.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purposes": ["marketing"]}, "subjects"),
        ({"subjects": [], "purposes": ["marketing"]}, "subjects"),
        ({"subjects": ["a"]}, "purposes"),
        ({"subjects": ["a"], "purposes": ["nonsense"]}, "purposes"),
        ({"subjects": "a", "purposes": ["marketing"]}, "subjects"),
        ({"subjects": ["x" * 129], "purposes": ["marketing"]}, "subjects[0]"),
    ],
)
def test_a_bulk_check_names_the_bad_field(api, site, body, field):
    response = api.post("/api/v1/sites/acme/consents/check", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()


def test_a_bulk_check_of_plain_ids_skips_the_per_item_validation(api, record, monkeypatch):
    from consent.api.views.consents import CheckView

    record("a", {"marketing": True})

    class Refusing:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a plain body needs no serializer")

    monkeypatch.setattr(CheckView, "InputSerializer", Refusing)
    response = api.post(
        "/api/v1/sites/acme/consents/check", {"subjects": ["a", "b"], "purposes": ["marketing"]}, format="json"
    )
    assert response.status_code == 200
    assert [result["known"] for result in response.json()["results"]] == [True, False]


@pytest.mark.parametrize(
    "subjects",
    [[" a"], ["a\t"], ["é"], [7], ["a", "a"], ["x" * 128], ["b\x00"], []],
)
def test_a_bulk_check_answers_every_body_as_the_serializer_alone_would(api, record, subjects):
    """Bodies off the plain path (padding, non-ASCII, numbers, NUL) still get the serializer's answer."""
    from consent.api.views.consents import CheckView

    record("a", {"marketing": True})
    body = {"subjects": subjects, "purposes": ["marketing"]}
    response = api.post("/api/v1/sites/acme/consents/check", body, format="json")
    reference = CheckView.InputSerializer(data=body)
    if not reference.is_valid():
        assert response.status_code == 400
        assert all(name.startswith("subjects") for name in response.json()["error"]["fields"]), response.json()
        return
    assert response.status_code == 200
    expected = list(dict.fromkeys(reference.validated_data["subjects"]))
    assert [result["subject"] for result in response.json()["results"]] == expected


def test_an_audience_page_reads_exactly_as_its_output_serializer_renders_it(api, record):
    """The view renders pages by hand (cheaper); the serializer stays the schema, so they must agree."""
    from django.utils.dateparse import parse_datetime

    from consent.api.views.consents import AudienceView

    record("a", {"marketing": True})
    record("b", {"marketing": True})
    body = audience(api, purpose="marketing", limit=1)
    items = [
        {**item, "since": parse_datetime(item["since"]), "expires_at": parse_datetime(item["expires_at"])}
        for item in body["results"]
    ]
    expected = AudienceView.OutputSerializer({"purpose": "marketing", "results": items, "next": body["next"]}).data
    assert body == expected
    assert body["next"] is not None
