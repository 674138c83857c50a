"""Admin for webhooks: destinations (secret shown once), the delivery log with its attempts, replays."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from consent.console.scoping import ConsoleAdmin, ConsoleTabularInline
from consent.hooks import guard, services
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import ALL_EVENT_TYPES, Attempt, Delivery, Destination, EventType

_EDITABLE = ["url", "purposes", "event_types", "name", "active"]


class DestinationForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Destination
        fields = ["site", "name", "url", "purposes", "event_types", "active"]

    def clean(self) -> dict[str, Any]:
        """Run the same checks as the service (SSRF guard, known purposes) so a refusal is a form error."""
        cleaned: dict[str, Any] = super().clean() or {}
        site = cleaned.get("site") or (self.instance.site if self.instance.pk else None)
        if site is None or self.errors:
            return cleaned
        try:
            guard.url_check(cleaned.get("url") or "")
        except DestinationInputError as exc:
            self.add_error("url", exc.message)
        purposes = cleaned.get("purposes") or []
        if not isinstance(purposes, list) or not all(isinstance(slug, str) for slug in purposes):
            self.add_error("purposes", 'Give a list of purpose slugs, e.g. ["marketing"], or [] for all.')
        else:
            unknown = sorted(set(purposes) - set(site.purposes.values_list("slug", flat=True)))
            if unknown:
                self.add_error("purposes", f"Not purposes of {site.key}: {', '.join(unknown)}")
        return cleaned


@admin.register(Destination)
class DestinationAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    form = DestinationForm
    list_display = ["__str__", "site", "active", "event_types", "purposes", "failing_since", "deliveries_link"]
    list_filter = ["active", "site"]
    search_fields = ["name", "url", "site__key"]
    list_select_related = ["site"]
    readonly_fields = ["disabled_reason", "failing_since", "retired_secrets_expire", "created_at", "updated_at"]
    actions = ["replay_failed", "rotate_secret", "disable"]

    def get_readonly_fields(self, request: HttpRequest, obj: Destination | None = None) -> list[str]:
        # A destination never moves to another site: its deliveries and sequence belong to that one.
        return [*self.readonly_fields, "site"] if obj else list(self.readonly_fields)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"event_types": list(services.DEFAULT_EVENT_TYPES), "purposes": []}

    @admin.display(description="Replaced secrets still signing until")
    def retired_secrets_expire(self, obj: Destination) -> str:
        # When each one stops, never the secret itself.
        return ", ".join(entry["expires_at"] for entry in obj.retired_secrets) or "-"

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj: Destination) -> str:
        url = reverse("admin:hooks_delivery_changelist") + f"?destination__id__exact={obj.pk}"
        return format_html('<a href="{}">log</a>', url)

    def save_model(self, request: HttpRequest, obj: Destination, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            # The service compares with what is stored (re-enabling clears the failure run); the form
            # has already copied the new values onto obj.
            stored = Destination.objects.get(pk=obj.pk)
            services.destination_update(destination=stored, **{name: data[name] for name in _EDITABLE if name in data})
            obj.refresh_from_db()
            return
        destination, secret = services.destination_create(
            site=data["site"],
            url=data["url"],
            purposes=data.get("purposes") or [],
            event_types=data.get("event_types") or list(ALL_EVENT_TYPES),
            name=data.get("name", ""),
        )
        if not data.get("active", True):
            services.destination_disable(destination=destination)
        obj.pk = destination.pk
        obj.refresh_from_db()
        messages.warning(request, f"Copy the signing secret now; it will not be shown again: {secret}")

    @admin.action(description="Replay their failed deliveries")
    def replay_failed(self, request: HttpRequest, queryset: QuerySet[Destination]) -> None:
        for destination in queryset:
            try:
                count = services.deliveries_replay_failed(destination=destination)
            except DestinationInputError as exc:
                self.message_user(request, f"{destination}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{destination}: {count} failed deliveries queued again.")

    @admin.action(description="Rotate the signing secret (the old one signs for 24 hours more)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Destination]) -> None:
        for destination in queryset:
            try:
                secret = services.destination_secret_rotate(destination=destination)
            except DestinationInputError as exc:
                self.message_user(request, f"{destination}: {exc.message}", messages.ERROR)
                continue
            messages.warning(request, f"{destination}: copy the new secret now; it will not be shown again: {secret}")

    @admin.action(description="Disable the selected destinations")
    def disable(self, request: HttpRequest, queryset: QuerySet[Destination]) -> None:
        for destination in queryset:
            services.destination_disable(destination=destination)
        self.message_user(request, f"Disabled {len(queryset)} destination(s).")


class AttemptInline(ConsoleTabularInline):
    model = Attempt
    tenant_path = "delivery__destination__site__organization"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "started_at", "latency_ms", "status_code", "error", "response_body")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ConsoleAdmin):
    """The delivery log: read-only, since a delivery is a record of what was (or will be) sent."""

    tenant_path = "destination__site__organization"

    list_display = [
        "id",
        "event_type",
        "destination",
        "status",
        "attempts",
        "sequence",
        "last_status_code",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "destination__site"]
    search_fields = ["message_id"]
    list_select_related = ["destination"]
    inlines = [AttemptInline]
    actions = ["replay"]
    fields = readonly_fields = (
        "destination",
        "message_id",
        "event_type",
        "status",
        "attempts",
        "sequence",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
        "body",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Replay selected deliveries (same webhook-id)")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        replayed = 0
        for delivery in queryset.select_related("destination"):
            try:
                services.delivery_replay(delivery=delivery)
            except DestinationInputError as exc:
                self.message_user(request, f"Delivery {delivery.pk}: {exc.message}", messages.ERROR)
            else:
                replayed += 1
        self.message_user(request, f"{replayed} deliveries queued again.")
