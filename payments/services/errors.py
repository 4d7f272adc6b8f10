from typing import Any


class PaymentRefused(Exception):
    """A refused act on a payment, with the message the person should read."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class PaymentNotFound(Exception):
    """Not there, or not the actor's to see: answered with a 404 either way."""
