from django.contrib import admin

from consent.regions.models import Regulation, RegulationText


class RegulationTextInline(admin.StackedInline):
    model = RegulationText
    extra = 0


@admin.register(Regulation)
class RegulationAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "slug", "model", "is_default", "gpc_binds", "order")
    list_filter = ("model", "is_default")
    search_fields = ("name", "slug", "site__key")
    autocomplete_fields = ("site",)
    inlines = [RegulationTextInline]
