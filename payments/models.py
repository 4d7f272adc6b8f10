"""Payments of orders through gateways, the notifications they send, and the double-entry ledger
that records where the buyers' money is (escrow, shops', chapters' and the platform's shares).
Writes go through payments/services/."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from komeji.common.models import BaseModel
from orders.models import Order, ShopOrder
from vendors.documents import private_file_storage
from vendors.models import Community, Shop

# --- Payments -----------------------------------------------------------------------------------


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox (demo)")
    MIDTRANS = "midtrans", "Midtrans"
    TRANSFER = "transfer", _("Bank transfer")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Refused")
    REFUNDED = "refunded", _("Refunded")


P = PaymentStatus
# The gateway statuses a notification may move a payment to, from each status. Anything else is
# stored and ignored: a paid payment never goes back to pending, an expiry after settlement is
# logged and changes nothing (payments.services.notifications).
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    P.PENDING: {P.PAID, P.EXPIRED, P.CANCELLED, P.FAILED},
    # Money that arrives after the payment was given up is still the buyer's money: it is
    # recorded as paid (and refunded when the order is no longer waiting for it).
    P.EXPIRED: {P.PAID},
    P.CANCELLED: {P.PAID},
    P.FAILED: {P.PAID},
    P.PAID: {P.REFUNDED},
    P.REFUNDED: set(),
}


class Payment(BaseModel):
    """One attempt to pay an Order through a gateway. A new attempt (another method, or after a
    failure) is a new Payment with its own gateway order id."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("gateway"), max_length=12, choices=Provider.choices)
    method = models.CharField(_("method"), max_length=30, blank=True)
    # The order id the gateway knows (Midtrans: unique per attempt, ≤ 50 characters).
    gateway_order_id = models.CharField(max_length=50, unique=True)
    amount = models.BigIntegerField(_("amount (Rp)"))
    status = models.CharField(
        _("status"), max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    expires_at = models.DateTimeField(_("expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    transaction_id = models.CharField(_("gateway transaction id"), max_length=100, blank=True)
    # What the buyer needs to pay: redirect URL, virtual-account number, QRIS string, …
    redirect_url = models.URLField(max_length=500, blank=True)
    instructions = models.JSONField(default=dict, blank=True)
    # A valid notification that does not add up (amount differs): Finance looks, nothing booked.
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    flag_reason = models.TextField(_("why it is flagged"), blank=True)
    # Bank transfer (payments.services.transfers): the 3-digit code added to the order's total
    # (unique among open transfers), the buyer's proof (private storage) and Finance's decision.
    unique_code = models.PositiveSmallIntegerField(_("unique code"), null=True, blank=True)
    proof = models.FileField(
        _("proof of transfer"),
        upload_to="transfer-proofs/%Y/%m/",
        max_length=255,
        storage=private_file_storage,
        blank=True,
    )
    proof_uploaded_at = models.DateTimeField(_("proof uploaded at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("why the proof was rejected"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="payment_paid_has_time",
            ),
            models.CheckConstraint(
                condition=Q(unique_code__isnull=True)
                | (Q(unique_code__gte=1) & Q(unique_code__lte=999)),
                name="payment_unique_code_range",
            ),
            models.UniqueConstraint(
                fields=["unique_code"],
                condition=Q(status="pending", provider="transfer"),
                name="payment_unique_code_open_transfer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(status="pending"), name="payment_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return self.gateway_order_id


class PaymentNotification(BaseModel):
    """Every notification a gateway sent, stored raw for audit before anything is decided.
    Unique per (provider, transaction id, status): the same news twice is one row."""

    provider = models.CharField(max_length=12, choices=Provider.choices)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    gateway_order_id = models.CharField(max_length=50, blank=True)
    transaction_id = models.CharField(max_length=100)
    transaction_status = models.CharField(max_length=30)
    status_code = models.CharField(max_length=10, blank=True)
    gross_amount = models.CharField(max_length=30, blank=True)
    raw_body = models.TextField()
    # What Komeji did with it: "paid", "ignored: …", "flagged: …".
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "transaction_id", "transaction_status"],
                name="paymentnotification_once_per_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.gateway_order_id} {self.transaction_status}"


# --- Ledger -------------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    GATEWAY_RECEIVABLE = "gateway_receivable", _("Gateway receivable")
    ESCROW = "escrow", _("Escrow (buyers' money held)")
    SHOP_PAYABLE = "shop_payable", _("Owed to a shop")
    COMMUNITY_PAYABLE = "community_payable", _("Owed to a community")
    PLATFORM_REVENUE = "platform_revenue", _("Platform revenue")
    REFUNDS = "refunds", _("Refunds to buyers")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")


class LedgerAccount(models.Model):
    """An account of the ledger: one of each platform account, one payable per shop and per
    community. Its balance is the sum of its legs, never a stored counter."""

    kind = models.CharField(max_length=24, choices=AccountKind.choices)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "shop", "community"],
                nulls_distinct=False,
                name="ledgeraccount_unique",
            ),
            models.CheckConstraint(
                condition=(Q(kind="shop_payable") & Q(shop__isnull=False) & Q(community=None))
                | (Q(kind="community_payable") & Q(community__isnull=False) & Q(shop=None))
                | (
                    ~Q(kind__in=["shop_payable", "community_payable"])
                    & Q(shop=None)
                    & Q(community=None)
                ),
                name="ledgeraccount_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.shop or self.community
        return f"{self.get_kind_display()}{f' — {owner}' if owner else ''}"


class Journal(models.Model):
    """One booking: legs that sum to zero (a deferred PostgreSQL trigger checks it at commit).
    Append-only: a correction is a new, reversing journal. `idempotency_key` (e.g.
    `complete:<shop order id>`) makes the same booking twice impossible."""

    idempotency_key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    # The event it records.
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="journals"
    )
    shop_order = models.ForeignKey(
        ShopOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="journals"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")

    def __str__(self) -> str:
        return self.idempotency_key


class JournalLeg(models.Model):
    """Debit positive, credit negative, whole rupiah."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="legs")
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal leg")
        verbose_name_plural = _("journal legs")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="journalleg_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "journal"], name="journalleg_account")]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"


# --- Community profit share ---------------------------------------------------------------------


class DateRangeOf(models.Func):
    """`daterange(valid_from, valid_until, '[]')`: both days included; no end date = open."""

    function = "DATERANGE"
    output_field = DateRangeField()


class ProfitShareAgreement(BaseModel):
    """How the commission of a completed ShopOrder is split between the platform and the shop's
    community (RTIK chapter), for the days from `valid_from` to `valid_until` (both included; open
    when empty). One per community, or a default one (no community) for every community without
    its own. The periods of one scope never overlap (an exclusion constraint in PostgreSQL)."""

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profit_share_agreements",
        help_text=_("Empty: the default for every community without an agreement of its own."),
    )
    platform_bp = models.PositiveIntegerField(
        _("platform share (basis points)"), help_text=_("7000 = 70.00 percent of the commission.")
    )
    community_bp = models.PositiveIntegerField(
        _("community share (basis points)"), help_text=_("3000 = 30.00 percent of the commission.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until (included)"), null=True, blank=True, help_text=_("Empty: until replaced.")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["community_id", "-valid_from"]
        verbose_name = _("profit-share agreement")
        verbose_name_plural = _("profit-share agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(platform_bp__gte=0)
                & Q(community_bp__gte=0)
                & Q(platform_bp=10_000 - F("community_bp")),
                name="profitshare_shares_sum_to_whole",
                violation_error_message=_("The two shares must add up to 10000 basis points."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="profitshare_period_not_reversed",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            ExclusionConstraint(
                name="profitshare_periods_do_not_overlap",
                expressions=[
                    (Coalesce("community", Value(0)), RangeOperators.EQUAL),
                    (
                        DateRangeOf("valid_from", "valid_until", Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_(
                    "Another agreement of the same community is in force in this period."
                ),
            ),
        ]

    def __str__(self) -> str:
        whom = str(self.community) if self.community_id else str(_("Default"))
        return f"{whom}: {self.platform_bp / 100:.2f} / {self.community_bp / 100:.2f} %"


# --- Payouts ------------------------------------------------------------------------------------


class PayoutRunStatus(models.TextChoices):
    OPEN = "open", _("Lines waiting for Finance")
    CLOSED = "closed", _("Every line decided")


class PayoutRun(BaseModel):
    """The payouts of one period (ISO week, "2026-W48"): one line per shop and per community
    owed at least KOMEJI_PAYOUT_MINIMUM. `period_key` is unique: a second run of the same period
    creates nothing (payments.services.payouts.payout_run)."""

    period_key = models.CharField(_("period"), max_length=20, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutRunStatus.choices, default=PayoutRunStatus.OPEN
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")

    def __str__(self) -> str:
        return self.period_key


class PayoutLineStatus(models.TextChoices):
    PENDING = "pending", _("To transfer")
    TRANSFERRED = "transferred", _("Transferred")
    FAILED = "failed", _("Failed")


class PayoutLine(BaseModel):
    """What one shop or community is paid in a run, to the bank account as it was then (a
    snapshot). Pending until Finance marks it transferred (with the bank's reference) or failed
    (the money is owed again and goes into the next run)."""

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="lines")
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_lines"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_lines"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("amount (Rp)"))
    bank_code = models.CharField(_("bank"), max_length=3)
    account_number = models.CharField(_("account number"), max_length=20)
    holder_name = models.CharField(_("account holder's name"), max_length=150)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PayoutLineStatus.choices,
        default=PayoutLineStatus.PENDING,
    )
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["run_id", "id"]
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=False, community__isnull=True)
                | Q(shop__isnull=True, community__isnull=False),
                name="payoutline_one_payee",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payoutline_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="payoutline_decided_has_time",
            ),
            models.UniqueConstraint(fields=["run", "shop"], name="payoutline_once_per_shop"),
            models.UniqueConstraint(
                fields=["run", "community"], name="payoutline_once_per_community"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} — {self.shop or self.community}"

    @property
    def payee(self) -> Shop | Community | None:
        return self.shop or self.community

    @property
    def transfer_reference(self) -> str:
        """The text the bulk-transfer file gives the bank (shown on the payee's statement)."""
        return f"KOMEJI {self.run_id} {self.pk}"
