from django.apps import AppConfig


class DsrConfig(AppConfig):
    name = "consent.dsr"
    label = "dsr"
    verbose_name = "Data-subject requests"
