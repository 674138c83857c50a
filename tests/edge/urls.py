"""The project's URLs plus routes that fail on purpose, to see how the edge answers a crash."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from consent.urls import handler500
from consent.urls import urlpatterns as project_patterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("could not connect to server")


urlpatterns = [
    path("api/v1/crash", crash),
    path("crash", crash),
    path("api/v1/database-gone", database_gone),
    path("database-gone", database_gone),
    *project_patterns,
]

__all__ = ["handler500", "urlpatterns"]
