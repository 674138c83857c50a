"""Walk every admin URL as people who must not see Acme's rows (or may only look at some of them)."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.urls import URLPattern, URLResolver, reverse

from consent.console.roles import Role
from consent.console.scoping import TenantScoped
from consent.dsr.models import AccessLogEntry, DataSubjectRequest, ProofStatus, Status
from consent.hooks.models import Destination
from consent.models import Membership, Organization, Site

pytestmark = pytest.mark.django_db


def acme_rows(model: type[Model], organization: Organization) -> QuerySet[Any]:
    """Return the rows of a model that belong to Acme (for users: Acme's members)."""
    model_admin = admin.site._registry[model]
    if isinstance(model_admin, TenantScoped):
        return model._default_manager.filter(model_admin.tenant_filter([organization.pk]))
    if model._meta.label == "auth.User":
        return model._default_manager.filter(memberships__organization=organization)
    return model._default_manager.all()


def readable_by_analyst(model: type[Model]) -> bool:
    model_admin = admin.site._registry[model]
    return isinstance(model_admin, TenantScoped) and model_admin.console_view_role == Role.ANALYST


def all_admin_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.name:
                names.add(pattern.name)

    walk(admin.site.get_urls())
    return names


def result_pks(response: Any) -> set[Any]:
    return {obj.pk for obj in response.context["cl"].result_list}


def choice_pks(form: Any) -> dict[str, set[Any]]:
    """Return, per relational form field, the primary keys it offers."""
    offered = {}
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            offered[name] = set(queryset.values_list("pk", flat=True))
    return offered


@pytest.fixture(params=["outsider", "other_admin", "analyst"])
def visitor(request, acme, outsider, other_admin, analyst, client):
    user = {"outsider": outsider, "other_admin": other_admin, "analyst": analyst}[request.param]
    client.force_login(user)
    return request.param, client


def test_it_walks_every_admin_url_and_shows_acme_only_to_whom_it_may(visitor, acme, organization):
    who, client = visitor
    visited: set[str] = set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        rows = acme_rows(model, organization)
        if isinstance(model_admin, TenantScoped):
            assert rows.exists(), f"the fixture has no {opts.label} row of Acme to walk"
        sees = who == "analyst" and readable_by_analyst(model)
        acme_pks = set(rows.values_list("pk", flat=True))

        changelist = client.get(reverse(f"admin:{prefix}_changelist"))
        visited.add(f"{prefix}_changelist")
        if sees:
            assert changelist.status_code == 200
            assert acme_pks <= result_pks(changelist), opts.label
        else:
            assert changelist.status_code in (200, 403), opts.label
            if changelist.status_code == 200:
                assert not acme_pks & result_pks(changelist), f"{who} sees Acme's {opts.label}"
            searched = client.get(reverse(f"admin:{prefix}_changelist"), {"q": "acme"})
            if searched.status_code == 200:
                assert not acme_pks & result_pks(searched)

        add = client.get(reverse(f"admin:{prefix}_add"))
        visited.add(f"{prefix}_add")
        if who == "analyst":
            assert add.status_code == 403, opts.label
        elif add.status_code == 200:
            for field, offered in choice_pks(add.context["adminform"].form).items():
                remote = add.context["adminform"].form.fields[field].queryset.model
                assert not offered & set(acme_rows(remote, organization).values_list("pk", flat=True)), field
        else:
            assert add.status_code == 403, opts.label

        if not acme_pks:
            visited |= {f"{prefix}_{name}" for name in ("change", "delete", "history")}
            continue
        pk = sorted(acme_pks)[0]
        change_url = reverse(f"admin:{prefix}_change", args=[pk])
        delete_url = reverse(f"admin:{prefix}_delete", args=[pk])
        history_url = reverse(f"admin:{prefix}_history", args=[pk])
        visited |= {f"{prefix}_change", f"{prefix}_delete", f"{prefix}_history"}
        if sees:
            assert client.get(change_url).status_code == 200, opts.label
            assert client.post(change_url, {}).status_code == 403, opts.label
            assert client.get(delete_url).status_code == 403, opts.label
            assert client.post(delete_url, {"post": "yes"}).status_code == 403, opts.label
            assert client.get(history_url).status_code == 200, opts.label
        else:
            # Absent, not forbidden: a guessed id must not confirm that the row exists.
            for method, url in (("get", change_url), ("post", change_url), ("get", delete_url), ("get", history_url)):
                assert getattr(client, method)(url).status_code == 404, f"{who} {method} {url}"
            assert client.post(delete_url, {"post": "yes"}).status_code == 404
        assert model._default_manager.filter(pk=pk).exists(), f"{who} deleted Acme's {opts.label}"

    publish = client.get(reverse("admin:consent_site_publish", args=[acme.site.pk]))
    visited.add("consent_site_publish")
    assert publish.status_code == (403 if who == "analyst" else 404)
    assert client.post(reverse("admin:consent_site_publish", args=[acme.site.pk])).status_code in (403, 404)
    assert acme.site.banner_versions.count() == 1

    # A request's steps and its agent's proof are personal data: absent to all three, and nothing moves.
    request = acme.request
    for step in ("accept_proof", "reject_proof", "start", "fulfil", "extend", "refuse"):
        step_url = reverse("admin:dsr_request_step", args=[request.pk, step])
        assert client.post(step_url, {"reason": "no"}).status_code == 404, f"{who} {step}"
        assert client.get(step_url).status_code == 404, f"{who} {step}"
    assert client.get(reverse("admin:dsr_request_proof", args=[request.pk])).status_code == 404
    visited |= {"dsr_request_step", "dsr_request_proof"}
    request.refresh_from_db()
    assert (request.status, request.proof_status, request.extended_at) == ("received", "pending", None)
    assert not AccessLogEntry.objects.filter(action="dsr.proof_read").exists()

    # Django's one extra per-model URL: setting a user's password.
    acme_user = acme_rows(get_user_model(), organization).first()
    assert client.get(reverse("admin:auth_user_password_change", args=[acme_user.pk])).status_code == 404
    assert client.post(reverse("admin:auth_user_password_change", args=[acme_user.pk]), {}).status_code == 404
    visited.add("auth_user_password_change")

    dashboard = client.get(reverse("admin:console_dashboard", args=[acme.site.key]))
    dashboard_csv = client.get(reverse("admin:console_dashboard_csv", args=[acme.site.key]))
    preview = client.get(reverse("admin:console_preview", args=[acme.site.key, "en", "banner"]))
    preview_script = client.get(reverse("admin:console_preview_script", args=[acme.site.key]))
    visited |= {"console_dashboard", "console_dashboard_csv", "console_preview", "console_preview_script"}
    expected = 200 if who == "analyst" else 404
    assert (dashboard.status_code, dashboard_csv.status_code, preview.status_code) == (expected,) * 3
    assert preview_script.status_code == 404  # only with the signed token a preview page hands out

    visited.add("autocomplete")
    for model in admin.site._registry:
        for field in [*model._meta.many_to_many, *model._meta.fields]:
            remote = field.related_model
            if not field.is_relation or remote not in admin.site._registry:
                continue
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field.name},
            )
            if response.status_code != 200:
                assert response.status_code in (403, 404)
                continue
            offered = {str(item["id"]) for item in response.json()["results"]}
            if not (who == "analyst" and readable_by_analyst(remote)):
                acme_remote = {str(pk) for pk in acme_rows(remote, organization).values_list("pk", flat=True)}
                assert not offered & acme_remote, f"{who} autocompletes Acme's {remote._meta.label}"

    for name in ("index", "logout", "password_change", "password_change_done", "jsi18n", "login"):
        visited.add(name)
    app_labels = {model._meta.app_label for model in admin.site._registry}
    for label in app_labels:
        response = client.get(reverse("admin:app_list", args=[label]))
        assert response.status_code in (200, 404)
        assert acme.site.name not in response.content.decode() or who == "analyst"
    visited |= {"app_list", "view_on_site"}
    for model in admin.site._registry:
        for pk in acme_rows(model, organization).values_list("pk", flat=True)[:1]:
            content_type = ContentType.objects.get_for_model(model)
            assert client.get(reverse("admin:view_on_site", args=[content_type.pk, pk])).status_code == 404

    assert all_admin_url_names() <= visited, all_admin_url_names() - visited


