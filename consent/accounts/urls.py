"""Account settings: the hosted pages under /account/ and the public identify and preferences endpoints."""

from django.urls import path

from consent.accounts.views import pages, public

app_name = "accounts"

SITE = "api/v1/public/sites/<slug:key>"

urlpatterns = [
    path(f"{SITE}/identify", public.IdentifyView.as_view(), name="identify"),
    path(f"{SITE}/subjects/<str:subject>/preferences", public.preferences, name="preferences"),
    path("account/login/", pages.SignInView.as_view(), name="login"),
    path("account/logout/", pages.signout, name="logout"),
    path("account/link/<slug:key>/", pages.link_signin, name="link"),
    path("account/privacy/", pages.privacy, name="privacy"),
    path("account/privacy/<slug:key>/choices", pages.choices_save, name="choices"),
    path("account/privacy/<slug:key>/receipts/<uuid:receipt_id>.json", pages.receipt_download, name="receipt"),
    path("account/privacy/<slug:key>/export.json", pages.export_download, name="export"),
    path("account/privacy/<slug:key>/erase", pages.erase, name="erase"),
]
