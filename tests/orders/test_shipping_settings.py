"""The shop's shipping set-up over HTTP (/seller/<shop>/pengiriman/): add couriers with one price
for all of Jawa Timur, or a copy of another's rates, or none; the rate table per kabupaten/kota;
in use / not in use; delete. Owner and staff only; bad input changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from komeji.common.models import Region
from orders.models import Courier, ShippingMethod, ShippingRate, ShopOrder
from orders.services import shipping as services
from orders.services.errors import OrderNotFound, OrderRefused
from orders.services.shipping import RateInput
from tests.orders.conftest import fill_cart, place, ships_everywhere, variant

pytestmark = pytest.mark.django_db

SURABAYA = "3578"
MALANG = "3573"
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture
def client(client, settings):
    """Messages are checked in English (the msgids); one test below reads the Indonesian page."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def settings_url(shop) -> str:
    return reverse("orders:shipping_settings", args=[shop.pk])


def method_url(shop, method) -> str:
    return reverse("orders:shipping_method", args=[shop.pk, method.pk])


def rows(method) -> list[tuple]:
    return list(
        ShippingRate.objects.filter(method=method)
        .order_by("region__code", "pk")
        .values_list(
            "region__code", "first_kg_price", "next_kg_price", "eta_days_min", "eta_days_max"
        )
    )


def add(client, shop, **data):
    form = {
        "courier": "",
        "service": "",
        "first_kg_price": "",
        "next_kg_price": "",
        "eta_days_min": "",
        "eta_days_max": "",
        **data,
    }
    return client.post(settings_url(shop), form)


# --- Adding couriers -----------------------------------------------------------------------------


def test_a_new_shop_is_told_buyers_cannot_order_yet_and_sees_the_worked_example(
    client, verified_shop, owner
):
    client.force_login(owner)

    response = client.get(settings_url(verified_shop))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-courier"' in html
    # The sample example before the shop has prices of its own.
    assert (
        f"Example: 1.3 kg to Kota Surabaya = Rp 10.000 + 1 {TIMES} Rp 5.000 = "
        "<strong>Rp 15.000</strong>" in html
    )


def test_the_indonesian_page_writes_the_weight_with_a_decimal_comma(verified_shop, owner):
    indonesian = Client()
    indonesian.force_login(owner)

    html = indonesian.get(settings_url(verified_shop)).content.decode()

    assert "1,3 kg" in html
    assert f"Rp 10.000 + 1 {TIMES} Rp 5.000" in html


def test_one_form_sets_up_a_courier_with_one_price_for_all_of_jawa_timur(
    client, verified_shop, owner
):
    client.force_login(owner)

    response = add(
        client,
        verified_shop,
        courier=Courier.JNE,
        service=" REG ",
        first_kg_price="Rp 9.000",
        next_kg_price="4.000",
        eta_days_min="1",
        eta_days_max="2",
    )

    assert response.status_code == 302
    assert response["Location"] == settings_url(verified_shop)
    method = ShippingMethod.objects.get(shop=verified_shop)
    assert (method.courier, method.service, method.is_active) == ("jne", "REG", True)
    assert rows(method) == [(None, 9_000, 4_000, 1, 2)]
    html = client.get(settings_url(verified_shop)).content.decode()
    assert 'data-testid="no-courier"' not in html
    assert f"Kota Surabaya = Rp 9.000 + 1 {TIMES} Rp 4.000 = <strong>Rp 13.000</strong>" in html


def test_a_courier_added_without_prices_leads_to_its_rate_table(client, verified_shop, owner):
    client.force_login(owner)

    response = add(client, verified_shop, courier=Courier.SICEPAT, service="BEST")

    method = ShippingMethod.objects.get(shop=verified_shop)
    assert response["Location"] == method_url(verified_shop, method)
    assert rows(method) == []
    html = client.get(method_url(verified_shop, method)).content.decode()
    assert "buyers cannot choose this courier" in html
    # Without a price it does not count as a courier buyers can use.
    assert 'data-testid="no-courier"' in client.get(settings_url(verified_shop)).content.decode()