@pytest.fixture(params=["owner", "acme_admin"])
def acme_operator(request, acme, owner, acme_admin, client):
    client.force_login({"owner": owner, "acme_admin": acme_admin}[request.param])
    return client


def test_acmes_owner_and_admin_read_the_proof_and_take_each_step_of_acmes_request(acme, acme_operator):
    client = acme_operator
    request = acme.request
    assert str(request.pk) in client.get(reverse("admin:dsr_datasubjectrequest_changelist")).content.decode()
    assert client.get(reverse("admin:dsr_accesslogentry_changelist")).status_code == 200
    proof = client.get(reverse("admin:dsr_request_proof", args=[request.pk]))
    assert proof.status_code == 200
    assert b"".join(proof.streaming_content).startswith(b"%PDF-")
    assert AccessLogEntry.objects.filter(action="dsr.proof_read", subject_ref=f"request:{request.pk}").exists()

    step_url = reverse("admin:dsr_request_step", args=[request.pk, "accept_proof"])
    assert client.get(step_url).status_code == 403  # steps are POST only
    assert client.post(step_url).status_code == 302
    assert DataSubjectRequest.objects.get(pk=request.pk).proof_status == ProofStatus.ACCEPTED
    client.post(reverse("admin:dsr_request_step", args=[request.pk, "refuse"]), {"reason": "Not this customer."})
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.REFUSED


