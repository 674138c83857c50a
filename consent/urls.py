"""The project's URLs: each part of the product brings its own."""

from django.contrib import admin
from django.urls import include, path

from consent import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("consent.banner.urls")),
    path("", include("consent.api.urls")),
    path("", include("consent.accounts.urls")),
    path("", include("consent.dsr.urls")),
]
