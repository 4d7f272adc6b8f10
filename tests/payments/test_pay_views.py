"""Paying from the buyer's order page and the sandbox payment page, through HTTP. A refused start
shows the service's message and creates nothing."""

import datetime as dt
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, ShopOrderStatus
from orders.services import transitions as t
from payments.models import Payment, PaymentNotification, PaymentStatus
from payments.tasks import sandbox_notify
from tests.orders.conftest import *  # noqa: F403
from tests.orders.conftest import fill_cart, place, variant
from tests.payments.midtrans_server import *  # noqa: F403 (the midtrans fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """English pages, for exact assertions (the msgids)."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def order(buyer, address, tempe, batik) -> Order:
    """Grand total Rp 847.000, from two shops."""
    fill_cart(buyer, (variant(tempe, 0), 3), (variant(tempe, 1), 1), (variant(batik), 2))
    return place(buyer, address)


def start_url(order: Order) -> str:
    return reverse("payments:pay_start", args=[order.number])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_start_redirects_to_the_sandbox_page(client, buyer, order):
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "sandbox:va"})

    payment = Payment.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == f"/pembayaran/sandbox/{order.number}-1/"
    assert (payment.provider, payment.method, payment.amount, payment.status) == (
        "sandbox",
        "va",
        847_000,
        PaymentStatus.PENDING,
    )
    assert payment.gateway_order_id == f"{order.number}-1"
    assert payment.expires_at == order.payment_due_at


def test_the_order_page_offers_the_checkout_choice_first(client, buyer, order, midtrans):
    Order.objects.filter(pk=order.pk).update(payment_method="midtrans")
    client.force_login(buyer)

    html = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()

    assert re.findall(r'name="choice" value="([^"]*)"', html) == [
        "midtrans:",
        "sandbox:va",
        "sandbox:qris",
        "sandbox:ewallet",
    ]


def test_midtrans_start_redirects_to_snap(client, buyer, order, midtrans):
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "midtrans:"})

    token = midtrans.transactions[f"{order.number}-1"]["token"]
    assert response["Location"] == f"{midtrans.url}/snap/v4/redirection/{token}"


def test_a_gateway_failure_is_a_message(client, buyer, order, midtrans, settings):
    settings.MIDTRANS_SERVER_KEY = "SB-Mid-server-WRONG"
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "midtrans:"}, follow=True)

    assert messages_of(response) == [
        "The payment gateway did not answer. Nothing was charged: try again in a moment."
    ]
    assert response.redirect_chain[-1][0] == reverse("orders:order_detail", args=[order.number])


def test_not_the_buyer_gets_404_and_nothing_is_created(client, order, outsider, owner):
    for person in (outsider, owner):
        client.force_login(person)
        assert client.post(start_url(order), {"choice": "sandbox:va"}).status_code == 404
    assert not Payment.objects.exists()


def test_an_order_not_awaiting_payment_is_refused(client, buyer, order):
    t.order_cancel(order_id=order.pk, actor=buyer)
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "sandbox:va"}, follow=True)

    assert messages_of(response) == ["This order is not waiting for payment."]
    assert not Payment.objects.exists()


def test_a_paid_order_is_refused(client, buyer, order):
    t.order_mark_paid(order_id=order.pk)
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "sandbox:va"}, follow=True)

    assert messages_of(response) == ["This order is not waiting for payment."]
    assert not Payment.objects.exists()


