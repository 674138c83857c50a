"""How long a request's law allows for an answer, and for the one extension.

A site's regulation says it (`response_days`, `extension_days`); the table below is the fallback for a
request no regulation of the site covers.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consent.dsr.models import Jurisdiction


@dataclass(frozen=True)
class Deadline:
    answer: timedelta
    extension: timedelta


# GDPR Art. 12(3) and UK GDPR: one month, extendable; the customer's policy says 30 + 30 days.
# CCPA/CPRA and the other US state laws: 45 days, extendable once by 45.
# APPI (Japan) asks for an answer "without delay"; elsewhere has no rule. Both get the stricter 30 + 30.
DEADLINES: dict[str, Deadline] = {
    Jurisdiction.EU: Deadline(answer=timedelta(days=30), extension=timedelta(days=30)),
    Jurisdiction.UK: Deadline(answer=timedelta(days=30), extension=timedelta(days=30)),
    Jurisdiction.US: Deadline(answer=timedelta(days=45), extension=timedelta(days=45)),
    Jurisdiction.JP: Deadline(answer=timedelta(days=30), extension=timedelta(days=30)),
    Jurisdiction.OTHER: Deadline(answer=timedelta(days=30), extension=timedelta(days=30)),
}

# How long the e-mailed identity link works.
VERIFY_LINK_LIFETIME = timedelta(hours=24)
# How long the e-mailed download link of an export works.
DOWNLOAD_LINK_LIFETIME = timedelta(days=7)
# Requests due within this are highlighted in the queue and mailed to the owners every day.
DUE_SOON = timedelta(days=7)


def deadline(*, jurisdiction: str, regulation: Mapping[str, Any] | None = None) -> Deadline:
    """Return the regulation's clock when one applies, else the jurisdiction's from the table."""
    fallback = DEADLINES[jurisdiction]
    if regulation is None:
        return fallback
    answer, extension = regulation.get("response_days"), regulation.get("extension_days")
    return Deadline(
        answer=timedelta(days=answer) if isinstance(answer, int) and answer > 0 else fallback.answer,
        extension=timedelta(days=extension) if isinstance(extension, int) and extension >= 0 else fallback.extension,
    )


def due_at(*, jurisdiction: str, received_at: datetime, regulation: Mapping[str, Any] | None = None) -> datetime:
    """Return when an answer to a request received at received_at is due."""
    return received_at + deadline(jurisdiction=jurisdiction, regulation=regulation).answer


def extended_due_at(*, jurisdiction: str, due_at: datetime, regulation: Mapping[str, Any] | None = None) -> datetime:
    """Return the due date after the one extension."""
    return due_at + deadline(jurisdiction=jurisdiction, regulation=regulation).extension
