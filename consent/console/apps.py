"""The operator console: the tenant-scoped admin site, its roles, and each site's dashboard."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConsoleConfig(AppConfig):
    default = True
    name = "consent.console"
    label = "console"
    verbose_name = "Console"


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the console's site as `admin.site` so every `@admin.register` is scoped."""

    # Named in INSTALLED_APPS in place of django.contrib.admin; never this package's own config.
    default = False
    default_site = "consent.console.site.ConsoleSite"
