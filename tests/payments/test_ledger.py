"""The ledger's rules kept by PostgreSQL itself (payments/migrations/0002): a journal whose legs
do not sum to zero is refused at commit, legs may be inserted one by one, nothing is updated or
deleted; and journal_post posts a key once, even from two threads at once."""

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from payments.models import AccountKind, Journal, JournalLeg
from payments.services.ledger import account_balance, journal_post, platform_account

K = AccountKind


def accounts():
    return platform_account(K.GATEWAY_RECEIVABLE), platform_account(K.ESCROW)


@pytest.mark.django_db(transaction=True)
def test_unbalanced_journal_is_refused_at_commit():
    receivable, escrow = accounts()
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        journal = Journal.objects.create(idempotency_key="bad:1", kind="test")
        JournalLeg.objects.create(journal=journal, account=receivable, amount=100)
        JournalLeg.objects.create(journal=journal, account=escrow, amount=-99)
    assert Journal.objects.count() == 0
    assert JournalLeg.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_balanced_legs_inserted_one_by_one_are_accepted():
    receivable, escrow = accounts()
    with transaction.atomic():
        journal = Journal.objects.create(idempotency_key="good:1", kind="test")
        JournalLeg.objects.create(journal=journal, account=receivable, amount=100)
        # Unbalanced here, mid-transaction: the check waits for the commit.
        JournalLeg.objects.create(journal=journal, account=escrow, amount=-60)
        JournalLeg.objects.create(journal=journal, account=escrow, amount=-40)
    assert account_balance(receivable) == 100
    assert account_balance(escrow) == -100


@pytest.mark.django_db(transaction=True)
def test_journal_post_refuses_unbalanced_legs_before_the_database():
    receivable, escrow = accounts()
    with pytest.raises(ValueError, match="unbalanced"):
        journal_post(key="x:1", kind="test", legs=[(receivable, 100), (escrow, -1)])
    assert Journal.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_legs_and_journals_cannot_be_updated_or_deleted():
    receivable, escrow = accounts()
    journal, _ = journal_post(key="k:1", kind="test", legs=[(receivable, 500), (escrow, -500)])
    leg = journal.legs.first()
    assert leg is not None
    for attempt in (
        lambda: JournalLeg.objects.filter(pk=leg.pk).update(amount=1),
        lambda: JournalLeg.objects.filter(pk=leg.pk).delete(),
        lambda: Journal.objects.filter(pk=journal.pk).update(reason="changed"),
        # (Django's own PROTECT check would stop a queryset delete before the database does.)
        lambda: Journal.objects.filter(pk=journal.pk)._raw_delete(Journal.objects.db),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE payments_journalleg SET amount = amount * 2")
    assert list(JournalLeg.objects.order_by("pk").values_list("amount", flat=True)) == [500, -500]
    assert Journal.objects.get().reason == ""


@pytest.mark.django_db
def test_journal_post_twice_is_one_journal():
    receivable, escrow = accounts()
    first, posted = journal_post(key="paid:7", kind="test", legs=[(receivable, 9), (escrow, -9)])
    again, posted_again = journal_post(
        key="paid:7", kind="test", legs=[(receivable, 9), (escrow, -9)]
    )
    assert (posted, posted_again) == (True, False)
    assert again.pk == first.pk
    assert Journal.objects.count() == 1
    assert JournalLeg.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_journal_post_from_two_threads_at_once_is_one_journal():
    receivable, escrow = accounts()
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                journal, posted = journal_post(
                    key="complete:42", kind="test", legs=[(receivable, 70), (escrow, -70)]
                )
            results.append((journal.pk, posted))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(posted for _pk, posted in results) == [False, True]
    assert len({pk for pk, _posted in results}) == 1
    assert Journal.objects.count() == 1
    assert account_balance(receivable) == 70
