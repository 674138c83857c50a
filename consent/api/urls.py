"""The marketer API under /api/v1/sites/<site_key>/, its schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from consent.api.views import consents, deliveries, destinations, events, export, ledger, stats, subjects
from consent.dsr import api as dsr_api

site_patterns = [
    path("subjects/<str:subject>", subjects.SubjectStateView.as_view(), name="api-subject"),
    path("subjects/<str:subject>/events", subjects.SubjectEventsView.as_view(), name="api-subject-events"),
    path("subjects/<str:subject>/export", export.SubjectExportView.as_view(), name="api-subject-export"),
    path("consents", consents.AudienceView.as_view(), name="api-audience"),
    path("consents/check", consents.CheckView.as_view(), name="api-check"),
    path("events", events.EventsView.as_view(), name="api-events"),
    path("stats", stats.StatsView.as_view(), name="api-stats"),
    path("destinations", destinations.DestinationListView.as_view(), name="api-destinations"),
    path("destinations/<int:destination_id>", destinations.DestinationDetailView.as_view(), name="api-destination"),
    path(
        "destinations/<int:destination_id>/rotate-secret",
        destinations.DestinationRotateSecretView.as_view(),
        name="api-destination-rotate-secret",
    ),
    path("destinations/<int:destination_id>/deliveries", deliveries.DeliveryListView.as_view(), name="api-deliveries"),
    path(
        "destinations/<int:destination_id>/deliveries/<int:delivery_id>",
        deliveries.DeliveryDetailView.as_view(),
        name="api-delivery",
    ),
    path(
        "destinations/<int:destination_id>/deliveries/<int:delivery_id>/replay",
        deliveries.DeliveryReplayView.as_view(),
        name="api-delivery-replay",
    ),
    path(
        "destinations/<int:destination_id>/replay-failed",
        deliveries.DeliveriesReplayFailedView.as_view(),
        name="api-deliveries-replay-failed",
    ),
    path("ledger/checkpoints", ledger.CheckpointsView.as_view(), name="api-checkpoints"),
    path("ledger/proofs/inclusion", ledger.InclusionProofView.as_view(), name="api-proof-inclusion"),
    path("ledger/proofs/consistency", ledger.ConsistencyProofView.as_view(), name="api-proof-consistency"),
    path("ledger/receipts/<str:receipt>", ledger.ReceiptBundleView.as_view(), name="api-receipt-bundle"),
    path("requests", dsr_api.RequestListView.as_view(), name="api-requests"),
    path("requests/<str:request_id>", dsr_api.RequestDetailView.as_view(), name="api-request"),
    path("access-log", dsr_api.AccessLogView.as_view(), name="api-access-log"),
]

urlpatterns = [
    path("api/v1/sites/<slug:site_key>/", include(site_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
