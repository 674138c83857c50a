"""Who may do what in the console: a member's role in each organization, ranked owner > admin > analyst."""

from collections.abc import Iterable

from django.http import HttpRequest

from consent.models import Membership

Role = Membership.Role

# Each role may do everything the roles below it may.
_RANK = {Role.ANALYST: 1, Role.ADMIN: 2, Role.OWNER: 3}

_CACHE_ATTRIBUTE = "_console_roles"


def role_allows(role: str | None, minimum: str | None) -> bool:
    """Return whether `role` is at least `minimum`; a `minimum` of None is reached by nobody."""
    if role is None or minimum is None:
        return False
    return _RANK[Role(role)] >= _RANK[Role(minimum)]


def roles_for(request: HttpRequest) -> dict[int, str]:
    """Return {organization id: role} of the signed-in user, read once per request."""
    cached: dict[int, str] | None = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        user = request.user
        cached = (
            dict(Membership.objects.filter(user_id=user.pk).values_list("organization_id", "role"))
            if user.is_authenticated and user.is_active
            else {}
        )
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return cached


def organizations_with(request: HttpRequest, minimum: str | None) -> list[int]:
    """Return the ids of the organizations in which the user holds at least `minimum`."""
    return sorted(org for org, role in roles_for(request).items() if role_allows(role, minimum))


def is_platform_admin(request: HttpRequest) -> bool:
    """Return whether the user sees the whole platform (a superuser), unscoped."""
    return bool(request.user.is_active and request.user.is_superuser)


def is_member(request: HttpRequest, organization_ids: Iterable[int] | None = None) -> bool:
    """Return whether the user belongs to any organization (or to one of `organization_ids`)."""
    roles = roles_for(request)
    return bool(roles) if organization_ids is None else any(org in roles for org in organization_ids)
