#!/bin/sh
# Pick what this container runs. Every setting comes from the environment (README, "Configuration").
set -eu
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web)
    exec gunicorn consent.wsgi:application --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" --access-logfile - \
      --logger-class consent.edge.accesslog.AccessLogger "$@" ;;
  worker)
    # WORKER_QUEUES: hooks, ledger, housekeeping, celery (comma-separated); empty consumes them all.
    exec celery -A consent worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}" \
      ${WORKER_QUEUES:+--queues "$WORKER_QUEUES"} "$@" ;;
  beat)
    exec celery -A consent beat --loglevel INFO --schedule /var/lib/assent/celerybeat-schedule "$@" ;;
  migrate)
    exec python manage.py migrate --noinput "$@" ;;
  manage)
    exec python manage.py "$@" ;;
  *)
    echo "usage: entrypoint.sh web|worker|beat|migrate|manage [args...]" >&2
    exit 64 ;;
esac