def test_rates_can_be_copied_from_another_courier(client, verified_shop, owner):
    jne = ships_everywhere(verified_shop, first=10_000, next_kg=5_000)
    ships_everywhere(verified_shop, first=7_000, next_kg=3_000, region=region(SURABAYA))
    client.force_login(owner)

    add(client, verified_shop, courier=Courier.JNT, service="EZ", copy_from=str(jne.pk))

    jnt = ShippingMethod.objects.get(shop=verified_shop, courier=Courier.JNT)
    assert rows(jnt) == rows(jne) == [(SURABAYA, 7_000, 3_000, 1, 3), (None, 10_000, 5_000, 1, 3)]


def test_pick_up_at_the_shop_takes_no_prices(client, verified_shop, staff):
    client.force_login(staff)

    add(client, verified_shop, courier=Courier.PICKUP, first_kg_price="5.000")

    method = ShippingMethod.objects.get(shop=verified_shop)
    assert method.courier == Courier.PICKUP
    assert rows(method) == []
    html = client.get(settings_url(verified_shop)).content.decode()
    assert 'data-testid="no-courier"' not in html
    # The pick-up method has no rate page.
    assert client.get(method_url(verified_shop, method))["Location"] == settings_url(verified_shop)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"courier": "gojek"}, "courier", "Select a valid choice"),
        ({"first_kg_price": "10.000,50"}, "first_kg_price", "whole rupiah"),
        ({"first_kg_price": "-5000"}, "first_kg_price", "whole rupiah"),
        ({"first_kg_price": "Rp 10.000.001"}, "first_kg_price", "at most Rp 10.000.000"),
        ({"next_kg_price": ""}, "next_kg_price", "each further kg"),
        ({"eta_days_min": "4", "eta_days_max": "2"}, "eta_days_max", "cannot be fewer"),
        ({"eta_days_max": "31"}, "eta_days_max", "30"),
        ({"service": "X" * 31}, "service", "31"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_added(
    client, verified_shop, owner, data, field, message
):
    client.force_login(owner)
    good = {
        "courier": Courier.JNE,
        "service": "REG",
        "first_kg_price": "10.000",
        "next_kg_price": "5.000",
        "eta_days_min": "1",
        "eta_days_max": "3",
    }

    response = add(client, verified_shop, **{**good, **data})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not ShippingMethod.objects.filter(shop=verified_shop).exists()
    assert not ShippingRate.objects.exists()


def test_the_same_courier_and_service_twice_is_refused_kindly(client, verified_shop, owner):
    ships_everywhere(verified_shop, courier=Courier.JNE, service="REG")
    client.force_login(owner)

    response = add(client, verified_shop, courier=Courier.JNE, service="reg")

    assert response.status_code == 200
    assert "JNE reg is already in your list" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert ShippingMethod.objects.filter(shop=verified_shop).count() == 1
    # Another service of the same courier is fine.
    add(client, verified_shop, courier=Courier.JNE, service="YES")
    assert ShippingMethod.objects.filter(shop=verified_shop).count() == 2


def test_copy_and_one_price_together_are_refused(client, verified_shop, owner):
    jne = ships_everywhere(verified_shop)
    client.force_login(owner)

    response = add(
        client,
        verified_shop,
        courier=Courier.POS,
        first_kg_price="8.000",
        next_kg_price="4.000",
        eta_days_min="2",
        eta_days_max="4",
        copy_from=str(jne.pk),
    )

    assert response.status_code == 200
    assert "copy_from" in response.context["form"].errors
    assert not ShippingMethod.objects.filter(courier=Courier.POS).exists()


# --- The rate table ------------------------------------------------------------------------------


def rate_form(region_code: str | None = None, **data) -> dict:
    return {
        "region": str(region(region_code).pk) if region_code else "",
        "first_kg_price": "10.000",
        "next_kg_price": "5.000",
        "eta_days_min": "1",
        "eta_days_max": "3",
        **data,
    }


def test_rows_per_kabupaten_kota_and_a_default_row(client, verified_shop, owner):
    method = ShippingMethod.objects.create(shop=verified_shop, courier=Courier.JNE, service="REG")
    client.force_login(owner)
    url = method_url(verified_shop, method)

    first = client.post(url, rate_form(SURABAYA, first_kg_price="Rp 8.000", eta_days_max="2"))
    second = client.post(url, rate_form(None, first_kg_price="12.000", next_kg_price="6.000"))

    assert first.status_code == second.status_code == 302
    assert rows(method) == [(SURABAYA, 8_000, 5_000, 1, 2), (None, 12_000, 6_000, 1, 3)]
    html = client.get(url).content.decode()
    assert "All other kabupaten/kota" in html
    assert f"Kota Surabaya = Rp 8.000 + 1 {TIMES} Rp 5.000 = <strong>Rp 13.000</strong>" in html


def test_a_second_row_for_the_same_destination_is_a_form_error(client, verified_shop, owner):
    method = ships_everywhere(verified_shop, region=region(SURABAYA))
    ships_everywhere(verified_shop)  # the default row of the same method
    client.force_login(owner)
    before = rows(method)

    again = client.post(method_url(verified_shop, method), rate_form(SURABAYA, first_kg_price="1"))
    default_again = client.post(method_url(verified_shop, method), rate_form(None))

    assert again.status_code == default_again.status_code == 200
    assert "already a row for Kota Surabaya" in " ".join(again.context["form"].errors["region"])
    assert "Choose a kabupaten/kota" in " ".join(default_again.context["form"].errors["region"])
    assert rows(method) == before


def test_the_service_refuses_a_duplicate_destination_too(verified_shop, owner):
    method = ships_everywhere(verified_shop, region=region(SURABAYA))
    with pytest.raises(OrderRefused, match="already has a price to Kota Surabaya"):
        services.shipping_rate_save(
            shop_id=verified_shop.pk,
            actor=owner,
            method_id=method.pk,
            rate_id=None,
            region_id=region(SURABAYA).pk,
            rate=RateInput(1, 1, 1, 1),
        )
    ships_everywhere(verified_shop)  # and a default row
    with pytest.raises(OrderRefused, match="already has a price for all other kabupaten/kota"):
        services.shipping_rate_save(
            shop_id=verified_shop.pk,
            actor=owner,
            method_id=method.pk,
            rate_id=None,
            region_id=None,
            rate=RateInput(1, 1, 1, 1),
        )
    with pytest.raises(OrderRefused, match=r"between Rp 0 and Rp 10\.000\.000"):
        services.shipping_rate_save(
            shop_id=verified_shop.pk,
            actor=owner,
            method_id=method.pk,
            rate_id=None,
            region_id=None,
            rate=RateInput(10_000_001, 0, 1, 1),
        )
    assert rows(method) == [(SURABAYA, 10_000, 5_000, 1, 3), (None, 10_000, 5_000, 1, 3)]


def test_a_row_is_edited_and_deleted(client, verified_shop, owner):
    method = ships_everywhere(verified_shop, region=region(SURABAYA))
    ships_everywhere(verified_shop)
    rate = ShippingRate.objects.get(method=method, region__code=SURABAYA)
    client.force_login(owner)
    edit_url = reverse("orders:shipping_rate_edit", args=[verified_shop.pk, method.pk, rate.pk])

    page = client.get(edit_url)
    assert page.status_code == 200
    assert 'value="Rp 10.000"' in page.content.decode()
    # Moving it onto the default row's destination is refused.
    refused = client.post(edit_url, rate_form(None))
    assert refused.status_code == 200
    assert "region" in refused.context["form"].errors
    saved = client.post(edit_url, rate_form(MALANG, first_kg_price="11.000", eta_days_min="2"))
    assert saved.status_code == 302
    assert rows(method) == [(MALANG, 11_000, 5_000, 2, 3), (None, 10_000, 5_000, 1, 3)]

    delete_url = reverse("orders:shipping_rate_delete", args=[verified_shop.pk, method.pk, rate.pk])
    assert client.post(delete_url).status_code == 302
    assert rows(method) == [(None, 10_000, 5_000, 1, 3)]
    assert client.post(delete_url).status_code == 404  # already gone


def test_bad_rate_input_changes_nothing(client, verified_shop, owner):
    method = ships_everywhere(verified_shop)
    rate = method.rates.get()
    client.force_login(owner)
    edit_url = reverse("orders:shipping_rate_edit", args=[verified_shop.pk, method.pk, rate.pk])

    response = client.post(edit_url, rate_form(None, first_kg_price="sepuluh ribu"))

    assert response.status_code == 200
    assert "first_kg_price" in response.context["form"].errors
    assert rows(method) == [(None, 10_000, 5_000, 1, 3)]


# --- In use, not in use, delete ------------------------------------------------------------------


def test_a_courier_is_put_out_of_use_and_back(client, verified_shop, owner):
    method = ships_everywhere(verified_shop)
    client.force_login(owner)
    url = reverse("orders:shipping_method_toggle", args=[verified_shop.pk, method.pk])

    client.post(url, {"is_active": "0"})
    method.refresh_from_db()
    assert not method.is_active
    client.post(url, {"is_active": "0"})  # a double click lands in the same place
    method.refresh_from_db()
    assert not method.is_active
    assert 'data-testid="no-courier"' in client.get(settings_url(verified_shop)).content.decode()

    client.post(url, {"is_active": "1"})
    method.refresh_from_db()
    assert method.is_active
    assert client.get(url).status_code == 405


def test_deleting_a_courier_keeps_the_orders_placed_with_it(
    client, verified_shop, owner, buyer, address, tempe
):
    fill_cart(buyer, (variant(tempe), 1))
    order = place(buyer, address)
    method = ShippingMethod.objects.get(shop=verified_shop)
    client.force_login(owner)

    response = client.post(
        reverse("orders:shipping_method_delete", args=[verified_shop.pk, method.pk])
    )

    assert response.status_code == 302
    assert not ShippingMethod.objects.filter(pk=method.pk).exists()
    assert not ShippingRate.objects.filter(method_id=method.pk).exists()
    shop_order = ShopOrder.objects.get(order=order)
    assert (shop_order.courier, shop_order.courier_service, shop_order.shipping_fee) == (
        "jne",
        "REG",
        10_000,
    )


# --- Who may -------------------------------------------------------------------------------------


def test_staff_may_set_up_shipping(client, verified_shop, staff):
    client.force_login(staff)
    assert client.get(settings_url(verified_shop)).status_code == 200
    add(
        client,
        verified_shop,
        courier=Courier.OWN,
        first_kg_price="5.000",
        next_kg_price="0",
        eta_days_min="0",
        eta_days_max="0",
    )
    method = ShippingMethod.objects.get(shop=verified_shop)
    assert rows(method) == [(None, 5_000, 0, 0, 0)]
    assert "same day" in client.get(settings_url(verified_shop)).content.decode()


def test_outsiders_mentors_and_strangers_get_404(
    client, verified_shop, outsider, mentor, assisted_shop
):
    method = ships_everywhere(verified_shop)
    urls = [
        settings_url(verified_shop),
        method_url(verified_shop, method),
    ]
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404
    assert add(client, verified_shop, courier=Courier.POS).status_code == 404
    # A mentor edits the profile of a shop they drafted, not its shipping.
    client.force_login(mentor)
    assert client.get(settings_url(assisted_shop)).status_code == 404
    with pytest.raises(OrderNotFound):
        services.shipping_method_add(shop_id=assisted_shop.pk, actor=mentor, courier=Courier.JNE)
    client.logout()
    assert client.get(settings_url(verified_shop)).status_code == 302  # to log in
    assert ShippingMethod.objects.count() == 1


def test_another_shops_method_or_row_is_404_and_untouched(client, verified_shop, owner, other_shop):
    theirs = ships_everywhere(other_shop, courier=Courier.SICEPAT)
    their_rate = theirs.rates.get()
    client.force_login(owner)
    shop_id = verified_shop.pk

    responses = [
        client.get(reverse("orders:shipping_method", args=[shop_id, theirs.pk])),
        client.post(reverse("orders:shipping_method", args=[shop_id, theirs.pk]), rate_form()),
        client.post(
            reverse("orders:shipping_method_toggle", args=[shop_id, theirs.pk]), {"is_active": "0"}
        ),
        client.post(reverse("orders:shipping_method_delete", args=[shop_id, theirs.pk])),
        client.get(reverse("orders:shipping_rate_edit", args=[shop_id, theirs.pk, their_rate.pk])),
        client.post(
            reverse("orders:shipping_rate_delete", args=[shop_id, theirs.pk, their_rate.pk])
        ),
        # Their shop's id in the URL: not the owner's shop at all.
        client.get(settings_url(other_shop)),
    ]

    assert [r.status_code for r in responses] == [404] * 7
    theirs.refresh_from_db()
    assert theirs.is_active
    assert rows(theirs) == [(None, 10_000, 5_000, 1, 3)]
    assert not ShippingMethod.objects.filter(shop=verified_shop).exists()


def test_another_shops_rates_cannot_be_copied(client, verified_shop, owner, other_shop):
    theirs = ships_everywhere(other_shop, courier=Courier.SICEPAT)
    ours = ships_everywhere(verified_shop, courier=Courier.JNE)
    client.force_login(owner)

    copy = add(client, verified_shop, courier=Courier.POS, copy_from=str(theirs.pk))

    assert copy.status_code == 200
    assert "copy_from" in copy.context["form"].errors
    with pytest.raises(OrderNotFound):
        services.shipping_method_add(
            shop_id=verified_shop.pk,
            actor=owner,
            courier=Courier.POS,
            copy_from_method_id=theirs.pk,
        )
    assert list(ShippingMethod.objects.filter(shop=verified_shop)) == [ours]


def test_a_row_of_another_method_of_the_same_shop_is_404(client, verified_shop, owner):
    jne = ships_everywhere(verified_shop, courier=Courier.JNE)
    pos = ships_everywhere(verified_shop, courier=Courier.POS)
    client.force_login(owner)

    url = reverse("orders:shipping_rate_edit", args=[verified_shop.pk, jne.pk, pos.rates.get().pk])

    assert client.get(url).status_code == 404


# --- Page cost and the dashboard -----------------------------------------------------------------


def test_the_page_costs_the_same_whatever_the_number_of_couriers(
    client, verified_shop, owner, django_assert_max_num_queries
):
    client.force_login(owner)
    ships_everywhere(verified_shop, courier=Courier.JNE)
    with django_assert_max_num_queries(12) as few:
        client.get(settings_url(verified_shop))
    for courier in (Courier.JNT, Courier.SICEPAT, Courier.POS, Courier.ANTERAJA):
        ships_everywhere(verified_shop, courier=courier, region=region(SURABAYA))
        ships_everywhere(verified_shop, courier=courier)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(settings_url(verified_shop))
    assert response.content.decode().count('class="rate-list"') == 5


def test_the_dashboard_checklist_recommends_a_courier(client, verified_shop, owner):
    client.force_login(owner)
    dashboard = reverse("vendors:dashboard", args=[verified_shop.pk])

    def shipping_item():
        checklist = client.get(dashboard).context["checklist"]
        return next(item for item in checklist if item.key == "shipping")

    assert not shipping_item().done
    assert not shipping_item().required
    ShippingMethod.objects.create(shop=verified_shop, courier=Courier.JNE)  # no price yet
    assert not shipping_item().done
    ships_everywhere(verified_shop, courier=Courier.JNE, service="")
    assert shipping_item().done
