"""A read-only admin for the ledger: operators may look, nobody may add, change or delete."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ledger.models import Checkpoint, Event, Evidence, Leaf, Log, State


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin page that shows rows and offers no way to write them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Log)
class LogAdmin(ReadOnlyAdmin):
    list_display = ["site", "origin", "created_at"]
    exclude = ["subject_secret"]
    search_fields = ["site"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "log", "purpose", "granted", "kind", "source", "method", "recorded_at"]
    list_filter = ["kind", "source", "granted"]
    search_fields = ["=id", "=subject_key", "=receipt_id"]
    # The changelist would otherwise count every event of every site on each page view.
    show_full_result_count = False


@admin.register(Leaf)
class LeafAdmin(ReadOnlyAdmin):
    list_display = ["event", "log", "index"]
    search_fields = ["=event__id"]
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["log", "size", "key_id", "signed_at"]


@admin.register(State)
class StateAdmin(ReadOnlyAdmin):
    list_display = ["log", "subject_key", "purpose", "granted", "since", "expires_at"]
    search_fields = ["=subject_key"]
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["receipt_id", "log", "created_at"]
    exclude = ["salt"]
