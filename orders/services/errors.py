from typing import Any


class OrderRefused(Exception):
    """A refused act on a cart or an order, with the message the person should read."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class OutOfStock(OrderRefused):
    def __init__(self, message: Any, *, variant_id: int, available: int = 0) -> None:
        super().__init__(message)
        self.variant_id = variant_id
        self.available = available


class CheckoutChanged(OrderRefused):
    """What the buyer reviewed is no longer what they would pay: show the review again."""


class OrderNotFound(Exception):
    """Not there, or not the actor's to see: answered with a 404 either way."""
