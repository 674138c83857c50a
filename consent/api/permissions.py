"""Scopes: what a key may do, declared by each view as `required_scope`."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from consent.api.models import ApiKey


class HasScope(BasePermission):
    """Let a request through when its key carries the view's required scope."""

    message = "This API key lacks the scope this endpoint needs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        scope = str(getattr(view, "required_scope", ""))
        if scope and scope not in api_key.scopes:
            self.message = f"This API key lacks the '{scope}' scope."
            return False
        return True
