"""Gunicorn's access log as the server runs it: no query strings, no subject ids, no credentials."""

import datetime
import logging
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from consent.edge.accesslog import AccessLogger, path_clean
from consent.management.commands import serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "1767000000." + "ab" * 32


def _line(environ: dict[str, str], *, access_log_format: str | None = None) -> str:
    config = Config()
    config.set("accesslog", "-")
    if access_log_format:
        config.set("access_log_format", access_log_format)
    logger = AccessLogger(config)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger.access_log.addHandler(Keep())
    response = SimpleNamespace(status="200 OK", sent=12, headers=[("Content-Type", "application/json")])
    request = SimpleNamespace(
        headers=[(name[5:].replace("_", "-"), v) for name, v in environ.items() if name[:5] == "HTTP_"]
    )
    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    return records[-1]


def _environ(uri: str, **extra: str) -> dict[str, str]:
    path, _, query = uri.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        **extra,
    }


def test_a_sign_in_link_is_logged_without_its_user_and_token():
    line = _line(_environ(f"/account/link/acme/?user=alice@example.com&token={TOKEN}"))
    assert '"GET /account/link/acme/ HTTP/1.1" 200' in line
    assert "alice" not in line
    assert TOKEN not in line


def test_subject_ids_are_masked_in_api_and_public_paths():
    line = _line(_environ("/api/v1/sites/acme/subjects/customer-42/events?limit=5"))
    assert "/api/v1/sites/acme/subjects/*/events" in line
    assert "customer-42" not in line
    assert (
        path_clean("/api/v1/public/sites/acme/subjects/v-9/preferences")
        == "/api/v1/public/sites/acme/subjects/*/preferences"
    )


def test_a_custom_format_cannot_bring_them_back():
    environ = _environ(
        "/api/v1/sites/acme/subjects/customer-42?token=secret",
        HTTP_AUTHORIZATION="Bearer ak_live_secret",
        HTTP_REFERER="https://shop.example/account/subjects/customer-42?token=secret",
    )
    line = _line(environ, access_log_format="%(U)s %(q)s %(f)s {raw_uri}e {query_string}e {authorization}i {referer}i")
    assert "customer-42" not in line
    assert "secret" not in line


def test_manage_py_serve_and_the_docker_entrypoint_use_this_logger():
    dotted = f"{AccessLogger.__module__}.{AccessLogger.__name__}"
    assert dotted == serve.ACCESS_LOGGER
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert re.search(rf"--logger-class {re.escape(dotted)}", entrypoint)


def test_gunicorn_can_load_the_logger_before_django_is_set_up():
    # gunicorn imports the logger class while reading its configuration, before the WSGI app exists.
    code = f"from gunicorn.util import load_class; print(load_class({serve.ACCESS_LOGGER!r}).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env={})
    assert result.stdout.strip() == "AccessLogger", result.stderr
