"""The refusals of the request services, each naming the field at fault."""


class DsrInputError(ValueError):
    """A request's input is wrong; `field` names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DsrStateError(DsrInputError):
    """A request cannot take this step in its current state."""


class TokenInvalid(Exception):
    """An identity link is unknown, used already, or expired."""
