"""/demo/: a realistic customer page for the demo site, with trackers gated by purpose, under a strict CSP."""

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from consent.demo import DEMO_SITE_KEY
from consent.regions.codes import region_code_check

# The tracker hosts do not resolve here; tests intercept them and check nothing is asked before consent.
TRACKER_HOSTS = ("https://www.googletagmanager.com", "https://connect.facebook.net")
FRAME_HOSTS = ("https://www.youtube-nocookie.com",)
BEACON_HOSTS = ("https://www.google-analytics.com", "https://region1.google-analytics.com", "https://www.facebook.com")

WORDS = {
    "en": {
        "title": "Interacty — make content people play with",
        "nav": ["Product", "Templates", "Pricing", "Blog"],
        "heading": "Interactive content that keeps readers on the page",
        "lead": "Quizzes, puzzles and memory games you can build in minutes and embed on any website.",
        "body": [
            "Interacty turns an article into something readers do: a quiz at the end of a story, a "
            "timeline to scroll, a puzzle for the weekend edition.",
            "Teachers use it for lessons, marketers for campaigns, publishers for engagement. Every "
            "project can be embedded with one line of code.",
        ],
        "video": "Product tour (video, shown with advertising cookies only)",
        "cookies": "Cookies we use",
        "settings": "Cookie settings",
        "privacy": "Privacy policy",
        "rights": "© 2026 Interacty. Demo page for Assent.",
    },
    "ja": {
        "title": "Interacty — 遊べるコンテンツを作ろう",
        "nav": ["製品", "テンプレート", "料金", "ブログ"],
        "heading": "読者をページに引き留めるインタラクティブコンテンツ",
        "lead": "クイズ、パズル、神経衰弱を数分で作成し、どんなウェブサイトにも埋め込めます。",
        "body": [
            "Interacty は記事を読者が参加できるものに変えます。"
            "記事の最後のクイズ、スクロールする年表、週末版のパズル。",
            "教師は授業に、マーケターはキャンペーンに、出版社はエンゲージメントに活用しています。"
            "どのプロジェクトも一行のコードで埋め込めます。",
        ],
        "video": "製品紹介 — 動画は広告 Cookie を許可した場合のみ表示されます",
        "cookies": "使用している Cookie",
        "settings": "Cookie 設定",
        "privacy": "プライバシーポリシー",
        "rights": "© 2026 Interacty. Assent のデモページ。",
    },
}


def demo_csp(nonce: str) -> str:
    """Return the page's Content Security Policy: no inline script or style, no eval, Trusted Types."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' 'nonce-{nonce}' {' '.join(TRACKER_HOSTS)}",
            f"connect-src 'self' {' '.join(BEACON_HOSTS)}",
            f"img-src 'self' data: {' '.join(BEACON_HOSTS)}",
            f"frame-src {' '.join(FRAME_HOSTS)}",
            "style-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types assent demo",
        ]
    )


@require_safe
def demo(request: HttpRequest) -> HttpResponse:
    """Render the demo customer's page in English, or Japanese with ?lang=ja; ?region=US-CA previews a region."""
    lang = "ja" if request.GET.get("lang") == "ja" else "en"
    try:
        # Passed on to the script, which honours it only in development or for a signed-in operator.
        region = region_code_check(request.GET.get("region", "")) if request.GET.get("region") else ""
    except ValueError:
        region = ""
    nonce = secrets.token_urlsafe(16)
    response = render(
        request,
        "demo/index.html",
        {"lang": lang, "words": WORDS[lang], "nonce": nonce, "site_key": DEMO_SITE_KEY, "region": region},
    )
    response["Content-Security-Policy"] = demo_csp(nonce)
    response["Cache-Control"] = "no-store"
    return response
