"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets, ids and headers."""

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def secret_generate() -> str:
    """Return a new secret: whsec_ and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id_generate() -> str:
    """Return a new webhook-id, unique per delivery and kept across its attempts."""
    return "msg_" + secrets.token_hex(16)


def signature(*, secret: str, message_id: str, timestamp: int, body: str) -> str:
    """Return `v1,<base64 HMAC-SHA256 of id.timestamp.body>` under a whsec_ secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def headers(*, secrets: list[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Return the headers of one attempt, signed with every current secret (space-separated)."""
    signatures = [signature(secret=s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets]
    return {
        "content-type": "application/json",
        "user-agent": "Assent-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }
