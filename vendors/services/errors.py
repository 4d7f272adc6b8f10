from django.utils.functional import Promise


class ShopNotFound(Exception):
    """The shop does not exist or the actor may not act on it (views answer 404)."""


class ShopActionRefused(Exception):
    """A refused action; `message` says why, in the active language. Nothing was changed."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


class WrongPassword(ShopActionRefused):
    """The password typed to confirm a sensitive change is wrong (or too many were)."""
