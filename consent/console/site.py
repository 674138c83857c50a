"""The console's admin site: members of an organization may enter it; every page gets a strict CSP."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from consent.console.roles import is_member
from consent.models import Membership

# No inline script or style anywhere in the console; the banner preview is the only frame.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def console_csp(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Send the console's Content-Security-Policy unless the view chose its own."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
        return response

    return wrapped


def console_access(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether a user may enter the console: staff, or a member of any organization."""
    if not user.is_active:
        return False
    return bool(getattr(user, "is_staff", False)) or Membership.objects.filter(user_id=user.pk).exists()


class ConsoleAuthenticationForm(AdminAuthenticationForm):
    """The admin sign-in, open to members as well as staff."""

    def confirm_login_allowed(self, user: Any) -> None:
        super(AdminAuthenticationForm, self).confirm_login_allowed(user)
        if not console_access(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ConsoleSite(admin.AdminSite):
    site_header = _("Assent console")
    site_title = _("Assent console")
    index_title = _("Your organizations")
    index_template = "console/index.html"
    login_form = ConsoleAuthenticationForm

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The sites a member works on come first, each with its dashboard and settings.
        from consent.console.dashboard.access import dashboard_sites

        return super().index(request, {"console_sites": list(dashboard_sites(request)), **(extra_context or {})})

    def has_permission(self, request: HttpRequest) -> bool:
        # Membership is what grants the console: nobody has to flip is_staff for a new member.
        user = request.user
        return bool(user.is_active and (getattr(user, "is_staff", False) or is_member(request)))

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        return console_csp(super().admin_view(view, cacheable))

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return console_csp(super().login)(request, extra_context)

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return console_csp(super().logout)(request, extra_context)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from consent.console import preview
        from consent.console.dashboard import views

        return [
            path(
                "sites/<str:site_key>/preview/<str:locale>/<str:layer>/",
                self.admin_view(preview.preview_page),
                name="console_preview",
            ),
            # Loaded by the sandboxed preview frame, which has no session: a signed token stands in.
            path("sites/<str:site_key>/preview.js", preview.preview_script, name="console_preview_script"),
            path("sites/<str:site_key>/dashboard/", self.admin_view(views.dashboard), name="console_dashboard"),
            path(
                "sites/<str:site_key>/dashboard.csv", self.admin_view(views.dashboard_csv), name="console_dashboard_csv"
            ),
            *super().get_urls(),
        ]
