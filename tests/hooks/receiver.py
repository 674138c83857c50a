"""A real HTTP receiver for tests and the benchmark: verifies with standardwebhooks, dedupes, keeps the newest state."""

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """Listen on 127.0.0.1; answer `status` (200 unless told otherwise) to every verified request."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.status = 200
        self.echo = False  # answer with the request's own body, as some receivers do in their errors
        self.delay = 0.0  # seconds to take over each answer, as a slow receiver would
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []  # every verified request, in arrival order
        self.rejected = 0
        self.ids: dict[str, int] = defaultdict(int)  # webhook-id -> times seen
        self.latest: dict[str, tuple[int, dict[str, Any]]] = {}  # subject -> (sequence, purposes)
        self.arrivals: dict[str, float] = {}  # webhook-id -> first arrival (time.time())
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """Verify, dedupe by webhook-id, keep the highest sequence per subject; return the status to answer."""
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.rejected += 1
            return 401
        with self.lock:
            status = self.status
            if status >= 300:
                return status
            message_id = headers["webhook-id"]
            self.ids[message_id] += 1
            self.arrivals.setdefault(message_id, time.time())
            self.requests.append({"headers": dict(headers), "body": body, "payload": payload})
            data = payload["data"]
            if self.ids[message_id] == 1 and "subject" in data:
                known = self.latest.get(data["subject"])
                if known is None or data["sequence"] > known[0]:
                    self.latest[data["subject"]] = (data["sequence"], data["purposes"])
        return status

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until `count` distinct webhook-ids arrived; return whether they did in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.ids) >= count:
                    return True
            time.sleep(0.05)
        return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Without it, headers and body in two writes meet delayed ACKs: 40 ms a request.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                time.sleep(receiver.delay)
                status = receiver.receive(body, headers)
                answer = body if receiver.echo else json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
