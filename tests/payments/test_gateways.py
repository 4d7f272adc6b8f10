"""The gateways behind one interface. Midtrans is reached over HTTP at a local server speaking its
documented protocol (tests/payments/midtrans_server.py); the sandbox is Komeji's own."""

import base64
import hashlib

import pytest

from orders.models import Order
from payments.gateways import sandbox
from payments.gateways.base import GatewayError, gateway_for
from payments.gateways.midtrans import ENABLED_PAYMENTS, MidtransGateway
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, PaymentStatus
from payments.services.payments import payment_start
from tests.orders.conftest import *  # noqa: F403
from tests.orders.conftest import fill_cart, place, variant
from tests.payments.midtrans_server import *  # noqa: F403 (the midtrans fixture)
from tests.payments.midtrans_server import SERVER_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(buyer, address, tempe, batik) -> Order:
    """Keripik Tempe: 3 x Pedas Rp 25.000 + 1 x Original Rp 45.000, JNE REG Rp 15.000;
    Batik: 2 x Rp 350.000, SiCepat Rp 12.000. Grand total Rp 847.000."""
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))
    return place(buyer, address)


def test_the_registry_finds_each_gateway_and_refuses_an_unknown_one():
    assert isinstance(gateway_for("sandbox"), SandboxGateway)
    assert isinstance(gateway_for("midtrans"), MidtransGateway)
    with pytest.raises(GatewayError):
        gateway_for("paypal")


# --- Midtrans -----------------------------------------------------------------------------------


def test_midtrans_snap_create_sends_the_documented_request(midtrans, order, buyer, address):
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")

    assert len(midtrans.requests) == 1
    sent = midtrans.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/snap/v1/transactions")
    assert sent["auth"] == "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    assert sent["content_type"] == "application/json"
    body = sent["body"]
    assert body["transaction_details"] == {
        "order_id": f"{order.number}-1",
        "gross_amount": 847_000,
    }
    tempe_part = order.shop_orders.get(shop_name="Keripik Tempe Bu Siti")
    batik_part = order.shop_orders.get(shop_name="Batik Tulis Jetis")
    first, second = sorted([tempe_part, batik_part], key=lambda so: so.pk)
    items_of = {
        tempe_part.pk: [
            {
                "id": "KTP-250",
                "price": 25_000,
                "quantity": 3,
                "name": "Keripik Tempe Pedas (Pedas, 250 g)",
                "merchant_name": "Keripik Tempe Bu Siti",
            },
            {
                "id": "KTO-500",
                "price": 45_000,
                "quantity": 1,
                "name": "Keripik Tempe Pedas (Original, 500 g)",
                "merchant_name": "Keripik Tempe Bu Siti",
            },
            {
                "id": f"SHIP-{tempe_part.pk}",
                "price": 15_000,
                "quantity": 1,
                "name": "Ongkir JNE REG",
                "merchant_name": "Keripik Tempe Bu Siti",
            },
        ],
        batik_part.pk: [
            {
                "id": "BTJ-01",
                "price": 350_000,
                "quantity": 2,
                "name": "Batik Tulis Jetis Sidoarjo",
                "merchant_name": "Batik Tulis Jetis",
            },
            {
                "id": f"SHIP-{batik_part.pk}",
                "price": 12_000,
                "quantity": 1,
                "name": "Ongkir SiCepat REG",
                "merchant_name": "Batik Tulis Jetis",
            },
        ],
    }
    assert body["item_details"] == items_of[first.pk] + items_of[second.pk]
    assert body["customer_details"]["first_name"] == "Ani Wulandari"
    assert body["customer_details"]["email"] == buyer.email
    assert body["customer_details"]["phone"] == address.phone
    assert body["enabled_payments"] == [
        "bca_va",
        "bni_va",
        "bri_va",
        "echannel",
        "permata_va",
        "other_qris",
        "gopay",
        "shopeepay",
        "indomaret",
        "alfamart",
    ]
    assert body["enabled_payments"] == ENABLED_PAYMENTS
    # Until the order's payment deadline (24 h after placing it, a few seconds ago).
    assert body["expiry"] == {"unit": "minute", "duration": 24 * 60 - 1}
    assert body["callbacks"]["finish"].endswith(f"/pesanan/{order.number}/")

    token = midtrans.transactions[f"{order.number}-1"]["token"]
    payment.refresh_from_db()
    assert payment.redirect_url == f"{midtrans.url}/snap/v4/redirection/{token}"
    assert payment.instructions == {"token": token}
    assert (payment.provider, payment.method, payment.amount, payment.status) == (
        "midtrans",
        "",
        847_000,
        PaymentStatus.PENDING,
    )
    assert payment.expires_at == order.payment_due_at


def test_a_reused_order_id_is_refused_by_midtrans(midtrans, order, buyer):
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")

    with pytest.raises(GatewayError, match="406"):
        MidtransGateway().create(payment)


