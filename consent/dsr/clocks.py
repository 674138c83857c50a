"""How long each jurisdiction allows for an answer, and for the one extension: the only place these live."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


def due_at(*, jurisdiction: str, received_at: datetime) -> datetime:
    """Return when an answer to a request received at received_at is due."""
    return received_at + DEADLINES[jurisdiction].answer


def extended_due_at(*, jurisdiction: str, due_at: datetime) -> datetime:
    """Return the due date after the one extension."""
    return due_at + DEADLINES[jurisdiction].extension
