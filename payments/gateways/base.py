"""One interface for every payment gateway, and the registry that finds a gateway by provider.

A gateway talks to the outside (network): call it outside any transaction holding row locks
(STYLE.md 10). It never changes Komeji's rows itself; services do, with what it returns."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.module_loading import import_string

from payments.models import Payment


class GatewayError(Exception):
    """The gateway refused the request or could not be reached; the message says what it said."""


@dataclass(frozen=True)
class Created:
    """Where the buyer goes to pay (`redirect_url`, a page of the gateway or Komeji's own), and
    what the payment page shows (virtual-account number, QRIS string, …)."""

    redirect_url: str
    instructions: dict[str, Any] = field(default_factory=dict)


class Gateway(Protocol):
    provider: str
    # The methods a buyer may pick for this gateway: (value, label); "" lets the gateway's own
    # page ask.
    methods: list[tuple[str, Any]]

    def create(self, payment: Payment) -> Created:
        """Open the payment at the gateway (idempotent per `payment.gateway_order_id` as far as
        the gateway allows: Midtrans refuses a reused order id)."""
        ...

    def status(self, payment: Payment) -> dict[str, Any]:
        """What the gateway knows of the payment, in Midtrans' notification format."""
        ...

    def refund(self, payment: Payment, amount: int, key: str) -> dict[str, Any]:
        """Give back `amount` rupiah of a settled payment. `key` is deterministic for one refund
        (a retry with the same key is not a second refund)."""
        ...


# provider → dotted path of its Gateway class; a provider missing here is not offered.
GATEWAYS: dict[str, str] = {
    "sandbox": "payments.gateways.sandbox.SandboxGateway",
    "midtrans": "payments.gateways.midtrans.MidtransGateway",
    "transfer": "payments.gateways.transfer.TransferGateway",
}


def gateway_for(provider: str) -> Gateway:
    """The gateway of `provider`; GatewayError for one Komeji does not have."""
    path = GATEWAYS.get(provider)
    if path is None:
        raise GatewayError(f"unknown payment provider: {provider!r}")
    gateway: Gateway = import_string(path)()
    return gateway