def test_a_wrong_server_key_fails_the_attempt_and_the_next_one_gets_a_new_order_id(
    midtrans, order, buyer, settings
):
    settings.MIDTRANS_SERVER_KEY = "SB-Mid-server-WRONG"

    with pytest.raises(GatewayError, match="401"):
        payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")

    failed = Payment.objects.get(order=order)
    assert (failed.gateway_order_id, failed.status, failed.redirect_url) == (
        f"{order.number}-1",
        PaymentStatus.FAILED,
        "",
    )
    settings.MIDTRANS_SERVER_KEY = SERVER_KEY
    retried = payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")
    assert retried.gateway_order_id == f"{order.number}-2"
    assert retried.redirect_url.startswith(f"{midtrans.url}/snap/v4/redirection/")
    assert list(midtrans.transactions) == [f"{order.number}-2"]


def test_an_unreachable_midtrans_is_a_gateway_error(midtrans, order, buyer, settings):
    settings.MIDTRANS_SNAP_URL = "http://127.0.0.1:9"  # discard port: nobody listens

    with pytest.raises(GatewayError, match="could not be reached"):
        payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")

    assert Payment.objects.get(order=order).status == PaymentStatus.FAILED


def test_midtrans_status_reports_the_transaction(midtrans, order, buyer):
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")
    gateway = MidtransGateway()

    # The buyer has not chosen a channel on Snap yet: Midtrans has no transaction.
    assert gateway.status(payment) == {
        "status_code": "404",
        "status_message": "Transaction doesn't exist.",
    }
    midtrans.pay(payment.gateway_order_id)
    answer = gateway.status(payment)

    assert midtrans.requests[-1]["path"] == f"/v2/{payment.gateway_order_id}/status"
    assert midtrans.requests[-1]["method"] == "GET"
    assert (answer["status_code"], answer["transaction_status"], answer["gross_amount"]) == (
        "200",
        "settlement",
        "847000.00",
    )
    assert answer["order_id"] == payment.gateway_order_id


def test_midtrans_refund_is_idempotent_by_its_key(midtrans, order, buyer):
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="midtrans")
    gateway = MidtransGateway()
    with pytest.raises(GatewayError, match="412"):
        gateway.refund(payment, 5_000, f"{payment.gateway_order_id}-r1")  # not paid yet
    midtrans.pay(payment.gateway_order_id)

    first = gateway.refund(payment, 135_000, f"{payment.gateway_order_id}-r1")
    again = gateway.refund(payment, 135_000, f"{payment.gateway_order_id}-r1")

    assert midtrans.requests[-1]["path"] == f"/v2/{payment.gateway_order_id}/refund"
    assert midtrans.requests[-1]["body"] == {
        "refund_key": f"{payment.gateway_order_id}-r1",
        "amount": 135_000,
        "reason": "",
    }
    assert first == again
    assert (first["transaction_status"], first["refund_amount"]) == ("partial_refund", "135000.00")
    assert midtrans.transactions[payment.gateway_order_id]["refunded"] == 135_000
    with pytest.raises(GatewayError, match="413"):
        gateway.refund(payment, 712_001, f"{payment.gateway_order_id}-r2")


# --- Sandbox ------------------------------------------------------------------------------------


def test_sandbox_create_points_to_its_own_page(order, buyer):
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="sandbox", method="va")

    assert payment.redirect_url == f"/pembayaran/sandbox/{order.number}-1/"
    assert payment.instructions == {"method": "va", "va_number": f"8808{payment.pk:012d}"}
    qris = payment_start(order_id=order.pk, buyer=buyer, provider="sandbox", method="qris")
    assert qris.instructions == {
        "method": "qris",
        "qr_string": f"KOMEJI-SANDBOX:{order.number}-2:847000",
    }


@pytest.mark.parametrize(
    ("outcome", "status_code"), [("settlement", "200"), ("deny", "202"), ("expire", "407")]
)
def test_sandbox_notifications_are_signed_like_midtrans(
    order, buyer, settings, outcome, status_code
):
    settings.KOMEJI_SANDBOX_SERVER_KEY = "SB-Mid-server-TEST"
    payment = payment_start(order_id=order.pk, buyer=buyer, provider="sandbox", method="va")

    body = sandbox.notification(payment, outcome)

    assert body["order_id"] == f"{order.number}-1"
    assert (body["transaction_status"], body["status_code"]) == (outcome, status_code)
    assert body["gross_amount"] == "847000.00"
    raw = f"{order.number}-1{status_code}847000.00SB-Mid-server-TEST"
    assert body["signature_key"] == hashlib.sha512(raw.encode()).hexdigest()
    assert body["va_numbers"] == [{"bank": "sandbox", "va_number": f"8808{payment.pk:012d}"}]
    assert ("settlement_time" in body) is (outcome == "settlement")
    # The same payment's notifications share one transaction id (as Midtrans' do).
    assert body["transaction_id"] == sandbox.notification(payment, "expire")["transaction_id"]


def test_the_signature_matches_the_documented_vector(settings):
    from payments.gateways.signature import midtrans_signature

    assert midtrans_signature("KMJ-000123-1", "200", "150000.00", "SB-Mid-server-TEST") == (
        "14ed8f717939b87c196293ba3eadd9f60e4c1d035eac192e72fa1112ecce9d00"
        "e2714c1fd3fefb6d06931c2290acbbd3910f7bedb57f599bfb72860840df5608"
    )
