"""The bare baselines the HTTP benches hold Assent against: a one-module Django project.

    gunicorn bench.bare:application -w 2 -b 127.0.0.1:PORT      (cwd: the repository; DATABASE_URL set)

- `POST /bare/consents`: a plain Django view that validates the same JSON body as the public consent
  endpoint and INSERTs the same rows (a subject, one event per purpose, the evidence, the state
  upserts) into the `bench_*` tables `bench/ingest.py` creates, in one transaction;
- `GET /bare/sites/<site>/subjects/<subject>`: a DRF view that reads one subject row by its key.

Same gunicorn, same PostgreSQL, same persistent connections as Assent; nothing else. Never imported
by the application or the tests.
"""

import json
import os
import re
import uuid

import dj_database_url
import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    # The same connection settings as consent/settings.py: persistent, health-checked.
    DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True)},
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=[],
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402 (needs the settings above)
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

PURPOSES = {"essential": True, "personalization": False, "analytics": False, "marketing": False}
METHODS = {"accept_all", "reject_all", "custom", "save", "close", "api", "import", "gpc"}
_HEX64 = re.compile(r"[0-9a-f]{64}")

_EVENTS = (
    "INSERT INTO bench_event (receipt, site, subject, purpose, granted, kind, source, method, banner_version,"
    " locale, occurred_at, evidence_hash) VALUES "
)
_STATES = (
    "INSERT INTO bench_state (site, subject, purpose, granted, since, expires_at, last_event) VALUES "
    "{rows} ON CONFLICT (site, subject, purpose) DO UPDATE SET granted = excluded.granted, since = excluded.since"
)


def _bad(field: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": "invalid", "message": f"{field} {message}", "fields": {field: [message]}}}, status=400
    )


def _problem(body: object) -> tuple[str, str] | None:
    """Return (field, message) for the first thing wrong with a consent body, or None."""
    if not isinstance(body, dict):
        return "body", "must be a JSON object"
    subject = body.get("subject")
    if not isinstance(subject, str) or not 1 <= len(subject) <= 128:
        return "subject", "must be 1 to 128 characters"
    choices = body.get("choices")
    if not isinstance(choices, dict) or not choices:
        return "choices", "must name at least one purpose"
    for slug, granted in choices.items():
        if slug not in PURPOSES:
            return f"choices.{slug}", "is not a purpose of this banner version"
        if not isinstance(granted, bool):
            return f"choices.{slug}", "must be true or false"
        if PURPOSES[slug] and not granted:
            return f"choices.{slug}", "is required and cannot be refused"
    if not isinstance(body.get("banner_version"), str) or not _HEX64.fullmatch(body["banner_version"]):
        return "banner_version", "must be a published version"
    if body.get("method") not in METHODS:
        return "method", "is not a known method"
    if not isinstance(body.get("locale", ""), str) or len(body.get("locale", "")) > 16:
        return "locale", "must be a locale"
    return None


@csrf_exempt
def consents(request: HttpRequest) -> HttpResponse:
    """Validate one choice and insert its rows in one transaction."""
    if request.method != "POST":
        return _bad("method", "must be POST")
    try:
        body = json.loads(request.body)
    except ValueError:
        return _bad("body", "must be JSON")
    problem = _problem(body)
    if problem is not None:
        return _bad(*problem)
    decisions = {**body["choices"], **{slug: True for slug, required in PURPOSES.items() if required}}
    receipt = uuid.uuid4()
    subject = uuid.uuid4().hex
    evidence = json.dumps({"ua": request.headers.get("user-agent", ""), "url": body.get("page_url", "")})
    events = [
        (receipt, "bench", subject, slug, granted, "opted_in" if granted else "opted_out", "banner", body["method"],
         body["banner_version"], body.get("locale", ""), "now", "")
        for slug, granted in sorted(decisions.items())
    ]  # fmt: skip
    states = [("bench", subject, slug, granted, "now", None, 1) for slug, granted in sorted(decisions.items())]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            # A known subject is kept, as Assent's get-or-create keeps it.
            "INSERT INTO bench_subject (site, external_id, pseudonym, ledger_key) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (site, external_id) DO NOTHING",
            ["bench", body["subject"], subject, uuid.uuid4().hex],
        )
        cursor.execute(_EVENTS + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(events)),
                       [value for row in events for value in row])  # fmt: skip
        cursor.execute("INSERT INTO bench_evidence VALUES (%s, %s, %s, %s)", [receipt, "bench", subject, evidence])
        cursor.execute(_STATES.format(rows=", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(states))),
                       [value for row in states for value in row])  # fmt: skip
    return JsonResponse({"receipt": str(receipt), "state": decisions}, status=201)


class SubjectView(APIView):
    """Read one subject row by its site and external id."""

    def get(self, request: Request, site: str, subject: str) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(
                # By the (site, kind, external_id) index, as Assent's lookup reads it: without the kind,
                # PostgreSQL walks every subject of the site (at 250,000 subjects, 120 ms a request).
                "SELECT s.external_id, s.ledger_key, s.created_at FROM consent_subject s"
                " JOIN consent_site t ON t.id = s.site_id"
                " WHERE t.key = %s AND s.kind IN ('user', 'visitor') AND s.external_id = %s",
                [site, subject],
            )
            row = cursor.fetchone()
        if row is None:
            return Response({"error": {"code": "not_found", "message": "no such subject", "fields": {}}}, status=404)
        return Response({"subject": row[0], "key": row[1], "created_at": row[2].isoformat()})


urlpatterns = [
    path("bare/consents", consents),
    path("bare/sites/<str:site>/subjects/<str:subject>", SubjectView.as_view()),
]

application = get_wsgi_application()
