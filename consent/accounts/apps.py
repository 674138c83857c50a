from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consent.accounts"
    label = "accounts"
    verbose_name = "Account settings"
