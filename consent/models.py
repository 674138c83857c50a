"""Organizations, their sites, the purposes a site asks about, and the banner versions it published.

Writes go through consent.services; nothing here has side effects in save() or delete().
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

SLUG_VALIDATOR = RegexValidator(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$", "lower-case letters, digits, - and _")
LOCALE_VALIDATOR = RegexValidator(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", "a language tag such as en or ja or pt-BR")

# The Google Consent Mode v2 signals a purpose may control.
CONSENT_MODE_SIGNALS = [
    "ad_storage",
    "analytics_storage",
    "ad_user_data",
    "ad_personalization",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
]


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        ANALYST = "analyst", "Analyst"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One role per person per organization; serves "which organizations may this user see".
            models.UniqueConstraint(fields=["organization", "user"], name="membership_org_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"


class Site(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    # Public, immutable: it is in every embed tag and the ledger stores it as the log's origin.
    key = models.CharField(max_length=64, unique=True, validators=[SLUG_VALIDATOR])
    allowed_origins = models.JSONField(default=list, blank=True, help_text="e.g. https://www.example.com")
    locales = models.JSONField(default=list, help_text='Language tags the banner is offered in, e.g. ["en", "ja"]')
    default_locale = models.CharField(max_length=16, default="en", validators=[LOCALE_VALIDATOR])
    consent_lifetime_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    honour_gpc = models.BooleanField(default=True, help_text="Treat Global Privacy Control as an opt-out of sale/share")
    privacy_policy_url = models.URLField(max_length=500)
    cookie_domain = models.CharField(
        max_length=253, blank=True, help_text="Parent domain for the consent cookie, so sub-domains share one choice"
    )
    banner_placeholders = models.BooleanField(
        default=False, help_text="Show a placeholder with load buttons where gated embeds (videos, maps) would be"
    )
    # How long pseudonymous proofs are kept after a subject's erasure (GDPR Art. 17(3)(e)).
    erasure_retention_days = models.PositiveIntegerField(default=365 * 6)
    # Signs the user ids a customer's backend hands to the browser (identity linking).
    identity_secret = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Purpose(models.Model):
    class LegalBasis(models.TextChoices):
        CONSENT = "consent", "Consent (Art. 6(1)(a))"
        CONTRACT = "contract", "Contract (Art. 6(1)(b))"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Art. 6(1)(c))"
        LEGITIMATE_INTEREST = "legitimate_interest", "Legitimate interest (Art. 6(1)(f))"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="purposes")
    slug = models.CharField(max_length=64, validators=[SLUG_VALIDATOR])
    legal_basis = models.CharField(max_length=32, choices=LegalBasis.choices, default=LegalBasis.CONSENT)
    required = models.BooleanField(default=False, help_text="Always on; shown locked")
    order = models.PositiveIntegerField(default=0)
    consent_mode_signals = models.JSONField(default=list, blank=True, help_text="Google Consent Mode v2 signals")
    cookies = models.JSONField(
        default=list,
        blank=True,
        help_text='Cookie names or patterns, e.g. ["_ga", "_ga_*"], or objects for the declaration: '
        '{"name": "_ga", "provider": "Google", "duration": "2 years", "party": "third", "description": "..."}',
    )
    vendors = models.JSONField(
        default=list,
        blank=True,
        help_text='Vendors, e.g. ["Google Analytics"], or objects {"slug": "ga", "name": "Google Analytics"}',
    )
    per_vendor = models.BooleanField(
        default=False,
        help_text="Visitors choose per vendor within this purpose; each bare vendor name is given a slug once",
    )
    sale_share = models.BooleanField(default=False, help_text='A "sale" or "sharing" under US state law (GPC opts out)')

    class Meta:
        ordering = ["site", "order", "slug"]
        constraints = [
            # The slug is what the banner, the ledger and the API call a purpose.
            models.UniqueConstraint(fields=["site", "slug"], name="purpose_site_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        # Imported here: the declaration module is the banner's, and the banner's modules import models.
        from consent.banner.declaration import cookies_validate, vendor_entries, vendors_validate

        cookies_validate(self.cookies)
        vendors_validate(self.vendors, purpose=self.slug or "", per_vendor=self.per_vendor)
        if self.per_vendor:
            # The slug is what the ledger records: fixed here, so renaming the vendor later keeps it.
            self.vendors = vendor_entries(self.vendors)


class PurposeTranslation(models.Model):
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="translations")
    locale = models.CharField(max_length=16, validators=[LOCALE_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "locale"], name="purpose_translation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose.slug} [{self.locale}]"


class BannerText(models.Model):
    """The banner's own words in one locale, as the operator is editing them (the draft).

    An empty field takes the product's stock string for the locale when the version is published.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="banner_texts")
    locale = models.CharField(max_length=16, validators=[LOCALE_VALIDATOR])
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=4000, blank=True)
    accept_all = models.CharField(max_length=60, blank=True)
    reject_all = models.CharField(max_length=60, blank=True)
    customize = models.CharField(max_length=60, blank=True)
    # Not `save`: a field of that name would hide Model.save().
    save_label = models.CharField(max_length=60, blank=True)
    close = models.CharField(max_length=60, blank=True)
    preferences_title = models.CharField(max_length=200, blank=True)
    policy_link = models.CharField(max_length=120, blank=True)
    settings_link = models.CharField(max_length=120, blank=True, help_text='The floating "cookie settings" control')
    always_on = models.CharField(max_length=60, blank=True, help_text="Label beside required purposes")
    objection = models.CharField(max_length=200, blank=True, help_text="Hint beside legitimate-interest purposes")
    gpc_notice = models.CharField(
        max_length=300, blank=True, help_text="Shown when Global Privacy Control opted the visitor out"
    )
    direction = models.CharField(
        max_length=3, choices=[("ltr", "left to right"), ("rtl", "right to left")], default="ltr"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "locale"], name="banner_text_site_locale_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site.key} [{self.locale}]"