def test_the_index_lists_only_what_each_role_may_read(acme, analyst, other_admin, client):
    client.force_login(analyst)
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"Site", "Purpose", "BannerVersion", "DailyCount"} <= models
    assert "Regulation" in models
    personal = {"Subject", "Event", "Evidence", "State", "ApiKey", "Destination", "Delivery", "User"}
    assert not models & (personal | {"DataSubjectRequest", "AccessLogEntry"})


def test_a_member_enters_the_console_without_being_staff(acme, analyst, client):
    assert not analyst.is_staff
    response = client.post(
        reverse("admin:login"), {"username": analyst.username, "password": "password-for-tests", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_someone_without_a_membership_cannot_sign_in_to_the_console(db, client):
    from tests import factories

    nobody = factories.UserFactory(username="nobody@example.com")
    response = client.post(reverse("admin:login"), {"username": nobody.username, "password": "password-for-tests"})
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_every_console_page_carries_a_strict_csp(acme, analyst, client):
    client.force_login(analyst)
    for url in (reverse("admin:index"), reverse("admin:login"), reverse("admin:consent_site_changelist")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy


def test_an_action_on_another_organizations_row_changes_nothing(acme, other_admin, client):
    client.force_login(other_admin)
    destination = Destination.objects.get(site=acme.site)
    client.post(
        reverse("admin:hooks_destination_changelist"),
        {"action": "disable", "_selected_action": [destination.pk]},
    )
    destination.refresh_from_db()
    assert destination.active


def test_an_admin_writes_their_organizations_rows_but_not_members_or_keys(acme, acme_admin, client):
    client.force_login(acme_admin)
    destination = Destination.objects.get(site=acme.site)
    client.post(
        reverse("admin:hooks_destination_changelist"),
        {"action": "disable", "_selected_action": [destination.pk]},
    )
    destination.refresh_from_db()
    assert not destination.active
    assert client.get(reverse("admin:api_apikey_changelist")).status_code == 403
    page = client.get(reverse("admin:consent_organization_change", args=[acme.site.organization_id]))
    assert page.status_code == 200
    assert "memberships-TOTAL_FORMS" not in page.content.decode()


def test_an_admin_of_two_organizations_acts_only_where_they_may_write(acme, acme_admin, outsider_site, client):
    Membership.objects.create(organization=outsider_site.organization, user=acme_admin, role=Role.ANALYST)
    client.force_login(acme_admin)
    other_site = Site.objects.get(pk=outsider_site.pk)
    response = client.post(
        reverse("admin:consent_site_changelist"),
        {"action": "delete_selected", "_selected_action": [other_site.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Site.objects.filter(pk=other_site.pk).exists()
    add = client.get(reverse("admin:consent_purpose_add"))
    assert set(add.context["adminform"].form.fields["site"].queryset) == {acme.site}


def test_an_owner_adds_a_member_by_their_e_mail_without_a_user_list(acme, owner, client):
    from tests import factories

    newcomer = factories.UserFactory(username="newcomer@example.com")
    client.force_login(owner)
    url = reverse("admin:consent_organization_change", args=[acme.site.organization_id])
    page = client.get(url)
    assert "autocomplete" not in page.content.decode().split('name="memberships-__prefix__-user"')[0][-300:]
    memberships = list(Membership.objects.filter(organization=acme.site.organization).order_by("pk"))
    data = {
        "name": acme.site.organization.name,
        "memberships-TOTAL_FORMS": len(memberships) + 1,
        "memberships-INITIAL_FORMS": len(memberships),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    for i, membership in enumerate(memberships):
        data |= {
            f"memberships-{i}-id": membership.pk,
            f"memberships-{i}-organization": membership.organization_id,
            f"memberships-{i}-user": membership.user.username,
            f"memberships-{i}-role": membership.role,
        }
    n = len(memberships)
    data |= {f"memberships-{n}-user": newcomer.username, f"memberships-{n}-role": Role.ANALYST}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert Membership.objects.get(user=newcomer).role == Role.ANALYST


def test_a_sites_page_lists_its_regulations_for_analysts_to_read_and_admins_to_edit(acme, analyst, acme_admin, client):
    regulation = acme.site.regulations.get()
    site_url = reverse("admin:consent_site_change", args=[acme.site.pk])
    regulation_url = reverse("admin:regions_regulation_change", args=[regulation.pk])
    client.force_login(analyst)
    page = client.get(site_url).content.decode()
    assert regulation_url in page
    assert 'name="regulations-0-slug"' not in page
    assert client.get(regulation_url).status_code == 200
    assert client.post(regulation_url, {}).status_code == 403
    client.force_login(acme_admin)
    page = client.get(site_url).content.decode()
    assert 'name="regulations-0-slug"' in page
    assert regulation_url in page
