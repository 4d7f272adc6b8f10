"""Payouts: paying shops and communities what the ledger says they are owed.

Journals (debit positive, credit negative), each posted once by its key:

- a run's line (`payout:<run id>:<account id>`): the payee's payable +amount (no longer owed),
  payouts in transit -amount (on its way to the payee's bank).
- Finance marks the line transferred (`payout-sent:<line id>`): payouts in transit +amount,
  gateway receivable -amount. The money a payout sends is the money the gateway settled to the
  platform's bank for the buyers' payments, which the ledger holds as the gateway receivable; a
  transfer out of that bank lowers what the receivable stands for.
- Finance marks it failed (`payout-failed:<line id>`): payouts in transit +amount, the payee's
  payable -amount: the money is owed again and the next period's run picks it up.

A shop whose payable went negative (a refund after a payout) gets nothing until later
completions cover it: the netting is the sum of its legs.
"""

import csv
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.models import (
    AccountKind,
    Journal,
    JournalLeg,
    LedgerAccount,
    PayoutLine,
    PayoutLineStatus,
    PayoutRun,
    PayoutRunStatus,
)
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.ledger import journal_post, platform_account

PAYOUT_KIND = "payout"
PAYOUT_SENT_KIND = "payout_sent"
PAYOUT_FAILED_KIND = "payout_failed"

# pg_advisory_xact_lock key of payout runs: one run at a time, whatever its period, so two runs
# never read the same balances ("KMJPAYO" in ASCII).
PAYOUT_LOCK = 0x4B4D4A5041594F

CSV_HEADER = ["Kode Bank", "Nomor Rekening", "Nama Pemilik Rekening", "Jumlah", "Berita"]


def period_key_of(when: Any = None) -> str:
    """The ISO week of `when` (a datetime, default now) in local time: "2026-W48"."""
    year, week, _day = timezone.localdate(when or timezone.now()).isocalendar()
    return f"{year}-W{week:02d}"


def payable_payees(*, now: Any = None) -> list[dict[str, Any]]:
    """Every shop and community payable owed at least KOMEJI_PAYOUT_MINIMUM whose bank account
    exists and is not held (changed more than KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS ago), with the
    bank details; one aggregate query. Keys: id, shop_id, community_id, bank_code,
    account_number, holder_name, total (the payable's balance: negative, a credit)."""
    now = now or timezone.now()
    held_since = now - dt.timedelta(hours=settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS)
    minimum = max(int(settings.KOMEJI_PAYOUT_MINIMUM), 1)
    return list(
        LedgerAccount.objects.filter(
            kind__in=[AccountKind.SHOP_PAYABLE, AccountKind.COMMUNITY_PAYABLE]
        )
        .annotate(
            bank_code=Coalesce(
                "shop__bank_account__bank_code", "community__bank_account__bank_code"
            ),
            account_number=Coalesce(
                "shop__bank_account__account_number", "community__bank_account__account_number"
            ),
            holder_name=Coalesce(
                "shop__bank_account__holder_name", "community__bank_account__holder_name"
            ),
            bank_changed_at=Coalesce(
                "shop__bank_account__changed_at", "community__bank_account__changed_at"
            ),
        )
        .filter(bank_changed_at__lte=held_since)
        .values("id", "shop_id", "community_id", "bank_code", "account_number", "holder_name")
        .annotate(total=Sum("legs__amount"))
        .filter(total__lte=-minimum)
        .order_by("id")
    )


def payout_run_period(
    *, actor: Any = None, period_key: str | None = None
) -> tuple[PayoutRun, bool]:
    """The run of the period (default: this ISO week) and whether this call created it. Runs are
    serialised by a transaction-level advisory lock: a second run, at once or later, finds the
    first one and creates nothing. Lines and their journals are written set-based (bulk inserts),
    not one query per payee."""
    key = period_key or period_key_of()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PAYOUT_LOCK])
        existing = PayoutRun.objects.filter(period_key=key).first()
        if existing is not None:
            return existing, False
        run = PayoutRun.objects.create(period_key=key, created_by=user)
        payees = payable_payees()
        lines = PayoutLine.objects.bulk_create(
            PayoutLine(
                run=run,
                shop_id=row["shop_id"],
                community_id=row["community_id"],
                account_id=row["id"],
                amount=-int(row["total"]),
                bank_code=row["bank_code"],
                account_number=row["account_number"],
                holder_name=row["holder_name"],
            )
            for row in payees
        )
        if not lines:
            run.status = PayoutRunStatus.CLOSED
            run.save(update_fields=["status", "updated_at"])
            return run, True
        in_transit = platform_account(AccountKind.PAYOUTS_IN_TRANSIT)
        # The run is new, so are its keys: no journal of them can exist yet.
        journals = Journal.objects.bulk_create(
            Journal(
                idempotency_key=f"payout:{run.pk}:{line.account_id}",
                kind=PAYOUT_KIND,
                actor=user,
                reason=f"{run.period_key} {line.transfer_reference}",
            )
            for line in lines
        )
        JournalLeg.objects.bulk_create(
            leg
            for journal, line in zip(journals, lines, strict=True)
            for leg in (
                JournalLeg(journal=journal, account_id=line.account_id, amount=line.amount),
                JournalLeg(journal=journal, account=in_transit, amount=-line.amount),
            )
        )
    return run, True


