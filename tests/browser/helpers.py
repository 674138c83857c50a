"""What the banner's browser tests share: stand-ins for tracker hosts, and reads of the page's state."""

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD

# Hosts the demo's trackers point at. None resolves here; every request to them is intercepted,
# recorded and answered by a stand-in that says it ran and sets the cookies the real tag would.
TRACKER_HOSTS = (
    "www.googletagmanager.com",
    "www.google-analytics.com",
    "connect.facebook.net",
    "www.facebook.com",
    "www.youtube-nocookie.com",
)
GTAG_STUB = """
window.__order = (window.__order || []).concat('gtag.js');
window.__gtagSawConfig = (window.dataLayer || []).some(function (e) { return e[0] === 'config'; });
document.cookie = '_ga=GA1.1.1234; path=/';
document.cookie = '_ga_DEMO000001=GS1.1.1; path=/';
"""
FBEVENTS_STUB = """
window.__order = (window.__order || []).concat('fbevents');
document.cookie = '_fbp=fb.1.1234; path=/';
"""
# Collected before any page script runs; Playwright's init scripts are not subject to the page's CSP.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
_AXE_RUN = """async () => {
  const r = await axe.run(%s,
    {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
  return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
}"""
# What axe finds wrong (WCAG 2.2 AA and best practice) on the whole page, or in the banner alone.
AXE_PAGE = _AXE_RUN % "document"
AXE_BANNER = _AXE_RUN % "{include: [['assent-banner']]}"


class Trackers:
    """Intercept every request leaving the live server; answer tracker hosts with stand-ins."""

    def __init__(self, page: Any, live: str) -> None:
        self.live_host = urlparse(live).netloc
        self.tracker_hits: list[str] = []
        self.foreign: list[str] = []
        page.route("**/*", self._handle)

    def _handle(self, route: Any) -> None:
        url = route.request.url
        host = urlparse(url).netloc
        if host == self.live_host:
            route.continue_()
        elif host in TRACKER_HOSTS:
            self.tracker_hits.append(url)
            body = GTAG_STUB if "gtag/js" in url else FBEVENTS_STUB if "fbevents" in url else ""
            content_type = "text/html" if "youtube" in host else "text/javascript"
            route.fulfill(status=200, content_type=content_type, body=body)
        else:
            self.foreign.append(url)
            route.abort()

    def hit(self, fragment: str) -> bool:
        return any(fragment in url for url in self.tracker_hits)


def stored_choice(context: Any, site_key: str = "demo") -> dict[str, Any] | None:
    """Return the banner's cookie, decoded."""
    for cookie in context.cookies():
        if cookie["name"] == f"assent_{site_key}":
            return json.loads(unquote(cookie["value"]))
    return None


def cookie_names(context: Any) -> set[str]:
    return {c["name"] for c in context.cookies()}


def consent_commands(page: Any) -> list[list[Any]]:
    """Return the Consent Mode commands pushed to dataLayer, in order."""
    return page.evaluate("(window.dataLayer || []).filter(e => e[0] === 'consent').map(e => [e[0], e[1], e[2]])")


def focused(page: Any) -> dict[str, str]:
    """Describe the element that really has focus, inside shadow roots too."""
    return page.evaluate(
        """() => {
          let el = document.activeElement;
          while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
          return {tag: el.tagName.toLowerCase(), name: el.name || '', text: (el.textContent || '').trim()};
        }"""
    )


def choice_posted(response: Any, **fields: Any) -> bool:
    """Tell whether a response answers a recorded choice whose request carried these fields."""
    if not (response.url.endswith("/consents") and response.request.method == "POST"):
        return False
    body = response.request.post_data_json
    return all(body.get(name) == value for name, value in fields.items())


def choose(page: Any, button: str) -> dict[str, Any]:
    """Click a banner button and wait for its choice to be recorded; return the server's answer."""
    with page.expect_response(lambda r: choice_posted(r)) as info:
        page.get_by_role("button", name=button, exact=True).click()
    assert info.value.status == 201, info.value.text()
    answer: dict[str, Any] = info.value.json()
    return answer


def demo_password_for_live_server() -> None:
    """Store the demo user's password with the live server's default hasher (tests use a cheap one it lacks)."""
    user = get_user_model().objects.get(username=DEMO_USER_EMAIL)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(DEMO_USER_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
