"""The manual bank transfer: the buyer transfers the order's total plus a 3-digit unique code to
the platform's bank account (KOMEJI_TRANSFER_*), uploads a proof on Komeji's transfer page, and
Finance confirms or rejects it in the admin (payments.services.transfers).

No outside system is involved: `create` picks the payment's unique code (a service that writes
the code and the amount, since the code is part of what the buyer pays) and points to Komeji's
own page. There is nothing to ask or to refund automatically: refunds of transfers are done by
hand by Finance."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from payments.gateways.base import Created, GatewayError
from payments.models import Payment

PROVIDER = "transfer"

BANK = "bank"
METHODS: list[tuple[str, Any]] = [(BANK, _("Bank transfer (manual confirmation)"))]


class TransferGateway:
    provider = PROVIDER
    methods = METHODS

    def create(self, payment: Payment) -> Created:
        from payments.services.transfers import transfer_code_assign

        code = transfer_code_assign(payment_id=payment.pk)
        payment.refresh_from_db(fields=["unique_code", "amount"])
        return Created(
            redirect_url=reverse("payments:transfer_page", args=[payment.gateway_order_id]),
            instructions={"method": payment.method, "unique_code": code},
        )

    def status(self, payment: Payment) -> dict[str, Any]:
        """No status API: only Finance knows whether the money arrived (reconciliation skips)."""
        raise GatewayError("a bank transfer has no status API: Finance confirms it")

    def refund(self, payment: Payment, amount: int, key: str) -> dict[str, Any]:
        raise GatewayError("a bank transfer is refunded by hand by Finance")
