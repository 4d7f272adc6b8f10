"""The manual bank transfer (gateway "transfer"): a unique 3-digit code added to the amount, the
buyer's transfer page and proof upload (checked by content, private), Finance's confirmation or
rejection in the admin, and the per-gateway payment expiry."""

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from komeji.common.models import AuditLog, Notification
from orders.models import Order, ShopOrderStatus
from payments.gateways.base import GatewayError
from payments.models import AccountKind, Journal, Payment, PaymentStatus, Provider
from payments.services.errors import PaymentNotFound, PaymentRefused
from payments.services.transfers import (
    transfer_code_assign,
    transfer_confirm,
    transfer_proof_upload,
)
from tests.factories import UserFactory
from tests.payments.conftest import payment_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _transfer_on(settings, tmp_path):
    settings.KOMEJI_PAYMENT_PROVIDERS = ["sandbox", "transfer"]
    settings.KOMEJI_TRANSFER_BANK_NAME = "Bank Jatim"
    settings.KOMEJI_TRANSFER_ACCOUNT_NUMBER = "0099887766"
    settings.KOMEJI_TRANSFER_ACCOUNT_HOLDER = "PT Komeji Test"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture
def client(client):
    """English pages, for exact assertions (the msgids)."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def stored_files(tmp_path) -> list[str]:
    root = tmp_path / "private"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def png_upload(name: str = "bukti.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def finance_user(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=codenames)
    )
    return UserFactory._meta.model.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def finance():
    return finance_user("view_payment", "change_payment")


def start_transfer(client, buyer, order: Order) -> Payment:
    client.force_login(buyer)
    response = client.post(
        reverse("payments:pay_start", args=[order.number]), {"choice": "transfer:bank"}
    )
    payment = Payment.objects.get(order=order, provider=Provider.TRANSFER)
    assert response.status_code == 302
    assert response["Location"] == f"/pembayaran/transfer/{payment.gateway_order_id}/"
    return payment


@pytest.fixture
def transfer(client, buyer, order) -> Payment:
    return start_transfer(client, buyer, order)


@pytest.fixture
def with_proof(transfer, buyer) -> Payment:
    return transfer_proof_upload(payment_id=transfer.pk, buyer=buyer, file=png_upload())


def page_url(payment: Payment) -> str:
    return reverse("payments:transfer_page", args=[payment.gateway_order_id])


def legs_of(journal: Journal) -> dict[str, int]:
    return {leg.account.kind: leg.amount for leg in journal.legs.select_related("account")}


# --- Starting: the code and the page ------------------------------------------------------------


def test_start_adds_a_unique_code_and_shows_the_exact_amount(client, buyer, order, transfer):
    code = transfer.unique_code
    assert code is not None and 1 <= code <= 999
    assert transfer.amount == order.grand_total + code
    assert (transfer.status, transfer.method, transfer.instructions["unique_code"]) == (
        PaymentStatus.PENDING,
        "bank",
        code,
    )

    html = client.get(page_url(transfer)).content.decode()

    digits = f"{transfer.amount:,}".replace(",", ".")
    head, tail = digits[:-3], digits[-3:]
    assert f"Rp&nbsp;{head}<strong" in html and f">{tail}</strong>" in html
    assert "0099887766" in html and "Bank Jatim" in html and "PT Komeji Test" in html
    assert "The last 3 digits matter" in html
    assert 'data-testid="transfer-proof-form"' in html


def test_a_second_start_reuses_the_transfer_and_its_code(client, buyer, order, transfer):
    again = start_transfer(client, buyer, order)

    assert (again.pk, again.unique_code, again.amount) == (
        transfer.pk,
        transfer.unique_code,
        transfer.amount,
    )


def test_codes_are_unique_among_open_transfers(order):
    # Given: codes 1..998 held by open transfers; 999 only by an expired one and a sandbox one.
    Payment.objects.bulk_create(
        Payment(
            order=order,
            provider=Provider.TRANSFER,
            method="bank",
            gateway_order_id=f"FILL-{code}",
            amount=order.grand_total + code,
            expires_at=order.payment_due_at,
            unique_code=code,
        )
        for code in range(1, 999)
    )
    for status, provider, key in (
        (PaymentStatus.EXPIRED, Provider.TRANSFER, "OLD"),
        (PaymentStatus.PENDING, Provider.SANDBOX, "SB"),
    ):
        Payment.objects.create(
            order=order,
            provider=provider,
            method="bank",
            gateway_order_id=key,
            amount=order.grand_total + 999,
            status=status,
            expires_at=order.payment_due_at,
            unique_code=999,
        )
    new = payment_for(order, attempt=1, provider=Provider.TRANSFER)

    assert transfer_code_assign(payment_id=new.pk) == 999

    new.refresh_from_db()
    assert (new.unique_code, new.amount) == (999, order.grand_total + 999)
    # Called again: the same code, the amount not raised twice.
    assert transfer_code_assign(payment_id=new.pk) == 999
    new.refresh_from_db()
    assert new.amount == order.grand_total + 999


def test_no_free_code_refuses_and_changes_nothing(order):
    Payment.objects.bulk_create(
        Payment(
            order=order,
            provider=Provider.TRANSFER,
            method="bank",
            gateway_order_id=f"FILL-{code}",
            amount=order.grand_total + code,
            expires_at=order.payment_due_at,
            unique_code=code,
        )
        for code in range(1, 1000)
    )
    new = payment_for(order, attempt=1, provider=Provider.TRANSFER)

    with pytest.raises(GatewayError):
        transfer_code_assign(payment_id=new.pk)

    new.refresh_from_db()
    assert (new.unique_code, new.amount) == (None, order.grand_total)


def test_stale_transfers_without_proof_free_their_codes(order, with_proof):
    # Given: every other code held by transfers past their time, one of them with a proof.
    past = timezone.now() - dt.timedelta(minutes=1)
    Payment.objects.filter(pk=with_proof.pk).update(expires_at=past)
    taken = {with_proof.unique_code}
    Payment.objects.bulk_create(
        Payment(
            order=order,
            provider=Provider.TRANSFER,
            method="bank",
            gateway_order_id=f"FILL-{code}",
            amount=order.grand_total + code,
            expires_at=past,
            unique_code=code,
        )
        for code in range(1, 1000)
        if code not in taken
    )
    new = payment_for(order, attempt=9, provider=Provider.TRANSFER)

    code = transfer_code_assign(payment_id=new.pk)

    assert code != with_proof.unique_code
    statuses = dict(
        Payment.objects.filter(gateway_order_id__startswith="FILL-").values_list(
            "unique_code", "status"
        )
    )
    assert set(statuses.values()) == {PaymentStatus.EXPIRED}
    assert Payment.objects.get(pk=with_proof.pk).status == PaymentStatus.PENDING


def test_the_database_refuses_a_code_twice_among_open_transfers(order):
    first = payment_for(order, attempt=1, provider=Provider.TRANSFER)
    second = payment_for(order, attempt=2, provider=Provider.TRANSFER)
    Payment.objects.filter(pk=first.pk).update(unique_code=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=second.pk).update(unique_code=7)

    assert Payment.objects.get(pk=second.pk).unique_code is None


# --- The proof ----------------------------------------------------------------------------------


def test_the_buyer_uploads_a_proof_and_sees_it(client, buyer, transfer, tmp_path):
    response = client.post(
        reverse("payments:transfer_proof", args=[transfer.gateway_order_id]),
        {"proof": png_upload()},
    )

    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.proof.name.startswith("transfer-proofs/") and transfer.proof_uploaded_at
    assert stored_files(tmp_path) == [transfer.proof.name]
    html = client.get(page_url(transfer)).content.decode()
    assert 'data-testid="transfer-waiting"' in html
    proof = client.get(reverse("payments:transfer_proof_file", args=[transfer.gateway_order_id]))
    assert (proof.status_code, proof["Content-Type"]) == (200, "image/png")
    assert b"".join(proof.streaming_content).startswith(b"\x89PNG")
    assert proof["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n not really a png",
        b"GIF89a" + b"\x00" * 40,
    ],
)
def test_a_disguised_file_is_refused_and_nothing_stored(client, buyer, transfer, tmp_path, content):
    response = client.post(
        reverse("payments:transfer_proof", args=[transfer.gateway_order_id]),
        {"proof": SimpleUploadedFile("bukti.png", content, content_type="image/png")},
    )

    assert response.status_code == 200
    assert "Upload a JPEG or PNG photo or a PDF file" in response.content.decode()
    transfer.refresh_from_db()
    assert (transfer.proof.name, transfer.proof_uploaded_at) == ("", None)
    assert stored_files(tmp_path) == []


def test_only_the_buyer_uploads_or_sees_the_proof(client, with_proof, tmp_path):
    stranger = UserFactory()
    client.force_login(stranger)
    key = with_proof.gateway_order_id

    statuses = [
        client.get(page_url(with_proof)).status_code,
        client.get(reverse("payments:transfer_proof_file", args=[key])).status_code,
        client.post(
            reverse("payments:transfer_proof", args=[key]), {"proof": png_upload()}
        ).status_code,
    ]

    assert statuses == [404, 404, 404]
    with pytest.raises(PaymentNotFound):
        transfer_proof_upload(payment_id=with_proof.pk, buyer=stranger, file=png_upload())
    assert stored_files(tmp_path) == [Payment.objects.get(pk=with_proof.pk).proof.name]


def test_a_new_proof_replaces_the_old_file(
    buyer, with_proof, tmp_path, django_capture_on_commit_callbacks
):
    old = with_proof.proof.name
    with django_capture_on_commit_callbacks(execute=True):
        new = transfer_proof_upload(payment_id=with_proof.pk, buyer=buyer, file=png_upload())

    assert new.proof.name != old
    assert stored_files(tmp_path) == [new.proof.name]


# --- Finance's decision -------------------------------------------------------------------------


def admin_url(name: str, payment: Payment) -> str:
    return reverse(f"admin:payments_payment_transfer_{name}", args=[payment.pk])


def test_finance_lists_opens_and_confirms_a_transfer(client, finance, order, with_proof):
    client.force_login(finance)
    listing = client.get(reverse("admin:payments_payment_transfers")).content.decode()
    assert f'data-testid="transfer-{with_proof.pk}"' in listing
    proof = client.get(admin_url("proof", with_proof))
    assert (proof.status_code, proof["Content-Type"]) == (200, "image/png")
    assert AuditLog.objects.filter(
        action="payment.transfer_proof_viewed", actor=finance, object_id=str(with_proof.pk)
    ).exists()

    response = client.post(admin_url("confirm", with_proof))

    assert response.status_code == 302
    payment = Payment.objects.get(pk=with_proof.pk)
    order.refresh_from_db()
    assert (payment.status, payment.decided_by, payment.flagged_at) == (
        PaymentStatus.PAID,
        finance,
        None,
    )
    assert order.paid_at is not None
    assert set(order.shop_orders.values_list("status", flat=True)) == {ShopOrderStatus.PAID}
    journal = Journal.objects.get(idempotency_key=f"paid:{payment.pk}")
    assert legs_of(journal) == {
        AccountKind.GATEWAY_RECEIVABLE: order.grand_total + payment.unique_code,
        AccountKind.ESCROW: -order.grand_total,
        AccountKind.PLATFORM_REVENUE: -payment.unique_code,
    }
    assert journal.actor == finance
    change_page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert change_page.status_code == 200 and "field-unique_code" in change_page.content.decode()
    assert AuditLog.objects.filter(action="payment.transfer_confirmed", actor=finance).count() == 1
    assert (
        f'data-testid="transfer-{payment.pk}"'
        not in client.get(reverse("admin:payments_payment_transfers")).content.decode()
    )


def test_confirming_twice_books_once(finance, with_proof):
    assert transfer_confirm(payment_id=with_proof.pk, actor=finance) is True
    assert transfer_confirm(payment_id=with_proof.pk, actor=finance) is False

    assert Journal.objects.filter(payment=with_proof).count() == 1
    assert AuditLog.objects.filter(action="payment.transfer_confirmed").count() == 1


def test_finance_rejects_with_a_reason_the_buyer_reads(
    client, buyer, finance, order, with_proof, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url("reject", with_proof), {"reason": "No such transfer."})

    assert response.status_code == 302
    payment = Payment.objects.get(pk=with_proof.pk)
    assert (payment.status, payment.proof.name, payment.rejection_reason, payment.decided_by) == (
        PaymentStatus.PENDING,
        "",
        "No such transfer.",
        finance,
    )
    assert stored_files(tmp_path) == []
    assert not Journal.objects.filter(payment=payment).exists()
    assert Order.objects.get(pk=order.pk).paid_at is None
    assert Notification.objects.filter(recipient=buyer, kind="transfer_rejected").count() == 1
    assert AuditLog.objects.filter(
        action="payment.transfer_rejected", reason="No such transfer."
    ).exists()
    client.force_login(buyer)
    html = client.get(page_url(payment)).content.decode()
    assert 'data-testid="transfer-rejected"' in html and "No such transfer." in html
    assert 'data-testid="transfer-proof-form"' in html


def test_a_reject_without_reason_changes_nothing(client, finance, with_proof):
    client.force_login(finance)

    client.post(admin_url("reject", with_proof), {"reason": "  "})

    payment = Payment.objects.get(pk=with_proof.pk)
    assert (payment.proof.name, payment.rejection_reason) == (with_proof.proof.name, "")


def test_without_the_right_nobody_confirms(client, buyer, order, with_proof):
    viewer = finance_user("view_payment")
    outsider = UserFactory()

    client.force_login(viewer)
    statuses = [client.post(admin_url("confirm", with_proof)).status_code]
    client.force_login(outsider)
    statuses += [
        client.post(admin_url("confirm", with_proof)).status_code,
        client.get(admin_url("proof", with_proof)).status_code,
    ]

    assert statuses == [403, 302, 302]  # the admin sends non-staff to its login page
    for actor in (viewer, outsider, buyer):
        with pytest.raises(PaymentNotFound):
            transfer_confirm(payment_id=with_proof.pk, actor=actor)
    assert Payment.objects.get(pk=with_proof.pk).status == PaymentStatus.PENDING
    assert not Journal.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="payment.transfer").exists()


def test_a_transfer_without_proof_cannot_be_confirmed(finance, transfer):
    with pytest.raises(PaymentRefused):
        transfer_confirm(payment_id=transfer.pk, actor=finance)

    assert Payment.objects.get(pk=transfer.pk).status == PaymentStatus.PENDING


# --- Expiry per gateway -------------------------------------------------------------------------


def test_each_gateway_has_its_own_expiry_capped_by_the_order(client, buyer, order, settings):
    settings.KOMEJI_PAYMENT_EXPIRY_HOURS = {"transfer": 2, "sandbox": 48}
    before = timezone.now()

    transfer = start_transfer(client, buyer, order)
    client.post(reverse("payments:pay_start", args=[order.number]), {"choice": "sandbox:va"})
    after = timezone.now()

    sandbox = Payment.objects.get(order=order, provider=Provider.SANDBOX)
    assert before + dt.timedelta(hours=2) <= transfer.expires_at <= after + dt.timedelta(hours=2)
    assert sandbox.expires_at == order.payment_due_at  # 48 h is past the order's own time
