"""Payout runs: who gets a line (owed at least the minimum, bank account not held), the journals of
a run, of a transfer and of a failure, one run per period even when two start at once, the bank
bulk-transfer CSV, the admin's buttons and the weekly task."""

import csv
import io

import pytest
from django.urls import reverse

from payments.models import (
    AccountKind,
    Journal,
    JournalLeg,
    LedgerAccount,
    PayoutLine,
    PayoutRun,
)
from payments.services.errors import PaymentRefused
from payments.services.payouts import (
    CSV_HEADER,
    payout_line_mark_failed,
    payout_line_mark_transferred,
    payout_run,
    payout_run_csv,
    payout_run_period,
    period_key_of,
)
from tests.concurrency.conftest import run_together
from tests.factories import UserFactory
from tests.payments.ledger_support import balance, legs_of
from tests.payments.payouts_support import agreement_70_30, bank, earn, new_shop
from vendors.models import Shop

K = AccountKind
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _minimum(settings) -> None:
    settings.KOMEJI_PAYOUT_MINIMUM = 50_000
    settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS = 24


@pytest.fixture
def payees(buyer, shop, malang_community) -> dict[str, object]:
    """Who is owed what, and whose bank account allows a payout:

    - shop A (Keripik Tempe, of the Malang community, 70/30): Rp 2.000.000 at 10 % + Rp 20.000
      shipping → owed 1.820.000, the community 60.000; both with a bank account changed 48 h ago.
    - shop B: owed 95.000, its bank account changed 1 hour ago (held).
    - shop C: owed 40.000 (under the minimum).
    - shop D: owed 80.000, no bank account.
    - shop E: owed exactly 50.000 (the minimum).
    """
    Shop.objects.filter(pk=shop.pk).update(community=malang_community)
    shop.refresh_from_db()
    agreement_70_30(malang_community)
    b, c, d, e = (new_shop(f"Toko {x}") for x in "BCDE")
    earn(buyer, shop, [(2_000_000, 1, 1000)], 20_000)
    earn(buyer, b, [(100_000, 1, 500)])
    earn(buyer, c, [(40_000, 1, 0)])
    earn(buyer, d, [(80_000, 1, 0)])
    earn(buyer, e, [(25_000, 2, 0)])
    bank(shop, holder="Siti Rahayu", number="1234567890")
    bank(malang_community, holder="Relawan TIK Kota Malang", number="9876543210", code="114")
    bank(b, hours_ago=1, number="1111111111")
    bank(c, number="2222222222")
    bank(e, holder="Eko Prasetyo", number="5555555555", code="002")
    return {"a": shop, "b": b, "c": c, "d": d, "e": e, "community": malang_community}


def lines_of(run: PayoutRun) -> set[tuple[int | None, int | None, int, str, str, str, str]]:
    return set(
        run.lines.values_list(
            "shop_id",
            "community_id",
            "amount",
            "bank_code",
            "account_number",
            "holder_name",
            "status",
        )
    )


def payable(owner) -> LedgerAccount:
    if isinstance(owner, Shop):
        return LedgerAccount.objects.get(kind=K.SHOP_PAYABLE, shop=owner)
    return LedgerAccount.objects.get(kind=K.COMMUNITY_PAYABLE, community=owner)


def test_run_pays_payees_at_least_the_minimum_with_an_unheld_bank_account(payees):
    a, e, community = payees["a"], payees["e"], payees["community"]

    run = payout_run(period_key="2026-W48")

    assert run.period_key == "2026-W48" and run.status == "open"
    assert lines_of(run) == {
        (a.pk, None, 1_820_000, "014", "1234567890", "Siti Rahayu", "pending"),
        (e.pk, None, 50_000, "002", "5555555555", "Eko Prasetyo", "pending"),
        (None, community.pk, 60_000, "114", "9876543210", "Relawan TIK Kota Malang", "pending"),
    }
    assert legs_of(f"payout:{run.pk}:{payable(a).pk}") == {
        (K.SHOP_PAYABLE, a.pk): 1_820_000,
        (K.PAYOUTS_IN_TRANSIT, None): -1_820_000,
    }
    assert legs_of(f"payout:{run.pk}:{payable(community).pk}") == {
        (K.COMMUNITY_PAYABLE, community.pk): 60_000,
        (K.PAYOUTS_IN_TRANSIT, None): -60_000,
    }
    assert Journal.objects.filter(kind="payout").count() == 3
    # Paid shops owe nothing any more; the others still wait.
    assert balance(K.SHOP_PAYABLE, shop=a) == 0
    assert balance(K.SHOP_PAYABLE, shop=e) == 0
    assert balance(K.COMMUNITY_PAYABLE, community=community) == 0
    assert balance(K.SHOP_PAYABLE, shop=payees["b"]) == -95_000
    assert balance(K.SHOP_PAYABLE, shop=payees["c"]) == -40_000
    assert balance(K.SHOP_PAYABLE, shop=payees["d"]) == -80_000
    assert balance(K.PAYOUTS_IN_TRANSIT) == -1_930_000


