"""Scope the admin pages the console did not write: the ledger's, and Django's own (users, groups).

The ledger never imports `consent`, so its admins cannot name the console's base class; here each
one is registered again with the scoping in front, keyed by the site key the ledger stores. Any
other admin (users, groups) is for staff only: a member who entered through a membership gets a 404
there, so a guessed user id confirms nothing.
"""

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest

from consent.console.accesslog import AccessLogged
from consent.console.roles import Role
from consent.console.scoping import TenantScoped
from ledger.models import Checkpoint, Event, Evidence, Leaf, Log, State

# model → (path to its site key, the least role that may read it); nobody below a superuser writes.
LEDGER_SCOPES = {
    Log: ("site", Role.ANALYST),
    Checkpoint: ("log__site", Role.ANALYST),
    Event: ("log__site", Role.ADMIN),
    Leaf: ("log__site", Role.ADMIN),
    State: ("log__site", Role.ADMIN),
    Evidence: ("log__site", Role.ADMIN),
}


class EvidenceAccessLogged(AccessLogged):
    """Evidence is personal (truncated address, user agent, page): every look at it is logged."""

    access_log_name = "evidence"

    def access_log_subject(self, obj: Evidence) -> str:
        return f"subject:{obj.subject_key}"


def _rescope() -> None:
    for model, (site_key_path, view_role) in LEDGER_SCOPES.items():
        ledger_admin = type(admin.site._registry[model])
        admin.site.unregister(model)
        logged = (EvidenceAccessLogged,) if model is Evidence else ()
        scoped = type(
            ledger_admin.__name__,
            (*logged, TenantScoped, ledger_admin),
            {
                "__module__": __name__,
                "tenant_site_key_path": site_key_path,
                "console_view_role": view_role,
                "console_write_role": None,
            },
        )
        admin.site.register(model, scoped)


def _is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_active and getattr(request.user, "is_staff", False))


class StaffOnly:
    """Keep Django's own checks for staff, and show members nothing at all."""

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return queryset if _is_staff(request) else queryset.none()

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404
        return obj


def _staff_only() -> None:
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, TenantScoped):
            continue
        admin.site.unregister(model)
        admin.site.register(model, type(type(model_admin).__name__, (StaffOnly, type(model_admin)), {}))


_rescope()
_staff_only()
