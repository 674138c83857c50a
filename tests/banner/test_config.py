from django.test import override_settings


def test_the_config_names_the_version_its_purposes_and_everything_the_script_needs(client, site):
    response = client.get("/api/v1/public/sites/acme/config")
    assert response.status_code == 200
    config = response.json()
    assert config["banner_version"] == site.banner_versions.get().content_hash
    assert {"slug": "essential", "required": True}.items() <= config["purposes"][0].items()
    assert config["texts"]["en"]["accept_all"] == "Accept all"
    assert config["locales"] == ["en"]
    assert config["default_locale"] == "en"
    assert config["policy_url"] == "https://acme.example/privacy"
    assert config["lifetime_days"] == 365
    assert config["honour_gpc"] is True
    assert config["revision"] == 1
    assert config["endpoints"]["consents"] == "/api/v1/public/sites/acme/consents"


def test_the_config_answers_304_to_a_client_holding_it(client, site):
    first = client.get("/api/v1/public/sites/acme/config")
    assert client.get("/api/v1/public/sites/acme/config", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_unknown_site_has_no_config(client, db):
    response = client.get("/api/v1/public/sites/nobody/config")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=1)
def test_reads_are_rate_limited_per_client_too(client, site):
    statuses = [client.get("/api/v1/public/sites/acme/config").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_the_server_and_each_site_declare_global_privacy_control_support(client, site):
    assert client.get("/.well-known/gpc.json").json()["gpc"] is True
    site.honour_gpc = False
    site.save()
    assert client.get("/api/v1/public/sites/acme/gpc.json").json()["gpc"] is False
