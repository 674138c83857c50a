"""Data-subject requests: the hosted form, its identity link and download, and the public endpoint."""

from django.urls import path

from consent.dsr import public, views

app_name = "dsr"

urlpatterns = [
    path("api/v1/public/sites/<slug:key>/requests", public.RequestCreateView.as_view(), name="public-create"),
    path("privacy/requests/<slug:key>/", views.request_form, name="form"),
    path("privacy/requests/<slug:key>/verify/<str:token>/", views.request_verify, name="verify"),
    path("privacy/requests/download/<str:token>/<str:filename>", views.export_download, name="download"),
]
