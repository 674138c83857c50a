from django.apps import AppConfig


class BannerConfig(AppConfig):
    name = "consent.banner"
    label = "banner"
    verbose_name = "Banner"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from consent.banner.cors import cors_allow_site_origin

        check_request_enabled.connect(cors_allow_site_origin, dispatch_uid="banner-cors")
