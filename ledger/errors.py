"""What the ledger raises: bad input (a ValueError naming the field), integrity failures, missing proofs."""


class LedgerInputError(ValueError):
    """An append was refused before anything was written; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownPurpose(LedgerInputError):
    """A decision names a purpose the caller did not declare as known."""


class EmptyDecisions(LedgerInputError):
    """A choice decides nothing."""


class InvalidSubject(LedgerInputError):
    """A subject id is empty or longer than 128 characters."""


class FutureTimestamp(LedgerInputError):
    """occurred_at lies more than five minutes ahead of the server clock."""


class UnknownTerm(LedgerInputError):
    """A source, kind or method is not one of the documented values."""


class IdempotencyConflict(LedgerInputError):
    """An idempotency key already stands for a different request in its scope (HTTP 409)."""


class LedgerIntegrityError(RuntimeError):
    """The stored log contradicts itself or a signed checkpoint; nothing was signed."""


class ProofUnavailable(LookupError):
    """No proof can be given yet: the event or size is not covered by a signed checkpoint."""


class ReceiptUnknown(LookupError):
    """No receipt of this site has that id, or the signature offered for it does not match."""