def test_running_the_same_period_again_creates_nothing(payees):
    first = payout_run(period_key="2026-W48")
    lines = lines_of(first)
    journals = Journal.objects.count()

    again, created = payout_run_period(period_key="2026-W48")

    assert created is False and again.pk == first.pk
    assert PayoutRun.objects.count() == 1
    assert lines_of(again) == lines
    assert Journal.objects.count() == journals
    # The next period finds nothing new owed: an empty run, closed at once.
    empty = payout_run(period_key="2026-W49")
    assert empty.lines.count() == 0 and empty.status == "closed"


def test_held_account_is_paid_once_the_hold_is_over(payees, settings):
    payout_run(period_key="2026-W48")
    settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS = 1  # B's account changed 1 hour ago

    run = payout_run(period_key="2026-W49")

    assert lines_of(run) == {
        (payees["b"].pk, None, 95_000, "014", "1111111111", "Siti Rahayu", "pending")
    }


def test_default_period_is_the_iso_week():
    import datetime as dt

    assert period_key_of(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)) == "2026-W48"
    # 31 December 2024 belongs to week 1 of 2025; Jakarta is 7 h ahead of UTC.
    assert period_key_of(dt.datetime(2024, 12, 30, 18, tzinfo=dt.UTC)) == "2025-W01"


def test_mark_transferred_moves_the_money_out_of_transit(payees):
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=payees["a"])
    finance = UserFactory(full_name="Dewi Finance", is_staff=True)
    receivable_before = balance(K.GATEWAY_RECEIVABLE)
    assert receivable_before == 2_290_000  # every order's payment settled

    payout_line_mark_transferred(line_id=line.pk, reference=" BCA-TRF-0001 ", actor=finance)

    line.refresh_from_db()
    assert (line.status, line.reference, line.decided_by) == (
        "transferred",
        "BCA-TRF-0001",
        finance,
    )
    assert line.decided_at is not None
    assert legs_of(f"payout-sent:{line.pk}") == {
        (K.PAYOUTS_IN_TRANSIT, None): 1_820_000,
        (K.GATEWAY_RECEIVABLE, None): -1_820_000,
    }
    assert balance(K.GATEWAY_RECEIVABLE) == 470_000
    assert balance(K.PAYOUTS_IN_TRANSIT) == -110_000  # E and the community still in transit
    assert balance(K.SHOP_PAYABLE, shop=payees["a"]) == 0
    run.refresh_from_db()
    assert run.status == "open"


def test_deciding_twice_or_without_reference_is_refused_and_changes_nothing(payees):
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=payees["a"])
    journals = Journal.objects.count()

    with pytest.raises(PaymentRefused, match="Enter the bank's reference"):
        payout_line_mark_transferred(line_id=line.pk, reference="  ", actor=None)
    line.refresh_from_db()
    assert (line.status, line.reference, Journal.objects.count()) == ("pending", "", journals)

    payout_line_mark_transferred(line_id=line.pk, reference="BCA-1", actor=None)
    with pytest.raises(PaymentRefused, match="already marked transferred"):
        payout_line_mark_failed(line_id=line.pk, actor=None, reason="late")
    with pytest.raises(PaymentRefused, match="already marked transferred"):
        payout_line_mark_transferred(line_id=line.pk, reference="BCA-2", actor=None)
    line.refresh_from_db()
    assert (line.status, line.reference) == ("transferred", "BCA-1")
    assert Journal.objects.count() == journals + 1
    assert balance(K.SHOP_PAYABLE, shop=payees["a"]) == 0


