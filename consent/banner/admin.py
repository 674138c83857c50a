"""The banner's admin: each site's theme, and the read-only daily counters of what visitors chose."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from consent.banner.models import BannerTheme, DailyCount
from consent.console.roles import Role
from consent.console.scoping import ConsoleAdmin


@admin.register(DailyCount)
class DailyCountAdmin(ConsoleAdmin):
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    list_display = ["day", "site", "locale", "version_short", "shown", "accept_all", "reject_all", "custom", "other"]
    list_filter = ["site", "locale", "day"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in DailyCount._meta.fields]

    @admin.display(description="version")
    def version_short(self, obj: DailyCount) -> str:
        return obj.banner_version[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DailyCount | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DailyCount | None = None) -> bool:
        return False


# Font stacks offered in the console; any other list of names passes the same check.
FONT_PRESETS = {
    "system-ui, sans-serif": "System (the default)",
    "'Helvetica Neue', Arial, sans-serif": "Neutral sans-serif",
    "Georgia, 'Times New Roman', serif": "Serif",
    "ui-rounded, 'Hiragino Maru Gothic ProN', sans-serif": "Rounded",
    "'Hiragino Sans', 'Noto Sans JP', 'Yu Gothic', sans-serif": "Japanese sans-serif",
}


class ColourInput(forms.TextInput):
    """The browser's colour picker, which always submits #rrggbb."""

    input_type = "color"


class FontFamilyInput(forms.TextInput):
    """A free text field suggesting the preset font stacks (a datalist: no script needed)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or name}-presets"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', FONT_PRESETS.items())
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class BannerThemeForm(forms.ModelForm):
    class Meta:
        model = BannerTheme
        fields = [
            "site",
            "text_colour",
            "background_colour",
            "button_background",
            "button_text",
            "button_border",
            "link_colour",
            "font_family",
            "corner_radius",
            "position",
            "button_order",
        ]
        widgets = {
            "text_colour": ColourInput,
            "background_colour": ColourInput,
            "button_background": ColourInput,
            "button_text": ColourInput,
            "link_colour": ColourInput,
            "font_family": FontFamilyInput,
        }


@admin.register(BannerTheme)
class BannerThemeAdmin(ConsoleAdmin):
    """A site's banner theme: checked for contrast on save, frozen into the next published version."""

    form = BannerThemeForm
    tenant_path = "site__organization"
    console_view_role = Role.ANALYST
    list_display = ["site", "position", "button_order", "text_colour", "background_colour", "button_background"]
    list_filter = ["site", "position"]
    search_fields = ["site__key", "site__name"]
    fieldsets = [
        (None, {"fields": ["site"]}),
        (
            "Colours",
            {
                "fields": [
                    ("text_colour", "background_colour", "link_colour"),
                    ("button_background", "button_text", "button_border"),
                ],
                "description": "Text and links need 4.5:1 against the background, button text 4.5:1 against the "
                "buttons, and the buttons 3:1 against the background unless they are outlined. Accept and "
                "Reject always share one style.",
            },
        ),
        ("Shape and place", {"fields": ["font_family", "corner_radius", "position", "button_order"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: BannerTheme | None = None) -> list[str]:
        # A theme belongs to its site for good; another site gets its own.
        return ["site"] if obj else []
