def _preflight(client, key, origin):
    return client.options(
        f"/api/v1/public/sites/{key}/consents",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def test_a_sites_own_origin_may_call_its_public_endpoints(client, site):
    response = _preflight(client, "acme", "https://acme.example")
    assert response["Access-Control-Allow-Origin"] == "https://acme.example"
    assert "Access-Control-Allow-Credentials" not in response


def test_another_sites_origin_may_not(client, site, outsider_site):
    response = _preflight(client, "acme", "https://other.example")
    assert "Access-Control-Allow-Origin" not in response
    assert (
        _preflight(client, "other", "https://other.example")["Access-Control-Allow-Origin"] == "https://other.example"
    )


def test_an_origin_added_by_the_operator_is_allowed_within_the_cache_time(client, site):
    from django.core.cache import cache

    assert "Access-Control-Allow-Origin" not in _preflight(client, "acme", "https://shop.acme.example")
    site.allowed_origins = [*site.allowed_origins, "https://shop.acme.example"]
    site.save()
    cache.clear()  # stands for the 30 s the origins are cached
    assert _preflight(client, "acme", "https://shop.acme.example")["Access-Control-Allow-Origin"]


def test_paths_outside_the_public_api_get_no_cors(client, site):
    response = client.get("/api/v1/sites/acme/subjects/x", HTTP_ORIGIN="https://acme.example")
    assert "Access-Control-Allow-Origin" not in response
