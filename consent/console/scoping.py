"""The one tenant-scoped base for every admin: each model admin names only the path to its organization.

A member sees the rows of the organizations they belong to, and may write those where their role is
high enough; anything else is a 404, so a guessed id never confirms that a row exists. Superusers
keep Django's own checks and see everything.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from consent.console.roles import Role, is_platform_admin, organizations_with
from consent.models import Site

# ModelAdmin and InlineModelAdmin are generic only in the type stubs.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _TabularInline = admin.TabularInline[Any, Any]
    _StackedInline = admin.StackedInline[Any, Any]
    _Base = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin
    _TabularInline = admin.TabularInline
    _StackedInline = admin.StackedInline
    _Base = object


class TenantScoped(_Base):
    """Scope an admin's rows, choices and permissions to the organizations of the signed-in member.

    Declare `tenant_path`: the lookup from the model to its Organization ("site__organization"; ""
    for Organization itself). Models that know a site only by its key (the ledger's) declare
    `tenant_site_key_path` ("log__site") instead. `console_view_role` and `console_write_role` say
    which role may read and write; None for writing means nobody but a superuser.
    """

    tenant_path: str | None = None
    tenant_site_key_path: str | None = None
    console_view_role: str | None = Role.ADMIN
    console_write_role: str | None = Role.ADMIN
    # Foreign keys to users that members fill in by typing an e-mail (there is no user list to pick from).
    console_user_fields: tuple[str, ...] = ()
    # False where a new row would belong to no organization yet (organizations themselves).
    console_can_add: bool = True

    # --- the scope ---------------------------------------------------------------------------------

    def tenant_filter(self, organization_ids: list[int]) -> Q:
        """Return the filter that keeps rows of these organizations."""
        if self.tenant_site_key_path is not None:
            keys = Site.objects.filter(organization_id__in=organization_ids).values("key")
            return Q(**{f"{self.tenant_site_key_path}__in": keys})
        if self.tenant_path is None:
            raise TypeError(f"{type(self).__name__} declares neither tenant_path nor tenant_site_key_path")
        return Q(**{f"{self.tenant_path}__in" if self.tenant_path else "pk__in": organization_ids})

    def tenant_scope(self, queryset: QuerySet[Any], request: HttpRequest, minimum: str | None) -> QuerySet[Any]:
        """Keep the rows of `queryset` in organizations where the user holds at least `minimum`."""
        if is_platform_admin(request):
            return queryset
        organization_ids = organizations_with(request, minimum)
        if not organization_ids:
            return queryset.none()
        return queryset.filter(self.tenant_filter(organization_ids))

    def _allows(self, request: HttpRequest, obj: Any, minimum: str | None) -> bool:
        """Return whether the user holds `minimum` somewhere (obj None) or in obj's organization."""
        organization_ids = organizations_with(request, minimum) if minimum is not None else []
        if not organization_ids:
            return False
        if obj is None:
            return True
        # An inline is asked about its parent object, so the path is that of the parent's admin.
        owner = self if isinstance(obj, self.model) else self.admin_site._registry.get(type(obj))
        if not isinstance(owner, TenantScoped):
            return False
        return type(obj)._default_manager.filter(owner.tenant_filter(organization_ids), pk=obj.pk).exists()

    # --- Django's hooks ----------------------------------------------------------------------------

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Django redirects to the index when a row is missing; outside the scope it must look absent.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        if is_platform_admin(request):
            return super().get_actions(request)
        if self.console_write_role is None or not organizations_with(request, self.console_write_role):
            return {}
        # The changelist shows what the user may read; an action writes, so it gets only writable rows.
        actions: dict[str, Any] = super().get_actions(request)
        return {key: (_writable_only(func), name, text) for key, (func, name, text) in actions.items()}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.tenant_scope(super().get_queryset(request), request, self.console_view_role)

    def has_module_permission(self, request: HttpRequest) -> bool:
        if is_platform_admin(request):
            return super().has_module_permission(request)
        return self._allows(request, None, self.console_view_role)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return super().has_view_permission(request, obj)
        return self._allows(request, obj, self.console_view_role) or self.has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if is_platform_admin(request):
            return super().has_add_permission(request, *args)
        if not self.console_can_add:
            return False
        # An inline passes the parent object: adding a row is changing that parent's organization.
        return self._allows(request, args[0] if args else None, self.console_write_role)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return super().has_change_permission(request, obj)
        return self._allows(request, obj, self.console_write_role)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if is_platform_admin(request):
            return super().has_delete_permission(request, obj)
        return self._allows(request, obj, self.console_write_role)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if is_platform_admin(request):
            return filters
        # A related filter lists every row of the related table; offer only the values in scope.
        return [
            (item, RelatedOnlyFieldListFilter) if isinstance(item, str) and _is_relation(self.model, item) else item
            for item in filters
        ]

    def get_autocomplete_fields(self, request: HttpRequest) -> Any:
        if is_platform_admin(request):
            return super().get_autocomplete_fields(request)
        # Autocomplete searches the related admin, which members may not see (users, for one).
        return [name for name in super().get_autocomplete_fields(request) if _scoped_admin_of(self, name)]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if is_platform_admin(request) or "queryset" in kwargs:
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in self.console_user_fields:
            return MemberEmailField(required=not db_field.blank, label=db_field.verbose_name)
        kwargs["queryset"] = self._writable_choices(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not is_platform_admin(request) and "queryset" not in kwargs:
            kwargs["queryset"] = self._writable_choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _writable_choices(self, db_field: Any, request: HttpRequest) -> QuerySet[Any]:
        """Offer the related rows in organizations where the user may write this model; else none."""
        related = self.admin_site._registry.get(db_field.related_model)
        queryset = db_field.related_model._default_manager.all()
        if isinstance(related, TenantScoped):
            return related.tenant_scope(queryset, request, self.console_write_role)
        return queryset.none()


def _is_relation(model: type[models.Model], lookup: str) -> bool:
    """Return whether a list_filter lookup such as "site" or "destination__site" ends on a relation."""
    field: Any = None
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - a lookup that is not a field path is left alone
            return False
        if not field.is_relation:
            return False
        model = field.related_model
    return field is not None


def _scoped_admin_of(model_admin: Any, field_name: str) -> bool:
    related = model_admin.model._meta.get_field(field_name).related_model
    return isinstance(model_admin.admin_site._registry.get(related), TenantScoped)


class ConsoleAdmin(TenantScoped, _ModelAdmin):
    """The base of every model admin in the console."""


def _writable_only(func: Callable[..., Any]) -> Callable[..., Any]:
    def action(model_admin: ConsoleAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        return func(model_admin, request, model_admin.tenant_scope(queryset, request, model_admin.console_write_role))

    for attribute in ("allowed_permissions", "short_description"):
        if hasattr(func, attribute):
            setattr(action, attribute, getattr(func, attribute))
    return action


class ConsoleTabularInline(TenantScoped, _TabularInline):
    """A tabular inline scoped like its parent."""


class ConsoleStackedInline(TenantScoped, _StackedInline):
    """A stacked inline scoped like its parent."""


class MemberEmailField(forms.ModelChoiceField):
    """Pick a user by typing their exact sign-in e-mail: owners add members without browsing accounts."""

    widget = forms.EmailInput
    default_error_messages = {"invalid_choice": "No account signs in with this e-mail; ask them to sign up first."}

    def __init__(self, **kwargs: Any) -> None:
        user_model = get_user_model()
        super().__init__(queryset=user_model._default_manager.all(), to_field_name=user_model.USERNAME_FIELD, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            user = get_user_model()._default_manager.filter(pk=value).first()
            return user.get_username() if user else ""
        return super().prepare_value(value)
