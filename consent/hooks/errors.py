"""Errors of the webhook side, each naming the input at fault."""


class DestinationInputError(ValueError):
    """A destination write was refused; `field` names the input at fault (shaped like ConsentInputError)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
