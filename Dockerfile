# One image for web, worker and beat: `docker run assent web|worker|beat|migrate|manage ...`.
# Build with `docker build -t assent .` or `podman build --format docker -t assent .` (the OCI
# format Podman uses by default has no HEALTHCHECK).

# The banner bundle (static/banner/dist) is committed and CI checks it matches its source, so the
# image needs no Node.js. The base is pinned to a patch release so a rebuild gets the same Python;
# where no registry can be reached, PYTHON_IMAGE names a local Debian bookworm image with `python`
# and its venv module instead (README: "Offline").
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements/base.txt /tmp/base.txt
RUN /venv/bin/pip install --require-hashes -r /tmp/base.txt

FROM ${PYTHON_IMAGE}
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=consent.settings ASSENT_VAR_DIR=/var/lib/assent PORT=8000
RUN groupadd --system assent && useradd --system --gid assent --home /app assent \
    && mkdir -p /var/lib/assent && chown assent:assent /var/lib/assent
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=assent:assent . .
# Everything below runs as the service user, so whatever loading the settings creates under
# /var/lib/assent (the embedded broker's folders) belongs to the user that later runs the image.
USER assent
# collectstatic needs settings to load; it reads no secret, so a throwaway one is fine here only.
RUN SECRET_KEY=collectstatic-only-not-a-real-secret-key-000000 LEDGER_SIGNING_KEY=unused \
    python manage.py collectstatic --noinput -v 0
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["web"]
