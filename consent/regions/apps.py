from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "consent.regions"
    label = "regions"
    verbose_name = "Regulations"
