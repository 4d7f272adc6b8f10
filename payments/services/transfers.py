"""Manual bank transfers (gateway "transfer", issue 6).

- `transfer_code_assign`: the payment gets a 3-digit code (1 to 999) that no other open transfer
  (pending, provider "transfer") has: a partial unique constraint in PostgreSQL makes it so; a
  race loses with an IntegrityError and picks again. Open transfers past their time without a
  proof are expired first, which frees their codes. The code is added to the amount: the buyer
  pays order total + code, and Finance recognises the transfer on the bank statement by its last
  3 digits. The code is the platform's income: the `paid:` journal books the order's total into
  escrow and the code into platform revenue (payments.services.bookings).
- `transfer_proof_upload`: the buyer uploads a photo (JPEG/PNG, re-encoded without metadata) or a
  PDF of the transfer, checked by content (vendors.documents.document_clean), to the private
  storage. A new upload replaces the previous proof.
- `transfer_confirm`: Finance saw the money: the payment is paid and the order too, with the same
  effects, in the same order, as a settlement notification (payments.services.notifications).
  Confirming twice changes nothing the second time.
- `transfer_reject`: Finance did not find the money or the proof is unreadable: the payment stays
  pending (the buyer may still have paid, or pay now), the proof is removed, the reason is kept
  and shown to the buyer, who is notified and may upload a new proof until the payment expires.

Deciding needs staff with `payments.change_payment`; each decision is audit-logged.
"""

import logging
import random
import uuid
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import FileField
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.common.money import format_rupiah
from komeji.common.services import audit_record
from orders.models import Order
from orders.services.notify import buyer_notify
from orders.services.transitions import order_mark_paid
from payments.gateways.base import GatewayError
from payments.models import Payment, PaymentStatus, Provider
from payments.services.bookings import payment_settled_book
from payments.services.errors import PaymentNotFound, PaymentRefused
from vendors.documents import document_clean

logger = logging.getLogger(__name__)

CODES = range(1, 1000)
# A lost race picks again; after this many the gateway gives up (the attempt is marked failed).
MAX_TRIES = 10
DECIDE_PERMISSION = "payments.change_payment"


def _open_codes() -> set[int]:
    codes = Payment.objects.filter(
        provider=Provider.TRANSFER, status=PaymentStatus.PENDING, unique_code__isnull=False
    ).values_list("unique_code", flat=True)
    return {code for code in codes if code is not None}


def _expire_stale() -> int:
    """Pending transfers past their time without a proof are expired, which frees their codes
    (nothing else expires them: a transfer has no gateway to say so). One with a proof stays
    pending until Finance decides."""
    return Payment.objects.filter(
        provider=Provider.TRANSFER,
        status=PaymentStatus.PENDING,
        expires_at__lte=timezone.now(),
        proof="",
    ).update(status=PaymentStatus.EXPIRED, updated_at=timezone.now())


def transfer_code_assign(*, payment_id: int) -> int:
    """Give the pending transfer `payment_id` a code no other open transfer has, and add it to
    the amount. Returns the code (the one it already has, when called again). GatewayError when
    every code is taken or the races keep being lost."""
    _expire_stale()
    for _try in range(MAX_TRIES):
        own = (
            Payment.objects.filter(pk=payment_id, provider=Provider.TRANSFER)
            .values_list("unique_code", flat=True)
            .first()
        )
        if own is not None:
            return own
        free = sorted(set(CODES) - _open_codes())
        if not free:
            break
        code = random.choice(free)  # noqa: S311 (not a secret: only needs to differ)
        try:
            with transaction.atomic():
                payment = Payment.objects.select_for_update().get(
                    pk=payment_id, provider=Provider.TRANSFER
                )
                if payment.unique_code is not None:
                    return payment.unique_code
                payment.unique_code = code
                payment.amount += code
                payment.save(update_fields=["unique_code", "amount", "updated_at"])
                return code
        except IntegrityError:
            continue
    raise GatewayError("no free unique code among the open bank transfers")


# --- The buyer's proof --------------------------------------------------------------------------


def _proof_field() -> FileField:
    return cast(FileField, Payment._meta.get_field("proof"))


def _proof_delete_later(name: str) -> None:
    if name:
        storage = _proof_field().storage
        transaction.on_commit(lambda: storage.delete(name))


def transfer_proof_upload(*, payment_id: int, buyer: Any, file: IO[bytes] | Any) -> Payment:
    """The buyer's proof of the transfer. PaymentNotFound: not the buyer's transfer.
    PaymentRefused (nothing stored): not a JPEG/PNG/PDF by content, too large, or the payment is
    no longer waiting for money."""
    payment = Payment.objects.filter(
        pk=payment_id, provider=Provider.TRANSFER, order__buyer_id=getattr(buyer, "pk", None)
    ).first()
    if payment is None:
        raise PaymentNotFound
    if payment.status != PaymentStatus.PENDING:
        raise PaymentRefused(_("This payment is no longer waiting for a transfer."))
    try:
        clean = document_clean(file)
    except ValidationError as exc:
        raise PaymentRefused(" ".join(str(m) for m in exc.messages)) from None
    field = _proof_field()
    # A random name: nothing about the buyer or the order can be guessed from it.
    name = field.generate_filename(None, f"{uuid.uuid4().hex}.{clean.extension}")
    stored = field.storage.save(name, ContentFile(clean.data))
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status != PaymentStatus.PENDING:
                raise PaymentRefused(_("This payment is no longer waiting for a transfer."))
            _proof_delete_later(locked.proof.name)
            locked.proof.name = stored
            locked.proof_uploaded_at = timezone.now()
            locked.rejection_reason = ""
            locked.save(
                update_fields=["proof", "proof_uploaded_at", "rejection_reason", "updated_at"]
            )
    except BaseException:
        field.storage.delete(stored)
        raise
    return locked


