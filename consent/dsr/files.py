"""Files of requests, kept outside the web root under VAR_DIR/dsr: agents' proofs and exports."""

import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

PROOF_MAX_BYTES = 5 * 1024 * 1024
# Checked against the first bytes, never the name or the browser's Content-Type.
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]
_NAME_LENGTH = 32


class ProofRefused(ValueError):
    """An uploaded proof of authority is too large or not a PDF, PNG or JPEG."""


def _root(kind: str) -> Path:
    path = Path(settings.VAR_DIR) / "dsr" / kind
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _checked_name(name: str) -> str:
    """Return a stored name, refusing anything that is not one we made (no path can sneak in)."""
    if len(name) != _NAME_LENGTH or not all(c in "0123456789abcdef" for c in name):
        raise ValueError("not a stored file name")
    return name


def proof_sniff(upload: UploadedFile) -> str:
    """Return the content type a proof really has, or raise ProofRefused."""
    if upload.size is None or upload.size > PROOF_MAX_BYTES:
        raise ProofRefused(f"must be at most {PROOF_MAX_BYTES // (1024 * 1024)} MB")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    raise ProofRefused("must be a PDF, PNG or JPEG file")


def proof_store(upload: UploadedFile) -> str:
    """Write a checked proof under a random name and return the name."""
    name = secrets.token_hex(_NAME_LENGTH // 2)
    written = 0
    with open(_root("proofs") / name, "xb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > PROOF_MAX_BYTES:
                break
            out.write(chunk)
    if written > PROOF_MAX_BYTES:
        proof_delete(name)
        raise ProofRefused(f"must be at most {PROOF_MAX_BYTES // (1024 * 1024)} MB")
    return name


def proof_path(name: str) -> Path:
    return _root("proofs") / _checked_name(name)


def proof_delete(name: str) -> None:
    if name:
        proof_path(name).unlink(missing_ok=True)


def export_write(*, document: bytes, summary: bytes) -> str:
    """Write an export (JSON document and HTML summary) into a new random directory; return its name."""
    name = secrets.token_hex(_NAME_LENGTH // 2)
    directory = _root("exports") / name
    directory.mkdir(mode=0o700)
    (directory / "export.json").write_bytes(document)
    (directory / "summary.html").write_bytes(summary)
    return name


def export_path(name: str, filename: str) -> Path:
    if filename not in {"export.json", "summary.html"}:
        raise ValueError("not an export file")
    return _root("exports") / _checked_name(name) / filename


def export_delete(name: str) -> None:
    if name:
        shutil.rmtree(_root("exports") / _checked_name(name), ignore_errors=True)
