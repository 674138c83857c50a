"""Gunicorn's access log without secrets: no query strings, subject ids masked, no credentials.

`gunicorn --logger-class consent.edge.accesslog.AccessLogger` (as `manage.py serve` and the Docker
entrypoint run it). Query strings carry link tokens (`?user=…&token=…`) and subject ids are
pseudonymous personal data: neither belongs in a log kept by the web server.
"""

import re
from typing import Any

from gunicorn.glogging import Logger

SUBJECT = re.compile(r"(/subjects/)[^/?#]+")
MASK = "*"
# Atoms that echo the request line, its query or credentials, besides %(r)s, %(U)s, %(q)s and %(f)s.
HIDDEN = {"{raw_uri}e", "{query_string}e", "{authorization}i", "{cookie}i", "{http_authorization}e", "{http_cookie}e"}


def path_clean(uri: str) -> str:
    """Return a request path fit for a log: without its query string or fragment, subject ids masked."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    return SUBJECT.sub(rf"\g<1>{MASK}", path)


class AccessLogger(Logger):
    """Gunicorn's logger, writing the access log from cleaned paths."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {path_clean(environ.get('RAW_URI') or environ.get('PATH_INFO', ''))} {protocol}"
        atoms["U"] = path_clean(environ.get("PATH_INFO", ""))
        atoms["q"] = ""
        referer = environ.get("HTTP_REFERER")
        atoms["f"] = path_clean(referer) if referer else "-"
        for name in list(atoms):
            if name in HIDDEN:
                atoms[name] = MASK
            elif name in {"{referer}i", "{path_info}e", "{http_referer}e"}:
                atoms[name] = path_clean(str(atoms[name]))
        return atoms