def test_failed_payout_is_owed_again_and_paid_by_the_next_run(payees):
    e = payees["e"]
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=e)

    payout_line_mark_failed(line_id=line.pk, actor=None, reason="account closed")

    line.refresh_from_db()
    assert (line.status, line.reference) == ("failed", "account closed")
    assert legs_of(f"payout-failed:{line.pk}") == {
        (K.PAYOUTS_IN_TRANSIT, None): 50_000,
        (K.SHOP_PAYABLE, e.pk): -50_000,
    }
    assert balance(K.SHOP_PAYABLE, shop=e) == -50_000
    assert balance(K.PAYOUTS_IN_TRANSIT) == -1_880_000

    # The shop fixes its account (older than the hold here); the next week's run pays it again.
    next_run = payout_run(period_key="2026-W49")

    assert lines_of(next_run) == {
        (e.pk, None, 50_000, "002", "5555555555", "Eko Prasetyo", "pending")
    }
    assert balance(K.SHOP_PAYABLE, shop=e) == 0


def test_run_closes_when_every_line_is_decided(payees):
    run = payout_run(period_key="2026-W48")
    a_line, e_line, c_line = (
        run.lines.get(shop=payees["a"]),
        run.lines.get(shop=payees["e"]),
        run.lines.get(community=payees["community"]),
    )
    payout_line_mark_transferred(line_id=a_line.pk, reference="T1", actor=None)
    payout_line_mark_failed(line_id=e_line.pk, actor=None)
    run.refresh_from_db()
    assert run.status == "open"

    payout_line_mark_transferred(line_id=c_line.pk, reference="T2", actor=None)

    run.refresh_from_db()
    assert run.status == "closed"
    # Every journal sums to zero, and nothing is left in transit.
    assert balance(K.PAYOUTS_IN_TRANSIT) == 0
    assert sum(JournalLeg.objects.values_list("amount", flat=True)) == 0


def test_csv_lists_pending_lines_formula_safe(payees):
    a = payees["a"]
    a.bank_account.holder_name = "=HYPERLINK(evil)"
    a.bank_account.save()
    run = payout_run(period_key="2026-W48")
    lines = {line.shop_id or line.community_id: line for line in run.lines.all()}
    payout_line_mark_transferred(line_id=lines[payees["e"].pk].pk, reference="T1", actor=None)

    rows = list(csv.reader(io.StringIO(payout_run_csv(run=run))))

    a_line, c_line = lines[a.pk], lines[payees["community"].pk]
    assert rows == [
        CSV_HEADER,
        ["014", "1234567890", "'=HYPERLINK(evil)", "1820000", f"KOMEJI {run.pk} {a_line.pk}"],
        ["114", "9876543210", "Relawan TIK Kota Malang", "60000", f"KOMEJI {run.pk} {c_line.pk}"],
    ]
    assert CSV_HEADER == [
        "Kode Bank",
        "Nomor Rekening",
        "Nama Pemilik Rekening",
        "Jumlah",
        "Berita",
    ]


# --- Concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_run_one_line_per_payee(
    jatim_regions, categories, buyer, settings
):
    settings.KOMEJI_PAYOUT_MINIMUM = 50_000
    shops = [new_shop(f"Toko Serentak {i}") for i in range(3)]
    for i, shop in enumerate(shops):
        earn(buyer, shop, [(100_000 * (i + 1), 1, 0)])
        bank(shop, number=f"{i + 1}" * 10)

    outcomes = run_together([lambda: payout_run(period_key="2026-W48").pk for _ in range(4)])

    assert [o.error for o in outcomes] == [None] * 4
    assert len({o.result for o in outcomes}) == 1
    assert PayoutRun.objects.count() == 1
    assert sorted(PayoutLine.objects.values_list("shop_id", "amount")) == [
        (shops[0].pk, 100_000),
        (shops[1].pk, 200_000),
        (shops[2].pk, 300_000),
    ]
    assert Journal.objects.filter(kind="payout").count() == 3
    assert balance(K.PAYOUTS_IN_TRANSIT) == -600_000
    assert all(balance(K.SHOP_PAYABLE, shop=shop) == 0 for shop in shops)


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_different_periods_at_once_never_pay_twice(
    jatim_regions, categories, buyer, settings
):
    settings.KOMEJI_PAYOUT_MINIMUM = 50_000
    shop = new_shop("Toko Serentak")
    earn(buyer, shop, [(100_000, 1, 0)])
    bank(shop)

    outcomes = run_together(
        [lambda: payout_run(period_key="2026-W48"), lambda: payout_run(period_key="2026-W49")]
    )

    assert [o.error for o in outcomes] == [None, None]
    assert list(PayoutLine.objects.values_list("shop_id", "amount")) == [(shop.pk, 100_000)]
    assert balance(K.SHOP_PAYABLE, shop=shop) == 0


