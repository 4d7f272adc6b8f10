"""Whole-page cache of the list pages for anonymous visitors (marketplace.cache)."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from marketplace.cache import CSRF_PLACEHOLDER, LIST_TTL, LOCAL_TTL, PAGE_TTL
from marketplace.models import Variant
from marketplace.services import products as product_services
from tests.marketplace.test_browse import add_image, clear_cache, given_product

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def category_url(verified_shop, owner, categories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = given_product(verified_shop, owner, categories["crafts"], "Tas Pandan", price=75_000)
    add_image(product)
    clear_cache()
    return reverse("marketplace:category", args=[categories["crafts"].slug])


def test_anonymous_visitors_share_the_page_but_each_gets_a_csrf_token(category_url):
    first, second = Client(), Client()
    miss = first.get(category_url)
    hit = second.get(category_url)
    assert (miss.status_code, hit.status_code) == (200, 200)
    assert "X-Komeji-Cache" not in miss and hit["X-Komeji-Cache"] == "hit"
    assert "Tas Pandan" in hit.content.decode()
    assert CSRF_PLACEHOLDER not in hit.content.decode()
    # The second visitor's token works with their own cookie: the language form posts.
    token = TOKEN.search(hit.content.decode()).group(1)
    assert token != TOKEN.search(miss.content.decode()).group(1)
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get(category_url)
    token = TOKEN.search(page.content.decode()).group(1)
    switched = csrf_client.post(
        reverse("set_language"),
        {"language": "en", "next": category_url, "csrfmiddlewaretoken": token},
    )
    assert switched.status_code == 302


def test_signed_in_visitors_are_never_served_from_the_page_cache(client, category_url, owner):
    Client().get(category_url)
    client.force_login(owner)
    response = client.get(category_url)
    assert "X-Komeji-Cache" not in response
    assert owner.get_short_name() in response.content.decode()


def test_each_language_has_its_own_page(category_url):
    Client().get(category_url)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = english.get(category_url)
    assert "X-Komeji-Cache" not in response
    assert '<html lang="en">' in response.content.decode()


def test_a_change_reaches_the_lists_within_a_minute(category_url, verified_shop, owner):
    # The layers add up to at most a minute of staleness.
    assert LIST_TTL + PAGE_TTL + LOCAL_TTL <= 60
    Client().get(category_url)
    key = next(
        k
        for k in cache._cache.get_client().scan_iter(match="*catalogue:page:*")  # type: ignore[attr-defined]
    )
    assert 0 < cache._cache.get_client().ttl(key) <= PAGE_TTL  # type: ignore[attr-defined]
    # Once the cached layers expire (cleared here), the new price shows.
    variant = Variant.objects.get(product__name="Tas Pandan")
    product_services.variant_quick_update(
        variant_id=variant.pk, actor=owner, price=80_000, stock_on_hand=3
    )
    clear_cache()
    assert "Rp 80.000" in Client().get(category_url).content.decode()
