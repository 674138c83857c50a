"""Plain words for the ledger's terms, as the account page shows them (translated)."""

from django.utils.translation import gettext_lazy as _

SOURCES = {
    "banner": _("the cookie banner"),
    "preference_centre": _("the preference centre"),
    "account_settings": _("your account settings"),
    "api": _("the site's own systems"),
    "gpc": _("your browser's Global Privacy Control signal"),
    "import": _("an import of earlier records"),
    "operator": _("the site's privacy team, at your request"),
    "system": _("Assent, automatically"),
}
KINDS = {
    "opted_in": _("allowed"),
    "defaulted": _("on by default under your region's law"),
    "opted_out": _("refused"),
    "withdrawn": _("withdrawn"),
    "objected": _("objected"),
    "expired": _("expired"),
    "erased": _("erased"),
}
METHODS = {
    "accept_all": _("Accept all"),
    "reject_all": _("Reject all"),
    "custom": _("your own selection"),
    "default": _("the default where you are"),
    "gpc": _("Global Privacy Control"),
    "api": _("a request from the site"),
    "withdraw_all": _("Withdraw all"),
    "expiry": _("the choice's lifetime ran out"),
    "erasure": _("your erasure request"),
    "identify": _("carried over from another device when you signed in"),
    "import": _("an import"),
}
