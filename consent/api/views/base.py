"""The base every API view shares: key authentication, scopes, per-key throttling, one error shape."""

from collections.abc import Callable
from typing import Any

from django.http import Http404
from rest_framework.request import Request
from rest_framework.views import APIView

from consent.api import selectors
from consent.api.authentication import ApiKeyAuthentication
from consent.api.exceptions import exception_handler
from consent.api.models import ApiKey
from consent.api.parsers import LimitedJSONParser
from consent.api.permissions import HasScope
from consent.api.schema import ApiAutoSchema
from consent.api.throttles import KeyCharge, KeyRateThrottle
from consent.dsr.services import access_log_record
from consent.edge.address import client_address
from consent.models import Site


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [LimitedJSONParser]
    schema = ApiAutoSchema()
    required_scope = ""

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Any]:
        return exception_handler

    @property
    def api_key(self) -> ApiKey:
        assert isinstance(self.request.auth, ApiKey)
        return self.request.auth


class SiteApiView(ApiView):
    """A view under /api/v1/sites/<site_key>/: the site must be one this key may see, else 404."""

    site: Site

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The site's generation was read when the key's request was counted (`key_charge`).
        charge = getattr(request, "key_charge", None)
        site = selectors.site_for_key(
            api_key=self.api_key,
            site_key=kwargs["site_key"],
            site_ids=getattr(request.user, "site_ids", None),
            generation=charge.site_generation if isinstance(charge, KeyCharge) else None,
        )
        if site is None:
            raise Http404
        self.site = site

    def access(self, action: str) -> dict[str, Any]:
        """Return who reads and from where, as the access log records a read by this key: `action` prefixed."""
        return {
            "actor": f"api-key:{self.api_key.prefix}",
            "action": f"api_{action}",
            "ip": client_address(self.request._request),
        }

    def personal_data_read(self, action: str, ledger_key: str = "") -> None:
        """Log that this key read personal data (whose, by the subject's ledger key) to the access log."""
        access_log_record(
            subject_ref=f"subject:{ledger_key}" if ledger_key else "", site=self.site, **self.access(action)
        )
