"""Daily figures per purpose: how often the banner was shown, how people chose, how many granted."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from consent.api import selectors
from consent.api.models import Scope
from consent.api.schema import errors
from consent.api.views.base import SiteApiView
from consent.models import Purpose

MAX_DAYS = 366
# Nothing is recorded before the epoch (event ids count from it) and a day after LATEST must exist.
EARLIEST, LATEST = date(1970, 1, 2), date(9998, 12, 31)


class StatsView(SiteApiView):
    """Per purpose and day: shown, accepted all, rejected all, customized, granted rate."""

    required_scope = Scope.CONSENT_READ

    class InputSerializer(serializers.Serializer):
        from_ = serializers.DateField(required=False, help_text="First day (UTC), default 29 days before `to`")
        to = serializers.DateField(required=False, help_text="Last day (UTC), default today")
        interval = serializers.ChoiceField(choices=["day"], default="day")

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = fields.pop("from_")
            return fields

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            end = attrs.get("to") or datetime.now(UTC).date()
            start = attrs.get("from") or end - timedelta(days=29)
            if start < EARLIEST or end > LATEST:
                raise serializers.ValidationError({"from": [f"the range must lie between {EARLIEST} and {LATEST}"]})
            if start > end:
                raise serializers.ValidationError({"from": ["must not be after to"]})
            if (end - start).days >= MAX_DAYS:
                raise serializers.ValidationError({"from": [f"the range may span at most {MAX_DAYS} days"]})
            return {**attrs, "from": start, "to": end}

    class OutputSerializer(serializers.Serializer):
        class DaySerializer(serializers.Serializer):
            day = serializers.DateField()
            shown = serializers.IntegerField(help_text="Banner impressions that day (all purposes are shown)")
            accept_all = serializers.IntegerField(help_text="Choices made with accept all")
            reject_all = serializers.IntegerField(help_text="Choices made with reject all")
            custom = serializers.IntegerField(help_text="Choices made purpose by purpose")
            choices = serializers.IntegerField(help_text="All recorded choices, from every source")
            granted_rate = serializers.FloatField(allow_null=True, help_text="Granted / choices; null without any")

        from_ = serializers.DateField()
        to = serializers.DateField()
        interval = serializers.CharField()
        purposes = serializers.DictField(child=DaySerializer(many=True), help_text="Purpose slug → days")

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            fields["from"] = fields.pop("from_")
            return fields

    @extend_schema(
        operation_id="stats",
        summary="Daily consent figures per purpose",
        parameters=[InputSerializer],
        responses={200: OutputSerializer, **errors(400)},
        examples=[
            OpenApiExample(
                "one day",
                response_only=True,
                status_codes=["200"],
                value={
                    "from": "2026-05-01",
                    "to": "2026-05-01",
                    "interval": "day",
                    "purposes": {
                        "marketing": [
                            {
                                "day": "2026-05-01",
                                "shown": 1200,
                                "accept_all": 610,
                                "reject_all": 420,
                                "custom": 90,
                                "choices": 1125,
                                "granted_rate": 0.58,
                            }
                        ]
                    },
                },
            )
        ],
    )
    def get(self, request: Request, site_key: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start: date = params.validated_data["from"]
        end: date = params.validated_data["to"]
        shown = selectors.banner_shown_by_day(site=self.site, start=start, end=end)
        counted = {
            (row.purpose, row.day): row
            for row in selectors.purpose_choices_by_day(site=self.site, start=start, end=end)
        }
        slugs = list(Purpose.objects.filter(site=self.site).order_by("order", "slug").values_list("slug", flat=True))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        purposes = {slug: [_day(day, shown.get(day, 0), counted.get((slug, day))) for day in days] for slug in slugs}
        body = {"from": start, "to": end, "interval": "day", "purposes": purposes}
        return Response(self.OutputSerializer(body).data)


def _day(day: date, shown: int, row: selectors.DayOfPurpose | None) -> dict[str, Any]:
    """Return one day's figures for a purpose, zero when nothing happened."""
    if row is None:
        return {
            "day": day,
            "shown": shown,
            "accept_all": 0,
            "reject_all": 0,
            "custom": 0,
            "choices": 0,
            "granted_rate": None,
        }
    return {
        "day": day,
        "shown": shown,
        "accept_all": row.accept_all,
        "reject_all": row.reject_all,
        "custom": row.custom,
        "choices": row.choices,
        "granted_rate": round(row.granted / row.choices, 4) if row.choices else None,
    }