# --- Finance's decision -------------------------------------------------------------------------


def _may_decide(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_staff
        and actor.has_perm(DECIDE_PERMISSION)
    )


def _locked_transfer(payment_id: int) -> Payment:
    payment = (
        Payment.objects.select_for_update()
        .filter(pk=payment_id, provider=Provider.TRANSFER)
        .first()
    )
    if payment is None:
        raise PaymentNotFound
    return payment


def _flag(payment: Payment, reason: str) -> None:
    payment.flagged_at = payment.flagged_at or timezone.now()
    payment.flag_reason = f"{payment.flag_reason}\n{reason}".strip()
    payment.save(update_fields=["flagged_at", "flag_reason", "updated_at"])


def transfer_confirm(*, payment_id: int, actor: Any) -> bool:
    """Finance found the transfer on the bank statement: the payment is paid, the `paid:`
    journal posted (order total to escrow, the code to platform revenue) and the order marked
    paid. False when it was already paid (nothing changes). PaymentNotFound: not a transfer, or
    an actor without the right. PaymentRefused: no proof to confirm, or a status that cannot
    become paid. As with a late settlement notification, money for an order that no longer waits
    for it is recorded and the payment flagged for a refund by hand."""
    if not _may_decide(actor):
        raise PaymentNotFound
    with transaction.atomic():
        payment = _locked_transfer(payment_id)
        if payment.status == PaymentStatus.PAID:
            return False
        if payment.status != PaymentStatus.PENDING or not payment.proof:
            raise PaymentRefused(_("Only a pending transfer with a proof can be confirmed."))
        now = timezone.now()
        payment.status = PaymentStatus.PAID
        payment.paid_at = now
        payment.decided_by = actor
        payment.decided_at = now
        payment.rejection_reason = ""
        payment.save(
            update_fields=[
                "status",
                "paid_at",
                "decided_by",
                "decided_at",
                "rejection_reason",
                "updated_at",
            ]
        )
        payment_settled_book(payment=payment, actor=actor, extra_income=payment.unique_code or 0)
        moved = order_mark_paid(
            order_id=payment.order_id,
            actor=actor,
            source=f"{payment.provider} {payment.gateway_order_id}",
        )
        if not moved:
            if Order.objects.filter(pk=payment.order_id, paid_at__isnull=False).exists():
                _flag(payment, "paid twice: the order was already paid through another payment")
            else:
                _flag(payment, "paid after the order was cancelled: refund it")
        audit_record(
            actor=actor,
            action="payment.transfer_confirmed",
            obj=payment,
            data={"amount": payment.amount, "unique_code": payment.unique_code},
        )
    return True


def transfer_reject(*, payment_id: int, actor: Any, reason: str) -> Payment:
    """Finance did not find the money, or cannot read the proof: the proof is removed, the
    payment stays pending with `reason` shown to the buyer (notified), who may upload another.
    PaymentNotFound: not a transfer, or an actor without the right. PaymentRefused: no reason,
    or no pending proof to reject."""
    if not _may_decide(actor):
        raise PaymentNotFound
    reason = reason.strip()
    if not reason:
        raise PaymentRefused(_("Say why the proof is rejected: the buyer reads it."))
    with transaction.atomic():
        payment = _locked_transfer(payment_id)
        if payment.status != PaymentStatus.PENDING or not payment.proof:
            raise PaymentRefused(_("Only a pending transfer with a proof can be rejected."))
        now = timezone.now()
        _proof_delete_later(payment.proof.name)
        payment.proof = ""
        payment.proof_uploaded_at = None
        payment.rejection_reason = reason
        payment.decided_by = actor
        payment.decided_at = now
        payment.save(
            update_fields=[
                "proof",
                "proof_uploaded_at",
                "rejection_reason",
                "decided_by",
                "decided_at",
                "updated_at",
            ]
        )
        audit_record(actor=actor, action="payment.transfer_rejected", obj=payment, reason=reason)
        order = payment.order
        buyer_notify(
            order=order,
            kind="transfer_rejected",
            title=lambda: (
                _("Your proof of transfer for order %(number)s was not accepted")
                % {"number": order.number}
            ),
            body=lambda: (
                _("%(reason)s Upload a new proof of your transfer of %(amount)s.")
                % {"reason": reason, "amount": format_rupiah(payment.amount)}
            ),
            dedupe_key=f"transfer_rejected:{payment.pk}:{now.timestamp()}",
        )
    return payment
