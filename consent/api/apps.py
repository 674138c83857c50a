from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "consent.api"
    label = "api"
    verbose_name = "Marketer API"
