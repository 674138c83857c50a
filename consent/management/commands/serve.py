"""Run web (gunicorn), a Celery worker and beat together, and stop them all on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

ACCESS_LOGGER = "consent.edge.accesslog.AccessLogger"


class Command(BaseCommand):
    help = "Serve the web app with a Celery worker and beat beside it (development and demos)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, port: int, host: str, **options: Any) -> None:
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "consent.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                # Paths without query strings (link tokens) and with subject ids masked.
                "--logger-class",
                ACCESS_LOGGER,
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "consent",
                "worker",
                "--beat",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
            ],
        }
        children = {name: subprocess.Popen(argv) for name, argv in commands.items()}
        base = f"http://{host}:{port}"
        self.stdout.write(
            f"\nAssent is running:\n  demo site   {base}/demo/\n  admin       {base}/admin/\n"
            f"  API docs    {base}/api/docs/\n  account     {base}/account/privacy/\nCtrl-C stops everything.\n"
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping the rest")
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