def test_an_order_past_its_payment_time_is_refused(client, buyer, order):
    Order.objects.filter(pk=order.pk).update(
        payment_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": "sandbox:va"}, follow=True)

    assert messages_of(response) == ["The time to pay this order has passed."]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("choice", ["midtrans:", "transfer:", "sandbox:card", "paypal:x", ""])
def test_a_method_not_offered_is_refused(client, buyer, order, choice):
    client.force_login(buyer)

    response = client.post(start_url(order), {"choice": choice}, follow=True)

    expected = "Choose how to pay." if not choice else "This payment method is not available."
    assert messages_of(response) == [expected]
    assert not Payment.objects.exists()


def test_a_second_start_reuses_the_pending_payment(client, buyer, order):
    client.force_login(buyer)

    first = client.post(start_url(order), {"choice": "sandbox:va"})
    second = client.post(start_url(order), {"choice": "sandbox:va"})
    other_method = client.post(start_url(order), {"choice": "sandbox:qris"})

    assert first["Location"] == second["Location"] == f"/pembayaran/sandbox/{order.number}-1/"
    assert other_method["Location"] == f"/pembayaran/sandbox/{order.number}-2/"
    assert Payment.objects.filter(order=order).count() == 2


def test_the_sandbox_page_shows_amount_and_virtual_account(client, buyer, order):
    client.force_login(buyer)
    client.post(start_url(order), {"choice": "sandbox:va"})
    payment = Payment.objects.get(order=order)

    html = client.get(f"/pembayaran/sandbox/{payment.gateway_order_id}/").content.decode()

    assert '<dd class="price" data-testid="sandbox-amount">Rp 847.000</dd>' in html
    assert f'<strong data-testid="va-number">8808{payment.pk:012d}</strong>' in html
    assert "Virtual account (sandbox)" in html
    for button in ("sandbox-pay", "sandbox-fail", "sandbox-expire"):
        assert f'data-testid="{button}"' in html
    assert 'data-testid="qr"' not in html


def test_the_sandbox_page_draws_the_qris_code_locally(client, buyer, order):
    client.force_login(buyer)
    client.post(start_url(order), {"choice": "sandbox:qris"})
    payment = Payment.objects.get(order=order)

    html = client.get(f"/pembayaran/sandbox/{payment.gateway_order_id}/").content.decode()

    assert '<dd class="price" data-testid="sandbox-amount">Rp 847.000</dd>' in html
    figure = re.search(r'<figure class="sandbox-qr" data-testid="qr">(.*?)</figure>', html, re.S)
    assert figure is not None
    assert figure.group(1).startswith('<svg width="') and "<path" in figure.group(1)
    assert "http" not in figure.group(1).split("<figcaption")[0]  # no outside image


def test_the_sandbox_page_is_404_for_anyone_else(client, buyer, order, outsider):
    client.force_login(buyer)
    client.post(start_url(order), {"choice": "sandbox:va"})
    payment = Payment.objects.get(order=order)
    client.force_login(outsider)

    page = client.get(f"/pembayaran/sandbox/{payment.gateway_order_id}/")
    act = client.post(
        f"/pembayaran/sandbox/{payment.gateway_order_id}/kirim/", {"outcome": "settlement"}
    )

    assert (page.status_code, act.status_code) == (404, 404)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_the_sandbox_page_is_404_when_the_sandbox_is_off(client, buyer, order, settings):
    client.force_login(buyer)
    client.post(start_url(order), {"choice": "sandbox:va"})
    payment = Payment.objects.get(order=order)
    settings.KOMEJI_PAYMENT_PROVIDERS = ["midtrans"]

    assert client.get(f"/pembayaran/sandbox/{payment.gateway_order_id}/").status_code == 404


def test_the_checkout_offers_only_the_enabled_gateways(client, buyer, address, tempe, settings):
    settings.KOMEJI_PAYMENT_PROVIDERS = ["sandbox", "transfer"]
    fill_cart(buyer, (variant(tempe, 0), 1))
    client.force_login(buyer)

    html = client.get(reverse("orders:checkout")).content.decode()

    assert re.findall(r'name="payment_method" value="([^"]*)"', html) == ["sandbox", "transfer"]
    with pytest.raises(Exception, match="Choose a payment method"):
        place(buyer, address, payment_method="midtrans")
    assert place(buyer, address, payment_method="transfer").payment_method == "transfer"


# --- The sandbox's notification, sent over HTTP -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sandbox_notify_pays_the_order_through_the_notification_endpoint(
    live_server, settings, jatim_regions, categories, buyer, address, tempe, batik
):
    settings.KOMEJI_BASE_URL = live_server.url
    fill_cart(buyer, (variant(tempe, 0), 1), (variant(batik), 1))
    order = place(buyer, address)
    payment = Payment.objects.create(
        order=order,
        provider="sandbox",
        method="va",
        gateway_order_id=f"{order.number}-1",
        amount=order.grand_total,
        expires_at=order.payment_due_at,
        redirect_url=f"/pembayaran/sandbox/{order.number}-1/",
    )

    result = sandbox_notify.apply(args=(payment.pk, "settlement"))
    again = sandbox_notify.apply(args=(payment.pk, "settlement"))

    assert (result.get(), again.get()) == (200, 200)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert set(order.shop_orders.values_list("status", flat=True)) == {ShopOrderStatus.PAID}
    assert PaymentNotification.objects.filter(payment=payment).count() == 1


class _FlakyEndpoint(BaseHTTPRequestHandler):
    """Answers 503 to the first POST, 200 after: the task must try again."""

    hits: list[bytes] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.hits.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(503 if len(self.hits) == 1 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_sandbox_notify_retries_a_5xx(buyer, order, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FlakyEndpoint.hits = []
    settings.KOMEJI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    payment = Payment.objects.create(
        order=order,
        provider="sandbox",
        method="qris",
        gateway_order_id=f"{order.number}-1",
        amount=order.grand_total,
        expires_at=order.payment_due_at,
    )
    try:
        result = sandbox_notify.apply(args=(payment.pk, "deny"))
    finally:
        server.shutdown()
        server.server_close()

    assert result.get() == 200
    assert len(_FlakyEndpoint.hits) == 2
    assert _FlakyEndpoint.hits[0] == _FlakyEndpoint.hits[1]