class BannerVersion(models.Model):
    """An immutable snapshot of exactly what a visitor is shown; the ledger records its content hash."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="banner_versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64, unique=True)
    material = models.BooleanField(help_text="Visitors who chose under an earlier version are asked again")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["site", "-number"]
        constraints = [
            # Versions count up per site; serves "the latest version of this site".
            models.UniqueConstraint(fields=["site", "number"], name="banner_version_site_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site.key} v{self.number}"


class Subject(models.Model):
    """The deletable link from an id a customer knows to the pseudonym the ledger sees.

    Erasure deletes this row: the ledger keeps only a keyed hash of `pseudonym`, and `pseudonym` is
    random, so nothing can lead from the real id back to the ledger's rows once it is gone.
    """

    class Kind(models.TextChoices):
        VISITOR = "visitor", "Visitor (banner cookie)"
        USER = "user", "User (customer's account id)"

    # The id the banner makes for a visitor: 128 random bits as 32 lower-case hex digits (\Z, not $,
    # which would let a trailing newline through).
    VISITOR_ID_PATTERN = r"^[0-9a-f]{32}\Z"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="subjects")
    external_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.VISITOR)
    pseudonym = models.CharField(max_length=64, unique=True, editable=False)
    # The keyed hash the ledger files this subject under; lets feeds and audiences answer in real ids.
    ledger_key = models.CharField(max_length=64, db_index=True, editable=False)
    # A visitor who signed in follows the user's subject: choices made on any device apply to the user.
    linked_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="devices")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Visitors and users are two namespaces: an id is unique per site *and* kind, so a visitor
            # can never take a user's id before that user is seen. Serves every lookup by the id the
            # customer knows (API, hooks, banner, account pages), which always names the kind.
            models.UniqueConstraint(
                fields=["site", "kind", "external_id"], name="subject_site_kind_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.key}:{self.external_id}"
