"""Balance pages: the shop owner's figures (in escrow, available, paid out), completed orders with
gross, commission and net, payout history; the community coordinator's share by month and by shop
and its payouts. Only the owner (seller centre) and coordinators (community centre) see them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments.services.payouts import payout_line_mark_transferred, payout_run
from tests.factories import UserFactory
from tests.payments.ledger_support import make_order, pay
from tests.payments.payouts_support import agreement_70_30, bank, earn, new_shop
from vendors.models import CommunityMember, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _minimum(settings) -> None:
    settings.KOMEJI_PAYOUT_MINIMUM = 50_000


@pytest.fixture
def community_shop(shop, malang_community) -> Shop:
    Shop.objects.filter(pk=shop.pk).update(community=malang_community)
    shop.refresh_from_db()
    agreement_70_30(malang_community)
    return shop


@pytest.fixture
def sales(buyer, community_shop) -> Shop:
    """Two completed orders and one paid, not yet completed:

    - 2 x Rp 100.000 at 5 % + Rp 10.000 shipping: gross 210.000, commission 10.000, net 200.000
      (community 3.000).
    - 1 x Rp 50.000 at 10 %: gross 50.000, commission 5.000, net 45.000 (community 1.500).
    - 1 x Rp 30.000 + Rp 9.000 shipping, paid: Rp 39.000 in escrow.
    """
    earn(buyer, community_shop, [(100_000, 2, 500)], 10_000)
    earn(buyer, community_shop, [(50_000, 1, 1000)])
    pay(make_order(buyer, [(community_shop, [(30_000, 1, 500)], 9_000)]))
    return community_shop


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"><strong>([^<]*)</strong>', html)
    assert match, name
    return match.group(1)


def rows(html: str, testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S)
    assert table, testid
    body = table.group(1).split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def shop_url(shop: Shop) -> str:
    return reverse("payments:shop_balance", args=[shop.pk])


# --- Seller centre --------------------------------------------------------------------------------


def test_owner_sees_escrow_available_and_completed_orders(client, owner, sales):
    client.force_login(owner)

    html = client.get(shop_url(sales)).content.decode()

    assert figure(html, "in_escrow") == "Rp 39.000"
    assert figure(html, "available") == "Rp 245.000"
    assert figure(html, "paid_out") == "Rp 0"
    first, second = sales.orders.filter(status="completed").select_related("order").order_by("pk")
    # Newest completion first.
    assert [(r[0], r[2], r[3], r[4]) for r in rows(html, "completed-orders")] == [
        (second.order.number, "Rp 50.000", "Rp 5.000", "Rp 45.000"),
        (first.order.number, "Rp 210.000", "Rp 10.000", "Rp 200.000"),
    ]
    assert "payout-history" not in html


def test_paid_out_and_history_after_a_transfer(client, owner, sales):
    bank(sales, number="1234567890")
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(shop=sales)
    payout_line_mark_transferred(line_id=line.pk, reference="BCA-TRF-9", actor=None)
    client.force_login(owner)

    html = client.get(shop_url(sales)).content.decode()

    assert figure(html, "available") == "Rp 0"
    assert figure(html, "paid_out") == "Rp 245.000"
    assert figure(html, "in_escrow") == "Rp 39.000"
    history = rows(html, "payout-history")
    assert [(r[1], r[2], r[3]) for r in history] == [("2026-W48", "Rp 245.000", "014 ••••7890")]
    assert "BCA-TRF-9" in history[0][4]


def test_query_count_does_not_grow_with_orders_or_payouts(client, owner, buyer, sales):
    bank(sales)
    client.force_login(owner)
    url = shop_url(sales)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        earn(buyer, sales, [(60_000, 1, 500)])
    payout_run(period_key="2026-W48")

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(rows(response.content.decode(), "completed-orders")) == 5
    assert len(few) == len(many) == 14


def test_only_the_owner_sees_the_shop_balance(client, owner, staff, outsider, sales):
    url = shop_url(sales)
    dashboard = reverse("vendors:dashboard", args=[sales.pk])
    assert client.get(url).status_code == 302  # to the login page

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert client.get(url).status_code == 404
    assert url not in client.get(dashboard).content.decode()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200
    assert url in client.get(dashboard).content.decode()
    assert client.post(url).status_code == 405


# --- Community centre -----------------------------------------------------------------------------


@pytest.fixture
def coordinator(malang_community):
    user = UserFactory(full_name="Koordinator Malang")
    CommunityMember.objects.create(community=malang_community, user=user, role="coordinator")
    return user


def test_coordinator_sees_share_by_month_and_by_shop(
    client, coordinator, buyer, sales, malang_community
):
    other = new_shop("Toko Batik Malang")
    Shop.objects.filter(pk=other.pk).update(community=malang_community)
    other.refresh_from_db()
    earn(buyer, other, [(200_000, 1, 500)])  # commission 10.000: community 3.000
    client.force_login(coordinator)

    html = client.get(reverse("payments:community_balance")).content.decode()

    assert figure(html, "available") == "Rp 7.500"
    assert figure(html, "paid_out") == "Rp 0"
    month = timezone.localdate().strftime("%Y-%m")
    assert f'data-month="{month}"' in html
    assert [(r[1], r[2]) for r in rows(html, "share-by-month")] == [("3", "Rp 7.500")]
    assert rows(html, "share-by-shop") == [
        ["Keripik Tempe Bu Siti", "2", "Rp 4.500"],
        ["Toko Batik Malang", "1", "Rp 3.000"],
    ]


def test_community_payouts_in_history(client, coordinator, buyer, community_shop, malang_community):
    # Rp 2.000.000 at 10 %: commission 200.000, the community's 30 % = 60.000
    earn(buyer, community_shop, [(2_000_000, 1, 1000)])
    bank(malang_community, number="9876543210", code="114")
    run = payout_run(period_key="2026-W48")
    line = run.lines.get(community=malang_community)
    payout_line_mark_transferred(line_id=line.pk, reference="JATIM-1", actor=None)
    client.force_login(coordinator)

    url = reverse("payments:community_balance")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()

    assert figure(html, "available") == "Rp 0"
    assert figure(html, "paid_out") == "Rp 60.000"
    assert [(r[1], r[2]) for r in rows(html, "payout-history")] == [("2026-W48", "Rp 60.000")]
    assert len(queries) == 11


def test_only_coordinators_see_the_community_balance(
    client, coordinator, other_mentor, outsider, malang_community
):
    url = reverse("payments:community_balance")
    home = reverse("vendors:community_home")
    client.force_login(other_mentor)  # a mentor of the same community
    assert client.get(url).status_code == 404
    assert url not in client.get(home).content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    assert url in client.get(home).content.decode()
