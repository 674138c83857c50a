"""The banner's URLs: the script, the public endpoints, GPC, and the demo page."""

from django.urls import path

from consent.banner.views import demo, public, receipts, script

app_name = "banner"

SITE = "api/v1/public/sites/<slug:key>"

urlpatterns = [
    path("c/<slug:key>.js", script.script, name="script"),
    path("c/<slug:key>/<int:number>.<str:digest>.js", script.script_pinned, name="script-pinned"),
    path(f"{SITE}/config", public.config, name="config"),
    path(f"{SITE}/embed", public.embed, name="embed"),
    path(f"{SITE}/consents", public.ConsentCreateView.as_view(), name="consents"),
    path(f"{SITE}/impressions", public.ImpressionCreateView.as_view(), name="impressions"),
    path(f"{SITE}/gpc.json", public.gpc_json, name="site-gpc"),
    path(f"{SITE}/receipts/<str:receipt>", receipts.receipt_bundle, name="receipt-bundle"),
    path(".well-known/gpc.json", public.gpc_json, name="gpc"),
    path("demo/", demo.demo, name="demo"),
]
