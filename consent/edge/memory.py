"""What a process has read from the database, trusted only under the generation token it was read under.

A generation is a random token in the shared cache, replaced after the commit of any change to what
it covers. A reader takes the token *before* it reads the rows and keeps the answer under it; the
answer is served again only while the token it reads on a later request is the same, and never once
`max_age` seconds old (a backstop for a change whose new token could not reach the cache). No token
(no cache, or the cache down) means nothing is trusted: the caller reads the database.
"""

import threading
import time
from typing import Generic, TypeVar

Value = TypeVar("Value")
Token = TypeVar("Token")


class Remembered(Generic[Token, Value]):
    """Values by name, each with the generation it was read under and when; at most `capacity` of them."""

    def __init__(self, *, max_age: float, capacity: int) -> None:
        self.max_age = max_age
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Token, float, Value]] = {}

    def get(self, name: str, generation: Token | None) -> Value | None:
        """Return what was kept for name under this very generation, if it is still young enough."""
        entry = self._entries.get(name)
        if generation is None or entry is None or entry[0] != generation:
            return None
        if time.monotonic() - entry[1] >= self.max_age:
            return None
        return entry[2]

    def keep(self, name: str, generation: Token | None, value: Value) -> None:
        """Keep value under the generation read before the database was (None: keep nothing)."""
        with self._lock:
            if generation is None:
                self._entries.pop(name, None)
                return
            if len(self._entries) >= self.capacity:
                self._entries.clear()  # one read each brings them back
            self._entries[name] = (generation, time.monotonic(), value)

    def forget(self, name: str | None = None) -> None:
        """Forget one name, or everything (tests start from a clean process)."""
        with self._lock:
            if name is None:
                self._entries.clear()
            else:
                self._entries.pop(name, None)
