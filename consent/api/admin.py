"""Admin for API keys: create one and see it exactly once; after that, only its prefix."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone

from consent.api import services
from consent.api.models import ApiKey, Scope
from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin
from consent.models import Site


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["organization", "name", "scopes", "sites", "expires_at"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        organization = cleaned.get("organization")
        foreign = [s.key for s in cleaned.get("sites") or [] if organization and s.organization_id != organization.pk]
        if foreign:
            self.add_error("sites", f"Not sites of {organization}: {', '.join(foreign)}")
        expires_at = cleaned.get("expires_at")
        if not self.instance.pk and expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", "Must be in the future.")
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(ConsoleAdmin):
    tenant_path = "organization"
    console_view_role = console_write_role = Role.OWNER
    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "organization",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["organization"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    filter_horizontal = ["sites"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is None:
            return ["organization", "name", "scopes", "sites", "expires_at"]
        return [
            "organization",
            "name",
            "prefix",
            "scopes",
            "sites",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        if obj is None:
            return []
        # A key's powers are fixed at creation: make a new one rather than widen an old one.
        return ["organization", "prefix", "scopes", "sites", "created_at", "last_used_at", "revoked_at"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"scopes": [scope.value for scope in Scope]}

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            services.api_keys_changed()
            return
        api_key, key = services.api_key_create(
            organization=obj.organization,
            name=obj.name,
            scopes=obj.scopes,
            sites=list(form.cleaned_data.get("sites") or Site.objects.none()),
            expires_at=obj.expires_at,
        )
        obj.pk = api_key.pk
        obj.refresh_from_db()
        messages.warning(request, f"Copy the new key now; it will not be shown again: {key}")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: ApiKey) -> None:
        super().delete_model(request, obj)
        services.api_keys_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        services.api_keys_changed()

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s) as of {timezone.now():%Y-%m-%d %H:%M}.")
