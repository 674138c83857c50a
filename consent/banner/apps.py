from django.apps import AppConfig


class BannerConfig(AppConfig):
    name = "consent.banner"
    label = "banner"
    verbose_name = "Banner"