def payout_run(*, actor: Any = None, period_key: str | None = None) -> PayoutRun:
    """Create the period's payout run (see payout_run_period); the existing one if it exists."""
    return payout_run_period(actor=actor, period_key=period_key)[0]


def _decide(*, line_id: int, to: str, actor: Any, reference: str = "") -> PayoutLine:
    """Lock the run, then the line (always in that order), check it is pending, record the
    decision; the caller posts the journal in the same transaction."""
    run_id = PayoutLine.objects.filter(pk=line_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise PaymentNotFound
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    line = PayoutLine.objects.select_for_update().select_related("account").get(pk=line_id)
    if line.status != PayoutLineStatus.PENDING:
        raise PaymentRefused(
            _("This payout line is already marked %(status)s.")
            % {"status": line.get_status_display().lower()}
        )
    line.status = to
    line.reference = reference
    line.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    line.decided_at = timezone.now()
    line.save(update_fields=["status", "reference", "decided_by", "decided_at", "updated_at"])
    pending = PayoutLine.objects.filter(run=run, status=PayoutLineStatus.PENDING)
    if not pending.exists():
        run.status = PayoutRunStatus.CLOSED
        run.save(update_fields=["status", "updated_at"])
    return line


def payout_line_mark_transferred(*, line_id: int, reference: str, actor: Any) -> PayoutLine:
    """The bank sent the line's money: record the bank's reference and post `payout-sent`.
    Refused (PaymentRefused, nothing changed) without a reference or when already decided."""
    reference = reference.strip()
    if not reference:
        raise PaymentRefused(_("Enter the bank's reference of the transfer."))
    with transaction.atomic():
        line = _decide(
            line_id=line_id, to=PayoutLineStatus.TRANSFERRED, actor=actor, reference=reference
        )
        journal_post(
            key=f"payout-sent:{line.pk}",
            kind=PAYOUT_SENT_KIND,
            legs=[
                (platform_account(AccountKind.PAYOUTS_IN_TRANSIT), line.amount),
                (platform_account(AccountKind.GATEWAY_RECEIVABLE), -line.amount),
            ],
            actor=actor,
            reason=f"{line.transfer_reference} {reference}"[:500],
        )
    return line


def payout_line_mark_failed(*, line_id: int, actor: Any, reason: str = "") -> PayoutLine:
    """The transfer failed (closed account, wrong name…): post the reversal `payout-failed`, so
    the amount is owed to the payee again and the next run pays it. Refused when decided."""
    with transaction.atomic():
        line = _decide(
            line_id=line_id, to=PayoutLineStatus.FAILED, actor=actor, reference=reason.strip()
        )
        journal_post(
            key=f"payout-failed:{line.pk}",
            kind=PAYOUT_FAILED_KIND,
            legs=[
                (platform_account(AccountKind.PAYOUTS_IN_TRANSIT), line.amount),
                (line.account, -line.amount),
            ],
            actor=actor,
            reason=f"{line.transfer_reference} {reason}".strip()[:500],
        )
    return line


def _csv_safe(value: str) -> str:
    """A spreadsheet must not read a cell as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def payout_run_csv(*, run: PayoutRun) -> str:
    """The bank bulk-transfer file of the run's pending lines: a header row, then bank code,
    account number, holder's name, amount (whole rupiah), transfer note "KOMEJI <run> <line>"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    lines = PayoutLine.objects.filter(run=run, status=PayoutLineStatus.PENDING).order_by("id")
    for line in lines:
        writer.writerow(
            [
                _csv_safe(line.bank_code),
                _csv_safe(line.account_number),
                _csv_safe(line.holder_name),
                str(line.amount),
                line.transfer_reference,
            ]
        )
    return out.getvalue()
