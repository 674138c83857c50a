"""The project's URLs: each part of the product brings its own."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from consent import views
from consent.edge.ratelimit import posts_limited

# Uncaught exceptions: a database outage answers 503 with Retry-After, and /api/ answers JSON.
handler500 = "consent.edge.middleware.server_error"

urlpatterns = [
    # The server's root is the operators' door: the console (which asks them to sign in first).
    path("", RedirectView.as_view(pattern_name="admin:index"), name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Password guesses at the admin are limited per client, as at the account sign-in page.
    path("admin/login/", posts_limited(admin.site.login, scope="admin-login")),
    path("admin/", admin.site.urls),
    path("", include("consent.banner.urls")),
    path("", include("consent.api.urls")),
    path("", include("consent.accounts.urls")),
    path("", include("consent.dsr.urls")),
]
