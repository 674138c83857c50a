"""Receivers that misbehave on purpose: one trickles its answer a byte a second, one streams without end."""

import socket
import threading
import time


class HostileReceiver:
    """Listen on 127.0.0.1; read each request, then answer in one of the bad ways.

    `trickle`: the status line and headers, then one byte a second (for `limit` seconds at most, so a
    client without a deadline still ends, late). `trickle-headers`: the same, a byte a second from the
    status line on. `flood`: a 200 with no length, then 64 KiB chunks as fast as the client takes them.
    """

    def __init__(self, mode: str, limit: float = 30.0) -> None:
        self.mode = mode
        self.limit = limit
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks"

    def start(self) -> "HostileReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._read_request(conn)
                head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n"
                if self.mode == "flood":
                    conn.sendall(head)
                    chunk = b"x" * 65536
                    while not self.stopping.is_set():
                        conn.sendall(chunk)
                        self.sent += len(chunk)
                    return
                if self.mode == "trickle":
                    conn.sendall(head)
                    head = b""
                payload = head + b"x" * int(self.limit)
                ends = time.monotonic() + self.limit
                for byte in payload:
                    if self.stopping.is_set() or time.monotonic() > ends:
                        return
                    conn.sendall(bytes([byte]))
                    self.sent += 1
                    time.sleep(1)
            except OSError:
                return  # the client hung up: what a client with a deadline or a cap does

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        while len(body) < length:
            body += conn.recv(65536)