# --- Admin and task -------------------------------------------------------------------------------


@pytest.fixture
def finance(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the messages below are read in English
    return user


def test_admin_run_now_then_again(client, finance, payees):
    url = reverse("admin:payments_payoutrun_run_now")
    assert client.get(url).status_code == 405

    response = client.post(url, follow=True)

    run = PayoutRun.objects.get()
    assert run.period_key == period_key_of() and run.created_by == finance
    assert run.lines.count() == 3
    assert "created with 3 lines" in response.content.decode()
    response = client.post(url, follow=True)
    assert "already exists" in response.content.decode()
    assert PayoutRun.objects.count() == 1 and PayoutLine.objects.count() == 3
    changelist = client.get(reverse("admin:payments_payoutrun_changelist")).content.decode()
    assert "Run payouts now" in changelist


def test_admin_pages_csv_and_decisions(client, finance, payees):
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=payees["a"])
    change = client.get(reverse("admin:payments_payoutrun_change", args=[run.pk]))
    assert change.status_code == 200
    page = change.content.decode()
    decide_url = reverse("admin:payments_payoutrun_decide", args=[run.pk, line.pk])
    assert decide_url in page and reverse("admin:payments_payoutrun_csv", args=[run.pk]) in page

    csv_response = client.get(reverse("admin:payments_payoutrun_csv", args=[run.pk]))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="komeji-payout-2026-W48.csv"' in csv_response["Content-Disposition"]
    assert csv_response.content.decode() == payout_run_csv(run=run)

    # Transferred without a reference: refused, nothing changed.
    refused = client.post(decide_url, {"outcome": "transferred", "reference": ""})
    assert refused.status_code == 200 and "Enter the bank" in refused.content.decode()
    line.refresh_from_db()
    assert line.status == "pending"

    done = client.post(decide_url, {"outcome": "transferred", "reference": "BCA-77"})
    assert done.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.reference, line.decided_by) == ("transferred", "BCA-77", finance)

    e_line = run.lines.get(shop=payees["e"])
    e_url = reverse("admin:payments_payoutrun_decide", args=[run.pk, e_line.pk])
    assert (
        client.post(e_url, {"outcome": "failed", "reference": "rekening ditutup"}).status_code
        == 302
    )
    assert balance(K.SHOP_PAYABLE, shop=payees["e"]) == -50_000


def test_admin_decisions_need_the_permission(client, payees):
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=payees["a"])
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)

    urls = [
        reverse("admin:payments_payoutrun_decide", args=[run.pk, line.pk]),
        reverse("admin:payments_payoutrun_csv", args=[run.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [403, 403]
    assert client.post(reverse("admin:payments_payoutrun_run_now")).status_code == 403
    assert client.post(urls[0], {"outcome": "failed"}).status_code == 403
    line.refresh_from_db()
    assert line.status == "pending" and PayoutRun.objects.count() == 1


def test_weekly_task_is_registered_and_runs_this_week(payees, settings):
    from komeji.celery import app
    from payments.tasks_payouts import payouts_run_weekly

    app.loader.import_default_modules()
    assert "payments.tasks_payouts.payouts_run_weekly" in app.tasks
    schedule = settings.CELERY_BEAT_SCHEDULE["payouts-run-weekly"]
    assert schedule["task"] == "payments.tasks_payouts.payouts_run_weekly"
    assert (schedule["schedule"].day_of_week, schedule["schedule"].hour) == ({1}, {6})

    run_id = payouts_run_weekly()
    assert payouts_run_weekly() == run_id

    run = PayoutRun.objects.get()
    assert (run.pk, run.period_key, run.lines.count()) == (run_id, period_key_of(), 3)
