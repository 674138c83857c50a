"""The demo customer: a company whose privacy policy (GDPR + US rights, Japanese banner) Assent expresses.

Every purpose of the policy's section 4 is here with its legal basis; the banner texts are the
policy's own Japanese banner and an English rendering of it.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from consent import services
from consent.accounts.models import AccountBinding
from consent.models import BannerText, Membership, Organization, Purpose, PurposeTranslation, Site
from consent.regions.models import Regulation, RegulationText

DEMO_SITE_KEY = "demo"
DEMO_ORGANIZATION = "Demo"
DEMO_USER_EMAIL = "demo@example.com"
DEMO_USER_PASSWORD = "demo-password"  # noqa: S105 - the documented demo account
POLICY_URL = "https://interacty.me/privacy-policy"

CONTRACT = Purpose.LegalBasis.CONTRACT
LEGITIMATE_INTEREST = Purpose.LegalBasis.LEGITIMATE_INTEREST
CONSENT = Purpose.LegalBasis.CONSENT
LEGAL_OBLIGATION = Purpose.LegalBasis.LEGAL_OBLIGATION


@dataclass(frozen=True)
class DemoPurpose:
    slug: str
    legal_basis: str
    required: bool
    en: tuple[str, str]
    ja: tuple[str, str]
    consent_mode: tuple[str, ...] = ()
    # Names, or declaration objects (provider, duration, party, description) shown in the cookie tables.
    cookies: tuple[str | dict[str, str], ...] = ()
    vendors: tuple[str, ...] = ()
    sale_share: bool = False


# Section 4 of the policy, in its order. Contract and legal-obligation purposes need no consent:
# they are shown locked on. Legitimate interests are on with the right to object (Art. 21).
PURPOSES = [
    DemoPurpose(
        "service",
        CONTRACT,
        True,
        (
            "Service delivery",
            "Providing the Services, managing accounts, answering inquiries, and features "
            "such as notifications, publishing content and joining groups.",
        ),
        (
            "サービスの提供",
            "サービスの提供、アカウント管理、お問い合わせへの対応、通知・コンテンツ公開・グループ参加などの機能。",
        ),
        consent_mode=("functionality_storage", "security_storage"),
        cookies=("sessionid", "csrftoken", "assent_*"),
    ),
    DemoPurpose(
        "communication",
        CONTRACT,
        True,
        (
            "Communication",
            "Messages about your account, service updates, support requests and notifications "
            "such as push notifications and system alerts.",
        ),
        (
            "コミュニケーション",
            "アカウント、サービスの更新、サポートへのお問い合わせに関するご連絡、プッシュ通知やシステム通知。",
        ),
    ),
    DemoPurpose(
        "payments",
        CONTRACT,
        True,
        ("Payment processing", "Billing and collecting fees securely through third-party payment processors."),
        ("お支払いの処理", "第三者の決済代行業者を通じた安全な請求と料金の回収。"),
        vendors=("Payment processor",),
    ),
    DemoPurpose(
        "legal",
        LEGAL_OBLIGATION,
        True,
        ("Legal compliance", "Disclosing personal data where required by law, regulation, subpoena or court order."),
        ("法令の遵守", "法令、規制、召喚状または裁判所の命令により求められる場合の個人データの開示。"),
    ),
    DemoPurpose(
        "operations",
        LEGITIMATE_INTEREST,
        False,
        ("Internal operations", "Diagnosing issues, improving the Services and optimizing the Platform."),
        ("内部運用", "問題の診断、サービスの改善、プラットフォームの最適化。"),
    ),
    DemoPurpose(
        "abuse_prevention",
        LEGITIMATE_INTEREST,
        False,
        (
            "Prevention of abuse",
            "Monitoring content and activity to safeguard against misuse and ensure "
            "compliance with the Terms and Conditions.",
        ),
        ("不正利用の防止", "不正利用を防ぎ、利用規約の遵守を確保するためのコンテンツと活動の監視。"),
    ),
    DemoPurpose(
        "personalization",
        LEGITIMATE_INTEREST,
        False,
        (
            "Customization and personalization",
            "Tailoring your experience, including content recommendations "
            "and feature optimization based on your activity.",
        ),
        (
            "カスタマイズとパーソナライズ",
            "ご利用状況に基づくコンテンツのおすすめや機能の最適化など、体験のカスタマイズ。",
        ),
        consent_mode=("personalization_storage",),
    ),
    DemoPurpose(
        "advertising",
        CONSENT,
        False,
        (
            "Advertising and statistical analysis",
            "Targeted advertising and anonymized statistics about trends. "
            'Turning this off also opts you out of any "sale" or "sharing" under US state laws.',
        ),
        (
            "広告と統計分析",
            "ターゲティング広告と傾向を把握するための匿名化された統計。オフにすると、米国州法上の「販売」または「共有」からもオプトアウトされます。",
        ),
        consent_mode=("ad_storage", "ad_user_data", "ad_personalization"),
        cookies=("_fbp", "_fbc"),
        vendors=("Meta Platforms", "YouTube"),
        sale_share=True,
    ),
    DemoPurpose(
        "marketing",
        CONSENT,
        False,
        (
            "Analytics and marketing",
            "Data analytics, and marketing e-mails and materials according to your preferences.",
        ),
        ("分析とマーケティング", "データ分析、およびご希望に応じたマーケティングメールや資料の送付。"),
        consent_mode=("analytics_storage",),
        cookies=(
            {
                "name": "_ga",
                "provider": "Google",
                "duration": "2 years",
                "party": "third",
                "description": "Tells visits apart for statistics.",
            },
            {"name": "_ga_*", "provider": "Google", "duration": "2 years", "party": "third"},
            {"name": "_gid", "provider": "Google", "duration": "24 hours", "party": "third"},
        ),
        vendors=("Google Analytics",),
    ),
    DemoPurpose(
        "promotions",
        CONSENT,
        False,
        ("Promotions", "Taking part in optional sweepstakes, contests and other promotions."),
        ("プロモーション", "任意の懸賞、コンテスト、その他のプロモーションへの参加。"),
    ),
]

BANNER_TEXTS: dict[str, dict[str, Any]] = {
    "ja": {
        "title": "お客様のプライバシーを尊重し、クッキーの使用に関する情報を提供します。",
        "body": "インターアクティは、当社のウェブサイトを適切に機能させるためにクッキーを使用しています。"
        "この情報は、コンテンツの配信、セキュリティの維持、ユーザーの選択、サイトの改善、マーケティングなど、"
        "さまざまな目的で使用されます。設定はいつでも更新することができます。当社のプライバシーポリシーをご覧ください。",
        "accept_all": "すべて許可",
        "reject_all": "すべて拒否",
        "customize": "カスタマイズ",
        "save_label": "設定を保存",
        "close": "閉じる",
        "preferences_title": "プライバシー設定",
        "policy_link": "プライバシーポリシー",
        "settings_link": "クッキー設定",
        "always_on": "常に有効",
        "objection": "正当な利益に基づきます。いつでも異議を申し立てることができます。",
        "gpc_notice": "グローバル・プライバシー・コントロールの信号を受け取ったため、"
        "販売・共有に当たる目的はオフになっています。",
    },
    "en": {
        "title": "We respect your privacy and tell you how we use cookies.",
        "body": "Interacty uses cookies to make our website work properly. This information is used for many "
        "purposes: delivering content, keeping the site secure, remembering your choices, improving the site, "
        "and marketing. You can update your settings at any time. Please see our privacy policy.",
        # The fixed strings (buttons, links, notes) are left to the product's stock English.
    },
}


_US_TEXTS = {
    "notice_title": "Your privacy choices",
    "notice_body": "We use cookies for our services, analytics and advertising. Some advertising counts as a "
    "sale or sharing of personal information under US state laws; you can opt out at any time, and a "
    "Global Privacy Control signal from your browser opts you out automatically.",
    "choices_link": "Your Privacy Choices",
    "opt_out_label": "Do Not Sell or Share My Personal Information",
}
_US_TEXTS_JA = {
    "notice_title": "プライバシーの選択",
    "notice_body": "当社はサービス、分析、広告のためにCookieを使用します。一部の広告は米国州法上の個人情報の"
    "「販売」または「共有」にあたります。いつでもオプトアウトでき、ブラウザのGlobal Privacy Control信号は自動的に"
    "オプトアウトとして扱われます。",
    "choices_link": "プライバシーの選択",
    "opt_out_label": "個人情報の販売・共有をしない",
}
# The policy's regimes: GDPR for the EU/EEA, UK and Switzerland (30 days, +30); US state laws with
# sale/share opt-out and GPC (45 days, +45), California with its own GPP section; Japan's APPI, where
# handing cookie-linked data to an advertiser who ties it to a person needs consent first; opt-in elsewhere.
REGULATIONS: list[dict[str, Any]] = [
    {"slug": "gdpr", "name": "EU/EEA, UK and Switzerland (GDPR)", "model": "opt_in", "regions": ["EEA", "GB", "CH"]},
    {
        "slug": "us-ca",
        "name": "California (CCPA/CPRA)",
        "model": "opt_out",
        "regions": ["US-CA"],
        "gpc_binds": True,
        "gpp_sections": ["usca"],
        "response_days": 45,
        "extension_days": 45,
        "texts": {"en": _US_TEXTS, "ja": _US_TEXTS_JA},
    },
    {
        "slug": "us",
        "name": "United States (state privacy laws)",
        "model": "opt_out",
        "regions": ["US"],
        "gpc_binds": True,
        "gpp_sections": ["usnat"],
        "response_days": 45,
        "extension_days": 45,
        "texts": {"en": _US_TEXTS, "ja": _US_TEXTS_JA},
    },
    {
        "slug": "appi",
        "name": "Japan (APPI)",
        "model": "notice",
        "regions": ["JP"],
        "opt_in_purposes": ["advertising"],
        "texts": {
            "en": {
                "notice_title": "About cookies",
                "notice_body": "We use cookies to run and improve our services. We share data linked to cookies with "
                "advertising partners only if you agree.",
            },
            "ja": {
                "notice_title": "Cookieについて",
                "notice_body": "当社はサービスの提供と改善のためにCookieを使用します。"
                "Cookieに紐づくデータを広告パートナーに提供するのは、お客様が同意した場合に限ります。",
            },
        },
    },
    {"slug": "default", "name": "Everywhere else", "model": "opt_in", "is_default": True},
]


def _regulations_seed(site: Site) -> None:
    for order, spec in enumerate(REGULATIONS):
        fields = {key: value for key, value in spec.items() if key not in {"slug", "texts"}}
        regulation, _ = Regulation.objects.get_or_create(
            site=site, slug=spec["slug"], defaults={**fields, "order": order}
        )
        for locale, texts in spec.get("texts", {}).items():
            RegulationText.objects.get_or_create(regulation=regulation, locale=locale, defaults=texts)


@dataclass(frozen=True)
class DemoResult:
    site: Site
    organization: Organization
    version_number: int
    created: bool
    user_created: bool = False


def _demo_origins(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


@transaction.atomic
def demo_seed(*, port: int = 8000, password: str = DEMO_USER_PASSWORD) -> DemoResult:
    """Create or complete the demo organization, site, purposes, texts, user and banner; idempotent."""
    organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
    site = Site.objects.filter(key=DEMO_SITE_KEY).first()
    created = site is None
    if site is None:
        site = services.site_create(
            organization=organization,
            name="Interacty (demo)",
            key=DEMO_SITE_KEY,
            privacy_policy_url=POLICY_URL,
            locales=["en", "ja"],
            default_locale="en",
            allowed_origins=_demo_origins(port),
            consent_lifetime_days=365,
            honour_gpc=True,
            # The demo's video shows what a visitor meets before consenting to its purpose.
            banner_placeholders=True,
        )
    elif not set(_demo_origins(port)) <= set(site.allowed_origins):
        site.allowed_origins = sorted(set(site.allowed_origins) | set(_demo_origins(port)))
        site.save(update_fields=["allowed_origins"])

    for order, spec in enumerate(PURPOSES):
        purpose, _ = Purpose.objects.get_or_create(
            site=site,
            slug=spec.slug,
            defaults={
                "legal_basis": spec.legal_basis,
                "required": spec.required,
                "order": order,
                "consent_mode_signals": list(spec.consent_mode),
                "cookies": list(spec.cookies),
                "vendors": list(spec.vendors),
                "sale_share": spec.sale_share,
            },
        )
        for locale, (name, description) in (("en", spec.en), ("ja", spec.ja)):
            PurposeTranslation.objects.get_or_create(
                purpose=purpose, locale=locale, defaults={"name": name, "description": description}
            )
    for locale, texts in BANNER_TEXTS.items():
        BannerText.objects.get_or_create(site=site, locale=locale, defaults=texts)
    _regulations_seed(site)

    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_USER_EMAIL).first()
    user_created = user is None
    if user is None:
        # The demo user runs the admin too, so a newcomer needs one login for everything.
        user = user_model.objects.create_superuser(username=DEMO_USER_EMAIL, email=DEMO_USER_EMAIL, password=password)
    Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": Membership.Role.OWNER})
    # The demo login is also a customer user of the demo site, for the account pages.
    AccountBinding.objects.get_or_create(user=user, site=site, defaults={"external_id": DEMO_USER_EMAIL})

    version, _ = services.banner_publish(site=site, material=True)
    return DemoResult(
        site=site, organization=organization, version_number=version.number, created=created, user_created=user_created
    )
