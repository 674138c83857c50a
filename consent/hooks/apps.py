from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "consent.hooks"
    label = "hooks"
    verbose_name = "Webhooks"
