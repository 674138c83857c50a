from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        # Every process (web, worker, management commands) must tell others when a site changes.
        from consent.edge import sites

        sites.receivers_connect()
