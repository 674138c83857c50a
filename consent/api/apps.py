from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "consent.api"
    label = "api"
    verbose_name = "Marketer API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the bearer scheme with drf-spectacular.
        from consent.api import schema  # noqa: F401
